//! Icarus Verilog as a second simulator for Verilog test benches (`tests/icarus.rs`,
//! `tests/mesh_icarus.rs`): find it, compile, run, return what the bench printed.

use std::path::Path;
use std::process::Command;

/// Whether `iverilog` and `vvp` run here. Without them the caller skips, loudly; with
/// NEUROFUSE_REQUIRE_VERILATOR set (CI) their absence is a failure instead.
pub fn available() -> bool {
    let have = |tool: &str| Command::new(tool).arg("-V").output().is_ok();
    if have("iverilog") && have("vvp") {
        return true;
    }
    assert!(
        std::env::var("NEUROFUSE_REQUIRE_VERILATOR").is_err(),
        "the hardware tools are required but iverilog/vvp are missing"
    );
    eprintln!("SKIPPED: Icarus Verilog is not installed (tools/install-hdl-tools.sh)");
    false
}

/// Compiles `files` in `dir` with top module `top` and `parameters` (`name=value`, set on
/// the top), runs the result and returns its standard output. Panics with the tool's
/// messages when either step fails.
pub fn run(dir: &Path, top: &str, files: &[&str], parameters: &[String]) -> String {
    let mut compile = Command::new("iverilog");
    compile
        .current_dir(dir)
        .args(["-g2012", "-s", top, "-o", "bench.vvp"]);
    for p in parameters {
        compile.args(["-P", &format!("{top}.{p}")]);
    }
    let compiled = compile.args(files).output().expect("run iverilog");
    assert!(
        compiled.status.success(),
        "iverilog: {}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let run = Command::new("vvp")
        .current_dir(dir)
        .args(["-n", "bench.vvp"])
        .output()
        .expect("run vvp");
    assert!(
        run.status.success(),
        "vvp: {}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stdout).expect("the bench prints text")
}
