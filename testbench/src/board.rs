//! The verilated chip as a virtual board behind the host link (`link::Engine`).

use chip::ChipImage;
use link::{Engine, NeuronProbe, Unsupported};

use crate::RtlChip;

/// The verilated chip; a fresh one (reset) for every connection.
pub struct RtlBoard {
    chip: RtlChip,
    image: Option<ChipImage>,
    ticks: u64,
}

impl RtlBoard {
    pub fn new() -> RtlBoard {
        RtlBoard {
            chip: RtlChip::new(),
            image: None,
            ticks: 0,
        }
    }
}

impl Default for RtlBoard {
    fn default() -> Self {
        Self::new()
    }
}

impl Engine for RtlBoard {
    fn name(&self) -> &'static str {
        "rtl"
    }

    fn description(&self) -> String {
        format!(
            "the verilated chip ({}, {})",
            crate::CHIP_BUILT_FOR,
            crate::rtl_core::VERILATOR_VERSION
        )
    }

    fn load(&mut self, image: ChipImage) -> Result<(), String> {
        // A failed load may have written part of the memories: nothing counts as loaded.
        self.image = None;
        self.chip.load(&image)?;
        self.image = Some(image);
        self.ticks = 0;
        Ok(())
    }

    fn run(&mut self, inputs: &[Vec<u32>]) -> Result<link::RunOutput, String> {
        let image = self.image.as_ref().ok_or("no image loaded")?;
        link::check_inputs(image, inputs)?;
        let mut spikes = Vec::with_capacity(inputs.len());
        let mut cycles = 0u64;
        for fired in inputs {
            let tick = self.chip.tick(fired)?;
            self.ticks += 1;
            cycles += u64::from(tick.cycles);
            spikes.push(tick.spikes);
        }
        Ok((spikes, cycles))
    }

    fn probe(&mut self, core: u32, neuron: u32) -> Result<NeuronProbe, String> {
        let image = self.image.as_ref().ok_or("no image loaded")?;
        link::check_neuron(image, core, neuron)?;
        let s = self.chip.read_neuron(core, neuron)?;
        Ok(NeuronProbe {
            v: s.v,
            gates: s.gates[..image.cores[core as usize].gates.len()]
                .iter()
                .map(|&g| u32::from(g))
                .collect(),
            i_ext: s.i_ext,
            receptors: s.receptors[..image.receptors.len()].to_vec(),
        })
    }

    fn read_word(&mut self, address: u32) -> Result<u32, Unsupported> {
        self.chip.read(address).ok_or_else(|| {
            Unsupported::Refused(format!(
                "nothing answered a read of {address:#010x} (an unmapped unit, or a core busy with a tick)"
            ))
        })
    }

    fn write_word(&mut self, address: u32, data: u32) -> Result<(), Unsupported> {
        self.chip.write(address, data);
        // A reset clears the registers the image set: what was loaded no longer runs.
        let reset = hdl::chip_map::address(hdl::chip_map::UNIT_CHIP, 0, hdl::chip_map::CHIP_RESET);
        if address == reset && data & 1 == 1 {
            self.image = None;
            self.ticks = 0;
        }
        Ok(())
    }

    fn ticks(&self) -> u64 {
        self.ticks
    }

    fn loaded(&self) -> bool {
        self.image.is_some()
    }
}
