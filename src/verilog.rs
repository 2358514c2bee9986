//! `neurofuse verilog`: the chip's Verilog (the core, its units, the mesh and the chip top)
//! and the memory-initialization files.

use std::path::Path;

use anyhow::{Context, Result};
use channels::ChannelSet;
use chip::ChipConfig;
use sim::FixedEngine;

/// Writes the Verilog into `out`, with `set`'s tables at `dt` baked into the table memories.
pub fn run(out: &Path, set: Option<&ChannelSet>, dt: f64, config: &ChipConfig) -> Result<()> {
    let engine = set.map(|s| FixedEngine::new(s, dt)).transpose()?;
    let exported = hdl::export::export(out, engine.as_ref(), config)
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("{}: cannot write the Verilog", out.display()))?;
    for f in &exported.chip {
        println!("wrote {}", f.display());
    }
    println!(
        "wrote {} (Verilator waivers for rust-hdl's constructs)",
        exported.waivers.display()
    );
    for f in &exported.memory_files {
        println!("wrote {}", f.display());
    }
    Ok(())
}
