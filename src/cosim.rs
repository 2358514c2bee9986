//! `neurofuse cosim`: a chip image (or a generated random network) on the verilated chip and
//! on the bit-accurate model, the same input spikes into both, compared every tick; on the
//! first divergence, the VCDs of a window around it and a non-zero exit status. With a
//! generated network, also the float reference's spike count against the model's.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use chip::{ChipConfig, ChipImage};
use network::random::RandomNetwork;
use network::{Network, Stimulus};
use serde_json::json;

/// The float reference and the chip agree on the spike count within this fraction (the
/// chaos budget of networks.md: peers agree on B2 within about 15 %).
pub const SPIKE_COUNT_BUDGET: f64 = 0.15;

pub struct Options {
    /// A chip image directory; `None` with `random_network`.
    pub image: Option<PathBuf>,
    pub random_network: bool,
    pub seed: u64,
    pub ticks: usize,
    pub input_rate_hz: f64,
    /// Compare every neuron's state every this many ticks (spikes: every tick).
    pub state_every: usize,
    /// Test only: the core whose deliveries the chip corrupts (`hdl::chip_map::CHIP_FAULT`).
    pub fault: Option<u32>,
    /// Ticks of VCD before a divergence.
    pub window: usize,
    pub out: PathBuf,
}

pub fn run(o: &Options) -> Result<()> {
    check_rate("--input-rate", o.input_rate_hz)?;
    if o.ticks == 0 {
        bail!("--ticks must be at least 1");
    }
    if o.state_every == 0 {
        bail!("--state-every must be at least 1");
    }
    std::fs::create_dir_all(&o.out)
        .with_context(|| format!("{}: cannot create", o.out.display()))?;
    let (image, network) = match (&o.image, o.random_network) {
        (Some(_), true) => bail!("give an image directory or --random-network, not both"),
        (None, false) => bail!("give an image directory, or --random-network to generate one"),
        (Some(dir), false) => (ChipImage::load(dir)?, None),
        (None, true) => {
            let (image, net) = random_network_image(o.seed)?;
            let config = &image.config;
            let dir = o.out.join("image");
            image.save(&dir)?;
            println!(
                "network `{}` compiled for chip `{}`: {}",
                net.name,
                config.name,
                dir.display()
            );
            (image, Some(net))
        }
    };
    let inputs = poisson_inputs(&image, o.input_rate_hz, o.ticks, o.seed);
    rtl_against_model(o, &image, &inputs, network.as_ref())
}

/// An error unless `value` is a rate in Hz (finite, 0 or more); `flag` names the option.
pub fn check_rate(flag: &str, value: f64) -> Result<()> {
    if !(value.is_finite() && value >= 0.0) {
        bail!("{flag} {value}: expected a rate in Hz, 0 or more");
    }
    Ok(())
}

/// The random network of `seed` compiled for the chip the RTL is built for.
pub fn random_network_image(seed: u64) -> Result<(ChipImage, Network)> {
    let net = RandomNetwork {
        seed,
        ..RandomNetwork::default()
    }
    .build();
    let config = ChipConfig::load(testbench::CHIP_BUILT_FOR)?;
    let image = compiler::compile(&net, &config)?.image;
    Ok((image, net))
}

/// Poisson spikes at `rate_hz` on every input of `image`, per tick.
pub fn poisson_inputs(image: &ChipImage, rate_hz: f64, ticks: usize, seed: u64) -> Vec<Vec<u32>> {
    let stimulus = Stimulus::poisson(
        image.inputs.ranges.len(),
        rate_hz,
        ticks,
        image.config.timing.dt_ms,
        seed,
    );
    (0..ticks).map(|t| stimulus.at(t).to_vec()).collect()
}

fn rtl_against_model(
    o: &Options,
    image: &ChipImage,
    inputs: &[Vec<u32>],
    network: Option<&Network>,
) -> Result<()> {
    let bar = indicatif::ProgressBar::new(o.ticks as u64).with_style(
        indicatif::ProgressStyle::with_template("co-simulating {bar:40} {pos}/{len} ticks {eta}")
            .expect("valid template"),
    );
    let start = std::time::Instant::now();
    let mut report = testbench::cosim_image(image, inputs, o.state_every, o.fault, |t| {
        if t % 10 == 0 {
            bar.set_position(t as u64)
        }
    })
    .map_err(anyhow::Error::msg)?;
    bar.finish_and_clear();
    // A state difference is seen at the next full comparison; find the tick it began.
    if let Some(d) = report.divergence.as_ref().filter(|_| o.state_every > 1) {
        let refined = testbench::cosim_image(image, &inputs[..=d.tick], 1, o.fault, |_| {})
            .map_err(anyhow::Error::msg)?;
        if refined.divergence.is_some() {
            report.divergence = refined.divergence;
        }
    }
    let wall_s = start.elapsed().as_secs_f64();
    let float = network
        .map(|net| float_spikes(net, &inputs[..report.ticks], image.config.timing.dt_ms))
        .transpose()?;
    let raster = o.out.join("raster.svg");
    let points: Vec<(f64, u32)> = report
        .spike_list
        .iter()
        .map(|&(t, core, local)| {
            let id = image.cores[core as usize].neuron_ids[local as usize];
            ((t + 1) as f64 * image.config.timing.dt_ms, id)
        })
        .collect();
    let neurons: usize = image.cores.iter().map(|c| c.neurons()).sum();
    crate::plot::raster(
        &raster,
        "co-simulation: spikes of the RTL chip (identical to sim's up to any divergence)",
        &points,
        report.ticks as f64 * image.config.timing.dt_ms,
        neurons,
    )?;
    let mean = |v: &[u32]| v.iter().map(|&c| f64::from(c)).sum::<f64>() / v.len().max(1) as f64;
    let cycles_per_tick = mean(&report.cycles);
    let float_json = float.map(|f| {
        let relative = (report.spikes as f64 - f as f64).abs() / (f as f64).max(1.0);
        json!({
            "float_spikes": f,
            "chip_spikes": report.spikes,
            "relative_difference": relative,
            "budget": SPIKE_COUNT_BUDGET,
            "within_budget": relative <= SPIKE_COUNT_BUDGET,
        })
    });
    let summary = json!({
        "ticks": report.ticks,
        "spikes": report.spikes,
        "synaptic_events": report.synaptic_events,
        "rtl_clocks": report.rtl_clocks,
        "rtl_clocks_per_s": report.rtl_clocks as f64 / wall_s,
        "cycles_per_tick_mean": cycles_per_tick,
        "cycles_per_tick_max": report.cycles.iter().max(),
        "stalled_clocks": report.stalls.iter().map(|&s| u64::from(s)).sum::<u64>(),
        "real_time_factor": image.config.timing.dt_ms * 1e3 * image.config.timing.clock_mhz / cycles_per_tick,
        "fault_injected_core": o.fault,
        "divergence": report.divergence.as_ref().map(|d| d.to_string()),
        "float_reference": float_json,
        "raster": raster,
    });
    let path = o.out.join("cosim.json");
    std::fs::write(&path, serde_json::to_string_pretty(&summary)?)
        .with_context(|| format!("{}: cannot write", path.display()))?;
    println!("{summary}");
    if let Some(d) = &report.divergence {
        let window = testbench::divergence_window(image, inputs, o.fault, d, o.window, &o.out)
            .map_err(anyhow::Error::msg)?;
        bail!(
            "RTL and sim diverge at {d}\nVCD of ticks {}..={}: {} (every RTL signal), {} and {} (the neuron's state, RTL and sim)",
            d.tick.saturating_sub(o.window),
            d.tick,
            window[0].display(),
            window[1].display(),
            window[2].display()
        );
    }
    println!(
        "RTL and sim agree on {} ticks ({} spikes); report {}",
        report.ticks,
        report.spikes,
        path.display()
    );
    Ok(())
}

/// The float reference's spike count on the same inputs (f64).
fn float_spikes(net: &Network, inputs: &[Vec<u32>], dt_ms: f64) -> Result<u64> {
    let mut model = gpu::FloatNetwork::<f64>::new(net, dt_ms)?;
    let mut spikes = 0;
    for fired in inputs {
        spikes += model.step(fired).len() as u64;
    }
    Ok(spikes)
}
