//! B2 (COBAHH) compiled onto the BrainFuse-scale configuration runs on the chip model
//! within the benchmark's chaos budget of the float reference.

use chip::ChipConfig;
use gpu::FloatNetwork;
use network::{cobahh, Stimulus};
use sim::ChipModel;

#[test]
fn b2_spike_count_on_sim_is_within_15_percent_of_the_float_reference() {
    let b2 = cobahh::b2().unwrap();
    let config = ChipConfig::builtin("brainfuse").unwrap();
    let compiled = compiler::compile(&b2, &config).unwrap();
    for r in &compiled.quantization.receptors {
        println!("{r:?}");
        assert!(r.max_relative_error < 0.01 && r.zeroed == 0, "{r:?}");
    }
    let mut chip = ChipModel::new(&compiled.image).unwrap();
    let mut per_neuron = vec![0u64; b2.neurons];
    for _ in 0..cobahh::STEPS {
        for (core, local) in chip.tick(&[]).to_vec() {
            per_neuron[chip.neuron_id(core, local) as usize] += 1;
        }
    }
    let sim_spikes: u64 = per_neuron.iter().sum();
    let mut float = FloatNetwork::<f64>::new(&b2, cobahh::DT_MS).unwrap();
    let float_spikes = float.run(&Stimulus::silent(0), cobahh::STEPS).total();
    let t = chip.traffic();
    println!("B2 spikes: sim {sim_spikes}, float {float_spikes}; traffic {t:?}");
    assert_eq!(t.spikes, sim_spikes);
    // Every synapse of every spiking neuron is read exactly once: the routing tables and
    // axon tables together cover the network's synapses, no more, no fewer.
    let expected_events: u64 = b2
        .out_degree()
        .iter()
        .zip(&per_neuron)
        .map(|(&d, &s)| u64::from(d) * s)
        .sum();
    assert_eq!(t.synaptic_events, expected_events);
    let rel = (sim_spikes as f64 - float_spikes as f64).abs() / float_spikes as f64;
    assert!(
        rel <= 0.15,
        "sim {sim_spikes} vs float {float_spikes}: {rel:.3}"
    );
}
