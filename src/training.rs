//! `neurofuse train`: trains a classifier (HH, and LIF for comparison) on the float
//! reference's gradients and exports it for the compiler. Tasks: the digits (rate-coded
//! images; also accuracy against input noise) and `order` (which of two spikes came first).

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::json;
use train::classifier::ClassifierSpec;
use train::digits::{self, Sample};
use train::export::{self, Population};
use train::fit::{self, DataSplit, EpochRecord, Example, Progress, TrainConfig};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    Digits,
    Order,
}

pub struct Options {
    pub task: Task,
    pub epochs: usize,
    pub hidden: usize,
    pub threads: usize,
    pub seed: u64,
    pub lif: bool,
    /// Train on only this many training images.
    pub train_images: Option<usize>,
    pub noise_levels: Vec<f64>,
}

/// Digits held out: 20 % of the images for the test set, then 10 % of the rest for
/// validation.
pub fn split() -> (Vec<Sample>, Vec<Sample>, Vec<Sample>) {
    let all = digits::load();
    let (rest, test) = digits::split(&all, 0.2, 1);
    let (train, validation) = digits::split(&rest, 0.1, 2);
    (train, validation, test)
}

struct Trained {
    label: &'static str,
    spec: ClassifierSpec,
    net: network::Network,
    records: Vec<EpochRecord>,
}

/// Examples of order: training, validation and test sets from separate seeds.
const ORDER_SIZES: (usize, usize, usize) = (800, 100, 300);

pub fn run(out: &Path, o: &Options) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let cfg = TrainConfig {
        epochs: o.epochs,
        threads: o.threads.max(1),
        seed: o.seed,
        ..TrainConfig::default()
    };
    let mut models = vec![("hh", ClassifierSpec::digits())];
    if o.lif {
        models.push(("lif", ClassifierSpec::digits_lif()));
    }
    let (train_images, _, test_images) = split();
    let mut trained = Vec::new();
    for (label, neuron) in models {
        let neuron = ClassifierSpec {
            hidden: o.hidden,
            seed: o.seed,
            ..neuron
        };
        let (spec, train_set, validation, test) = match o.task {
            Task::Digits => {
                let (mut train_set, validation, test) = split();
                if let Some(n) = o.train_images {
                    train_set.truncate(n);
                }
                let ex = |s: &[Sample]| train::classifier::digit_examples(&neuron, s, None);
                (neuron.clone(), ex(&train_set), ex(&validation), ex(&test))
            }
            Task::Order => {
                let spec = train::order::spec(neuron);
                let (n_train, n_val, n_test) = ORDER_SIZES;
                let n_train = o.train_images.map_or(n_train, |n| n.min(n_train));
                let ex = |n, seed| train::order::examples(&spec, n, seed);
                let sets = (ex(n_train, 11), ex(n_val, 12), ex(n_test, 13));
                (spec, sets.0, sets.1, sets.2)
            }
        };
        if trained.is_empty() {
            println!(
                "{}: {} training, {} validation, {} test examples",
                match o.task {
                    Task::Digits => "digits (8x8, UCI via scikit-learn)",
                    Task::Order => "order (which of two input spikes came first)",
                },
                train_set.len(),
                validation.len(),
                test.len()
            );
        }
        let data = DataSplit {
            train: &train_set,
            validation: &validation,
            test: &test,
        };
        trained.push(train_one(label, spec, o.task, &cfg, &data, out)?);
    }
    if o.task == Task::Digits && !o.noise_levels.is_empty() {
        noise_report(out, &trained, &test_images, o)?;
    }
    drop(train_images);
    plot_training(out, &trained, o.task)?;
    println!("outputs in {}", out.display());
    Ok(())
}

fn train_one(
    label: &'static str,
    spec: ClassifierSpec,
    task: Task,
    cfg: &TrainConfig,
    data: &DataSplit,
    out: &Path,
) -> Result<Trained> {
    let mut net = spec.build().map_err(anyhow::Error::msg)?;
    println!(
        "training {label}: {} inputs -> {} hidden -> {} outputs ({}), {} synapses, {} ms per image",
        spec.inputs,
        spec.hidden,
        spec.classes,
        spec.neuron,
        net.synapses.len() + net.input_synapses.len(),
        spec.ticks as f64 * spec.dt_ms
    );
    let total = (cfg.epochs * data.train.len()) as u64;
    let bar = indicatif::ProgressBar::new(total).with_style(
        indicatif::ProgressStyle::with_template(
            "{prefix} {bar:36} {pos}/{len} images {elapsed}<{eta} {msg}",
        )
        .expect("a valid template"),
    );
    bar.set_prefix(label);
    let per_epoch = data.train.len() as u64;
    let records = fit::train(&mut net, &spec, cfg, data, &mut |p| match p {
        Progress::Batch {
            epoch, done, loss, ..
        } => {
            bar.set_position((epoch as u64 - 1) * per_epoch + done as u64);
            bar.set_message(format!("epoch {epoch} loss {loss:.3}"));
        }
        // `suspend`, not `println`: the line must reach logs too, where no bar is drawn.
        Progress::Epoch(r) => bar.suspend(|| {
            println!(
                "{label} epoch {:>2}: loss {:.3}  train {:.1} %  validation {:.1} %  test {:.1} %",
                r.epoch,
                r.train_loss,
                100.0 * r.train_accuracy,
                100.0 * r.validation_accuracy,
                100.0 * r.test_accuracy
            )
        }),
    })
    .map_err(|e| anyhow::anyhow!("training {label}: {e}"))?;
    bar.finish_and_clear();
    let kept = fit::kept(&records).context("no epoch was trained (--epochs 0)")?;
    println!(
        "{label}: kept epoch {} (validation {:.1} %): test accuracy {:.1} % on {} images",
        kept.epoch,
        100.0 * kept.validation_accuracy,
        100.0 * kept.test_accuracy,
        data.test.len()
    );
    let populations = vec![
        Population {
            name: "hidden".into(),
            first: 0,
            count: spec.hidden,
        },
        Population {
            name: "output".into(),
            first: spec.first_output(),
            count: spec.classes,
        },
    ];
    let task = json!({
        "task": match task { Task::Digits => "digits", Task::Order => "order" },
        "classifier": spec,
        "decision": "output neuron with the most spikes, ties to the earliest first spike",
        "encoding": match task {
            Task::Digits => "regular spike trains, rate = pixel / 16 * max_rate_hz, golden-ratio phases",
            Task::Order => "input 0 (A) and input 1 (B) fire once each; class 0: A first",
        },
        "split": match task {
            Task::Digits => json!({"test_fraction": 0.2, "test_seed": 1, "validation_fraction": 0.1, "validation_seed": 2}),
            Task::Order => json!({"sizes": ORDER_SIZES, "seeds": [11, 12, 13]}),
        },
        "training": cfg,
        "kept_epoch": kept.epoch,
        "test_accuracy": kept.test_accuracy,
    });
    export::save(&net, &out.join(label), spec.dt_ms, populations, task)?;
    Ok(Trained {
        label,
        spec,
        net,
        records,
    })
}

fn noise_report(out: &Path, models: &[Trained], test: &[Sample], o: &Options) -> Result<()> {
    println!("accuracy on the test set against input noise (Gaussian, on intensities 0..1):");
    let mut header = "sigma".to_string();
    for m in models {
        header += &format!(",{}", m.label);
    }
    let mut csv = vec![header.clone()];
    println!("  {}", header.replace(',', "\t"));
    let mut series: Vec<(String, Vec<(f64, f64)>)> = models
        .iter()
        .map(|m| (m.label.to_uppercase(), Vec::new()))
        .collect();
    for &sigma in &o.noise_levels {
        let mut row = format!("{sigma}");
        for (k, m) in models.iter().enumerate() {
            let noise = (sigma > 0.0).then_some((sigma, o.seed));
            let examples: Vec<Example> = train::classifier::digit_examples(&m.spec, test, noise);
            let acc = fit::accuracy(&m.net, &m.spec, &examples, o.threads.max(1));
            row += &format!(",{acc:.4}");
            series[k].1.push((sigma, 100.0 * acc));
        }
        println!("  {}", row.replace(',', "\t"));
        csv.push(row);
    }
    let path = out.join("noise.csv");
    std::fs::write(&path, csv.join("\n") + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    crate::plot::curves(
        &out.join("noise.svg"),
        "Digits: test accuracy against input noise",
        ("noise sigma (intensity)", "accuracy (%)"),
        0.0..100.0,
        &series,
    )
}

fn task_name(task: Task) -> &'static str {
    match task {
        Task::Digits => "Digits",
        Task::Order => "Order",
    }
}

fn plot_training(out: &Path, models: &[Trained], task: Task) -> Result<()> {
    let mut series = Vec::new();
    for m in models {
        for (what, f) in [
            (
                "validation",
                (|r: &EpochRecord| r.validation_accuracy) as fn(&EpochRecord) -> f64,
            ),
            ("test", |r: &EpochRecord| r.test_accuracy),
        ] {
            series.push((
                format!("{} {what}", m.label.to_uppercase()),
                m.records
                    .iter()
                    .map(|r| (r.epoch as f64, 100.0 * f(r)))
                    .collect(),
            ));
        }
    }
    let summary = json!({
        "models": models.iter().map(|m| json!({
            "model": m.label,
            "classifier": m.spec,
            "epochs": m.records,
            "kept": fit::kept(&m.records),
        })).collect::<Vec<_>>(),
    });
    let path = out.join("training.json");
    std::fs::write(&path, serde_json::to_string_pretty(&summary)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    crate::plot::curves(
        &out.join("training.svg"),
        &format!("{}: accuracy per epoch", task_name(task)),
        ("epoch", "accuracy (%)"),
        0.0..100.0,
        &series,
    )
}
