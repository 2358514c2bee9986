//! Lookup tables generated from a channel set: what the host loads into the chip's memories.
//!
//! Tables are computed in f64 (libm) from the channel expressions at the centre of each bin
//! and rounded to nearest, so a row holds the best constant for its whole bin.

use channels::ChannelSet;

use crate::format::*;

/// One gate's pair of tables, indexed by [`gate_row`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateTable {
    /// Steady state, U0.16.
    pub inf: Vec<u16>,
    /// `1 - exp(-dt / tau)`, U0.18.
    pub relax: Vec<u32>,
}

/// The membrane table: `(1 - exp(-dt G / C)) / G` per 0.25 mS/cm^2 bin of G, in
/// U0.17 scaled by `2^shift` (mV per uA/cm^2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembraneTable {
    pub factor: Vec<u32>,
    pub shift: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableError(pub String);

impl std::fmt::Display for TableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn gate_tables(set: &ChannelSet, dt: f64) -> Vec<GateTable> {
    set.gates
        .iter()
        .map(|gate| {
            let (mut inf, mut relax) = (Vec::with_capacity(LUT_LEN), Vec::with_capacity(LUT_LEN));
            for i in 0..LUT_LEN {
                let (x_inf, tau) = gate.kinetics.inf_tau(gate_row_centre_mv(i));
                let q = (x_inf * f64::from(1u32 << GATE_FRAC)).round() as i64;
                inf.push(sat_unsigned(q, GATE_MAX) as u16);
                let k = -(-dt / tau).exp_m1();
                let q = (k * f64::from(1u32 << RELAX_FRAC)).round() as i64;
                relax.push(sat_unsigned(q, RELAX_MAX) as u32);
            }
            GateTable { inf, relax }
        })
        .collect()
}

pub fn membrane_table(dt: f64, capacitance: f64) -> Result<MembraneTable, TableError> {
    let dt_over_c = dt / capacitance;
    if !(dt_over_c > 0.0 && dt_over_c < 1.0) {
        return Err(TableError(format!(
            "dt / C = {dt_over_c} ms cm^2/uF: the chip's membrane table needs 0 < dt/C < 1"
        )));
    }
    // Largest scale that keeps dt/C (the table's largest value, at G -> 0) below 1.
    let shift = (-dt_over_c.log2()).floor() as u32;
    let scale = f64::from(1u32 << (MEMBRANE_FRAC + shift));
    let bin = f64::from(1u32 << G_BIN_SHIFT) / f64::from(1u32 << G_FRAC);
    let factor = (0..MEMBRANE_LUT_LEN)
        .map(|j| {
            let g = (j as f64 + 0.5) * bin;
            let f = -(-dt_over_c * g).exp_m1() / g;
            sat_unsigned((f * scale).round() as i64, (1 << MEMBRANE_FRAC) - 1) as u32
        })
        .collect();
    Ok(MembraneTable { factor, shift })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squid_tables_hold_the_rates() {
        let set = ChannelSet::builtin("hh_squid").unwrap();
        let t = gate_tables(&set, 0.025);
        let row = gate_row(mv_to_v(-65.0));
        // Row centre -64.9375 mV; n relaxes with tau ~ 5.4 ms at rest.
        let m = f64::from(t[0].inf[row]) / 65536.0;
        assert!((m - set.steady_state(-64.9375)[0]).abs() < 1.0 / 65536.0);
        let k_n = f64::from(t[2].relax[row]) / f64::from(1 << 18);
        let (_, tau_n) = set.gates[2].kinetics.inf_tau(-64.9375);
        assert!((k_n - (1.0 - (-0.025 / tau_n).exp())).abs() < 1e-5);
    }

    #[test]
    fn membrane_table_starts_at_dt_over_c() {
        let t = membrane_table(0.025, 1.0).unwrap();
        assert_eq!(t.shift, 5);
        let first = f64::from(t.factor[0]) / f64::from(1u32 << (17 + 5));
        assert!((first - 0.025).abs() < 0.025 * 0.002, "{first}");
        assert!(t.factor.windows(2).all(|w| w[0] >= w[1]), "decreasing in G");
        assert!(membrane_table(2.0, 1.0).is_err());
    }
}
