//! Chip images on disk: a saved image loads back identical; every kind of damage is an
//! error naming the file and the problem, never a partial image.

use std::path::Path;

use chip::{ChipConfig, ChipImage};
use network::random::RandomNetwork;

fn image() -> ChipImage {
    let net = RandomNetwork::default().build();
    let config = ChipConfig::builtin("small").unwrap();
    compiler::compile(&net, &config).unwrap().image
}

fn saved() -> (tempfile::TempDir, ChipImage) {
    let dir = tempfile::tempdir().unwrap();
    let image = image();
    image.save(dir.path()).unwrap();
    (dir, image)
}

fn load_error(dir: &Path) -> String {
    ChipImage::load(dir).unwrap_err().to_string()
}

fn edit_manifest(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("image.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut m);
    std::fs::write(&path, serde_json::to_string(&m).unwrap()).unwrap();
}

#[test]
fn a_saved_image_loads_back_identical() {
    let (dir, image) = saved();
    assert_eq!(ChipImage::load(dir.path()).unwrap(), image);
    // Every memory has its file, and synapse words have the configuration's entry width.
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("image.json")).unwrap())
            .unwrap();
    let synapses = m["memories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "core0.synapses")
        .unwrap();
    assert_eq!(
        synapses["width"].as_u64().unwrap(),
        u64::from(image.config.synapse_entry_bits())
    );
    let hex = tempfile::tempdir().unwrap();
    let files = image.write_readmemh(hex.path()).unwrap();
    let v = std::fs::read_to_string(hex.path().join("core0.v.hex")).unwrap();
    assert_eq!(v.lines().count(), image.cores[0].neurons());
    // 20-bit words: five hex digits; V = -65 mV or so is negative, two's complement.
    let first = i64::from_str_radix(v.lines().next().unwrap(), 16).unwrap();
    assert_eq!(
        ((first << 44) >> 44) as i32,
        image.cores[0].v[0],
        "{files:?}"
    );
}

#[test]
fn a_wrong_version_is_refused() {
    let (dir, _) = saved();
    edit_manifest(dir.path(), |m| m["version"] = 7.into());
    let e = load_error(dir.path());
    assert!(
        e.ends_with(
            "image.json: field `version` = 7: this neurofuse reads chip images of version 1"
        ),
        "{e}"
    );
    edit_manifest(dir.path(), |m| m["format"] = "something else".into());
    assert!(load_error(dir.path()).contains("field `format`: expected \"neurofuse-chip-image\""));
}

#[test]
fn a_truncated_memory_is_refused() {
    let (dir, _) = saved();
    let path = dir.path().join("core1.synapses.bin");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    let e = load_error(dir.path());
    assert!(
        e.contains("core1.synapses.bin: ") && e.contains(": truncated"),
        "{e}"
    );
}

#[test]
fn a_corrupted_memory_is_refused() {
    let (dir, _) = saved();
    let path = dir.path().join("core2.v.bin");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let e = load_error(dir.path());
    assert!(
        e.contains("core2.v.bin: CRC-32") && e.contains("corrupt"),
        "{e}"
    );
}

#[test]
fn a_missing_memory_is_refused() {
    let (dir, _) = saved();
    std::fs::remove_file(dir.path().join("core3.route_entries.bin")).unwrap();
    let e = load_error(dir.path());
    assert!(
        e.contains("core3.route_entries.bin: cannot read memory `core3.route_entries`"),
        "{e}"
    );
    let (dir, _) = saved();
    edit_manifest(dir.path(), |m| {
        m["memories"]
            .as_array_mut()
            .unwrap()
            .retain(|x| x["name"] != "core0.bias")
    });
    assert!(load_error(dir.path()).contains("memory `core0.bias` is missing"));
}

#[test]
fn an_image_that_does_not_fit_its_configuration_is_refused() {
    let (dir, image) = saved();
    // The same memories declared for a chip with 16 neurons per core.
    let small = image
        .config
        .to_toml()
        .replace("neurons = 256", "neurons = 16");
    edit_manifest(dir.path(), |m| m["config"] = small.into());
    let e = load_error(dir.path());
    assert!(e.contains("image.json: "), "{e}");
    assert!(
        e.contains("bits wide") || e.contains("neurons: a core of"),
        "{e}"
    );

    let mut bad = image.clone();
    bad.cores[0].synapses[0].target = 255;
    let e = bad.validate().unwrap_err().to_string();
    let held = image.cores[0].neurons();
    assert!(
        e.contains(&format!("core 0: synapse 0: target neuron 255 of {held}")),
        "{e}"
    );
    let mut bad = image.clone();
    bad.cores[1].routes.entries[0].axon = 5000;
    let e = bad.validate().unwrap_err().to_string();
    assert!(
        e.contains("core 1: routes: entry 0 goes to axon 5000 of core"),
        "{e}"
    );
    let mut bad = image;
    bad.cores.pop();
    let e = bad.validate().unwrap_err().to_string();
    assert!(
        e.contains("3 cores: the configuration 'small' has 4 (2 x 2)"),
        "{e}"
    );
}

#[test]
fn a_broken_manifest_is_refused() {
    let (dir, _) = saved();
    std::fs::write(dir.path().join("image.json"), "{ not json").unwrap();
    assert!(load_error(dir.path()).contains("image.json: not valid JSON"));
    let e = load_error(&dir.path().join("nowhere"));
    assert!(e.contains("cannot read the chip image's manifest"), "{e}");
    let (dir, _) = saved();
    edit_manifest(dir.path(), |m| m["extra"] = 1.into());
    assert!(load_error(dir.path()).contains("unknown field `extra`"));
    let (dir, _) = saved();
    edit_manifest(dir.path(), |m| m["memories"][0]["file"] = "../x.bin".into());
    assert!(load_error(dir.path()).contains("must be a plain name"));
}

#[test]
fn integrate_and_fire_networks_are_refused() {
    let net = network::lif::network("lif", 4, 10.0, -65.0, -50.0).unwrap();
    let err = compiler::compile(&net, &ChipConfig::builtin("small").unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("reset_mv = -65") && err.contains("the chip's HH neurons do not have"),
        "{err}"
    );
}
