//! The demo's accuracy stage: the digits test set on the float reference and the chip
//! model, a sample on the verilated chip whose spikes must equal the chip model's at every
//! tick.

use std::time::Instant;

use anyhow::{bail, Result};
use chip::ChipImage;
use train::fit::Example;

use super::network::Classifier;
use crate::evaluate::{
    chip_spikes_rtl, chip_spikes_sim, decide, evaluate, network_spikes, Engine, Evaluation,
};

/// Chip spikes, (core, local neuron) per tick.
pub type ChipSpikes = Vec<Vec<(u32, u32)>>;

/// The RTL sample: its evaluation and the first image's spikes (for the raster).
pub struct RtlSample {
    pub evaluation: Evaluation,
    pub ticks_compared: usize,
    pub first_spikes: ChipSpikes,
}

fn bar(name: &str, len: usize) -> indicatif::ProgressBar {
    indicatif::ProgressBar::new(len as u64).with_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{name:5} {{bar:40}} {{pos}}/{{len}} images {{eta}}"
        ))
        .expect("valid template"),
    )
}

/// `examples` on the float reference or the chip model, with a progress bar.
pub fn run_engine(
    engine: Engine,
    c: &Classifier,
    image: &ChipImage,
    examples: &[Example],
    threads: usize,
) -> Result<Evaluation> {
    let bar = bar(engine.name(), examples.len());
    let e = evaluate(engine, &c.net, image, &c.spec, examples, threads, &|| {
        bar.inc(1)
    });
    bar.finish_and_clear();
    e
}

/// `examples` on the verilated chip, each also on the chip model: an error naming image,
/// tick, core and neuron at the first spike where they differ.
pub fn run_rtl(c: &Classifier, image: &ChipImage, examples: &[Example]) -> Result<RtlSample> {
    let start = Instant::now();
    let bar = bar("rtl", examples.len());
    let mut decisions = Vec::new();
    let mut first_spikes = Vec::new();
    let mut ticks_compared = 0;
    for (k, e) in examples.iter().enumerate() {
        let rtl = chip_spikes_rtl(image, &e.stimulus, c.spec.ticks)?;
        let sim = chip_spikes_sim(image, &e.stimulus, c.spec.ticks)?;
        if let Some(m) = first_mismatch(&sim, &rtl) {
            bar.abandon();
            bail!(
                "test image {k} (a {}): the RTL differs from sim: {m}",
                e.label
            );
        }
        ticks_compared += sim.len();
        decisions.push(decide(&c.spec, &network_spikes(image, &rtl)?));
        if k == 0 {
            first_spikes = rtl;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(RtlSample {
        evaluation: Evaluation {
            engine: Engine::Rtl,
            decisions,
            labels: examples.iter().map(|e| e.label).collect(),
            wall_s: start.elapsed().as_secs_f64(),
        },
        ticks_compared,
        first_spikes,
    })
}

/// Where two runs' spikes first differ: the tick and the (core, neuron) that fired on one
/// engine only (or the tick counts).
pub fn first_mismatch(sim: &[Vec<(u32, u32)>], rtl: &[Vec<(u32, u32)>]) -> Option<String> {
    for (t, (s, r)) in sim.iter().zip(rtl).enumerate() {
        if s == r {
            continue;
        }
        let only = |a: &[(u32, u32)], b: &[(u32, u32)]| a.iter().find(|x| !b.contains(x)).copied();
        return Some(match (only(r, s), only(s, r)) {
            (Some((core, n)), _) => {
                format!("tick {t}: core {core}, neuron {n} fired on the RTL, not on sim")
            }
            (None, Some((core, n))) => {
                format!("tick {t}: core {core}, neuron {n} fired on sim, not on the RTL")
            }
            // Same spikes, another order: the chip's arithmetic must not depend on it.
            (None, None) => {
                format!("tick {t}: the same spikes in another order: sim {s:?}, RTL {r:?}")
            }
        });
    }
    (sim.len() != rtl.len()).then(|| format!("sim ran {} ticks, the RTL {}", sim.len(), rtl.len()))
}

#[cfg(test)]
mod tests {
    use super::first_mismatch;

    #[test]
    fn the_first_differing_spike_is_named_with_its_tick_core_and_neuron() {
        let sim = vec![vec![], vec![(0, 3)], vec![(1, 2), (2, 5)]];
        assert_eq!(first_mismatch(&sim, &sim), None);
        let mut rtl = sim.clone();
        rtl[2] = vec![(1, 2)];
        assert_eq!(
            first_mismatch(&sim, &rtl).unwrap(),
            "tick 2: core 2, neuron 5 fired on sim, not on the RTL"
        );
        rtl[1] = vec![(0, 3), (3, 7)];
        assert_eq!(
            first_mismatch(&sim, &rtl).unwrap(),
            "tick 1: core 3, neuron 7 fired on the RTL, not on sim"
        );
        assert!(first_mismatch(&sim, &sim[..2])
            .unwrap()
            .contains("sim ran 3 ticks"));
    }
}
