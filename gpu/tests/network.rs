//! The float network against an independent integration of the same physics, and B2.

use channels::ChannelSet;
use gpu::{FloatNetwork, Real};
use network::{cobahh, Network, Receptor, ReceptorKind, Stimulus};

/// Traub-Miles with one excitatory exponential conductance, written out by hand and
/// integrated with RK4 at a fine step: spike times of the neuron for input spikes at `inputs`
/// (ms), each adding `w` mS/cm^2.
fn reference_spike_times(inputs: &[f64], w: f64, t_end: f64) -> Vec<f64> {
    let vt = -63.0;
    let exprel = |x: f64| if x.abs() < 1e-9 { 1.0 } else { x.exp_m1() / x };
    let deriv = |y: [f64; 5]| -> [f64; 5] {
        let [v, m, h, n, g] = y;
        let am = 0.32 * 4.0 / exprel((13.0 - v + vt) / 4.0);
        let bm = 0.28 * 5.0 / exprel((v - vt - 40.0) / 5.0);
        let ah = 0.128 * ((17.0 - v + vt) / 18.0).exp();
        let bh = 4.0 / (1.0 + ((40.0 - v + vt) / 5.0).exp());
        let an = 0.032 * 5.0 / exprel((15.0 - v + vt) / 5.0);
        let bn = 0.5 * ((10.0 - v + vt) / 40.0).exp();
        let i = -100.0 * m.powi(3) * h * (v - 50.0)
            - 30.0 * n.powi(4) * (v + 90.0)
            - 0.05 * (v + 60.0)
            - g * v;
        [
            i,
            am * (1.0 - m) - bm * m,
            ah * (1.0 - h) - bh * h,
            an * (1.0 - n) - bn * n,
            -g / 5.0,
        ]
    };
    let dt = 0.0005;
    let steps = (t_end / dt).round() as usize;
    let mut y = [-65.0, 0.0, 0.0, 0.0, 0.0];
    // Gates at their steady state at -65 mV (alpha / (alpha + beta) with each rate pair).
    let (v, st) = (y[0], |a: f64, b: f64| a / (a + b));
    y[1] = st(
        0.32 * 4.0 / exprel((13.0 - v + vt) / 4.0),
        0.28 * 5.0 / exprel((v - vt - 40.0) / 5.0),
    );
    y[2] = st(
        0.128 * ((17.0 - v + vt) / 18.0).exp(),
        4.0 / (1.0 + ((40.0 - v + vt) / 5.0).exp()),
    );
    y[3] = st(
        0.032 * 5.0 / exprel((15.0 - v + vt) / 5.0),
        0.5 * ((10.0 - v + vt) / 40.0).exp(),
    );
    let mut spikes = Vec::new();
    let mut next_input = 0;
    for k in 0..steps {
        let t = k as f64 * dt;
        while next_input < inputs.len() && inputs[next_input] <= t + 1e-9 {
            y[4] += w;
            next_input += 1;
        }
        let add = |a: [f64; 5], b: [f64; 5], s: f64| -> [f64; 5] {
            std::array::from_fn(|i| a[i] + s * b[i])
        };
        let k1 = deriv(y);
        let k2 = deriv(add(y, k1, dt / 2.0));
        let k3 = deriv(add(y, k2, dt / 2.0));
        let k4 = deriv(add(y, k3, dt));
        let old = y[0];
        y = std::array::from_fn(|i| y[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]));
        if old < -20.0 && y[0] >= -20.0 {
            spikes.push(t + dt);
        }
    }
    spikes
}

const W: f64 = 0.6;

fn one_neuron(v0: f64) -> Network {
    let mut net = Network::new(
        "one",
        ChannelSet::builtin("traub_miles").unwrap(),
        1,
        v0,
        -20.0,
    );
    net.add_receptor(Receptor {
        name: "exc".into(),
        tau_ms: 5.0,
        kind: ReceptorKind::Conductance { reversal_mv: 0.0 },
    });
    net.inputs = 1;
    net.input_synapses.push(0, 0, W, 0);
    net
}

#[test]
fn synaptic_drive_matches_an_independent_rk4_integration() {
    let dt = 0.025;
    // Input spikes every 7 ms from 5 ms on.
    let input_ms: Vec<f64> = (0..13).map(|k| 5.0 + 7.0 * k as f64).collect();
    let expected = reference_spike_times(&input_ms, W, 100.0);
    assert!(
        expected.len() >= 4,
        "the stimulus should make spikes: {expected:?}"
    );
    let mut stim = Stimulus::silent(4000);
    for &t in &input_ms {
        // An input spike at tick k acts from tick k + 1, i.e. from time (k + 1) dt.
        stim.events[(t / dt).round() as usize - 1].push(0);
    }
    let mut net = FloatNetwork::<f64>::new(&one_neuron(-65.0), dt).unwrap();
    let raster = net.run(&stim, 4000);
    let got: Vec<f64> = raster
        .ticks
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_empty())
        .map(|(t, _)| (t + 1) as f64 * dt)
        .collect();
    assert_eq!(
        got.len(),
        expected.len(),
        "got {got:?}, expected {expected:?}"
    );
    for (g, e) in got.iter().zip(&expected) {
        assert!((g - e).abs() <= 0.15, "spike at {g} ms, reference {e} ms");
    }
}

#[test]
fn receptor_state_decays_exponentially_after_each_input() {
    let mut net = FloatNetwork::<f64>::new(&one_neuron(-65.0), 0.025).unwrap();
    net.step(&[0]);
    for k in 0..400 {
        let expected = W * (-0.025 * k as f64 / 5.0).exp();
        let g = net.receptors[0][0];
        assert!((g - expected).abs() < 1e-12, "tick {k}: {g} vs {expected}");
        net.step(&[]);
    }
}

fn b2_spikes<R: Real>() -> usize {
    let b2 = cobahh::b2().unwrap();
    let mut net = FloatNetwork::<R>::new(&b2, cobahh::DT_MS).unwrap();
    net.run(&Stimulus::silent(0), cobahh::STEPS).total()
}

#[test]
fn b2_in_f32_and_f64_agree_within_the_chaos_budget() {
    let (a, b) = (b2_spikes::<f32>(), b2_spikes::<f64>());
    println!("B2 spikes: f32 {a}, f64 {b}");
    // 4000 neurons for 100 ms: COBAHH fires a few Hz to tens of Hz per neuron.
    assert!((1_000..200_000).contains(&b), "{b}");
    let rel = (a as f64 - b as f64).abs() / b as f64;
    assert!(rel < 0.15, "f32 {a} vs f64 {b}");
}
