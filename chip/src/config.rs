//! Reading and checking a chip configuration.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{COMPACT_CLOCKS_PER_NEURON, MAX_NEURONS_PER_CORE, STEP_OVERHEAD_CLOCKS};

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{origin}: {message}")]
pub struct ConfigError {
    /// The file (or `builtin:NAME`).
    pub origin: String,
    pub message: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChipConfig {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub mesh: Mesh,
    pub core: Core,
    pub words: Words,
    pub router: Router,
    pub timing: Timing,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Mesh {
    pub width: u32,
    pub height: u32,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Core {
    /// The neuron datapath (`pipelined` unless the file says otherwise).
    #[serde(default, skip_serializing_if = "Datapath::is_pipelined")]
    pub datapath: Datapath,
    /// Neurons per core (power of two, at most [`MAX_NEURONS_PER_CORE`]).
    pub neurons: u32,
    /// Axon-table entries: presynaptic sources a core listens to.
    pub axons: u32,
    /// Synapse-memory entries.
    pub synapses: u32,
    /// Routing-table entries for outgoing spikes.
    pub routes: u32,
}

/// How a core updates its neurons: the same arithmetic, different hardware.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Datapath {
    /// One neuron update per clock: a 16-stage pipeline with 92 multipliers.
    #[default]
    Pipelined,
    /// One multiplier time-multiplexed over every product: [`COMPACT_CLOCKS_PER_NEURON`]
    /// clocks per neuron, for FPGAs with a few multipliers (an iCE40 UltraPlus).
    Compact,
}

impl Datapath {
    fn is_pipelined(&self) -> bool {
        *self == Datapath::Pipelined
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Words {
    pub weight_bits: u32,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Router {
    pub fifo_depth: u32,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Timing {
    pub clock_mhz: f64,
    pub dt_ms: f64,
}

const BUILTINS: [(&str, &str); 4] = [
    ("small", include_str!("../configs/small.toml")),
    ("brainfuse", include_str!("../configs/brainfuse.toml")),
    ("tiny", include_str!("../configs/tiny.toml")),
    ("ice40", include_str!("../configs/ice40.toml")),
];

pub fn builtin_names() -> Vec<&'static str> {
    BUILTINS.iter().map(|(n, _)| *n).collect()
}

/// Bits to number `n` things (at least 1).
pub fn index_bits(n: u32) -> u32 {
    (32 - n.saturating_sub(1).leading_zeros()).max(1)
}

impl ChipConfig {
    /// A shipped configuration by name.
    pub fn builtin(name: &str) -> Result<ChipConfig, ConfigError> {
        let origin = format!("builtin:{name}");
        let text = BUILTINS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| ConfigError {
                origin: origin.clone(),
                message: format!(
                    "no built-in chip configuration of that name (built in: {})",
                    builtin_names().join(", ")
                ),
            })?;
        ChipConfig::from_toml(text, &origin)
    }

    /// `builtin:NAME` or a file path.
    pub fn load(spec: &str) -> Result<ChipConfig, ConfigError> {
        match spec.strip_prefix("builtin:") {
            Some(name) => ChipConfig::builtin(name),
            None => ChipConfig::from_file(Path::new(spec)),
        }
    }

    pub fn from_file(path: &Path) -> Result<ChipConfig, ConfigError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            origin: origin.clone(),
            message: format!("cannot read the chip configuration: {e}"),
        })?;
        ChipConfig::from_toml(&text, &origin)
    }

    /// Parses and checks a configuration; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<ChipConfig, ConfigError> {
        let config: ChipConfig = toml::from_str(text).map_err(|e| ConfigError {
            origin: origin.into(),
            message: e.to_string().trim_end().to_string(),
        })?;
        config.check().map_err(|message| ConfigError {
            origin: origin.into(),
            message,
        })?;
        Ok(config)
    }

    /// Every rule a configuration must satisfy; the first broken one, as a message naming
    /// the field.
    fn check(&self) -> Result<(), String> {
        let field = |name: &str, value: &dyn std::fmt::Display, expected: &str| {
            Err(format!("field `{name}` = {value}: expected {expected}"))
        };
        if self.name.trim().is_empty() {
            return field("name", &"\"\"", "a non-empty name");
        }
        for (name, v) in [
            ("mesh.width", self.mesh.width),
            ("mesh.height", self.mesh.height),
        ] {
            if !(1..=64).contains(&v) {
                return field(name, &v, "1 to 64 cores");
            }
        }
        let c = &self.core;
        if !(c.neurons.is_power_of_two() && c.neurons <= MAX_NEURONS_PER_CORE) {
            return field(
                "core.neurons",
                &c.neurons,
                &format!("a power of two from 1 to {MAX_NEURONS_PER_CORE} (the datapath's neuron address is 10 bits)"),
            );
        }
        if !(1..=1 << 20).contains(&c.axons) {
            return field("core.axons", &c.axons, "1 to 1,048,576 axon-table entries");
        }
        if !(1..=1 << 24).contains(&c.synapses) {
            return field(
                "core.synapses",
                &c.synapses,
                "1 to 16,777,216 synapse entries",
            );
        }
        if !(1..=1 << 16).contains(&c.routes) {
            return field(
                "core.routes",
                &c.routes,
                "1 to 65,536 routing-table entries",
            );
        }
        if !(2..=16).contains(&self.words.weight_bits) {
            return field("words.weight_bits", &self.words.weight_bits, "2 to 16 bits");
        }
        let depth = self.router.fifo_depth;
        if !(depth.is_power_of_two() && (2..=1024).contains(&depth)) {
            return field(
                "router.fifo_depth",
                &depth,
                "a power of two from 2 to 1024 packets",
            );
        }
        let t = &self.timing;
        if !(t.clock_mhz.is_finite() && t.clock_mhz > 0.0 && t.clock_mhz <= 1000.0) {
            return field(
                "timing.clock_mhz",
                &t.clock_mhz,
                "a clock above 0 and at most 1000 MHz",
            );
        }
        if !(t.dt_ms.is_finite() && t.dt_ms > 0.0 && t.dt_ms < 1.0) {
            return field(
                "timing.dt_ms",
                &t.dt_ms,
                "a time step above 0 and below 1 ms",
            );
        }
        Ok(())
    }

    /// The configuration as TOML (what [`ChipConfig::from_toml`] reads back).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a chip configuration serializes")
    }

    pub fn cores(&self) -> u32 {
        self.mesh.width * self.mesh.height
    }

    pub fn total_neurons(&self) -> u64 {
        u64::from(self.cores()) * u64::from(self.core.neurons)
    }

    pub fn total_synapses(&self) -> u64 {
        u64::from(self.cores()) * u64::from(self.core.synapses)
    }

    /// Bits of a spike packet's address: source core and axon. The field ranges keep it
    /// within one 32-bit word (64 x 64 cores, 2^20 axons: 6 + 6 + 20).
    pub fn packet_address_bits(&self) -> u32 {
        self.core_id_bits() + index_bits(self.core.axons)
    }

    /// Bits of a core's mesh coordinates (x then y).
    pub fn core_id_bits(&self) -> u32 {
        index_bits(self.mesh.width) + index_bits(self.mesh.height)
    }

    /// One synapse entry: target neuron, weight and kind (excitatory/inhibitory,
    /// current/conductance: 2 bits).
    pub fn synapse_entry_bits(&self) -> u32 {
        index_bits(self.core.neurons) + self.words.weight_bits + 2
    }

    /// Synapse-memory bits per core.
    pub fn synapse_memory_bits(&self) -> u64 {
        u64::from(self.core.synapses) * u64::from(self.synapse_entry_bits())
    }

    /// Clocks a core needs to update its neurons once (no synaptic traffic).
    pub fn update_clocks(&self) -> u32 {
        match self.core.datapath {
            Datapath::Pipelined => self.core.neurons + STEP_OVERHEAD_CLOCKS,
            Datapath::Compact => 1 + self.core.neurons * COMPACT_CLOCKS_PER_NEURON,
        }
    }

    /// Biological time per wall-clock time when every tick is only the neuron update:
    /// the upper bound on the real-time factor at the configured clock.
    pub fn max_real_time_factor(&self) -> f64 {
        let tick_s = f64::from(self.update_clocks()) / (self.timing.clock_mhz * 1e6);
        self.timing.dt_ms * 1e-3 / tick_s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_bits_count_addresses() {
        assert_eq!(index_bits(1), 1);
        assert_eq!(index_bits(2), 1);
        assert_eq!(index_bits(5), 3);
        assert_eq!(index_bits(1024), 10);
        assert_eq!(index_bits(1025), 11);
    }
}
