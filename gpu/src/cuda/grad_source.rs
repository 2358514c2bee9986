//! CUDA C++ for the gradient engine's neuron steps (`grad::neuron::forward` and `backward`),
//! with exactly their operations in their order.
//!
//! The gate rates are generated once per channel set and float type as a template over the
//! number type `T`, instantiated for the float (forward step) and for `nf_dual<float>` /
//! `nf_dual<double>` (backward step, for `d inf / dV` and `d decay / dV`). `nf_dual` is
//! `gpu/src/dual.rs` transcribed: the same formulas for `+ - * /`, `exp`, `sqrt`, `abs`,
//! `min`, `max`, and `exprel`, `vtrap`, `tanh`, `powi` composed from them as `Real`'s default
//! methods compose them for `Dual`. Constants are duals with derivative 0, as
//! `Dual::from_f64` makes them, and take part in every product like any other dual.
//!
//! Arrays are flat like the Rust steps': gate `g` of neuron `i` at `x[g * n + i]`, channel `c`'s
//! conductance at `conductance[c * n + i]`.

use std::fmt::Write as _;

use channels::{ChannelSet, Kinetics};

use super::source::{expr_to_c_generic, FloatTy};

/// Kernel names per float type.
impl FloatTy {
    /// `grad::neuron::forward`: advances `v`, `x`, writes `crossed`.
    pub fn grad_forward_kernel(self) -> &'static str {
        match self {
            FloatTy::F32 => "nf_grad_forward_f32",
            FloatTy::F64 => "nf_grad_forward_f64",
        }
    }

    /// `grad::neuron::backward`: the adjoint of one step.
    pub fn grad_backward_kernel(self) -> &'static str {
        match self {
            FloatTy::F32 => "nf_grad_backward_f32",
            FloatTy::F64 => "nf_grad_backward_f64",
        }
    }
}

/// Dual numbers (after the math of both float types, which their functions call). The
/// constants of `exprel` and `vtrap` are `R::from_f64` of the same f64 values as `real.rs`'s.
pub(super) fn dual() -> String {
    let lit = |x: f64| FloatTy::F64.literal(x);
    DUAL.replace("{C2}", &lit(0.5))
        .replace("{C6}", &lit(1.0 / 6.0))
        .replace("{C24}", &lit(1.0 / 24.0))
        .replace("{C120}", &lit(1.0 / 120.0))
        .replace("{C720}", &lit(1.0 / 720.0))
        .replace("{C12}", &lit(1.0 / 12.0))
        .replace("{C30240}", &lit(1.0 / 30240.0))
}

const DUAL: &str = r#"
// ---- dual numbers: gpu/src/dual.rs ----
#ifdef __CUDACC__
#define NF_MEMBER __device__ __forceinline__
#else
#define NF_MEMBER inline
#endif
template <typename R> struct nf_dual {
    R re, du;
    nf_dual() = default;
    NF_MEMBER explicit nf_dual(R value) : re(value), du(R(0)) {}
    NF_MEMBER nf_dual(R value, R derivative) : re(value), du(derivative) {}
};
template <typename R> NF_DEVICE nf_dual<R> operator+(nf_dual<R> a, nf_dual<R> b) { return nf_dual<R>(a.re + b.re, a.du + b.du); }
template <typename R> NF_DEVICE nf_dual<R> operator-(nf_dual<R> a, nf_dual<R> b) { return nf_dual<R>(a.re - b.re, a.du - b.du); }
template <typename R> NF_DEVICE nf_dual<R> operator*(nf_dual<R> a, nf_dual<R> b) { return nf_dual<R>(a.re * b.re, a.du * b.re + a.re * b.du); }
template <typename R> NF_DEVICE nf_dual<R> operator/(nf_dual<R> a, nf_dual<R> b) {
    const R q = a.re / b.re;
    return nf_dual<R>(q, (a.du - q * b.du) / b.re);
}
template <typename R> NF_DEVICE nf_dual<R> operator-(nf_dual<R> a) { return nf_dual<R>(-a.re, -a.du); }
template <typename R> NF_DEVICE bool operator<(nf_dual<R> a, nf_dual<R> b) { return a.re < b.re; }
template <typename R> NF_DEVICE nf_dual<R> nf_exp(nf_dual<R> x) {
    const R e = nf_exp(x.re);
    return nf_dual<R>(e, x.du * e);
}
template <typename R> NF_DEVICE nf_dual<R> nf_fma(nf_dual<R> a, nf_dual<R> b, nf_dual<R> c) {
    return nf_dual<R>(nf_fma(a.re, b.re, c.re), a.du * b.re + a.re * b.du + c.du);
}
template <typename R> NF_DEVICE nf_dual<R> nf_sqrt(nf_dual<R> x) {
    const R s = nf_sqrt(x.re);
    return nf_dual<R>(s, x.du / (s + s));
}
template <typename R> NF_DEVICE nf_dual<R> nf_abs(nf_dual<R> x) { return x.re < R(0) ? -x : x; }
template <typename R> NF_DEVICE nf_dual<R> nf_min(nf_dual<R> a, nf_dual<R> b) { return b.re < a.re ? b : a; }
template <typename R> NF_DEVICE nf_dual<R> nf_max(nf_dual<R> a, nf_dual<R> b) { return a.re < b.re ? b : a; }
template <typename R> NF_DEVICE nf_dual<R> nf_exprel(nf_dual<R> x) {
    typedef nf_dual<R> D;
    const D one = D(R(1.0));
    const D direct = (nf_exp(x) - one) / x;
    const D series = one + x * (D(R({C2})) + x * (D(R({C6})) + x * (D(R({C24})) + x * (D(R({C120})) + x * D(R({C720}))))));
    return nf_abs(x) < D(nf_exprel_switch(R(0))) ? series : direct;
}
template <typename R> NF_DEVICE nf_dual<R> nf_vtrap(nf_dual<R> x, nf_dual<R> y) {
    typedef nf_dual<R> D;
    const D one = D(R(1.0));
    const D u = x * (one / y);
    const D direct = x / (nf_exp(u) - one);
    const D u2 = u * u;
    const D series = y * (one - D(R({C2})) * u + u2 * (D(R({C12})) - u2 * (D(R({C720})) - u2 * D(R({C30240})))));
    return nf_abs(u) < D(nf_exprel_switch(R(0))) ? series : direct;
}
template <typename R> NF_DEVICE nf_dual<R> nf_tanh(nf_dual<R> x) {
    typedef nf_dual<R> D;
    const D one = D(R(1.0));
    return one - D(R(2.0)) / (nf_exp(x + x) + one);
}
template <typename R> NF_DEVICE nf_dual<R> nf_powi(nf_dual<R> x, int n) {
    typedef nf_dual<R> D;
    const D one = D(R(1.0));
    if (n == 0) return one;
    D acc = x;
    for (int k = 1; k < (n < 0 ? -n : n); ++k) acc = acc * x;
    return n < 0 ? one / acc : acc;
}
template <typename R> NF_DEVICE void nf_alpha_beta_to_inf_decay(nf_dual<R> alpha, nf_dual<R> beta, nf_dual<R> neg_dt, nf_dual<R>* inf, nf_dual<R>* decay) {
    const nf_dual<R> rate = alpha + beta;
    *inf = alpha / rate;
    *decay = nf_exp(neg_dt * rate);
}
template <typename R> NF_DEVICE void nf_inf_tau_to_inf_decay(nf_dual<R> inf_in, nf_dual<R> tau, nf_dual<R> neg_dt, nf_dual<R>* inf, nf_dual<R>* decay) {
    *inf = inf_in;
    *decay = nf_exp(neg_dt / tau);
}
"#;

/// The rates template, the forward and the backward kernel of `set` for `ty`.
pub(super) fn grad_kernels(set: &ChannelSet, ty: FloatTy) -> String {
    let mut s = format!("\n// ---- gradient engine, {} ----\n", ty.c_name());
    s += &rates(set, ty);
    s += &forward(set, ty);
    s += &backward(set, ty);
    s
}

fn rates_fn(ty: FloatTy) -> String {
    format!("nf_grad_rates_{}", ty.rust_name())
}

/// `NeuronModel::rates` as `build.rs` writes it, over any number type `T`.
fn rates(set: &ChannelSet, ty: FloatTy) -> String {
    let mut s = format!(
        "template <typename T> NF_DEVICE void {}(T v, T neg_dt, T* inf, T* decay) {{\n",
        rates_fn(ty)
    );
    for (g, gate) in set.gates.iter().enumerate() {
        let (func, (a, b)) = match &gate.kinetics {
            Kinetics::AlphaBeta { alpha, beta } => ("nf_alpha_beta_to_inf_decay", (alpha, beta)),
            Kinetics::InfTau { inf, tau } => ("nf_inf_tau_to_inf_decay", (inf, tau)),
        };
        writeln!(
            s,
            "    // gate {name}\n    {func}({}, {}, neg_dt, &inf[{g}], &decay[{g}]);",
            expr_to_c_generic(a, ty),
            expr_to_c_generic(b, ty),
            name = gate.name.escape_default(),
        )
        .unwrap();
    }
    s += "}\n";
    s
}

/// `open_c(x)` (`NeuronModel::open`) over the gate values `{x}0`, `{x}1`, ...; `None` for a leak.
fn open_expr(set: &ChannelSet, c: usize, x: &str) -> Option<String> {
    let factors = &set.channels[c].factors;
    let (first, rest) = factors.split_first()?;
    let mut open = format!("nf_powi({x}{}, {})", first.gate, first.power);
    for f in rest {
        open = format!("({open} * nf_powi({x}{}, {}))", f.gate, f.power);
    }
    Some(open)
}

/// The channel sum of `grad::neuron`: `g_total` and `i_chan` from the gates `{x}g` and the
/// per-neuron conductances; `gc{c}` (and `open{c}`) stay defined.
fn channel_sums(set: &ChannelSet, ty: FloatTy, x: &str) -> String {
    let r = ty.c_name();
    let mut s = String::new();
    for (c, ch) in set.channels.iter().enumerate() {
        writeln!(s, "    // channel {}", ch.name.escape_default()).unwrap();
        writeln!(s, "    const {r} gbar{c} = conductance[{c} * n + i];").unwrap();
        match open_expr(set, c, x) {
            None => writeln!(s, "    const {r} gc{c} = gbar{c};").unwrap(),
            Some(open) => writeln!(
                s,
                "    const {r} open{c} = {open};\n    const {r} gc{c} = gbar{c} * open{c};"
            )
            .unwrap(),
        }
        if c == 0 {
            writeln!(
                s,
                "    {r} g_total = gc0;\n    {r} i_chan = gc0 * reversal[0];"
            )
            .unwrap();
        } else {
            writeln!(
                s,
                "    g_total = g_total + gc{c};\n    i_chan = i_chan + gc{c} * reversal[{c}];"
            )
            .unwrap();
        }
    }
    s
}

fn thread_index() -> &'static str {
    "    const unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;\n    if (i >= n) return;\n"
}

/// `grad::neuron::forward`.
fn forward(set: &ChannelSet, ty: FloatTy) -> String {
    let r = ty.c_name();
    let ng = set.gates.len();
    let mut s = format!(
        "extern \"C\" __global__ void {}({r}* v_mem, {r}* x, const {r}* conductance, const {r}* g_ext, const {r}* i_ext, unsigned char* crossed, const {r}* reversal, {r} neg_dt, {r} neg_dt_over_c, {r} threshold, unsigned int n) {{\n",
        ty.grad_forward_kernel()
    );
    s += thread_index();
    writeln!(
        s,
        "    const {r} v_old = v_mem[i];\n    {r} inf[{len}], decay[{len}];\n    {rates}<{r}>(v_old, neg_dt, inf, decay);",
        len = ng.max(1),
        rates = rates_fn(ty)
    )
    .unwrap();
    for g in 0..ng {
        writeln!(
            s,
            "    const {r} x{g} = nf_relax(x[{g} * n + i], inf[{g}], decay[{g}]);\n    x[{g} * n + i] = x{g};"
        )
        .unwrap();
    }
    s += &channel_sums(set, ty, "x");
    writeln!(
        s,
        "    const {r} v_new = nf_membrane(v_old, g_total + g_ext[i], i_chan + i_ext[i], neg_dt_over_c);\n\
         \x20   crossed[i] = (unsigned char)nf_crossed(v_old, v_new, threshold);\n\
         \x20   v_mem[i] = v_new;\n}}"
    )
    .unwrap();
    s
}

/// `grad::neuron::backward`, line for line.
fn backward(set: &ChannelSet, ty: FloatTy) -> String {
    let r = ty.c_name();
    let d = format!("nf_dual<{r}>");
    let ng = set.gates.len();
    let one = ty.literal(1.0);
    let zero = ty.literal(0.0);
    let mut s = format!(
        "extern \"C\" __global__ void {}(const {r}* v_mem, const {r}* x, const {r}* conductance, const {r}* g_ext, const {r}* i_ext, {r}* lam_v_io, {r}* lam_x_io, {r}* lam_g_ext, {r}* lam_i_ext, {r}* d_conductance, const {r}* reversal, {r} neg_dt, {r} neg_dt_over_c, unsigned int n) {{\n",
        ty.grad_backward_kernel()
    );
    s += thread_index();
    writeln!(
        s,
        "    const {r} v = v_mem[i];\n    {d} inf[{len}], decay[{len}];\n    {rates}<{d}>({d}(v, {one}), {d}(neg_dt, {zero}), inf, decay);",
        len = ng.max(1),
        rates = rates_fn(ty)
    )
    .unwrap();
    for g in 0..ng {
        writeln!(
            s,
            "    const {r} x{g} = x[{g} * n + i];\n    const {r} xn{g} = nf_relax(x{g}, inf[{g}].re, decay[{g}].re);"
        )
        .unwrap();
    }
    s += &channel_sums(set, ty, "xn");
    writeln!(
        s,
        "    const {r} g = g_total + g_ext[i];\n\
         \x20   const {r} v_inf = (i_chan + i_ext[i]) / g;\n\
         \x20   const {r} decay_v = nf_exp(g * neg_dt_over_c);\n\
         \x20   const {r} lam_v_new = lam_v_io[i];\n\
         \x20   const {r} lam_i = (lam_v_new * ({one} - decay_v)) / g;\n\
         \x20   const {r} lam_g = lam_v_new * ((({one} - decay_v) * ((-v_inf) / g)) + (((v - v_inf) * neg_dt_over_c) * decay_v));\n\
         \x20   {r} lam_v = lam_v_new * decay_v;"
    )
    .unwrap();
    for g in 0..ng {
        writeln!(s, "    {r} lam_xn{g} = lam_x_io[{g} * n + i];").unwrap();
    }
    for (c, ch) in set.channels.iter().enumerate() {
        writeln!(
            s,
            "    const {r} lam_gc{c} = lam_g + lam_i * reversal[{c}];"
        )
        .unwrap();
        let k = format!("d_conductance[{c} * n + i]");
        if ch.factors.is_empty() {
            writeln!(s, "    {k} = {k} + lam_gc{c};").unwrap();
            continue;
        }
        writeln!(
            s,
            "    {k} = {k} + lam_gc{c} * open{c};\n    const {r} weight{c} = lam_gc{c} * gbar{c};"
        )
        .unwrap();
        // NeuronModel::open_adjoint, as build.rs writes it.
        for (f, factor) in ch.factors.iter().enumerate() {
            let (g, p) = (factor.gate, factor.power);
            let mut term = format!(
                "((weight{c} * {}) * nf_powi(xn{g}, {}))",
                ty.literal(p as f64),
                p as i32 - 1
            );
            for (o, other) in ch.factors.iter().enumerate() {
                if o != f {
                    term = format!("({term} * nf_powi(xn{}, {}))", other.gate, other.power);
                }
            }
            writeln!(s, "    lam_xn{g} = lam_xn{g} + {term};").unwrap();
        }
    }
    for g in 0..ng {
        writeln!(
            s,
            "    lam_x_io[{g} * n + i] = lam_xn{g} * decay[{g}].re;\n\
             \x20   lam_v = (lam_v + ((lam_xn{g} * ({one} - decay[{g}].re)) * inf[{g}].du)) + ((lam_xn{g} * (x{g} - inf[{g}].re)) * decay[{g}].du);"
        )
        .unwrap();
    }
    writeln!(
        s,
        "    lam_v_io[i] = lam_v;\n    lam_g_ext[i] = lam_g;\n    lam_i_ext[i] = lam_i;\n}}"
    )
    .unwrap();
    s
}
