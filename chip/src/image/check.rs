//! Whether an image is consistent and fits its configuration.

use super::words::mask;
use super::*;

impl ChipImage {
    /// Checks every entry against the configuration and the rest of the image.
    pub fn validate(&self) -> Result<(), ImageError> {
        self.check().map_err(|message| ImageError {
            origin: "image".into(),
            message,
        })
    }

    fn check(&self) -> Result<(), String> {
        let c = &self.config;
        let cores = c.cores() as usize;
        if self.cores.len() != cores {
            return Err(format!(
                "{} cores: the configuration '{}' has {cores} ({} x {})",
                self.cores.len(),
                c.name,
                c.mesh.width,
                c.mesh.height
            ));
        }
        if !fits_signed(self.threshold.into(), V_BITS) {
            return Err(format!(
                "threshold = {}: expected a 20-bit signed value (S7.12)",
                self.threshold
            ));
        }
        if self.receptors.len() > MAX_RECEPTORS {
            return Err(format!(
                "{} receptors: a core has at most {MAX_RECEPTORS}",
                self.receptors.len()
            ));
        }
        for (r, rec) in self.receptors.iter().enumerate() {
            if rec.decay > mask(DECAY_BITS) as u32 {
                return Err(format!(
                    "receptors[{r}].decay = {}: expected a U0.18 value below 2^18",
                    rec.decay
                ));
            }
            let top = (mask(c.words.weight_bits) << rec.weight_shift.min(63)) as u128;
            if rec.weight_shift >= 64 || top > mask(RECEPTOR_STATE_BITS) as u128 {
                return Err(format!(
                    "receptors[{r}].weight_shift = {}: a {}-bit weight shifted by it exceeds the 24-bit receptor state",
                    rec.weight_shift, c.words.weight_bits
                ));
            }
        }
        let axons: Vec<usize> = self.cores.iter().map(|k| k.axons.len()).collect();
        check_routes("inputs", &self.inputs, None, &axons)?;
        for (k, core) in self.cores.iter().enumerate() {
            let at = |what: &str| format!("core {k}: {what}");
            let n = core.neurons();
            if n > c.core.neurons as usize {
                return Err(at(&format!(
                    "{n} neurons: a core of '{}' holds {}",
                    c.name, c.core.neurons
                )));
            }
            for (name, len) in [("v", core.v.len()), ("bias", core.bias.len())] {
                if len != n {
                    return Err(at(&format!("{name} has {len} words: expected {n}")));
                }
            }
            if core.gates.len() > MAX_GATES {
                return Err(at(&format!(
                    "{} gates: the datapath has {MAX_GATES}",
                    core.gates.len()
                )));
            }
            if core.gates.len() != self.cores[0].gates.len() {
                return Err(at(&format!(
                    "{} gate memories, core 0 has {}: every core runs the same channel set",
                    core.gates.len(),
                    self.cores[0].gates.len()
                )));
            }
            if core.receptors.len() != self.receptors.len() {
                return Err(at(&format!(
                    "{} receptor-state memories: expected one per receptor ({})",
                    core.receptors.len(),
                    self.receptors.len()
                )));
            }
            for (g, words) in core.gates.iter().enumerate() {
                if words.len() != n {
                    return Err(at(&format!(
                        "gates[{g}] has {} words: expected {n}",
                        words.len()
                    )));
                }
            }
            for (r, words) in core.receptors.iter().enumerate() {
                if words.len() != n {
                    return Err(at(&format!(
                        "receptors[{r}] has {} words: expected {n}",
                        words.len()
                    )));
                }
                if let Some(i) = words.iter().position(|&s| u64::from(s) > mask(24)) {
                    return Err(at(&format!(
                        "receptors[{r}][{i}] = {}: expected a 24-bit state",
                        words[i]
                    )));
                }
            }
            if let Some(i) = core.v.iter().position(|&v| !fits_signed(v.into(), V_BITS)) {
                return Err(at(&format!(
                    "v[{i}] = {}: expected a 20-bit signed value",
                    core.v[i]
                )));
            }
            if let Some(i) = core
                .bias
                .iter()
                .position(|&b| !fits_signed(b.into(), BIAS_BITS))
            {
                return Err(at(&format!(
                    "bias[{i}] = {}: expected a 25-bit signed value",
                    core.bias[i]
                )));
            }
            if core.axons.len() > c.core.axons as usize {
                return Err(at(&format!(
                    "{} axon-table entries: a core of '{}' holds {}",
                    core.axons.len(),
                    c.name,
                    c.core.axons
                )));
            }
            if core.synapses.len() > c.core.synapses as usize {
                return Err(at(&format!(
                    "{} synapse entries: a core of '{}' holds {}",
                    core.synapses.len(),
                    c.name,
                    c.core.synapses
                )));
            }
            for (a, r) in core.axons.iter().enumerate() {
                if (r.first as usize + r.count as usize) > core.synapses.len() {
                    return Err(at(&format!(
                        "axon {a} points at synapses {}..{}: the core has {}",
                        r.first,
                        u64::from(r.first) + u64::from(r.count),
                        core.synapses.len()
                    )));
                }
            }
            for (i, s) in core.synapses.iter().enumerate() {
                if s.target as usize >= n {
                    return Err(at(&format!(
                        "synapse {i}: target neuron {} of {n}",
                        s.target
                    )));
                }
                if u64::from(s.weight) > mask(c.words.weight_bits) {
                    return Err(at(&format!(
                        "synapse {i}: weight {} does not fit {} bits",
                        s.weight, c.words.weight_bits
                    )));
                }
                if s.receptor as usize >= self.receptors.len() {
                    return Err(at(&format!(
                        "synapse {i}: receptor {} of {}",
                        s.receptor,
                        self.receptors.len()
                    )));
                }
            }
            if core.routes.ranges.len() != n {
                return Err(at(&format!(
                    "{} route ranges: expected one per neuron ({n})",
                    core.routes.ranges.len()
                )));
            }
            check_routes(
                &format!("core {k}: routes"),
                &core.routes,
                Some(c.core.routes as usize),
                &axons,
            )?;
        }
        Ok(())
    }
}

fn fits_signed(x: i64, bits: u32) -> bool {
    (-(1i64 << (bits - 1))..(1i64 << (bits - 1))).contains(&x)
}

fn check_routes(
    what: &str,
    table: &RouteTable,
    capacity: Option<usize>,
    axons: &[usize],
) -> Result<(), String> {
    if let Some(cap) = capacity {
        if table.entries.len() > cap {
            return Err(format!(
                "{what}: {} routing-table entries, the core holds {cap}",
                table.entries.len()
            ));
        }
    }
    for (s, r) in table.ranges.iter().enumerate() {
        if r.first as usize + r.count as usize > table.entries.len() {
            return Err(format!(
                "{what}: source {s} points at entries {}..{} of {}",
                r.first,
                u64::from(r.first) + u64::from(r.count),
                table.entries.len()
            ));
        }
    }
    for (i, e) in table.entries.iter().enumerate() {
        let Some(&n) = axons.get(e.core as usize) else {
            return Err(format!(
                "{what}: entry {i} goes to core {} of {}",
                e.core,
                axons.len()
            ));
        };
        if e.axon as usize >= n {
            return Err(format!(
                "{what}: entry {i} goes to axon {} of core {}, which has {n}",
                e.axon, e.core
            ));
        }
    }
    Ok(())
}
