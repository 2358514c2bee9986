//! What the CUDA tests share: tool detection (skipping loudly), the channel sets every
//! kernel is checked for, and the PTX check for exact arithmetic.

#![allow(dead_code)] // each test file uses its part

use std::path::{Path, PathBuf};
use std::process::Command;

use channels::ChannelSet;

pub fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

/// Whether NVRTC is usable; a missing NVRTC fails the test when it is required.
pub fn nvrtc_available() -> bool {
    match gpu::cuda::nvrtc::load_nvrtc() {
        Ok(()) => true,
        Err(e) if required("NEUROFUSE_REQUIRE_NVRTC") => {
            panic!("NEUROFUSE_REQUIRE_NVRTC=1 but {e} (run tools/install-nvrtc.sh)")
        }
        Err(e) => {
            eprintln!("SKIPPED: {e} (run tools/install-nvrtc.sh)");
            false
        }
    }
}

/// Every gate kind and function of the rate language, a negative power, a capacitance
/// other than 1 and a leak: what no built-in channel set has.
pub const CUSTOM: &str = r#"
name = "custom_cuda"
capacitance = 0.9

[constants]
VT = -60.0

[[channel]]
name = "na"
conductance = 80.0
reversal = 55.0

[[channel.gate]]
name = "m"
power = 3
alpha = "0.32 * vtrap(-(V - VT - 13), 4)"
beta = "0.28 * 5 / exprel((V - VT - 40) / 5)"

[[channel.gate]]
name = "h"
power = 1
inf = "1 / (1 + exp((V + 62) / 6.5))"
tau = "max(0.3, 1 + 10 * sqrt(abs(V + 60) / 40) * exp(-abs(V + 60) / 20))"

[[channel]]
name = "k"
conductance = 25.0
reversal = -85.0

[[channel.gate]]
name = "w"
power = 2
inf = "0.5 * (1 + tanh((V + 35) / 10))"
tau = "min(8, 1 + 4 * (2 + tanh(V / 20))^-1)"

[[channel]]
name = "leak"
conductance = 0.1
reversal = -65.0
"#;

pub fn custom_set() -> ChannelSet {
    ChannelSet::from_toml(CUSTOM, "custom_cuda.toml").unwrap()
}

/// Every built-in channel set and the custom one.
pub fn all_sets() -> Vec<ChannelSet> {
    let mut sets: Vec<ChannelSet> = channels::builtin_names()
        .into_iter()
        .map(|n| ChannelSet::builtin(n).unwrap())
        .collect();
    sets.push(custom_set());
    sets
}

/// Compiled with `--fmad=false` and without fast math: every add, subtract and multiply
/// rounds on its own (`.rn`, which ptxas may not fuse), the only FMAs are the explicit ones,
/// and nothing is approximate or flushes subnormals.
pub fn assert_exact_arithmetic(name: &str, ptx: &str) {
    for ty in ["f32", "f64"] {
        assert!(ptx.contains(&format!("fma.rn.{ty}")), "{name}: no {ty} FMA");
        for op in ["add", "sub", "mul", "div", "sqrt"] {
            let loose = format!("{op}.{ty}");
            assert!(!ptx.contains(&loose), "{name}: `{loose}` may be contracted");
        }
    }
    for word in [".approx", ".ftz", "mad.f", "mad.rn"] {
        assert!(!ptx.contains(word), "{name}: `{word}` in the PTX");
    }
}

/// Compiles `source` (as `kernels.cu` in `dir`) with the driver `tests/cuda/{driver}` into an
/// executable, with g++ (or `$CXX`), or says why it cannot: `None` (skipped) without a
/// compiler unless `NEUROFUSE_REQUIRE_GXX=1`.
pub fn build_with_gxx(source: &str, driver: &str, dir: &Path, what: &str) -> Option<PathBuf> {
    let gxx = std::env::var("CXX").unwrap_or_else(|_| "g++".into());
    if Command::new(&gxx).arg("--version").output().is_err() {
        assert!(
            !required("NEUROFUSE_REQUIRE_GXX"),
            "NEUROFUSE_REQUIRE_GXX=1 but {gxx} cannot be run"
        );
        eprintln!("SKIPPED: {gxx} not found, the host build of the CUDA kernels is not checked");
        return None;
    }
    std::fs::write(dir.join("kernels.cu"), source).unwrap();
    let driver = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cuda")
        .join(driver);
    let exe = dir.join(driver.file_stem().unwrap());
    // -ffp-contract=off: the CPU backend never fuses a multiply and an add on its own.
    let out = Command::new(&gxx)
        .args([
            "-std=c++17",
            "-O2",
            "-ffp-contract=off",
            "-Wall",
            "-Werror",
            "-I",
        ])
        .arg(dir)
        .arg(&driver)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{what}: g++ failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(exe)
}
