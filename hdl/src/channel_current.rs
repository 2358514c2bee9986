//! One channel unit (docs/fixed-point.md, steps 3-4): its conductance
//! `G_c = round(gbar * P / 2^18)` (or `gbar << 6` for a leak) and driving force
//! `round((E - V) / 2^3)` in the first stage, its current term `round(G_c * drive / 2^13)`
//! in the second. An unused unit has `gbar = 0` and contributes nothing.

use rust_hdl::prelude::*;
use sim::format::{round_shift, DRIVE_FRAC, GBAR_FRAC, G_FRAC, I_FRAC, OPEN_FRAC, V_FRAC};

use crate::bits::{as_signed, to_bits};

/// Clocks from inputs to `conductance` / `current`.
pub const LATENCY: usize = 2;
/// The driving force `round((E - V) / 2^3)`, S9.9, as both the channel and the receptor
/// units compute it.
pub fn driving_force(reversal: Bits<20>, v: Bits<20>) -> i64 {
    round_shift(as_signed(reversal) - as_signed(v), V_FRAC - DRIVE_FRAC)
}

/// The driving force in Verilog: `drive_rounded[18:0]` from the ports `reversal` and `v`.
pub const DRIVING_FORCE_VERILOG: &str = "\
// E - V in S8.12, rounded to S8.9. One bit wider than the S8.9 format: at the extreme
// E - V = 256 mV - 1 LSB the rounding reaches 2^17, and `sim` keeps that value.
wire signed [21:0] difference = $signed({{2{reversal[19]}}, reversal}) - $signed({{2{v[19]}}, v});
wire signed [21:0] drive_rounded = (difference + 22'sd4) >>> 3;
";

/// Width of one channel's current term, S17.12: |G_c * drive| < 2^41 before the shift.
pub const TERM_BITS: usize = 30;

#[derive(LogicBlock, Default)]
pub struct ChannelCurrent {
    pub clock: Signal<In, Clock>,
    /// Open fraction, U0.24.
    pub open: Signal<In, Bits<24>>,
    /// Maximal conductance, U7.10.
    pub gbar: Signal<In, Bits<17>>,
    /// A leak: conductance is gbar itself, the open fraction is ignored.
    pub leak: Signal<In, Bit>,
    /// Reversal potential and membrane potential, S7.12.
    pub reversal: Signal<In, Bits<20>>,
    pub v: Signal<In, Bits<20>>,
    /// G_c, U8.16.
    pub conductance: Signal<Out, Bits<24>>,
    /// G_c (E - V), S17.12.
    pub current: Signal<Out, Bits<TERM_BITS>>,
    _conductance: i64,
    _drive: i64,
}

impl Logic for ChannelCurrent {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            self.conductance.next = bits::<24>(self._conductance as u64);
            let term = round_shift(
                self._conductance * self._drive,
                G_FRAC + DRIVE_FRAC - I_FRAC,
            );
            self.current.next = bits::<TERM_BITS>(to_bits(term, TERM_BITS as u32));
            let gbar = self.gbar.val().to_u64() as i64;
            self._conductance = if self.leak.val() {
                gbar << (G_FRAC - GBAR_FRAC)
            } else {
                round_shift(
                    gbar * self.open.val().to_u64() as i64,
                    GBAR_FRAC + OPEN_FRAC - G_FRAC,
                )
            };
            self._drive = driving_force(self.reversal.val(), self.v.val());
        }
    }

    fn connect(&mut self) {
        self.conductance.connect();
        self.current.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(
            DRIVING_FORCE_VERILOG.to_string()
                + "\
// U7.10 x U0.24 -> U8.16 after rounding off 18 bits; fits 24 bits.
wire [40:0] gated = gbar * open + 41'd131072;
reg [23:0] channel_conductance;
reg signed [18:0] drive;
// U8.16 x S9.9 -> S17.12 after rounding off 13 bits.
wire signed [43:0] term = ($signed({1'b0, channel_conductance}) * drive + 44'sd4096) >>> 13;
// Rounded-off and sign-extension bits.
wire unused_bits = &{1'b0, gated[17:0], drive_rounded[21:19], term[43:30]};
always @(posedge clock) begin
    channel_conductance <= leak ? {1'b0, gbar, 6'd0} : {1'b0, gated[40:18]};
    drive <= drive_rounded[18:0];
    conductance <= channel_conductance;
    current <= term[29:0];
end",
        )
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "channel_current".into(),
            clock: "clock".into(),
            inputs: vec![
                "open".into(),
                "gbar".into(),
                "leak".into(),
                "reversal".into(),
                "v".into(),
            ],
            outputs: vec!["conductance".into(), "current".into()],
        }]
    }
}
