//! Frames: `"NF"`, kind (1 byte), payload length (u32 LE), payload, CRC-32 (u32 LE) of the
//! kind, length and payload. Strictly one request, then one response.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

pub const MAGIC: [u8; 2] = *b"NF";
/// Bytes before the payload: magic, kind, length.
pub const HEADER: usize = 7;
/// The largest payload either side accepts by default (an image of `builtin:small` is
/// well under 1 MiB).
pub const MAX_PAYLOAD: usize = 64 << 20;
/// Bytes read at a time.
const CHUNK: usize = 64 << 10;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub kind: u8,
    pub payload: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("bad frame: expected the magic bytes \"NF\", got {0:02x?}")]
    BadMagic([u8; 2]),
    #[error("frame payload of {length} bytes is over the limit of {limit}")]
    Oversized { length: usize, limit: usize },
    #[error("bad checksum: the frame says CRC-32 {sent:08x}, its bytes give {computed:08x}")]
    BadChecksum { sent: u32, computed: u32 },
    #[error("the peer closed the connection in the middle of a frame ({got} of {expected} bytes)")]
    Truncated { got: usize, expected: usize },
    #[error("link i/o: {0}")]
    Io(#[from] std::io::Error),
}

impl Frame {
    pub fn new(kind: u8, payload: Vec<u8>) -> Frame {
        Frame { kind, payload }
    }

    /// The frame's bytes on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + self.payload.len() + 4);
        out.extend_from_slice(&MAGIC);
        out.push(self.kind);
        out.extend_from_slice(&(self.payload.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.payload);
        let crc = crc32fast::hash(&out[2..]);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }
}

/// Decodes the frame at the start of `bytes`: `Ok(None)` while it is incomplete, else the
/// frame and the bytes it took.
pub fn decode(bytes: &[u8], limit: usize) -> Result<Option<(Frame, usize)>, FrameError> {
    if bytes.len() >= 2 && bytes[..2] != MAGIC {
        return Err(FrameError::BadMagic([bytes[0], bytes[1]]));
    }
    if bytes.len() < HEADER {
        return Ok(None);
    }
    let length = u32::from_le_bytes(bytes[3..7].try_into().unwrap()) as usize;
    if length > limit {
        return Err(FrameError::Oversized { length, limit });
    }
    let total = HEADER + length + 4;
    if bytes.len() < total {
        return Ok(None);
    }
    let sent = u32::from_le_bytes(bytes[total - 4..total].try_into().unwrap());
    let computed = crc32fast::hash(&bytes[2..total - 4]);
    if sent != computed {
        return Err(FrameError::BadChecksum { sent, computed });
    }
    Ok(Some((
        Frame::new(bytes[2], bytes[HEADER..HEADER + length].to_vec()),
        total,
    )))
}

/// Reads one frame; `Ok(None)` when the peer closed the connection between frames.
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    limit: usize,
) -> Result<Option<Frame>, FrameError> {
    let mut header = [0u8; HEADER];
    let got = read_full(reader, &mut header).await?;
    if got == 0 {
        return Ok(None);
    }
    // The magic is checked first: a stray byte stream is reported as such, not as truncated.
    if got >= 2 && header[..2] != MAGIC {
        return Err(FrameError::BadMagic([header[0], header[1]]));
    }
    if got < HEADER {
        return Err(FrameError::Truncated {
            got,
            expected: HEADER,
        });
    }
    let length = u32::from_le_bytes(header[3..7].try_into().unwrap()) as usize;
    if length > limit {
        return Err(FrameError::Oversized { length, limit });
    }
    // Grown as bytes arrive: a header alone cannot make the reader allocate its length.
    let total = length + 4;
    let mut rest = Vec::with_capacity(total.min(CHUNK));
    while rest.len() < total {
        let start = rest.len();
        rest.resize((start + CHUNK).min(total), 0);
        let got = read_full(reader, &mut rest[start..]).await?;
        if start + got < rest.len() {
            return Err(FrameError::Truncated {
                got: HEADER + start + got,
                expected: HEADER + total,
            });
        }
    }
    let sent = u32::from_le_bytes(rest[length..].try_into().unwrap());
    let mut crc = crc32fast::Hasher::new();
    crc.update(&header[2..]);
    crc.update(&rest[..length]);
    let computed = crc.finalize();
    if sent != computed {
        return Err(FrameError::BadChecksum { sent, computed });
    }
    rest.truncate(length);
    Ok(Some(Frame {
        kind: header[2],
        payload: rest,
    }))
}

pub async fn write_frame<W: AsyncWrite + Unpin>(
    writer: &mut W,
    frame: &Frame,
) -> std::io::Result<()> {
    writer.write_all(&frame.encode()).await?;
    writer.flush().await
}

/// Fills `buf` unless the stream ends first; returns the bytes read.
async fn read_full<R: AsyncRead + Unpin>(reader: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        let n = reader.read(&mut buf[got..]).await?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(bytes: &[u8]) -> Result<Option<Frame>, FrameError> {
        let mut r = bytes;
        read_frame(&mut r, 100).await
    }

    #[tokio::test]
    async fn a_frame_reads_back_and_every_corruption_is_named() {
        let frame = Frame::new(0x04, vec![1, 2, 3, 4, 5]);
        let bytes = frame.encode();
        assert_eq!(bytes.len(), HEADER + 5 + 4);
        assert_eq!(read(&bytes).await.unwrap(), Some(frame.clone()));
        assert!(read(&[]).await.unwrap().is_none());

        let mut flipped = bytes.clone();
        flipped[HEADER + 2] ^= 0x10;
        assert!(matches!(
            read(&flipped).await,
            Err(FrameError::BadChecksum { .. })
        ));
        let mut kind = bytes.clone();
        kind[2] = 0x05;
        assert!(matches!(
            read(&kind).await,
            Err(FrameError::BadChecksum { .. })
        ));
        assert!(matches!(
            read(b"GET / HTTP/1.1\r\n").await,
            Err(FrameError::BadMagic([b'G', b'E']))
        ));
        for cut in [1, 4, HEADER, bytes.len() - 1] {
            match read(&bytes[..cut]).await {
                Err(FrameError::Truncated { got, expected }) => {
                    assert_eq!(got, cut);
                    assert!(expected > got);
                }
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
        // The byte-buffer decoder agrees.
        assert_eq!(
            decode(&bytes, 100).unwrap(),
            Some((frame.clone(), bytes.len()))
        );
        assert_eq!(decode(&bytes[..bytes.len() - 1], 100).unwrap(), None);
        assert!(matches!(
            decode(&flipped, 100),
            Err(FrameError::BadChecksum { .. })
        ));
        let big = Frame::new(1, vec![0; 101]).encode();
        assert!(matches!(
            read(&big).await,
            Err(FrameError::Oversized {
                length: 101,
                limit: 100
            })
        ));
    }
}
