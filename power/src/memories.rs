//! The memories of one core of a chip configuration, and which events access them: the
//! memory side of the power estimate. Sizes follow the configuration, word widths the RTL
//! (`hdl`). The RTL sizes its network memories a little differently
//! (`hdl::memories::CoreMemories`: powers of two, and route entries for the inputs as well as
//! the neurons); at the largest configuration (1,024 neurons, 2,048 sources and routes per
//! core) the two agree, which `tests/power_cli.rs` checks.

use chip::index_bits;
use chip::ChipConfig;
use serde::Serialize;

use crate::{Component, Event};

/// The RTL's word widths (hdl/src: core, delivery, emission, router).
pub const V_BITS: u32 = 20;
pub const GATE_BITS: u32 = 16;
pub const I_EXT_BITS: u32 = 25;
pub const RECEPTOR_BITS: u32 = 24;
pub const GATE_UNITS: u32 = 4;
pub const RECEPTOR_UNITS: u32 = 4;
/// Lookup tables of the gate units: steady state (16 bits) and relaxation (18 bits), 2,048
/// voltages each; the membrane table has 1,024 entries of 17 bits.
pub const GATE_TABLE_DEPTH: u64 = 2048;
pub const MEMBRANE_TABLE_DEPTH: u64 = 1024;
/// An axon-table entry: first synapse and a 16-bit count.
pub const AXON_COUNT_BITS: u32 = 16;
pub const PACKET_BITS: u32 = 32;
/// A router node's ports: local, north, east, south, west.
pub const ROUTER_PORTS: u32 = 5;

/// One kind of memory in a core (`count` identical ones).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Memory {
    pub name: &'static str,
    pub component: Component,
    pub count: u32,
    pub depth: u64,
    pub width: u32,
    /// Accesses (reads plus writes) to one of the `count` memories per event.
    pub accesses: Vec<(Event, f64)>,
}

impl Memory {
    pub fn bits(&self) -> u64 {
        u64::from(self.count) * self.depth * u64::from(self.width)
    }
}

/// Every memory of one core of `config` (router FIFOs included).
pub fn inventory(config: &ChipConfig) -> Vec<Memory> {
    let n = u64::from(config.core.neurons);
    let sources = 2 * n; // a core's neurons and as many input slots
    let routes = u64::from(config.core.routes);
    let synapses = u64::from(config.core.synapses);
    let per_update = |r: f64| vec![(Event::NeuronUpdate, r)];
    use Component::*;
    vec![
        Memory {
            name: "membrane voltage",
            component: Datapath,
            count: 1,
            depth: n,
            width: V_BITS,
            accesses: per_update(2.0),
        },
        Memory {
            name: "gate states",
            component: Datapath,
            count: GATE_UNITS,
            depth: n,
            width: GATE_BITS,
            accesses: per_update(2.0),
        },
        Memory {
            name: "injected current",
            component: Datapath,
            count: 1,
            depth: n,
            width: I_EXT_BITS,
            accesses: per_update(1.0),
        },
        Memory {
            name: "receptor states",
            component: Datapath,
            count: RECEPTOR_UNITS,
            depth: n,
            width: RECEPTOR_BITS,
            accesses: per_update(2.0),
        },
        Memory {
            name: "receptor accumulators",
            component: Datapath,
            count: RECEPTOR_UNITS,
            depth: n,
            width: RECEPTOR_BITS,
            // The update reads and clears every unit's; a synaptic event adds to one.
            accesses: vec![
                (Event::NeuronUpdate, 2.0),
                (Event::SynapticEvent, 2.0 / f64::from(RECEPTOR_UNITS)),
            ],
        },
        Memory {
            name: "gate tables (steady state)",
            component: Datapath,
            count: GATE_UNITS,
            depth: GATE_TABLE_DEPTH,
            width: 16,
            accesses: per_update(1.0),
        },
        Memory {
            name: "gate tables (relaxation)",
            component: Datapath,
            count: GATE_UNITS,
            depth: GATE_TABLE_DEPTH,
            width: 18,
            accesses: per_update(1.0),
        },
        Memory {
            name: "membrane table",
            component: Datapath,
            count: 1,
            depth: MEMBRANE_TABLE_DEPTH,
            width: 17,
            accesses: per_update(1.0),
        },
        Memory {
            name: "axon table",
            component: Delivery,
            count: 1,
            depth: u64::from(config.core.axons),
            width: index_bits(config.core.synapses) + AXON_COUNT_BITS,
            accesses: vec![(Event::PacketSent, 1.0)],
        },
        Memory {
            name: "synapse memory",
            component: Delivery,
            count: 1,
            depth: synapses,
            width: config.synapse_entry_bits(),
            accesses: vec![(Event::SynapticEvent, 1.0)],
        },
        Memory {
            name: "source queue",
            component: Emission,
            count: 1,
            depth: sources,
            width: index_bits(sources as u32),
            accesses: vec![(Event::Source, 2.0)],
        },
        Memory {
            name: "route ranges",
            component: Emission,
            count: 1,
            depth: sources,
            // First route and count, each one bit wider than a route index.
            width: 2 * (index_bits(config.core.routes) + 1),
            accesses: vec![(Event::Source, 1.0)],
        },
        Memory {
            name: "routes",
            component: Emission,
            count: 1,
            depth: routes,
            width: PACKET_BITS,
            accesses: vec![(Event::PacketSent, 1.0)],
        },
        Memory {
            name: "output-spike queue",
            component: Emission,
            count: 1,
            depth: n,
            width: index_bits(config.core.neurons),
            // Written as the neuron fires, read when the host takes it.
            accesses: vec![(Event::Spike, 2.0)],
        },
        Memory {
            name: "router port FIFOs",
            component: Router,
            count: ROUTER_PORTS,
            depth: u64::from(config.router.fifo_depth),
            width: PACKET_BITS,
            // A packet passes one FIFO (write, read) per router; the load spreads over the
            // ports, so per port it is 2 / ports.
            accesses: vec![(Event::RouterTraversal, 2.0 / f64::from(ROUTER_PORTS))],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_brainfuse_synapse_memory_holds_its_hundred_million_synapses() {
        let config = ChipConfig::builtin("brainfuse").unwrap();
        let memories = inventory(&config);
        let synapse = memories
            .iter()
            .find(|m| m.name == "synapse memory")
            .unwrap();
        let total = synapse.depth * u64::from(config.cores());
        assert!(total >= 100_000_000, "{total}");
        assert_eq!(synapse.width, 10 + 8 + 2);
    }

    #[test]
    fn every_memory_is_accessed_by_some_event() {
        for name in ["small", "brainfuse"] {
            for m in inventory(&ChipConfig::builtin(name).unwrap()) {
                assert!(m.bits() > 0, "{}", m.name);
                assert!(
                    m.accesses.iter().any(|&(_, r)| r > 0.0),
                    "{} is never accessed",
                    m.name
                );
            }
        }
    }
}
