//! The chip's number formats and the two primitive operations every datapath stage uses.
//!
//! Notation `S<i>.<f>` / `U<i>.<f>`: signed / unsigned, `i` integer and `f` fractional bits.
//! Every product fits one DSP multiplier (25 x 18 signed, as in Xilinx DSP48E1/E2); the
//! rationale and the measured error budget are in `docs/fixed-point.md`.

/// Membrane potential, mV: S7.12 in 20 bits, range [-128, 128).
pub const V_FRAC: u32 = 12;
pub const V_BITS: u32 = 20;
/// Gating variable: U0.16 in 16 bits, range [0, 1).
pub const GATE_FRAC: u32 = 16;
pub const GATE_MAX: i64 = (1 << 16) - 1;
/// Per-step relaxation factor `1 - exp(-dt/tau)` in the gate tables: U0.18.
pub const RELAX_FRAC: u32 = 18;
pub const RELAX_MAX: i64 = (1 << 18) - 1;
/// Product of gating variables (`m^3 h`): U0.24.
pub const OPEN_FRAC: u32 = 24;
/// Maximal conductance parameter, mS/cm^2: U7.10 in 17 bits.
pub const GBAR_FRAC: u32 = 10;
pub const GBAR_MAX: i64 = (1 << 17) - 1;
/// Conductance of one channel and their sum, mS/cm^2: U8.16 in 24 bits.
pub const G_FRAC: u32 = 16;
pub const G_MAX: i64 = (1 << 24) - 1;
/// Driving force `E - V`, mV: S8.9 in 18 bits.
pub const DRIVE_FRAC: u32 = 9;
/// Current density, uA/cm^2: S12.12 in 25 bits.
pub const I_FRAC: u32 = 12;
pub const I_BITS: u32 = 25;
/// Entries of each gate table, indexed by V.
pub const LUT_BITS: u32 = 11;
pub const LUT_LEN: usize = 1 << LUT_BITS;
/// Width of one gate-table bin: 2^(V_BITS - LUT_BITS) LSBs of V = 0.125 mV.
pub const V_BIN_SHIFT: u32 = V_BITS - LUT_BITS;
/// Entries of the membrane table, indexed by G.
pub const MEMBRANE_LUT_LEN: usize = 1 << (24 - G_BIN_SHIFT);
/// Width of one membrane-table bin: 2^14 LSBs of G = 0.25 mS/cm^2 (1024 bins cover U8.16).
pub const G_BIN_SHIFT: u32 = 14;
/// Membrane-table entries: U0.17 in 17 bits, scaled by 2^membrane_shift (per dt/C).
pub const MEMBRANE_FRAC: u32 = 17;

/// Synaptic receptor state, 24 bits unsigned: a conductance in U8.16 (mS/cm^2, the format
/// of G) or a current magnitude in U12.12 (uA/cm^2, the format of I); the receptor's
/// polarity gives a current its sign.
pub const SYN_BITS: u32 = 24;
pub const SYN_MAX: i64 = (1 << SYN_BITS) - 1;
/// Per-step receptor decay `exp(-dt / tau)`: U0.18.
pub const DECAY_FRAC: u32 = 18;
pub const DECAY_MAX: i64 = (1 << DECAY_FRAC) - 1;

/// Rounds half up while dropping `shift` fractional bits: `(x + 2^(shift-1)) >> shift`, the
/// adder-plus-wiring the hardware uses. `shift` must be at least 1.
#[inline(always)]
pub fn round_shift(x: i64, shift: u32) -> i64 {
    (x + (1 << (shift - 1))) >> shift
}

/// Saturates to a signed `bits`-wide value.
#[inline(always)]
pub fn sat_signed(x: i64, bits: u32) -> i64 {
    x.clamp(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
}

/// Saturates to [0, max].
#[inline(always)]
pub fn sat_unsigned(x: i64, max: i64) -> i64 {
    x.clamp(0, max)
}

/// Nearest representable value of `x * 2^frac`, saturated to a signed `bits`-wide value.
pub fn quantize_signed(x: f64, frac: u32, bits: u32) -> i64 {
    sat_signed((x * (1u64 << frac) as f64).round() as i64, bits)
}

/// The low `width` bits of `x`, two's complement: a register's contents as the hardware
/// holds them.
#[inline]
pub fn to_bits(x: i64, width: u32) -> u64 {
    (x as u64) & (u64::MAX >> (64 - width))
}

/// The signed value of the low `width` bits of `raw` (inverse of [`to_bits`]).
#[inline]
pub fn from_bits(raw: u64, width: u32) -> i64 {
    ((raw << (64 - width)) as i64) >> (64 - width)
}

/// The gate register nearest to the fraction `x` (U0.16, saturating).
pub fn gate_to_fixed(x: f64) -> u16 {
    sat_unsigned((x * 65536.0).round() as i64, GATE_MAX) as u16
}

/// Millivolts of a V register.
pub fn v_to_mv(v: i64) -> f64 {
    v as f64 / f64::from(1u32 << V_FRAC)
}

/// The V register nearest to `mv` (saturating).
pub fn mv_to_v(mv: f64) -> i64 {
    quantize_signed(mv, V_FRAC, V_BITS)
}

/// Gate-table row for a V register: the top LUT_BITS bits of V with the sign bit inverted,
/// i.e. `(V + 128 mV) / 0.125 mV` rounded down, so row `i` covers
/// [-128 + 0.125 i, -128 + 0.125 (i + 1)) mV.
#[inline(always)]
pub fn gate_row(v: i64) -> usize {
    ((v + (1 << (V_BITS - 1))) >> V_BIN_SHIFT) as usize
}

/// Centre of gate-table row `i`, mV: where the table samples the channel's rates.
pub fn gate_row_centre_mv(i: usize) -> f64 {
    -128.0 + (i as f64 + 0.5) * 128.0 * 2.0 / LUT_LEN as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_up_for_both_signs() {
        assert_eq!(round_shift(3, 1), 2); // 1.5 -> 2
        assert_eq!(round_shift(-3, 1), -1); // -1.5 -> -1
        assert_eq!(round_shift(5, 2), 1); // 1.25 -> 1
        assert_eq!(round_shift(-5, 2), -1); // -1.25 -> -1
    }

    #[test]
    fn gate_rows_cover_the_v_range() {
        assert_eq!(gate_row(-(1 << 19)), 0);
        assert_eq!(gate_row((1 << 19) - 1), LUT_LEN - 1);
        assert_eq!(gate_row(mv_to_v(-65.0)), 504); // (-65 + 128) / 0.125
        assert_eq!(gate_row_centre_mv(504), -64.9375);
        assert_eq!(mv_to_v(200.0), (1 << 19) - 1);
    }

    #[test]
    fn register_bits_round_trip_signed_values() {
        assert_eq!(to_bits(-1, 20), 0xFFFFF);
        assert_eq!(from_bits(0xFFFFF, 20), -1);
        assert_eq!(from_bits(0x7FFFF, 20), (1 << 19) - 1);
        assert_eq!(from_bits(to_bits(-12345, 25), 25), -12345);
    }
}
