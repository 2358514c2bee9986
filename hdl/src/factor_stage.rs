//! One gating factor of a channel's open fraction (docs/fixed-point.md, step 3): the first
//! stage of a channel loads `P = x << 8`; each further stage, when enabled, multiplies
//! `P = round(P * x / 2^16)` (24 x 16 bits), otherwise passes P on. `select` picks which of
//! the four gates (already updated) this factor uses. One pipeline stage.

use rust_hdl::prelude::*;
use sim::format::{round_shift, GATE_FRAC, OPEN_FRAC};

#[derive(LogicBlock)]
pub struct FactorStage {
    pub clock: Signal<In, Clock>,
    /// Open fraction so far, U0.24 (ignored by a first stage).
    pub open_in: Signal<In, Bits<24>>,
    pub x0: Signal<In, Bits<16>>,
    pub x1: Signal<In, Bits<16>>,
    pub x2: Signal<In, Bits<16>>,
    pub x3: Signal<In, Bits<16>>,
    pub select: Signal<In, Bits<2>>,
    /// Multiply by the selected gate (ignored by a first stage).
    pub enable: Signal<In, Bit>,
    pub open_out: Signal<Out, Bits<24>>,
    _first: bool,
}

impl FactorStage {
    /// `first`: this stage starts the product rather than extending it.
    pub fn new(first: bool) -> Self {
        Self {
            clock: Default::default(),
            open_in: Default::default(),
            x0: Default::default(),
            x1: Default::default(),
            x2: Default::default(),
            x3: Default::default(),
            select: Default::default(),
            enable: Default::default(),
            open_out: Default::default(),
            _first: first,
        }
    }
}

impl Logic for FactorStage {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let x = [&self.x0, &self.x1, &self.x2, &self.x3][self.select.val().index()]
                .val()
                .to_u64() as i64;
            let open = self.open_in.val().to_u64() as i64;
            let next = if self._first {
                x << (OPEN_FRAC - GATE_FRAC)
            } else if self.enable.val() {
                round_shift(open * x, GATE_FRAC)
            } else {
                open
            };
            self.open_out.next = bits::<24>(next as u64);
        }
    }

    fn connect(&mut self) {
        self.open_out.connect();
    }

    fn hdl(&self) -> Verilog {
        let select = "\
reg [15:0] selected;
always @(*) begin
    case (select)
        2'd0: selected = x0;
        2'd1: selected = x1;
        2'd2: selected = x2;
        default: selected = x3;
    endcase
end
";
        let body = if self._first {
            "\
// A first stage only loads the product: the unused inputs stay unconnected in use.
wire unused_first = &{1'b0, open_in, enable};
always @(posedge clock) open_out <= {selected, 8'd0};"
        } else {
            "\
// U0.24 x U0.16, rounded half up back to U0.24: never exceeds 24 bits.
wire [39:0] product = open_in * selected;
wire [39:0] rounded = product + 40'd32768;
wire unused_bits = &{1'b0, rounded[15:0]};
always @(posedge clock) open_out <= enable ? rounded[39:16] : open_in;"
        };
        Verilog::Custom(format!("{select}{body}"))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "factor_stage".into(),
            clock: "clock".into(),
            inputs: vec![
                "open_in".into(),
                "x0".into(),
                "x1".into(),
                "x2".into(),
                "x3".into(),
                "select".into(),
                "enable".into(),
            ],
            outputs: vec!["open_out".into()],
        }]
    }
}
