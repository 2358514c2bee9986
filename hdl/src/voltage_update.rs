//! The membrane update (docs/fixed-point.md, steps 5-6): exponential Euler without division,
//! `V <- sat_S7.12(V + round(I * F / 2^shift))` with `F` read from the membrane table and
//! `shift = 17 + s`, and the spike flag `V_old < threshold <= V_new`. Two pipeline stages:
//! the 25 x 17-bit product, then round, add, saturate and compare.

use rust_hdl::prelude::*;
use sim::format::{round_shift, sat_signed, V_BITS};

use crate::bits::{as_signed, to_bits};

/// Clocks from inputs to `v_new` / `spike`.
pub const LATENCY: usize = 2;

#[derive(LogicBlock, Default)]
pub struct VoltageUpdate {
    pub clock: Signal<In, Clock>,
    /// Membrane potential, S7.12.
    pub v: Signal<In, Bits<20>>,
    /// Net current, S12.12.
    pub current: Signal<In, Bits<25>>,
    /// Membrane-table entry F(G), U0.17 scaled by 2^s.
    pub factor: Signal<In, Bits<17>>,
    /// 17 + s: the right shift that brings I * F back to S7.12 (at least 1).
    pub shift: Signal<In, Bits<5>>,
    pub threshold: Signal<In, Bits<20>>,
    pub v_new: Signal<Out, Bits<20>>,
    pub spike: Signal<Out, Bit>,
    _product: i64,
    _v: i64,
}

impl Logic for VoltageUpdate {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let shift = (self.shift.val().to_u64() as u32).max(1);
            let new = sat_signed(self._v + round_shift(self._product, shift), V_BITS);
            let threshold = as_signed(self.threshold.val());
            self.v_new.next = bits::<20>(to_bits(new, 20));
            self.spike.next = self._v < threshold && new >= threshold;
            self._product = as_signed(self.current.val()) * self.factor.val().to_u64() as i64;
            self._v = as_signed(self.v.val());
        }
    }

    fn connect(&mut self) {
        self.v_new.connect();
        self.spike.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(
            "\
reg signed [42:0] product;
reg signed [19:0] v_delayed;
// A shift of 0 is not a valid setting; it is treated as 1 (as the model does).
wire [4:0] amount = (shift == 5'd0) ? 5'd1 : shift;
wire signed [42:0] half = 43'sd1 <<< (amount - 5'd1);
wire signed [42:0] rounded = (product + half) >>> amount;
wire signed [43:0] sum = $signed({{24{v_delayed[19]}}, v_delayed}) + $signed({rounded[42], rounded});
wire signed [19:0] saturated = (sum > 44'sd524287) ? 20'sh7ffff
                             : (sum < -44'sd524288) ? 20'sh80000 : sum[19:0];
always @(posedge clock) begin
    product <= $signed(current) * $signed({1'b0, factor});
    v_delayed <= $signed(v);
    v_new <= saturated;
    spike <= (v_delayed < $signed(threshold)) && (saturated >= $signed(threshold));
end"
            .into(),
        )
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "voltage_update".into(),
            clock: "clock".into(),
            inputs: vec![
                "v".into(),
                "current".into(),
                "factor".into(),
                "shift".into(),
                "threshold".into(),
            ],
            outputs: vec!["v_new".into(), "spike".into()],
        }]
    }
}
