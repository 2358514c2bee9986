//! The chip image: everything a network needs on one chip configuration — per core the
//! neuron state, synapse memory (axon table and entries) and routing table, plus the
//! chip-wide channel set, receptors and input routes.
//!
//! Memories hold the hardware's words (see [`ChipImage::memories`] for each layout). On disk
//! an image is a directory: `image.json` (the manifest: format version, configuration,
//! channel set, receptor parameters, and per memory its file, word width, word count and
//! CRC-32) and one little-endian binary file per memory. [`ChipImage::load`] checks all of it
//! before returning anything, so a wrong version, a truncated file or an image that does not
//! fit its configuration is an error, never a partial load.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::index_bits;
use crate::ChipConfig;

pub const IMAGE_FORMAT: &str = "neurofuse-chip-image";
pub const IMAGE_VERSION: u32 = 1;
pub const MANIFEST: &str = "image.json";
/// Receptor types per core: a synapse entry names one in 2 bits.
pub const MAX_RECEPTORS: usize = 4;
/// Gates per neuron the datapath holds.
pub const MAX_GATES: usize = 4;
/// Receptor state and increments: 24 bits (U8.16 conductance or U12.12 current).
pub const RECEPTOR_STATE_BITS: u32 = 24;
/// Widths of the neuron-state words (the datapath's formats, `sim::format`).
pub const V_BITS: u32 = 20;
pub const GATE_BITS: u32 = 16;
pub const BIAS_BITS: u32 = 25;
pub const DECAY_BITS: u32 = 18;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct ImageError {
    /// The image directory or file, or `image` for one in memory.
    pub origin: String,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReceptorImageKind {
    /// Reversal potential in the V format (S7.12).
    Conductance {
        reversal: i32,
    },
    Current {
        excitatory: bool,
    },
}

/// A synapse type: how its state acts, how it decays, how weights scale into it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceptorImage {
    #[serde(flatten)]
    pub kind: ReceptorImageKind,
    /// `exp(-dt / tau)`, U0.18.
    pub decay: u32,
    /// A weight `w` adds `w << weight_shift` to the 24-bit state.
    pub weight_shift: u32,
}

/// Where a spike goes: an axon of a core (cores numbered `y * width + x`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub core: u32,
    pub axon: u32,
}

/// A run of table entries: `first .. first + count`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Range {
    pub first: u32,
    pub count: u32,
}

impl Range {
    pub fn span(&self) -> std::ops::Range<usize> {
        self.first as usize..(self.first + self.count) as usize
    }
}

/// Per source (a neuron, or an external input), the routes of its spikes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteTable {
    pub ranges: Vec<Range>,
    pub entries: Vec<Route>,
}

impl RouteTable {
    pub fn routes(&self, source: usize) -> &[Route] {
        &self.entries[self.ranges[source].span()]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Synapse {
    /// Local neuron index.
    pub target: u32,
    pub weight: u32,
    pub receptor: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoreImage {
    /// Network index of each local neuron (the neurons this core runs).
    pub neuron_ids: Vec<u32>,
    /// Initial state, in the datapath's formats.
    pub v: Vec<i32>,
    pub gates: Vec<Vec<u16>>,
    /// Constant input current (S12.12).
    pub bias: Vec<i32>,
    pub receptors: Vec<Vec<u32>>,
    /// Axon table: an incoming axon's synapse entries.
    pub axons: Vec<Range>,
    pub synapses: Vec<Synapse>,
    /// Per local neuron, where its spikes go.
    pub routes: RouteTable,
}

impl CoreImage {
    pub fn neurons(&self) -> usize {
        self.neuron_ids.len()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChipImage {
    pub config: ChipConfig,
    /// The channel set's TOML (the gate and membrane tables are generated from it).
    pub channels: String,
    /// Spike threshold, V format.
    pub threshold: i32,
    pub receptors: Vec<ReceptorImage>,
    /// Per external input, where its spikes go (held by the host, injected over the bus).
    pub inputs: RouteTable,
    pub cores: Vec<CoreImage>,
}

/// One memory's contents: words of `width` bits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Memory {
    pub width: u32,
    pub words: Vec<u64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: String,
    version: u32,
    config: String,
    channels: String,
    threshold: i32,
    receptors: Vec<ReceptorImage>,
    inputs: usize,
    cores: Vec<CoreManifest>,
    memories: Vec<MemoryManifest>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CoreManifest {
    neurons: usize,
    gates: usize,
    axons: usize,
    synapses: usize,
    routes: usize,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MemoryManifest {
    name: String,
    file: String,
    width: u32,
    words: usize,
    crc32: u32,
}

fn mask(width: u32) -> u64 {
    u64::MAX >> (64 - width)
}

fn bytes_per_word(width: u32) -> usize {
    width.div_ceil(8) as usize
}

/// Packs fields low bits first: `(value, width)` pairs.
fn pack(fields: &[(u64, u32)]) -> u64 {
    let mut word = 0;
    let mut at = 0;
    for &(value, width) in fields {
        word |= (value & mask(width)) << at;
        at += width;
    }
    word
}

fn field(word: u64, at: u32, width: u32) -> u64 {
    (word >> at) & mask(width)
}

fn signed(raw: u64, width: u32) -> i32 {
    (((raw << (64 - width)) as i64) >> (64 - width)) as i32
}

/// Field widths of the packed words, fixed by the configuration.
struct Layout {
    target: u32,
    weight: u32,
    axon_index: u32,
    core: u32,
    axon: u32,
    route_index: u32,
}

impl Layout {
    fn new(c: &ChipConfig) -> Layout {
        Layout {
            target: index_bits(c.core.neurons),
            weight: c.words.weight_bits,
            axon_index: index_bits(c.core.synapses + 1),
            core: index_bits(c.cores()),
            axon: index_bits(c.core.axons),
            route_index: index_bits(c.core.routes + 1),
        }
    }
}

impl ChipImage {
    /// Checks every entry against the configuration and the rest of the image.
    pub fn validate(&self) -> Result<(), ImageError> {
        self.check().map_err(|message| ImageError {
            origin: "image".into(),
            message,
        })
    }

    fn check(&self) -> Result<(), String> {
        let c = &self.config;
        let cores = c.cores() as usize;
        if self.cores.len() != cores {
            return Err(format!(
                "{} cores: the configuration '{}' has {cores} ({} x {})",
                self.cores.len(),
                c.name,
                c.mesh.width,
                c.mesh.height
            ));
        }
        if !fits_signed(self.threshold.into(), V_BITS) {
            return Err(format!(
                "threshold = {}: expected a 20-bit signed value (S7.12)",
                self.threshold
            ));
        }
        if self.receptors.len() > MAX_RECEPTORS {
            return Err(format!(
                "{} receptors: a core has at most {MAX_RECEPTORS}",
                self.receptors.len()
            ));
        }
        for (r, rec) in self.receptors.iter().enumerate() {
            if rec.decay > mask(DECAY_BITS) as u32 {
                return Err(format!(
                    "receptors[{r}].decay = {}: expected a U0.18 value below 2^18",
                    rec.decay
                ));
            }
            let top = (mask(c.words.weight_bits) << rec.weight_shift.min(63)) as u128;
            if rec.weight_shift >= 64 || top > mask(RECEPTOR_STATE_BITS) as u128 {
                return Err(format!(
                    "receptors[{r}].weight_shift = {}: a {}-bit weight shifted by it exceeds the 24-bit receptor state",
                    rec.weight_shift, c.words.weight_bits
                ));
            }
        }
        let axons: Vec<usize> = self.cores.iter().map(|k| k.axons.len()).collect();
        check_routes("inputs", &self.inputs, None, &axons)?;
        for (k, core) in self.cores.iter().enumerate() {
            let at = |what: &str| format!("core {k}: {what}");
            let n = core.neurons();
            if n > c.core.neurons as usize {
                return Err(at(&format!(
                    "{n} neurons: a core of '{}' holds {}",
                    c.name, c.core.neurons
                )));
            }
            for (name, len) in [("v", core.v.len()), ("bias", core.bias.len())] {
                if len != n {
                    return Err(at(&format!("{name} has {len} words: expected {n}")));
                }
            }
            if core.gates.len() > MAX_GATES {
                return Err(at(&format!(
                    "{} gates: the datapath has {MAX_GATES}",
                    core.gates.len()
                )));
            }
            if core.gates.len() != self.cores[0].gates.len() {
                return Err(at(&format!(
                    "{} gate memories, core 0 has {}: every core runs the same channel set",
                    core.gates.len(),
                    self.cores[0].gates.len()
                )));
            }
            if core.receptors.len() != self.receptors.len() {
                return Err(at(&format!(
                    "{} receptor-state memories: expected one per receptor ({})",
                    core.receptors.len(),
                    self.receptors.len()
                )));
            }
            for (g, words) in core.gates.iter().enumerate() {
                if words.len() != n {
                    return Err(at(&format!(
                        "gates[{g}] has {} words: expected {n}",
                        words.len()
                    )));
                }
            }
            for (r, words) in core.receptors.iter().enumerate() {
                if words.len() != n {
                    return Err(at(&format!(
                        "receptors[{r}] has {} words: expected {n}",
                        words.len()
                    )));
                }
                if let Some(i) = words.iter().position(|&s| u64::from(s) > mask(24)) {
                    return Err(at(&format!(
                        "receptors[{r}][{i}] = {}: expected a 24-bit state",
                        words[i]
                    )));
                }
            }
            if let Some(i) = core.v.iter().position(|&v| !fits_signed(v.into(), V_BITS)) {
                return Err(at(&format!(
                    "v[{i}] = {}: expected a 20-bit signed value",
                    core.v[i]
                )));
            }
            if let Some(i) = core
                .bias
                .iter()
                .position(|&b| !fits_signed(b.into(), BIAS_BITS))
            {
                return Err(at(&format!(
                    "bias[{i}] = {}: expected a 25-bit signed value",
                    core.bias[i]
                )));
            }
            if core.axons.len() > c.core.axons as usize {
                return Err(at(&format!(
                    "{} axon-table entries: a core of '{}' holds {}",
                    core.axons.len(),
                    c.name,
                    c.core.axons
                )));
            }
            if core.synapses.len() > c.core.synapses as usize {
                return Err(at(&format!(
                    "{} synapse entries: a core of '{}' holds {}",
                    core.synapses.len(),
                    c.name,
                    c.core.synapses
                )));
            }
            for (a, r) in core.axons.iter().enumerate() {
                if (r.first as usize + r.count as usize) > core.synapses.len() {
                    return Err(at(&format!(
                        "axon {a} points at synapses {}..{}: the core has {}",
                        r.first,
                        u64::from(r.first) + u64::from(r.count),
                        core.synapses.len()
                    )));
                }
            }
            for (i, s) in core.synapses.iter().enumerate() {
                if s.target as usize >= n {
                    return Err(at(&format!(
                        "synapse {i}: target neuron {} of {n}",
                        s.target
                    )));
                }
                if u64::from(s.weight) > mask(c.words.weight_bits) {
                    return Err(at(&format!(
                        "synapse {i}: weight {} does not fit {} bits",
                        s.weight, c.words.weight_bits
                    )));
                }
                if s.receptor as usize >= self.receptors.len() {
                    return Err(at(&format!(
                        "synapse {i}: receptor {} of {}",
                        s.receptor,
                        self.receptors.len()
                    )));
                }
            }
            if core.routes.ranges.len() != n {
                return Err(at(&format!(
                    "{} route ranges: expected one per neuron ({n})",
                    core.routes.ranges.len()
                )));
            }
            check_routes(
                &format!("core {k}: routes"),
                &core.routes,
                Some(c.core.routes as usize),
                &axons,
            )?;
        }
        Ok(())
    }

    /// Every memory of the image in the hardware's words, named `core<k>.<memory>` (or
    /// `inputs.<memory>`). Layouts, low bits first:
    /// - `v` S7.12 (20 bits), `gate<g>` U0.16, `bias` S12.12 (25), `receptor<r>` 24 bits;
    /// - `neuron_ids` 32 bits (the network's numbering, for reports);
    /// - `axons`: first synapse, count (each `index_bits(synapses + 1)`);
    /// - `synapses`: target neuron, weight, receptor (2 bits): the configuration's
    ///   `synapse_entry_bits`;
    /// - `route_ranges`: first entry, count; `route_entries`: core, axon.
    pub fn memories(&self) -> Vec<(String, Memory)> {
        let l = Layout::new(&self.config);
        let mut out = Vec::new();
        let ranges = |rs: &[Range], bits: u32| Memory {
            width: 2 * bits,
            words: rs
                .iter()
                .map(|r| pack(&[(r.first.into(), bits), (r.count.into(), bits)]))
                .collect(),
        };
        let entries = |es: &[Route]| Memory {
            width: l.core + l.axon,
            words: es
                .iter()
                .map(|e| pack(&[(e.core.into(), l.core), (e.axon.into(), l.axon)]))
                .collect(),
        };
        let input_bits = index_bits(self.inputs.entries.len() as u32 + 1);
        out.push((
            "inputs.route_ranges".into(),
            ranges(&self.inputs.ranges, input_bits),
        ));
        out.push(("inputs.route_entries".into(), entries(&self.inputs.entries)));
        for (k, core) in self.cores.iter().enumerate() {
            let name = |m: &str| format!("core{k}.{m}");
            let words = |width: u32, it: &mut dyn Iterator<Item = u64>| Memory {
                width,
                words: it.map(|w| w & mask(width)).collect(),
            };
            out.push((
                name("neuron_ids"),
                words(32, &mut core.neuron_ids.iter().map(|&x| x.into())),
            ));
            out.push((
                name("v"),
                words(V_BITS, &mut core.v.iter().map(|&x| x as i64 as u64)),
            ));
            for (g, gate) in core.gates.iter().enumerate() {
                out.push((
                    name(&format!("gate{g}")),
                    words(GATE_BITS, &mut gate.iter().map(|&x| x.into())),
                ));
            }
            out.push((
                name("bias"),
                words(BIAS_BITS, &mut core.bias.iter().map(|&x| x as i64 as u64)),
            ));
            for (r, state) in core.receptors.iter().enumerate() {
                out.push((
                    name(&format!("receptor{r}")),
                    words(RECEPTOR_STATE_BITS, &mut state.iter().map(|&x| x.into())),
                ));
            }
            out.push((name("axons"), ranges(&core.axons, l.axon_index)));
            out.push((
                name("synapses"),
                Memory {
                    width: l.target + l.weight + 2,
                    words: core
                        .synapses
                        .iter()
                        .map(|s| {
                            pack(&[
                                (s.target.into(), l.target),
                                (s.weight.into(), l.weight),
                                (s.receptor.into(), 2),
                            ])
                        })
                        .collect(),
                },
            ));
            out.push((
                name("route_ranges"),
                ranges(&core.routes.ranges, l.route_index),
            ));
            out.push((name("route_entries"), entries(&core.routes.entries)));
        }
        out
    }

    /// Writes the image into `dir` (created if needed): the manifest and one file per memory.
    pub fn save(&self, dir: &Path) -> Result<(), ImageError> {
        self.validate()?;
        let io = |path: &Path, e: std::io::Error| ImageError {
            origin: path.display().to_string(),
            message: format!("cannot write: {e}"),
        };
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let mut memories = Vec::new();
        for (name, memory) in self.memories() {
            let file = format!("{name}.bin");
            let bytes = to_bytes(&memory);
            let path = dir.join(&file);
            std::fs::write(&path, &bytes).map_err(|e| io(&path, e))?;
            memories.push(MemoryManifest {
                name,
                file,
                width: memory.width,
                words: memory.words.len(),
                crc32: crc32fast::hash(&bytes),
            });
        }
        let manifest = Manifest {
            format: IMAGE_FORMAT.into(),
            version: IMAGE_VERSION,
            config: self.config.to_toml(),
            channels: self.channels.clone(),
            threshold: self.threshold,
            receptors: self.receptors.clone(),
            inputs: self.inputs.ranges.len(),
            cores: self
                .cores
                .iter()
                .map(|k| CoreManifest {
                    neurons: k.neurons(),
                    gates: k.gates.len(),
                    axons: k.axons.len(),
                    synapses: k.synapses.len(),
                    routes: k.routes.entries.len(),
                })
                .collect(),
            memories,
        };
        let path = dir.join(MANIFEST);
        let text = serde_json::to_string_pretty(&manifest).expect("manifest serializes");
        std::fs::write(&path, text + "\n").map_err(|e| io(&path, e))
    }

    /// Reads and checks an image written by [`ChipImage::save`].
    pub fn load(dir: &Path) -> Result<ChipImage, ImageError> {
        let manifest_path = dir.join(MANIFEST);
        let fail = |path: &Path, message: String| ImageError {
            origin: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
            fail(
                &manifest_path,
                format!("cannot read the chip image's manifest: {e}"),
            )
        })?;
        // The version first, so an image from another version gets that message.
        let head: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| fail(&manifest_path, format!("not valid JSON: {e}")))?;
        if head.get("format").and_then(|f| f.as_str()) != Some(IMAGE_FORMAT) {
            return Err(fail(
                &manifest_path,
                format!("field `format`: expected \"{IMAGE_FORMAT}\""),
            ));
        }
        let version = head.get("version").and_then(|v| v.as_u64());
        if version != Some(u64::from(IMAGE_VERSION)) {
            return Err(fail(
                &manifest_path,
                format!(
                    "field `version` = {}: this neurofuse reads chip images of version {IMAGE_VERSION}",
                    version.map_or("missing".into(), |v| v.to_string())
                ),
            ));
        }
        let m: Manifest =
            serde_json::from_value(head).map_err(|e| fail(&manifest_path, e.to_string()))?;
        let config = ChipConfig::from_toml(&m.config, "config")
            .map_err(|e| fail(&manifest_path, format!("in `config`: {}", e.message)))?;
        let mut memories = std::collections::BTreeMap::new();
        for mm in &m.memories {
            let path = dir.join(&mm.file);
            if mm.file.contains('/') || mm.file.contains("..") {
                return Err(fail(
                    &manifest_path,
                    format!(
                        "memory `{}`: file `{}` must be a plain name inside the image directory",
                        mm.name, mm.file
                    ),
                ));
            }
            if !(1..=64).contains(&mm.width) {
                return Err(fail(
                    &manifest_path,
                    format!(
                        "memory `{}`: width {} bits, expected 1 to 64",
                        mm.name, mm.width
                    ),
                ));
            }
            let bytes = std::fs::read(&path)
                .map_err(|e| fail(&path, format!("cannot read memory `{}`: {e}", mm.name)))?;
            let expected = mm.words * bytes_per_word(mm.width);
            if bytes.len() != expected {
                return Err(fail(
                    &path,
                    format!(
                        "{} bytes, expected {expected} ({} words of {} bits){}",
                        bytes.len(),
                        mm.words,
                        mm.width,
                        if bytes.len() < expected {
                            ": truncated"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            let crc = crc32fast::hash(&bytes);
            if crc != mm.crc32 {
                return Err(fail(
                    &path,
                    format!(
                        "CRC-32 {crc:08x}, the manifest says {:08x}: the file is corrupt or from another image",
                        mm.crc32
                    ),
                ));
            }
            memories.insert(mm.name.clone(), from_bytes(&bytes, mm.width));
        }
        let image = unpack(&config, &m, memories).map_err(|e| fail(&manifest_path, e))?;
        image
            .validate()
            .map_err(|e| fail(&manifest_path, e.message))?;
        Ok(image)
    }

    /// Writes every memory as a `$readmemh` file (one hex word per line) into `dir`;
    /// returns the files written.
    pub fn write_readmemh(&self, dir: &Path) -> Result<Vec<PathBuf>, ImageError> {
        std::fs::create_dir_all(dir).map_err(|e| ImageError {
            origin: dir.display().to_string(),
            message: format!("cannot create: {e}"),
        })?;
        let mut files = Vec::new();
        for (name, memory) in self.memories() {
            let digits = memory.width.div_ceil(4) as usize;
            let mut text = String::with_capacity(memory.words.len() * (digits + 1));
            for w in &memory.words {
                text += &format!("{w:0digits$x}\n");
            }
            let path = dir.join(format!("{name}.hex"));
            std::fs::write(&path, text).map_err(|e| ImageError {
                origin: path.display().to_string(),
                message: format!("cannot write: {e}"),
            })?;
            files.push(path);
        }
        Ok(files)
    }
}

fn fits_signed(x: i64, bits: u32) -> bool {
    (-(1i64 << (bits - 1))..(1i64 << (bits - 1))).contains(&x)
}

fn check_routes(
    what: &str,
    table: &RouteTable,
    capacity: Option<usize>,
    axons: &[usize],
) -> Result<(), String> {
    if let Some(cap) = capacity {
        if table.entries.len() > cap {
            return Err(format!(
                "{what}: {} routing-table entries, the core holds {cap}",
                table.entries.len()
            ));
        }
    }
    for (s, r) in table.ranges.iter().enumerate() {
        if r.first as usize + r.count as usize > table.entries.len() {
            return Err(format!(
                "{what}: source {s} points at entries {}..{} of {}",
                r.first,
                u64::from(r.first) + u64::from(r.count),
                table.entries.len()
            ));
        }
    }
    for (i, e) in table.entries.iter().enumerate() {
        let Some(&n) = axons.get(e.core as usize) else {
            return Err(format!(
                "{what}: entry {i} goes to core {} of {}",
                e.core,
                axons.len()
            ));
        };
        if e.axon as usize >= n {
            return Err(format!(
                "{what}: entry {i} goes to axon {} of core {}, which has {n}",
                e.axon, e.core
            ));
        }
    }
    Ok(())
}

fn to_bytes(m: &Memory) -> Vec<u8> {
    let b = bytes_per_word(m.width);
    let mut out = Vec::with_capacity(m.words.len() * b);
    for w in &m.words {
        out.extend_from_slice(&w.to_le_bytes()[..b]);
    }
    out
}

fn from_bytes(bytes: &[u8], width: u32) -> Memory {
    let b = bytes_per_word(width);
    Memory {
        width,
        words: bytes
            .chunks_exact(b)
            .map(|c| {
                let mut w = [0u8; 8];
                w[..b].copy_from_slice(c);
                u64::from_le_bytes(w)
            })
            .collect(),
    }
}

fn unpack(
    config: &ChipConfig,
    m: &Manifest,
    mut memories: std::collections::BTreeMap<String, Memory>,
) -> Result<ChipImage, String> {
    let l = Layout::new(config);
    let input_entries = memories
        .get("inputs.route_entries")
        .map_or(0, |m| m.words.len());
    let mut take = |name: &str, width: u32, words: usize| -> Result<Vec<u64>, String> {
        let mem = memories
            .remove(name)
            .ok_or_else(|| format!("memory `{name}` is missing"))?;
        if mem.width != width {
            return Err(format!(
                "memory `{name}`: {} bits wide, this configuration's layout needs {width}",
                mem.width
            ));
        }
        if mem.words.len() != words {
            return Err(format!(
                "memory `{name}`: {} words, the manifest's counts need {words}",
                mem.words.len()
            ));
        }
        Ok(mem.words)
    };
    let ranges = |words: Vec<u64>, bits: u32| -> Vec<Range> {
        words
            .into_iter()
            .map(|w| Range {
                first: field(w, 0, bits) as u32,
                count: field(w, bits, bits) as u32,
            })
            .collect()
    };
    let entries = |words: Vec<u64>| -> Vec<Route> {
        words
            .into_iter()
            .map(|w| Route {
                core: field(w, 0, l.core) as u32,
                axon: field(w, l.core, l.axon) as u32,
            })
            .collect()
    };
    let input_bits = index_bits(input_entries as u32 + 1);
    let inputs = RouteTable {
        ranges: ranges(
            take("inputs.route_ranges", 2 * input_bits, m.inputs)?,
            input_bits,
        ),
        entries: entries(take(
            "inputs.route_entries",
            l.core + l.axon,
            input_entries,
        )?),
    };
    let mut cores = Vec::new();
    for (k, cm) in m.cores.iter().enumerate() {
        let name = |s: &str| format!("core{k}.{s}");
        let n = cm.neurons;
        let core = CoreImage {
            neuron_ids: take(&name("neuron_ids"), 32, n)?
                .into_iter()
                .map(|w| w as u32)
                .collect(),
            v: take(&name("v"), V_BITS, n)?
                .into_iter()
                .map(|w| signed(w, V_BITS))
                .collect(),
            gates: (0..cm.gates)
                .map(|g| {
                    take(&name(&format!("gate{g}")), GATE_BITS, n)
                        .map(|ws| ws.into_iter().map(|w| w as u16).collect())
                })
                .collect::<Result<_, _>>()?,
            bias: take(&name("bias"), BIAS_BITS, n)?
                .into_iter()
                .map(|w| signed(w, BIAS_BITS))
                .collect(),
            receptors: (0..m.receptors.len())
                .map(|r| {
                    take(&name(&format!("receptor{r}")), RECEPTOR_STATE_BITS, n)
                        .map(|ws| ws.into_iter().map(|w| w as u32).collect())
                })
                .collect::<Result<_, _>>()?,
            axons: ranges(
                take(&name("axons"), 2 * l.axon_index, cm.axons)?,
                l.axon_index,
            ),
            synapses: take(&name("synapses"), l.target + l.weight + 2, cm.synapses)?
                .into_iter()
                .map(|w| Synapse {
                    target: field(w, 0, l.target) as u32,
                    weight: field(w, l.target, l.weight) as u32,
                    receptor: field(w, l.target + l.weight, 2) as u32,
                })
                .collect(),
            routes: RouteTable {
                ranges: ranges(
                    take(&name("route_ranges"), 2 * l.route_index, n)?,
                    l.route_index,
                ),
                entries: entries(take(&name("route_entries"), l.core + l.axon, cm.routes)?),
            },
        };
        cores.push(core);
    }
    if let Some(extra) = memories.keys().next() {
        return Err(format!(
            "memory `{extra}` is not part of an image with {} cores",
            m.cores.len()
        ));
    }
    Ok(ChipImage {
        config: config.clone(),
        channels: m.channels.clone(),
        threshold: m.threshold,
        receptors: m.receptors.clone(),
        inputs,
        cores,
    })
}
