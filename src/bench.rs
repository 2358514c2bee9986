//! The standard workloads of `../shared/bench/README.md` (B1 for now).

use std::time::Instant;

use anyhow::Result;
use channels::ChannelSet;
use gpu::{FloatEngine, Real};
use serde_json::json;
use sim::{current_to_fixed, FixedEngine};

use crate::neuron::{Engine, Precision, THRESHOLD_MV, V0_MV};

/// B1: independent squid-axon neurons with constant currents `linspace(5, 15, n)` uA/cm^2,
/// `steps` steps of 0.025 ms, on one core.
#[derive(Clone, Copy, Debug)]
pub struct B1 {
    pub neurons: usize,
    pub steps: usize,
}

impl Default for B1 {
    fn default() -> Self {
        B1 {
            neurons: 10_000,
            steps: 4_000,
        }
    }
}

#[derive(Clone, Debug)]
pub struct B1Result {
    pub engine: Engine,
    pub kernel: String,
    pub run_s: f64,
    pub updates_per_s: f64,
    pub spikes: u64,
}

impl B1Result {
    pub fn to_json(&self) -> serde_json::Value {
        let (engine, precision) = match self.engine {
            Engine::Float(p) => ("float", Some(p.to_string())),
            Engine::Fixed => ("fixed", None),
            Engine::Rtl => ("rtl", None),
        };
        json!({
            "bench": "b1",
            "engine": engine,
            "precision": precision,
            "kernel": self.kernel,
            "run_s": self.run_s,
            "updates_per_s": self.updates_per_s,
            "spikes": self.spikes,
        })
    }
}

pub const DT_MS: f64 = 0.025;

fn currents(n: usize) -> impl Iterator<Item = f64> {
    (0..n).map(move |k| {
        if n == 1 {
            5.0
        } else {
            5.0 + 10.0 * k as f64 / (n - 1) as f64
        }
    })
}

pub fn run_b1(b: B1, engine: Engine) -> Result<B1Result> {
    let set = ChannelSet::builtin("hh_squid")?;
    let (run_s, spikes, kernel) = match engine {
        Engine::Float(Precision::F32) => b1_float::<f32>(&set, b)?,
        Engine::Float(Precision::F64) => b1_float::<f64>(&set, b)?,
        Engine::Rtl => anyhow::bail!(
            "B1 is 10,000 neurons and one RTL core holds {}; the RTL's speed is measured by \
             `cargo bench -p testbench`",
            hdl::map::MAX_NEURONS
        ),
        Engine::Fixed => {
            let eng = FixedEngine::new(&set, DT_MS)?;
            let mut pop = eng.population(b.neurons, V0_MV, THRESHOLD_MV);
            for (slot, i) in pop.i_ext.iter_mut().zip(currents(b.neurons)) {
                *slot = current_to_fixed(i);
            }
            let start = Instant::now();
            for _ in 0..b.steps {
                eng.step(&mut pop);
            }
            (
                start.elapsed().as_secs_f64(),
                pop.total_spikes(),
                "fixed-point".to_string(),
            )
        }
    };
    Ok(B1Result {
        engine,
        kernel,
        run_s,
        updates_per_s: (b.neurons * b.steps) as f64 / run_s,
        spikes,
    })
}

fn b1_float<R: Real>(set: &ChannelSet, b: B1) -> Result<(f64, u64, String)> {
    let eng = FloatEngine::<R>::new(set, DT_MS)?;
    let mut pop = eng.population(b.neurons, V0_MV, THRESHOLD_MV);
    for (slot, i) in pop.i_ext.iter_mut().zip(currents(b.neurons)) {
        *slot = R::from_f64(i);
    }
    let start = Instant::now();
    for _ in 0..b.steps {
        eng.step(&mut pop);
    }
    Ok((
        start.elapsed().as_secs_f64(),
        pop.total_spikes(),
        eng.kernel_kind().to_string(),
    ))
}
