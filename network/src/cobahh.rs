//! B2: the COBAHH benchmark network (Brette et al. 2007; Brian2's example), from the
//! connectivity and initial state every peer simulator loads (`data/b2_net.npz`).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use channels::ChannelSet;

use crate::{InitialState, Network, NetworkError, Projection, Receptor, ReceptorKind};

pub const NEURONS: usize = 4000;
pub const EXCITATORY: usize = 3200;
/// Membrane area, um^2: converts the benchmark's nS into mS/cm^2.
pub const AREA_UM2: f64 = 20000.0;
pub const TAU_E_MS: f64 = 5.0;
pub const TAU_I_MS: f64 = 10.0;
pub const E_E_MV: f64 = 0.0;
pub const E_I_MV: f64 = -80.0;
pub const W_E_NS: f64 = 6.0;
pub const W_I_NS: f64 = 67.0;
pub const THRESHOLD_MV: f64 = -20.0;
pub const DT_MS: f64 = 0.025;
pub const STEPS: usize = 4000;

/// Conductance density of `ns` nanosiemens over the benchmark's membrane area.
pub fn ns_to_ms_per_cm2(ns: f64) -> f64 {
    ns * 1e-6 / (AREA_UM2 * 1e-8)
}

/// The network file shipped with the repository.
pub fn default_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/b2_net.npz")
}

/// B2 from the shipped network file.
pub fn b2() -> Result<Network, NetworkError> {
    b2_from(&default_data())
}

/// B2 from an `.npz` with `pre`, `post` (int32) and `v0`, `ge0`, `gi0` (float64, mV and nS).
pub fn b2_from(path: &Path) -> Result<Network, NetworkError> {
    let fail = |message: String| NetworkError {
        network: "b2".into(),
        message: format!("{}: {message}", path.display()),
    };
    let mut zip = File::open(path)
        .map_err(|e| fail(format!("cannot open: {e}")))
        .and_then(|f| {
            zip::ZipArchive::new(f).map_err(|e| fail(format!("not an .npz archive: {e}")))
        })?;
    let mut array = |name: &str| -> Result<Vec<u8>, NetworkError> {
        let mut entry = zip
            .by_name(&format!("{name}.npy"))
            .map_err(|_| fail(format!("array `{name}` is missing")))?;
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| fail(format!("array `{name}`: {e}")))?;
        Ok(bytes)
    };
    let ints = |bytes: Vec<u8>, name: &str| -> Result<Vec<i32>, NetworkError> {
        npyz::NpyFile::new(&bytes[..])
            .and_then(|f| f.into_vec::<i32>())
            .map_err(|e| fail(format!("array `{name}`: expected int32: {e}")))
    };
    let floats = |bytes: Vec<u8>, name: &str| -> Result<Vec<f64>, NetworkError> {
        npyz::NpyFile::new(&bytes[..])
            .and_then(|f| f.into_vec::<f64>())
            .map_err(|e| fail(format!("array `{name}`: expected float64: {e}")))
    };
    let pre = ints(array("pre")?, "pre")?;
    let post = ints(array("post")?, "post")?;
    let v0 = floats(array("v0")?, "v0")?;
    let ge0 = floats(array("ge0")?, "ge0")?;
    let gi0 = floats(array("gi0")?, "gi0")?;
    for (name, len) in [("v0", v0.len()), ("ge0", ge0.len()), ("gi0", gi0.len())] {
        if len != NEURONS {
            return Err(fail(format!(
                "array `{name}` has {len} values: expected {NEURONS}"
            )));
        }
    }
    if pre.len() != post.len() {
        return Err(fail(format!(
            "arrays `pre` ({}) and `post` ({}) differ in length",
            pre.len(),
            post.len()
        )));
    }
    let index = |x: i32, name: &str, i: usize| -> Result<u32, NetworkError> {
        u32::try_from(x)
            .ok()
            .filter(|&u| (u as usize) < NEURONS)
            .ok_or_else(|| {
                fail(format!(
                    "{name}[{i}] = {x}: expected a neuron index below {NEURONS}"
                ))
            })
    };
    let mut synapses = Projection::default();
    let (we, wi) = (ns_to_ms_per_cm2(W_E_NS), ns_to_ms_per_cm2(W_I_NS));
    for i in 0..pre.len() {
        let p = index(pre[i], "pre", i)?;
        let q = index(post[i], "post", i)?;
        if (p as usize) < EXCITATORY {
            synapses.push(p, q, we, 0);
        } else {
            synapses.push(p, q, wi, 1);
        }
    }
    let channels = ChannelSet::builtin("traub_miles").map_err(|e| fail(e.to_string()))?;
    let gates = channels.gates.len();
    let net = Network {
        name: "b2".into(),
        channels,
        threshold_mv: THRESHOLD_MV,
        reset_mv: None,
        neurons: NEURONS,
        initial: InitialState {
            v_mv: v0,
            gates: Some(vec![vec![0.0; NEURONS]; gates]),
            receptors: vec![
                ge0.iter().map(|&g| ns_to_ms_per_cm2(g).max(0.0)).collect(),
                gi0.iter().map(|&g| ns_to_ms_per_cm2(g).max(0.0)).collect(),
            ],
        },
        bias: vec![0.0; NEURONS],
        receptors: vec![
            Receptor {
                name: "exc".into(),
                tau_ms: TAU_E_MS,
                kind: ReceptorKind::Conductance {
                    reversal_mv: E_E_MV,
                },
            },
            Receptor {
                name: "inh".into(),
                tau_ms: TAU_I_MS,
                kind: ReceptorKind::Conductance {
                    reversal_mv: E_I_MV,
                },
            },
        ],
        synapses,
        inputs: 0,
        input_synapses: Projection::default(),
    };
    net.validate()?;
    Ok(net)
}

/// The first `excitatory` and `inhibitory` neurons of each population of `b2` and the
/// synapses among them, weights scaled up by `4000 / size` so each neuron receives about the
/// same synaptic drive as in the full network: a B2 small enough for the RTL.
pub fn reduced(b2: &Network, size: usize) -> Network {
    let excitatory = size * 4 / 5;
    let keep: Vec<Option<u32>> = (0..b2.neurons)
        .map(|i| {
            if i < excitatory {
                Some(i as u32)
            } else if (EXCITATORY..EXCITATORY + size - excitatory).contains(&i) {
                Some((i - EXCITATORY + excitatory) as u32)
            } else {
                None
            }
        })
        .collect();
    let scale = b2.neurons as f64 / size as f64;
    let mut synapses = Projection::default();
    for e in 0..b2.synapses.len() {
        let (p, q) = (b2.synapses.pre[e] as usize, b2.synapses.post[e] as usize);
        if let (Some(p), Some(q)) = (keep[p], keep[q]) {
            synapses.push(p, q, b2.synapses.weight[e] * scale, b2.synapses.receptor[e]);
        }
    }
    let pick = |values: &Vec<f64>| -> Vec<f64> {
        (0..b2.neurons)
            .filter(|&i| keep[i].is_some())
            .map(|i| values[i])
            .collect()
    };
    Network {
        name: format!("b2-reduced-{size}"),
        neurons: size,
        initial: InitialState {
            v_mv: pick(&b2.initial.v_mv),
            gates: b2
                .initial
                .gates
                .as_ref()
                .map(|g| g.iter().map(pick).collect()),
            receptors: b2.initial.receptors.iter().map(pick).collect(),
        },
        bias: vec![0.0; size],
        synapses,
        ..b2.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_network_has_the_benchmark_size() {
        let net = b2().unwrap();
        assert_eq!(net.synapses.len(), 320_036);
        let exc = net.synapses.receptor.iter().filter(|&&r| r == 0).count();
        // Pre indices below 3200 are excitatory: about 80 % of the synapses.
        assert!((0.78..0.82).contains(&(exc as f64 / 320_036.0)), "{exc}");
        assert!((ns_to_ms_per_cm2(6.0) - 0.03).abs() < 1e-12);
        let r = reduced(&net, 200);
        r.validate().unwrap();
        assert_eq!(r.neurons, 200);
        // p = 0.02 over 200 x 200 pairs: ~800 synapses.
        assert!(
            (600..1000).contains(&r.synapses.len()),
            "{}",
            r.synapses.len()
        );
    }

    #[test]
    fn a_broken_file_is_named_in_the_error() {
        let dir = std::env::temp_dir().join(format!("nf-b2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.npz");
        std::fs::write(&path, b"not a zip").unwrap();
        let e = b2_from(&path).unwrap_err().to_string();
        assert!(
            e.contains("bad.npz") && e.contains("not an .npz archive"),
            "{e}"
        );
        let e = b2_from(&dir.join("missing.npz")).unwrap_err().to_string();
        assert!(e.contains("missing.npz: cannot open"), "{e}");
    }
}
