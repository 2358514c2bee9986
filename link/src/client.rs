//! The client side: one connection to a board or a virtual board, over any byte stream.

use chip::ChipImage;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::frame::{read_frame, write_frame, FrameError, MAX_PAYLOAD};
use crate::message::{ErrorCode, NeuronProbe, Request, Response, PROTOCOL_VERSION};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Frame(#[from] FrameError),
    #[error("the board closed the connection")]
    Closed,
    #[error("the board answered with an unreadable response: {0}")]
    Decode(#[from] crate::message::DecodeError),
    #[error("the board refused ({code:?}): {message}")]
    Remote { code: ErrorCode, message: String },
    #[error("the board answered {got} to {request}")]
    Unexpected { request: &'static str, got: String },
    #[error("{0}")]
    Image(String),
    /// A request this client will not send (it would break the framing on a serial line).
    #[error("{0}")]
    NotSent(String),
}

/// What the board said in the handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Welcome {
    pub engine: String,
    pub description: String,
}

pub struct Client<S> {
    stream: S,
    pub welcome: Welcome,
}

impl Client<TcpStream> {
    /// Connects to `address` (host:port) and does the version handshake.
    pub async fn connect(address: &str) -> Result<Client<TcpStream>, ClientError> {
        let stream = TcpStream::connect(address).await.map_err(FrameError::Io)?;
        let _ = stream.set_nodelay(true);
        Client::handshake(stream).await
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    pub async fn handshake(stream: S) -> Result<Client<S>, ClientError> {
        let mut client = Client {
            stream,
            welcome: Welcome {
                engine: String::new(),
                description: String::new(),
            },
        };
        match client
            .call(Request::Hello {
                version: PROTOCOL_VERSION,
            })
            .await?
        {
            Response::Welcome {
                engine,
                description,
                ..
            } => {
                client.welcome = Welcome {
                    engine,
                    description,
                };
                Ok(client)
            }
            other => Err(unexpected("Hello", other)),
        }
    }

    /// Sends one request and reads its response; a board's error becomes
    /// [`ClientError::Remote`].
    pub async fn call(&mut self, request: Request) -> Result<Response, ClientError> {
        write_frame(&mut self.stream, &request.to_frame())
            .await
            .map_err(FrameError::Io)?;
        let frame = read_frame(&mut self.stream, MAX_PAYLOAD)
            .await?
            .ok_or(ClientError::Closed)?;
        match Response::from_frame(&frame)? {
            Response::Error { code, message } => Err(ClientError::Remote { code, message }),
            response => Ok(response),
        }
    }

    /// Loads `image`; returns (cores, neurons, inputs) as the board counted them.
    pub async fn load(&mut self, image: &ChipImage) -> Result<(u32, u32, u32), ClientError> {
        let files = image
            .to_files()
            .map_err(|e| ClientError::Image(format!("{}: {}", e.origin, e.message)))?;
        match self.call(Request::LoadImage { files }).await? {
            Response::Loaded {
                cores,
                neurons,
                inputs,
            } => Ok((cores, neurons, inputs)),
            other => Err(unexpected("LoadImage", other)),
        }
    }

    /// Runs one tick per entry of `inputs`: the spikes of each, and the clocks taken.
    pub async fn run(
        &mut self,
        inputs: &[Vec<u32>],
    ) -> Result<(Vec<Vec<(u32, u32)>>, u64), ClientError> {
        match self
            .call(Request::Run {
                inputs: inputs.to_vec(),
            })
            .await?
        {
            Response::Ran { spikes, cycles } if spikes.len() == inputs.len() => {
                Ok((spikes, cycles))
            }
            other => Err(unexpected("Run", other)),
        }
    }

    pub async fn probe(&mut self, core: u32, neuron: u32) -> Result<NeuronProbe, ClientError> {
        match self.call(Request::Probe { core, neuron }).await? {
            Response::Probed(p) => Ok(p),
            other => Err(unexpected("Probe", other)),
        }
    }

    /// (engine, image loaded, ticks run since the load).
    pub async fn status(&mut self) -> Result<(String, bool, u64), ClientError> {
        match self.call(Request::Status).await? {
            Response::Status {
                engine,
                loaded,
                ticks,
            } => Ok((engine, loaded, ticks)),
            other => Err(unexpected("Status", other)),
        }
    }

    pub async fn read_word(&mut self, address: u32) -> Result<u32, ClientError> {
        match self.call(Request::ReadWord { address }).await? {
            Response::Word { data } => Ok(data),
            other => Err(unexpected("ReadWord", other)),
        }
    }

    pub async fn write_word(&mut self, address: u32, data: u32) -> Result<(), ClientError> {
        match self.call(Request::WriteWord { address, data }).await? {
            Response::Written => Ok(()),
            other => Err(unexpected("WriteWord", other)),
        }
    }

    /// `words[k]` to `address + k` (1 to `MAX_BURST_WORDS` words).
    pub async fn write_burst(&mut self, address: u32, words: &[u32]) -> Result<(), ClientError> {
        check_burst(words.len())?;
        let request = Request::WriteBurst {
            address,
            words: words.to_vec(),
        };
        match self.call(request).await? {
            Response::Written => Ok(()),
            other => Err(unexpected("WriteBurst", other)),
        }
    }
}

/// An error, before anything is sent, unless a burst holds 1 to `MAX_BURST_WORDS` words (a
/// bridge would answer Oversized and hunt through the payload for the next frame).
pub(crate) fn check_burst(words: usize) -> Result<(), ClientError> {
    if (1..=crate::MAX_BURST_WORDS).contains(&words) {
        Ok(())
    } else {
        Err(ClientError::NotSent(format!(
            "WriteBurst of {words} words not sent: a burst holds 1 to {}",
            crate::MAX_BURST_WORDS
        )))
    }
}

/// A response of the wrong kind, described in at most 200 characters.
pub(crate) fn unexpected(request: &'static str, got: Response) -> ClientError {
    // Characters, not bytes: the text is the peer's.
    let got = format!("{got:?}").chars().take(200).collect();
    ClientError::Unexpected { request, got }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_out_of_range_are_not_sent() {
        assert!(check_burst(1).is_ok() && check_burst(16).is_ok());
        for words in [0, 17] {
            assert_eq!(
                check_burst(words).unwrap_err().to_string(),
                format!("WriteBurst of {words} words not sent: a burst holds 1 to 16")
            );
        }
    }
}
