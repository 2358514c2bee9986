//! `neurofuse demo`: the end-to-end flow on a built-in default. One neuron against NEURON,
//! then the shipped trained digits classifier (or `--network`) compiled for the chip the RTL
//! is built for, its accuracy on the float reference, the chip model and the verilated chip
//! (bit-exact with the model), a spike raster, a power estimate with its VCD, a summary.

mod accuracy;
pub mod network;
mod neuron;
mod power;
mod raster;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use chip::ChipConfig;
use serde_json::{json, Value};

use crate::evaluate::{digits_test_set, Engine, Evaluation};

pub struct Options {
    pub out: PathBuf,
    /// An exported digits classifier; `None`: the shipped one (data/trained/digits-hh).
    pub network: Option<PathBuf>,
    /// The first N test images on float and sim; `None`: all of them.
    pub images: Option<usize>,
    /// The first N test images on the RTL; `None`: 30, or all of `images` if fewer.
    pub rtl_images: Option<usize>,
    pub threads: usize,
    /// Cell counts from an earlier run (`cells.json`), instead of Yosys.
    pub cells: Option<PathBuf>,
    /// Ticks of the power stage's traced RTL run (after `POWER_WARMUP`).
    pub trace_ticks: usize,
}

/// Test images on the RTL unless `--rtl-images` says otherwise (about 10 s).
const DEFAULT_RTL_IMAGES: usize = 30;

/// Untraced ticks before the power stage's traced ones: 5 ms into the image.
const POWER_WARMUP: usize = 200;

/// The chip the verilated RTL is built for, so sim and RTL run the same image.
const CHIP: &str = testbench::CHIP_BUILT_FOR;

pub fn run(o: &Options) -> Result<()> {
    let start = Instant::now();
    // Flags are checked before any long work.
    let test_images = crate::training::split().2.len();
    let images = o.images.unwrap_or(test_images);
    if images == 0 || images > test_images {
        bail!("--images {images}: expected 1 to {test_images} (the digits test set)");
    }
    let rtl_images = o.rtl_images.unwrap_or(DEFAULT_RTL_IMAGES.min(images));
    if rtl_images == 0 || rtl_images > images {
        bail!(
            "--rtl-images {rtl_images}: expected 1 to {images} (the test images run on float and sim, --images)"
        );
    }
    if o.threads == 0 {
        bail!("--threads must be at least 1");
    }
    if o.trace_ticks == 0 {
        bail!("--trace-ticks must be at least 1");
    }
    let cells = o
        .cells
        .as_ref()
        .map(|p| Ok::<_, anyhow::Error>((p.clone(), crate::power::read_cells(p)?)))
        .transpose()?;
    std::fs::create_dir_all(&o.out)
        .with_context(|| format!("{}: cannot create the output directory", o.out.display()))?;
    // The network is loaded before any stage runs, so a bad --network fails at once.
    let network_dir = match &o.network {
        Some(dir) => dir.clone(),
        None => {
            let dir = o.out.join("network");
            network::write_shipped(&dir)?;
            dir
        }
    };
    let c = network::load(&network_dir)?;
    if c.spec.ticks < POWER_WARMUP + o.trace_ticks {
        bail!(
            "--trace-ticks {}: the network runs {} ticks per image and the power trace starts at tick {POWER_WARMUP}: expected 1 to {}",
            o.trace_ticks,
            c.spec.ticks,
            c.spec.ticks.saturating_sub(POWER_WARMUP)
        );
    }
    let stage = |n: usize, what: &str| {
        println!("\n== {n}/6 {what} [{:.0} s]", start.elapsed().as_secs_f64())
    };

    stage(1, "one HH neuron on every engine against NEURON");
    let neuron = neuron::run(&o.out.join("neuron"))?;

    stage(2, "the trained network");
    println!(
        "`{}` from {}: {} inputs, {} hidden and {} output neurons ({}), {} ticks of {} ms per image",
        c.net.name,
        network_dir.display(),
        c.spec.inputs,
        c.spec.hidden,
        c.spec.classes,
        c.spec.neuron,
        c.spec.ticks,
        c.spec.dt_ms
    );

    let config = ChipConfig::load(CHIP)?;
    stage(3, &format!("compile for chip `{}`", config.name));
    crate::compile::check_dt(&network_dir, &c.manifest, &config)?;
    let compiled = compiler::compile(&c.net, &config)
        .with_context(|| format!("{}: cannot compile", network_dir.display()))?;
    crate::compile::print_quantization(&c.net, &compiled);
    crate::compile::print_traffic(&compiled);
    crate::compile::print_usage(&compiled);
    let image = &compiled.image;
    let image_dir = o.out.join("image");
    image.save(&image_dir)?;
    let placement_svg = image_dir.join(crate::compile::PLACEMENT_PICTURE);
    crate::compile::write_placement(&placement_svg, &c.net, &compiled)?;
    println!("image: {}", image_dir.display());
    println!("placement picture: {}", placement_svg.display());

    stage(4, "accuracy on the digits test set");
    let examples = digits_test_set(&c.spec, Some(images));
    let float = accuracy::run_engine(Engine::Float, &c, image, &examples, o.threads)?;
    print_accuracy(&float, None);
    let sim = accuracy::run_engine(Engine::Sim, &c, image, &examples, o.threads)?;
    print_accuracy(&sim, Some(&float));
    let rtl = if testbench::RTL_AVAILABLE {
        let r = accuracy::run_rtl(&c, image, &examples[..rtl_images])?;
        print_accuracy(&r.evaluation, Some(&float));
        println!(
            "rtl   spikes identical to sim at every tick: {} images x {} ticks",
            rtl_images, c.spec.ticks
        );
        Some(r)
    } else {
        println!("rtl   {}", testbench::RTL_SKIPPED);
        None
    };

    stage(5, "spike raster of one test image");
    let raster_svg = o.out.join("raster.svg");
    let raster = raster::draw(
        &raster_svg,
        &c,
        image,
        &examples[0],
        rtl.as_ref().map(|r| &r.first_spikes),
    )?;
    println!("raster: {}", raster_svg.display());

    stage(6, "power estimate from the RTL's switching activity");
    let power = if testbench::RTL_AVAILABLE {
        Some(power::run(
            &o.out.join("power"),
            image,
            power::Trace {
                example: &examples[0],
                warmup: POWER_WARMUP,
                ticks: o.trace_ticks,
                cells,
            },
        )?)
    } else {
        println!("skipped: the estimate needs the RTL's switching activity");
        None
    };

    let wall_s = start.elapsed().as_secs_f64();
    let mut evaluations = vec![&float, &sim];
    evaluations.extend(rtl.as_ref().map(|r| &r.evaluation));
    print_summary(&evaluations);
    let summary_path = o.out.join("summary.json");
    let summary = json!({
        "network": network_dir,
        "chip": config.name,
        "test_images": test_images,
        "engines": evaluations.iter().map(|e| engine_json(e, &float)).collect::<Vec<_>>(),
        // Written only when every compared tick agreed: a difference stops the demo.
        "rtl_vs_sim": rtl.as_ref().map(|r| json!({
            "images": r.evaluation.labels.len(),
            "ticks_compared": r.ticks_compared,
        })),
        "single_neuron_vs_neuron_9": neuron,
        "raster": { "file": raster_svg, "image": 0, "engines": raster },
        "power": power,
        "image": image_dir,
        "placement": {
            "file": placement_svg,
            "inter_core_packets": compiled.traffic.inter_core,
            "hops": compiled.traffic.hops,
            "naive_inter_core_packets": compiled.baseline.inter_core,
            "naive_hops": compiled.baseline.hops,
        },
        "wall_s": wall_s,
    });
    std::fs::write(&summary_path, serde_json::to_string_pretty(&summary)?)
        .with_context(|| format!("{}: cannot write", summary_path.display()))?;
    println!();
    println!("image:   {}", image_dir.display());
    if let Some(p) = &power {
        println!("VCD:     {}", path_of(p, "vcd"));
        println!(
            "plots:   {}, {}, {}, {}",
            raster_svg.display(),
            path_of(p, "plot"),
            placement_svg.display(),
            path_of(&neuron, "plot")
        );
    } else {
        println!(
            "plots:   {}, {}, {}",
            raster_svg.display(),
            placement_svg.display(),
            path_of(&neuron, "plot")
        );
    }
    println!("summary: {}", summary_path.display());
    println!("done in {wall_s:.0} s");
    if neuron["rtl_identical_to_fixed"] == json!(false) {
        bail!("the single neuron's RTL trace differs from the fixed engine's (see above)");
    }
    Ok(())
}

fn path_of(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or("?").to_string()
}

fn print_accuracy(e: &Evaluation, float: Option<&Evaluation>) {
    let mut line = format!(
        "{:5} accuracy {:.2} % ({}/{}) in {:.1} s",
        e.engine.name(),
        100.0 * e.accuracy(),
        e.right(),
        e.labels.len(),
        e.wall_s
    );
    if let Some(f) = float {
        line += &format!(
            "; same decision as float on {}/{}",
            e.agreement(f),
            e.labels.len()
        );
    }
    println!("{line}");
}

fn print_summary(evaluations: &[&Evaluation]) {
    println!("\n== summary");
    println!(
        "{:<7} {:>6} {:>20} {:>9} {:>22}",
        "engine", "images", "accuracy", "wall", "same decision as float"
    );
    let float = evaluations[0];
    for e in evaluations {
        println!(
            "{:<7} {:>6} {:>20} {:>7.1} s {:>22}",
            e.engine.name(),
            e.labels.len(),
            format!(
                "{:.2} % ({}/{})",
                100.0 * e.accuracy(),
                e.right(),
                e.labels.len()
            ),
            e.wall_s,
            format!("{}/{}", e.agreement(float), e.labels.len())
        );
    }
}

/// One engine's row of summary.json; agreement counted over its images (the first N).
fn engine_json(e: &Evaluation, float: &Evaluation) -> Value {
    json!({
        "engine": e.engine.name(),
        "images": e.labels.len(),
        "right": e.right(),
        "accuracy": e.accuracy(),
        "wall_s": e.wall_s,
        "same_decision_as_float": e.agreement(float),
    })
}
