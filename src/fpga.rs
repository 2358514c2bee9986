//! `neurofuse fpga build`: a board's bitstream from the open flow, with utilization and the
//! achieved clock against the board's (docs/fpga.md).

use std::path::Path;

use anyhow::{bail, Result};
use chip::ChipConfig;
use fpga::flow::{self, BuildOptions};
use fpga::Design;
use serde_json::json;

pub fn build(board: &str, config: &str, design: Design, baud: u32, out: &Path) -> Result<()> {
    let board = fpga::board(board).map_err(anyhow::Error::msg)?;
    let config = match design {
        Design::Chip => Some(ChipConfig::load(config)?),
        Design::LinkTest => None,
    };
    let options = BuildOptions {
        board,
        design,
        config: config.as_ref(),
        baud,
        out,
    };
    std::fs::create_dir_all(out)
        .map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", out.display()))?;
    let spinner = indicatif::ProgressBar::new_spinner().with_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .expect("valid template"),
    );
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    let result = flow::build(&options, |stage| spinner.set_message(stage.to_string()));
    spinner.finish_and_clear();
    let report = match result {
        Ok(report) => report,
        Err(e) => bail!("fpga build for {}: {e}", board.name),
    };
    println!("{}: {}", board.name, board.description);
    println!(
        "bitstream: {} (UART {} baud: {} clocks per bit)",
        report.bitstream.display(),
        baud,
        report.clocks_per_bit
    );
    for u in &report.utilization {
        println!(
            "  {:<16} {:>7} / {:<7} {:>5.1} %",
            u.resource,
            u.used,
            u.available,
            100.0 * u.used as f64 / u.available as f64
        );
    }
    println!(
        "clock: achieved {:.1} MHz, requested {:.1} MHz (the board's clock): timing {}",
        report.achieved_mhz,
        report.requested_mhz,
        if report.timing_met() {
            "met"
        } else {
            "NOT met"
        }
    );
    let summary = json!({
        "board": board.name,
        "design": format!("{design:?}"),
        "bitstream": report.bitstream,
        "requested_mhz": report.requested_mhz,
        "achieved_mhz": report.achieved_mhz,
        "timing_met": report.timing_met(),
        "utilization": report.utilization.iter().map(|u| json!({"resource": u.resource, "used": u.used, "available": u.available})).collect::<Vec<_>>(),
        "stages_s": report.stages.iter().map(|(s, t)| json!({"stage": s, "seconds": t})).collect::<Vec<_>>(),
    });
    let path = out.join("build.json");
    std::fs::write(&path, serde_json::to_string_pretty(&summary)? + "\n")
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    if !report.timing_met() {
        bail!(
            "timing not met: {:.1} MHz achieved, the board runs at {:.1} MHz",
            report.achieved_mhz,
            report.requested_mhz
        );
    }
    Ok(())
}
