//! The step controller: on `start`, issues neurons `0 .. neuron_count` into the datapath, one
//! per clock, then stays busy until the last one has been written back (`drain` clocks).
//! While busy the datapath owns the memories; host accesses wait for `busy` to fall.

use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct StepController {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub start: Signal<In, Bit>,
    pub neuron_count: Signal<In, Bits<11>>,
    /// A neuron enters the pipeline this clock.
    pub issue: Signal<Out, Bit>,
    pub neuron: Signal<Out, Bits<10>>,
    pub busy: Signal<Out, Bit>,
    running: DFF<Bit>,
    counter: DFF<Bits<11>>,
    drain: DFF<Bits<5>>,
    drain_cycles: Constant<Bits<5>>,
}

impl StepController {
    /// `drain_cycles`: clocks from the last issue until its write-back is done.
    pub fn new(drain_cycles: u64) -> Self {
        assert!(drain_cycles < 32);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            start: Default::default(),
            neuron_count: Default::default(),
            issue: Default::default(),
            neuron: Default::default(),
            busy: Default::default(),
            running: Default::default(),
            counter: Default::default(),
            drain: Default::default(),
            drain_cycles: Constant::new(drain_cycles.to_bits()),
        }
    }
}

impl Logic for StepController {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, running, counter, drain);
        self.issue.next = self.running.q.val();
        self.neuron.next = self.counter.q.val().get_bits::<10>(0);
        self.busy.next = self.running.q.val() | self.drain.q.val().any();
        if self.drain.q.val().any() {
            self.drain.d.next = self.drain.q.val() - 1;
        }
        if self.running.q.val() {
            self.counter.d.next = self.counter.q.val() + 1;
            if (self.counter.q.val() + 1) == self.neuron_count.val() {
                self.running.d.next = false;
                self.drain.d.next = self.drain_cycles.val();
            }
        } else if self.start.val() & !self.drain.q.val().any() & self.neuron_count.val().any() {
            self.running.d.next = true;
            self.counter.d.next = 0.into();
        }
        if self.reset.val() {
            self.running.d.next = false;
            self.counter.d.next = 0.into();
            self.drain.d.next = 0.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_every_neuron_once_then_drains() {
        let mut uut = StepController::new(4);
        uut.connect_all();
        let mut sim = simple_sim!(StepController, clock, 100_000_000, ep, {
            let mut x = ep.init()?;
            x.reset.next = true;
            wait_clock_cycle!(ep, clock, x);
            x.reset.next = false;
            x.neuron_count.next = 3.into();
            x.start.next = true;
            wait_clock_cycle!(ep, clock, x);
            x.start.next = false;
            let mut issued = vec![];
            let mut busy_cycles = 0;
            for _ in 0..20 {
                if x.issue.val() {
                    issued.push(x.neuron.val().index());
                }
                if x.busy.val() {
                    busy_cycles += 1;
                }
                wait_clock_cycle!(ep, clock, x);
            }
            sim_assert_eq!(ep, issued, vec![0, 1, 2], x);
            sim_assert_eq!(ep, busy_cycles, 3 + 4, x);
            ep.done(x)
        });
        sim.run(Box::new(uut), 1_000_000).unwrap();
    }
}
