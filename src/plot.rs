//! Voltage-trace plots (SVG, no system libraries needed).

use std::path::Path;

use anyhow::{anyhow, Result};
use plotters::prelude::*;

/// One named trace to draw.
pub struct Series<'a> {
    pub name: &'a str,
    pub v_mv: &'a [f64],
}

const COLOURS: [RGBColor; 4] = [
    BLACK,
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
];

/// Traces on top, their difference from the first (the reference) below.
pub fn traces_with_error(path: &Path, title: &str, t_ms: &[f64], series: &[Series]) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| anyhow!("{}: cannot draw the plot: {e}", path.display());
    let root = SVGBackend::new(path, (1000, 700)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (top, bottom) = root.split_vertically(440);
    let t_end = t_ms.last().copied().unwrap_or(1.0);
    let (lo, hi) = series
        .iter()
        .flat_map(|s| s.v_mv.iter().copied())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let mut chart = ChartBuilder::on(&top)
        .caption(title, ("sans-serif", 22))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0..t_end, (lo - 5.0)..(hi + 5.0))
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("t (ms)")
        .y_desc("V (mV)")
        .draw()
        .map_err(|e| err(&e))?;
    for (k, s) in series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(
                t_ms.iter().copied().zip(s.v_mv.iter().copied()),
                colour.stroke_width(if k == 0 { 3 } else { 1 }),
            ))
            .map_err(|e| err(&e))?
            .label(s.name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;

    let reference = series[0].v_mv;
    let diffs: Vec<Vec<f64>> = series[1..]
        .iter()
        .map(|s| s.v_mv.iter().zip(reference).map(|(a, b)| a - b).collect())
        .collect();
    let span = diffs.iter().flatten().fold(1.0f64, |m, d| m.max(d.abs()));
    let mut chart = ChartBuilder::on(&bottom)
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0..t_end, -span..span)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("t (ms)")
        .y_desc(format!("V - {} (mV)", series[0].name))
        .draw()
        .map_err(|e| err(&e))?;
    for (k, d) in diffs.iter().enumerate() {
        let colour = COLOURS[(k + 1) % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(
                t_ms.iter().copied().zip(d.iter().copied()),
                colour,
            ))
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// A spike raster: one dot per (time in ms, neuron).
pub fn raster(
    path: &Path,
    title: &str,
    spikes: &[(f64, u32)],
    t_end_ms: f64,
    neurons: usize,
) -> Result<()> {
    let err =
        |e: &dyn std::fmt::Display| anyhow!("{}: cannot draw the raster: {e}", path.display());
    let root = SVGBackend::new(path, (1000, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0..t_end_ms.max(1e-3), 0.0..(neurons.max(1) as f64))
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("t (ms)")
        .y_desc("neuron")
        .draw()
        .map_err(|e| err(&e))?;
    chart
        .draw_series(
            spikes
                .iter()
                .map(|&(t, n)| Circle::new((t, f64::from(n) + 0.5), 1, BLACK.filled())),
        )
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// One engine's spikes of the same run: (time in ms, neuron) per spike.
pub struct RasterPanel<'a> {
    pub name: &'a str,
    pub spikes: &'a [(f64, u32)],
}

/// Spike rasters of the same run on several engines, one panel each, stacked on a shared
/// time axis; neurons from `highlight_from` on (e.g. a classifier's outputs) in red.
pub fn rasters(
    path: &Path,
    title: &str,
    panels: &[RasterPanel],
    t_end_ms: f64,
    neurons: usize,
    highlight_from: usize,
) -> Result<()> {
    let err =
        |e: &dyn std::fmt::Display| anyhow!("{}: cannot draw the rasters: {e}", path.display());
    let height = 60 + 260 * panels.len().max(1) as u32;
    let root = SVGBackend::new(path, (1000, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let root = root
        .titled(title, ("sans-serif", 20))
        .map_err(|e| err(&e))?;
    let areas = root.split_evenly((panels.len().max(1), 1));
    let highlight = RGBColor(214, 39, 40);
    for (panel, area) in panels.iter().zip(&areas) {
        let mut chart = ChartBuilder::on(area)
            .margin(8)
            .x_label_area_size(35)
            .y_label_area_size(55)
            .build_cartesian_2d(0.0..t_end_ms.max(1e-3), 0.0..(neurons.max(1) as f64))
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc("t (ms)")
            .y_desc(format!("{}: neuron", panel.name))
            .draw()
            .map_err(|e| err(&e))?;
        chart
            .draw_series(panel.spikes.iter().map(|&(t, n)| {
                let colour = if n as usize >= highlight_from {
                    highlight
                } else {
                    BLACK
                };
                Circle::new((t, f64::from(n) + 0.5), 2, colour.filled())
            }))
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// A power breakdown: one bar per component, split into logic, clock, memory, links and
/// leakage, in mW.
pub fn power_breakdown(path: &Path, e: &power::PowerEstimate) -> Result<()> {
    let err = |x: &dyn std::fmt::Display| {
        anyhow!("{}: cannot draw the power breakdown: {x}", path.display())
    };
    type Part = (
        &'static str,
        RGBColor,
        fn(&power::estimate::ComponentPower) -> f64,
    );
    let parts: [Part; 5] = [
        ("logic", RGBColor(31, 119, 180), |r| r.logic_w),
        ("clock", RGBColor(255, 127, 14), |r| r.clock_w),
        ("memory", RGBColor(44, 160, 44), |r| r.memory_w),
        ("links", RGBColor(148, 103, 189), |r| r.link_w),
        ("static", RGBColor(127, 127, 127), |r| r.static_w),
    ];
    let widest = e
        .components
        .iter()
        .map(|r| r.total_w * 1e3)
        .fold(1e-9, f64::max);
    let root = SVGBackend::new(path, (900, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| err(&x))?;
    let names: Vec<&str> = e.components.iter().map(|r| r.component.name()).collect();
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "chip `{}` at {} MHz, {:.0} ticks/s: {:.3} W ({:.3} W static)",
                e.config, e.clock_mhz, e.ticks_per_s, e.total_w, e.static_w
            ),
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..widest * 1.05, 0.0..names.len() as f64)
        .map_err(|x| err(&x))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc("power (mW)")
        .y_labels(names.len() * 2 + 1)
        .y_label_formatter(&|y| {
            let k = (*y - 0.5).round();
            if (y - 0.5 - k).abs() < 1e-6 && k >= 0.0 {
                names
                    .get(k as usize)
                    .map_or(String::new(), |n| n.to_string())
            } else {
                String::new()
            }
        })
        .draw()
        .map_err(|x| err(&x))?;
    for (name, colour, value) in parts {
        let mut bars = Vec::new();
        for (k, r) in e.components.iter().enumerate() {
            let start: f64 = parts
                .iter()
                .take_while(|(n, _, _)| *n != name)
                .map(|(_, _, v)| v(r) * 1e3)
                .sum();
            let y = k as f64;
            bars.push(Rectangle::new(
                [(start, y + 0.15), (start + value(r) * 1e3, y + 0.85)],
                colour.filled(),
            ));
        }
        chart
            .draw_series(bars)
            .map_err(|x| err(&x))?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|x| err(&x))?;
    root.present().map_err(|x| err(&x))?;
    Ok(())
}

/// Named curves of (x, y) points on shared axes, with markers (accuracy per epoch, accuracy
/// against noise).
pub fn curves(
    path: &Path,
    title: &str,
    (x_desc, y_desc): (&str, &str),
    y_range: std::ops::Range<f64>,
    series: &[(String, Vec<(f64, f64)>)],
) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| anyhow!("{}: cannot draw the plot: {e}", path.display());
    let (x_lo, x_hi) = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|&(x, _)| x))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
    let (x_lo, x_hi) = if x_lo < x_hi {
        (x_lo, x_hi)
    } else {
        (0.0, 1.0)
    };
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(x_lo..x_hi, y_range)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .draw()
        .map_err(|e| err(&e))?;
    for (k, (name, points)) in series.iter().enumerate() {
        let colour = COLOURS[(k + 1) % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                colour.stroke_width(2),
            ))
            .map_err(|e| err(&e))?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))
            .map_err(|e| err(&e))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
