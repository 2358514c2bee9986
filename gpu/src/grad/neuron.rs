//! One time step of a population, forward and backward (the adjoint), neuron by neuron.
//!
//! Forward, per neuron (the scheme of [`crate::kernel`], with per-neuron conductances):
//! `x' = inf(V) + (x - inf(V)) d(V)` per gate, `G = sum gbar_c open_c(x') + g_ext`,
//! `I = sum gbar_c open_c(x') E_c + i_ext`, `V' = I/G + (V - I/G) exp(-dt G / C)`.
//! Backward, given the adjoints of `V'` and `x'`, it returns those of `V`, `x`, `g_ext` and
//! `i_ext` and accumulates the conductances' gradients. `d inf / dV` and `d d / dV` come from
//! evaluating the rates in dual numbers; nothing of the forward pass is stored but the state.

// Index loops over several parallel arrays read better than zipped iterators here.
#![allow(clippy::needless_range_loop)]

use crate::dual::Dual;
use crate::grad::model::{Gates, NeuronModel, MAX_CHANNELS, MAX_GATES};
use crate::kernel::{crossed, membrane, relax};
use crate::real::Real;

/// Constants of a step.
#[derive(Clone, Debug)]
pub struct StepConsts<R> {
    pub neg_dt: R,
    pub neg_dt_over_c: R,
    pub threshold: R,
    pub reversal: [R; MAX_CHANNELS],
}

/// A forward step: advances `v` and `x` in place and flags threshold crossings.
pub struct Forward<'a, R> {
    pub v: &'a mut [R],
    /// Gate-major: gate `g` of neuron `i` at `g * n + i`.
    pub x: &'a mut [R],
    /// Channel-major, like `x`.
    pub conductance: &'a [R],
    pub g_ext: &'a [R],
    pub i_ext: &'a [R],
    pub crossed: &'a mut [u8],
}

/// A backward step. `lam_v` and `lam_x` hold the adjoints of the state after the step on
/// entry and of the state before it on return; `v` and `x` are the state before the step.
pub struct Backward<'a, R> {
    pub v: &'a [R],
    pub x: &'a [R],
    pub conductance: &'a [R],
    pub g_ext: &'a [R],
    pub i_ext: &'a [R],
    pub lam_v: &'a mut [R],
    pub lam_x: &'a mut [R],
    /// Written: the adjoints of this step's `g_ext` and `i_ext`.
    pub lam_g_ext: &'a mut [R],
    pub lam_i_ext: &'a mut [R],
    /// Accumulated: d loss / d conductance, per channel, per neuron.
    pub d_conductance: &'a mut [R],
}

#[inline(always)]
fn gather<R: Real>(x: &[R], n: usize, i: usize, gates: usize) -> Gates<R> {
    let mut out = [R::default(); MAX_GATES];
    for g in 0..gates {
        out[g] = x[g * n + i];
    }
    out
}

/// Channel conductance, exactly as the float engine's kernels compute it.
#[inline(always)]
fn channel_conductance<R: Real, M: NeuronModel>(
    m: &M,
    c: usize,
    gbar: R,
    x: &Gates<R>,
) -> (R, Option<R>) {
    match m.open(c, x) {
        None => (gbar, None),
        Some(open) => (gbar * open, Some(open)),
    }
}

#[inline(always)]
pub fn forward<R: Real, M: NeuronModel>(m: &M, k: &StepConsts<R>, a: Forward<'_, R>) {
    let n = a.v.len();
    let (ng, nc) = (m.gates(), m.channels());
    for i in 0..n {
        let v_old = a.v[i];
        let mut x = gather(a.x, n, i, ng);
        let (mut inf, mut decay) = ([R::default(); MAX_GATES], [R::default(); MAX_GATES]);
        m.rates(v_old, k.neg_dt, &mut inf, &mut decay);
        for g in 0..ng {
            x[g] = relax(x[g], inf[g], decay[g]);
            a.x[g * n + i] = x[g];
        }
        let (mut g_total, mut i_chan) = (R::default(), R::default());
        for c in 0..nc {
            let (gc, _) = channel_conductance(m, c, a.conductance[c * n + i], &x);
            if c == 0 {
                (g_total, i_chan) = (gc, gc * k.reversal[0]);
            } else {
                (g_total, i_chan) = (g_total + gc, i_chan + gc * k.reversal[c]);
            }
        }
        let v_new = membrane(
            v_old,
            g_total + a.g_ext[i],
            i_chan + a.i_ext[i],
            k.neg_dt_over_c,
        );
        a.crossed[i] = crossed(v_old, v_new, k.threshold) as u8;
        a.v[i] = v_new;
    }
}

#[inline(always)]
pub fn backward<R: Real, M: NeuronModel>(m: &M, k: &StepConsts<R>, a: Backward<'_, R>) {
    let n = a.v.len();
    let (ng, nc) = (m.gates(), m.channels());
    let one = R::from_f64(1.0);
    for i in 0..n {
        let v = a.v[i];
        let x = gather(a.x, n, i, ng);
        let (mut inf, mut decay) = ([Dual::default(); MAX_GATES], [Dual::default(); MAX_GATES]);
        m.rates(
            Dual::variable(v),
            Dual::new(k.neg_dt, R::default()),
            &mut inf,
            &mut decay,
        );
        let mut x_new = x;
        for g in 0..ng {
            x_new[g] = relax(x[g], inf[g].re, decay[g].re);
        }
        let mut open = [None; MAX_CHANNELS];
        let (mut g_total, mut i_chan) = (R::default(), R::default());
        for c in 0..nc {
            let (gc, o) = channel_conductance(m, c, a.conductance[c * n + i], &x_new);
            open[c] = o;
            if c == 0 {
                (g_total, i_chan) = (gc, gc * k.reversal[0]);
            } else {
                (g_total, i_chan) = (g_total + gc, i_chan + gc * k.reversal[c]);
            }
        }
        let g = g_total + a.g_ext[i];
        let v_inf = (i_chan + a.i_ext[i]) / g;
        let decay_v = R::exp(g * k.neg_dt_over_c);
        let lam_v_new = a.lam_v[i];
        // V' = v_inf + (V - v_inf) e, v_inf = I / G, e = exp(-dt G / C).
        let lam_i = lam_v_new * (one - decay_v) / g;
        let lam_g =
            lam_v_new * ((one - decay_v) * (-v_inf / g) + (v - v_inf) * k.neg_dt_over_c * decay_v);
        let mut lam_v = lam_v_new * decay_v;
        let mut lam_x_new = gather(a.lam_x, n, i, ng);
        for c in 0..nc {
            let lam_gc = lam_g + lam_i * k.reversal[c];
            let gbar = a.conductance[c * n + i];
            match open[c] {
                None => a.d_conductance[c * n + i] = a.d_conductance[c * n + i] + lam_gc,
                Some(o) => {
                    a.d_conductance[c * n + i] = a.d_conductance[c * n + i] + lam_gc * o;
                    m.open_adjoint(c, &x_new, lam_gc * gbar, &mut lam_x_new);
                }
            }
        }
        // x' = inf + (x - inf) d, both functions of V.
        for g in 0..ng {
            let l = lam_x_new[g];
            a.lam_x[g * n + i] = l * decay[g].re;
            lam_v =
                lam_v + l * (one - decay[g].re) * inf[g].du + l * (x[g] - inf[g].re) * decay[g].du;
        }
        a.lam_v[i] = lam_v;
        a.lam_g_ext[i] = lam_g;
        a.lam_i_ext[i] = lam_i;
    }
}
