//! Placement: which core runs each neuron.

use chip::ChipConfig;

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
