//! The chip's tick controller: one `run` pulse runs one tick of the whole chip.
//!
//! 1. settle: wait until the network is empty (inputs the host injected are delivered);
//! 2. start every core's step, with deliveries disabled (the datapath owns the
//!    accumulators);
//! 3. step: wait until no core is busy (spikes queue up and travel meanwhile; they wait at
//!    the delivery units);
//! 4. drain: deliveries enabled, wait until the network is empty; the tick is done.
//!
//! "Empty" is `network_idle` (every emission queue, router FIFO and delivery unit idle) on
//! two clocks in a row, so the core's last accumulator write (one clock after the delivery
//! unit's last output) has landed. `last_tick_cycles` holds the clocks from `run` to done of
//! the last tick, `ticks` counts ticks.

use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct TickController {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub run: Signal<In, Bit>,
    /// Some core is stepping.
    pub cores_busy: Signal<In, Bit>,
    pub network_idle: Signal<In, Bit>,
    /// To every core: run one step (one clock).
    pub core_start: Signal<Out, Bit>,
    /// To every synapse-delivery unit.
    pub delivery_enable: Signal<Out, Bit>,
    /// A tick is in progress (the host keeps off the memories).
    pub busy: Signal<Out, Bit>,
    pub last_tick_cycles: Signal<Out, Bits<32>>,
    pub ticks: Signal<Out, Bits<32>>,
    settling: DFF<Bit>,
    starting: DFF<Bit>,
    stepping: DFF<Bit>,
    draining: DFF<Bit>,
    /// The network was idle last clock.
    quiet: DFF<Bit>,
    cycles: DFF<Bits<32>>,
    last: DFF<Bits<32>>,
    count: DFF<Bits<32>>,
}

impl Logic for TickController {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, settling, starting, stepping, draining, quiet, cycles, last, count);
        self.busy.next = self.settling.q.val()
            | self.starting.q.val()
            | self.stepping.q.val()
            | self.draining.q.val();
        self.core_start.next = self.starting.q.val();
        self.delivery_enable.next = !self.starting.q.val() & !self.stepping.q.val();
        self.last_tick_cycles.next = self.last.q.val();
        self.ticks.next = self.count.q.val();
        self.quiet.d.next = self.network_idle.val();
        if self.busy.val() {
            self.cycles.d.next = self.cycles.q.val() + 1;
        }
        if !self.busy.val() & self.run.val() {
            self.settling.d.next = true;
            self.cycles.d.next = 1.into();
        }
        if self.settling.q.val() & self.quiet.q.val() & self.network_idle.val() {
            self.settling.d.next = false;
            self.starting.d.next = true;
        }
        if self.starting.q.val() {
            self.starting.d.next = false;
            self.stepping.d.next = true;
        }
        // The cores raise busy the clock after start, which is this state's first clock.
        if self.stepping.q.val() & !self.cores_busy.val() {
            self.stepping.d.next = false;
            self.draining.d.next = true;
            self.quiet.d.next = false;
        }
        if self.draining.q.val() & self.quiet.q.val() & self.network_idle.val() {
            self.draining.d.next = false;
            self.last.d.next = self.cycles.q.val() + 1;
            self.count.d.next = self.count.q.val() + 1;
        }
        if self.reset.val() {
            self.settling.d.next = false;
            self.starting.d.next = false;
            self.stepping.d.next = false;
            self.draining.d.next = false;
            self.count.d.next = 0.into();
            self.last.d.next = 0.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake chip: cores busy for `step` clocks after start; the network busy for `drain`
    /// clocks after the cores finish. Returns (clock of start, clock done, last_tick_cycles,
    /// delivery_enable seen while cores were busy).
    fn run_tick(step: u32, drain: u32) -> (u32, u32, u32, bool) {
        let out = std::sync::Arc::new(std::sync::Mutex::new((0, 0, 0, false)));
        let result = out.clone();
        let mut uut = TickController::default();
        uut.connect_all();
        let mut sim = simple_sim!(TickController, clock, 100_000_000, ep, {
            let mut x = ep.init()?;
            x.reset.next = true;
            wait_clock_cycle!(ep, clock, x);
            x.reset.next = false;
            // The network is busy for 3 clocks before the run (an injection being delivered).
            let mut network_busy = 3u32;
            let mut core_busy = 0u32;
            let mut started_at = 0;
            let mut enabled_while_busy = false;
            x.run.next = true;
            let mut clock = 0u32;
            loop {
                x.cores_busy.next = core_busy > 0;
                x.network_idle.next = network_busy == 0 && core_busy == 0;
                wait_clock_cycle!(ep, clock, x);
                x.run.next = false;
                clock += 1;
                if core_busy > 0 && x.delivery_enable.val() {
                    enabled_while_busy = true;
                }
                if x.core_start.val() {
                    sim_assert!(ep, network_busy == 0, x);
                    started_at = clock;
                    core_busy = step + 1;
                    network_busy = drain;
                }
                if core_busy > 0 {
                    core_busy -= 1;
                } else {
                    network_busy = network_busy.saturating_sub(1);
                }
                if clock > 2 && !x.busy.val() {
                    break;
                }
                sim_assert!(ep, clock < 1000, x);
            }
            *out.lock().unwrap() = (
                started_at,
                clock,
                x.last_tick_cycles.val().index() as u32,
                enabled_while_busy,
            );
            sim_assert!(ep, x.ticks.val().index() == 1, x);
            ep.done(x)
        });
        sim.run(Box::new(uut), 100_000_000_000).unwrap();
        let r = *result.lock().unwrap();
        r
    }

    #[test]
    fn a_tick_settles_steps_with_deliveries_off_then_drains_and_is_counted() {
        let (started, done, cycles, enabled_while_busy) = run_tick(20, 10);
        // Waits out the 3 busy clocks of the network, plus the two quiet clocks.
        assert_eq!(started, 5, "three busy clocks, two quiet ones, then start");
        assert!(!enabled_while_busy);
        // Step (20), drain (10), two quiet clocks at the end.
        assert_eq!(done, started + 20 + 10 + 2);
        assert_eq!(cycles, done, "cycles from run to done");
    }
}
