//! Chip co-simulation: one image, the same input spikes, the verilated chip against
//! `sim::ChipModel`, compared every tick (spikes) and every `state_every` ticks (every
//! neuron's V, gates and receptor states, read over the host bus). The first divergence
//! stops the run and is reported with tick, core, neuron, signal, expected and got.

use chip::ChipImage;
use sim::ChipModel;

use crate::rtl_chip::{NeuronState, RtlChip};

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
    pub divergence: Option<Divergence>,
}

/// Runs `inputs.len()` ticks (`inputs[t]`: external inputs firing at tick t). Errors are the
/// chip refusing the image or reporting lost packets; a disagreement is `divergence`.
pub fn cosim(
    rtl: &mut RtlChip,
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
        report.spikes += expected.len() as u64;
        if let Some(d) = first_spike_difference(t, &expected, &got.spikes) {
            report.divergence = Some(d);
            break;
        }
        let last = t + 1 == inputs.len();
        if (state_every > 0 && (t + 1) % state_every == 0) || last {
            if let Some(d) = first_state_difference(t, &model, rtl) {
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
            (Some(&a), b) if b.is_none_or(|&b| a < b) => {
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

fn first_state_difference(tick: usize, model: &ChipModel, rtl: &mut RtlChip) -> Option<Divergence> {
    for (k, pop) in model.cores.iter().enumerate() {
        for i in 0..pop.len() {
            let got: NeuronState = rtl.read_neuron(k as u32, i as u32);
            let mut signals = vec![("V".to_string(), i64::from(pop.v[i]), i64::from(got.v))];
            for (g, x) in pop.gates.iter().enumerate() {
                signals.push((format!("gate{g}"), x[i].into(), got.gates[g].into()));
            }
            for (r, x) in pop.receptors.iter().enumerate() {
                signals.push((format!("receptor{r}"), x[i].into(), got.receptors[r].into()));
            }
            for (signal, expected, got) in signals {
                if expected != got {
                    return Some(Divergence {
                        tick,
                        core: k as u32,
                        neuron: i as u32,
                        signal,
                        expected,
                        got,
                    });
                }
            }
        }
    }
    None
}
