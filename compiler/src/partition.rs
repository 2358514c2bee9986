//! Partitioning neurons into cores so that few spikes leave their core.
//!
//! The objective is the packets a spike of every source causes beyond its own core (each
//! source's net spans the cores holding its targets; see [`crate::traffic`]). Steps:
//! 1. Size-constrained label propagation groups densely connected neurons into clusters no
//!    larger than a core's share (and, separately, a quarter of it), and the clusters are
//!    packed onto cores ([`crate::cluster`]).
//! 2. Refinement passes move single neurons where they save the most packets
//!    ([`crate::refine`]), until two passes in a row gain less than 0.1 % (or one moves
//!    nothing).
//!
//! Both packings and the naive layout (index order) are refined (a start more than twice as
//! costly as a refined layout that fits is skipped), and the best kept: first the layouts
//! that fit every core's memories, then the fewest packets. A network already numbered by
//! locality never gets worse than its index order.
//!
//! Every core stays within its neuron capacity and a balance bound (the slowest core sets
//! the tick's length: a core updates its neurons one after another), and within its
//! synapse memory; a move that would overfill a core's axon or routing table is undone.

use chip::ChipConfig;

use crate::graph::SpikeGraph;
use crate::refine::State;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PartitionOptions {
    /// A core may hold up to `(1 + imbalance)` times the mean neurons per core.
    pub imbalance: f64,
    /// At most this many refinement passes.
    pub passes: usize,
    /// Seeds the refinement's visiting order.
    pub seed: u64,
}

impl Default for PartitionOptions {
    fn default() -> Self {
        PartitionOptions {
            imbalance: 0.05,
            passes: 12,
            seed: 1,
        }
    }
}

/// What each refinement pass achieved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionReport {
    /// The starting layout that refined best: packed clusters (of up to a core or a quarter
    /// core), or index order.
    pub start: &'static str,
    /// Clusters label propagation found for that start (0 for index order).
    pub clusters: usize,
    /// Packets leaving their core (inputs: every packet), after the greedy assignment and
    /// after each refinement pass.
    pub packets: Vec<u64>,
    pub moves: Vec<u64>,
    /// Neurons a core may hold.
    pub neuron_cap: u32,
}

pub(crate) const NONE: u32 = u32::MAX;

/// Part (0..cores) of each neuron. `progress(done, total)` after each refinement pass.
pub fn partition(
    graph: &SpikeGraph,
    config: &ChipConfig,
    options: &PartitionOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(Vec<u32>, PartitionReport), String> {
    if !(options.imbalance.is_finite() && options.imbalance >= 0.0) {
        return Err(format!(
            "imbalance {}: expected a finite number >= 0 (0.05 lets a core hold 5 % more than the mean)",
            options.imbalance
        ));
    }
    let parts = config.cores() as usize;
    let n = graph.neurons;
    let mean = n.div_ceil(parts.max(1)).max(1);
    let balanced = ((mean as f64) * (1.0 + options.imbalance)).ceil() as u64;
    let neuron_cap = balanced.min(u64::from(config.core.neurons)) as u32;
    let total_synapses: u64 = graph.synapses.iter().map(|&s| u64::from(s)).sum();
    if n > parts * neuron_cap as usize {
        return Err(format!(
            "{n} neurons, but the chip holds {} ({parts} cores x {}): use a larger mesh (mesh.width, mesh.height) or more neurons per core (core.neurons)",
            parts * config.core.neurons as usize,
            config.core.neurons
        ));
    }
    if total_synapses > parts as u64 * u64::from(config.core.synapses) {
        return Err(format!(
            "{total_synapses} synapses, but the chip holds {} ({parts} cores x {}): use a larger mesh or raise `core.synapses`",
            parts as u64 * u64::from(config.core.synapses),
            config.core.synapses
        ));
    }
    // The refinement keeps every source's pins per core: refuse what would not fit in
    // memory rather than fail allocating it.
    let pins = graph.source_count() as u64 * parts as u64;
    if pins > MAX_PINS {
        return Err(format!(
            "partitioning {} sources over {parts} cores needs {pins} pin counters ({:.1} GB), above the partitioner's {MAX_PINS}; use the naive placement (--placer spread)",
            graph.source_count(),
            pins as f64 * 4e-9
        ));
    }
    let limits = Limits {
        neurons: neuron_cap,
        synapses: u64::from(config.core.synapses),
        axons: config.core.axons,
        routes: config.core.routes,
    };
    let mut rng = SplitMix(options.seed);
    // Clusters as large as a core keep big modules whole; clusters of a quarter core pack
    // more flexibly (several modules per core). Each start is refined; the best is kept. A
    // packing that fails (a neuron fits no core) drops out; its reason is kept in case no
    // start fits at all.
    let mut starts = Vec::new();
    let mut packing_error = None;
    for (start, size) in [
        ("clusters of a core", neuron_cap),
        ("clusters of a quarter core", neuron_cap / 4),
    ] {
        let (cluster, clusters) = crate::cluster::multilevel(graph, size.max(1), &mut rng);
        match crate::cluster::pack(graph, &cluster, clusters, parts, &limits) {
            Ok(packed) => starts.push((start, clusters, packed)),
            Err(e) => packing_error = Some(e),
        }
    }
    starts.push((
        "index order",
        0,
        (0..n).map(|i| (i / mean) as u32).collect(),
    ));
    let steps = starts.len() * options.passes;
    let mut done = 0;
    // Ranked by how far the layout overfills the cores (0: it fits), then by packets.
    let mut best: Option<(Vec<u32>, PartitionReport, (u64, u64))> = None;
    for (start, clusters, from) in starts {
        let mut state = State::new(graph, parts, from);
        let mut report = PartitionReport {
            start,
            clusters,
            packets: vec![state.packets()],
            moves: Vec::new(),
            neuron_cap,
        };
        // A start more than twice as costly as the best refined layout is not refined:
        // refinement seldom recovers that much, and it is the slow part at scale.
        if let Some((_, _, (0, packets))) = &best {
            if report.packets[0] > 2 * packets {
                done += options.passes;
                progress(done, steps);
                continue;
            }
        }
        let mut order: Vec<u32> = (0..n as u32).collect();
        let mut stalled = 0;
        for pass in 0..options.passes {
            rng.shuffle(&mut order);
            let before = state.packets();
            let moves = state.refine(graph, &order, &limits);
            let after = state.packets();
            report.packets.push(after);
            report.moves.push(moves);
            done += 1;
            progress(done, steps);
            // Moves towards neighbours may pay off only a pass later: stop after two passes
            // that each saved less than 0.1 %.
            stalled = if (before - after) * 1000 < before {
                stalled + 1
            } else {
                0
            };
            if stalled == 2 || moves == 0 {
                done += options.passes - pass - 1;
                progress(done, steps);
                break;
            }
        }
        let rank = (state.overflow(&limits), state.packets());
        if best.as_ref().map_or(true, |b| rank < b.2) {
            best = Some((state.part, report, rank));
        }
    }
    let (part, report, (overflow, _)) = best.expect("index order is always a start");
    if overflow > 0 {
        if let Some(e) = packing_error {
            return Err(e);
        }
        // The image builder names the core and the table that overflows.
    }
    Ok((part, report))
}

/// Sources x cores pin counters the refinement may keep (4 bytes each).
const MAX_PINS: u64 = 1 << 29;

#[derive(Clone, Copy)]
pub(crate) struct Limits {
    pub neurons: u32,
    pub synapses: u64,
    pub axons: u32,
    pub routes: u32,
}

/// A small, fast, seedable generator (SplitMix64) for the visiting order.
pub(crate) struct SplitMix(pub u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn shuffle(&mut self, items: &mut [u32]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}
