//! Random networks for co-simulation health checks and tests: excitatory and inhibitory
//! conductance synapses, external Poisson inputs, optional hot spots (a few neurons that
//! receive a large share of all synapses, to load one core's router port).

use channels::ChannelSet;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{Network, Receptor, ReceptorKind};

#[derive(Clone, Debug)]
pub struct RandomNetwork {
    pub neurons: usize,
    pub inputs: usize,
    /// Mean synapses per neuron (out-degree).
    pub fanout: usize,
    /// Synapses per input.
    pub input_fanout: usize,
    /// Fraction of excitatory neurons.
    pub excitatory: f64,
    /// Fraction of synapses whose target is one of `hot_spots` neurons.
    pub hot_fraction: f64,
    pub hot_spots: usize,
    pub seed: u64,
}

impl Default for RandomNetwork {
    fn default() -> Self {
        RandomNetwork {
            neurons: 200,
            inputs: 32,
            fanout: 20,
            input_fanout: 20,
            excitatory: 0.8,
            hot_fraction: 0.0,
            hot_spots: 4,
            seed: 1,
        }
    }
}

/// Traub-Miles neurons at random potentials in -70..-55 mV (from `rng`), spiking at
/// -20 mV, with an excitatory (`exc`, 5 ms, 0 mV) and an inhibitory (`inh`, 10 ms, -80 mV)
/// conductance receptor and no synapses yet: the base of the generated networks.
pub(crate) fn excitatory_inhibitory(name: &str, neurons: usize, rng: &mut ChaCha8Rng) -> Network {
    let channels = ChannelSet::builtin("traub_miles").expect("built-in set");
    let mut net = Network::new(name, channels, neurons, -65.0, -20.0);
    for v in &mut net.initial.v_mv {
        *v = rng.gen_range(-70.0..-55.0);
    }
    net.add_receptor(Receptor {
        name: "exc".into(),
        tau_ms: 5.0,
        kind: ReceptorKind::Conductance { reversal_mv: 0.0 },
    });
    net.add_receptor(Receptor {
        name: "inh".into(),
        tau_ms: 10.0,
        kind: ReceptorKind::Conductance { reversal_mv: -80.0 },
    });
    net
}

impl RandomNetwork {
    pub fn build(&self) -> Network {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut net =
            excitatory_inhibitory(&format!("random-{}", self.seed), self.neurons, &mut rng);
        let n = self.neurons as u32;
        let excitatory = (self.neurons as f64 * self.excitatory).round() as u32;
        let hot = self.hot_spots.clamp(1, self.neurons) as u32;
        let target = |rng: &mut ChaCha8Rng| {
            if rng.gen_bool(self.hot_fraction) {
                rng.gen_range(0..hot)
            } else {
                rng.gen_range(0..n)
            }
        };
        for pre in 0..n {
            for _ in 0..self.fanout {
                let post = target(&mut rng);
                if pre < excitatory {
                    net.synapses.push(pre, post, rng.gen_range(0.02..0.08), 0);
                } else {
                    net.synapses.push(pre, post, rng.gen_range(0.1..0.5), 1);
                }
            }
        }
        net.inputs = self.inputs;
        for input in 0..self.inputs as u32 {
            for _ in 0..self.input_fanout {
                let post = target(&mut rng);
                net.input_synapses
                    .push(input, post, rng.gen_range(0.2..0.6), 0);
            }
        }
        net
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_networks_are_valid_and_reproducible() {
        let spec = RandomNetwork {
            hot_fraction: 0.5,
            ..RandomNetwork::default()
        };
        let a = spec.build();
        a.validate().unwrap();
        let b = spec.build();
        assert_eq!(a.synapses, b.synapses);
        assert_eq!(a.synapses.len(), 200 * 20);
        let hot = a.synapses.post.iter().filter(|&&p| p < 4).count();
        assert!(hot > a.synapses.len() / 3, "{hot}");
    }
}
