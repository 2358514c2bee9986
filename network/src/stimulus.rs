//! Input spike trains for a network's external inputs, in ticks (time steps).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Input spikes: `events[t]` lists the inputs that fire at tick `t`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stimulus {
    pub events: Vec<Vec<u32>>,
}

impl Stimulus {
    /// No input for `ticks` ticks.
    pub fn silent(ticks: usize) -> Stimulus {
        Stimulus {
            events: vec![Vec::new(); ticks],
        }
    }

    /// Independent Poisson trains at `rate_hz` on each of `inputs`, `dt_ms` per tick.
    pub fn poisson(inputs: usize, rate_hz: f64, ticks: usize, dt_ms: f64, seed: u64) -> Stimulus {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let p = (rate_hz * dt_ms * 1e-3).clamp(0.0, 1.0);
        let events = (0..ticks)
            .map(|_| {
                (0..inputs as u32)
                    .filter(|_| rng.gen_bool(p))
                    .collect::<Vec<u32>>()
            })
            .collect();
        Stimulus { events }
    }

    pub fn ticks(&self) -> usize {
        self.events.len()
    }

    /// Inputs firing at tick `t` (none past the end).
    pub fn at(&self, t: usize) -> &[u32] {
        self.events.get(t).map_or(&[], |e| e.as_slice())
    }

    pub fn total_spikes(&self) -> usize {
        self.events.iter().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_rate_is_close_to_the_requested_one() {
        let s = Stimulus::poisson(100, 200.0, 4000, 0.025, 1);
        // 100 inputs * 0.1 s * 200 Hz = 2000 expected; sd ~ 45.
        let n = s.total_spikes();
        assert!((1800..2200).contains(&n), "{n}");
        assert_eq!(s, Stimulus::poisson(100, 200.0, 4000, 0.025, 1));
        assert!(s.at(5000).is_empty());
    }
}
