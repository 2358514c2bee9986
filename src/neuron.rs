//! Running one current-clamp protocol through any engine: the `neurofuse neuron` contract.

use std::fmt;
use std::str::FromStr;

use anyhow::Result;
use channels::ChannelSet;
use gpu::{FloatEngine, Real};
use sim::{current_to_fixed, FixedEngine};

/// Initial membrane potential of every protocol, mV (gates start at steady state there).
pub const V0_MV: f64 = -65.0;
/// Spike threshold for counting, mV (the NEURON references use 0 mV).
pub const THRESHOLD_MV: f64 = 0.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    F32,
    F64,
}

impl FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "f32" => Ok(Precision::F32),
            "f64" => Ok(Precision::F64),
            _ => Err(format!("unknown precision '{s}' (expected f32 or f64)")),
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        })
    }
}

/// Which arithmetic runs the neuron.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The float reference (`gpu` crate, CPU backend).
    Float(Precision),
    /// The chip's fixed-point arithmetic (`sim` crate).
    Fixed,
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Engine::Float(p) => write!(f, "float {p}"),
            Engine::Fixed => write!(f, "fixed"),
        }
    }
}

/// Membrane potential (mV) at every row time: row 0 is the initial state and row k+1 the state
/// after applying `currents[k]` for one step of `dt` ms.
pub fn simulate(set: &ChannelSet, engine: Engine, dt: f64, currents: &[f64]) -> Result<Vec<f64>> {
    match engine {
        Engine::Float(Precision::F32) => simulate_float::<f32>(set, dt, currents),
        Engine::Float(Precision::F64) => simulate_float::<f64>(set, dt, currents),
        Engine::Fixed => simulate_fixed(set, dt, currents),
    }
}

fn simulate_float<R: Real>(set: &ChannelSet, dt: f64, currents: &[f64]) -> Result<Vec<f64>> {
    let engine = FloatEngine::<R>::new(set, dt)?;
    let mut pop = engine.population(1, V0_MV, THRESHOLD_MV);
    let mut out = Vec::with_capacity(currents.len());
    out.push(pop.v[0].to_f64());
    for &i in &currents[..currents.len().saturating_sub(1)] {
        pop.i_ext[0] = R::from_f64(i);
        engine.step(&mut pop);
        out.push(pop.v[0].to_f64());
    }
    Ok(out)
}

fn simulate_fixed(set: &ChannelSet, dt: f64, currents: &[f64]) -> Result<Vec<f64>> {
    let engine = FixedEngine::new(set, dt)?;
    let mut pop = engine.population(1, V0_MV, THRESHOLD_MV);
    let mut out = Vec::with_capacity(currents.len());
    out.push(sim::format::v_to_mv(pop.v[0].into()));
    for &i in &currents[..currents.len().saturating_sub(1)] {
        pop.i_ext[0] = current_to_fixed(i);
        engine.step(&mut pop);
        out.push(sim::format::v_to_mv(pop.v[0].into()));
    }
    Ok(out)
}
