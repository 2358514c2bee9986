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
    let total = net.synapses.len() + net.input_synapses.len();
    if u32::try_from(total).is_err() {
        return Err(format!(
            "{total} synapses: the compiler indexes at most {} ({}) per network",
            u32::MAX,
            "split the network, or widen the compiler's synapse index"
        ));
    }
    let order = grouped(net, n, sources, placement);
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
        let slice = &order.edges[order.cores[k]..order.cores[k + 1]];
        core.synapses
            .reserve_exact(slice.len().min(config.core.synapses as usize + 1));
        for group in slice.chunk_by(|a, b| order.source(*a) == order.source(*b)) {
            let axon = core.axons.len() as u32;
            core.axons.push(Range {
                first: core.synapses.len() as u32,
                count: group.len() as u32,
            });
            core.synapses.extend(group.iter().map(|&e| synapse(e)));
            destinations[order.source(group[0])].push(Route {
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

/// Every synapse (indices: the network's synapses, then its input synapses), grouped by
/// target core and, within a core, by source, each group in network order.
struct Grouped<'a> {
    edges: Vec<u32>,
    /// Core `k`'s synapses are `edges[cores[k]..cores[k + 1]]`.
    cores: Vec<usize>,
    pre: (&'a [u32], &'a [u32]),
    neurons: usize,
}

impl Grouped<'_> {
    fn source(&self, e: u32) -> usize {
        source_of(self.pre, self.neurons, e)
    }
}

/// The source of synapse `e` (`pre`: the presynaptic indices of the network's synapses and
/// input synapses): a neuron, or `neurons + input`.
fn source_of(pre: (&[u32], &[u32]), neurons: usize, e: u32) -> usize {
    let (inner, e) = (pre.0.len(), e as usize);
    if e < inner {
        pre.0[e] as usize
    } else {
        neurons + pre.1[e - inner] as usize
    }
}

/// Counting sort by core (linear: a comparison sort of 100 M synapses would dominate the
/// compile), then by source within each core: counting again where the core's synapses
/// outnumber the sources, a comparison sort of the few otherwise (memory and time never
/// scale with cores x sources).
fn grouped<'a>(net: &'a Network, n: usize, sources: usize, placement: &Placement) -> Grouped<'a> {
    let cores = placement.neurons.len();
    let posts = net.synapses.post.iter().chain(&net.input_synapses.post);
    let core_of = |post: u32| placement.slot[post as usize].0 as usize;
    let mut offsets = vec![0usize; cores + 1];
    for &post in posts.clone() {
        offsets[core_of(post) + 1] += 1;
    }
    for k in 0..cores {
        offsets[k + 1] += offsets[k];
    }
    let mut fill = offsets.clone();
    let mut edges = vec![0u32; offsets[cores]];
    for (e, &post) in posts.enumerate() {
        let slot = &mut fill[core_of(post)];
        edges[*slot] = e as u32;
        *slot += 1;
    }
    let g = Grouped {
        edges,
        cores: offsets,
        pre: (&net.synapses.pre, &net.input_synapses.pre),
        neurons: n,
    };
    let mut edges = g.edges;
    let mut count = vec![0usize; sources + 1];
    let mut sorted = Vec::new();
    for k in 0..cores {
        let slice = &mut edges[g.cores[k]..g.cores[k + 1]];
        let source = |e: u32| source_of(g.pre, n, e);
        if slice.len() * 4 < sources {
            // Edges ascend within the slice, so (source, edge) keeps network order.
            slice.sort_unstable_by_key(|&e| (source(e), e));
            continue;
        }
        count.fill(0);
        for &e in slice.iter() {
            count[source(e) + 1] += 1;
        }
        for s in 0..sources {
            count[s + 1] += count[s];
        }
        sorted.clear();
        sorted.resize(slice.len(), 0);
        for &e in slice.iter() {
            let slot = &mut count[source(e)];
            sorted[*slot] = e;
            *slot += 1;
        }
        slice.copy_from_slice(&sorted);
    }
    Grouped { edges, ..g }
}
