use neurofuse::{bench, neuron::{Engine, Precision}};
fn main() {
    for e in [Engine::Float(Precision::F32), Engine::Float(Precision::F64), Engine::Fixed] {
        let r = bench::run_b1(bench::B1::default(), e).unwrap();
        println!("{}", r.to_json());
    }
}
