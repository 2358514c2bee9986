//! The CUDA side of the gradient engine: the generated neuron forward/backward kernels and the
//! synapse kernels compile with NVRTC, and, compiled as host C++ (no GPU needed), give the
//! Rust CPU code's results bit for bit: `grad::neuron::forward`/`backward` (compiled for the
//! built-in sets and interpreted) for every built-in channel set and a custom one, in f32 and
//! f64, and the synapse steps of `GradNetwork` on a random network. On a GPU they run for real.
//!
//! Missing tools skip loudly (`SKIPPED: ...`) unless required: `NEUROFUSE_REQUIRE_NVRTC=1`,
//! `NEUROFUSE_REQUIRE_GXX=1`, `NEUROFUSE_REQUIRE_CUDA=1`.

use std::path::Path;

use channels::ChannelSet;
use gpu::cuda::{compile_source, cuda_source, CudaError, CudaFloat, CudaGradKernels, FloatTy};
use gpu::grad::model::{InterpretedModel, MAX_CHANNELS};
use gpu::grad::network::{accumulate_weights, deliver};
use gpu::grad::neuron::{Backward, Forward, StepConsts};
use gpu::{GradNetwork, GradReal, Real};
use network::random::RandomNetwork;
use network::{Network, Receptor, ReceptorKind};

#[path = "cuda/common.rs"]
mod common;
#[path = "cuda/grad_io.rs"]
mod grad_io;
use common::{all_sets, assert_exact_arithmetic, build_with_gxx, nvrtc_available, required};
use grad_io::{assert_bits, run_driver, Input, Lcg, Output};

const DT: f64 = 0.025;

/// For the derivatives: `abs`, `min` and `max` at their kinks (at potentials the test
/// population holds exactly: -50, -45, -60, -30), `sqrt`, `tanh`, `exprel`, `vtrap`, a
/// negative power, two gates in one channel and a capacitance other than 1.
const CUSTOM_GRAD: &str = r#"
name = "custom_grad"
capacitance = 1.1

[[channel]]
name = "na"
conductance = 60.0
reversal = 50.0

[[channel.gate]]
name = "m"
power = 3
alpha = "0.1 * vtrap(-(V + 40), 10)"
beta = "4 * exp(-(V + 65) / 18)"

[[channel.gate]]
name = "h"
power = 2
inf = "1 / (1 + exp((max(V, -50) + abs(V + 45) + 60) / 7))"
tau = "1 + (min(V + 80, 20) + 60) / 8 + sqrt(abs(V + 30) + 1)"

[[channel]]
name = "k"
conductance = 20.0
reversal = -90.0

[[channel.gate]]
name = "n"
power = 4
alpha = "0.1 / exprel(-(V + 55) / 10)"
beta = "0.125 * exp(-(V + 65) / 80) * (1 + tanh((V + 20) / 15))^-2"

[[channel]]
name = "leak"
conductance = 0.3
reversal = -65.0
"#;

/// Every set of the forward kernel's tests, the one above and integrate-and-fire's (no gates).
fn grad_sets() -> Vec<ChannelSet> {
    let mut sets = all_sets();
    sets.push(ChannelSet::from_toml(CUSTOM_GRAD, "custom_grad.toml").unwrap());
    sets.push(network::lif::channels(10.0, -65.0).unwrap());
    sets
}
const NEURONS: usize = 1000;
const FORWARD_STEPS: usize = 40;

/// Every entry point the gradient engine adds, per type.
fn grad_entry_points(ty: FloatTy) -> [&'static str; 7] {
    [
        ty.grad_forward_kernel(),
        ty.grad_backward_kernel(),
        ty.receptor_drive_kernel(),
        ty.drive_adjoint_kernel(),
        ty.receptor_decay_kernel(),
        ty.deliver_kernel(),
        ty.accumulate_weights_kernel(),
    ]
}

#[test]
fn gradient_kernels_compile_with_nvrtc() {
    if !nvrtc_available() {
        return;
    }
    for set in grad_sets() {
        let ptx = compile_source(&cuda_source(&set))
            .unwrap_or_else(|e| panic!("channel set {}: {e}", set.name));
        for ty in FloatTy::ALL {
            for kernel in grad_entry_points(ty) {
                let entry = format!(".entry {kernel}(");
                assert!(ptx.contains(&entry), "{}: no {entry} in the PTX", set.name);
            }
        }
        assert_exact_arithmetic(&set.name, &ptx);
    }
}

/// A population's state and inputs, spread so that every branch of the rates is taken.
struct NeuronState<R> {
    v: Vec<R>,
    x: Vec<R>,
    conductance: Vec<R>,
    g_ext: Vec<R>,
    i_ext: Vec<R>,
}

fn neuron_state<R: Real>(set: &ChannelSet, seed: u64) -> NeuronState<R> {
    let n = NEURONS;
    let mut rng = Lcg(seed);
    let mut v: Vec<R> = rng.reals(n, -90.0, 40.0);
    // The singular points of vtrap/exprel and the kinks of abs/min/max in the built-in and
    // custom rates, exactly.
    for (k, x) in [
        -40.0, -55.0, -50.0, -23.0, -48.0, -35.0, -60.0, -62.0, -73.0, -20.0, -45.0, -30.0,
    ]
    .into_iter()
    .enumerate()
    {
        v[k] = R::from_f64(x);
    }
    let mut conductance = Vec::new();
    for ch in &set.channels {
        conductance.extend((0..n).map(|_| R::from_f64(ch.conductance * rng.range(0.5, 1.5))));
    }
    NeuronState {
        v,
        x: rng.reals(set.gates.len() * n, 0.0, 1.0),
        conductance,
        g_ext: rng.reals(n, 0.0, 0.5),
        i_ext: rng.reals(n, -5.0, 35.0),
    }
}

fn consts<R: Real>(set: &ChannelSet) -> StepConsts<R> {
    let mut reversal = [R::default(); MAX_CHANNELS];
    for (r, c) in reversal.iter_mut().zip(&set.channels) {
        *r = R::from_f64(c.reversal);
    }
    StepConsts {
        neg_dt: R::from_f64(-DT),
        neg_dt_over_c: R::from_f64(-DT / set.capacitance),
        threshold: R::from_f64(-20.0),
        reversal,
    }
}

/// The CPU's neuron steps for `set`: the compiled ones when it is a built-in, and always the
/// interpreted ones.
struct CpuSteps<R: GradReal> {
    model: InterpretedModel,
    compiled: Option<gpu::grad::kernels::BackwardFn<R>>,
    compiled_forward: Option<gpu::grad::kernels::ForwardFn<R>>,
}

impl<R: GradReal> CpuSteps<R> {
    fn new(set: &ChannelSet) -> Self {
        let compiled = R::compiled_grad(&set.structure_key());
        CpuSteps {
            model: InterpretedModel::new(set).unwrap(),
            compiled: compiled.map(|c| c.2),
            compiled_forward: compiled.map(|c| c.1),
        }
    }

    /// `(name, forward)` of every CPU implementation.
    fn forwards(&self) -> Vec<(&'static str, BoxedForward<'_, R>)> {
        let mut out: Vec<(&'static str, BoxedForward<'_, R>)> = Vec::new();
        if let Some(f) = self.compiled_forward {
            out.push(("compiled", Box::new(f)));
        }
        let (f, _) = R::interpreted_grad();
        out.push(("interpreted", Box::new(move |k, a| f(&self.model, k, a))));
        out
    }

    /// `(name, backward)` of every CPU implementation.
    fn backwards(&self) -> Vec<(&'static str, BoxedBackward<'_, R>)> {
        let mut out: Vec<(&'static str, BoxedBackward<'_, R>)> = Vec::new();
        if let Some(b) = self.compiled {
            out.push(("compiled", Box::new(b)));
        }
        let (_, b) = R::interpreted_grad();
        out.push(("interpreted", Box::new(move |k, a| b(&self.model, k, a))));
        out
    }
}

type BoxedForward<'m, R> = Box<dyn Fn(&StepConsts<R>, Forward<'_, R>) + 'm>;
type BoxedBackward<'m, R> = Box<dyn Fn(&StepConsts<R>, Backward<'_, R>) + 'm>;
type FallibleBackward<'m, R> =
    dyn Fn(&StepConsts<R>, Backward<'_, R>) -> Result<(), CudaError> + 'm;

/// `FORWARD_STEPS` forward steps on the CPU: the state after them and each step's crossings.
fn cpu_forward<R: GradReal>(
    k: &StepConsts<R>,
    st: &NeuronState<R>,
    step: &dyn Fn(&StepConsts<R>, Forward<'_, R>),
) -> (Vec<R>, Vec<R>, Vec<u8>) {
    let (mut v, mut x) = (st.v.clone(), st.x.clone());
    let mut crossed = vec![0u8; FORWARD_STEPS * NEURONS];
    for s in 0..FORWARD_STEPS {
        step(
            k,
            Forward {
                v: &mut v,
                x: &mut x,
                conductance: &st.conductance,
                g_ext: &st.g_ext,
                i_ext: &st.i_ext,
                crossed: &mut crossed[s * NEURONS..(s + 1) * NEURONS],
            },
        );
    }
    (v, x, crossed)
}

fn host_forward_agrees<R: GradReal>(set: &ChannelSet, exe: &Path, dir: &Path) {
    let (k, st) = (consts::<R>(set), neuron_state::<R>(set, 1));
    let (ng, nc) = (set.gates.len() as u32, set.channels.len() as u32);
    let mut input = Input::new::<R>(1);
    input
        .reals(&[k.neg_dt, k.neg_dt_over_c, k.threshold])
        .u32s(&[NEURONS as u32, ng, nc, FORWARD_STEPS as u32])
        .reals(&k.reversal[..nc as usize])
        .reals(&st.v)
        .reals(&st.x)
        .reals(&st.conductance)
        .reals(&st.g_ext)
        .reals(&st.i_ext);
    let what = format!("{} {} forward", set.name, R::NAME);
    let bytes = run_driver(exe, &input, dir, &what);
    let mut out = Output(&bytes);
    let (v, x, crossed) = (out.reals::<R>(), out.reals::<R>(), out.u8s());
    let spikes = crossed.iter().filter(|&&c| c != 0).count();
    assert!(spikes > 50, "{what}: only {spikes} crossings to compare");
    for (name, step) in CpuSteps::<R>::new(set).forwards() {
        let (want_v, want_x, want_crossed) = cpu_forward(&k, &st, &*step);
        assert_bits(&format!("{what} vs {name}: V"), &v, &want_v);
        assert_bits(&format!("{what} vs {name}: gates"), &x, &want_x);
        assert_eq!(crossed, want_crossed, "{what} vs {name}: crossings");
    }
}

/// The adjoints one backward step starts from.
struct Adjoints<R> {
    lam_v: Vec<R>,
    lam_x: Vec<R>,
    d_conductance: Vec<R>,
}

fn adjoints<R: Real>(set: &ChannelSet, seed: u64) -> Adjoints<R> {
    let mut rng = Lcg(seed);
    let n = NEURONS;
    Adjoints {
        lam_v: rng.reals(n, -2.0, 2.0),
        lam_x: rng.reals(set.gates.len() * n, -50.0, 50.0),
        d_conductance: rng.reals(set.channels.len() * n, -1.0, 1.0),
    }
}

fn host_backward_agrees<R: GradReal>(set: &ChannelSet, exe: &Path, dir: &Path) {
    let k = consts::<R>(set);
    let nc = set.channels.len();
    // A state reached by stepping (realistic gates) and the raw varied one.
    for seed in [2, 3] {
        let mut st = neuron_state::<R>(set, seed);
        if seed == 3 {
            let cpu = CpuSteps::<R>::new(set);
            let steps = cpu.forwards();
            let (v, x, _) = cpu_forward(&k, &st, &*steps[0].1);
            (st.v, st.x) = (v, x);
        }
        let adj = adjoints::<R>(set, seed + 10);
        let mut input = Input::new::<R>(2);
        input
            .reals(&[k.neg_dt, k.neg_dt_over_c])
            .u32s(&[NEURONS as u32, set.gates.len() as u32, nc as u32])
            .reals(&k.reversal[..nc])
            .reals(&st.v)
            .reals(&st.x)
            .reals(&st.conductance)
            .reals(&st.g_ext)
            .reals(&st.i_ext)
            .reals(&adj.lam_v)
            .reals(&adj.lam_x)
            .reals(&adj.d_conductance);
        let what = format!("{} {} backward (state {seed})", set.name, R::NAME);
        let bytes = run_driver(exe, &input, dir, &what);
        let mut out = Output(&bytes);
        let got: Vec<Vec<R>> = (0..5).map(|_| out.reals::<R>()).collect();
        for (name, step) in CpuSteps::<R>::new(set).backwards() {
            let (mut lam_v, mut lam_x, mut d_c) = (
                adj.lam_v.clone(),
                adj.lam_x.clone(),
                adj.d_conductance.clone(),
            );
            let (mut lam_g, mut lam_i) = (vec![R::default(); NEURONS], vec![R::default(); NEURONS]);
            step(
                &k,
                Backward {
                    v: &st.v,
                    x: &st.x,
                    conductance: &st.conductance,
                    g_ext: &st.g_ext,
                    i_ext: &st.i_ext,
                    lam_v: &mut lam_v,
                    lam_x: &mut lam_x,
                    lam_g_ext: &mut lam_g,
                    lam_i_ext: &mut lam_i,
                    d_conductance: &mut d_c,
                },
            );
            let want = [lam_v, lam_x, lam_g, lam_i, d_c];
            for (field, (g, w)) in ["lam_v", "lam_x", "lam_g_ext", "lam_i_ext", "d_conductance"]
                .iter()
                .zip(got.iter().zip(&want))
            {
                assert_bits(&format!("{what} vs {name}: {field}"), g, w);
            }
        }
    }
}

#[test]
fn host_compiled_gradient_neuron_steps_equal_the_cpu() {
    for set in grad_sets() {
        let dir = tempfile::tempdir().unwrap();
        let Some(exe) =
            build_with_gxx(&cuda_source(&set), "grad_driver.cpp", dir.path(), &set.name)
        else {
            return;
        };
        host_forward_agrees::<f32>(&set, &exe, dir.path());
        host_forward_agrees::<f64>(&set, &exe, dir.path());
        host_backward_agrees::<f32>(&set, &exe, dir.path());
        host_backward_agrees::<f64>(&set, &exe, dir.path());
    }
}

/// A random recurrent network with conductance (excitatory, inhibitory) and current
/// receptors, inputs among them.
fn random_network() -> Network {
    let mut net = RandomNetwork {
        neurons: 300,
        inputs: 20,
        fanout: 12,
        input_fanout: 15,
        hot_fraction: 0.2,
        seed: 11,
        ..RandomNetwork::default()
    }
    .build();
    let current = net.add_receptor(Receptor {
        name: "cur".into(),
        tau_ms: 3.0,
        kind: ReceptorKind::Current { excitatory: false },
    });
    for k in 0..20u32 {
        net.input_synapses.push(k, (k * 13) % 300, 2.0, current);
        net.synapses.push(k, (k * 7 + 1) % 300, 0.5, current);
    }
    net
}

/// Everything the synapse kernels read, for one network.
struct SynapseCase<R> {
    bias: Vec<R>,
    s: Vec<R>,
    sources: Vec<u32>,
    weight: Vec<R>,
    lam_s: Vec<R>,
    lam_g: Vec<R>,
    lam_i: Vec<R>,
    grad_w: Vec<R>,
    d_bias: Vec<R>,
}

/// The CPU's results in the driver's output order.
fn cpu_synapses<R: GradReal>(
    g: &GradNetwork<R>,
    fanout: &network::Fanout,
    c: &SynapseCase<R>,
    n: usize,
) -> [Vec<R>; 6] {
    let (mut g_ext, mut i_ext) = (vec![R::default(); n], vec![R::default(); n]);
    g.receptor_drive(&c.bias, &c.s, &mut g_ext, &mut i_ext);
    let mut s = c.s.clone();
    g.decay_receptors(&mut s);
    deliver(fanout, &c.weight, &c.sources, &mut s, n);
    let mut grad_w = c.grad_w.clone();
    accumulate_weights(fanout, &c.sources, &c.lam_s, n, &mut grad_w);
    let mut lam_s = c.lam_s.clone();
    g.decay_receptors(&mut lam_s);
    let mut d_bias = c.d_bias.clone();
    g.drive_adjoint(&c.lam_g, &c.lam_i, &mut lam_s, &mut d_bias);
    [g_ext, i_ext, s, grad_w, lam_s, d_bias]
}

fn synapse_case<R: Real>(
    n: usize,
    receptors: usize,
    sources: Vec<u32>,
    weights: usize,
    seed: u64,
) -> SynapseCase<R> {
    let mut rng = Lcg(seed);
    SynapseCase {
        bias: rng.reals(n, -2.0, 5.0),
        s: rng.reals(receptors * n, 0.0, 3.0),
        sources,
        weight: rng.reals(weights, 0.0, 1.5),
        lam_s: rng.reals(receptors * n, -1.0, 1.0),
        lam_g: rng.reals(n, -1.0, 1.0),
        lam_i: rng.reals(n, -1.0, 1.0),
        grad_w: rng.reals(weights, -1.0, 1.0),
        d_bias: rng.reals(n, -1.0, 1.0),
    }
}

fn host_synapses_agree<R: GradReal>(exe: &Path, dir: &Path) {
    let net = random_network();
    let g = GradNetwork::<R>::new(&net, DT).unwrap();
    let n = net.neurons;
    let tables = g.receptor_tables();
    let nr = tables.decay.len();
    let (fanout, input_fanout) = g.fanouts();
    // Neurons that spiked (each once, ascending, like a tick's), and input events (which may
    // repeat a source).
    let spiked: Vec<u32> = (0..n as u32).filter(|j| j % 3 != 1).collect();
    let events: Vec<u32> = vec![3, 0, 17, 3, 19, 8, 8, 1];
    for (what, fan, sources, weights) in [
        ("neuron synapses", fanout, spiked, net.synapses.pre.len()),
        (
            "input synapses",
            input_fanout,
            events,
            net.input_synapses.pre.len(),
        ),
    ] {
        let case = synapse_case::<R>(n, nr, sources, weights, 5);
        let mut input = Input::new::<R>(3);
        input
            .u32s(&[n as u32, nr as u32])
            .u8s(&tables.conductance)
            .reals(&tables.factor)
            .reals(&tables.decay)
            .reals(&case.bias)
            .reals(&case.s)
            .u32s(&case.sources)
            .u32s(&fan.offsets)
            .u32s(&fan.post)
            .u8s(&fan.receptor)
            .u32s(&fan.edge)
            .reals(&case.weight)
            .reals(&case.lam_s)
            .reals(&case.lam_g)
            .reals(&case.lam_i)
            .reals(&case.grad_w)
            .reals(&case.d_bias);
        let what = format!("{} {what}", R::NAME);
        let bytes = run_driver(exe, &input, dir, &what);
        let mut out = Output(&bytes);
        let want = cpu_synapses(&g, fan, &case, n);
        for (field, w) in ["g_ext", "i_ext", "s", "grad_w", "lam_s", "d_bias"]
            .iter()
            .zip(&want)
        {
            assert_bits(&format!("{what}: {field}"), &out.reals::<R>(), w);
        }
    }
}

#[test]
fn host_compiled_synapse_kernels_equal_the_cpu() {
    let set = ChannelSet::builtin("traub_miles").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let Some(exe) = build_with_gxx(
        &cuda_source(&set),
        "grad_driver.cpp",
        dir.path(),
        "synapses",
    ) else {
        return;
    };
    host_synapses_agree::<f32>(&exe, dir.path());
    host_synapses_agree::<f64>(&exe, dir.path());
}

#[test]
fn the_synapse_test_network_has_every_receptor_kind_and_shared_targets() {
    // So the comparison above covers both drive formulas and repeated additions to one state.
    let net = random_network();
    let g = GradNetwork::<f64>::new(&net, DT).unwrap();
    let t = g.receptor_tables();
    assert!(t.conductance.contains(&1) && t.conductance.contains(&0));
    let (fanout, _) = g.fanouts();
    let mut hits = std::collections::HashMap::new();
    for e in 0..fanout.post.len() {
        *hits
            .entry((fanout.receptor[e], fanout.post[e]))
            .or_insert(0) += 1;
    }
    assert!(hits.values().any(|&h| h > 1));
}

fn device_agrees<R: CudaFloat + GradReal>(set: &ChannelSet, kernels: &CudaGradKernels<R>) {
    let (k, st) = (consts::<R>(set), neuron_state::<R>(set, 1));
    // Forward.
    let (mut v, mut x) = (st.v.clone(), st.x.clone());
    let mut crossed = vec![0u8; NEURONS];
    kernels
        .forward(
            &k,
            Forward {
                v: &mut v,
                x: &mut x,
                conductance: &st.conductance,
                g_ext: &st.g_ext,
                i_ext: &st.i_ext,
                crossed: &mut crossed,
            },
        )
        .unwrap();
    let steps = CpuSteps::<R>::new(set);
    let (want_v, want_x, _) = {
        let (mut wv, mut wx) = (st.v.clone(), st.x.clone());
        let mut wc = vec![0u8; NEURONS];
        (steps.forwards()[0].1)(
            &k,
            Forward {
                v: &mut wv,
                x: &mut wx,
                conductance: &st.conductance,
                g_ext: &st.g_ext,
                i_ext: &st.i_ext,
                crossed: &mut wc,
            },
        );
        assert_eq!(
            crossed,
            wc,
            "{} {} GPU forward: crossings",
            set.name,
            R::NAME
        );
        (wv, wx, wc)
    };
    let what = format!("{} {} GPU ({})", set.name, R::NAME, kernels.device_name());
    assert_bits(&format!("{what} forward: V"), &v, &want_v);
    assert_bits(&format!("{what} forward: gates"), &x, &want_x);
    // Backward.
    let adj = adjoints::<R>(set, 12);
    let run = |backward: &FallibleBackward<'_, R>| {
        let (mut lam_v, mut lam_x, mut d_c) = (
            adj.lam_v.clone(),
            adj.lam_x.clone(),
            adj.d_conductance.clone(),
        );
        let (mut lam_g, mut lam_i) = (vec![R::default(); NEURONS], vec![R::default(); NEURONS]);
        backward(
            &k,
            Backward {
                v: &st.v,
                x: &st.x,
                conductance: &st.conductance,
                g_ext: &st.g_ext,
                i_ext: &st.i_ext,
                lam_v: &mut lam_v,
                lam_x: &mut lam_x,
                lam_g_ext: &mut lam_g,
                lam_i_ext: &mut lam_i,
                d_conductance: &mut d_c,
            },
        )
        .unwrap();
        [lam_v, lam_x, lam_g, lam_i, d_c]
    };
    let got = run(&|k, a| kernels.backward(k, a));
    let cpu = &steps.backwards()[0].1;
    let want = run(&|k, a| {
        cpu(k, a);
        Ok(())
    });
    for (field, (g, w)) in ["lam_v", "lam_x", "lam_g_ext", "lam_i_ext", "d_conductance"]
        .iter()
        .zip(got.iter().zip(&want))
    {
        assert_bits(&format!("{what} backward: {field}"), g, w);
    }
}

/// The synapse kernels on the GPU: bit for bit, except delivery (and weight gradients of
/// repeated sources), whose sums may be taken in another order: within `tolerance`.
fn device_synapses_agree<R: CudaFloat + GradReal>(kernels: &CudaGradKernels<R>, tolerance: f64) {
    let net = random_network();
    let g = GradNetwork::<R>::new(&net, DT).unwrap();
    let n = net.neurons;
    let t = g.receptor_tables();
    let (fanout, input_fanout) = g.fanouts();
    let spiked: Vec<u32> = (0..n as u32).filter(|j| j % 3 != 1).collect();
    let events: Vec<u32> = vec![3, 0, 17, 3, 19, 8, 8, 1];
    for (what, fan, sources, weights, unique) in [
        (
            "neuron synapses",
            fanout,
            spiked,
            net.synapses.pre.len(),
            true,
        ),
        (
            "input synapses",
            input_fanout,
            events,
            net.input_synapses.pre.len(),
            false,
        ),
    ] {
        let c = synapse_case::<R>(n, t.decay.len(), sources, weights, 5);
        let want = cpu_synapses(&g, fan, &c, n);
        let (mut g_ext, mut i_ext) = (vec![R::default(); n], vec![R::default(); n]);
        kernels
            .receptor_drive(&t, &c.bias, &c.s, &mut g_ext, &mut i_ext)
            .unwrap();
        let mut s = c.s.clone();
        kernels.decay_receptors(&t, &mut s, n).unwrap();
        kernels
            .deliver(fan, &c.weight, &c.sources, &mut s, n)
            .unwrap();
        let mut grad_w = c.grad_w.clone();
        kernels
            .accumulate_weights(fan, &c.sources, &c.lam_s, n, &mut grad_w)
            .unwrap();
        let mut lam_s = c.lam_s.clone();
        kernels.decay_receptors(&t, &mut lam_s, n).unwrap();
        let mut d_bias = c.d_bias.clone();
        kernels
            .drive_adjoint(&t, &c.lam_g, &c.lam_i, &mut lam_s, &mut d_bias)
            .unwrap();
        let what = format!("{} GPU {what}", R::NAME);
        assert_bits(&format!("{what}: g_ext"), &g_ext, &want[0]);
        assert_bits(&format!("{what}: i_ext"), &i_ext, &want[1]);
        assert_close(&format!("{what}: s"), &s, &want[2], tolerance);
        if unique {
            assert_bits(&format!("{what}: grad_w"), &grad_w, &want[3]);
        } else {
            assert_close(&format!("{what}: grad_w"), &grad_w, &want[3], tolerance);
        }
        assert_bits(&format!("{what}: lam_s"), &lam_s, &want[4]);
        assert_bits(&format!("{what}: d_bias"), &d_bias, &want[5]);
    }
}

fn assert_close<R: Real>(what: &str, got: &[R], want: &[R], tolerance: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        let (g, w) = (g.to_f64(), w.to_f64());
        assert!(
            (g - w).abs() <= tolerance * w.abs().max(1.0),
            "{what}: element {k}: got {g}, CPU {w}"
        );
    }
}

#[test]
fn gpu_gradient_kernels_equal_the_cpu_or_no_device_is_a_clear_error() {
    let first = CudaGradKernels::<f32>::new(&ChannelSet::builtin("hh_squid").unwrap());
    match first {
        Err(CudaError::NoDevice(why)) => {
            assert!(
                !required("NEUROFUSE_REQUIRE_CUDA"),
                "NEUROFUSE_REQUIRE_CUDA=1 but no CUDA device: {why}"
            );
            eprintln!("SKIPPED: no CUDA device: {why}; the gradient kernels were not run on a GPU");
        }
        Err(CudaError::NoNvrtc(_)) => assert!(!nvrtc_available(), "NVRTC loads after all"),
        Err(e) => panic!("a GPU is present but the gradient kernels failed: {e}"),
        Ok(_) => {
            for set in grad_sets() {
                device_agrees::<f32>(&set, &CudaGradKernels::new(&set).unwrap());
                device_agrees::<f64>(&set, &CudaGradKernels::new(&set).unwrap());
            }
            let set = random_network().channels;
            device_synapses_agree::<f32>(&CudaGradKernels::new(&set).unwrap(), 1e-5);
            device_synapses_agree::<f64>(&CudaGradKernels::new(&set).unwrap(), 1e-13);
        }
    }
}
