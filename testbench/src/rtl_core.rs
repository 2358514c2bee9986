//! The verilated neuron core and its host-port driver.

use std::path::Path;

use hdl::map::{self, CoreImage, HostWrite};
use sim::format::from_bits;

use crate::{ProbedState, StepOutput};

mod fast {
    include!(concat!(env!("OUT_DIR"), "/vl_neuron_core.rs"));
}
mod traced {
    include!(concat!(env!("OUT_DIR"), "/vl_neuron_core_traced.rs"));
}

/// The core's ports, whichever build of the model carries them.
trait Ports {
    fn eval(&mut self);
    fn trace_open(&mut self, path: &Path) -> std::io::Result<()>;
    fn trace_dump(&mut self, t: u64);
    fn trace_close(&mut self);
    fn set_clock(&mut self, v: u8);
    fn set_reset(&mut self, v: u8);
    fn set_host_address(&mut self, v: u16);
    fn set_host_write_data(&mut self, v: u32);
    fn set_host_write(&mut self, v: u8);
    fn set_host_read(&mut self, v: u8);
    fn set_start(&mut self, v: u8);
    fn host_read_data(&self) -> u32;
    fn host_read_valid(&self) -> u8;
    fn busy(&self) -> u8;
    fn spike_valid(&self) -> u8;
    fn spike_neuron(&self) -> u16;
    fn probe_valid(&self) -> u8;
    fn probe_v(&self) -> u32;
    fn probe_x0(&self) -> u16;
    fn probe_x1(&self) -> u16;
    fn probe_x2(&self) -> u16;
    fn probe_x3(&self) -> u16;
}

macro_rules! ports {
    ($model:ty) => {
        impl Ports for $model {
            fn eval(&mut self) {
                <$model>::eval(self)
            }
            fn trace_open(&mut self, path: &Path) -> std::io::Result<()> {
                <$model>::trace_open(self, path)
            }
            fn trace_dump(&mut self, t: u64) {
                <$model>::trace_dump(self, t)
            }
            fn trace_close(&mut self) {
                <$model>::trace_close(self)
            }
            fn set_clock(&mut self, v: u8) {
                <$model>::set_clock(self, v)
            }
            fn set_reset(&mut self, v: u8) {
                <$model>::set_reset(self, v)
            }
            fn set_host_address(&mut self, v: u16) {
                <$model>::set_host_address(self, v)
            }
            fn set_host_write_data(&mut self, v: u32) {
                <$model>::set_host_write_data(self, v)
            }
            fn set_host_write(&mut self, v: u8) {
                <$model>::set_host_write(self, v)
            }
            fn set_host_read(&mut self, v: u8) {
                <$model>::set_host_read(self, v)
            }
            fn set_start(&mut self, v: u8) {
                <$model>::set_start(self, v)
            }
            fn host_read_data(&self) -> u32 {
                <$model>::host_read_data(self)
            }
            fn host_read_valid(&self) -> u8 {
                <$model>::host_read_valid(self)
            }
            fn busy(&self) -> u8 {
                <$model>::busy(self)
            }
            fn spike_valid(&self) -> u8 {
                <$model>::spike_valid(self)
            }
            fn spike_neuron(&self) -> u16 {
                <$model>::spike_neuron(self)
            }
            fn probe_valid(&self) -> u8 {
                <$model>::probe_valid(self)
            }
            fn probe_v(&self) -> u32 {
                <$model>::probe_v(self)
            }
            fn probe_x0(&self) -> u16 {
                <$model>::probe_x0(self)
            }
            fn probe_x1(&self) -> u16 {
                <$model>::probe_x1(self)
            }
            fn probe_x2(&self) -> u16 {
                <$model>::probe_x2(self)
            }
            fn probe_x3(&self) -> u16 {
                <$model>::probe_x3(self)
            }
        }
    };
}

ports!(fast::Model);
ports!(traced::Model);

/// Version of the Verilator that built the model.
pub const VERILATOR_VERSION: &str = env!("VERILATOR_VERSION");

/// A running RTL neuron core. Each clock is two evaluations (rising, then falling edge); a
/// VCD, when open, records both.
pub struct RtlCore {
    model: Box<dyn Ports>,
    cycles: u64,
    tracing: bool,
}

impl Default for RtlCore {
    fn default() -> Self {
        Self::new()
    }
}

impl RtlCore {
    /// A core after a reset (memories hold whatever they held: load an image), built for
    /// speed: it cannot write a VCD.
    pub fn new() -> Self {
        Self::with_model(Box::new(fast::Model::new()))
    }

    /// A core that can write a VCD of every signal ([`RtlCore::open_trace`]), about a
    /// quarter slower.
    pub fn traced() -> Self {
        Self::with_model(Box::new(traced::Model::new()))
    }

    fn with_model(model: Box<dyn Ports>) -> Self {
        let mut core = RtlCore {
            model,
            cycles: 0,
            tracing: false,
        };
        core.model.set_clock(0);
        core.model.eval();
        core.reset();
        core
    }

    /// Writes every signal of the core to `path` as VCD from now on (one time unit is half
    /// a clock). Only a [`RtlCore::traced`] core can.
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
        let m = &*self.model;
        ProbedState {
            v: from_bits(m.probe_v().into(), 20) as i32,
            gates: [m.probe_x0(), m.probe_x1(), m.probe_x2(), m.probe_x3()],
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
