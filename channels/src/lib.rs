//! Hodgkin-Huxley ion channels as data.
//!
//! A channel set (one neuron type) is a TOML file: conductances, reversal potentials and gates
//! whose kinetics are expressions of the membrane potential. Every engine of neurofuse (the
//! float reference in `gpu`, the chip's fixed-point arithmetic in `sim`, later CUDA and RTL
//! lookup tables) is built from the same validated [`ChannelSet`].

pub mod expr;
pub mod set;

pub use expr::{Expr, ExprError};
pub use set::{builtin_names, Channel, ChannelError, ChannelSet, Gate, GateFactor, Kinetics};
