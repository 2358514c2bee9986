//! What a compiled image uses of each core's memories, against the configuration's capacity.

use chip::ChipImage;

/// One memory of one core: entries used and entries the core holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    pub used: usize,
    pub capacity: usize,
}

impl Fill {
    /// Used / capacity, 0 to 1.
    pub fn fraction(&self) -> f64 {
        self.used as f64 / self.capacity.max(1) as f64
    }
}

impl std::fmt::Display for Fill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{} ({:.1} %)",
            self.used,
            self.capacity,
            100.0 * self.fraction()
        )
    }
}

/// A core's neurons and table entries against its capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoreUsage {
    pub core: u32,
    pub neurons: Fill,
    /// Axon-table entries (distinct presynaptic sources).
    pub axons: Fill,
    /// Synapse-memory entries.
    pub synapses: Fill,
    /// Routing-table entries of the core's neurons.
    pub routes: Fill,
}

/// Per core of `image`, in core order.
pub fn usage(image: &ChipImage) -> Vec<CoreUsage> {
    let c = &image.config.core;
    let fill = |used: usize, capacity: u32| Fill {
        used,
        capacity: capacity as usize,
    };
    image
        .cores
        .iter()
        .enumerate()
        .map(|(k, core)| CoreUsage {
            core: k as u32,
            neurons: fill(core.neurons(), c.neurons),
            axons: fill(core.axons.len(), c.axons),
            synapses: fill(core.synapses.len(), c.synapses),
            routes: fill(core.routes.entries.len(), c.routes),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use network::random::RandomNetwork;

    #[test]
    fn usage_counts_every_synapse_and_neuron_once_against_the_configured_capacity() {
        let net = RandomNetwork {
            seed: 4,
            ..RandomNetwork::default()
        }
        .build();
        let config = chip::ChipConfig::builtin("small").unwrap();
        let compiled = crate::compile(&net, &config).unwrap();
        let u = usage(&compiled.image);
        assert_eq!(u.len(), 4);
        let total = |f: fn(&CoreUsage) -> usize| u.iter().map(f).sum::<usize>();
        assert_eq!(total(|c| c.neurons.used), net.neurons);
        assert_eq!(
            total(|c| c.synapses.used),
            net.synapses.len() + net.input_synapses.len()
        );
        for c in &u {
            assert_eq!(c.neurons.capacity, 256);
            assert_eq!(c.axons.capacity, 1024);
            assert_eq!(c.synapses.capacity, 16384);
            assert_eq!(c.routes.capacity, 1024);
            // Each of the core's neurons has a route per distinct destination core.
            assert!(c.routes.used <= c.neurons.used * 4);
        }
        let f = Fill {
            used: 3,
            capacity: 12,
        };
        assert_eq!(f.to_string(), "3/12 (25.0 %)");
    }
}
