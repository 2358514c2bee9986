//! The float reference of neurofuse: Hodgkin-Huxley neurons with any channel set, in f32 or
//! f64. This is the physics the chip approximates and the differentiable simulator that trains
//! networks ([`grad`]). It runs on the CPU and, through kernels generated from the same
//! channel expressions ([`cuda`]), on NVIDIA GPUs.

pub mod cuda;
pub mod dual;
pub mod engine;
pub mod grad;
pub mod interp;
pub mod kernel;
pub mod network;
pub mod real;

mod compiled;

pub use dual::Dual;
pub use engine::{EngineError, FloatEngine, KernelKind, Population};
pub use grad::{GradNetwork, GradReal, Loss, Params, Surrogate};
pub use network::{FloatNetwork, Raster};
pub use real::Real;
