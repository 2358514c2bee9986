//! `GradNetwork::forward` and `backward` with every step on a GPU, in the order
//! tests/cuda/network_driver.cpp checks against `GradNetwork` host-compiled. The state and
//! the adjoints stay on the device during a tick; what the host needs goes back and forth:
//! each tick's crossings (for the spike lists), the state after each tick (kept on the host
//! for the backward pass, and shown to `on_tick`), and the adjoint of V around the loss.
//! Integrate-and-fire resets are applied on the host copy of V. No checkpointing and no
//! surrogate term: a first device version, kept small.

use cudarc::driver::{CudaFunction, CudaSlice, LaunchArgs, PushKernelArg};
use network::{Fanout, Network, Stimulus};

use super::device::{driver, CudaFloat};
use super::grad_device::{config, CudaGradKernels};
use super::CudaError;
use crate::grad::{GradNetwork, GradReal, Loss, Params};
use crate::network::Raster;

/// A fanout in device memory.
struct DeviceFanout {
    offsets: CudaSlice<u32>,
    post: CudaSlice<u32>,
    receptor: CudaSlice<u8>,
    edge: CudaSlice<u32>,
}

/// A forward run on the GPU, as its backward pass needs it: the spikes and every state.
pub struct CudaTrajectory<R> {
    pub raster: Raster,
    states: Vec<R>,
    ticks: usize,
}

/// A network's gradient engine on a GPU.
pub struct CudaGradNetwork<R: CudaFloat + GradReal> {
    host: GradNetwork<R>,
    k: CudaGradKernels<R>,
    n: usize,
    /// Integrate-and-fire: the potential spiking neurons are reset to.
    reset: Option<R>,
    gates: usize,
    channels: usize,
    receptors: usize,
    kind: CudaSlice<u8>,
    factor: CudaSlice<R>,
    decay: CudaSlice<R>,
    reversal: CudaSlice<R>,
    fanout: DeviceFanout,
    input_fanout: DeviceFanout,
}

fn invalid(e: crate::engine::EngineError) -> CudaError {
    CudaError::Invalid(e.0)
}

/// The parameters in device memory.
struct DeviceParams<R> {
    conductance: CudaSlice<R>,
    bias: CudaSlice<R>,
    weight: CudaSlice<R>,
    input_weight: CudaSlice<R>,
}

impl<R: CudaFloat + GradReal> CudaGradNetwork<R> {
    /// Checks the network, compiles the kernels for its channel set, loads them on GPU 0.
    pub fn new(net: &Network, dt: f64) -> Result<Self, CudaError> {
        let host = GradNetwork::<R>::new(net, dt).map_err(invalid)?;
        let k = CudaGradKernels::<R>::new(&net.channels)?;
        let tables = host.receptor_tables();
        let (f, fi) = host.fanouts();
        let fanout = Self::upload_fanout(&k, f)?;
        let input_fanout = Self::upload_fanout(&k, fi)?;
        let reversal = k.up(&host.step_consts().reversal[..])?;
        Ok(CudaGradNetwork {
            n: net.neurons,
            reset: net.reset_mv.map(R::from_f64),
            gates: net.channels.gates.len(),
            channels: net.channels.channels.len(),
            receptors: tables.decay.len(),
            kind: k.up(&tables.conductance)?,
            factor: k.up(&tables.factor)?,
            decay: k.up(&tables.decay)?,
            reversal,
            fanout,
            input_fanout,
            host,
            k,
        })
    }

    fn upload_fanout(k: &CudaGradKernels<R>, f: &Fanout) -> Result<DeviceFanout, CudaError> {
        Ok(DeviceFanout {
            offsets: k.up(&f.offsets)?,
            post: k.up(&f.post)?,
            receptor: k.up(&f.receptor)?,
            edge: k.up(&f.edge)?,
        })
    }

    /// The network's own parameters, as `GradNetwork::params`.
    pub fn params(&self) -> Params<R> {
        self.host.params()
    }

    pub fn device_name(&self) -> &str {
        self.k.device_name()
    }

    fn upload_params(&self, p: &Params<R>) -> Result<DeviceParams<R>, CudaError> {
        Ok(DeviceParams {
            conductance: self.k.up(&p.conductance.concat())?,
            bias: self.k.up(&p.bias)?,
            weight: self.k.up(&p.weight)?,
            input_weight: self.k.up(&p.input_weight)?,
        })
    }

    fn launch(&self, args: &mut LaunchArgs<'_>, threads: usize) -> Result<(), CudaError> {
        // SAFETY: every caller pushes the arguments of the kernel it launches, in order, with
        // arrays of the network's shape (checked by `GradNetwork::check`).
        unsafe { args.launch(config(threads)) }
            .map(|_| ())
            .map_err(driver)
    }

    fn drive(
        &self,
        s: &CudaSlice<R>,
        dp: &DeviceParams<R>,
        g_ext: &mut CudaSlice<R>,
        i_ext: &mut CudaSlice<R>,
    ) -> Result<(), CudaError> {
        let (n, nr) = (self.n as u32, self.receptors as u32);
        let mut a = self.k.stream.launch_builder(&self.k.drive_fn);
        a.arg(s)
            .arg(&dp.bias)
            .arg(&self.kind)
            .arg(&self.factor)
            .arg(&nr)
            .arg(g_ext)
            .arg(i_ext)
            .arg(&n);
        self.launch(&mut a, self.n)
    }

    fn decay(&self, s: &mut CudaSlice<R>) -> Result<(), CudaError> {
        let (n, nr) = (self.n as u32, self.receptors as u32);
        let mut a = self.k.stream.launch_builder(&self.k.decay_fn);
        a.arg(s).arg(&self.decay).arg(&nr).arg(&n);
        self.launch(&mut a, self.receptors * self.n)
    }

    /// `deliver` (`func` the delivery kernel, `read` the weights, `write` the receptor
    /// states) or `accumulate_weights` (`func` that kernel, `read` the states' adjoints,
    /// `write` the weight gradients) for the synapses of `sources`.
    fn over_sources(
        &self,
        func: &CudaFunction,
        fanout: &DeviceFanout,
        sources: &[u32],
        read: &CudaSlice<R>,
        write: &mut CudaSlice<R>,
    ) -> Result<(), CudaError> {
        if sources.is_empty() {
            return Ok(());
        }
        let src = self.k.up(sources)?;
        let (count, n) = (sources.len() as u32, self.n as u32);
        let mut a = self.k.stream.launch_builder(func);
        a.arg(&src)
            .arg(&count)
            .arg(&fanout.offsets)
            .arg(&fanout.post)
            .arg(&fanout.receptor)
            .arg(&fanout.edge)
            .arg(read)
            .arg(write)
            .arg(&n);
        self.launch(&mut a, sources.len())?;
        // `src` is freed when dropped: wait for the kernel that reads it.
        self.k.sync()
    }

    /// Runs `ticks` ticks; `on_tick(t, v)` sees the potentials after each tick.
    pub fn forward(
        &self,
        p: &Params<R>,
        stimulus: &Stimulus,
        ticks: usize,
        mut on_tick: impl FnMut(usize, &[R]),
    ) -> Result<CudaTrajectory<R>, CudaError> {
        self.host.check(p, stimulus).map_err(invalid)?;
        let (n, ng) = (self.n, self.gates);
        let stride = n * (1 + ng + self.receptors);
        let dp = self.upload_params(p)?;
        let initial = self.host.initial_state();
        let mut v = self.k.up(&initial[..n])?;
        let mut x = self.k.up(&initial[n..n * (1 + ng)])?;
        let mut s = self.k.up(&initial[n * (1 + ng)..])?;
        let (mut g_ext, mut i_ext) = (
            self.k.up(&vec![R::default(); n])?,
            self.k.up(&vec![R::default(); n])?,
        );
        let mut crossed_d = self.k.up(&vec![0u8; n])?;
        let mut crossed = vec![0u8; n];
        let mut states = Vec::with_capacity((ticks + 1) * stride);
        states.extend_from_slice(initial);
        let mut raster = Raster::default();
        let consts = self.host.step_consts();
        let n32 = n as u32;
        for t in 0..ticks {
            self.drive(&s, &dp, &mut g_ext, &mut i_ext)?;
            let mut a = self.k.stream.launch_builder(&self.k.forward_fn);
            a.arg(&mut v)
                .arg(&mut x)
                .arg(&dp.conductance)
                .arg(&g_ext)
                .arg(&i_ext)
                .arg(&mut crossed_d)
                .arg(&self.reversal)
                .arg(&consts.neg_dt)
                .arg(&consts.neg_dt_over_c)
                .arg(&consts.threshold)
                .arg(&n32);
            self.launch(&mut a, n)?;
            self.k.down(&crossed_d, &mut crossed)?;
            self.k.sync()?;
            let spiked: Vec<u32> = (0..n as u32)
                .filter(|&i| crossed[i as usize] != 0)
                .collect();
            self.decay(&mut s)?;
            let fan = &self.fanout;
            self.over_sources(&self.k.deliver_fn, fan, &spiked, &dp.weight, &mut s)?;
            let fan = &self.input_fanout;
            let inputs = stimulus.at(t);
            self.over_sources(&self.k.deliver_fn, fan, inputs, &dp.input_weight, &mut s)?;
            let at = states.len();
            states.resize(at + stride, R::default());
            let (sv, rest) = states[at..].split_at_mut(n);
            let (sx, ss) = rest.split_at_mut(n * ng);
            self.k.down(&v, sv)?;
            self.k.down(&x, sx)?;
            self.k.down(&s, ss)?;
            self.k.sync()?;
            if let (Some(reset), false) = (self.reset, spiked.is_empty()) {
                for &j in &spiked {
                    sv[j as usize] = reset;
                }
                self.upload_into(sv, &mut v)?;
            }
            raster.ticks.push(spiked);
            on_tick(t, &states[at..at + n]);
        }
        Ok(CudaTrajectory {
            raster,
            states,
            ticks,
        })
    }

    /// The gradient of the loss with respect to every parameter (spike times held fixed).
    pub fn backward(
        &self,
        p: &Params<R>,
        stimulus: &Stimulus,
        traj: &CudaTrajectory<R>,
        loss: &mut dyn Loss<R>,
    ) -> Result<Params<R>, CudaError> {
        self.host.check(p, stimulus).map_err(invalid)?;
        let (n, ng, nc) = (self.n, self.gates, self.channels);
        let stride = n * (1 + ng + self.receptors);
        if traj.states.len() != (traj.ticks + 1) * stride {
            return Err(CudaError::Invalid(
                "trajectory is not from this network".into(),
            ));
        }
        let dp = self.upload_params(p)?;
        let zeros = |len: usize| self.k.up(&vec![R::default(); len]);
        let (mut lam_v, mut lam_x, mut lam_s) =
            (zeros(n)?, zeros(ng * n)?, zeros(self.receptors * n)?);
        let (mut lam_g, mut lam_i) = (zeros(n)?, zeros(n)?);
        let (mut g_ext, mut i_ext) = (zeros(n)?, zeros(n)?);
        let mut d_conductance = zeros(nc * n)?;
        let mut d_bias = zeros(n)?;
        let mut d_weight = zeros(p.weight.len())?;
        let mut d_input_weight = zeros(p.input_weight.len())?;
        let (mut bv, mut bx, mut bs) = (zeros(n)?, zeros(ng * n)?, zeros(self.receptors * n)?);
        let mut lam_v_host = vec![R::default(); n];
        let consts = self.host.step_consts();
        let n32 = n as u32;
        let nr = self.receptors as u32;
        for t in (0..traj.ticks).rev() {
            let before = &traj.states[t * stride..(t + 1) * stride];
            let after = &traj.states[(t + 1) * stride..(t + 2) * stride];
            self.k.down(&lam_v, &mut lam_v_host)?;
            self.k.sync()?;
            loss.d_voltage(t, &after[..n], &mut lam_v_host);
            let spiked = &traj.raster.ticks[t];
            if self.reset.is_some() {
                // The potential after a reset is a constant.
                for &j in spiked {
                    lam_v_host[j as usize] = R::default();
                }
            }
            self.upload_into(&lam_v_host, &mut lam_v)?;
            let (fan, input_fan) = (&self.fanout, &self.input_fanout);
            let acc = &self.k.accumulate_fn;
            self.over_sources(acc, fan, spiked, &lam_s, &mut d_weight)?;
            self.over_sources(acc, input_fan, stimulus.at(t), &lam_s, &mut d_input_weight)?;
            self.decay(&mut lam_s)?;
            self.upload_into(&before[..n], &mut bv)?;
            self.upload_into(&before[n..n * (1 + ng)], &mut bx)?;
            self.upload_into(&before[n * (1 + ng)..], &mut bs)?;
            self.drive(&bs, &dp, &mut g_ext, &mut i_ext)?;
            let mut a = self.k.stream.launch_builder(&self.k.backward_fn);
            a.arg(&bv)
                .arg(&bx)
                .arg(&dp.conductance)
                .arg(&g_ext)
                .arg(&i_ext)
                .arg(&mut lam_v)
                .arg(&mut lam_x)
                .arg(&mut lam_g)
                .arg(&mut lam_i)
                .arg(&mut d_conductance)
                .arg(&self.reversal)
                .arg(&consts.neg_dt)
                .arg(&consts.neg_dt_over_c)
                .arg(&n32);
            self.launch(&mut a, n)?;
            let mut a = self.k.stream.launch_builder(&self.k.drive_adjoint_fn);
            a.arg(&mut lam_s)
                .arg(&lam_g)
                .arg(&lam_i)
                .arg(&self.kind)
                .arg(&self.factor)
                .arg(&nr)
                .arg(&mut d_bias)
                .arg(&n32);
            self.launch(&mut a, n)?;
        }
        let mut grads = p.zeros_like();
        let mut dc = vec![R::default(); nc * n];
        self.k.down(&d_conductance, &mut dc)?;
        self.k.down(&d_bias, &mut grads.bias)?;
        self.k.down(&d_weight, &mut grads.weight)?;
        self.k.down(&d_input_weight, &mut grads.input_weight)?;
        self.k.sync()?;
        for (c, g) in grads.conductance.iter_mut().enumerate() {
            g.copy_from_slice(&dc[c * n..(c + 1) * n]);
        }
        Ok(grads)
    }

    /// Copies `xs` into the start of `dev` (nothing when empty).
    fn upload_into(&self, xs: &[R], dev: &mut CudaSlice<R>) -> Result<(), CudaError> {
        if xs.is_empty() {
            return Ok(());
        }
        self.k.stream.memcpy_htod(xs, dev).map_err(driver)?;
        // Conservative: the copy is complete before the host slice can change.
        self.k.sync()
    }
}
