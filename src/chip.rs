//! `neurofuse chip`: a chip configuration checked and summarized.

use anyhow::Result;
use chip::ChipConfig;

pub fn run(spec: &str) -> Result<()> {
    let c = ChipConfig::load(spec)?;
    let mib = |bits: u64| bits as f64 / 8.0 / 1024.0 / 1024.0;
    println!("chip `{}`: {}", c.name, c.description);
    println!(
        "mesh            {} x {} = {} cores",
        c.mesh.width,
        c.mesh.height,
        c.cores()
    );
    println!(
        "neurons         {} per core, {} in all",
        c.core.neurons,
        c.total_neurons()
    );
    println!(
        "synapses        {} per core, {} in all ({}-bit entries, {:.1} MiB per core)",
        c.core.synapses,
        c.total_synapses(),
        c.synapse_entry_bits(),
        mib(c.synapse_memory_bits())
    );
    println!(
        "axon table      {} entries per core; routing table {} entries",
        c.core.axons, c.core.routes
    );
    println!(
        "spike packet    {} address bits (core {}, axon {})",
        c.packet_address_bits(),
        c.core_id_bits(),
        c.packet_address_bits() - c.core_id_bits()
    );
    println!(
        "router          {}-packet FIFO per port",
        c.router.fifo_depth
    );
    println!(
        "timing          {} MHz, dt {} ms: a neuron update takes {} clocks, so at most {:.2}x real time (before spike delivery)",
        c.timing.clock_mhz,
        c.timing.dt_ms,
        c.update_clocks(),
        c.max_real_time_factor()
    );
    Ok(())
}
