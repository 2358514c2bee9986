//! Placeholder: the Verilator bridge and co-simulation of the RTL against `sim` and the float
//! reference, with VCD and switching-activity power. Nothing is implemented yet.
