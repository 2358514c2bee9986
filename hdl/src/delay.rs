//! A shift register of `L` stages: carries a value alongside the pipeline. `reset` clears
//! every stage (so a stale valid bit never writes back after a reset).

use rust_hdl::prelude::*;
use std::collections::VecDeque;

#[derive(LogicBlock)]
pub struct Delay<T: Synth, const L: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub d: Signal<In, T>,
    pub q: Signal<Out, T>,
    _stages: VecDeque<T>,
}

impl<T: Synth, const L: usize> Default for Delay<T, L> {
    fn default() -> Self {
        assert!(L >= 1, "a delay needs at least one stage");
        Self {
            clock: Default::default(),
            reset: Default::default(),
            d: Default::default(),
            q: Default::default(),
            _stages: (0..L).map(|_| T::default()).collect(),
        }
    }
}

impl<T: Synth, const L: usize> Logic for Delay<T, L> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            if self.reset.val() {
                self._stages.iter_mut().for_each(|s| *s = T::default());
            } else {
                self._stages.pop_back();
                self._stages.push_front(self.d.val());
            }
            self.q.next = self._stages[L - 1];
        }
    }

    fn connect(&mut self) {
        self.q.connect();
    }

    fn hdl(&self) -> Verilog {
        // One packed vector shifted by W bits per clock: simulators (Verilator) and
        // synthesis handle it as a plain register, where an unpacked array needs a copy
        // per element.
        let (width, total) = (T::BITS, T::BITS * L);
        let shifted = if L == 1 {
            "d".to_string()
        } else {
            format!("{{line[{}:0], d}}", total - width - 1)
        };
        Verilog::Custom(format!(
            "reg [{msb}:0] line;\n\
always @(posedge clock) line <= reset ? {total}'d0 : {shifted};\n\
always @(*) q = line[{msb}:{low}];",
            msb = total - 1,
            low = total - width,
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "delay".into(),
            clock: "clock".into(),
            inputs: vec!["d".into(), "reset".into()],
            outputs: vec!["q".into()],
        }]
    }
}
