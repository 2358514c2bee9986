//! Verilog export: the core as one Verilog file with clean module names, plus the
//! `$readmemh` files of its tables when a channel set is baked in.

use std::path::{Path, PathBuf};

use rust_hdl::prelude::*;
use sim::FixedEngine;

use crate::core::NeuronCore;
use crate::memories::CoreMemories;

/// Name of the top module (and of the exported file, `neuron_core.v`).
pub const TOP: &str = "neuron_core";

/// rust-hdl names the root module `top` and children `top$child$...`; `$` is legal Verilog
/// but unfriendly to tools and waveform viewers, so the hierarchy becomes
/// `neuron_core__child__...`. System tasks (`$readmemh`, `$signed`) are left alone.
pub fn clean_names(verilog: &str, top: &str) -> String {
    let renamed = verilog
        .replace("module top(", &format!("module {top}("))
        .replace("endmodule // top\n", &format!("endmodule // {top}\n"))
        .replace("top$", &format!("{top}$"));
    let mut out = String::with_capacity(renamed.len());
    let mut previous = ' ';
    for c in renamed.chars() {
        if c == '$' && (previous.is_ascii_alphanumeric() || previous == '_') {
            out.push_str("__");
        } else {
            out.push(c);
        }
        previous = c;
    }
    out
}

/// The core's Verilog.
pub fn verilog(core: &mut NeuronCore) -> String {
    core.connect_all();
    clean_names(&generate_verilog(core), TOP)
}

/// Name of the router node's module (and file, `spike_router.v`).
pub const ROUTER_TOP: &str = "spike_router";

/// The router node's Verilog with input FIFOs of `fifo_depth` packets (a power of two from
/// 2 to 1,024, as `router.fifo_depth` of a chip configuration).
pub fn router_verilog(fifo_depth: u32) -> String {
    fn of<const A: usize, const A1: usize>() -> String {
        let mut node = crate::router::SpikeRouter::<A, A1>::default();
        node.connect_all();
        clean_names(&generate_verilog(&node), ROUTER_TOP)
    }
    match fifo_depth {
        2 => of::<1, 2>(),
        4 => of::<2, 3>(),
        8 => of::<3, 4>(),
        16 => of::<4, 5>(),
        32 => of::<5, 6>(),
        64 => of::<6, 7>(),
        128 => of::<7, 8>(),
        256 => of::<8, 9>(),
        512 => of::<9, 10>(),
        1024 => of::<10, 11>(),
        d => panic!("router FIFO depth {d}: expected a power of two from 2 to 1024"),
    }
}

/// Name of the synapse-delivery unit's module (and file, `synapse_delivery.v`).
pub const DELIVERY_TOP: &str = "synapse_delivery";

/// The synapse-delivery unit's Verilog, its memories as `memories` says.
pub fn delivery_verilog(memories: &CoreMemories) -> String {
    let mut unit = crate::delivery::SynapseDelivery::sized(memories);
    unit.connect_all();
    clean_names(&generate_verilog(&unit), DELIVERY_TOP)
}

/// The spike-emission unit's Verilog, its memories as `memories` says.
pub fn emission_verilog(memories: &CoreMemories) -> String {
    let mut unit = crate::emission::SpikeEmission::sized(memories);
    unit.connect_all();
    clean_names(&generate_verilog(&unit), crate::chip_top::EMISSION_TOP)
}

/// The tick controller's Verilog.
pub fn tick_verilog() -> String {
    let mut unit = crate::tick::TickController::default();
    unit.connect_all();
    clean_names(&generate_verilog(&unit), crate::chip_top::TICK_TOP)
}

/// Verilator lint waivers for rust-hdl's constructs, each explained (a `.vlt` file).
pub const VERILATOR_WAIVERS: &str = include_str!("waivers.vlt");

/// What [`export`] wrote.
#[derive(Debug)]
pub struct Exported {
    /// `neuron_core.v`: the core alone.
    pub verilog: PathBuf,
    /// `neuron_core.vlt`: pass it to Verilator before the Verilog.
    pub waivers: PathBuf,
    pub memory_files: Vec<PathBuf>,
    /// Every module of the chip, the top (`neurofuse_chip.v`) last.
    pub chip: Vec<PathBuf>,
}

/// Writes the core (`neuron_core.v`, or `compact_neuron_core.v` for the compact datapath)
/// and the chip of `config` (`neurofuse_chip.v` and its blocks) into `dir`, and with `tables`, the memory-initialization files the cores' table RAMs load (so
/// the FPGA starts with the channel set in place; the host can still overwrite them).
pub fn export(
    dir: &Path,
    tables: Option<&FixedEngine>,
    config: &chip::ChipConfig,
) -> Result<Exported, String> {
    let io = |path: &Path, e: std::io::Error| format!("{}: {e}", path.display());
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut core = match tables {
        Some(engine) => NeuronCore::with_tables(engine),
        None => NeuronCore::default(),
    };
    let mut memory_files = Vec::new();
    for (name, contents, width) in core.initial_memories() {
        let path = dir.join(name);
        let digits = width.div_ceil(4);
        let text: String = contents
            .iter()
            .map(|w| format!("{w:0digits$x}\n"))
            .collect();
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
        memory_files.push(path);
    }
    let fifo_depth = config.router.fifo_depth;
    if !(2..=1024).contains(&fifo_depth) || !fifo_depth.is_power_of_two() {
        return Err(format!(
            "router.fifo_depth {fifo_depth}: the RTL's FIFOs hold a power of two from 2 to 1024"
        ));
    }
    let core_file = match config.core.datapath {
        chip::Datapath::Pipelined => (TOP, verilog(&mut core)),
        chip::Datapath::Compact => {
            if tables.is_some() {
                return Err(
                    "the compact core's tables are loaded by the host, not baked into \
                            the bitstream: leave out the channel set, or use core.datapath = \
                            \"pipelined\""
                        .into(),
                );
            }
            let bits = chip::index_bits(config.core.neurons);
            let verilog = crate::compact_core::compact_core_verilog(bits)?;
            (crate::compact_core::COMPACT_CORE_TOP, verilog)
        }
    };
    let memories = CoreMemories::of(config);
    let files = [
        core_file,
        (ROUTER_TOP, router_verilog(fifo_depth)),
        (DELIVERY_TOP, delivery_verilog(&memories)),
        (crate::chip_top::EMISSION_TOP, emission_verilog(&memories)),
        (crate::chip_top::TICK_TOP, tick_verilog()),
        (
            crate::mesh::MESH_TOP,
            crate::mesh::mesh_verilog(config.mesh.width, config.mesh.height),
        ),
        (
            crate::chip_top::CHIP_TOP,
            crate::chip_top::chip_verilog(config)?,
        ),
    ];
    let mut chip = Vec::new();
    for (name, text) in files {
        let path = dir.join(format!("{name}.v"));
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
        chip.push(path);
    }
    let waivers = dir.join(format!("{TOP}.vlt"));
    std::fs::write(&waivers, VERILATOR_WAIVERS).map_err(|e| io(&waivers, e))?;
    Ok(Exported {
        verilog: chip[0].clone(),
        waivers,
        memory_files,
        chip,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_dollars_but_system_tasks_keep_theirs() {
        let v = "module top(a);\n top$gate0 gate0(); $readmemh(\"x\", m); y = $signed(a);\nendmodule // top\n";
        let clean = clean_names(v, "core");
        assert!(clean.starts_with("module core(a);"));
        assert!(clean.contains("core__gate0 gate0()"));
        assert!(clean.contains("$readmemh(") && clean.contains("$signed(a)"));
        assert!(clean.ends_with("endmodule // core\n"));
    }
}
