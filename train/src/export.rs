//! Trained networks on disk, the compiler's input: `network.safetensors` (every array:
//! weights, synapse indices, biases, initial state) and `network.json` (the topology and
//! everything else: channel set source, receptors, populations, the task). Readable from
//! Python with the `safetensors` package (`safetensors.numpy.load_file`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use network::{InitialState, Network, Projection, Receptor};
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "neurofuse-network";
pub const VERSION: u32 = 1;
pub const MANIFEST: &str = "network.json";
pub const TENSORS: &str = "network.safetensors";

/// A named range of neurons (e.g. `hidden`, `output`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Population {
    pub name: String,
    pub first: usize,
    pub count: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub name: String,
    pub neurons: usize,
    pub inputs: usize,
    pub threshold_mv: f64,
    pub reset_mv: Option<f64>,
    pub dt_ms: f64,
    /// The channel set's TOML source.
    pub channels: String,
    pub receptors: Vec<Receptor>,
    pub populations: Vec<Population>,
    /// The tensor file, relative to the manifest.
    pub tensors: String,
    /// What the network was trained for (free form: the task, its encoding, its results).
    pub task: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ExportError {
    pub file: PathBuf,
    pub message: String,
}

fn err(file: &Path, message: impl Into<String>) -> ExportError {
    ExportError {
        file: file.to_path_buf(),
        message: message.into(),
    }
}

fn f64_bytes(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn u32_bytes(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Writes `net` to `dir` (created if missing).
pub fn save(
    net: &Network,
    dir: &Path,
    dt_ms: f64,
    populations: Vec<Population>,
    task: serde_json::Value,
) -> Result<(), ExportError> {
    std::fs::create_dir_all(dir).map_err(|e| err(dir, format!("cannot create: {e}")))?;
    let n = net.neurons;
    let gates = net.initial_gates();
    let mut arrays: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = vec![
        ("bias".into(), Dtype::F64, vec![n], f64_bytes(&net.bias)),
        (
            "initial.v_mv".into(),
            Dtype::F64,
            vec![n],
            f64_bytes(&net.initial.v_mv),
        ),
        (
            "initial.gates".into(),
            Dtype::F64,
            vec![gates.len(), n],
            f64_bytes(&gates.concat()),
        ),
        (
            "initial.receptors".into(),
            Dtype::F64,
            vec![net.initial.receptors.len(), n],
            f64_bytes(&net.initial.receptors.concat()),
        ),
    ];
    for (prefix, p) in [
        ("synapses", &net.synapses),
        ("input_synapses", &net.input_synapses),
    ] {
        let e = p.len();
        arrays.push((
            format!("{prefix}.pre"),
            Dtype::U32,
            vec![e],
            u32_bytes(&p.pre),
        ));
        arrays.push((
            format!("{prefix}.post"),
            Dtype::U32,
            vec![e],
            u32_bytes(&p.post),
        ));
        arrays.push((
            format!("{prefix}.weight"),
            Dtype::F64,
            vec![e],
            f64_bytes(&p.weight),
        ));
        arrays.push((
            format!("{prefix}.receptor"),
            Dtype::U8,
            vec![e],
            p.receptor.clone(),
        ));
    }
    let tensor_path = dir.join(TENSORS);
    let views = arrays
        .iter()
        .map(|(name, dtype, shape, data)| {
            TensorView::new(*dtype, shape.clone(), data)
                .map(|v| (name.clone(), v))
                .map_err(|e| err(&tensor_path, format!("tensor {name}: {e:?}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let metadata = HashMap::from([
        ("format".to_string(), FORMAT.to_string()),
        ("manifest".to_string(), MANIFEST.to_string()),
    ]);
    let bytes = safetensors::serialize(views, &Some(metadata))
        .map_err(|e| err(&tensor_path, format!("{e:?}")))?;
    std::fs::write(&tensor_path, bytes).map_err(|e| err(&tensor_path, e.to_string()))?;
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        name: net.name.clone(),
        neurons: n,
        inputs: net.inputs,
        threshold_mv: net.threshold_mv,
        reset_mv: net.reset_mv,
        dt_ms,
        channels: net.channels.source.clone(),
        receptors: net.receptors.clone(),
        populations,
        tensors: TENSORS.into(),
        task,
    };
    let path = dir.join(MANIFEST);
    let text = serde_json::to_string_pretty(&manifest).expect("a manifest serializes");
    std::fs::write(&path, text).map_err(|e| err(&path, e.to_string()))
}

/// Reads a network written by [`save`]; every inconsistency is an error naming the file and
/// the field.
pub fn load(dir: &Path) -> Result<(Network, Manifest), ExportError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| err(&path, e.to_string()))?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| err(&path, e.to_string()))?;
    if m.format != FORMAT || m.version != VERSION {
        return Err(err(
            &path,
            format!(
                "format {} version {}: expected {FORMAT} version {VERSION}",
                m.format, m.version
            ),
        ));
    }
    let channels =
        channels::ChannelSet::from_toml(&m.channels, &format!("{}: channels", path.display()))
            .map_err(|e| err(&path, e.to_string()))?;
    check_manifest(&m).map_err(|e| err(&path, e))?;
    let tpath = dir.join(&m.tensors);
    let bytes = std::fs::read(&tpath).map_err(|e| err(&tpath, e.to_string()))?;
    let st = SafeTensors::deserialize(&bytes).map_err(|e| err(&tpath, format!("{e:?}")))?;
    let t = Tensors {
        st: &st,
        path: &tpath,
    };
    let n = m.neurons;
    let (g, r) = (channels.gates.len(), m.receptors.len());
    let projection = |prefix: &str| -> Result<Projection, ExportError> {
        let pre = t.u32(&format!("{prefix}.pre"), None)?;
        if t.rank(&format!("{prefix}.pre"))? != 1 {
            return Err(err(
                &tpath,
                format!("tensor {prefix}.pre: expected one dimension"),
            ));
        }
        let e = pre.len();
        Ok(Projection {
            post: t.u32(&format!("{prefix}.post"), Some(&[e]))?,
            weight: t.f64(&format!("{prefix}.weight"), &[e])?,
            receptor: t.u8(&format!("{prefix}.receptor"), &[e])?,
            pre,
        })
    };
    let rows = |flat: Vec<f64>, count: usize| -> Vec<Vec<f64>> {
        (0..count)
            .map(|k| flat[k * n..(k + 1) * n].to_vec())
            .collect()
    };
    let net = Network {
        name: m.name.clone(),
        channels,
        threshold_mv: m.threshold_mv,
        reset_mv: m.reset_mv,
        neurons: n,
        initial: InitialState {
            v_mv: t.f64("initial.v_mv", &[n])?,
            gates: Some(rows(t.f64("initial.gates", &[g, n])?, g)),
            receptors: rows(t.f64("initial.receptors", &[r, n])?, r),
        },
        bias: t.f64("bias", &[n])?,
        receptors: m.receptors.clone(),
        synapses: projection("synapses")?,
        inputs: m.inputs,
        input_synapses: projection("input_synapses")?,
    };
    net.validate().map_err(|e| err(&path, e.to_string()))?;
    Ok((net, m))
}

/// What the tensors cannot check: the manifest's own fields.
fn check_manifest(m: &Manifest) -> Result<(), String> {
    if !(m.dt_ms.is_finite() && m.dt_ms > 0.0) {
        return Err(format!(
            "dt_ms = {}: expected a positive number of ms",
            m.dt_ms
        ));
    }
    let plain = Path::new(&m.tensors);
    if plain.components().count() != 1 || plain.is_absolute() || m.tensors == ".." {
        return Err(format!(
            "tensors = {:?}: expected a file name beside the manifest",
            m.tensors
        ));
    }
    for p in &m.populations {
        match p.first.checked_add(p.count) {
            Some(end) if end <= m.neurons => {}
            _ => {
                return Err(format!(
                    "populations: '{}' spans neurons {}..{}+{}, the network has {}",
                    p.name, p.first, p.first, p.count, m.neurons
                ))
            }
        }
    }
    Ok(())
}

struct Tensors<'a> {
    st: &'a SafeTensors<'a>,
    path: &'a Path,
}

impl Tensors<'_> {
    fn get(&self, name: &str, dtype: Dtype, shape: Option<&[usize]>) -> Result<&[u8], ExportError> {
        let v = self
            .st
            .tensor(name)
            .map_err(|_| err(self.path, format!("tensor {name} is missing")))?;
        if v.dtype() != dtype {
            return Err(err(
                self.path,
                format!("tensor {name}: dtype {:?}, expected {dtype:?}", v.dtype()),
            ));
        }
        if let Some(shape) = shape {
            if v.shape() != shape {
                return Err(err(
                    self.path,
                    format!("tensor {name}: shape {:?}, expected {shape:?}", v.shape()),
                ));
            }
        }
        Ok(v.data())
    }

    fn rank(&self, name: &str) -> Result<usize, ExportError> {
        self.st
            .tensor(name)
            .map(|v| v.shape().len())
            .map_err(|_| err(self.path, format!("tensor {name} is missing")))
    }

    fn f64(&self, name: &str, shape: &[usize]) -> Result<Vec<f64>, ExportError> {
        let d = self.get(name, Dtype::F64, Some(shape))?;
        Ok(d.chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect())
    }

    fn u32(&self, name: &str, shape: Option<&[usize]>) -> Result<Vec<u32>, ExportError> {
        let d = self.get(name, Dtype::U32, shape)?;
        Ok(d.chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect())
    }

    fn u8(&self, name: &str, shape: &[usize]) -> Result<Vec<u8>, ExportError> {
        Ok(self.get(name, Dtype::U8, Some(shape))?.to_vec())
    }
}
