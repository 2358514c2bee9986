//! Compiler benchmarks: `neurofuse bench compile` (a BrainFuse-scale network onto the
//! BrainFuse-scale chip: time and peak memory) and `neurofuse bench partition` (the
//! partitioner against the naive index-order baseline on structured and unstructured
//! networks, with a figure).

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use chip::ChipConfig;
use compiler::{Compiled, Placer, Traffic};
use network::modular::ModularNetwork;
use network::random::RandomNetwork;
use network::Network;
use serde_json::json;

/// Peak resident memory of this process so far (Linux `VmHWM`), bytes.
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn traffic_json(t: &Traffic) -> serde_json::Value {
    json!({"inter_core": t.inter_core, "hops": t.hops, "local": t.local, "input": t.input})
}

/// Generates the BrainFuse-scale network, compiles it onto `builtin:brainfuse` with a
/// progress bar; the compile's wall time (generation excluded) and the peak memory.
pub fn run_compile(out: Option<&Path>) -> Result<(f64, serde_json::Value)> {
    let config = ChipConfig::builtin("brainfuse")?;
    let spec = ModularNetwork::brainfuse();
    let spinner = indicatif::ProgressBar::new_spinner().with_message(format!(
        "generating {} neurons x {} synapses ({} modules)",
        spec.neurons, spec.fanout, spec.modules
    ));
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    let start = Instant::now();
    let net = spec.build();
    let generate_s = start.elapsed().as_secs_f64();
    spinner.finish_and_clear();
    let start = Instant::now();
    let mut stages: Vec<(&'static str, f64)> = Vec::new();
    let compiled = crate::compile::compile_with_progress(&net, &config, Placer::default(), |p| {
        // Seconds from the compile's start to the first report of each stage.
        if stages.last().map(|s| s.0) != Some(p.stage) {
            stages.push((p.stage, start.elapsed().as_secs_f64()));
        }
    })?;
    let compile_s = start.elapsed().as_secs_f64();
    let stage_s: serde_json::Map<String, serde_json::Value> = stages
        .iter()
        .enumerate()
        .map(|(k, (name, at))| {
            let end = stages.get(k + 1).map_or(compile_s, |s| s.1);
            (name.to_string(), json!(end - at))
        })
        .collect();
    if let Some(dir) = out {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
        crate::compile::write_placement(&dir.join("placement-brainfuse.svg"), &net, &compiled)?;
    }
    let synapses: usize = compiled.image.cores.iter().map(|c| c.synapses.len()).sum();
    let usage = compiler::usage(&compiled.image);
    let fullest = |f: fn(&compiler::CoreUsage) -> compiler::Fill| {
        let most = usage.iter().map(|u| f(u).used).max().unwrap_or(0);
        json!({"used": most, "capacity": usage.first().map_or(0, |u| f(u).capacity)})
    };
    Ok((
        compile_s,
        json!({
            "bench": "compile",
            "network": net.name,
            "neurons": net.neurons,
            "synapses": net.synapses.len() + net.input_synapses.len(),
            "config": config.name,
            "generate_s": generate_s,
            "compile_s": compile_s,
            "stage_s": stage_s,
            "peak_memory_bytes": peak_memory_bytes(),
            "synapse_entries": synapses,
            "fullest_core": {
                "neurons": fullest(|u| u.neurons),
                "synapses": fullest(|u| u.synapses),
                "axons": fullest(|u| u.axons),
                "routes": fullest(|u| u.routes),
            },
            "traffic": traffic_json(&compiled.traffic),
            "baseline": traffic_json(&compiled.baseline),
            "partition": compiled.partition.as_ref().map(|p| json!({
                "start": p.start, "clusters": p.clusters, "packets": p.packets, "moves": p.moves
            })),
        }),
    ))
}

/// A network of the partition benchmark and the chip it is compiled for.
struct Case {
    name: &'static str,
    net: Network,
    config: ChipConfig,
}

fn cases() -> Result<Vec<Case>> {
    let small = ChipConfig::builtin("small")?;
    let large = ChipConfig::builtin("brainfuse")?;
    let digits = crate::compile::load_network(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data/trained/digits-hh"),
    )?
    .0;
    Ok(vec![
        Case {
            name: "modular, shuffled: 16 x 64 neurons, 2x2 mesh",
            net: ModularNetwork::default().build(),
            config: small.clone(),
        },
        Case {
            name: "modular, in index order: 16 x 64 neurons, 2x2 mesh",
            net: ModularNetwork {
                shuffle: false,
                ..ModularNetwork::default()
            }
            .build(),
            config: small.clone(),
        },
        Case {
            name: "modular, shuffled: 40 x 250 neurons, 8x5 mesh",
            net: ModularNetwork {
                neurons: 10_000,
                modules: 40,
                fanout: 100,
                inputs: 400,
                input_fanout: 25,
                ..ModularNetwork::default()
            }
            .build(),
            config: large,
        },
        Case {
            name: "digits classifier (data/trained/digits-hh), 2x2 mesh",
            net: digits,
            config: small.clone(),
        },
        Case {
            name: "random, uniform: 1,000 neurons x 20, 2x2 mesh",
            net: RandomNetwork {
                neurons: 1000,
                ..RandomNetwork::default()
            }
            .build(),
            config: small,
        },
    ])
}

/// Each case compiled with the naive placement and with the partitioner: inter-core packets
/// and hops, as a table, a JSON line, and (with `out`) a figure and placement pictures.
pub fn run_partition(out: Option<&Path>) -> Result<(f64, serde_json::Value)> {
    let start = Instant::now();
    let mut rows = Vec::new();
    println!(
        "{:<55} {:>12} {:>12} {:>8} {:>10} {:>10} {:>8}",
        "network (every neuron and input spiking once)",
        "naive pkts",
        "partitioned",
        "change",
        "naive hops",
        "hops",
        "change"
    );
    let mut figure = Vec::new();
    for (k, case) in cases()?.into_iter().enumerate() {
        let compiled: Compiled =
            compiler::compile_with(&case.net, &case.config, Placer::default(), &mut |_| {})
                .with_context(|| case.name)?;
        let (b, t) = (&compiled.baseline, &compiled.traffic);
        let pct = |now: u64, before: u64| 100.0 * (now as f64 / before.max(1) as f64 - 1.0);
        println!(
            "{:<55} {:>12} {:>12} {:>7.1}% {:>10} {:>10} {:>7.1}%",
            case.name,
            b.inter_core,
            t.inter_core,
            pct(t.inter_core, b.inter_core),
            b.hops,
            t.hops,
            pct(t.hops, b.hops)
        );
        if let Some(dir) = out {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create", dir.display()))?;
            crate::compile::write_placement(
                &dir.join(format!("placement-{k}.svg")),
                &case.net,
                &compiled,
            )?;
        }
        figure.push((case.name, b.inter_core, t.inter_core, b.hops, t.hops));
        rows.push(json!({
            "network": case.name,
            "config": case.config.name,
            "baseline": traffic_json(b),
            "partitioned": traffic_json(t),
        }));
    }
    if let Some(dir) = out {
        crate::placement_plot::comparison(&dir.join("partition.svg"), &figure)?;
    }
    let wall_s = start.elapsed().as_secs_f64();
    Ok((
        wall_s,
        json!({"bench": "partition", "wall_s": wall_s, "cases": rows}),
    ))
}
