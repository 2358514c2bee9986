//! Placement: which core runs each neuron. [`spread`] is the naive baseline (index order);
//! [`on_mesh`] puts the partitioner's parts on the mesh so that parts that exchange many
//! packets sit close together.

use chip::ChipConfig;

use crate::traffic::distance;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Per network neuron: (core, local index).
    pub slot: Vec<(u32, u32)>,
    /// Per core: the network neurons it runs, in local order.
    pub neurons: Vec<Vec<u32>>,
}

/// Neurons in index order, spread evenly: core `k` gets the `k`-th block of
/// `ceil(neurons / cores)`.
pub fn spread(neurons: usize, config: &ChipConfig) -> Result<Placement, String> {
    let cores = config.cores() as usize;
    let capacity = config.core.neurons as usize;
    if neurons > cores * capacity {
        return Err(format!(
            "{neurons} neurons, but the chip holds {} ({cores} cores x {capacity}): use a larger mesh (mesh.width, mesh.height) or more neurons per core (core.neurons)",
            cores * capacity
        ));
    }
    let per = neurons.div_ceil(cores).max(1);
    let mut p = Placement {
        slot: Vec::with_capacity(neurons),
        neurons: vec![Vec::new(); cores],
    };
    for i in 0..neurons {
        let core = i / per;
        p.slot.push((core as u32, p.neurons[core].len() as u32));
        p.neurons[core].push(i as u32);
    }
    Ok(p)
}

impl Placement {
    /// Neuron `i` on core `core_of[i]`; a core's neurons in ascending network order.
    pub fn from_cores(core_of: &[u32], cores: usize) -> Placement {
        let mut p = Placement {
            slot: Vec::with_capacity(core_of.len()),
            neurons: vec![Vec::new(); cores],
        };
        for (i, &core) in core_of.iter().enumerate() {
            let ids = &mut p.neurons[core as usize];
            p.slot.push((core, ids.len() as u32));
            ids.push(i as u32);
        }
        p
    }

    /// The core of each neuron.
    pub fn cores(&self) -> Vec<u32> {
        self.slot.iter().map(|&(core, _)| core).collect()
    }
}

/// The core for each part: minimizes the hops of the packets between parts (`links[a * parts
/// + b]`: packets from part `a` to part `b`) on a mesh `width` cores wide. Pairwise swaps
/// from several starting layouts, then iterated local search (random kicks of the best
/// layout, each followed by swaps), all within a budget of ~10^8 distance evaluations (the
/// search stops where it is when that is spent). Returns `core_of_part`.
pub fn on_mesh(links: &[u64], parts: usize, width: usize, seed: u64) -> Vec<u32> {
    // Symmetric weights: a packet a -> b travels as far as one b -> a.
    let w = |a: usize, b: usize| links[a * parts + b] + links[b * parts + a];
    let cost = |at: &[usize]| -> u64 {
        (0..parts)
            .flat_map(|a| (a + 1..parts).map(move |b| (a, b)))
            .map(|(a, b)| w(a, b) * distance(at[a], at[b], width))
            .sum()
    };
    let budget = std::cell::Cell::new(100_000_000i64);
    let spent = || budget.get() <= 0;
    // Swapping the cores of parts a and b changes only the terms that involve a or b.
    let delta = |at: &[usize], a: usize, b: usize| -> i64 {
        budget.set(budget.get() - parts as i64);
        let mut d = 0i64;
        for c in (0..parts).filter(|&c| c != a && c != b) {
            let (da, db) = (
                distance(at[a], at[c], width) as i64,
                distance(at[b], at[c], width) as i64,
            );
            d += (w(a, c) as i64 - w(b, c) as i64) * (db - da);
        }
        d
    };
    let descend = |at: &mut Vec<usize>| {
        let mut improved = true;
        while improved && !spent() {
            improved = false;
            for a in 0..parts {
                if spent() {
                    return;
                }
                for b in a + 1..parts {
                    if delta(at, a, b) < 0 {
                        at.swap(a, b);
                        improved = true;
                    }
                }
            }
        }
    };
    let mut state = seed | 1;
    let mut random = |below: usize| {
        // xorshift64: enough to vary layouts.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below.max(1) as u64) as usize
    };
    let mut best: Vec<usize> = (0..parts).collect();
    descend(&mut best);
    let mut best_cost = cost(&best);
    let mut consider = |at: Vec<usize>, best: &mut Vec<usize>| {
        let c = cost(&at);
        if c < best_cost {
            best_cost = c;
            *best = at;
        }
    };
    for _ in 1..8 {
        if spent() {
            break;
        }
        let mut at: Vec<usize> = (0..parts).collect();
        for i in (1..parts).rev() {
            at.swap(i, random(i + 1));
        }
        descend(&mut at);
        consider(at, &mut best);
    }
    for _ in 0..1000 {
        if spent() {
            break;
        }
        let mut at = best.clone();
        for _ in 0..3 {
            at.swap(random(parts), random(parts));
        }
        descend(&mut at);
        consider(at, &mut best);
    }
    best.into_iter().map(|c| c as u32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_fills_cores_evenly_and_refuses_overflow() {
        let c = ChipConfig::builtin("small").unwrap(); // 4 cores x 256
        let p = spread(10, &c).unwrap();
        assert_eq!(
            p.neurons.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![3, 3, 3, 1]
        );
        assert_eq!(p.slot[4], (1, 1));
        let e = spread(1025, &c).unwrap_err();
        assert!(e.starts_with("1025 neurons, but the chip holds 1024 (4 cores x 256)"));
    }
}

#[cfg(test)]
mod mesh_tests {
    use super::*;

    #[test]
    fn parts_that_talk_end_up_adjacent() {
        // Four parts on a 4 x 1 line; 0 <-> 3 and 1 <-> 2 talk, nothing else.
        let parts = 4;
        let mut links = vec![0u64; parts * parts];
        links[3] = 10; // 0 -> 3
        links[parts + 2] = 10; // 1 -> 2
        let at = on_mesh(&links, parts, 4, 7);
        let mut sorted = at.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![0, 1, 2, 3], "a permutation of the cores");
        let d = |a: usize, b: usize| distance(at[a] as usize, at[b] as usize, 4);
        assert_eq!((d(0, 3), d(1, 2)), (1, 1), "{at:?}");
    }

    #[test]
    fn from_cores_keeps_network_order_within_a_core() {
        let p = Placement::from_cores(&[1, 0, 1, 1], 3);
        assert_eq!(p.neurons, vec![vec![1], vec![0, 2, 3], vec![]]);
        assert_eq!(p.slot, vec![(1, 0), (0, 0), (1, 1), (1, 2)]);
        assert_eq!(p.cores(), vec![1, 0, 1, 1]);
    }
}
