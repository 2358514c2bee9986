//! Co-simulation of the RTL against the bit-accurate model: the verilated neuron core and
//! the verilated chip behind safe drivers (`RtlCore`, `RtlChip`), the chip co-simulation
//! loop (`chip_cosim`), and VCD of the neuron state written identically by every engine
//! (`state_vcd`).
//!
//! Without Verilator at build time the crate still builds; `RTL_AVAILABLE` is false and
//! the RTL tests say they were skipped.

#[cfg(has_verilator)]
pub mod board;
pub mod chip_cosim;
pub mod icarus;
#[cfg(has_verilator)]
pub mod model_ports;
#[cfg(has_verilator)]
pub mod rtl_chip;
#[cfg(has_verilator)]
pub mod rtl_core;
pub mod state_vcd;
pub mod toggles;

#[cfg(has_verilator)]
pub use rtl_chip::{RtlChip, RtlCompactChip};
#[cfg(has_verilator)]
pub use rtl_core::{RtlCompactCore, RtlCore};
#[cfg(has_verilator)]
pub mod uart_board;
#[cfg(has_verilator)]
pub use uart_board::UartBoard;

/// Whether this build carries the verilated core.
pub const RTL_AVAILABLE: bool = cfg!(has_verilator);

/// The message an RTL test prints when it cannot run.
pub const RTL_SKIPPED: &str = "SKIPPED: built without Verilator (install it with tools/install-hdl-tools.sh; CI sets NEUROFUSE_REQUIRE_VERILATOR=1)";

/// For tests that need the RTL: whether this build has it; prints [`RTL_SKIPPED`] when it
/// does not, and panics then if `NEUROFUSE_REQUIRE_VERILATOR=1` (CI: a skip must not pass).
pub fn rtl_available() -> bool {
    if !RTL_AVAILABLE {
        assert!(
            std::env::var("NEUROFUSE_REQUIRE_VERILATOR").map_or(true, |v| v != "1"),
            "NEUROFUSE_REQUIRE_VERILATOR=1 but the RTL was not built"
        );
        eprintln!("{RTL_SKIPPED}");
    }
    RTL_AVAILABLE
}

/// What one time step produced on a core.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepOutput {
    /// Neurons that spiked, in write-back order.
    pub spikes: Vec<u16>,
    /// The probed neuron's new state, if it was updated in this step.
    pub probe: Option<ProbedState>,
    /// Clock cycles the step took (start to the last write-back).
    pub cycles: u64,
}

/// One neuron's state as the core writes it back: raw register contents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProbedState {
    /// S7.12, sign-extended.
    pub v: i32,
    /// U0.16 per gate unit.
    pub gates: [u16; 4],
}

/// Runs one neuron (`initial`, a one-neuron population) on the RTL core under the injected
/// currents `currents` (S12.12, one per step) and returns its state and spike flag after
/// every step. With `trace`, also writes every RTL signal, every clock, as VCD there (from
/// the first step on; the image load is not traced). An error when this build has no RTL.
pub fn run_neuron_rtl(
    engine: &sim::FixedEngine,
    initial: &sim::FixedPopulation,
    currents: &[i32],
    trace: Option<&std::path::Path>,
) -> Result<Vec<(ProbedState, bool)>, String> {
    #[cfg(has_verilator)]
    {
        let image = hdl::CoreImage::new(engine, initial)?;
        let mut rtl = RtlCore::new();
        rtl.load_image(&image);
        if let Some(path) = trace {
            rtl.open_trace(path).map_err(|e| e.to_string())?;
        }
        rtl.set_probe(0);
        let i_ext = hdl::map::address(hdl::map::REGION_I_EXT, 0);
        let mut out = Vec::with_capacity(currents.len());
        for &c in currents {
            rtl.write(
                i_ext,
                sim::format::to_bits(c.into(), sim::format::I_BITS) as u32,
            );
            let step = rtl.step();
            let state = step
                .probe
                .ok_or("the RTL core did not report the probed neuron's state")?;
            out.push((state, !step.spikes.is_empty()));
        }
        rtl.close_trace();
        Ok(out)
    }
    #[cfg(not(has_verilator))]
    {
        let _ = (engine, initial, currents, trace);
        Err(
            "this build has no RTL engine: Verilator was not found when neurofuse was built \
             (run tools/install-hdl-tools.sh, then rebuild)"
                .into(),
        )
    }
}

/// The chip configuration this build's verilated chip was generated for.
pub const CHIP_BUILT_FOR: &str = "builtin:small";

/// A chip image's run on the verilated chip.
#[derive(Clone, Debug, Default)]
pub struct ChipRun {
    /// Per tick: (core, neuron) of each spike, sorted.
    pub spikes: Vec<Vec<(u32, u32)>>,
    /// Clocks the driver ran for the ticks (loading excluded; with the host's register
    /// reads and input injections).
    pub clocks: u64,
    /// Clocks of the ticks as the chip counted them (settle, step, drain).
    pub chip_cycles: u64,
    /// Wall-clock seconds of the ticks.
    pub run_s: f64,
}

/// Loads `image` into the verilated chip and runs `inputs.len()` ticks (no waveform). An
/// error when this build has no RTL, or the chip refuses the image or loses a packet.
pub fn run_image_rtl(image: &chip::ChipImage, inputs: &[Vec<u32>]) -> Result<ChipRun, String> {
    #[cfg(has_verilator)]
    {
        let mut rtl = RtlChip::new();
        rtl.load(image)?;
        let start_clocks = rtl.cycles();
        let start = std::time::Instant::now();
        let mut run = ChipRun::default();
        for fired in inputs {
            let tick = rtl.tick(fired)?;
            run.chip_cycles += u64::from(tick.cycles);
            run.spikes.push(tick.spikes);
        }
        run.run_s = start.elapsed().as_secs_f64();
        run.clocks = rtl.cycles() - start_clocks;
        Ok(run)
    }
    #[cfg(not(has_verilator))]
    {
        let _ = (image, inputs);
        Err(NO_RTL.into())
    }
}

/// A fresh verilated chip as a host-link engine (`neurofuse serve --engine rtl`); an error
/// when this build has no RTL.
pub fn rtl_board() -> Result<Box<dyn link::Engine>, String> {
    #[cfg(has_verilator)]
    {
        Ok(Box::new(board::RtlBoard::new()))
    }
    #[cfg(not(has_verilator))]
    {
        Err(NO_RTL.into())
    }
}

/// Why an RTL run cannot happen in this build.
pub const NO_RTL: &str = "this build has no RTL engine: Verilator was not found when neurofuse was built (run tools/install-hdl-tools.sh, then rebuild)";

/// Co-simulates `image` on a fresh verilated chip (with `fault` injected at that core, if
/// any) against `sim` (`chip_cosim::cosim`). An error when this build has no RTL.
pub fn cosim_image(
    image: &chip::ChipImage,
    inputs: &[Vec<u32>],
    state_every: usize,
    fault: Option<u32>,
    progress: impl FnMut(usize),
) -> Result<chip_cosim::CosimReport, String> {
    #[cfg(has_verilator)]
    {
        let mut rtl = RtlChip::new();
        rtl.set_fault(fault)?;
        chip_cosim::cosim(&mut rtl, image, inputs, state_every, progress)
    }
    #[cfg(not(has_verilator))]
    {
        let _ = (image, inputs, state_every, fault, progress);
        Err(NO_RTL.into())
    }
}

/// Writes the VCDs of the ticks up to a divergence (`chip_cosim::write_divergence_window`):
/// every RTL signal, then the diverging neuron's state from the RTL and from `sim`.
pub fn divergence_window(
    image: &chip::ChipImage,
    inputs: &[Vec<u32>],
    fault: Option<u32>,
    divergence: &chip_cosim::Divergence,
    window: usize,
    dir: &std::path::Path,
) -> Result<[std::path::PathBuf; 3], String> {
    #[cfg(has_verilator)]
    {
        let w = chip_cosim::write_divergence_window(image, inputs, fault, divergence, window, dir)?;
        Ok([w.rtl_signals, w.rtl_state, w.sim_state])
    }
    #[cfg(not(has_verilator))]
    {
        let _ = (image, inputs, fault, divergence, window, dir);
        Err(NO_RTL.into())
    }
}

/// A traced run of a chip image on the verilated chip: the switching activity the power
/// estimate is calibrated on, and the work that caused it (from `sim`, which runs alongside
/// and must agree spike for spike).
#[derive(Clone, Debug, Default)]
pub struct ActivityRun {
    /// Per instance of the chip top: toggles of its signals over the traced ticks.
    pub toggles: std::collections::BTreeMap<String, toggles::InstanceToggles>,
    /// The traced ticks' traffic.
    pub traffic: sim::Traffic,
    pub neuron_updates: u64,
    pub ticks: u64,
    /// Clocks in the VCD (the ticks, and the host's reads and injections between them).
    pub clocks: u64,
    /// Clocks of the ticks as the chip counted them.
    pub chip_cycles: u64,
}

/// Runs `inputs` through `image` on the verilated chip and on `sim`; the first `warmup`
/// ticks untraced, the rest traced into the VCD `vcd`, whose toggles are then counted per
/// instance. An error when this build has no RTL, or RTL and sim disagree.
pub fn activity_run(
    image: &chip::ChipImage,
    inputs: &[Vec<u32>],
    warmup: usize,
    vcd: &std::path::Path,
    mut progress: impl FnMut(usize),
) -> Result<ActivityRun, String> {
    #[cfg(has_verilator)]
    {
        let mut rtl = RtlChip::new();
        rtl.load(image)?;
        let mut model = sim::ChipModel::new(image).map_err(|e| e.to_string())?;
        let mut run = ActivityRun::default();
        let mut start_traffic = sim::Traffic::default();
        let mut start_clocks = 0;
        for (t, fired) in inputs.iter().enumerate() {
            if t == warmup {
                rtl.open_trace(vcd)
                    .map_err(|e| format!("{}: {e}", vcd.display()))?;
                start_traffic = model.traffic().clone();
                start_clocks = rtl.cycles();
            }
            let tick = rtl.tick(fired)?;
            let expected = model.tick(fired);
            if tick.spikes != expected {
                return Err(format!(
                    "tick {t}: the RTL's spikes differ from sim's (run `neurofuse cosim` on this image)"
                ));
            }
            if t >= warmup {
                run.chip_cycles += u64::from(tick.cycles);
                run.ticks += 1;
            }
            progress(t);
        }
        run.clocks = rtl.cycles() - start_clocks;
        rtl.close_trace();
        if run.ticks == 0 {
            return Err(format!(
                "no ticks traced: {} ticks with {warmup} of warm-up",
                inputs.len()
            ));
        }
        let end = model.traffic();
        run.traffic = sim::Traffic {
            spikes: end.spikes - start_traffic.spikes,
            input_spikes: end.input_spikes - start_traffic.input_spikes,
            packets: end.packets - start_traffic.packets,
            hops: end.hops - start_traffic.hops,
            synaptic_events: end.synaptic_events - start_traffic.synaptic_events,
        };
        let neurons: usize = image.cores.iter().map(|c| c.neurons()).sum();
        run.neuron_updates = neurons as u64 * run.ticks;
        run.toggles = toggles::per_instance(vcd, hdl::chip_top::CHIP_TOP)?;
        Ok(run)
    }
    #[cfg(not(has_verilator))]
    {
        let _ = (image, inputs, warmup, vcd, &mut progress);
        Err(NO_RTL.into())
    }
}
