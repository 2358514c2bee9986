//! Running the generated kernels on a GPU: one engine per channel set and float type.

use std::sync::Arc;

use channels::ChannelSet;
use cudarc::driver::{
    CudaContext, CudaFunction, CudaSlice, CudaStream, DeviceRepr, LaunchConfig, PushKernelArg,
    ValidAsZeroBits,
};
use cudarc::nvrtc::Ptx;

use super::nvrtc::{compile_source, panic_message};
use super::source::{cuda_source, FloatTy};
use super::CudaError;
use crate::engine::Population;
use crate::real::Real;

/// The float types with a CUDA kernel.
pub trait CudaFloat: Real + DeviceRepr + ValidAsZeroBits {
    const TY: FloatTy;
}

impl CudaFloat for f32 {
    const TY: FloatTy = FloatTy::F32;
}

impl CudaFloat for f64 {
    const TY: FloatTy = FloatTy::F64;
}

/// Threads per block: enough to hide latency, small enough for any register count.
const BLOCK: u32 = 128;

/// A population in GPU memory; see [`Population`] for the fields.
pub struct DevicePopulation<R> {
    n: usize,
    v: CudaSlice<R>,
    gates: Vec<CudaSlice<R>>,
    i_ext: CudaSlice<R>,
    g_ext: CudaSlice<R>,
    spikes: CudaSlice<u32>,
    threshold: R,
}

impl<R> DevicePopulation<R> {
    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
}

/// The forward step of [`crate::FloatEngine`] on a GPU, with the same results bit for bit.
pub struct CudaEngine<R: CudaFloat> {
    set: ChannelSet,
    dt: f64,
    stream: Arc<CudaStream>,
    step_fn: CudaFunction,
    conductance: CudaSlice<R>,
    reversal: CudaSlice<R>,
    device_name: String,
}

pub(super) fn driver(e: cudarc::driver::DriverError) -> CudaError {
    CudaError::Driver(e.to_string())
}

/// The context of device `ordinal`, or why there is none. cudarc panics when `libcuda` is
/// missing, so the library is looked for first and any other panic is caught.
pub(super) fn open_device(ordinal: usize) -> Result<Arc<CudaContext>, CudaError> {
    // SAFETY: only tries to dlopen the candidate names.
    if !unsafe { cudarc::driver::sys::is_culib_present() } {
        return Err(CudaError::NoDevice(
            "libcuda.so could not be loaded (no NVIDIA driver on this machine)".into(),
        ));
    }
    let opened = std::panic::catch_unwind(|| {
        let count = CudaContext::device_count()?;
        Ok::<_, cudarc::driver::DriverError>((count, CudaContext::new(ordinal)))
    });
    match opened {
        Err(p) => Err(CudaError::NoDevice(format!(
            "the driver could not be used ({})",
            panic_message(&*p)
        ))),
        Ok(Err(e)) => Err(CudaError::NoDevice(format!(
            "the driver failed to start ({e})"
        ))),
        Ok(Ok((count, _))) if ordinal >= count as usize => Err(CudaError::NoDevice(format!(
            "device {ordinal} requested, {count} present"
        ))),
        Ok(Ok((_, ctx))) => ctx.map_err(|e| CudaError::NoDevice(format!("device {ordinal}: {e}"))),
    }
}

impl<R: CudaFloat> CudaEngine<R> {
    /// Compiles the kernels for `set` and loads them on GPU 0.
    pub fn new(set: &ChannelSet, dt: f64) -> Result<Self, CudaError> {
        Self::on_device(set, dt, 0)
    }

    pub fn on_device(set: &ChannelSet, dt: f64, ordinal: usize) -> Result<Self, CudaError> {
        if !(dt.is_finite() && dt > 0.0) {
            return Err(CudaError::Invalid(format!(
                "time step must be a positive number of ms, got {dt}"
            )));
        }
        let ctx = open_device(ordinal)?;
        let ptx = compile_source(&cuda_source(set))?;
        let module = ctx.load_module(Ptx::from_src(ptx)).map_err(driver)?;
        let step_fn = module
            .load_function(R::TY.forward_kernel())
            .map_err(driver)?;
        let stream = ctx.default_stream();
        let to_r = |xs: Vec<f64>| xs.into_iter().map(R::from_f64).collect::<Vec<R>>();
        let conductance = to_r(set.channels.iter().map(|c| c.conductance).collect());
        let reversal = to_r(set.channels.iter().map(|c| c.reversal).collect());
        Ok(CudaEngine {
            conductance: stream.clone_htod(&conductance).map_err(driver)?,
            reversal: stream.clone_htod(&reversal).map_err(driver)?,
            device_name: ctx.name().map_err(driver)?,
            set: set.clone(),
            dt,
            stream,
            step_fn,
        })
    }

    pub fn device_name(&self) -> &str {
        &self.device_name
    }

    pub fn channel_set(&self) -> &ChannelSet {
        &self.set
    }

    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// Copies `pop` to the GPU.
    pub fn upload(&self, pop: &Population<R>) -> Result<DevicePopulation<R>, CudaError> {
        let n = pop.len();
        if pop.gates.len() != self.set.gates.len()
            || pop.gates.iter().any(|g| g.len() != n)
            || pop.i_ext.len() != n
            || pop.g_ext.len() != n
            || pop.spikes.len() != n
        {
            return Err(CudaError::Invalid(
                "population does not match the engine's channel set".into(),
            ));
        }
        if u32::try_from(n).is_err() {
            return Err(CudaError::Invalid(format!(
                "{n} neurons: at most 2^32 - 1 per population"
            )));
        }
        let s = &self.stream;
        Ok(DevicePopulation {
            n,
            v: s.clone_htod(&pop.v).map_err(driver)?,
            gates: pop
                .gates
                .iter()
                .map(|g| s.clone_htod(g))
                .collect::<Result<_, _>>()
                .map_err(driver)?,
            i_ext: s.clone_htod(&pop.i_ext).map_err(driver)?,
            g_ext: s.clone_htod(&pop.g_ext).map_err(driver)?,
            spikes: s.clone_htod(&pop.spikes).map_err(driver)?,
            threshold: pop.threshold,
        })
    }

    /// Copies the state (potentials, gates, spike counts) back into `pop`.
    pub fn download(
        &self,
        dev: &DevicePopulation<R>,
        pop: &mut Population<R>,
    ) -> Result<(), CudaError> {
        let s = &self.stream;
        if pop.len() != dev.n || pop.gates.len() != dev.gates.len() {
            return Err(CudaError::Invalid(
                "population size differs from the GPU's".into(),
            ));
        }
        s.memcpy_dtoh(&dev.v, &mut pop.v).map_err(driver)?;
        for (host, d) in pop.gates.iter_mut().zip(&dev.gates) {
            s.memcpy_dtoh(d, host).map_err(driver)?;
        }
        s.memcpy_dtoh(&dev.spikes, &mut pop.spikes)
            .map_err(driver)?;
        s.synchronize().map_err(driver)
    }

    /// Advances every neuron by `steps` time steps (queued; `download` waits for them).
    pub fn run(&self, dev: &mut DevicePopulation<R>, steps: usize) -> Result<(), CudaError> {
        if dev.gates.len() != self.set.gates.len() {
            return Err(CudaError::Invalid(
                "population does not match the engine's channel set".into(),
            ));
        }
        // Exactly the CPU engine's step parameters.
        let neg_dt = R::from_f64(-self.dt);
        let neg_dt_over_c = R::from_f64(-self.dt / self.set.capacitance);
        let n = dev.n as u32;
        let cfg = LaunchConfig {
            grid_dim: (n.div_ceil(BLOCK).max(1), 1, 1),
            block_dim: (BLOCK, 1, 1),
            shared_mem_bytes: 0,
        };
        for _ in 0..steps {
            let mut launch = self.stream.launch_builder(&self.step_fn);
            launch.arg(&mut dev.v);
            for g in dev.gates.iter_mut() {
                launch.arg(g);
            }
            launch
                .arg(&dev.i_ext)
                .arg(&dev.g_ext)
                .arg(&mut dev.spikes)
                .arg(&self.conductance)
                .arg(&self.reversal)
                .arg(&neg_dt)
                .arg(&neg_dt_over_c)
                .arg(&dev.threshold)
                .arg(&n);
            // SAFETY: the arguments match the generated kernel's parameter list (one pointer
            // per gate, checked above) and every array holds `n` elements.
            unsafe { launch.launch(cfg) }.map_err(driver)?;
        }
        Ok(())
    }

    /// Uploads `pop`, runs `steps` steps and downloads the result into it.
    pub fn run_population(&self, pop: &mut Population<R>, steps: usize) -> Result<(), CudaError> {
        let mut dev = self.upload(pop)?;
        self.run(&mut dev, steps)?;
        self.download(&dev, pop)
    }
}
