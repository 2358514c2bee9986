//! Prints the error budget of docs/fixed-point.md: every engine against NEURON (with its
//! default rate tables, and with exact rates), and the fixed point against the float
//! reference, on every shipped protocol (markdown tables).
//!
//! cargo run --release --example error_budget

use std::path::{Path, PathBuf};

use channels::ChannelSet;
use neurofuse::metrics::compare;
use neurofuse::neuron::{simulate, Engine, Precision, THRESHOLD_MV};
use neurofuse::trace::read_protocol;

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/neuron");
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [root.clone(), root.join("extra"), root.join("exact_rates")] {
        for entry in std::fs::read_dir(dir)? {
            let p = entry?.path();
            if p.extension().is_some_and(|e| e == "csv") {
                files.push(p);
            }
        }
    }
    files.sort();
    let set = ChannelSet::builtin("hh_squid")?;
    let engines = [
        Engine::Float(Precision::F64),
        Engine::Float(Precision::F32),
        Engine::Fixed,
    ];
    println!("| protocol | engine | spikes (NEURON) | worst spike shift (ms) | mean abs dV (mV) | max abs dV (mV) |");
    println!("|---|---|---|---|---|---|");
    let mut vs_float = Vec::new();
    for f in &files {
        let p = read_protocol(f, None)?;
        let reference = p.column("v_mV").expect("reference traces carry v_mV");
        let stem = f.file_stem().unwrap().to_string_lossy();
        let exact = f.parent().is_some_and(|d| d.ends_with("exact_rates"));
        let name = if exact {
            format!("{stem} (exact rates)")
        } else {
            stem.to_string()
        };
        let mut float = Vec::new();
        for engine in engines {
            let v = simulate(&set, engine, p.dt_ms, &p.i_ua_per_cm2)?;
            let c = compare(&p.t_ms, &v, reference, THRESHOLD_MV);
            let shift = c.shift_text();
            println!(
                "| {name} | {engine} | {} ({}) | {shift} | {:.3} | {:.2} |",
                c.spikes, c.reference_spikes, c.mean_abs_dv_mv, c.max_abs_dv_mv
            );
            if engine == Engine::Float(Precision::F64) {
                float = v;
            } else if engine == Engine::Fixed && !exact {
                vs_float.push((name.clone(), compare(&p.t_ms, &v, &float, THRESHOLD_MV)));
            }
        }
    }
    println!();
    println!("| protocol | fixed spikes (float f64) | worst spike shift (ms) | mean abs dV (mV) | max abs dV (mV) |");
    println!("|---|---|---|---|---|");
    for (name, c) in vs_float {
        let shift = c.shift_text();
        println!(
            "| {name} | {} ({}) | {shift} | {:.3} | {:.2} |",
            c.spikes, c.reference_spikes, c.mean_abs_dv_mv, c.max_abs_dv_mv
        );
    }
    Ok(())
}
