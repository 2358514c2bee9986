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

use serde::{Deserialize, Serialize};

use crate::ChipConfig;

mod check;
mod files;
mod words;

pub use words::Memory;

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
