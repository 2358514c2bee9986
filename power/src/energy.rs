//! The energy table: energy per event class, leakage and area per cell, each value with
//! the source it comes from. A table is data (TOML); `cmos45` is built in.

use serde::{Deserialize, Serialize};

use crate::PowerError;

/// One figure and where it comes from.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    pub value: f64,
    pub source: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EnergyTable {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub supply_v: Figure,
    /// One 64-bit access to an 8 KB SRAM.
    pub sram_access_pj: Figure,
    /// Access energy grows as (size / 8 KB) to this power.
    pub sram_size_exponent: Figure,
    pub gate_toggle_fj: Figure,
    pub flop_toggle_fj: Figure,
    /// Per flip-flop per clock cycle.
    pub flop_clock_fj: Figure,
    pub wire_ff_per_mm: Figure,
    /// Fraction of a packet's bits that change from one packet to the next on a link.
    pub link_bit_activity: Figure,
    pub gate_leak_nw: Figure,
    pub flop_leak_nw: Figure,
    pub sram_leak_pw_per_bit: Figure,
    pub sram_um2_per_bit: Figure,
    pub gate_um2: Figure,
    pub flop_um2: Figure,
}

const CMOS45: &str = include_str!("../tables/cmos45.toml");

/// The SRAM size Horowitz's reference access is for.
const REFERENCE_SRAM_BYTES: f64 = 8192.0;
const REFERENCE_WORD_BITS: f64 = 64.0;

impl EnergyTable {
    /// The built-in 45 nm table.
    pub fn cmos45() -> EnergyTable {
        EnergyTable::from_toml(CMOS45, "builtin:cmos45").expect("the built-in table is valid")
    }

    /// `builtin:cmos45` or a TOML file.
    pub fn load(spec: &str) -> Result<EnergyTable, PowerError> {
        if spec == "builtin:cmos45" {
            return Ok(EnergyTable::cmos45());
        }
        let text = std::fs::read_to_string(spec)
            .map_err(|e| PowerError(format!("{spec}: cannot read the energy table: {e}")))?;
        EnergyTable::from_toml(&text, spec)
    }

    pub fn from_toml(text: &str, origin: &str) -> Result<EnergyTable, PowerError> {
        let table: EnergyTable = toml::from_str(text)
            .map_err(|e| PowerError(format!("{origin}: {}", e.to_string().trim_end())))?;
        for (field, figure) in table.figures() {
            if !(figure.value.is_finite() && figure.value >= 0.0) {
                return Err(PowerError(format!(
                    "{origin}: field `{field}.value` = {}: expected a finite number, 0 or more",
                    figure.value
                )));
            }
            if figure.source.trim().is_empty() {
                return Err(PowerError(format!(
                    "{origin}: field `{field}.source` is empty: expected where the value comes from"
                )));
            }
        }
        Ok(table)
    }

    /// Every figure with its field name, in table order.
    pub fn figures(&self) -> Vec<(&'static str, &Figure)> {
        vec![
            ("supply_v", &self.supply_v),
            ("sram_access_pj", &self.sram_access_pj),
            ("sram_size_exponent", &self.sram_size_exponent),
            ("gate_toggle_fj", &self.gate_toggle_fj),
            ("flop_toggle_fj", &self.flop_toggle_fj),
            ("flop_clock_fj", &self.flop_clock_fj),
            ("wire_ff_per_mm", &self.wire_ff_per_mm),
            ("link_bit_activity", &self.link_bit_activity),
            ("gate_leak_nw", &self.gate_leak_nw),
            ("flop_leak_nw", &self.flop_leak_nw),
            ("sram_leak_pw_per_bit", &self.sram_leak_pw_per_bit),
            ("sram_um2_per_bit", &self.sram_um2_per_bit),
            ("gate_um2", &self.gate_um2),
            ("flop_um2", &self.flop_um2),
        ]
    }

    /// Joules of one access (read or write) to a `depth` x `width` SRAM.
    pub fn sram_access_j(&self, depth: u64, width: u32) -> f64 {
        let bytes = depth as f64 * f64::from(width) / 8.0;
        let size = (bytes / REFERENCE_SRAM_BYTES).powf(self.sram_size_exponent.value);
        self.sram_access_pj.value * 1e-12 * size * f64::from(width) / REFERENCE_WORD_BITS
    }

    /// Joules to send one `bits`-wide packet over `mm` of link.
    pub fn link_j(&self, bits: u32, mm: f64) -> f64 {
        let v = self.supply_v.value;
        0.5 * self.wire_ff_per_mm.value
            * 1e-15
            * mm
            * v
            * v
            * f64::from(bits)
            * self.link_bit_activity.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sram_energy_follows_horowitz_within_fifteen_percent() {
        // Horowitz ISSCC 2014, 64-bit accesses: 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ.
        let t = EnergyTable::cmos45();
        for (bytes, pj) in [(8192u64, 10.0), (32768, 20.0), (1 << 20, 100.0)] {
            let got = t.sram_access_j(bytes / 8, 64) * 1e12;
            assert!(
                (got - pj).abs() <= 0.15 * pj,
                "{bytes} bytes: {got:.1} pJ, Horowitz {pj} pJ"
            );
        }
        // Half the word width, half the energy.
        let half = t.sram_access_j(2048, 32) / t.sram_access_j(1024, 64);
        assert!((half - 0.5).abs() < 1e-12);
    }

    #[test]
    fn a_table_without_a_source_or_with_a_negative_value_is_refused() {
        let text = CMOS45.replace(
            "value = 10.0\nsource = \"Horowitz ISSCC 2014: one 64-bit",
            "value = -10.0\nsource = \"Horowitz ISSCC 2014: one 64-bit",
        );
        let e = EnergyTable::from_toml(&text, "t.toml").unwrap_err().0;
        assert!(
            e.contains("t.toml: field `sram_access_pj.value` = -10"),
            "{e}"
        );
        let text = CMOS45.replace(
            "source = \"assumption: a flip-flop's data transition, about three gate transitions (master, slave, output net)\"",
            "source = \" \"",
        );
        let e = EnergyTable::from_toml(&text, "t.toml").unwrap_err().0;
        assert!(e.contains("field `flop_toggle_fj.source` is empty"), "{e}");
        let e = EnergyTable::from_toml("name = \"x\"", "t.toml")
            .unwrap_err()
            .0;
        assert!(e.contains("t.toml") && e.contains("missing field"), "{e}");
    }
}
