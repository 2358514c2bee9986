//! The per-neuron arithmetic shared by the compiled and the interpreted kernels.
//!
//! Integration scheme (one step of `dt`):
//! 1. every gate relaxes exponentially toward its steady state at the old potential:
//!    `x' = x_inf(V) + (x - x_inf(V)) * exp(-dt / tau(V))` (exact for frozen V);
//! 2. the membrane is then integrated by exponential Euler with the new gates, i.e. exactly
//!    for frozen conductances: `V' = V_inf + (V - V_inf) * exp(-dt * G / C)` with
//!    `G = sum g_c * open_c` and `V_inf = (sum g_c * open_c * E_c + I) / G`.
//!
//! Using the new gates in step 2 staggers gates and voltage by half a step, the same idea as
//! NEURON's fixed-step scheme; it is stable for any dt and is the update the chip implements.

use crate::real::Real;

/// Run-time parameters of one step; conductances and reversal potentials per channel.
#[derive(Clone, Debug)]
pub struct StepParams<'a, R> {
    pub neg_dt: R,
    pub neg_dt_over_c: R,
    pub threshold: R,
    pub conductance: &'a [R],
    pub reversal: &'a [R],
}

/// A kernel advances every neuron of a population by one step:
/// `(params, v, gates (one vector per gate), i_ext, g_ext, spike counters)`.
pub type StepFn<R> = fn(&StepParams<'_, R>, &mut [R], &mut [Vec<R>], &[R], &[R], &mut [u32]);

#[inline(always)]
pub fn alpha_beta_to_inf_decay<R: Real>(alpha: R, beta: R, neg_dt: R) -> (R, R) {
    let rate = alpha + beta;
    (alpha / rate, R::exp(neg_dt * rate))
}

#[inline(always)]
pub fn inf_tau_to_inf_decay<R: Real>(inf: R, tau: R, neg_dt: R) -> (R, R) {
    (inf, R::exp(neg_dt / tau))
}

#[inline(always)]
pub fn relax<R: Real>(x: R, inf: R, decay: R) -> R {
    R::mul_add(x - inf, decay, inf)
}

#[inline(always)]
pub fn membrane<R: Real>(v: R, g_total: R, i_total: R, neg_dt_over_c: R) -> R {
    let v_inf = i_total / g_total;
    R::mul_add(v - v_inf, R::exp(g_total * neg_dt_over_c), v_inf)
}

/// 1 when the potential crosses `threshold` upward during this step.
#[inline(always)]
pub fn crossed<R: Real>(v_old: R, v_new: R, threshold: R) -> u32 {
    u32::from((v_old < threshold) & (v_new >= threshold))
}
