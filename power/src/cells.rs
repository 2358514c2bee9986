//! Logic cells of the RTL's blocks, from Yosys: each block synthesized flat to generic gates
//! with its memories kept as memories (they are counted as SRAM bits instead), then the
//! cells counted as flip-flops and gates.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::PowerError;

/// Gates and flip-flops of one block.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct BlockCells {
    pub gates: u64,
    pub flops: u64,
}

/// Cells per block (Verilog module name).
pub type Cells = BTreeMap<String, BlockCells>;

/// The Yosys script: coarse synthesis, memories left unmapped, then fine-grained gates.
pub fn yosys_script(verilog: &Path, top: &str) -> String {
    format!(
        "read_verilog {}; synth -flatten -top {top} -run begin:fine; opt -fast -full; \
         techmap; opt -fast; abc -fast; opt -fast; tee -q -o {top}_cells.txt stat",
        verilog.display()
    )
}

/// Synthesizes `dir/TOP.v` for each of `tops` (the files `neurofuse verilog` writes) and
/// counts its cells (Yosys's report is left beside it as `TOP_cells.txt`). An error naming the block when Yosys is missing or fails.
pub fn synthesize(dir: &Path, tops: &[&str]) -> Result<Cells, PowerError> {
    let mut cells = Cells::new();
    for top in tops {
        let file = format!("{top}.v");
        let verilog = dir.join(&file);
        // Yosys runs in `dir`, so it reads the file by its name (a path relative to the
        // caller's directory would not resolve there).
        let output = Command::new("yosys")
            .arg("-q")
            .arg("-p")
            .arg(yosys_script(Path::new(&file), top))
            .current_dir(dir)
            .output()
            .map_err(|e| {
                PowerError(format!(
                    "cannot run yosys for {top}: {e} (install it with tools/install-hdl-tools.sh, or pass cell counts with --cells)"
                ))
            })?;
        if !output.status.success() {
            return Err(PowerError(format!(
                "yosys failed on {}: {}",
                verilog.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let report_path = dir.join(format!("{top}_cells.txt"));
        let report = std::fs::read_to_string(&report_path)
            .map_err(|e| PowerError(format!("{}: {e}", report_path.display())))?;
        let block = parse_stat(&report)
            .map_err(|e| PowerError(format!("{}: {e}", report_path.display())))?;
        cells.insert(top.to_string(), block);
    }
    Ok(cells)
}

/// Reads the cell table of a Yosys `stat` report: `$_DFF*`, `$_SDFF*`, `$_DLATCH*` and the
/// like are flip-flops, `$mem*` is left out (memories), every other cell is a gate.
pub fn parse_stat(report: &str) -> Result<BlockCells, String> {
    let mut lines = report
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("Number of cells:"));
    let header = lines.next().ok_or("no `Number of cells:` line")?;
    let total: u64 = header
        .split(':')
        .nth(1)
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("unreadable cell count `{}`", header.trim()))?;
    let mut cells = BlockCells::default();
    let mut listed = 0;
    for line in lines {
        let mut words = line.split_whitespace();
        let (Some(name), Some(count), None) = (words.next(), words.next(), words.next()) else {
            break;
        };
        let (true, Ok(count)) = (name.starts_with('$'), count.parse::<u64>()) else {
            break;
        };
        listed += count;
        if name.starts_with("$mem") {
            continue;
        }
        if name.contains("DFF") || name.contains("DLATCH") || name.contains("SR_") {
            cells.flops += count;
        } else {
            cells.gates += count;
        }
    }
    if listed != total {
        return Err(format!("the cells listed add up to {listed}, not {total}"));
    }
    Ok(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stat_table_is_split_into_flops_gates_and_memories() {
        let report = "\n=== spike_router ===\n\n   Number of wires:  10\n   Number of cells:               20\n     $_ANDNOT_                     5\n     $_DFFE_PP_                    4\n     $_SDFF_PP0_                   3\n     $_XOR_                        6\n     $mem_v2                       2\n\n";
        assert_eq!(
            parse_stat(report),
            Ok(BlockCells {
                gates: 11,
                flops: 7
            })
        );
        let short = report.replace("20", "21");
        assert!(parse_stat(&short)
            .unwrap_err()
            .contains("add up to 20, not 21"));
        assert!(parse_stat("nothing").is_err());
    }
}
