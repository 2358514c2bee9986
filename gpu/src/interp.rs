//! The interpreted kernel: runs any validated channel set.
//!
//! Rate expressions become a flat list of operations over registers of `CHUNK` lanes; each
//! operation runs over a whole chunk of neurons, so dispatch costs are shared by 64 neurons
//! and each inner loop vectorizes. The operations and their order are exactly those of the
//! generated Rust (see `build.rs`), so both kernels produce identical bits.

use channels::expr::{BinOp, Expr, Func};
use channels::{ChannelSet, Kinetics};
use multiversion::multiversion;

use crate::kernel::{
    alpha_beta_to_inf_decay, crossed, inf_tau_to_inf_decay, membrane, relax, StepParams,
};
use crate::real::Real;

/// Neurons per interpreter pass.
pub const CHUNK: usize = 64;

#[derive(Clone, Debug)]
enum Op {
    Const(f64),
    V,
    Neg(usize),
    Bin(BinOp, usize, usize),
    Powi(usize, i32),
    Call1(Func, usize),
    Call2(Func, usize, usize),
}

/// A channel set flattened for the interpreter.
#[derive(Clone, Debug)]
pub struct Program {
    ops: Vec<Op>,
    /// Per gate: whether it is alpha/beta (else inf/tau) and the registers of its two rates.
    gates: Vec<(bool, usize, usize)>,
    /// Per channel: its factors (gate, power); empty for a leak.
    channels: Vec<Vec<(usize, i32)>>,
}

pub type InterpFn<R> =
    fn(&Program, &StepParams<'_, R>, &mut [R], &mut [Vec<R>], &[R], &[R], &mut [u32]);

impl Program {
    pub fn new(set: &ChannelSet) -> Program {
        let mut ops = vec![Op::V];
        let mut gates = Vec::new();
        for gate in &set.gates {
            let (ab, (a, b)) = match &gate.kinetics {
                Kinetics::AlphaBeta { alpha, beta } => (true, (alpha, beta)),
                Kinetics::InfTau { inf, tau } => (false, (inf, tau)),
            };
            let ra = emit(&mut ops, a);
            let rb = emit(&mut ops, b);
            gates.push((ab, ra, rb));
        }
        let channels = set
            .channels
            .iter()
            .map(|c| c.factors.iter().map(|f| (f.gate, f.power as i32)).collect())
            .collect();
        Program {
            ops,
            gates,
            channels,
        }
    }
}

fn emit(ops: &mut Vec<Op>, e: &Expr) -> usize {
    let op = match e {
        Expr::Num(c) => Op::Const(*c),
        Expr::V => return 0,
        Expr::Neg(a) => Op::Neg(emit(ops, a)),
        Expr::Bin(op, a, b) => {
            let ra = emit(ops, a);
            let rb = emit(ops, b);
            Op::Bin(*op, ra, rb)
        }
        Expr::Powi(a, n) => Op::Powi(emit(ops, a), *n),
        Expr::Call(f, args) => {
            let regs: Vec<usize> = args.iter().map(|a| emit(ops, a)).collect();
            match regs[..] {
                [a] => Op::Call1(*f, a),
                [a, b] => Op::Call2(*f, a, b),
                _ => unreachable!("functions take one or two arguments"),
            }
        }
    };
    ops.push(op);
    ops.len() - 1
}

#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx2+fma", "x86_64+avx2+fma"))]
pub fn step_interpreted_f32<'p>(
    prog: &Program,
    p: &StepParams<'p, f32>,
    v: &mut [f32],
    gates: &mut [Vec<f32>],
    i_ext: &[f32],
    g_ext: &[f32],
    spikes: &mut [u32],
) {
    step_interpreted(prog, p, v, gates, i_ext, g_ext, spikes)
}

#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx2+fma", "x86_64+avx2+fma"))]
pub fn step_interpreted_f64<'p>(
    prog: &Program,
    p: &StepParams<'p, f64>,
    v: &mut [f64],
    gates: &mut [Vec<f64>],
    i_ext: &[f64],
    g_ext: &[f64],
    spikes: &mut [u32],
) {
    step_interpreted(prog, p, v, gates, i_ext, g_ext, spikes)
}

/// Any other [`Real`] (dual numbers): the same operations, without target dispatch.
pub fn step_interpreted_generic<R: Real>(
    prog: &Program,
    p: &StepParams<'_, R>,
    v: &mut [R],
    gates: &mut [Vec<R>],
    i_ext: &[R],
    g_ext: &[R],
    spikes: &mut [u32],
) {
    step_interpreted(prog, p, v, gates, i_ext, g_ext, spikes)
}

#[inline(always)]
fn step_interpreted<R: Real>(
    prog: &Program,
    p: &StepParams<'_, R>,
    v: &mut [R],
    gates: &mut [Vec<R>],
    i_ext: &[R],
    g_ext: &[R],
    spikes: &mut [u32],
) {
    let n = v.len();
    let mut regs = vec![[R::default(); CHUNK]; prog.ops.len()];
    let mut open = [R::default(); CHUNK];
    let mut g_total = [R::default(); CHUNK];
    let mut i_chan = [R::default(); CHUNK];
    for start in (0..n).step_by(CHUNK) {
        let len = CHUNK.min(n - start);
        regs[0][..len].copy_from_slice(&v[start..start + len]);
        run_ops(&prog.ops, &mut regs, len);
        for (g, &(ab, ra, rb)) in prog.gates.iter().enumerate() {
            let x = &mut gates[g][start..start + len];
            for l in 0..len {
                let (inf, decay) = if ab {
                    alpha_beta_to_inf_decay(regs[ra][l], regs[rb][l], p.neg_dt)
                } else {
                    inf_tau_to_inf_decay(regs[ra][l], regs[rb][l], p.neg_dt)
                };
                x[l] = relax(x[l], inf, decay);
            }
        }
        for (c, factors) in prog.channels.iter().enumerate() {
            let (gbar, e) = (p.conductance[c], p.reversal[c]);
            match factors.split_first() {
                None => {}
                Some((&(g0, p0), rest)) => {
                    let x0 = &gates[g0][start..start + len];
                    for l in 0..len {
                        open[l] = R::powi(x0[l], p0);
                    }
                    for &(g, pw) in rest {
                        let x = &gates[g][start..start + len];
                        for l in 0..len {
                            open[l] = open[l] * R::powi(x[l], pw);
                        }
                    }
                }
            }
            for l in 0..len {
                // A leak's conductance is gbar itself (no multiplication by 1), as compiled.
                let gc = if factors.is_empty() {
                    gbar
                } else {
                    gbar * open[l]
                };
                if c == 0 {
                    g_total[l] = gc;
                    i_chan[l] = gc * e;
                } else {
                    g_total[l] = g_total[l] + gc;
                    i_chan[l] = i_chan[l] + gc * e;
                }
            }
        }
        let (vs, ie, ge, sp) = (
            &mut v[start..start + len],
            &i_ext[start..start + len],
            &g_ext[start..start + len],
            &mut spikes[start..start + len],
        );
        for l in 0..len {
            let v_old = vs[l];
            let v_new = membrane(
                v_old,
                g_total[l] + ge[l],
                i_chan[l] + ie[l],
                p.neg_dt_over_c,
            );
            sp[l] += crossed(v_old, v_new, p.threshold);
            vs[l] = v_new;
        }
    }
}

#[inline(always)]
fn run_ops<R: Real>(ops: &[Op], regs: &mut [[R; CHUNK]], len: usize) {
    for (k, op) in ops.iter().enumerate().skip(1) {
        let (ins, outs) = regs.split_at_mut(k);
        let out = &mut outs[0][..len];
        macro_rules! lanes {
            (|$a:ident| $body:expr, $ra:expr) => {{
                let xa = &ins[$ra][..len];
                for (o, &$a) in out.iter_mut().zip(xa) {
                    *o = $body;
                }
            }};
            (|$a:ident, $b:ident| $body:expr, $ra:expr, $rb:expr) => {{
                let (xa, xb) = (&ins[$ra][..len], &ins[$rb][..len]);
                for ((o, &$a), &$b) in out.iter_mut().zip(xa).zip(xb) {
                    *o = $body;
                }
            }};
        }
        match *op {
            Op::V => unreachable!("register 0 holds V"),
            Op::Const(c) => out.fill(R::from_f64(c)),
            Op::Neg(a) => lanes!(|x| -x, a),
            Op::Bin(BinOp::Add, a, b) => lanes!(|x, y| x + y, a, b),
            Op::Bin(BinOp::Sub, a, b) => lanes!(|x, y| x - y, a, b),
            Op::Bin(BinOp::Mul, a, b) => lanes!(|x, y| x * y, a, b),
            Op::Bin(BinOp::Div, a, b) => lanes!(|x, y| x / y, a, b),
            Op::Powi(a, n) => lanes!(|x| R::powi(x, n), a),
            Op::Call1(f, a) => match f {
                Func::Exp => lanes!(|x| R::exp(x), a),
                Func::Sqrt => lanes!(|x| R::sqrt(x), a),
                Func::Abs => lanes!(|x| R::abs(x), a),
                Func::Tanh => lanes!(|x| R::tanh(x), a),
                Func::Exprel => lanes!(|x| R::exprel(x), a),
                _ => unreachable!("{} takes two arguments", f.name()),
            },
            Op::Call2(f, a, b) => match f {
                Func::Vtrap => lanes!(|x, y| R::vtrap(x, y), a, b),
                Func::Min => lanes!(|x, y| R::min(x, y), a, b),
                Func::Max => lanes!(|x, y| R::max(x, y), a, b),
                _ => unreachable!("{} takes one argument", f.name()),
            },
        }
    }
}
