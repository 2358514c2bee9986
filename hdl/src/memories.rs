//! How many words each of a core's network memories holds on a chip built for a
//! configuration: the route table, the route ranges (neurons and input slots), the axon
//! table, the synapse memory, the emission queue and the output-spike queue. The RTL's
//! address widths fix the maxima; a small configuration gets small memories (an iCE40 has
//! 30 block RAMs). A chip reports its sizes (`chip_map::CHIP_CAPACITY`) and a host refuses
//! an image whose configuration asks for others, so nothing aliases.

use chip::{index_bits, ChipConfig};

use crate::delivery::{AXON_ADDRESS_BITS, SYNAPSE_ADDRESS_BITS};
use crate::emission::{INPUT_SOURCE_BASE, ROUTE_ADDRESS_BITS, SOURCE_BITS};

/// log2 of each memory's words, per core.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoreMemories {
    /// Route entries: the configuration's `core.routes` for the neurons and as many again
    /// for the external inputs the core sends.
    pub route_bits: usize,
    /// Route-range entries per half: neurons `0 ..`, then input slots (a source's range is
    /// at `{input, low bits}`), so a core has `2^source_half_bits` input slots.
    pub source_half_bits: usize,
    pub axon_bits: usize,
    pub synapse_bits: usize,
    /// Sources the emission queue holds: a step's spikes and every input slot once.
    pub queue_bits: usize,
    /// Output spikes queued for the host: a step's worth, at least 256 (one block RAM).
    pub spike_queue_bits: usize,
}

impl CoreMemories {
    /// The largest memories the RTL addresses.
    pub const FULL: CoreMemories = CoreMemories {
        route_bits: ROUTE_ADDRESS_BITS,
        source_half_bits: SOURCE_BITS - 1,
        axon_bits: AXON_ADDRESS_BITS,
        synapse_bits: SYNAPSE_ADDRESS_BITS,
        queue_bits: SOURCE_BITS,
        spike_queue_bits: 10,
    };

    pub fn of(config: &ChipConfig) -> CoreMemories {
        let bits = |n: u32| index_bits(n) as usize;
        let neuron_bits = bits(config.core.neurons);
        let route_bits = (bits(config.core.routes) + 1).min(ROUTE_ADDRESS_BITS);
        // An input slot sends at least one route, so there are no more slots than routes.
        let source_half_bits = neuron_bits.max(route_bits - 1).min(SOURCE_BITS - 1);
        CoreMemories {
            route_bits,
            source_half_bits,
            axon_bits: bits(config.core.axons).min(AXON_ADDRESS_BITS),
            synapse_bits: bits(config.core.synapses).min(SYNAPSE_ADDRESS_BITS),
            queue_bits: source_half_bits + 1,
            spike_queue_bits: neuron_bits.max(8),
        }
    }

    pub fn routes(&self) -> u32 {
        1 << self.route_bits
    }

    pub fn input_slots(&self) -> u32 {
        1 << self.source_half_bits
    }

    pub fn axons(&self) -> u32 {
        1 << self.axon_bits
    }

    pub fn synapses(&self) -> u32 {
        1 << self.synapse_bits
    }

    /// Where source `source` (a neuron, or `INPUT_SOURCE_BASE` + slot) has its range.
    pub fn range_index(&self, source: u32) -> u32 {
        let input = source >= INPUT_SOURCE_BASE;
        u32::from(input) << self.source_half_bits | (source & ((1 << self.source_half_bits) - 1))
    }

    /// The word a chip reports: 4 bits per size, in field order.
    pub fn word(&self) -> u32 {
        [
            self.route_bits,
            self.source_half_bits,
            self.axon_bits,
            self.synapse_bits,
            self.queue_bits,
            self.spike_queue_bits,
        ]
        .iter()
        .enumerate()
        .fold(0, |word, (i, &b)| word | (b as u32) << (4 * i))
    }

    /// The sizes a capacity word reports, in words.
    pub fn describe(word: u32) -> String {
        let size = |i: u32| 1u32 << ((word >> (4 * i)) & 0xF);
        format!(
            "{} route entries, {} input slots, {} axons, {} synapses, a {}-source emission queue and a {}-spike output queue per core",
            size(0),
            size(1),
            size(2),
            size(3),
            size(4),
            size(5)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_configurations_get_the_rtl_s_maxima() {
        let config = ChipConfig::builtin("brainfuse").unwrap();
        assert_eq!(CoreMemories::of(&config), CoreMemories::FULL);
    }

    #[test]
    fn the_ice40_chip_gets_memories_for_its_configuration() {
        let config = ChipConfig::builtin("ice40").unwrap();
        let m = CoreMemories::of(&config);
        // 64 neurons, 128 routes (+128 for inputs), 256 axons, 16,384 synapses.
        assert_eq!(m.routes(), 256);
        assert_eq!(m.input_slots(), 128);
        assert_eq!(m.axons(), 256);
        assert_eq!(m.synapses(), 16384);
        assert_eq!(m.queue_bits, 8);
        assert_eq!(m.spike_queue_bits, 8);
        assert_eq!(m.range_index(5), 5);
        assert_eq!(m.range_index(INPUT_SOURCE_BASE + 3), 128 + 3);
    }

    #[test]
    fn the_capacity_word_reads_back_in_words() {
        let config = ChipConfig::builtin("ice40").unwrap();
        let text = CoreMemories::describe(CoreMemories::of(&config).word());
        assert!(
            text.starts_with(
                "256 route entries, 128 input slots, 256 axons, 16384 synapses, a 256-source"
            ),
            "{text}"
        );
    }
}
