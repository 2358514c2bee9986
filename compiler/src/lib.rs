//! Placeholder: the network compiler (trained network -> partition, placement, routing,
//! quantization -> chip image). Nothing is implemented yet.
