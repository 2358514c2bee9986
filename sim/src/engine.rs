//! The bit-accurate neuron engine: the chip's datapath, operation for operation.
//!
//! Per neuron and step (all integer, every product within 25 x 18 bits):
//! 1. `row = gate_row(V)`;
//! 2. each gate: `x += round(k[row] * (inf[row] - x) / 2^18)`, saturated to U0.16;
//! 3. each channel: open fraction `P` (U0.24) by multiplying its factors left to right,
//!    `P = round(P * x / 2^16)`; conductance `G_c = round(gbar * P / 2^18)` (U8.16), a leak's
//!    is `gbar << 6`;
//! 4. `G = sum G_c` (saturated, U8.16); `I = sum round(G_c * round((E_c - V) / 2^3) / 2^13)
//!    + I_ext` (saturated, S12.12);
//! 5. `V += round(I * F[G >> 14] / 2^(17 + shift))`, saturated to S7.12.
//!
//! Synaptic receptors (exponential synapses) act in step 4, before the V update: per neuron
//! and receptor, `s = min(state + acc, 2^24 - 1)` (the decayed state plus the weights
//! delivered since the last step), then a conductance receptor adds like a channel with
//! `G_c = s`, a current receptor adds `+-s` to `I`; finally `state = (s * decay) >> 18` and
//! `acc = 0`. Deliveries only add non-negative magnitudes to a saturating accumulator, so
//! the result does not depend on the order spikes arrive in.
//!
//! The order and widths are documented in `docs/fixed-point.md`; the RTL must match them.

use channels::ChannelSet;
use multiversion::multiversion;

use crate::format::*;
use crate::tables::{gate_tables, membrane_table, GateTable, MembraneTable};

/// What a chip core can express (the datapath's fixed structure).
pub const MAX_GATES: usize = 4;
pub const MAX_CHANNELS: usize = 4;
/// Gating factors per channel, counting powers (`m^3 h` is 4).
pub const MAX_FACTORS: u32 = 5;
/// Synapse types per core (a synapse entry names one in 2 bits).
pub const MAX_RECEPTORS: usize = chip::image::MAX_RECEPTORS;

#[derive(Clone, Debug, PartialEq)]
pub struct FixedError(pub String);

impl std::fmt::Display for FixedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FixedError {}

/// A channel as the datapath sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixedChannel {
    /// U7.10.
    pub gbar: i64,
    /// S7.12.
    pub reversal: i64,
    /// Gate index per factor, powers expanded (`m^3 h` -> [m, m, m, h]).
    pub factors: Vec<usize>,
}

/// How a receptor's state enters the membrane update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixedReceptorKind {
    /// State is a conductance (U8.16) with this reversal potential (S7.12).
    Conductance { reversal: i64 },
    /// State is a current magnitude (U12.12), added or subtracted.
    Current { excitatory: bool },
}

/// An exponential synapse type of a core.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedReceptor {
    pub kind: FixedReceptorKind,
    /// `exp(-dt / tau)`, U0.18.
    pub decay: i64,
}

impl FixedReceptor {
    pub fn conductance(reversal_mv: f64, tau_ms: f64, dt: f64) -> FixedReceptor {
        FixedReceptor {
            kind: FixedReceptorKind::Conductance {
                reversal: mv_to_v(reversal_mv),
            },
            decay: decay_factor(tau_ms, dt),
        }
    }

    pub fn current(excitatory: bool, tau_ms: f64, dt: f64) -> FixedReceptor {
        FixedReceptor {
            kind: FixedReceptorKind::Current { excitatory },
            decay: decay_factor(tau_ms, dt),
        }
    }

    /// As a chip image holds it, with the compiler's weight shift.
    pub fn to_image(&self, weight_shift: u32) -> chip::image::ReceptorImage {
        use chip::image::ReceptorImageKind as Kind;
        chip::image::ReceptorImage {
            kind: match self.kind {
                FixedReceptorKind::Conductance { reversal } => Kind::Conductance {
                    reversal: reversal as i32,
                },
                FixedReceptorKind::Current { excitatory } => Kind::Current { excitatory },
            },
            decay: self.decay as u32,
            weight_shift,
        }
    }

    /// From a chip image's receptor (its weight shift is the delivery's business).
    pub fn from_image(image: &chip::image::ReceptorImage) -> FixedReceptor {
        use chip::image::ReceptorImageKind as Kind;
        FixedReceptor {
            kind: match image.kind {
                Kind::Conductance { reversal } => FixedReceptorKind::Conductance {
                    reversal: reversal.into(),
                },
                Kind::Current { excitatory } => FixedReceptorKind::Current { excitatory },
            },
            decay: image.decay.into(),
        }
    }

    /// Fractional bits of the state: 16 for a conductance (as G), 12 for a current (as I).
    pub fn state_frac(&self) -> u32 {
        match self.kind {
            FixedReceptorKind::Conductance { .. } => G_FRAC,
            FixedReceptorKind::Current { .. } => I_FRAC,
        }
    }
}

/// `exp(-dt / tau)` in U0.18, rounded, saturated below 1.
pub fn decay_factor(tau_ms: f64, dt: f64) -> i64 {
    sat_unsigned(
        ((-dt / tau_ms).exp() * f64::from(1u32 << DECAY_FRAC)).round() as i64,
        DECAY_MAX,
    )
}

/// Everything a core needs for one channel set at one time step: the memory contents.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedEngine {
    pub gates: Vec<GateTable>,
    pub membrane: MembraneTable,
    pub channels: Vec<FixedChannel>,
    /// Synapse types, at most [`MAX_RECEPTORS`].
    pub receptors: Vec<FixedReceptor>,
    pub dt: f64,
    /// Steady state of each gate as a function of V (for initial states), from the set.
    set: ChannelSet,
}

/// Neuron state in the chip's formats, structure of arrays.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedPopulation {
    /// S7.12.
    pub v: Vec<i32>,
    /// U0.16, one vector per gate.
    pub gates: Vec<Vec<u16>>,
    /// S12.12.
    pub i_ext: Vec<i32>,
    pub spikes: Vec<u32>,
    /// S7.12.
    pub threshold: i32,
    /// Per receptor and neuron: the decayed state (24 bits; format in [`FixedReceptor`]).
    pub receptors: Vec<Vec<u32>>,
    /// Per receptor and neuron: weights delivered since the last step (saturating 24 bits).
    pub accumulators: Vec<Vec<u32>>,
}

impl FixedPopulation {
    pub fn len(&self) -> usize {
        self.v.len()
    }

    pub fn is_empty(&self) -> bool {
        self.v.is_empty()
    }

    pub fn total_spikes(&self) -> u64 {
        self.spikes.iter().map(|&s| u64::from(s)).sum()
    }

    /// Adds `increment` to a receptor's accumulator (a spike arriving at a synapse).
    #[inline]
    pub fn deliver(&mut self, receptor: usize, neuron: usize, increment: u32) {
        let acc = &mut self.accumulators[receptor][neuron];
        *acc = (u64::from(*acc) + u64::from(increment)).min(SYN_MAX as u64) as u32;
    }
}

/// Input current register nearest to `ua_per_cm2` (saturating).
pub fn current_to_fixed(ua_per_cm2: f64) -> i32 {
    quantize_signed(ua_per_cm2, I_FRAC, I_BITS) as i32
}

impl FixedEngine {
    /// Maps `set` onto the datapath, or says why it does not fit.
    pub fn new(set: &ChannelSet, dt: f64) -> Result<FixedEngine, FixedError> {
        let fail = |m: String| Err(FixedError(format!("channel set '{}': {m}", set.name)));
        if !(dt.is_finite() && dt > 0.0) {
            return fail(format!(
                "time step must be a positive number of ms, got {dt}"
            ));
        }
        if set.gates.len() > MAX_GATES {
            return fail(format!(
                "{} gates, but a core has {MAX_GATES} gate units",
                set.gates.len()
            ));
        }
        if set.channels.len() > MAX_CHANNELS {
            return fail(format!(
                "{} channels, but a core has {MAX_CHANNELS} channel units",
                set.channels.len()
            ));
        }
        let mut channels = Vec::new();
        for c in &set.channels {
            let gbar = (c.conductance * f64::from(1u32 << GBAR_FRAC)).round() as i64;
            if gbar > GBAR_MAX {
                return fail(format!(
                    "channel '{}': conductance {} mS/cm^2 exceeds the chip's maximum {:.3} (U7.10)",
                    c.name,
                    c.conductance,
                    GBAR_MAX as f64 / f64::from(1u32 << GBAR_FRAC)
                ));
            }
            if !(-128.0..128.0).contains(&c.reversal) {
                return fail(format!("channel '{}': reversal potential {} mV is outside the chip's V range [-128, 128)", c.name, c.reversal));
            }
            let factors: Vec<usize> = c
                .factors
                .iter()
                .flat_map(|f| std::iter::repeat(f.gate).take(f.power as usize))
                .collect();
            if factors.len() as u32 > MAX_FACTORS {
                return fail(format!(
                    "channel '{}': its open fraction has {} gating factors (powers included), a channel unit multiplies at most {MAX_FACTORS}",
                    c.name,
                    factors.len()
                ));
            }
            channels.push(FixedChannel {
                gbar,
                reversal: mv_to_v(c.reversal),
                factors,
            });
        }
        let membrane = membrane_table(dt, set.capacitance)
            .map_err(|e| FixedError(format!("channel set '{}': {e}", set.name)))?;
        Ok(FixedEngine {
            gates: gate_tables(set, dt),
            membrane,
            channels,
            receptors: Vec::new(),
            dt,
            set: set.clone(),
        })
    }

    /// The same engine with these synapse types.
    pub fn with_receptors(
        mut self,
        receptors: Vec<FixedReceptor>,
    ) -> Result<FixedEngine, FixedError> {
        if receptors.len() > MAX_RECEPTORS {
            return Err(FixedError(format!(
                "{} receptor types, but a core has {MAX_RECEPTORS}",
                receptors.len()
            )));
        }
        self.receptors = receptors;
        Ok(self)
    }

    /// `n` neurons at `v0` mV, gates at their steady state there (rounded to U0.16).
    pub fn population(&self, n: usize, v0_mv: f64, threshold_mv: f64) -> FixedPopulation {
        let v0 = mv_to_v(v0_mv);
        let steady = self.set.steady_state(v_to_mv(v0));
        FixedPopulation {
            v: vec![v0 as i32; n],
            gates: steady.iter().map(|&x| vec![gate_to_fixed(x); n]).collect(),
            i_ext: vec![0; n],
            spikes: vec![0; n],
            threshold: mv_to_v(threshold_mv) as i32,
            receptors: vec![vec![0; n]; self.receptors.len()],
            accumulators: vec![vec![0; n]; self.receptors.len()],
        }
    }

    /// Advances every neuron by one step.
    pub fn step(&self, pop: &mut FixedPopulation) {
        let n = pop.v.len();
        assert!(
            pop.gates.len() == self.gates.len()
                && pop.gates.iter().all(|g| g.len() == n)
                && pop.i_ext.len() == n
                && pop.spikes.len() == n
                && pop.receptors.len() == self.receptors.len()
                && pop.accumulators.len() == self.receptors.len()
                && pop.receptors.iter().all(|r| r.len() == n)
                && pop.accumulators.iter().all(|a| a.len() == n),
            "population does not match the engine's channel set"
        );
        step_population(self, pop);
    }
}

/// Neurons per pass: the chunk's intermediates stay in L1.
const CHUNK: usize = 256;

#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx2", "x86_64+avx2"))]
fn step_population(engine: &FixedEngine, pop: &mut FixedPopulation) {
    let n = pop.v.len();
    let mut rows = [0usize; CHUNK];
    let mut open = [0i64; CHUNK];
    let mut g_total = [0i64; CHUNK];
    let mut i_total = [0i64; CHUNK];
    for start in (0..n).step_by(CHUNK) {
        let len = CHUNK.min(n - start);
        let v = &mut pop.v[start..start + len];
        for l in 0..len {
            rows[l] = gate_row(i64::from(v[l]));
        }
        for (table, x) in engine.gates.iter().zip(pop.gates.iter_mut()) {
            let x = &mut x[start..start + len];
            for l in 0..len {
                let row = rows[l];
                let (inf, k) = (i64::from(table.inf[row]), i64::from(table.relax[row]));
                let old = i64::from(x[l]);
                x[l] =
                    sat_unsigned(old + round_shift((inf - old) * k, RELAX_FRAC), GATE_MAX) as u16;
            }
        }
        g_total[..len].fill(0);
        for (l, i) in i_total[..len].iter_mut().enumerate() {
            *i = i64::from(pop.i_ext[start + l]);
        }
        for ch in &engine.channels {
            match ch.factors.split_first() {
                None => {}
                Some((&first, rest)) => {
                    let x0 = &pop.gates[first][start..start + len];
                    for l in 0..len {
                        open[l] = i64::from(x0[l]) << (OPEN_FRAC - GATE_FRAC);
                    }
                    for &g in rest {
                        let x = &pop.gates[g][start..start + len];
                        for l in 0..len {
                            open[l] = round_shift(open[l] * i64::from(x[l]), GATE_FRAC);
                        }
                    }
                }
            }
            let leak = ch.factors.is_empty();
            for l in 0..len {
                let gc = if leak {
                    ch.gbar << (G_FRAC - GBAR_FRAC)
                } else {
                    round_shift(ch.gbar * open[l], GBAR_FRAC + OPEN_FRAC - G_FRAC)
                };
                let drive = round_shift(ch.reversal - i64::from(v[l]), V_FRAC - DRIVE_FRAC);
                g_total[l] += gc;
                i_total[l] += round_shift(gc * drive, G_FRAC + DRIVE_FRAC - I_FRAC);
            }
        }
        for (r, receptor) in engine.receptors.iter().enumerate() {
            let state = &mut pop.receptors[r][start..start + len];
            let acc = &mut pop.accumulators[r][start..start + len];
            for l in 0..len {
                let s = (i64::from(state[l]) + i64::from(acc[l])).min(SYN_MAX);
                match receptor.kind {
                    FixedReceptorKind::Conductance { reversal } => {
                        let drive = round_shift(reversal - i64::from(v[l]), V_FRAC - DRIVE_FRAC);
                        g_total[l] += s;
                        i_total[l] += round_shift(s * drive, G_FRAC + DRIVE_FRAC - I_FRAC);
                    }
                    FixedReceptorKind::Current { excitatory: true } => i_total[l] += s,
                    FixedReceptorKind::Current { excitatory: false } => i_total[l] -= s,
                }
                state[l] = ((s * receptor.decay) >> DECAY_FRAC) as u32;
                acc[l] = 0;
            }
        }
        let factor = &engine.membrane.factor;
        let shift = MEMBRANE_FRAC + engine.membrane.shift;
        let spikes = &mut pop.spikes[start..start + len];
        for l in 0..len {
            let g = sat_unsigned(g_total[l], G_MAX);
            let i = sat_signed(i_total[l], I_BITS);
            let f = i64::from(factor[((g >> G_BIN_SHIFT) as usize).min(MEMBRANE_LUT_LEN - 1)]);
            let old = i64::from(v[l]);
            let new = sat_signed(old + round_shift(i * f, shift), V_BITS);
            spikes[l] +=
                u32::from((old < i64::from(pop.threshold)) & (new >= i64::from(pop.threshold)));
            v[l] = new as i32;
        }
    }
}
