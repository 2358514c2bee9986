//! The verilated core against `sim`, bit for bit: many neurons at once with different
//! initial states and randomized currents, every neuron's V and gates compared after every
//! step, on the built-in channel sets and on a custom set that uses all four gate units and
//! all four channel units; and with all four receptor units (two conductance, two current
//! receptors) under random deliveries, including saturating ones. The same checks run on
//! both RTL cores: the pipelined one and the compact one (`hdl::compact_core`), the latter
//! also at its full capacity.

use channels::ChannelSet;
use hdl::map::{self, CoreImage};
use sim::engine::FixedReceptor;
use sim::format::SYN_MAX;
use sim::{current_to_fixed, FixedEngine, FixedPopulation};
#[cfg(has_verilator)]
use testbench::rtl_core::{CorePorts, RtlCoreOf};
use testbench::{RTL_AVAILABLE, RTL_SKIPPED};

/// xorshift64*: deterministic stimuli without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Four gates in four channels: the squid axon plus a slow potassium current (M-type).
const FOUR_GATES: &str = r#"
name = "squid_with_m_current"
description = "squid axon plus a slow K+ (M) current: exercises every gate and channel unit"
capacitance = 1.0

[[channel]]
name = "na"
conductance = 120.0
reversal = 50.0
[[channel.gate]]
name = "m"
power = 3
alpha = "0.1 * 10 / exprel(-(V + 40) / 10)"
beta = "4 * exp(-(V + 65) / 18)"
[[channel.gate]]
name = "h"
power = 1
alpha = "0.07 * exp(-(V + 65) / 20)"
beta = "1 / (1 + exp(-(V + 35) / 10))"

[[channel]]
name = "k"
conductance = 36.0
reversal = -77.0
[[channel.gate]]
name = "n"
power = 4
alpha = "0.01 * 10 / exprel(-(V + 55) / 10)"
beta = "0.125 * exp(-(V + 65) / 80)"

[[channel]]
name = "km"
conductance = 2.5
reversal = -90.0
[[channel.gate]]
name = "p"
power = 1
alpha = "0.0001 * 9 / exprel(-(V + 30) / 9)"
beta = "0.0001 * 9 / exprel((V + 30) / 9)"

[[channel]]
name = "leak"
conductance = 0.3
reversal = -54.387
"#;

/// Receptors that use every kind and every receptor unit (COBA excitation and inhibition,
/// and current-based excitation and inhibition).
fn all_receptor_kinds(dt: f64) -> Vec<FixedReceptor> {
    vec![
        FixedReceptor::conductance(0.0, 5.0, dt),
        FixedReceptor::conductance(-80.0, 10.0, dt),
        FixedReceptor::current(true, 2.0, dt),
        FixedReceptor::current(false, 20.0, dt),
    ]
}

/// A delivery of `rng`'s choosing: mostly small weights, sometimes one that saturates.
fn random_delivery(rng: &mut Rng, receptor: usize) -> u32 {
    let scale = if receptor < 2 { 4.0 } else { 60.0 };
    if rng.next() % 50 == 0 {
        (SYN_MAX as u32) - (rng.next() % 3) as u32
    } else {
        (rng.uniform(0.0, scale) * 4096.0) as u32
    }
}

/// The two RTL cores: the pipelined one and the compact one (one multiplier).
#[derive(Clone, Copy)]
enum Core {
    Pipelined,
    Compact,
}

/// Runs `n` neurons for `steps` steps on both engines and compares everything every step.
fn compare(core: Core, set: &ChannelSet, n: usize, steps: usize, seed: u64) {
    compare_with(
        core,
        FixedEngine::new(set, 0.025).unwrap(),
        set,
        n,
        steps,
        seed,
    )
}

/// As `compare`, on `engine` (which may have receptors: then random weights are delivered
/// through the host port before every step, and the receptor state is compared too).
fn compare_with(
    core: Core,
    engine: FixedEngine,
    set: &ChannelSet,
    n: usize,
    steps: usize,
    seed: u64,
) {
    if !RTL_AVAILABLE {
        eprintln!("{RTL_SKIPPED}");
        return;
    }
    #[cfg(has_verilator)]
    match core {
        Core::Pipelined => compare_on(testbench::RtlCore::new(), engine, set, n, steps, seed),
        Core::Compact => compare_on(
            testbench::RtlCompactCore::new(),
            engine,
            set,
            n,
            steps,
            seed,
        ),
    }
    #[cfg(not(has_verilator))]
    let _ = (core, engine, set, n, steps, seed);
}

#[cfg(has_verilator)]
fn compare_on<M: CorePorts>(
    mut rtl: RtlCoreOf<M>,
    engine: FixedEngine,
    set: &ChannelSet,
    n: usize,
    steps: usize,
    seed: u64,
) {
    let mut rng = Rng(seed);
    let mut pop: FixedPopulation = engine.population(n, -65.0, 0.0);
    for i in 0..n {
        pop.v[i] = sim::format::mv_to_v(rng.uniform(-80.0, -40.0)) as i32;
        pop.i_ext[i] = current_to_fixed(rng.uniform(-5.0, 40.0));
    }
    rtl.load_image(&CoreImage::new(&engine, &pop).unwrap());
    // The probe port reports this neuron's new state every step.
    let probed = n / 2;
    rtl.set_probe(probed as u16);
    let mut total_spikes = 0;
    for step in 0..steps {
        if step % 40 == 0 {
            // New random currents, sent over the host port as a host would each step.
            for c in pop.i_ext.iter_mut() {
                *c = current_to_fixed(rng.uniform(-5.0, 40.0));
            }
            rtl.load(&map::i_ext_writes(&pop).collect::<Vec<_>>());
        }
        for r in 0..engine.receptors.len() {
            for _ in 0..n / 4 {
                let target = (rng.next() % n as u64) as usize;
                let weight = random_delivery(&mut rng, r);
                pop.deliver(r, target, weight);
                let address = map::address(map::REGION_ACCUMULATOR + r as u32, target as u32);
                rtl.write(address, pop.accumulators[r][target]);
            }
        }
        let before = pop.spikes.clone();
        engine.step(&mut pop);
        let out = rtl.step();
        let expected: Vec<u16> = (0..n)
            .filter(|&i| pop.spikes[i] != before[i])
            .map(|i| i as u16)
            .collect();
        assert_eq!(out.spikes, expected, "step {step}: spikes differ");
        let probe = out.probe.expect("the probed neuron's state");
        assert_eq!(probe.v, pop.v[probed], "step {step}: probed V");
        for (g, x) in pop.gates.iter().enumerate() {
            assert_eq!(probe.gates[g], x[probed], "step {step}: probed gate {g}");
        }
        total_spikes += expected.len();
        for i in 0..n {
            let got = rtl.read_state(i as u32);
            assert_eq!(
                got.v, pop.v[i],
                "step {step}, neuron {i}: V expected {} got {}",
                pop.v[i], got.v
            );
            for (g, x) in pop.gates.iter().enumerate() {
                assert_eq!(
                    got.gates[g], x[i],
                    "step {step}, neuron {i}: gate {} expected {} got {}",
                    set.gates[g].name, x[i], got.gates[g]
                );
            }
            for (r, state) in pop.receptors.iter().enumerate() {
                let got = rtl.read(map::address(
                    map::REGION_RECEPTOR_STATE + r as u32,
                    i as u32,
                ));
                assert_eq!(
                    got, state[i],
                    "step {step}, neuron {i}: receptor {r} state expected {} got {got}",
                    state[i]
                );
                let left = rtl.read(map::address(map::REGION_ACCUMULATOR + r as u32, i as u32));
                assert_eq!(
                    left, 0,
                    "step {step}, neuron {i}: receptor {r} accumulator not cleared"
                );
            }
        }
    }
    assert!(total_spikes > 0, "the stimuli must make neurons spike");
}

#[test]
fn squid_axon_population_is_bit_exact() {
    compare(
        Core::Pipelined,
        &ChannelSet::builtin("hh_squid").unwrap(),
        48,
        1200,
        1,
    );
}

#[test]
fn traub_miles_population_is_bit_exact() {
    compare(
        Core::Pipelined,
        &ChannelSet::builtin("traub_miles").unwrap(),
        32,
        1200,
        2,
    );
}

#[test]
fn every_gate_and_channel_unit_is_bit_exact() {
    let set = ChannelSet::from_toml(FOUR_GATES, "four_gates").unwrap();
    assert_eq!((set.gates.len(), set.channels.len()), (4, 4));
    compare(Core::Pipelined, &set, 32, 1200, 3);
}

#[test]
fn every_receptor_unit_is_bit_exact_under_random_deliveries() {
    let set = ChannelSet::builtin("traub_miles").unwrap();
    let engine = FixedEngine::new(&set, 0.025)
        .unwrap()
        .with_receptors(all_receptor_kinds(0.025))
        .unwrap();
    compare_with(Core::Pipelined, engine, &set, 32, 800, 4);
}

/// The accumulate port under back-to-back deliveries: runs of deliveries to one neuron and
/// receptor (the read-modify-write hazard), alternating receptors of one neuron, saturating
/// weights, and random targets; every accumulator read back equals `sim`'s saturating sum.
#[cfg(has_verilator)]
#[test]
fn back_to_back_deliveries_accumulate_like_sim() {
    deliveries_accumulate_like_sim(testbench::RtlCore::new());
}

#[cfg(has_verilator)]
#[test]
fn compact_core_deliveries_accumulate_like_sim() {
    deliveries_accumulate_like_sim(testbench::RtlCompactCore::new());
}

#[cfg(has_verilator)]
fn deliveries_accumulate_like_sim<M: CorePorts>(mut rtl: RtlCoreOf<M>) {
    let set = ChannelSet::builtin("traub_miles").unwrap();
    let engine = FixedEngine::new(&set, 0.025)
        .unwrap()
        .with_receptors(all_receptor_kinds(0.025))
        .unwrap();
    let n = 16;
    let mut pop = engine.population(n, -65.0, 0.0);
    rtl.load_image(&CoreImage::new(&engine, &pop).unwrap());
    let mut rng = Rng(11);
    for round in 0..20 {
        let mut deliveries = Vec::new();
        for _ in 0..200 {
            let (target, receptor) = match rng.next() % 4 {
                // Same accumulator as the delivery before.
                0 | 1 if !deliveries.is_empty() => {
                    let &(t, r, _) = deliveries.last().unwrap();
                    (t as usize, r as usize)
                }
                2 if !deliveries.is_empty() => {
                    let &(t, r, _) = deliveries.last().unwrap();
                    (t as usize, (r as usize + 1) % 4)
                }
                _ => ((rng.next() % n as u64) as usize, (rng.next() % 4) as usize),
            };
            let weight = if round % 5 == 4 {
                random_delivery(&mut rng, receptor) * 8
            } else {
                (rng.next() % 5000) as u32
            }
            .min(SYN_MAX as u32);
            pop.deliver(receptor, target, weight);
            deliveries.push((target as u16, receptor as u8, weight));
        }
        rtl.deliver(&deliveries);
        for r in 0..4 {
            for i in 0..n {
                let got = rtl.read(map::address(map::REGION_ACCUMULATOR + r as u32, i as u32));
                assert_eq!(
                    got, pop.accumulators[r][i],
                    "round {round}: receptor {r} accumulator of neuron {i}"
                );
            }
        }
        let saturated = pop
            .accumulators
            .iter()
            .flatten()
            .filter(|&&a| a as i64 == SYN_MAX);
        if round == 19 {
            assert!(
                saturated.count() > 0,
                "the stimuli must saturate an accumulator"
            );
        }
        // A step consumes and clears the accumulators, on both.
        engine.step(&mut pop);
        rtl.step();
        for r in 0..4 {
            for i in 0..n {
                let state = rtl.read(map::address(
                    map::REGION_RECEPTOR_STATE + r as u32,
                    i as u32,
                ));
                assert_eq!(
                    state, pop.receptors[r][i],
                    "round {round}: receptor {r} state of {i}"
                );
            }
        }
    }
}

#[cfg(has_verilator)]
#[test]
fn registers_read_back_and_the_core_identifies_itself() {
    registers_read_back(testbench::RtlCore::new());
}

#[cfg(has_verilator)]
#[test]
fn compact_core_registers_read_back_and_the_core_identifies_itself() {
    registers_read_back(testbench::RtlCompactCore::new());
}

#[cfg(has_verilator)]
fn registers_read_back<M: CorePorts>(mut rtl: RtlCoreOf<M>) {
    let reg = |r| map::address(map::REGION_REGISTERS, r);
    assert_eq!(rtl.read(reg(map::REG_IDENTITY)), map::IDENTITY);
    rtl.write(reg(map::REG_GBAR + 2), 0x1_2345);
    rtl.write(reg(map::REG_THRESHOLD), 0xFFFF_FFFF);
    assert_eq!(rtl.read(reg(map::REG_GBAR + 2)), 0x1_2345);
    // Registers keep only their width (20 bits for the threshold).
    assert_eq!(rtl.read(reg(map::REG_THRESHOLD)), 0xF_FFFF);
    rtl.reset();
    assert_eq!(rtl.read(reg(map::REG_GBAR + 2)), 0);
}

#[cfg(has_verilator)]
#[test]
fn a_step_takes_one_clock_per_neuron_plus_the_pipeline() {
    let set = ChannelSet::builtin("hh_squid").unwrap();
    let engine = FixedEngine::new(&set, 0.025).unwrap();
    let mut rtl = testbench::RtlCore::new();
    for n in [1usize, 100, 1024] {
        let pop = engine.population(n, -65.0, 0.0);
        rtl.load_image(&CoreImage::new(&engine, &pop).unwrap());
        let out = rtl.step();
        // start + one issue per neuron + the pipeline's depth.
        assert_eq!(
            out.cycles,
            1 + n as u64 + hdl::core::WRITE_BACK as u64,
            "{n} neurons"
        );
    }
}

#[test]
fn compact_core_at_full_capacity_is_bit_exact() {
    let capacity = 1usize << compact_capacity_bits();
    compare(
        Core::Compact,
        &ChannelSet::builtin("hh_squid").unwrap(),
        capacity,
        600,
        5,
    );
}

#[test]
fn compact_core_traub_miles_population_is_bit_exact() {
    compare(
        Core::Compact,
        &ChannelSet::builtin("traub_miles").unwrap(),
        32,
        1200,
        8,
    );
}

#[test]
fn compact_core_every_gate_and_channel_is_bit_exact() {
    let set = ChannelSet::from_toml(FOUR_GATES, "four_gates").unwrap();
    compare(Core::Compact, &set, 32, 1200, 6);
}

#[test]
fn compact_core_every_receptor_kind_is_bit_exact_under_random_deliveries() {
    let set = ChannelSet::builtin("traub_miles").unwrap();
    let engine = FixedEngine::new(&set, 0.025)
        .unwrap()
        .with_receptors(all_receptor_kinds(0.025))
        .unwrap();
    compare_with(Core::Compact, engine, &set, 32, 800, 7);
}

fn compact_capacity_bits() -> u32 {
    #[cfg(has_verilator)]
    return testbench::rtl_core::COMPACT_NEURON_BITS;
    #[cfg(not(has_verilator))]
    return 1;
}

#[cfg(has_verilator)]
#[test]
fn a_compact_core_step_takes_its_schedule_per_neuron() {
    let set = ChannelSet::builtin("hh_squid").unwrap();
    let engine = FixedEngine::new(&set, 0.025).unwrap();
    let mut rtl = testbench::RtlCompactCore::new();
    let per_neuron = hdl::compact_core::clocks_per_neuron() as u64;
    for n in [1usize, 7, 1 << compact_capacity_bits()] {
        let pop = engine.population(n, -65.0, 0.0);
        rtl.load_image(&CoreImage::new(&engine, &pop).unwrap());
        let out = rtl.step();
        assert_eq!(out.cycles, 1 + n as u64 * per_neuron, "{n} neurons");
    }
    // A neuron count above the capacity: the step stops at the capacity.
    let capacity = 1u64 << compact_capacity_bits();
    rtl.write(
        map::address(map::REGION_REGISTERS, map::REG_NEURON_COUNT),
        capacity as u32 + 5,
    );
    assert_eq!(rtl.step().cycles, 1 + capacity * per_neuron);
}
