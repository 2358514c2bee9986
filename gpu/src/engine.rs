//! The float reference engine on the CPU: populations of single-compartment HH neurons.

use std::fmt;

use channels::ChannelSet;

use crate::interp::Program;
use crate::kernel::{StepFn, StepParams};
use crate::real::Real;

/// Which code runs the neuron update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelKind {
    /// Generated at build time for the named built-in channel set.
    Compiled(&'static str),
    /// The chunked interpreter, for any channel set.
    Interpreted,
}

impl fmt::Display for KernelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelKind::Compiled(name) => write!(f, "compiled ({name})"),
            KernelKind::Interpreted => write!(f, "interpreted"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct EngineError(pub String);

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EngineError {}

enum Kernel<R: Real> {
    Compiled(&'static str, StepFn<R>),
    Interpreted(Program),
}

/// Integrates populations of neurons of one channel set with a fixed time step.
pub struct FloatEngine<R: Real> {
    set: ChannelSet,
    dt: f64,
    kernel: Kernel<R>,
    conductance: Vec<R>,
    reversal: Vec<R>,
}

/// State of `n` neurons, structure of arrays.
#[derive(Clone, Debug)]
pub struct Population<R> {
    /// Membrane potential, mV.
    pub v: Vec<R>,
    /// One vector per gate of the channel set, in its order.
    pub gates: Vec<Vec<R>>,
    /// Injected current density, uA/cm^2, held over the next step. Synapses add their
    /// `g * E` (and current-based synapses their current) here.
    pub i_ext: Vec<R>,
    /// Conductance added to the channels', mS/cm^2, held over the next step: synapses.
    pub g_ext: Vec<R>,
    /// Upward threshold crossings so far, per neuron.
    pub spikes: Vec<u32>,
    /// Spike threshold, mV.
    pub threshold: R,
}

impl<R: Real> Population<R> {
    pub fn len(&self) -> usize {
        self.v.len()
    }

    pub fn is_empty(&self) -> bool {
        self.v.is_empty()
    }

    pub fn total_spikes(&self) -> u64 {
        self.spikes.iter().map(|&s| u64::from(s)).sum()
    }
}

impl<R: Real> FloatEngine<R> {
    /// The fastest kernel available for `set`: compiled if its structure matches a built-in.
    pub fn new(set: &ChannelSet, dt: f64) -> Result<Self, EngineError> {
        let kernel = match R::compiled_kernel(&set.structure_key()) {
            Some((name, f)) => Kernel::Compiled(name, f),
            None => Kernel::Interpreted(Program::new(set)),
        };
        Self::with_kernel(set, dt, kernel)
    }

    /// Always the interpreter (to compare kernels, or to measure it).
    pub fn interpreted(set: &ChannelSet, dt: f64) -> Result<Self, EngineError> {
        Self::with_kernel(set, dt, Kernel::Interpreted(Program::new(set)))
    }

    fn with_kernel(set: &ChannelSet, dt: f64, kernel: Kernel<R>) -> Result<Self, EngineError> {
        if !(dt.is_finite() && dt > 0.0) {
            return Err(EngineError(format!(
                "time step must be a positive number of ms, got {dt}"
            )));
        }
        Ok(FloatEngine {
            conductance: set
                .channels
                .iter()
                .map(|c| R::from_f64(c.conductance))
                .collect(),
            reversal: set
                .channels
                .iter()
                .map(|c| R::from_f64(c.reversal))
                .collect(),
            set: set.clone(),
            dt,
            kernel,
        })
    }

    pub fn kernel_kind(&self) -> KernelKind {
        match &self.kernel {
            Kernel::Compiled(name, _) => KernelKind::Compiled(name),
            Kernel::Interpreted(_) => KernelKind::Interpreted,
        }
    }

    pub fn channel_set(&self) -> &ChannelSet {
        &self.set
    }

    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// `n` neurons at `v0` mV with every gate at its steady state there, no input current.
    pub fn population(&self, n: usize, v0: f64, threshold: f64) -> Population<R> {
        let steady = self.set.steady_state(v0);
        Population {
            v: vec![R::from_f64(v0); n],
            gates: steady.iter().map(|&x| vec![R::from_f64(x); n]).collect(),
            i_ext: vec![R::default(); n],
            g_ext: vec![R::default(); n],
            spikes: vec![0; n],
            threshold: R::from_f64(threshold),
        }
    }

    /// Advances every neuron by one time step.
    pub fn step(&self, pop: &mut Population<R>) {
        let n = pop.v.len();
        assert!(
            pop.gates.len() == self.set.gates.len()
                && pop.gates.iter().all(|g| g.len() == n)
                && pop.i_ext.len() == n
                && pop.g_ext.len() == n
                && pop.spikes.len() == n,
            "population does not match the engine's channel set"
        );
        let params = StepParams {
            neg_dt: R::from_f64(-self.dt),
            neg_dt_over_c: R::from_f64(-self.dt / self.set.capacitance),
            threshold: pop.threshold,
            conductance: &self.conductance,
            reversal: &self.reversal,
        };
        match &self.kernel {
            Kernel::Compiled(_, f) => f(
                &params,
                &mut pop.v,
                &mut pop.gates,
                &pop.i_ext,
                &pop.g_ext,
                &mut pop.spikes,
            ),
            Kernel::Interpreted(prog) => R::interpreted_kernel()(
                prog,
                &params,
                &mut pop.v,
                &mut pop.gates,
                &pop.i_ext,
                &pop.g_ext,
                &mut pop.spikes,
            ),
        }
    }
}
