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
}

#[cfg(not(has_verilator))]
fn rtl_step(_: &mut Criterion) {
    eprintln!("{}", testbench::RTL_SKIPPED);
}

criterion_group!(benches, rtl_step);
criterion_main!(benches);
