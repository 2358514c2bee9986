//! The membrane's totals (docs/fixed-point.md, step 4): `G = sat_U8.16(sum G_c)` and
//! `I = sat_S12.12(I_ext + sum terms)` over the four channel units and the four receptor
//! units (inputs 4-7), exact in wide adders and saturated once, so the order of the terms
//! never matters. One pipeline stage.

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
    pub conductance4: Signal<In, Bits<24>>,
    pub conductance5: Signal<In, Bits<24>>,
    pub conductance6: Signal<In, Bits<24>>,
    pub conductance7: Signal<In, Bits<24>>,
    pub current0: Signal<In, Bits<TERM_BITS>>,
    pub current1: Signal<In, Bits<TERM_BITS>>,
    pub current2: Signal<In, Bits<TERM_BITS>>,
    pub current3: Signal<In, Bits<TERM_BITS>>,
    pub current4: Signal<In, Bits<TERM_BITS>>,
    pub current5: Signal<In, Bits<TERM_BITS>>,
    pub current6: Signal<In, Bits<TERM_BITS>>,
    pub current7: Signal<In, Bits<TERM_BITS>>,
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
                &self.conductance4,
                &self.conductance5,
                &self.conductance6,
                &self.conductance7,
            ]
            .iter()
            .map(|s| s.val().to_u64() as i64)
            .sum();
            let i: i64 = [
                &self.current0,
                &self.current1,
                &self.current2,
                &self.current3,
                &self.current4,
                &self.current5,
                &self.current6,
                &self.current7,
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
// Eight 24-bit conductances need 27 bits; eight S17.12 terms and I_ext need 34.
wire [26:0] g_sum = {3'd0, conductance0} + {3'd0, conductance1}
                  + {3'd0, conductance2} + {3'd0, conductance3}
                  + {3'd0, conductance4} + {3'd0, conductance5}
                  + {3'd0, conductance6} + {3'd0, conductance7};
wire signed [33:0] i_sum = $signed({{4{current0[29]}}, current0}) + $signed({{4{current1[29]}}, current1})
                         + $signed({{4{current2[29]}}, current2}) + $signed({{4{current3[29]}}, current3})
                         + $signed({{4{current4[29]}}, current4}) + $signed({{4{current5[29]}}, current5})
                         + $signed({{4{current6[29]}}, current6}) + $signed({{4{current7[29]}}, current7})
                         + $signed({{9{i_ext[24]}}, i_ext});
always @(posedge clock) begin
    conductance <= (g_sum > 27'hffffff) ? 24'hffffff : g_sum[23:0];
    if (i_sum > 34'sd16777215) current <= 25'h0ffffff;
    else if (i_sum < -34'sd16777216) current <= 25'h1000000;
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
                "conductance4".into(),
                "conductance5".into(),
                "conductance6".into(),
                "conductance7".into(),
                "current0".into(),
                "current1".into(),
                "current2".into(),
                "current3".into(),
                "current4".into(),
                "current5".into(),
                "current6".into(),
                "current7".into(),
                "i_ext".into(),
            ],
            outputs: vec!["conductance".into(), "current".into()],
        }]
    }
}
