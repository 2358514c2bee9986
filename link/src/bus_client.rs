//! A blocking client for the bus requests alone (Hello, ReadWord, WriteWord, WriteBurst):
//! what a host sends a board's UART bridge over a serial line.

use std::io::{Read, Write};

use crate::client::{check_burst, unexpected};
use crate::frame::{decode, FrameError, MAX_PAYLOAD};
use crate::message::{ErrorCode, Request, Response, PROTOCOL_VERSION};
use crate::ClientError;

pub struct BusClient<S> {
    stream: S,
    buffer: Vec<u8>,
    /// What the board said it is.
    pub description: String,
}

impl<S: Read + Write> BusClient<S> {
    /// Does the version handshake on `stream` (whose reads should time out, so a silent
    /// board is an error rather than a hang).
    pub fn handshake(stream: S) -> Result<BusClient<S>, ClientError> {
        let mut client = BusClient {
            stream,
            buffer: Vec::new(),
            description: String::new(),
        };
        match client.call(&Request::Hello {
            version: PROTOCOL_VERSION,
        })? {
            Response::Welcome { description, .. } => {
                client.description = description;
                Ok(client)
            }
            other => Err(unexpected("Hello", other)),
        }
    }

    fn call(&mut self, request: &Request) -> Result<Response, ClientError> {
        self.stream
            .write_all(&request.to_frame().encode())
            .and_then(|()| self.stream.flush())
            .map_err(FrameError::Io)?;
        loop {
            if let Some((frame, used)) = decode(&self.buffer, MAX_PAYLOAD)? {
                self.buffer.drain(..used);
                return match Response::from_frame(&frame)? {
                    Response::Error { code, message } => Err(ClientError::Remote { code, message }),
                    response => Ok(response),
                };
            }
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).map_err(FrameError::Io)?;
            if n == 0 {
                return Err(ClientError::Closed);
            }
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }

    /// One bus word; `None` when nothing answered at `address`.
    pub fn read_word(&mut self, address: u32) -> Result<Option<u32>, ClientError> {
        match self.call(&Request::ReadWord { address }) {
            Ok(Response::Word { data }) => Ok(Some(data)),
            Err(ClientError::Remote {
                code: ErrorCode::Refused,
                ..
            }) => Ok(None),
            Ok(other) => Err(unexpected("ReadWord", other)),
            Err(e) => Err(e),
        }
    }

    pub fn write_word(&mut self, address: u32, data: u32) -> Result<(), ClientError> {
        match self.call(&Request::WriteWord { address, data })? {
            Response::Written => Ok(()),
            other => Err(unexpected("WriteWord", other)),
        }
    }

    /// `words[k]` to `address + k` (1 to `MAX_BURST_WORDS` words): one frame each way.
    pub fn write_burst(&mut self, address: u32, words: &[u32]) -> Result<(), ClientError> {
        check_burst(words.len())?;
        let request = Request::WriteBurst {
            address,
            words: words.to_vec(),
        };
        match self.call(&request)? {
            Response::Written => Ok(()),
            other => Err(unexpected("WriteBurst", other)),
        }
    }
}
