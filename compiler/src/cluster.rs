//! Clusters, then parts: size-constrained label propagation (Meyerhenke, Sanders & Schulz,
//! "Partitioning complex networks via size-constrained clustering", 2014) finds groups of
//! densely connected neurons no larger than a core's share, coarsening in levels: small
//! clusters first (a small cluster rarely straddles two modules), then clusters of clusters
//! with twice the size limit, up to a core's share. The groups are then packed onto cores in
//! breadth-first order over the cluster graph, each going where it has the most
//! connections. Moving whole clusters is what single-neuron refinement cannot do: it never
//! splits a tightly knit module just because its first members landed apart.

use std::collections::BinaryHeap;

use crate::graph::SpikeGraph;
use crate::partition::{Limits, SplitMix, NONE};

/// Neurons a neuron is connected to, either way (each distinct pair once per direction).
fn neighbours(graph: &SpikeGraph, v: usize) -> impl Iterator<Item = usize> + '_ {
    let n = graph.neurons;
    graph
        .sources
        .row(v)
        .iter()
        .map(|&s| s as usize)
        .filter(move |&s| s < n && s != v)
        .chain(
            graph
                .targets
                .row(v)
                .iter()
                .map(|&t| t as usize)
                .filter(move |&t| t != v),
        )
}

/// Cluster of each neuron (`0..clusters`), each of at most `max_size` neurons: label
/// propagation on the neurons with a limit of `max_size / 8`, then on the cluster graph with
/// the limit doubled at each level. Packing a core from a few clusters (`max_size` a
/// quarter of a core) leaves room to pick clusters that belong together.
pub(crate) fn multilevel(
    graph: &SpikeGraph,
    max_size: u32,
    rng: &mut SplitMix,
) -> (Vec<u32>, usize) {
    let mut limit = (max_size / 8).max(1);
    let singletons = (0..graph.neurons as u32).collect();
    let (mut cluster, mut clusters) = label_propagation(graph, singletons, limit, 10, rng);
    while limit < max_size {
        limit = (limit * 2).min(max_size);
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); clusters];
        for (v, &c) in cluster.iter().enumerate() {
            members[c as usize].push(v as u32);
        }
        let links = cluster_links(graph, &cluster, clusters, &members);
        let size: Vec<u32> = members.iter().map(|m| m.len() as u32).collect();
        let (merged, count) = weighted_label_propagation(&links, &size, limit, 10, rng);
        for c in &mut cluster {
            *c = merged[*c as usize];
        }
        clusters = count;
    }
    // Back on the neurons with the final limit: a piece of a module that had to join a
    // neighbouring module's cluster (its own was full at a coarser level) finds its way
    // home one neuron at a time.
    label_propagation(graph, cluster, max_size, 10, rng)
}

/// Label propagation on a weighted graph (`links[node]`: (neighbour, weight)) whose nodes
/// weigh `size`; a label's total size stays within `limit`.
fn weighted_label_propagation(
    links: &[Vec<(u32, u64)>],
    size: &[u32],
    limit: u32,
    rounds: usize,
    rng: &mut SplitMix,
) -> (Vec<u32>, usize) {
    let n = links.len();
    let mut label: Vec<u32> = (0..n as u32).collect();
    let mut total: Vec<u32> = size.to_vec();
    let mut weight = vec![0u64; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut order: Vec<u32> = (0..n as u32).collect();
    for _ in 0..rounds {
        rng.shuffle(&mut order);
        let mut changed = 0usize;
        for &v in &order {
            let v = v as usize;
            for &(u, w) in &links[v] {
                let l = label[u as usize];
                if weight[l as usize] == 0 {
                    touched.push(l);
                }
                weight[l as usize] += w;
            }
            let own = label[v];
            let mut best = (weight[own as usize], own);
            for &l in &touched {
                let w = weight[l as usize];
                if l != own && total[l as usize] + size[v] <= limit && w > best.0 {
                    best = (w, l);
                }
            }
            for &l in &touched {
                weight[l as usize] = 0;
            }
            touched.clear();
            if best.1 != own {
                total[own as usize] -= size[v];
                total[best.1 as usize] += size[v];
                label[v] = best.1;
                changed += 1;
            }
        }
        if changed == 0 {
            break;
        }
    }
    renumber(&mut label)
}

/// Labels in use renumbered `0..count`, in order of first appearance.
fn renumber(label: &mut [u32]) -> (Vec<u32>, usize) {
    let mut id = vec![NONE; label.len()];
    let mut count = 0u32;
    for l in label.iter_mut() {
        if id[*l as usize] == NONE {
            id[*l as usize] = count;
            count += 1;
        }
        *l = id[*l as usize];
    }
    (label.to_vec(), count as usize)
}

/// Cluster of each neuron (`0..clusters`), each of at most `max_size` neurons, starting
/// from `label` (labels below the neuron count).
fn label_propagation(
    graph: &SpikeGraph,
    mut label: Vec<u32>,
    max_size: u32,
    rounds: usize,
    rng: &mut SplitMix,
) -> (Vec<u32>, usize) {
    let n = graph.neurons;
    let mut size = vec![0u32; n];
    for &l in &label {
        size[l as usize] += 1;
    }
    let mut count = vec![0u32; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut order: Vec<u32> = (0..n as u32).collect();
    for _ in 0..rounds {
        rng.shuffle(&mut order);
        let mut changed = 0usize;
        for &v in &order {
            let v = v as usize;
            for u in neighbours(graph, v) {
                let l = label[u];
                if count[l as usize] == 0 {
                    touched.push(l);
                }
                count[l as usize] += 1;
            }
            let own = label[v];
            let mut best = (count[own as usize], own);
            for &l in &touched {
                let c = count[l as usize];
                if l != own && size[l as usize] < max_size && c > best.0 {
                    best = (c, l);
                }
            }
            for &l in &touched {
                count[l as usize] = 0;
            }
            touched.clear();
            if best.1 != own {
                size[own as usize] -= 1;
                size[best.1 as usize] += 1;
                label[v] = best.1;
                changed += 1;
            }
        }
        if changed * 200 < n {
            break;
        }
    }
    renumber(&mut label)
}

/// Packs clusters onto `parts` cores, most connected first (see below), each cluster to the
/// core with room holding most of its connections
/// (discounted by the core's fill, as in linear deterministic greedy); a cluster that fits
/// nowhere whole is placed neuron by neuron.
pub(crate) fn pack(
    graph: &SpikeGraph,
    cluster: &[u32],
    clusters: usize,
    parts: usize,
    limits: &Limits,
) -> Result<Vec<u32>, String> {
    let n = graph.neurons;
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); clusters];
    for (v, &c) in cluster.iter().enumerate() {
        members[c as usize].push(v as u32);
    }
    let synapses_of = |c: usize| -> u64 {
        members[c]
            .iter()
            .map(|&v| u64::from(graph.synapses[v as usize]))
            .sum()
    };
    let links = cluster_links(graph, cluster, clusters, &members);
    let mut part = vec![NONE; n];
    let mut cluster_part = vec![NONE; clusters];
    let mut size = vec![0u32; parts];
    let mut synapses = vec![0u64; parts];
    let mut affinity = vec![0u64; parts];
    let mut by_size: Vec<usize> = (0..clusters).collect();
    by_size.sort_by_key(|&c| std::cmp::Reverse(members[c].len()));
    // Greedy graph growing: next comes the unplaced cluster most connected to the placed
    // ones (a max-heap with stale entries skipped), so a module's pieces follow each other
    // before its neighbours' pieces; a new component starts at its largest cluster.
    let mut placed = vec![false; clusters];
    let mut pull = vec![0u64; clusters];
    let mut heap: BinaryHeap<(u64, u32)> = BinaryHeap::new();
    let mut roots = by_size.into_iter();
    loop {
        let next = loop {
            match heap.pop() {
                Some((w, c)) if !placed[c as usize] && w == pull[c as usize] => {
                    break Some(c as usize)
                }
                Some(_) => continue,
                None => break roots.find(|&c| !placed[c]),
            }
        };
        let Some(c) = next else { break };
        placed[c] = true;
        {
            affinity.fill(0);
            for &(other, w) in &links[c] {
                let o = other as usize;
                let p = cluster_part[o];
                if p != NONE {
                    affinity[p as usize] += w;
                } else if !placed[o] {
                    pull[o] += w;
                    heap.push((pull[o], other));
                }
            }
            let (len, need) = (members[c].len() as u32, synapses_of(c));
            match greedy_core(&affinity, &size, &synapses, len, need, limits) {
                Some(k) => {
                    cluster_part[c] = k as u32;
                    size[k] += len;
                    synapses[k] += need;
                    for &v in &members[c] {
                        part[v as usize] = k as u32;
                    }
                }
                None => {
                    for &v in &members[c] {
                        let k = place_one(graph, v as usize, &part, &size, &synapses, limits)?;
                        part[v as usize] = k as u32;
                        size[k] += 1;
                        synapses[k] += u64::from(graph.synapses[v as usize]);
                    }
                }
            }
        }
    }
    Ok(part)
}

/// Per cluster: (other cluster, connections between them), both directions counted.
fn cluster_links(
    graph: &SpikeGraph,
    cluster: &[u32],
    clusters: usize,
    members: &[Vec<u32>],
) -> Vec<Vec<(u32, u64)>> {
    let mut weight = vec![0u64; clusters];
    let mut touched = Vec::new();
    (0..clusters)
        .map(|c| {
            for &v in &members[c] {
                for u in neighbours(graph, v as usize) {
                    let o = cluster[u] as usize;
                    if o != c {
                        if weight[o] == 0 {
                            touched.push(o as u32);
                        }
                        weight[o] += 1;
                    }
                }
            }
            let row = touched.iter().map(|&o| (o, weight[o as usize])).collect();
            for &o in &touched {
                weight[o as usize] = 0;
            }
            touched.clear();
            row
        })
        .collect()
}

/// The core for one neuron: most placed neighbours, discounted by fill, among cores with room.
fn place_one(
    graph: &SpikeGraph,
    v: usize,
    part: &[u32],
    size: &[u32],
    synapses: &[u64],
    limits: &Limits,
) -> Result<usize, String> {
    let mut hits = vec![0u64; size.len()];
    for u in neighbours(graph, v) {
        if part[u] != NONE {
            hits[part[u] as usize] += 1;
        }
    }
    let need = u64::from(graph.synapses[v]);
    greedy_core(&hits, size, synapses, 1, need, limits).ok_or_else(|| {
            format!(
                "neuron {v} ({need} synapses) fits no core: each holds its {} neurons or lacks room for {need} more synapses (of {} per core); spread the network over more cores or raise `core.synapses`",
                limits.neurons, limits.synapses
            )
        })
}

/// Linear deterministic greedy: among the cores with room for `len` more neurons and `need`
/// more synapses, the one with the most `affinity`, discounted by how full it is; ties to
/// the emptier core, then the lower index.
fn greedy_core(
    affinity: &[u64],
    size: &[u32],
    synapses: &[u64],
    len: u32,
    need: u64,
    limits: &Limits,
) -> Option<usize> {
    let cap = f64::from(limits.neurons);
    let score = |k: usize| affinity[k] as f64 * (1.0 - f64::from(size[k]) / cap);
    (0..size.len())
        .filter(|&k| size[k] + len <= limits.neurons && synapses[k] + need <= limits.synapses)
        .max_by(|&a, &b| {
            score(a)
                .total_cmp(&score(b))
                .then(size[b].cmp(&size[a]))
                .then(b.cmp(&a))
        })
}
