//! Memories as the hardware's words: field layouts, packing and unpacking.

use std::collections::BTreeMap;

use super::*;
use crate::config::index_bits;

/// One memory's contents: words of `width` bits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Memory {
    pub width: u32,
    pub words: Vec<u64>,
}

pub(super) fn mask(width: u32) -> u64 {
    u64::MAX >> (64 - width)
}

pub(super) fn bytes_per_word(width: u32) -> usize {
    width.div_ceil(8) as usize
}

/// Packs fields low bits first: `(value, width)` pairs.
fn pack(fields: &[(u64, u32)]) -> u64 {
    let mut word = 0;
    let mut at = 0;
    for &(value, width) in fields {
        word |= (value & mask(width)) << at;
        at += width;
    }
    word
}

fn field(word: u64, at: u32, width: u32) -> u64 {
    (word >> at) & mask(width)
}

fn signed(raw: u64, width: u32) -> i32 {
    (((raw << (64 - width)) as i64) >> (64 - width)) as i32
}

/// Field widths of the packed words, fixed by the configuration.
struct Layout {
    target: u32,
    weight: u32,
    axon_index: u32,
    core: u32,
    axon: u32,
    route_index: u32,
}

impl Layout {
    fn new(c: &ChipConfig) -> Layout {
        Layout {
            target: index_bits(c.core.neurons),
            weight: c.words.weight_bits,
            axon_index: index_bits(c.core.synapses + 1),
            core: index_bits(c.cores()),
            axon: index_bits(c.core.axons),
            route_index: index_bits(c.core.routes + 1),
        }
    }
}

impl ChipImage {
    /// Every memory of the image in the hardware's words, named `core<k>.<memory>` (or
    /// `inputs.<memory>`). Layouts, low bits first:
    /// - `v` S7.12 (20 bits), `gate<g>` U0.16, `bias` S12.12 (25), `receptor<r>` 24 bits;
    /// - `neuron_ids` 32 bits (the network's numbering, for reports);
    /// - `axons`: first synapse, count (each `index_bits(synapses + 1)`);
    /// - `synapses`: target neuron, weight, receptor (2 bits): the configuration's
    ///   `synapse_entry_bits`;
    /// - `route_ranges`: first entry, count; `route_entries`: core, axon.
    pub fn memories(&self) -> Vec<(String, Memory)> {
        let l = Layout::new(&self.config);
        let mut out = Vec::new();
        let ranges = |rs: &[Range], bits: u32| Memory {
            width: 2 * bits,
            words: rs
                .iter()
                .map(|r| pack(&[(r.first.into(), bits), (r.count.into(), bits)]))
                .collect(),
        };
        let entries = |es: &[Route]| Memory {
            width: l.core + l.axon,
            words: es
                .iter()
                .map(|e| pack(&[(e.core.into(), l.core), (e.axon.into(), l.axon)]))
                .collect(),
        };
        let input_bits = index_bits(self.inputs.entries.len() as u32 + 1);
        out.push((
            "inputs.route_ranges".into(),
            ranges(&self.inputs.ranges, input_bits),
        ));
        out.push(("inputs.route_entries".into(), entries(&self.inputs.entries)));
        for (k, core) in self.cores.iter().enumerate() {
            let name = |m: &str| format!("core{k}.{m}");
            let words = |width: u32, it: &mut dyn Iterator<Item = u64>| Memory {
                width,
                words: it.map(|w| w & mask(width)).collect(),
            };
            out.push((
                name("neuron_ids"),
                words(32, &mut core.neuron_ids.iter().map(|&x| x.into())),
            ));
            out.push((
                name("v"),
                words(V_BITS, &mut core.v.iter().map(|&x| x as i64 as u64)),
            ));
            for (g, gate) in core.gates.iter().enumerate() {
                out.push((
                    name(&format!("gate{g}")),
                    words(GATE_BITS, &mut gate.iter().map(|&x| x.into())),
                ));
            }
            out.push((
                name("bias"),
                words(BIAS_BITS, &mut core.bias.iter().map(|&x| x as i64 as u64)),
            ));
            for (r, state) in core.receptors.iter().enumerate() {
                out.push((
                    name(&format!("receptor{r}")),
                    words(RECEPTOR_STATE_BITS, &mut state.iter().map(|&x| x.into())),
                ));
            }
            out.push((name("axons"), ranges(&core.axons, l.axon_index)));
            out.push((
                name("synapses"),
                Memory {
                    width: l.target + l.weight + 2,
                    words: core
                        .synapses
                        .iter()
                        .map(|s| {
                            pack(&[
                                (s.target.into(), l.target),
                                (s.weight.into(), l.weight),
                                (s.receptor.into(), 2),
                            ])
                        })
                        .collect(),
                },
            ));
            out.push((
                name("route_ranges"),
                ranges(&core.routes.ranges, l.route_index),
            ));
            out.push((name("route_entries"), entries(&core.routes.entries)));
        }
        out
    }
}

pub(super) fn unpack(
    config: &ChipConfig,
    m: &files::Manifest,
    mut memories: BTreeMap<String, Memory>,
) -> Result<ChipImage, String> {
    let l = Layout::new(config);
    let input_entries = memories
        .get("inputs.route_entries")
        .map_or(0, |m| m.words.len());
    let mut take = |name: &str, width: u32, words: usize| -> Result<Vec<u64>, String> {
        let mem = memories
            .remove(name)
            .ok_or_else(|| format!("memory `{name}` is missing"))?;
        if mem.width != width {
            return Err(format!(
                "memory `{name}`: {} bits wide, this configuration's layout needs {width}",
                mem.width
            ));
        }
        if mem.words.len() != words {
            return Err(format!(
                "memory `{name}`: {} words, the manifest's counts need {words}",
                mem.words.len()
            ));
        }
        Ok(mem.words)
    };
    let ranges = |words: Vec<u64>, bits: u32| -> Vec<Range> {
        words
            .into_iter()
            .map(|w| Range {
                first: field(w, 0, bits) as u32,
                count: field(w, bits, bits) as u32,
            })
            .collect()
    };
    let entries = |words: Vec<u64>| -> Vec<Route> {
        words
            .into_iter()
            .map(|w| Route {
                core: field(w, 0, l.core) as u32,
                axon: field(w, l.core, l.axon) as u32,
            })
            .collect()
    };
    let input_bits = index_bits(input_entries as u32 + 1);
    let inputs = RouteTable {
        ranges: ranges(
            take("inputs.route_ranges", 2 * input_bits, m.inputs)?,
            input_bits,
        ),
        entries: entries(take(
            "inputs.route_entries",
            l.core + l.axon,
            input_entries,
        )?),
    };
    let mut cores = Vec::new();
    for (k, cm) in m.cores.iter().enumerate() {
        let name = |s: &str| format!("core{k}.{s}");
        let n = cm.neurons;
        let core = CoreImage {
            neuron_ids: take(&name("neuron_ids"), 32, n)?
                .into_iter()
                .map(|w| w as u32)
                .collect(),
            v: take(&name("v"), V_BITS, n)?
                .into_iter()
                .map(|w| signed(w, V_BITS))
                .collect(),
            gates: (0..cm.gates)
                .map(|g| {
                    take(&name(&format!("gate{g}")), GATE_BITS, n)
                        .map(|ws| ws.into_iter().map(|w| w as u16).collect())
                })
                .collect::<Result<_, _>>()?,
            bias: take(&name("bias"), BIAS_BITS, n)?
                .into_iter()
                .map(|w| signed(w, BIAS_BITS))
                .collect(),
            receptors: (0..m.receptors.len())
                .map(|r| {
                    take(&name(&format!("receptor{r}")), RECEPTOR_STATE_BITS, n)
                        .map(|ws| ws.into_iter().map(|w| w as u32).collect())
                })
                .collect::<Result<_, _>>()?,
            axons: ranges(
                take(&name("axons"), 2 * l.axon_index, cm.axons)?,
                l.axon_index,
            ),
            synapses: take(&name("synapses"), l.target + l.weight + 2, cm.synapses)?
                .into_iter()
                .map(|w| Synapse {
                    target: field(w, 0, l.target) as u32,
                    weight: field(w, l.target, l.weight) as u32,
                    receptor: field(w, l.target + l.weight, 2) as u32,
                })
                .collect(),
            routes: RouteTable {
                ranges: ranges(
                    take(&name("route_ranges"), 2 * l.route_index, n)?,
                    l.route_index,
                ),
                entries: entries(take(&name("route_entries"), l.core + l.axon, cm.routes)?),
            },
        };
        cores.push(core);
    }
    if let Some(extra) = memories.keys().next() {
        return Err(format!(
            "memory `{extra}` is not part of an image with {} cores",
            m.cores.len()
        ));
    }
    Ok(ChipImage {
        config: config.clone(),
        channels: m.channels.clone(),
        threshold: m.threshold,
        receptors: m.receptors.clone(),
        inputs,
        cores,
    })
}
