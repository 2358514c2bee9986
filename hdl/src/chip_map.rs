//! The chip's host address map, and a chip image expressed as the host writes that load it
//! (what `neurofuse cosim`, the FPGA link and tests send over the chip's configuration bus).
//!
//! Address: `unit[27:24] | core[23:16] | local[15:0]`. Units:
//!
//! | unit | what | local address |
//! |---|---|---|
//! | 0 | neuron core `core` | the core's own map (`map`) |
//! | 1 | its axon table | axon |
//! | 2 | its synapse memory | synapse entry |
//! | 3 | its route-range table | source (neuron, or `INPUT_SOURCE_BASE` + input slot) |
//! | 4 | its route entries | entry |
//! | 5 | inject: send source `local` (an input spike) | source |
//! | 15 | chip registers (`core` ignored) | `CHIP_*` |
//!
//! A host writes units 0-5 only while `CHIP_STATUS` bit 0 reads clear: while a tick runs
//! the writes are ignored, and while the chip is held in reset a register write is lost.
//! Reads of a core answer only between ticks. Units 1-4 are write-only.

use chip::ChipImage;
use sim::ChipModel;

use crate::delivery::{self, WEIGHT_BITS};
use crate::emission::{self, INPUT_SOURCE_BASE};
use crate::map::{self, HostWrite};
use crate::memories::CoreMemories;

pub const UNIT_CORE: u32 = 0;
pub const UNIT_AXON: u32 = 1;
pub const UNIT_SYNAPSE: u32 = 2;
pub const UNIT_ROUTE_RANGE: u32 = 3;
pub const UNIT_ROUTE: u32 = 4;
pub const UNIT_INJECT: u32 = 5;
/// Read only: each read pops the oldest output spike of the core (see [`spike_word`]).
pub const UNIT_SPIKES: u32 = 6;
pub const UNIT_CHIP: u32 = 15;

/// Chip registers (unit 15).
pub const CHIP_IDENTITY: u32 = 0;
/// Write anything: run one tick.
pub const CHIP_RUN: u32 = 1;
/// Bit 0 tick running (or the chip held in reset), bit 1 network idle, bit 2 an emission queue overflowed (sticky),
/// bit 3 a packet left the mesh's edge (sticky), bit 16 a core's output-spike queue was full
/// and dropped a spike (sticky: the host did not read the spikes out). Writing 1s clears
/// those sticky bits ([`STATUS_STICKY`]); loading an image does so first.
pub const CHIP_STATUS: u32 = 2;
pub const CHIP_TICK_CYCLES: u32 = 3;
pub const CHIP_TICKS: u32 = 4;
/// The chip's shape: `width[7:0] | height[15:8] | log2(fifo_depth)[23:16] |
/// log2(neurons per core)[27:24]` (a compact core holds only its configuration's neurons).
pub const CHIP_SHAPE: u32 = 5;
/// Clocks of the last tick in which some core's emission unit waited on a full router port
/// (back-pressure from the mesh). Also counts between ticks (injected inputs).
pub const CHIP_STALLS: u32 = 6;
/// The sizes of each core's network memories (`memories::CoreMemories::word`): route
/// entries, input slots, axons, synapses, emission queue, output-spike queue, log2 in 4 bits
/// each. A host loads only an image compiled for these sizes.
pub const CHIP_CAPACITY: u32 = 7;
/// Receptor `r`'s weight shift (delivery: `weight << shift`) is `CHIP_SHIFT + r`.
pub const CHIP_SHIFT: u32 = 8;
/// Fault injection, to prove the co-simulation catches and locates a fault: bit 0 on,
/// bits [15:8] the core whose deliveries then have their lowest bit flipped. Off after reset.
pub const CHIP_FAULT: u32 = 12;
/// Write 1 (bit 0): reset the chip as its reset pin does, starting one clock after the
/// write lands and held for at least `chip_top::reset_clocks` clocks (status bit 0 reads
/// busy meanwhile). Every register, controller, queue and FIFO clears (a running tick stops,
/// packets in flight are dropped); memories keep their contents, but the registers an image
/// sets (the cores' parameters, the weight shifts) are cleared too, so an image is loaded
/// after it. [`crate::host::load`] does this first.
pub const CHIP_RESET: u32 = 13;
/// "NFC" and version 6 (version 2: output spikes readable over the bus; version 3: the
/// status register's sticky bits clear on a write; version 4: the reset register; version
/// 5: the shape reports the neurons per core; version 6: the memories are sized for the
/// configuration, reported by `CHIP_CAPACITY`).
pub const CHIP_IDENTITY_VALUE: u32 = 0x4E46_4306;

pub const STATUS_BUSY: u32 = 1;
pub const STATUS_IDLE: u32 = 2;
pub const STATUS_OVERFLOW: u32 = 4;
pub const STATUS_EDGE_ERROR: u32 = 8;
pub const STATUS_SPIKES_LOST: u32 = 1 << 16;
/// The status bits that stay set until cleared (by a write of 1s, or a reset).
pub const STATUS_STICKY: u32 = STATUS_OVERFLOW | STATUS_EDGE_ERROR | STATUS_SPIKES_LOST;

/// An error naming what the status word's sticky error bits report (the chip lost spikes
/// or packets).
pub fn check_status(status: u32) -> Result<(), String> {
    if status & STATUS_OVERFLOW != 0 {
        return Err("an emission queue overflowed: spikes were dropped".into());
    }
    if status & STATUS_EDGE_ERROR != 0 {
        return Err("a packet was routed off the edge of the mesh".into());
    }
    if status & STATUS_SPIKES_LOST != 0 {
        return Err("an output-spike queue was full: spikes were dropped".into());
    }
    Ok(())
}

/// A read of [`UNIT_SPIKES`]: `Some(neuron)` when a spike was popped, `None` when the
/// core's queue was empty. Bit 31 says a spike was there, bits [26:16] how many were queued
/// before the read, bits [9:0] the core-local neuron.
pub fn spike_word(word: u32) -> Option<u32> {
    (word >> 31 == 1).then_some(word & 0x3FF)
}

/// Cores one chip addresses.
pub const MAX_CORES: u32 = 256;

pub const fn address(unit: u32, core: u32, local: u32) -> u32 {
    unit << 24 | core << 16 | local
}

/// The shape a chip built for `config` reports ([`CHIP_SHAPE`]).
pub fn shape_word(config: &chip::ChipConfig) -> u32 {
    config.mesh.width
        | config.mesh.height << 8
        | config.router.fifo_depth.trailing_zeros() << 16
        | config.core.neurons.trailing_zeros() << 24
}

/// A shape word in words: "W x H cores of N neurons, F-packet FIFOs".
pub fn describe_shape(word: u32) -> String {
    format!(
        "{} x {} cores of {} neurons, {}-packet FIFOs",
        word & 0xFF,
        (word >> 8) & 0xFF,
        1u32 << ((word >> 24) & 0xF),
        1u32 << ((word >> 16) & 0xFF)
    )
}

/// Whether a chip that reports `shape` ([`CHIP_SHAPE`]) and `capacity` ([`CHIP_CAPACITY`])
/// was built for `config`, the configuration an image was compiled for; if not, both in
/// words (`chip` names the chip: "the chip", "this RTL chip").
pub fn check_built_for(
    config: &chip::ChipConfig,
    chip: &str,
    shape: u32,
    capacity: u32,
) -> Result<(), String> {
    let wanted = shape_word(config);
    if shape != wanted {
        return Err(format!(
            "the image is for {} (chip '{}'); {chip} is {}",
            describe_shape(wanted),
            config.name,
            describe_shape(shape)
        ));
    }
    let wanted = CoreMemories::of(config).word();
    if capacity != wanted {
        return Err(format!(
            "the image is for a chip with {} (chip '{}'); {chip} has {}",
            CoreMemories::describe(wanted),
            config.name,
            CoreMemories::describe(capacity)
        ));
    }
    Ok(())
}

/// An image as host writes, and where each external input was placed.
#[derive(Clone, Debug)]
pub struct ChipLoad {
    pub writes: Vec<HostWrite>,
    /// Per external input: the (core, source) whose injection sends it.
    pub inputs: Vec<(u32, u32)>,
}

impl ChipLoad {
    /// The write that sends external input `input` into the chip.
    pub fn inject(&self, input: u32) -> HostWrite {
        let (core, source) = self.inputs[input as usize];
        HostWrite {
            address: address(UNIT_INJECT, core, source),
            data: 0,
        }
    }
}

/// Every write that loads `image` into the chip RTL, or what does not fit it (nothing is
/// truncated: an image that fits the configuration but not this RTL is refused whole).
pub fn load(image: &ChipImage) -> Result<ChipLoad, String> {
    let config = &image.config;
    let cores = config.cores();
    if cores > MAX_CORES || config.mesh.width > 64 || config.mesh.height > 64 {
        return Err(format!(
            "the RTL addresses at most {MAX_CORES} cores on a mesh of at most 64 x 64; the image's chip is {} x {}",
            config.mesh.width, config.mesh.height
        ));
    }
    if config.words.weight_bits > WEIGHT_BITS {
        return Err(format!(
            "words.weight_bits is {}, the RTL's synapse memory holds {WEIGHT_BITS}-bit weights",
            config.words.weight_bits
        ));
    }
    let model = ChipModel::new(image).map_err(|e| e.to_string())?;
    let memories = CoreMemories::of(config);
    // A new image starts with no error left over from the last one.
    let mut writes = vec![HostWrite {
        address: address(UNIT_CHIP, 0, CHIP_STATUS),
        data: STATUS_STICKY,
    }];
    for (r, receptor) in image.receptors.iter().enumerate() {
        writes.push(HostWrite {
            address: address(UNIT_CHIP, 0, CHIP_SHIFT + r as u32),
            data: receptor.weight_shift,
        });
    }
    let mut next_route = vec![0u32; cores as usize];
    for (k, core) in image.cores.iter().enumerate() {
        let kk = k as u32;
        let fail = |what: String| format!("core {k}: {what}");
        let state = map::CoreImage::new(model.engine(), &model.cores[k]).map_err(fail)?;
        writes.extend(state.writes.iter().map(|w| HostWrite {
            address: address(UNIT_CORE, kk, w.address),
            data: w.data,
        }));
        if core.axons.len() > memories.axons() as usize
            || core.synapses.len() > memories.synapses() as usize
        {
            return Err(fail(format!(
                "{} axons and {} synapses; the chip's cores hold {} and {}",
                core.axons.len(),
                core.synapses.len(),
                memories.axons(),
                memories.synapses()
            )));
        }
        for (a, range) in core.axons.iter().enumerate() {
            let word = delivery::axon_word(range.first, range.count)
                .map_err(|e| fail(format!("axon {a}: {e}")))?;
            writes.push(HostWrite {
                address: address(UNIT_AXON, kk, a as u32),
                data: word,
            });
        }
        for (s, synapse) in core.synapses.iter().enumerate() {
            let word = delivery::synapse_word(synapse.target, synapse.weight, synapse.receptor)
                .map_err(|e| fail(format!("synapse {s}: {e}")))?;
            writes.push(HostWrite {
                address: address(UNIT_SYNAPSE, kk, s as u32),
                data: word,
            });
        }
        // Every range word, then every route: two runs of consecutive addresses (a host on
        // a slow line sends them as bursts).
        let mut route_writes = Vec::new();
        for neuron in 0..core.neurons() {
            let routes = core.routes.routes(neuron);
            let first = next_route[k];
            let word = range_word(&memories, first, routes.len() as u32).map_err(fail)?;
            writes.push(HostWrite {
                address: address(UNIT_ROUTE_RANGE, kk, neuron as u32),
                data: word,
            });
            push_routes(&mut route_writes, image, &memories, kk, first, routes).map_err(fail)?;
            next_route[k] += routes.len() as u32;
        }
        writes.extend(route_writes);
    }
    // External inputs: input i is sent by core i mod cores, as its input slot i / cores.
    let mut inputs = Vec::new();
    for i in 0..image.inputs.ranges.len() {
        let k = i as u32 % cores;
        let slot = i as u32 / cores;
        let fail = |what: String| format!("external input {i} (on core {k}): {what}");
        if slot >= memories.input_slots() {
            return Err(fail(format!(
                "the chip's cores hold {} input slots each",
                memories.input_slots()
            )));
        }
        let routes = image.inputs.routes(i);
        let first = next_route[k as usize];
        let word = range_word(&memories, first, routes.len() as u32).map_err(fail)?;
        writes.push(HostWrite {
            address: address(UNIT_ROUTE_RANGE, k, INPUT_SOURCE_BASE + slot),
            data: word,
        });
        push_routes(&mut writes, image, &memories, k, first, routes).map_err(fail)?;
        next_route[k as usize] += routes.len() as u32;
        inputs.push((k, INPUT_SOURCE_BASE + slot));
    }
    debug_assert!(next_route.iter().all(|&n| n <= memories.routes()));
    Ok(ChipLoad { writes, inputs })
}

/// A source's range word, if its routes end within the core's route table.
fn range_word(memories: &CoreMemories, first: u32, count: u32) -> Result<u32, String> {
    if first + count > memories.routes() {
        return Err(format!(
            "route entries {first} .. {} run past the chip's {} route entries per core (`core.routes` for the neurons and as many for the inputs)",
            first + count,
            memories.routes()
        ));
    }
    emission::range_word(first, count)
}

/// Route entries `first ..` of `core`: one packet per route.
fn push_routes(
    writes: &mut Vec<HostWrite>,
    image: &ChipImage,
    memories: &CoreMemories,
    core: u32,
    first: u32,
    routes: &[chip::image::Route],
) -> Result<(), String> {
    let width = image.config.mesh.width;
    for (j, route) in routes.iter().enumerate() {
        if route.axon >= memories.axons() {
            return Err(format!(
                "a route names axon {}, the chip's axon tables hold {}",
                route.axon,
                memories.axons()
            ));
        }
        writes.push(HostWrite {
            address: address(UNIT_ROUTE, core, first + j as u32),
            data: crate::router::packet(route.core % width, route.core / width, route.axon),
        });
    }
    Ok(())
}
