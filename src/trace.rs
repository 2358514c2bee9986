//! Current-clamp protocols in (`t_ms,i_uA_per_cm2`) and voltage traces out (`t_ms,v_mV`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};

/// Time step assumed when the input has a single row and none is given.
pub const DEFAULT_DT_MS: f64 = 0.025;

/// A piecewise-constant current protocol: row k's current applies from `t[k]` to `t[k] + dt`.
#[derive(Clone, Debug, PartialEq)]
pub struct Protocol {
    pub t_ms: Vec<f64>,
    pub i_ua_per_cm2: Vec<f64>,
    /// Extra columns, by header name (the NEURON reference files carry `v_mV`).
    pub extra: Vec<(String, Vec<f64>)>,
    pub dt_ms: f64,
}

impl Protocol {
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.extra
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.as_slice())
    }
}

/// Reads a protocol. `dt_ms`, when given, must match the row spacing of the file.
pub fn read_protocol(path: &Path, dt_ms: Option<f64>) -> Result<Protocol> {
    let name = path.display();
    let file = File::open(path).with_context(|| format!("{name}: cannot open the input file"))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(file);
    let headers = reader
        .headers()
        .with_context(|| format!("{name}: cannot read the header line"))?
        .clone();
    if headers.is_empty() || headers.iter().all(str::is_empty) {
        bail!("{name}: the file is empty; expected a header `t_ms,i_uA_per_cm2` and data rows");
    }
    let find = |col: &str| -> Result<usize> {
        headers.iter().position(|h| h == col).with_context(|| {
            format!(
                "{name}: line 1: missing column `{col}` (the header has: {}); expected `t_ms,i_uA_per_cm2`",
                headers.iter().collect::<Vec<_>>().join(", ")
            )
        })
    };
    let (t_col, i_col) = (find("t_ms")?, find("i_uA_per_cm2")?);
    let extra_cols: Vec<usize> = (0..headers.len())
        .filter(|&c| c != t_col && c != i_col)
        .collect();
    let mut protocol = Protocol {
        t_ms: Vec::new(),
        i_ua_per_cm2: Vec::new(),
        extra: extra_cols
            .iter()
            .map(|&c| (headers[c].to_string(), Vec::new()))
            .collect(),
        dt_ms: 0.0,
    };
    for record in reader.records() {
        let record = record.with_context(|| format!("{name}: malformed CSV"))?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |c: usize| -> Result<f64> {
            let text = record.get(c).unwrap_or("");
            let value: f64 = text.parse().map_err(|_| {
                anyhow::anyhow!(
                    "{name}: line {line}, column `{}`: '{text}' is not a number",
                    &headers[c]
                )
            })?;
            if !value.is_finite() {
                bail!(
                    "{name}: line {line}, column `{}`: {text} is not a finite number",
                    &headers[c]
                );
            }
            Ok(value)
        };
        protocol.t_ms.push(cell(t_col)?);
        protocol.i_ua_per_cm2.push(cell(i_col)?);
        for (k, &c) in extra_cols.iter().enumerate() {
            // Extra columns are kept when numeric and otherwise ignored.
            if let Ok(x) = record.get(c).unwrap_or("").parse::<f64>() {
                protocol.extra[k].1.push(x);
            }
        }
        let n = protocol.t_ms.len();
        if n >= 2 {
            let step = protocol.t_ms[n - 1] - protocol.t_ms[n - 2];
            if n == 2 {
                if step <= 0.0 {
                    bail!(
                        "{name}: line {line}: time must increase, but t_ms goes from {} to {}",
                        protocol.t_ms[0],
                        protocol.t_ms[1]
                    );
                }
                protocol.dt_ms = step;
            } else if (step - protocol.dt_ms).abs() > 1e-3 * protocol.dt_ms {
                bail!(
                    "{name}: line {line}: non-uniform time step: {step:.6} ms here, {:.6} ms between the first two rows",
                    protocol.dt_ms
                );
            }
        }
    }
    protocol
        .extra
        .retain(|(_, c)| c.len() == protocol.t_ms.len());
    if protocol.t_ms.is_empty() {
        bail!("{name}: no data rows after the header");
    }
    match (protocol.t_ms.len(), dt_ms) {
        (1, dt) => protocol.dt_ms = dt.unwrap_or(DEFAULT_DT_MS),
        (_, Some(dt)) if (dt - protocol.dt_ms).abs() > 1e-3 * dt => bail!(
            "{name}: rows are {:.6} ms apart but --dt is {dt} ms; give a protocol sampled at the simulation step",
            protocol.dt_ms
        ),
        _ => {}
    }
    Ok(protocol)
}

/// Writes `t_ms,v_mV`; fails (rather than leaving a partial file) if any write fails.
pub fn write_trace(path: &Path, t_ms: &[f64], v_mv: &[f64]) -> Result<()> {
    let name = path.display();
    let tmp = path.with_extension("csv.partial");
    let file =
        File::create(&tmp).with_context(|| format!("{name}: cannot create the output file"))?;
    let mut w = BufWriter::new(file);
    let mut body = || -> std::io::Result<()> {
        writeln!(w, "t_ms,v_mV")?;
        for (t, v) in t_ms.iter().zip(v_mv) {
            writeln!(w, "{t:.4},{v:.6}")?;
        }
        w.flush()?;
        w.get_ref().sync_all()
    };
    body().with_context(|| format!("{name}: writing the trace failed"))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("{name}: cannot move the finished trace into place"))
}
