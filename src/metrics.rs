//! Spike detection and trace comparison, as used against the NEURON references.

/// Upward crossings of `threshold`, linearly interpolated between samples.
pub fn spike_times(t_ms: &[f64], v_mv: &[f64], threshold: f64) -> Vec<f64> {
    let mut out = Vec::new();
    for k in 1..v_mv.len().min(t_ms.len()) {
        let (v0, v1) = (v_mv[k - 1], v_mv[k]);
        if v0 < threshold && v1 >= threshold {
            let frac = (threshold - v0) / (v1 - v0);
            out.push(t_ms[k - 1] + frac * (t_ms[k] - t_ms[k - 1]));
        }
    }
    out
}

/// How a trace compares with a reference trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub spikes: usize,
    pub reference_spikes: usize,
    /// Largest |spike time - reference spike time|, pairing spikes in order (ms); `None` when
    /// the counts differ.
    pub worst_spike_shift_ms: Option<f64>,
    pub mean_abs_dv_mv: f64,
    pub max_abs_dv_mv: f64,
}

impl Comparison {
    /// The worst spike shift in ms for a table cell, or why there is none.
    pub fn shift_text(&self) -> String {
        self.worst_spike_shift_ms
            .map_or("count differs".to_string(), |s| format!("{s:.3}"))
    }
}

pub fn compare(t_ms: &[f64], v_mv: &[f64], v_ref: &[f64], threshold: f64) -> Comparison {
    let ours = spike_times(t_ms, v_mv, threshold);
    let theirs = spike_times(t_ms, v_ref, threshold);
    let worst = (ours.len() == theirs.len()).then(|| {
        ours.iter()
            .zip(&theirs)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    });
    let n = v_mv.len().min(v_ref.len());
    let diffs = v_mv.iter().zip(v_ref).map(|(a, b)| (a - b).abs());
    Comparison {
        spikes: ours.len(),
        reference_spikes: theirs.len(),
        worst_spike_shift_ms: worst,
        mean_abs_dv_mv: diffs.clone().sum::<f64>() / n.max(1) as f64,
        max_abs_dv_mv: diffs.fold(0.0, f64::max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_is_interpolated() {
        let t = [0.0, 1.0, 2.0, 3.0];
        let v = [-10.0, 10.0, 20.0, -5.0];
        assert_eq!(spike_times(&t, &v, 0.0), vec![0.5]);
        assert!(spike_times(&t, &[-1.0, -0.5, -0.2, -0.1], 0.0).is_empty());
    }

    #[test]
    fn comparison_pairs_spikes_in_order() {
        let t: Vec<f64> = (0..5).map(f64::from).collect();
        let a = [-10.0, 10.0, -10.0, 10.0, -10.0];
        let b = [-10.0, -10.0, 10.0, 10.0, -10.0];
        let c = compare(&t, &a, &b, 0.0);
        assert_eq!((c.spikes, c.reference_spikes), (2, 1));
        assert_eq!(c.worst_spike_shift_ms, None);
        assert_eq!(c.max_abs_dv_mv, 20.0);
        assert_eq!(c.mean_abs_dv_mv, 8.0);
    }
}
