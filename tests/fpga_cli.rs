//! `neurofuse fpga build`: an iCE40 bitstream from the open flow (Yosys, nextpnr-ice40,
//! icepack) with utilization and timing reported, and designs or options that cannot work
//! refused with the numbers.

use assert_cmd::Command;
use predicates::str::contains;
use serde_json::Value;
use tempfile::TempDir;

fn neurofuse() -> Command {
    Command::cargo_bin("neurofuse").unwrap()
}

fn tools_available() -> bool {
    let found = ["yosys", "nextpnr-ice40", "icepack"].iter().all(|t| {
        std::process::Command::new(t)
            .arg("--version")
            .output()
            .is_ok()
    });
    if !found {
        assert!(
            std::env::var("NEUROFUSE_REQUIRE_VERILATOR").map_or(true, |v| v != "1"),
            "NEUROFUSE_REQUIRE_VERILATOR=1 but yosys, nextpnr-ice40 or icepack is missing"
        );
        eprintln!("SKIPPED: the iCE40 tools are not installed (tools/install-hdl-tools.sh)");
    }
    found
}

#[test]
fn the_link_test_design_builds_an_ice40_bitstream_that_meets_timing() {
    if !tools_available() {
        return;
    }
    let dir = TempDir::new().unwrap();
    neurofuse()
        .args([
            "fpga",
            "build",
            "--board",
            "icebreaker",
            "--design",
            "link-test",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains("timing met"))
        .stdout(contains("104 clocks per bit"))
        .stdout(contains("ICESTORM_LC"));
    assert_is_ice40_bitstream(&std::fs::read(dir.path().join("neurofuse_board.bin")).unwrap());
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("build.json")).unwrap()).unwrap();
    assert_eq!(report["timing_met"], true);
    assert!(report["achieved_mhz"].as_f64().unwrap() >= 12.0);
    assert_eq!(report["requested_mhz"], 12.0);
    let (used, available) = utilization(&report, "ICESTORM_LC");
    assert_eq!(available, 5280);
    assert!(used > 100 && used < available, "{used} logic cells");
    // The pins went in as given.
    let pcf = std::fs::read_to_string(dir.path().join("verilog/icebreaker.pcf")).unwrap();
    assert!(pcf.contains("set_io uart_rx 6") && pcf.contains("set_io clock 35"));
}

#[test]
fn a_chip_core_is_refused_on_the_ice40_with_the_numbers() {
    if !tools_available() {
        return;
    }
    let dir = TempDir::new().unwrap();
    neurofuse()
        .args([
            "fpga",
            "build",
            "--board",
            "icebreaker",
            "--config",
            "builtin:tiny",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(contains("chip 'tiny' (1 cores) does not fit"))
        .stderr(contains("multipliers (SB_MAC16) (the FPGA has 8)"))
        .stderr(contains("block RAMs (SB_RAM40_4K) (the FPGA has 30)"));
    assert!(!dir.path().join("neurofuse_board.bin").exists());
}

/// The acceptance of the FPGA flow: the whole chip (one compact core, its network memories,
/// the router link, the tick controller and the UART bridge) on an iCEBreaker, placed,
/// routed and packed at the board's 12 MHz.
#[test]
fn the_ice40_chip_builds_a_bitstream_that_meets_timing_at_12_mhz() {
    if !tools_available() {
        return;
    }
    let dir = TempDir::new().unwrap();
    neurofuse()
        .args([
            "fpga",
            "build",
            "--board",
            "icebreaker",
            "--config",
            "builtin:ice40",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains("timing met"))
        .stdout(contains("ICESTORM_RAM"));
    assert_is_ice40_bitstream(&std::fs::read(dir.path().join("neurofuse_board.bin")).unwrap());
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("build.json")).unwrap()).unwrap();
    assert_eq!(report["timing_met"], true);
    assert!(report["achieved_mhz"].as_f64().unwrap() >= 12.0);
    let used = |resource: &str| utilization(&report, resource);
    // The core's one multiplier on 4 MAC16s; its gate tables and the synapse memory in the
    // 4 single-port RAMs; the rest in block RAMs and logic that fit.
    assert_eq!(used("ICESTORM_DSP"), (4, 8));
    assert_eq!(used("ICESTORM_SPRAM"), (4, 4));
    let (rams, available) = used("ICESTORM_RAM");
    assert!(rams <= available && available == 30, "{rams} block RAMs");
    let (cells, available) = used("ICESTORM_LC");
    assert!(cells > 1000 && cells <= available, "{cells} logic cells");
    // The bitstream is of the compact chip, not a stand-in.
    let chip = std::fs::read_to_string(dir.path().join("verilog/neurofuse_chip.v")).unwrap();
    assert!(
        chip.contains("compact_neuron_core core0("),
        "the ice40 chip's core"
    );
}

/// (used, available) of `resource` in a `build.json` report.
fn utilization(report: &Value, resource: &str) -> (u64, u64) {
    let entry = report["utilization"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["resource"] == resource)
        .unwrap_or_else(|| panic!("{resource} not reported: {report}"));
    (
        entry["used"].as_u64().unwrap(),
        entry["available"].as_u64().unwrap(),
    )
}

/// An iCE40 configuration image starts (after a comment) with the sync word 7EAA997E.
fn assert_is_ice40_bitstream(bitstream: &[u8]) {
    let sync = [0x7E, 0xAA, 0x99, 0x7E];
    assert!(
        bitstream.windows(4).take(64).any(|w| w == sync),
        "no iCE40 sync word in the bitstream's head"
    );
}

#[test]
fn unknown_boards_and_impossible_baud_rates_are_refused() {
    let dir = TempDir::new().unwrap();
    neurofuse()
        .args(["fpga", "build", "--board", "de10", "--out"])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(contains(
            "--board de10: unknown board; known boards: icebreaker, ulx3s",
        ));
    if !tools_available() {
        return;
    }
    neurofuse()
        .args([
            "fpga",
            "build",
            "--board",
            "icebreaker",
            "--design",
            "link-test",
        ])
        .args(["--baud", "4000000", "--out"])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(contains(
            "--baud 4000000: the 12 MHz clock of icebreaker gives 3.00 clocks per bit",
        ));
}
