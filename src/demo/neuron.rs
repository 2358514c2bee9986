//! The demo's first stage: the reference squid-axon neuron under a 10 uA/cm^2 step on every
//! engine, each compared with NEURON, with traces and a plot (a few seconds).

use std::path::Path;

use anyhow::{Context, Result};
use channels::ChannelSet;

use crate::metrics::compare;
use crate::neuron::{simulate, Engine, Precision, THRESHOLD_MV};
use crate::plot::{traces_with_error, Series};
use crate::trace::{read_protocol, write_trace};
use serde_json::{json, Value};

/// NEURON's trace of the same neuron (CVODE, tight tolerances), shipped as test data.
const REFERENCE: &str = include_str!("../../tests/data/neuron/step_10.csv");

/// Runs the stage, writing into `out`; returns its numbers for the summary.
pub fn run(out: &Path) -> Result<Value> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("{}: cannot create the output directory", out.display()))?;
    let protocol_path = out.join("step_10_neuron.csv");
    std::fs::write(&protocol_path, REFERENCE)
        .with_context(|| format!("{}: cannot write", protocol_path.display()))?;
    let protocol = read_protocol(&protocol_path, None)?;
    let reference = protocol
        .column("v_mV")
        .context("the shipped reference has no v_mV column")?;
    let set = ChannelSet::builtin("hh_squid")?;

    println!(
        "squid-axon HH neuron, 10 uA/cm^2 step, 100 ms at dt = {} ms",
        protocol.dt_ms
    );
    println!(
        "reference: NEURON 9.0.2 (CVODE, atol = rtol = 1e-8), {}",
        protocol_path.display()
    );
    println!();
    println!(
        "{:<10} {:>7} {:>16} {:>13} {:>12}",
        "engine", "spikes", "worst shift ms", "mean|dV| mV", "max|dV| mV"
    );
    let mut engines = vec![
        Engine::Float(Precision::F64),
        Engine::Float(Precision::F32),
        Engine::Fixed,
    ];
    if testbench::RTL_AVAILABLE {
        engines.push(Engine::Rtl);
    } else {
        println!("(rtl: {})", testbench::RTL_SKIPPED);
    }
    let mut traces = Vec::new();
    let mut rows = Vec::new();
    for engine in engines {
        let v = simulate(&set, engine, protocol.dt_ms, &protocol.i_ua_per_cm2)?;
        let c = compare(&protocol.t_ms, &v, reference, THRESHOLD_MV);
        let shift = c.shift_text();
        println!(
            "{:<10} {:>3} / {:<3} {:>14} {:>13.3} {:>12.2}",
            engine.to_string(),
            c.spikes,
            c.reference_spikes,
            shift,
            c.mean_abs_dv_mv,
            c.max_abs_dv_mv
        );
        rows.push(json!({
            "engine": engine.to_string(),
            "spikes": c.spikes,
            "neuron_spikes": c.reference_spikes,
            "worst_spike_shift_ms": c.worst_spike_shift_ms,
            "mean_abs_dv_mv": c.mean_abs_dv_mv,
            "max_abs_dv_mv": c.max_abs_dv_mv,
        }));
        let file = out.join(format!("{}.csv", engine.to_string().replace(' ', "_")));
        write_trace(&file, &protocol.t_ms, &v)?;
        traces.push((engine, v));
    }
    let plot = out.join("neuron_step_10.svg");
    let mut series = vec![Series {
        name: "NEURON",
        v_mv: reference,
    }];
    let names: Vec<String> = traces.iter().map(|(e, _)| e.to_string()).collect();
    for ((_, v), name) in traces.iter().zip(&names) {
        // f32 and rtl would only hide f64 and fixed: the table shows their differences.
        if name != "float f32" && name != "rtl" {
            series.push(Series { name, v_mv: v });
        }
    }
    traces_with_error(
        &plot,
        "Squid HH neuron, 10 uA/cm^2 step: engines vs NEURON",
        &protocol.t_ms,
        &series,
    )?;
    let fixed = traces.iter().find(|(e, _)| *e == Engine::Fixed);
    let rtl = traces.iter().find(|(e, _)| *e == Engine::Rtl);
    let mut rtl_identical = None;
    if let (Some((_, f)), Some((_, r))) = (fixed, rtl) {
        let identical = f.iter().zip(r).all(|(a, b)| a.to_bits() == b.to_bits());
        rtl_identical = Some(identical);
        println!(
            "rtl vs fixed: {}",
            if identical {
                "identical, every step, every bit"
            } else {
                "DIFFERENT (a bug: please report it)"
            }
        );
    }
    println!(
        "traces: {}/{{{}}}.csv; plot: {}",
        out.display(),
        names
            .iter()
            .map(|n| n.replace(' ', "_"))
            .collect::<Vec<_>>()
            .join(","),
        plot.display()
    );
    Ok(json!({
        "engines": rows,
        "rtl_identical_to_fixed": rtl_identical,
        "plot": plot,
    }))
}
