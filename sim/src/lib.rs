//! The chip's arithmetic, exactly: fixed-point formats, lookup tables generated from channel
//! definitions, and the bit-accurate neuron engine that the RTL must match bit for bit.

pub mod engine;
pub mod format;
pub mod network;
pub mod tables;

pub use engine::{
    current_to_fixed, FixedEngine, FixedError, FixedPopulation, FixedReceptor, FixedReceptorKind,
};
pub use network::{ChipModel, ModelError, Traffic};
