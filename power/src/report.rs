//! The estimate as text: the breakdown, then every assumption beside the numbers.

use std::fmt::Write;

use crate::{Calibration, EnergyTable, PowerEstimate};

fn watts(w: f64) -> String {
    match w.abs() {
        x if x >= 1.0 => format!("{w:.3} W"),
        x if x >= 1e-3 => format!("{:.3} mW", w * 1e3),
        _ => format!("{:.3} uW", w * 1e6),
    }
}

/// The estimate, the workload and calibration it rests on, and the energy table's sources.
pub fn text(e: &PowerEstimate, calibration: &Calibration, table: &EnergyTable) -> String {
    let mut s = String::new();
    let w = &e.workload;
    let _ = writeln!(
        s,
        "power of chip `{}` at {} MHz, dt {} ms: {} total ({} dynamic, {} static)",
        e.config,
        e.clock_mhz,
        e.dt_ms,
        watts(e.total_w),
        watts(e.dynamic_w),
        watts(e.static_w)
    );
    let _ = writeln!(
        s,
        "  {:<9} {:>11} {:>11} {:>11} {:>11} {:>11} {:>11}",
        "component", "logic", "clock", "memory", "links", "static", "total"
    );
    for r in &e.components {
        let _ = writeln!(
            s,
            "  {:<9} {:>11} {:>11} {:>11} {:>11} {:>11} {:>11}",
            r.component.name(),
            watts(r.logic_w),
            watts(r.clock_w),
            watts(r.memory_w),
            watts(r.link_w),
            watts(r.static_w),
            watts(r.total_w)
        );
    }
    let _ = writeln!(s, "assumptions:");
    let _ = writeln!(
        s,
        "  - {} ticks/s ({}): {} clocks per tick ({}) of {:.0} available at real time",
        format_args!("{:.0}", e.ticks_per_s),
        if e.real_time {
            "real time"
        } else {
            "NOT real time: as fast as the chip goes"
        },
        format_args!("{:.0}", w.cycles_per_tick),
        if w.cycles_measured {
            "measured on the RTL"
        } else {
            "estimated: update, then a core's even share of the deliveries"
        },
        e.tick_budget_cycles
    );
    let _ = writeln!(
        s,
        "  - workload ({}): per tick {:.0} neuron updates, {:.1} source spikes, {:.1} packets, {:.1} hops, {:.1} synaptic events",
        w.description, w.neuron_updates, w.sources, w.packets, w.hops, w.synaptic_events
    );
    let _ = writeln!(
        s,
        "  - logic: activity per traced bit measured in a VCD of the `{}` RTL over {} ticks ({} clocks), applied to the Yosys cells of each block; per unit of work:",
        calibration.config, calibration.ticks, calibration.cycles
    );
    for r in &e.components {
        let t = calibration
            .toggles
            .get(&r.component)
            .copied()
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "      {:<9} {:>9.2} pJ per {} ({} toggles of {} bits; {} gates, {} flip-flops per instance)",
            r.component.name(),
            r.logic_pj_per_activity,
            r.activity_unit,
            t.toggles,
            t.bits,
            calibration.block(r.component).map_or(0, |b| b.gates),
            calibration.block(r.component).map_or(0, |b| b.flops),
        );
    }
    let sram: u64 = e.components.iter().map(|r| r.sram_bits).sum();
    let _ = writeln!(
        s,
        "  - memories: {:.1} Mbit of SRAM (sizes of this configuration); the clock reaches every flip-flop every cycle (no gating)",
        sram as f64 / 1e6
    );
    let _ = writeln!(
        s,
        "  - area {:.1} mm^2 (SRAM, gates and flip-flops at the table's cell areas), so {:.2} mm between neighbouring cores",
        e.area_mm2, e.core_pitch_mm
    );
    let _ = writeln!(s, "  - energy table `{}`:", table.name);
    for (field, f) in table.figures() {
        let _ = writeln!(s, "      {field} = {}: {}", f.value, f.source);
    }
    s
}
