//! The estimate: per component, logic switching (calibrated on the RTL), clock, memory
//! accesses, links and leakage, in watts at real time.

use std::collections::BTreeMap;

use chip::ChipConfig;
use serde::Serialize;

use crate::memories::{self, PACKET_BITS};
use crate::{Cells, Component, EnergyTable, PowerError};

/// A tick's work, averaged over ticks.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Workload {
    pub description: String,
    pub neuron_updates: f64,
    pub synaptic_events: f64,
    pub packets: f64,
    /// Router-to-router hops of those packets.
    pub hops: f64,
    /// Spikes of neurons and inputs entering the emission queues.
    pub sources: f64,
    /// Spikes of neurons (the output spikes).
    pub spikes: f64,
    /// Clocks a tick takes.
    pub cycles_per_tick: f64,
    /// Whether `cycles_per_tick` was measured on the RTL (else estimated).
    pub cycles_measured: bool,
}

impl Workload {
    /// Every neuron of `config` fires at `rate_hz`; each spike reaches `fan_out` synapses
    /// on cores drawn uniformly (one packet per distinct core), and routes go dimension
    /// order over the mesh. Cycles per tick: the update, then a core's share of the
    /// deliveries (one synaptic event or packet per clock) with the load spread evenly.
    pub fn uniform(config: &ChipConfig, rate_hz: f64, fan_out: f64) -> Workload {
        let cores = f64::from(config.cores());
        let spikes = config.total_neurons() as f64 * rate_hz * config.timing.dt_ms * 1e-3;
        let cores_reached = cores * (1.0 - (1.0 - 1.0 / cores).powf(fan_out));
        let packets = spikes * cores_reached;
        let mean_distance = |n: u32| {
            let n = f64::from(n);
            (n * n - 1.0) / (3.0 * n)
        };
        let hops = packets * (mean_distance(config.mesh.width) + mean_distance(config.mesh.height));
        let synaptic_events = spikes * fan_out;
        Workload {
            description: format!(
                "every neuron at {rate_hz} Hz, fan-out {fan_out:.0} over uniformly drawn cores"
            ),
            neuron_updates: config.total_neurons() as f64,
            synaptic_events,
            packets,
            hops,
            sources: spikes,
            spikes,
            cycles_per_tick: f64::from(config.update_clocks())
                + (synaptic_events + packets) / cores,
            cycles_measured: false,
        }
    }
}

/// Toggles of a component's traced signal bits (all its instances) over a run.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Toggles {
    pub toggles: u64,
    pub bits: u64,
}

/// Switching activity measured on the RTL: what turns cells into energy per event.
#[derive(Clone, Debug, Serialize)]
pub struct Calibration {
    /// The configuration the RTL was built for.
    pub config: String,
    pub cores: u32,
    pub cells: Cells,
    pub toggles: BTreeMap<Component, Toggles>,
    /// The run's work per tick.
    pub workload: Workload,
    pub ticks: u64,
    /// Clocks the VCD covers.
    pub cycles: u64,
}

impl Calibration {
    pub fn block(&self, c: Component) -> Result<crate::BlockCells, PowerError> {
        self.cells
            .get(c.module())
            .copied()
            .ok_or_else(|| PowerError(format!("the cell counts have no `{}` block", c.module())))
    }

    /// Joules of logic switching per unit of each component's activity
    /// ([`Component::activity`]).
    pub fn logic_j_per_activity(
        &self,
        table: &EnergyTable,
    ) -> Result<BTreeMap<Component, f64>, PowerError> {
        let mut out = BTreeMap::new();
        for c in Component::ALL {
            let t = self.toggles.get(&c).copied().unwrap_or_default();
            if t.bits == 0 {
                return Err(PowerError(format!(
                    "the VCD has no signals of the {} (instances of {})",
                    c.name(),
                    c.module()
                )));
            }
            let cells = self.block(c)?;
            let cell_transition_j = (cells.gates as f64 * table.gate_toggle_fj.value
                + cells.flops as f64 * table.flop_toggle_fj.value)
                * 1e-15
                * f64::from(c.instances(self.cores));
            let run_j = t.toggles as f64 / t.bits as f64 * cell_transition_j;
            let activity = c.activity(&self.workload) * self.ticks as f64;
            if activity <= 0.0 {
                return Err(PowerError(format!(
                    "the calibration run had no {} events for the {}: raise its input rate",
                    c.activity_unit(),
                    c.name()
                )));
            }
            out.insert(c, run_j / activity);
        }
        Ok(out)
    }
}

/// One component's share, in watts.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ComponentPower {
    pub component: Component,
    /// Logic switching, calibrated on the RTL.
    pub logic_w: f64,
    pub clock_w: f64,
    pub memory_w: f64,
    /// Wires between cores (router only).
    pub link_w: f64,
    pub static_w: f64,
    pub total_w: f64,
    /// The calibrated logic energy per unit of activity, pJ.
    pub logic_pj_per_activity: f64,
    pub activity_unit: &'static str,
    pub gates: u64,
    pub flops: u64,
    pub sram_bits: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct PowerEstimate {
    pub config: String,
    pub clock_mhz: f64,
    pub dt_ms: f64,
    pub workload: Workload,
    /// Clocks available per tick at real time.
    pub tick_budget_cycles: f64,
    pub real_time: bool,
    /// Ticks per second the estimate is for: real time, or as fast as the chip goes.
    pub ticks_per_s: f64,
    pub components: Vec<ComponentPower>,
    pub dynamic_w: f64,
    pub static_w: f64,
    pub total_w: f64,
    pub area_mm2: f64,
    pub core_pitch_mm: f64,
    pub energy_table: String,
}

/// Power of `config` running `workload` (per tick), with logic energy per event from
/// `calibration` and every other figure from `table`.
pub fn estimate(
    config: &ChipConfig,
    workload: &Workload,
    calibration: &Calibration,
    table: &EnergyTable,
) -> Result<PowerEstimate, PowerError> {
    let logic = calibration.logic_j_per_activity(table)?;
    let cores = config.cores();
    let clock_hz = config.timing.clock_mhz * 1e6;
    let tick_budget_cycles = clock_hz * config.timing.dt_ms * 1e-3;
    let real_time = workload.cycles_per_tick <= tick_budget_cycles;
    let ticks_per_s = if real_time {
        1e3 / config.timing.dt_ms
    } else {
        clock_hz / workload.cycles_per_tick
    };
    let inventory = memories::inventory(config);

    let mut core_um2 = 0.0;
    let mut rows = Vec::new();
    for c in Component::ALL {
        let cells = calibration.block(c)?;
        let n = f64::from(c.instances(cores));
        let gates = (cells.gates as f64 * n) as u64;
        let flops = (cells.flops as f64 * n) as u64;
        let own: Vec<_> = inventory.iter().filter(|m| m.component == c).collect();
        let sram_bits: u64 = own.iter().map(|m| m.bits()).sum::<u64>() * u64::from(cores);
        let memory_j: f64 = own
            .iter()
            .map(|m| {
                let per_access = table.sram_access_j(m.depth, m.width);
                m.accesses
                    .iter()
                    .map(|&(e, rate)| e.count(workload) * rate * f64::from(m.count) * per_access)
                    .fold(0.0, |a, b| a + b)
            })
            // fold from +0.0: an empty `sum` is -0.0, printed as "-0.000".
            .fold(0.0, |a, b| a + b);
        let static_w = gates as f64 * table.gate_leak_nw.value * 1e-9
            + flops as f64 * table.flop_leak_nw.value * 1e-9
            + sram_bits as f64 * table.sram_leak_pw_per_bit.value * 1e-12;
        core_um2 += (sram_bits as f64 * table.sram_um2_per_bit.value
            + gates as f64 * table.gate_um2.value
            + flops as f64 * table.flop_um2.value)
            / f64::from(cores);
        rows.push(ComponentPower {
            component: c,
            logic_w: logic[&c] * c.activity(workload) * ticks_per_s,
            clock_w: flops as f64 * table.flop_clock_fj.value * 1e-15 * clock_hz,
            memory_w: memory_j * ticks_per_s,
            link_w: 0.0,
            static_w,
            total_w: 0.0,
            logic_pj_per_activity: logic[&c] * 1e12,
            activity_unit: c.activity_unit(),
            gates,
            flops,
            sram_bits,
        });
    }
    let core_pitch_mm = core_um2.sqrt() * 1e-3;
    let router = rows
        .iter_mut()
        .find(|r| r.component == Component::Router)
        .expect("the router is a component");
    router.link_w = workload.hops * table.link_j(PACKET_BITS, core_pitch_mm) * ticks_per_s;
    for r in &mut rows {
        r.total_w = r.logic_w + r.clock_w + r.memory_w + r.link_w + r.static_w;
    }
    let static_w: f64 = rows.iter().map(|r| r.static_w).sum();
    let total_w: f64 = rows.iter().map(|r| r.total_w).sum();
    Ok(PowerEstimate {
        config: config.name.clone(),
        clock_mhz: config.timing.clock_mhz,
        dt_ms: config.timing.dt_ms,
        workload: workload.clone(),
        tick_budget_cycles,
        real_time,
        ticks_per_s,
        components: rows,
        dynamic_w: total_w - static_w,
        static_w,
        total_w,
        area_mm2: core_um2 * f64::from(cores) * 1e-6,
        core_pitch_mm,
        energy_table: table.name.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BlockCells;

    fn calibration(toggles: u64) -> Calibration {
        let config = ChipConfig::builtin("small").unwrap();
        let cells = Component::ALL
            .iter()
            .map(|c| {
                (
                    c.module().to_string(),
                    BlockCells {
                        gates: 1000,
                        flops: 100,
                    },
                )
            })
            .collect();
        Calibration {
            config: config.name.clone(),
            cores: config.cores(),
            cells,
            toggles: Component::ALL
                .iter()
                .map(|&c| {
                    (
                        c,
                        Toggles {
                            toggles,
                            bits: 1000,
                        },
                    )
                })
                .collect(),
            workload: Workload::uniform(&config, 50.0, 64.0),
            ticks: 100,
            cycles: 100_000,
        }
    }

    #[test]
    fn logic_power_scales_with_measured_toggles_and_memory_power_with_traffic() {
        let config = ChipConfig::builtin("small").unwrap();
        let table = EnergyTable::cmos45();
        let quiet = Workload::uniform(&config, 10.0, 64.0);
        let busy = Workload::uniform(&config, 40.0, 64.0);
        let a = estimate(&config, &quiet, &calibration(1000), &table).unwrap();
        let b = estimate(&config, &quiet, &calibration(2000), &table).unwrap();
        let c = estimate(&config, &busy, &calibration(1000), &table).unwrap();
        for i in 0..a.components.len() {
            let (x, y, z) = (&a.components[i], &b.components[i], &c.components[i]);
            assert!(
                (y.logic_w / x.logic_w - 2.0).abs() < 1e-9,
                "{:?}",
                x.component
            );
            assert_eq!(x.static_w, y.static_w);
            assert_eq!(x.clock_w, z.clock_w);
        }
        let delivery = |e: &PowerEstimate| e.components[1].memory_w;
        assert!((delivery(&c) / delivery(&a) - 4.0).abs() < 1e-9);
        let sum: f64 = a.components.iter().map(|r| r.total_w).sum();
        assert!((a.total_w - sum).abs() < 1e-12 && a.static_w > 0.0);
        assert!(a.real_time);
    }

    #[test]
    fn a_calibration_without_events_or_signals_is_refused() {
        let config = ChipConfig::builtin("small").unwrap();
        let table = EnergyTable::cmos45();
        let mut cal = calibration(10);
        cal.workload.synaptic_events = 0.0;
        cal.workload.packets = 0.0;
        let e = estimate(&config, &cal.workload.clone(), &cal, &table).unwrap_err();
        assert!(
            e.0.contains("no synaptic event or packet events for the delivery"),
            "{e}"
        );
        let mut cal = calibration(10);
        cal.toggles.remove(&Component::Router);
        let e = estimate(&config, &cal.workload.clone(), &cal, &table).unwrap_err();
        assert!(e.0.contains("no signals of the router"), "{e}");
    }

    #[test]
    fn uniform_traffic_counts_packets_per_distinct_core_and_mean_hops() {
        let config = ChipConfig::builtin("small").unwrap();
        // 1,024 neurons at 40 Hz over 25 us: 1.024 spikes per tick.
        let w = Workload::uniform(&config, 40.0, 1.0);
        assert!((w.sources - 1.024).abs() < 1e-9);
        assert!((w.packets - 1.024).abs() < 1e-9, "one synapse: one core");
        // 2 x 2 mesh: mean |dx| = 0.5, mean |dy| = 0.5.
        assert!((w.hops / w.packets - 1.0).abs() < 1e-9);
        let w = Workload::uniform(&config, 40.0, 10_000.0);
        assert!((w.packets / w.sources - 4.0).abs() < 1e-6, "every core");
    }
}
