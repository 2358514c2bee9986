//! `hdl::chip_map::load`: an image becomes host writes, or is refused whole with the core and
//! the numbers when it does not fit the RTL.

use chip::ChipConfig;
use hdl::chip_map::{self, address, UNIT_AXON, UNIT_INJECT, UNIT_ROUTE_RANGE, UNIT_SYNAPSE};
use network::random::RandomNetwork;

#[test]
fn an_image_becomes_one_write_per_word_and_inputs_go_round_robin() {
    let config = ChipConfig::builtin("small").unwrap();
    let spec = RandomNetwork::default();
    let image = compiler::compile(&spec.build(), &config).unwrap().image;
    let load = chip_map::load(&image).unwrap();
    for (k, core) in image.cores.iter().enumerate() {
        let k = k as u32;
        let count = |unit: u32| {
            load.writes
                .iter()
                .filter(|w| w.address >> 16 == unit << 8 | k)
                .count()
        };
        assert_eq!(count(UNIT_AXON), core.axons.len(), "core {k} axon words");
        assert_eq!(
            count(UNIT_SYNAPSE),
            core.synapses.len(),
            "core {k} synapse words"
        );
        // One range per neuron, one per input placed on this core.
        let inputs_here = (0..spec.inputs as u32).filter(|i| i % 4 == k).count();
        assert_eq!(count(UNIT_ROUTE_RANGE), core.neurons() + inputs_here);
    }
    // Input 5 of 32 sits on core 1 as its input slot 1.
    let inject = load.inject(5);
    assert_eq!(inject.address, address(UNIT_INJECT, 1, 1024 + 1));
}

#[test]
fn a_core_with_more_synapses_than_the_rtl_holds_is_refused_with_the_numbers() {
    let mut config = ChipConfig::builtin("small").unwrap();
    config.core.synapses = 1 << 16;
    config.core.axons = 4096;
    let net = RandomNetwork {
        neurons: 1024,
        fanout: 80,
        ..RandomNetwork::default()
    }
    .build();
    let image = compiler::compile(&net, &config).unwrap().image;
    let error = chip_map::load(&image).unwrap_err();
    assert!(error.starts_with("core 0:"), "{error}");
    assert!(
        error.contains("the chip's cores hold 1024 and 16384"),
        "{error}"
    );
}
