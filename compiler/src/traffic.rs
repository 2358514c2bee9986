//! Spike traffic a placement causes, counted as if every source spiked once: a spike is one
//! packet per core holding one of its targets (multicast through the routing table), and a
//! packet travels |dx| + |dy| router hops (dimension-order routing on the mesh). Real traffic
//! is this weighted by firing rates; with rates unknown at compile time, every source counts
//! once.

use crate::graph::SpikeGraph;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Packets from a neuron to another core: what crosses the mesh.
    pub inter_core: u64,
    /// Packets from a neuron to its own core (no router hop).
    pub local: u64,
    /// Packets from the host's inputs to the cores.
    pub input: u64,
    /// Router hops of the inter-core packets.
    pub hops: u64,
    /// `links[a * cores + b]`: packets from core `a` to core `b` (zero when a = b).
    pub links: Vec<u64>,
    pub cores: usize,
}

impl Traffic {
    /// Packets from core `a` to core `b`.
    pub fn link(&self, a: usize, b: usize) -> u64 {
        self.links[a * self.cores + b]
    }
}

/// The cores a packet from `from` to `to` passes through, both ends included: along x first,
/// then along y (dimension-order routing, as the router does).
pub fn route(from: usize, to: usize, width: usize) -> Vec<usize> {
    let (mut x, mut y) = (from % width, from / width);
    let (tx, ty) = (to % width, to / width);
    let mut path = vec![from];
    while x != tx {
        x = if x < tx { x + 1 } else { x - 1 };
        path.push(y * width + x);
    }
    while y != ty {
        y = if y < ty { y + 1 } else { y - 1 };
        path.push(y * width + x);
    }
    path
}

/// Load of the mesh: packets through each core's router (sent, received or passed on), and
/// through each link between neighbouring cores (both directions).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeshLoad {
    pub routers: Vec<u64>,
    /// ((core, neighbour with the higher index), packets).
    pub links: Vec<((usize, usize), u64)>,
}

/// The mesh load of `traffic`'s inter-core packets.
pub fn mesh_load(traffic: &Traffic, width: usize) -> MeshLoad {
    let cores = traffic.cores;
    let mut routers = vec![0u64; cores];
    let mut links = std::collections::BTreeMap::new();
    for a in 0..cores {
        for b in 0..cores {
            let packets = traffic.link(a, b);
            if packets == 0 {
                continue;
            }
            let path = route(a, b, width);
            for &c in &path {
                routers[c] += packets;
            }
            for hop in path.windows(2) {
                *links
                    .entry((hop[0].min(hop[1]), hop[0].max(hop[1])))
                    .or_insert(0) += packets;
            }
        }
    }
    MeshLoad {
        routers,
        links: links.into_iter().collect(),
    }
}

/// Core `c` sits at `(c % width, c / width)`.
pub fn distance(a: usize, b: usize, width: usize) -> u64 {
    ((a % width).abs_diff(b % width) + (a / width).abs_diff(b / width)) as u64
}

/// The traffic of neuron `i` running on core `core_of[i]` of a `cores`-core mesh `width`
/// cores wide, every source spiking once.
pub fn traffic(graph: &SpikeGraph, core_of: &[u32], cores: usize, width: usize) -> Traffic {
    weighted(graph, core_of, cores, width, |_| 1)
}

/// The same, source `s` spiking `spikes(s)` times (e.g. counts from a simulation).
pub fn weighted(
    graph: &SpikeGraph,
    core_of: &[u32],
    cores: usize,
    width: usize,
    spikes: impl Fn(usize) -> u64,
) -> Traffic {
    let mut t = Traffic {
        links: vec![0; cores * cores],
        cores,
        ..Traffic::default()
    };
    let mut seen = vec![u32::MAX; cores];
    for s in 0..graph.source_count() {
        let count = spikes(s);
        if count == 0 {
            continue;
        }
        let from = graph.source_neuron(s).map(|i| core_of[i] as usize);
        for &target in graph.targets.row(s) {
            let core = core_of[target as usize] as usize;
            if seen[core] == s as u32 {
                continue;
            }
            seen[core] = s as u32;
            match from {
                None => t.input += count,
                Some(f) if f == core => t.local += count,
                Some(f) => {
                    t.inter_core += count;
                    t.hops += count * distance(f, core, width);
                    t.links[f * cores + core] += count;
                }
            }
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use channels::ChannelSet;
    use network::Network;

    #[test]
    fn a_spike_is_one_packet_per_destination_core_and_hops_are_manhattan() {
        let set = ChannelSet::builtin("hh_squid").unwrap();
        let mut net = Network::new("t", set, 4, -65.0, 0.0);
        net.add_receptor(network::Receptor {
            name: "e".into(),
            tau_ms: 5.0,
            kind: network::ReceptorKind::Current { excitatory: true },
        });
        // Neuron 0 (core 0) reaches cores 0, 1 (twice) and 3; neuron 3 (core 3) reaches 3.
        for (pre, post) in [(0, 0), (0, 1), (0, 2), (0, 3), (3, 3)] {
            net.synapses.push(pre, post, 1.0, 0);
        }
        net.inputs = 1;
        net.input_synapses.push(0, 0, 1.0, 0);
        net.input_synapses.push(0, 3, 1.0, 0);
        let g = SpikeGraph::new(&net);
        // 2 x 2 mesh: core 3 is at (1, 1), two hops from core 0.
        let t = traffic(&g, &[0, 1, 1, 3], 4, 2);
        assert_eq!((t.inter_core, t.local, t.input, t.hops), (2, 2, 2, 3));
        assert_eq!(t.link(0, 1), 1);
        assert_eq!(t.link(0, 3), 1);
        assert_eq!(t.links.iter().sum::<u64>(), 2);
        // 0 -> 3 goes through core 1 (x first): routers 0 and 1 see both packets.
        assert_eq!(route(0, 3, 2), vec![0, 1, 3]);
        let load = mesh_load(&t, 2);
        assert_eq!(load.routers, vec![2, 2, 0, 1]);
        assert_eq!(load.links, vec![((0, 1), 2), ((1, 3), 1)]);
        assert_eq!(load.links.iter().map(|l| l.1).sum::<u64>(), t.hops);
    }
}
