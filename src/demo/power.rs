//! The demo's power stage: cell counts (Yosys, or `--cells`), a traced run of one test
//! image on the verilated chip (its VCD kept: the waveform to debug with), and the estimate
//! for the chip the RTL is built for, with its per-component breakdown and plot.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use chip::ChipImage;
use power::{Cells, EnergyTable};
use serde_json::{json, Value};
use train::fit::Example;

use crate::evaluate::inputs_per_tick;

/// The energy table of the estimate (`neurofuse power`'s default).
const ENERGY_TABLE: &str = "builtin:cmos45";

/// What the stage traces and with which cells.
pub struct Trace<'a> {
    pub example: &'a Example,
    /// Untraced ticks first (the network settles into its response), then traced ones:
    /// every RTL signal at every clock, about 2 MB of VCD per tick.
    pub warmup: usize,
    pub ticks: usize,
    /// Cell counts from `--cells`; `None`: Yosys runs.
    pub cells: Option<(PathBuf, Cells)>,
}

/// Runs the stage in `dir`; returns its numbers for the summary.
pub fn run(dir: &Path, image: &ChipImage, trace: Trace) -> Result<Value> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let (cells, cells_from) = match trace.cells {
        Some((path, cells)) => {
            println!("cell counts from {}", path.display());
            (cells, path)
        }
        None => {
            let start = Instant::now();
            let cells = crate::power::synthesize_cells(dir)?;
            let path = dir.join("cells.json");
            println!(
                "cell counts: Yosys, {:.0} s (next time: --cells {})",
                start.elapsed().as_secs_f64(),
                path.display()
            );
            (cells, path)
        }
    };
    let end = trace.warmup + trace.ticks;
    let inputs = inputs_per_tick(&trace.example.stimulus, end);
    let vcd = dir.join("trace.vcd");
    let description = format!(
        "test image 0 (a {}), ticks {}..{} of {}, measured on the RTL",
        trace.example.label, trace.warmup, end, image.config.name
    );
    let calibration =
        crate::power::calibrate_run(image, &inputs, trace.warmup, &vcd, cells, description)?;
    let table = EnergyTable::load(ENERGY_TABLE)?;
    let estimate = power::estimate(&image.config, &calibration.workload, &calibration, &table)?;
    let plot = dir.join(format!("power-{}.svg", image.config.name));
    crate::plot::power_breakdown(&plot, &estimate)?;
    let report = power::report::text(&estimate, &calibration, &table);
    let txt = dir.join("power.txt");
    std::fs::write(&txt, &report).with_context(|| format!("{}: cannot write", txt.display()))?;
    // The breakdown; the assumptions behind it (a page) are in power.txt.
    print!("{}", report.split("assumptions:").next().unwrap_or(&report));
    println!(
        "VCD of ticks {}..{end}: {} ({:.0} MB); assumptions: {}",
        trace.warmup,
        vcd.display(),
        std::fs::metadata(&vcd).map_or(0.0, |m| m.len() as f64 / 1e6),
        txt.display()
    );
    Ok(json!({
        "traced_ticks": [trace.warmup, end],
        "cells_from": cells_from,
        "energy_table": ENERGY_TABLE,
        "total_w": estimate.total_w,
        "dynamic_w": estimate.dynamic_w,
        "static_w": estimate.static_w,
        "estimate": estimate,
        "vcd": vcd,
        "plot": plot,
        "report": txt,
    }))
}
