//! Synaptic receptors in the fixed-point engine: decay, saturation, and their effect on V.

use channels::ChannelSet;
use sim::format::{mv_to_v, SYN_MAX};
use sim::{FixedEngine, FixedReceptor};

fn engine(receptors: Vec<FixedReceptor>) -> FixedEngine {
    FixedEngine::new(&ChannelSet::builtin("traub_miles").unwrap(), 0.025)
        .unwrap()
        .with_receptors(receptors)
        .unwrap()
}

#[test]
fn decay_factor_and_one_step_of_decay() {
    let r = FixedReceptor::conductance(0.0, 5.0, 0.025);
    // exp(-0.005) * 2^18 = 260836.6
    assert_eq!(r.decay, 260_837);
    let e = engine(vec![r]);
    let mut pop = e.population(1, -65.0, -20.0);
    pop.receptors[0][0] = 65_536; // 1 mS/cm^2
    e.step(&mut pop);
    // 65536 * 260837 / 2^18 = 65209.25, rounded down.
    assert_eq!(pop.receptors[0][0], 65_209);
    // With nothing delivered, the state reaches exactly zero (floor, no sticking).
    for _ in 0..20_000 {
        e.step(&mut pop);
    }
    assert_eq!(pop.receptors[0][0], 0);
}

#[test]
fn deliveries_saturate_in_any_order() {
    let e = engine(vec![FixedReceptor::conductance(0.0, 5.0, 0.025)]);
    let mut a = e.population(1, -65.0, -20.0);
    let mut b = a.clone();
    for inc in [1 << 23, 3, 1 << 23, 100] {
        a.deliver(0, 0, inc);
    }
    for inc in [100, 1 << 23, 1 << 23, 3] {
        b.deliver(0, 0, inc);
    }
    assert_eq!(a.accumulators[0][0], SYN_MAX as u32);
    assert_eq!(a, b);
    e.step(&mut a);
    assert_eq!(a.accumulators[0][0], 0, "a step consumes the accumulator");
}

#[test]
fn receptors_pull_v_toward_their_reversal_potential() {
    let cases = [
        (FixedReceptor::conductance(0.0, 5.0, 0.025), 1),
        (FixedReceptor::conductance(-80.0, 10.0, 0.025), -1),
        (FixedReceptor::current(true, 5.0, 0.025), 1),
        (FixedReceptor::current(false, 5.0, 0.025), -1),
    ];
    let rest = engine(vec![]);
    let mut base = rest.population(1, -65.0, -20.0);
    for _ in 0..40 {
        rest.step(&mut base);
    }
    for (r, direction) in cases {
        let e = engine(vec![r]);
        let mut pop = e.population(1, -65.0, -20.0);
        pop.receptors[0][0] = 1 << 14; // 0.25 mS/cm^2 or 4 uA/cm^2
        for _ in 0..40 {
            e.step(&mut pop);
        }
        let dv = i64::from(pop.v[0]) - i64::from(base.v[0]);
        assert_eq!(dv.signum(), direction, "{r:?}: dV = {dv}");
        assert!(dv.abs() > mv_to_v(0.2), "{r:?}: dV = {dv} LSB");
    }
}
