//! A core's synapse-delivery unit: takes packets (an axon of this core) from the router,
//! looks the axon up in the axon table (first synapse, count), reads the axon's synapse
//! entries (target neuron, weight, receptor) one per clock and emits one delivery per entry:
//! `weight << shift[receptor]` for that receptor's accumulator of the target neuron.
//!
//! Timing: `enable` is registered (it takes effect one clock later), and `packet_ready`
//! depends on registers only. A packet is accepted while enabled and nothing is in flight;
//! the axon entry is read in the next clock, then the entries stream, one delivery per
//! clock, each one clock after its synapse read. Back to back, a packet of `k` synapses
//! takes `k + 2` clocks (tested). The tick controller enables deliveries only between steps
//! and starts a step only while `idle`, so the accumulators never change under the datapath.
//!
//! Host words: axon entry `first[14:0] | count[29:15]`; synapse entry `target[9:0] |
//! weight[25:10] | receptor[27:26]` (`axon_word`, `synapse_word`).

use rust_hdl::prelude::*;

use crate::memories::CoreMemories;
use crate::ram::SyncRam;
use crate::single_port_ram::SinglePortRam;

/// Axon-table entries per core (10 address bits).
pub const AXON_ADDRESS_BITS: usize = 10;
/// Synapse-memory entries per core (14 address bits).
pub const SYNAPSE_ADDRESS_BITS: usize = 14;
pub const MAX_AXONS: u32 = 1 << AXON_ADDRESS_BITS;
pub const MAX_SYNAPSES: u32 = 1 << SYNAPSE_ADDRESS_BITS;
/// Weights are 16 bits; the receptor's shift places them in its 24-bit state.
pub const WEIGHT_BITS: u32 = 16;

/// An axon-table word: the axon's synapses are entries `first .. first + count`.
pub fn axon_word(first: u32, count: u32) -> Result<u32, String> {
    // Both fields are 15 bits; first + count <= 2^14 keeps them in range.
    if first
        .checked_add(count)
        .map_or(true, |end| end > MAX_SYNAPSES)
    {
        return Err(format!(
            "synapses {first} .. {first} + {count} run past the synapse memory's {MAX_SYNAPSES} entries"
        ));
    }
    Ok(first | count << 15)
}

/// A synapse-memory word.
pub fn synapse_word(target: u32, weight: u32, receptor: u32) -> Result<u32, String> {
    if target >= 1 << 10 || weight >= 1 << WEIGHT_BITS || receptor >= 4 {
        return Err(format!(
            "target {target}, weight {weight}, receptor {receptor}: the word holds a target below 1024, a weight below 2^{WEIGHT_BITS} and a receptor below 4"
        ));
    }
    Ok(target | weight << 10 | receptor << 26)
}

#[derive(LogicBlock)]
pub struct SynapseDelivery {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Deliveries allowed (the core is between steps).
    pub enable: Signal<In, Bit>,
    pub packet_valid: Signal<In, Bit>,
    pub packet_axon: Signal<In, Bits<AXON_ADDRESS_BITS>>,
    pub packet_ready: Signal<Out, Bit>,
    /// Host writes into the axon table or the synapse memory.
    pub host_address: Signal<In, Bits<SYNAPSE_ADDRESS_BITS>>,
    pub host_write_data: Signal<In, Bits<32>>,
    pub host_write_axon: Signal<In, Bit>,
    pub host_write_synapse: Signal<In, Bit>,
    /// Each receptor's weight shift.
    pub shift0: Signal<In, Bits<5>>,
    pub shift1: Signal<In, Bits<5>>,
    pub shift2: Signal<In, Bits<5>>,
    pub shift3: Signal<In, Bits<5>>,
    pub deliver_valid: Signal<Out, Bit>,
    pub deliver_neuron: Signal<Out, Bits<10>>,
    pub deliver_receptor: Signal<Out, Bits<2>>,
    pub deliver_increment: Signal<Out, Bits<24>>,
    /// No packet in flight.
    pub idle: Signal<Out, Bit>,
    axon_table: SyncRam<30, AXON_ADDRESS_BITS>,
    /// Single-port (an iCE40 UltraPlus's SPRAM): a host write holds the stream for a clock.
    synapse_ram: SinglePortRam<28, SYNAPSE_ADDRESS_BITS>,
    /// The accepted packet's axon entry arrives this clock.
    reading_axon: DFF<Bit>,
    streaming: DFF<Bit>,
    cursor: DFF<Bits<15>>,
    remaining: DFF<Bits<15>>,
    /// A synapse entry arrives this clock.
    fetched: DFF<Bit>,
    enabled: DFF<Bit>,
    weight: Signal<Local, Bits<24>>,
}

impl Default for SynapseDelivery {
    fn default() -> Self {
        Self::sized(&CoreMemories::FULL)
    }
}

impl SynapseDelivery {
    /// The unit with its memories sized as `memories` says. The host writes the axon table
    /// only while no packet is in flight, so no read needs a word written in its clock.
    pub fn sized(memories: &CoreMemories) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            enable: Default::default(),
            packet_valid: Default::default(),
            packet_axon: Default::default(),
            packet_ready: Default::default(),
            host_address: Default::default(),
            host_write_data: Default::default(),
            host_write_axon: Default::default(),
            host_write_synapse: Default::default(),
            shift0: Default::default(),
            shift1: Default::default(),
            shift2: Default::default(),
            shift3: Default::default(),
            deliver_valid: Default::default(),
            deliver_neuron: Default::default(),
            deliver_receptor: Default::default(),
            deliver_increment: Default::default(),
            idle: Default::default(),
            axon_table: SyncRam::sized(memories.axon_bits).without_collisions(),
            synapse_ram: SinglePortRam::sized(memories.synapse_bits),
            reading_axon: Default::default(),
            streaming: Default::default(),
            cursor: Default::default(),
            remaining: Default::default(),
            fetched: Default::default(),
            enabled: Default::default(),
            weight: Default::default(),
        }
    }
}

impl Logic for SynapseDelivery {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, axon_table, synapse_ram);
        dff_setup!(
            self,
            clock,
            reading_axon,
            streaming,
            cursor,
            remaining,
            fetched,
            enabled
        );
        self.axon_table.write_address.next = self.host_address.val().get_bits::<10>(0);
        self.axon_table.write_data.next = self.host_write_data.val().get_bits::<30>(0);
        self.axon_table.write_enable.next = self.host_write_axon.val();
        self.synapse_ram.write_address.next = self.host_address.val();
        self.synapse_ram.write_data.next = self.host_write_data.val().get_bits::<28>(0);
        self.synapse_ram.write_enable.next = self.host_write_synapse.val();

        // Accept a packet: read its axon entry.
        self.enabled.d.next = self.enable.val();
        self.packet_ready.next =
            self.enabled.q.val() & !self.reading_axon.q.val() & !self.streaming.q.val();
        self.axon_table.read_address.next = self.packet_axon.val();
        self.reading_axon.d.next = self.packet_valid.val() & self.packet_ready.val();

        // The axon entry: stream its synapses, if it has any.
        if self.reading_axon.q.val() {
            self.cursor.d.next = self.axon_table.read_data.val().get_bits::<15>(0);
            self.remaining.d.next = self.axon_table.read_data.val().get_bits::<15>(15);
            self.streaming.d.next = self.axon_table.read_data.val().get_bits::<15>(15).any();
        }
        self.synapse_ram.read_address.next = self.cursor.q.val().get_bits::<14>(0);
        // A host write to the synapse memory takes its one port for that clock: the stream
        // waits and reads the same entry in the next.
        self.fetched.d.next = self.streaming.q.val() & !self.host_write_synapse.val();
        if self.streaming.q.val() & !self.host_write_synapse.val() {
            self.cursor.d.next = self.cursor.q.val() + 1;
            self.remaining.d.next = self.remaining.q.val() - 1;
            if self.remaining.q.val() == 1 {
                self.streaming.d.next = false;
            }
        }

        // One delivery per synapse entry read.
        self.deliver_valid.next = self.fetched.q.val();
        self.deliver_neuron.next = self.synapse_ram.read_data.val().get_bits::<10>(0);
        self.deliver_receptor.next = self.synapse_ram.read_data.val().get_bits::<2>(26);
        self.weight.next = bit_cast::<24, 16>(self.synapse_ram.read_data.val().get_bits::<16>(10));
        self.deliver_increment.next = self.weight.val() << self.shift0.val();
        if self.synapse_ram.read_data.val().get_bits::<2>(26) == 1 {
            self.deliver_increment.next = self.weight.val() << self.shift1.val();
        }
        if self.synapse_ram.read_data.val().get_bits::<2>(26) == 2 {
            self.deliver_increment.next = self.weight.val() << self.shift2.val();
        }
        if self.synapse_ram.read_data.val().get_bits::<2>(26) == 3 {
            self.deliver_increment.next = self.weight.val() << self.shift3.val();
        }
        self.idle.next =
            !self.reading_axon.q.val() & !self.streaming.q.val() & !self.fetched.q.val();

        if self.reset.val() {
            self.reading_axon.d.next = false;
            self.streaming.d.next = false;
            self.fetched.d.next = false;
            self.enabled.d.next = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    type Table = (Vec<(u32, u32)>, Vec<(u32, u32, u32)>);

    const SHIFTS: [u32; 4] = [0, 3, 8, 1];

    /// Random axons (0 to 6 synapses each, some empty) over a random synapse memory.
    fn random_tables(rng: &mut rand::rngs::StdRng) -> Table {
        let mut axons = Vec::new();
        let mut synapses = Vec::new();
        for _ in 0..24 {
            let count = rng.gen_range(0..=6u32);
            axons.push((synapses.len() as u32, count));
            for _ in 0..count {
                synapses.push((
                    rng.gen_range(0..1024u32),
                    rng.gen_range(0..1u32 << WEIGHT_BITS),
                    rng.gen_range(0..4u32),
                ));
            }
        }
        (axons, synapses)
    }

    /// Loads the tables, offers `packets` (waiting `gaps[i]` clocks after each is taken;
    /// `enable` low every `disable_every`-th clock) and returns the deliveries and the clocks
    /// from the first offer until the unit is idle again. With `rewrite_every`, the host
    /// rewrites a synapse entry (with its own contents) every `rewrite_every`-th clock.
    fn run(
        (axons, synapses): Table,
        packets: Vec<u32>,
        gaps: Vec<u32>,
        disable_every: u32,
        rewrite_every: u32,
    ) -> (Vec<(u32, u32, u32)>, u32) {
        let out = std::sync::Arc::new(std::sync::Mutex::new((Vec::new(), 0)));
        let result = out.clone();
        let mut uut = SynapseDelivery::default();
        uut.connect_all();
        let mut sim = simple_sim!(SynapseDelivery, clock, 100_000_000, ep, {
            let mut x = ep.init()?;
            x.reset.next = true;
            wait_clock_cycle!(ep, clock, x);
            x.reset.next = false;
            x.shift0.next = SHIFTS[0].to_bits();
            x.shift1.next = SHIFTS[1].to_bits();
            x.shift2.next = SHIFTS[2].to_bits();
            x.shift3.next = SHIFTS[3].to_bits();
            for (a, &(first, count)) in axons.iter().enumerate() {
                x.host_address.next = (a as u32).to_bits();
                x.host_write_data.next = axon_word(first, count).unwrap().to_bits();
                x.host_write_axon.next = true;
                wait_clock_cycle!(ep, clock, x);
            }
            x.host_write_axon.next = false;
            for (s, &(t, w, r)) in synapses.iter().enumerate() {
                x.host_address.next = (s as u32).to_bits();
                x.host_write_data.next = synapse_word(t, w, r).unwrap().to_bits();
                x.host_write_synapse.next = true;
                wait_clock_cycle!(ep, clock, x);
            }
            x.host_write_synapse.next = false;
            x.enable.next = true;
            wait_clock_cycle!(ep, clock, x);
            let mut got = Vec::new();
            let (mut next, mut wait, mut clocks) = (0, 0, 0u32);
            while next < packets.len() || !x.idle.val() {
                x.enable.next = disable_every == 0 || clocks % disable_every != disable_every - 1;
                let rewrite = rewrite_every != 0 && clocks % rewrite_every == 0;
                x.host_write_synapse.next = rewrite;
                if rewrite {
                    let s = (clocks as usize * 7) % synapses.len();
                    let (t, w, r) = synapses[s];
                    x.host_address.next = (s as u32).to_bits();
                    x.host_write_data.next = synapse_word(t, w, r).unwrap().to_bits();
                }
                let offer = next < packets.len() && wait == 0;
                x.packet_valid.next = offer;
                if offer {
                    x.packet_axon.next = packets[next].to_bits();
                }
                if x.deliver_valid.val() {
                    got.push((
                        x.deliver_neuron.val().index() as u32,
                        x.deliver_receptor.val().index() as u32,
                        x.deliver_increment.val().index() as u32,
                    ));
                }
                if offer && x.packet_ready.val() {
                    wait = gaps[next];
                    next += 1;
                } else {
                    wait = wait.saturating_sub(1);
                }
                wait_clock_cycle!(ep, clock, x);
                clocks += 1;
                sim_assert!(ep, clocks < 10_000, x);
            }
            *out.lock().unwrap() = (got, clocks);
            x.packet_valid.next = false;
            ep.done(x)
        });
        sim.run(Box::new(uut), 100_000_000_000).unwrap();
        let r = result.lock().unwrap().clone();
        r
    }

    fn expected((axons, synapses): &Table, packets: &[u32]) -> Vec<(u32, u32, u32)> {
        let mut out = Vec::new();
        for &p in packets {
            let (first, count) = axons[p as usize];
            for &(target, weight, receptor) in &synapses[first as usize..(first + count) as usize] {
                out.push((target, receptor, weight << SHIFTS[receptor as usize]));
            }
        }
        out
    }

    #[test]
    fn delivers_every_entry_of_every_packet_in_order_with_gaps_and_stalls() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let tables = random_tables(&mut rng);
        let packets: Vec<u32> = (0..60).map(|_| rng.gen_range(0..24u32)).collect();
        let gaps: Vec<u32> = packets.iter().map(|_| rng.gen_range(0..3u32)).collect();
        let want = expected(&tables, &packets);
        let (got, _) = run(tables, packets, gaps, 7, 0);
        assert_eq!(got.len(), want.len());
        assert_eq!(got, want);
    }

    #[test]
    fn back_to_back_packets_take_their_synapses_plus_two_clocks() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(8);
        let tables = random_tables(&mut rng);
        let packets: Vec<u32> = (0..40).map(|_| rng.gen_range(0..24u32)).collect();
        let want = expected(&tables, &packets);
        let budget: u32 = packets.iter().map(|&p| tables.0[p as usize].1 + 2).sum();
        let (got, clocks) = run(tables, packets.clone(), vec![0; packets.len()], 0, 0);
        assert_eq!(got, want);
        // The last delivery leaves one clock after the last packet's stream ends.
        assert_eq!(clocks, budget + 1, "clocks for {} packets", packets.len());
    }

    /// The synapse memory has one port: host writes while packets stream (as a host that
    /// updates weights between ticks while injected inputs are delivered) delay deliveries
    /// but neither drop nor repeat one.
    #[test]
    fn host_synapse_writes_during_a_stream_lose_no_delivery() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let tables = random_tables(&mut rng);
        let packets: Vec<u32> = (0..40).map(|_| rng.gen_range(0..24u32)).collect();
        let want = expected(&tables, &packets);
        let (got, _) = run(tables, packets.clone(), vec![0; packets.len()], 0, 3);
        assert_eq!(got, want);
    }
}
