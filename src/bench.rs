//! The standard workloads of `../shared/bench/README.md`: B1 (independent neurons), B2 (the
//! COBAHH network) and B3 (gradients).

use std::time::Instant;

use anyhow::Result;
use channels::ChannelSet;
use gpu::{FloatEngine, Real};
use serde_json::json;
use sim::{current_to_fixed, FixedEngine};

use crate::neuron::{Engine, Precision, THRESHOLD_MV, V0_MV};

/// B1: independent squid-axon neurons with constant currents `linspace(5, 15, n)` uA/cm^2,
/// `steps` steps of 0.025 ms, on one core.
#[derive(Clone, Copy, Debug)]
pub struct B1 {
    pub neurons: usize,
    pub steps: usize,
}

impl Default for B1 {
    fn default() -> Self {
        B1 {
            neurons: 10_000,
            steps: 4_000,
        }
    }
}

#[derive(Clone, Debug)]
pub struct B1Result {
    pub engine: Engine,
    pub kernel: String,
    pub run_s: f64,
    pub updates_per_s: f64,
    pub spikes: u64,
}

impl B1Result {
    pub fn to_json(&self) -> serde_json::Value {
        let (engine, precision) = match self.engine {
            Engine::Float(p) => ("float", Some(p.to_string())),
            Engine::Fixed => ("fixed", None),
            Engine::Rtl => ("rtl", None),
        };
        json!({
            "bench": "b1",
            "engine": engine,
            "precision": precision,
            "kernel": self.kernel,
            "run_s": self.run_s,
            "updates_per_s": self.updates_per_s,
            "spikes": self.spikes,
        })
    }
}

pub const DT_MS: f64 = 0.025;

fn currents(n: usize) -> impl Iterator<Item = f64> {
    (0..n).map(move |k| {
        if n == 1 {
            5.0
        } else {
            5.0 + 10.0 * k as f64 / (n - 1) as f64
        }
    })
}

pub fn run_b1(b: B1, engine: Engine) -> Result<B1Result> {
    let set = ChannelSet::builtin("hh_squid")?;
    let (run_s, spikes, kernel) = match engine {
        Engine::Float(Precision::F32) => b1_float::<f32>(&set, b)?,
        Engine::Float(Precision::F64) => b1_float::<f64>(&set, b)?,
        Engine::Rtl => anyhow::bail!(
            "B1 is 10,000 neurons and one RTL core holds {}; the RTL's speed is measured by \
             `cargo bench -p testbench`",
            hdl::map::MAX_NEURONS
        ),
        Engine::Fixed => {
            let eng = FixedEngine::new(&set, DT_MS)?;
            let mut pop = eng.population(b.neurons, V0_MV, THRESHOLD_MV);
            for (slot, i) in pop.i_ext.iter_mut().zip(currents(b.neurons)) {
                *slot = current_to_fixed(i);
            }
            let start = Instant::now();
            for _ in 0..b.steps {
                eng.step(&mut pop);
            }
            (
                start.elapsed().as_secs_f64(),
                pop.total_spikes(),
                "fixed-point".to_string(),
            )
        }
    };
    Ok(B1Result {
        engine,
        kernel,
        run_s,
        updates_per_s: (b.neurons * b.steps) as f64 / run_s,
        spikes,
    })
}

/// B1 on the GPU (the CUDA forward kernel); a clear error where there is none.
pub fn run_b1_cuda(b: B1, precision: Precision) -> Result<B1Result> {
    let set = ChannelSet::builtin("hh_squid")?;
    let (run_s, spikes, kernel) = match precision {
        Precision::F32 => b1_cuda::<f32>(&set, b)?,
        Precision::F64 => b1_cuda::<f64>(&set, b)?,
    };
    Ok(B1Result {
        engine: Engine::Float(precision),
        kernel,
        run_s,
        updates_per_s: (b.neurons * b.steps) as f64 / run_s,
        spikes,
    })
}

fn b1_cuda<R: Real + gpu::cuda::CudaFloat>(set: &ChannelSet, b: B1) -> Result<(f64, u64, String)> {
    let eng = gpu::cuda::CudaEngine::<R>::new(set, DT_MS)?;
    let host = FloatEngine::<R>::new(set, DT_MS)?;
    let mut pop = host.population(b.neurons, V0_MV, THRESHOLD_MV);
    for (slot, i) in pop.i_ext.iter_mut().zip(currents(b.neurons)) {
        *slot = R::from_f64(i);
    }
    let mut dev = eng.upload(&pop)?;
    let start = Instant::now();
    eng.run(&mut dev, b.steps)?;
    eng.download(&dev, &mut pop)?;
    Ok((
        start.elapsed().as_secs_f64(),
        pop.total_spikes(),
        format!("cuda ({})", eng.device_name()),
    ))
}

fn b1_float<R: Real>(set: &ChannelSet, b: B1) -> Result<(f64, u64, String)> {
    let eng = FloatEngine::<R>::new(set, DT_MS)?;
    let mut pop = eng.population(b.neurons, V0_MV, THRESHOLD_MV);
    for (slot, i) in pop.i_ext.iter_mut().zip(currents(b.neurons)) {
        *slot = R::from_f64(i);
    }
    let start = Instant::now();
    for _ in 0..b.steps {
        eng.step(&mut pop);
    }
    Ok((
        start.elapsed().as_secs_f64(),
        pop.total_spikes(),
        eng.kernel_kind().to_string(),
    ))
}

#[derive(Clone, Debug)]
pub struct B2Result {
    pub engine: Engine,
    /// `b2`, or on the RTL `b2-reduced-1000` (the small chip holds 1,024 neurons).
    pub network: String,
    pub neurons: usize,
    pub run_s: f64,
    pub spikes: u64,
    pub syn_events: u64,
    /// Chip model only: compile time and spike packets / router hops.
    pub compile_s: Option<f64>,
    pub packets: Option<u64>,
    pub hops: Option<u64>,
    pub rtl: Option<RtlSpeed>,
}

/// The verilated chip's speed on a run.
#[derive(Clone, Debug)]
pub struct RtlSpeed {
    /// Clocks simulated, host work included.
    pub clocks: u64,
    /// Clocks of the ticks alone, as the chip counts them.
    pub chip_cycles: u64,
    pub clock_mhz: f64,
    pub dt_ms: f64,
}

impl B2Result {
    pub fn to_json(&self) -> serde_json::Value {
        let (engine, precision) = match self.engine {
            Engine::Float(p) => ("float", Some(p.to_string())),
            Engine::Fixed => ("fixed", None),
            Engine::Rtl => ("rtl", None),
        };
        let updates = (self.neurons * network::cobahh::STEPS) as f64;
        let ticks = network::cobahh::STEPS as f64;
        // At the configured clock a tick of `clocks / ticks` cycles takes that many clock
        // periods; real time is dt per tick.
        let rtl = self.rtl.as_ref().map(|r| {
            let cycles_per_tick = r.chip_cycles as f64 / ticks;
            json!({
                "clocks": r.clocks,
                "clocks_per_s": r.clocks as f64 / self.run_s,
                "cycles_per_tick": cycles_per_tick,
                "clock_mhz": r.clock_mhz,
                "real_time_factor": r.dt_ms * 1e3 * r.clock_mhz / cycles_per_tick,
            })
        });
        json!({
            "bench": "b2",
            "network": self.network,
            "engine": engine,
            "precision": precision,
            "run_s": self.run_s,
            "spikes": self.spikes,
            "updates_per_s": updates / self.run_s,
            "ticks_per_s": network::cobahh::STEPS as f64 / self.run_s,
            "syn_events": self.syn_events,
            "syn_events_per_s": self.syn_events as f64 / self.run_s,
            "compile_s": self.compile_s,
            "packets": self.packets,
            "hops": self.hops,
            "rtl": rtl,
        })
    }
}

/// B2: COBAHH, 4,000 Traub-Miles neurons and 320,036 conductance synapses, 100 ms. The
/// fixed engine runs it as a chip image on the BrainFuse-scale configuration.
pub fn run_b2(engine: Engine) -> Result<B2Result> {
    use network::cobahh;
    let net = cobahh::b2()?;
    let steps = cobahh::STEPS;
    match engine {
        Engine::Float(p) => {
            let (run_s, counts) = match p {
                Precision::F32 => b2_float::<f32>(&net)?,
                Precision::F64 => b2_float::<f64>(&net)?,
            };
            let syn_events = net
                .out_degree()
                .iter()
                .zip(&counts)
                .map(|(&d, &c)| u64::from(d) * u64::from(c))
                .sum();
            Ok(B2Result {
                engine,
                network: net.name.clone(),
                neurons: net.neurons,
                run_s,
                spikes: counts.iter().map(|&c| u64::from(c)).sum(),
                syn_events,
                compile_s: None,
                packets: None,
                hops: None,
                rtl: None,
            })
        }
        Engine::Fixed => {
            let config = chip::ChipConfig::builtin("brainfuse")?;
            let start = Instant::now();
            let compiled = compiler::compile(&net, &config)?;
            let compile_s = start.elapsed().as_secs_f64();
            let mut model = sim::ChipModel::new(&compiled.image)?;
            let start = Instant::now();
            for _ in 0..steps {
                model.tick(&[]);
            }
            let run_s = start.elapsed().as_secs_f64();
            let t = model.traffic();
            Ok(B2Result {
                engine,
                network: net.name.clone(),
                neurons: net.neurons,
                run_s,
                spikes: t.spikes,
                syn_events: t.synaptic_events,
                compile_s: Some(compile_s),
                packets: Some(t.packets),
                hops: Some(t.hops),
                rtl: None,
            })
        }
        Engine::Rtl => b2_rtl(&net),
    }
}

/// B2 reduced to the verilated small chip's 1,024 neurons (`cobahh::reduced`), 100 ms, no
/// waveform open.
fn b2_rtl(b2: &network::Network) -> Result<B2Result> {
    let net = network::cobahh::reduced(b2, 1000);
    let config = chip::ChipConfig::load(testbench::CHIP_BUILT_FOR)?;
    let start = Instant::now();
    let compiled = compiler::compile(&net, &config)?;
    let compile_s = start.elapsed().as_secs_f64();
    let inputs = vec![Vec::new(); network::cobahh::STEPS];
    let run = testbench::run_image_rtl(&compiled.image, &inputs).map_err(anyhow::Error::msg)?;
    let spikes = run.spikes.iter().map(|s| s.len() as u64).sum();
    // The synaptic events the RTL delivered, counted by the model on the same run.
    let mut model = sim::ChipModel::new(&compiled.image)?;
    for _ in 0..network::cobahh::STEPS {
        model.tick(&[]);
    }
    let t = model.traffic();
    anyhow::ensure!(
        t.spikes == spikes,
        "the RTL fired {spikes} spikes, sim {}: run `neurofuse cosim` to find where they part",
        t.spikes
    );
    Ok(B2Result {
        engine: Engine::Rtl,
        network: net.name.clone(),
        neurons: net.neurons,
        run_s: run.run_s,
        spikes,
        syn_events: t.synaptic_events,
        compile_s: Some(compile_s),
        packets: Some(t.packets),
        hops: Some(t.hops),
        rtl: Some(RtlSpeed {
            clocks: run.clocks,
            chip_cycles: run.chip_cycles,
            clock_mhz: config.timing.clock_mhz,
            dt_ms: config.timing.dt_ms,
        }),
    })
}

fn b2_float<R: Real>(net: &network::Network) -> Result<(f64, Vec<u32>)> {
    let mut model = gpu::FloatNetwork::<R>::new(net, network::cobahh::DT_MS)?;
    let start = Instant::now();
    for _ in 0..network::cobahh::STEPS {
        model.step(&[]);
    }
    let run_s = start.elapsed().as_secs_f64();
    Ok((run_s, model.pop.spikes.clone()))
}

/// B3: gradient of a voltage-trace loss with respect to 300 conductances (per-neuron gNa, gK,
/// gL of 100 squid-axon neurons), 1,000 steps, on one core.
#[derive(Clone, Debug)]
pub struct B3Result {
    pub precision: Precision,
    pub kernel: String,
    pub fwd_s: f64,
    pub fwd_bwd_s: f64,
    pub loss: f64,
    /// Euclidean norm of the gradient (a fingerprint of the result).
    pub grad_norm: f64,
}

impl B3Result {
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "bench": "b3",
            "precision": self.precision.to_string(),
            "kernel": self.kernel,
            "fwd_s": self.fwd_s,
            "fwd_bwd_s": self.fwd_bwd_s,
            "fwd_bwd_over_fwd": self.fwd_bwd_s / self.fwd_s,
            "loss": self.loss,
            "grad_norm": self.grad_norm,
        })
    }
}

pub const B3_NEURONS: usize = 100;
pub const B3_STEPS: usize = 1_000;

pub fn run_b3(precision: Precision) -> Result<B3Result> {
    match precision {
        Precision::F32 => b3::<f32>(precision),
        Precision::F64 => b3::<f64>(precision),
    }
}

/// Mean squared distance from a target trace.
struct TraceLoss<'a, R> {
    target: &'a [Vec<R>],
    scale: f64,
}

impl<R: gpu::GradReal> gpu::Loss<R> for TraceLoss<'_, R> {
    fn d_voltage(&mut self, tick: usize, v: &[R], grad: &mut [R]) {
        let two_scale = R::from_f64(2.0 * self.scale);
        for ((g, &x), &y) in grad.iter_mut().zip(v).zip(&self.target[tick]) {
            *g = *g + two_scale * (x - y);
        }
    }
}

/// B3's network: 100 squid-axon neurons driven by `linspace(8, 12)` uA/cm^2.
fn b3_network() -> Result<network::Network> {
    let set = ChannelSet::builtin("hh_squid")?;
    let mut net = network::Network::new("b3", set, B3_NEURONS, V0_MV, THRESHOLD_MV);
    net.bias = (0..B3_NEURONS)
        .map(|i| 8.0 + 4.0 * i as f64 / (B3_NEURONS - 1) as f64)
        .collect();
    Ok(net)
}

/// What B3 needs of a gradient engine (the CPU's and the GPU's have the same calls).
trait GradEngine<R: gpu::GradReal> {
    fn nominal(&self) -> gpu::Params<R>;
    /// Forward pass; `on_tick` sees the potentials after each tick.
    fn run(&self, p: &gpu::Params<R>, on_tick: &mut dyn FnMut(usize, &[R])) -> Result<()>;
    /// Forward and backward passes: the gradient.
    fn gradient(&self, p: &gpu::Params<R>, loss: &mut dyn gpu::Loss<R>) -> Result<gpu::Params<R>>;
}

impl<R: gpu::GradReal> GradEngine<R> for gpu::GradNetwork<R> {
    fn nominal(&self) -> gpu::Params<R> {
        self.params()
    }
    fn run(&self, p: &gpu::Params<R>, on_tick: &mut dyn FnMut(usize, &[R])) -> Result<()> {
        self.forward(p, &network::Stimulus::silent(0), B3_STEPS, on_tick)?;
        Ok(())
    }
    fn gradient(&self, p: &gpu::Params<R>, loss: &mut dyn gpu::Loss<R>) -> Result<gpu::Params<R>> {
        let stim = network::Stimulus::silent(0);
        let traj = self.forward(p, &stim, B3_STEPS, |_, _| {})?;
        Ok(self.backward(p, &stim, &traj, loss)?)
    }
}

impl<R: gpu::GradReal + gpu::cuda::CudaFloat> GradEngine<R> for gpu::cuda::CudaGradNetwork<R> {
    fn nominal(&self) -> gpu::Params<R> {
        self.params()
    }
    fn run(&self, p: &gpu::Params<R>, on_tick: &mut dyn FnMut(usize, &[R])) -> Result<()> {
        self.forward(p, &network::Stimulus::silent(0), B3_STEPS, on_tick)?;
        Ok(())
    }
    fn gradient(&self, p: &gpu::Params<R>, loss: &mut dyn gpu::Loss<R>) -> Result<gpu::Params<R>> {
        let stim = network::Stimulus::silent(0);
        let traj = self.forward(p, &stim, B3_STEPS, |_, _| {})?;
        Ok(self.backward(p, &stim, &traj, loss)?)
    }
}

/// B3 on the GPU (the CUDA kernels); a clear error where there is none.
pub fn run_b3_cuda(precision: Precision) -> Result<B3Result> {
    let net = b3_network()?;
    match precision {
        Precision::F32 => {
            let e = gpu::cuda::CudaGradNetwork::<f32>::new(&net, DT_MS)?;
            let kernel = format!("cuda ({})", e.device_name());
            b3_on(&e, precision, kernel)
        }
        Precision::F64 => {
            let e = gpu::cuda::CudaGradNetwork::<f64>::new(&net, DT_MS)?;
            let kernel = format!("cuda ({})", e.device_name());
            b3_on(&e, precision, kernel)
        }
    }
}

fn b3<R: gpu::GradReal>(precision: Precision) -> Result<B3Result> {
    let engine = gpu::GradNetwork::<R>::new(&b3_network()?, DT_MS)?;
    let kernel = engine.kernel_name().to_string();
    b3_on(&engine, precision, kernel)
}

fn b3_on<R: gpu::GradReal>(
    engine: &dyn GradEngine<R>,
    precision: Precision,
    kernel: String,
) -> Result<B3Result> {
    let nominal = engine.nominal();
    let mut target = Vec::with_capacity(B3_STEPS);
    engine.run(&nominal, &mut |_, v| target.push(v.to_vec()))?;
    let mut params = nominal.clone();
    for g in params.conductance.iter_mut().flatten() {
        *g = *g * R::from_f64(1.1);
    }
    let scale = 1.0 / (B3_STEPS * B3_NEURONS) as f64;
    let squared_error = |t: usize, v: &[R]| -> f64 {
        v.iter()
            .zip(&target[t])
            .map(|(&x, &y)| (x - y).to_f64().powi(2))
            .sum::<f64>()
    };

    let start = Instant::now();
    let mut loss = 0.0;
    engine.run(&params, &mut |t, v| loss += squared_error(t, v))?;
    let fwd_s = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let grads = engine.gradient(
        &params,
        &mut TraceLoss {
            target: &target,
            scale,
        },
    )?;
    let fwd_bwd_s = start.elapsed().as_secs_f64();
    let grad_norm = grads
        .conductance
        .iter()
        .flatten()
        .map(|g| g.to_f64().powi(2))
        .sum::<f64>()
        .sqrt();
    Ok(B3Result {
        precision,
        kernel,
        fwd_s,
        fwd_bwd_s,
        loss: loss * scale,
        grad_norm,
    })
}
