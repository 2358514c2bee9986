//! `neurofuse train`: the digits classifier trains to the accuracy the README states, its
//! export is the network that was evaluated, and bad options are refused by name.

use assert_cmd::Command;
use predicates::str::contains;

fn neurofuse() -> Command {
    Command::cargo_bin("neurofuse").unwrap()
}

fn kept_test_accuracy(summary: &serde_json::Value, model: usize) -> f64 {
    summary["models"][model]["kept"]["test_accuracy"]
        .as_f64()
        .unwrap()
}

#[test]
fn a_quick_run_writes_every_output_and_the_export_is_the_evaluated_network() {
    let dir = tempfile::tempdir().unwrap();
    neurofuse()
        .args([
            "train",
            "--epochs",
            "2",
            "--train-images",
            "160",
            "--hidden",
            "16",
        ])
        .args(["--noise", "0,0.3", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains("hh epoch  2:"))
        .stdout(contains("lif epoch  2:"))
        .stdout(contains("accuracy on the test set against input noise"));
    for file in [
        "hh/network.json",
        "hh/network.safetensors",
        "lif/network.safetensors",
        "noise.csv",
        "noise.svg",
        "training.json",
        "training.svg",
    ] {
        assert!(dir.path().join(file).exists(), "{file} missing");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("training.json")).unwrap())
            .unwrap();
    // The exported network, re-evaluated from disk, scores what training reported.
    let (net, manifest) = train::export::load(&dir.path().join("hh")).unwrap();
    let spec: train::classifier::ClassifierSpec =
        serde_json::from_value(manifest.task["classifier"].clone()).unwrap();
    let (_, _, test) = neurofuse::training::split();
    let test = train::classifier::digit_examples(&spec, &test, None);
    let acc = train::fit::accuracy(&net, &spec, &test, 2);
    assert_eq!(acc, kept_test_accuracy(&summary, 0));
    let noise = std::fs::read_to_string(dir.path().join("noise.csv")).unwrap();
    let rows: Vec<&str> = noise.lines().collect();
    assert_eq!(rows[0], "sigma,hh,lif");
    assert!(rows[1].starts_with(&format!("0,{acc:.4},")), "{noise}");
}

/// The README's figure: at least 90 % on the held-out test set, HH neurons, CPU, default
/// settings (about a minute on two cores).
#[test]
fn the_default_hh_classifier_reaches_90_percent_on_the_test_set() {
    let dir = tempfile::tempdir().unwrap();
    neurofuse()
        .args(["train", "--no-lif", "--noise", "0", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("training.json")).unwrap())
            .unwrap();
    let acc = kept_test_accuracy(&summary, 0);
    assert!(acc >= 0.90, "test accuracy {acc}");
}

#[test]
fn bad_options_are_refused_by_name() {
    for (args, message) in [
        (
            vec!["--noise", "0,-0.2"],
            "--noise: -0.2 is not a standard deviation",
        ),
        (
            vec!["--epochs", "0"],
            "--epochs and --hidden must be at least 1",
        ),
        (
            vec!["--train-images", "0"],
            "--train-images must be at least 1",
        ),
    ] {
        neurofuse()
            .arg("train")
            .args(args)
            .args(["--out", "/tmp/neurofuse-never-written"])
            .assert()
            .failure()
            .stderr(contains(message));
    }
}
