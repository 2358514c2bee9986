//! Per-step cost of the float kernels: one step of 10,000 squid neurons (B1's population).

use channels::ChannelSet;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gpu::{FloatEngine, Real};

const N: usize = 10_000;

fn bench_engine<R: Real>(c: &mut Criterion, label: &str, engine: FloatEngine<R>) {
    let mut pop = engine.population(N, -65.0, 0.0);
    for (k, i) in pop.i_ext.iter_mut().enumerate() {
        *i = R::from_f64(5.0 + 10.0 * k as f64 / (N - 1) as f64);
    }
    // Warm into the firing regime so the rates see realistic voltages.
    for _ in 0..400 {
        engine.step(&mut pop);
    }
    let mut group = c.benchmark_group("float_step");
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function(BenchmarkId::new(label, N), |b| {
        b.iter(|| engine.step(&mut pop))
    });
    group.finish();
}

fn float_step(c: &mut Criterion) {
    let set = ChannelSet::builtin("hh_squid").unwrap();
    bench_engine(
        c,
        "compiled_f32",
        FloatEngine::<f32>::new(&set, 0.025).unwrap(),
    );
    bench_engine(
        c,
        "compiled_f64",
        FloatEngine::<f64>::new(&set, 0.025).unwrap(),
    );
    bench_engine(
        c,
        "interpreted_f32",
        FloatEngine::<f32>::interpreted(&set, 0.025).unwrap(),
    );
    bench_engine(
        c,
        "interpreted_f64",
        FloatEngine::<f64>::interpreted(&set, 0.025).unwrap(),
    );
}

criterion_group!(benches, float_step);
criterion_main!(benches);
