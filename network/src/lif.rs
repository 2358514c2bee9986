//! Leaky integrate-and-fire neurons, the comparison model: a membrane with a leak only, a
//! threshold and a reset, on the same synapses and integrator as the HH networks.

use channels::{ChannelError, ChannelSet};

use crate::Network;

/// Membrane time constant `tau_ms` (C = 1 uF/cm^2, so g_leak = 1/tau mS/cm^2), rest and
/// reset at `rest_mv`.
pub fn channels(tau_ms: f64, rest_mv: f64) -> Result<ChannelSet, ChannelError> {
    let text = format!(
        "name = \"lif\"\n\
         description = \"Leaky integrate-and-fire membrane (tau {tau_ms} ms)\"\n\
         capacitance = 1.0\n\n\
         [[channel]]\nname = \"leak\"\nconductance = {g:?}\nreversal = {rest_mv:?}\n",
        g = 1.0 / tau_ms
    );
    ChannelSet::from_toml(&text, "lif")
}

/// `neurons` LIF neurons at rest, threshold and reset as given, no synapses.
pub fn network(
    name: &str,
    neurons: usize,
    tau_ms: f64,
    rest_mv: f64,
    threshold_mv: f64,
) -> Result<Network, ChannelError> {
    let mut net = Network::new(
        name,
        channels(tau_ms, rest_mv)?,
        neurons,
        rest_mv,
        threshold_mv,
    );
    net.reset_mv = Some(rest_mv);
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leak_only_set_is_valid() {
        let net = network("lif", 3, 10.0, -65.0, -50.0).unwrap();
        net.validate().unwrap();
        assert!(net.channels.gates.is_empty());
        assert!((net.channels.channels[0].conductance - 0.1).abs() < 1e-12);
        let mut bad = net.clone();
        bad.reset_mv = Some(-40.0);
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("reset_mv = -40"));
    }
}
