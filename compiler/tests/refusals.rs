//! Every way the compiler refuses a network, with the message it gives: what is wrong, the
//! numbers, and what to change. (Refusals of the partitioner itself are in partition.rs,
//! those of the CLI in tests/compile_cli.rs.)

use channels::ChannelSet;
use chip::ChipConfig;
use compiler::{compile, compile_with, Placer};
use network::random::RandomNetwork;
use network::{Network, Receptor, ReceptorKind};

fn small() -> ChipConfig {
    ChipConfig::builtin("small").unwrap()
}

fn random() -> Network {
    RandomNetwork::default().build()
}

fn refusal(net: &Network, config: &ChipConfig) -> String {
    let e = compile(net, config).unwrap_err();
    assert_eq!(e.network, net.name);
    assert_eq!(e.chip, config.name);
    e.to_string()
}

fn expect(message: &str, wanted: &str) {
    assert!(
        message.contains(wanted),
        "expected `{wanted}` in:\n{message}"
    );
}

#[test]
fn an_invalid_network_is_refused_with_its_field() {
    let mut net = random();
    net.synapses.post[3] = 999;
    expect(
        &refusal(&net, &small()),
        "cannot compile network 'random-1' for chip 'small': synapses.post[3] = 999: expected a neuron index below 200",
    );
}

#[test]
fn a_channel_the_datapath_cannot_express_is_refused() {
    let source = ChannelSet::builtin("hh_squid")
        .unwrap()
        .source
        .replace("conductance = 120.0", "conductance = 500.0");
    let set = ChannelSet::from_toml(&source, "strong sodium").unwrap();
    let mut net = random();
    net.channels = set;
    expect(
        &refusal(&net, &small()),
        "channel set 'hh_squid': channel 'na': conductance 500 mS/cm^2 exceeds the chip's maximum",
    );
}

#[test]
fn a_channel_set_changed_behind_its_source_text_is_refused() {
    let mut net = random();
    let leak = net.channels.channels.last_mut().unwrap();
    leak.conductance *= 1.01;
    expect(
        &refusal(&net, &small()),
        "channel set 'traub_miles' was changed after it was read (its values differ from its source text); write the changed set out as TOML first",
    );
}

#[test]
fn weights_beyond_the_receptor_state_are_refused() {
    let mut net = random();
    net.synapses.weight[0] = 1e6;
    expect(
        &refusal(&net, &small()),
        "receptor 'exc': weight 1000000 exceeds the 24-bit receptor state",
    );
}

#[test]
fn a_reversal_potential_outside_the_voltage_range_is_refused() {
    let mut net = random();
    net.add_receptor(Receptor {
        name: "hot".into(),
        tau_ms: 2.0,
        kind: ReceptorKind::Conductance { reversal_mv: 200.0 },
    });
    expect(
        &refusal(&net, &small()),
        "receptor 'hot': reversal potential 200 mV is outside the chip's V range [-128, 128)",
    );
}

#[test]
fn overflowing_axon_and_routing_tables_are_refused_with_the_field_to_raise() {
    // 200 neurons and 32 inputs, 20 synapses each, onto four cores: each core listens to
    // far more than 16 sources.
    let mut config = small();
    config.core.axons = 16;
    let e = refusal(&random(), &config);
    expect(&e, "needs");
    expect(
        &e,
        "axon-table entries (distinct presynaptic sources), a core holds 16: spread the network over more cores or raise `core.axons`",
    );
    // Each neuron reaches about all four cores: 50 neurons x 4 routes per core.
    let mut config = small();
    config.core.routes = 64;
    for placer in [Placer::default(), Placer::Spread] {
        let e = compile_with(&random(), &config, placer, &mut |_| {})
            .unwrap_err()
            .to_string();
        expect(
            &e,
            "routing-table entries (destination cores of its neurons' spikes), a core holds 64: spread the network over more cores or raise `core.routes`",
        );
    }
}

#[test]
fn an_empty_network_is_refused() {
    let net = Network::new(
        "empty",
        ChannelSet::builtin("hh_squid").unwrap(),
        0,
        -65.0,
        0.0,
    );
    expect(
        &refusal(&net, &small()),
        "cannot compile network 'empty' for chip 'small': neurons = 0: expected at least one neuron",
    );
}
