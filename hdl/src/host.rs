//! What a host does on the chip's bus alone, with no other wire: load an image, run a tick,
//! read its spikes, inject inputs. The UART bridge gives a board nothing else, so this is
//! how a host drives a real board (and a test drives the verilated one through the bridge).

use chip::ChipImage;

use crate::chip_map::{self, address, ChipLoad, UNIT_CHIP};
use crate::map::HostWrite;

/// A chip's host bus as a host sees it. `read` gives `None` when nothing answered.
pub trait HostBus {
    fn read(&mut self, address: u32) -> Result<Option<u32>, String>;
    fn write(&mut self, address: u32, data: u32) -> Result<(), String>;
    /// `data[k]` to `address + k` (at most [`BURST_WORDS`] words). Word by word unless the
    /// bus has something faster (the UART bridge takes them in one frame).
    fn write_burst(&mut self, address: u32, data: &[u32]) -> Result<(), String> {
        for (k, &d) in data.iter().enumerate() {
            self.write(address.wrapping_add(k as u32), d)?;
        }
        Ok(())
    }
}

/// The longest run of consecutive addresses [`load`] hands to [`HostBus::write_burst`]
/// (what one WriteBurst frame holds).
pub const BURST_WORDS: usize = 16;

/// `writes` as bursts, in order: runs of consecutive addresses, at most [`BURST_WORDS`] each.
pub fn bursts(writes: &[HostWrite]) -> impl Iterator<Item = &[HostWrite]> {
    writes
        .chunk_by(|a, b| b.address == a.address.wrapping_add(1))
        .flat_map(|run| run.chunks(BURST_WORDS))
}

/// What one tick produced, as read over the bus.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BusTick {
    /// (core, local neuron), sorted.
    pub spikes: Vec<(u32, u32)>,
    pub cycles: u32,
    pub stalls: u32,
}

/// How long the chip may take to finish a tick or a delivery before it counts as hung (a
/// tick at the slowest link is well under a second).
const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

fn chip_register(bus: &mut dyn HostBus, register: u32) -> Result<u32, String> {
    bus.read(address(UNIT_CHIP, 0, register))?
        .ok_or_else(|| format!("chip register {register} did not answer"))
}

/// Checks the chip is a neurofuse chip built for `image`'s configuration (shape and memories), then writes the image; returns
/// what running it needs (where each input is injected). `progress(done, total)` hears
/// the writes go out.
pub fn load(
    bus: &mut dyn HostBus,
    image: &ChipImage,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ChipLoad, String> {
    let identity = chip_register(bus, chip_map::CHIP_IDENTITY)?;
    if identity != chip_map::CHIP_IDENTITY_VALUE {
        return Err(format!(
            "the chip identifies as {identity:#010x}, this host drives {:#010x}",
            chip_map::CHIP_IDENTITY_VALUE
        ));
    }
    let shape = chip_register(bus, chip_map::CHIP_SHAPE)?;
    let capacity = chip_register(bus, chip_map::CHIP_CAPACITY)?;
    chip_map::check_built_for(&image.config, "the chip", shape, capacity)?;
    let load = chip_map::load(image)?;
    // Whatever the chip was doing (a tick a killed host left running, packets in flight),
    // the image goes into a chip that does nothing.
    reset(bus)?;
    let total = load.writes.len();
    let mut done = 0;
    progress(0, total);
    for run in bursts(&load.writes) {
        let data: Vec<u32> = run.iter().map(|w| w.data).collect();
        bus.write_burst(run[0].address, &data)?;
        if done / 1024 != (done + run.len()) / 1024 {
            progress(done + run.len(), total);
        }
        done += run.len();
    }
    progress(total, total);
    Ok(load)
}

/// Resets the chip over the bus (`chip_map::CHIP_RESET`) and checks that it came back
/// idle: no tick running, the network empty, no error bit set.
pub fn reset(bus: &mut dyn HostBus) -> Result<(), String> {
    bus.write(address(UNIT_CHIP, 0, chip_map::CHIP_RESET), 1)?;
    // The bus's registers make even a read right behind the write see the reset already.
    let status = wait_out_of_reset(bus)?;
    let ticks = chip_register(bus, chip_map::CHIP_TICKS)?;
    if status != chip_map::STATUS_IDLE || ticks != 0 {
        return Err(format!(
            "the chip did not reset: status {status:#x} (expected {:#x}: idle, no tick, no error) and {ticks} ticks counted",
            chip_map::STATUS_IDLE
        ));
    }
    Ok(())
}

/// Waits while the chip is held in reset (after the pin's or the bus's: status bit 0 reads
/// busy meanwhile, as it does while a tick runs); returns the first status that reads clear.
pub fn wait_out_of_reset(bus: &mut dyn HostBus) -> Result<u32, String> {
    wait(bus, |s| s & chip_map::STATUS_BUSY == 0, "the reset")
}

/// Runs one tick, reads its spikes out of every core's queue, then injects `inputs` and
/// waits until they are delivered; an error if the chip hangs or reports lost spikes.
pub fn run_tick(
    bus: &mut dyn HostBus,
    loaded: &ChipLoad,
    cores: u32,
    inputs: &[u32],
) -> Result<BusTick, String> {
    if let Some(&bad) = inputs.iter().find(|&&i| i as usize >= loaded.inputs.len()) {
        return Err(format!(
            "input {bad} does not exist; the image has {}",
            loaded.inputs.len()
        ));
    }
    let ticks_before = chip_register(bus, chip_map::CHIP_TICKS)?;
    bus.write(address(UNIT_CHIP, 0, chip_map::CHIP_RUN), 1)?;
    wait(
        bus,
        |status| status & chip_map::STATUS_BUSY == 0,
        "the tick",
    )?;
    let ticks = chip_register(bus, chip_map::CHIP_TICKS)?;
    if ticks != ticks_before.wrapping_add(1) {
        return Err(format!(
            "the chip counted {} ticks for one run command",
            ticks.wrapping_sub(ticks_before)
        ));
    }
    let mut spikes = Vec::new();
    for core in 0..cores {
        let mut popped = 0;
        loop {
            let word = bus
                .read(address(chip_map::UNIT_SPIKES, core, 0))?
                .ok_or_else(|| format!("core {core}'s output-spike queue did not answer"))?;
            match chip_map::spike_word(word) {
                Some(neuron) => spikes.push((core, neuron)),
                None => break,
            }
            popped += 1;
            if popped > 1024 {
                return Err(format!("core {core}'s output-spike queue never emptied"));
            }
        }
    }
    spikes.sort_unstable();
    let cycles = chip_register(bus, chip_map::CHIP_TICK_CYCLES)?;
    let stalls = chip_register(bus, chip_map::CHIP_STALLS)?;
    for &i in inputs {
        let w = loaded.inject(i);
        bus.write(w.address, w.data)?;
    }
    let status = wait(
        bus,
        |status| status & chip_map::STATUS_IDLE != 0,
        "the injected inputs' delivery",
    )?;
    chip_map::check_status(status)?;
    Ok(BusTick {
        spikes,
        cycles,
        stalls,
    })
}

/// Polls the status register until `done`; returns the last status.
fn wait(bus: &mut dyn HostBus, done: impl Fn(u32) -> bool, what: &str) -> Result<u32, String> {
    let start = std::time::Instant::now();
    loop {
        let status = chip_register(bus, chip_map::CHIP_STATUS)?;
        if done(status) {
            return Ok(status);
        }
        if start.elapsed() > MAX_WAIT {
            return Err(format!(
                "{what} did not finish in {} s (status {status:#x})",
                MAX_WAIT.as_secs()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_are_runs_of_consecutive_addresses_in_order() {
        let w = |address| HostWrite {
            address,
            data: address * 3,
        };
        let writes: Vec<HostWrite> = [5, 6, 7, 9, 10, 3]
            .into_iter()
            .chain(100..140)
            .map(w)
            .collect();
        let runs: Vec<Vec<u32>> = bursts(&writes)
            .map(|r| r.iter().map(|x| x.address).collect())
            .collect();
        assert_eq!(runs[..3], [vec![5, 6, 7], vec![9, 10], vec![3]]);
        assert_eq!(runs[3], (100..116).collect::<Vec<_>>());
        assert_eq!(runs[5], (132..140).collect::<Vec<_>>());
        assert_eq!(runs.len(), 6);
        let flat: Vec<u32> = runs.concat();
        assert_eq!(flat, writes.iter().map(|x| x.address).collect::<Vec<_>>());
    }
}
