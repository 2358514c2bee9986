//! One receptor unit (docs/fixed-point.md, synaptic receptors): the neuron's receptor state
//! plus the weights delivered since the last step, `s = min(state + acc, 2^24 - 1)`, enters
//! the membrane sums like a channel (conductance `s`, current `round(s * drive / 2^13)`) or as
//! a current `+s` / `-s`; the state decays to `(s * decay) >> 18`. First stage: `s` and the
//! driving force; second: the terms and the new state. An unused unit (kind 0) adds nothing.

use rust_hdl::prelude::*;
use sim::format::{round_shift, DECAY_FRAC, DRIVE_FRAC, G_FRAC, I_FRAC, SYN_MAX};

use crate::bits::to_bits;
use crate::channel_current::{driving_force, DRIVING_FORCE_VERILOG, TERM_BITS};

/// Clocks from inputs to `conductance` / `current` / `new_state`.
pub const LATENCY: usize = 2;

/// Receptor kinds as the `receptor_kind` registers hold them.
pub const KIND_OFF: u32 = 0;
pub const KIND_CONDUCTANCE: u32 = 1;
pub const KIND_EXCITATORY_CURRENT: u32 = 2;
pub const KIND_INHIBITORY_CURRENT: u32 = 3;

#[derive(LogicBlock, Default)]
pub struct ReceptorUnit {
    pub clock: Signal<In, Clock>,
    /// Decayed state, 24 bits (U8.16 conductance or U12.12 current magnitude).
    pub state: Signal<In, Bits<24>>,
    /// Weights delivered since the last step (saturated at 2^24 - 1 by the delivery).
    pub accumulated: Signal<In, Bits<24>>,
    /// Membrane potential and reversal potential, S7.12.
    pub v: Signal<In, Bits<20>>,
    pub reversal: Signal<In, Bits<20>>,
    /// `KIND_*`.
    pub kind: Signal<In, Bits<2>>,
    /// `exp(-dt / tau)`, U0.18.
    pub decay: Signal<In, Bits<18>>,
    /// Contribution to G, U8.16.
    pub conductance: Signal<Out, Bits<24>>,
    /// Contribution to I, S17.12.
    pub current: Signal<Out, Bits<TERM_BITS>>,
    /// The state for the next step.
    pub new_state: Signal<Out, Bits<24>>,
    _sum: i64,
    _drive: i64,
}

impl Logic for ReceptorUnit {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let s = self._sum;
            let kind = self.kind.val().to_u64() as u32;
            let (g, i) = match kind {
                KIND_CONDUCTANCE => (
                    s,
                    round_shift(s * self._drive, G_FRAC + DRIVE_FRAC - I_FRAC),
                ),
                KIND_EXCITATORY_CURRENT => (0, s),
                KIND_INHIBITORY_CURRENT => (0, -s),
                _ => (0, 0),
            };
            self.conductance.next = bits::<24>(g as u64);
            self.current.next = bits::<TERM_BITS>(to_bits(i, TERM_BITS as u32));
            let decay = self.decay.val().to_u64() as i64;
            self.new_state.next = bits::<24>(((s * decay) >> DECAY_FRAC) as u64);
            self._sum = (self.state.val().to_u64() as i64 + self.accumulated.val().to_u64() as i64)
                .min(SYN_MAX);
            self._drive = driving_force(self.reversal.val(), self.v.val());
        }
    }

    fn connect(&mut self) {
        self.conductance.connect();
        self.current.connect();
        self.new_state.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(
            DRIVING_FORCE_VERILOG.to_string()
                + "\
wire [24:0] total = {1'b0, state} + {1'b0, accumulated};
reg [23:0] s;
reg signed [18:0] drive;
// U8.16 x S9.9 -> S17.12 after rounding off 13 bits.
wire signed [43:0] term = ($signed({1'b0, s}) * drive + 44'sd4096) >>> 13;
// 24 x U0.18, floor: the state only ever decays.
wire [41:0] decayed = s * decay;
// Rounded-off and sign-extension bits.
wire unused_bits = &{1'b0, drive_rounded[21:19], term[43:30], decayed[17:0]};
always @(posedge clock) begin
    s <= total[24] ? 24'hffffff : total[23:0];
    drive <= drive_rounded[18:0];
    conductance <= (kind == 2'd1) ? s : 24'd0;
    case (kind)
        2'd1: current <= term[29:0];
        2'd2: current <= {6'd0, s};
        2'd3: current <= 30'd0 - {6'd0, s};
        default: current <= 30'd0;
    endcase
    new_state <= decayed[41:18];
end",
        )
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "receptor_unit".into(),
            clock: "clock".into(),
            inputs: vec![
                "state".into(),
                "accumulated".into(),
                "v".into(),
                "reversal".into(),
                "kind".into(),
                "decay".into(),
            ],
            outputs: vec!["conductance".into(), "current".into(), "new_state".into()],
        }]
    }
}
