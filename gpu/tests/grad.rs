//! Gradients of whole networks: against central finite differences (the exact derivative
//! while spike times stay fixed), between kernels and memory budgets, and the surrogate.

use channels::ChannelSet;
use gpu::{FloatNetwork, GradNetwork, GradReal, Loss, Params, Surrogate};
use network::random::RandomNetwork;
use network::{Network, Receptor, ReceptorKind, Stimulus};

const DT: f64 = 0.025;

/// A small recurrent Traub-Miles network with excitatory and inhibitory conductances, a
/// current-based receptor and Poisson inputs, so that every kind of term is exercised.
fn small_network(channels: Option<ChannelSet>) -> (Network, Stimulus) {
    let mut net = RandomNetwork {
        neurons: 10,
        inputs: 4,
        fanout: 3,
        input_fanout: 4,
        seed: 7,
        ..RandomNetwork::default()
    }
    .build();
    if let Some(set) = channels {
        net.initial.gates = None;
        net.channels = set;
    }
    let current = net.add_receptor(Receptor {
        name: "cur".into(),
        tau_ms: 3.0,
        kind: ReceptorKind::Current { excitatory: true },
    });
    for (k, post) in [(0u32, 1u32), (1, 5), (3, 2)] {
        net.input_synapses.push(k, post, 4.0, current);
    }
    net.bias = (0..10).map(|i| 1.0 + 0.3 * i as f64).collect();
    let stimulus = Stimulus::poisson(4, 150.0, 400, DT, 3);
    (net, stimulus)
}

/// Mean squared distance of every potential from -50 mV over the run.
struct VoltageLoss {
    scale: f64,
}

impl<R: GradReal> Loss<R> for VoltageLoss {
    fn d_voltage(&mut self, _t: usize, v: &[R], grad: &mut [R]) {
        for (g, &x) in grad.iter_mut().zip(v) {
            *g = *g + R::from_f64(2.0 * (x.to_f64() + 50.0) * self.scale);
        }
    }
}

fn loss_value(g: &GradNetwork<f64>, p: &Params<f64>, stim: &Stimulus, ticks: usize) -> f64 {
    let mut sum = 0.0;
    g.forward(p, stim, ticks, |_, v| {
        sum += v.iter().map(|x| (x + 50.0).powi(2)).sum::<f64>()
    })
    .unwrap();
    sum * SCALE
}

/// Keeps the loss near 1e2, so finite differences resolve small gradients.
const SCALE: f64 = 1e-3;

/// The same network of leaky integrate-and-fire neurons (threshold -50 mV, reset to rest).
fn lif_network() -> (Network, Stimulus) {
    let (mut net, stim) = small_network(None);
    net.channels = network::lif::channels(10.0, -65.0).unwrap();
    net.initial.gates = None;
    net.threshold_mv = -50.0;
    net.reset_mv = Some(-65.0);
    (net, stim)
}

/// HH (compiled), HH (interpreted: a set no compiled kernel matches), and LIF.
fn networks() -> Vec<(Network, Stimulus)> {
    vec![
        small_network(None),
        small_network(Some(hh_squid_variant())),
        lif_network(),
    ]
}

#[test]
fn forward_pass_is_the_float_reference_bit_for_bit() {
    for (net, stim) in networks() {
        let mut float = FloatNetwork::<f64>::new(&net, DT).unwrap();
        let grad = GradNetwork::<f64>::new(&net, DT).unwrap();
        let mut want = Vec::new();
        for t in 0..400 {
            float.step(stim.at(t));
            want.push(float.pop.v.clone());
        }
        let want_raster = FloatNetwork::<f64>::new(&net, DT).unwrap().run(&stim, 400);
        let mut got = Vec::new();
        let traj = grad
            .forward(&grad.params(), &stim, 400, |_, v| got.push(v.to_vec()))
            .unwrap();
        assert!(want_raster.total() > 5, "the network should spike");
        assert_eq!(traj.raster, want_raster, "{}", grad.kernel_name());
        for (t, (a, b)) in got.iter().zip(&want).enumerate() {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_eq!(x.to_bits(), y.to_bits(), "tick {t} neuron {i}: {x} vs {y}");
            }
        }
    }
}

/// The squid set with a changed constant: no compiled kernel matches it, so the gradient
/// engine interprets it.
fn hh_squid_variant() -> ChannelSet {
    let text = channels::set::builtin_source("hh_squid")
        .unwrap()
        .replace("q10 = 1.0", "q10 = 1.2");
    ChannelSet::from_toml(&text, "variant").unwrap()
}

#[test]
fn gradients_match_central_finite_differences() {
    let ticks = 400;
    for (net, stim) in networks() {
        let g = GradNetwork::<f64>::new(&net, DT).unwrap();
        let p = g.params();
        let traj = g.forward(&p, &stim, ticks, |_, _| {}).unwrap();
        let grads = g
            .backward(&p, &stim, &traj, &mut VoltageLoss { scale: SCALE })
            .unwrap();
        let loss = loss_value(&g, &p, &stim, ticks);
        let mut checked = 0;
        let mut check = |name: String,
                         analytic: f64,
                         value: f64,
                         perturb: &dyn Fn(&mut Params<f64>, f64)| {
            // A step relative to the parameter; the difference quotient's rounding error is
            // about eps * loss / h, allowed for (1000 eps) on top of the relative tolerance.
            let h = 1e-5 * value.abs().max(1e-2);
            let (mut up, mut down) = (p.clone(), p.clone());
            perturb(&mut up, h);
            perturb(&mut down, -h);
            let numeric = (loss_value(&g, &up, &stim, ticks) - loss_value(&g, &down, &stim, ticks))
                / (2.0 * h);
            let rounding = 1000.0 * f64::EPSILON * loss.abs() / h;
            assert!(
                (numeric - analytic).abs() <= 1e-5 * numeric.abs().max(analytic.abs()) + rounding,
                "{} ({}): {name}: backward {analytic}, finite difference {numeric}",
                net.channels.name,
                g.kernel_name()
            );
            checked += 1;
        };
        for c in 0..p.conductance.len() {
            for i in [0, 4, 9] {
                check(
                    format!("conductance[{c}][{i}]"),
                    grads.conductance[c][i],
                    p.conductance[c][i],
                    &|q, h| q.conductance[c][i] += h,
                );
            }
        }
        for i in [0, 3, 7] {
            check(format!("bias[{i}]"), grads.bias[i], p.bias[i], &|q, h| {
                q.bias[i] += h
            });
        }
        // Only weights of synapses whose source fired have a gradient; check those and one
        // that did not fire.
        let fired: Vec<bool> = traj
            .raster
            .counts(net.neurons)
            .iter()
            .map(|&c| c > 0)
            .collect();
        let mut weights: Vec<usize> = (0..net.synapses.len())
            .filter(|&e| fired[net.synapses.pre[e] as usize])
            .take(6)
            .collect();
        weights.extend((0..net.synapses.len()).find(|&e| !fired[net.synapses.pre[e] as usize]));
        for e in weights {
            check(
                format!("weight[{e}]"),
                grads.weight[e],
                p.weight[e],
                &|q, h| q.weight[e] += h,
            );
        }
        for e in (0..net.input_synapses.len()).step_by(3) {
            check(
                format!("input_weight[{e}]"),
                grads.input_weight[e],
                p.input_weight[e],
                &|q, h| q.input_weight[e] += h,
            );
        }
        assert!(checked > 15, "{checked}");
        assert!(grads.weight.iter().any(|&w| w != 0.0));
    }
}

#[test]
fn checkpointing_and_recomputation_give_the_same_gradient() {
    let (net, stim) = small_network(None);
    // 390 ticks: not a multiple of the segment length (20), so the last segment is short.
    for ticks in [400, 390] {
        let mut g = GradNetwork::<f64>::new(&net, DT).unwrap();
        let p = g.params();
        let full = g.forward(&p, &stim, ticks, |_, _| {}).unwrap();
        assert_eq!(full.checkpoint_every(), 1);
        let want = g
            .backward(&p, &stim, &full, &mut VoltageLoss { scale: SCALE })
            .unwrap();
        // A state is 10 neurons x (V, 3 gates, 3 receptors) x 8 bytes = 560 bytes: all of
        // them need 220 KiB, checkpoints and one segment 23 KiB.
        g.set_memory_budget(32 << 10);
        let sparse = g.forward(&p, &stim, ticks, |_, _| {}).unwrap();
        assert_eq!(sparse.checkpoint_every(), 20);
        let got = g
            .backward(&p, &stim, &sparse, &mut VoltageLoss { scale: SCALE })
            .unwrap();
        assert_eq!(got, want, "{ticks} ticks");
        g.set_memory_budget(16 << 10);
        let err = g.forward(&p, &stim, ticks, |_, _| {}).err().unwrap();
        assert!(
            err.0.contains("needs at least 0.02 MiB") && err.0.contains("budget of 0.02 MiB"),
            "{err}"
        );
    }
}

#[test]
fn a_trajectory_of_another_network_is_refused() {
    let (net, stim) = small_network(None);
    let (a, b) = (
        GradNetwork::<f64>::new(&net, DT).unwrap(),
        GradNetwork::<f64>::new(&lif_network().0, DT).unwrap(),
    );
    let traj = a.forward(&a.params(), &stim, 50, |_, _| {}).unwrap();
    let err = b
        .backward(&b.params(), &stim, &traj, &mut VoltageLoss { scale: SCALE })
        .err()
        .unwrap();
    assert!(
        err.0.contains("not made by this network's forward pass"),
        "{err}"
    );
}

#[test]
fn compiled_and_interpreted_gradients_agree_bit_for_bit() {
    let (net, stim) = small_network(None);
    let a = GradNetwork::<f32>::new(&net, DT).unwrap();
    let b = GradNetwork::<f32>::interpreted(&net, DT).unwrap();
    assert_eq!(a.kernel_name(), "traub_miles");
    assert_eq!(b.kernel_name(), "interpreted");
    let run = |g: &GradNetwork<f32>| {
        let p = g.params();
        let traj = g.forward(&p, &stim, 300, |_, _| {}).unwrap();
        g.backward(&p, &stim, &traj, &mut VoltageLoss { scale: 1e-3 })
            .unwrap()
    };
    let (ga, gb) = (run(&a), run(&b));
    assert!(ga.weight.iter().any(|&w| w != 0.0));
    assert_eq!(ga, gb);
}

/// d (spike count of one neuron) / d (its input weight), through the surrogate.
struct CountLoss {
    neuron: usize,
}

impl<R: GradReal> Loss<R> for CountLoss {
    fn d_spike(&self, _t: usize, neuron: usize) -> f64 {
        if neuron == self.neuron {
            1.0
        } else {
            0.0
        }
    }
}

#[test]
fn the_surrogate_points_a_silent_neuron_toward_spiking() {
    let set = ChannelSet::builtin("hh_squid").unwrap();
    let mut net = Network::new("one", set, 1, -65.0, -20.0);
    let exc = net.add_receptor(Receptor {
        name: "exc".into(),
        tau_ms: 5.0,
        kind: ReceptorKind::Conductance { reversal_mv: 0.0 },
    });
    net.inputs = 1;
    net.input_synapses.push(0, 0, 0.01, exc);
    let mut stim = Stimulus::silent(800);
    for t in (40..800).step_by(80) {
        stim.events[t].push(0);
    }
    let mut g = GradNetwork::<f64>::new(&net, DT).unwrap();
    let p = g.params();
    let count = |g: &GradNetwork<f64>, p: &Params<f64>| {
        g.forward(p, &stim, 800, |_, _| {}).unwrap().raster.total()
    };
    assert_eq!(count(&g, &p), 0, "the weak input should not make it spike");
    let traj = g.forward(&p, &stim, 800, |_, _| {}).unwrap();
    let exact = g
        .backward(&p, &stim, &traj, &mut CountLoss { neuron: 0 })
        .unwrap();
    assert_eq!(exact.input_weight[0], 0.0, "no spike, no exact gradient");
    g.set_surrogate(Surrogate::FastSigmoid { slope: 0.5 });
    let pseudo = g
        .backward(&p, &stim, &traj, &mut CountLoss { neuron: 0 })
        .unwrap();
    assert!(pseudo.input_weight[0] > 0.0, "{:?}", pseudo.input_weight);
    // Following it does make the neuron spike.
    let mut stronger = p.clone();
    stronger.input_weight[0] *= 30.0;
    assert!(count(&g, &stronger) > 0);
}

#[test]
fn mismatched_parameters_and_inputs_are_refused_by_name() {
    let (net, stim) = small_network(None);
    let g = GradNetwork::<f64>::new(&net, DT).unwrap();
    let mut p = g.params();
    p.weight.pop();
    let err = g.forward(&p, &stim, 10, |_, _| {}).err().unwrap();
    assert!(
        err.0
            .contains("weight has 29 entries, the network needs 30"),
        "{err}"
    );
    let mut bad = Stimulus::silent(5);
    bad.events[2].push(9);
    let err = g.forward(&g.params(), &bad, 5, |_, _| {}).err().unwrap();
    assert!(
        err.0
            .contains("input 9 fires at tick 2, the network has 4 inputs"),
        "{err}"
    );
}
