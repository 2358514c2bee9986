//! `neurofuse compile` and `neurofuse evaluate` on the shipped trained digits classifier
//! (data/trained/digits-hh): the image it compiles to, the accuracy on the float reference,
//! the chip model and the verilated chip, and every refusal.

use std::path::{Path, PathBuf};
use std::time::Instant;

use assert_cmd::Command;
use chip::{ChipConfig, ChipImage};
use neurofuse::evaluate::{self, Engine};
use predicates::str::contains;

fn neurofuse() -> Command {
    Command::cargo_bin("neurofuse").unwrap()
}

fn digits_hh() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/trained/digits-hh")
}

/// builtin:small with `edit` applied, written to `dir/NAME.toml`.
fn config_file(dir: &Path, name: &str, edit: impl FnOnce(&mut ChipConfig)) -> PathBuf {
    let mut c = ChipConfig::builtin("small").unwrap();
    c.name = name.into();
    edit(&mut c);
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, c.to_toml()).unwrap();
    path
}

/// A copy of the shipped export in `dir/NAME`.
fn copy_export(dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::create_dir_all(&to).unwrap();
    for f in ["network.json", "network.safetensors"] {
        std::fs::copy(digits_hh().join(f), to.join(f)).unwrap();
    }
    to
}

// builtin:small is the chip the RTL is built for (so sim and RTL run the same image), and
// holds the classifier with room to spare: 74 neurons partitioned over its four 256-neuron
// cores (at most 20 each: the mean, 19, plus the default 5 % imbalance), each core's
// synapses (at most 20 neurons x 128) far below 16,384.
#[test]
fn the_trained_digits_classifier_compiles_for_the_small_chip_and_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("image");
    let output = neurofuse()
        .arg("compile")
        .arg(digits_hh())
        .args(["--config", "builtin:small", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let image = ChipImage::load(&out).unwrap();
    // The saved image is what compiling the loaded network gives.
    let (net, manifest) = train::export::load(&digits_hh()).unwrap();
    let config = ChipConfig::builtin("small").unwrap();
    let compiled = compiler::compile(&net, &config).unwrap();
    assert_eq!(image, compiled.image);
    assert_eq!(manifest.dt_ms, config.timing.dt_ms);
    let neurons: Vec<usize> = image.cores.iter().map(|c| c.neurons()).collect();
    assert_eq!(neurons.iter().sum::<usize>(), 74);
    assert!(neurons.iter().all(|&n| n <= 20), "{neurons:?}");
    let synapses: usize = image.cores.iter().map(|c| c.synapses.len()).sum();
    assert_eq!(synapses, net.synapses.len() + net.input_synapses.len());
    // The report: per core, what the loaded image holds, against builtin:small's capacity.
    for (k, core) in image.cores.iter().enumerate() {
        let line = format!(
            "core {k}: neurons {}/256 ({:.1} %), axons {}/1024",
            core.neurons(),
            100.0 * core.neurons() as f64 / 256.0,
            core.axons.len()
        );
        assert!(stdout.contains(&line), "missing `{line}` in:\n{stdout}");
        assert!(stdout.contains(&format!("synapses {}/16384", core.synapses.len())));
    }
    assert!(stdout.contains(
        "network `classifier`: 74 neurons, 1280 synapses, 64 inputs with 8192 input synapses"
    ));
    for (q, rec) in compiled.quantization.receptors.iter().zip(["exc", "inh"]) {
        assert_eq!(q.name, rec);
        assert!(stdout.contains(&format!(
            "receptor `{rec}`: {} synapses, weight step {:.3e} (shift {}), total weight error {:.4} %, worst single weight {:.1} %, {} rounded to zero",
            q.synapses,
            q.step,
            q.shift,
            100.0 * q.weighted_relative_error,
            100.0 * q.max_relative_error,
            q.zeroed
        )));
    }
    assert!(stdout.contains(&format!("image written to {}", out.display())));
    // Traffic against the naive placement, and the picture of both.
    let (t, b) = (&compiled.traffic, &compiled.baseline);
    assert!(t.inter_core <= b.inter_core);
    assert!(
        stdout.contains(&format!(
            "inter-core packets {} ({}, ",
            t.inter_core, b.inter_core
        )),
        "{stdout}"
    );
    let picture = std::fs::read_to_string(out.join("placement.svg")).unwrap();
    assert!(
        picture.starts_with("<svg"),
        "{}",
        &picture[..80.min(picture.len())]
    );
    assert!(picture.contains(&format!("{} inter-core packets", b.inter_core)));
    assert!(picture.contains(&format!("{} inter-core packets", t.inter_core)));
    assert!(stdout.contains(&format!(
        "placement picture: {}",
        out.join("placement.svg").display()
    )));
}

#[test]
fn the_naive_placement_is_available_and_imbalance_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("image");
    neurofuse()
        .arg("compile")
        .arg(digits_hh())
        .args(["--placer", "spread", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(contains("inter-core packets 57 (57, +0.0 %)"));
    let image = ChipImage::load(&out).unwrap();
    let neurons: Vec<usize> = image.cores.iter().map(|c| c.neurons()).collect();
    assert_eq!(neurons, vec![19, 19, 19, 17], "index order, spread evenly");
    // A large imbalance lets the small classifier gather on one core: no packet crosses.
    neurofuse()
        .arg("compile")
        .arg(digits_hh())
        .args(["--imbalance", "3", "--out"])
        .arg(dir.path().join("gathered"))
        .assert()
        .success()
        .stdout(contains("inter-core packets 0 (57, -100.0 %)"))
        .stdout(contains("resources: 1 of 4 cores used"));
    neurofuse()
        .arg("compile")
        .arg(digits_hh())
        .args(["--placer", "spread", "--imbalance", "0.2", "--out"])
        .arg(dir.path().join("never"))
        .assert()
        .failure()
        .stderr(contains(
            "--imbalance is the partitioner's; --placer spread does not use it",
        ));
    neurofuse()
        .arg("compile")
        .arg(digits_hh())
        .args(["--imbalance=-1", "--out"])
        .arg(dir.path().join("never"))
        .assert()
        .failure()
        .stderr(contains(
            "imbalance -1: expected a finite number >= 0 (0.05 lets a core hold 5 % more than the mean)",
        ));
}

#[test]
fn compile_refusals_name_the_file_the_field_and_the_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let compile = |network: &Path, config: &Path| {
        let mut c = neurofuse();
        c.arg("compile")
            .arg(network)
            .arg("--config")
            .arg(config)
            .arg("--out")
            .arg(d.join("never"));
        c.assert().failure()
    };

    // dt: the network was trained at 0.025 ms.
    let slow = config_file(d, "slow", |c| c.timing.dt_ms = 0.05);
    compile(&digits_hh(), &slow).stderr(contains(format!(
        "{}: dt_ms = 0.025, but chip 'slow' steps timing.dt_ms = 0.05",
        digits_hh().join("network.json").display()
    )));

    // Too few neurons: one 64-neuron core for 74 neurons.
    let one = config_file(d, "one", |c| {
        c.mesh.width = 1;
        c.mesh.height = 1;
        c.core.neurons = 64;
    });
    compile(&digits_hh(), &one).stderr(contains(
        "cannot compile network 'classifier' for chip 'one': 74 neurons, but the chip holds 64 (1 cores x 64)",
    ));
    // Too few synapse entries: 9,472 synapses on 4 cores of 2,048.
    let narrow = config_file(d, "narrow", |c| c.core.synapses = 2048);
    compile(&digits_hh(), &narrow).stderr(contains(
        "9472 synapses, but the chip holds 8192 (4 cores x 2048): use a larger mesh or raise `core.synapses`",
    ));
    // The naive placement overfills core 0: its 19 hidden neurons each listen to 64 inputs
    // through two receptors.
    neurofuse()
        .arg("compile")
        .arg(digits_hh())
        .arg("--config")
        .arg(&narrow)
        .args(["--placer", "spread", "--out"])
        .arg(d.join("never"))
        .assert()
        .failure()
        .stderr(contains(format!(
            "core 0 needs {} synapse entries, a core holds 2048",
            19 * 64 * 2
        )));
    // Enough synapse entries in all (9,600), but each neuron brings 128, so a core holds
    // 18 of them and 72 fit.
    let tight = config_file(d, "tight", |c| c.core.synapses = 2400);
    compile(&digits_hh(), &tight).stderr(contains(
        "(128 synapses) fits no core: each holds its 20 neurons or lacks room for 128 more synapses (of 2400 per core); spread the network over more cores or raise `core.synapses`",
    ));

    // An integrate-and-fire network, exported as `neurofuse train` exports it.
    let spec = train::classifier::ClassifierSpec::digits_lif();
    let lif = spec.build().unwrap();
    let lif_dir = d.join("lif");
    train::export::save(
        &lif,
        &lif_dir,
        spec.dt_ms,
        Vec::new(),
        serde_json::json!({}),
    )
    .unwrap();
    let small = config_file(d, "small", |_| {});
    compile(&lif_dir, &small)
        .stderr(contains(format!("{}: cannot compile", lif_dir.display())))
        .stderr(contains(
            "reset_mv = -65: integrate-and-fire neurons need a reset",
        ));

    // Damaged exports.
    compile(&d.join("absent"), &small).stderr(contains(format!(
        "{}: not a directory; expected an exported network (network.json and network.safetensors",
        d.join("absent").display()
    )));
    let truncated = copy_export(d, "truncated");
    let tensors = truncated.join("network.safetensors");
    let bytes = std::fs::read(&tensors).unwrap();
    std::fs::write(&tensors, &bytes[..bytes.len() / 2]).unwrap();
    compile(&truncated, &small)
        .stderr(contains("damaged or incomplete export"))
        .stderr(contains(format!("{}: ", tensors.display())));
    let no_manifest = copy_export(d, "no-manifest");
    std::fs::remove_file(no_manifest.join("network.json")).unwrap();
    compile(&no_manifest, &small).stderr(contains(format!(
        "{}: ",
        no_manifest.join("network.json").display()
    )));
    // A manifest that disagrees with its tensors: one neuron more.
    let grown = copy_export(d, "grown");
    let manifest = grown.join("network.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("\"neurons\": 74,"));
    std::fs::write(
        &manifest,
        text.replace("\"neurons\": 74,", "\"neurons\": 75,"),
    )
    .unwrap();
    compile(&grown, &small).stderr(contains(format!(
        "{}: tensor initial.v_mv: shape [74], expected [75]",
        grown.join("network.safetensors").display()
    )));
    let unknown = copy_export(d, "unknown-field");
    let manifest = unknown.join("network.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replacen("\"neurons\"", "\"neurones\"", 1)).unwrap();
    compile(&unknown, &small)
        .stderr(contains(format!("{}: ", manifest.display())))
        .stderr(contains("unknown field `neurones`"));
}

/// The shipped classifier, its spec and its image for builtin:small.
fn classifier() -> (
    network::Network,
    train::classifier::ClassifierSpec,
    ChipImage,
    serde_json::Value,
) {
    let config = ChipConfig::builtin("small").unwrap();
    let (net, manifest, compiled) = neurofuse::compile::compile_dir(&digits_hh(), &config).unwrap();
    let spec = evaluate::classifier_spec(&digits_hh(), &manifest, &net).unwrap();
    (net, spec, compiled.image, manifest.task)
}

#[test]
fn the_chip_model_classifies_the_whole_test_set_as_well_as_the_float_reference() {
    let (net, spec, image, task) = classifier();
    let examples = evaluate::digits_test_set(&spec, None);
    assert_eq!(examples.len(), 359);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let run = |engine| {
        evaluate::evaluate(engine, &net, &image, &spec, &examples, threads, &|| {}).unwrap()
    };
    let float = run(Engine::Float);
    let sim = run(Engine::Sim);
    eprintln!(
        "float {:.2} % ({}/359, {:.1} s), sim {:.2} % ({}/359, {:.1} s), same decision on {}/359",
        100.0 * float.accuracy(),
        float.right(),
        float.wall_s,
        100.0 * sim.accuracy(),
        sim.right(),
        sim.wall_s,
        sim.agreement(&float)
    );
    // The float reference reproduces the accuracy training measured and recorded.
    let trained = task["test_accuracy"].as_f64().unwrap();
    assert!(
        (float.accuracy() - trained).abs() < 1e-12,
        "float {} vs {trained} at export",
        float.accuracy()
    );
    assert!(
        (sim.accuracy() - float.accuracy()).abs() <= 0.01,
        "the chip model loses more than a point: sim {} vs float {}",
        sim.accuracy(),
        float.accuracy()
    );
}

#[test]
fn the_float_engine_is_the_float_reference_of_training() {
    let (net, spec, image, _) = classifier();
    let examples = evaluate::digits_test_set(&spec, Some(12));
    let e = evaluate::evaluate(Engine::Float, &net, &image, &spec, &examples, 2, &|| {}).unwrap();
    assert_eq!(
        e.accuracy(),
        train::fit::accuracy(&net, &spec, &examples, 2)
    );
}

#[test]
fn the_rtl_runs_test_images_spike_for_spike_like_the_chip_model() {
    if !testbench::rtl_available() {
        return;
    }
    let (_, spec, image, _) = classifier();
    let examples = evaluate::digits_test_set(&spec, Some(20));
    let start = Instant::now();
    let mut output_spikes = 0;
    for (k, e) in examples.iter().enumerate() {
        let rtl = evaluate::chip_spikes_rtl(&image, &e.stimulus, spec.ticks).unwrap();
        let sim = evaluate::chip_spikes_sim(&image, &e.stimulus, spec.ticks).unwrap();
        assert_eq!(rtl.len(), spec.ticks);
        for (t, (r, s)) in rtl.iter().zip(&sim).enumerate() {
            assert_eq!(r, s, "image {k}, tick {t}: RTL and sim spikes differ");
        }
        let network = evaluate::network_spikes(&image, &rtl).unwrap();
        output_spikes += network
            .iter()
            .flatten()
            .filter(|&&n| n as usize >= spec.first_output())
            .count();
    }
    // The outputs fire: the comparison covers the decisions, not only silence.
    assert!(
        output_spikes >= examples.len(),
        "{output_spikes} output spikes"
    );
    eprintln!(
        "RTL: {} images x {} ticks bit-exact with sim in {:.1} s",
        examples.len(),
        spec.ticks,
        start.elapsed().as_secs_f64()
    );
}

#[test]
fn evaluate_prints_each_engines_accuracy() {
    let out = neurofuse()
        .arg("evaluate")
        .arg(digits_hh())
        .args(["--engine", "float,sim", "--images", "6"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (net, spec, image, _) = classifier();
    let examples = evaluate::digits_test_set(&spec, Some(6));
    let float =
        evaluate::evaluate(Engine::Float, &net, &image, &spec, &examples, 2, &|| {}).unwrap();
    let sim = evaluate::evaluate(Engine::Sim, &net, &image, &spec, &examples, 2, &|| {}).unwrap();
    assert!(stdout.contains("6 test images of the digits, 1000 ticks each"));
    assert!(
        stdout.contains(&format!(
            "float accuracy {:.2} % ({}/6)",
            100.0 * float.accuracy(),
            float.right()
        )),
        "{stdout}"
    );
    assert!(stdout.contains(&format!(
        "sim   accuracy {:.2} % ({}/6)",
        100.0 * sim.accuracy(),
        sim.right()
    )));
    assert!(stdout.contains(&format!(
        "same decision as float on {}/6",
        sim.agreement(&float)
    )));
}

#[test]
fn evaluate_refusals_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    neurofuse()
        .arg("evaluate")
        .arg(digits_hh())
        .args(["--images", "0"])
        .assert()
        .failure()
        .stderr(contains("--images must be at least 1"));
    // The exported network without what it was trained for.
    let bare = copy_export(dir.path(), "bare");
    let manifest = bare.join("network.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    m["task"] = serde_json::json!({});
    std::fs::write(&manifest, m.to_string()).unwrap();
    neurofuse()
        .arg("evaluate")
        .arg(&bare)
        .assert()
        .failure()
        .stderr(contains(format!(
            "{}: task.classifier is missing",
            manifest.display()
        )));
    // A classifier spec that does not match the network.
    m["task"] = serde_json::json!({"task": "digits", "classifier": train::classifier::ClassifierSpec {
        hidden: 65,
        ..train::classifier::ClassifierSpec::digits()
    }});
    std::fs::write(&manifest, m.to_string()).unwrap();
    neurofuse()
        .arg("evaluate")
        .arg(&bare)
        .assert()
        .failure()
        .stderr(contains(format!(
            "{}: task.classifier.hidden + classes = 75, but the network has 74 neurons",
            manifest.display()
        )));
    if testbench::rtl_available() {
        // The verilated chip is builtin:small's 2 x 2 mesh.
        neurofuse()
            .arg("evaluate")
            .arg(digits_hh())
            .args(["--config", "builtin:tiny", "--engine", "rtl", "--images", "1"])
            .assert()
            .failure()
            .stderr(contains(
                "the verilated chip (built for builtin:small): the image is for 1 x 1 cores of 256 neurons, 8-packet FIFOs (chip 'tiny'); this RTL chip is 2 x 2 cores of 256 neurons, 8-packet FIFOs",
            ));
    }
}

#[test]
fn bench_partition_compares_with_the_naive_placement_and_draws_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = neurofuse()
        .args(["bench", "partition", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let cases = json["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    for case in cases {
        let (naive, partitioned) = (&case["baseline"], &case["partitioned"]);
        let packets = |t: &serde_json::Value| t["inter_core"].as_u64().unwrap();
        assert!(packets(partitioned) <= packets(naive), "{case}");
        if case["network"]
            .as_str()
            .unwrap()
            .starts_with("modular, shuffled")
        {
            assert!(packets(partitioned) * 5 < packets(naive), "{case}");
        }
    }
    for k in 0..5 {
        let svg = std::fs::read_to_string(dir.path().join(format!("placement-{k}.svg"))).unwrap();
        assert!(svg.starts_with("<svg"));
    }
    assert!(std::fs::read_to_string(dir.path().join("partition.svg"))
        .unwrap()
        .contains("Partitioned placement vs naive index order"));
    // Figures only where there are figures to draw.
    neurofuse()
        .args(["bench", "b1", "--out"])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(contains("--out: only compile and partition write figures"));
}
