//! A task where only timing carries the answer: two inputs, A and B, fire one spike each at
//! random times; the class is which fired first. Every example has the same spike count per
//! input, so a decoder of rates is at chance by construction.

use network::Stimulus;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::classifier::ClassifierSpec;
use crate::fit::Example;

/// Class 0: A fired first; class 1: B first.
pub const CLASSES: usize = 2;
pub const INPUTS: usize = 2;
/// Spikes fall in this window (ms) and at least `MIN_GAP_MS` apart.
pub const WINDOW_MS: (f64, f64) = (1.0, 18.0);
pub const MIN_GAP_MS: f64 = 1.0;

/// The classifier for this task: the digits network's neurons and synapses on 2 inputs and 2
/// outputs.
pub fn spec(neuron: ClassifierSpec) -> ClassifierSpec {
    ClassifierSpec {
        inputs: INPUTS,
        classes: CLASSES,
        // Two spikes drive the whole run: start strong.
        init_weight: neuron.init_weight * 4.0,
        ..neuron
    }
}

/// `n` examples, balanced classes, reproducible from `seed`.
pub fn examples(spec: &ClassifierSpec, n: usize, seed: u64) -> Vec<Example> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|k| {
            let (first, second) = loop {
                let a = rng.gen_range(WINDOW_MS.0..WINDOW_MS.1);
                let b = rng.gen_range(WINDOW_MS.0..WINDOW_MS.1);
                if (a - b).abs() >= MIN_GAP_MS {
                    break (a.min(b), a.max(b));
                }
            };
            let label = k % CLASSES;
            // Class 0: input 0 (A) at the earlier time.
            let (t_a, t_b) = if label == 0 {
                (first, second)
            } else {
                (second, first)
            };
            let mut stimulus = Stimulus::silent(spec.ticks);
            for (input, t) in [(0u32, t_a), (1, t_b)] {
                let tick = ((t / spec.dt_ms).round() as usize).min(spec.ticks - 1);
                stimulus.events[tick].push(input);
            }
            Example { stimulus, label }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_differ_only_in_order() {
        let spec = spec(ClassifierSpec::digits());
        let ex = examples(&spec, 200, 3);
        for e in &ex {
            let when = |i: u32| {
                e.stimulus
                    .events
                    .iter()
                    .position(|t| t.contains(&i))
                    .unwrap()
            };
            assert_eq!(e.stimulus.total_spikes(), 2);
            assert_eq!(e.label == 0, when(0) < when(1));
            assert!(when(0).abs_diff(when(1)) >= 40);
        }
        assert_eq!(ex.iter().filter(|e| e.label == 0).count(), 100);
    }
}
