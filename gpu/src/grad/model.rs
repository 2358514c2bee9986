//! What the gradient kernels need to know about a channel set, as a trait: the gate rates
//! (evaluated in any [`Real`], so also in dual numbers for their derivative in `V`) and the
//! channels' open probabilities with their partial derivatives.
//!
//! `build.rs` implements it for each built-in channel set with straight-line code (so the
//! per-neuron loops unroll and vectorize); [`InterpretedModel`] implements it for any set by
//! walking the expression trees, in the same operation order (so both give the same bits).

use channels::expr::{BinOp, Expr, Func};
use channels::{ChannelSet, Kinetics};

use crate::kernel::{alpha_beta_to_inf_decay, inf_tau_to_inf_decay};
use crate::real::Real;

/// Gates and channels the per-neuron arrays hold.
pub const MAX_GATES: usize = 8;
pub const MAX_CHANNELS: usize = 8;

pub type Gates<R> = [R; MAX_GATES];

pub trait NeuronModel: Sync {
    fn gates(&self) -> usize;
    fn channels(&self) -> usize;
    /// Steady state and one-step decay of every gate at `v`.
    fn rates<R: Real>(&self, v: R, neg_dt: R, inf: &mut Gates<R>, decay: &mut Gates<R>);
    /// Open probability of channel `c` from the gates, `None` for a leak (no gates).
    fn open<R: Real>(&self, c: usize, x: &Gates<R>) -> Option<R>;
    /// Adds `weight * d open_c / d x_g` to `dx[g]` for every gate of channel `c`.
    fn open_adjoint<R: Real>(&self, c: usize, x: &Gates<R>, weight: R, dx: &mut Gates<R>);
}

/// Any valid channel set, by walking its expression trees.
#[derive(Clone, Debug)]
pub struct InterpretedModel {
    gates: Vec<(bool, Expr, Expr)>,
    factors: Vec<Vec<(usize, i32)>>,
}

impl InterpretedModel {
    /// `None` if the set has more gates or channels than the kernels' arrays hold.
    pub fn new(set: &ChannelSet) -> Option<Self> {
        if set.gates.len() > MAX_GATES || set.channels.len() > MAX_CHANNELS {
            return None;
        }
        Some(InterpretedModel {
            gates: set
                .gates
                .iter()
                .map(|g| match &g.kinetics {
                    Kinetics::AlphaBeta { alpha, beta } => (true, alpha.clone(), beta.clone()),
                    Kinetics::InfTau { inf, tau } => (false, inf.clone(), tau.clone()),
                })
                .collect(),
            factors: set
                .channels
                .iter()
                .map(|c| c.factors.iter().map(|f| (f.gate, f.power as i32)).collect())
                .collect(),
        })
    }
}

/// The value of `e` at `v`, with exactly the operations of `Expr::to_rust`.
pub fn eval<R: Real>(e: &Expr, v: R) -> R {
    match e {
        Expr::Num(c) => R::from_f64(*c),
        Expr::V => v,
        Expr::Neg(a) => -eval(a, v),
        Expr::Bin(op, a, b) => {
            let (a, b) = (eval(a, v), eval(b, v));
            match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
            }
        }
        Expr::Powi(a, n) => R::powi(eval(a, v), *n),
        Expr::Call(f, args) => {
            let a = eval(&args[0], v);
            match f {
                Func::Exp => R::exp(a),
                Func::Sqrt => R::sqrt(a),
                Func::Abs => R::abs(a),
                Func::Tanh => R::tanh(a),
                Func::Exprel => R::exprel(a),
                Func::Vtrap => R::vtrap(a, eval(&args[1], v)),
                Func::Min => R::min(a, eval(&args[1], v)),
                Func::Max => R::max(a, eval(&args[1], v)),
            }
        }
    }
}

impl NeuronModel for InterpretedModel {
    fn gates(&self) -> usize {
        self.gates.len()
    }

    fn channels(&self) -> usize {
        self.factors.len()
    }

    fn rates<R: Real>(&self, v: R, neg_dt: R, inf: &mut Gates<R>, decay: &mut Gates<R>) {
        for (g, (ab, a, b)) in self.gates.iter().enumerate() {
            let (a, b) = (eval(a, v), eval(b, v));
            (inf[g], decay[g]) = if *ab {
                alpha_beta_to_inf_decay(a, b, neg_dt)
            } else {
                inf_tau_to_inf_decay(a, b, neg_dt)
            };
        }
    }

    fn open<R: Real>(&self, c: usize, x: &Gates<R>) -> Option<R> {
        let (&(g0, p0), rest) = self.factors[c].split_first()?;
        let mut open = R::powi(x[g0], p0);
        for &(g, p) in rest {
            open = open * R::powi(x[g], p);
        }
        Some(open)
    }

    fn open_adjoint<R: Real>(&self, c: usize, x: &Gates<R>, weight: R, dx: &mut Gates<R>) {
        let factors = &self.factors[c];
        for (f, &(g, p)) in factors.iter().enumerate() {
            let mut d = weight * R::from_f64(f64::from(p)) * R::powi(x[g], p - 1);
            for (o, &(go, po)) in factors.iter().enumerate() {
                if o != f {
                    d = d * R::powi(x[go], po);
                }
            }
            dx[g] = dx[g] + d;
        }
    }
}
