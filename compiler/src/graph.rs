//! The network as the partitioner sees it: a hypergraph with one net per spike source
//! (neurons `0..n`, then inputs `n..`) whose pins are the distinct neurons it reaches. A
//! spike of a source becomes one packet per core holding a pin of its net (multicast through
//! the routing table), so the distinct targets are what matters, not the synapse count.

use network::{Network, Projection};

/// Compressed rows: row `r` is `items[offsets[r]..offsets[r + 1]]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rows {
    pub offsets: Vec<u64>,
    pub items: Vec<u32>,
}

impl Rows {
    pub fn row(&self, r: usize) -> &[u32] {
        &self.items[self.offsets[r] as usize..self.offsets[r + 1] as usize]
    }

    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpikeGraph {
    pub neurons: usize,
    /// Per source: the distinct neurons it has a synapse onto, ascending.
    pub targets: Rows,
    /// Per neuron: the distinct sources that have a synapse onto it, ascending.
    pub sources: Rows,
    /// Per neuron: synapse-memory entries it needs (its in-degree, inputs included).
    pub synapses: Vec<u32>,
}

impl SpikeGraph {
    pub fn new(net: &Network) -> SpikeGraph {
        let n = net.neurons;
        let all = n + net.inputs;
        let mut synapses = vec![0u32; n];
        for p in [&net.synapses, &net.input_synapses] {
            for &post in &p.post {
                synapses[post as usize] += 1;
            }
        }
        let targets = distinct_targets(n, all, &[(&net.synapses, 0), (&net.input_synapses, n)]);
        let sources = transpose(&targets, n);
        SpikeGraph {
            neurons: n,
            targets,
            sources,
            synapses,
        }
    }

    /// Sources: neurons, then inputs.
    pub fn source_count(&self) -> usize {
        self.targets.len()
    }

    /// The neuron a source is, `None` for an input.
    pub fn source_neuron(&self, s: usize) -> Option<usize> {
        (s < self.neurons).then_some(s)
    }
}

/// Per source, its distinct targets (counting sort by source, then a marker per target).
fn distinct_targets(neurons: usize, sources: usize, projections: &[(&Projection, usize)]) -> Rows {
    let mut offsets = vec![0u64; sources + 1];
    for (p, offset) in projections {
        for &s in &p.pre {
            offsets[s as usize + offset + 1] += 1;
        }
    }
    for s in 0..sources {
        offsets[s + 1] += offsets[s];
    }
    let mut fill = offsets.clone();
    let mut items = vec![0u32; offsets[sources] as usize];
    for (p, offset) in projections {
        for (&s, &t) in p.pre.iter().zip(&p.post) {
            let slot = &mut fill[s as usize + offset];
            items[*slot as usize] = t;
            *slot += 1;
        }
    }
    // Deduplicate each row in place, keeping the first of each target; then sort the row.
    let mut marker = vec![u32::MAX; neurons];
    let mut write = 0usize;
    let mut new_offsets = vec![0u64; sources + 1];
    for s in 0..sources {
        let start = write;
        for k in offsets[s] as usize..offsets[s + 1] as usize {
            let t = items[k];
            if marker[t as usize] != s as u32 {
                marker[t as usize] = s as u32;
                items[write] = t;
                write += 1;
            }
        }
        items[start..write].sort_unstable();
        new_offsets[s + 1] = write as u64;
    }
    items.truncate(write);
    items.shrink_to_fit();
    Rows {
        offsets: new_offsets,
        items,
    }
}

/// Rows of `rows` turned into columns: for each of `columns`, the rows that hold it.
fn transpose(rows: &Rows, columns: usize) -> Rows {
    let mut offsets = vec![0u64; columns + 1];
    for &c in &rows.items {
        offsets[c as usize + 1] += 1;
    }
    for c in 0..columns {
        offsets[c + 1] += offsets[c];
    }
    let mut fill = offsets.clone();
    let mut items = vec![0u32; rows.items.len()];
    for r in 0..rows.len() {
        for &c in rows.row(r) {
            items[fill[c as usize] as usize] = r as u32;
            fill[c as usize] += 1;
        }
    }
    Rows { offsets, items }
}

#[cfg(test)]
mod tests {
    use super::*;
    use channels::ChannelSet;

    #[test]
    fn nets_hold_distinct_targets_and_inputs_follow_the_neurons() {
        let set = ChannelSet::builtin("hh_squid").unwrap();
        let mut net = Network::new("g", set, 4, -65.0, 0.0);
        net.add_receptor(network::Receptor {
            name: "e".into(),
            tau_ms: 5.0,
            kind: network::ReceptorKind::Current { excitatory: true },
        });
        for (pre, post) in [(0, 3), (0, 1), (0, 3), (2, 0), (3, 3)] {
            net.synapses.push(pre, post, 1.0, 0);
        }
        net.inputs = 2;
        net.input_synapses.push(1, 2, 1.0, 0);
        net.input_synapses.push(1, 2, 1.0, 0);
        let g = SpikeGraph::new(&net);
        assert_eq!(g.source_count(), 6);
        assert_eq!(g.targets.row(0), &[1, 3]);
        assert!(g.targets.row(1).is_empty());
        assert_eq!(g.targets.row(3), &[3]);
        assert!(g.targets.row(4).is_empty());
        assert_eq!(g.targets.row(5), &[2]);
        assert_eq!(g.sources.row(3), &[0, 3]);
        assert_eq!(g.sources.row(2), &[5]);
        assert_eq!(g.synapses, vec![1, 1, 2, 3]);
        assert_eq!(g.source_neuron(3), Some(3));
        assert_eq!(g.source_neuron(4), None);
    }
}
