//! Exports the core's and the chip's Verilog (from `hdl`, the chip for `builtin:small`) and
//! verilates both. Without Verilator the crate still builds; its RTL tests then report that
//! they were skipped. With NEUROFUSE_REQUIRE_VERILATOR=1 (CI) a missing Verilator is a build
//! error.

/// The verilated compact core holds 2^COMPACT_NEURON_BITS neurons (published to the crate
/// as `testbench::rtl_core::COMPACT_NEURON_BITS`).
const COMPACT_NEURON_BITS: u32 = 6;
/// Must equal `testbench::uart_board::CLOCKS_PER_BIT`.
const BRIDGE_CLOCKS_PER_BIT: u32 = 4;

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
    // The compact core.
    std::fs::write(
        std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("compact_neuron_bits.rs"),
        format!("pub const COMPACT_NEURON_BITS: u32 = {COMPACT_NEURON_BITS};\n"),
    )
    .expect("write the compact core's capacity");
    let compact_file = out.join(format!("{}.v", hdl::compact_core::COMPACT_CORE_TOP));
    std::fs::write(
        &compact_file,
        hdl::compact_core::compact_core_verilog(COMPACT_NEURON_BITS).expect("a valid capacity"),
    )
    .expect("write the compact core's Verilog");
    let compact = vlbuild::Model::new(
        hdl::compact_core::COMPACT_CORE_TOP,
        &[compact_file.as_path()],
    )
    .trace(true);
    // The chip with one compact core (`testbench::rtl_chip::COMPACT_CHIP_BUILT_FOR`).
    let compact_config = chip::ChipConfig::builtin("ice40").expect("the built-in ice40 chip");
    let compact_exported = hdl::export::export(&out.join("ice40"), None, &compact_config)
        .expect("export the compact chip's Verilog");
    let mut compact_chip_files = vec![compact_exported.waivers.as_path()];
    compact_chip_files.extend(compact_exported.chip.iter().map(|p| p.as_path()));
    let compact_chip = vlbuild::Model::new(hdl::chip_top::CHIP_TOP, &compact_chip_files)
        .name("compact_chip")
        .trace(true);
    let mut chip_files = vec![exported.waivers.as_path()];
    chip_files.extend(exported.chip.iter().map(|p| p.as_path()));
    let chip = vlbuild::Model::new(hdl::chip_top::CHIP_TOP, &chip_files).trace(true);
    // The chip behind the UART bridge, as on a board (4 clocks per bit: fast to simulate).
    let bridge = out.join(format!("{}.v", fpga::bridge::BRIDGE_TOP));
    std::fs::write(
        &bridge,
        fpga::bridge::bridge_verilog(BRIDGE_CLOCKS_PER_BIT).expect("a valid bit time"),
    )
    .expect("write the bridge's Verilog");
    let sim_top = out.join(format!("{}.v", fpga::board::SIM_TOP));
    std::fs::write(&sim_top, fpga::board::sim_top_verilog()).expect("write the board's Verilog");
    let mut board_files = chip_files.clone();
    board_files.extend([bridge.as_path(), sim_top.as_path()]);
    let board = vlbuild::Model::new(fpga::board::SIM_TOP, &board_files);
    vlbuild::build(&verilator, &[core, compact, chip, compact_chip, board]);
}
