//! A network of HH neurons as data, independent of any engine: the neurons (one channel set),
//! their initial state, the synapse receptors (exponential, conductance- or current-based),
//! the synapses between neurons and from external inputs, and input spike trains.
//!
//! The float reference (`gpu`) integrates it, the compiler maps it onto a chip, and training
//! exports it. Units: mV, ms, uA/cm^2, mS/cm^2 (per unit membrane area, like the channels).

pub mod cobahh;
pub mod lif;
pub mod modular;
mod projection;
pub mod random;
mod stimulus;

use channels::ChannelSet;
use serde::{Deserialize, Serialize};

pub use projection::{Fanout, Projection};
pub use stimulus::Stimulus;

/// At most this many receptor kinds per network: a synapse entry names one in 2 bits.
pub const MAX_RECEPTORS: usize = 4;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("network '{network}': {message}")]
pub struct NetworkError {
    pub network: String,
    pub message: String,
}

/// How a receptor's state acts on the membrane.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceptorKind {
    /// State is a conductance (mS/cm^2) with this reversal potential (mV).
    Conductance { reversal_mv: f64 },
    /// State is a current (uA/cm^2), depolarizing or hyperpolarizing.
    Current { excitatory: bool },
}

/// An exponential synapse: each presynaptic spike adds the synapse's weight to the state,
/// which decays with time constant `tau_ms`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Receptor {
    pub name: String,
    pub tau_ms: f64,
    pub kind: ReceptorKind,
}

/// Initial state per neuron.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InitialState {
    pub v_mv: Vec<f64>,
    /// One vector per gate of the channel set; `None`: each gate at its steady state at `v_mv`.
    pub gates: Option<Vec<Vec<f64>>>,
    /// One vector per receptor: the state's magnitude (mS/cm^2 or uA/cm^2).
    pub receptors: Vec<Vec<f64>>,
}

#[derive(Clone, Debug)]
pub struct Network {
    pub name: String,
    pub channels: ChannelSet,
    /// Spike = upward crossing of this potential.
    pub threshold_mv: f64,
    /// Integrate-and-fire: after a spike the potential is set to this. `None` for HH
    /// neurons, whose spikes end by themselves (the chip has no reset).
    pub reset_mv: Option<f64>,
    pub neurons: usize,
    pub initial: InitialState,
    /// Constant injected current per neuron, uA/cm^2.
    pub bias: Vec<f64>,
    pub receptors: Vec<Receptor>,
    /// Between neurons: `pre` and `post` are neuron indices.
    pub synapses: Projection,
    /// External inputs (spike sources driven by a [`Stimulus`]).
    pub inputs: usize,
    /// From inputs: `pre` is an input index, `post` a neuron index.
    pub input_synapses: Projection,
}

impl Network {
    /// A network of `neurons` at rest (`v_mv`, gates at steady state), no synapses.
    pub fn new(
        name: &str,
        channels: ChannelSet,
        neurons: usize,
        v_mv: f64,
        threshold_mv: f64,
    ) -> Network {
        Network {
            name: name.to_string(),
            channels,
            threshold_mv,
            reset_mv: None,
            neurons,
            initial: InitialState {
                v_mv: vec![v_mv; neurons],
                gates: None,
                receptors: Vec::new(),
            },
            bias: vec![0.0; neurons],
            receptors: Vec::new(),
            synapses: Projection::default(),
            inputs: 0,
            input_synapses: Projection::default(),
        }
    }

    /// Adds a receptor kind with every neuron's state at zero; returns its index.
    pub fn add_receptor(&mut self, receptor: Receptor) -> u8 {
        self.receptors.push(receptor);
        self.initial.receptors.push(vec![0.0; self.neurons]);
        (self.receptors.len() - 1) as u8
    }

    /// Initial gate values: given, or the steady state at each neuron's initial potential.
    pub fn initial_gates(&self) -> Vec<Vec<f64>> {
        match &self.initial.gates {
            Some(g) => g.clone(),
            None => {
                let mut gates = vec![vec![0.0; self.neurons]; self.channels.gates.len()];
                for (i, &v) in self.initial.v_mv.iter().enumerate() {
                    for (g, x) in self.channels.steady_state(v).into_iter().enumerate() {
                        gates[g][i] = x;
                    }
                }
                gates
            }
        }
    }

    /// Synaptic events one spike of each neuron causes (its out-degree).
    pub fn out_degree(&self) -> Vec<u32> {
        let mut d = vec![0u32; self.neurons];
        for &p in &self.synapses.pre {
            d[p as usize] += 1;
        }
        d
    }

    /// Checks every index, length and value; the message names the field and what was
    /// expected.
    pub fn validate(&self) -> Result<(), NetworkError> {
        let fail = |message: String| {
            Err(NetworkError {
                network: self.name.clone(),
                message,
            })
        };
        let n = self.neurons;
        if n == 0 {
            return fail("neurons = 0: expected at least one neuron".into());
        }
        if !self.threshold_mv.is_finite() {
            return fail(format!(
                "threshold_mv = {}: expected a finite potential",
                self.threshold_mv
            ));
        }
        if let Some(r) = self.reset_mv {
            if !(r.is_finite() && r < self.threshold_mv) {
                return fail(format!(
                    "reset_mv = {r}: expected a finite potential below threshold_mv ({})",
                    self.threshold_mv
                ));
            }
        }
        let lengths = [
            ("initial.v_mv", self.initial.v_mv.len()),
            ("bias", self.bias.len()),
        ];
        for (field, len) in lengths {
            if len != n {
                return fail(format!(
                    "{field} has {len} values: expected one per neuron ({n})"
                ));
            }
        }
        if let Some(gates) = &self.initial.gates {
            if gates.len() != self.channels.gates.len() {
                return fail(format!(
                    "initial.gates has {} vectors: expected one per gate of channel set '{}' ({})",
                    gates.len(),
                    self.channels.name,
                    self.channels.gates.len()
                ));
            }
            for (g, values) in gates.iter().enumerate() {
                if values.len() != n {
                    return fail(format!(
                        "initial.gates[{g}] has {} values: expected {n}",
                        values.len()
                    ));
                }
                if let Some(i) = values.iter().position(|x| !(0.0..=1.0).contains(x)) {
                    return fail(format!(
                        "initial.gates[{g}][{i}] = {}: expected a fraction in [0, 1]",
                        values[i]
                    ));
                }
            }
        }
        if let Some(i) = self.initial.v_mv.iter().position(|v| !v.is_finite()) {
            return fail(format!("initial.v_mv[{i}] is not a finite number"));
        }
        if let Some(i) = self.bias.iter().position(|v| !v.is_finite()) {
            return fail(format!("bias[{i}] is not a finite number"));
        }
        if self.receptors.len() > MAX_RECEPTORS {
            return fail(format!(
                "{} receptors: expected at most {MAX_RECEPTORS}",
                self.receptors.len()
            ));
        }
        for (r, rec) in self.receptors.iter().enumerate() {
            if !(rec.tau_ms.is_finite() && rec.tau_ms > 0.0) {
                return fail(format!(
                    "receptors[{r}] ('{}'): tau_ms = {}: expected a positive time constant",
                    rec.name, rec.tau_ms
                ));
            }
            if let ReceptorKind::Conductance { reversal_mv } = rec.kind {
                if !reversal_mv.is_finite() {
                    return fail(format!(
                        "receptors[{r}] ('{}'): reversal_mv is not finite",
                        rec.name
                    ));
                }
            }
        }
        if self.initial.receptors.len() != self.receptors.len() {
            return fail(format!(
                "initial.receptors has {} vectors: expected one per receptor ({})",
                self.initial.receptors.len(),
                self.receptors.len()
            ));
        }
        for (r, values) in self.initial.receptors.iter().enumerate() {
            if values.len() != n {
                return fail(format!(
                    "initial.receptors[{r}] has {} values: expected {n}",
                    values.len()
                ));
            }
            if let Some(i) = values.iter().position(|&x| !(x.is_finite() && x >= 0.0)) {
                return fail(format!(
                    "initial.receptors[{r}][{i}] = {}: expected a finite, non-negative magnitude (the receptor gives the sign)",
                    values[i]
                ));
            }
        }
        let receptors = self.receptors.len();
        self.synapses
            .validate("synapses", n, n, receptors)
            .or_else(fail)?;
        self.input_synapses
            .validate("input_synapses", self.inputs, n, receptors)
            .or_else(fail)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Network {
        let mut net = Network::new("t", ChannelSet::builtin("hh_squid").unwrap(), 3, -65.0, 0.0);
        net.add_receptor(Receptor {
            name: "exc".into(),
            tau_ms: 5.0,
            kind: ReceptorKind::Conductance { reversal_mv: 0.0 },
        });
        net.synapses.push(0, 1, 0.1, 0);
        net
    }

    #[test]
    fn a_valid_network_passes() {
        small().validate().unwrap();
    }

    #[test]
    fn bad_fields_are_named() {
        let mut net = small();
        net.synapses.post[0] = 3;
        let e = net.validate().unwrap_err().to_string();
        assert_eq!(
            e,
            "network 't': synapses.post[0] = 3: expected a neuron index below 3"
        );

        let mut net = small();
        net.synapses.weight[0] = -1.0;
        let e = net.validate().unwrap_err().to_string();
        assert!(e.contains("synapses.weight[0] = -1"), "{e}");

        let mut net = small();
        net.synapses.receptor[0] = 2;
        let e = net.validate().unwrap_err().to_string();
        assert!(e.contains("synapses.receptor[0] = 2: expected a receptor index below 1"));

        let mut net = small();
        net.receptors[0].tau_ms = 0.0;
        assert!(net
            .validate()
            .unwrap_err()
            .to_string()
            .contains("tau_ms = 0"));

        let mut net = small();
        net.bias.pop();
        assert!(net
            .validate()
            .unwrap_err()
            .to_string()
            .contains("bias has 2 values: expected one per neuron (3)"));

        let mut net = small();
        net.initial.gates = Some(vec![vec![0.5; 3]; 2]);
        assert!(net
            .validate()
            .unwrap_err()
            .to_string()
            .contains("initial.gates has 2 vectors"));
    }

    #[test]
    fn steady_state_gates_follow_the_initial_potential() {
        let mut net = small();
        net.initial.v_mv[2] = -50.0;
        let g = net.initial_gates();
        let set = &net.channels;
        assert_eq!(g[0][0], set.steady_state(-65.0)[0]);
        assert_eq!(g[0][2], set.steady_state(-50.0)[0]);
        assert_ne!(g[0][0], g[0][2]);
    }
}
