//! The placement picture: the mesh as a grid of cores (shaded by how full they are, labelled
//! with their neurons and the packets through their router), and each link between
//! neighbouring cores as thick as the packets it carries under dimension-order routing; one
//! panel per placement, side by side (the naive baseline next to the partitioned one).

use std::path::Path;

use anyhow::{anyhow, Result};
use compiler::traffic::{mesh_load, MeshLoad};
use compiler::Traffic;
use plotters::prelude::*;

/// One placement to draw.
pub struct Panel<'a> {
    pub title: String,
    pub traffic: &'a Traffic,
    /// Neurons per core, in core order.
    pub neurons: Vec<usize>,
}

const CELL: i32 = 96;
const MARGIN: i32 = 40;
const TITLE: i32 = 56;

pub fn placement(
    path: &Path,
    mesh_width: usize,
    mesh_height: usize,
    capacity: usize,
    panels: &[Panel],
) -> Result<()> {
    let err =
        |e: &dyn std::fmt::Display| anyhow!("{}: cannot draw the picture: {e}", path.display());
    let panel_w = (mesh_width as i32 * CELL + 2 * MARGIN).max(460);
    let panel_h = mesh_height as i32 * CELL + 2 * MARGIN + TITLE;
    let size = ((panel_w * panels.len() as i32) as u32, panel_h as u32);
    let root = SVGBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let loads: Vec<MeshLoad> = panels
        .iter()
        .map(|p| mesh_load(p.traffic, mesh_width))
        .collect();
    // One scale for every panel, so line widths compare across them.
    let heaviest = loads
        .iter()
        .flat_map(|l| l.links.iter().map(|&(_, packets)| packets))
        .max()
        .unwrap_or(0)
        .max(1);
    for (k, (panel, load)) in panels.iter().zip(&loads).enumerate() {
        let x0 = k as i32 * panel_w + MARGIN;
        let y0 = TITLE + MARGIN;
        let centre = |core: usize| {
            let (x, y) = ((core % mesh_width) as i32, (core / mesh_width) as i32);
            (x0 + x * CELL + CELL / 2, y0 + y * CELL + CELL / 2)
        };
        for (line, text) in panel.title.lines().enumerate() {
            root.draw(&Text::new(
                text.to_string(),
                (k as i32 * panel_w + 12, 10 + 22 * line as i32),
                ("sans-serif", 17).into_font(),
            ))
            .map_err(|e| err(&e))?;
        }
        for &((a, b), packets) in &load.links {
            let width = 1 + (14 * packets / heaviest) as u32;
            root.draw(&PathElement::new(
                vec![centre(a), centre(b)],
                RGBColor(214, 39, 40).mix(0.7).stroke_width(width),
            ))
            .map_err(|e| err(&e))?;
        }
        for (core, &n) in panel.neurons.iter().enumerate() {
            let (cx, cy) = centre(core);
            let fill = n as f64 / capacity.max(1) as f64;
            let shade = (235.0 - 150.0 * fill.min(1.0)) as u8;
            let half = CELL / 2 - 18;
            root.draw(&Rectangle::new(
                [(cx - half, cy - half), (cx + half, cy + half)],
                RGBColor(shade, shade, 255).filled(),
            ))
            .map_err(|e| err(&e))?;
            for (line, text) in [
                format!("{core}: {n} n"),
                format!("r {}", load.routers[core]),
            ]
            .into_iter()
            .enumerate()
            {
                root.draw(&Text::new(
                    text,
                    (cx - half + 3, cy - half + 4 + 15 * line as i32),
                    ("sans-serif", 12).into_font(),
                ))
                .map_err(|e| err(&e))?;
            }
        }
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// Per case (name, naive packets, partitioned packets, naive hops, partitioned hops): bars of
/// the partitioned placement's packets and hops as a percentage of the naive baseline's.
pub fn comparison(path: &Path, cases: &[(&str, u64, u64, u64, u64)]) -> Result<()> {
    let err =
        |e: &dyn std::fmt::Display| anyhow!("{}: cannot draw the figure: {e}", path.display());
    let rows = cases.len().max(1);
    let root = SVGBackend::new(path, (1100, 90 + 70 * rows as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Partitioned placement vs naive index order (naive = 100 %)",
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(35)
        .y_label_area_size(20)
        .build_cartesian_2d(0.0..125.0f64, 0.0..rows as f64)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_desc("% of the naive placement's inter-core packets / router hops")
        .draw()
        .map_err(|e| err(&e))?;
    let pct = |now: u64, before: u64| 100.0 * now as f64 / before.max(1) as f64;
    let packets = RGBColor(31, 119, 180);
    let hops = RGBColor(214, 39, 40);
    for (k, &(name, bp, tp, bh, th)) in cases.iter().enumerate() {
        let y = (rows - 1 - k) as f64;
        for (offset, value, colour) in [(0.45, pct(tp, bp), packets), (0.15, pct(th, bh), hops)] {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y + offset), (value.min(125.0), y + offset + 0.25)],
                    colour.filled(),
                )))
                .map_err(|e| err(&e))?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{value:.0} %"),
                    (value.min(112.0) + 1.0, y + offset + 0.22),
                    ("sans-serif", 12).into_font(),
                )))
                .map_err(|e| err(&e))?;
        }
        chart
            .draw_series(std::iter::once(Text::new(
                name.to_string(),
                (1.0, y + 0.97),
                ("sans-serif", 13).into_font(),
            )))
            .map_err(|e| err(&e))?;
    }
    for (label, colour) in [("inter-core packets", packets), ("router hops", hops)] {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, 0.0), (0.0, 0.0)],
                colour.filled(),
            )))
            .map_err(|e| err(&e))?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
