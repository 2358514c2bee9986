//! The float reference of neurofuse: Hodgkin-Huxley neurons with any channel set, in f32 or
//! f64. This is the physics the chip approximates and (later) the differentiable simulator
//! that trains networks; for now it runs on the CPU. CUDA kernels will be generated from the
//! same channel expressions.

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
