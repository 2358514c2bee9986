//! The membrane's totals (docs/fixed-point.md, step 4): `G = sat_U8.16(sum G_c)` and
//! `I = sat_S12.12(I_ext + sum terms)`, exact in wide adders and saturated once, so the
//! order of the channels never matters. One pipeline stage.

use rust_hdl::prelude::*;
use sim::format::{sat_signed, sat_unsigned, G_MAX, I_BITS};

use crate::bits::{as_signed, to_bits};
use crate::channel_current::TERM_BITS;

#[derive(LogicBlock, Default)]
pub struct MembraneSum {
    pub clock: Signal<In, Clock>,
    pub conductance0: Signal<In, Bits<24>>,
    pub conductance1: Signal<In, Bits<24>>,
    pub conductance2: Signal<In, Bits<24>>,
    pub conductance3: Signal<In, Bits<24>>,
    pub current0: Signal<In, Bits<TERM_BITS>>,
    pub current1: Signal<In, Bits<TERM_BITS>>,
    pub current2: Signal<In, Bits<TERM_BITS>>,
    pub current3: Signal<In, Bits<TERM_BITS>>,
    /// Injected current, S12.12.
    pub i_ext: Signal<In, Bits<25>>,
    /// Total conductance, U8.16.
    pub conductance: Signal<Out, Bits<24>>,
    /// Net current, S12.12.
    pub current: Signal<Out, Bits<25>>,
}

impl Logic for MembraneSum {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let g: i64 = [
                &self.conductance0,
                &self.conductance1,
                &self.conductance2,
                &self.conductance3,
            ]
            .iter()
            .map(|s| s.val().to_u64() as i64)
            .sum();
            let i: i64 = [
                &self.current0,
                &self.current1,
                &self.current2,
                &self.current3,
            ]
            .iter()
            .map(|s| as_signed(s.val()))
            .sum::<i64>()
                + as_signed(self.i_ext.val());
            self.conductance.next = bits::<24>(sat_unsigned(g, G_MAX) as u64);
            self.current.next = bits::<25>(to_bits(sat_signed(i, I_BITS), 25));
        }
    }

    fn connect(&mut self) {
        self.conductance.connect();
        self.current.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(
            "\
wire [25:0] g_sum = {2'd0, conductance0} + {2'd0, conductance1}
                  + {2'd0, conductance2} + {2'd0, conductance3};
wire signed [32:0] i_sum = $signed({{3{current0[29]}}, current0}) + $signed({{3{current1[29]}}, current1})
                         + $signed({{3{current2[29]}}, current2}) + $signed({{3{current3[29]}}, current3})
                         + $signed({{8{i_ext[24]}}, i_ext});
always @(posedge clock) begin
    conductance <= (g_sum > 26'hffffff) ? 24'hffffff : g_sum[23:0];
    if (i_sum > 33'sd16777215) current <= 25'h0ffffff;
    else if (i_sum < -33'sd16777216) current <= 25'h1000000;
    else current <= i_sum[24:0];
end"
            .into(),
        )
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "membrane_sum".into(),
            clock: "clock".into(),
            inputs: vec![
                "conductance0".into(),
                "conductance1".into(),
                "conductance2".into(),
                "conductance3".into(),
                "current0".into(),
                "current1".into(),
                "current2".into(),
                "current3".into(),
                "i_ext".into(),
            ],
            outputs: vec!["conductance".into(), "current".into()],
        }]
    }
}
