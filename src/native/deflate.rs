//! permessage-deflate's sending side: a message of [`THRESHOLD`] bytes or more leaves
//! compressed (raw deflate, the RFC 7692 §7.2.1 tail removed), as one frame with RSV1 set,
//! handed to tungstenite as a raw frame (it masks it as any other). Smaller messages leave as
//! they are: RFC 7692 lets a sender choose per message, and below ~1 KB compression costs
//! more time than it saves bytes (npm `ws` uses the same threshold).
//!
//! The compressor (zlib-rs's; ~270 KB at window 15) is made at the first compressed
//! message, with the window the server allowed (`client_max_window_bits`), and dropped after
//! each message when the server asked for `client_no_context_takeover`. zlib cannot deflate
//! with a window of 8 (it makes it 9, which a peer that asked for 8 may not inflate), so then
//! everything leaves uncompressed.

use flate2::{Compress, Compression, FlushCompress};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::extension::Negotiated;

/// Messages shorter than this leave uncompressed.
pub(crate) const THRESHOLD: usize = 1024;

pub(crate) struct Deflater {
    window_bits: u8,
    no_context_takeover: bool,
    compressor: Option<Box<Compress>>,
}

impl Deflater {
    /// The sending side of what was negotiated; `None` if nothing can be compressed.
    pub(crate) fn new(negotiated: &Negotiated) -> Option<Box<Deflater>> {
        (negotiated.client_max_window_bits >= 9).then(|| {
            Box::new(Deflater {
                window_bits: negotiated.client_max_window_bits,
                no_context_takeover: negotiated.client_no_context_takeover,
                compressor: None,
            })
        })
    }

    /// `message`, compressed into a raw frame if it is a data message worth it.
    pub(crate) fn message(&mut self, message: WsMessage) -> WsMessage {
        let (data, opcode) = match &message {
            WsMessage::Text(t) if t.len() >= THRESHOLD => (t.as_bytes(), Data::Text),
            WsMessage::Binary(b) if b.len() >= THRESHOLD => (&b[..], Data::Binary),
            _ => return message,
        };
        let bits = self.window_bits;
        let compressor = self.compressor.get_or_insert_with(|| {
            Box::new(Compress::new_with_window_bits(
                Compression::fast(),
                false,
                bits,
            ))
        });
        let compressed = compress(compressor, data);
        if self.no_context_takeover {
            self.compressor = None;
        }
        let mut frame = Frame::message(compressed, OpCode::Data(opcode), true);
        frame.header_mut().rsv1 = true;
        WsMessage::Frame(frame)
    }
}

/// `data` deflated and sync-flushed, without the trailing `00 00 ff ff`.
pub(crate) fn compress(compressor: &mut Compress, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    let start = compressor.total_in();
    loop {
        let done = (compressor.total_in() - start) as usize;
        // Only a stream error can fail here, and a fresh raw stream has none.
        if compressor
            .compress_vec(&data[done..], &mut out, FlushCompress::Sync)
            .is_err()
        {
            break;
        }
        let all_in = (compressor.total_in() - start) as usize == data.len();
        if all_in && out.len() < out.capacity() {
            break;
        }
        out.reserve(out.capacity().max(64));
    }
    if out.ends_with(&[0, 0, 0xff, 0xff]) {
        out.truncate(out.len() - 4);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Decompress, FlushDecompress};

    fn negotiated(bits: u8, no_takeover: bool) -> Negotiated {
        Negotiated {
            server_no_context_takeover: false,
            server_max_window_bits: 15,
            client_no_context_takeover: no_takeover,
            client_max_window_bits: bits,
        }
    }

    fn inflate(d: &mut Decompress, data: &[u8]) -> Vec<u8> {
        let mut input = data.to_vec();
        input.extend_from_slice(&[0, 0, 0xff, 0xff]);
        let mut out = Vec::with_capacity(1 << 20);
        d.decompress_vec(&input, &mut out, FlushDecompress::Sync)
            .unwrap();
        out
    }

    #[test]
    fn big_messages_leave_compressed_small_ones_as_they_are() {
        for bits in 9..=15 {
            for no_takeover in [false, true] {
                let mut d = Deflater::new(&negotiated(bits, no_takeover)).unwrap();
                let mut peer = Decompress::new_with_window_bits(false, bits);
                let small = WsMessage::text("x".repeat(THRESHOLD - 1));
                assert_eq!(d.message(small.clone()), small);
                let json = "{\"id\": 1, \"name\": \"isows\", \"tags\": [\"a\", \"b\"]}".repeat(200);
                for _ in 0..3 {
                    if no_takeover {
                        peer = Decompress::new_with_window_bits(false, bits);
                    }
                    let WsMessage::Frame(frame) = d.message(WsMessage::text(json.clone())) else {
                        panic!("not compressed")
                    };
                    assert!(frame.header().rsv1);
                    assert!(
                        frame.payload().len() < json.len() / 4,
                        "{}",
                        frame.payload().len()
                    );
                    assert_eq!(inflate(&mut peer, frame.payload()), json.as_bytes());
                }
                assert_eq!(d.compressor.is_none(), no_takeover);
            }
        }
    }

    #[test]
    fn a_window_of_8_sends_everything_plain() {
        assert!(Deflater::new(&negotiated(8, false)).is_none());
    }
}
