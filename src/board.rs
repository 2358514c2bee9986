//! Boards behind the host link: `neurofuse serve` (a virtual board over TCP: the chip model
//! or the verilated chip) and the targets `neurofuse run` drives (in-process model, or a
//! board at tcp://HOST:PORT).

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use chip::ChipImage;
use hdl::chip_map::ChipLoad;
use link::{Client, Engine, NeuronProbe, Unsupported};
use tokio::net::TcpStream;

/// The chip model as a board. It has no host bus: raw reads and writes are unsupported.
#[derive(Default)]
pub struct SimBoard {
    model: Option<sim::ChipModel>,
}

impl Engine for SimBoard {
    fn name(&self) -> &'static str {
        "sim"
    }

    fn description(&self) -> String {
        "the bit-accurate chip model (sim::ChipModel)".into()
    }

    fn load(&mut self, image: ChipImage) -> Result<(), String> {
        self.model = None;
        self.model = Some(sim::ChipModel::new(&image).map_err(|e| e.to_string())?);
        Ok(())
    }

    fn run(&mut self, inputs: &[Vec<u32>]) -> Result<link::RunOutput, String> {
        let model = self.model.as_mut().ok_or("no image loaded")?;
        link::check_inputs(model.image(), inputs)?;
        Ok((inputs.iter().map(|i| model.tick(i).to_vec()).collect(), 0))
    }

    fn probe(&mut self, core: u32, neuron: u32) -> Result<NeuronProbe, String> {
        let model = self.model.as_ref().ok_or("no image loaded")?;
        link::check_neuron(model.image(), core, neuron)?;
        let (pop, n) = (&model.cores[core as usize], neuron as usize);
        Ok(NeuronProbe {
            v: pop.v[n],
            gates: pop.gates.iter().map(|g| u32::from(g[n])).collect(),
            i_ext: pop.i_ext[n],
            receptors: pop.receptors.iter().map(|r| r[n]).collect(),
        })
    }

    fn read_word(&mut self, _: u32) -> Result<u32, Unsupported> {
        Err(Unsupported::Unsupported(
            "the chip model has no host bus; serve --engine rtl for bus access".into(),
        ))
    }

    fn write_word(&mut self, address: u32, _: u32) -> Result<(), Unsupported> {
        self.read_word(address).map(|_| ())
    }

    fn ticks(&self) -> u64 {
        self.model.as_ref().map_or(0, |m| m.ticks())
    }

    fn loaded(&self) -> bool {
        self.model.is_some()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServeEngine {
    Sim,
    Rtl,
}

/// `neurofuse serve`: serves `engine` on `listen` until killed; prints the address it
/// listens on (port 0 picks a free one).
pub fn serve(engine: ServeEngine, listen: &str) -> Result<()> {
    let factory: link::EngineFactory = match engine {
        ServeEngine::Sim => Arc::new(|| Box::<SimBoard>::default()),
        ServeEngine::Rtl => {
            // Refused here, once, rather than on every connection.
            testbench::rtl_board().map_err(anyhow::Error::msg)?;
            Arc::new(|| testbench::rtl_board().expect("checked when the server started"))
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("--listen {listen}: cannot listen there"))?;
        let name = match engine {
            ServeEngine::Sim => "sim",
            ServeEngine::Rtl => "rtl",
        };
        println!(
            "neurofuse serve: engine {name}, protocol version {}, listening on {}",
            link::PROTOCOL_VERSION,
            listener.local_addr()?
        );
        use std::io::Write;
        std::io::stdout().flush()?;
        let log = Arc::new(|line: String| eprintln!("{line}"));
        link::serve(listener, factory, link::ServerOptions::default(), log).await?;
        Ok(())
    })
}

/// Where `neurofuse run` runs an image.
pub enum Target {
    /// The chip model, in this process.
    Local(Box<sim::ChipModel>),
    /// A board on a serial line: the host drives the chip over its bus, through the
    /// board's UART bridge (`hdl::host`).
    Serial {
        bus: Box<SerialBus>,
        loaded: Box<ChipLoad>,
        cores: u32,
        path: String,
    },
    /// A board (or virtual board) behind the host link.
    Remote {
        runtime: tokio::runtime::Runtime,
        client: Box<Client<TcpStream>>,
        address: String,
    },
}

/// Ticks sent in one Run request to a remote board.
pub const TICKS_PER_REQUEST: usize = 250;

impl Target {
    /// `sim`, `tcp://HOST:PORT` or `serial://DEVICE` (at `baud`); the image is loaded.
    pub fn open(spec: &str, image: &ChipImage, baud: u32) -> Result<Target> {
        if spec == "sim" {
            return Ok(Target::Local(Box::new(sim::ChipModel::new(image)?)));
        }
        if let Some(address) = spec.strip_prefix("tcp://") {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            let mut client = runtime
                .block_on(Client::connect(address))
                .with_context(|| format!("--target {spec}: cannot reach the board"))?;
            runtime
                .block_on(client.load(image))
                .with_context(|| format!("--target {spec}: loading the image"))?;
            return Ok(Target::Remote {
                runtime,
                client: Box::new(client),
                address: address.to_string(),
            });
        }
        if let Some(path) = spec.strip_prefix("serial://") {
            let port = serialport::new(path, baud)
                .timeout(std::time::Duration::from_secs(5))
                .open()
                .with_context(|| format!("--target {spec}: cannot open the serial port"))?;
            let client = link::BusClient::handshake(port)
                .with_context(|| format!("--target {spec}: no board answered at {baud} baud"))?;
            let mut bus = Box::new(SerialBus(client));
            let bar = indicatif::ProgressBar::new(0).with_style(
                indicatif::ProgressStyle::with_template(
                    "loading {bar:40} {pos}/{len} writes {eta}",
                )
                .expect("valid template"),
            );
            let loaded = hdl::host::load(bus.as_mut(), image, &mut |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            })
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("--target {spec}: loading the image"))?;
            bar.finish_and_clear();
            return Ok(Target::Serial {
                bus,
                loaded: Box::new(loaded),
                cores: image.config.cores(),
                path: path.to_string(),
            });
        }
        bail!("--target {spec}: expected sim, tcp://HOST:PORT (a board served by `neurofuse serve`) or serial://DEVICE (a board's UART)")
    }

    /// What runs the image, in words.
    pub fn describe(&self) -> String {
        match self {
            Target::Local(_) => "the chip model (in process)".into(),
            Target::Serial { bus, path, .. } => {
                format!("{} at serial://{path}", bus.0.description)
            }
            Target::Remote {
                client, address, ..
            } => format!("{} at tcp://{address}", client.welcome.description),
        }
    }

    /// Runs one tick per entry of `inputs`; the spikes of each tick.
    pub fn run(&mut self, inputs: &[Vec<u32>]) -> Result<Vec<Vec<(u32, u32)>>> {
        match self {
            Target::Local(model) => Ok(inputs.iter().map(|i| model.tick(i).to_vec()).collect()),
            Target::Serial {
                bus,
                loaded,
                cores,
                path,
            } => inputs
                .iter()
                .map(|i| {
                    hdl::host::run_tick(bus.as_mut(), loaded, *cores, i)
                        .map(|tick| tick.spikes)
                        .map_err(|e| anyhow::anyhow!("serial://{path}: {e}"))
                })
                .collect(),
            Target::Remote {
                runtime,
                client,
                address,
            } => {
                let (spikes, _) = runtime
                    .block_on(client.run(inputs))
                    .with_context(|| format!("tcp://{address}"))?;
                Ok(spikes)
            }
        }
    }

    /// The model's traffic counts, when the model runs here.
    pub fn traffic(&self) -> Option<&sim::Traffic> {
        match self {
            Target::Local(model) => Some(model.traffic()),
            Target::Remote { .. } | Target::Serial { .. } => None,
        }
    }
}

/// A board's bus over its serial line (ReadWord, WriteWord and WriteBurst frames).
pub struct SerialBus(link::BusClient<Box<dyn serialport::SerialPort>>);

// A load's bursts are what one WriteBurst frame holds.
const _: () = assert!(hdl::host::BURST_WORDS == link::MAX_BURST_WORDS);

impl hdl::host::HostBus for SerialBus {
    fn read(&mut self, address: u32) -> Result<Option<u32>, String> {
        self.0.read_word(address).map_err(|e| e.to_string())
    }

    fn write(&mut self, address: u32, data: u32) -> Result<(), String> {
        self.0.write_word(address, data).map_err(|e| e.to_string())
    }

    fn write_burst(&mut self, address: u32, data: &[u32]) -> Result<(), String> {
        self.0.write_burst(address, data).map_err(|e| e.to_string())
    }
}
