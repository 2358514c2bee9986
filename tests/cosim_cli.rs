//! `neurofuse cosim`: the random-network health check passes, an injected fault is caught,
//! located and leaves its VCDs, and images the RTL chip cannot hold are refused.

use assert_cmd::Command;
use predicates::str::contains;
use tempfile::TempDir;

fn neurofuse() -> Command {
    Command::cargo_bin("neurofuse").unwrap()
}

#[test]
fn a_random_network_agrees_and_a_fault_is_caught_with_its_vcds() {
    if !testbench::rtl_available() {
        return;
    }
    let dir = TempDir::new().unwrap();
    let ok = dir.path().join("ok");
    neurofuse()
        .args([
            "cosim",
            "--random-network",
            "--seed",
            "5",
            "--ticks",
            "200",
            "--out",
        ])
        .arg(&ok)
        .assert()
        .success()
        .stdout(contains("RTL and sim agree on 200 ticks"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ok.join("cosim.json")).unwrap()).unwrap();
    assert!(report["divergence"].is_null());
    assert!(report["spikes"].as_u64().unwrap() > 0);
    assert!(report["cycles_per_tick_mean"].as_f64().unwrap() > 50.0 + 16.0);
    assert!(report["float_reference"]["float_spikes"].as_u64().is_some());
    assert!(ok.join("raster.svg").exists() && ok.join("image/image.json").exists());

    let bad = dir.path().join("bad");
    neurofuse()
        .args(["cosim", "--random-network", "--seed", "5", "--ticks", "200"])
        .args(["--inject-fault", "3", "--state-every", "5", "--out"])
        .arg(&bad)
        .assert()
        .failure()
        .stderr(contains("RTL and sim diverge at tick"))
        .stderr(contains("core 3, neuron"));
    for vcd in [
        "divergence_rtl_signals.vcd",
        "divergence_rtl_state.vcd",
        "divergence_sim_state.vcd",
    ] {
        let text = std::fs::read_to_string(bad.join(vcd)).unwrap();
        assert!(text.contains("$enddefinitions"), "{vcd}");
    }
    // The RTL's and the model's state VCDs share their declarations and differ in values.
    let header = |name: &str| {
        let text = std::fs::read_to_string(bad.join(name)).unwrap();
        let end = text.find("$enddefinitions").unwrap();
        (text[..end].to_string(), text[end..].to_string())
    };
    let (rtl_head, rtl_body) = header("divergence_rtl_state.vcd");
    let (sim_head, sim_body) = header("divergence_sim_state.vcd");
    assert_eq!(rtl_head, sim_head);
    assert_ne!(rtl_body, sim_body);
}

#[test]
fn images_the_rtl_chip_cannot_hold_and_bad_arguments_are_refused() {
    let dir = TempDir::new().unwrap();
    neurofuse()
        .args(["cosim", "--out"])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(contains("give an image directory, or --random-network"));
    neurofuse()
        .args(["cosim", "--random-network", "--input-rate=-3", "--out"])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(contains("--input-rate -3: expected a rate in Hz"));
    if !testbench::rtl_available() {
        return;
    }
    neurofuse()
        .args(["cosim", "--random-network", "--inject-fault", "9", "--out"])
        .arg(dir.path().join("fault"))
        .assert()
        .failure()
        .stderr(contains(
            "cannot inject a fault at core 9: the chip has cores 0 to 3",
        ));
    let image = dir.path().join("big");
    neurofuse()
        .args([
            "image",
            "--network",
            "random:1",
            "--config",
            "builtin:brainfuse",
            "--out",
        ])
        .arg(&image)
        .assert()
        .success();
    neurofuse()
        .arg("cosim")
        .arg(&image)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .failure()
        .stderr(contains("the image is for 8 x 5 cores of 1024 neurons"))
        .stderr(contains("this RTL chip is 2 x 2"));
}
