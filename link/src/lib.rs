//! The host link: how a host talks to a chip, whether a real board over a serial line or a
//! virtual board (the verilated RTL or the chip model) over TCP. One framed, checksummed
//! request/response protocol for all of them (docs/host-link.md), a server generic over the
//! engine behind it, and a client.

pub mod bus_client;
pub mod client;
pub mod frame;
pub mod message;
pub mod server;

pub use bus_client::BusClient;
pub use client::{Client, ClientError, Welcome};
pub use frame::{Frame, FrameError, MAX_PAYLOAD};
pub use message::{ErrorCode, NeuronProbe, Request, Response, MAX_BURST_WORDS, PROTOCOL_VERSION};
pub use server::{
    check_inputs, check_neuron, serve, serve_connection, Engine, EngineFactory, RunOutput,
    ServerOptions, Unsupported, MAX_TICKS_PER_RUN,
};
