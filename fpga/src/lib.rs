//! The FPGA flow: the host link's UART bridge in Verilog (`bridge`), board top levels and
//! pin constraints (`board`), and the open synthesis, place-and-route and packing flow that
//! makes a bitstream (`flow`).

pub mod board;
pub mod bridge;
pub mod flow;

pub use board::{board, Board, Design, BOARDS};
