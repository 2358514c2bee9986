"""Generate NEURON ground-truth traces for a single Hodgkin-Huxley neuron.

Setup (same as /work/shared/reference/README.md): one section with the built-in
`hh` mechanism, celsius 6.3, gNa/gK/gL = 0.12/0.036/0.0003 S/cm^2,
ENa/EK/EL = 50/-77/-54.3 mV, Cm 1 uF/cm^2, finitialize(-65) (gates at steady
state), CVODE with atol = rtol = 1e-8.

The injected current is a density in uA/cm^2, piecewise constant: the value
in row k applies on [t_k, t_k+1), rows 0.025 ms apart.  It is delivered by an
IClamp whose amplitude (nA = density * area_um2 * 1e-5) is played step-wise
(Vector.play, continuous=0) on a 0.0125 ms grid (each row value repeated
twice), so each grid point is a CVODE event (re-init).  That grid is what the
existing reference used: with it, step_10 is reproduced to print precision.
V is recorded exactly at the sample times.

Output (format identical to the files in /work/shared/reference/hh_neuron/):
  <out>/<protocol>.csv   header t_ms,i_uA_per_cm2,v_mV; rows t = 0, dt, ..., t_end - dt
  <out>/summary.json     spike counts/times (upward 0 mV crossings, linearly
                         interpolated between samples, rounded to 4 decimals)

Rerun (from the repository root):
  python3 -m venv /tmp/nrnvenv && /tmp/nrnvenv/bin/pip install neuron numpy
  /tmp/nrnvenv/bin/python tools/neuron_reference/generate.py [--out DIR] [--only NAME ...]
Default output: tests/data/neuron/extra/.  `--exact-rates` turns off NEURON's
rate tables for `hh` (usetable_hh = 0; by default NEURON interpolates the rates
in 1 mV steps) and `--from CSV ...` adds the protocols (currents) of existing
reference files; tests/data/neuron/exact_rates/ was made with
  generate.py --exact-rates --from tests/data/neuron/step_*.csv --out tests/data/neuron/exact_rates
`--check REF_CSV` instead re-runs the
current column of an existing reference CSV (e.g. /work/shared/reference/
hh_neuron/step_10.csv) and prints the deviation in V and spike times.
"""
import argparse
import json
import os

import numpy as np
from neuron import h

DT = 0.025          # ms, sample and current grid
PER_MS = 40         # rows per ms


def protocols():
    """name -> (t_end_ms, current density per row in uA/cm^2)."""
    def rows(t_end):
        k = np.arange(int(round(t_end * PER_MS)))
        return k, k / PER_MS

    out = {}
    k, _ = rows(100)
    out["pulses"] = (100.0, np.where((k >= 5 * PER_MS) & ((k - 5 * PER_MS) % (8 * PER_MS) < PER_MS), 40.0, 0.0))
    k, t = rows(100)
    out["ramp"] = (100.0, 15.0 * t / 100.0)
    k, _ = rows(100)
    rng = np.random.default_rng(7)
    mu, sd, tau = 6.0, 3.0, 2.0
    a = np.exp(-DT / tau)
    z = rng.standard_normal(len(k))
    x = np.empty(len(k))
    x[0] = mu + sd * z[0]                      # start from the stationary law
    for i in range(1, len(k)):                 # exact OU update on the grid
        x[i] = mu + a * (x[i - 1] - mu) + sd * np.sqrt(1 - a * a) * z[i]
    out["noisy"] = (100.0, x)
    k, _ = rows(100)
    out["anode_break"] = (100.0, np.where((k >= 10 * PER_MS) & (k < 30 * PER_MS), -10.0, 0.0))
    k, t = rows(100)
    out["sine"] = (100.0, 8.0 + 6.0 * np.sin(2 * np.pi * t / 25.0))
    k, _ = rows(300)
    out["step_15_long"] = (300.0, np.where((k >= 10 * PER_MS) & (k < 300 * PER_MS), 15.0, 0.0))
    return out


def simulate(i_density, t_end, tol=1e-8):
    """Return V (mV) at t_k = k*DT, k = 0..len(i_density)-1."""
    h.load_file("stdrun.hoc")
    soma = h.Section(name="soma")
    soma.nseg, soma.L, soma.diam, soma.cm = 1, 10.0, 10.0 / np.pi, 1.0   # area 100 um^2
    soma.insert("hh")
    seg = soma(0.5)
    seg.hh.gnabar, seg.hh.gkbar, seg.hh.gl, seg.hh.el = 0.12, 0.036, 0.0003, -54.3
    seg.ena, seg.ek = 50.0, -77.0
    h.celsius = 6.3

    stim = h.IClamp(seg)
    stim.delay, stim.dur = 0.0, 1e9
    scale = seg.area() * 1e-5                  # uA/cm^2 -> nA
    n = len(i_density)
    tplay = h.Vector(np.arange(2 * n) * (DT / 2))
    iplay = h.Vector(np.repeat(np.asarray(i_density, float) * scale, 2))
    iplay.play(stim._ref_amp, tplay, 0)        # step-wise; grid points are CVODE events

    tsamp = h.Vector(np.arange(n) / PER_MS)
    vrec = h.Vector()
    vrec.record(seg._ref_v, tsamp)

    cv = h.CVode()
    cv.active(1)
    cv.atol(tol)
    cv.rtol(tol)
    h.finitialize(-65.0)
    cv.solve(t_end)
    assert len(list(h.allsec())) == 1          # previous protocol's cell is gone
    return np.array(vrec)[:n]


def spike_times(t, v):
    idx = np.nonzero((v[:-1] < 0.0) & (v[1:] >= 0.0))[0]
    return [round(float(t[i] + (0.0 - v[i]) * (t[i + 1] - t[i]) / (v[i + 1] - v[i])), 4) for i in idx]


def write_csv(path, t, i, v):
    with open(path, "w") as f:
        f.write("t_ms,i_uA_per_cm2,v_mV\n")
        for row in zip(t, i, v):
            f.write("%.4f,%.6f,%.6f\n" % row)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join("tests", "data", "neuron", "extra"))
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--check", metavar="REF_CSV")
    ap.add_argument("--exact-rates", action="store_true", help="usetable_hh = 0")
    ap.add_argument("--from", dest="from_csv", nargs="*", default=[], metavar="CSV")
    args = ap.parse_args()
    if args.exact_rates:
        h.usetable_hh = 0

    if args.check:
        ref = np.loadtxt(args.check, delimiter=",", skiprows=1)
        v = simulate(ref[:, 1], len(ref) * DT)
        dv = np.abs(v - ref[:, 2])
        print("%s: mean|dV| %.3g mV, max|dV| %.3g mV" % (args.check, dv.mean(), dv.max()))
        print("spikes new", spike_times(ref[:, 0], v))
        print("spikes ref", spike_times(ref[:, 0], ref[:, 2]))
        return

    os.makedirs(args.out, exist_ok=True)
    summary = {
        "source": "NEURON %s, built-in hh mechanism" % h.nrnversion()
                  + (" with usetable_hh = 0 (exact rates)" if args.exact_rates else "")
                  + ", celsius 6.3, CVODE atol=rtol=1e-8, V0 -65 mV, "
                  "gates at steady state; current density uA/cm^2 piecewise constant per 0.025 ms row, played on a 0.0125 ms event grid; "
                  "V sampled every 0.025 ms; spike = upward crossing of 0 mV, linearly interpolated",
        "protocols": {},
    }
    todo = dict(protocols())
    for path in args.from_csv:
        cur = np.loadtxt(path, delimiter=",", skiprows=1)[:, 1]
        todo[os.path.splitext(os.path.basename(path))[0]] = (len(cur) * DT, cur)
    for name, (t_end, i) in todo.items():
        if args.only and name not in args.only:
            continue
        t = np.arange(len(i)) / PER_MS
        v = simulate(i, t_end)
        write_csv(os.path.join(args.out, name + ".csv"), t, i, v)
        st = spike_times(t, v)
        summary["protocols"][name] = {"t_end_ms": t_end, "n_spikes": len(st), "spike_times_ms": st}
        print("%-13s %3d spikes" % (name, len(st)))
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
