//! Finding NVRTC and compiling kernels to PTX. NVRTC is a plain shared library: it needs
//! neither a GPU nor a driver, so kernels are compiled (and checked) on any machine with it.
//!
//! Where the library comes from, first match wins:
//! 1. `NEUROFUSE_NVRTC_LIB`: the path of `libnvrtc.so.12` (or of the directory holding it);
//! 2. the directory `tools/install-nvrtc.sh` installs to:
//!    `$XDG_DATA_HOME/neurofuse/nvrtc` (default `~/.local/share/neurofuse/nvrtc`);
//! 3. the dynamic loader's usual search (`LD_LIBRARY_PATH`, `ldconfig`), through cudarc.
//!
//! For 1 and 2 the file is loaded by path first; cudarc's own `dlopen("libnvrtc.so.12")`
//! then finds that already loaded library by its soname instead of searching for it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cudarc::nvrtc::{compile_ptx_with_opts, CompileError, CompileOptions};

use super::CudaError;

/// The library's file name (its soname) for the CUDA 12 NVRTC cudarc is built against.
pub const NVRTC_SONAME: &str = "libnvrtc.so.12";

/// Where `tools/install-nvrtc.sh` puts the wheel's contents.
pub fn install_dir() -> Option<PathBuf> {
    let data = match std::env::var_os("XDG_DATA_HOME") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(std::env::var_os("HOME")?).join(".local/share"),
    };
    Some(data.join("neurofuse/nvrtc"))
}

/// Makes NVRTC loadable (once per process) or says why it is not.
pub fn load_nvrtc() -> Result<(), CudaError> {
    static LOADED: OnceLock<Result<(), String>> = OnceLock::new();
    LOADED
        .get_or_init(find_and_load)
        .clone()
        .map_err(CudaError::NoNvrtc)
}

fn find_and_load() -> Result<(), String> {
    if let Some(path) = std::env::var_os("NEUROFUSE_NVRTC_LIB") {
        let mut path = PathBuf::from(path);
        if path.is_dir() {
            path.push(NVRTC_SONAME);
        }
        return preload(&path).map_err(|e| {
            format!(
                "NEUROFUSE_NVRTC_LIB={}: NVRTC could not be loaded ({e})",
                path.display()
            )
        });
    }
    if let Some(dir) = install_dir() {
        let path = dir.join("nvidia/cuda_nvrtc/lib").join(NVRTC_SONAME);
        if path.is_file() {
            return preload(&path)
                .map_err(|e| format!("{}: NVRTC could not be loaded ({e})", path.display()));
        }
    }
    // SAFETY: only tries to dlopen the candidate names.
    if unsafe { cudarc::nvrtc::sys::is_culib_present() } {
        Ok(())
    } else {
        Err(format!(
            "NVRTC not found: {NVRTC_SONAME} is not on the loader's path, NEUROFUSE_NVRTC_LIB is \
             not set and tools/install-nvrtc.sh has not installed it in {}",
            install_dir().map_or("~/.local/share/neurofuse/nvrtc".into(), |d| d
                .display()
                .to_string())
        ))
    }
}

/// Loads `path` for the rest of the process, then checks cudarc resolves NVRTC to it.
fn preload(path: &Path) -> Result<(), String> {
    // SAFETY: NVRTC's initializers have no preconditions.
    let lib = unsafe { libloading::Library::new(path) }.map_err(|e| e.to_string())?;
    std::mem::forget(lib); // kept loaded: cudarc resolves its symbols from this copy
                           // SAFETY: as above.
    if unsafe { cudarc::nvrtc::sys::is_culib_present() } {
        Ok(())
    } else {
        Err(format!("loaded, but its soname is not {NVRTC_SONAME}"))
    }
}

/// Compiles CUDA C++ to PTX with the options the bit-exact kernels need: no contraction of
/// `a * b + c` into an FMA, IEEE division and square root, no flushing of subnormals.
pub fn compile_source(src: &str) -> Result<String, CudaError> {
    load_nvrtc()?;
    let opts = CompileOptions {
        fmad: Some(false),
        ftz: Some(false),
        prec_div: Some(true),
        prec_sqrt: Some(true),
        use_fast_math: Some(false),
        name: Some("neurofuse.cu".into()),
        ..Default::default()
    };
    // cudarc panics if a symbol it needs is missing from the library: report it instead.
    let compiled = std::panic::catch_unwind(|| compile_ptx_with_opts(src, opts))
        .map_err(|p| CudaError::NoNvrtc(panic_message(&*p)))?;
    match compiled {
        Ok(ptx) => Ok(ptx.to_src()),
        Err(CompileError::CompileError { log, .. }) => Err(CudaError::Compile(
            log.to_string_lossy().trim_end_matches('\0').to_string(),
        )),
        Err(e) => Err(CudaError::Compile(format!("{e:?}"))),
    }
}

pub(crate) fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}
