//! `neurofuse demo`, the README's main job, with small numbers: the files it writes, the
//! accuracies it prints against its summary.json, the verilated chip spike for spike with the
//! chip model, and the refusals of bad flags and networks.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::str::contains;
use serde_json::Value;

fn neurofuse() -> Command {
    Command::cargo_bin("neurofuse").unwrap()
}

/// Yosys's cell counts of the builtin:small blocks, as `neurofuse power` measured them: the
/// test passes them with --cells to skip the minute of synthesis (the power stage's other
/// steps all run); the demo in .ci/run synthesizes.
const CELLS: &str = r#"{
  "neuron_core": { "gates": 102728, "flops": 3603 },
  "spike_emission": { "gates": 211, "flops": 85 },
  "spike_router": { "gates": 1814, "flops": 75 },
  "synapse_delivery": { "gates": 296, "flops": 33 },
  "tick_controller": { "gates": 182, "flops": 101 }
}"#;

fn non_empty(path: &Path) {
    let len = std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .len();
    assert!(len > 0, "{} is empty", path.display());
}

/// The line `print_accuracy` writes for an engine's row of summary.json.
fn accuracy_line(row: &Value) -> String {
    let (right, images) = (
        row["right"].as_u64().unwrap(),
        row["images"].as_u64().unwrap(),
    );
    format!(
        "{:5} accuracy {:.2} % ({right}/{images})",
        row["engine"].as_str().unwrap(),
        100.0 * row["accuracy"].as_f64().unwrap()
    )
}

#[test]
fn the_demo_runs_the_shipped_classifier_end_to_end_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    let cells = dir.path().join("cells.json");
    std::fs::write(&cells, CELLS).unwrap();
    // Run from an empty directory: the network is built into the binary.
    let cwd = dir.path().join("elsewhere");
    std::fs::create_dir(&cwd).unwrap();
    let out = dir.path().join("demo");
    let output = neurofuse()
        .current_dir(&cwd)
        .args([
            "demo",
            "--images",
            "40",
            "--rtl-images",
            "3",
            "--trace-ticks",
            "5",
        ])
        .args(["--threads", "2", "--cells"])
        .arg(&cells)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let rtl = testbench::rtl_available();
    let mut files: Vec<PathBuf> = [
        "network/network.json",
        "network/network.safetensors",
        "image/image.json",
        "image/placement.svg",
        "neuron/neuron_step_10.svg",
        "raster.svg",
    ]
    .iter()
    .map(|f| out.join(f))
    .collect();
    if rtl {
        for f in [
            "power/trace.vcd",
            "power/power-small.svg",
            "power/power.txt",
        ] {
            files.push(out.join(f));
        }
    }
    for f in &files {
        non_empty(f);
    }
    chip::ChipImage::load(&out.join("image")).unwrap();

    // float and sim on the 40 images, as printed and in summary.json.
    let engines = summary["engines"].as_array().unwrap();
    assert_eq!(engines.len(), if rtl { 3 } else { 2 }, "{summary:#}");
    for (row, name, images) in [(&engines[0], "float", 40), (&engines[1], "sim", 40)] {
        assert_eq!(row["engine"], name);
        assert_eq!(row["images"], images);
        assert!(
            stdout.contains(&accuracy_line(row)),
            "{}\n{stdout}",
            accuracy_line(row)
        );
    }
    // The compiled network decides as the float reference does, nearly always (359 images:
    // 358 of 359, docs/compile.md).
    assert!(engines[1]["same_decision_as_float"].as_u64().unwrap() >= 38);
    assert!(
        engines[1]["accuracy"].as_f64().unwrap() > 0.85,
        "{summary:#}"
    );

    if rtl {
        let row = &engines[2];
        assert_eq!(row["engine"], "rtl");
        assert_eq!(row["images"], 3);
        assert!(stdout.contains(&accuracy_line(row)), "{stdout}");
        assert_eq!(summary["rtl_vs_sim"]["ticks_compared"], 3 * 1000);
        let placement = &summary["placement"];
        assert!(
            placement["inter_core_packets"].as_u64().unwrap()
                <= placement["naive_inter_core_packets"].as_u64().unwrap(),
            "{placement}"
        );
        assert!(
            stdout.contains("rtl   spikes identical to sim at every tick: 3 images x 1000 ticks")
        );
        // Spike for spike equal, so the same decisions and the same raster counts.
        let raster = &summary["raster"]["engines"];
        assert_eq!(raster["rtl"], raster["sim"]);
        let power = &summary["power"];
        assert_eq!(power["cells_from"], cells.to_str().unwrap());
        assert_eq!(power["traced_ticks"], serde_json::json!([200, 205]));
        let (total, dynamic, stat) = (
            power["total_w"].as_f64().unwrap(),
            power["dynamic_w"].as_f64().unwrap(),
            power["static_w"].as_f64().unwrap(),
        );
        assert!(dynamic > 0.0 && stat > 0.0 && (total - dynamic - stat).abs() < 1e-12 * total);
        assert!(stdout.contains(&format!(
            "VCD:     {}",
            out.join("power/trace.vcd").display()
        )));
    } else {
        assert!(summary["power"].is_null());
        assert!(stdout.contains("SKIPPED"));
    }
    assert!(stdout.contains(&format!("summary: {}", out.join("summary.json").display())));
}

fn refused(args: &[&str], message: &str) {
    let dir = tempfile::tempdir().unwrap();
    neurofuse()
        .arg("demo")
        .args(args)
        .arg("--out")
        .arg(dir.path().join("demo"))
        .assert()
        .failure()
        .stderr(contains(message));
}

#[test]
fn demo_refusals_name_the_flag_or_the_file() {
    refused(&["--images", "0"], "--images 0: expected 1 to 359");
    refused(&["--images", "400"], "--images 400: expected 1 to 359");
    refused(&["--rtl-images", "0"], "--rtl-images 0: expected 1 to 359");
    refused(
        &["--images", "20", "--rtl-images", "30"],
        "--rtl-images 30: expected 1 to 20",
    );
    refused(&["--threads", "0"], "--threads must be at least 1");
    refused(&["--trace-ticks", "0"], "--trace-ticks must be at least 1");
    refused(
        &["--trace-ticks", "900"],
        "--trace-ticks 900: the network runs 1000 ticks",
    );

    let dir = tempfile::tempdir().unwrap();
    let bad_cells = dir.path().join("cells.json");
    std::fs::write(&bad_cells, "[1, 2]").unwrap();
    refused(
        &["--cells", bad_cells.to_str().unwrap()],
        "cells.json: expected the cells.json",
    );

    let missing = dir.path().join("missing");
    refused(
        &["--network", missing.to_str().unwrap()],
        "missing: not a directory; expected an exported network",
    );
    // An export with its tensors missing, and one of another task.
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/trained/digits-hh");
    let partial = dir.path().join("partial");
    std::fs::create_dir(&partial).unwrap();
    std::fs::copy(shipped.join("network.json"), partial.join("network.json")).unwrap();
    refused(
        &["--network", partial.to_str().unwrap()],
        "partial: cannot read the exported network",
    );
    let order = dir.path().join("order");
    std::fs::create_dir(&order).unwrap();
    std::fs::copy(
        shipped.join("network.safetensors"),
        order.join("network.safetensors"),
    )
    .unwrap();
    let manifest = std::fs::read_to_string(shipped.join("network.json")).unwrap();
    let mut m: Value = serde_json::from_str(&manifest).unwrap();
    m["task"]["task"] = "order".into();
    std::fs::write(order.join("network.json"), m.to_string()).unwrap();
    refused(
        &["--network", order.to_str().unwrap()],
        "network.json: task.task = \"order\": only a digits classifier",
    );
}
