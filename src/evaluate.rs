//! A trained classifier's accuracy on the float reference, on the chip model running its
//! compiled image, and on the verilated chip: the same examples (input spikes per tick), the
//! same decision (`Readout::decide` on the output neurons' spikes).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{bail, Context, Result};
use chip::ChipImage;
use network::{Network, Stimulus};
use train::classifier::{ClassifierSpec, Readout};
use train::export::Manifest;
use train::fit::Example;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The float reference, f64 (what `train::fit::accuracy` runs).
    Float,
    /// The bit-accurate chip model running the compiled image.
    Sim,
    /// The verilated chip running the compiled image (builtin:small only).
    Rtl,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Float => "float",
            Engine::Sim => "sim",
            Engine::Rtl => "rtl",
        }
    }
}

/// The classifier spec an exported network was trained with (`task.classifier` of its
/// manifest), checked against the network.
pub fn classifier_spec(dir: &Path, manifest: &Manifest, net: &Network) -> Result<ClassifierSpec> {
    let file = dir.join(train::export::MANIFEST);
    let value = manifest.task.get("classifier").with_context(|| {
        format!(
            "{}: task.classifier is missing: only classifiers exported by `neurofuse train` can be evaluated",
            file.display()
        )
    })?;
    let spec: ClassifierSpec = serde_json::from_value(value.clone())
        .with_context(|| format!("{}: task.classifier", file.display()))?;
    let checks = [
        (
            "hidden + classes",
            spec.hidden + spec.classes,
            "neurons",
            net.neurons,
        ),
        ("inputs", spec.inputs, "inputs", net.inputs),
    ];
    for (field, value, what, expected) in checks {
        if value != expected {
            bail!(
                "{}: task.classifier.{field} = {value}, but the network has {expected} {what}",
                file.display()
            );
        }
    }
    if spec.dt_ms != manifest.dt_ms {
        bail!(
            "{}: task.classifier.dt_ms = {}, but dt_ms = {}",
            file.display(),
            spec.dt_ms,
            manifest.dt_ms
        );
    }
    Ok(spec)
}

/// Input spikes per tick for `ticks` ticks (none past the stimulus' end).
pub fn inputs_per_tick(stimulus: &Stimulus, ticks: usize) -> Vec<Vec<u32>> {
    (0..ticks).map(|t| stimulus.at(t).to_vec()).collect()
}

/// The chip model's spikes, (core, local neuron) per tick, from the image's initial state.
pub fn chip_spikes_sim(
    image: &ChipImage,
    stimulus: &Stimulus,
    ticks: usize,
) -> Result<Vec<Vec<(u32, u32)>>> {
    let mut model = sim::ChipModel::new(image)?;
    Ok((0..ticks)
        .map(|t| model.tick(stimulus.at(t)).to_vec())
        .collect())
}

/// The verilated chip's spikes, (core, local neuron) per tick, on a freshly loaded chip.
pub fn chip_spikes_rtl(
    image: &ChipImage,
    stimulus: &Stimulus,
    ticks: usize,
) -> Result<Vec<Vec<(u32, u32)>>> {
    let run = testbench::run_image_rtl(image, &inputs_per_tick(stimulus, ticks)).map_err(|e| {
        anyhow::anyhow!(
            "the verilated chip (built for {}): {e}",
            testbench::CHIP_BUILT_FOR
        )
    })?;
    Ok(run.spikes)
}

/// Chip spikes as network neuron indices (each core's `neuron_ids`); a (core, neuron) the
/// image does not have is an error.
pub fn network_spikes(image: &ChipImage, chip: &[Vec<(u32, u32)>]) -> Result<Vec<Vec<u32>>> {
    chip.iter()
        .enumerate()
        .map(|(t, spikes)| {
            spikes
                .iter()
                .map(|&(core, local)| {
                    image
                        .cores
                        .get(core as usize)
                        .and_then(|c| c.neuron_ids.get(local as usize))
                        .copied()
                        .with_context(|| {
                            format!("tick {t}: a spike of core {core}, neuron {local}, which the image does not have")
                        })
                })
                .collect()
        })
        .collect()
}

/// The class the output neurons' spikes (network neuron indices per tick) decide.
pub fn decide(spec: &ClassifierSpec, spikes: &[Vec<u32>]) -> Option<usize> {
    Readout::of(spikes, spec.first_output(), spec.classes).decide()
}

/// The float reference's spikes (network neuron indices per tick) for one stimulus.
pub fn float_spikes(
    net: &Network,
    spec: &ClassifierSpec,
    stimulus: &Stimulus,
) -> Result<Vec<Vec<u32>>> {
    let grad = gpu::GradNetwork::<f64>::new(net, spec.dt_ms)?;
    let traj = grad.forward(&grad.params(), stimulus, spec.ticks, |_, _| {})?;
    Ok(traj.raster.ticks)
}

/// An error unless the export is a digits classifier (`task.task` of its manifest): the
/// test set is the digits'.
pub fn check_digits_task(dir: &Path, manifest: &Manifest) -> Result<()> {
    if manifest.task.get("task").and_then(|t| t.as_str()) != Some("digits") {
        bail!(
            "{}: task.task = {}: only a digits classifier can run on the digits test set",
            dir.join(train::export::MANIFEST).display(),
            manifest
                .task
                .get("task")
                .unwrap_or(&serde_json::Value::Null)
        );
    }
    Ok(())
}

/// What was evaluated and how it went.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub engine: Engine,
    /// Per example: the decided class (`None`: no output neuron fired).
    pub decisions: Vec<Option<usize>>,
    pub labels: Vec<usize>,
    pub wall_s: f64,
}

impl Evaluation {
    pub fn right(&self) -> usize {
        self.decisions
            .iter()
            .zip(&self.labels)
            .filter(|(d, &l)| **d == Some(l))
            .count()
    }

    pub fn accuracy(&self) -> f64 {
        self.right() as f64 / self.labels.len().max(1) as f64
    }

    /// Examples where both evaluations decide the same (silence included).
    pub fn agreement(&self, other: &Evaluation) -> usize {
        self.decisions
            .iter()
            .zip(&other.decisions)
            .filter(|(a, b)| a == b)
            .count()
    }
}

/// Runs every example on `engine` and decodes it; `image` is the network compiled for the
/// chip (unused by the float reference). Examples run on `threads` threads (the RTL on
/// one); `progress` is called once per finished example.
pub fn evaluate(
    engine: Engine,
    net: &Network,
    image: &ChipImage,
    spec: &ClassifierSpec,
    examples: &[Example],
    threads: usize,
    progress: &(dyn Fn() + Sync),
) -> Result<Evaluation> {
    let start = std::time::Instant::now();
    let ticks = spec.ticks;
    let decide = |spikes: &[Vec<u32>]| decide(spec, spikes);
    let decisions: Vec<Option<usize>> = match engine {
        Engine::Float => {
            let grad = gpu::GradNetwork::<f64>::new(net, spec.dt_ms)?;
            let params = grad.params();
            parallel(examples, threads, |e| {
                let traj = grad.forward(&params, &e.stimulus, ticks, |_, _| {})?;
                progress();
                Ok(decide(&traj.raster.ticks))
            })?
        }
        Engine::Sim => parallel(examples, threads, |e| {
            let chip = chip_spikes_sim(image, &e.stimulus, ticks)?;
            progress();
            Ok(decide(&network_spikes(image, &chip)?))
        })?,
        Engine::Rtl => {
            if !testbench::RTL_AVAILABLE {
                bail!("{}", testbench::NO_RTL);
            }
            // One verilated chip at a time: the model is not shared between threads.
            parallel(examples, 1, |e| {
                let chip = chip_spikes_rtl(image, &e.stimulus, ticks)?;
                progress();
                Ok(decide(&network_spikes(image, &chip)?))
            })?
        }
    };
    Ok(Evaluation {
        engine,
        decisions,
        labels: examples.iter().map(|e| e.label).collect(),
        wall_s: start.elapsed().as_secs_f64(),
    })
}

/// `f` over `items` on `threads` threads, each taking the next item as it finishes one;
/// results in item order, the first error if any.
fn parallel<T: Sync, U: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> Result<U> + Sync,
) -> Result<Vec<U>> {
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, Result<U>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.clamp(1, items.len().max(1)))
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(k) else { break };
                        let r = f(item);
                        let failed = r.is_err();
                        done.push((k, r));
                        if failed {
                            // Let the other workers stop too.
                            next.store(items.len(), Ordering::Relaxed);
                            break;
                        }
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("evaluation worker panicked"))
            .collect()
    });
    results.sort_by_key(|(k, _)| *k);
    results.into_iter().map(|(_, r)| r).collect()
}

/// The digits test set (`training::split`), or its first `images`.
pub fn digits_test_set(spec: &ClassifierSpec, images: Option<usize>) -> Vec<Example> {
    let (_, _, mut test) = crate::training::split();
    if let Some(n) = images {
        test.truncate(n);
    }
    train::classifier::digit_examples(spec, &test, None)
}

/// `neurofuse evaluate NETWORK_DIR --config CHIP --engine ... [--images N]`.
pub fn run(
    network_dir: &Path,
    config: &str,
    engines: &[Engine],
    images: Option<usize>,
    threads: usize,
) -> Result<()> {
    if images == Some(0) {
        bail!("--images must be at least 1");
    }
    let config = chip::ChipConfig::load(config)?;
    let (net, manifest, compiled) = crate::compile::compile_dir(network_dir, &config)?;
    let spec = classifier_spec(network_dir, &manifest, &net)?;
    check_digits_task(network_dir, &manifest)?;
    let examples = digits_test_set(&spec, images);
    println!(
        "network `{}` compiled for chip `{}`; {} test images of the digits, {} ticks each",
        net.name,
        config.name,
        examples.len(),
        spec.ticks
    );
    let mut results: Vec<Evaluation> = Vec::new();
    for &engine in engines {
        let bar = indicatif::ProgressBar::new(examples.len() as u64).with_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{:5} {{bar:40}} {{pos}}/{{len}} images {{eta}}",
                engine.name()
            ))
            .expect("valid template"),
        );
        let e = evaluate(
            engine,
            &net,
            &compiled.image,
            &spec,
            &examples,
            threads,
            &|| bar.inc(1),
        )?;
        bar.finish_and_clear();
        let mut line = format!(
            "{:5} accuracy {:.2} % ({}/{}) in {:.1} s",
            engine.name(),
            100.0 * e.accuracy(),
            e.right(),
            e.labels.len(),
            e.wall_s
        );
        for r in results.iter().filter(|r| r.engine != engine) {
            line += &format!(
                "; same decision as {} on {}/{}",
                r.engine.name(),
                e.agreement(r),
                e.labels.len()
            );
        }
        println!("{line}");
        results.push(e);
    }
    Ok(())
}
