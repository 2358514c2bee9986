//! The compact neuron core on the iCEBreaker's iCE40 UP5K, synthesized by Yosys with logic
//! mapped: its multiplier takes 4 of the 8 SB_MAC16, its gate tables 2 of the 4 single-port
//! RAMs, and its state, accumulators, membrane table and parameters block RAMs (the first
//! two grow with its capacity). The resources are printed (`--nocapture`) for docs/fpga.md.

use fpga::board::BOARDS;
use fpga::flow::{module_usage, Usage};
use hdl::compact_core::{compact_core_verilog, COMPACT_CORE_TOP};

fn yosys_available() -> bool {
    let found = std::process::Command::new("yosys")
        .arg("-V")
        .output()
        .is_ok();
    if !found {
        assert!(
            std::env::var("NEUROFUSE_REQUIRE_VERILATOR").map_or(true, |v| v != "1"),
            "NEUROFUSE_REQUIRE_VERILATOR=1 but yosys is missing"
        );
        eprintln!("SKIPPED: yosys is not installed (tools/install-hdl-tools.sh)");
    }
    found
}

fn used(usage: &[Usage], resource: &str) -> u64 {
    usage
        .iter()
        .find(|u| u.resource.starts_with(resource))
        .unwrap_or_else(|| panic!("no {resource} in {usage:?}"))
        .used
}

#[test]
fn the_compact_core_fits_the_ice40_up5k() {
    if !yosys_available() {
        return;
    }
    let board = BOARDS.iter().find(|b| b.name == "icebreaker").unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    // 64 neurons: the capacity the co-simulation checks against `sim`.
    std::fs::write(
        dir.path().join("compact.v"),
        compact_core_verilog(6).unwrap(),
    )
    .unwrap();
    let usage = module_usage(board, dir.path(), &["compact.v"], COMPACT_CORE_TOP).unwrap();
    for u in &usage {
        println!("{}: {} of {}", u.resource, u.used, u.available);
    }
    assert_eq!(used(&usage, "multipliers"), 4, "one 26 x 19 multiplier");
    assert_eq!(used(&usage, "single-port RAMs"), 2, "the gate tables");
    // State 1,024 x 25 bits (7), accumulators 256 x 24 (2), membrane table 1,024 x 17 (5),
    // parameters 32 x 20 (2).
    assert_eq!(used(&usage, "block RAMs"), 16);
    let over: Vec<&Usage> = usage.iter().filter(|u| u.used > u.available).collect();
    assert!(over.is_empty(), "does not fit: {over:?}");
}
