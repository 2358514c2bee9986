//! The `neurofuse` command-line program's library: protocols, engines, comparisons, benchmarks
//! and plots shared by the subcommands and the end-to-end tests.

pub mod bench;
pub mod bench_compile;
pub mod board;
pub mod chip;
pub mod compile;
pub mod cosim;
pub mod demo;
pub mod evaluate;
pub mod fpga;
pub mod image;
pub mod metrics;
pub mod neuron;
pub mod placement_plot;
pub mod plot;
pub mod power;
pub mod trace;
pub mod training;
pub mod verilog;
