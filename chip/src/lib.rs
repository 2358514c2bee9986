//! The chip's configuration: mesh size, neurons and memory depths per core, word widths,
//! router FIFOs, clock and time step. A file (TOML) with shipped examples
//! (`builtin:small`, `builtin:brainfuse`); every value is checked, with a message naming
//! the file, the field and what was expected. The format is documented in docs/chip.md.
//! Also the chip image ([`image`]): a network's memory contents for one configuration.

mod config;
pub mod image;

pub use config::{
    builtin_names, index_bits, ChipConfig, ConfigError, Core, Datapath, Mesh, Router, Timing, Words,
};
pub use image::{ChipImage, CoreImage, ImageError};

/// Neurons one core's datapath can address (its 10-bit neuron index, `hdl::map`).
pub const MAX_NEURONS_PER_CORE: u32 = 1024;
/// Clocks a step spends besides one per neuron: the start and the datapath's pipeline
/// depth (`hdl::core::WRITE_BACK`).
pub const STEP_OVERHEAD_CLOCKS: u32 = 16;
/// Clocks the compact datapath spends per neuron (`hdl::compact_core::clocks_per_neuron`).
pub const COMPACT_CLOCKS_PER_NEURON: u32 = 89;
