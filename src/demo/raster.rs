//! The demo's raster: one test image's spikes on the float reference, the chip model and
//! (when built) the verilated chip, one panel each, output neurons in red.

use std::path::Path;

use anyhow::Result;
use chip::ChipImage;
use serde_json::{json, Value};
use train::fit::Example;

use super::accuracy::ChipSpikes;
use super::network::Classifier;
use crate::evaluate::{chip_spikes_sim, decide, float_spikes, network_spikes};
use crate::plot::{rasters, RasterPanel};

/// Draws the raster of `example` into `path` (`rtl`: its RTL spikes, if run); returns each
/// engine's spike count and decision.
pub fn draw(
    path: &Path,
    c: &Classifier,
    image: &ChipImage,
    example: &Example,
    rtl: Option<&ChipSpikes>,
) -> Result<Value> {
    let ticks = c.spec.ticks;
    let mut runs = vec![
        ("float", float_spikes(&c.net, &c.spec, &example.stimulus)?),
        (
            "sim",
            network_spikes(image, &chip_spikes_sim(image, &example.stimulus, ticks)?)?,
        ),
    ];
    if let Some(r) = rtl {
        runs.push(("rtl", network_spikes(image, r)?));
    }
    let dt = c.spec.dt_ms;
    let points: Vec<Vec<(f64, u32)>> = runs
        .iter()
        .map(|(_, ticks)| {
            ticks
                .iter()
                .enumerate()
                .flat_map(|(t, spikes)| spikes.iter().map(move |&n| (t as f64 * dt, n)))
                .collect()
        })
        .collect();
    let panels: Vec<RasterPanel> = runs
        .iter()
        .zip(&points)
        .map(|((name, _), spikes)| RasterPanel { name, spikes })
        .collect();
    rasters(
        path,
        &format!(
            "test image 0 (a {}): spikes per engine; output neurons {}..{} in red",
            example.label,
            c.spec.first_output(),
            c.spec.first_output() + c.spec.classes - 1
        ),
        &panels,
        ticks as f64 * dt,
        c.net.neurons,
        c.spec.first_output(),
    )?;
    let mut summary = serde_json::Map::new();
    let mut line = format!("test image 0 (a {}):", example.label);
    for ((name, spikes), p) in runs.iter().zip(&points) {
        let decision = decide(&c.spec, spikes);
        line += &format!(
            " {name} {} spikes -> {};",
            p.len(),
            decision.map_or("none".to_string(), |d| d.to_string())
        );
        summary.insert(
            name.to_string(),
            json!({ "spikes": p.len(), "decision": decision }),
        );
    }
    println!("{}", line.trim_end_matches(';'));
    Ok(Value::Object(summary))
}
