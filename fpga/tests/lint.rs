//! The bridge and the board top levels pass Verilator's lint with every warning on, and
//! Icarus compiles them, for every board and design.

use std::path::Path;
use std::process::Command;

use fpga::board::{self, Design, BOARDS, BOARD_TOP};

fn tools() -> bool {
    let found = ["verilator", "iverilog"]
        .iter()
        .all(|t| Command::new(t).arg("-V").output().is_ok());
    if !found {
        assert!(
            std::env::var("NEUROFUSE_REQUIRE_VERILATOR").map_or(true, |v| v != "1"),
            "NEUROFUSE_REQUIRE_VERILATOR=1 but verilator or iverilog is missing"
        );
        eprintln!("SKIPPED: verilator or iverilog is not installed (tools/install-hdl-tools.sh)");
    }
    found
}

/// Verilator lint, then Icarus.
fn check(dir: &Path, top: &str, files: &[&str]) {
    check_lint_only(dir, top, files);
    let icarus = Command::new("iverilog")
        .current_dir(dir)
        .args(["-g2012", "-s", top, "-o", "/dev/null"])
        .args(files)
        .output()
        .unwrap();
    assert!(
        icarus.status.success(),
        "iverilog on {top}:\n{}",
        String::from_utf8_lossy(&icarus.stderr)
    );
}

#[test]
fn the_bridge_and_every_board_top_are_lint_clean() {
    if !tools() {
        return;
    }
    let dir = tempfile::TempDir::new().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("bridge.v"),
        fpga::bridge::bridge_verilog(104).unwrap(),
    )
    .unwrap();
    std::fs::write(d.join("link_test.v"), board::link_test_verilog()).unwrap();
    check(d, fpga::bridge::BRIDGE_TOP, &["bridge.v"]);
    for b in &BOARDS {
        std::fs::write(
            d.join("top.v"),
            board::board_top_verilog(b, Design::LinkTest),
        )
        .unwrap();
        check(d, BOARD_TOP, &["top.v", "bridge.v", "link_test.v"]);
    }
}

#[test]
fn the_chip_behind_the_bridge_is_lint_clean() {
    if !tools() {
        return;
    }
    let dir = tempfile::TempDir::new().unwrap();
    let d = dir.path();
    let config = chip::ChipConfig::builtin("tiny").unwrap();
    let exported = hdl::export::export(d, None, &config).unwrap();
    std::fs::write(
        d.join("bridge.v"),
        fpga::bridge::bridge_verilog(217).unwrap(),
    )
    .unwrap();
    std::fs::write(
        d.join("top.v"),
        board::board_top_verilog(&BOARDS[1], Design::Chip),
    )
    .unwrap();
    std::fs::write(d.join("sim_top.v"), board::sim_top_verilog()).unwrap();
    let mut files: Vec<String> = vec![exported.waivers.display().to_string()];
    files.extend(exported.chip.iter().map(|p| p.display().to_string()));
    files.push("bridge.v".into());
    let mut board_files = files.clone();
    board_files.push("top.v".into());
    let refs: Vec<&str> = board_files.iter().map(|s| s.as_str()).collect();
    check_lint_only(d, BOARD_TOP, &refs);
    files.push("sim_top.v".into());
    let refs: Vec<&str> = files.iter().map(|s| s.as_str()).collect();
    check_lint_only(d, board::SIM_TOP, &refs);
}

/// Lint only: Icarus does not take Verilator's waiver file.
fn check_lint_only(dir: &Path, top: &str, files: &[&str]) {
    let lint = Command::new("verilator")
        .current_dir(dir)
        .args([
            "--lint-only",
            "-Wall",
            "-Wno-DECLFILENAME",
            "--top-module",
            top,
        ])
        .args(files)
        .output()
        .unwrap();
    assert!(
        lint.status.success(),
        "verilator -Wall on {top}:\n{}",
        String::from_utf8_lossy(&lint.stderr)
    );
}

#[test]
fn the_compact_core_is_lint_clean_at_every_capacity_end() {
    if !tools() {
        return;
    }
    let dir = tempfile::TempDir::new().unwrap();
    let d = dir.path();
    for bits in [1, 6, 10] {
        std::fs::write(
            d.join("compact.v"),
            hdl::compact_core::compact_core_verilog(bits).unwrap(),
        )
        .unwrap();
        check(d, hdl::compact_core::COMPACT_CORE_TOP, &["compact.v"]);
    }
}
