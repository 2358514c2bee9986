//! `neurofuse image` (a network compiled into a chip image) and `neurofuse run` (an image
//! run tick by tick on the bit-accurate chip model, with a spike raster).

use std::io::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};
use chip::{ChipConfig, ChipImage};
use network::random::RandomNetwork;
use network::{cobahh, Network, Stimulus};
use serde_json::json;

/// `b2`, `b2-reduced:N` or `random:SEED`.
pub fn network_named(spec: &str) -> Result<Network> {
    if spec == "b2" {
        return Ok(cobahh::b2()?);
    }
    if let Some(n) = spec.strip_prefix("b2-reduced:") {
        let size: usize = n
            .parse()
            .ok()
            .filter(|&s| (10..=cobahh::NEURONS).contains(&s))
            .with_context(|| {
                format!("--network {spec}: expected b2-reduced:N with N from 10 to 4000")
            })?;
        return Ok(cobahh::reduced(&cobahh::b2()?, size));
    }
    if let Some(seed) = spec.strip_prefix("random:") {
        let seed: u64 = seed
            .parse()
            .with_context(|| format!("--network {spec}: expected random:SEED, SEED an integer"))?;
        return Ok(RandomNetwork {
            seed,
            ..RandomNetwork::default()
        }
        .build());
    }
    bail!("--network {spec}: expected b2, b2-reduced:N or random:SEED")
}

pub fn compile(network: &str, config: &str, out: &Path) -> Result<()> {
    let net = network_named(network)?;
    let config = ChipConfig::load(config)?;
    let compiled = compiler::compile(&net, &config)?;
    compiled.image.save(out)?;
    let image = &compiled.image;
    let used = image.cores.iter().filter(|c| c.neurons() > 0).count();
    let max = |f: &dyn Fn(&chip::CoreImage) -> usize| image.cores.iter().map(f).max().unwrap_or(0);
    println!(
        "network `{}`: {} neurons, {} synapses, {} inputs -> chip `{}` ({} of {} cores used)",
        net.name,
        net.neurons,
        net.synapses.len(),
        net.inputs,
        config.name,
        used,
        image.cores.len()
    );
    println!(
        "per core, at most: {} neurons of {}, {} axons of {}, {} synapses of {}, {} routes of {}",
        max(&|c| c.neurons()),
        config.core.neurons,
        max(&|c| c.axons.len()),
        config.core.axons,
        max(&|c| c.synapses.len()),
        config.core.synapses,
        max(&|c| c.routes.entries.len()),
        config.core.routes
    );
    for r in &compiled.quantization.receptors {
        println!(
            "receptor `{}`: {} synapses, weight step {:.3e} (shift {}), worst relative error {:.2} %, {} rounded to zero",
            r.name,
            r.synapses,
            r.step,
            r.shift,
            100.0 * r.max_relative_error,
            r.zeroed
        );
    }
    println!("image written to {}", out.display());
    Ok(())
}

/// Runs the image at `target` (`sim`, in process; `tcp://HOST:PORT`, a board behind the
/// host link; `serial://DEVICE`, a board's UART at `baud`) for `ticks` ticks of Poisson inputs: spikes.csv and raster.svg in `out`,
/// a JSON summary on stdout. The same image and inputs give the same files on every target.
#[allow(clippy::too_many_arguments)]
pub fn run(
    image_dir: &Path,
    target: &str,
    baud: u32,
    ticks: usize,
    input_rate_hz: f64,
    seed: u64,
    out: &Path,
) -> Result<()> {
    let image = ChipImage::load(image_dir)?;
    let dt = image.config.timing.dt_ms;
    let inputs = image.inputs.ranges.len();
    if !(input_rate_hz.is_finite() && input_rate_hz >= 0.0) {
        bail!("--input-rate {input_rate_hz}: expected a rate in Hz, 0 or more");
    }
    let mut target = crate::board::Target::open(target, &image, baud)?;
    let stimulus = Stimulus::poisson(inputs, input_rate_hz, ticks, dt, seed);
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    let csv_path = out.join("spikes.csv");
    let mut csv = std::io::BufWriter::new(
        std::fs::File::create(&csv_path)
            .with_context(|| format!("{}: cannot create", csv_path.display()))?,
    );
    writeln!(csv, "tick,t_ms,neuron")?;
    let mut points = Vec::new();
    let bar = indicatif::ProgressBar::new(ticks as u64).with_style(
        indicatif::ProgressStyle::with_template("running {bar:40} {pos}/{len} ticks {eta}")
            .expect("valid template"),
    );
    // The spikes come from the target: a board's (core, neuron) is checked, not trusted.
    let neuron_id = |core: u32, local: u32| {
        image
            .cores
            .get(core as usize)
            .and_then(|c| c.neuron_ids.get(local as usize))
            .copied()
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "the target reported a spike of core {core}, neuron {local}, which the image does not have"
                )
            })
    };
    let mut spike_count = 0u64;
    let mut input_spikes = 0u64;
    for first in (0..ticks).step_by(crate::board::TICKS_PER_REQUEST) {
        let last = (first + crate::board::TICKS_PER_REQUEST).min(ticks);
        let batch: Vec<Vec<u32>> = (first..last).map(|t| stimulus.at(t).to_vec()).collect();
        input_spikes += batch.iter().map(|i| i.len() as u64).sum::<u64>();
        for (t, spikes) in (first..).zip(target.run(&batch)?) {
            for (core, local) in spikes {
                let neuron = neuron_id(core, local)?;
                let t_ms = (t + 1) as f64 * dt;
                writeln!(csv, "{t},{t_ms},{neuron}")?;
                points.push((t_ms, neuron));
                spike_count += 1;
            }
        }
        bar.set_position(last as u64);
    }
    bar.finish_and_clear();
    csv.flush()?;
    let neurons: usize = image.cores.iter().map(|c| c.neurons()).sum();
    let raster = out.join("raster.svg");
    crate::plot::raster(
        &raster,
        &format!("{} on {}", image_dir.display(), target.describe()),
        &points,
        ticks as f64 * dt,
        neurons,
    )?;
    let mut summary = json!({
        "target": target.describe(),
        "ticks": ticks,
        "neurons": neurons,
        "spikes": spike_count,
        "input_spikes": input_spikes,
        "spikes_csv": csv_path,
        "raster": raster,
    });
    if let Some(t) = target.traffic() {
        summary["packets"] = t.packets.into();
        summary["hops"] = t.hops.into();
        summary["synaptic_events"] = t.synaptic_events.into();
    }
    println!("{summary}");
    Ok(())
}
