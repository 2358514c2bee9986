//! Switching activity from a VCD: bit toggles of every signal, summed per instance of the
//! top module (the `vcd` crate reads the file as a stream, so its size does not matter).

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;

use vcd::{Command, IdCode, ScopeItem, Value};

/// Toggles and bits of the signals of one instance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InstanceToggles {
    /// Bit changes of its signals (a bus of 8 bits going 0x00 -> 0xFF counts 8).
    pub toggles: u64,
    /// Signal bits declared in it (and in the instances below it).
    pub bits: u64,
}

/// Signals left out: the clock (its power is counted per flip-flop) with every copy of it
/// rust-hdl hands a sub-block (`fifos__0__clock`, `ram_read_clock`), and the reset.
fn left_out(name: &str) -> bool {
    name.ends_with("clock") || name == "reset" || name.ends_with("__reset")
}

struct Signal {
    last: Option<Vec<Value>>,
    toggles: u64,
}

/// Toggles per instance directly below the scope `top` (e.g. `neurofuse_chip`), keyed by
/// instance name. Signals of `top` itself and above it are left out: they are the ports
/// that connect the instances, already counted there.
pub fn per_instance(path: &Path, top: &str) -> Result<BTreeMap<String, InstanceToggles>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    per_instance_from(std::io::BufReader::with_capacity(1 << 20, file), top)
        .map_err(|e| format!("{}: {e}", path.display()))
}

pub fn per_instance_from(
    reader: impl BufRead,
    top: &str,
) -> Result<BTreeMap<String, InstanceToggles>, String> {
    let mut parser = vcd::Parser::new(reader);
    let header = parser
        .parse_header()
        .map_err(|e| format!("VCD header: {e}"))?;
    // Each declaration: (instance, code, width). Codes are shared by aliases.
    let mut declarations: Vec<(String, IdCode, u32)> = Vec::new();
    fn walk(
        items: &[ScopeItem],
        top: &str,
        instance: Option<&str>,
        below_top: bool,
        out: &mut Vec<(String, IdCode, u32)>,
    ) {
        for item in items {
            match item {
                ScopeItem::Scope(scope) => {
                    let (inst, below) = match (below_top, instance) {
                        (true, None) => (Some(scope.identifier.as_str()), true),
                        (true, Some(i)) => (Some(i), true),
                        (false, _) => (None, scope.identifier == top),
                    };
                    walk(&scope.items, top, inst, below, out);
                }
                ScopeItem::Var(var) => {
                    if let Some(i) = instance {
                        out.push((i.to_string(), var.code, var.size));
                    }
                }
                _ => {}
            }
        }
    }
    walk(&header.items, top, None, false, &mut declarations);
    // A signal that shares its code with a clock or reset (an alias) is one too.
    let clocks: std::collections::HashSet<IdCode> = all_vars(&header.items)
        .filter(|v| left_out(&v.reference))
        .map(|v| v.code)
        .collect();
    declarations.retain(|(_, code, _)| !clocks.contains(code));
    if declarations.is_empty() {
        return Err(format!("no signals below a scope named `{top}`"));
    }
    let mut signals: HashMap<IdCode, Signal> = declarations
        .iter()
        .map(|&(_, code, _)| {
            (
                code,
                Signal {
                    last: None,
                    toggles: 0,
                },
            )
        })
        .collect();
    for command in parser {
        let command = command.map_err(|e| format!("VCD body: {e}"))?;
        let (code, value): (IdCode, Vec<Value>) = match command {
            Command::ChangeScalar(code, v) => (code, vec![v]),
            Command::ChangeVector(code, v) => (code, v.iter().collect()),
            _ => continue,
        };
        let Some(signal) = signals.get_mut(&code) else {
            continue;
        };
        if let Some(last) = &signal.last {
            signal.toggles += changed_bits(last, &value);
        }
        signal.last = Some(value);
    }
    let mut out: BTreeMap<String, InstanceToggles> = BTreeMap::new();
    for (instance, code, width) in declarations {
        let entry = out.entry(instance).or_default();
        entry.toggles += signals[&code].toggles;
        entry.bits += u64::from(width);
    }
    Ok(out)
}

/// Every variable declared in `items` and the scopes below.
fn all_vars(items: &[ScopeItem]) -> Box<dyn Iterator<Item = &vcd::Var> + '_> {
    Box::new(
        items
            .iter()
            .flat_map(|item| -> Box<dyn Iterator<Item = &vcd::Var> + '_> {
                match item {
                    ScopeItem::Scope(scope) => all_vars(&scope.items),
                    ScopeItem::Var(var) => Box::new(std::iter::once(var)),
                    _ => Box::new(std::iter::empty()),
                }
            }),
    )
}

/// Bits that differ; VCD vectors are MSB first and may omit leading zeros.
fn changed_bits(a: &[Value], b: &[Value]) -> u64 {
    let width = a.len().max(b.len());
    let bit = |v: &[Value], i: usize| {
        let pad = width - v.len();
        if i < pad {
            Value::V0
        } else {
            v[i - pad]
        }
    };
    (0..width).filter(|&i| bit(a, i) != bit(b, i)).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggles_are_counted_per_bit_and_per_instance() {
        let vcd = "$timescale 1ns $end
$scope module TOP $end
$var wire 1 ! clock $end
$scope module chip $end
$var wire 4 # bus $end
$scope module core0 $end
$var wire 1 ! clock $end
$var wire 4 # bus $end
$scope module inner $end
$var wire 1 % flag $end
$var wire 1 ! ram__read_clock $end
$var wire 1 ! copy_of_clock_under_another_name $end
$upscope $end
$upscope $end
$scope module mesh $end
$var wire 2 & link $end
$upscope $end
$upscope $end
$upscope $end
$enddefinitions $end
#0
0!
b0 #
0%
b0 &
#1
1!
b1111 #
1%
#2
0!
b101 #
0%
b11 &
#3
b101 #
b10 &
";
        let got = per_instance_from(vcd.as_bytes(), "chip").unwrap();
        // core0: bus 0000 -> 1111 -> 0101 -> 0101 (4 + 2) and flag (2); the clock and its
        // aliases (same code, any name) are out.
        assert_eq!(
            got["core0"],
            InstanceToggles {
                toggles: 8,
                bits: 5
            }
        );
        // mesh: 00 -> 11 -> 10 (2 + 1).
        assert_eq!(
            got["mesh"],
            InstanceToggles {
                toggles: 3,
                bits: 2
            }
        );
        assert_eq!(got.len(), 2, "the top's own signals are not an instance");
        assert!(per_instance_from(vcd.as_bytes(), "nothing").is_err());
    }
}
