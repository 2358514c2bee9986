//! Spike encodings of static inputs.

use network::Stimulus;
use rand::Rng;

/// Each input fires a regular train at `intensity * max_rate_hz` (intensity in 0..=1) for
/// `ticks` ticks. Inputs start at different phases (golden-ratio spacing), so equal
/// intensities do not fire in lockstep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateCode {
    pub ticks: usize,
    pub dt_ms: f64,
    pub max_rate_hz: f64,
}

impl RateCode {
    pub fn encode(&self, intensities: &[f64]) -> Stimulus {
        let mut events = vec![Vec::new(); self.ticks];
        for (i, &x) in intensities.iter().enumerate() {
            let per_tick = x.clamp(0.0, 1.0) * self.max_rate_hz * self.dt_ms * 1e-3;
            let mut phase = (i as f64 * 0.618_033_988_749_895).fract();
            for tick in events.iter_mut() {
                phase += per_tick;
                if phase >= 1.0 {
                    phase -= 1.0;
                    tick.push(i as u32);
                }
            }
        }
        Stimulus { events }
    }
}

/// `pixels / max` plus Gaussian noise of standard deviation `sigma`, clipped to 0..=1.
pub fn noisy_intensities(pixels: &[u8], max: u8, sigma: f64, rng: &mut impl Rng) -> Vec<f64> {
    pixels
        .iter()
        .map(|&p| {
            let clean = f64::from(p) / f64::from(max);
            (clean + sigma * standard_normal(rng)).clamp(0.0, 1.0)
        })
        .collect()
}

/// Box-Muller.
fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn rates_follow_intensity() {
        let code = RateCode {
            ticks: 4000,
            dt_ms: 0.025,
            max_rate_hz: 200.0,
        };
        let s = code.encode(&[0.0, 0.5, 1.0]);
        let mut counts = [0; 3];
        for t in &s.events {
            for &i in t {
                counts[i as usize] += 1;
            }
        }
        // 100 ms at 0, 100 and 200 Hz.
        assert_eq!(counts[0], 0);
        assert!((9..=10).contains(&counts[1]), "{counts:?}");
        assert!((19..=20).contains(&counts[2]), "{counts:?}");
    }

    #[test]
    fn noise_has_the_requested_spread() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let x = noisy_intensities(&[8; 10_000], 16, 0.1, &mut rng);
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
        assert!(
            (mean - 0.5).abs() < 0.005 && (sd - 0.1).abs() < 0.005,
            "{mean} {sd}"
        );
    }
}
