//! Kernels compiled ahead of time for the built-in channel sets.
//!
//! `build.rs` turns each built-in channel file into Rust with the same [`channels::Expr`]
//! trees the interpreter runs, so the two agree bit for bit (tested); the compiled form lets
//! LLVM fuse and vectorize the whole neuron update. Each kernel is compiled for AVX-512,
//! AVX2+FMA and baseline x86-64 and picked at run time.

#![allow(clippy::all, unused_parens, unused_imports)]

use multiversion::multiversion;

use crate::kernel::{
    alpha_beta_to_inf_decay, crossed, inf_tau_to_inf_decay, membrane, relax, StepFn, StepParams,
};
use crate::real::Real;

include!(concat!(env!("OUT_DIR"), "/compiled_kernels.rs"));
