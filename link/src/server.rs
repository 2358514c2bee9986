//! The server side: every connection gets its own engine (a chip model or a verilated
//! chip), on its own thread, since verilated models are neither `Send` nor `Sync`. A bad or
//! misbehaving client gets an error and, for framing errors, its connection closed; the
//! others are not affected.

use std::sync::Arc;

use chip::ChipImage;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

use crate::frame::{read_frame, write_frame, FrameError, MAX_PAYLOAD};
use crate::message::{ErrorCode, NeuronProbe, Request, Response, PROTOCOL_VERSION};

/// What a board or a virtual board does. Errors are messages for the client.
pub trait Engine {
    /// `sim` or `rtl`.
    fn name(&self) -> &'static str;
    /// What this engine is, in words (the chip it holds).
    fn description(&self) -> String;
    /// Loads `image`, replacing any earlier one; on error nothing is loaded.
    fn load(&mut self, image: ChipImage) -> Result<(), String>;
    /// Runs one tick per entry of `inputs`; the spikes of each tick and the clocks taken.
    fn run(&mut self, inputs: &[Vec<u32>]) -> Result<(Vec<Vec<(u32, u32)>>, u64), String>;
    fn probe(&mut self, core: u32, neuron: u32) -> Result<NeuronProbe, String>;
    fn read_word(&mut self, address: u32) -> Result<u32, Unsupported>;
    fn write_word(&mut self, address: u32, data: u32) -> Result<(), Unsupported>;
    /// Ticks run since the last load.
    fn ticks(&self) -> u64;
    fn loaded(&self) -> bool;
}

/// A request the engine cannot serve (the model has no host bus), or one it refused.
#[derive(Debug)]
pub enum Unsupported {
    Unsupported(String),
    Refused(String),
}

/// Makes a fresh engine; called on the connection's own thread.
pub type EngineFactory = Arc<dyn Fn() -> Box<dyn Engine> + Send + Sync>;

#[derive(Clone, Copy, Debug)]
pub struct ServerOptions {
    pub max_payload: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            max_payload: MAX_PAYLOAD,
        }
    }
}

/// Accepts connections on `listener` forever, serving each on its own task and engine.
/// `log` gets one line per connection event.
pub async fn serve(
    listener: TcpListener,
    factory: EngineFactory,
    options: ServerOptions,
    log: Arc<dyn Fn(String) + Send + Sync>,
) -> std::io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let factory = factory.clone();
        let log = log.clone();
        tokio::spawn(async move {
            log(format!("{peer}: connected"));
            let outcome = serve_connection(stream, factory, options).await;
            log(format!("{peer}: {outcome}"));
        });
    }
}

/// Serves one client over any byte stream until it leaves; says how it ended.
pub async fn serve_connection<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    factory: EngineFactory,
    options: ServerOptions,
) -> String {
    let engine = EngineThread::start(factory);
    let mut greeted = false;
    let mut served = 0u64;
    loop {
        let frame = match read_frame(&mut stream, options.max_payload).await {
            Ok(Some(frame)) => frame,
            Ok(None) => return format!("closed after {served} requests"),
            Err(FrameError::Io(e)) => return format!("i/o error: {e}"),
            Err(e @ FrameError::Truncated { .. }) => return format!("dropped: {e}"),
            Err(e) => {
                let code = match e {
                    FrameError::BadMagic(_) => ErrorCode::BadFrame,
                    FrameError::Oversized { .. } => ErrorCode::Oversized,
                    _ => ErrorCode::BadChecksum,
                };
                let reply = Response::error(code, format!("{e}; closing the connection"));
                let _ = write_frame(&mut stream, &reply.to_frame()).await;
                return format!("closed: {e}");
            }
        };
        let (reply, close) = match Request::from_frame(&frame) {
            Err(e) if e.unknown => (Response::error(ErrorCode::UnknownRequest, e.to_string()), false),
            Err(e) => (Response::error(ErrorCode::Malformed, e.to_string()), false),
            Ok(Request::Hello { version }) if version != PROTOCOL_VERSION => (
                Response::error(
                    ErrorCode::WrongVersion,
                    format!("the client speaks protocol version {version}, this server {PROTOCOL_VERSION}"),
                ),
                true,
            ),
            Ok(Request::Hello { .. }) => {
                greeted = true;
                (engine.call(Request::Hello { version: PROTOCOL_VERSION }).await, false)
            }
            Ok(_) if !greeted => (
                Response::error(
                    ErrorCode::HandshakeRequired,
                    "the first request must be Hello with the protocol version",
                ),
                false,
            ),
            Ok(request) => (engine.call(request).await, false),
        };
        served += 1;
        if let Err(e) = write_frame(&mut stream, &reply.to_frame()).await {
            return format!("i/o error: {e}");
        }
        if close {
            return "closed: wrong protocol version".into();
        }
    }
}

type Call = (Request, oneshot::Sender<Response>);

/// An engine on its own thread; dropped (and its thread ended) with the connection.
struct EngineThread {
    calls: mpsc::UnboundedSender<Call>,
}

impl EngineThread {
    fn start(factory: EngineFactory) -> EngineThread {
        let (calls, mut queue) = mpsc::unbounded_channel::<Call>();
        std::thread::spawn(move || {
            let mut engine = factory();
            while let Some((request, reply)) = queue.blocking_recv() {
                let _ = reply.send(handle(engine.as_mut(), request));
            }
        });
        EngineThread { calls }
    }

    async fn call(&self, request: Request) -> Response {
        let (tx, rx) = oneshot::channel();
        if self.calls.send((request, tx)).is_err() {
            return Response::error(ErrorCode::Refused, "the engine has stopped");
        }
        rx.await.unwrap_or_else(|_| {
            Response::error(
                ErrorCode::Refused,
                "the engine stopped while serving the request",
            )
        })
    }
}

fn handle(engine: &mut dyn Engine, request: Request) -> Response {
    let refused = |m: String| Response::error(ErrorCode::Refused, m);
    let bus = |e: Unsupported| match e {
        Unsupported::Unsupported(m) => Response::error(ErrorCode::Unsupported, m),
        Unsupported::Refused(m) => refused(m),
    };
    match request {
        Request::Hello { version } => Response::Welcome {
            version,
            engine: engine.name().into(),
            description: engine.description(),
        },
        Request::Status => Response::Status {
            engine: engine.name().into(),
            loaded: engine.loaded(),
            ticks: engine.ticks(),
        },
        Request::LoadImage { files } => {
            let image = match ChipImage::from_files("the sent image", &files) {
                Ok(image) => image,
                Err(e) => return refused(format!("{}: {}", e.origin, e.message)),
            };
            let info = Response::Loaded {
                cores: image.cores.len() as u32,
                neurons: image.cores.iter().map(|c| c.neurons() as u32).sum(),
                inputs: image.inputs.ranges.len() as u32,
            };
            match engine.load(image) {
                Ok(()) => info,
                Err(e) => refused(e),
            }
        }
        Request::Run { inputs } => match engine.run(&inputs) {
            Ok((spikes, cycles)) => Response::Ran { spikes, cycles },
            Err(e) => refused(e),
        },
        Request::Probe { core, neuron } => match engine.probe(core, neuron) {
            Ok(p) => Response::Probed(p),
            Err(e) => refused(e),
        },
        Request::ReadWord { address } => match engine.read_word(address) {
            Ok(data) => Response::Word { data },
            Err(e) => bus(e),
        },
        Request::WriteWord { address, data } => match engine.write_word(address, data) {
            Ok(()) => Response::Written,
            Err(e) => bus(e),
        },
    }
}

/// An error unless every input index of `inputs` is one of `image`'s external inputs.
pub fn check_inputs(image: &ChipImage, inputs: &[Vec<u32>]) -> Result<(), String> {
    let count = image.inputs.ranges.len();
    for (t, tick) in inputs.iter().enumerate() {
        if let Some(&bad) = tick.iter().find(|&&i| i as usize >= count) {
            return Err(format!(
                "tick {t} of the run: input {bad} does not exist; the image has inputs 0 to {}",
                count as i64 - 1
            ));
        }
    }
    Ok(())
}

/// An error unless `image` has local neuron `neuron` on core `core`.
pub fn check_neuron(image: &ChipImage, core: u32, neuron: u32) -> Result<(), String> {
    let Some(c) = image.cores.get(core as usize) else {
        return Err(format!(
            "core {core} does not exist; the image has cores 0 to {}",
            image.cores.len() as i64 - 1
        ));
    };
    if neuron as usize >= c.neurons() {
        return Err(format!(
            "core {core} has neurons 0 to {}; there is no neuron {neuron}",
            c.neurons() as i64 - 1
        ));
    }
    Ok(())
}
