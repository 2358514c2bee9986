//! The verilated neuron cores and their host-port driver: the pipelined core
//! (`hdl::NeuronCore`) and the compact core (`hdl::compact_core`) have the same ports, so
//! one driver serves both ([`RtlCore`], [`RtlCompactCore`]).

use std::path::Path;

use hdl::map::{self, CoreImage, HostWrite};
use sim::format::from_bits;

use crate::model_ports::{model_ports, ModelPorts};
use crate::{ProbedState, StepOutput};

mod verilated {
    include!(concat!(env!("OUT_DIR"), "/vl_neuron_core.rs"));
}

mod verilated_compact {
    include!(concat!(env!("OUT_DIR"), "/vl_compact_neuron_core.rs"));
}

/// Version of the Verilator that built the model.
pub const VERILATOR_VERSION: &str = env!("VERILATOR_VERSION");

// The compact core this build verilated holds `2^COMPACT_NEURON_BITS` neurons.
include!(concat!(env!("OUT_DIR"), "/compact_neuron_bits.rs"));

/// The ports of a verilated neuron core, besides those every model has.
pub trait CorePorts: ModelPorts<Address = u16> {
    fn set_start(&mut self, v: u8);
    fn busy(&self) -> u8;
    fn spike_valid(&self) -> u8;
    fn spike_neuron(&self) -> u16;
    fn probe_valid(&self) -> u8;
    fn probe_v(&self) -> u32;
    fn probe_x(&self) -> [u16; 4];
    fn set_deliver_valid(&mut self, v: u8);
    fn set_deliver_neuron(&mut self, v: u16);
    fn set_deliver_receptor(&mut self, v: u8);
    fn set_deliver_increment(&mut self, v: u32);
}

macro_rules! core_ports {
    ($model:ty) => {
        model_ports!($model, u16);
        impl CorePorts for $model {
            fn set_start(&mut self, v: u8) {
                <$model>::set_start(self, v)
            }
            #[inline]
            fn busy(&self) -> u8 {
                <$model>::busy(self)
            }
            #[inline]
            fn spike_valid(&self) -> u8 {
                <$model>::spike_valid(self)
            }
            fn spike_neuron(&self) -> u16 {
                <$model>::spike_neuron(self)
            }
            #[inline]
            fn probe_valid(&self) -> u8 {
                <$model>::probe_valid(self)
            }
            fn probe_v(&self) -> u32 {
                <$model>::probe_v(self)
            }
            fn probe_x(&self) -> [u16; 4] {
                [
                    <$model>::probe_x0(self),
                    <$model>::probe_x1(self),
                    <$model>::probe_x2(self),
                    <$model>::probe_x3(self),
                ]
            }
            fn set_deliver_valid(&mut self, v: u8) {
                <$model>::set_deliver_valid(self, v)
            }
            fn set_deliver_neuron(&mut self, v: u16) {
                <$model>::set_deliver_neuron(self, v)
            }
            fn set_deliver_receptor(&mut self, v: u8) {
                <$model>::set_deliver_receptor(self, v)
            }
            fn set_deliver_increment(&mut self, v: u32) {
                <$model>::set_deliver_increment(self, v)
            }
        }
    };
}

core_ports!(verilated::Model);
core_ports!(verilated_compact::Model);

/// A running RTL neuron core. Each clock is two evaluations (rising, then falling edge); a
/// VCD, when open, records both.
pub struct RtlCoreOf<M: CorePorts> {
    model: M,
    cycles: u64,
    tracing: bool,
}

/// The verilated pipelined core.
pub type RtlCore = RtlCoreOf<verilated::Model>;
/// The verilated compact core, `2^COMPACT_NEURON_BITS` neurons.
pub type RtlCompactCore = RtlCoreOf<verilated_compact::Model>;

impl<M: CorePorts> Default for RtlCoreOf<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: CorePorts> RtlCoreOf<M> {
    /// A core after a reset (memories hold whatever they held: load an image).
    pub fn new() -> Self {
        let mut core = RtlCoreOf {
            model: M::create(),
            cycles: 0,
            tracing: false,
        };
        core.model.set_clock(0);
        core.model.eval();
        core.reset();
        core
    }

    /// Writes every signal of the core to `path` as VCD from now on (one time unit is half
    /// a clock).
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

    /// Clock cycles since construction.
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    /// One clock: rising edge (registers take their inputs), then falling edge.
    #[inline]
    pub fn tick(&mut self) {
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

    pub fn reset(&mut self) {
        self.model.set_reset(1);
        self.tick();
        self.model.set_reset(0);
        self.model.eval();
    }

    pub fn write(&mut self, address: u32, data: u32) {
        self.model.set_host_address(address as u16);
        self.model.set_host_write_data(data);
        self.model.set_host_write(1);
        self.tick();
        self.model.set_host_write(0);
    }

    /// Reads one word through the host port. Panics if the core does not answer (a read
    /// while a step is running): that is a test-bench bug, not a data error.
    pub fn read(&mut self, address: u32) -> u32 {
        self.model.set_host_address(address as u16);
        self.model.set_host_read(1);
        self.tick();
        self.model.set_host_read(0);
        self.model.eval();
        assert!(
            self.model.host_read_valid() == 1,
            "host read of {address:#06x} not answered (core busy?)"
        );
        self.model.host_read_data()
    }

    /// Drives the accumulate port with `deliveries` (neuron, receptor, increment), one per
    /// clock back to back, then one clock for the last write.
    pub fn deliver(&mut self, deliveries: &[(u16, u8, u32)]) {
        for &(neuron, receptor, increment) in deliveries {
            self.model.set_deliver_valid(1);
            self.model.set_deliver_neuron(neuron);
            self.model.set_deliver_receptor(receptor);
            self.model.set_deliver_increment(increment);
            self.tick();
        }
        self.model.set_deliver_valid(0);
        self.tick();
    }

    pub fn load(&mut self, writes: &[HostWrite]) {
        for w in writes {
            self.write(w.address, w.data);
        }
    }

    pub fn load_image(&mut self, image: &CoreImage) {
        self.load(&image.writes);
    }

    /// Selects the neuron whose state `step` reports.
    pub fn set_probe(&mut self, neuron: u16) {
        self.write(
            map::address(map::REGION_REGISTERS, map::REG_PROBE_NEURON),
            neuron.into(),
        );
    }

    /// Runs one time step over all neurons.
    pub fn step(&mut self) -> StepOutput {
        let start = self.cycles;
        self.model.set_start(1);
        self.tick();
        self.model.set_start(0);
        self.model.eval();
        let mut out = StepOutput::default();
        while self.model.busy() == 1 {
            if self.model.spike_valid() == 1 {
                out.spikes.push(self.model.spike_neuron());
            }
            if self.model.probe_valid() == 1 {
                out.probe = Some(self.probed());
            }
            self.tick();
        }
        out.cycles = self.cycles - start;
        out
    }

    fn probed(&self) -> ProbedState {
        let m = &self.model;
        ProbedState {
            v: from_bits(m.probe_v().into(), 20) as i32,
            gates: m.probe_x(),
        }
    }

    /// Reads neuron `n`'s V and gates through the host port.
    pub fn read_state(&mut self, n: u32) -> ProbedState {
        let v = from_bits(self.read(map::address(map::REGION_V, n)).into(), 20) as i32;
        let mut gates = [0u16; 4];
        for (g, x) in gates.iter_mut().enumerate() {
            *x = self.read(map::address(map::REGION_GATE + g as u32, n)) as u16;
        }
        ProbedState { v, gates }
    }
}
