//! The per-core memories: axon table, synapse memory, routing table, neuron state.

use chip::image::{Range, Route, RouteTable, Synapse};
use chip::{ChipConfig, ChipImage, CoreImage};
use network::Network;

use crate::place::Placement;
use crate::quantize::QuantizedNetwork;

/// A synapse as the target core sees it: presynaptic source (neurons `0..n`, then inputs
/// `n..`), local target, quantized weight, receptor.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Incoming {
    core: u32,
    source: u32,
    target: u32,
    weight: u32,
    receptor: u32,
}

pub(crate) fn build(
    net: &Network,
    config: &ChipConfig,
    placement: &Placement,
    q: QuantizedNetwork,
) -> Result<ChipImage, String> {
    let n = net.neurons as u32;
    let mut incoming: Vec<Incoming> =
        Vec::with_capacity(net.synapses.len() + net.input_synapses.len());
    for (p, offset, weights) in [
        (&net.synapses, 0, &q.weights),
        (&net.input_synapses, n, &q.input_weights),
    ] {
        for e in 0..p.len() {
            let (core, target) = placement.slot[p.post[e] as usize];
            incoming.push(Incoming {
                core,
                source: p.pre[e] + offset,
                target,
                weight: weights[e],
                receptor: u32::from(p.receptor[e]),
            });
        }
    }
    incoming.sort_unstable();
    let sources = net.neurons + net.inputs;
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
    for group in incoming.chunk_by(|a, b| (a.core, a.source) == (b.core, b.source)) {
        let core = &mut cores[group[0].core as usize];
        let axon = core.axons.len() as u32;
        core.axons.push(Range {
            first: core.synapses.len() as u32,
            count: group.len() as u32,
        });
        core.synapses.extend(group.iter().map(|s| Synapse {
            target: s.target,
            weight: s.weight,
            receptor: s.receptor,
        }));
        destinations[group[0].source as usize].push(Route {
            core: group[0].core,
            axon,
        });
    }
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
    let inputs = table(&mut (net.neurons..sources));
    Ok(ChipImage {
        config: config.clone(),
        channels: q.channels,
        threshold: q.threshold,
        receptors: q.receptors,
        inputs,
        cores,
    })
}
