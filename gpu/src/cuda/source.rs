//! CUDA C++ source for a channel set, generated from the same expression trees as the CPU
//! kernels and performing the same operations in the same order (see `real.rs`, `kernel.rs`
//! and `build.rs`): fused multiply-adds are explicit (`nf_fma`) and nothing else may be
//! contracted, so the GPU must be compiled with `--fmad=false` (host C++ with
//! `-ffp-contract=off`). Then every operation is an IEEE operation rounded to nearest, on
//! either side, and the results are the CPU's bit for bit.
//!
//! The source is self-contained (no CUDA header) and also compiles as host C++: outside
//! `__CUDACC__` the CUDA keywords are macros, `threadIdx`/`blockIdx`/`blockDim` are globals
//! and `nf_host_step_<ty>` runs the kernel over every thread in turn. That is how the kernels
//! are checked against the CPU backend without a GPU.
//!
//! Layout: a portability prelude, the math functions of both float types, dual numbers
//! (`grad_source`) and atomics (`synapse_source`), then per float type the kernels: the float
//! engine's forward step (here), the gradient engine's neuron steps (`grad_source`) and the
//! synapse steps (`synapse_source`).

use std::fmt::Write as _;

use channels::expr::{BinOp, Expr, Func};
use channels::{ChannelSet, Kinetics};

use super::{grad_source, synapse_source};
use crate::real::{exp_f32, exp_f64, Real};

/// A float type a kernel is generated for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatTy {
    F32,
    F64,
}

impl FloatTy {
    pub const ALL: [FloatTy; 2] = [FloatTy::F32, FloatTy::F64];

    /// The C type.
    pub fn c_name(self) -> &'static str {
        match self {
            FloatTy::F32 => "float",
            FloatTy::F64 => "double",
        }
    }

    /// The Rust type (and the suffix of the kernel names).
    pub fn rust_name(self) -> &'static str {
        match self {
            FloatTy::F32 => "f32",
            FloatTy::F64 => "f64",
        }
    }

    /// Name of the forward-step kernel (`extern "C"`, so unmangled).
    pub fn forward_kernel(self) -> &'static str {
        match self {
            FloatTy::F32 => "nf_step_f32",
            FloatTy::F64 => "nf_step_f64",
        }
    }

    /// Name of the host launcher that runs the forward kernel over all threads on the CPU.
    pub fn host_launcher(self) -> &'static str {
        match self {
            FloatTy::F32 => "nf_host_step_f32",
            FloatTy::F64 => "nf_host_step_f64",
        }
    }

    /// `x` rounded to this type exactly as `R::from_f64` does, as an exact C literal.
    pub fn literal(self, x: f64) -> String {
        match self {
            FloatTy::F32 => c_literal((x as f32) as f64, "f"),
            FloatTy::F64 => c_literal(x, ""),
        }
    }
}

/// An exact C literal for `x` (hexadecimal, so no decimal rounding by the C compiler).
fn c_literal(x: f64, suffix: &str) -> String {
    if x.is_nan() {
        return format!("(0.0{suffix} / 0.0{suffix})");
    }
    if x.is_infinite() {
        let sign = if x < 0.0 { "-" } else { "" };
        return format!("({sign}1.0{suffix} / 0.0{suffix})");
    }
    let bits = x.to_bits();
    let sign = if bits >> 63 == 1 { "-" } else { "" };
    let exponent = ((bits >> 52) & 0x7ff) as i64;
    let mantissa = bits & ((1 << 52) - 1);
    let body = match exponent {
        0 => format!("0x0.{mantissa:013x}p-1022"), // zero and subnormals
        e => format!("0x1.{mantissa:013x}p{:+}", e - 1023),
    };
    if sign.is_empty() {
        format!("{body}{suffix}")
    } else {
        format!("(-{body}{suffix})")
    }
}

/// C for an expression over `v`, mirroring [`Expr::to_rust`] operation for operation.
pub fn expr_to_c(e: &Expr, ty: FloatTy) -> String {
    expr_to_c_with(e, ty, &|lit| lit)
}

/// The same, for a template over the number type `T` (a float or a dual number): every
/// constant becomes `T(literal)`, as `R::from_f64` makes a dual with derivative 0.
pub fn expr_to_c_generic(e: &Expr, ty: FloatTy) -> String {
    expr_to_c_with(e, ty, &|lit| format!("T({lit})"))
}

fn expr_to_c_with(e: &Expr, ty: FloatTy, constant: &dyn Fn(String) -> String) -> String {
    let expr_to_c = |e: &Expr, ty: FloatTy| expr_to_c_with(e, ty, constant);
    match e {
        Expr::Num(c) => constant(ty.literal(*c)),
        Expr::V => "v".to_string(),
        Expr::Neg(a) => format!("(-{})", expr_to_c(a, ty)),
        Expr::Bin(op, a, b) => {
            let sym = match op {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul => "*",
                BinOp::Div => "/",
            };
            format!("({} {sym} {})", expr_to_c(a, ty), expr_to_c(b, ty))
        }
        Expr::Powi(a, n) => format!("nf_powi({}, {n})", expr_to_c(a, ty)),
        Expr::Call(f, args) => {
            let args: Vec<String> = args.iter().map(|a| expr_to_c(a, ty)).collect();
            format!("{}({})", c_function(*f), args.join(", "))
        }
    }
}

fn c_function(f: Func) -> &'static str {
    match f {
        Func::Exp => "nf_exp",
        Func::Sqrt => "nf_sqrt",
        Func::Abs => "nf_abs",
        Func::Tanh => "nf_tanh",
        Func::Exprel => "nf_exprel",
        Func::Vtrap => "nf_vtrap",
        Func::Min => "nf_min",
        Func::Max => "nf_max",
    }
}

/// The complete source for `set`: both float types, forward step (and host launchers).
pub fn cuda_source(set: &ChannelSet) -> String {
    let mut s = format!(
        "// neurofuse kernels for the channel set \"{}\" (generated by gpu::cuda::source).\n",
        set.name.escape_default()
    );
    s += PRELUDE;
    for ty in FloatTy::ALL {
        s += &math(ty);
    }
    s += &grad_source::dual();
    s += synapse_source::ATOMICS;
    for ty in FloatTy::ALL {
        s += &forward_kernel(set, ty);
        s += &host_launcher(set, ty);
        s += &grad_source::grad_kernels(set, ty);
        s += &synapse_source::synapse_kernels(ty);
    }
    s
}

/// Keywords and intrinsics, on the device and on the host. Host C++ needs no header either:
/// GCC's builtins are IEEE `fma`, `sqrt`, `fmin`, ... (a libm call at worst).
const PRELUDE: &str = r#"
#ifdef __CUDACC__
#define NF_DEVICE __device__ __forceinline__
#define NF_FMAF(a, b, c) fmaf(a, b, c)
#define NF_FMA(a, b, c) fma(a, b, c)
#define NF_SQRTF(x) sqrtf(x)
#define NF_SQRT(x) sqrt(x)
#define NF_FABSF(x) fabsf(x)
#define NF_FABS(x) fabs(x)
#define NF_FMINF(a, b) fminf(a, b)
#define NF_FMIN(a, b) fmin(a, b)
#define NF_FMAXF(a, b) fmaxf(a, b)
#define NF_FMAX(a, b) fmax(a, b)
#define NF_F32_BITS(x) __float_as_uint(x)
#define NF_F32_FROM_BITS(u) __uint_as_float(u)
#define NF_F64_BITS(x) ((unsigned long long)__double_as_longlong(x))
#define NF_F64_FROM_BITS(u) __longlong_as_double((long long)(u))
#else
#define __global__
#define __device__
#define NF_DEVICE static inline
#define NF_FMAF(a, b, c) __builtin_fmaf(a, b, c)
#define NF_FMA(a, b, c) __builtin_fma(a, b, c)
#define NF_SQRTF(x) __builtin_sqrtf(x)
#define NF_SQRT(x) __builtin_sqrt(x)
#define NF_FABSF(x) __builtin_fabsf(x)
#define NF_FABS(x) __builtin_fabs(x)
#define NF_FMINF(a, b) __builtin_fminf(a, b)
#define NF_FMIN(a, b) __builtin_fmin(a, b)
#define NF_FMAXF(a, b) __builtin_fmaxf(a, b)
#define NF_FMAX(a, b) __builtin_fmax(a, b)
static inline unsigned int NF_F32_BITS(float x) { unsigned int u; __builtin_memcpy(&u, &x, 4); return u; }
static inline float NF_F32_FROM_BITS(unsigned int u) { float x; __builtin_memcpy(&x, &u, 4); return x; }
static inline unsigned long long NF_F64_BITS(double x) { unsigned long long u; __builtin_memcpy(&u, &x, 8); return u; }
static inline double NF_F64_FROM_BITS(unsigned long long u) { double x; __builtin_memcpy(&x, &u, 8); return x; }
// The launch geometry the host launchers emulate, one thread at a time.
struct nf_dim3 { unsigned int x; };
static nf_dim3 threadIdx, blockIdx, blockDim;
// Runs `kernel()` as a launch of `threads` threads (blocks of 128) would, one at a time.
template <typename F> static void nf_host_launch(unsigned int threads, F kernel) {
    blockDim.x = 128;
    for (blockIdx.x = 0; blockIdx.x * blockDim.x < threads; ++blockIdx.x)
        for (threadIdx.x = 0; threadIdx.x < blockDim.x; ++threadIdx.x) kernel();
}
#endif
"#;

/// `exp`, `exprel`, `vtrap`, `tanh`, `powi`, `min`/`max`/`abs`/`sqrt` and the step pieces for
/// one type, each the exact transcription of its `Real` (or `kernel.rs`) counterpart.
fn math(ty: FloatTy) -> String {
    let r = ty.c_name();
    let lit = |x: f64| ty.literal(x);
    let (bits, from_bits, uint) = match ty {
        FloatTy::F32 => ("NF_F32_BITS", "NF_F32_FROM_BITS", "unsigned int"),
        FloatTy::F64 => ("NF_F64_BITS", "NF_F64_FROM_BITS", "unsigned long long"),
    };
    let (fma, sqrt, fabs, fmin, fmax) = match ty {
        FloatTy::F32 => ("NF_FMAF", "NF_SQRTF", "NF_FABSF", "NF_FMINF", "NF_FMAXF"),
        FloatTy::F64 => ("NF_FMA", "NF_SQRT", "NF_FABS", "NF_FMIN", "NF_FMAX"),
    };
    let mut s = format!("\n// ---- {r} ----\n");
    writeln!(
        s,
        "NF_DEVICE {r} nf_fma({r} a, {r} b, {r} c) {{ return {fma}(a, b, c); }}\n\
         NF_DEVICE {r} nf_sqrt({r} x) {{ return {sqrt}(x); }}\n\
         NF_DEVICE {r} nf_abs({r} x) {{ return {fabs}(x); }}\n\
         NF_DEVICE {r} nf_min({r} a, {r} b) {{ return {fmin}(a, b); }}\n\
         NF_DEVICE {r} nf_max({r} a, {r} b) {{ return {fmax}(a, b); }}"
    )
    .unwrap();
    // exp: range reduction x = n ln2 + r with the rounding trick, polynomial, scale by 2^n.
    let (min, max, magic, ln2_hi, ln2_lo, log2_e, bias, shift) = match ty {
        FloatTy::F32 => (
            exp_f32::MIN as f64,
            exp_f32::MAX as f64,
            exp_f32::MAGIC as f64,
            exp_f32::LN2_HI as f64,
            exp_f32::LN2_LO as f64,
            std::f32::consts::LOG2_E as f64,
            127,
            23,
        ),
        FloatTy::F64 => (
            exp_f64::MIN,
            exp_f64::MAX,
            exp_f64::MAGIC,
            exp_f64::LN2_HI,
            exp_f64::LN2_LO,
            std::f64::consts::LOG2_E,
            1023,
            52,
        ),
    };
    writeln!(s, "NF_DEVICE {r} nf_exp({r} x) {{").unwrap();
    // Rust's clamp: NaN passes through.
    writeln!(
        s,
        "    if (x < {min}) x = {min};\n    if (x > {max}) x = {max};",
        min = lit(min),
        max = lit(max)
    )
    .unwrap();
    writeln!(
        s,
        "    const {r} t = nf_fma(x, {}, {});\n    const {r} n = t - {};",
        lit(log2_e),
        lit(magic),
        lit(magic)
    )
    .unwrap();
    writeln!(
        s,
        "    const {r} r = nf_fma(n, {}, nf_fma(n, {}, x));",
        lit(-ln2_lo),
        lit(-ln2_hi)
    )
    .unwrap();
    match ty {
        FloatTy::F32 => {
            let p = exp_f32::P;
            writeln!(s, "    {r} p = {};", lit(p[0] as f64)).unwrap();
            for c in &p[1..] {
                writeln!(s, "    p = nf_fma(p, r, {});", lit(*c as f64)).unwrap();
            }
            writeln!(s, "    const {r} e = nf_fma(p, r * r, r) + {};", lit(1.0)).unwrap();
        }
        FloatTy::F64 => {
            writeln!(s, "    {r} p = {};", lit(1.0 / 479_001_600.0)).unwrap();
            for k in (1..12).rev() {
                let c = 1.0 / exp_f64::FACTORIALS[k];
                writeln!(s, "    p = nf_fma(p, r, {});", lit(c)).unwrap();
            }
            writeln!(
                s,
                "    p = nf_fma(p, r, {});\n    const {r} e = p;",
                lit(1.0)
            )
            .unwrap();
        }
    }
    writeln!(
        s,
        "    const {uint} n_int = {bits}(t) - {bits}({magic});\n\
         \x20   return e * {from_bits}((n_int + {bias}u) << {shift});\n}}",
        magic = lit(magic)
    )
    .unwrap();
    let one = lit(1.0);
    let select_switch = lit(match ty {
        FloatTy::F32 => <f32 as Real>::EXPREL_SWITCH,
        FloatTy::F64 => <f64 as Real>::EXPREL_SWITCH,
    });
    writeln!(
        s,
        "NF_DEVICE {r} nf_exprel_switch({r}) {{ return {select_switch}; }}"
    )
    .unwrap();
    writeln!(
        s,
        "NF_DEVICE {r} nf_exprel({r} x) {{\n\
         \x20   const {r} direct = (nf_exp(x) - {one}) / x;\n\
         \x20   const {r} series = {one} + x * ({c2} + x * ({c6} + x * ({c24} + x * ({c120} + x * {c720}))));\n\
         \x20   return nf_abs(x) < {select_switch} ? series : direct;\n}}",
        c2 = lit(0.5),
        c6 = lit(1.0 / 6.0),
        c24 = lit(1.0 / 24.0),
        c120 = lit(1.0 / 120.0),
        c720 = lit(1.0 / 720.0),
    )
    .unwrap();
    writeln!(
        s,
        "NF_DEVICE {r} nf_vtrap({r} x, {r} y) {{\n\
         \x20   const {r} u = x * ({one} / y);\n\
         \x20   const {r} direct = x / (nf_exp(u) - {one});\n\
         \x20   const {r} u2 = u * u;\n\
         \x20   const {r} series = y * ({one} - {half} * u + u2 * ({c12} - u2 * ({c720} - u2 * {c30240})));\n\
         \x20   return nf_abs(u) < {select_switch} ? series : direct;\n}}",
        half = lit(0.5),
        c12 = lit(1.0 / 12.0),
        c720 = lit(1.0 / 720.0),
        c30240 = lit(1.0 / 30240.0),
    )
    .unwrap();
    writeln!(
        s,
        "NF_DEVICE {r} nf_tanh({r} x) {{ return {one} - {two} / (nf_exp(x + x) + {one}); }}",
        two = lit(2.0)
    )
    .unwrap();
    writeln!(
        s,
        "NF_DEVICE {r} nf_powi({r} x, int n) {{\n\
         \x20   if (n == 0) return {one};\n\
         \x20   {r} acc = x;\n\
         \x20   for (int k = 1; k < (n < 0 ? -n : n); ++k) acc = acc * x;\n\
         \x20   return n < 0 ? {one} / acc : acc;\n}}"
    )
    .unwrap();
    // kernel.rs
    writeln!(
        s,
        "NF_DEVICE void nf_alpha_beta_to_inf_decay({r} alpha, {r} beta, {r} neg_dt, {r}* inf, {r}* decay) {{\n\
         \x20   const {r} rate = alpha + beta;\n\
         \x20   *inf = alpha / rate;\n\
         \x20   *decay = nf_exp(neg_dt * rate);\n}}\n\
         NF_DEVICE void nf_inf_tau_to_inf_decay({r} inf_in, {r} tau, {r} neg_dt, {r}* inf, {r}* decay) {{\n\
         \x20   *inf = inf_in;\n\
         \x20   *decay = nf_exp(neg_dt / tau);\n}}\n\
         NF_DEVICE {r} nf_relax({r} x, {r} inf, {r} decay) {{ return nf_fma(x - inf, decay, inf); }}\n\
         NF_DEVICE {r} nf_membrane({r} v, {r} g_total, {r} i_total, {r} neg_dt_over_c) {{\n\
         \x20   const {r} v_inf = i_total / g_total;\n\
         \x20   return nf_fma(v - v_inf, nf_exp(g_total * neg_dt_over_c), v_inf);\n}}\n\
         NF_DEVICE unsigned int nf_crossed({r} v_old, {r} v_new, {r} threshold) {{\n\
         \x20   return (unsigned int)((v_old < threshold) & (v_new >= threshold));\n}}"
    )
    .unwrap();
    s
}

/// The kernel's parameter list: the CPU kernel's arguments, one pointer per gate.
fn parameters(set: &ChannelSet, ty: FloatTy) -> String {
    let r = ty.c_name();
    let mut p = vec![format!("{r}* v_mem")];
    p.extend((0..set.gates.len()).map(|g| format!("{r}* x{g}")));
    p.push(format!("const {r}* i_ext"));
    p.push(format!("const {r}* g_ext"));
    p.push("unsigned int* spikes".into());
    p.push(format!("const {r}* conductance"));
    p.push(format!("const {r}* reversal"));
    p.push(format!("{r} neg_dt"));
    p.push(format!("{r} neg_dt_over_c"));
    p.push(format!("{r} threshold"));
    p.push("unsigned int n".into());
    p.join(", ")
}

/// One thread per neuron; the body is `build.rs`'s generated Rust, line for line.
fn forward_kernel(set: &ChannelSet, ty: FloatTy) -> String {
    let r = ty.c_name();
    let mut s = String::new();
    writeln!(
        s,
        "extern \"C\" __global__ void {}({}) {{",
        ty.forward_kernel(),
        parameters(set, ty)
    )
    .unwrap();
    writeln!(
        s,
        "    const unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;\n\
         \x20   if (i >= n) return;\n\
         \x20   const {r} v_old = v_mem[i];\n\
         \x20   const {r} v = v_old;"
    )
    .unwrap();
    for (g, gate) in set.gates.iter().enumerate() {
        let (func, (a, b)) = match &gate.kinetics {
            Kinetics::AlphaBeta { alpha, beta } => ("nf_alpha_beta_to_inf_decay", (alpha, beta)),
            Kinetics::InfTau { inf, tau } => ("nf_inf_tau_to_inf_decay", (inf, tau)),
        };
        writeln!(
            s,
            "    // gate {name}\n\
             \x20   {r} inf{g}, decay{g};\n\
             \x20   {func}({}, {}, neg_dt, &inf{g}, &decay{g});\n\
             \x20   const {r} g{g} = nf_relax(x{g}[i], inf{g}, decay{g});\n\
             \x20   x{g}[i] = g{g};",
            expr_to_c(a, ty),
            expr_to_c(b, ty),
            name = gate.name.escape_default(),
        )
        .unwrap();
    }
    for (c, ch) in set.channels.iter().enumerate() {
        writeln!(s, "    // channel {}", ch.name.escape_default()).unwrap();
        if ch.factors.is_empty() {
            writeln!(s, "    const {r} gc{c} = conductance[{c}];").unwrap();
        } else {
            let factors: Vec<String> = ch
                .factors
                .iter()
                .map(|f| format!("nf_powi(g{}, {})", f.gate, f.power))
                .collect();
            let mut open = factors[0].clone();
            for f in &factors[1..] {
                open = format!("({open} * {f})");
            }
            writeln!(s, "    const {r} gc{c} = conductance[{c}] * {open};").unwrap();
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
    writeln!(
        s,
        "    const {r} v_new = nf_membrane(v, g_total + g_ext[i], i_chan + i_ext[i], neg_dt_over_c);\n\
         \x20   spikes[i] += nf_crossed(v_old, v_new, threshold);\n\
         \x20   v_mem[i] = v_new;\n}}"
    )
    .unwrap();
    s
}

/// Host only: runs the forward kernel over `n` neurons the way a launch would, thread by
/// thread. Gates come as an array of pointers so a driver need not know the channel set.
fn host_launcher(set: &ChannelSet, ty: FloatTy) -> String {
    let r = ty.c_name();
    let gates: Vec<String> = (0..set.gates.len())
        .map(|g| format!("gates[{g}]"))
        .collect();
    let mut args = vec!["v_mem".to_string()];
    args.extend(gates);
    args.extend(
        [
            "i_ext",
            "g_ext",
            "spikes",
            "conductance",
            "reversal",
            "neg_dt",
            "neg_dt_over_c",
            "threshold",
            "n",
        ]
        .map(String::from),
    );
    format!(
        "#ifndef __CUDACC__\n\
         extern \"C\" unsigned int nf_host_gates_{ty}(void) {{ return {ng}u; }}\n\
         extern \"C\" unsigned int nf_host_channels_{ty}(void) {{ return {nc}u; }}\n\
         extern \"C\" void {launcher}({r}* v_mem, {r}* const* gates, const {r}* i_ext, const {r}* g_ext, unsigned int* spikes, const {r}* conductance, const {r}* reversal, {r} neg_dt, {r} neg_dt_over_c, {r} threshold, unsigned int n) {{\n\
         \x20   blockDim.x = 128;\n\
         \x20   for (blockIdx.x = 0; blockIdx.x * blockDim.x < n; ++blockIdx.x)\n\
         \x20       for (threadIdx.x = 0; threadIdx.x < blockDim.x; ++threadIdx.x)\n\
         \x20           {kernel}({args});\n}}\n\
         #endif\n",
        ty = ty.rust_name(),
        ng = set.gates.len(),
        nc = set.channels.len(),
        launcher = ty.host_launcher(),
        kernel = ty.forward_kernel(),
        args = args.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_exact() {
        // Parse each literal back (hex float by hand) and compare bits.
        fn parse(lit: &str) -> f64 {
            let (neg, body) = match lit.strip_prefix("(-") {
                Some(b) => (true, b.trim_end_matches(')')),
                None => (false, lit),
            };
            let body = body.trim_end_matches('f');
            let (mant, exp) = body.split_once('p').unwrap();
            let (int, frac) = mant.trim_start_matches("0x").split_once('.').unwrap();
            let m = u64::from_str_radix(frac, 16).unwrap() as f64 / (1u64 << 52) as f64
                + int.parse::<f64>().unwrap();
            let x = m * 2f64.powi(exp.parse().unwrap());
            if neg {
                -x
            } else {
                x
            }
        }
        for x in [1.0, -0.5, 1.0 / 3.0, 6.02e23, -1e-300, 0.0, 5e-324, 0.1] {
            assert_eq!(
                parse(&FloatTy::F64.literal(x)).to_bits(),
                x.to_bits(),
                "{x}"
            );
            let y = (x as f32) as f64;
            let lit = FloatTy::F32.literal(x);
            assert!(lit.ends_with('f') || lit.ends_with("f)"), "{lit}");
            assert_eq!(parse(&lit).to_bits(), y.to_bits(), "{x} as f32");
        }
        assert_eq!(FloatTy::F64.literal(-2.0), "(-0x1.0000000000000p+1)");
    }

    #[test]
    fn expressions_keep_the_tree_order() {
        let e = Expr::parse("1 - V * 2 / exprel(-V) + min(V, 3)^2", &Default::default()).unwrap();
        let c = expr_to_c(&e, FloatTy::F64);
        assert_eq!(
            c,
            "((0x1.0000000000000p+0 - ((v * 0x1.0000000000000p+1) / nf_exprel((-v)))) \
             + nf_powi(nf_min(v, 0x1.8000000000000p+1), 2))"
        );
    }
}
