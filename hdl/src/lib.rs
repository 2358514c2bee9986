//! Placeholder: the chip's RTL in rust-hdl (HH datapath, synapse memory, spike router) and its
//! Verilog export. Nothing is implemented yet; the datapath will implement exactly the
//! arithmetic of `sim` (see docs/fixed-point.md).
