//! Test populations shared by the kernel tests (CPU kernels, CUDA kernels).

use gpu::{FloatEngine, Population, Real};

/// A population spread over states and inputs, so every branch of the rates is exercised.
pub fn varied<R: Real>(engine: &FloatEngine<R>, n: usize) -> Population<R> {
    let mut pop = engine.population(n, -65.0, 0.0);
    for k in 0..n {
        let u = k as f64 / n as f64;
        pop.v[k] = R::from_f64(-90.0 + 130.0 * u);
        pop.i_ext[k] = R::from_f64(-5.0 + 40.0 * ((k * 7919) % n) as f64 / n as f64);
        pop.g_ext[k] = R::from_f64(((k * 31) % 17) as f64 * 0.1);
        for (g, gate) in pop.gates.iter_mut().enumerate() {
            gate[k] = R::from_f64(((k * (g + 3) * 104_729) % 1000) as f64 / 1000.0);
        }
    }
    // Exactly the singular points of vtrap/exprel in the squid and Traub-Miles rates.
    for (k, v) in [-40.0, -55.0, -50.0, -23.0, -48.0].into_iter().enumerate() {
        pop.v[k] = R::from_f64(v);
    }
    pop
}
