//! Refinement: single neurons move to the core where they save the most packets, with exact
//! gains from each net's pins per core (in the spirit of Fiduccia-Mattheyses, as a label
//! propagation over a fixed number of parts).

use crate::graph::SpikeGraph;
use crate::partition::{Limits, NONE};

/// Pins of every net per part, and what they imply for each part's tables.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct State {
    parts: usize,
    neurons: usize,
    pub(crate) part: Vec<u32>,
    size: Vec<u32>,
    synapses: Vec<u64>,
    /// `pins[s * parts + k]`: targets of source `s` in part `k`.
    pins: Vec<u32>,
    /// Parts holding a target of source `s` (its routing-table entries).
    spans: Vec<u32>,
    /// Axon-table entries per part: sources with a target there.
    axons: Vec<u32>,
    /// Routing-table entries per part: the spans of its neurons.
    routes: Vec<u32>,
}

impl State {
    pub(crate) fn new(graph: &SpikeGraph, parts: usize, part: Vec<u32>) -> State {
        let n = graph.neurons;
        let sources = graph.source_count();
        let mut s = State {
            parts,
            neurons: n,
            size: vec![0; parts],
            synapses: vec![0; parts],
            pins: vec![0; sources * parts],
            spans: vec![0; sources],
            axons: vec![0; parts],
            routes: vec![0; parts],
            part,
        };
        for v in 0..n {
            let k = s.part[v] as usize;
            s.size[k] += 1;
            s.synapses[k] += u64::from(graph.synapses[v]);
        }
        for src in 0..sources {
            for &t in graph.targets.row(src) {
                let k = s.part[t as usize] as usize;
                let pin = &mut s.pins[src * parts + k];
                if *pin == 0 {
                    s.spans[src] += 1;
                    s.axons[k] += 1;
                }
                *pin += 1;
            }
            if src < n {
                s.routes[s.part[src] as usize] += s.spans[src];
            }
        }
        s
    }

    fn owner(&self, source: usize) -> u32 {
        if source < self.neurons {
            self.part[source]
        } else {
            NONE
        }
    }

    /// Packets that leave their source's part (all of an input's).
    pub(crate) fn packets(&self) -> u64 {
        (0..self.spans.len())
            .map(|s| {
                let own = self.owner(s);
                let local = own != NONE && self.pins[s * self.parts + own as usize] > 0;
                u64::from(self.spans[s]) - u64::from(local)
            })
            .sum()
    }

    /// Packets saved by moving neuron `v` from part `a` to part `b`.
    fn gain(&self, graph: &SpikeGraph, v: usize, a: usize, b: usize) -> i64 {
        let p = self.parts;
        let mut gain = 0i64;
        for &s in graph.sources.row(v) {
            let s = s as usize;
            if s == v {
                continue; // an autapse: counted with v's own net below
            }
            let own = self.owner(s);
            if self.pins[s * p + a] == 1 && own != a as u32 {
                gain += 1;
            }
            if self.pins[s * p + b] == 0 && own != b as u32 {
                gain -= 1;
            }
        }
        // v's own net: its packets are its span minus its own part, before and after.
        let autapse = i64::from(graph.targets.row(v).binary_search(&(v as u32)).is_ok());
        let (pa, pb) = (
            i64::from(self.pins[v * p + a]),
            i64::from(self.pins[v * p + b]),
        );
        let (pa_after, pb_after) = (pa - autapse, pb + autapse);
        let span = i64::from(self.spans[v]);
        let span_after =
            span - i64::from(pa > 0 && pa_after == 0) + i64::from(pb == 0 && pb_after > 0);
        let before = span - i64::from(pa > 0);
        let after = span_after - i64::from(pb_after > 0);
        gain + before - after
    }

    /// Moves neuron `v` to part `b`, updating every count.
    fn apply(&mut self, graph: &SpikeGraph, v: usize, b: usize) {
        let p = self.parts;
        let a = self.part[v] as usize;
        for &s in graph.sources.row(v) {
            let s = s as usize;
            let own = self.owner(s);
            let pin = &mut self.pins[s * p + a];
            *pin -= 1;
            if *pin == 0 {
                self.spans[s] -= 1;
                self.axons[a] -= 1;
                if own != NONE {
                    self.routes[own as usize] -= 1;
                }
            }
            let pin = &mut self.pins[s * p + b];
            if *pin == 0 {
                self.spans[s] += 1;
                self.axons[b] += 1;
                if own != NONE {
                    self.routes[own as usize] += 1;
                }
            }
            *pin += 1;
        }
        self.routes[a] -= self.spans[v];
        self.routes[b] += self.spans[v];
        self.size[a] -= 1;
        self.size[b] += 1;
        let need = u64::from(graph.synapses[v]);
        self.synapses[a] -= need;
        self.synapses[b] += need;
        self.part[v] = b as u32;
    }

    /// How far the cores overfill their neurons, synapse memory, axon and routing tables, in
    /// entries summed over all cores (0: the layout fits).
    pub(crate) fn overflow(&self, limits: &Limits) -> u64 {
        (0..self.parts)
            .map(|k| {
                u64::from(self.size[k].saturating_sub(limits.neurons))
                    + self.synapses[k].saturating_sub(limits.synapses)
                    + u64::from(self.axons[k].saturating_sub(limits.axons))
                    + u64::from(self.routes[k].saturating_sub(limits.routes))
            })
            .sum()
    }

    /// Whether every core's axon and routing table fits. A move may not break a layout
    /// that fits; one that does not fit yet moves freely (the objective is the tables'
    /// total size, so refining shrinks them; the image builder refuses what still overflows).
    fn fits_tables(&self, limits: &Limits) -> bool {
        (0..self.parts).all(|k| self.axons[k] <= limits.axons && self.routes[k] <= limits.routes)
    }

    /// One pass over `order`; returns the moves made.
    pub(crate) fn refine(&mut self, graph: &SpikeGraph, order: &[u32], limits: &Limits) -> u64 {
        let p = self.parts;
        let mut hits = vec![0u32; p];
        let mut moves = 0;
        // Moves refused only because the target core is full (neurons or synapse memory),
        // kept for swaps.
        let mut blocked: Vec<Wish> = Vec::new();
        for &v in order {
            let v = v as usize;
            let a = self.part[v] as usize;
            // Candidates: the two parts other than `a` holding most of v's neighbours.
            hits.fill(0);
            for &s in graph.sources.row(v) {
                let own = self.owner(s as usize);
                if own != NONE {
                    hits[own as usize] += 1;
                }
            }
            for &t in graph.targets.row(v) {
                hits[self.part[t as usize] as usize] += 1;
            }
            let home = hits[a];
            hits[a] = 0;
            let need = u64::from(graph.synapses[v]);
            let mut best: Option<(i64, u32, usize)> = None;
            for _ in 0..2 {
                let Some(b) = (0..p).filter(|&k| hits[k] > 0).max_by_key(|&k| hits[k]) else {
                    break;
                };
                let there = hits[b];
                hits[b] = 0;
                if self.size[b] >= limits.neurons || self.synapses[b] + need > limits.synapses {
                    let gain = self.gain(graph, v, a, b);
                    if gain > 0 || (gain == 0 && there > home) {
                        blocked.push(Wish {
                            from: a as u32,
                            to: b as u32,
                            gain,
                            pull: there - home.min(there),
                            neuron: v as u32,
                        });
                    }
                    continue;
                }
                let gain = self.gain(graph, v, a, b);
                // A move that saves nothing now is still taken when it brings the neuron
                // closer to its neighbours (gains often appear only once a whole group has
                // moved: a plateau that single moves with strict gains never leave), or
                // evens out the load.
                let worth = gain > 0
                    || (gain == 0
                        && (there > home || (there == home && self.size[b] + 1 < self.size[a])));
                if worth && best.map_or(true, |(g, t, _)| (gain, there) > (g, t)) {
                    best = Some((gain, there, b));
                }
            }
            let Some((_, _, b)) = best else { continue };
            let feasible = self.fits_tables(limits);
            self.apply(graph, v, b);
            if feasible && !self.fits_tables(limits) {
                self.apply(graph, v, a);
            } else {
                moves += 1;
            }
        }
        moves + 2 * self.swap(graph, blocked, limits)
    }

    /// Pairs wishes to move a -> b with wishes b -> a between full cores (neurons or synapse
    /// memory), best first, and
    /// swaps each pair whose combined gain is positive (or zero, with both pulled towards
    /// their neighbours). Returns the swaps made.
    fn swap(&mut self, graph: &SpikeGraph, mut wishes: Vec<Wish>, limits: &Limits) -> u64 {
        wishes.sort_unstable_by(|x, y| {
            (x.from, x.to)
                .cmp(&(y.from, y.to))
                .then((y.gain, y.pull).cmp(&(x.gain, x.pull)))
                .then(x.neuron.cmp(&y.neuron))
        });
        let groups: Vec<&[Wish]> = wishes
            .chunk_by(|x, y| (x.from, x.to) == (y.from, y.to))
            .collect();
        let mut swaps = 0;
        for forth in &groups {
            let (a, b) = (forth[0].from, forth[0].to);
            if a > b {
                continue;
            }
            let Some(back) = groups.iter().find(|g| (g[0].from, g[0].to) == (b, a)) else {
                continue;
            };
            for (x, y) in forth.iter().zip(back.iter()) {
                let (v, u) = (x.neuron as usize, y.neuron as usize);
                if self.part[v] != a || self.part[u] != b {
                    continue;
                }
                let feasible = self.fits_tables(limits);
                let first = self.gain(graph, v, a as usize, b as usize);
                self.apply(graph, v, b as usize);
                let second = self.gain(graph, u, b as usize, a as usize);
                self.apply(graph, u, a as usize);
                let total = first + second;
                let worth = total > 0 || (total == 0 && x.pull > 0 && y.pull > 0);
                let fits = self.size[a as usize] <= limits.neurons
                    && self.size[b as usize] <= limits.neurons
                    && self.synapses[a as usize] <= limits.synapses
                    && self.synapses[b as usize] <= limits.synapses
                    && (!feasible || self.fits_tables(limits));
                if worth && fits {
                    swaps += 1;
                } else {
                    self.apply(graph, u, b as usize);
                    self.apply(graph, v, a as usize);
                }
            }
        }
        swaps
    }
}

/// A neuron that would move to a full core.
struct Wish {
    from: u32,
    to: u32,
    gain: i64,
    /// Neighbours in the target core beyond those in its own.
    pull: u32,
    neuron: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use network::random::RandomNetwork;

    /// Every count kept incrementally equals the count made from scratch, and every gain is
    /// the change in packets it predicts: autapses, inputs (sources without a core), moves,
    /// undone moves and swaps included.
    #[test]
    fn incremental_counts_and_gains_are_exact() {
        let mut net = RandomNetwork {
            neurons: 60,
            inputs: 8,
            fanout: 6,
            input_fanout: 5,
            seed: 3,
            ..RandomNetwork::default()
        }
        .build();
        for v in [0, 7, 33] {
            net.synapses.push(v, v, 0.05, 0); // autapses
        }
        let graph = SpikeGraph::new(&net);
        let parts = 4;
        let mut rng = crate::partition::SplitMix(9);
        let part: Vec<u32> = (0..60)
            .map(|_| (rng.next() % parts as u64) as u32)
            .collect();
        let mut state = State::new(&graph, parts, part);
        for step in 0..400 {
            let v = (rng.next() % 60) as usize;
            let a = state.part[v] as usize;
            let b = (a + 1 + (rng.next() % (parts as u64 - 1)) as usize) % parts;
            let before = state.packets() as i64;
            let gain = state.gain(&graph, v, a, b);
            state.apply(&graph, v, b);
            assert_eq!(
                before - state.packets() as i64,
                gain,
                "step {step}: neuron {v} {a} -> {b}"
            );
            if step % 3 == 0 {
                state.apply(&graph, v, a); // an undo
                assert_eq!(state.packets() as i64, before);
            }
            assert_eq!(
                state,
                State::new(&graph, parts, state.part.clone()),
                "step {step}"
            );
        }
        // Refinement passes (tight limits: moves, wishes and swaps) keep the counts exact.
        let limits = Limits {
            neurons: 16,
            synapses: 1 << 20,
            axons: 1 << 20,
            routes: 1 << 20,
        };
        let mut order: Vec<u32> = (0..60).collect();
        for _ in 0..4 {
            rng.shuffle(&mut order);
            state.refine(&graph, &order, &limits);
            assert_eq!(state, State::new(&graph, parts, state.part.clone()));
        }
    }
}
