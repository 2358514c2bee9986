//! Power of a chip configuration at real time, per component, from four inputs:
//!
//! - switching activity measured on the RTL (`Calibration`: toggles per traced signal bit of
//!   each component in a VCD of a verilated run, and the events the run had);
//! - the logic cells of each block, from Yosys ([`cells`]);
//! - the memories of a core and the events that access them ([`memories`]);
//! - an energy table with a source for every figure ([`energy`]).
//!
//! A component's logic energy in the calibration run is its average activity factor times
//! its cells times the energy of a cell transition: the toggles per traced bit, measured,
//! stand for the toggles per gate and flip-flop, which a VCD of the RTL does not show. That
//! energy divided by the run's events of the component (neuron updates for the datapath,
//! synaptic events and packets for delivery, ...) is an energy per event, which any workload
//! on any configuration scales ([`estimate`]).

pub mod cells;
pub mod energy;
pub mod estimate;
pub mod memories;
pub mod report;

use serde::{Deserialize, Serialize};

pub use cells::{BlockCells, Cells};
pub use energy::EnergyTable;
pub use estimate::{estimate, Calibration, PowerEstimate, Toggles, Workload};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct PowerError(pub String);

/// The parts of the chip a power breakdown names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// The HH datapath with the neuron state and its lookup tables.
    Datapath,
    /// Synapse delivery: axon table, synapse memory.
    Delivery,
    /// Spike emission: source queue, route ranges, routes; and the output-spike queue the
    /// host reads (in the chip top).
    Emission,
    /// The mesh routers, their FIFOs and the links between cores.
    Router,
    /// The tick controller.
    Control,
}

impl Component {
    pub const ALL: [Component; 5] = [
        Component::Datapath,
        Component::Delivery,
        Component::Emission,
        Component::Router,
        Component::Control,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Component::Datapath => "datapath",
            Component::Delivery => "delivery",
            Component::Emission => "emission",
            Component::Router => "router",
            Component::Control => "control",
        }
    }

    /// The Verilog module of the component (`neurofuse verilog` writes `MODULE.v`).
    pub fn module(self) -> &'static str {
        match self {
            Component::Datapath => "neuron_core",
            Component::Delivery => "synapse_delivery",
            Component::Emission => "spike_emission",
            Component::Router => "spike_router",
            Component::Control => "tick_controller",
        }
    }

    /// Instances of the module on a chip of `cores` cores.
    pub fn instances(self, cores: u32) -> u32 {
        match self {
            Component::Control => 1,
            _ => cores,
        }
    }

    /// The component an instance of the chip top (`neurofuse_chip`) belongs to: `core3`,
    /// `delivery0`, `emission1`, `mesh`, `tick`; `None` for anything else.
    pub fn of_instance(instance: &str) -> Option<Component> {
        let stem = instance.trim_end_matches(|c: char| c.is_ascii_digit());
        match stem {
            "core" => Some(Component::Datapath),
            "delivery" => Some(Component::Delivery),
            "emission" => Some(Component::Emission),
            "mesh" => Some(Component::Router),
            "tick" => Some(Component::Control),
            _ => None,
        }
    }

    /// This component's work in a tick of `w`: what its switching energy is per.
    pub fn activity(self, w: &Workload) -> f64 {
        match self {
            Component::Datapath => w.neuron_updates,
            Component::Delivery => w.synaptic_events + w.packets,
            Component::Emission => w.sources + w.packets,
            Component::Router => w.packets + w.hops,
            Component::Control => 1.0,
        }
    }

    pub fn activity_unit(self) -> &'static str {
        match self {
            Component::Datapath => "neuron update",
            Component::Delivery => "synaptic event or packet",
            Component::Emission => "source spike or packet",
            Component::Router => "router traversal",
            Component::Control => "tick",
        }
    }
}

/// Events that access memories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    NeuronUpdate,
    SynapticEvent,
    /// A packet sent (and received by one core).
    PacketSent,
    /// A neuron's or an input's spike entering an emission queue.
    Source,
    /// A neuron's spike (queued for the host as an output spike).
    Spike,
    /// A packet passing one router (a packet of h hops passes h + 1).
    RouterTraversal,
}

impl Event {
    pub fn count(self, w: &Workload) -> f64 {
        match self {
            Event::NeuronUpdate => w.neuron_updates,
            Event::SynapticEvent => w.synaptic_events,
            Event::PacketSent => w.packets,
            Event::Source => w.sources,
            Event::Spike => w.spikes,
            Event::RouterTraversal => w.packets + w.hops,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chip_instances_map_to_components() {
        assert_eq!(Component::of_instance("core12"), Some(Component::Datapath));
        assert_eq!(
            Component::of_instance("delivery0"),
            Some(Component::Delivery)
        );
        assert_eq!(
            Component::of_instance("emission3"),
            Some(Component::Emission)
        );
        assert_eq!(Component::of_instance("mesh"), Some(Component::Router));
        assert_eq!(Component::of_instance("tick"), Some(Component::Control));
        assert_eq!(Component::of_instance("host_address"), None);
    }
}
