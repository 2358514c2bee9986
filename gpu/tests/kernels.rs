//! The compiled kernels (generated at build time) and the interpreter must agree bit for bit:
//! they execute the same operations on the same expression trees.

use channels::ChannelSet;
use gpu::{FloatEngine, KernelKind, Real};

#[path = "shared/populations.rs"]
mod populations;
use populations::varied;

fn assert_identical<R: Real>(set_name: &str) {
    let set = ChannelSet::builtin(set_name).unwrap();
    let compiled = FloatEngine::<R>::new(&set, 0.025).unwrap();
    assert!(matches!(compiled.kernel_kind(), KernelKind::Compiled(n) if n == set_name));
    let interpreted = FloatEngine::<R>::interpreted(&set, 0.025).unwrap();
    assert_eq!(interpreted.kernel_kind(), KernelKind::Interpreted);
    // 1000 is not a multiple of the interpreter's chunk, so the tail chunk is covered too.
    let mut a = varied(&compiled, 1000);
    let mut b = a.clone();
    for step in 0..400 {
        compiled.step(&mut a);
        interpreted.step(&mut b);
        for k in 0..a.len() {
            assert_eq!(
                a.v[k].to_f64().to_bits(),
                b.v[k].to_f64().to_bits(),
                "{set_name} {}: step {step}, neuron {k}: V compiled {:?} interpreted {:?}",
                R::NAME,
                a.v[k],
                b.v[k]
            );
            for g in 0..a.gates.len() {
                assert_eq!(
                    a.gates[g][k].to_f64().to_bits(),
                    b.gates[g][k].to_f64().to_bits(),
                    "gate {g}"
                );
            }
        }
    }
    assert_eq!(a.spikes, b.spikes);
    assert!(a.total_spikes() > 100, "the test population should spike");
    assert!(a.v.iter().all(|v| v.to_f64().is_finite()));
}

#[test]
fn squid_compiled_equals_interpreted_f32() {
    assert_identical::<f32>("hh_squid");
}

#[test]
fn squid_compiled_equals_interpreted_f64() {
    assert_identical::<f64>("hh_squid");
}

#[test]
fn traub_miles_compiled_equals_interpreted_f32() {
    assert_identical::<f32>("traub_miles");
}

#[test]
fn traub_miles_compiled_equals_interpreted_f64() {
    assert_identical::<f64>("traub_miles");
}

#[test]
fn a_custom_channel_set_runs_interpreted() {
    // inf/tau kinetics, tanh and a power: nothing a built-in has.
    let text = r#"
        name = "custom"
        [[channel]]
        name = "k"
        conductance = 20.0
        reversal = -80.0
        [[channel.gate]]
        name = "w"
        power = 2
        inf = "0.5 * (1 + tanh((V + 35) / 10))"
        tau = "1 + 4 / (1 + (V / 30)^2)"
        [[channel]]
        name = "leak"
        conductance = 0.5
        reversal = -60.0
    "#;
    let set = ChannelSet::from_toml(text, "custom.toml").unwrap();
    let engine = FloatEngine::<f64>::new(&set, 0.025).unwrap();
    assert_eq!(engine.kernel_kind(), KernelKind::Interpreted);
    let mut pop = engine.population(3, -60.0, 0.0);
    pop.i_ext = vec![0.0, 5.0, -5.0];
    for _ in 0..20_000 {
        engine.step(&mut pop);
    }
    // Passive-like cell with a K current: settles; more current, higher potential.
    assert!(pop.v[2] < pop.v[0] && pop.v[0] < pop.v[1], "{:?}", pop.v);
    // Steady state solves I = sum g (V - E) with w = w_inf(V).
    for k in 0..3 {
        let v = pop.v[k];
        let w = 0.5 * (1.0 + ((v + 35.0) / 10.0).tanh());
        let current = 20.0 * w * w * (v + 80.0) + 0.5 * (v + 60.0);
        assert!(
            (current - pop.i_ext[k]).abs() < 1e-6,
            "neuron {k}: {current} vs {}",
            pop.i_ext[k]
        );
    }
}

#[test]
fn bad_time_step_is_an_error() {
    let set = ChannelSet::builtin("hh_squid").unwrap();
    assert!(FloatEngine::<f64>::new(&set, 0.0).is_err());
    assert!(FloatEngine::<f32>::new(&set, f64::NAN).is_err());
}
