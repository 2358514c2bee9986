//! The CUDA backend: the generated kernels compile with NVRTC, agree bit for bit with the CPU
//! backend when compiled as host C++ (no GPU needed), and on a GPU when there is one.
//!
//! Missing tools skip loudly (`SKIPPED: ...`) unless required: `NEUROFUSE_REQUIRE_NVRTC=1`
//! (NVRTC), `NEUROFUSE_REQUIRE_GXX=1` (g++), `NEUROFUSE_REQUIRE_CUDA=1` (a GPU).

use std::path::{Path, PathBuf};
use std::process::Command;

use channels::ChannelSet;
use gpu::cuda::{compile_source, cuda_source, CudaEngine, CudaError, CudaFloat, FloatTy};
use gpu::{FloatEngine, KernelKind, Population, Real};

#[path = "cuda/common.rs"]
mod common;
use common::{
    all_sets, assert_exact_arithmetic, build_with_gxx, custom_set, nvrtc_available, required,
};

const STEPS: usize = 400;
const DT: f64 = 0.025;

#[test]
fn every_channel_set_compiles_with_nvrtc() {
    if !nvrtc_available() {
        return;
    }
    for set in all_sets() {
        let ptx = compile_source(&cuda_source(&set))
            .unwrap_or_else(|e| panic!("channel set {}: {e}", set.name));
        for ty in FloatTy::ALL {
            let entry = format!(".entry {}(", ty.forward_kernel());
            assert!(ptx.contains(&entry), "{}: no {entry} in the PTX", set.name);
        }
        assert_exact_arithmetic(&set.name, &ptx);
    }
}

#[test]
fn nvrtc_reports_compile_errors() {
    if !nvrtc_available() {
        return;
    }
    match compile_source("extern \"C\" __global__ void k() { undeclared_name = 1; }") {
        Err(CudaError::Compile(log)) => assert!(log.contains("undeclared_name"), "{log}"),
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[path = "shared/populations.rs"]
mod populations;
use populations::varied;

/// The CPU reference: the fastest kernel and the interpreter, which must agree already.
fn cpu_reference<R: Real>(set: &ChannelSet) -> (Population<R>, Population<R>) {
    let engine = FloatEngine::<R>::new(set, DT).unwrap();
    let interpreted = FloatEngine::<R>::interpreted(set, DT).unwrap();
    let start = varied(&engine, 1000);
    let mut a = start.clone();
    let mut b = start.clone();
    for _ in 0..STEPS {
        engine.step(&mut a);
        interpreted.step(&mut b);
    }
    assert_same(set, "interpreted vs fastest CPU kernel", &b, &a);
    assert!(
        a.total_spikes() > 100,
        "{}: the test population should spike",
        set.name
    );
    (start, a)
}

fn assert_same<R: Real>(set: &ChannelSet, what: &str, got: &Population<R>, want: &Population<R>) {
    let bits = |x: R| x.to_f64().to_bits();
    for k in 0..want.len() {
        assert_eq!(
            bits(got.v[k]),
            bits(want.v[k]),
            "{} {} {what}: neuron {k}: V {:?}, CPU {:?}",
            set.name,
            R::NAME,
            got.v[k],
            want.v[k]
        );
        for g in 0..want.gates.len() {
            assert_eq!(
                bits(got.gates[g][k]),
                bits(want.gates[g][k]),
                "{} {} {what}: neuron {k}, gate {g}",
                set.name,
                R::NAME
            );
        }
    }
    assert_eq!(
        got.spikes,
        want.spikes,
        "{} {} {what}: spikes",
        set.name,
        R::NAME
    );
}

fn push_real<R: Real>(out: &mut Vec<u8>, x: R) {
    match R::NAME {
        "f32" => out.extend((x.to_f64() as f32).to_ne_bytes()),
        _ => out.extend(x.to_f64().to_ne_bytes()),
    }
}

fn population_file<R: Real>(set: &ChannelSet, pop: &Population<R>, steps: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let size = if R::NAME == "f32" { 4u32 } else { 8 };
    let header = [
        size,
        pop.len() as u32,
        set.gates.len() as u32,
        set.channels.len() as u32,
        steps as u32,
    ];
    for h in header {
        out.extend(h.to_ne_bytes());
    }
    // The CPU engine's step parameters, rounded the same way.
    let params = [-DT, -DT / set.capacitance].map(R::from_f64);
    for x in params.into_iter().chain([pop.threshold]) {
        push_real(&mut out, x);
    }
    for c in &set.channels {
        push_real(&mut out, R::from_f64(c.conductance));
    }
    for c in &set.channels {
        push_real(&mut out, R::from_f64(c.reversal));
    }
    for xs in [&pop.v]
        .into_iter()
        .chain(&pop.gates)
        .chain([&pop.i_ext, &pop.g_ext])
    {
        for &x in xs {
            push_real(&mut out, x);
        }
    }
    for &s in &pop.spikes {
        out.extend(s.to_ne_bytes());
    }
    out
}

/// Reads the driver's output (v, gates, spikes) into a copy of `start`.
fn read_result<R: Real>(bytes: &[u8], start: &Population<R>) -> Population<R> {
    let size = if R::NAME == "f32" { 4 } else { 8 };
    let n = start.len();
    let ng = start.gates.len();
    assert_eq!(
        bytes.len(),
        (1 + ng) * n * size + 4 * n,
        "driver output size"
    );
    let real = |i: usize| -> R {
        let b = &bytes[i * size..(i + 1) * size];
        match size {
            4 => R::from_f64(f32::from_ne_bytes(b.try_into().unwrap()) as f64),
            _ => R::from_f64(f64::from_ne_bytes(b.try_into().unwrap())),
        }
    };
    let mut pop = start.clone();
    pop.v = (0..n).map(real).collect();
    for g in 0..ng {
        pop.gates[g] = (0..n).map(|k| real((1 + g) * n + k)).collect();
    }
    let base = (1 + ng) * n * size;
    pop.spikes = (0..n)
        .map(|k| u32::from_ne_bytes(bytes[base + 4 * k..base + 4 * k + 4].try_into().unwrap()))
        .collect();
    pop
}

/// Builds the host driver around the generated source of `set`, or says why it cannot.
fn build_host_driver(set: &ChannelSet, dir: &Path) -> Option<PathBuf> {
    build_with_gxx(&cuda_source(set), "host_driver.cpp", dir, &set.name)
}

fn host_agrees<R: Real>(set: &ChannelSet, exe: &Path, dir: &Path) {
    let (start, want) = cpu_reference::<R>(set);
    let (input, output) = (
        dir.join(format!("in_{}", R::NAME)),
        dir.join(format!("out_{}", R::NAME)),
    );
    std::fs::write(&input, population_file(set, &start, STEPS)).unwrap();
    let run = Command::new(exe).arg(&input).arg(&output).output().unwrap();
    assert!(
        run.status.success(),
        "{}: host driver failed: {}",
        set.name,
        String::from_utf8_lossy(&run.stderr)
    );
    let got = read_result(&std::fs::read(&output).unwrap(), &start);
    assert_same(set, "host-compiled CUDA source", &got, &want);
}

#[test]
fn host_compiled_kernels_equal_the_cpu_backend() {
    for set in all_sets() {
        let dir = tempfile::tempdir().unwrap();
        let Some(exe) = build_host_driver(&set, dir.path()) else {
            return;
        };
        host_agrees::<f32>(&set, &exe, dir.path());
        host_agrees::<f64>(&set, &exe, dir.path());
    }
}

#[test]
fn the_custom_set_is_interpreted_on_the_cpu() {
    // So the host comparison above covers the interpreter as the fastest kernel too.
    let engine = FloatEngine::<f64>::new(&custom_set(), DT).unwrap();
    assert_eq!(engine.kernel_kind(), KernelKind::Interpreted);
}

fn device_agrees<R: CudaFloat>(set: &ChannelSet, engine: &CudaEngine<R>) {
    let (start, want) = cpu_reference::<R>(set);
    let mut got = start.clone();
    engine.run_population(&mut got, STEPS).unwrap();
    assert_same(set, &format!("GPU ({})", engine.device_name()), &got, &want);
}

#[test]
fn gpu_kernels_equal_the_cpu_backend_or_no_device_is_a_clear_error() {
    let set = ChannelSet::builtin("hh_squid").unwrap();
    let first = std::panic::catch_unwind(|| CudaEngine::<f32>::new(&set, DT).map(|_| ()))
        .unwrap_or_else(|_| {
            panic!("creating a CUDA engine panicked instead of returning an error")
        });
    match first {
        Err(CudaError::NoDevice(why)) => {
            let message = CudaError::NoDevice(why.clone()).to_string();
            assert!(message.starts_with("no CUDA device: "), "{message}");
            assert!(!why.is_empty());
            assert!(
                !required("NEUROFUSE_REQUIRE_CUDA"),
                "NEUROFUSE_REQUIRE_CUDA=1 but {message}"
            );
            eprintln!("SKIPPED: {message}; the kernels were not run on a GPU");
            // The same answer every time, for both types.
            assert!(matches!(
                CudaEngine::<f64>::new(&set, DT),
                Err(CudaError::NoDevice(_))
            ));
        }
        Err(CudaError::NoNvrtc(_)) => assert!(!nvrtc_available(), "NVRTC loads after all"),
        Err(e) => panic!("a GPU is present but the engine failed: {e}"),
        Ok(()) => {
            for set in all_sets() {
                device_agrees::<f32>(&set, &CudaEngine::new(&set, DT).unwrap());
                device_agrees::<f64>(&set, &CudaEngine::new(&set, DT).unwrap());
            }
        }
    }
}

#[test]
fn a_bad_time_step_is_refused_before_looking_for_a_device() {
    let set = ChannelSet::builtin("hh_squid").unwrap();
    assert!(matches!(
        CudaEngine::<f32>::new(&set, 0.0),
        Err(CudaError::Invalid(m)) if m.contains("time step")
    ));
}
