//! The server side: every connection gets its own engine (a chip model or a verilated
//! chip), on its own thread, since verilated models are neither `Send` nor `Sync`. A bad or
//! misbehaving client gets an error and, for framing errors, its connection closed; the
//! others are not affected.

use std::sync::Arc;
use std::time::Duration;

use chip::ChipImage;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::frame::{read_frame, write_frame, FrameError, MAX_PAYLOAD};
use crate::message::{ErrorCode, NeuronProbe, Request, Response, PROTOCOL_VERSION};

/// The spikes of each tick run, as (core, local neuron), and the clocks the chip took.
pub type RunOutput = (Vec<Vec<(u32, u32)>>, u64);

/// What a board or a virtual board does. Errors are messages for the client.
pub trait Engine {
    /// `sim` or `rtl`.
    fn name(&self) -> &'static str;
    /// What this engine is, in words (the chip it holds).
    fn description(&self) -> String;
    /// Loads `image`, replacing any earlier one; on error nothing is loaded.
    fn load(&mut self, image: ChipImage) -> Result<(), String>;
    /// Runs one tick per entry of `inputs`; the spikes of each tick and the clocks taken.
    fn run(&mut self, inputs: &[Vec<u32>]) -> Result<RunOutput, String>;
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
    /// A client that sends no whole frame for this long is disconnected.
    pub idle_timeout: Duration,
    /// Clients served at once; more are told so and disconnected.
    pub max_clients: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            max_payload: MAX_PAYLOAD,
            idle_timeout: Duration::from_secs(600),
            max_clients: 64,
        }
    }
}

/// Ticks one Run request may ask for.
pub const MAX_TICKS_PER_RUN: usize = 100_000;

/// Accepts connections on `listener` forever, serving each on its own task and engine.
/// `log` gets one line per connection event.
pub async fn serve(
    listener: TcpListener,
    factory: EngineFactory,
    options: ServerOptions,
    log: Arc<dyn Fn(String) + Send + Sync>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(options.max_clients));
    loop {
        let (mut stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors, say: the clients already connected go on.
                log(format!("accept failed: {e}; retrying"));
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let factory = factory.clone();
        let log = log.clone();
        let slot = slots.clone().try_acquire_owned();
        tokio::spawn(async move {
            let Ok(_slot) = slot else {
                let busy = Response::error(
                    ErrorCode::Refused,
                    format!(
                        "the server serves at most {} clients at once; try later",
                        options.max_clients
                    ),
                );
                let _ = write_frame(&mut stream, &busy.to_frame()).await;
                close(&mut stream).await;
                log(format!(
                    "{peer}: refused, {} clients already",
                    options.max_clients
                ));
                return;
            };
            log(format!("{peer}: connected"));
            let outcome = serve_connection(stream, factory, options).await;
            log(format!("{peer}: {outcome}"));
        });
    }
}

/// Ends a connection after a last answer: the write side is shut and what the peer still
/// sends is read away for a moment, so the answer is not lost to a reset.
async fn close<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S) {
    let _ = stream.shutdown().await;
    let drain = async {
        let mut sink = [0u8; 4096];
        while let Ok(n) = stream.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
}

/// Serves one client over any byte stream until it leaves; says how it ended.
pub async fn serve_connection<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    factory: EngineFactory,
    options: ServerOptions,
) -> String {
    // The engine (a thread, perhaps a verilated chip) is made at the handshake.
    let mut engine: Option<EngineThread> = None;
    let mut served = 0u64;
    loop {
        let read = tokio::time::timeout(
            options.idle_timeout,
            read_frame(&mut stream, options.max_payload),
        );
        let frame = match read.await {
            Err(_) => {
                return format!(
                    "closed: no whole frame in {} s",
                    options.idle_timeout.as_secs()
                )
            }
            Ok(Ok(Some(frame))) => frame,
            Ok(Ok(None)) => return format!("closed after {served} requests"),
            Ok(Err(FrameError::Io(e))) => return format!("i/o error: {e}"),
            Ok(Err(e @ FrameError::Truncated { .. })) => return format!("dropped: {e}"),
            Ok(Err(e)) => {
                let code = match e {
                    FrameError::BadMagic(_) => ErrorCode::BadFrame,
                    FrameError::Oversized { .. } => ErrorCode::Oversized,
                    _ => ErrorCode::BadChecksum,
                };
                let reply = Response::error(code, format!("{e}; closing the connection"));
                let _ = write_frame(&mut stream, &reply.to_frame()).await;
                close(&mut stream).await;
                return format!("closed: {e}");
            }
        };
        let mut wrong_version = false;
        let reply = match Request::from_frame(&frame) {
            Err(e) if e.unknown => Response::error(ErrorCode::UnknownRequest, e.to_string()),
            Err(e) => Response::error(ErrorCode::Malformed, e.to_string()),
            Ok(Request::Hello { version }) if version != PROTOCOL_VERSION => {
                wrong_version = true;
                Response::error(
                    ErrorCode::WrongVersion,
                    format!(
                        "the client speaks protocol version {version}, this server {PROTOCOL_VERSION}"
                    ),
                )
            }
            Ok(Request::Hello { .. }) => {
                let engine = engine.get_or_insert_with(|| EngineThread::start(factory.clone()));
                engine
                    .call(Request::Hello {
                        version: PROTOCOL_VERSION,
                    })
                    .await
            }
            Ok(Request::Run { inputs }) if inputs.len() > MAX_TICKS_PER_RUN => Response::error(
                ErrorCode::Refused,
                format!(
                    "a Run of {} ticks: at most {MAX_TICKS_PER_RUN} per request",
                    inputs.len()
                ),
            ),
            Ok(request) => match &engine {
                Some(engine) => engine.call(request).await,
                None => Response::error(
                    ErrorCode::HandshakeRequired,
                    "the first request must be Hello with the protocol version",
                ),
            },
        };
        served += 1;
        let mut frame = reply.to_frame();
        if frame.payload.len() > options.max_payload {
            frame = Response::error(
                ErrorCode::Refused,
                format!(
                    "the answer would be {} bytes, over the frame limit of {}: ask for fewer ticks per Run",
                    frame.payload.len(),
                    options.max_payload
                ),
            )
            .to_frame();
        }
        if let Err(e) = write_frame(&mut stream, &frame).await {
            return format!("i/o error: {e}");
        }
        if wrong_version {
            close(&mut stream).await;
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
        // Word by word, as the bridge writes them; stops at the first refusal.
        Request::WriteBurst { address, words } => {
            for (k, &data) in words.iter().enumerate() {
                if let Err(e) = engine.write_word(address.wrapping_add(k as u32), data) {
                    return bus(e);
                }
            }
            Response::Written
        }
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
