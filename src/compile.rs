//! `neurofuse compile`: an exported network (`neurofuse train`'s `network.json` +
//! `network.safetensors`) compiled into a chip image for a chip configuration, with the
//! quantization error and each core's memory fill reported.

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use chip::ChipConfig;
use network::Network;
use train::export::Manifest;

/// Reads an exported network; errors name the file (`train::export::load`).
pub fn load_network(dir: &Path) -> Result<(Network, Manifest)> {
    if !dir.is_dir() {
        bail!(
            "{}: not a directory; expected an exported network ({} and {}, as `neurofuse train` writes them)",
            dir.display(),
            train::export::MANIFEST,
            train::export::TENSORS
        );
    }
    train::export::load(dir).with_context(|| {
        format!(
            "{}: cannot read the exported network (damaged or incomplete export)",
            dir.display()
        )
    })
}

/// An error unless the network was exported for the chip's time step: the synaptic decays
/// and the channel tables depend on it, and the trained weights on the dynamics.
pub fn check_dt(dir: &Path, manifest: &Manifest, config: &ChipConfig) -> Result<()> {
    let (net_dt, chip_dt) = (manifest.dt_ms, config.timing.dt_ms);
    if (net_dt - chip_dt).abs() > 1e-12 * net_dt.abs().max(chip_dt.abs()) {
        bail!(
            "{}: dt_ms = {net_dt}, but chip '{}' steps timing.dt_ms = {chip_dt}: the network was trained at its dt; use a chip configuration with timing.dt_ms = {net_dt}, or retrain at {chip_dt} ms",
            dir.join(train::export::MANIFEST).display(),
            config.name
        );
    }
    Ok(())
}

/// Loads the network in `dir`, checks its dt against `config` and compiles it.
pub fn compile_dir(
    dir: &Path,
    config: &ChipConfig,
) -> Result<(Network, Manifest, compiler::Compiled)> {
    let (net, manifest) = load_network(dir)?;
    check_dt(dir, &manifest, config)?;
    let compiled = compiler::compile(&net, config)
        .with_context(|| format!("{}: cannot compile", dir.display()))?;
    Ok((net, manifest, compiled))
}

/// `neurofuse compile NETWORK_DIR --config CHIP --out IMAGE_DIR [--placer ...]`.
pub fn run(network_dir: &Path, config: &str, out: &Path, placer: compiler::Placer) -> Result<()> {
    let start = Instant::now();
    let elapsed = || format!("{:.2} s", start.elapsed().as_secs_f64());
    let config = ChipConfig::load(config)?;
    println!(
        "reading {} (chip `{}`: {} cores x {} neurons, dt {} ms)",
        network_dir.display(),
        config.name,
        config.cores(),
        config.core.neurons,
        config.timing.dt_ms
    );
    let (net, manifest) = load_network(network_dir)?;
    println!(
        "network `{}`: {} neurons, {} synapses, {} inputs with {} input synapses, dt {} ms ({})",
        net.name,
        net.neurons,
        net.synapses.len(),
        net.inputs,
        net.input_synapses.len(),
        manifest.dt_ms,
        elapsed()
    );
    check_dt(network_dir, &manifest, &config)?;
    let compiled = compile_with_progress(&net, &config, placer, |_| {})
        .with_context(|| format!("{}: cannot compile", network_dir.display()))?;
    println!("compiled ({})", elapsed());
    print_quantization(&net, &compiled);
    print_traffic(&compiled);
    print_usage(&compiled);
    compiled.image.save(out)?;
    let picture = out.join(PLACEMENT_PICTURE);
    write_placement(&picture, &net, &compiled)?;
    println!("image written to {} ({})", out.display(), elapsed());
    println!("placement picture: {}", picture.display());
    Ok(())
}

/// Written beside the image's files (the image loader reads only its own).
pub const PLACEMENT_PICTURE: &str = "placement.svg";

/// `compiler::compile_with`, with a progress bar over the partitioner's passes; `observe`
/// sees every progress report too.
pub fn compile_with_progress(
    net: &Network,
    config: &ChipConfig,
    placer: compiler::Placer,
    mut observe: impl FnMut(compiler::Progress),
) -> Result<compiler::Compiled, compiler::CompileError> {
    let bar = indicatif::ProgressBar::new(1).with_style(
        indicatif::ProgressStyle::with_template("{msg:>10} {bar:40} {pos}/{len} {elapsed}")
            .expect("valid template"),
    );
    let compiled = compiler::compile_with(net, config, placer, &mut |p| {
        observe(p);
        bar.set_message(p.stage);
        bar.set_length(p.total);
        bar.set_position(p.done);
    });
    bar.finish_and_clear();
    compiled
}

/// Inter-core packets and hops of the placement against the naive baseline, as if every
/// neuron and input spiked once.
pub fn print_traffic(compiled: &compiler::Compiled) {
    let (t, b) = (&compiled.traffic, &compiled.baseline);
    let change = |now: u64, before: u64| {
        if before == 0 {
            String::new()
        } else {
            format!(", {:+.1} %", 100.0 * (now as f64 / before as f64 - 1.0))
        }
    };
    println!("spike traffic, every neuron and input spiking once (naive index-order placement in brackets):");
    println!(
        "  inter-core packets {} ({}{}), router hops {} ({}{}), local packets {}, input packets {} ({})",
        t.inter_core,
        b.inter_core,
        change(t.inter_core, b.inter_core),
        t.hops,
        b.hops,
        change(t.hops, b.hops),
        t.local,
        t.input,
        b.input
    );
    let width = compiled.image.config.mesh.width as usize;
    let (load, naive) = (
        compiler::traffic::mesh_load(t, width),
        compiler::traffic::mesh_load(b, width),
    );
    let busiest = |l: &compiler::traffic::MeshLoad| {
        let router = l.routers.iter().enumerate().max_by_key(|r| r.1);
        let link = l.links.iter().max_by_key(|l| l.1);
        format!(
            "router {}, link {}",
            router.map_or("-".into(), |(k, p)| format!("{p} packets at core {k}")),
            link.map_or("-".into(), |((a, b), p)| format!("{p} packets on {a}-{b}"))
        )
    };
    println!("  busiest {} ({})", busiest(&load), busiest(&naive));
    if let Some(p) = &compiled.partition {
        println!(
            "  partitioner: best start {} ({} clusters), {} refinement passes, at most {} neurons per core",
            p.start,
            p.clusters,
            p.moves.len(),
            p.neuron_cap
        );
    }
}

/// The placement picture: the naive baseline beside the compiled placement.
pub fn write_placement(path: &Path, net: &Network, compiled: &compiler::Compiled) -> Result<()> {
    use crate::placement_plot::{placement, Panel};
    let config = &compiled.image.config;
    let naive = compiler::place::spread(net.neurons, config).map_err(anyhow::Error::msg)?;
    let title = |name: &str, t: &compiler::Traffic| {
        format!(
            "{name}\n{} inter-core packets, {} hops",
            t.inter_core, t.hops
        )
    };
    let mut panels = vec![Panel {
        title: title("naive: index order", &compiled.baseline),
        traffic: &compiled.baseline,
        neurons: naive.neurons.iter().map(Vec::len).collect(),
    }];
    if compiled.partition.is_some() {
        panels.push(Panel {
            title: title("partitioned and placed", &compiled.traffic),
            traffic: &compiled.traffic,
            neurons: compiled.placement.neurons.iter().map(Vec::len).collect(),
        });
    }
    placement(
        path,
        config.mesh.width as usize,
        config.mesh.height as usize,
        config.core.neurons as usize,
        &panels,
    )
}

/// Per receptor: weight step, worst relative weight error, weights lost to rounding, and
/// the decay factor's rounding (as an error of the time constant).
pub fn print_quantization(net: &Network, compiled: &compiler::Compiled) {
    let dt = compiled.image.config.timing.dt_ms;
    println!("quantization:");
    for ((q, rec), image) in compiled
        .quantization
        .receptors
        .iter()
        .zip(&net.receptors)
        .zip(&compiled.image.receptors)
    {
        // decay = exp(-dt / tau) in U0.18: the time constant the chip realizes.
        let decay = f64::from(image.decay) / f64::from(1u32 << sim::format::DECAY_FRAC);
        let tau_chip = -dt / decay.ln();
        println!(
            "  receptor `{}`: {} synapses, weight step {:.3e} (shift {}), total weight error {:.4} %, worst single weight {:.1} %, {} rounded to zero; tau {} ms -> {:.4} ms ({:+.3} %)",
            q.name,
            q.synapses,
            q.step,
            q.shift,
            100.0 * q.weighted_relative_error,
            100.0 * q.max_relative_error,
            q.zeroed,
            rec.tau_ms,
            tau_chip,
            100.0 * (tau_chip / rec.tau_ms - 1.0)
        );
    }
}

/// One line per core that runs neurons: each memory's fill against its capacity, and the
/// packets through its router if every neuron and input spiked once (the expected router
/// load, in proportion to firing rates).
pub fn print_usage(compiled: &compiler::Compiled) {
    let image = &compiled.image;
    let usage = compiler::usage(image);
    let load = compiler::traffic::mesh_load(&compiled.traffic, image.config.mesh.width as usize);
    let used = usage.iter().filter(|u| u.neurons.used > 0).count();
    println!(
        "resources: {used} of {} cores used (used/capacity per core)",
        usage.len()
    );
    for u in usage.iter().filter(|u| u.neurons.used > 0) {
        println!(
            "  core {}: neurons {}, axons {}, synapses {}, routes {}; router load {} packets",
            u.core, u.neurons, u.axons, u.synapses, u.routes, load.routers[u.core as usize]
        );
    }
    println!(
        "  inputs: {} routes (held by the host)",
        image.inputs.entries.len()
    );
}
