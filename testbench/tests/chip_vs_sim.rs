//! The verilated chip (builtin:small: 2 x 2 cores, their emission and delivery units, the
//! router mesh, the tick controller) runs compiled random networks bit for bit like
//! `sim::ChipModel`: spikes every tick, every neuron's state at intervals.

use chip::ChipConfig;
use network::random::RandomNetwork;
use network::Stimulus;

fn image(spec: &RandomNetwork) -> chip::ChipImage {
    let config = ChipConfig::builtin("small").unwrap();
    compiler::compile(&spec.build(), &config).unwrap().image
}

#[cfg(has_verilator)]
fn run(spec: RandomNetwork, ticks: usize, rate_hz: f64) -> testbench::chip_cosim::CosimReport {
    let image = image(&spec);
    let stimulus = Stimulus::poisson(
        spec.inputs,
        rate_hz,
        ticks,
        image.config.timing.dt_ms,
        spec.seed,
    );
    let inputs: Vec<Vec<u32>> = (0..ticks).map(|t| stimulus.at(t).to_vec()).collect();
    let mut rtl = testbench::RtlChip::new();
    let report = testbench::chip_cosim::cosim(&mut rtl, &image, &inputs, 100, |_| {}).unwrap();
    if let Some(d) = &report.divergence {
        panic!("seed {}: RTL and sim diverge at {d}", spec.seed);
    }
    report
}

#[test]
fn random_networks_run_bit_exact_on_the_rtl_chip() {
    #[cfg(not(has_verilator))]
    {
        eprintln!("{}", testbench::RTL_SKIPPED);
        let _ = image;
    }
    #[cfg(has_verilator)]
    for (seed, neurons, fanout) in [(1, 200, 20), (2, 700, 40), (3, 1024, 10)] {
        let spec = RandomNetwork {
            neurons,
            fanout,
            seed,
            ..RandomNetwork::default()
        };
        let report = run(spec, 400, 2000.0);
        let mean =
            report.cycles.iter().map(|&c| c as f64).sum::<f64>() / report.cycles.len() as f64;
        eprintln!(
            "seed {seed}: {neurons} neurons, {} ticks, {} spikes, {} synaptic events, {mean:.0} clocks/tick",
            report.ticks, report.spikes, report.synaptic_events
        );
        assert!(
            report.spikes > 0,
            "seed {seed}: no spikes, nothing was routed"
        );
    }
}
