//! The network compiler: a [`Network`] and a [`ChipConfig`] in, a [`ChipImage`] out.
//!
//! Steps: check the network fits the datapath (channels, receptors); quantize state,
//! thresholds and weights to the chip's formats (reporting the error); place neurons on
//! cores ([`place`]); build each core's axon table, synapse memory and routing table
//! ([`tables`]). Whatever does not fit is refused with the numbers and what to change;
//! nothing is ever truncated.
//!
//! Placement is naive for now (neurons in index order, spread evenly over the cores); the
//! partitioner that minimizes inter-core traffic is future work (issue 6).

pub mod place;
mod quantize;
mod tables;
pub mod usage;

use chip::{ChipConfig, ChipImage};
use network::Network;

pub use quantize::{QuantizationReport, ReceptorQuantization};
pub use usage::{usage, CoreUsage, Fill};

// A network's receptor limit is the chip's.
const _: () = assert!(network::MAX_RECEPTORS == chip::image::MAX_RECEPTORS);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot compile network '{network}' for chip '{chip}': {message}")]
pub struct CompileError {
    pub network: String,
    pub chip: String,
    pub message: String,
}

/// A compiled network: the image and what compiling it cost.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub image: ChipImage,
    pub quantization: QuantizationReport,
    /// Core of each network neuron, and its index there.
    pub placement: place::Placement,
}

pub fn compile(net: &Network, config: &ChipConfig) -> Result<Compiled, CompileError> {
    let fail = |message: String| CompileError {
        network: net.name.clone(),
        chip: config.name.clone(),
        message,
    };
    net.validate().map_err(|e| fail(e.message))?;
    if let Some(reset) = net.reset_mv {
        return Err(fail(format!(
            "reset_mv = {reset}: integrate-and-fire neurons need a reset, which the chip's HH \
             neurons do not have; run this network on the float reference, or use an HH \
             channel set"
        )));
    }
    let placement = place::spread(net.neurons, config).map_err(fail)?;
    let (state, quantization) = quantize::quantize(net, config).map_err(fail)?;
    let image = tables::build(net, config, &placement, state).map_err(fail)?;
    image
        .validate()
        .map_err(|e| fail(format!("internal error, the image is inconsistent: {e}")))?;
    Ok(Compiled {
        image,
        quantization,
        placement,
    })
}
