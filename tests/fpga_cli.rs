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
    let bitstream = std::fs::read(dir.path().join("neurofuse_board.bin")).unwrap();
    // An iCE40 configuration image starts (after a comment) with the sync word 7EAA997E.
    let sync = [0x7E, 0xAA, 0x99, 0x7E];
    assert!(
        bitstream.windows(4).take(64).any(|w| w == sync),
        "no iCE40 sync word in the bitstream's head"
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("build.json")).unwrap()).unwrap();
    assert_eq!(report["timing_met"], true);
    assert!(report["achieved_mhz"].as_f64().unwrap() >= 12.0);
    assert_eq!(report["requested_mhz"], 12.0);
    let logic = report["utilization"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["resource"] == "ICESTORM_LC")
        .expect("logic cells reported");
    let (used, available) = (
        logic["used"].as_u64().unwrap(),
        logic["available"].as_u64().unwrap(),
    );
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

/// The compact core's multiplier and tables fit; the chip's other memories are what is left.
#[test]
fn the_compact_chip_fits_the_ice40_s_multipliers_and_single_port_rams() {
    if !tools_available() {
        return;
    }
    let dir = TempDir::new().unwrap();
    let out = neurofuse()
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
        .failure()
        .stderr(contains("chip 'ice40' (1 cores) does not fit"))
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("multipliers"), "{stderr}");
    assert!(!stderr.contains("single-port RAMs"), "{stderr}");
    // What stage 1 mapped: the core's multiplier onto 4 SB_MAC16; its gate tables and the
    // synapse memory onto 2 SPRAMs each.
    let stat = std::fs::read_to_string(dir.path().join("stage1-stat.txt")).unwrap();
    let cells = fpga::flow::parse_stat(&stat);
    let count = |cell: &str| cells.iter().find(|(c, _)| c == cell).map_or(0, |&(_, n)| n);
    assert_eq!(count("SB_MAC16"), 4, "{stat}");
    assert_eq!(count("SB_SPRAM256KA"), 4, "{stat}");
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
