//! The generated kernels compose into `GradNetwork`'s forward and backward passes: a
//! host-compiled driver (tests/cuda/network_driver.cpp) runs a whole network with them alone,
//! in `GradNetwork`'s order, and gets the same potentials, spikes and gradients bit for bit.
//! This is the recipe a device-resident gradient network follows (on a GPU, up to the order
//! of the atomic additions of spike delivery, see docs/cuda.md).

use channels::ChannelSet;
use gpu::cuda::{cuda_source, CudaError, CudaFloat, CudaGradNetwork};
use gpu::{GradNetwork, GradReal, Loss};
use network::random::RandomNetwork;
use network::{Network, Receptor, ReceptorKind, Stimulus};

#[path = "cuda/common.rs"]
mod common;
#[path = "cuda/grad_io.rs"]
mod grad_io;
use common::{build_with_gxx, nvrtc_available, required};
use grad_io::{assert_bits, run_driver, Input, Output};

const DT: f64 = 0.025;
const TICKS: usize = 400;

/// A recurrent network with conductance and current receptors and Poisson inputs, on `set`;
/// integrate-and-fire (reset to -65 mV, threshold -50 mV) on `lif`.
fn network(set: Option<ChannelSet>) -> (Network, Stimulus) {
    let mut net = RandomNetwork {
        neurons: 40,
        inputs: 6,
        fanout: 5,
        input_fanout: 6,
        seed: 3,
        ..RandomNetwork::default()
    }
    .build();
    if let Some(set) = set {
        net.initial.gates = None;
        if set.name == "lif" {
            net.reset_mv = Some(-65.0);
            net.threshold_mv = -50.0;
        }
        net.channels = set;
    }
    let current = net.add_receptor(Receptor {
        name: "cur".into(),
        tau_ms: 3.0,
        kind: ReceptorKind::Current { excitatory: true },
    });
    for k in 0..6u32 {
        net.input_synapses.push(k, (k * 7) % 40, 3.0, current);
    }
    net.bias = (0..40).map(|i| 2.0 + 0.25 * i as f64).collect();
    let stimulus = Stimulus::poisson(6, 200.0, TICKS, DT, 9);
    (net, stimulus)
}

/// `scale * (V + target)` into the adjoint of V after every tick, the driver's loss.
struct Affine<R> {
    scale: R,
    target: R,
}

impl<R: GradReal> Loss<R> for Affine<R> {
    fn d_voltage(&mut self, _tick: usize, v: &[R], grad: &mut [R]) {
        for (g, &x) in grad.iter_mut().zip(v) {
            *g = *g + self.scale * (x + self.target);
        }
    }
}

fn fanout_arrays(input: &mut Input, f: &network::Fanout) {
    input
        .u32s(&f.offsets)
        .u32s(&f.post)
        .u8s(&f.receptor)
        .u32s(&f.edge);
}

fn network_agrees<R: GradReal>(net: &Network, stimulus: &Stimulus, exe: &std::path::Path) {
    let g = GradNetwork::<R>::new(net, DT).unwrap();
    let p = g.params();
    let k = g.step_consts();
    let t = g.receptor_tables();
    let (fanout, input_fanout) = g.fanouts();
    let (n, ng, nc) = (
        net.neurons,
        net.channels.gates.len(),
        net.channels.channels.len(),
    );
    let loss = || Affine {
        scale: R::from_f64(0.01),
        target: R::from_f64(50.0),
    };
    let mut want_v = Vec::new();
    let traj = g
        .forward(&p, stimulus, TICKS, |_, v| want_v.extend_from_slice(v))
        .unwrap();
    let want = g.backward(&p, stimulus, &traj, &mut loss()).unwrap();
    let spikes: usize = traj.raster.ticks.iter().map(Vec::len).sum();
    let what = format!("{} {} network", net.channels.name, R::NAME);
    assert!(spikes > 20, "{what}: only {spikes} spikes");

    let mut input = Input::new::<R>(4);
    let l = loss();
    input
        .u32s(&[
            n as u32,
            ng as u32,
            nc as u32,
            t.decay.len() as u32,
            TICKS as u32,
            net.inputs as u32,
            u32::from(net.reset_mv.is_some()),
        ])
        .reals(&[
            k.neg_dt,
            k.neg_dt_over_c,
            k.threshold,
            l.scale,
            l.target,
            R::from_f64(net.reset_mv.unwrap_or(0.0)),
        ])
        .reals(&k.reversal[..nc])
        .reals(g.initial_state())
        .reals(&p.conductance.concat())
        .reals(&p.bias)
        .reals(&p.weight)
        .reals(&p.input_weight)
        .u8s(&t.conductance)
        .reals(&t.factor)
        .reals(&t.decay);
    fanout_arrays(&mut input, fanout);
    fanout_arrays(&mut input, input_fanout);
    let mut offsets = vec![0u32];
    let mut events = Vec::new();
    for tick in 0..TICKS {
        events.extend_from_slice(stimulus.at(tick));
        offsets.push(events.len() as u32);
    }
    input.u32s(&offsets).u32s(&events);
    let dir = exe.parent().unwrap();
    let bytes = run_driver(exe, &input, dir, &what);
    let mut out = Output(&bytes);
    assert_bits(&format!("{what}: V"), &out.reals::<R>(), &want_v);
    let (sp_offsets, sp) = (out.u32s(), out.u32s());
    let got_raster: Vec<Vec<u32>> = sp_offsets
        .windows(2)
        .map(|w| sp[w[0] as usize..w[1] as usize].to_vec())
        .collect();
    assert_eq!(got_raster, traj.raster.ticks, "{what}: spikes");
    assert_bits(
        &format!("{what}: d conductance"),
        &out.reals::<R>(),
        &want.conductance.concat(),
    );
    assert_bits(&format!("{what}: d bias"), &out.reals::<R>(), &want.bias);
    assert_bits(
        &format!("{what}: d weight"),
        &out.reals::<R>(),
        &want.weight,
    );
    assert_bits(
        &format!("{what}: d input weight"),
        &out.reals::<R>(),
        &want.input_weight,
    );
}

#[test]
fn host_compiled_kernels_run_a_network_forward_and_backward_like_grad_network() {
    // Traub-Miles, the squid set and integrate-and-fire (no gates, resets).
    let lif = network::lif::channels(10.0, -65.0).unwrap();
    for set in [
        None,
        Some(ChannelSet::builtin("hh_squid").unwrap()),
        Some(lif),
    ] {
        let (net, stimulus) = network(set);
        let dir = tempfile::tempdir().unwrap();
        let source = cuda_source(&net.channels);
        let Some(exe) = build_with_gxx(&source, "network_driver.cpp", dir.path(), "network") else {
            return;
        };
        network_agrees::<f32>(&net, &stimulus, &exe);
        network_agrees::<f64>(&net, &stimulus, &exe);
    }
}

/// Within `tolerance` of the largest magnitude of `want` (device delivery may add in another
/// order, and the difference grows through the run).
fn assert_close<R: gpu::Real>(what: &str, got: &[R], want: &[R], tolerance: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let scale = want.iter().map(|x| x.to_f64().abs()).fold(1e-30, f64::max);
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        let (g, w) = (g.to_f64(), w.to_f64());
        assert!(
            (g - w).abs() <= tolerance * scale,
            "{what}: element {k}: got {g}, CPU {w} (scale {scale})"
        );
    }
}

fn device_network_agrees<R: CudaFloat + GradReal>(
    net: &Network,
    stimulus: &Stimulus,
    tolerance: f64,
) {
    let dev = CudaGradNetwork::<R>::new(net, DT).unwrap();
    let cpu = GradNetwork::<R>::new(net, DT).unwrap();
    let p = cpu.params();
    let loss = || Affine {
        scale: R::from_f64(0.01),
        target: R::from_f64(50.0),
    };
    let (mut got_v, mut want_v) = (Vec::new(), Vec::new());
    let traj = dev
        .forward(&p, stimulus, TICKS, |_, v| got_v.extend_from_slice(v))
        .unwrap();
    let want_traj = cpu
        .forward(&p, stimulus, TICKS, |_, v| want_v.extend_from_slice(v))
        .unwrap();
    let what = format!(
        "{} {} GPU ({})",
        net.channels.name,
        R::NAME,
        dev.device_name()
    );
    assert_eq!(traj.raster.ticks, want_traj.raster.ticks, "{what}: spikes");
    assert_close(&format!("{what}: V"), &got_v, &want_v, tolerance);
    let got = dev.backward(&p, stimulus, &traj, &mut loss()).unwrap();
    let want = cpu.backward(&p, stimulus, &want_traj, &mut loss()).unwrap();
    for (field, g, w) in [
        (
            "conductance",
            got.conductance.concat(),
            want.conductance.concat(),
        ),
        ("bias", got.bias, want.bias),
        ("weight", got.weight, want.weight),
        ("input weight", got.input_weight, want.input_weight),
    ] {
        assert_close(&format!("{what}: d {field}"), &g, &w, tolerance);
    }
}

#[test]
fn gpu_network_gradients_match_grad_network_or_no_device_is_a_clear_error() {
    let (net, stimulus) = network(None);
    match CudaGradNetwork::<f64>::new(&net, DT) {
        Err(CudaError::NoDevice(why)) => {
            assert!(
                !required("NEUROFUSE_REQUIRE_CUDA"),
                "NEUROFUSE_REQUIRE_CUDA=1 but no CUDA device: {why}"
            );
            eprintln!("SKIPPED: no CUDA device: {why}; CudaGradNetwork was not run");
        }
        Err(CudaError::NoNvrtc(_)) => assert!(!nvrtc_available(), "NVRTC loads after all"),
        Err(e) => panic!("a GPU is present but CudaGradNetwork failed: {e}"),
        Ok(_) => {
            let lif = network::lif::channels(10.0, -65.0).unwrap();
            for (net, stimulus) in [(net, stimulus), network(Some(lif))] {
                device_network_agrees::<f64>(&net, &stimulus, 1e-6);
                device_network_agrees::<f32>(&net, &stimulus, 1e-2);
            }
        }
    }
}

#[test]
fn a_bad_network_is_refused_before_looking_for_a_device() {
    let (net, _) = network(None);
    match CudaGradNetwork::<f32>::new(&net, 0.0) {
        Err(CudaError::Invalid(m)) => assert!(m.contains("time step"), "{m}"),
        Err(e) => panic!("expected the time step to be refused, got {e}"),
        Ok(_) => panic!("a zero time step was accepted"),
    }
}
