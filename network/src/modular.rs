//! Modular networks: the structured workload the partitioner is measured on, and the
//! generator of the BrainFuse-scale compile benchmark. Neurons form modules (cortical
//! columns, say); most synapses stay inside a module, the rest go to the modules next to it
//! on a ring. With `shuffle`, neuron indices are permuted so that index order says nothing
//! about the modules (as in a network whose populations were numbered by type, not place).

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::Network;

#[derive(Clone, Debug)]
pub struct ModularNetwork {
    pub neurons: usize,
    pub modules: usize,
    /// Synapses per neuron (out-degree).
    pub fanout: usize,
    /// Fraction of a neuron's synapses onto its own module; the rest go to the
    /// `neighbours` modules on each side of it on the ring.
    pub local: f64,
    pub neighbours: usize,
    /// External inputs, each with `input_fanout` synapses into one module.
    pub inputs: usize,
    pub input_fanout: usize,
    /// Permute neuron indices (module membership no longer follows index order).
    pub shuffle: bool,
    pub seed: u64,
}

impl Default for ModularNetwork {
    fn default() -> Self {
        ModularNetwork {
            neurons: 1024,
            modules: 16,
            fanout: 32,
            local: 0.9,
            neighbours: 1,
            inputs: 64,
            input_fanout: 16,
            shuffle: true,
            seed: 1,
        }
    }
}

impl ModularNetwork {
    /// At the scale of the BrainFuse chip: 38,000 neurons in 40 modules, 2,630 synapses
    /// each (99.9 M in all), 90 % inside the module.
    pub fn brainfuse() -> ModularNetwork {
        ModularNetwork {
            neurons: 38_000,
            modules: 40,
            fanout: 2_630,
            local: 0.9,
            neighbours: 1,
            inputs: 400,
            input_fanout: 100,
            shuffle: true,
            seed: 1,
        }
    }

    /// The module of each neuron.
    pub fn modules_of(&self) -> Vec<u32> {
        let mut module: Vec<u32> = (0..self.neurons)
            .map(|i| (i * self.modules / self.neurons) as u32)
            .collect();
        if self.shuffle {
            module.shuffle(&mut ChaCha8Rng::seed_from_u64(self.seed ^ 0x5eed));
        }
        module
    }

    /// # Panics
    /// On a spec that describes no network: no modules, more modules than neurons, or a
    /// `local` fraction outside 0..=1.
    pub fn build(&self) -> Network {
        assert!(
            (1..=self.neurons).contains(&self.modules),
            "ModularNetwork: {} modules for {} neurons; expected 1 to {} modules",
            self.modules,
            self.neurons,
            self.neurons
        );
        assert!(
            (0.0..=1.0).contains(&self.local),
            "ModularNetwork: local = {}; expected a fraction in 0..=1",
            self.local
        );
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let name = format!(
            "modular-{}x{}-{}",
            self.modules,
            self.neurons / self.modules,
            self.seed
        );
        let mut net = crate::random::excitatory_inhibitory(&name, self.neurons, &mut rng);
        let modules = self.modules;
        let module = self.modules_of();
        let mut members = vec![Vec::new(); modules];
        for (i, &m) in module.iter().enumerate() {
            members[m as usize].push(i as u32);
        }
        let total = self.neurons * self.fanout;
        net.synapses.pre.reserve_exact(total);
        net.synapses.post.reserve_exact(total);
        net.synapses.weight.reserve_exact(total);
        net.synapses.receptor.reserve_exact(total);
        let reach = self.neighbours.min((modules - 1) / 2) as i64;
        for (pre, &m) in module.iter().enumerate() {
            // One neuron in five is inhibitory.
            let inhibitory = pre % 5 == 4;
            for _ in 0..self.fanout {
                let target_module = if reach == 0 || rng.gen_bool(self.local) {
                    m as usize
                } else {
                    let mut step = rng.gen_range(1..=reach);
                    if rng.gen_bool(0.5) {
                        step = -step;
                    }
                    (m as i64 + step).rem_euclid(modules as i64) as usize
                };
                let pool = &members[target_module];
                let post = pool[rng.gen_range(0..pool.len())];
                if inhibitory {
                    net.synapses
                        .push(pre as u32, post, rng.gen_range(0.1..0.5), 1);
                } else {
                    net.synapses
                        .push(pre as u32, post, rng.gen_range(0.02..0.08), 0);
                }
            }
        }
        net.inputs = self.inputs;
        for input in 0..self.inputs {
            let pool = &members[input % modules];
            for _ in 0..self.input_fanout {
                let post = pool[rng.gen_range(0..pool.len())];
                net.input_synapses
                    .push(input as u32, post, rng.gen_range(0.2..0.6), 0);
            }
        }
        net
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synapses_stay_mostly_in_their_module_or_go_next_door() {
        let spec = ModularNetwork {
            neurons: 400,
            modules: 8,
            fanout: 50,
            ..ModularNetwork::default()
        };
        let net = spec.build();
        net.validate().unwrap();
        assert_eq!(net.synapses.len(), 400 * 50);
        let module = spec.modules_of();
        let mut sizes = vec![0; 8];
        module.iter().for_each(|&m| sizes[m as usize] += 1);
        assert_eq!(sizes, vec![50; 8]);
        assert_ne!(&module[..50], &[0; 50][..], "shuffled");
        let (mut local, mut next) = (0, 0);
        for (&pre, &post) in net.synapses.pre.iter().zip(&net.synapses.post) {
            let (a, b) = (module[pre as usize] as i64, module[post as usize] as i64);
            match (a - b).rem_euclid(8) {
                0 => local += 1,
                1 | 7 => next += 1,
                d => panic!("a synapse {d} modules away"),
            }
        }
        let fraction = local as f64 / net.synapses.len() as f64;
        assert!((fraction - 0.9).abs() < 0.01, "{fraction}");
        assert_eq!(local + next, net.synapses.len());
        assert_eq!(spec.build().synapses, net.synapses, "reproducible");
    }
}
