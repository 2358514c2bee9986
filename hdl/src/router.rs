//! One node of the spike router: five ports (local, north, east, south, west), a FIFO on each
//! input, dimension-order (X then Y) routing, a round-robin arbiter on each output.
//!
//! Packets are address events, 32 bits: destination x in `[5:0]`, destination y in `[11:6]`
//! (y grows southward), axon in `[31:12]`. A port moves a packet on a clock edge where its
//! `valid` and `ready` are both high; `ready` of an input is "its FIFO is not full", so a full
//! FIFO holds the sender back and nothing is dropped. Each output grants one input per clock;
//! after a grant the input after the winner has the highest priority (no input starves).
//! Up to five packets cross the node per clock. X-then-Y routing on a mesh cannot deadlock.
//!
//! Timing: `*_ready` depends only on registers, and `*_out_valid`/`*_out_data` only on
//! registers and `reset` (a register in the chip), so chaining nodes makes no combinational
//! loop.

use rust_hdl::prelude::*;

pub const LOCAL: usize = 0;
pub const NORTH: usize = 1;
pub const EAST: usize = 2;
pub const SOUTH: usize = 3;
pub const WEST: usize = 4;
pub const PORTS: usize = 5;
pub const PORT_NAMES: [&str; PORTS] = ["local", "north", "east", "south", "west"];

/// A packet for core (x, y), axon `axon`.
pub fn packet(x: u32, y: u32, axon: u32) -> u32 {
    assert!(x < 64 && y < 64 && axon < 1 << 20);
    x | y << 6 | axon << 12
}

/// The port a packet at node (x, y) leaves by: X first, then Y, then local.
pub fn route(node_x: u32, node_y: u32, packet: u32) -> usize {
    let (dx, dy) = (packet & 63, (packet >> 6) & 63);
    if dx > node_x {
        EAST
    } else if dx < node_x {
        WEST
    } else if dy > node_y {
        SOUTH
    } else if dy < node_y {
        NORTH
    } else {
        LOCAL
    }
}

/// Input FIFOs of `2^A` packets (`A1 = A + 1`).
#[derive(LogicBlock, Default)]
pub struct SpikeRouter<const A: usize, const A1: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// This node's mesh coordinates.
    pub x: Signal<In, Bits<6>>,
    pub y: Signal<In, Bits<6>>,
    pub local_in_valid: Signal<In, Bit>,
    pub local_in_data: Signal<In, Bits<32>>,
    pub local_in_ready: Signal<Out, Bit>,
    pub north_in_valid: Signal<In, Bit>,
    pub north_in_data: Signal<In, Bits<32>>,
    pub north_in_ready: Signal<Out, Bit>,
    pub east_in_valid: Signal<In, Bit>,
    pub east_in_data: Signal<In, Bits<32>>,
    pub east_in_ready: Signal<Out, Bit>,
    pub south_in_valid: Signal<In, Bit>,
    pub south_in_data: Signal<In, Bits<32>>,
    pub south_in_ready: Signal<Out, Bit>,
    pub west_in_valid: Signal<In, Bit>,
    pub west_in_data: Signal<In, Bits<32>>,
    pub west_in_ready: Signal<Out, Bit>,
    pub local_out_valid: Signal<Out, Bit>,
    pub local_out_data: Signal<Out, Bits<32>>,
    pub local_out_ready: Signal<In, Bit>,
    pub north_out_valid: Signal<Out, Bit>,
    pub north_out_data: Signal<Out, Bits<32>>,
    pub north_out_ready: Signal<In, Bit>,
    pub east_out_valid: Signal<Out, Bit>,
    pub east_out_data: Signal<Out, Bits<32>>,
    pub east_out_ready: Signal<In, Bit>,
    pub south_out_valid: Signal<Out, Bit>,
    pub south_out_data: Signal<Out, Bits<32>>,
    pub south_out_ready: Signal<In, Bit>,
    pub west_out_valid: Signal<Out, Bit>,
    pub west_out_data: Signal<Out, Bits<32>>,
    pub west_out_ready: Signal<In, Bit>,
    /// Every input FIFO is empty.
    pub idle: Signal<Out, Bit>,
    fifos: [SynchronousFIFO<Bits<32>, A, A1, 1>; 5],
    /// Per output: the input it granted last (the one after it has priority).
    pointer: [DFF<Bits<3>>; 5],
    /// Per input: the output its head packet wants.
    direction: [Signal<Local, Bits<3>>; 5],
    /// `[output * 5 + input]`: the input's head wants the output / is granted it.
    request: [Signal<Local, Bit>; 25],
    grant: [Signal<Local, Bit>; 25],
    out_valid: [Signal<Local, Bit>; 5],
    out_data: [Signal<Local, Bits<32>>; 5],
    out_ready: [Signal<Local, Bit>; 5],
}

impl<const A: usize, const A1: usize> Logic for SpikeRouter<A, A1> {
    #[hdl_gen]
    fn update(&mut self) {
        // The ports onto the arrays.
        self.fifos[0].write.next = self.local_in_valid.val() & !self.fifos[0].full.val();
        self.fifos[0].data_in.next = self.local_in_data.val();
        self.local_in_ready.next = !self.fifos[0].full.val();
        self.fifos[1].write.next = self.north_in_valid.val() & !self.fifos[1].full.val();
        self.fifos[1].data_in.next = self.north_in_data.val();
        self.north_in_ready.next = !self.fifos[1].full.val();
        self.fifos[2].write.next = self.east_in_valid.val() & !self.fifos[2].full.val();
        self.fifos[2].data_in.next = self.east_in_data.val();
        self.east_in_ready.next = !self.fifos[2].full.val();
        self.fifos[3].write.next = self.south_in_valid.val() & !self.fifos[3].full.val();
        self.fifos[3].data_in.next = self.south_in_data.val();
        self.south_in_ready.next = !self.fifos[3].full.val();
        self.fifos[4].write.next = self.west_in_valid.val() & !self.fifos[4].full.val();
        self.fifos[4].data_in.next = self.west_in_data.val();
        self.west_in_ready.next = !self.fifos[4].full.val();
        self.out_ready[0].next = self.local_out_ready.val();
        self.out_ready[1].next = self.north_out_ready.val();
        self.out_ready[2].next = self.east_out_ready.val();
        self.out_ready[3].next = self.south_out_ready.val();
        self.out_ready[4].next = self.west_out_ready.val();
        self.local_out_valid.next = self.out_valid[0].val();
        self.local_out_data.next = self.out_data[0].val();
        self.north_out_valid.next = self.out_valid[1].val();
        self.north_out_data.next = self.out_data[1].val();
        self.east_out_valid.next = self.out_valid[2].val();
        self.east_out_data.next = self.out_data[2].val();
        self.south_out_valid.next = self.out_valid[3].val();
        self.south_out_data.next = self.out_data[3].val();
        self.west_out_valid.next = self.out_valid[4].val();
        self.west_out_data.next = self.out_data[4].val();
        self.idle.next = self.fifos[0].empty.val()
            & self.fifos[1].empty.val()
            & self.fifos[2].empty.val()
            & self.fifos[3].empty.val()
            & self.fifos[4].empty.val();
        for p in 0..5 {
            self.fifos[p].clock.next = self.clock.val();
            self.pointer[p].clock.next = self.clock.val();
            self.pointer[p].d.next = self.pointer[p].q.val();
        }
        // Dimension-order routing of each input's head packet.
        for i in 0..5 {
            self.direction[i].next = 0.into();
            if self.fifos[i].data_out.val().get_bits::<6>(0) > self.x.val() {
                self.direction[i].next = 2.into();
            } else if self.fifos[i].data_out.val().get_bits::<6>(0) < self.x.val() {
                self.direction[i].next = 4.into();
            } else if self.fifos[i].data_out.val().get_bits::<6>(6) > self.y.val() {
                self.direction[i].next = 3.into();
            } else if self.fifos[i].data_out.val().get_bits::<6>(6) < self.y.val() {
                self.direction[i].next = 1.into();
            }
        }
        for o in 0..5 {
            for i in 0..5 {
                self.request[o * 5 + i].next =
                    !self.fifos[i].empty.val() & (self.direction[i].val().index() == o);
            }
        }
        // Round robin: input i wins output o unless a requesting input j comes before it in
        // the cyclic order that starts after the output's last winner.
        for o in 0..5 {
            for i in 0..5 {
                self.grant[o * 5 + i].next = self.request[o * 5 + i].val();
                for j in 0..5 {
                    if self.request[o * 5 + j].val()
                        & (((self.pointer[o].q.val().index() < j)
                            & (self.pointer[o].q.val().index() >= i))
                            | (((self.pointer[o].q.val().index() < j)
                                == (self.pointer[o].q.val().index() < i))
                                & (j < i)))
                    {
                        self.grant[o * 5 + i].next = false;
                    }
                }
            }
        }
        for o in 0..5 {
            self.out_valid[o].next = false;
            self.out_data[o].next = 0.into();
            for i in 0..5 {
                if self.grant[o * 5 + i].val() {
                    self.out_valid[o].next = true;
                    self.out_data[o].next = self.fifos[i].data_out.val();
                }
                if self.grant[o * 5 + i].val() & self.out_ready[o].val() {
                    self.pointer[o].d.next = i.to_bits();
                }
            }
        }
        for i in 0..5 {
            self.fifos[i].read.next = false;
            for o in 0..5 {
                if self.grant[o * 5 + i].val() & self.out_ready[o].val() {
                    self.fifos[i].read.next = true;
                }
            }
        }
        // rust-hdl's FIFOs have no reset: a reset drains them instead, one packet per clock,
        // writing nothing and sending nothing out meanwhile (`chip_top` holds its reset long
        // enough to empty a full FIFO). `*_in_ready` stays a function of registers only:
        // every sender is in the same reset and offers nothing.
        if self.reset.val() {
            for p in 0..5 {
                self.pointer[p].d.next = 0.into();
                self.fifos[p].read.next = !self.fifos[p].empty.val();
                self.fifos[p].write.next = false;
                self.out_valid[p].next = false;
            }
            self.local_out_valid.next = false;
            self.north_out_valid.next = false;
            self.east_out_valid.next = false;
            self.south_out_valid.next = false;
            self.west_out_valid.next = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    type Node = SpikeRouter<2, 3>;

    macro_rules! port {
        ($x:ident, $p:expr, in_valid) => {
            match $p {
                0 => &mut $x.local_in_valid,
                1 => &mut $x.north_in_valid,
                2 => &mut $x.east_in_valid,
                3 => &mut $x.south_in_valid,
                _ => &mut $x.west_in_valid,
            }
        };
    }

    fn set_input(x: &mut Node, p: usize, valid: bool, data: u32) {
        port!(x, p, in_valid).next = valid;
        let d = match p {
            0 => &mut x.local_in_data,
            1 => &mut x.north_in_data,
            2 => &mut x.east_in_data,
            3 => &mut x.south_in_data,
            _ => &mut x.west_in_data,
        };
        d.next = (data as u64).to_bits();
    }

    fn in_ready(x: &Node, p: usize) -> bool {
        [
            &x.local_in_ready,
            &x.north_in_ready,
            &x.east_in_ready,
            &x.south_in_ready,
            &x.west_in_ready,
        ][p]
            .val()
    }

    fn set_out_ready(x: &mut Node, p: usize, ready: bool) {
        let r = match p {
            0 => &mut x.local_out_ready,
            1 => &mut x.north_out_ready,
            2 => &mut x.east_out_ready,
            3 => &mut x.south_out_ready,
            _ => &mut x.west_out_ready,
        };
        r.next = ready;
    }

    fn output(x: &Node, p: usize) -> Option<u32> {
        let (v, d) = [
            (&x.local_out_valid, &x.local_out_data),
            (&x.north_out_valid, &x.north_out_data),
            (&x.east_out_valid, &x.east_out_data),
            (&x.south_out_valid, &x.south_out_data),
            (&x.west_out_valid, &x.west_out_data),
        ][p];
        v.val().then(|| d.val().to_u64() as u32)
    }

    /// Random packets into all five inputs of the node at (1, 1) of a 3 x 3 mesh, outputs
    /// stalled at random (often enough to fill the 4-packet FIFOs): every packet must leave
    /// once, by the port dimension-order routing names, in order per input and output.
    #[test]
    fn routes_every_packet_once_in_order_under_back_pressure() {
        let mut uut = Node::default();
        uut.connect_all();
        let mut sim = simple_sim!(Node, clock, 100_000_000, ep, {
            let mut x = ep.init()?;
            let mut rng = ChaCha8Rng::seed_from_u64(7);
            let per_input = 150;
            let mut queues: Vec<Vec<u32>> = (0..PORTS)
                .map(|p| {
                    (0..per_input)
                        .map(|k| {
                            let axon = (p * 1000 + k) as u32; // unique, tells the input
                            packet(rng.gen_range(0..3), rng.gen_range(0..3), axon)
                        })
                        .collect()
                })
                .collect();
            for q in &mut queues {
                q.reverse();
            }
            let mut received: Vec<Vec<u32>> = vec![Vec::new(); PORTS];
            let mut full_seen = false;
            x.x.next = 1.into();
            x.y.next = 1.into();
            x.reset.next = true;
            wait_clock_cycle!(ep, clock, x);
            x.reset.next = false;
            for cycle in 0..20_000 {
                // Stall everything for a while early on, then stall at random.
                let stall = cycle < 200 || rng.gen_bool(0.3);
                // The handshakes the next edge acts on: ready and valid depend on registers
                // only, so they are settled before the inputs change.
                for p in 0..PORTS {
                    let next = queues[p].last().copied();
                    set_input(&mut x, p, next.is_some(), next.unwrap_or(0));
                    let ready = !stall && rng.gen_bool(0.7);
                    set_out_ready(&mut x, p, ready);
                    full_seen |= !in_ready(&x, p);
                    if next.is_some() && in_ready(&x, p) {
                        queues[p].pop();
                    }
                    if let (Some(d), true) = (output(&x, p), ready) {
                        received[p].push(d);
                    }
                }
                wait_clock_cycle!(ep, clock, x);
                if queues.iter().all(Vec::is_empty) && x.idle.val() && cycle > 300 {
                    break;
                }
            }
            sim_assert!(ep, full_seen, x);
            sim_assert!(ep, queues.iter().all(Vec::is_empty), x);
            let total: usize = received.iter().map(Vec::len).sum();
            sim_assert_eq!(ep, total, PORTS * 150, x);
            for (port, packets) in received.iter().enumerate() {
                let mut last_of_input = [None::<u32>; PORTS];
                for &d in packets {
                    sim_assert_eq!(ep, route(1, 1, d), port, x);
                    let axon = d >> 12;
                    let input = (axon / 1000) as usize;
                    if let Some(prev) = last_of_input[input] {
                        sim_assert!(ep, axon > prev, x);
                    }
                    last_of_input[input] = Some(axon);
                }
            }
            ep.done(x)
        });
        sim.run(Box::new(uut), 1_000_000_000).unwrap();
    }

    /// A reset held for `chip_top::reset_clocks` clocks empties full FIFOs (rust-hdl's FIFOs
    /// have no reset): nothing enters or leaves meanwhile, and the node is idle after it.
    #[test]
    fn a_reset_drains_full_fifos_and_moves_nothing() {
        let mut uut = Node::default();
        uut.connect_all();
        let mut sim = simple_sim!(Node, clock, 100_000_000, ep, {
            let mut x = ep.init()?;
            x.x.next = 1.into();
            x.y.next = 1.into();
            // Every input offers packets for the local output, which takes none: the FIFOs fill.
            for p in 0..PORTS {
                set_input(&mut x, p, true, packet(1, 1, p as u32));
                set_out_ready(&mut x, p, false);
            }
            for _ in 0..12 {
                wait_clock_cycle!(ep, clock, x);
            }
            for p in 0..PORTS {
                sim_assert!(ep, !in_ready(&x, p), x);
            }
            // The inputs keep offering and the outputs are ready through the reset: nothing
            // may enter or leave.
            for p in 0..PORTS {
                set_out_ready(&mut x, p, true);
            }
            x.reset.next = true;
            for _ in 0..crate::chip_top::reset_clocks(4) {
                wait_clock_cycle!(ep, clock, x);
                for p in 0..PORTS {
                    sim_assert!(ep, output(&x, p).is_none(), x);
                }
            }
            x.reset.next = false;
            for p in 0..PORTS {
                set_input(&mut x, p, false, 0);
            }
            wait_clock_cycle!(ep, clock, x);
            sim_assert!(ep, x.idle.val(), x);
            for _ in 0..10 {
                for p in 0..PORTS {
                    sim_assert!(ep, output(&x, p).is_none(), x);
                }
                wait_clock_cycle!(ep, clock, x);
            }
            ep.done(x)
        });
        sim.run(Box::new(uut), 100_000_000).unwrap();
    }

    #[test]
    fn round_robin_serves_every_contending_input() {
        // All five inputs want the local output, which is always ready: over 50 grants each
        // input gets 10.
        let mut uut = Node::default();
        uut.connect_all();
        let mut sim = simple_sim!(Node, clock, 100_000_000, ep, {
            let mut x = ep.init()?;
            x.x.next = 1.into();
            x.y.next = 1.into();
            for p in 0..PORTS {
                set_input(&mut x, p, true, packet(1, 1, p as u32));
                set_out_ready(&mut x, p, true);
            }
            let mut counts = [0usize; PORTS];
            for _ in 0..10 {
                wait_clock_cycle!(ep, clock, x);
            }
            for _ in 0..50 {
                if let Some(d) = output(&x, LOCAL) {
                    counts[(d >> 12) as usize] += 1;
                }
                wait_clock_cycle!(ep, clock, x);
            }
            sim_assert_eq!(ep, counts, [10; PORTS], x);
            ep.done(x)
        });
        sim.run(Box::new(uut), 100_000_000).unwrap();
    }
}
