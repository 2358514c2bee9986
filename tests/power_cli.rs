//! `neurofuse power`: reports for the small and the BrainFuse-scale chip from a traced RTL
//! run, toggles that an independent VCD reader (pyvcd) counts the same, more activity for
//! more input, and clear refusals.

use std::path::Path;

use assert_cmd::Command;
use predicates::str::contains;
use serde_json::Value;
use tempfile::TempDir;

fn neurofuse() -> Command {
    Command::cargo_bin("neurofuse").unwrap()
}

fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

fn tools_available() -> bool {
    if !testbench::RTL_AVAILABLE {
        assert!(
            !required("NEUROFUSE_REQUIRE_VERILATOR"),
            "NEUROFUSE_REQUIRE_VERILATOR=1 but the RTL was not built"
        );
        eprintln!("{}", testbench::RTL_SKIPPED);
        return false;
    }
    if std::process::Command::new("yosys")
        .arg("-V")
        .output()
        .is_err()
    {
        assert!(
            !required("NEUROFUSE_REQUIRE_VERILATOR"),
            "NEUROFUSE_REQUIRE_VERILATOR=1 but yosys is missing"
        );
        eprintln!("SKIPPED: yosys is not installed (tools/install-hdl-tools.sh)");
        return false;
    }
    true
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn small_dynamic_w(report: &Value) -> f64 {
    let small = &report["estimates"][0];
    assert_eq!(small["config"], "small");
    small["dynamic_w"].as_f64().unwrap()
}

/// Toggles per component of the VCD, counted by pyvcd (an independent implementation).
fn pyvcd_toggles(vcd: &Path) -> Option<Value> {
    let script = r#"
import json, re, sys
from vcd.reader import TokenKind, tokenize
component = {'core': 'datapath', 'delivery': 'delivery', 'emission': 'emission', 'mesh': 'router', 'tick': 'control'}
scopes, owners, last, toggles, clocks = [], {}, {}, {}, set()
def left_out(name):
    return name.endswith('clock') or name == 'reset' or name.endswith('__reset')
with open(sys.argv[1], 'rb') as f:
    for tok in tokenize(f):
        k = tok.kind
        if k is TokenKind.SCOPE:
            scopes.append(tok.scope.ident)
        elif k is TokenKind.UPSCOPE:
            scopes.pop()
        elif k is TokenKind.VAR:
            if left_out(tok.var.reference):
                clocks.add(tok.var.id_code)
            if 'neurofuse_chip' in scopes:
                below = scopes[scopes.index('neurofuse_chip') + 1:]
                if below:
                    c = component.get(re.sub(r'\d+$', '', below[0]))
                    if c:
                        owners.setdefault(tok.var.id_code, []).append((c, tok.var.size))
        elif k is TokenKind.CHANGE_SCALAR or k is TokenKind.CHANGE_VECTOR:
            change = tok.scalar_change if k is TokenKind.CHANGE_SCALAR else tok.vector_change
            code, value = change.id_code, change.value
            if isinstance(value, str):
                value = int(value)
            if code in last:
                toggles[code] = toggles.get(code, 0) + bin(last[code] ^ value).count('1')
            last[code] = value
out = {}
for code, decls in owners.items():
    if code in clocks:
        continue
    for c, size in decls:
        t = out.setdefault(c, {'toggles': 0, 'bits': 0})
        t['toggles'] += toggles.get(code, 0)
        t['bits'] += size
print(json.dumps(out))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(vcd)
        .output()
        .unwrap();
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("ModuleNotFoundError") && !required("NEUROFUSE_REQUIRE_VERILATOR"),
            "pyvcd failed: {stderr}"
        );
        eprintln!("SKIPPED: the independent VCD reader (pip install pyvcd) is not installed");
        return None;
    }
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn reports_both_chips_from_a_traced_run_and_its_toggles_are_counted_right() {
    if !tools_available() {
        return;
    }
    let dir = TempDir::new().unwrap();
    let first = dir.path().join("first");
    neurofuse()
        .args([
            "power",
            "--warmup",
            "4",
            "--ticks",
            "8",
            "--keep-vcd",
            "--out",
        ])
        .arg(&first)
        .assert()
        .success()
        .stdout(contains("power of chip `small` at 100 MHz"))
        .stdout(contains("power of chip `brainfuse` at 200 MHz"))
        .stdout(contains("assumptions:"))
        .stdout(contains("Horowitz ISSCC 2014"));
    let report = read_json(&first.join("power.json"));
    for estimate in report["estimates"].as_array().unwrap() {
        let parts = estimate["components"].as_array().unwrap();
        assert_eq!(parts.len(), 5);
        let sum: f64 = parts.iter().map(|c| c["total_w"].as_f64().unwrap()).sum();
        let total = estimate["total_w"].as_f64().unwrap();
        assert!((sum - total).abs() <= 1e-12 * total.max(1.0), "{estimate}");
        for c in parts {
            for field in ["logic_w", "clock_w", "static_w"] {
                assert!(c[field].as_f64().unwrap() > 0.0, "{field} of {c}");
            }
            // Every component but the tick controller has memories.
            let memory = c["memory_w"].as_f64().unwrap();
            assert_eq!(memory > 0.0, c["component"] != "control", "{c}");
        }
        let name = estimate["config"].as_str().unwrap();
        assert!(first.join(format!("power-{name}.svg")).is_file());
    }
    assert_eq!(report["estimates"][1]["config"], "brainfuse");
    assert_eq!(report["estimates"][1]["real_time"], true);
    let text = std::fs::read_to_string(first.join("power.txt")).unwrap();
    assert!(text.contains("pJ per neuron update") && text.contains("sram_access_pj = 10"));

    // The toggles the estimate rests on, against pyvcd's count of the same VCD.
    if let Some(expected) = pyvcd_toggles(&first.join("calibration.vcd")) {
        let measured = &report["calibration"]["toggles"];
        for c in ["datapath", "delivery", "emission", "router", "control"] {
            assert_eq!(measured[c], expected[c], "{c}");
            assert!(expected[c]["toggles"].as_u64().unwrap() > 0, "{c}");
        }
    }

    // More input spikes, more switching and memory traffic; the same cells (--cells).
    let cells = first.join("cells.json");
    let busy = dir.path().join("busy");
    neurofuse()
        .args([
            "power",
            "--warmup",
            "4",
            "--ticks",
            "8",
            "--input-rate",
            "8000",
        ])
        .args(["--config", "builtin:small", "--cells"])
        .arg(&cells)
        .arg("--out")
        .arg(&busy)
        .assert()
        .success();
    let busy_w = small_dynamic_w(&read_json(&busy.join("power.json")));
    let quiet_w = small_dynamic_w(&report);
    assert!(
        busy_w > quiet_w,
        "8 kHz inputs: {busy_w} W, 2 kHz: {quiet_w} W"
    );

    // No input: nothing is delivered, so nothing calibrates the delivery unit.
    neurofuse()
        .args([
            "power",
            "--warmup",
            "1",
            "--ticks",
            "3",
            "--input-rate",
            "0",
        ])
        .args(["--config", "builtin:small", "--cells"])
        .arg(&cells)
        .arg("--out")
        .arg(dir.path().join("silent"))
        .assert()
        .failure()
        .stderr(contains(
            "no synaptic event or packet events for the delivery",
        ));
}

#[test]
fn bad_options_and_files_are_refused_with_the_reason() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out");
    let run = |args: &[&str]| {
        let mut cmd = neurofuse();
        cmd.arg("power").args(args).arg("--out").arg(&out);
        cmd.assert().failure()
    };
    run(&["--rate=-1"]).stderr(contains("--rate -1: expected a rate in Hz"));
    run(&["--fan-out", "0"]).stderr(contains("--fan-out 0: expected 1 or more"));
    run(&["--config", "builtin:nope"]).stderr(contains("no built-in chip configuration"));
    let table = dir.path().join("table.toml");
    std::fs::write(&table, "name = \"mine\"\n").unwrap();
    run(&["--energy", table.to_str().unwrap()])
        .stderr(contains("table.toml"))
        .stderr(contains("missing field"));
    let cells = dir.path().join("cells.json");
    std::fs::write(&cells, "{\"neuron_core\": {\"gates\": 1, \"flops\": 1}}").unwrap();
    run(&["--cells", cells.to_str().unwrap()]).stderr(contains(
        "cells.json: no cell counts for block `synapse_delivery`",
    ));
    std::fs::write(&cells, "[1, 2]").unwrap();
    run(&["--cells", cells.to_str().unwrap()]).stderr(contains("expected the cells.json"));
}

/// Every `reg [W-1:0] mem [..]` of a generated module, as (depth, width), sorted.
fn verilog_memories(path: &Path) -> Vec<(u64, u32)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        // A memory may carry a synthesis attribute, `(* no_rw_check *) reg ...`.
        let line = match line.strip_prefix("(*").and_then(|l| l.split_once("*)")) {
            Some((_, rest)) => rest.trim(),
            None => line,
        };
        let Some(rest) = line.strip_prefix("reg") else {
            continue;
        };
        let Some((width, rest)) = rest
            .trim()
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
        else {
            continue;
        };
        let Some((_, range)) = rest.split_once('[') else {
            continue;
        };
        let bits = |r: &str| -> (u64, u64) {
            let (a, b) = r.split_once(':').unwrap();
            (a.trim().parse().unwrap(), b.trim().parse().unwrap())
        };
        let (msb, lsb) = bits(width);
        let (a, b) = bits(range.trim_end_matches("];").trim_end_matches(']'));
        out.push((a.abs_diff(b) + 1, (msb - lsb + 1) as u32));
    }
    out.sort_unstable();
    out
}

#[test]
fn the_memory_inventory_has_the_rtls_memories() {
    // The RTL holds the largest core: 1,024 neurons, 2,048 sources and routes.
    let mut config = chip::ChipConfig::builtin("small").unwrap();
    config.core.neurons = 1024;
    config.core.routes = 2048;
    let dir = TempDir::new().unwrap();
    hdl::export::export(dir.path(), None, &config).unwrap();
    let inventory = power::memories::inventory(&config);
    for c in power::Component::ALL {
        let mut expected: Vec<(u64, u32)> = inventory
            .iter()
            .filter(|m| m.component == c)
            .flat_map(|m| vec![(m.depth, m.width); m.count as usize])
            .collect();
        expected.sort_unstable();
        let file = dir.path().join(format!("{}.v", c.module()));
        let mut found = verilog_memories(&file);
        if c == power::Component::Emission {
            // The chip top holds each core's output-spike queue.
            let top = verilog_memories(&dir.path().join("neurofuse_chip.v"));
            let per_core = top.len() / config.cores() as usize;
            assert_eq!(top.len(), per_core * config.cores() as usize);
            found.extend(top.into_iter().step_by(config.cores() as usize));
            found.sort_unstable();
        }
        assert_eq!(found, expected, "{}", file.display());
    }
}

/// Yosys runs in the Verilog's directory: a directory given relative to the caller's must
/// still be found (the demo's `--out target/ci-demo` once was not).
#[test]
fn cells_are_counted_from_a_directory_given_relative() {
    if !tools_available() {
        return;
    }
    let dir = tempfile::tempdir_in(".").unwrap();
    let relative = Path::new(".").join(dir.path().file_name().unwrap());
    std::fs::write(
        relative.join("tiny.v"),
        "module tiny(input wire clock, input wire [7:0] d, output reg [7:0] q);\n\
         always @(posedge clock) q <= q + d;\nendmodule\n",
    )
    .unwrap();
    let cells = power::cells::synthesize(&relative, &["tiny"]).unwrap();
    let tiny = &cells["tiny"];
    assert_eq!(tiny.flops, 8, "the 8-bit register");
    assert!(tiny.gates > 0);
}
