//! `neurofuse power`: a traced run on the verilated chip gives each component's switching
//! activity; Yosys gives its cells; `power` turns them, the memory traffic and an energy
//! table into watts at real time, for the configuration the RTL was built for and for any
//! other (the BrainFuse scale by default), with a report and a plot per configuration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cosim::{check_rate, poisson_inputs, random_network_image};
use anyhow::{bail, Context, Result};
use chip::{ChipConfig, ChipImage};
use power::{Calibration, Cells, Component, EnergyTable, Toggles, Workload};

pub struct Options {
    /// A chip image for `builtin:small`; `None`: a generated random network.
    pub image: Option<PathBuf>,
    pub seed: u64,
    pub warmup: usize,
    pub ticks: usize,
    pub input_rate_hz: f64,
    /// Configurations to estimate.
    pub configs: Vec<String>,
    /// Firing rate and fan-out of the workload on configurations other than the RTL's.
    pub rate_hz: f64,
    pub fan_out: Option<f64>,
    pub energy: String,
    /// Cell counts from an earlier run (`cells.json`), instead of running Yosys.
    pub cells: Option<PathBuf>,
    pub keep_vcd: bool,
    pub out: PathBuf,
}

pub fn run(o: &Options) -> Result<()> {
    check_rate("--input-rate", o.input_rate_hz)?;
    check_rate("--rate", o.rate_hz)?;
    if let Some(f) = o.fan_out.filter(|f| !(f.is_finite() && *f >= 1.0)) {
        bail!("--fan-out {f}: expected 1 or more synapses per neuron");
    }
    if o.ticks == 0 {
        bail!("--ticks must be at least 1");
    }
    let table = EnergyTable::load(&o.energy)?;
    let configs = o
        .configs
        .iter()
        .map(|c| ChipConfig::load(c))
        .collect::<Result<Vec<_>, _>>()?;
    std::fs::create_dir_all(&o.out)
        .with_context(|| format!("{}: cannot create", o.out.display()))?;

    let cells = match &o.cells {
        Some(path) => read_cells(path)?,
        None => synthesize_cells(&o.out)?,
    };
    let (calibration, traced) = calibrate(o, cells)?;

    let mut estimates = Vec::new();
    let mut text = String::new();
    for config in &configs {
        // The traced run is the workload of the configuration it ran on; any other gets
        // the uniform one.
        let workload = if *config == traced {
            calibration.workload.clone()
        } else {
            let fan_out = o
                .fan_out
                .unwrap_or(config.total_synapses() as f64 / config.total_neurons() as f64);
            Workload::uniform(config, o.rate_hz, fan_out)
        };
        let estimate = power::estimate(config, &workload, &calibration, &table)?;
        let plot = o.out.join(format!("power-{}.svg", config.name));
        crate::plot::power_breakdown(&plot, &estimate)?;
        let report = power::report::text(&estimate, &calibration, &table);
        println!("{report}plot: {}\n", plot.display());
        text += &report;
        text += "\n";
        estimates.push(estimate);
    }
    let summary = serde_json::json!({
        "calibration": calibration,
        "estimates": estimates,
        "energy_table": table,
    });
    let json = o.out.join("power.json");
    std::fs::write(&json, serde_json::to_string_pretty(&summary)?)
        .with_context(|| format!("{}: cannot write", json.display()))?;
    let txt = o.out.join("power.txt");
    std::fs::write(&txt, text).with_context(|| format!("{}: cannot write", txt.display()))?;
    println!("report: {} and {}", txt.display(), json.display());
    Ok(())
}

pub fn read_cells(path: &Path) -> Result<Cells> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the cell counts", path.display()))?;
    let cells: Cells = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: expected the cells.json an earlier `neurofuse power` wrote",
            path.display()
        )
    })?;
    if let Some(c) = Component::ALL
        .iter()
        .find(|c| !cells.contains_key(c.module()))
    {
        bail!(
            "{}: no cell counts for block `{}`",
            path.display(),
            c.module()
        );
    }
    Ok(cells)
}

/// Writes the RTL's Verilog under `out/verilog`, synthesizes each block with Yosys and
/// keeps the counts in `out/cells.json` (for `--cells`).
pub fn synthesize_cells(out: &Path) -> Result<Cells> {
    let dir = out.join("verilog");
    let config = ChipConfig::load(testbench::CHIP_BUILT_FOR)?;
    hdl::export::export(&dir, None, &config)
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("{}: cannot write the Verilog", dir.display()))?;
    let modules: Vec<&str> = Component::ALL.iter().map(|c| c.module()).collect();
    let bar = indicatif::ProgressBar::new_spinner().with_message(format!(
        "synthesizing {} with Yosys (about a minute; reuse with --cells {})",
        modules.join(", "),
        out.join("cells.json").display()
    ));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let cells = power::cells::synthesize(&dir, &modules)?;
    bar.finish_and_clear();
    let path = out.join("cells.json");
    std::fs::write(&path, serde_json::to_string_pretty(&cells)?)
        .with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(cells)
}

/// The traced RTL run, as the estimate's calibration, and the configuration it ran on.
fn calibrate(o: &Options, cells: Cells) -> Result<(Calibration, ChipConfig)> {
    let image = match &o.image {
        Some(dir) => ChipImage::load(dir)?,
        None => random_network_image(o.seed)?.0,
    };
    let total = o.warmup + o.ticks;
    let inputs = poisson_inputs(&image, o.input_rate_hz, total, o.seed);
    let vcd = o.out.join("calibration.vcd");
    let source = o
        .image
        .as_ref()
        .map_or(format!("random network (seed {})", o.seed), |p| {
            format!("image {}", p.display())
        });
    let description = format!(
        "{source}, inputs at {} Hz, measured on the RTL",
        o.input_rate_hz
    );
    let calibration = calibrate_run(&image, &inputs, o.warmup, &vcd, cells, description);
    if !o.keep_vcd && vcd.exists() {
        std::fs::remove_file(&vcd).with_context(|| format!("{}: cannot remove", vcd.display()))?;
    }
    Ok((calibration?, image.config))
}

/// Runs `image` on the verilated chip with `inputs` (input spikes per tick), tracing every
/// tick from `warmup` on into `vcd`, and turns the switching activity and the chip model's
/// traffic into the estimate's calibration (`description` names the workload).
pub fn calibrate_run(
    image: &ChipImage,
    inputs: &[Vec<u32>],
    warmup: usize,
    vcd: &Path,
    cells: Cells,
    description: String,
) -> Result<Calibration> {
    let bar = indicatif::ProgressBar::new(inputs.len() as u64).with_style(
        indicatif::ProgressStyle::with_template(
            "tracing the RTL chip {bar:40} {pos}/{len} ticks {eta}",
        )
        .expect("valid template"),
    );
    let run = testbench::activity_run(image, inputs, warmup, vcd, |t| {
        bar.set_position(t as u64 + 1)
    });
    bar.finish_and_clear();
    let run = run.map_err(anyhow::Error::msg)?;
    let mut toggles: BTreeMap<Component, Toggles> = BTreeMap::new();
    for (instance, t) in &run.toggles {
        if let Some(c) = Component::of_instance(instance) {
            let entry = toggles.entry(c).or_default();
            entry.toggles += t.toggles;
            entry.bits += t.bits;
        }
    }
    let ticks = run.ticks as f64;
    let traffic = &run.traffic;
    Ok(Calibration {
        config: image.config.name.clone(),
        cores: image.config.cores(),
        cells,
        toggles,
        workload: Workload {
            description,
            neuron_updates: run.neuron_updates as f64 / ticks,
            synaptic_events: traffic.synaptic_events as f64 / ticks,
            packets: traffic.packets as f64 / ticks,
            hops: traffic.hops as f64 / ticks,
            sources: (traffic.spikes + traffic.input_spikes) as f64 / ticks,
            spikes: traffic.spikes as f64 / ticks,
            cycles_per_tick: run.chip_cycles as f64 / ticks,
            cycles_measured: true,
        },
        ticks: run.ticks,
        cycles: run.clocks,
    })
}
