//! Per-step cost of the bit-accurate engine: one step of 10,000 squid neurons.

use channels::ChannelSet;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sim::{current_to_fixed, FixedEngine};

const N: usize = 10_000;

fn fixed_step(c: &mut Criterion) {
    let set = ChannelSet::builtin("hh_squid").unwrap();
    let engine = FixedEngine::new(&set, 0.025).unwrap();
    let mut pop = engine.population(N, -65.0, 0.0);
    for (k, i) in pop.i_ext.iter_mut().enumerate() {
        *i = current_to_fixed(5.0 + 10.0 * k as f64 / (N - 1) as f64);
    }
    for _ in 0..400 {
        engine.step(&mut pop);
    }
    let mut group = c.benchmark_group("fixed_step");
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function(BenchmarkId::new("hh_squid", N), |b| {
        b.iter(|| engine.step(&mut pop))
    });
    group.finish();
}

criterion_group!(benches, fixed_step);
criterion_main!(benches);
