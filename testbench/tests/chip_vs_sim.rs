//! The verilated chip (builtin:small: 2 x 2 cores, their emission and delivery units, the
//! router mesh, the tick controller) runs compiled random networks bit for bit like
//! `sim::ChipModel`: spikes every tick, every neuron's state at intervals.

use chip::ChipConfig;
use network::random::RandomNetwork;
use network::Stimulus;

fn image(spec: &RandomNetwork) -> chip::ChipImage {
    image_for(spec, "small")
}

fn image_for(spec: &RandomNetwork, config: &str) -> chip::ChipImage {
    let config = ChipConfig::builtin(config).unwrap();
    compiler::compile(&spec.build(), &config).unwrap().image
}

/// The chip with one compact core (one multiplier: the iCE40 chip), its emission and
/// delivery units, the one-packet link of a one-core mesh and the tick controller, against
/// `sim` on random networks that fill it.
#[test]
fn random_networks_run_bit_exact_on_the_compact_chip() {
    #[cfg(not(has_verilator))]
    {
        eprintln!("{}", testbench::RTL_SKIPPED);
        let _ = image_for;
    }
    #[cfg(has_verilator)]
    for (seed, neurons, fanout) in [(4, 64, 12), (5, 40, 30)] {
        let spec = RandomNetwork {
            neurons,
            fanout,
            inputs: 16,
            input_fanout: 12,
            seed,
            ..RandomNetwork::default()
        };
        let image = image_for(&spec, "ice40");
        let ticks = 300;
        let stimulus =
            Stimulus::poisson(spec.inputs, 2000.0, ticks, image.config.timing.dt_ms, seed);
        let inputs: Vec<Vec<u32>> = (0..ticks).map(|t| stimulus.at(t).to_vec()).collect();
        let mut rtl = testbench::RtlCompactChip::new();
        let report = testbench::chip_cosim::cosim(&mut rtl, &image, &inputs, 50, |_| {}).unwrap();
        if let Some(d) = &report.divergence {
            panic!("seed {seed}: the compact chip and sim diverge at {d}");
        }
        let mean =
            report.cycles.iter().map(|&c| c as f64).sum::<f64>() / report.cycles.len() as f64;
        eprintln!(
            "seed {seed}: {neurons} neurons on the compact chip, {} ticks, {} spikes, {} synaptic events, {mean:.0} clocks/tick",
            report.ticks, report.spikes, report.synaptic_events
        );
        assert!(
            report.spikes > 0 && report.synaptic_events > 0,
            "seed {seed}: nothing was routed"
        );
        // A tick is at least the update of every neuron.
        let per_neuron = hdl::compact_core::clocks_per_neuron();
        assert!(
            mean >= (neurons * per_neuron) as f64,
            "seed {seed}: {mean} clocks per tick"
        );
    }
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

/// Half of all synapses onto 3 neurons, 64 inputs with 40 targets each.
#[cfg(has_verilator)]
fn hot_spots(seed: u64) -> RandomNetwork {
    RandomNetwork {
        neurons: 600,
        fanout: 30,
        hot_fraction: 0.5,
        hot_spots: 3,
        inputs: 64,
        input_fanout: 40,
        seed,
        ..RandomNetwork::default()
    }
}

/// Hot spots: most synapses target a few neurons, so the delivery units of the cores holding
/// them take most of the traffic, their router ports back up into the mesh, and the ticks are
/// delivery-bound.
#[test]
fn hot_spots_that_back_up_the_router_lose_nothing() {
    #[cfg(not(has_verilator))]
    eprintln!("{}", testbench::RTL_SKIPPED);
    #[cfg(has_verilator)]
    for seed in [4, 5] {
        let spec = hot_spots(seed);
        let report = run(spec, 300, 20000.0);
        let max = *report.cycles.iter().max().unwrap();
        // A step of about 150 neurons (at most 158 with the partitioner's 5 % imbalance) is
        // under 180 clocks; delivering a burst to one core takes far longer, and its packets
        // wait in the mesh's FIFOs (8 per port) meanwhile.
        let stalls: u32 = report.stalls.iter().sum();
        eprintln!(
            "seed {seed}: {} spikes, {} synaptic events, at most {max} clocks/tick, {stalls} stalled clocks",
            report.spikes, report.synaptic_events
        );
        assert!(
            max > 4 * 166,
            "seed {seed}: the hot spot never backed up ({max} clocks)"
        );
        assert!(
            stalls > 1000,
            "seed {seed}: the mesh never pushed back ({stalls} clocks)"
        );
    }
}

/// An RTL fault (core 2's deliveries off by one in the lowest bit, `chip_map::CHIP_FAULT`)
/// is caught and located at core 2.
#[test]
fn an_injected_rtl_fault_is_caught_and_located() {
    #[cfg(not(has_verilator))]
    eprintln!("{}", testbench::RTL_SKIPPED);
    #[cfg(has_verilator)]
    {
        let spec = RandomNetwork::default();
        let image = image(&spec);
        let ticks = 200;
        let stimulus = Stimulus::poisson(spec.inputs, 2000.0, ticks, image.config.timing.dt_ms, 1);
        let inputs: Vec<Vec<u32>> = (0..ticks).map(|t| stimulus.at(t).to_vec()).collect();
        let mut rtl = testbench::RtlChip::new();
        rtl.set_fault(Some(2)).unwrap();
        let report = testbench::chip_cosim::cosim(&mut rtl, &image, &inputs, 10, |_| {}).unwrap();
        let d = report.divergence.expect("the fault went unnoticed");
        eprintln!("caught: {d}");
        assert_eq!(d.core, 2, "{d}");
        assert!(
            d.signal.starts_with("receptor") || d.signal == "spike" || d.signal == "V",
            "{d}"
        );
        assert!(d.tick < ticks, "{d}");
    }
}

/// B2 (COBAHH), reduced to fit the small chip (1,000 neurons, its weights scaled so each
/// neuron gets the full network's drive), runs on the RTL bit for bit like `sim`.
#[test]
fn reduced_b2_runs_bit_exact_on_the_rtl_chip() {
    #[cfg(not(has_verilator))]
    eprintln!("{}", testbench::RTL_SKIPPED);
    #[cfg(has_verilator)]
    {
        let b2 = network::cobahh::b2().unwrap();
        let net = network::cobahh::reduced(&b2, 1000);
        let config = ChipConfig::builtin("small").unwrap();
        let image = compiler::compile(&net, &config).unwrap().image;
        // 20 ms of B2's 1 s.
        let inputs = vec![Vec::new(); 800];
        let mut rtl = testbench::RtlChip::new();
        let report = testbench::chip_cosim::cosim(&mut rtl, &image, &inputs, 200, |_| {}).unwrap();
        if let Some(d) = &report.divergence {
            panic!("reduced B2: RTL and sim diverge at {d}");
        }
        eprintln!(
            "reduced B2: {} ticks, {} spikes, {} synaptic events, {} RTL clocks",
            report.ticks, report.spikes, report.synaptic_events, report.rtl_clocks
        );
        assert!(
            report.spikes > 100,
            "reduced B2 barely fired: {} spikes",
            report.spikes
        );
    }
}

/// Output spikes wait in each core's queue until the host reads them: undrained for many
/// ticks, the first core to fire once more than its queue holds (256 entries on the small
/// chip, as `CHIP_CAPACITY` reports) reports a lost spike, and its first 256 come out in
/// firing order; the other cores' queues hold all of theirs.
#[test]
fn output_spikes_queue_for_the_host_and_a_full_queue_is_reported() {
    #[cfg(not(has_verilator))]
    eprintln!("{}", testbench::RTL_SKIPPED);
    #[cfg(has_verilator)]
    {
        use hdl::chip_map::{self, address, UNIT_CHIP};
        let spec = RandomNetwork::default();
        let image = image(&spec);
        let load = chip_map::load(&image).unwrap();
        let mut model = sim::ChipModel::new(&image).unwrap();
        let mut rtl = testbench::RtlChip::new();
        rtl.load(&image).unwrap();
        let ticks = 100_000;
        let stimulus =
            Stimulus::poisson(spec.inputs, 20_000.0, ticks, image.config.timing.dt_ms, 3);
        let mut fired: Vec<Vec<u32>> = vec![Vec::new(); 4];
        // The output-spike queue's entries, as the chip reports them.
        let capacity = rtl
            .read(address(UNIT_CHIP, 0, chip_map::CHIP_CAPACITY))
            .unwrap();
        let depth = 1usize << (capacity >> 20 & 0xF);
        assert_eq!(
            depth,
            1 << hdl::memories::CoreMemories::of(&image.config).spike_queue_bits
        );
        for t in 0..ticks {
            // A tick as the host runs it, but without reading the spikes out.
            rtl.write(address(UNIT_CHIP, 0, chip_map::CHIP_RUN), 1);
            rtl.clock();
            let wait = |rtl: &mut testbench::RtlChip, until: &dyn Fn(u32) -> bool| {
                for _ in 0..1_000_000 {
                    if until(rtl.status()) {
                        return;
                    }
                }
                panic!("tick {t}: the chip did not settle in 10^6 status reads");
            };
            wait(&mut rtl, &|s| s & chip_map::STATUS_BUSY == 0);
            for &i in stimulus.at(t) {
                let w = load.inject(i);
                rtl.write(w.address, w.data);
            }
            wait(&mut rtl, &|s| s & chip_map::STATUS_IDLE != 0);
            for &(core, neuron) in model.tick(stimulus.at(t)) {
                fired[core as usize].push(neuron);
            }
            let lost = rtl.status() & chip_map::STATUS_SPIKES_LOST != 0;
            assert_eq!(lost, fired.iter().any(|f| f.len() > depth), "tick {t}");
            if lost {
                break;
            }
        }
        let full = fired
            .iter()
            .position(|f| f.len() > depth)
            .expect("no queue filled");
        for (core, expected) in fired.iter().enumerate() {
            let kept = expected.len().min(depth);
            assert_eq!(
                rtl.read_spikes(core as u32).unwrap(),
                expected[..kept],
                "core {core}"
            );
            assert!(rtl.read_spikes(core as u32).unwrap().is_empty());
        }
        eprintln!("core {full} filled its queue first");
        // The lost bit stays until the host clears it by writing it.
        let status_register = chip_map::address(chip_map::UNIT_CHIP, 0, chip_map::CHIP_STATUS);
        assert_ne!(rtl.status() & chip_map::STATUS_SPIKES_LOST, 0);
        rtl.write(status_register, chip_map::STATUS_OVERFLOW);
        assert_ne!(
            rtl.status() & chip_map::STATUS_SPIKES_LOST,
            0,
            "cleared by another bit"
        );
        rtl.write(status_register, chip_map::STATUS_SPIKES_LOST);
        assert_eq!(rtl.status() & chip_map::STATUS_STICKY, 0);
    }
}

/// A reset in the middle of a tick with packets in flight, by the bus
/// (`chip_map::CHIP_RESET`) or by the pin, stops the tick and empties the chip: afterwards
/// it reports idle with no tick counted and its output-spike queues are empty (a packet left
/// in a router FIFO keeps the network busy), and the image loaded again runs bit for bit like
/// a fresh `sim`.
#[test]
fn a_reset_by_bus_or_pin_stops_a_tick_and_leaves_nothing_in_flight() {
    #[cfg(not(has_verilator))]
    eprintln!("{}", testbench::RTL_SKIPPED);
    #[cfg(has_verilator)]
    {
        use hdl::chip_map::{self, address, UNIT_CHIP};
        // A hot spot keeps the mesh full for most of a tick.
        let spec = hot_spots(6);
        let image = image(&spec);
        let ticks = 120;
        let stimulus =
            Stimulus::poisson(spec.inputs, 20_000.0, ticks, image.config.timing.dt_ms, 6);
        let inputs: Vec<Vec<u32>> = (0..ticks).map(|t| stimulus.at(t).to_vec()).collect();
        for by_pin in [false, true] {
            let how = if by_pin { "the pin" } else { "the bus" };
            let mut rtl = testbench::RtlChip::new();
            rtl.load(&image).unwrap();
            let mut interrupted = None;
            for (t, i) in inputs.iter().enumerate().take(60) {
                rtl.tick(i).unwrap();
                // Start the next tick and catch it with the mesh backed up: an emission unit
                // waiting on a full router port (stalls counted) while the tick runs.
                rtl.write(address(UNIT_CHIP, 0, chip_map::CHIP_RUN), 1);
                for _ in 0..2000 {
                    let status = rtl.status();
                    let stalls = rtl
                        .read(address(UNIT_CHIP, 0, chip_map::CHIP_STALLS))
                        .unwrap();
                    if status & chip_map::STATUS_BUSY != 0 && stalls > 0 {
                        interrupted = Some(t);
                        break;
                    }
                }
                if interrupted.is_some() {
                    break;
                }
                while rtl.status() & chip_map::STATUS_BUSY != 0 {}
                for core in 0..4 {
                    rtl.read_spikes(core).unwrap();
                }
            }
            let t = interrupted.expect("no tick ever had packets in flight");
            if by_pin {
                rtl.reset_pin();
                let ticks_counted = rtl
                    .read(address(UNIT_CHIP, 0, chip_map::CHIP_TICKS))
                    .unwrap();
                assert_eq!(
                    (rtl.status(), ticks_counted),
                    (chip_map::STATUS_IDLE, 0),
                    "status and ticks after the pin reset"
                );
            } else {
                hdl::host::reset(&mut rtl).unwrap();
            }
            for core in 0..4 {
                assert!(
                    rtl.read_spikes(core).unwrap().is_empty(),
                    "core {core}'s spike queue survived the reset by {how}"
                );
            }
            eprintln!("reset by {how} during tick {}, the mesh backed up", t + 1);
            let report =
                testbench::chip_cosim::cosim(&mut rtl, &image, &inputs, 20, |_| {}).unwrap();
            if let Some(d) = &report.divergence {
                panic!("after the reset by {how}, RTL and sim diverge at {d}");
            }
            assert!(report.spikes > 0);
        }
    }
}

/// A compact core holds only its configuration's neurons: an image compiled for a chip of
/// the same mesh with bigger cores is refused by the shape it reports, not loaded to alias.
#[test]
fn the_compact_chip_refuses_an_image_for_bigger_cores() {
    if !testbench::rtl_available() {
        return;
    }
    let text =
        include_str!("../../chip/configs/ice40.toml").replace("neurons = 64", "neurons = 128");
    let config = ChipConfig::from_toml(&text, "ice40 with 128 neurons").unwrap();
    let spec = RandomNetwork {
        neurons: 100,
        inputs: 8,
        fanout: 5,
        input_fanout: 5,
        ..RandomNetwork::default()
    };
    let image = compiler::compile(&spec.build(), &config).unwrap().image;
    #[cfg(has_verilator)]
    {
        let mut rtl = testbench::RtlCompactChip::new();
        let expected =
            "the image is for 1 x 1 cores of 128 neurons, 4-packet FIFOs (chip 'ice40'); \
                        this RTL chip is 1 x 1 cores of 64 neurons, 4-packet FIFOs";
        let err = rtl.load(&image).unwrap_err();
        assert_eq!(err, expected);
        // The bus-only host driver (a board's) refuses it the same way.
        let err = hdl::host::load(&mut rtl, &image, &mut |_, _| {}).unwrap_err();
        assert!(
            err.contains("1 x 1 cores of 128 neurons") && err.contains("1 x 1 cores of 64 neurons"),
            "{err}"
        );
    }
    #[cfg(not(has_verilator))]
    let _ = image;
}

/// The same mesh and cores, but an image compiled for bigger network memories (more routes
/// and axons than `builtin:ice40` has): the host drivers read `CHIP_CAPACITY` and refuse it
/// whole rather than let its route table alias. The same image loads into a chip built for it.
#[test]
fn the_compact_chip_refuses_an_image_for_bigger_memories() {
    if !testbench::rtl_available() {
        return;
    }
    let text = include_str!("../../chip/configs/ice40.toml")
        .replace("routes = 128", "routes = 1024")
        .replace("axons = 256", "axons = 1024");
    let config = ChipConfig::from_toml(&text, "ice40 with 1,024 routes").unwrap();
    let spec = RandomNetwork {
        neurons: 60,
        inputs: 8,
        fanout: 5,
        input_fanout: 5,
        ..RandomNetwork::default()
    };
    let image = compiler::compile(&spec.build(), &config).unwrap().image;
    // chip_map::load itself takes it: it fits the memories of its own configuration.
    assert!(hdl::chip_map::load(&image).is_ok());
    #[cfg(has_verilator)]
    {
        let mut rtl = testbench::RtlCompactChip::new();
        let expected = "the image is for a chip with 2048 route entries, 1024 input slots, 1024 axons, 16384 synapses, a 2048-source emission queue and a 256-spike output queue per core (chip 'ice40'); \
                        this RTL chip has 256 route entries, 128 input slots, 256 axons, 16384 synapses, a 256-source emission queue and a 256-spike output queue per core";
        assert_eq!(rtl.load(&image).unwrap_err(), expected);
        let err = hdl::host::load(&mut rtl, &image, &mut |_, _| {}).unwrap_err();
        assert!(err.contains("the chip has 256 route entries"), "{err}");
    }
    #[cfg(not(has_verilator))]
    let _ = image;
}
