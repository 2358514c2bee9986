//! Boards behind the host link: `neurofuse serve` (a virtual board over TCP: the chip model
//! or the verilated chip) and the targets `neurofuse run` drives (in-process model, or a
//! board at tcp://HOST:PORT).

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use chip::ChipImage;
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
        self.model = Some(sim::ChipModel::new(&image).map_err(|e| e.to_string())?);
        Ok(())
    }

    fn run(&mut self, inputs: &[Vec<u32>]) -> Result<(Vec<Vec<(u32, u32)>>, u64), String> {
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
    /// `sim`, or `tcp://HOST:PORT`; the image is loaded.
    pub fn open(spec: &str, image: &ChipImage) -> Result<Target> {
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
        if spec.starts_with("serial://") {
            bail!(
                "--target {spec}: serial boards need the FPGA's UART bridge, which this version does not have yet; use sim or tcp://HOST:PORT"
            );
        }
        bail!("--target {spec}: expected sim, or tcp://HOST:PORT (a board served by `neurofuse serve`)")
    }

    /// What runs the image, in words.
    pub fn describe(&self) -> String {
        match self {
            Target::Local(_) => "the chip model (in process)".into(),
            Target::Remote {
                client, address, ..
            } => format!("{} at tcp://{address}", client.welcome.description),
        }
    }

    /// Runs one tick per entry of `inputs`; the spikes of each tick.
    pub fn run(&mut self, inputs: &[Vec<u32>]) -> Result<Vec<Vec<(u32, u32)>>> {
        match self {
            Target::Local(model) => Ok(inputs.iter().map(|i| model.tick(i).to_vec()).collect()),
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
            Target::Remote { .. } => None,
        }
    }
}
