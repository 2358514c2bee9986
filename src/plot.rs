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
