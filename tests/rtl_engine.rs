//! `neurofuse neuron --engine rtl` against `--engine fixed`: identical OUT.csv (every row,
//! every bit) on every NEURON reference protocol and on randomized stimuli, and identical
//! VCD that both a Rust and an independent (Python) VCD reader parse.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::str::contains;
use tempfile::TempDir;

fn neurofuse() -> Command {
    Command::cargo_bin("neurofuse").unwrap()
}

/// Tools are required (not skipped) when this is set, as in CI.
fn required() -> bool {
    std::env::var("NEUROFUSE_REQUIRE_VERILATOR").is_ok_and(|v| v == "1")
}

fn run(engine: &str, input: &Path, out: &Path, extra: &[&str]) {
    neurofuse()
        .args(["neuron", "--engine", engine, "--input"])
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

fn protocols() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/neuron");
    let mut files: Vec<PathBuf> = [root.clone(), root.join("extra")]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    files
}

#[test]
fn rtl_and_fixed_agree_bit_for_bit_on_every_reference_protocol() {
    if !testbench::rtl_available() {
        return;
    }
    let dir = TempDir::new().unwrap();
    let files = protocols();
    assert_eq!(files.len(), 12, "the twelve NEURON protocols");
    for input in files {
        let (fixed, rtl) = (dir.path().join("fixed.csv"), dir.path().join("rtl.csv"));
        run("fixed", &input, &fixed, &[]);
        run("rtl", &input, &rtl, &[]);
        let (a, b) = (std::fs::read(&fixed).unwrap(), std::fs::read(&rtl).unwrap());
        assert!(a.len() > 1000, "{}: a real trace", input.display());
        assert!(a == b, "{}: rtl differs from fixed", input.display());
    }
}

/// xorshift64*.
fn random_protocol(seed: u64, rows: usize) -> String {
    let mut s = seed;
    let mut next = move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut text = String::from("t_ms,i_uA_per_cm2\n");
    let mut current = 0.0;
    for k in 0..rows {
        // Piecewise-constant segments with noise, including negative and large currents.
        if k % 200 == 0 {
            current = -20.0 + 100.0 * next();
        }
        let i = current + 5.0 * (next() - 0.5);
        text.push_str(&format!("{},{i:.6}\n", k as f64 * 0.025));
    }
    text
}

#[test]
fn rtl_and_fixed_agree_bit_for_bit_on_random_stimuli() {
    if !testbench::rtl_available() {
        return;
    }
    let dir = TempDir::new().unwrap();
    for (seed, channels) in [
        (11, "builtin:hh_squid"),
        (12, "builtin:traub_miles"),
        (13, "builtin:hh_squid"),
    ] {
        let input = dir.path().join("random.csv");
        std::fs::write(&input, random_protocol(seed, 4000)).unwrap();
        let (fixed, rtl) = (dir.path().join("fixed.csv"), dir.path().join("rtl.csv"));
        run("fixed", &input, &fixed, &["--channels", channels]);
        run("rtl", &input, &rtl, &["--channels", channels]);
        assert!(
            std::fs::read(&fixed).unwrap() == std::fs::read(&rtl).unwrap(),
            "seed {seed}, {channels}: rtl differs from fixed"
        );
    }
}

/// Every (reference, value) change of a VCD, read with the `vcd` crate.
fn read_vcd(path: &Path) -> (Vec<String>, Vec<(u64, String, String)>) {
    let mut parser = vcd::Parser::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let header = parser.parse_header().unwrap();
    let probe = header
        .find_scope(&["neuron_core", "probe"])
        .expect("scope neuron_core.probe");
    let mut names = std::collections::HashMap::new();
    let mut vars = Vec::new();
    for item in &probe.items {
        if let vcd::ScopeItem::Var(v) = item {
            names.insert(v.code, v.reference.clone());
            vars.push(v.reference.clone());
        }
    }
    let mut changes = Vec::new();
    let mut t = 0;
    for command in parser {
        match command.unwrap() {
            vcd::Command::Timestamp(ts) => t = ts,
            vcd::Command::ChangeVector(code, v) => {
                changes.push((t, names[&code].clone(), v.to_string()))
            }
            vcd::Command::ChangeReal(code, v) => {
                changes.push((t, names[&code].clone(), v.to_string()))
            }
            vcd::Command::ChangeScalar(code, v) => {
                changes.push((t, names[&code].clone(), v.to_string()))
            }
            _ => {}
        }
    }
    (vars, changes)
}

#[test]
fn both_engines_write_the_same_vcd_and_it_parses() {
    if !testbench::rtl_available() {
        return;
    }
    let dir = TempDir::new().unwrap();
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/neuron/step_10.csv");
    let mut files = Vec::new();
    for engine in ["fixed", "rtl"] {
        let (out, vcd) = (
            dir.path().join(format!("{engine}.csv")),
            dir.path().join(format!("{engine}.vcd")),
        );
        run(engine, &input, &out, &["--vcd", vcd.to_str().unwrap()]);
        files.push((out, vcd));
    }
    let (vars, changes) = read_vcd(&files[0].1);
    assert_eq!(
        vars,
        [
            "v",
            "v_mV",
            "na_m",
            "na_m_value",
            "na_h",
            "na_h_value",
            "k_n",
            "k_n_value",
            "i_ext",
            "i_ext_uA",
            "spike"
        ]
    );
    assert_eq!(
        read_vcd(&files[1].1),
        (vars, changes.clone()),
        "same signals, same values"
    );

    // The VCD's V (as real, mV) is the trace's V, row for row; times are multiples of dt.
    let trace = std::fs::read_to_string(&files[0].0).unwrap();
    let v_rows: Vec<f64> = trace
        .lines()
        .skip(1)
        .map(|l| l.split_once(',').unwrap().1.parse().unwrap())
        .collect();
    let v_vcd: Vec<(u64, f64)> = changes
        .iter()
        .filter(|(_, n, _)| n == "v_mV")
        .map(|(t, _, v)| (*t, v.parse().unwrap()))
        .collect();
    assert_eq!(v_vcd.len(), v_rows.len());
    for (k, ((t, v), row)) in v_vcd.iter().zip(&v_rows).enumerate() {
        assert_eq!(*t, k as u64 * 25_000, "row {k}: 0.025 ms per step, in ns");
        // The trace prints 6 decimals.
        assert!(
            (v - row).abs() <= 1e-6,
            "row {k}: VCD {v} mV, trace {row} mV"
        );
    }
    let spikes = changes
        .iter()
        .filter(|(_, n, v)| n == "spike" && v == "1")
        .count();
    assert_eq!(spikes, 6, "step_10 makes six spikes");

    independent_reader_agrees(&files[1].1, &v_vcd);
}

/// pyvcd, an independent implementation, reads the same V values.
fn independent_reader_agrees(vcd: &Path, expected: &[(u64, f64)]) {
    let script = r#"
import sys
from vcd.reader import TokenKind, tokenize
codes, values = {}, []
time = 0
with open(sys.argv[1], 'rb') as f:
    for tok in tokenize(f):
        if tok.kind is TokenKind.VAR:
            codes[tok.var.id_code] = tok.var.reference
        elif tok.kind is TokenKind.CHANGE_TIME:
            time = tok.time_change
        elif tok.kind is TokenKind.CHANGE_REAL and codes[tok.real_change.id_code] == 'v_mV':
            values.append((time, tok.real_change.value))
for t, v in values:
    print(t, repr(v))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(vcd)
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o)
            if !required()
                && String::from_utf8_lossy(&o.stderr).contains("ModuleNotFoundError") =>
        {
            eprintln!("SKIPPED: the independent VCD reader (pip install pyvcd) is not installed");
            return;
        }
        other => panic!("pyvcd failed to read {}: {other:?}", vcd.display()),
    };
    let text = String::from_utf8(out.stdout).unwrap();
    let parsed: Vec<(u64, f64)> = text
        .lines()
        .map(|l| {
            let (t, v) = l.split_once(' ').unwrap();
            (t.parse().unwrap(), v.parse().unwrap())
        })
        .collect();
    assert_eq!(parsed.len(), expected.len());
    for (a, b) in parsed.iter().zip(expected) {
        assert_eq!(a.0, b.0);
        assert!((a.1 - b.1).abs() < 1e-9, "pyvcd {a:?}, vcd crate {b:?}");
    }
}

#[test]
fn vcd_needs_a_register_engine_and_precision_a_float_one() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/neuron/step_2.csv");
    let dir = TempDir::new().unwrap();
    neurofuse()
        .args(["neuron", "--engine", "float", "--input"])
        .arg(&input)
        .arg("--out")
        .arg(dir.path().join("o.csv"))
        .arg("--vcd")
        .arg(dir.path().join("o.vcd"))
        .assert()
        .failure()
        .stderr(contains("--vcd records the chip's registers"));
    neurofuse()
        .args(["neuron", "--engine", "rtl", "--precision", "f32", "--input"])
        .arg(&input)
        .arg("--out")
        .arg(dir.path().join("o.csv"))
        .assert()
        .failure()
        .stderr(contains("--precision applies to --engine float only"));
}

#[test]
fn rtl_trace_records_every_clock_and_the_probe_matches_the_output() {
    if !testbench::rtl_available() {
        return;
    }
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("short.csv");
    std::fs::write(&input, random_protocol(21, 40)).unwrap();
    let (out, trace) = (dir.path().join("rtl.csv"), dir.path().join("rtl_trace.vcd"));
    run(
        "rtl",
        &input,
        &out,
        &["--rtl-trace", trace.to_str().unwrap()],
    );

    let mut parser = vcd::Parser::new(std::io::BufReader::new(
        std::fs::File::open(&trace).unwrap(),
    ));
    let header = parser.parse_header().unwrap();
    let core = header
        .find_scope(&["TOP", "neuron_core"])
        .expect("scope TOP.neuron_core");
    let code = |name: &str| {
        core.items
            .iter()
            .find_map(|i| match i {
                vcd::ScopeItem::Var(v) if v.reference == name => Some(v.code),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no signal {name}"))
    };
    let (valid, v, clock) = (code("probe_valid"), code("probe_v"), code("clock"));
    assert!(
        core.items
            .iter()
            .any(|i| matches!(i, vcd::ScopeItem::Scope(s) if s.identifier == "gate0")),
        "the hierarchy below the core is traced"
    );
    // Time stamps: 2c + 1 just after clock c's rising edge, 2c + 2 after its falling edge.
    // The probe is sampled once per clock, at the rising-edge stamps.
    let (mut valid_now, mut v_now, mut time) = (false, 0u64, 0u64);
    let (mut probed, mut rising) = (Vec::new(), 0);
    let mut sample = |time: u64, valid_now: bool, v_now: u64| {
        if time % 2 == 1 && valid_now {
            probed.push(sim::format::from_bits(v_now, 20));
        }
    };
    for command in parser {
        match command.unwrap() {
            vcd::Command::Timestamp(t) => {
                sample(time, valid_now, v_now);
                time = t;
            }
            vcd::Command::ChangeScalar(c, x) if c == valid => valid_now = x == vcd::Value::V1,
            vcd::Command::ChangeScalar(c, x) if c == clock && x == vcd::Value::V1 => rising += 1,
            vcd::Command::ChangeVector(c, x) if c == v => {
                v_now = x
                    .iter()
                    .fold(0, |acc, b| acc << 1 | u64::from(b == vcd::Value::V1))
            }
            _ => {}
        }
    }
    sample(time, valid_now, v_now);
    let rows: Vec<f64> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .skip(2)
        .map(|l| l.split_once(',').unwrap().1.parse().unwrap())
        .collect();
    assert_eq!(rows.len(), 39);
    assert!(
        rising >= 39 * 17,
        "every clock of every step is traced ({rising} rising edges)"
    );
    assert_eq!(probed.len(), rows.len(), "one probe sample per step");
    for (k, row) in rows.iter().enumerate() {
        let mv = sim::format::v_to_mv(probed[k]);
        assert!(
            (mv - row).abs() <= 1e-6,
            "step {k}: trace {mv} mV, output {row} mV"
        );
    }
}
