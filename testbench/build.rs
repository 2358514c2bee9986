//! Exports the core's Verilog (from `hdl`) and verilates it. Without Verilator the crate
//! still builds; its RTL tests then report that they were skipped. With
//! NEUROFUSE_REQUIRE_VERILATOR=1 (CI) a missing Verilator is a build error.

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
    let exported = hdl::export::export(&out, None).expect("export the core's Verilog");
    let model = vlbuild::Model::new(
        hdl::export::TOP,
        &[exported.waivers.as_path(), exported.verilog.as_path()],
    )
    .trace(true);
    vlbuild::build(&verilator, &model);
}
