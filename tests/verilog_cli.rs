//! `neurofuse verilog`: what it writes, and its errors.

use assert_cmd::Command;
use predicates::str::contains;
use tempfile::TempDir;

fn neurofuse() -> Command {
    Command::cargo_bin("neurofuse").unwrap()
}

#[test]
fn writes_clean_verilog_waivers_and_the_tables_of_the_channel_set() {
    let dir = TempDir::new().unwrap();
    neurofuse()
        .args(["verilog", "--channels", "builtin:traub_miles", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains("neuron_core.v"));
    let v = std::fs::read_to_string(dir.path().join("neuron_core.v")).unwrap();
    assert!(v.contains("module neuron_core("), "top module name");
    assert!(
        !v.contains("top$") && !v.contains("module top"),
        "no rust-hdl root names"
    );
    let identifiers_with_dollar = v
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| w.contains('$') && !w.starts_with('$'))
        .count();
    assert_eq!(
        identifiers_with_dollar, 0,
        "hierarchy joined with __, not $"
    );
    assert!(v.contains("$readmemh(\"inf_table0.hex\", mem)"));
    assert!(std::fs::read_to_string(dir.path().join("neuron_core.vlt"))
        .unwrap()
        .starts_with("`verilator_config"));

    // The memory files hold the channel set's tables, one word per row.
    let set = channels::ChannelSet::builtin("traub_miles").unwrap();
    let engine = sim::FixedEngine::new(&set, 0.025).unwrap();
    let words = |name: &str| -> Vec<u64> {
        std::fs::read_to_string(dir.path().join(name))
            .unwrap()
            .lines()
            .map(|l| u64::from_str_radix(l, 16).unwrap())
            .collect()
    };
    let inf1 = words("inf_table1.hex");
    assert_eq!(inf1.len(), 2048);
    assert!(inf1
        .iter()
        .zip(&engine.gates[1].inf)
        .all(|(&a, &b)| a == u64::from(b)));
    let relax2 = words("relax_table2.hex");
    assert!(relax2
        .iter()
        .zip(&engine.gates[2].relax)
        .all(|(&a, &b)| a == u64::from(b)));
    let membrane = words("membrane_table.hex");
    assert_eq!(membrane.len(), 1024);
    assert!(membrane
        .iter()
        .zip(&engine.membrane.factor)
        .all(|(&a, &b)| a == u64::from(b)));
    // Traub-Miles has three gates: the fourth gate unit's tables are zero.
    assert!(words("inf_table3.hex").iter().all(|&w| w == 0));
}

#[test]
fn without_tables_the_memories_start_empty() {
    let dir = TempDir::new().unwrap();
    neurofuse()
        .args(["verilog", "--no-tables", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let v = std::fs::read_to_string(dir.path().join("neuron_core.v")).unwrap();
    assert!(!v.contains("$readmemh"));
    assert!(!dir.path().join("inf_table0.hex").exists());
}

#[test]
fn errors_name_the_problem() {
    let dir = TempDir::new().unwrap();
    neurofuse()
        .args(["verilog", "--dt", "0", "--out"])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(contains("time step must be a positive number of ms, got 0"));
    let file = dir.path().join("a_file");
    std::fs::write(&file, "").unwrap();
    neurofuse()
        .args(["verilog", "--out"])
        .arg(file.join("sub"))
        .assert()
        .failure()
        .stderr(contains("cannot write the Verilog"));
}
