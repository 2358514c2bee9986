//! Generates `compiled_kernels.rs`: one fused, vectorizable step kernel per built-in channel
//! set and float type, from the same expression trees the interpreter executes.

use std::fmt::Write as _;

use channels::{ChannelSet, Kinetics};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../channels/builtin");
    println!("cargo:rerun-if-changed=../channels/src");
    let mut out = String::new();
    let mut table = Vec::new();
    for name in channels::builtin_names() {
        let set = ChannelSet::builtin(name).expect("built-in channel set is valid");
        out += &generic_kernel(&set);
        for ty in ["f32", "f64"] {
            writeln!(
                out,
                "#[multiversion(targets(\"x86_64+avx512f+avx512vl+avx512dq+avx2+fma\", \"x86_64+avx2+fma\"))]\n\
                 fn step_{name}_{ty}<'p>(p: &StepParams<'p, {ty}>, v: &mut [{ty}], gates: &mut [Vec<{ty}>], i_ext: &[{ty}], g_ext: &[{ty}], spikes: &mut [u32]) {{\n\
                 \x20   step_{name}::<{ty}>(p, v, gates, i_ext, g_ext, spikes)\n}}\n"
            )
            .unwrap();
        }
        table.push((name, set.structure_key()));
    }
    for ty in ["f32", "f64"] {
        writeln!(
            out,
            "pub fn compiled_{ty}(key: &str) -> Option<(&'static str, StepFn<{ty}>)> {{"
        )
        .unwrap();
        writeln!(out, "    match key {{").unwrap();
        for (name, key) in &table {
            writeln!(
                out,
                "        {key:?} => Some(({name:?}, step_{name}_{ty})),"
            )
            .unwrap();
        }
        writeln!(out, "        _ => None,\n    }}\n}}\n").unwrap();
    }
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out_dir.join("compiled_kernels.rs"), out).unwrap();
    std::fs::write(out_dir.join("grad_kernels.rs"), grad_kernels(&table)).unwrap();
}

/// The gradient kernels' view of each built-in set ([`NeuronModel`] in straight-line code)
/// and the forward/backward steps compiled for it, per float type and CPU target.
fn grad_kernels(table: &[(&str, String)]) -> String {
    let mut s = String::new();
    for (name, _) in table {
        let set = ChannelSet::builtin(name).expect("built-in channel set is valid");
        s += &neuron_model(&set);
        for ty in ["f32", "f64"] {
            for (dir, args) in [("forward", "Forward"), ("backward", "Backward")] {
                writeln!(
                    s,
                    "#[multiversion(targets(\"x86_64+avx512f+avx512vl+avx512dq+avx2+fma\", \"x86_64+avx2+fma\"))]\n\
                     fn {dir}_{name}_{ty}<'a>(k: &StepConsts<{ty}>, a: {args}<'a, {ty}>) {{\n\
                     \x20   crate::grad::neuron::{dir}(&Model_{name}, k, a)\n}}\n"
                )
                .unwrap();
            }
        }
    }
    for ty in ["f32", "f64"] {
        writeln!(
            s,
            "pub fn compiled_grad_{ty}(key: &str) -> Option<(&'static str, ForwardFn<{ty}>, BackwardFn<{ty}>)> {{\n    match key {{"
        )
        .unwrap();
        for (name, key) in table {
            writeln!(
                s,
                "        {key:?} => Some(({name:?}, forward_{name}_{ty}, backward_{name}_{ty})),"
            )
            .unwrap();
        }
        writeln!(s, "        _ => None,\n    }}\n}}\n").unwrap();
    }
    s
}

fn neuron_model(set: &ChannelSet) -> String {
    let name = &set.name;
    let mut s = String::new();
    writeln!(
        s,
        "#[allow(non_camel_case_types)]\n#[derive(Clone, Copy)]\npub struct Model_{name};\n"
    )
    .unwrap();
    writeln!(s, "impl NeuronModel for Model_{name} {{").unwrap();
    writeln!(
        s,
        "    #[inline(always)]\n    fn gates(&self) -> usize {{ {} }}",
        set.gates.len()
    )
    .unwrap();
    writeln!(
        s,
        "    #[inline(always)]\n    fn channels(&self) -> usize {{ {} }}",
        set.channels.len()
    )
    .unwrap();
    writeln!(s, "    #[inline(always)]\n    fn rates<R: Real>(&self, v: R, neg_dt: R, inf: &mut Gates<R>, decay: &mut Gates<R>) {{").unwrap();
    for (g, gate) in set.gates.iter().enumerate() {
        let (func, (a, b)) = match &gate.kinetics {
            Kinetics::AlphaBeta { alpha, beta } => ("alpha_beta_to_inf_decay", (alpha, beta)),
            Kinetics::InfTau { inf, tau } => ("inf_tau_to_inf_decay", (inf, tau)),
        };
        writeln!(
            s,
            "        (inf[{g}], decay[{g}]) = {func}({}, {}, neg_dt);",
            a.to_rust(),
            b.to_rust()
        )
        .unwrap();
    }
    writeln!(s, "    }}").unwrap();
    writeln!(s, "    #[inline(always)]\n    fn open<R: Real>(&self, c: usize, x: &Gates<R>) -> Option<R> {{\n        match c {{").unwrap();
    for (c, ch) in set.channels.iter().enumerate() {
        if ch.factors.is_empty() {
            continue;
        }
        let mut open = format!(
            "R::powi(x[{}], {})",
            ch.factors[0].gate, ch.factors[0].power
        );
        for f in &ch.factors[1..] {
            open = format!("({open} * R::powi(x[{}], {}))", f.gate, f.power);
        }
        writeln!(s, "            {c} => Some({open}),").unwrap();
    }
    writeln!(s, "            _ => None,\n        }}\n    }}").unwrap();
    writeln!(s, "    #[inline(always)]\n    fn open_adjoint<R: Real>(&self, c: usize, x: &Gates<R>, weight: R, dx: &mut Gates<R>) {{\n        match c {{").unwrap();
    for (c, ch) in set.channels.iter().enumerate() {
        if ch.factors.is_empty() {
            continue;
        }
        writeln!(s, "            {c} => {{").unwrap();
        for (f, factor) in ch.factors.iter().enumerate() {
            let (g, p) = (factor.gate, factor.power);
            let mut d = format!(
                "((weight * R::from_f64({:?})) * R::powi(x[{g}], {}))",
                p as f64,
                p as i32 - 1
            );
            for (o, other) in ch.factors.iter().enumerate() {
                if o != f {
                    d = format!("({d} * R::powi(x[{}], {}))", other.gate, other.power);
                }
            }
            writeln!(s, "                dx[{g}] = dx[{g}] + {d};").unwrap();
        }
        writeln!(s, "            }}").unwrap();
    }
    writeln!(s, "            _ => {{}}\n        }}\n    }}\n}}\n").unwrap();
    s
}

fn generic_kernel(set: &ChannelSet) -> String {
    let name = &set.name;
    let ng = set.gates.len();
    let mut s = String::new();
    writeln!(s, "#[inline(always)]\nfn step_{name}<R: Real>(p: &StepParams<'_, R>, v_mem: &mut [R], gates: &mut [Vec<R>], i_ext: &[R], g_ext: &[R], spikes: &mut [u32]) {{").unwrap();
    writeln!(s, "    let n = v_mem.len();").unwrap();
    let names: Vec<String> = (0..ng).map(|g| format!("x{g}")).collect();
    writeln!(
        s,
        "    let [{}] = gates else {{ panic!(\"{name} kernel needs {ng} gate vectors\") }};",
        names.join(", ")
    )
    .unwrap();
    for g in &names {
        writeln!(s, "    let {g} = &mut {g}[..n];").unwrap();
    }
    writeln!(
        s,
        "    let (i_ext, g_ext, spikes) = (&i_ext[..n], &g_ext[..n], &mut spikes[..n]);"
    )
    .unwrap();
    writeln!(
        s,
        "    let (neg_dt, neg_dt_over_c, threshold) = (p.neg_dt, p.neg_dt_over_c, p.threshold);"
    )
    .unwrap();
    for c in 0..set.channels.len() {
        writeln!(
            s,
            "    let (gbar{c}, e{c}) = (p.conductance[{c}], p.reversal[{c}]);"
        )
        .unwrap();
    }
    writeln!(s, "    for i in 0..n {{").unwrap();
    writeln!(s, "        let v_old = v_mem[i];\n        let v = v_old;").unwrap();
    for (g, gate) in set.gates.iter().enumerate() {
        writeln!(s, "        // gate {}", gate.name).unwrap();
        let (func, (a, b)) = match &gate.kinetics {
            Kinetics::AlphaBeta { alpha, beta } => ("alpha_beta_to_inf_decay", (alpha, beta)),
            Kinetics::InfTau { inf, tau } => ("inf_tau_to_inf_decay", (inf, tau)),
        };
        writeln!(
            s,
            "        let (inf{g}, decay{g}) = {func}({}, {}, neg_dt);",
            a.to_rust(),
            b.to_rust()
        )
        .unwrap();
        writeln!(
            s,
            "        let g{g} = relax(x{g}[i], inf{g}, decay{g});\n        x{g}[i] = g{g};"
        )
        .unwrap();
    }
    for (c, ch) in set.channels.iter().enumerate() {
        writeln!(s, "        // channel {}", ch.name).unwrap();
        if ch.factors.is_empty() {
            writeln!(s, "        let gc{c} = gbar{c};").unwrap();
        } else {
            let factors: Vec<String> = ch
                .factors
                .iter()
                .map(|f| format!("R::powi(g{}, {})", f.gate, f.power))
                .collect();
            let mut open = factors[0].clone();
            for f in &factors[1..] {
                open = format!("({open} * {f})");
            }
            writeln!(s, "        let gc{c} = gbar{c} * {open};").unwrap();
        }
        if c == 0 {
            writeln!(
                s,
                "        let g_total = gc0;\n        let i_chan = gc0 * e0;"
            )
            .unwrap();
        } else {
            writeln!(s, "        let g_total = g_total + gc{c};\n        let i_chan = i_chan + gc{c} * e{c};").unwrap();
        }
    }
    writeln!(
        s,
        "        let v_new = membrane(v, g_total + g_ext[i], i_chan + i_ext[i], neg_dt_over_c);"
    )
    .unwrap();
    writeln!(s, "        spikes[i] += crossed(v_old, v_new, threshold);\n        v_mem[i] = v_new;\n    }}\n}}\n").unwrap();
    s
}
