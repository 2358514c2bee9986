//! The network compiler: a [`Network`] and a [`ChipConfig`] in, a [`ChipImage`] out.
//!
//! Steps: check the network fits the datapath (channels, receptors); quantize state,
//! thresholds and weights to the chip's formats (reporting the error); place neurons on
//! cores ([`place`]); build each core's axon table, synapse memory and routing table
//! ([`tables`]). Whatever does not fit is refused with the numbers and what to change;
//! nothing is ever truncated.
//!
//! Placement partitions the neurons so that few spikes leave their core ([`partition`]),
//! then puts the parts on the mesh so that the packets that do travel go few hops
//! ([`place::on_mesh`]). The naive baseline, neurons in index order spread evenly
//! ([`place::spread`]), stays available and is always reported for comparison.

mod cluster;
pub mod graph;
pub mod partition;
pub mod place;
mod quantize;
mod refine;
mod tables;
pub mod traffic;
pub mod usage;

use chip::{ChipConfig, ChipImage};
use network::Network;

pub use partition::{PartitionOptions, PartitionReport};
pub use quantize::{QuantizationReport, ReceptorQuantization};
pub use traffic::Traffic;
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

/// How neurons are assigned to cores.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Placer {
    /// The naive baseline: index order, spread evenly over the cores.
    Spread,
    /// Partitioned for low inter-core traffic, then placed on the mesh for short routes.
    Partition(PartitionOptions),
}

impl Default for Placer {
    fn default() -> Self {
        Placer::Partition(PartitionOptions::default())
    }
}

/// A step of a compilation, for progress bars: `done` of `total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub stage: &'static str,
    pub done: u64,
    pub total: u64,
}

/// A compiled network: the image and what compiling it cost.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub image: ChipImage,
    pub quantization: QuantizationReport,
    /// Core of each network neuron, and its index there.
    pub placement: place::Placement,
    /// The placement's spike traffic, and that of the naive baseline ([`place::spread`]).
    pub traffic: Traffic,
    pub baseline: Traffic,
    /// The partitioner's passes (`None` for [`Placer::Spread`]).
    pub partition: Option<PartitionReport>,
}

/// Compiles with the default placer (partitioned), without progress reports.
pub fn compile(net: &Network, config: &ChipConfig) -> Result<Compiled, CompileError> {
    compile_with(net, config, Placer::default(), &mut |_| {})
}

pub fn compile_with(
    net: &Network,
    config: &ChipConfig,
    placer: Placer,
    progress: &mut dyn FnMut(Progress),
) -> Result<Compiled, CompileError> {
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
    let cores = config.cores() as usize;
    let width = config.mesh.width as usize;
    let stage = |stage, done, total| Progress { stage, done, total };
    progress(stage("graph", 0, 1));
    let baseline_placement = place::spread(net.neurons, config).map_err(fail)?;
    let graph = graph::SpikeGraph::new(net);
    let baseline = traffic::traffic(&graph, &baseline_placement.cores(), cores, width);
    progress(stage("graph", 1, 1));
    let (placement, report) = match placer {
        Placer::Spread => (baseline_placement, None),
        Placer::Partition(options) => {
            progress(stage("partition", 0, 1));
            let (parts, report) = partition::partition(&graph, config, &options, &mut |d, t| {
                progress(stage("partition", d as u64, t as u64))
            })
            .map_err(fail)?;
            progress(stage("place", 0, 1));
            let between = traffic::traffic(&graph, &parts, cores, width);
            let core_of_part = place::on_mesh(&between.links, cores, width, options.seed);
            let core_of: Vec<u32> = parts.iter().map(|&p| core_of_part[p as usize]).collect();
            (place::Placement::from_cores(&core_of, cores), Some(report))
        }
    };
    let traffic = traffic::traffic(&graph, &placement.cores(), cores, width);
    drop(graph);
    progress(stage("quantize", 0, 1));
    let (state, quantization) = quantize::quantize(net, config).map_err(fail)?;
    progress(stage("tables", 0, 1));
    let image = tables::build(net, config, &placement, state).map_err(fail)?;
    image
        .validate()
        .map_err(|e| fail(format!("internal error, the image is inconsistent: {e}")))?;
    progress(stage("tables", 1, 1));
    Ok(Compiled {
        image,
        quantization,
        placement,
        traffic,
        baseline,
        partition: report,
    })
}
