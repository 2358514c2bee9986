//! `neurofuse image` and `neurofuse run` as a user runs them.

use assert_cmd::Command;
use predicates::str::contains;

fn neurofuse() -> Command {
    Command::cargo_bin("neurofuse").unwrap()
}

#[test]
fn an_image_compiles_loads_and_runs_with_a_raster() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("img");
    neurofuse()
        .args(["image", "--network", "random:3", "--out"])
        .arg(&image)
        .assert()
        .success()
        .stdout(contains("network `random-3`: 200 neurons, 4000 synapses, 32 inputs -> chip `small` (4 of 4 cores used)"));
    let out = dir.path().join("run");
    let output = neurofuse()
        .arg("run")
        .arg(&image)
        .args(["--ticks", "1200", "--input-rate", "200", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let csv = std::fs::read_to_string(out.join("spikes.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len() as u64, summary["spikes"].as_u64().unwrap());
    assert!(rows.len() > 50, "the network should fire: {summary}");
    let last_tick: u64 = rows
        .last()
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(last_tick < 1200);
    let svg = std::fs::read_to_string(out.join("raster.svg")).unwrap();
    assert!(
        svg.matches("<circle").count() >= rows.len(),
        "one dot per spike"
    );
}

#[test]
fn bad_networks_and_damaged_images_are_clear_errors() {
    neurofuse()
        .args(["image", "--network", "b3", "--out", "/tmp/never"])
        .assert()
        .failure()
        .stderr(contains(
            "--network b3: expected b2, b2-reduced:N or random:SEED",
        ));
    let dir = tempfile::tempdir().unwrap();
    // B2 holds 4,000 neurons; builtin:small has room for 1,024.
    neurofuse()
        .args(["image", "--network", "b2", "--out"])
        .arg(dir.path().join("x"))
        .assert()
        .failure()
        .stderr(contains(
            "cannot compile network 'b2' for chip 'small': 4000 neurons, but the chip holds 1024",
        ));
    let image = dir.path().join("img");
    neurofuse()
        .args(["image", "--out"])
        .arg(&image)
        .assert()
        .success();
    std::fs::write(image.join("core0.synapses.bin"), b"").unwrap();
    neurofuse()
        .arg("run")
        .arg(&image)
        .assert()
        .failure()
        .stderr(contains("core0.synapses.bin: 0 bytes, expected"))
        .stderr(contains("truncated"));
}
