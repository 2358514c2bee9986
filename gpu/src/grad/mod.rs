//! Gradients: reverse mode through time for HH networks (see [`network`]).

pub mod kernels;
pub mod model;
pub mod network;
pub mod neuron;

pub use kernels::GradReal;
pub use network::{GradNetwork, Loss, Params, Surrogate, Trajectory};
