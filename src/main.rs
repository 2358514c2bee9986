//! `neurofuse`: the command-line front end. Each subcommand is a thin layer over the crates.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use channels::ChannelSet;
use clap::{Parser, Subcommand, ValueEnum};
use neurofuse::bench::{run_b1, run_b1_cuda, run_b2, run_b3, run_b3_cuda, B1};
use neurofuse::neuron::{simulate, simulate_registers_traced, write_vcd, Engine, Precision};
use neurofuse::{demo, trace, verilog};

#[derive(Parser)]
#[command(
    name = "neurofuse",
    version,
    about = "Design, verify and deploy a Hodgkin-Huxley neuromorphic chip"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EngineArg {
    /// Float reference (f32 or f64)
    Float,
    /// The chip's fixed-point arithmetic, bit-accurate
    Fixed,
    /// The chip's RTL under Verilator (bit-exact with `fixed`)
    Rtl,
    /// The float reference on an NVIDIA GPU: CUDA kernels compiled at run time by NVRTC
    /// (bench b1 and b3)
    Cuda,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ServeEngineArg {
    /// The bit-accurate chip model
    Sim,
    /// The verilated chip (builtin:small)
    Rtl,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PlacerArg {
    Partition,
    Spread,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EvalEngineArg {
    /// The float reference (f64)
    Float,
    /// The bit-accurate chip model
    Sim,
    /// The verilated chip (builtin:small)
    Rtl,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DesignArg {
    /// The chip of --config behind the UART bridge
    Chip,
    /// The UART bridge and 16 scratch registers: brings up the host link without the chip
    LinkTest,
}

#[derive(Subcommand)]
enum FpgaCommand {
    /// Synthesize, place and route a board's top level and write its bitstream; report
    /// utilization and the achieved clock (a design that does not fit is refused with the
    /// numbers)
    Build {
        /// icebreaker (iCE40 UP5K) or ulx3s (ECP5 85F)
        #[arg(long)]
        board: String,
        /// Chip configuration: a TOML file or builtin:NAME
        #[arg(long, default_value = "builtin:small")]
        config: String,
        #[arg(long, value_enum, default_value = "chip")]
        design: DesignArg,
        /// UART baud rate of the host link
        #[arg(long, default_value_t = 115_200)]
        baud: u32,
        #[arg(long, value_name = "DIR", default_value = "neurofuse-fpga")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Simulate one neuron under a current-clamp protocol (IN.csv: t_ms,i_uA_per_cm2)
    Neuron {
        #[arg(long, value_name = "IN.csv")]
        input: PathBuf,
        #[arg(long, value_enum)]
        engine: EngineArg,
        #[arg(long, value_name = "OUT.csv")]
        out: PathBuf,
        /// Float precision (float engine only; default f64)
        #[arg(long)]
        precision: Option<Precision>,
        /// Time step in ms (default: the row spacing of IN.csv)
        #[arg(long)]
        dt: Option<f64>,
        /// Channel set: a TOML file, or builtin:NAME (default builtin:hh_squid)
        #[arg(long, value_name = "FILE")]
        channels: Option<String>,
        /// Also write the neuron's registers per step as VCD (fixed and rtl engines; same
        /// signal names for both)
        #[arg(long, value_name = "FILE")]
        vcd: Option<PathBuf>,
        /// Also write every RTL signal at every clock as VCD (rtl engine; one time unit is
        /// half a clock)
        #[arg(long, value_name = "FILE")]
        rtl_trace: Option<PathBuf>,
    },
    /// Run a standard workload and print one JSON line
    Bench {
        #[arg(value_enum)]
        workload: Workload,
        #[arg(long, value_enum, default_value = "float")]
        engine: EngineArg,
        /// Float precision (float engine only; default f32)
        #[arg(long)]
        precision: Option<Precision>,
        /// Runs; the median run is reported (default 3; 1 for compile, whose peak memory
        /// is the process's)
        #[arg(long)]
        repeat: Option<usize>,
        /// compile, partition: where the figures go
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Train the digits classifier (HH, and LIF for comparison) on the float reference,
    /// export it for the compiler, and measure accuracy against input noise
    Train {
        /// digits: 8x8 handwritten digits, rate-coded; order: which of two input spikes came
        /// first (only timing tells)
        #[arg(long, value_enum, default_value = "digits")]
        task: TaskArg,
        /// Where the trained networks (safetensors + manifest), tables and plots go
        #[arg(long, default_value = "neurofuse-train")]
        out: PathBuf,
        #[arg(long, default_value_t = 10)]
        epochs: usize,
        /// Hidden neurons (of each model)
        #[arg(long, default_value_t = 64)]
        hidden: usize,
        /// Worker threads (default: every core)
        #[arg(long)]
        threads: Option<usize>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Skip the LIF comparison model
        #[arg(long)]
        no_lif: bool,
        /// Train on only the first N training images (a quick run; the validation and test
        /// sets stay whole)
        #[arg(long, value_name = "N")]
        train_images: Option<usize>,
        /// Input-noise levels of the robustness table (standard deviations of Gaussian
        /// noise on pixel intensities in 0..1; digits only)
        #[arg(long, value_delimiter = ',', default_value = "0,0.1,0.2,0.3,0.4,0.5")]
        noise: Vec<f64>,
    },
    /// The end-to-end flow: one neuron against NEURON; the trained digits classifier compiled
    /// for the chip, its accuracy on float, sim and the verilated chip (bit-exact with sim),
    /// a spike raster, a power estimate with its VCD, summary.json
    Demo {
        /// Where the image, VCD, plots and summary.json go
        #[arg(long, default_value = "neurofuse-demo")]
        out: PathBuf,
        /// An exported digits classifier (network.json + network.safetensors) instead of
        /// the shipped one (data/trained/digits-hh, built in)
        #[arg(long, value_name = "DIR")]
        network: Option<PathBuf>,
        /// Only the first N test images on float and sim (default: all 359)
        #[arg(long, value_name = "N")]
        images: Option<usize>,
        /// The first N test images on the verilated chip, each checked spike for spike
        /// against sim (default: 30, or --images if fewer)
        #[arg(long, value_name = "N")]
        rtl_images: Option<usize>,
        /// Worker threads for float and sim (default: every core)
        #[arg(long)]
        threads: Option<usize>,
        /// Cell counts from an earlier run (OUT/power/cells.json), instead of Yosys (about
        /// a minute)
        #[arg(long, value_name = "FILE")]
        cells: Option<PathBuf>,
        /// Ticks of the power stage's traced RTL run (about 2 MB of VCD each)
        #[arg(long, value_name = "N", default_value_t = 40)]
        trace_ticks: usize,
    },
    /// Export the chip as Verilog: the neuron core, its units, the mesh and the chip top (plus
    /// the `$readmemh` files of the core's tables)
    Verilog {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Channel set whose tables the memories start with: a TOML file or builtin:NAME
        /// (default builtin:hh_squid)
        #[arg(long, value_name = "FILE")]
        channels: Option<String>,
        /// Time step of the baked-in tables, ms
        #[arg(long, default_value_t = 0.025)]
        dt: f64,
        /// Leave the table memories empty (the host loads them)
        #[arg(long)]
        no_tables: bool,
        /// Chip configuration of the chip top: a TOML file or builtin:NAME
        #[arg(long, default_value = "builtin:small")]
        config: String,
    },
    /// Check a chip configuration and print what it holds
    Chip {
        /// A TOML file or builtin:NAME (built in: small, brainfuse, tiny)
        #[arg(default_value = "builtin:small")]
        config: String,
    },
    /// Compile a network into a chip image (naive placement for now)
    Image {
        /// b2 (COBAHH), b2-reduced:N (its first N neurons) or random:SEED
        #[arg(long, default_value = "random:1")]
        network: String,
        /// Chip configuration: a TOML file or builtin:NAME
        #[arg(long, default_value = "builtin:small")]
        config: String,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Compile an exported network (from `neurofuse train`) into a chip image: quantization
    /// error and per-core resources reported (docs/compile.md)
    Compile {
        /// The exported network's directory (network.json + network.safetensors)
        network: PathBuf,
        /// Chip configuration: a TOML file or builtin:NAME
        #[arg(long, default_value = "builtin:small")]
        config: String,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// How neurons are assigned to cores: partitioned for low inter-core traffic and
        /// placed for short routes, or spread in index order (the naive baseline)
        #[arg(long, value_enum, default_value = "partition")]
        placer: PlacerArg,
        /// Partitioner: a core may hold this much more than the mean neurons per core
        /// (0.05: 5 %); a large value lets a small network gather on few cores
        #[arg(long)]
        imbalance: Option<f64>,
    },
    /// A trained digits classifier's accuracy on the digits test set: float reference, chip
    /// model (sim) and verilated chip (rtl) running its compiled image (docs/compile.md)
    Evaluate {
        /// The exported network's directory (network.json + network.safetensors)
        network: PathBuf,
        /// Chip configuration: a TOML file or builtin:NAME (rtl: builtin:small only)
        #[arg(long, default_value = "builtin:small")]
        config: String,
        /// Engines, in order (comma-separated or repeated)
        #[arg(long, value_enum, value_delimiter = ',', default_value = "float,sim")]
        engine: Vec<EvalEngineArg>,
        /// Only the first N test images
        #[arg(long, value_name = "N")]
        images: Option<usize>,
        /// Worker threads (default: every core; the rtl engine uses one)
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Run a chip image on the bit-accurate chip model or on a board behind the host link:
    /// spikes.csv, raster.svg, a JSON summary (the same files for every target)
    Run {
        /// The image directory (from `neurofuse image`)
        image: PathBuf,
        /// sim (the chip model, in process), tcp://HOST:PORT (a board, e.g. `neurofuse serve`)
        /// or serial://DEVICE (an FPGA board's UART, e.g. serial:///dev/ttyUSB1)
        #[arg(long, default_value = "sim")]
        target: String,
        /// Baud rate of a serial target
        #[arg(long, default_value_t = 115_200)]
        baud: u32,
        #[arg(long, default_value_t = 4000)]
        ticks: usize,
        /// Poisson rate of every external input, Hz
        #[arg(long, default_value_t = 0.0)]
        input_rate: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_name = "DIR", default_value = "neurofuse-run")]
        out: PathBuf,
    },
    /// FPGA prototyping: board bitstreams from the open flow (docs/fpga.md)
    Fpga {
        #[command(subcommand)]
        command: FpgaCommand,
    },
    /// Serve a virtual board over TCP (the host-link protocol, docs/host-link.md): each
    /// connection gets its own chip model or verilated chip
    Serve {
        #[arg(long, value_enum, default_value = "sim")]
        engine: ServeEngineArg,
        /// Address to listen on (port 0: any free port; the address is printed)
        #[arg(long, default_value = "127.0.0.1:7878")]
        listen: String,
    },
    /// Co-simulate a chip image on the verilated chip (builtin:small) against the bit-accurate
    /// model, tick by tick; on the first divergence write VCDs around it and exit non-zero
    Cosim {
        /// The image directory (from `neurofuse image`); or --random-network
        image: Option<PathBuf>,
        /// Generate a random network on builtin:small (a quick health check)
        #[arg(long)]
        random_network: bool,
        /// Seed of the random network and of the input spikes
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 400)]
        ticks: usize,
        /// Poisson rate of every external input, Hz
        #[arg(long, default_value_t = 2000.0)]
        input_rate: f64,
        /// Compare every neuron's full state every N ticks (spikes are compared every tick)
        #[arg(long, default_value_t = 50)]
        state_every: usize,
        /// Ticks of VCD before a divergence
        #[arg(long, default_value_t = 5)]
        window: usize,
        /// Test only: corrupt this core's synaptic deliveries, to see a divergence caught
        #[arg(long, value_name = "CORE")]
        inject_fault: Option<u32>,
        #[arg(long, value_name = "DIR", default_value = "neurofuse-cosim")]
        out: PathBuf,
    },
    /// Estimate the chip's power at real time, per component: switching activity traced on
    /// the verilated chip (builtin:small), Yosys cell counts, memory traffic and an energy
    /// table; a report and a plot for each configuration
    Power {
        /// A chip image for builtin:small to trace (default: a generated random network)
        image: Option<PathBuf>,
        /// Seed of the random network and of the input spikes
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Untraced ticks before the traced ones
        #[arg(long, default_value_t = 20)]
        warmup: usize,
        /// Traced ticks
        #[arg(long, default_value_t = 40)]
        ticks: usize,
        /// Poisson rate of every external input in the traced run, Hz
        #[arg(long, default_value_t = 2000.0)]
        input_rate: f64,
        /// Chip configurations to estimate (repeat the option for several)
        #[arg(long = "config", value_name = "CHIP", default_values_t = ["builtin:small".to_string(), "builtin:brainfuse".to_string()])]
        configs: Vec<String>,
        /// Mean firing rate of every neuron on configurations other than the traced one, Hz
        #[arg(long = "rate", default_value_t = 10.0)]
        rate: f64,
        /// Synapses per spike there (default: the configuration's synapses per neuron)
        #[arg(long)]
        fan_out: Option<f64>,
        /// Energy table: builtin:cmos45 or a TOML file of the same fields
        #[arg(long, value_name = "TABLE", default_value = "builtin:cmos45")]
        energy: String,
        /// Cell counts written by an earlier run (DIR/cells.json), instead of running Yosys
        #[arg(long, value_name = "FILE")]
        cells: Option<PathBuf>,
        /// Keep the traced run's VCD (DIR/calibration.vcd)
        #[arg(long)]
        keep_vcd: bool,
        #[arg(long, value_name = "DIR", default_value = "neurofuse-power")]
        out: PathBuf,
    },
    /// List the built-in channel sets, or print one as a starting point for your own
    Channels {
        /// Print this built-in set's TOML
        show: Option<String>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Workload {
    /// 10,000 independent squid HH neurons, 100 ms
    B1,
    /// COBAHH: 4,000 Traub-Miles neurons, 320,036 conductance synapses, 100 ms
    B2,
    /// Gradient of a voltage-trace loss w.r.t. 300 conductances: 100 neurons, 1,000 steps
    B3,
    /// Compile a BrainFuse-scale network (38,000 neurons, 100 M synapses) onto
    /// builtin:brainfuse: wall time and peak memory
    Compile,
    /// The partitioner against the naive index-order placement on five networks
    /// (figure and placement pictures with --out)
    Partition,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TaskArg {
    Digits,
    Order,
}

fn load_channels(spec: Option<&str>) -> Result<ChannelSet> {
    Ok(match spec {
        None => ChannelSet::builtin("hh_squid")?,
        Some(s) => match s.strip_prefix("builtin:") {
            Some(name) => ChannelSet::builtin(name)?,
            None => ChannelSet::from_file(std::path::Path::new(s))?,
        },
    })
}

fn engine_of(
    engine: EngineArg,
    precision: Option<Precision>,
    default: Precision,
) -> Result<Engine> {
    match (engine, precision) {
        (EngineArg::Float, p) => Ok(Engine::Float(p.unwrap_or(default))),
        (EngineArg::Fixed, None) | (EngineArg::Rtl, None) => Ok(match engine {
            EngineArg::Rtl => Engine::Rtl,
            _ => Engine::Fixed,
        }),
        (EngineArg::Fixed | EngineArg::Rtl, Some(_)) => bail!(
            "--precision applies to --engine float only; the fixed and rtl engines have the chip's formats"
        ),
        (EngineArg::Cuda, _) => bail!(
            "--engine cuda runs the standard workloads only: `neurofuse bench b1|b3 --engine cuda`"
        ),
    }
}

fn precision_of(engine: Engine) -> Precision {
    match engine {
        Engine::Float(p) => p,
        _ => Precision::F32,
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Neuron {
            input,
            engine,
            out,
            precision,
            dt,
            channels,
            vcd,
            rtl_trace,
        } => {
            let engine = engine_of(engine, precision, Precision::F64)?;
            if let Some(dt) = dt {
                if !(dt.is_finite() && dt > 0.0) {
                    bail!("--dt must be a positive number of ms, got {dt}");
                }
            }
            let set = load_channels(channels.as_deref())?;
            let protocol = trace::read_protocol(&input, dt)?;
            match (engine, vcd) {
                (Engine::Float(_), Some(_)) => bail!(
                    "--vcd records the chip's registers: use it with --engine fixed or --engine rtl"
                ),
                (Engine::Float(_), None) if rtl_trace.is_some() => {
                    bail!("--rtl-trace records the RTL's signals: use it with --engine rtl")
                }
                (Engine::Float(_), None) => {
                    let v = simulate(&set, engine, protocol.dt_ms, &protocol.i_ua_per_cm2)?;
                    trace::write_trace(&out, &protocol.t_ms, &v)
                }
                (_, vcd) => {
                    let registers = simulate_registers_traced(
                        &set,
                        engine,
                        protocol.dt_ms,
                        &protocol.i_ua_per_cm2,
                        rtl_trace.as_deref(),
                    )?;
                    trace::write_trace(&out, &protocol.t_ms, &registers.v_mv())?;
                    match vcd {
                        Some(path) => write_vcd(&path, &set, protocol.dt_ms, &registers),
                        None => Ok(()),
                    }
                }
            }
        }
        Command::Bench {
            workload,
            engine,
            precision,
            repeat,
            out,
        } => {
            let repeat = repeat.unwrap_or(if matches!(workload, Workload::Compile) {
                1
            } else {
                3
            });
            if repeat == 0 {
                bail!("--repeat must be at least 1");
            }
            if out.is_some() && !matches!(workload, Workload::Compile | Workload::Partition) {
                bail!("--out: only compile and partition write figures");
            }
            let cuda = engine == EngineArg::Cuda;
            let engine = if cuda {
                Engine::Float(precision.unwrap_or(Precision::F32))
            } else {
                engine_of(engine, precision, Precision::F32)?
            };
            // The median run by run time.
            let median = |mut runs: Vec<(f64, serde_json::Value)>| {
                runs.sort_by(|a, b| a.0.total_cmp(&b.0));
                runs.swap_remove(runs.len() / 2).1
            };
            let runs = (0..repeat)
                .map(|_| match workload {
                    Workload::B1 if cuda => run_b1_cuda(B1::default(), precision_of(engine))
                        .map(|r| (r.run_s, r.to_json())),
                    Workload::B1 => run_b1(B1::default(), engine).map(|r| (r.run_s, r.to_json())),
                    Workload::B2 if cuda => bail!(
                        "b2 on --engine cuda: the network's synapses run on the CPU only so far \
                         (b1 and b3 run on the GPU)"
                    ),
                    Workload::B2 => run_b2(engine).map(|r| (r.run_s, r.to_json())),
                    Workload::B3 if cuda => {
                        run_b3_cuda(precision_of(engine)).map(|r| (r.fwd_bwd_s, r.to_json()))
                    }
                    Workload::Compile => neurofuse::bench_compile::run_compile(out.as_deref()),
                    Workload::Partition => neurofuse::bench_compile::run_partition(out.as_deref()),
                    Workload::B3 => match engine {
                        Engine::Float(p) => run_b3(p).map(|r| (r.fwd_bwd_s, r.to_json())),
                        _ => bail!("b3 (gradients) runs on the float and cuda engines only"),
                    },
                })
                .collect::<Result<Vec<_>>>()?;
            println!("{}", median(runs));
            Ok(())
        }
        Command::Train {
            task,
            out,
            epochs,
            hidden,
            threads,
            seed,
            no_lif,
            train_images,
            noise,
        } => {
            if epochs == 0 || hidden == 0 {
                bail!("--epochs and --hidden must be at least 1");
            }
            if train_images == Some(0) {
                bail!("--train-images must be at least 1");
            }
            if let Some(bad) = noise.iter().find(|s| !(s.is_finite() && **s >= 0.0)) {
                bail!("--noise: {bad} is not a standard deviation (expected a number >= 0)");
            }
            let threads = threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            neurofuse::training::run(
                &out,
                &neurofuse::training::Options {
                    task: match task {
                        TaskArg::Digits => neurofuse::training::Task::Digits,
                        TaskArg::Order => neurofuse::training::Task::Order,
                    },
                    epochs,
                    hidden,
                    threads,
                    seed,
                    lif: !no_lif,
                    train_images,
                    noise_levels: noise,
                },
            )
        }
        Command::Demo {
            out,
            network,
            images,
            rtl_images,
            threads,
            cells,
            trace_ticks,
        } => demo::run(&demo::Options {
            out,
            network,
            images,
            rtl_images,
            threads: threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            cells,
            trace_ticks,
        }),
        Command::Chip { config } => neurofuse::chip::run(&config),
        Command::Image {
            network,
            config,
            out,
        } => neurofuse::image::compile(&network, &config, &out),
        Command::Compile {
            network,
            config,
            out,
            placer,
            imbalance,
        } => {
            let placer = match placer {
                PlacerArg::Spread if imbalance.is_some() => {
                    bail!("--imbalance is the partitioner's; --placer spread does not use it")
                }
                PlacerArg::Spread => compiler::Placer::Spread,
                PlacerArg::Partition => {
                    let defaults = compiler::PartitionOptions::default();
                    compiler::Placer::Partition(compiler::PartitionOptions {
                        imbalance: imbalance.unwrap_or(defaults.imbalance),
                        ..defaults
                    })
                }
            };
            neurofuse::compile::run(&network, &config, &out, placer)
        }
        Command::Evaluate {
            network,
            config,
            engine,
            images,
            threads,
        } => {
            use neurofuse::evaluate::Engine;
            let engines: Vec<Engine> = engine
                .iter()
                .map(|e| match e {
                    EvalEngineArg::Float => Engine::Float,
                    EvalEngineArg::Sim => Engine::Sim,
                    EvalEngineArg::Rtl => Engine::Rtl,
                })
                .collect();
            if threads == Some(0) {
                bail!("--threads must be at least 1");
            }
            let threads = threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            neurofuse::evaluate::run(&network, &config, &engines, images, threads)
        }
        Command::Run {
            image,
            target,
            baud,
            ticks,
            input_rate,
            seed,
            out,
        } => neurofuse::image::run(&image, &target, baud, ticks, input_rate, seed, &out),
        Command::Fpga {
            command:
                FpgaCommand::Build {
                    board,
                    config,
                    design,
                    baud,
                    out,
                },
        } => neurofuse::fpga::build(
            &board,
            &config,
            match design {
                DesignArg::Chip => fpga::Design::Chip,
                DesignArg::LinkTest => fpga::Design::LinkTest,
            },
            baud,
            &out,
        ),
        Command::Serve { engine, listen } => neurofuse::board::serve(
            match engine {
                ServeEngineArg::Sim => neurofuse::board::ServeEngine::Sim,
                ServeEngineArg::Rtl => neurofuse::board::ServeEngine::Rtl,
            },
            &listen,
        ),
        Command::Power {
            image,
            seed,
            warmup,
            ticks,
            input_rate,
            configs,
            rate,
            fan_out,
            energy,
            cells,
            keep_vcd,
            out,
        } => neurofuse::power::run(&neurofuse::power::Options {
            image,
            seed,
            warmup,
            ticks,
            input_rate_hz: input_rate,
            configs,
            rate_hz: rate,
            fan_out,
            energy,
            cells,
            keep_vcd,
            out,
        }),
        Command::Cosim {
            image,
            random_network,
            seed,
            ticks,
            input_rate,
            state_every,
            window,
            inject_fault,
            out,
        } => neurofuse::cosim::run(&neurofuse::cosim::Options {
            image,
            random_network,
            seed,
            ticks,
            input_rate_hz: input_rate,
            state_every,
            fault: inject_fault,
            window,
            out,
        }),
        Command::Verilog {
            out,
            channels,
            dt,
            no_tables,
            config,
        } => {
            let set = (!no_tables)
                .then(|| load_channels(channels.as_deref()))
                .transpose()?;
            let config = chip::ChipConfig::load(&config)?;
            verilog::run(&out, set.as_ref(), dt, &config)
        }
        Command::Channels { show: None } => {
            for name in channels::builtin_names() {
                let set = ChannelSet::builtin(name)?;
                println!("{name:12} {}", set.description);
            }
            Ok(())
        }
        Command::Channels { show: Some(name) } => {
            let text = channels::set::builtin_source(&name).with_context(|| {
                format!(
                    "no built-in channel set '{name}' (built in: {})",
                    channels::builtin_names().join(", ")
                )
            })?;
            print!("{text}");
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    // Output piped into `head` and the like: end quietly when the reader goes away, as
    // command-line tools do, instead of panicking in `println!`.
    #[cfg(unix)]
    // SAFETY: restoring the default action of one signal, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
