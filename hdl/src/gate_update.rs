//! One gate unit: `x <- sat_U0.16(x + round((inf - x) * k / 2^18))` (docs/fixed-point.md,
//! step 2). Two pipeline stages: the 17 x 19-bit product, then round, add and saturate.

use rust_hdl::prelude::*;
use sim::format::{round_shift, sat_unsigned, GATE_MAX, RELAX_FRAC};

/// Clocks from `x`/`inf`/`relax` to `x_new`.
pub const LATENCY: usize = 2;

#[derive(LogicBlock, Default)]
pub struct GateUpdate {
    pub clock: Signal<In, Clock>,
    /// Gate value, U0.16.
    pub x: Signal<In, Bits<16>>,
    /// Table entries for the neuron's V row: steady state U0.16, relaxation U0.18.
    pub inf: Signal<In, Bits<16>>,
    pub relax: Signal<In, Bits<18>>,
    pub x_new: Signal<Out, Bits<16>>,
    _product: i64,
    _x_delayed: i64,
}

/// The stage-2 arithmetic, shared with the model.
fn relaxed(x: i64, product: i64) -> i64 {
    sat_unsigned(x + round_shift(product, RELAX_FRAC), GATE_MAX)
}

impl Logic for GateUpdate {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            self.x_new.next = bits::<16>(relaxed(self._x_delayed, self._product) as u64);
            let x = self.x.val().to_u64() as i64;
            self._product = (self.inf.val().to_u64() as i64 - x) * self.relax.val().to_u64() as i64;
            self._x_delayed = x;
        }
    }

    fn connect(&mut self) {
        self.x_new.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(
            "\
// (inf - x) is S1.16, k is U0.18: the product fits 36 signed bits.
wire signed [16:0] difference = $signed({1'b0, inf}) - $signed({1'b0, x});
reg signed [35:0] product;
reg [15:0] x_delayed;
wire signed [39:0] rounded = ($signed({{4{product[35]}}, product}) + 40'sd131072) >>> 18;
wire signed [39:0] sum = $signed({24'd0, x_delayed}) + rounded;
always @(posedge clock) begin
    product <= difference * $signed({1'b0, relax});
    x_delayed <= x;
    if (sum < 40'sd0) x_new <= 16'd0;
    else if (sum > 40'sd65535) x_new <= 16'hffff;
    else x_new <= sum[15:0];
end"
            .into(),
        )
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "gate_update".into(),
            clock: "clock".into(),
            inputs: vec!["x".into(), "inf".into(), "relax".into()],
            outputs: vec!["x_new".into()],
        }]
    }
}
