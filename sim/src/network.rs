//! The chip model: runs a chip image tick by tick, bit-accurately — the golden model the
//! chip's RTL is compared against, and what users run when the RTL would be too slow.
//!
//! A tick: every core updates all its neurons ([`FixedEngine::step`], receptors included);
//! then every spike of the tick is delivered: the spiking neuron's routing-table entries name
//! (core, axon) destinations, each axon's synapse entries add `weight << shift` to a
//! receptor accumulator of their target neuron, which the next tick's update consumes.
//! Input spikes injected for a tick are delivered the same way, through the input routes.
//! Delivery order cannot change a result (saturating sums of non-negative increments).

use channels::ChannelSet;
use chip::image::Route;
use chip::{ChipImage, CoreImage};

use crate::engine::{FixedEngine, FixedPopulation, FixedReceptor};
use crate::format::{DECAY_FRAC, GATE_FRAC, I_BITS, SYN_BITS, V_BITS};

// The image's word widths (chip cannot depend on sim) are the datapath's formats.
const _: () = assert!(
    chip::image::V_BITS == V_BITS
        && chip::image::GATE_BITS == GATE_FRAC
        && chip::image::BIAS_BITS == I_BITS
        && chip::image::RECEPTOR_STATE_BITS == SYN_BITS
        && chip::image::DECAY_BITS == DECAY_FRAC
);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("chip image: {0}")]
pub struct ModelError(pub String);

/// Traffic counted since the model was built.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    pub spikes: u64,
    pub input_spikes: u64,
    /// Spike packets sent: one per routing-table entry of a spiking source.
    pub packets: u64,
    /// Router hops those packets travel (dimension-order routing: |dx| + |dy|).
    pub hops: u64,
    /// Synapse entries read: one per synaptic event.
    pub synaptic_events: u64,
}

pub struct ChipModel {
    engine: FixedEngine,
    image: ChipImage,
    pub cores: Vec<FixedPopulation>,
    shifts: Vec<u32>,
    counted: Vec<Vec<u32>>,
    spiked: Vec<(u32, u32)>,
    traffic: Traffic,
    ticks: u64,
}

impl ChipModel {
    pub fn new(image: &ChipImage) -> Result<ChipModel, ModelError> {
        image.validate().map_err(|e| ModelError(e.message))?;
        let set = ChannelSet::from_toml(&image.channels, "the image's channel set")
            .map_err(|e| ModelError(e.to_string()))?;
        let receptors = image
            .receptors
            .iter()
            .map(FixedReceptor::from_image)
            .collect();
        let engine = FixedEngine::new(&set, image.config.timing.dt_ms)
            .and_then(|e| e.with_receptors(receptors))
            .map_err(|e| ModelError(e.to_string()))?;
        let mut cores = Vec::new();
        for (k, core) in image.cores.iter().enumerate() {
            if core.gates.len() != set.gates.len() {
                return Err(ModelError(format!(
                    "core {k} holds {} gate memories, channel set '{}' has {} gates",
                    core.gates.len(),
                    set.name,
                    set.gates.len()
                )));
            }
            cores.push(population(&engine, image.threshold, core));
        }
        Ok(ChipModel {
            counted: cores.iter().map(|p| vec![0; p.len()]).collect(),
            shifts: image.receptors.iter().map(|r| r.weight_shift).collect(),
            engine,
            image: image.clone(),
            cores,
            spiked: Vec::new(),
            traffic: Traffic::default(),
            ticks: 0,
        })
    }

    pub fn image(&self) -> &ChipImage {
        &self.image
    }

    pub fn engine(&self) -> &FixedEngine {
        &self.engine
    }

    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    pub fn traffic(&self) -> &Traffic {
        &self.traffic
    }

    /// Runs one tick with `inputs` (external input indices) firing; returns the spikes of the
    /// tick as (core, local neuron), in core then neuron order.
    pub fn tick(&mut self, inputs: &[u32]) -> &[(u32, u32)] {
        self.spiked.clear();
        for (k, pop) in self.cores.iter_mut().enumerate() {
            self.engine.step(pop);
            for (i, (&now, seen)) in pop
                .spikes
                .iter()
                .zip(self.counted[k].iter_mut())
                .enumerate()
            {
                if now != *seen {
                    *seen = now;
                    self.spiked.push((k as u32, i as u32));
                }
            }
        }
        for s in 0..self.spiked.len() {
            let (k, i) = self.spiked[s];
            let routes = self.image.cores[k as usize].routes.routes(i as usize);
            deliver(
                &self.image,
                &self.shifts,
                &mut self.cores,
                &mut self.traffic,
                Some(k),
                routes,
            );
        }
        for &input in inputs {
            let routes = self.image.inputs.routes(input as usize);
            deliver(
                &self.image,
                &self.shifts,
                &mut self.cores,
                &mut self.traffic,
                None,
                routes,
            );
        }
        self.traffic.spikes += self.spiked.len() as u64;
        self.traffic.input_spikes += inputs.len() as u64;
        self.ticks += 1;
        &self.spiked
    }

    /// The network's index of a core's local neuron.
    pub fn neuron_id(&self, core: u32, local: u32) -> u32 {
        self.image.cores[core as usize].neuron_ids[local as usize]
    }
}

fn population(engine: &FixedEngine, threshold: i32, core: &CoreImage) -> FixedPopulation {
    let n = core.neurons();
    let mut pop = engine.population(n, -65.0, 0.0);
    pop.threshold = threshold;
    pop.v.clone_from(&core.v);
    pop.gates.clone_from(&core.gates);
    pop.i_ext.clone_from(&core.bias);
    pop.receptors.clone_from(&core.receptors);
    pop
}

fn deliver(
    image: &ChipImage,
    shifts: &[u32],
    cores: &mut [FixedPopulation],
    traffic: &mut Traffic,
    from: Option<u32>,
    routes: &[Route],
) {
    let width = image.config.mesh.width;
    for route in routes {
        traffic.packets += 1;
        if let Some(src) = from {
            let (sx, sy) = (src % width, src / width);
            let (dx, dy) = (route.core % width, route.core / width);
            traffic.hops += u64::from(sx.abs_diff(dx) + sy.abs_diff(dy));
        }
        let core = &image.cores[route.core as usize];
        let span = core.axons[route.axon as usize].span();
        traffic.synaptic_events += span.len() as u64;
        let pop = &mut cores[route.core as usize];
        for s in &core.synapses[span] {
            pop.deliver(
                s.receptor as usize,
                s.target as usize,
                s.weight << shifts[s.receptor as usize],
            );
        }
    }
}
