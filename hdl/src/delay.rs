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
            _stages: std::iter::repeat_n(T::default(), L).collect(),
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
        let (msb, last, width) = (T::BITS - 1, L - 1, T::BITS);
        let shift = if L == 1 {
            "stage[0] <= d;".to_string()
        } else {
            format!("stage[0] <= d;\n        for (i = 1; i <= {last}; i = i + 1) stage[i] <= stage[i - 1];")
        };
        Verilog::Custom(format!(
            "reg [{msb}:0] stage [0:{last}];\n\
integer i;\n\
always @(posedge clock) begin\n\
    if (reset) begin\n\
        for (i = 0; i <= {last}; i = i + 1) stage[i] <= {width}'d0;\n\
    end else begin\n\
        {shift}\n\
    end\n\
end\n\
always @(*) q = stage[{last}];"
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
