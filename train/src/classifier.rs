//! A spiking classifier: inputs -> one hidden layer of HH neurons -> one HH neuron per class.
//!
//! Every input-hidden and hidden-output pair has an excitatory and an inhibitory
//! conductance synapse (weights kept >= 0, so the pair acts as one signed weight and the
//! chip's receptors express it). The class is the output neuron with the most spikes, ties
//! going to the earliest first spike (then to the highest index); a silent output layer is a
//! wrong answer.

use channels::ChannelSet;
use network::{Network, Receptor, ReceptorKind};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::encode::RateCode;
use crate::fit::Example;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassifierSpec {
    /// The neuron model: `builtin:NAME` (an HH channel set) or `lif` (leaky integrate-and-fire,
    /// 10 ms, rest and reset at -65 mV: the comparison model).
    pub neuron: String,
    pub inputs: usize,
    pub hidden: usize,
    pub classes: usize,
    /// Ticks per sample, and the step.
    pub ticks: usize,
    pub dt_ms: f64,
    /// An input at full intensity fires at this rate.
    pub max_rate_hz: f64,
    pub threshold_mv: f64,
    /// Initial weights are uniform in `0..init_weight` (mS/cm^2).
    pub init_weight: f64,
    pub seed: u64,
}

impl ClassifierSpec {
    pub fn digits() -> Self {
        ClassifierSpec {
            neuron: "builtin:traub_miles".into(),
            inputs: crate::digits::PIXELS,
            hidden: 64,
            classes: crate::digits::CLASSES,
            ticks: 1000,
            dt_ms: 0.025,
            max_rate_hz: 200.0,
            threshold_mv: -20.0,
            init_weight: 0.05,
            seed: 1,
        }
    }

    /// The same classifier with LIF neurons.
    pub fn digits_lif() -> Self {
        ClassifierSpec {
            neuron: "lif".into(),
            threshold_mv: -50.0,
            // Without the HH channels' refractoriness a LIF neuron can fire every step: the
            // same initial weights would saturate it.
            init_weight: 0.01,
            ..Self::digits()
        }
    }

    pub fn code(&self) -> RateCode {
        RateCode {
            ticks: self.ticks,
            dt_ms: self.dt_ms,
            max_rate_hz: self.max_rate_hz,
        }
    }

    /// Index of the first output neuron (hidden neurons come first).
    pub fn first_output(&self) -> usize {
        self.hidden
    }

    /// The untrained network.
    pub fn build(&self) -> Result<Network, String> {
        let neurons = self.hidden + self.classes;
        let mut net = if self.neuron == "lif" {
            network::lif::network("classifier", neurons, 10.0, -65.0, self.threshold_mv)
                .map_err(|e| e.to_string())?
        } else {
            let name = self.neuron.strip_prefix("builtin:").ok_or_else(|| {
                format!(
                    "neuron: expected builtin:NAME or lif, got '{}'",
                    self.neuron
                )
            })?;
            let set = ChannelSet::builtin(name).map_err(|e| e.to_string())?;
            Network::new("classifier", set, neurons, -65.0, self.threshold_mv)
        };
        let exc = net.add_receptor(Receptor {
            name: "exc".into(),
            tau_ms: 3.0,
            kind: ReceptorKind::Conductance { reversal_mv: 0.0 },
        });
        let inh = net.add_receptor(Receptor {
            name: "inh".into(),
            tau_ms: 5.0,
            kind: ReceptorKind::Conductance { reversal_mv: -80.0 },
        });
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        net.inputs = self.inputs;
        for i in 0..self.inputs as u32 {
            for h in 0..self.hidden as u32 {
                net.input_synapses
                    .push(i, h, rng.gen_range(0.0..self.init_weight), exc);
                net.input_synapses
                    .push(i, h, rng.gen_range(0.0..self.init_weight * INH_INIT), inh);
            }
        }
        // Hidden spikes are few and each must count: larger output weights.
        let w_out = 4.0 * self.init_weight;
        for h in 0..self.hidden as u32 {
            for o in 0..self.classes as u32 {
                let post = (self.hidden as u32) + o;
                net.synapses.push(h, post, rng.gen_range(0.0..w_out), exc);
                net.synapses
                    .push(h, post, rng.gen_range(0.0..w_out * INH_INIT), inh);
            }
        }
        Ok(net)
    }
}

/// Inhibitory weights start smaller: the inhibitory receptor is slower and further from rest.
const INH_INIT: f64 = 0.25;

/// Output spike counts and first-spike ticks of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Readout {
    pub counts: Vec<u32>,
    pub first: Vec<Option<usize>>,
}

impl Readout {
    /// From a run's spikes (neuron indices per tick).
    pub fn of(ticks: &[Vec<u32>], first_output: usize, classes: usize) -> Readout {
        let mut r = Readout {
            counts: vec![0; classes],
            first: vec![None; classes],
        };
        for (t, spikes) in ticks.iter().enumerate() {
            for &n in spikes {
                let n = n as usize;
                if (first_output..first_output + classes).contains(&n) {
                    let k = n - first_output;
                    r.counts[k] += 1;
                    r.first[k].get_or_insert(t);
                }
            }
        }
        r
    }

    /// The most spikes, then the earliest first spike, then the highest class index; `None`
    /// if no output fired.
    pub fn decide(&self) -> Option<usize> {
        (0..self.counts.len())
            .filter(|&k| self.counts[k] > 0)
            .max_by_key(|&k| (self.counts[k], std::cmp::Reverse(self.first[k])))
    }
}

/// Digit images as examples: rate-coded, optionally with Gaussian intensity noise of
/// standard deviation `sigma` (seeded per image, so every model sees the same noise).
pub fn digit_examples(
    spec: &ClassifierSpec,
    samples: &[crate::digits::Sample],
    noise: Option<(f64, u64)>,
) -> Vec<Example> {
    samples
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let max = crate::digits::PIXEL_MAX;
            let intensities = match noise {
                Some((sigma, seed)) => {
                    let mut rng =
                        ChaCha8Rng::seed_from_u64(seed ^ (k as u64).wrapping_mul(0x9E37_79B9));
                    crate::encode::noisy_intensities(&s.pixels, max, sigma, &mut rng)
                }
                None => s
                    .pixels
                    .iter()
                    .map(|&p| f64::from(p) / f64::from(max))
                    .collect(),
            };
            Example {
                stimulus: spec.code().encode(&intensities),
                label: s.label as usize,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_count_spikes_then_prefer_the_earliest() {
        let ticks = vec![vec![5, 2], vec![4], vec![3, 4], vec![5]];
        let r = Readout::of(&ticks, 3, 3);
        assert_eq!(r.counts, vec![1, 2, 2]);
        assert_eq!(r.first, vec![Some(2), Some(1), Some(0)]);
        assert_eq!(r.decide(), Some(2));
        assert_eq!(Readout::of(&[vec![0, 1]], 3, 3).decide(), None);
    }

    #[test]
    fn the_network_has_both_receptors_on_every_pair() {
        let spec = ClassifierSpec {
            hidden: 5,
            ..ClassifierSpec::digits()
        };
        let net = spec.build().unwrap();
        net.validate().unwrap();
        assert_eq!(net.input_synapses.len(), 64 * 5 * 2);
        assert_eq!(net.synapses.len(), 5 * 10 * 2);
        let bad = ClassifierSpec {
            neuron: "hh_squid".into(),
            ..spec
        };
        assert!(bad
            .build()
            .unwrap_err()
            .contains("expected builtin:NAME or lif"));
        let lif = ClassifierSpec::digits_lif().build().unwrap();
        assert_eq!(lif.reset_mv, Some(-65.0));
    }
}
