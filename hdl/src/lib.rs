//! The chip's RTL in rust-hdl: a pipelined, time-multiplexed Hodgkin-Huxley datapath that
//! computes exactly the arithmetic of `sim` (docs/fixed-point.md) and its host port; the
//! spike router, the synapse-delivery and spike-emission units, the tick controller; the
//! generated mesh and chip top with the chip's host address map and image loader; the
//! Verilog export.
//!
//! One block per file. Arithmetic stages are small custom blocks (rust-hdl multiplies only
//! 16 x 16): each carries a Rust model for rust-hdl's simulator, built from `sim`'s own
//! primitives, and its Verilog. Structure, memories and control are rust-hdl blocks.
//! The RTL is checked bit for bit against `sim` under Verilator (`testbench`).

pub mod bits;
pub mod channel_current;
pub mod chip_map;
pub mod chip_top;
pub mod compact_core;
pub mod controller;
pub mod core;
pub mod delay;
pub mod delivery;
pub mod emission;
pub mod export;
pub mod factor_stage;
pub mod gate_update;
pub mod host;
pub mod map;
pub mod membrane_sum;
pub mod memories;
pub mod mesh;
pub mod parameters;
pub mod ram;
pub mod receptor_unit;
pub mod router;
pub mod single_port_ram;
pub mod tick;
pub mod voltage_update;

pub use crate::core::NeuronCore;
pub use map::CoreImage;
