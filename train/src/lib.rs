//! Training HH networks on the float reference's gradients: the digits data set, spike
//! encodings, the classifier, Adam, the training loop, and export for the compiler.

pub mod adam;
pub mod classifier;
pub mod digits;
pub mod encode;
pub mod export;
pub mod fit;
