//! Exports the core's and the chip's Verilog (from `hdl`, the chip for `builtin:small`) and
//! verilates both. Without Verilator the crate still builds; its RTL tests then report that
//! they were skipped. With NEUROFUSE_REQUIRE_VERILATOR=1 (CI) a missing Verilator is a build
//! error.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(has_verilator)");
    println!("cargo::rerun-if-changed=build.rs");
    let Some(verilator) = vlbuild::Verilator::detect() else {
        println!(
            "cargo::warning=Verilator not found: the RTL engine and the RTL tests are unavailable (tools/install-hdl-tools.sh installs it)"
        );
        return;
    };
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("rtl");
    let config = chip::ChipConfig::builtin("small").expect("the built-in small chip");
    let exported =
        hdl::export::export(&out, None, &config).expect("export the core's and chip's Verilog");
    let core = vlbuild::Model::new(
        hdl::export::TOP,
        &[exported.waivers.as_path(), exported.verilog.as_path()],
    )
    .trace(true);
    let mut chip_files = vec![exported.waivers.as_path()];
    chip_files.extend(exported.chip.iter().map(|p| p.as_path()));
    let chip = vlbuild::Model::new(hdl::chip_top::CHIP_TOP, &chip_files).trace(true);
    vlbuild::build(&verilator, &[core, chip]);
}
