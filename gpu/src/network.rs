//! The float reference for networks: a population of HH neurons plus exponential synapses.
//!
//! One tick (time step `dt`):
//! 1. every neuron integrates with its synaptic state frozen over the step: conductance
//!    receptors add `g` to the membrane conductance and `g * E` to its current, current
//!    receptors add `+-I` (see [`crate::kernel`] for the neuron scheme);
//! 2. spikes are the upward threshold crossings of this step;
//! 3. every receptor state decays exactly, `s *= exp(-dt / tau)`;
//! 4. integrate-and-fire neurons (a network with `reset_mv`) that spiked are reset;
//! 5. each spike of this tick (and each input spike of this tick) adds its synapses'
//!    weights, so it acts from the next tick on (no axonal delay), as in Brian2.
//!
//! The chip runs the same tick in fixed point (`sim::network`).

use network::{Fanout, Network, ReceptorKind, Stimulus};

use crate::engine::{EngineError, FloatEngine, Population};
use crate::real::Real;

/// What each receptor does to the membrane, in the engine's precision.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Action<R> {
    Conductance { reversal: R },
    Current { sign: R },
}

/// Each receptor's action and its decay over one step `dt` (ms).
pub(crate) fn receptor_actions<R: Real>(net: &Network, dt: f64) -> (Vec<Action<R>>, Vec<R>) {
    let actions = net
        .receptors
        .iter()
        .map(|r| match r.kind {
            ReceptorKind::Conductance { reversal_mv } => Action::Conductance {
                reversal: R::from_f64(reversal_mv),
            },
            ReceptorKind::Current { excitatory } => Action::Current {
                sign: R::from_f64(if excitatory { 1.0 } else { -1.0 }),
            },
        })
        .collect();
    let decay = net
        .receptors
        .iter()
        .map(|r| R::from_f64((-dt / r.tau_ms).exp()))
        .collect();
    (actions, decay)
}

pub struct FloatNetwork<R: Real> {
    engine: FloatEngine<R>,
    pub pop: Population<R>,
    /// State per receptor and neuron (mS/cm^2 or uA/cm^2).
    pub receptors: Vec<Vec<R>>,
    actions: Vec<Action<R>>,
    decay: Vec<R>,
    bias: Vec<R>,
    fanout: Fanout,
    weight: Vec<R>,
    input_fanout: Fanout,
    input_weight: Vec<R>,
    counted: Vec<u32>,
    spiked: Vec<u32>,
    reset: Option<R>,
    ticks: u64,
}

/// Spikes of a run, neuron indices per tick.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Raster {
    pub ticks: Vec<Vec<u32>>,
}

impl Raster {
    pub fn total(&self) -> usize {
        self.ticks.iter().map(Vec::len).sum()
    }

    /// Spikes per neuron.
    pub fn counts(&self, neurons: usize) -> Vec<u32> {
        let mut c = vec![0; neurons];
        for t in &self.ticks {
            for &n in t {
                c[n as usize] += 1;
            }
        }
        c
    }
}

impl<R: Real> FloatNetwork<R> {
    pub fn new(net: &Network, dt: f64) -> Result<Self, EngineError> {
        net.validate().map_err(|e| EngineError(e.to_string()))?;
        let engine = FloatEngine::<R>::new(&net.channels, dt)?;
        let n = net.neurons;
        let mut pop = engine.population(n, -65.0, net.threshold_mv);
        pop.v = net.initial.v_mv.iter().map(|&v| R::from_f64(v)).collect();
        pop.gates = net
            .initial_gates()
            .iter()
            .map(|g| g.iter().map(|&x| R::from_f64(x)).collect())
            .collect();
        let sorted = |fanout: &Fanout, weights: &[f64]| -> Vec<R> {
            fanout
                .edge
                .iter()
                .map(|&e| R::from_f64(weights[e as usize]))
                .collect()
        };
        let fanout = net.synapses.fanout(n);
        let (actions, decay) = receptor_actions(net, dt);
        let input_fanout = net.input_synapses.fanout(net.inputs);
        Ok(FloatNetwork {
            weight: sorted(&fanout, &net.synapses.weight),
            input_weight: sorted(&input_fanout, &net.input_synapses.weight),
            fanout,
            input_fanout,
            receptors: net
                .initial
                .receptors
                .iter()
                .map(|s| s.iter().map(|&x| R::from_f64(x)).collect())
                .collect(),
            actions,
            decay,
            bias: net.bias.iter().map(|&b| R::from_f64(b)).collect(),
            counted: vec![0; n],
            spiked: Vec::new(),
            reset: net.reset_mv.map(R::from_f64),
            pop,
            engine,
            ticks: 0,
        })
    }

    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    /// Advances one tick with `inputs` firing; returns the neurons that spiked.
    pub fn step(&mut self, inputs: &[u32]) -> &[u32] {
        let pop = &mut self.pop;
        pop.i_ext.copy_from_slice(&self.bias);
        pop.g_ext.fill(R::default());
        // Plain multiply-add: `R::mul_add` outside the multiversioned kernels is a libm call.
        for (state, action) in self.receptors.iter().zip(&self.actions) {
            match *action {
                Action::Conductance { reversal } => {
                    for i in 0..state.len() {
                        pop.g_ext[i] = pop.g_ext[i] + state[i];
                        pop.i_ext[i] = pop.i_ext[i] + state[i] * reversal;
                    }
                }
                Action::Current { sign } => {
                    for i in 0..state.len() {
                        pop.i_ext[i] = pop.i_ext[i] + state[i] * sign;
                    }
                }
            }
        }
        self.engine.step(pop);
        self.spiked.clear();
        for (i, (&now, seen)) in pop.spikes.iter().zip(self.counted.iter_mut()).enumerate() {
            if now != *seen {
                self.spiked.push(i as u32);
                *seen = now;
            }
        }
        if let Some(reset) = self.reset {
            for &s in &self.spiked {
                pop.v[s as usize] = reset;
            }
        }
        for (state, &d) in self.receptors.iter_mut().zip(&self.decay) {
            for s in state.iter_mut() {
                *s = *s * d;
            }
        }
        for &s in &self.spiked {
            for e in self.fanout.range(s as usize) {
                let (post, r) = (
                    self.fanout.post[e] as usize,
                    self.fanout.receptor[e] as usize,
                );
                self.receptors[r][post] = self.receptors[r][post] + self.weight[e];
            }
        }
        for &s in inputs {
            for e in self.input_fanout.range(s as usize) {
                let (post, r) = (
                    self.input_fanout.post[e] as usize,
                    self.input_fanout.receptor[e] as usize,
                );
                self.receptors[r][post] = self.receptors[r][post] + self.input_weight[e];
            }
        }
        self.ticks += 1;
        &self.spiked
    }

    /// Runs `ticks` ticks driven by `stimulus`, returning the spikes of each.
    pub fn run(&mut self, stimulus: &Stimulus, ticks: usize) -> Raster {
        Raster {
            ticks: (0..ticks)
                .map(|t| self.step(stimulus.at(t)).to_vec())
                .collect(),
        }
    }
}
