//! Running one current-clamp protocol through any engine: the `neurofuse neuron` contract.

use std::fmt;
use std::str::FromStr;

use std::path::Path;

use anyhow::{Context, Result};
use channels::ChannelSet;
use gpu::{FloatEngine, Real};
use sim::{current_to_fixed, FixedEngine};
use testbench::state_vcd::{Sample, StateVcd};

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
    /// The chip's RTL, verilated (`testbench` crate).
    Rtl,
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Engine::Float(p) => write!(f, "float {p}"),
            Engine::Fixed => write!(f, "fixed"),
            Engine::Rtl => write!(f, "rtl"),
        }
    }
}

/// Membrane potential (mV) at every row time: row 0 is the initial state and row k+1 the state
/// after applying `currents[k]` for one step of `dt` ms.
pub fn simulate(set: &ChannelSet, engine: Engine, dt: f64, currents: &[f64]) -> Result<Vec<f64>> {
    match engine {
        Engine::Float(Precision::F32) => simulate_float::<f32>(set, dt, currents),
        Engine::Float(Precision::F64) => simulate_float::<f64>(set, dt, currents),
        Engine::Fixed | Engine::Rtl => Ok(simulate_registers(set, engine, dt, currents)?.v_mv()),
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

/// A fixed-point run as registers: row 0 the initial state, row k+1 after step k.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterTrace {
    /// S7.12.
    pub v: Vec<i32>,
    /// U0.16, per row one value per gate of the channel set.
    pub gates: Vec<Vec<u16>>,
    /// S12.12: the current applied during the step that ends at this row (row 0: none).
    pub i_ext: Vec<i32>,
    /// V crossed the threshold upward during that step.
    pub spike: Vec<bool>,
}

impl RegisterTrace {
    pub fn v_mv(&self) -> Vec<f64> {
        self.v
            .iter()
            .map(|&v| sim::format::v_to_mv(v.into()))
            .collect()
    }
}

/// Runs the chip's arithmetic, on the bit-accurate model (`Engine::Fixed`) or the RTL
/// (`Engine::Rtl`), and returns every register the neuron holds after every step.
pub fn simulate_registers(
    set: &ChannelSet,
    engine: Engine,
    dt: f64,
    currents: &[f64],
) -> Result<RegisterTrace> {
    simulate_registers_traced(set, engine, dt, currents, None)
}

/// [`simulate_registers`], and with `rtl_trace` (rtl engine only) a VCD of every RTL
/// signal at every clock.
pub fn simulate_registers_traced(
    set: &ChannelSet,
    engine: Engine,
    dt: f64,
    currents: &[f64],
    rtl_trace: Option<&Path>,
) -> Result<RegisterTrace> {
    if rtl_trace.is_some() && engine != Engine::Rtl {
        anyhow::bail!("--rtl-trace records the RTL's signals: use it with --engine rtl");
    }
    let fixed = FixedEngine::new(set, dt)?;
    let mut pop = fixed.population(1, V0_MV, THRESHOLD_MV);
    let steps = currents.len().saturating_sub(1);
    let applied: Vec<i32> = currents[..steps]
        .iter()
        .map(|&i| current_to_fixed(i))
        .collect();
    let mut trace = RegisterTrace {
        v: vec![pop.v[0]],
        gates: vec![pop.gates.iter().map(|g| g[0]).collect()],
        i_ext: vec![0],
        spike: vec![false],
    };
    match engine {
        Engine::Fixed => {
            for &i in &applied {
                let before = pop.spikes[0];
                pop.i_ext[0] = i;
                fixed.step(&mut pop);
                trace.v.push(pop.v[0]);
                trace.gates.push(pop.gates.iter().map(|g| g[0]).collect());
                trace.spike.push(pop.spikes[0] != before);
            }
        }
        Engine::Rtl => {
            let states = testbench::run_neuron_rtl(&fixed, &pop, &applied, rtl_trace)
                .map_err(anyhow::Error::msg)?;
            for (state, spike) in states {
                trace.v.push(state.v);
                trace.gates.push(state.gates[..set.gates.len()].to_vec());
                trace.spike.push(spike);
            }
        }
        Engine::Float(_) => anyhow::bail!("the float engine has no registers"),
    }
    trace.i_ext.extend(applied);
    Ok(trace)
}

/// Writes `trace` as VCD (`testbench::state_vcd`): the same signal names for every engine.
pub fn write_vcd(path: &Path, set: &ChannelSet, dt: f64, trace: &RegisterTrace) -> Result<()> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("{}: cannot create the VCD file", path.display()))?;
    // A dot would read as hierarchy in waveform viewers.
    let names: Vec<String> = set.gates.iter().map(|g| g.name.replace('.', "_")).collect();
    let write = || -> std::io::Result<()> {
        let mut vcd = StateVcd::new(std::io::BufWriter::new(file), &names, dt)?;
        for k in 0..trace.v.len() {
            vcd.record(
                k as u64,
                Sample {
                    v: trace.v[k],
                    gates: &trace.gates[k],
                    i_ext: trace.i_ext[k],
                    spike: trace.spike[k],
                    receptors: &[],
                },
            )?;
        }
        vcd.finish()
    };
    write().with_context(|| format!("{}: cannot write the VCD file", path.display()))
}
