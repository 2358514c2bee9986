//! Requests and responses, and their payloads (little-endian; a string or byte string is
//! its length as u32, then its bytes). The layout of each is in docs/host-link.md.

use crate::frame::Frame;

/// The protocol version this build speaks; both sides must agree (the first request is
/// [`Request::Hello`]). 2 added [`Request::WriteBurst`]: a board whose bridge predates it
/// answers Hello with WrongVersion (rebuild its bitstream) instead of choking on a burst.
pub const PROTOCOL_VERSION: u16 = 2;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// The version handshake; must come first.
    Hello {
        version: u16,
    },
    Status,
    /// A chip image as its files (`chip::ChipImage::to_files`).
    LoadImage {
        files: Vec<(String, Vec<u8>)>,
    },
    /// Runs one tick per entry; entry t holds the external inputs that fire after tick t
    /// (the next tick's step sees them).
    Run {
        inputs: Vec<Vec<u32>>,
    },
    /// A neuron's stored state.
    Probe {
        core: u32,
        neuron: u32,
    },
    /// One word of the chip's host bus (`hdl::chip_map` addresses).
    ReadWord {
        address: u32,
    },
    WriteWord {
        address: u32,
        data: u32,
    },
    /// Consecutive words from `address` up: `words[k]` to `address + k`; 1 to
    /// [`MAX_BURST_WORDS`] of them. What a host loading an image over a slow line sends.
    WriteBurst {
        address: u32,
        words: Vec<u32>,
    },
}

/// The most words one [`Request::WriteBurst`] carries (the UART bridge buffers them all
/// before the CRC says they may be written).
pub const MAX_BURST_WORDS: usize = 16;

/// A neuron's stored state, raw (the chip's formats).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NeuronProbe {
    /// S7.12.
    pub v: i32,
    /// U0.16, one per gate of the channel set.
    pub gates: Vec<u32>,
    /// S12.12.
    pub i_ext: i32,
    /// One per receptor.
    pub receptors: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    Welcome {
        version: u16,
        /// `sim` or `rtl`.
        engine: String,
        /// What the engine is, in words.
        description: String,
    },
    Status {
        engine: String,
        loaded: bool,
        ticks: u64,
    },
    Loaded {
        cores: u32,
        neurons: u32,
        inputs: u32,
    },
    /// The spikes of each tick run, as (core, local neuron) in core then neuron order, and
    /// the clocks the chip took (0 on the model).
    Ran {
        spikes: Vec<Vec<(u32, u32)>>,
        cycles: u64,
    },
    Probed(NeuronProbe),
    Word {
        data: u32,
    },
    Written,
    Error {
        code: ErrorCode,
        message: String,
    },
}

/// Why a request failed. The connection stays open after all of them but the framing
/// errors and a wrong version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum ErrorCode {
    /// Not a frame (bad magic); the connection is closed.
    BadFrame = 1,
    /// The frame's CRC does not match; the connection is closed.
    BadChecksum = 2,
    /// The payload is over the server's limit; the connection is closed.
    Oversized = 3,
    /// The client speaks another protocol version; the connection is closed.
    WrongVersion = 4,
    /// A request came before the handshake.
    HandshakeRequired = 5,
    /// The payload does not decode as the request its kind names.
    Malformed = 6,
    UnknownRequest = 7,
    /// This engine cannot do it (the model has no host bus).
    Unsupported = 8,
    /// The engine refused (no image loaded, an image that does not fit, an input out of range).
    Refused = 9,
}

impl ErrorCode {
    fn from_u16(code: u16) -> Option<ErrorCode> {
        use ErrorCode::*;
        [
            BadFrame,
            BadChecksum,
            Oversized,
            WrongVersion,
            HandshakeRequired,
            Malformed,
            UnknownRequest,
            Unsupported,
            Refused,
        ]
        .into_iter()
        .find(|c| *c as u16 == code)
    }
}

mod kind {
    pub const HELLO: u8 = 0x01;
    pub const STATUS: u8 = 0x02;
    pub const LOAD_IMAGE: u8 = 0x03;
    pub const RUN: u8 = 0x04;
    pub const PROBE: u8 = 0x05;
    pub const READ_WORD: u8 = 0x06;
    pub const WRITE_WORD: u8 = 0x07;
    pub const WRITE_BURST: u8 = 0x08;
    pub const WELCOME: u8 = 0x81;
    pub const STATUS_REPLY: u8 = 0x82;
    pub const LOADED: u8 = 0x83;
    pub const RAN: u8 = 0x84;
    pub const PROBED: u8 = 0x85;
    pub const WORD: u8 = 0x86;
    pub const WRITTEN: u8 = 0x87;
    pub const ERROR: u8 = 0xFF;
}

/// A payload that does not decode: which message and field, and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (kind {kind:#04x})")]
pub struct DecodeError {
    pub kind: u8,
    pub message: String,
    /// The kind is not a known request or response.
    pub unknown: bool,
}

impl Request {
    pub fn to_frame(&self) -> Frame {
        let mut w = Writer::default();
        let kind = match self {
            Request::Hello { version } => {
                w.u16(*version);
                kind::HELLO
            }
            Request::Status => kind::STATUS,
            Request::LoadImage { files } => {
                w.u32(files.len() as u32);
                for (name, bytes) in files {
                    w.bytes(name.as_bytes());
                    w.bytes(bytes);
                }
                kind::LOAD_IMAGE
            }
            Request::Run { inputs } => {
                w.u32(inputs.len() as u32);
                for tick in inputs {
                    w.u32(tick.len() as u32);
                    tick.iter().for_each(|&i| w.u32(i));
                }
                kind::RUN
            }
            Request::Probe { core, neuron } => {
                w.u32(*core);
                w.u32(*neuron);
                kind::PROBE
            }
            Request::ReadWord { address } => {
                w.u32(*address);
                kind::READ_WORD
            }
            Request::WriteWord { address, data } => {
                w.u32(*address);
                w.u32(*data);
                kind::WRITE_WORD
            }
            Request::WriteBurst { address, words } => {
                w.u32(*address);
                words.iter().for_each(|&d| w.u32(d));
                kind::WRITE_BURST
            }
        };
        Frame::new(kind, w.0)
    }

    pub fn from_frame(frame: &Frame) -> Result<Request, DecodeError> {
        let mut r = Reader::new(frame);
        let request = match frame.kind {
            kind::HELLO => Request::Hello {
                version: r.u16("version")?,
            },
            kind::STATUS => Request::Status,
            kind::LOAD_IMAGE => {
                let n = r.count("file count", 8)?;
                let mut files = Vec::with_capacity(n);
                for _ in 0..n {
                    let name = String::from_utf8(r.bytes("file name")?.to_vec())
                        .map_err(|_| r.error("file name: not UTF-8"))?;
                    files.push((name, r.bytes("file contents")?.to_vec()));
                }
                Request::LoadImage { files }
            }
            kind::RUN => {
                let ticks = r.count("tick count", 4)?;
                let mut inputs = Vec::with_capacity(ticks);
                for _ in 0..ticks {
                    let n = r.count("input count", 4)?;
                    inputs.push((0..n).map(|_| r.u32("input")).collect::<Result<_, _>>()?);
                }
                Request::Run { inputs }
            }
            kind::PROBE => Request::Probe {
                core: r.u32("core")?,
                neuron: r.u32("neuron")?,
            },
            kind::READ_WORD => Request::ReadWord {
                address: r.u32("address")?,
            },
            kind::WRITE_WORD => Request::WriteWord {
                address: r.u32("address")?,
                data: r.u32("data")?,
            },
            kind::WRITE_BURST => {
                let address = r.u32("address")?;
                let left = frame.payload.len().saturating_sub(4);
                if left % 4 != 0 || !(1..=MAX_BURST_WORDS).contains(&(left / 4)) {
                    return Err(r.error(&format!(
                        "WriteBurst: {left} bytes of words; expected 1 to {MAX_BURST_WORDS} words of 4 bytes"
                    )));
                }
                let words = (0..left / 4)
                    .map(|_| r.u32("word"))
                    .collect::<Result<_, _>>()?;
                Request::WriteBurst { address, words }
            }
            other => return Err(r.unknown(other, "request")),
        };
        r.finish()?;
        Ok(request)
    }
}

impl Response {
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Response {
        Response::Error {
            code,
            message: message.into(),
        }
    }

    pub fn to_frame(&self) -> Frame {
        let mut w = Writer::default();
        let kind = match self {
            Response::Welcome {
                version,
                engine,
                description,
            } => {
                w.u16(*version);
                w.bytes(engine.as_bytes());
                w.bytes(description.as_bytes());
                kind::WELCOME
            }
            Response::Status {
                engine,
                loaded,
                ticks,
            } => {
                w.bytes(engine.as_bytes());
                w.0.push(u8::from(*loaded));
                w.u64(*ticks);
                kind::STATUS_REPLY
            }
            Response::Loaded {
                cores,
                neurons,
                inputs,
            } => {
                w.u32(*cores);
                w.u32(*neurons);
                w.u32(*inputs);
                kind::LOADED
            }
            Response::Ran { spikes, cycles } => {
                w.u32(spikes.len() as u32);
                for tick in spikes {
                    w.u32(tick.len() as u32);
                    for &(core, neuron) in tick {
                        w.u32(core);
                        w.u32(neuron);
                    }
                }
                w.u64(*cycles);
                kind::RAN
            }
            Response::Probed(p) => {
                w.u32(p.v as u32);
                w.u32(p.gates.len() as u32);
                p.gates.iter().for_each(|&g| w.u32(g));
                w.u32(p.i_ext as u32);
                w.u32(p.receptors.len() as u32);
                p.receptors.iter().for_each(|&x| w.u32(x));
                kind::PROBED
            }
            Response::Word { data } => {
                w.u32(*data);
                kind::WORD
            }
            Response::Written => kind::WRITTEN,
            Response::Error { code, message } => {
                w.u16(*code as u16);
                w.bytes(message.as_bytes());
                kind::ERROR
            }
        };
        Frame::new(kind, w.0)
    }

    pub fn from_frame(frame: &Frame) -> Result<Response, DecodeError> {
        let mut r = Reader::new(frame);
        let response = match frame.kind {
            kind::WELCOME => Response::Welcome {
                version: r.u16("version")?,
                engine: r.string("engine")?,
                description: r.string("description")?,
            },
            kind::STATUS_REPLY => Response::Status {
                engine: r.string("engine")?,
                loaded: r.u8("loaded")? != 0,
                ticks: r.u64("ticks")?,
            },
            kind::LOADED => Response::Loaded {
                cores: r.u32("cores")?,
                neurons: r.u32("neurons")?,
                inputs: r.u32("inputs")?,
            },
            kind::RAN => {
                let ticks = r.count("tick count", 4)?;
                let mut spikes = Vec::with_capacity(ticks);
                for _ in 0..ticks {
                    let n = r.count("spike count", 8)?;
                    let mut tick = Vec::with_capacity(n);
                    for _ in 0..n {
                        tick.push((r.u32("core")?, r.u32("neuron")?));
                    }
                    spikes.push(tick);
                }
                Response::Ran {
                    spikes,
                    cycles: r.u64("cycles")?,
                }
            }
            kind::PROBED => {
                let v = r.u32("v")? as i32;
                let n = r.count("gate count", 4)?;
                let gates = (0..n).map(|_| r.u32("gate")).collect::<Result<_, _>>()?;
                let i_ext = r.u32("i_ext")? as i32;
                let n = r.count("receptor count", 4)?;
                let receptors = (0..n)
                    .map(|_| r.u32("receptor"))
                    .collect::<Result<_, _>>()?;
                Response::Probed(NeuronProbe {
                    v,
                    gates,
                    i_ext,
                    receptors,
                })
            }
            kind::WORD => Response::Word {
                data: r.u32("data")?,
            },
            kind::WRITTEN => Response::Written,
            kind::ERROR => {
                let raw = r.u16("code")?;
                let code = ErrorCode::from_u16(raw)
                    .ok_or_else(|| r.error(&format!("code: {raw} is not an error code")))?;
                Response::Error {
                    code,
                    message: r.string("message")?,
                }
            }
            other => return Err(r.unknown(other, "response")),
        };
        r.finish()?;
        Ok(response)
    }
}

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn u16(&mut self, x: u16) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    fn u32(&mut self, x: u32) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    fn u64(&mut self, x: u64) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
    }
}

struct Reader<'a> {
    kind: u8,
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(frame: &'a Frame) -> Self {
        Reader {
            kind: frame.kind,
            rest: &frame.payload,
        }
    }

    fn error(&self, message: &str) -> DecodeError {
        DecodeError {
            kind: self.kind,
            message: message.to_string(),
            unknown: false,
        }
    }

    fn unknown(&self, kind: u8, what: &str) -> DecodeError {
        DecodeError {
            kind,
            message: format!("unknown {what} kind"),
            unknown: true,
        }
    }

    fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8], DecodeError> {
        if self.rest.len() < n {
            return Err(self.error(&format!(
                "{field}: the payload ends {} bytes short",
                n - self.rest.len()
            )));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn u8(&mut self, field: &str) -> Result<u8, DecodeError> {
        Ok(self.take(1, field)?[0])
    }
    fn u16(&mut self, field: &str) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.take(2, field)?.try_into().unwrap()))
    }
    fn u32(&mut self, field: &str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.take(4, field)?.try_into().unwrap()))
    }
    fn u64(&mut self, field: &str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.take(8, field)?.try_into().unwrap()))
    }

    /// A count of elements of at least `min_size` bytes each: checked against what is left,
    /// so a corrupt count cannot make the reader allocate beyond the payload.
    fn count(&mut self, field: &str, min_size: usize) -> Result<usize, DecodeError> {
        let n = self.u32(field)? as usize;
        if n.saturating_mul(min_size) > self.rest.len() {
            return Err(self.error(&format!(
                "{field} {n}: more than the {} bytes left can hold",
                self.rest.len()
            )));
        }
        Ok(n)
    }

    fn bytes(&mut self, field: &str) -> Result<&'a [u8], DecodeError> {
        let n = self.u32(field)? as usize;
        self.take(n, field)
    }

    fn string(&mut self, field: &str) -> Result<String, DecodeError> {
        String::from_utf8(self.bytes(field)?.to_vec())
            .map_err(|_| self.error(&format!("{field}: not UTF-8")))
    }

    fn finish(&self) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(self.error(&format!("{} bytes after the last field", self.rest.len())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_round_trips() {
        let requests = [
            Request::Hello { version: 7 },
            Request::Status,
            Request::LoadImage {
                files: vec![
                    ("a.bin".into(), vec![1, 2, 3]),
                    ("image.json".into(), vec![]),
                ],
            },
            Request::Run {
                inputs: vec![vec![], vec![3, 1, 4], vec![1]],
            },
            Request::Probe {
                core: 3,
                neuron: 77,
            },
            Request::ReadWord {
                address: 0xdead_beef,
            },
            Request::WriteWord {
                address: 1,
                data: 2,
            },
            Request::WriteBurst {
                address: 0x0102_0000,
                words: vec![5, 6, 7],
            },
            Request::WriteBurst {
                address: 9,
                words: (0..MAX_BURST_WORDS as u32).collect(),
            },
        ];
        for r in requests {
            assert_eq!(Request::from_frame(&r.to_frame()).unwrap(), r);
        }
        let responses = [
            Response::Welcome {
                version: 1,
                engine: "rtl".into(),
                description: "x".into(),
            },
            Response::Status {
                engine: "sim".into(),
                loaded: true,
                ticks: 1 << 40,
            },
            Response::Loaded {
                cores: 4,
                neurons: 1000,
                inputs: 9,
            },
            Response::Ran {
                spikes: vec![vec![(0, 1), (3, 255)], vec![]],
                cycles: 12345,
            },
            Response::Probed(NeuronProbe {
                v: -266_240,
                gates: vec![1, 65535, 3],
                i_ext: -5,
                receptors: vec![9, 8, 7, 6],
            }),
            Response::Word { data: 42 },
            Response::Written,
            Response::error(ErrorCode::Refused, "no image loaded"),
        ];
        for r in responses {
            assert_eq!(Response::from_frame(&r.to_frame()).unwrap(), r);
        }
    }

    #[test]
    fn malformed_payloads_name_the_field() {
        let short = Frame::new(kind::PROBE, vec![1, 0, 0, 0, 2]);
        let e = Request::from_frame(&short).unwrap_err();
        assert_eq!(e.message, "neuron: the payload ends 3 bytes short");
        let long = Frame::new(kind::STATUS, vec![0]);
        assert_eq!(
            Request::from_frame(&long).unwrap_err().message,
            "1 bytes after the last field"
        );
        // A count far beyond the payload is refused before anything is allocated.
        let huge = Frame::new(kind::RUN, u32::MAX.to_le_bytes().to_vec());
        assert!(Request::from_frame(&huge)
            .unwrap_err()
            .message
            .starts_with("tick count 4294967295: more than"));
        // A burst: whole words after the address, 1 to 16 of them.
        for (bytes, words) in [(4, 0), (6, 0), (4 + 17 * 4, 17)] {
            let e =
                Request::from_frame(&Frame::new(kind::WRITE_BURST, vec![0; bytes])).unwrap_err();
            assert_eq!(
                e.message,
                format!(
                    "WriteBurst: {} bytes of words; expected 1 to 16 words of 4 bytes",
                    bytes - 4
                ),
                "{words} words"
            );
        }
        let unknown = Request::from_frame(&Frame::new(0x42, vec![])).unwrap_err();
        assert!(unknown.unknown);
        let bad_code = Frame::new(kind::ERROR, vec![99, 0, 0, 0, 0, 0]);
        assert_eq!(
            Response::from_frame(&bad_code).unwrap_err().message,
            "code: 99 is not an error code"
        );
    }
}
