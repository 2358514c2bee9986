//! Network values in the chip's formats, and how much the rounding cost.

use channels::ChannelSet;
use chip::image::ReceptorImage;
use chip::ChipConfig;
use network::{Network, ReceptorKind};
use sim::format::{gate_to_fixed, mv_to_v, sat_unsigned, G_FRAC, I_FRAC, SYN_MAX};
use sim::{current_to_fixed, FixedEngine, FixedReceptor};

/// Quantized per-neuron state (network order) and chip-wide values.
pub(crate) struct QuantizedNetwork {
    pub channels: String,
    pub threshold: i32,
    pub receptors: Vec<ReceptorImage>,
    pub v: Vec<i32>,
    pub gates: Vec<Vec<u16>>,
    pub bias: Vec<i32>,
    pub receptor_state: Vec<Vec<u32>>,
    /// Quantized weights, same order as the network's projections.
    pub weights: Vec<u32>,
    pub input_weights: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReceptorQuantization {
    pub name: String,
    /// A weight `w` adds `w << shift` LSBs of the receptor state.
    pub shift: u32,
    /// One weight step in the receptor's unit (mS/cm^2 or uA/cm^2).
    pub step: f64,
    pub synapses: usize,
    /// Largest |quantized - exact| / exact over the receptor's nonzero weights.
    pub max_relative_error: f64,
    /// Nonzero weights that rounded to zero (those synapses do nothing on the chip).
    pub zeroed: usize,
    /// Sum of |quantized - exact| over the sum of the exact weights: the error of the
    /// receptor's total drive (the max above is dominated by the tiniest weights).
    pub weighted_relative_error: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct QuantizationReport {
    pub receptors: Vec<ReceptorQuantization>,
}

fn state_frac(kind: ReceptorKind) -> u32 {
    match kind {
        ReceptorKind::Conductance { .. } => G_FRAC,
        ReceptorKind::Current { .. } => I_FRAC,
    }
}

pub(crate) fn quantize(
    net: &Network,
    config: &ChipConfig,
) -> Result<(QuantizedNetwork, QuantizationReport), String> {
    let dt = config.timing.dt_ms;
    FixedEngine::new(&net.channels, dt).map_err(|e| e.to_string())?;
    let reparsed = ChannelSet::from_toml(&net.channels.source, &net.channels.name)
        .map_err(|e| format!("the channel set's source text does not parse: {e}"))?;
    if reparsed != net.channels {
        return Err(format!(
            "channel set '{}' was changed after it was read (its values differ from its source text); write the changed set out as TOML first",
            net.channels.name
        ));
    }
    let weight_max = (1u64 << config.words.weight_bits) - 1;
    let mut receptors = Vec::new();
    let mut report = Vec::new();
    let mut weights = vec![0; net.synapses.len()];
    let mut input_weights = vec![0; net.input_synapses.len()];
    for (r, rec) in net.receptors.iter().enumerate() {
        let frac = state_frac(rec.kind);
        let scale = f64::from(1u32 << frac);
        let of_receptor = |p: &network::Projection| -> Vec<usize> {
            (0..p.len())
                .filter(|&e| p.receptor[e] as usize == r)
                .collect()
        };
        let (own, own_inputs) = (of_receptor(&net.synapses), of_receptor(&net.input_synapses));
        let largest = own
            .iter()
            .map(|&e| net.synapses.weight[e])
            .chain(own_inputs.iter().map(|&e| net.input_synapses.weight[e]))
            .fold(0.0f64, f64::max);
        let largest_lsb = largest * scale;
        if largest_lsb > SYN_MAX as f64 {
            return Err(format!(
                "receptor '{}': weight {largest} exceeds the 24-bit receptor state ({} in its unit)",
                rec.name,
                SYN_MAX as f64 / scale
            ));
        }
        let mut shift = 0;
        while (largest_lsb / f64::from(1u32 << shift)).round() > weight_max as f64 {
            shift += 1;
        }
        if (weight_max << shift) > SYN_MAX as u64 {
            return Err(format!(
                "receptor '{}': weights up to {largest} need a shift of {shift} on {}-bit weights, past the 24-bit state; use fewer weight bits (words.weight_bits)",
                rec.name, config.words.weight_bits
            ));
        }
        let step = f64::from(1u32 << shift) / scale;
        let q = |w: f64| ((w / step).round() as u64).min(weight_max) as u32;
        let mut worst = 0.0f64;
        let mut zeroed = 0;
        let (mut abs_error, mut total) = (0.0f64, 0.0f64);
        for (list, p, out) in [
            (&own, &net.synapses, &mut weights),
            (&own_inputs, &net.input_synapses, &mut input_weights),
        ] {
            for &e in list {
                let w = p.weight[e];
                let qw = q(w);
                out[e] = qw;
                if w > 0.0 {
                    let e = (f64::from(qw) * step - w).abs();
                    worst = worst.max(e / w);
                    abs_error += e;
                    total += w;
                    zeroed += usize::from(qw == 0);
                }
            }
        }
        let fixed = match rec.kind {
            ReceptorKind::Conductance { reversal_mv } => {
                if !(-128.0..128.0).contains(&reversal_mv) {
                    return Err(format!(
                        "receptor '{}': reversal potential {reversal_mv} mV is outside the chip's V range [-128, 128)",
                        rec.name
                    ));
                }
                FixedReceptor::conductance(reversal_mv, rec.tau_ms, dt)
            }
            ReceptorKind::Current { excitatory } => {
                FixedReceptor::current(excitatory, rec.tau_ms, dt)
            }
        };
        receptors.push(fixed.to_image(shift));
        report.push(ReceptorQuantization {
            name: rec.name.clone(),
            shift,
            step,
            synapses: own.len() + own_inputs.len(),
            max_relative_error: worst,
            zeroed,
            weighted_relative_error: if total > 0.0 { abs_error / total } else { 0.0 },
        });
    }
    let state = |values: &Vec<f64>, frac: u32| -> Vec<u32> {
        values
            .iter()
            .map(|&x| sat_unsigned((x * f64::from(1u32 << frac)).round() as i64, SYN_MAX) as u32)
            .collect()
    };
    let quantized = QuantizedNetwork {
        channels: net.channels.source.clone(),
        threshold: mv_to_v(net.threshold_mv) as i32,
        receptors,
        v: net
            .initial
            .v_mv
            .iter()
            .map(|&v| mv_to_v(v) as i32)
            .collect(),
        gates: net
            .initial_gates()
            .iter()
            .map(|g| g.iter().map(|&x| gate_to_fixed(x)).collect())
            .collect(),
        bias: net.bias.iter().map(|&b| current_to_fixed(b)).collect(),
        receptor_state: net
            .initial
            .receptors
            .iter()
            .zip(&net.receptors)
            .map(|(values, rec)| state(values, state_frac(rec.kind)))
            .collect(),
        weights,
        input_weights,
    };
    Ok((quantized, QuantizationReport { receptors: report }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use network::Receptor;

    #[test]
    fn the_report_gives_the_worst_and_the_weighted_relative_error() {
        let set = ChannelSet::builtin("hh_squid").unwrap();
        let mut net = Network::new("q", set, 2, -65.0, 0.0);
        let r = net.add_receptor(Receptor {
            name: "exc".into(),
            tau_ms: 3.0,
            kind: ReceptorKind::Conductance { reversal_mv: 0.0 },
        });
        // 1.0 mS/cm^2 is 2^16 LSBs of the U8.16 state: one past 16-bit weights, so shift 1
        // and a step of 2^-15; 1.0 is then exact and 1e-6 (below half a step) rounds to 0.
        net.synapses.push(0, 1, 1.0, r);
        net.synapses.push(1, 0, 1e-6, r);
        let config = ChipConfig::builtin("small").unwrap();
        let (q, report) = quantize(&net, &config).unwrap();
        assert_eq!(q.weights, vec![1 << 15, 0]);
        let rq = &report.receptors[0];
        assert_eq!((rq.shift, rq.step, rq.zeroed), (1, 1.0 / 32768.0, 1));
        assert_eq!(rq.max_relative_error, 1.0);
        assert!((rq.weighted_relative_error - 1e-6 / (1.0 + 1e-6)).abs() < 1e-15);
    }
}
