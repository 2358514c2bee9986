//! The core's host address map, and a neuron population with its channel set expressed as
//! the list of host writes that load it: what a test bench, a host link or a chip image
//! sends over the configuration bus.
//!
//! Address: `region[15:11] | index[10:0]`; data words are 32 bits, values right-aligned
//! (signed values in two's complement of their width).

use sim::engine::{FixedReceptorKind, MAX_CHANNELS, MAX_FACTORS, MAX_GATES, MAX_RECEPTORS};
use sim::format::{to_bits, V_BITS};
use sim::{FixedEngine, FixedPopulation};

use crate::receptor_unit::{
    KIND_CONDUCTANCE, KIND_EXCITATORY_CURRENT, KIND_INHIBITORY_CURRENT, KIND_OFF,
};

/// Neurons one core time-multiplexes.
pub const NEURON_ADDRESS_BITS: usize = 10;
pub const MAX_NEURONS: usize = 1 << NEURON_ADDRESS_BITS;

/// Address regions.
pub const REGION_REGISTERS: u32 = 0;
pub const REGION_V: u32 = 1;
/// Gate state `g` is region `REGION_GATE + g`.
pub const REGION_GATE: u32 = 2;
pub const REGION_I_EXT: u32 = 6;
/// Steady-state table of gate `g` is region `REGION_INF_TABLE + g`.
pub const REGION_INF_TABLE: u32 = 8;
/// Relaxation table of gate `g` is region `REGION_RELAX_TABLE + g`.
pub const REGION_RELAX_TABLE: u32 = 12;
pub const REGION_MEMBRANE_TABLE: u32 = 16;
/// State of receptor `r` (24 bits per neuron) is region `REGION_RECEPTOR_STATE + r`.
pub const REGION_RECEPTOR_STATE: u32 = 20;
/// Weights delivered to receptor `r` since the last step: region `REGION_ACCUMULATOR + r`.
pub const REGION_ACCUMULATOR: u32 = 24;

/// Registers of region 0.
pub const REG_NEURON_COUNT: u32 = 0;
pub const REG_THRESHOLD: u32 = 1;
pub const REG_V_SHIFT: u32 = 2;
pub const REG_PROBE_NEURON: u32 = 3;
/// Channel `c`'s maximal conductance (U7.10) is register `REG_GBAR + c`.
pub const REG_GBAR: u32 = 4;
/// Channel `c`'s reversal potential (S7.12).
pub const REG_REVERSAL: u32 = 8;
/// Channel `c`'s structure word: gate selects in bits [9:0] (two bits per factor slot),
/// factor-slot enables 1-4 in bits [13:10], leak in bit 14.
pub const REG_STRUCTURE: u32 = 12;
/// Read-only: identifies the core and its format version.
pub const REG_IDENTITY: u32 = 16;
/// Version 2: receptor units.
pub const IDENTITY: u32 = 0x4E46_0002;
/// Receptor `r`'s kind (`receptor_unit::KIND_*`) is register `REG_RECEPTOR_KIND + r`.
pub const REG_RECEPTOR_KIND: u32 = 17;
/// Receptor `r`'s reversal potential (S7.12; conductance receptors).
pub const REG_RECEPTOR_REVERSAL: u32 = 21;
/// Receptor `r`'s decay per step, U0.18.
pub const REG_RECEPTOR_DECAY: u32 = 25;
pub const REGISTER_COUNT: u32 = 29;

pub const fn address(region: u32, index: u32) -> u32 {
    (region << 11) | index
}

/// One host write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostWrite {
    pub address: u32,
    pub data: u32,
}

/// Everything the host loads into one core to run a population: memory contents and
/// registers, in load order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreImage {
    pub writes: Vec<HostWrite>,
}

/// The structure word of a channel (see [`REG_STRUCTURE`]).
pub fn structure_word(factors: &[usize]) -> u32 {
    if factors.is_empty() {
        return 1 << 14;
    }
    let mut word = 0;
    for (slot, &gate) in factors.iter().enumerate() {
        word |= (gate as u32) << (2 * slot);
        if slot > 0 {
            word |= 1 << (9 + slot);
        }
    }
    word
}

impl CoreImage {
    /// Loads `engine`'s tables and parameters and `pop`'s state, or says why the core cannot
    /// hold them.
    pub fn new(engine: &FixedEngine, pop: &FixedPopulation) -> Result<CoreImage, String> {
        let n = pop.len();
        if n == 0 || n > MAX_NEURONS {
            return Err(format!(
                "a core holds 1 to {MAX_NEURONS} neurons, the population has {n}"
            ));
        }
        assert!(engine.gates.len() <= MAX_GATES && engine.channels.len() <= MAX_CHANNELS);
        let mut writes = Vec::new();
        let mut put = |region: u32, index: usize, data: u64| {
            writes.push(HostWrite {
                address: address(region, index as u32),
                data: data as u32,
            })
        };
        // Memory by memory, each in address order: a host on a slow line sends runs of
        // consecutive addresses as bursts (`host::load`).
        for (g, table) in engine.gates.iter().enumerate() {
            for (row, &inf) in table.inf.iter().enumerate() {
                put(REGION_INF_TABLE + g as u32, row, inf.into());
            }
            for (row, &relax) in table.relax.iter().enumerate() {
                put(REGION_RELAX_TABLE + g as u32, row, relax.into());
            }
        }
        for (row, &f) in engine.membrane.factor.iter().enumerate() {
            put(REGION_MEMBRANE_TABLE, row, f.into());
        }
        for c in 0..MAX_CHANNELS {
            let (gbar, reversal, structure) = match engine.channels.get(c) {
                Some(ch) => {
                    debug_assert!(ch.factors.len() as u32 <= MAX_FACTORS);
                    (
                        ch.gbar as u64,
                        to_bits(ch.reversal, V_BITS),
                        structure_word(&ch.factors),
                    )
                }
                None => (0, 0, 0),
            };
            put(REGION_REGISTERS, (REG_GBAR as usize) + c, gbar);
            put(REGION_REGISTERS, (REG_REVERSAL as usize) + c, reversal);
            put(
                REGION_REGISTERS,
                (REG_STRUCTURE as usize) + c,
                structure.into(),
            );
        }
        assert!(engine.receptors.len() <= MAX_RECEPTORS);
        for r in 0..MAX_RECEPTORS {
            let (kind, reversal, decay) = match engine.receptors.get(r) {
                Some(receptor) => match receptor.kind {
                    FixedReceptorKind::Conductance { reversal } => {
                        (KIND_CONDUCTANCE, to_bits(reversal, V_BITS), receptor.decay)
                    }
                    FixedReceptorKind::Current { excitatory } => (
                        if excitatory {
                            KIND_EXCITATORY_CURRENT
                        } else {
                            KIND_INHIBITORY_CURRENT
                        },
                        0,
                        receptor.decay,
                    ),
                },
                None => (KIND_OFF, 0, 0),
            };
            put(
                REGION_REGISTERS,
                REG_RECEPTOR_KIND as usize + r,
                kind.into(),
            );
            put(
                REGION_REGISTERS,
                REG_RECEPTOR_REVERSAL as usize + r,
                reversal,
            );
            put(
                REGION_REGISTERS,
                REG_RECEPTOR_DECAY as usize + r,
                decay as u64,
            );
        }
        put(
            REGION_REGISTERS,
            REG_THRESHOLD as usize,
            to_bits(pop.threshold.into(), V_BITS),
        );
        put(
            REGION_REGISTERS,
            REG_V_SHIFT as usize,
            u64::from(sim::format::MEMBRANE_FRAC + engine.membrane.shift),
        );
        let mut image = CoreImage { writes };
        image.load_state(pop);
        image.writes.push(HostWrite {
            address: address(REGION_REGISTERS, REG_NEURON_COUNT),
            data: n as u32,
        });
        Ok(image)
    }

    fn load_state(&mut self, pop: &FixedPopulation) {
        for i in 0..pop.len() {
            self.writes.push(HostWrite {
                address: address(REGION_V, i as u32),
                data: to_bits(pop.v[i].into(), V_BITS) as u32,
            });
        }
        for (g, x) in pop.gates.iter().enumerate() {
            for (i, &value) in x.iter().enumerate() {
                self.writes.push(HostWrite {
                    address: address(REGION_GATE + g as u32, i as u32),
                    data: value.into(),
                });
            }
        }
        for (r, state) in pop.receptors.iter().enumerate() {
            for (i, &x) in state.iter().enumerate() {
                self.writes.push(HostWrite {
                    address: address(REGION_RECEPTOR_STATE + r as u32, i as u32),
                    data: x,
                });
            }
        }
        self.writes.extend(i_ext_writes(pop));
        self.writes.extend(accumulator_writes(pop));
    }
}

/// The writes that set every receptor accumulator (weights delivered since the last step).
pub fn accumulator_writes(pop: &FixedPopulation) -> impl Iterator<Item = HostWrite> + '_ {
    pop.accumulators.iter().enumerate().flat_map(|(r, acc)| {
        acc.iter().enumerate().map(move |(i, &a)| HostWrite {
            address: address(REGION_ACCUMULATOR + r as u32, i as u32),
            data: a,
        })
    })
}

/// The writes that set every neuron's injected current (what the host sends each step).
pub fn i_ext_writes(pop: &FixedPopulation) -> impl Iterator<Item = HostWrite> + '_ {
    pop.i_ext.iter().enumerate().map(|(i, &c)| HostWrite {
        address: address(REGION_I_EXT, i as u32),
        data: to_bits(c.into(), sim::format::I_BITS) as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_words_encode_selects_enables_and_leak() {
        assert_eq!(structure_word(&[]), 1 << 14);
        // m^3 h with m = gate 0, h = gate 1: slots 0-2 select 0, slot 3 selects 1.
        assert_eq!(structure_word(&[0, 0, 0, 1]), (1 << 6) | (0b111 << 10));
        // n^4 with n = gate 2.
        assert_eq!(structure_word(&[2, 2, 2, 2]), 0b10_10_10_10 | (0b111 << 10));
    }

    #[test]
    fn squid_image_loads_tables_registers_and_state() {
        let set = channels::ChannelSet::builtin("hh_squid").unwrap();
        let engine = FixedEngine::new(&set, 0.025).unwrap();
        let pop = engine.population(3, -65.0, 0.0);
        let image = CoreImage::new(&engine, &pop).unwrap();
        let last = image.writes.last().unwrap();
        assert_eq!(
            *last,
            HostWrite {
                address: 0,
                data: 3
            }
        );
        let v0 = image
            .writes
            .iter()
            .find(|w| w.address == address(REGION_V, 2))
            .unwrap();
        assert_eq!(v0.data, (pop.v[2] as u32) & 0xFFFFF);
        assert!(CoreImage::new(&engine, &engine.population(MAX_NEURONS + 1, -65.0, 0.0)).is_err());
    }
}
