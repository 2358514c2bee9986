//! The `neurofuse` program as a user runs it: the `neuron` contract and its errors.

use std::path::Path;

use assert_cmd::Command;
use predicates::str::contains;
use tempfile::TempDir;

fn neurofuse() -> Command {
    Command::cargo_bin("neurofuse").unwrap()
}

fn reference(name: &str) -> String {
    format!("{}/tests/data/neuron/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn write(dir: &TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn read_trace(path: &Path) -> Vec<(f64, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("t_ms,v_mV"));
    lines
        .map(|l| {
            let (t, v) = l.split_once(',').unwrap();
            (t.parse().unwrap(), v.parse().unwrap())
        })
        .collect()
}

#[test]
fn neuron_writes_one_row_per_input_row_for_every_engine() {
    let dir = TempDir::new().unwrap();
    for (engine, extra) in [
        ("float", vec![]),
        ("float", vec!["--precision", "f32"]),
        ("fixed", vec![]),
    ] {
        let out = dir.path().join(format!("{engine}{}.csv", extra.len()));
        neurofuse()
            .args([
                "neuron",
                "--input",
                &reference("step_10.csv"),
                "--engine",
                engine,
                "--out",
            ])
            .arg(&out)
            .args(&extra)
            .assert()
            .success();
        let rows = read_trace(&out);
        assert_eq!(rows.len(), 4000, "{engine}");
        assert_eq!(rows[0], (0.0, -65.0), "row 0 is the initial state");
        assert_eq!(rows[3999].0, 99.975);
        let peak = rows.iter().map(|r| r.1).fold(f64::MIN, f64::max);
        assert!(peak > 20.0, "{engine}: the neuron fires");
    }
}

#[test]
fn extra_columns_are_ignored_and_dt_must_match_the_rows() {
    let dir = TempDir::new().unwrap();
    let input = write(
        &dir,
        "in.csv",
        "note,t_ms,i_uA_per_cm2\na,0,10\nb,0.05,10\nc,0.1,10\n",
    );
    let out = dir.path().join("out.csv");
    neurofuse()
        .args(["neuron", "--input", &input, "--engine", "fixed", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(read_trace(&out).len(), 3);
    neurofuse()
        .args([
            "neuron", "--input", &input, "--engine", "float", "--dt", "0.025", "--out",
        ])
        .arg(&out)
        .assert()
        .failure()
        .stderr(contains("in.csv").and(contains("0.050000 ms apart but --dt is 0.025")));
}

use predicates::prelude::PredicateBooleanExt;

fn fails_with(input_text: &str, expected: &[&str]) {
    let dir = TempDir::new().unwrap();
    let input = write(&dir, "in.csv", input_text);
    let out = dir.path().join("out.csv");
    let assert = neurofuse()
        .args(["neuron", "--input", &input, "--engine", "float", "--out"])
        .arg(&out)
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    for e in expected {
        assert!(stderr.contains(e), "stderr lacks {e:?}:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists(), "no output file after an error");
}

#[test]
fn missing_column_names_the_column() {
    fails_with(
        "t_ms,current\n0,1\n",
        &[
            "in.csv",
            "line 1",
            "missing column `i_uA_per_cm2`",
            "t_ms, current",
        ],
    );
}

#[test]
fn non_numeric_cell_names_line_and_column() {
    fails_with(
        "t_ms,i_uA_per_cm2\n0,1\n0.025,abc\n",
        &[
            "in.csv",
            "line 3",
            "`i_uA_per_cm2`",
            "'abc' is not a number",
        ],
    );
}

#[test]
fn non_uniform_step_names_the_line() {
    fails_with(
        "t_ms,i_uA_per_cm2\n0,1\n0.025,1\n0.05,1\n0.1,1\n",
        &["in.csv", "line 5", "non-uniform time step"],
    );
}

#[test]
fn time_must_increase() {
    fails_with(
        "t_ms,i_uA_per_cm2\n0.05,1\n0.025,1\n",
        &["line 3", "time must increase"],
    );
}

#[test]
fn empty_files() {
    fails_with("", &["in.csv", "empty"]);
    fails_with("t_ms,i_uA_per_cm2\n", &["in.csv", "no data rows"]);
}

#[test]
fn missing_input_and_unwritable_output() {
    neurofuse()
        .args([
            "neuron",
            "--input",
            "/nonexistent/in.csv",
            "--engine",
            "float",
            "--out",
            "/tmp/x.csv",
        ])
        .assert()
        .failure()
        .stderr(contains("/nonexistent/in.csv: cannot open"));
    neurofuse()
        .args([
            "neuron",
            "--input",
            &reference("step_2.csv"),
            "--engine",
            "float",
            "--out",
            "/nonexistent/dir/out.csv",
        ])
        .assert()
        .failure()
        .stderr(contains("/nonexistent/dir/out.csv"));
}

#[test]
fn bad_channel_file_is_reported_through_the_cli() {
    let dir = TempDir::new().unwrap();
    let channels = write(
        &dir,
        "bad.toml",
        "name = \"x\"\n[[channel]]\nname = \"leak\"\nconductance = 0.3\n",
    );
    neurofuse()
        .args([
            "neuron",
            "--input",
            &reference("step_2.csv"),
            "--engine",
            "float",
            "--out",
            "/tmp/unused.csv",
            "--channels",
            &channels,
        ])
        .assert()
        .failure()
        .stderr(contains("bad.toml").and(contains("missing field `reversal`")));
}

#[test]
fn custom_channel_file_runs_on_both_engines() {
    let dir = TempDir::new().unwrap();
    let text = std::process::Command::new(env!("CARGO_BIN_EXE_neurofuse"))
        .args(["channels", "hh_squid"])
        .output()
        .unwrap()
        .stdout;
    // Half the sodium conductance: a different neuron, so a different trace.
    let text = String::from_utf8(text)
        .unwrap()
        .replace("conductance = 120.0", "conductance = 60.0");
    let channels = write(&dir, "mine.toml", &text);
    for engine in ["float", "fixed"] {
        let (base, mine) = (
            dir.path().join(format!("{engine}-base.csv")),
            dir.path().join(format!("{engine}-mine.csv")),
        );
        for (out, extra) in [
            (&base, vec![]),
            (&mine, vec!["--channels", channels.as_str()]),
        ] {
            neurofuse()
                .args([
                    "neuron",
                    "--input",
                    &reference("step_10.csv"),
                    "--engine",
                    engine,
                    "--out",
                ])
                .arg(out)
                .args(&extra)
                .assert()
                .success();
        }
        assert_ne!(
            read_trace(&base),
            read_trace(&mine),
            "{engine}: the channel file was not used"
        );
    }
}

#[test]
fn chip_limits_are_explained() {
    let dir = TempDir::new().unwrap();
    let text = String::from_utf8(
        std::process::Command::new(env!("CARGO_BIN_EXE_neurofuse"))
            .args(["channels", "hh_squid"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .replace("conductance = 120.0", "conductance = 200.0");
    let channels = write(&dir, "strong.toml", &text);
    neurofuse()
        .args([
            "neuron",
            "--input",
            &reference("step_2.csv"),
            "--engine",
            "fixed",
            "--out",
            "/tmp/unused.csv",
            "--channels",
            &channels,
        ])
        .assert()
        .failure()
        .stderr(contains("channel 'na'").and(contains("200 mS/cm^2 exceeds the chip's maximum")));
}

#[test]
fn precision_is_for_the_float_engine() {
    neurofuse()
        .args([
            "neuron",
            "--input",
            &reference("step_2.csv"),
            "--engine",
            "fixed",
            "--precision",
            "f32",
            "--out",
            "/tmp/unused.csv",
        ])
        .assert()
        .failure()
        .stderr(contains("--precision applies to --engine float only"));
}

#[test]
fn bench_b1_prints_one_json_line() {
    // The full workload in a test build takes seconds; the keys are what is checked here.
    let out = neurofuse()
        .args(["bench", "b1", "--engine", "fixed", "--repeat", "1"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert_eq!(stdout.lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    for key in ["engine", "precision", "run_s", "updates_per_s", "spikes"] {
        assert!(v.get(key).is_some(), "missing {key}: {stdout}");
    }
    // B1's 10,000 neurons at 5..15 uA/cm^2 fire about 65,000 spikes in 100 ms.
    let spikes = v["spikes"].as_u64().unwrap();
    assert!((60_000..70_000).contains(&spikes), "{spikes}");
}

#[test]
fn bench_b3_prints_forward_and_backward_times() {
    let run = |precision: &str| -> serde_json::Value {
        let out = neurofuse()
            .args(["bench", "b3", "--precision", precision, "--repeat", "1"])
            .assert()
            .success();
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert_eq!(stdout.lines().count(), 1);
        serde_json::from_str(stdout.trim()).unwrap()
    };
    let (single, double) = (run("f32"), run("f64"));
    for key in ["fwd_s", "fwd_bwd_s", "loss", "grad_norm", "kernel"] {
        assert!(single.get(key).is_some(), "missing {key}: {single}");
    }
    assert_eq!(single["kernel"], "hh_squid");
    // The two precisions compute the same gradient independently.
    let (a, b) = (
        single["grad_norm"].as_f64().unwrap(),
        double["grad_norm"].as_f64().unwrap(),
    );
    assert!(a > 1.0 && ((a - b) / b).abs() < 1e-3, "f32 {a}, f64 {b}");
    neurofuse()
        .args(["bench", "b3", "--engine", "fixed"])
        .assert()
        .failure()
        .stderr(contains(
            "b3 (gradients) runs on the float and cuda engines only",
        ));
}

#[test]
fn the_gpu_engine_runs_b1_and_b3_or_says_there_is_no_gpu() {
    for workload in ["b1", "b3"] {
        let out = neurofuse()
            .args(["bench", workload, "--engine", "cuda", "--repeat", "1"])
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        if out.status.success() {
            let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
            assert!(v["kernel"].as_str().unwrap().starts_with("cuda ("), "{v}");
        } else {
            eprintln!("SKIPPED: the {workload} launch (no GPU here); checked the error instead");
            assert!(stderr.contains("no CUDA device"), "{stderr}");
        }
    }
    neurofuse()
        .args(["bench", "b2", "--engine", "cuda"])
        .assert()
        .failure()
        .stderr(contains("b2 on --engine cuda"));
}
