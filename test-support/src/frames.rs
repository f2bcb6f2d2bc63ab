//! A small server-side RFC 6455 frame codec, independent of tungstenite.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::server::{BoxIo, ConnLog};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Continue = 0,
    Text = 1,
    Binary = 2,
    Close = 8,
    Ping = 9,
    Pong = 10,
}

/// A frame as the server received it (unmasked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub fin: bool,
    pub rsv: u8,
    pub opcode: u8,
    pub masked: bool,
    pub mask: [u8; 4],
    pub payload: Vec<u8>,
}

impl Frame {
    pub fn is_close(&self) -> bool {
        self.opcode == Op::Close as u8
    }
}

/// A whole message from the client.
#[derive(Debug)]
pub enum Msg {
    Text(Vec<u8>),
    Binary(Vec<u8>),
    /// The Close frame's payload.
    Close(Vec<u8>),
}

/// Encodes an unmasked server frame.
pub fn encode(fin: bool, rsv: u8, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![(fin as u8) << 7 | (rsv & 7) << 4 | (opcode & 0xf)];
    match payload.len() {
        n if n < 126 => out.push(n as u8),
        n if n <= 0xffff => {
            out.push(126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
    out
}

/// A close payload: code and reason.
pub fn close_payload(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason);
    p
}

/// One server connection after the request head was read.
pub struct Conn {
    io: Option<BoxIo>,
    pub log: Arc<Mutex<ConnLog>>,
    /// Log every frame received (off for load tests: `?nolog=1`).
    pub log_frames: bool,
}

fn gone() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::NotConnected, "aborted")
}

impl Conn {
    pub fn new(io: BoxIo, log: Arc<Mutex<ConnLog>>) -> Self {
        Conn {
            io: Some(io),
            log,
            log_frames: true,
        }
    }

    fn io(&mut self) -> std::io::Result<&mut BoxIo> {
        self.io.as_mut().ok_or_else(gone)
    }

    pub async fn write_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let io = self.io()?;
        io.write_all(bytes).await?;
        io.flush().await
    }

    pub async fn send(&mut self, op: Op, payload: &[u8]) -> std::io::Result<()> {
        self.write_raw(&encode(true, 0, op as u8, payload)).await
    }

    pub async fn send_close(&mut self, code: Option<u16>, reason: &[u8]) -> std::io::Result<()> {
        let payload = code.map(|c| close_payload(c, reason)).unwrap_or_default();
        self.send(Op::Close, &payload).await
    }

    /// Echoes the client's Close payload, then closes TCP (the server closes first).
    pub async fn reply_close(&mut self, payload: &[u8]) -> std::io::Result<()> {
        self.send(Op::Close, payload).await?;
        self.shutdown().await
    }

    /// After our Close: waits (bounded) for the client's Close, then closes TCP.
    pub async fn finish_close(&mut self) -> std::io::Result<()> {
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            while !matches!(self.read_msg().await?, Msg::Close(_)) {}
            Ok::<_, std::io::Error>(())
        })
        .await;
        self.shutdown().await
    }

    pub async fn shutdown(&mut self) -> std::io::Result<()> {
        if let Some(mut io) = self.io.take() {
            let _ = io.shutdown().await;
        }
        Ok(())
    }

    /// Drops TCP at once (a reset when unread data is pending).
    pub fn abort(&mut self) {
        self.io = None;
    }

    /// Reads one frame and logs it.
    pub async fn read_frame(&mut self) -> std::io::Result<Frame> {
        let io = self.io()?;
        let mut h = [0u8; 2];
        io.read_exact(&mut h).await?;
        let masked = h[1] & 0x80 != 0;
        let mut len = (h[1] & 0x7f) as u64;
        if len == 126 {
            let mut b = [0u8; 2];
            io.read_exact(&mut b).await?;
            len = u16::from_be_bytes(b) as u64;
        } else if len == 127 {
            let mut b = [0u8; 8];
            io.read_exact(&mut b).await?;
            len = u64::from_be_bytes(b);
        }
        let mut mask = [0u8; 4];
        if masked {
            io.read_exact(&mut mask).await?;
        }
        let mut payload = vec![0u8; len as usize];
        io.read_exact(&mut payload).await?;
        if masked {
            for (i, b) in payload.iter_mut().enumerate() {
                *b ^= mask[i % 4];
            }
        }
        let frame = Frame {
            fin: h[0] & 0x80 != 0,
            rsv: (h[0] >> 4) & 7,
            opcode: h[0] & 0xf,
            masked,
            mask,
            payload,
        };
        if self.log_frames {
            self.log.lock().unwrap().frames.push(frame.clone());
        }
        Ok(frame)
    }

    /// Reads one whole message, answering pings.
    pub async fn read_msg(&mut self) -> std::io::Result<Msg> {
        let mut data = Vec::new();
        let mut first = None;
        loop {
            let f = self.read_frame().await?;
            match f.opcode {
                8 => return Ok(Msg::Close(f.payload)),
                9 => self.send(Op::Pong, &f.payload).await?,
                10 => {}
                op => {
                    if op != 0 {
                        first = Some(op);
                    }
                    data.extend_from_slice(&f.payload);
                    if f.fin {
                        return Ok(if first == Some(1) {
                            Msg::Text(data)
                        } else {
                            Msg::Binary(data)
                        });
                    }
                }
            }
        }
    }
}
