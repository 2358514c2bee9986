//! A core's spike-emission unit: queues the sources that fired (the core's spikes, and input
//! spikes the host injects), looks each source up in the route-range table (first entry,
//! count) and sends the source's route entries, one address-event packet each, into the
//! router's local port.
//!
//! Sources `0 .. 1024` are the core's neurons; sources `1024 .. 2048` are external inputs
//! the chip's loader assigned to this core (`INPUT_SOURCE_BASE`). A route entry is the packet
//! itself (`router::packet`: destination x, y and axon), so multicast is a range of entries.
//!
//! Timing: the queue takes one source per clock (a spike or a host injection; the tick
//! controller keeps the host out while cores step, so they never coincide). A source costs
//! 3 clocks to reach its entries, then one packet leaves per 2 clocks while the router takes
//! them (`packet_ready` high); `packet_valid`/`packet_data` come from registers and hold
//! until taken. The queue holds up to 2,048 sources: a step's spikes (at most 1,024), or the
//! inputs injected between ticks (delivered before the next step). A push into a full queue
//! is dropped and sets the sticky `overflow` (reported by the chip, never silent).
//!
//! The memories are sized for a chip configuration ([`SpikeEmission::sized`],
//! `memories::CoreMemories`): a range table smaller than 2,048 entries takes the source
//! index `{input, low bits}` (the chip top folds the host's addresses so), a shorter queue
//! is full sooner.
//!
//! Host words: route range `first[11:0] | count[23:12]`; route entry: the packet.

use rust_hdl::prelude::*;

use crate::memories::CoreMemories;
use crate::ram::SyncRam;

/// Source-index bits: neurons then inputs.
pub const SOURCE_BITS: usize = 11;
pub const INPUT_SOURCE_BASE: u32 = 1 << 10;
pub const MAX_SOURCES: u32 = 1 << SOURCE_BITS;
/// Route-entry address bits (2,048 entries per core).
pub const ROUTE_ADDRESS_BITS: usize = 11;
pub const MAX_ROUTES: u32 = 1 << ROUTE_ADDRESS_BITS;

/// A route-range word: the source's packets are route entries `first .. first + count`.
pub fn range_word(first: u32, count: u32) -> Result<u32, String> {
    if first + count > MAX_ROUTES {
        return Err(format!(
            "route entries {first} .. {} run past the route table's {MAX_ROUTES} entries",
            first + count
        ));
    }
    Ok(first | count << 12)
}

#[derive(LogicBlock)]
pub struct SpikeEmission {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// A neuron of this core fired (from the core's spike output).
    pub spike_valid: Signal<In, Bit>,
    pub spike_neuron: Signal<In, Bits<10>>,
    /// Host writes: the route-range table, the route entries, or an input source to send.
    pub host_address: Signal<In, Bits<SOURCE_BITS>>,
    pub host_write_data: Signal<In, Bits<32>>,
    pub host_write_range: Signal<In, Bit>,
    pub host_write_route: Signal<In, Bit>,
    pub host_inject: Signal<In, Bit>,
    pub packet_valid: Signal<Out, Bit>,
    pub packet_data: Signal<Out, Bits<32>>,
    pub packet_ready: Signal<In, Bit>,
    /// Queue empty, nothing in flight.
    pub idle: Signal<Out, Bit>,
    /// Sticky: a source arrived at a full queue and was dropped.
    pub overflow: Signal<Out, Bit>,
    queue: SyncRam<SOURCE_BITS, SOURCE_BITS>,
    ranges: SyncRam<24, SOURCE_BITS>,
    routes: SyncRam<32, ROUTE_ADDRESS_BITS>,
    write_pointer: DFF<Bits<12>>,
    read_pointer: DFF<Bits<12>>,
    /// The queue's head arrives this clock.
    popping: DFF<Bit>,
    /// The source's range arrives this clock.
    ranging: DFF<Bit>,
    streaming: DFF<Bit>,
    cursor: DFF<Bits<12>>,
    remaining: DFF<Bits<12>>,
    /// A route entry arrives this clock.
    fetching: DFF<Bit>,
    out_valid: DFF<Bit>,
    out_data: DFF<Bits<32>>,
    dropped: DFF<Bit>,
    /// Sources the queue holds.
    queue_depth: Constant<Bits<12>>,
    push: Signal<Local, Bit>,
    full: Signal<Local, Bit>,
    empty: Signal<Local, Bit>,
    /// The output register is free after this clock.
    out_free: Signal<Local, Bit>,
}

impl Default for SpikeEmission {
    fn default() -> Self {
        Self::sized(&CoreMemories::FULL)
    }
}

impl SpikeEmission {
    /// The unit with its memories sized as `memories` says. No read of these memories needs
    /// a word written in the same clock: the host writes the tables only while the unit is
    /// idle, and the queue's head is read only while the queue holds it.
    pub fn sized(memories: &CoreMemories) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            spike_valid: Default::default(),
            spike_neuron: Default::default(),
            host_address: Default::default(),
            host_write_data: Default::default(),
            host_write_range: Default::default(),
            host_write_route: Default::default(),
            host_inject: Default::default(),
            packet_valid: Default::default(),
            packet_data: Default::default(),
            packet_ready: Default::default(),
            idle: Default::default(),
            overflow: Default::default(),
            queue: SyncRam::sized(memories.queue_bits).without_collisions(),
            ranges: SyncRam::sized(memories.source_half_bits + 1).without_collisions(),
            routes: SyncRam::sized(memories.route_bits).without_collisions(),
            write_pointer: Default::default(),
            read_pointer: Default::default(),
            popping: Default::default(),
            ranging: Default::default(),
            streaming: Default::default(),
            cursor: Default::default(),
            remaining: Default::default(),
            fetching: Default::default(),
            out_valid: Default::default(),
            out_data: Default::default(),
            dropped: Default::default(),
            queue_depth: Constant::new((1u64 << memories.queue_bits).to_bits()),
            push: Default::default(),
            full: Default::default(),
            empty: Default::default(),
            out_free: Default::default(),
        }
    }
}

impl Logic for SpikeEmission {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, queue, ranges, routes);
        dff_setup!(
            self,
            clock,
            write_pointer,
            read_pointer,
            popping,
            ranging,
            streaming,
            cursor,
            remaining,
            fetching,
            out_valid,
            out_data,
            dropped
        );
        self.ranges.write_address.next = self.host_address.val();
        self.ranges.write_data.next = self.host_write_data.val().get_bits::<24>(0);
        self.ranges.write_enable.next = self.host_write_range.val();
        self.routes.write_address.next = self.host_address.val();
        self.routes.write_data.next = self.host_write_data.val();
        self.routes.write_enable.next = self.host_write_route.val();

        // The queue: a ring over its entries (a power of two, at most 2^11), the pointers
        // counting modulo 2^12 so that full and empty differ.
        self.full.next =
            (self.write_pointer.q.val() - self.read_pointer.q.val()) == self.queue_depth.val();
        self.empty.next = self.write_pointer.q.val() == self.read_pointer.q.val();
        self.push.next = self.spike_valid.val() | self.host_inject.val();
        self.queue.write_address.next = self.write_pointer.q.val().get_bits::<11>(0);
        self.queue.write_data.next = bit_cast::<11, 10>(self.spike_neuron.val());
        if self.host_inject.val() {
            self.queue.write_data.next = self.host_address.val();
        }
        self.queue.write_enable.next = self.push.val() & !self.full.val();
        if self.push.val() & !self.full.val() {
            self.write_pointer.d.next = self.write_pointer.q.val() + 1;
        }
        if self.push.val() & self.full.val() {
            self.dropped.d.next = true;
        }

        // Pop a source when nothing is in flight.
        self.queue.read_address.next = self.read_pointer.q.val().get_bits::<11>(0);
        self.popping.d.next = false;
        if !self.empty.val()
            & !self.popping.q.val()
            & !self.ranging.q.val()
            & !self.streaming.q.val()
            & !self.fetching.q.val()
        {
            self.popping.d.next = true;
            self.read_pointer.d.next = self.read_pointer.q.val() + 1;
        }
        self.ranges.read_address.next = self.queue.read_data.val();
        self.ranging.d.next = self.popping.q.val();
        if self.ranging.q.val() {
            self.cursor.d.next = self.ranges.read_data.val().get_bits::<12>(0);
            self.remaining.d.next = self.ranges.read_data.val().get_bits::<12>(12);
            self.streaming.d.next = self.ranges.read_data.val().get_bits::<12>(12).any();
        }

        // Fetch a route entry when the output register will be free for it.
        self.out_free.next = !self.out_valid.q.val() | self.packet_ready.val();
        self.routes.read_address.next = self.cursor.q.val().get_bits::<11>(0);
        self.fetching.d.next = false;
        if self.streaming.q.val() & !self.fetching.q.val() & self.out_free.val() {
            self.fetching.d.next = true;
            self.cursor.d.next = self.cursor.q.val() + 1;
            self.remaining.d.next = self.remaining.q.val() - 1;
            if self.remaining.q.val() == 1 {
                self.streaming.d.next = false;
            }
        }
        self.out_valid.d.next = self.out_valid.q.val() & !self.packet_ready.val();
        if self.fetching.q.val() {
            self.out_valid.d.next = true;
            self.out_data.d.next = self.routes.read_data.val();
        }
        self.packet_valid.next = self.out_valid.q.val();
        self.packet_data.next = self.out_data.q.val();
        self.idle.next = self.empty.val()
            & !self.popping.q.val()
            & !self.ranging.q.val()
            & !self.streaming.q.val()
            & !self.fetching.q.val()
            & !self.out_valid.q.val();
        self.overflow.next = self.dropped.q.val();

        if self.reset.val() {
            self.write_pointer.d.next = 0.into();
            self.read_pointer.d.next = 0.into();
            self.popping.d.next = false;
            self.ranging.d.next = false;
            self.streaming.d.next = false;
            self.fetching.d.next = false;
            self.out_valid.d.next = false;
            self.dropped.d.next = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Per source: its packets.
    type Routes = Vec<Vec<u32>>;

    fn random_routes(rng: &mut rand::rngs::StdRng, sources: usize) -> Routes {
        (0..sources)
            .map(|_| {
                let count = rng.gen_range(0..=5usize);
                (0..count).map(|_| rng.gen::<u32>()).collect()
            })
            .collect()
    }

    /// Loads `routes` (source `s` at index `index(s)`), pushes `pushes` (source, as a spike
    /// or an injection), one per clock, while the router side is ready on clocks where
    /// `ready(clock)`; returns the packets taken and the clocks until idle.
    fn run(
        routes: Routes,
        index: fn(usize) -> u32,
        pushes: Vec<(u32, bool)>,
        ready: fn(u32) -> bool,
    ) -> (Vec<u32>, u32, bool) {
        run_sized(&CoreMemories::FULL, routes, index, pushes, ready)
    }

    fn run_sized(
        memories: &CoreMemories,
        routes: Routes,
        index: fn(usize) -> u32,
        pushes: Vec<(u32, bool)>,
        ready: fn(u32) -> bool,
    ) -> (Vec<u32>, u32, bool) {
        let out = std::sync::Arc::new(std::sync::Mutex::new((Vec::new(), 0, false)));
        let result = out.clone();
        let mut uut = SpikeEmission::sized(memories);
        uut.connect_all();
        let mut sim = simple_sim!(SpikeEmission, clock, 100_000_000, ep, {
            let mut x = ep.init()?;
            x.reset.next = true;
            wait_clock_cycle!(ep, clock, x);
            x.reset.next = false;
            let mut first = 0;
            for (s, packets) in routes.iter().enumerate() {
                x.host_address.next = index(s).to_bits();
                x.host_write_data.next = range_word(first, packets.len() as u32).unwrap().to_bits();
                x.host_write_range.next = true;
                wait_clock_cycle!(ep, clock, x);
                x.host_write_range.next = false;
                for &p in packets {
                    x.host_address.next = first.to_bits();
                    x.host_write_data.next = p.to_bits();
                    x.host_write_route.next = true;
                    wait_clock_cycle!(ep, clock, x);
                    first += 1;
                }
                x.host_write_route.next = false;
            }
            let mut got = Vec::new();
            let mut clocks = 0u32;
            let mut next = 0;
            while next < pushes.len() || !x.idle.val() {
                x.spike_valid.next = false;
                x.host_inject.next = false;
                if let Some(&(source, spike)) = pushes.get(next) {
                    if spike {
                        x.spike_valid.next = true;
                        x.spike_neuron.next = source.to_bits();
                    } else {
                        x.host_inject.next = true;
                        x.host_address.next = source.to_bits();
                    }
                    next += 1;
                }
                let take = ready(clocks);
                x.packet_ready.next = take;
                if take && x.packet_valid.val() {
                    got.push(x.packet_data.val().index() as u32);
                }
                wait_clock_cycle!(ep, clock, x);
                clocks += 1;
                sim_assert!(ep, clocks < 200_000, x);
            }
            *out.lock().unwrap() = (got, clocks, x.overflow.val());
            ep.done(x)
        });
        sim.run(Box::new(uut), 100_000_000_000).unwrap();
        let r = result.lock().unwrap().clone();
        r
    }

    fn expected(routes: &Routes, pushes: &[(u32, bool)], slot: fn(u32) -> usize) -> Vec<u32> {
        pushes
            .iter()
            .flat_map(|&(s, _)| routes[slot(s)].clone())
            .collect()
    }

    #[test]
    fn sends_every_route_of_every_spike_and_input_in_order_under_back_pressure() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        // Sources 0..16 are neurons, 16..24 inputs (at 1024 + i).
        let routes = random_routes(&mut rng, 24);
        let index = |s: usize| {
            if s < 16 {
                s as u32
            } else {
                1024 + s as u32 - 16
            }
        };
        let slot = |source: u32| {
            if source < 1024 {
                source as usize
            } else {
                source as usize - 1024 + 16
            }
        };
        let pushes: Vec<(u32, bool)> = (0..80)
            .map(|_| {
                if rng.gen_bool(0.7) {
                    (rng.gen_range(0..16u32), true)
                } else {
                    (1024 + rng.gen_range(0..8u32), false)
                }
            })
            .collect();
        let want = expected(&routes, &pushes, slot);
        // The router takes a packet on 2 clocks out of 5.
        let (got, _, overflow) = run(routes, index, pushes, |c| c % 5 < 2);
        assert!(!overflow);
        assert_eq!(got.len(), want.len());
        assert_eq!(got, want);
    }

    #[test]
    fn a_full_queue_drops_and_says_so() {
        let routes = vec![vec![]; 1];
        // 2,049 pushes back to back of a source with no routes: the queue drains one per
        // 3 clocks, so it fills.
        let pushes = vec![(0, true); 4000];
        let (got, _, overflow) = run(routes, |s| s as u32, pushes, |_| true);
        assert!(got.is_empty());
        assert!(
            overflow,
            "4,000 pushes into 2,048 entries drained 1 per 3 clocks"
        );
    }

    /// Memories of 16 route entries, 4 + 4 sources and an 8-source queue.
    const SMALL: CoreMemories = CoreMemories {
        route_bits: 4,
        source_half_bits: 2,
        queue_bits: 3,
        ..CoreMemories::FULL
    };

    #[test]
    fn small_memories_serve_their_sources_and_entries() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        // 4 neurons and 4 inputs of at most 2 routes each: at most 16 entries. The chip top
        // folds an input's index to `{1, low bits}`, as the host's writes arrive here.
        let routes: Routes = (0..8)
            .map(|_| (0..rng.gen_range(0..=2)).map(|_| rng.gen()).collect())
            .collect();
        let folded = |s: usize| s as u32; // 0-3 neurons, 4-7 inputs at {1, slot}
                                          // Pushes arrive one per clock and drain one per 3 clocks or more: 8 stay within the
                                          // queue (the boundary: `a_small_queue_holds_exactly_its_depth_while_the_router_waits`).
        let pushes: Vec<(u32, bool)> = (0..8)
            .map(|_| {
                if rng.gen_bool(0.5) {
                    (rng.gen_range(0..4u32), true)
                } else {
                    (rng.gen_range(4..8u32), false)
                }
            })
            .collect();
        let want = expected(&routes, &pushes, |s| s as usize);
        let (got, _, overflow) = run_sized(&SMALL, routes, folded, pushes, |_| true);
        assert_eq!(got, want);
        assert!(!overflow);
    }

    /// The boundary, with nothing draining: the router takes nothing for 100 clocks, so the
    /// first source popped waits in the output register and the second waits to fetch its
    /// entry; every later source stays queued. 2 + 8 back-to-back pushes fit an 8-source
    /// queue, the 11th is dropped, and what was queued comes out in order.
    #[test]
    fn a_small_queue_holds_exactly_its_depth_while_the_router_waits() {
        let routes: Routes = (0..4).map(|s| vec![100 + s]).collect();
        let pushes =
            |n: usize| -> Vec<(u32, bool)> { (0..n).map(|i| ((i % 4) as u32, true)).collect() };
        let late = |clock: u32| clock >= 100;
        let (got, _, overflow) = run_sized(&SMALL, routes.clone(), |s| s as u32, pushes(10), late);
        assert!(!overflow, "2 in flight and 8 queued");
        assert_eq!(got, expected(&routes, &pushes(10), |s| s as usize));
        let (got, _, overflow) = run_sized(&SMALL, routes.clone(), |s| s as u32, pushes(11), late);
        assert!(overflow, "the 11th push found the queue full");
        assert_eq!(got, expected(&routes, &pushes(10), |s| s as usize));
    }

    #[test]
    fn an_always_ready_router_gets_a_packet_every_two_clocks() {
        let routes = vec![(0..50).collect::<Vec<u32>>()];
        let (got, clocks, _) = run(routes, |s| s as u32, vec![(0, true)], |_| true);
        assert_eq!(got, (0..50).collect::<Vec<u32>>());
        // Push, pop, range, first fetch, then one packet per 2 clocks; idle the clock after
        // the last is taken.
        assert_eq!(clocks, 4 + 2 * 50 + 1);
    }
}
