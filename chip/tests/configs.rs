//! The shipped configurations, and a clear message for every broken rule.

use chip::ChipConfig;

#[test]
fn shipped_configurations_describe_an_fpga_prototype_and_the_brainfuse_scale() {
    let small = ChipConfig::builtin("small").unwrap();
    assert_eq!((small.cores(), small.total_neurons()), (4, 1024));
    let big = ChipConfig::builtin("brainfuse").unwrap();
    assert!(big.total_neurons() >= 38_000, "{}", big.total_neurons());
    assert!(
        big.total_synapses() >= 100_000_000,
        "{}",
        big.total_synapses()
    );
    // 1,024 neurons + 16 pipeline clocks at 200 MHz: 5.2 us per tick for 25 us of biology.
    assert!((big.max_real_time_factor() - 25.0 / 5.2).abs() < 1e-9);
    assert_eq!(big.synapse_entry_bits(), 10 + 8 + 2);
}

fn base() -> String {
    chip_source("small")
}

fn chip_source(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/configs/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn error_for(text: &str) -> String {
    ChipConfig::from_toml(text, "mine.toml")
        .unwrap_err()
        .to_string()
}

#[test]
fn each_broken_rule_names_the_file_the_field_and_what_was_expected() {
    let cases = [
        (
            "neurons = 256",
            "neurons = 300",
            "mine.toml: field `core.neurons` = 300: expected a power of two from 1 to 1024",
        ),
        (
            "neurons = 256",
            "neurons = 2048",
            "field `core.neurons` = 2048",
        ),
        (
            "width = 2",
            "width = 0",
            "field `mesh.width` = 0: expected 1 to 64 cores",
        ),
        ("axons = 1024", "axons = 0", "field `core.axons` = 0"),
        (
            "synapses = 16384",
            "synapses = 20000000",
            "field `core.synapses` = 20000000",
        ),
        ("routes = 1024", "routes = 0", "field `core.routes` = 0"),
        (
            "weight_bits = 16",
            "weight_bits = 32",
            "field `words.weight_bits` = 32: expected 2 to 16 bits",
        ),
        (
            "fifo_depth = 8",
            "fifo_depth = 6",
            "field `router.fifo_depth` = 6",
        ),
        (
            "clock_mhz = 100.0",
            "clock_mhz = -1.0",
            "field `timing.clock_mhz` = -1",
        ),
        (
            "dt_ms = 0.025",
            "dt_ms = 2.0",
            "field `timing.dt_ms` = 2: expected a time step above 0 and below 1 ms",
        ),
        ("name = \"small\"", "name = \" \"", "field `name`"),
    ];
    for (from, to, expected) in cases {
        let text = base().replacen(from, to, 1);
        assert_ne!(text, base(), "{from} must be in the file");
        let message = error_for(&text);
        assert!(message.contains(expected), "{to}: got `{message}`");
    }
}

#[test]
fn the_largest_valid_configuration_still_fits_a_spike_packet_in_a_word() {
    let text = base()
        .replace("width = 2", "width = 64")
        .replace("height = 2", "height = 64")
        .replace("axons = 1024", "axons = 1048576");
    let config = ChipConfig::from_toml(&text, "max.toml").unwrap();
    assert_eq!(config.packet_address_bits(), 32);
}

#[test]
fn syntax_unknown_and_missing_fields_are_reported_by_name() {
    let unknown = error_for(&base().replace("fifo_depth = 8", "fifo_depth = 8\nfifo_dept = 9"));
    assert!(unknown.contains("unknown field `fifo_dept`"), "{unknown}");
    let missing = error_for(&base().replace("routes = 1024", ""));
    assert!(missing.contains("missing field `routes`"), "{missing}");
    let wrong_type = error_for(&base().replace("neurons = 256", "neurons = \"many\""));
    assert!(
        wrong_type.contains("neurons") && wrong_type.contains("line"),
        "{wrong_type}"
    );
    let nofile = ChipConfig::load("/nonexistent/chip.toml")
        .unwrap_err()
        .to_string();
    assert!(
        nofile.starts_with("/nonexistent/chip.toml: cannot read"),
        "{nofile}"
    );
    let nobuiltin = ChipConfig::load("builtin:huge").unwrap_err().to_string();
    assert!(
        nobuiltin.contains("built in: small, brainfuse, tiny"),
        "{nobuiltin}"
    );
}
