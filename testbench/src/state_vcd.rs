//! VCD of one neuron's state per time step, written the same way by every engine (the
//! fixed-point model and the RTL), so two runs open side by side in GTKWave or Surfer with
//! the same hierarchy: `neuron_core.probe.{v, <gate>, i_ext, spike}` as raw registers, and
//! `v_mV`, `<gate>_value`, `i_ext_uA` as `real` variables; for a network's neuron, also
//! `receptor<r>` (raw 24-bit state).

use std::io::{self, Write};

use sim::format::{to_bits, v_to_mv, GATE_FRAC, I_BITS, I_FRAC, V_BITS};
use vcd::{IdCode, TimescaleUnit, Value, VarType};

/// One sample of the probed neuron.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample<'a> {
    /// S7.12.
    pub v: i32,
    /// U0.16, one per gate of the channel set.
    pub gates: &'a [u16],
    /// S12.12.
    pub i_ext: i32,
    pub spike: bool,
    /// Receptor states (one per receptor the VCD was started with).
    pub receptors: &'a [u32],
}

pub struct StateVcd<W: Write> {
    writer: vcd::Writer<W>,
    v: (IdCode, IdCode),
    gates: Vec<(IdCode, IdCode)>,
    i_ext: (IdCode, IdCode),
    spike: IdCode,
    receptors: Vec<IdCode>,
    step_ns: u64,
}

fn bits_msb_first(raw: u64, width: u32) -> impl Iterator<Item = Value> {
    (0..width).rev().map(move |b| {
        if raw >> b & 1 == 1 {
            Value::V1
        } else {
            Value::V0
        }
    })
}

impl<W: Write> StateVcd<W> {
    /// Starts a VCD with one sample per time step of `dt_ms` (timescale 1 ns).
    pub fn new(out: W, gate_names: &[String], dt_ms: f64) -> io::Result<Self> {
        Self::with_receptors(out, gate_names, 0, dt_ms)
    }

    /// The same, with `receptors` receptor states.
    pub fn with_receptors(
        out: W,
        gate_names: &[String],
        receptors: usize,
        dt_ms: f64,
    ) -> io::Result<Self> {
        let mut w = vcd::Writer::new(out);
        w.comment("neurofuse: one neuron's state per time step")?;
        w.timescale(1, TimescaleUnit::NS)?;
        w.add_module("neuron_core")?;
        w.add_module("probe")?;
        let v = (
            w.add_wire(V_BITS, "v")?,
            w.add_var(VarType::Real, 64, "v_mV", None)?,
        );
        let mut gates = Vec::new();
        for name in gate_names {
            gates.push((
                w.add_wire(16, name)?,
                w.add_var(VarType::Real, 64, &format!("{name}_value"), None)?,
            ));
        }
        let i_ext = (
            w.add_wire(I_BITS, "i_ext")?,
            w.add_var(VarType::Real, 64, "i_ext_uA", None)?,
        );
        let spike = w.add_wire(1, "spike")?;
        let receptors = (0..receptors)
            .map(|r| w.add_wire(sim::format::SYN_BITS, &format!("receptor{r}")))
            .collect::<io::Result<Vec<_>>>()?;
        w.upscope()?;
        w.upscope()?;
        w.enddefinitions()?;
        Ok(StateVcd {
            writer: w,
            v,
            gates,
            i_ext,
            spike,
            receptors,
            step_ns: (dt_ms * 1e6).round() as u64,
        })
    }

    /// Records the state after `step` steps.
    pub fn record(&mut self, step: u64, s: Sample) -> io::Result<()> {
        assert_eq!(s.gates.len(), self.gates.len(), "one value per gate");
        let w = &mut self.writer;
        w.timestamp(step * self.step_ns)?;
        w.change_vector(
            self.v.0,
            bits_msb_first(to_bits(s.v.into(), V_BITS), V_BITS),
        )?;
        w.change_real(self.v.1, v_to_mv(s.v.into()))?;
        for (&(raw, real), &x) in self.gates.iter().zip(s.gates) {
            w.change_vector(raw, bits_msb_first(x.into(), 16))?;
            w.change_real(real, f64::from(x) / f64::from(1u32 << GATE_FRAC))?;
        }
        w.change_vector(
            self.i_ext.0,
            bits_msb_first(to_bits(s.i_ext.into(), I_BITS), I_BITS),
        )?;
        w.change_real(self.i_ext.1, f64::from(s.i_ext) / f64::from(1u32 << I_FRAC))?;
        w.change_scalar(self.spike, if s.spike { Value::V1 } else { Value::V0 })?;
        assert_eq!(
            s.receptors.len(),
            self.receptors.len(),
            "one value per receptor"
        );
        for (&id, &x) in self.receptors.iter().zip(s.receptors) {
            w.change_vector(id, bits_msb_first(x.into(), sim::format::SYN_BITS))?;
        }
        Ok(())
    }

    /// Flushes everything written.
    pub fn finish(mut self) -> io::Result<()> {
        self.writer.flush()
    }
}
