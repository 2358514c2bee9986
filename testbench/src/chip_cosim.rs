//! Chip co-simulation: one image, the same input spikes, the verilated chip against
//! `sim::ChipModel`, compared every tick (spikes) and every `state_every` ticks (every
//! neuron's V, gates and receptor states, read over the host bus). The first divergence
//! stops the run and is reported with tick, core, neuron, signal, expected and got.

use chip::ChipImage;
#[cfg(has_verilator)]
use sim::ChipModel;

use std::path::{Path, PathBuf};

#[cfg(has_verilator)]
use crate::rtl_chip::{ChipPorts, NeuronState, RtlChip, RtlChipOf};
#[cfg(has_verilator)]
use crate::state_vcd::{Sample, StateVcd};

/// The first place the RTL and the model disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    pub tick: usize,
    pub core: u32,
    pub neuron: u32,
    /// `spike`, `V`, `gate<g>` or `receptor<r>`.
    pub signal: String,
    /// The model's value.
    pub expected: i64,
    /// The RTL's value.
    pub got: i64,
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "tick {}, core {}, neuron {}: {} expected {} (sim), got {} (RTL)",
            self.tick, self.core, self.neuron, self.signal, self.expected, self.got
        )
    }
}

#[derive(Clone, Debug, Default)]
pub struct CosimReport {
    pub ticks: usize,
    pub spikes: u64,
    pub synaptic_events: u64,
    /// Clocks per tick, as the chip counted them.
    pub cycles: Vec<u32>,
    /// Per tick, clocks in which an emission unit waited on a full router port.
    pub stalls: Vec<u32>,
    pub rtl_clocks: u64,
    /// (tick, core, neuron) of every RTL spike.
    pub spike_list: Vec<(usize, u32, u32)>,
    pub divergence: Option<Divergence>,
}

#[cfg(has_verilator)]
/// Runs `inputs.len()` ticks (`inputs[t]`: external inputs firing at tick t). Errors are the
/// chip refusing the image or reporting lost packets; a disagreement is `divergence`.
pub fn cosim<M: ChipPorts>(
    rtl: &mut RtlChipOf<M>,
    image: &ChipImage,
    inputs: &[Vec<u32>],
    state_every: usize,
    mut progress: impl FnMut(usize),
) -> Result<CosimReport, String> {
    let mut model = ChipModel::new(image).map_err(|e| e.to_string())?;
    rtl.load(image)?;
    let mut report = CosimReport::default();
    let start = rtl.cycles();
    for (t, fired) in inputs.iter().enumerate() {
        let got = rtl.tick(fired)?;
        let expected = model.tick(fired).to_vec();
        report.ticks = t + 1;
        report.cycles.push(got.cycles);
        report.stalls.push(got.stalls);
        report
            .spike_list
            .extend(got.spikes.iter().map(|&(k, n)| (t, k, n)));
        report.spikes += expected.len() as u64;
        if let Some(d) = first_spike_difference(t, &expected, &got.spikes) {
            report.divergence = Some(d);
            break;
        }
        let last = t + 1 == inputs.len();
        if (state_every > 0 && (t + 1) % state_every == 0) || last {
            if let Some(d) = first_state_difference(t, &model, rtl)? {
                report.divergence = Some(d);
                break;
            }
        }
        progress(t + 1);
    }
    report.synaptic_events = model.traffic().synaptic_events;
    report.rtl_clocks = rtl.cycles() - start;
    Ok(report)
}

fn first_spike_difference(
    tick: usize,
    expected: &[(u32, u32)],
    got: &[(u32, u32)],
) -> Option<Divergence> {
    // Both sorted: the first (core, neuron) in one list and not the other.
    let (mut i, mut j) = (0, 0);
    while i < expected.len() || j < got.len() {
        match (expected.get(i), got.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
            }
            (Some(&a), b) if b.map_or(true, |&b| a < b) => {
                return Some(spike(tick, a, 1, 0));
            }
            (_, Some(&b)) => return Some(spike(tick, b, 0, 1)),
            _ => unreachable!(),
        }
    }
    None
}

fn spike(tick: usize, (core, neuron): (u32, u32), expected: i64, got: i64) -> Divergence {
    Divergence {
        tick,
        core,
        neuron,
        signal: "spike".into(),
        expected,
        got,
    }
}

#[cfg(has_verilator)]
fn first_state_difference<M: ChipPorts>(
    tick: usize,
    model: &ChipModel,
    rtl: &mut RtlChipOf<M>,
) -> Result<Option<Divergence>, String> {
    for (k, pop) in model.cores.iter().enumerate() {
        for i in 0..pop.len() {
            let got: NeuronState = rtl.read_neuron(k as u32, i as u32)?;
            let mut signals = vec![("V".to_string(), i64::from(pop.v[i]), i64::from(got.v))];
            for (g, x) in pop.gates.iter().enumerate() {
                signals.push((format!("gate{g}"), x[i].into(), got.gates[g].into()));
            }
            for (r, x) in pop.receptors.iter().enumerate() {
                signals.push((format!("receptor{r}"), x[i].into(), got.receptors[r].into()));
            }
            for (signal, expected, got) in signals {
                if expected != got {
                    return Ok(Some(Divergence {
                        tick,
                        core: k as u32,
                        neuron: i as u32,
                        signal,
                        expected,
                        got,
                    }));
                }
            }
        }
    }
    Ok(None)
}

/// The VCDs of a divergence's window.
#[derive(Clone, Debug)]
pub struct DivergenceWindow {
    /// Every RTL signal, every clock, over the window's ticks.
    pub rtl_signals: PathBuf,
    /// The diverging neuron's state per tick, from the RTL and from the model: the same
    /// hierarchy and signal names (`state_vcd`), to open side by side.
    pub rtl_state: PathBuf,
    pub sim_state: PathBuf,
}

#[cfg(has_verilator)]
/// Re-runs the co-simulation from the start (with the same fault, if any) and writes the
/// VCDs of ticks `d.tick - window ..= d.tick` into `dir`.
pub fn write_divergence_window(
    image: &ChipImage,
    inputs: &[Vec<u32>],
    fault: Option<u32>,
    d: &Divergence,
    window: usize,
    dir: &Path,
) -> Result<DivergenceWindow, String> {
    let io = |path: &Path, e: std::io::Error| format!("{}: {e}", path.display());
    let set = channels::ChannelSet::from_toml(&image.channels, "the image's channel set")
        .map_err(|e| e.to_string())?;
    // As `neurofuse neuron --vcd` names them: `na_m`, not `na.m` (a VCD hierarchy separator).
    let gate_names: Vec<String> = set.gates.iter().map(|g| g.name.replace('.', "_")).collect();
    let dt = image.config.timing.dt_ms;
    let paths = DivergenceWindow {
        rtl_signals: dir.join("divergence_rtl_signals.vcd"),
        rtl_state: dir.join("divergence_rtl_state.vcd"),
        sim_state: dir.join("divergence_sim_state.vcd"),
    };
    let create = |path: &Path| {
        std::fs::File::create(path)
            .map(std::io::BufWriter::new)
            .map_err(|e| io(path, e))
    };
    let mut rtl_vcd = StateVcd::with_receptors(
        create(&paths.rtl_state)?,
        &gate_names,
        image.receptors.len(),
        dt,
    )
    .map_err(|e| io(&paths.rtl_state, e))?;
    let mut sim_vcd = StateVcd::with_receptors(
        create(&paths.sim_state)?,
        &gate_names,
        image.receptors.len(),
        dt,
    )
    .map_err(|e| io(&paths.sim_state, e))?;
    let mut model = ChipModel::new(image).map_err(|e| e.to_string())?;
    let mut rtl = RtlChip::new();
    rtl.set_fault(fault)?;
    rtl.load(image)?;
    let first = d.tick.saturating_sub(window);
    let (k, n) = (d.core, d.neuron);
    for (t, fired) in inputs.iter().enumerate().take(d.tick + 1) {
        if t == first {
            rtl.open_trace(&paths.rtl_signals)
                .map_err(|e| io(&paths.rtl_signals, e))?;
        }
        let got = rtl.tick(fired)?;
        let expected = model.tick(fired).to_vec();
        if t >= first {
            let pop = &model.cores[k as usize];
            let gates: Vec<u16> = pop.gates.iter().map(|x| x[n as usize]).collect();
            let receptors: Vec<u32> = pop.receptors.iter().map(|x| x[n as usize]).collect();
            let sample = Sample {
                v: pop.v[n as usize],
                gates: &gates,
                i_ext: pop.i_ext[n as usize],
                spike: expected.contains(&(k, n)),
                receptors: &receptors,
            };
            sim_vcd
                .record(t as u64 + 1, sample)
                .map_err(|e| io(&paths.sim_state, e))?;
            let state = rtl.read_neuron(k, n)?;
            let sample = Sample {
                v: state.v,
                gates: &state.gates[..gates.len()],
                i_ext: state.i_ext,
                spike: got.spikes.contains(&(k, n)),
                receptors: &state.receptors[..receptors.len()],
            };
            rtl_vcd
                .record(t as u64 + 1, sample)
                .map_err(|e| io(&paths.rtl_state, e))?;
        }
    }
    rtl.close_trace();
    rtl_vcd.finish().map_err(|e| io(&paths.rtl_state, e))?;
    sim_vcd.finish().map_err(|e| io(&paths.sim_state, e))?;
    Ok(paths)
}
