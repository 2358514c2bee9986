//! The verilated chips (`neurofuse_chip`, built for `builtin:small` and, with the compact
//! core, for `builtin:ice40`) behind their host bus:
//! load an image, run ticks, inject input spikes, read state.

use std::path::Path;

use chip::ChipImage;
use hdl::chip_map::{self, address, ChipLoad, UNIT_CHIP, UNIT_CORE};
use hdl::map;
use sim::format::from_bits;

use crate::model_ports::{model_ports, ModelPorts};

mod verilated {
    include!(concat!(env!("OUT_DIR"), "/vl_neurofuse_chip.rs"));
}

mod verilated_compact {
    include!(concat!(env!("OUT_DIR"), "/vl_compact_chip.rs"));
}

/// The ports of a verilated chip, besides those every model has.
pub trait ChipPorts: ModelPorts<Address = u32> {
    fn tick_busy(&self) -> u8;
    /// Bit k: core k's spike port is valid.
    fn spike_valid(&self) -> u64;
    /// Core k's spiking neuron in bits 10k .. 10k + 9.
    fn spike_neuron(&self) -> u64;
}

macro_rules! chip_ports {
    ($model:ty) => {
        model_ports!($model, u32);
        impl ChipPorts for $model {
            #[inline]
            fn tick_busy(&self) -> u8 {
                <$model>::tick_busy(self)
            }
            #[inline]
            fn spike_valid(&self) -> u64 {
                <$model>::spike_valid(self).into()
            }
            fn spike_neuron(&self) -> u64 {
                <$model>::spike_neuron(self).into()
            }
        }
    };
}

chip_ports!(verilated::Model);
chip_ports!(verilated_compact::Model);

/// The configuration this build's verilated compact chip ([`RtlCompactChip`]) was
/// generated for.
pub const COMPACT_CHIP_BUILT_FOR: &str = "builtin:ice40";

/// What one tick produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChipTick {
    /// (core, local neuron) of every spike, in core then neuron order (as `sim::ChipModel`).
    pub spikes: Vec<(u32, u32)>,
    /// Clocks the tick took (the chip's own count: settle, step, drain).
    pub cycles: u32,
    /// Clocks of it in which an emission unit waited on a full router port.
    pub stalls: u32,
}

/// A running RTL chip. Each clock is two evaluations (rising, then falling edge).
pub struct RtlChipOf<M: ChipPorts> {
    model: M,
    cycles: u64,
    tracing: bool,
    cores: u32,
    loaded: Option<ChipLoad>,
    /// The fault [`RtlChipOf::set_fault`] asked for, put back after the reset of every load.
    fault: Option<u32>,
}

/// The verilated chip of `builtin:small` (2 x 2 pipelined cores).
pub type RtlChip = RtlChipOf<verilated::Model>;
/// The verilated chip of [`COMPACT_CHIP_BUILT_FOR`] (one compact core).
pub type RtlCompactChip = RtlChipOf<verilated_compact::Model>;

impl<M: ChipPorts> RtlChipOf<M> {
    /// The chip after a reset; its memories are empty until [`RtlChipOf::load`].
    pub fn new() -> Self {
        let mut chip = RtlChipOf {
            model: M::create(),
            cycles: 0,
            tracing: false,
            cores: 0,
            loaded: None,
            fault: None,
        };
        chip.model.set_clock(0);
        chip.model.eval();
        chip.reset_pin();
        let (width, height, _) = chip.shape();
        chip.cores = width * height;
        chip
    }

    /// Pulses the chip's reset pin (as a board's button does) and waits until the chip is
    /// out of reset. What was loaded is gone: load again after it.
    pub fn reset_pin(&mut self) {
        // Reset enters through a register: two clocks.
        self.model.set_reset(1);
        self.clock();
        self.clock();
        self.model.set_reset(0);
        self.model.eval();
        self.loaded = None;
        // The chip holds its reset a few more clocks (its routers drain their FIFOs).
        hdl::host::wait_out_of_reset(self).expect("the chip comes out of reset");
    }

    /// Writes every signal of the chip to `path` as VCD from now on (one time unit is half a
    /// clock).
    pub fn open_trace(&mut self, path: &Path) -> std::io::Result<()> {
        self.model.trace_open(path)?;
        self.tracing = true;
        self.model.trace_dump(2 * self.cycles);
        Ok(())
    }

    pub fn close_trace(&mut self) {
        self.model.trace_close();
        self.tracing = false;
    }

    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    /// One clock: rising edge (registers take their inputs), then falling edge.
    #[inline]
    pub fn clock(&mut self) {
        self.model.set_clock(1);
        self.model.eval();
        if self.tracing {
            self.model.trace_dump(2 * self.cycles + 1);
        }
        self.model.set_clock(0);
        self.model.eval();
        self.cycles += 1;
        if self.tracing {
            self.model.trace_dump(2 * self.cycles);
        }
    }

    /// Presents one write for a clock; the chip registers it and performs it on the next
    /// clock edge (overlapping whatever the host presents next).
    pub fn write(&mut self, address: u32, data: u32) {
        self.model.set_host_address(address);
        self.model.set_host_write_data(data);
        self.model.set_host_write(1);
        self.clock();
        self.model.set_host_write(0);
    }

    /// Reads one word over the host bus (two clocks: the bus register, then the read);
    /// `None` when nothing answers (a core read while a tick runs, or an unmapped unit).
    pub fn read(&mut self, address: u32) -> Option<u32> {
        self.model.set_host_address(address);
        self.model.set_host_read(1);
        self.clock();
        self.model.set_host_read(0);
        self.clock();
        (self.model.host_read_valid() == 1).then(|| self.model.host_read_data())
    }

    fn chip_register(&mut self, register: u32) -> u32 {
        self.read(address(UNIT_CHIP, 0, register))
            .expect("the chip registers always answer")
    }

    /// Mesh width, height and router FIFO depth, as the chip reports them.
    pub fn shape(&mut self) -> (u32, u32, u32) {
        let word = self.chip_register(chip_map::CHIP_SHAPE);
        (word & 0xFF, (word >> 8) & 0xFF, 1 << ((word >> 16) & 0xFF))
    }

    pub fn status(&mut self) -> u32 {
        self.chip_register(chip_map::CHIP_STATUS)
    }

    /// Resets the chip over the bus (as `hdl::host::load` does), then loads `image`, or says
    /// why this chip cannot hold it (nothing is written then). A fault set with
    /// [`RtlChipOf::set_fault`] stays set.
    pub fn load(&mut self, image: &ChipImage) -> Result<(), String> {
        let shape = self.chip_register(chip_map::CHIP_SHAPE);
        let capacity = self.chip_register(chip_map::CHIP_CAPACITY);
        chip_map::check_built_for(&image.config, "this RTL chip", shape, capacity)?;
        let load = chip_map::load(image)?;
        self.loaded = None;
        hdl::host::reset(self)?;
        self.write_fault();
        for w in &load.writes {
            self.write(w.address, w.data);
        }
        self.loaded = Some(load);
        Ok(())
    }

    /// Runs one tick, then sends `inputs` (external input indices; the next tick's step
    /// sees them, as `sim::ChipModel::tick`). An error if the chip reports a lost packet.
    pub fn tick(&mut self, inputs: &[u32]) -> Result<ChipTick, String> {
        let loaded = self.loaded.as_ref().ok_or("no image loaded")?;
        let injections: Vec<map::HostWrite> = inputs.iter().map(|&i| loaded.inject(i)).collect();
        self.write(address(UNIT_CHIP, 0, chip_map::CHIP_RUN), 1);
        // The run command acts one clock after the bus registered it.
        self.clock();
        let mut spikes = Vec::new();
        let mut clocks = 0u64;
        while self.model.tick_busy() == 1 {
            let fired = self.model.spike_valid();
            if fired != 0 {
                let neurons = self.model.spike_neuron();
                for k in 0..self.cores {
                    if fired >> k & 1 == 1 {
                        spikes.push((k, (neurons >> (10 * k) & 0x3FF) as u32));
                    }
                }
            }
            self.clock();
            clocks += 1;
            if clocks > 100_000_000 {
                return Err("a tick did not finish in 10^8 clocks".into());
            }
        }
        spikes.sort_unstable();
        // The host's view: every core's output-spike queue, read over the bus. It must
        // hold exactly what the spike ports showed.
        let mut read_out = Vec::with_capacity(spikes.len());
        for core in 0..self.cores {
            read_out.extend(self.read_spikes(core)?.into_iter().map(|n| (core, n)));
        }
        read_out.sort_unstable();
        if read_out != spikes {
            return Err(format!(
                "the spikes read over the host bus ({read_out:?}) differ from the cores' spike ports ({spikes:?})"
            ));
        }
        let cycles = self.chip_register(chip_map::CHIP_TICK_CYCLES);
        let stalls = self.chip_register(chip_map::CHIP_STALLS);
        for w in injections {
            self.write(w.address, w.data);
        }
        // The inputs are delivered before the host touches the cores' memories again (the
        // delivery units share the accumulator ports with the host).
        let mut status = self.status();
        let mut waited = 0u32;
        while status & chip_map::STATUS_IDLE == 0 {
            status = self.status();
            waited += 1;
            if waited > 10_000_000 {
                return Err("injected inputs were not delivered in 2 * 10^7 clocks".into());
            }
        }
        chip_map::check_status(status)?;
        Ok(ChipTick {
            spikes,
            cycles,
            stalls,
        })
    }

    /// Pops every queued output spike of `core` over the host bus (core-local neurons, in
    /// the order they fired).
    pub fn read_spikes(&mut self, core: u32) -> Result<Vec<u32>, String> {
        let mut out = Vec::new();
        loop {
            let word = self
                .read(address(chip_map::UNIT_SPIKES, core, 0))
                .ok_or_else(|| format!("core {core}'s output-spike queue did not answer"))?;
            match chip_map::spike_word(word) {
                Some(neuron) => out.push(neuron),
                None => return Ok(out),
            }
            if out.len() > 1024 {
                return Err(format!("core {core}'s output-spike queue never emptied"));
            }
        }
    }

    /// Injects a fault (`chip_map::CHIP_FAULT`): core `core`'s deliveries get their lowest
    /// bit flipped; `None` turns it off. An error for a core the chip does not have.
    pub fn set_fault(&mut self, core: Option<u32>) -> Result<(), String> {
        if let Some(k) = core.filter(|&k| k >= self.cores) {
            return Err(format!(
                "cannot inject a fault at core {k}: the chip has cores 0 to {}",
                self.cores - 1
            ));
        }
        self.fault = core;
        self.write_fault();
        Ok(())
    }

    fn write_fault(&mut self) {
        let word = self.fault.map_or(0, |k| 1 | k << 8);
        self.write(address(UNIT_CHIP, 0, chip_map::CHIP_FAULT), word);
    }

    fn core_read(&mut self, core: u32, local: u32) -> Result<u32, String> {
        self.read(address(UNIT_CORE, core, local)).ok_or_else(|| {
            format!("core {core} did not answer a read of {local:#06x} (busy with a tick?)")
        })
    }

    /// V (S7.12), the gates (U0.16), the injected current and the receptor states of a
    /// neuron; an error when the core does not answer.
    pub fn read_neuron(&mut self, core: u32, neuron: u32) -> Result<NeuronState, String> {
        let v = from_bits(
            self.core_read(core, map::address(map::REGION_V, neuron))?
                .into(),
            20,
        ) as i32;
        let mut gates = [0u16; 4];
        for (g, x) in gates.iter_mut().enumerate() {
            *x = self.core_read(core, map::address(map::REGION_GATE + g as u32, neuron))? as u16;
        }
        let i_ext = from_bits(
            self.core_read(core, map::address(map::REGION_I_EXT, neuron))?
                .into(),
            sim::format::I_BITS,
        ) as i32;
        let mut receptors = [0u32; 4];
        for (r, x) in receptors.iter_mut().enumerate() {
            *x = self.core_read(
                core,
                map::address(map::REGION_RECEPTOR_STATE + r as u32, neuron),
            )?;
        }
        Ok(NeuronState {
            v,
            gates,
            i_ext,
            receptors,
        })
    }
}

/// The direct bus, for `hdl::host`'s bus-only driver.
impl<M: ChipPorts> hdl::host::HostBus for RtlChipOf<M> {
    fn read(&mut self, address: u32) -> Result<Option<u32>, String> {
        Ok(RtlChipOf::read(self, address))
    }

    fn write(&mut self, address: u32, data: u32) -> Result<(), String> {
        RtlChipOf::write(self, address, data);
        Ok(())
    }
}

impl<M: ChipPorts> Default for RtlChipOf<M> {
    fn default() -> Self {
        Self::new()
    }
}

/// One neuron's stored state, raw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NeuronState {
    pub v: i32,
    pub gates: [u16; 4],
    /// S12.12.
    pub i_ext: i32,
    pub receptors: [u32; 4],
}
