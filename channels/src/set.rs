//! Channel sets: the ion channels of one neuron type, read from a TOML file and validated.
//!
//! Units everywhere: mV, ms, mS/cm^2, uA/cm^2, uF/cm^2. See `docs/channels.md` for the format.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::expr::Expr;

/// Voltages (mV) at which every rate is checked: the span any lookup table of the chip covers,
/// on a grid that contains every integer and every table sample point.
pub const CHECK_V_MIN: f64 = -128.0;
pub const CHECK_V_MAX: f64 = 128.0;
pub const CHECK_V_STEP: f64 = 0.125;

/// A problem in a channel file, located as precisely as possible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelError {
    pub file: String,
    pub channel: Option<String>,
    pub gate: Option<String>,
    pub field: Option<String>,
    pub problem: String,
}

impl fmt::Display for ChannelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(c) = &self.channel {
            write!(f, ": channel '{c}'")?;
        }
        if let Some(g) = &self.gate {
            write!(f, ", gate '{g}'")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.problem)
    }
}

impl std::error::Error for ChannelError {}

/// How a gate's kinetics are given.
#[derive(Clone, Debug, PartialEq)]
pub enum Kinetics {
    /// Opening and closing rates (1/ms).
    AlphaBeta { alpha: Expr, beta: Expr },
    /// Steady state (0..1) and time constant (ms).
    InfTau { inf: Expr, tau: Expr },
}

impl Kinetics {
    /// Steady-state open fraction and time constant (ms) at `v`, in f64 with libm.
    pub fn inf_tau(&self, v: f64) -> (f64, f64) {
        match self {
            Kinetics::AlphaBeta { alpha, beta } => {
                let (a, b) = (alpha.eval(v), beta.eval(v));
                (a / (a + b), 1.0 / (a + b))
            }
            Kinetics::InfTau { inf, tau } => (inf.eval(v), tau.eval(v)),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    /// `channel.gate`, unique within the set.
    pub name: String,
    pub kinetics: Kinetics,
}

/// One factor `gate^power` of a channel's open probability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GateFactor {
    /// Index into [`ChannelSet::gates`].
    pub gate: usize,
    pub power: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Channel {
    pub name: String,
    /// Maximal conductance, mS/cm^2.
    pub conductance: f64,
    /// Reversal potential, mV.
    pub reversal: f64,
    /// Open probability = product of `gate^power`; empty for a leak.
    pub factors: Vec<GateFactor>,
}

/// A validated set of channels: what every engine consumes.
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelSet {
    pub name: String,
    pub description: String,
    /// Specific membrane capacitance, uF/cm^2.
    pub capacitance: f64,
    pub gates: Vec<Gate>,
    pub channels: Vec<Channel>,
    /// The TOML text the set was read from (what a chip image or an export carries).
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetFile {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default = "default_capacitance")]
    capacitance: f64,
    #[serde(default)]
    constants: BTreeMap<String, f64>,
    channel: Vec<ChannelFile>,
}

fn default_capacitance() -> f64 {
    1.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelFile {
    name: String,
    conductance: f64,
    reversal: f64,
    #[serde(default)]
    gate: Vec<GateFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GateFile {
    name: String,
    power: u32,
    alpha: Option<String>,
    beta: Option<String>,
    inf: Option<String>,
    tau: Option<String>,
}

const BUILTINS: &[(&str, &str)] = &[
    ("hh_squid", include_str!("../builtin/hh_squid.toml")),
    ("traub_miles", include_str!("../builtin/traub_miles.toml")),
];

/// Names of the channel sets that ship with neurofuse.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTINS.iter().map(|(n, _)| *n).collect()
}

/// TOML source of a built-in channel set (for build scripts and documentation).
pub fn builtin_source(name: &str) -> Option<&'static str> {
    BUILTINS.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

impl ChannelSet {
    /// A channel set shipped with neurofuse (see [`builtin_names`]).
    pub fn builtin(name: &str) -> Result<ChannelSet, ChannelError> {
        let source = builtin_source(name).ok_or_else(|| ChannelError {
            file: format!("builtin:{name}"),
            channel: None,
            gate: None,
            field: None,
            problem: format!(
                "no built-in channel set of that name (built in: {})",
                builtin_names().join(", ")
            ),
        })?;
        ChannelSet::from_toml(source, &format!("builtin:{name}"))
    }

    /// Reads and validates a channel file.
    pub fn from_file(path: &Path) -> Result<ChannelSet, ChannelError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ChannelError {
            file: origin.clone(),
            channel: None,
            gate: None,
            field: None,
            problem: format!("cannot read the file: {e}"),
        })?;
        ChannelSet::from_toml(&text, &origin)
    }

    /// Parses and validates TOML text; `origin` names the source in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<ChannelSet, ChannelError> {
        let err = |channel: Option<&str>, gate: Option<&str>, field: Option<&str>, problem| {
            ChannelError {
                file: origin.to_string(),
                channel: channel.map(str::to_string),
                gate: gate.map(str::to_string),
                field: field.map(str::to_string),
                problem,
            }
        };
        let file: SetFile = toml::from_str(text)
            .map_err(|e| err(None, None, None, e.to_string().trim_end().to_string()))?;

        for (name, value) in &file.constants {
            if name == "V" || name == "v" {
                return Err(err(
                    None,
                    None,
                    Some("constants"),
                    format!("'{name}' is the membrane potential and cannot be a constant"),
                ));
            }
            if !value.is_finite() {
                return Err(err(
                    None,
                    None,
                    Some("constants"),
                    format!("constant '{name}' must be a finite number"),
                ));
            }
        }
        if !(file.capacitance.is_finite() && file.capacitance > 0.0) {
            return Err(err(
                None,
                None,
                Some("capacitance"),
                format!(
                    "must be a positive number of uF/cm^2, got {}",
                    file.capacitance
                ),
            ));
        }
        if file.channel.is_empty() {
            return Err(err(
                None,
                None,
                Some("channel"),
                "the set has no channels".to_string(),
            ));
        }

        let mut gates = Vec::new();
        let mut channels: Vec<Channel> = Vec::new();
        for ch in &file.channel {
            let cname = ch.name.as_str();
            let cerr = |field: &str, problem: String| err(Some(cname), None, Some(field), problem);
            if cname.is_empty() || !cname.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return Err(cerr(
                    "name",
                    "channel names are non-empty letters, digits and '_'".into(),
                ));
            }
            if channels.iter().any(|c| c.name == cname) {
                return Err(cerr(
                    "name",
                    "a channel of this name is already defined".into(),
                ));
            }
            if !(ch.conductance.is_finite() && ch.conductance >= 0.0) {
                return Err(cerr(
                    "conductance",
                    format!(
                        "must be a non-negative number of mS/cm^2, got {}",
                        ch.conductance
                    ),
                ));
            }
            if !ch.reversal.is_finite() {
                return Err(cerr("reversal", "must be a finite number of mV".into()));
            }
            let mut factors = Vec::new();
            for g in &ch.gate {
                let gname = g.name.as_str();
                let gerr = |field: &str, problem: String| {
                    err(Some(cname), Some(gname), Some(field), problem)
                };
                if gname.is_empty() || !gname.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(gerr(
                        "name",
                        "gate names are non-empty letters, digits and '_'".into(),
                    ));
                }
                let full = format!("{cname}.{gname}");
                if gates.iter().any(|x: &Gate| x.name == full) {
                    return Err(gerr(
                        "name",
                        "this channel already has a gate of this name".into(),
                    ));
                }
                if g.power == 0 || g.power > 8 {
                    return Err(gerr("power", format!("must be 1..=8, got {}", g.power)));
                }
                let parse = |field: &str, text: &str| {
                    Expr::parse(text, &file.constants).map_err(|e| gerr(field, e.to_string()))
                };
                let kinetics = match (&g.alpha, &g.beta, &g.inf, &g.tau) {
                    (Some(a), Some(b), None, None) => Kinetics::AlphaBeta {
                        alpha: parse("alpha", a)?,
                        beta: parse("beta", b)?,
                    },
                    (None, None, Some(i), Some(t)) => Kinetics::InfTau {
                        inf: parse("inf", i)?,
                        tau: parse("tau", t)?,
                    },
                    _ => {
                        return Err(gerr("alpha", "give either `alpha` and `beta` (1/ms) or `inf` and `tau` (ms), not a mix".into()));
                    }
                };
                check_kinetics(&kinetics).map_err(|(field, problem)| gerr(field, problem))?;
                factors.push(GateFactor {
                    gate: gates.len(),
                    power: g.power,
                });
                gates.push(Gate {
                    name: full,
                    kinetics,
                });
            }
            channels.push(Channel {
                name: cname.to_string(),
                conductance: ch.conductance,
                reversal: ch.reversal,
                factors,
            });
        }
        if !channels
            .iter()
            .any(|c| c.factors.is_empty() && c.conductance > 0.0)
        {
            return Err(err(None, None, Some("channel"), "the set needs a leak: a channel without gates and with conductance > 0 (it keeps the membrane conductance positive)".into()));
        }
        Ok(ChannelSet {
            name: file.name,
            description: file.description,
            capacitance: file.capacitance,
            gates,
            channels,
            source: text.to_string(),
        })
    }

    /// Steady state of every gate at `v` (mV).
    pub fn steady_state(&self, v: f64) -> Vec<f64> {
        self.gates.iter().map(|g| g.kinetics.inf_tau(v).0).collect()
    }

    /// A canonical text of everything a compiled kernel bakes in (rate expressions after
    /// folding and the channel/gate structure), but not the conductances, reversal
    /// potentials or capacitance, which are run-time parameters. Two sets with the same
    /// structure key can share a compiled kernel.
    pub fn structure_key(&self) -> String {
        let mut key = String::new();
        for g in &self.gates {
            match &g.kinetics {
                Kinetics::AlphaBeta { alpha, beta } => key += &format!("ab[{alpha}|{beta}]"),
                Kinetics::InfTau { inf, tau } => key += &format!("it[{inf}|{tau}]"),
            }
        }
        for c in &self.channels {
            key += "ch[";
            for f in &c.factors {
                key += &format!("{}^{},", f.gate, f.power);
            }
            key += "]";
        }
        key
    }
}

/// Checks the rates on the whole table range, so a singular or unphysical rate is reported
/// here rather than as a NaN in a simulation or a table.
fn check_kinetics(k: &Kinetics) -> Result<(), (&'static str, String)> {
    let steps = ((CHECK_V_MAX - CHECK_V_MIN) / CHECK_V_STEP).round() as usize;
    for i in 0..=steps {
        let v = CHECK_V_MIN + i as f64 * CHECK_V_STEP;
        let (first, second) = match k {
            Kinetics::AlphaBeta { alpha, beta } => (("alpha", alpha), ("beta", beta)),
            Kinetics::InfTau { inf, tau } => (("inf", inf), ("tau", tau)),
        };
        for (field, expr) in [first, second] {
            let x = expr.eval(v);
            if !x.is_finite() {
                let hint = if x.is_nan() {
                    " (a 0/0: write x/(1 - exp(-x/k)) as vtrap(x, k), or use exprel)"
                } else {
                    ""
                };
                return Err((field, format!("is not finite at V = {v} mV: {x}{hint}")));
            }
            let bad = match field {
                "alpha" | "beta" => x < 0.0,
                "inf" => !(0.0..=1.0).contains(&x),
                _ => x <= 0.0,
            };
            if bad {
                let want = match field {
                    "alpha" | "beta" => "a rate >= 0 (1/ms)",
                    "inf" => "a steady state in [0, 1]",
                    _ => "a time constant > 0 (ms)",
                };
                return Err((field, format!("is {x} at V = {v} mV; expected {want}")));
            }
        }
        if let Kinetics::AlphaBeta { alpha, beta } = k {
            if alpha.eval(v) + beta.eval(v) <= 0.0 {
                return Err((
                    "beta",
                    format!("alpha + beta is 0 at V = {v} mV, so the time constant is infinite"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_load() {
        for name in builtin_names() {
            let set = ChannelSet::builtin(name).unwrap();
            assert_eq!(set.name, name);
            assert_eq!(set.gates.len(), 3);
        }
    }

    #[test]
    fn squid_steady_state_matches_textbook_values() {
        // HH 1952 resting values at -65 mV (NEURON hh at 6.3 degC).
        let set = ChannelSet::builtin("hh_squid").unwrap();
        let ss = set.steady_state(-65.0);
        assert!((ss[0] - 0.05293).abs() < 1e-4, "m {}", ss[0]);
        assert!((ss[1] - 0.59612).abs() < 1e-4, "h {}", ss[1]);
        assert!((ss[2] - 0.31768).abs() < 1e-4, "n {}", ss[2]);
    }

    #[test]
    fn unknown_builtin_lists_the_known_ones() {
        let e = ChannelSet::builtin("nope").unwrap_err().to_string();
        assert!(e.contains("hh_squid") && e.contains("traub_miles"), "{e}");
    }
}
