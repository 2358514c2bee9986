//! The chip behind the UART bridge (`fpga::board::SIM_TOP`), verilated: a test bench plays
//! the host's serial line (a UART transmitter on the bridge's `uart_rx`, a receiver on its
//! `uart_tx`) and can also use the direct host bus, e.g. to load an image quickly.

use hdl::host::HostBus;
use link::frame::{self, Frame, FrameError};
use link::{Request, Response};

mod verilated {
    include!(concat!(env!("OUT_DIR"), "/vl_neurofuse_board_sim.rs"));
}

/// Clocks per UART bit of the verilated bridge (testbench/build.rs).
pub const CLOCKS_PER_BIT: u32 = 4;

/// Clocks of silence on the line after which a response counts as missing.
const RESPONSE_TIMEOUT: u64 = 200 * CLOCKS_PER_BIT as u64 * 10;

pub struct UartBoard {
    model: verilated::Model,
    clocks: u64,
    receiver: Receiver,
    /// Bytes received from the bridge and not yet taken as a response.
    received: Vec<u8>,
}

/// A software UART receiver on the bridge's output: start bit, 8 data bits, stop bit, each
/// sampled in its middle.
#[derive(Default)]
struct Receiver {
    /// Clocks until the next sample; `None` when the line is idle.
    countdown: Option<u32>,
    bit: u32,
    shift: u8,
}

impl Receiver {
    fn sample(&mut self, line: bool) -> Option<u8> {
        let Some(count) = self.countdown else {
            if !line {
                self.countdown = Some(CLOCKS_PER_BIT / 2);
                self.bit = 0;
            }
            return None;
        };
        if count > 0 {
            self.countdown = Some(count - 1);
            return None;
        }
        self.countdown = Some(CLOCKS_PER_BIT - 1);
        match self.bit {
            0 if line => self.countdown = None, // a glitch, not a start bit
            0 => self.bit = 1,
            1..=8 => {
                self.shift = self.shift >> 1 | u8::from(line) << 7;
                self.bit += 1;
            }
            _ => {
                self.countdown = None;
                return line.then_some(self.shift);
            }
        }
        None
    }
}

impl UartBoard {
    /// The board after a reset, its line idle.
    pub fn new() -> UartBoard {
        let mut board = UartBoard {
            model: verilated::Model::new(),
            clocks: 0,
            receiver: Receiver::default(),
            received: Vec::new(),
        };
        board.model.set_uart_rx(1);
        board.model.set_clock(0);
        board.model.eval();
        board.model.set_reset(1);
        for _ in 0..4 {
            board.clock();
        }
        board.model.set_reset(0);
        board.model.eval();
        // The chip holds its reset a few more clocks (its routers drain their FIFOs).
        hdl::host::wait_out_of_reset(&mut board.direct()).expect("the chip comes out of reset");
        board
    }

    pub fn clocks(&self) -> u64 {
        self.clocks
    }

    /// One clock; the receiver samples the bridge's output line.
    fn clock(&mut self) {
        self.model.set_clock(1);
        self.model.eval();
        self.model.set_clock(0);
        self.model.eval();
        self.clocks += 1;
        if let Some(byte) = self.receiver.sample(self.model.uart_tx() == 1) {
            self.received.push(byte);
        }
    }

    /// Sends `bytes` on the line, 8N1, back to back.
    pub fn send(&mut self, bytes: &[u8]) {
        for &b in bytes {
            let bits = std::iter::once(false)
                .chain((0..8).map(|i| b >> i & 1 == 1))
                .chain(std::iter::once(true));
            for bit in bits {
                self.model.set_uart_rx(u8::from(bit));
                for _ in 0..CLOCKS_PER_BIT {
                    self.clock();
                }
            }
        }
    }

    /// Clocks until one whole frame has come back (or `None` after a silence of
    /// [`RESPONSE_TIMEOUT`] clocks), and decodes it.
    pub fn receive(&mut self) -> Option<Result<Frame, FrameError>> {
        let mut silent = 0u64;
        let mut seen = self.received.len();
        loop {
            match frame::decode(&self.received, link::MAX_PAYLOAD) {
                Ok(Some((frame, used))) => {
                    self.received.drain(..used);
                    return Some(Ok(frame));
                }
                Ok(None) => {}
                Err(e) => {
                    self.received.clear();
                    return Some(Err(e));
                }
            }
            self.clock();
            if self.received.len() == seen && self.receiver.countdown.is_none() {
                silent += 1;
                if silent > RESPONSE_TIMEOUT {
                    return None;
                }
            } else {
                silent = 0;
                seen = self.received.len();
            }
        }
    }

    /// Sends raw bytes and returns the one response they give, decoded.
    pub fn exchange(&mut self, bytes: &[u8]) -> Result<Response, String> {
        self.send(bytes);
        match self.receive() {
            Some(Ok(frame)) => Response::from_frame(&frame).map_err(|e| e.to_string()),
            Some(Err(e)) => Err(format!("the bridge sent a broken frame: {e}")),
            None => Err("the bridge did not answer".into()),
        }
    }

    pub fn request(&mut self, request: &Request) -> Result<Response, String> {
        self.exchange(&request.to_frame().encode())
    }

    /// Whatever the bridge has sent beyond the responses taken so far, after `clocks` more
    /// clocks.
    pub fn drain(&mut self, clocks: u64) -> Vec<u8> {
        for _ in 0..clocks {
            self.clock();
        }
        std::mem::take(&mut self.received)
    }

    /// The direct host bus (the bridge is not involved).
    pub fn direct(&mut self) -> DirectBus<'_> {
        DirectBus { board: self }
    }

    /// The link's bus requests over the UART, as a host bus.
    pub fn over_uart(&mut self) -> UartBus<'_> {
        UartBus { board: self }
    }
}

impl Default for UartBoard {
    fn default() -> Self {
        Self::new()
    }
}

/// The chip's host bus through the bridge: every access is a ReadWord, WriteWord or
/// WriteBurst frame.
pub struct UartBus<'a> {
    board: &'a mut UartBoard,
}

impl HostBus for UartBus<'_> {
    fn read(&mut self, address: u32) -> Result<Option<u32>, String> {
        match self.board.request(&Request::ReadWord { address })? {
            Response::Word { data } => Ok(Some(data)),
            Response::Error {
                code: link::ErrorCode::Refused,
                ..
            } => Ok(None),
            other => Err(format!(
                "ReadWord {address:#010x}: the bridge answered {other:?}"
            )),
        }
    }

    fn write(&mut self, address: u32, data: u32) -> Result<(), String> {
        match self.board.request(&Request::WriteWord { address, data })? {
            Response::Written => Ok(()),
            other => Err(format!(
                "WriteWord {address:#010x}: the bridge answered {other:?}"
            )),
        }
    }

    fn write_burst(&mut self, address: u32, data: &[u32]) -> Result<(), String> {
        let request = Request::WriteBurst {
            address,
            words: data.to_vec(),
        };
        match self.board.request(&request)? {
            Response::Written => Ok(()),
            other => Err(format!(
                "WriteBurst {address:#010x} x {}: the bridge answered {other:?}",
                data.len()
            )),
        }
    }
}

/// The chip's host bus directly, as `RtlChip` drives it.
pub struct DirectBus<'a> {
    board: &'a mut UartBoard,
}

impl HostBus for DirectBus<'_> {
    fn read(&mut self, address: u32) -> Result<Option<u32>, String> {
        let b = &mut *self.board;
        b.model.set_direct(1);
        b.model.set_direct_address(address);
        b.model.set_direct_read(1);
        b.clock();
        b.model.set_direct_read(0);
        b.clock();
        let answer = (b.model.host_read_valid() == 1).then(|| b.model.host_read_data());
        b.model.set_direct(0);
        Ok(answer)
    }

    fn write(&mut self, address: u32, data: u32) -> Result<(), String> {
        let b = &mut *self.board;
        b.model.set_direct(1);
        b.model.set_direct_address(address);
        b.model.set_direct_write_data(data);
        b.model.set_direct_write(1);
        b.clock();
        b.model.set_direct_write(0);
        b.model.set_direct(0);
        Ok(())
    }
}
