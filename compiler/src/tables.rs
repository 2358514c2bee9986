//! The per-core memories: axon table, synapse memory, routing table, neuron state.

use chip::image::{Range, Route, RouteTable, Synapse};
use chip::{ChipConfig, ChipImage, CoreImage};
use network::Network;

use crate::place::Placement;
use crate::quantize::QuantizedNetwork;

pub(crate) fn build(
    net: &Network,
    config: &ChipConfig,
    placement: &Placement,
    q: QuantizedNetwork,
) -> Result<ChipImage, String> {
    let n = net.neurons;
    let sources = n + net.inputs;
    let projections = [
        (&net.synapses, 0, &q.weights),
        (&net.input_synapses, n, &q.input_weights),
    ];
    // Synapses grouped by (target core, source), each group in network order: a counting
    // sort (linear; a comparison sort of 100 M synapses would dominate the compile).
    let bucket =
        |source: usize, post: u32| placement.slot[post as usize].0 as usize * sources + source;
    let mut offsets = vec![0u64; placement.neurons.len() * sources + 1];
    for (p, offset, _) in projections {
        for (&pre, &post) in p.pre.iter().zip(&p.post) {
            offsets[bucket(pre as usize + offset, post) + 1] += 1;
        }
    }
    for b in 1..offsets.len() {
        offsets[b] += offsets[b - 1];
    }
    let mut order = vec![0u32; net.synapses.len() + net.input_synapses.len()];
    {
        let mut fill = offsets.clone();
        let mut edge = 0u32;
        for (p, offset, _) in projections {
            for (&pre, &post) in p.pre.iter().zip(&p.post) {
                let slot = &mut fill[bucket(pre as usize + offset, post)];
                order[*slot as usize] = edge;
                *slot += 1;
                edge += 1;
            }
        }
    }
    let inner = net.synapses.len();
    let synapse = |e: u32| -> Synapse {
        let (p, e, weights) = if (e as usize) < inner {
            (&net.synapses, e as usize, &q.weights)
        } else {
            (&net.input_synapses, e as usize - inner, &q.input_weights)
        };
        Synapse {
            target: placement.slot[p.post[e] as usize].1,
            weight: weights[e],
            receptor: u32::from(p.receptor[e]),
        }
    };
    // Per source, its (core, axon) destinations.
    let mut destinations: Vec<Vec<Route>> = vec![Vec::new(); sources];
    let mut cores: Vec<CoreImage> = placement
        .neurons
        .iter()
        .map(|ids| CoreImage {
            neuron_ids: ids.clone(),
            v: ids.iter().map(|&i| q.v[i as usize]).collect(),
            gates: q
                .gates
                .iter()
                .map(|g| ids.iter().map(|&i| g[i as usize]).collect())
                .collect(),
            bias: ids.iter().map(|&i| q.bias[i as usize]).collect(),
            receptors: q
                .receptor_state
                .iter()
                .map(|s| ids.iter().map(|&i| s[i as usize]).collect())
                .collect(),
            ..CoreImage::default()
        })
        .collect();
    for (k, core) in cores.iter_mut().enumerate() {
        let first = k * sources;
        let used = (offsets[first + sources] - offsets[first]) as usize;
        core.synapses
            .reserve_exact(used.min(config.core.synapses as usize + 1));
        for source in 0..sources {
            let group =
                &order[offsets[first + source] as usize..offsets[first + source + 1] as usize];
            if group.is_empty() {
                continue;
            }
            let axon = core.axons.len() as u32;
            core.axons.push(Range {
                first: core.synapses.len() as u32,
                count: group.len() as u32,
            });
            core.synapses.extend(group.iter().map(|&e| synapse(e)));
            destinations[source].push(Route {
                core: k as u32,
                axon,
            });
        }
    }
    drop(order);
    let table = |sources: &mut dyn Iterator<Item = usize>| {
        let mut t = RouteTable::default();
        for s in sources {
            let d = &destinations[s];
            t.ranges.push(Range {
                first: t.entries.len() as u32,
                count: d.len() as u32,
            });
            t.entries.extend_from_slice(d);
        }
        t
    };
    for (k, core) in cores.iter_mut().enumerate() {
        core.routes = table(&mut placement.neurons[k].iter().map(|&i| i as usize));
        let limits = [
            (
                "axon-table entries (distinct presynaptic sources)",
                core.axons.len(),
                config.core.axons,
                "core.axons",
            ),
            (
                "synapse entries",
                core.synapses.len(),
                config.core.synapses,
                "core.synapses",
            ),
            (
                "routing-table entries (destination cores of its neurons' spikes)",
                core.routes.entries.len(),
                config.core.routes,
                "core.routes",
            ),
        ];
        for (what, need, have, field) in limits {
            if need > have as usize {
                return Err(format!(
                    "core {k} needs {need} {what}, a core holds {have}: spread the network over more cores or raise `{field}`"
                ));
            }
        }
    }
    let inputs = table(&mut (n..sources));
    Ok(ChipImage {
        config: config.clone(),
        channels: q.channels,
        threshold: q.threshold,
        receptors: q.receptors,
        inputs,
        cores,
    })
}
