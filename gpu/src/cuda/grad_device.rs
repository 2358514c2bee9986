//! The gradient engine's kernels on a GPU, one call per step on host arrays (upload, launch,
//! download): the same signatures as the CPU functions, so each can be checked against them.
//! Not a fast path (every call copies its arrays); a device-resident network would keep them
//! on the GPU between ticks.

use std::marker::PhantomData;
use std::sync::Arc;

use channels::ChannelSet;
use cudarc::driver::{
    CudaFunction, CudaSlice, CudaStream, DeviceRepr, LaunchConfig, PushKernelArg, ValidAsZeroBits,
};
use cudarc::nvrtc::Ptx;
use network::Fanout;

use super::device::{driver, open_device, CudaFloat};
use super::nvrtc::compile_source;
use super::source::cuda_source;
use super::CudaError;
use crate::grad::model::{MAX_CHANNELS, MAX_GATES};
use crate::grad::network::ReceptorTables;
use crate::grad::neuron::{Backward, Forward, StepConsts};

const BLOCK: u32 = 128;

pub(super) fn config(threads: usize) -> LaunchConfig {
    LaunchConfig {
        grid_dim: ((threads as u32).div_ceil(BLOCK).max(1), 1, 1),
        block_dim: (BLOCK, 1, 1),
        shared_mem_bytes: 0,
    }
}

/// The gradient kernels of one channel set and float type, loaded on a GPU.
pub struct CudaGradKernels<R: CudaFloat> {
    pub(super) stream: Arc<CudaStream>,
    pub(super) forward_fn: CudaFunction,
    pub(super) backward_fn: CudaFunction,
    pub(super) drive_fn: CudaFunction,
    pub(super) drive_adjoint_fn: CudaFunction,
    pub(super) decay_fn: CudaFunction,
    pub(super) deliver_fn: CudaFunction,
    pub(super) accumulate_fn: CudaFunction,
    gates: usize,
    channels: usize,
    device_name: String,
    _real: PhantomData<R>,
}

impl<R: CudaFloat> CudaGradKernels<R> {
    /// Compiles the kernels for `set` and loads them on GPU 0.
    pub fn new(set: &ChannelSet) -> Result<Self, CudaError> {
        let (gates, channels) = (set.gates.len(), set.channels.len());
        if gates > MAX_GATES || channels > MAX_CHANNELS {
            return Err(CudaError::Invalid(format!(
                "channel set '{}' has {gates} gates and {channels} channels; the gradient \
                 engine takes at most {MAX_GATES} of each",
                set.name
            )));
        }
        let ctx = open_device(0)?;
        let ptx = compile_source(&cuda_source(set))?;
        let module = ctx.load_module(Ptx::from_src(ptx)).map_err(driver)?;
        let ty = R::TY;
        let load = |name: &str| module.load_function(name).map_err(driver);
        Ok(CudaGradKernels {
            forward_fn: load(ty.grad_forward_kernel())?,
            backward_fn: load(ty.grad_backward_kernel())?,
            drive_fn: load(ty.receptor_drive_kernel())?,
            drive_adjoint_fn: load(ty.drive_adjoint_kernel())?,
            decay_fn: load(ty.receptor_decay_kernel())?,
            deliver_fn: load(ty.deliver_kernel())?,
            accumulate_fn: load(ty.accumulate_weights_kernel())?,
            stream: ctx.default_stream(),
            gates,
            channels,
            device_name: ctx.name().map_err(driver)?,
            _real: PhantomData,
        })
    }

    pub fn device_name(&self) -> &str {
        &self.device_name
    }

    /// A device copy of `xs` (one zero element if empty: no zero-sized allocations).
    pub(super) fn up<T: DeviceRepr + ValidAsZeroBits>(
        &self,
        xs: &[T],
    ) -> Result<CudaSlice<T>, CudaError> {
        if xs.is_empty() {
            self.stream.alloc_zeros(1).map_err(driver)
        } else {
            self.stream.clone_htod(xs).map_err(driver)
        }
    }

    pub(super) fn down<T: DeviceRepr>(
        &self,
        dev: &CudaSlice<T>,
        xs: &mut [T],
    ) -> Result<(), CudaError> {
        if !xs.is_empty() {
            self.stream.memcpy_dtoh(dev, xs).map_err(driver)?;
        }
        Ok(())
    }

    pub(super) fn sync(&self) -> Result<(), CudaError> {
        self.stream.synchronize().map_err(driver)
    }

    fn neurons(&self, n: usize, arrays: &[(&str, usize, usize)]) -> Result<u32, CudaError> {
        let n32 = u32::try_from(n)
            .map_err(|_| CudaError::Invalid(format!("{n} neurons: at most 2^32 - 1")))?;
        for &(name, got, per_neuron) in arrays {
            if got != per_neuron * n {
                return Err(CudaError::Invalid(format!(
                    "{name} has {got} entries, expected {per_neuron} x {n}"
                )));
            }
        }
        Ok(n32)
    }

    /// `grad::neuron::forward` on the GPU.
    pub fn forward(&self, k: &StepConsts<R>, a: Forward<'_, R>) -> Result<(), CudaError> {
        let n = a.v.len();
        let n32 = self.neurons(
            n,
            &[
                ("x", a.x.len(), self.gates),
                ("conductance", a.conductance.len(), self.channels),
                ("g_ext", a.g_ext.len(), 1),
                ("i_ext", a.i_ext.len(), 1),
                ("crossed", a.crossed.len(), 1),
            ],
        )?;
        let (mut v, mut x) = (self.up(a.v)?, self.up(a.x)?);
        let (conductance, g_ext, i_ext) = (
            self.up(a.conductance)?,
            self.up(a.g_ext)?,
            self.up(a.i_ext)?,
        );
        let mut crossed = self.up(a.crossed)?;
        let reversal = self.up(&k.reversal[..])?;
        let mut launch = self.stream.launch_builder(&self.forward_fn);
        launch
            .arg(&mut v)
            .arg(&mut x)
            .arg(&conductance)
            .arg(&g_ext)
            .arg(&i_ext)
            .arg(&mut crossed)
            .arg(&reversal)
            .arg(&k.neg_dt)
            .arg(&k.neg_dt_over_c)
            .arg(&k.threshold)
            .arg(&n32);
        // SAFETY: the arguments match the generated kernel's parameters and every array has
        // the length checked above (x and conductance per gate/channel and neuron).
        unsafe { launch.launch(config(n)) }.map_err(driver)?;
        self.down(&v, a.v)?;
        self.down(&x, a.x)?;
        self.down(&crossed, a.crossed)?;
        self.sync()
    }

    /// `grad::neuron::backward` on the GPU.
    pub fn backward(&self, k: &StepConsts<R>, a: Backward<'_, R>) -> Result<(), CudaError> {
        let n = a.v.len();
        let n32 = self.neurons(
            n,
            &[
                ("x", a.x.len(), self.gates),
                ("conductance", a.conductance.len(), self.channels),
                ("g_ext", a.g_ext.len(), 1),
                ("i_ext", a.i_ext.len(), 1),
                ("lam_v", a.lam_v.len(), 1),
                ("lam_x", a.lam_x.len(), self.gates),
                ("lam_g_ext", a.lam_g_ext.len(), 1),
                ("lam_i_ext", a.lam_i_ext.len(), 1),
                ("d_conductance", a.d_conductance.len(), self.channels),
            ],
        )?;
        let (v, x, conductance) = (self.up(a.v)?, self.up(a.x)?, self.up(a.conductance)?);
        let (g_ext, i_ext) = (self.up(a.g_ext)?, self.up(a.i_ext)?);
        let (mut lam_v, mut lam_x) = (self.up(a.lam_v)?, self.up(a.lam_x)?);
        let (mut lam_g, mut lam_i) = (self.up(a.lam_g_ext)?, self.up(a.lam_i_ext)?);
        let mut d_conductance = self.up(a.d_conductance)?;
        let reversal = self.up(&k.reversal[..])?;
        let mut launch = self.stream.launch_builder(&self.backward_fn);
        launch
            .arg(&v)
            .arg(&x)
            .arg(&conductance)
            .arg(&g_ext)
            .arg(&i_ext)
            .arg(&mut lam_v)
            .arg(&mut lam_x)
            .arg(&mut lam_g)
            .arg(&mut lam_i)
            .arg(&mut d_conductance)
            .arg(&reversal)
            .arg(&k.neg_dt)
            .arg(&k.neg_dt_over_c)
            .arg(&n32);
        // SAFETY: as in `forward`.
        unsafe { launch.launch(config(n)) }.map_err(driver)?;
        self.down(&lam_v, a.lam_v)?;
        self.down(&lam_x, a.lam_x)?;
        self.down(&lam_g, a.lam_g_ext)?;
        self.down(&lam_i, a.lam_i_ext)?;
        self.down(&d_conductance, a.d_conductance)?;
        self.sync()
    }

    fn receptors(t: &ReceptorTables<R>, s: usize, n: usize) -> Result<u32, CudaError> {
        let nr = t.decay.len();
        if t.conductance.len() != nr || t.factor.len() != nr || s != nr * n {
            return Err(CudaError::Invalid(format!(
                "receptor tables and states disagree: {} kinds, {} factors, {nr} decays, {s} \
                 states for {n} neurons",
                t.conductance.len(),
                t.factor.len()
            )));
        }
        Ok(nr as u32)
    }

    /// `GradNetwork::receptor_drive` on the GPU.
    pub fn receptor_drive(
        &self,
        t: &ReceptorTables<R>,
        bias: &[R],
        s: &[R],
        g_ext: &mut [R],
        i_ext: &mut [R],
    ) -> Result<(), CudaError> {
        let n = bias.len();
        let n32 = self.neurons(n, &[("g_ext", g_ext.len(), 1), ("i_ext", i_ext.len(), 1)])?;
        let nr = Self::receptors(t, s.len(), n)?;
        let (s_d, bias_d) = (self.up(s)?, self.up(bias)?);
        let (kind, factor) = (self.up(&t.conductance)?, self.up(&t.factor)?);
        let (mut g_d, mut i_d) = (self.up(g_ext)?, self.up(i_ext)?);
        let mut launch = self.stream.launch_builder(&self.drive_fn);
        launch
            .arg(&s_d)
            .arg(&bias_d)
            .arg(&kind)
            .arg(&factor)
            .arg(&nr)
            .arg(&mut g_d)
            .arg(&mut i_d)
            .arg(&n32);
        // SAFETY: lengths checked: `nr` receptors, `nr * n` states, `n` per neuron.
        unsafe { launch.launch(config(n)) }.map_err(driver)?;
        self.down(&g_d, g_ext)?;
        self.down(&i_d, i_ext)?;
        self.sync()
    }

    /// `GradNetwork::drive_adjoint` on the GPU.
    pub fn drive_adjoint(
        &self,
        t: &ReceptorTables<R>,
        lam_g_ext: &[R],
        lam_i_ext: &[R],
        lam_s: &mut [R],
        d_bias: &mut [R],
    ) -> Result<(), CudaError> {
        let n = d_bias.len();
        let n32 = self.neurons(
            n,
            &[
                ("lam_g_ext", lam_g_ext.len(), 1),
                ("lam_i_ext", lam_i_ext.len(), 1),
            ],
        )?;
        let nr = Self::receptors(t, lam_s.len(), n)?;
        let (lg, li) = (self.up(lam_g_ext)?, self.up(lam_i_ext)?);
        let (kind, factor) = (self.up(&t.conductance)?, self.up(&t.factor)?);
        let (mut ls, mut db) = (self.up(lam_s)?, self.up(d_bias)?);
        let mut launch = self.stream.launch_builder(&self.drive_adjoint_fn);
        launch
            .arg(&mut ls)
            .arg(&lg)
            .arg(&li)
            .arg(&kind)
            .arg(&factor)
            .arg(&nr)
            .arg(&mut db)
            .arg(&n32);
        // SAFETY: as in `receptor_drive`.
        unsafe { launch.launch(config(n)) }.map_err(driver)?;
        self.down(&ls, lam_s)?;
        self.down(&db, d_bias)?;
        self.sync()
    }

    /// `GradNetwork::decay_receptors` on the GPU (`n` neurons).
    pub fn decay_receptors(
        &self,
        t: &ReceptorTables<R>,
        s: &mut [R],
        n: usize,
    ) -> Result<(), CudaError> {
        let n32 = self.neurons(n, &[])?;
        let nr = Self::receptors(t, s.len(), n)?;
        let decay = self.up(&t.decay)?;
        let mut s_d = self.up(s)?;
        let mut launch = self.stream.launch_builder(&self.decay_fn);
        launch.arg(&mut s_d).arg(&decay).arg(&nr).arg(&n32);
        // SAFETY: `nr * n` states, `nr` decays.
        unsafe { launch.launch(config(s.len())) }.map_err(driver)?;
        self.down(&s_d, s)?;
        self.sync()
    }

    fn check_fanout(fanout: &Fanout, sources: &[u32], per_edge: usize) -> Result<(), CudaError> {
        let ok = fanout.post.len() == fanout.receptor.len()
            && fanout.post.len() == fanout.edge.len()
            && fanout.offsets.last().map(|&o| o as usize) == Some(fanout.post.len())
            && fanout.edge.iter().all(|&e| (e as usize) < per_edge)
            && sources
                .iter()
                .all(|&j| (j as usize) + 1 < fanout.offsets.len());
        if ok {
            Ok(())
        } else {
            Err(CudaError::Invalid(
                "fanout, sources and per-synapse array disagree".into(),
            ))
        }
    }

    fn synapse_launch(
        &self,
        func: &CudaFunction,
        fanout: &Fanout,
        sources: &[u32],
        read: &[R],
        write: &mut [R],
        n: usize,
    ) -> Result<(), CudaError> {
        if sources.is_empty() {
            return Ok(());
        }
        let n32 = self.neurons(n, &[])?;
        let count = sources.len() as u32;
        let src = self.up(sources)?;
        let (offsets, post) = (self.up(&fanout.offsets)?, self.up(&fanout.post)?);
        let (receptor, edge) = (self.up(&fanout.receptor)?, self.up(&fanout.edge)?);
        let r = self.up(read)?;
        let mut w = self.up(write)?;
        let mut launch = self.stream.launch_builder(func);
        launch
            .arg(&src)
            .arg(&count)
            .arg(&offsets)
            .arg(&post)
            .arg(&receptor)
            .arg(&edge)
            .arg(&r)
            .arg(&mut w)
            .arg(&n32);
        // SAFETY: the fanout and sources were checked against each other and the arrays.
        unsafe { launch.launch(config(sources.len())) }.map_err(driver)?;
        self.down(&w, write)?;
        self.sync()
    }

    /// `grad::network::deliver` on the GPU (summation order not fixed: see `synapse_source`).
    pub fn deliver(
        &self,
        fanout: &Fanout,
        weight: &[R],
        sources: &[u32],
        s: &mut [R],
        n: usize,
    ) -> Result<(), CudaError> {
        Self::check_fanout(fanout, sources, weight.len())?;
        if fanout.post.iter().any(|&p| p as usize >= n)
            || fanout
                .receptor
                .iter()
                .any(|&r| (r as usize + 1) * n > s.len())
        {
            return Err(CudaError::Invalid("a synapse targets no state".into()));
        }
        self.synapse_launch(&self.deliver_fn, fanout, sources, weight, s, n)
    }

    /// `grad::network::accumulate_weights` on the GPU.
    pub fn accumulate_weights(
        &self,
        fanout: &Fanout,
        sources: &[u32],
        lam_s: &[R],
        n: usize,
        grad: &mut [R],
    ) -> Result<(), CudaError> {
        Self::check_fanout(fanout, sources, grad.len())?;
        if fanout.post.iter().any(|&p| p as usize >= n)
            || fanout
                .receptor
                .iter()
                .any(|&r| (r as usize + 1) * n > lam_s.len())
        {
            return Err(CudaError::Invalid("a synapse targets no state".into()));
        }
        self.synapse_launch(&self.accumulate_fn, fanout, sources, lam_s, grad, n)
    }
}
