//! Tuning run: trains the digits classifier on a subset and prints progress.
use train::classifier::ClassifierSpec;
use train::fit::{train, Progress, TrainConfig};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n_train: usize = args.get(1).map_or(400, |s| s.parse().unwrap());
    let epochs: usize = args.get(2).map_or(3, |s| s.parse().unwrap());
    let all = train::digits::load();
    let (tr, te) = train::digits::split(&all, 0.2, 1);
    let env = |k: &str, d: f64| std::env::var(k).map_or(d, |v| v.parse().unwrap());
    let spec = ClassifierSpec {
        hidden: env("H", 64.0) as usize,
        init_weight: env("W0", 0.05),
        max_rate_hz: env("RATE", 200.0),
        ticks: env("T", 1000.0) as usize,
        ..if std::env::var("CH").as_deref() == Ok("lif") {
            ClassifierSpec::digits_lif()
        } else {
            ClassifierSpec::digits()
        }
    };
    let mut net = spec.build().unwrap();
    let cfg = TrainConfig {
        epochs,
        lr_weight: env("LR", 2e-3),
        lr_bias: env("LRB", 5e-3),
        lr_decay: env("DECAY", 0.8),
        logit_scale: env("BETA", 1.0),
        surrogate_slope: env("SLOPE", 0.2),
        batch: env("B", 32.0) as usize,
        ..TrainConfig::default()
    };
    {
        let g = gpu::GradNetwork::<f64>::new(&net, spec.dt_ms).unwrap();
        let (mut hid, mut out) = (0usize, 0usize);
        for s in &tr[..50] {
            let st = train::classifier::stimulus(&spec, &s.pixels, 16, None);
            let t = g.forward(&g.params(), &st, spec.ticks, |_, _| {}).unwrap();
            for tick in &t.raster.ticks {
                for &n in tick {
                    if (n as usize) < spec.hidden {
                        hid += 1
                    } else {
                        out += 1
                    }
                }
            }
        }
        println!(
            "per sample: hidden spikes {:.1}, output spikes {:.1}",
            hid as f64 / 50.0,
            out as f64 / 50.0
        );
    }
    let t0 = std::time::Instant::now();
    let acc0 = train::fit::accuracy(&net, &spec, &te[..200], None, 2);
    println!(
        "initial test acc {acc0:.3} ({:.1}s)",
        t0.elapsed().as_secs_f64()
    );
    train(
        &mut net,
        &spec,
        &cfg,
        &tr[..n_train],
        &te[..200],
        &mut |p| {
            match p {
        Progress::Batch { epoch, done, total, loss } if done % 128 == 0 => {
            println!("epoch {epoch} {done}/{total} loss {loss:.3} t={:.1}s", t0.elapsed().as_secs_f64())
        }
        Progress::Epoch { epoch, train_loss, train_accuracy, test_accuracy } => println!(
            "== epoch {epoch}: loss {train_loss:.3} train acc {train_accuracy:.3} test acc {test_accuracy:.3} t={:.1}s",
            t0.elapsed().as_secs_f64()
        ),
        _ => {}
    }
        },
    );
}
