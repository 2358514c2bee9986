//! `neurofuse chip`: a configuration summarized, or refused with the field named.

use assert_cmd::Command;
use predicates::str::contains;

#[test]
fn summarizes_the_brainfuse_scale_configuration() {
    Command::cargo_bin("neurofuse")
        .unwrap()
        .args(["chip", "builtin:brainfuse"])
        .assert()
        .success()
        .stdout(contains("40960 in all"))
        .stdout(contains("100663280 in all"));
}

#[test]
fn refuses_a_bad_file_naming_it_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chip.toml");
    // The edit below must change the shipped file.
    assert_eq!(
        chip::ChipConfig::builtin("small").unwrap().core.neurons,
        256
    );
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/chip/configs/small.toml"
    ))
    .unwrap()
    .replace("neurons = 256", "neurons = 3000");
    std::fs::write(&path, source).unwrap();
    Command::cargo_bin("neurofuse")
        .unwrap()
        .arg("chip")
        .arg(&path)
        .assert()
        .failure()
        .stderr(contains(
            "chip.toml: field `core.neurons` = 3000: expected a power of two",
        ));
}
