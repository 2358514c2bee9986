//! A dependency-free build-script helper that turns a Verilog top module into a safe Rust
//! type: runs `verilator --cc`, reads the ports from the generated header, writes an
//! `extern "C"` shim and a Rust wrapper, builds with Verilator's own makefile and links
//! the result statically. Works with Verilator 5.006 (Debian 12) and newer.
//!
//! ```ignore
//! let Some(verilator) = vlbuild::Verilator::detect() else { return };
//! vlbuild::build(&verilator, &[vlbuild::Model::new("neuron_core", &[path]).trace(true)]);
//! // then in the crate: include!(concat!(env!("OUT_DIR"), "/vl_neuron_core.rs"));
//! ```

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Set to `1` to make a missing Verilator a build error (CI), instead of a skipped model.
pub const REQUIRE_ENV: &str = "NEUROFUSE_REQUIRE_VERILATOR";

pub struct Verilator {
    pub exe: PathBuf,
    pub version: String,
}

impl Verilator {
    /// `$VERILATOR` or `verilator` on PATH; `None` when absent, unless [`REQUIRE_ENV`] is 1.
    pub fn detect() -> Option<Verilator> {
        println!("cargo::rerun-if-env-changed=VERILATOR");
        println!("cargo::rerun-if-env-changed={REQUIRE_ENV}");
        let require = env::var(REQUIRE_ENV).is_ok_and(|v| v == "1");
        let exe = PathBuf::from(env::var_os("VERILATOR").unwrap_or_else(|| "verilator".into()));
        match Command::new(&exe).arg("--version").output() {
            Ok(o) if o.status.success() => Some(Verilator {
                exe,
                version: String::from_utf8_lossy(&o.stdout).trim().to_string(),
            }),
            _ if require => panic!(
                "{REQUIRE_ENV}=1 but `{} --version` failed: install Verilator (tools/install-hdl-tools.sh)",
                exe.display()
            ),
            _ => None,
        }
    }
}

/// One Verilog top module to verilate.
pub struct Model {
    pub top: String,
    /// Names the generated files, C++ class (`V<name>`) and symbols: the same top can be
    /// built twice (say with and without tracing) under two names.
    pub name: String,
    /// Files passed to Verilator in order (`.vlt` configuration files first).
    pub files: Vec<PathBuf>,
    pub trace: bool,
    pub coverage_toggle: bool,
}

impl Model {
    pub fn new(top: &str, files: &[&Path]) -> Model {
        Model {
            top: top.into(),
            name: top.into(),
            files: files.iter().map(|p| p.to_path_buf()).collect(),
            trace: false,
            coverage_toggle: false,
        }
    }

    pub fn name(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }

    /// Build with VCD tracing support (`--trace`).
    pub fn trace(mut self, on: bool) -> Self {
        self.trace = on;
        self
    }

    /// Build with per-bit toggle counters (`--coverage-toggle`).
    pub fn coverage_toggle(mut self, on: bool) -> Self {
        self.coverage_toggle = on;
        self
    }
}

struct Port {
    name: String,
    output: bool,
    rust_type: &'static str,
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    if !out.status.success() {
        panic!(
            "{cmd:?} failed\n--- stdout ---\n{}\n--- stderr ---\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Verilates each model into `$OUT_DIR/vl_<name>/`, writes `$OUT_DIR/vl_<name>.rs`, links
/// them all with one copy of the Verilator runtime (`libvl_models.a`) and emits
/// `cfg(has_verilator)`.
pub fn build(verilator: &Verilator, models: &[Model]) {
    assert!(!models.is_empty(), "no model to build");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR: run from a build script"));
    let mut members = Vec::new();
    for (i, model) in models.iter().enumerate() {
        let dir = verilate(verilator, model, &out);
        members.extend(unpack(
            &dir,
            &format!("V{}__ALL.a", model.name),
            &format!("m{i}"),
        ));
        members.push(dir.join("shim.o"));
    }
    // The runtime, once, built in the first model's directory.
    let first = out.join(format!("vl_{}", models[0].name));
    let mut runtime = vec!["verilated.o", "verilated_threads.o"];
    if models.iter().any(|m| m.trace) {
        runtime.push("verilated_vcd_c.o");
    }
    if models.iter().any(|m| m.coverage_toggle) {
        runtime.push("verilated_cov.o");
    }
    make(&first, &format!("V{}.mk", models[0].name), &runtime);
    members.extend(runtime.iter().map(|o| first.join(o)));

    let library = out.join("libvl_models.a");
    let _ = fs::remove_file(&library);
    run(Command::new("ar").arg("rcs").arg(&library).args(&members));
    println!("cargo::rustc-link-search=native={}", out.display());
    println!("cargo::rustc-link-lib=static=vl_models");
    println!("cargo::rustc-link-lib=dylib=stdc++");
    println!("cargo::rustc-cfg=has_verilator");
    println!("cargo::rustc-env=VERILATOR_VERSION={}", verilator.version);
}

fn make(dir: &Path, makefile: &str, targets: &[&str]) {
    let jobs = env::var("NUM_JOBS").unwrap_or_else(|_| "2".into());
    run(Command::new("make")
        .arg("-C")
        .arg(dir)
        .arg("-f")
        .arg(makefile)
        .arg(format!("-j{jobs}"))
        .args(["OPT_FAST=-O2", "OPT_SLOW=-O1", "OPT_GLOBAL=-O2"])
        .args(targets));
}

/// The members of `dir/archive`, extracted under distinct names (`<tag>_<member>`).
fn unpack(dir: &Path, archive: &str, tag: &str) -> Vec<PathBuf> {
    let staging = dir.join("members");
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging).unwrap();
    run(Command::new("ar")
        .current_dir(&staging)
        .arg("x")
        .arg(dir.join(archive)));
    fs::read_dir(&staging)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let renamed = staging.join(format!(
                "{tag}_{}",
                path.file_name().unwrap().to_string_lossy()
            ));
            fs::rename(&path, &renamed).unwrap();
            renamed
        })
        .collect()
}

/// Verilates one model and builds its archive and shim; returns its directory.
fn verilate(verilator: &Verilator, model: &Model, out: &Path) -> PathBuf {
    let name = &model.name;
    let dir = out.join(format!("vl_{name}"));
    fs::create_dir_all(&dir).expect("create the Verilator output directory");
    let class = format!("V{name}");
    let mut cmd = Command::new(&verilator.exe);
    cmd.args([
        "--cc",
        "-O3",
        "--x-assign",
        "fast",
        "--x-initial",
        "fast",
        "--noassert",
    ])
    .args(["--top-module", &model.top, "--prefix", &class])
    .arg("--Mdir")
    .arg(&dir)
    .args(["-CFLAGS", "-fPIC -O2"]);
    if model.trace {
        cmd.arg("--trace");
    }
    if model.coverage_toggle {
        cmd.arg("--coverage-toggle");
    }
    for f in &model.files {
        // Files the build script generated into OUT_DIR are written after cargo's reference
        // time: watching them would rerun the build (and Verilator) on every build. They are
        // regenerated whenever the build script or its dependencies change.
        if !f.starts_with(out) {
            println!("cargo::rerun-if-changed={}", f.display());
        }
        cmd.arg(f);
    }
    run(&mut cmd);

    let ports = parse_ports(&dir.join(format!("{class}.h")));
    fs::write(dir.join("shim.cpp"), shim_cpp(model, &class, &ports)).unwrap();
    fs::write(
        out.join(format!("vl_{name}.rs")),
        bindings_rs(model, &ports),
    )
    .unwrap();
    make(
        &dir,
        &format!("{class}.mk"),
        &[&format!("{class}__ALL.a"), "shim.o"],
    );
    dir
}

/// Ports from the verilated header's `VL_IN8(&clock,0,0);`-style declarations.
fn parse_ports(header: &Path) -> Vec<Port> {
    let text = fs::read_to_string(header).expect("read the verilated header");
    let mut ports = Vec::new();
    for line in text.lines().map(str::trim) {
        let (output, rest) = if let Some(r) = line.strip_prefix("VL_OUT") {
            (true, r)
        } else if let Some(r) = line.strip_prefix("VL_IN") {
            (false, r)
        } else {
            continue;
        };
        let Some(open) = rest.find('(') else { continue };
        let rust_type = match &rest[..open] {
            "8" => "u8",
            "16" => "u16",
            "" => "u32",
            "64" => "u64",
            kind => panic!("port kind VL_*{kind} (wider than 64 bits) is not supported: {line}"),
        };
        let name = rest[open + 1..]
            .split(',')
            .next()
            .unwrap()
            .trim()
            .trim_start_matches('&')
            .to_string();
        ports.push(Port {
            name,
            output,
            rust_type,
        });
    }
    assert!(!ports.is_empty(), "no ports found in {}", header.display());
    ports
}

fn shim_cpp(model: &Model, class: &str, ports: &[Port]) -> String {
    let mut s = String::new();
    let trace = model.trace;
    writeln!(
        s,
        "#include \"{class}.h\"\n#include \"verilated.h\"\n#include <cstdint>"
    )
    .unwrap();
    if trace {
        writeln!(s, "#include \"verilated_vcd_c.h\"").unwrap();
    }
    if model.coverage_toggle {
        writeln!(s, "#include \"verilated_cov.h\"").unwrap();
    }
    writeln!(
        s,
        "struct Sim {{ VerilatedContext* context; {class}* top; void* vcd; }};\nextern \"C\" {{"
    )
    .unwrap();
    // traceEverOn must precede the model's construction.
    writeln!(s, "Sim* vl_new() {{ auto* s = new Sim; s->context = new VerilatedContext; s->context->traceEverOn({trace}); s->top = new {class}{{s->context, \"TOP\"}}; s->vcd = nullptr; return s; }}").unwrap();
    if trace {
        writeln!(s, "int vl_trace_open(Sim* s, const char* path) {{ auto* v = new VerilatedVcdC; s->top->trace(v, 99); v->open(path); if (!v->isOpen()) {{ delete v; return -1; }} s->vcd = v; return 0; }}").unwrap();
        writeln!(s, "void vl_trace_dump(Sim* s, uint64_t t) {{ if (s->vcd) static_cast<VerilatedVcdC*>(s->vcd)->dump(t); }}").unwrap();
        writeln!(s, "void vl_trace_close(Sim* s) {{ if (s->vcd) {{ auto* v = static_cast<VerilatedVcdC*>(s->vcd); v->close(); delete v; s->vcd = nullptr; }} }}").unwrap();
    } else {
        writeln!(s, "int vl_trace_open(Sim*, const char*) {{ return -2; }}\nvoid vl_trace_dump(Sim*, uint64_t) {{}}\nvoid vl_trace_close(Sim*) {{}}").unwrap();
    }
    if model.coverage_toggle {
        writeln!(s, "void vl_coverage_write(Sim* s, const char* path) {{ s->context->coveragep()->write(path); }}").unwrap();
    } else {
        writeln!(s, "void vl_coverage_write(Sim*, const char*) {{}}").unwrap();
    }
    writeln!(s, "void vl_delete(Sim* s) {{ vl_trace_close(s); s->top->final(); delete s->top; delete s->context; delete s; }}").unwrap();
    writeln!(s, "void vl_eval(Sim* s) {{ s->top->eval(); }}").unwrap();
    for p in ports {
        let n = &p.name;
        if !p.output {
            writeln!(
                s,
                "void vl_set_{n}(Sim* s, uint64_t v) {{ s->top->{n} = v; }}"
            )
            .unwrap();
        }
        writeln!(
            s,
            "uint64_t vl_get_{n}(const Sim* s) {{ return s->top->{n}; }}"
        )
        .unwrap();
    }
    writeln!(s, "}}").unwrap();
    // Symbols are per model (`vl_<name>_...`) so several models can link into one binary.
    s.replace("vl_", &format!("vl_{}_", model.name))
}

fn bindings_rs(model: &Model, ports: &[Port]) -> String {
    let p = format!("vl_{}", model.name);
    let mut s = String::new();
    writeln!(
        s,
        "// Generated by vlbuild for the Verilog module `{}`.",
        model.top
    )
    .unwrap();
    writeln!(s, "#[repr(C)]\npub struct Raw {{ _opaque: [u8; 0] }}").unwrap();
    writeln!(s, "unsafe extern \"C\" {{").unwrap();
    writeln!(s, "    fn {p}_new() -> *mut Raw;\n    fn {p}_delete(s: *mut Raw);\n    fn {p}_eval(s: *mut Raw);").unwrap();
    writeln!(s, "    fn {p}_trace_open(s: *mut Raw, path: *const core::ffi::c_char) -> i32;\n    fn {p}_trace_dump(s: *mut Raw, t: u64);\n    fn {p}_trace_close(s: *mut Raw);").unwrap();
    writeln!(
        s,
        "    fn {p}_coverage_write(s: *mut Raw, path: *const core::ffi::c_char);"
    )
    .unwrap();
    for port in ports {
        let n = &port.name;
        if !port.output {
            writeln!(s, "    fn {p}_set_{n}(s: *mut Raw, v: u64);").unwrap();
        }
        writeln!(s, "    fn {p}_get_{n}(s: *const Raw) -> u64;").unwrap();
    }
    writeln!(s, "}}").unwrap();
    writeln!(
        s,
        "/// Built with VCD tracing.\n#[allow(dead_code)]\npub const TRACE: bool = {};",
        model.trace
    )
    .unwrap();
    writeln!(s, "/// One verilated model with its own context. Verilator models are not thread-safe:\n/// the type is neither Send nor Sync.\npub struct Model {{ raw: *mut Raw }}").unwrap();
    writeln!(
        s,
        "impl Drop for Model {{ fn drop(&mut self) {{ unsafe {{ {p}_delete(self.raw) }} }} }}"
    )
    .unwrap();
    writeln!(
        s,
        "impl Default for Model {{ fn default() -> Self {{ Self::new() }} }}"
    )
    .unwrap();
    writeln!(
        s,
        "#[allow(dead_code, clippy::unnecessary_cast)]\nimpl Model {{"
    )
    .unwrap();
    writeln!(s, "    pub fn new() -> Self {{ let raw = unsafe {{ {p}_new() }}; assert!(!raw.is_null()); Model {{ raw }} }}").unwrap();
    writeln!(s, "    /// Settles the model after input changes.\n    #[inline] pub fn eval(&mut self) {{ unsafe {{ {p}_eval(self.raw) }} }}").unwrap();
    writeln!(s, "    /// Starts a VCD of every signal (needs a model built with tracing).\n    pub fn trace_open(&mut self, path: &std::path::Path) -> std::io::Result<()> {{\n        use std::os::unix::ffi::OsStrExt;\n        let c = std::ffi::CString::new(path.as_os_str().as_bytes())?;\n        match unsafe {{ {p}_trace_open(self.raw, c.as_ptr()) }} {{\n            0 => Ok(()),\n            -2 => Err(std::io::Error::other(\"the model was built without tracing\")),\n            _ => Err(std::io::Error::other(format!(\"{{}}: cannot open for writing\", path.display()))),\n        }}\n    }}").unwrap();
    writeln!(s, "    /// Writes the signals' values at time `t` (in the VCD's time unit).\n    #[inline] pub fn trace_dump(&mut self, t: u64) {{ unsafe {{ {p}_trace_dump(self.raw, t) }} }}").unwrap();
    writeln!(
        s,
        "    pub fn trace_close(&mut self) {{ unsafe {{ {p}_trace_close(self.raw) }} }}"
    )
    .unwrap();
    writeln!(s, "    /// Writes the coverage counters (toggle counts) to `path`.\n    pub fn coverage_write(&mut self, path: &std::path::Path) {{ use std::os::unix::ffi::OsStrExt; let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect(\"path without NUL\"); unsafe {{ {p}_coverage_write(self.raw, c.as_ptr()) }} }}").unwrap();
    for port in ports {
        let (n, ty) = (&port.name, port.rust_type);
        if !port.output {
            writeln!(s, "    #[inline] pub fn set_{n}(&mut self, v: {ty}) {{ unsafe {{ {p}_set_{n}(self.raw, v as u64) }} }}").unwrap();
        }
        writeln!(s, "    #[inline] pub fn {n}(&self) -> {ty} {{ unsafe {{ {p}_get_{n}(self.raw) as {ty} }} }}").unwrap();
    }
    writeln!(s, "}}").unwrap();
    s
}
