//! The CUDA backend: kernels generated as CUDA C++ from a channel set ([`source`]), compiled
//! at run time by NVRTC ([`nvrtc`]) and run through the driver API ([`device`]). cudarc loads
//! both libraries when first used, so nothing CUDA is needed to build, and a machine without
//! them gets an error, not a crash. See docs/cuda.md.

pub mod device;
pub mod grad_device;
pub mod grad_network;
pub mod grad_source;
pub mod nvrtc;
pub mod source;
pub mod synapse_source;

use std::fmt;

pub use device::{CudaEngine, CudaFloat, DevicePopulation};
pub use grad_device::CudaGradKernels;
pub use grad_network::{CudaGradNetwork, CudaTrajectory};
pub use nvrtc::compile_source;
pub use source::{cuda_source, FloatTy};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CudaError {
    /// NVRTC (the run-time compiler) could not be loaded.
    NoNvrtc(String),
    /// NVRTC rejected the source; its log.
    Compile(String),
    /// No driver or no device.
    NoDevice(String),
    /// The driver failed an operation.
    Driver(String),
    /// Bad arguments (time step, population shape).
    Invalid(String),
}

impl fmt::Display for CudaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CudaError::NoNvrtc(m) => write!(f, "NVRTC unavailable: {m}"),
            CudaError::Compile(log) => write!(f, "NVRTC could not compile the kernels:\n{log}"),
            CudaError::NoDevice(m) => write!(f, "no CUDA device: {m}"),
            CudaError::Driver(m) => write!(f, "CUDA driver error: {m}"),
            CudaError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for CudaError {}
