//! Training a classifier by surrogate-gradient descent through the HH dynamics.

use gpu::{GradNetwork, GradReal, Loss, Params, Surrogate};
use network::{Network, Stimulus};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::adam::Adam;
use crate::classifier::{ClassifierSpec, Readout};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch: usize,
    /// Adam step sizes: weights (mS/cm^2) and biases (uA/cm^2).
    pub lr_weight: f64,
    pub lr_bias: f64,
    /// Both step sizes are multiplied by this after every epoch.
    pub lr_decay: f64,
    /// Logits are `logit_scale * spike count`.
    pub logit_scale: f64,
    /// Fast-sigmoid surrogate slope, per mV.
    pub surrogate_slope: f64,
    pub threads: usize,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 10,
            batch: 32,
            lr_weight: 3e-3,
            lr_bias: 5e-3,
            lr_decay: 0.8,
            logit_scale: 1.0,
            surrogate_slope: 0.2,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            seed: 1,
        }
    }
}

/// What the caller sees while training runs.
pub enum Progress {
    /// `done` of `total` samples of `epoch` trained, with the running mean loss.
    Batch {
        epoch: usize,
        done: usize,
        total: usize,
        loss: f64,
    },
    /// An epoch ended (accuracies of the float reference, f64).
    Epoch(EpochRecord),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    pub epoch: usize,
    pub train_loss: f64,
    /// On the training samples, during the epoch (parameters changing, f32).
    pub train_accuracy: f64,
    /// Selects the epoch kept.
    pub validation_accuracy: f64,
    pub test_accuracy: f64,
}

/// Cross-entropy of the softmax of output spike counts: its derivative per output spike.
struct CountCrossEntropy {
    first_output: usize,
    d_count: Vec<f64>,
}

impl<R: GradReal> Loss<R> for CountCrossEntropy {
    fn d_spike(&self, _tick: usize, neuron: usize) -> f64 {
        neuron
            .checked_sub(self.first_output)
            .and_then(|k| self.d_count.get(k))
            .copied()
            .unwrap_or(0.0)
    }
}

fn softmax(logits: &[f64]) -> Vec<f64> {
    let max = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = logits.iter().map(|&l| (l - max).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.iter().map(|x| x / sum).collect()
}

/// Loss, whether the decision was right, and the gradient for one sample.
fn sample_gradient(
    engine: &GradNetwork<f32>,
    params: &Params<f32>,
    spec: &ClassifierSpec,
    cfg: &TrainConfig,
    stim: &Stimulus,
    label: usize,
) -> (f64, bool, Params<f32>) {
    let traj = engine
        .forward(params, stim, spec.ticks, |_, _| {})
        .expect("parameters and stimulus are built to match the network");
    let readout = Readout::of(&traj.raster.ticks, spec.first_output(), spec.classes);
    let logits: Vec<f64> = readout
        .counts
        .iter()
        .map(|&c| cfg.logit_scale * f64::from(c))
        .collect();
    let p = softmax(&logits);
    let loss = -p[label].max(1e-12).ln();
    let d_count = p
        .iter()
        .enumerate()
        .map(|(k, &pk)| cfg.logit_scale * (pk - if k == label { 1.0 } else { 0.0 }))
        .collect();
    let grads = engine
        .backward(
            params,
            stim,
            &traj,
            &mut CountCrossEntropy {
                first_output: spec.first_output(),
                d_count,
            },
        )
        .expect("shapes match");
    (loss, readout.decide() == Some(label), grads)
}

fn add_into(acc: &mut Params<f32>, g: &Params<f32>) {
    let add = |a: &mut [f32], b: &[f32]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
    add(&mut acc.weight, &g.weight);
    add(&mut acc.input_weight, &g.input_weight);
    add(&mut acc.bias, &g.bias);
}

/// Runs `f` over `items` on `threads` threads, in order.
pub fn parallel_map<T: Sync, U: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> U + Sync,
) -> Vec<U> {
    let chunk = items.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<U>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker thread panicked"))
            .collect()
    })
}

/// One input pattern and its class.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    pub stimulus: Stimulus,
    pub label: usize,
}

/// Fraction of `examples` the network (in f64, the float reference) classifies right.
pub fn accuracy(net: &Network, spec: &ClassifierSpec, examples: &[Example], threads: usize) -> f64 {
    let engine = GradNetwork::<f64>::new(net, spec.dt_ms).expect("a valid classifier network");
    let params = engine.params();
    let right = parallel_map(examples, threads, |e| {
        let traj = engine
            .forward(&params, &e.stimulus, spec.ticks, |_, _| {})
            .expect("matching shapes");
        Readout::of(&traj.raster.ticks, spec.first_output(), spec.classes).decide() == Some(e.label)
    });
    right.iter().filter(|&&r| r).count() as f64 / examples.len().max(1) as f64
}

/// Copies trained parameters into the network.
pub fn apply(net: &mut Network, p: &Params<f64>) {
    net.synapses.weight.clone_from(&p.weight);
    net.input_synapses.weight.clone_from(&p.input_weight);
    net.bias.clone_from(&p.bias);
}

/// The samples a training run sees.
pub struct DataSplit<'a> {
    pub train: &'a [Example],
    /// Picks the epoch whose parameters are kept.
    pub validation: &'a [Example],
    /// Only reported.
    pub test: &'a [Example],
}

/// Trains `net` (built from `spec`) in place, leaving it with the parameters of the epoch
/// with the best validation accuracy (the first of equals); returns one record per epoch.
/// A gradient that is not finite stops training with an error (rather than poisoning the
/// optimizer's state).
pub fn train(
    net: &mut Network,
    spec: &ClassifierSpec,
    cfg: &TrainConfig,
    data: &DataSplit,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<EpochRecord>, String> {
    let train_set = data.train;
    let mut engine = GradNetwork::<f32>::new(net, spec.dt_ms).expect("a valid classifier network");
    engine.set_surrogate(Surrogate::FastSigmoid {
        slope: cfg.surrogate_slope,
    });
    // Master copies in f64; the engine runs in f32.
    let mut master = GradNetwork::<f64>::new(net, spec.dt_ms)
        .expect("a valid classifier network")
        .params();
    let mut adam_w = Adam::new(master.weight.len(), cfg.lr_weight);
    let mut adam_in = Adam::new(master.input_weight.len(), cfg.lr_weight);
    let mut adam_b = Adam::new(master.bias.len(), cfg.lr_bias);
    let stimuli = train_set;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut order: Vec<usize> = (0..stimuli.len()).collect();
    let mut records: Vec<EpochRecord> = Vec::new();
    let mut best = master.clone();
    for epoch in 1..=cfg.epochs {
        order.shuffle(&mut rng);
        let (mut loss_sum, mut right, mut done) = (0.0, 0usize, 0usize);
        for batch in order.chunks(cfg.batch.max(1)) {
            let params = to_f32(&master);
            let results = parallel_map(batch, cfg.threads, |&k| {
                let e = &stimuli[k];
                sample_gradient(&engine, &params, spec, cfg, &e.stimulus, e.label)
            });
            let mut sum = params.zeros_like();
            for (loss, ok, g) in &results {
                loss_sum += loss;
                right += usize::from(*ok);
                add_into(&mut sum, g);
            }
            let scale = 1.0 / batch.len() as f64;
            let mean = |v: &[f32]| v.iter().map(|&x| f64::from(x) * scale).collect::<Vec<_>>();
            let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
            if !(finite(&sum.weight) && finite(&sum.input_weight) && finite(&sum.bias)) {
                return Err(format!(
                    "epoch {epoch}: a gradient is not finite after {done} images; lower the \
                     learning rates or the surrogate slope"
                ));
            }
            adam_w.step(&mut master.weight, &mean(&sum.weight), 0.0);
            adam_in.step(&mut master.input_weight, &mean(&sum.input_weight), 0.0);
            adam_b.step(&mut master.bias, &mean(&sum.bias), f64::NEG_INFINITY);
            done += batch.len();
            progress(Progress::Batch {
                epoch,
                done,
                total: stimuli.len(),
                loss: loss_sum / done as f64,
            });
        }
        apply(net, &master);
        for adam in [&mut adam_w, &mut adam_in, &mut adam_b] {
            adam.lr *= cfg.lr_decay;
        }
        engine = {
            let mut e = GradNetwork::<f32>::new(net, spec.dt_ms).expect("valid network");
            e.set_surrogate(Surrogate::FastSigmoid {
                slope: cfg.surrogate_slope,
            });
            e
        };
        let record = EpochRecord {
            epoch,
            train_loss: loss_sum / stimuli.len() as f64,
            train_accuracy: right as f64 / stimuli.len() as f64,
            validation_accuracy: accuracy(net, spec, data.validation, cfg.threads),
            test_accuracy: accuracy(net, spec, data.test, cfg.threads),
        };
        if records
            .iter()
            .all(|r| r.validation_accuracy < record.validation_accuracy)
        {
            best.clone_from(&master);
        }
        progress(Progress::Epoch(record.clone()));
        records.push(record);
    }
    apply(net, &best);
    Ok(records)
}

/// The epoch [`train`] kept.
pub fn kept(records: &[EpochRecord]) -> Option<&EpochRecord> {
    records.iter().reduce(|a, b| {
        if b.validation_accuracy > a.validation_accuracy {
            b
        } else {
            a
        }
    })
}

fn to_f32(p: &Params<f64>) -> Params<f32> {
    let c = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
    Params {
        conductance: p.conductance.iter().map(|v| c(v)).collect(),
        bias: c(&p.bias),
        weight: c(&p.weight),
        input_weight: c(&p.input_weight),
    }
}
