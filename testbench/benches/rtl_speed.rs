//! RTL simulation speed under Verilator: one time step of a full core (1024 squid-axon
//! neurons, tracing off). Criterion reports clock cycles per second (`cycles`) and
//! neuron-updates per second (`neuron-updates`).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[cfg(has_verilator)]
fn rtl_step(c: &mut Criterion) {
    use hdl::map::{CoreImage, MAX_NEURONS};
    use sim::{current_to_fixed, FixedEngine};

    let set = channels::ChannelSet::builtin("hh_squid").unwrap();
    let engine = FixedEngine::new(&set, 0.025).unwrap();
    let mut pop = engine.population(MAX_NEURONS, -65.0, 0.0);
    for (i, c) in pop.i_ext.iter_mut().enumerate() {
        *c = current_to_fixed(5.0 + 10.0 * i as f64 / MAX_NEURONS as f64);
    }
    let mut rtl = testbench::RtlCore::new();
    rtl.load_image(&CoreImage::new(&engine, &pop).unwrap());
    let cycles = rtl.step().cycles;
    let mut group = c.benchmark_group("rtl_core_step_1024_neurons");
    group.throughput(Throughput::Elements(cycles));
    group.bench_function("cycles", |b| b.iter(|| rtl.step()));
    group.throughput(Throughput::Elements(MAX_NEURONS as u64));
    group.bench_function("neuron-updates", |b| b.iter(|| rtl.step()));
    group.finish();

    // The model alone: clocks with no host-side work between them (the core idles).
    let mut group = c.benchmark_group("rtl_core_idle_clocks");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("cycles", |b| {
        b.iter(|| {
            for _ in 0..1000 {
                rtl.tick()
            }
        })
    });
    group.finish();
    rtl_chip(c);
}

/// The 2 x 2 chip (builtin:small) running B2 reduced to 1,000 neurons: clocks per second
/// over whole ticks (their clock count measured on the same ticks), and idle clocks.
#[cfg(has_verilator)]
fn rtl_chip(c: &mut Criterion) {
    let b2 = network::cobahh::b2().unwrap();
    let net = network::cobahh::reduced(&b2, 1000);
    let config = chip::ChipConfig::builtin("small").unwrap();
    let image = compiler::compile(&net, &config).unwrap().image;
    let mut rtl = testbench::RtlChip::new();
    rtl.load(&image).unwrap();
    let mut group = c.benchmark_group("rtl_chip_2x2_b2_reduced");
    group.bench_function("ticks", |b| {
        b.iter_custom(|iterations| {
            let start = std::time::Instant::now();
            for _ in 0..iterations {
                rtl.tick(&[]).unwrap();
            }
            start.elapsed()
        })
    });
    group.finish();
    let clocks = rtl.cycles();
    let start = std::time::Instant::now();
    for _ in 0..200 {
        rtl.tick(&[]).unwrap();
    }
    let per_s = (rtl.cycles() - clocks) as f64 / start.elapsed().as_secs_f64();
    eprintln!("rtl_chip_2x2_b2_reduced: {per_s:.3e} clocks/s over 200 ticks");
    let mut group = c.benchmark_group("rtl_chip_2x2_idle_clocks");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("cycles", |b| {
        b.iter(|| {
            for _ in 0..1000 {
                rtl.clock()
            }
        })
    });
    group.finish();
}

#[cfg(not(has_verilator))]
fn rtl_step(_: &mut Criterion) {
    eprintln!("{}", testbench::RTL_SKIPPED);
}

criterion_group!(benches, rtl_step);
criterion_main!(benches);
