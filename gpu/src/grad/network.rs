//! Reverse-mode gradients of a whole network through time.
//!
//! The forward pass is the float reference's tick ([`crate::network`]) with every parameter
//! per neuron or per synapse; it keeps the network state of every tick when that fits the
//! memory budget, else one checkpoint every `k` ticks, and the backward pass recomputes each
//! segment from its checkpoint (memory O(T/k + k) states instead of O(T)).
//!
//! Spikes are threshold crossings, so a loss is piecewise constant in them. The backward pass
//! holds the spike times fixed (the exact gradient while no spike appears or vanishes) and,
//! with a [`Surrogate`], adds the usual surrogate term: a spike's effect (through the loss
//! and through its synapses) times a smooth pseudo-derivative of the crossing in `V`.

// Index loops over several parallel arrays read better than zipped iterators here.
#![allow(clippy::needless_range_loop)]

use network::{Fanout, Network, Stimulus};

use crate::engine::EngineError;
use crate::grad::kernels::{BackwardFn, ForwardFn};
use crate::grad::kernels::{GradReal, InterpretedBackwardFn, InterpretedForwardFn};
use crate::grad::model::{InterpretedModel, MAX_CHANNELS, MAX_GATES};
use crate::grad::neuron::{Backward, Forward, StepConsts};
use crate::network::{receptor_actions, Action, Raster};

const MIB: f64 = (1 << 20) as f64;

/// Everything a gradient is taken with respect to.
#[derive(Clone, Debug, PartialEq)]
pub struct Params<R> {
    /// Maximal conductance per channel (in the channel set's order), per neuron, mS/cm^2.
    pub conductance: Vec<Vec<R>>,
    /// Injected current per neuron, uA/cm^2.
    pub bias: Vec<R>,
    /// Per synapse, in the network's order.
    pub weight: Vec<R>,
    /// Per input synapse, in the network's order.
    pub input_weight: Vec<R>,
}

impl<R: GradReal> Params<R> {
    /// The same shape, all zero.
    pub fn zeros_like(&self) -> Self {
        let z = |v: &Vec<R>| vec![R::default(); v.len()];
        Params {
            conductance: self.conductance.iter().map(z).collect(),
            bias: z(&self.bias),
            weight: z(&self.weight),
            input_weight: z(&self.input_weight),
        }
    }
}

/// The pseudo-derivative of a spike with respect to the potential after the step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Surrogate {
    /// None: spike times are held fixed.
    None,
    /// `1 / (1 + slope |V - threshold|)^2` (SuperSpike), `slope` per mV, applied on the steps
    /// that start below the threshold.
    FastSigmoid { slope: f64 },
}

/// The loss's dependence on the run: partial derivatives only, the engine chains them.
pub trait Loss<R> {
    /// Adds d loss / d V (per neuron) after tick `tick` to `grad`.
    fn d_voltage(&mut self, _tick: usize, _v: &[R], _grad: &mut [R]) {}
    /// d loss / d (a spike of `neuron` at `tick`), used through the surrogate.
    fn d_spike(&self, _tick: usize, _neuron: usize) -> f64 {
        0.0
    }
}

/// A forward run, as the backward pass needs it.
pub struct Trajectory<R> {
    pub raster: Raster,
    /// States every `every` ticks (every tick when `every` is 1), flat, `stride` values each.
    states: Vec<R>,
    every: usize,
    ticks: usize,
    /// Values per state: checks that a trajectory belongs to the network it is given back to.
    stride: usize,
}

impl<R> Trajectory<R> {
    /// Ticks between stored states (1: every state kept, no recomputation).
    pub fn checkpoint_every(&self) -> usize {
        self.every
    }
}

enum Kernels<R: GradReal> {
    Compiled(&'static str, ForwardFn<R>, BackwardFn<R>),
    Interpreted(
        InterpretedModel,
        InterpretedForwardFn<R>,
        InterpretedBackwardFn<R>,
    ),
}

/// The receptors of a network as tables, in the engine's precision.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceptorTables<R> {
    /// 1 for a conductance receptor, 0 for a current one.
    pub conductance: Vec<u8>,
    /// The reversal potential (conductance) or the sign (current), by which the state
    /// drives `i_ext`.
    pub factor: Vec<R>,
    /// Per tick: `exp(-dt / tau)`.
    pub decay: Vec<R>,
}

pub struct GradNetwork<R: GradReal> {
    kernels: Kernels<R>,
    consts: StepConsts<R>,
    neurons: usize,
    gates: usize,
    channels: usize,
    inputs: usize,
    actions: Vec<Action<R>>,
    decay: Vec<R>,
    fanout: Fanout,
    input_fanout: Fanout,
    initial: Vec<R>,
    defaults: Params<R>,
    surrogate: Surrogate,
    memory_budget: usize,
    reset: Option<R>,
}

impl<R: GradReal> GradNetwork<R> {
    /// The fastest kernels for the network's channel set: compiled if it is a built-in.
    pub fn new(net: &Network, dt: f64) -> Result<Self, EngineError> {
        Self::build(net, dt, true)
    }

    /// Always the interpreted kernels (to compare kernels).
    pub fn interpreted(net: &Network, dt: f64) -> Result<Self, EngineError> {
        Self::build(net, dt, false)
    }

    fn build(net: &Network, dt: f64, compiled: bool) -> Result<Self, EngineError> {
        net.validate().map_err(|e| EngineError(e.to_string()))?;
        if !(dt.is_finite() && dt > 0.0) {
            return Err(EngineError(format!(
                "time step must be a positive number of ms, got {dt}"
            )));
        }
        let set = &net.channels;
        let (gates, channels) = (set.gates.len(), set.channels.len());
        if gates > MAX_GATES || channels > MAX_CHANNELS {
            return Err(EngineError(format!(
                "channel set '{}' has {gates} gates and {channels} channels; the gradient \
                 engine takes at most {MAX_GATES} of each",
                set.name
            )));
        }
        let found = R::compiled_grad(&set.structure_key()).filter(|_| compiled);
        let kernels = match found {
            Some((name, f, b)) => Kernels::Compiled(name, f, b),
            None => {
                let (f, b) = R::interpreted_grad();
                let model = InterpretedModel::new(set).expect("sizes checked above");
                Kernels::Interpreted(model, f, b)
            }
        };
        let mut reversal = [R::default(); MAX_CHANNELS];
        for (r, c) in reversal.iter_mut().zip(&set.channels) {
            *r = R::from_f64(c.reversal);
        }
        let n = net.neurons;
        let mut initial: Vec<R> = net.initial.v_mv.iter().map(|&v| R::from_f64(v)).collect();
        for g in net.initial_gates() {
            initial.extend(g.iter().map(|&x| R::from_f64(x)));
        }
        for s in &net.initial.receptors {
            initial.extend(s.iter().map(|&x| R::from_f64(x)));
        }
        let r = |v: &[f64]| v.iter().map(|&x| R::from_f64(x)).collect::<Vec<R>>();
        let (actions, decay) = receptor_actions(net, dt);
        Ok(GradNetwork {
            kernels,
            consts: StepConsts {
                neg_dt: R::from_f64(-dt),
                neg_dt_over_c: R::from_f64(-dt / set.capacitance),
                threshold: R::from_f64(net.threshold_mv),
                reversal,
            },
            neurons: n,
            gates,
            channels,
            inputs: net.inputs,
            actions,
            decay,
            fanout: net.synapses.fanout(n),
            input_fanout: net.input_synapses.fanout(net.inputs),
            initial,
            defaults: Params {
                conductance: set
                    .channels
                    .iter()
                    .map(|c| vec![R::from_f64(c.conductance); n])
                    .collect(),
                bias: r(&net.bias),
                weight: r(&net.synapses.weight),
                input_weight: r(&net.input_synapses.weight),
            },
            surrogate: Surrogate::None,
            memory_budget: 256 << 20,
            reset: net.reset_mv.map(R::from_f64),
        })
    }

    /// The network's own parameters (each channel's conductance on every neuron).
    pub fn params(&self) -> Params<R> {
        self.defaults.clone()
    }

    pub fn kernel_name(&self) -> &'static str {
        match &self.kernels {
            Kernels::Compiled(name, ..) => name,
            Kernels::Interpreted(..) => "interpreted",
        }
    }

    pub fn set_surrogate(&mut self, s: Surrogate) {
        self.surrogate = s;
    }

    /// Bytes the forward pass may keep for the backward pass (default 256 MiB); beyond it,
    /// checkpoints and recomputation.
    pub fn set_memory_budget(&mut self, bytes: usize) {
        self.memory_budget = bytes;
    }

    fn stride(&self) -> usize {
        self.neurons * (1 + self.gates + self.actions.len())
    }

    pub(crate) fn check(&self, p: &Params<R>, stimulus: &Stimulus) -> Result<(), EngineError> {
        let n = self.neurons;
        let d = &self.defaults;
        let shape = |field: &str, got: usize, want: usize| {
            if got == want {
                Ok(())
            } else {
                Err(EngineError(format!(
                    "parameters: {field} has {got} entries, the network needs {want}"
                )))
            }
        };
        shape("conductance (channels)", p.conductance.len(), self.channels)?;
        for (c, g) in p.conductance.iter().enumerate() {
            shape(&format!("conductance[{c}]"), g.len(), n)?;
        }
        shape("bias", p.bias.len(), n)?;
        shape("weight", p.weight.len(), d.weight.len())?;
        shape("input_weight", p.input_weight.len(), d.input_weight.len())?;
        for (t, events) in stimulus.events.iter().enumerate() {
            if let Some(&i) = events.iter().find(|&&i| i as usize >= self.inputs) {
                return Err(EngineError(format!(
                    "stimulus: input {i} fires at tick {t}, the network has {} inputs",
                    self.inputs
                )));
            }
        }
        Ok(())
    }

    /// Runs `ticks` ticks; `on_tick(t, v)` sees the potentials after each tick.
    pub fn forward(
        &self,
        p: &Params<R>,
        stimulus: &Stimulus,
        ticks: usize,
        mut on_tick: impl FnMut(usize, &[R]),
    ) -> Result<Trajectory<R>, EngineError> {
        self.check(p, stimulus)?;
        let stride = self.stride();
        let bytes_per_state = stride * std::mem::size_of::<R>();
        let every = if (ticks + 1) * bytes_per_state <= self.memory_budget {
            1
        } else {
            // Checkpoints every k ticks plus one segment of k + 1 states: least at sqrt(T).
            let k = ((ticks as f64).sqrt().ceil() as usize).max(1);
            let need = (ticks / k + 1 + k + 1) * bytes_per_state;
            if need > self.memory_budget {
                return Err(EngineError(format!(
                    "a backward pass over {ticks} ticks needs at least {:.2} MiB of \
                     checkpoints ({} states of {bytes_per_state} bytes), over the memory budget \
                     of {:.2} MiB; raise it with set_memory_budget or run fewer ticks",
                    need as f64 / MIB,
                    ticks / k + k + 2,
                    self.memory_budget as f64 / MIB
                )));
            }
            k
        };
        let conductance: Vec<R> = p.conductance.concat();
        let mut state = self.initial.clone();
        let mut states = Vec::with_capacity((ticks / every + 1) * stride);
        states.extend_from_slice(&state);
        let mut scratch = Scratch::new(self.neurons);
        let mut raster = Raster::default();
        for t in 0..ticks {
            self.tick(p, &conductance, stimulus.at(t), &mut state, &mut scratch);
            raster.ticks.push(scratch.spiked.clone());
            on_tick(t, &state[..self.neurons]);
            if (t + 1) % every == 0 {
                states.extend_from_slice(&state);
            }
        }
        Ok(Trajectory {
            raster,
            states,
            every,
            ticks,
            stride,
        })
    }

    /// One tick of the float reference (the same operations as `FloatNetwork::step`).
    fn tick(
        &self,
        p: &Params<R>,
        conductance: &[R],
        inputs: &[u32],
        state: &mut [R],
        sc: &mut Scratch<R>,
    ) {
        let n = self.neurons;
        let (vx, s) = state.split_at_mut(n * (1 + self.gates));
        self.synaptic_drive(p, s, sc);
        let (v, x) = vx.split_at_mut(n);
        let args = Forward {
            v,
            x,
            conductance,
            g_ext: &sc.g_ext,
            i_ext: &sc.i_ext,
            crossed: &mut sc.crossed,
        };
        match &self.kernels {
            Kernels::Compiled(_, f, _) => f(&self.consts, args),
            Kernels::Interpreted(m, f, _) => f(m, &self.consts, args),
        }
        sc.spiked.clear();
        sc.spiked.extend(
            sc.crossed
                .iter()
                .enumerate()
                .filter(|(_, &c)| c != 0)
                .map(|(i, _)| i as u32),
        );
        if let Some(reset) = self.reset {
            for &j in &sc.spiked {
                state[j as usize] = reset;
            }
        }
        let s = &mut state[n * (1 + self.gates)..];
        self.decay_receptors(s);
        deliver(&self.fanout, &p.weight, &sc.spiked, s, n);
        deliver(&self.input_fanout, &p.input_weight, inputs, s, n);
    }

    /// `g_ext` and `i_ext` of the receptors' state `s` plus the bias.
    fn synaptic_drive(&self, p: &Params<R>, s: &[R], sc: &mut Scratch<R>) {
        self.receptor_drive(&p.bias, s, &mut sc.g_ext, &mut sc.i_ext);
    }

    /// The drive of the receptor states `s` (receptor-major, `receptors * n`) plus `bias`:
    /// writes `g_ext` and `i_ext` (per neuron), as each tick does.
    pub fn receptor_drive(&self, bias: &[R], s: &[R], g_ext: &mut [R], i_ext: &mut [R]) {
        let n = self.neurons;
        i_ext.copy_from_slice(bias);
        g_ext.fill(R::default());
        for (r, action) in self.actions.iter().enumerate() {
            let state = &s[r * n..(r + 1) * n];
            match *action {
                Action::Conductance { reversal } => {
                    for i in 0..n {
                        g_ext[i] = g_ext[i] + state[i];
                        i_ext[i] = i_ext[i] + state[i] * reversal;
                    }
                }
                Action::Current { sign } => {
                    for i in 0..n {
                        i_ext[i] = i_ext[i] + state[i] * sign;
                    }
                }
            }
        }
    }

    /// The adjoint of [`Self::receptor_drive`]: adds the adjoints of `g_ext` and `i_ext` to
    /// those of the receptor states, `lam_s`, and to the bias gradient `d_bias`.
    pub fn drive_adjoint(
        &self,
        lam_g_ext: &[R],
        lam_i_ext: &[R],
        lam_s: &mut [R],
        d_bias: &mut [R],
    ) {
        let n = self.neurons;
        for (r, action) in self.actions.iter().enumerate() {
            let l = &mut lam_s[r * n..(r + 1) * n];
            match *action {
                Action::Conductance { reversal } => {
                    for i in 0..n {
                        l[i] = l[i] + lam_g_ext[i] + lam_i_ext[i] * reversal;
                    }
                }
                Action::Current { sign } => {
                    for i in 0..n {
                        l[i] = l[i] + lam_i_ext[i] * sign;
                    }
                }
            }
        }
        for (b, &l) in d_bias.iter_mut().zip(lam_i_ext) {
            *b = *b + l;
        }
    }

    /// One tick's decay of the receptor states (or of their adjoints), receptor-major.
    pub fn decay_receptors(&self, s: &mut [R]) {
        let n = self.neurons;
        for (r, &d) in self.decay.iter().enumerate() {
            for x in &mut s[r * n..(r + 1) * n] {
                *x = *x * d;
            }
        }
    }

    /// The receptors as the CUDA synapse kernels take them (see `cuda::synapse_source`).
    pub fn receptor_tables(&self) -> ReceptorTables<R> {
        let mut t = ReceptorTables {
            conductance: Vec::new(),
            factor: Vec::new(),
            decay: self.decay.clone(),
        };
        for action in &self.actions {
            let (c, f) = match *action {
                Action::Conductance { reversal } => (1, reversal),
                Action::Current { sign } => (0, sign),
            };
            t.conductance.push(c);
            t.factor.push(f);
        }
        t
    }

    /// The synapses between neurons and from the inputs, grouped by source.
    pub fn fanouts(&self) -> (&Fanout, &Fanout) {
        (&self.fanout, &self.input_fanout)
    }

    /// The state every run starts from, flat: V (per neuron), the gates (gate-major), the
    /// receptor states (receptor-major).
    pub fn initial_state(&self) -> &[R] {
        &self.initial
    }

    /// The step constants the neuron kernels get.
    pub fn step_consts(&self) -> &StepConsts<R> {
        &self.consts
    }

    /// The gradient of the loss with respect to every parameter. `p` and `stimulus` must be
    /// those `traj` was run with.
    pub fn backward(
        &self,
        p: &Params<R>,
        stimulus: &Stimulus,
        traj: &Trajectory<R>,
        loss: &mut dyn Loss<R>,
    ) -> Result<Params<R>, EngineError> {
        self.check(p, stimulus)?;
        let (n, stride) = (self.neurons, self.stride());
        let stored = traj.ticks / traj.every + 1;
        if traj.stride != stride
            || traj.states.len() != stored * stride
            || traj.raster.ticks.len() != traj.ticks
        {
            return Err(EngineError(
                "the trajectory was not made by this network's forward pass".into(),
            ));
        }
        let conductance: Vec<R> = p.conductance.concat();
        let mut grads = p.zeros_like();
        let mut d_conductance = vec![R::default(); conductance.len()];
        let mut lam = vec![R::default(); stride];
        let mut sc = Scratch::new(n);
        let (mut lam_g_ext, mut lam_i_ext) = (vec![R::default(); n], vec![R::default(); n]);
        let mut segment = Vec::new();
        let segments = traj.ticks.div_ceil(traj.every);
        for k in (0..segments).rev() {
            let start = k * traj.every;
            let end = (start + traj.every).min(traj.ticks);
            // States start..=end of this segment.
            let states: &[R] = if traj.every == 1 {
                &traj.states[start * stride..(end + 1) * stride]
            } else {
                segment.clear();
                let mut state = traj.states[k * stride..(k + 1) * stride].to_vec();
                segment.extend_from_slice(&state);
                for t in start..end {
                    self.tick(p, &conductance, stimulus.at(t), &mut state, &mut sc);
                    segment.extend_from_slice(&state);
                }
                &segment
            };
            for t in (start..end).rev() {
                let before = &states[(t - start) * stride..(t - start + 1) * stride];
                let after = &states[(t - start + 1) * stride..(t - start + 2) * stride];
                let (lam_vx, lam_s) = lam.split_at_mut(n * (1 + self.gates));
                loss.d_voltage(t, &after[..n], &mut lam_vx[..n]);
                let spiked = &traj.raster.ticks[t];
                if self.reset.is_some() {
                    // The potential after a reset is a constant.
                    for &j in spiked {
                        lam_vx[j as usize] = R::default();
                    }
                }
                accumulate_weights(&self.fanout, spiked, lam_s, n, &mut grads.weight);
                let inputs = stimulus.at(t);
                accumulate_weights(
                    &self.input_fanout,
                    inputs,
                    lam_s,
                    n,
                    &mut grads.input_weight,
                );
                self.surrogate_term(p, t, before, after, spiked, lam_s, loss, &mut lam_vx[..n]);
                self.decay_receptors(lam_s);
                let s_before = &before[n * (1 + self.gates)..];
                self.synaptic_drive(p, s_before, &mut sc);
                let (lam_v, lam_x) = lam_vx.split_at_mut(n);
                let args = Backward {
                    v: &before[..n],
                    x: &before[n..n * (1 + self.gates)],
                    conductance: &conductance,
                    g_ext: &sc.g_ext,
                    i_ext: &sc.i_ext,
                    lam_v,
                    lam_x,
                    lam_g_ext: &mut lam_g_ext,
                    lam_i_ext: &mut lam_i_ext,
                    d_conductance: &mut d_conductance,
                };
                match &self.kernels {
                    Kernels::Compiled(_, _, b) => b(&self.consts, args),
                    Kernels::Interpreted(m, _, b) => b(m, &self.consts, args),
                }
                self.drive_adjoint(&lam_g_ext, &lam_i_ext, lam_s, &mut grads.bias);
            }
        }
        for (c, g) in grads.conductance.iter_mut().enumerate() {
            g.copy_from_slice(&d_conductance[c * n..(c + 1) * n]);
        }
        Ok(grads)
    }

    /// Adds each crossing's surrogate gradient to `lam_v` (the adjoint of V after tick `t`).
    #[allow(clippy::too_many_arguments)]
    fn surrogate_term(
        &self,
        p: &Params<R>,
        t: usize,
        before: &[R],
        after: &[R],
        spiked: &[u32],
        lam_s: &[R],
        loss: &dyn Loss<R>,
        lam_v: &mut [R],
    ) {
        let Surrogate::FastSigmoid { slope } = self.surrogate else {
            return;
        };
        let threshold = self.consts.threshold.to_f64();
        let n = self.neurons;
        let mut reset = vec![false; if self.reset.is_some() { n } else { 0 }];
        for &j in spiked {
            if let Some(r) = reset.get_mut(j as usize) {
                *r = true;
            }
        }
        for j in 0..n {
            let (v0, mut v1) = (before[j].to_f64(), after[j].to_f64());
            if v0 >= threshold {
                continue;
            }
            // A reset neuron's potential before the reset is not kept; it crossed, so the
            // pseudo-derivative is taken at the threshold (its peak).
            if reset.get(j) == Some(&true) {
                v1 = threshold;
            }
            let pseudo = 1.0 / (1.0 + slope * (v1 - threshold).abs()).powi(2);
            let mut effect = loss.d_spike(t, j);
            for e in self.fanout.range(j) {
                let (post, r) = (
                    self.fanout.post[e] as usize,
                    self.fanout.receptor[e] as usize,
                );
                effect +=
                    p.weight[self.fanout.edge[e] as usize].to_f64() * lam_s[r * n + post].to_f64();
            }
            lam_v[j] = lam_v[j] + R::from_f64(effect * pseudo);
        }
    }
}

struct Scratch<R> {
    g_ext: Vec<R>,
    i_ext: Vec<R>,
    crossed: Vec<u8>,
    spiked: Vec<u32>,
}

impl<R: GradReal> Scratch<R> {
    fn new(n: usize) -> Self {
        Scratch {
            g_ext: vec![R::default(); n],
            i_ext: vec![R::default(); n],
            crossed: vec![0; n],
            spiked: Vec::new(),
        }
    }
}

/// Adds the weights of `sources`' synapses to the receptor states `s` (receptor-major,
/// `n` neurons).
pub fn deliver<R: GradReal>(fanout: &Fanout, weight: &[R], sources: &[u32], s: &mut [R], n: usize) {
    for &j in sources {
        for e in fanout.range(j as usize) {
            let k = fanout.receptor[e] as usize * n + fanout.post[e] as usize;
            s[k] = s[k] + weight[fanout.edge[e] as usize];
        }
    }
}

/// d loss / d weight for the synapses of `sources`, which fired: the adjoint of the state
/// they added to.
pub fn accumulate_weights<R: GradReal>(
    fanout: &Fanout,
    sources: &[u32],
    lam_s: &[R],
    n: usize,
    grad: &mut [R],
) {
    for &j in sources {
        for e in fanout.range(j as usize) {
            let k = fanout.receptor[e] as usize * n + fanout.post[e] as usize;
            let w = fanout.edge[e] as usize;
            grad[w] = grad[w] + lam_s[k];
        }
    }
}
