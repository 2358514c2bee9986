//! The core in rust-hdl's own simulator against `sim`, step by step: the Rust models of the
//! blocks and the rust-hdl control logic. (The Verilog itself is checked under Verilator in
//! `testbench`.) Small: rust-hdl simulates about 10^4 clocks per second. Two of the three
//! neurons are driven through receptor units, the third by injected current.

use hdl::map::{self, CoreImage, REGION_INF_TABLE, REGION_MEMBRANE_TABLE};
use hdl::NeuronCore;
use rust_hdl::prelude::*;
use sim::engine::FixedReceptor;
use sim::format::from_bits;
use sim::{current_to_fixed, FixedEngine};

#[test]
fn three_neurons_match_sim_for_ten_milliseconds() {
    let set = channels::ChannelSet::builtin("hh_squid").unwrap();
    // Two receptor units in use: a decaying excitatory conductance and an inhibitory current.
    let engine = FixedEngine::new(&set, 0.025)
        .unwrap()
        .with_receptors(vec![
            FixedReceptor::conductance(0.0, 2.0, 0.025),
            FixedReceptor::current(false, 3.0, 0.025),
        ])
        .unwrap();
    let mut pop = engine.population(3, -65.0, 0.0);
    pop.receptors[0][0] = 3 << 16;
    pop.accumulators[0][0] = 1 << 15;
    pop.receptors[1][2] = 20 << 12;
    pop.accumulators[1][1] = 5 << 12;
    pop.v[1] = sim::format::mv_to_v(-50.0) as i32;
    for (i, amps) in [0.0, 10.0, 40.0].into_iter().enumerate() {
        pop.i_ext[i] = current_to_fixed(amps);
    }
    // Tables come preloaded (as from the exported `$readmemh` files); the rest goes over the
    // host port.
    let writes: Vec<_> = CoreImage::new(&engine, &pop)
        .unwrap()
        .writes
        .into_iter()
        .filter(|w| !(REGION_INF_TABLE..=REGION_MEMBRANE_TABLE).contains(&(w.address >> 11)))
        .collect();
    let steps = 400;
    let mut expected = Vec::new();
    let mut model = pop.clone();
    for _ in 0..steps {
        engine.step(&mut model);
        expected.push((
            model.v.clone(),
            model.gates.clone(),
            model.spikes.clone(),
            model.receptors.clone(),
        ));
    }

    assert!(
        model.spikes[0] >= 1 && model.spikes[2] >= 1,
        "the protocol must make the synaptically driven and the current-driven neuron spike"
    );

    let mut uut = NeuronCore::with_tables(&engine);
    uut.connect_all();
    let mut sim = simple_sim!(NeuronCore, clock, 100_000_000, ep, {
        let mut x = ep.init()?;
        x.reset.next = true;
        wait_clock_cycle!(ep, clock, x);
        x.reset.next = false;
        for w in &writes {
            x.host_address.next = (w.address as u64).to_bits();
            x.host_write_data.next = (w.data as u64).to_bits();
            x.host_write.next = true;
            wait_clock_cycle!(ep, clock, x);
        }
        x.host_write.next = false;
        let mut spikes = vec![0u32; 3];
        for (step, (v, gates, want_spikes, receptors)) in expected.iter().enumerate() {
            x.start.next = true;
            wait_clock_cycle!(ep, clock, x);
            x.start.next = false;
            while x.busy.val() {
                if x.spike_valid.val() {
                    spikes[x.spike_neuron.val().index()] += 1;
                }
                wait_clock_cycle!(ep, clock, x);
            }
            sim_assert_eq!(ep, &spikes, want_spikes, x);
            for n in 0..3 {
                x.host_address.next = (map::address(map::REGION_V, n) as u64).to_bits();
                x.host_read.next = true;
                wait_clock_cycle!(ep, clock, x);
                x.host_read.next = false;
                sim_assert!(ep, x.host_read_valid.val(), x);
                let got = from_bits(x.host_read_data.val().to_u64(), 20);
                if got != i64::from(v[n as usize]) {
                    println!(
                        "step {step} neuron {n}: V expected {} got {got}",
                        v[n as usize]
                    );
                }
                sim_assert_eq!(ep, got, i64::from(v[n as usize]), x);
                // Every gate and receptor state of neuron n: (address, expected word).
                let words = gates
                    .iter()
                    .enumerate()
                    .map(|(g, x)| (map::REGION_GATE + g as u32, u64::from(x[n as usize])))
                    .chain(receptors.iter().enumerate().map(|(r, x)| {
                        (
                            map::REGION_RECEPTOR_STATE + r as u32,
                            u64::from(x[n as usize]),
                        )
                    }));
                for (region, want) in words {
                    x.host_address.next = (map::address(region, n) as u64).to_bits();
                    x.host_read.next = true;
                    wait_clock_cycle!(ep, clock, x);
                    x.host_read.next = false;
                    sim_assert_eq!(ep, x.host_read_data.val().to_u64(), want, x);
                }
            }
        }
        ep.done(x)
    });
    sim.run(Box::new(uut), 100_000_000_000).unwrap();
}
