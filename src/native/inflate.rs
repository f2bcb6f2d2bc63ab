//! permessage-deflate's receiving side, as a layer below tungstenite (which rejects RSV1 and
//! has no extension hook): it reads the server's frames, inflates the payload of each frame
//! of a compressed message (RSV1 on its first frame), and hands tungstenite the same frames
//! uncompressed, RSV1 cleared. Everything else passes as it came, so tungstenite keeps every
//! check: RSV1 on a control or continuation frame, or on any frame when nothing was
//! negotiated, still fails the connection with 1002.
//!
//! Bounded inflation: a frame's inflated payload may not pass the frame limit, a message's
//! the message limit; the output grows only up to the limit, and past it tungstenite is shown
//! a frame header one byte over the limit, so it fails the connection (`MessageTooBig`, close
//! 1009) before more memory is taken. A decompression bomb costs at most the limit.
//!
//! Not negotiated, the layer is a pass-through (one branch per read). Negotiated, the inflater
//! (zlib-rs's, its window the size the server agreed to) exists only from the first
//! compressed message on, and is dropped after each message when the server takes no context
//! over.

use std::io::{self, Read, Write};

use flate2::{Decompress, FlushDecompress};

use super::extension::Negotiated;

/// What goes wrong in compressed data: the connection fails (close 1007).
#[derive(Debug)]
pub(crate) struct InflateError(pub(crate) String);

impl std::fmt::Display for InflateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid compressed data: {}", self.0)
    }
}

impl std::error::Error for InflateError {}

/// The reader below tungstenite (see the module's documentation).
pub(crate) struct Inflating<S> {
    inner: S,
    codec: Option<Box<Codec>>,
}

impl<S> Inflating<S> {
    /// A pass-through.
    pub(crate) fn plain(inner: S) -> Self {
        Inflating { inner, codec: None }
    }

    /// Inflates what `negotiated` allows; `received` are bytes already read after the
    /// handshake. Limits: `None` is none.
    pub(crate) fn new(
        inner: S,
        negotiated: Negotiated,
        received: Vec<u8>,
        max_frame: Option<usize>,
        max_message: Option<usize>,
    ) -> Self {
        let limit = |l: Option<usize>| l.unwrap_or(usize::MAX);
        Inflating {
            inner,
            codec: Some(Box::new(Codec {
                negotiated,
                max_frame: limit(max_frame),
                max_message: limit(max_message),
                input: received,
                output: Vec::new(),
                out_pos: 0,
                state: State::Header,
                compressed: false,
                inflater: None,
                frame_out: Vec::new(),
                message_len: 0,
            })),
        }
    }

    /// What the layer's buffers hold (for the fuzz target's memory bound).
    #[cfg(feature = "fuzzing")]
    pub(crate) fn held(&self) -> usize {
        self.codec.as_ref().map_or(0, |c| {
            c.input.capacity() + c.output.capacity() + c.frame_out.capacity()
        })
    }

    pub(crate) fn get_ref(&self) -> &S {
        &self.inner
    }

    pub(crate) fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }
}

struct Codec {
    negotiated: Negotiated,
    max_frame: usize,
    max_message: usize,
    /// Received bytes not parsed yet.
    input: Vec<u8>,
    /// Bytes for tungstenite, from `out_pos` on.
    output: Vec<u8>,
    out_pos: usize,
    state: State,
    /// Inside a compressed message (its continuation frames are compressed too).
    compressed: bool,
    inflater: Option<Box<Decompress>>,
    /// The current compressed frame's payload, inflated so far.
    frame_out: Vec<u8>,
    /// The current compressed message's inflated length before this frame.
    message_len: usize,
}

#[derive(Clone, Copy)]
enum State {
    /// At a frame header.
    Header,
    /// Passing `remaining` payload bytes as they are.
    Pass { remaining: u64 },
    /// Inflating `remaining` payload bytes of a frame whose first header byte is `first`.
    Inflate { remaining: u64, first: u8 },
    /// Past a limit: tungstenite was shown an oversized header and will fail.
    Over,
}

/// The RFC 7692 §7.2.2 tail that ends every compressed message's data.
const TAIL: [u8; 4] = [0, 0, 0xff, 0xff];

impl Codec {
    /// Parses what `input` holds into `output`. Returns when more input is needed.
    fn run(&mut self) -> io::Result<()> {
        let mut input = std::mem::take(&mut self.input);
        let used = self.parse(&input);
        input.drain(..*used.as_ref().unwrap_or(&0));
        self.input = input;
        used.map(drop)
    }

    /// [`run`](Self::run) over `input`: how many of its bytes were used.
    fn parse(&mut self, input: &[u8]) -> io::Result<usize> {
        let mut at = 0;
        loop {
            let rest = &input[at..];
            match self.state {
                State::Over => {
                    at = input.len();
                    break;
                }
                State::Header => {
                    // What is made waits to be read before more is made: the output holds at
                    // most 64 KiB plus one inflated frame, whatever one read brought.
                    if self.output.len() >= 64 << 10 {
                        break;
                    }
                    let Some(len) = header_len(rest) else { break };
                    let (first, payload) = (rest[0], payload_len(rest));
                    let opcode = first & 0x0f;
                    let rsv1 = first & 0x40 != 0;
                    let masked = rest[1] & 0x80 != 0;
                    let inflate = !masked
                        && match opcode {
                            1 | 2 => {
                                self.compressed = rsv1;
                                rsv1
                            }
                            0 => self.compressed && !rsv1,
                            _ => false,
                        };
                    if inflate {
                        self.state = State::Inflate {
                            remaining: payload,
                            first: first & !0x40,
                        };
                        self.frame_out.clear();
                    } else {
                        self.output.extend_from_slice(&rest[..len]);
                        self.state = State::Pass { remaining: payload };
                    }
                    at += len;
                }
                State::Pass { remaining } => {
                    if remaining == 0 {
                        self.state = State::Header;
                        continue;
                    }
                    if rest.is_empty() {
                        break;
                    }
                    let n = rest
                        .len()
                        .min(usize::try_from(remaining).unwrap_or(usize::MAX));
                    self.output.extend_from_slice(&rest[..n]);
                    at += n;
                    self.state = State::Pass {
                        remaining: remaining - n as u64,
                    };
                }
                State::Inflate { remaining, first } => {
                    let n = rest
                        .len()
                        .min(usize::try_from(remaining).unwrap_or(usize::MAX));
                    let chunk = &input[at..at + n];
                    at += n;
                    let remaining = remaining - n as u64;
                    let fin = first & 0x80 != 0;
                    let mut over = self.inflate(chunk)?;
                    if remaining == 0 && fin && !over {
                        over = self.inflate(&TAIL)?;
                    }
                    if over {
                        self.over();
                        continue;
                    }
                    if remaining > 0 {
                        self.state = State::Inflate { remaining, first };
                        if at == input.len() {
                            break;
                        }
                        continue;
                    }
                    self.emit(first);
                    if fin {
                        self.compressed = false;
                        self.message_len = 0;
                        if self.negotiated.server_no_context_takeover {
                            // A fresh window for the next message: the state goes (it is
                            // made again at the next compressed message).
                            self.inflater = None;
                        }
                    }
                    self.state = State::Header;
                }
            }
        }
        Ok(at)
    }

    /// Inflates `data` into `frame_out`; true once the frame or message limit is passed.
    fn inflate(&mut self, mut data: &[u8]) -> io::Result<bool> {
        let limit = self
            .max_frame
            .min(self.max_message.saturating_sub(self.message_len));
        // The window the server agreed to (zlib-based servers make 8 into 9: 9 inflates both).
        let bits = self.negotiated.server_max_window_bits.max(9);
        let inflater = self
            .inflater
            .get_or_insert_with(|| Box::new(Decompress::new_with_window_bits(false, bits)));
        loop {
            if self.frame_out.len() == self.frame_out.capacity() {
                if self.frame_out.len() > limit {
                    return Ok(true);
                }
                // Doubling (from 32 KiB), but never past the limit + 1: at the limit the
                // buffer holds at most 1.5 times it while it moves.
                let cap = self.frame_out.capacity();
                let target = cap
                    .saturating_mul(2)
                    .max(32 << 10)
                    .min(limit.saturating_add(1));
                self.frame_out
                    .reserve_exact(target.saturating_sub(cap).max(1));
            }
            let (before_in, before_out) = (inflater.total_in(), inflater.total_out());
            inflater
                .decompress_vec(data, &mut self.frame_out, FlushDecompress::Sync)
                .map_err(|e| {
                    io::Error::new(io::ErrorKind::InvalidData, InflateError(e.to_string()))
                })?;
            let used = (inflater.total_in() - before_in) as usize;
            let made = inflater.total_out() - before_out;
            data = &data[used..];
            if self.frame_out.len() > limit {
                return Ok(true);
            }
            let full = self.frame_out.len() == self.frame_out.capacity();
            if data.is_empty() && !full {
                return Ok(false);
            }
            if used == 0 && made == 0 && !full {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    InflateError("the inflater made no progress".into()),
                ));
            }
        }
    }

    /// The inflated frame, as tungstenite is to read it.
    fn emit(&mut self, first: u8) {
        let len = self.frame_out.len();
        self.message_len += len;
        push_header(&mut self.output, first, len as u64);
        self.output.extend_from_slice(&self.frame_out);
        self.frame_out = Vec::new();
    }

    /// A header one byte over the frame limit (or the message's, without one): tungstenite
    /// fails the connection at it. Nothing more is read or made.
    fn over(&mut self) {
        let bound = match self.max_frame {
            usize::MAX => self.max_message,
            frame => frame,
        };
        push_header(&mut self.output, 0x82, bound as u64 + 1);
        self.frame_out = Vec::new();
        self.inflater = None;
        self.state = State::Over;
    }
}

/// The length of the frame header at the start of `b`, once it is all there.
fn header_len(b: &[u8]) -> Option<usize> {
    let second = *b.get(1)?;
    let mut len = 2 + if second & 0x80 != 0 { 4 } else { 0 };
    len += match second & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    (b.len() >= len).then_some(len)
}

/// The payload length of a whole header.
fn payload_len(b: &[u8]) -> u64 {
    match b[1] & 0x7f {
        126 => u64::from(u16::from_be_bytes([b[2], b[3]])),
        127 => u64::from_be_bytes([b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9]]),
        n => u64::from(n),
    }
}

/// An unmasked frame header: `first` (FIN, RSV, opcode), then the length.
fn push_header(out: &mut Vec<u8>, first: u8, len: u64) {
    out.push(first);
    match len {
        0..=125 => out.push(len as u8),
        126..=0xffff => {
            out.push(126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(127);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
}

impl<S: Read> Read for Inflating<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(codec) = self.codec.as_deref_mut() else {
            return self.inner.read(buf);
        };
        loop {
            if codec.out_pos < codec.output.len() {
                let n = buf.len().min(codec.output.len() - codec.out_pos);
                buf[..n].copy_from_slice(&codec.output[codec.out_pos..codec.out_pos + n]);
                codec.out_pos += n;
                return Ok(n);
            }
            codec.output.clear();
            codec.out_pos = 0;
            // A plain payload with nothing buffered goes straight to tungstenite.
            if let (State::Pass { remaining }, true) = (codec.state, codec.input.is_empty()) {
                if remaining > 0 {
                    let max = buf
                        .len()
                        .min(usize::try_from(remaining).unwrap_or(usize::MAX));
                    let n = self.inner.read(&mut buf[..max])?;
                    codec.state = State::Pass {
                        remaining: remaining - n as u64,
                    };
                    return Ok(n);
                }
            }
            if !codec.input.is_empty() {
                let before = (codec.input.len(), codec.output.len());
                codec.run()?;
                if codec.output.len() > before.1 || codec.input.len() < before.0 {
                    continue;
                }
                if matches!(codec.state, State::Over) {
                    return Ok(0);
                }
            }
            let mut chunk = [0u8; 8 << 10];
            let n = self.inner.read(&mut chunk)?;
            if n == 0 {
                return Ok(0);
            }
            codec.input.extend_from_slice(&chunk[..n]);
            codec.run()?;
        }
    }
}

impl<S: Write> Write for Inflating<S> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.inner.write(data)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compress, Compression, FlushCompress};

    fn negotiated(no_takeover: bool) -> Negotiated {
        Negotiated {
            server_no_context_takeover: no_takeover,
            server_max_window_bits: 15,
            client_no_context_takeover: false,
            client_max_window_bits: 15,
        }
    }

    /// A server's compressor (raw deflate, sync flush, the tail removed).
    fn compress(c: &mut Compress, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() / 2 + 1024);
        let start = c.total_in();
        loop {
            let done = (c.total_in() - start) as usize;
            c.compress_vec(&data[done..], &mut out, FlushCompress::Sync)
                .unwrap();
            if (c.total_in() - start) as usize == data.len() && out.len() < out.capacity() {
                break;
            }
            out.reserve(out.capacity().max(1024));
        }
        assert!(out.ends_with(&TAIL));
        out.truncate(out.len() - 4);
        out
    }

    fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        push_header(&mut out, first, payload.len() as u64);
        out.extend_from_slice(payload);
        out
    }

    /// Reads everything through the layer, in reads of `step` bytes from a source that
    /// gives `chunk` bytes at a time.
    fn through(
        bytes: Vec<u8>,
        neg: Negotiated,
        chunk: usize,
        step: usize,
        max: Option<usize>,
    ) -> io::Result<Vec<u8>> {
        struct Trickle(Vec<u8>, usize, usize);
        impl Read for Trickle {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(self.2).min(self.0.len() - self.1);
                buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
                self.1 += n;
                Ok(n)
            }
        }
        let mut layer = Inflating::new(Trickle(bytes, 0, chunk), neg, Vec::new(), max, max);
        let mut out = Vec::new();
        let mut buf = vec![0u8; step];
        loop {
            let n = layer.read(&mut buf)?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn compressed_messages_come_out_as_plain_frames() {
        for no_takeover in [false, true] {
            let mut c = Compress::new(Compression::default(), false);
            let text = b"{\"hello\": \"world\", \"hello again\": \"world\"}".repeat(50);
            let mut wire = Vec::new();
            let mut want = Vec::new();
            for _ in 0..3 {
                if no_takeover {
                    c.reset();
                }
                wire.extend(frame(0xc1, &compress(&mut c, &text)));
                want.extend(frame(0x81, &text));
                // An uncompressed message between them, and a ping.
                wire.extend(frame(0x82, b"plain"));
                want.extend(frame(0x82, b"plain"));
                wire.extend(frame(0x89, b"p"));
                want.extend(frame(0x89, b"p"));
            }
            for (chunk, step) in [(1, 1), (3, 7), (8192, 4096), (100_000, 100_000)] {
                let got =
                    through(wire.clone(), negotiated(no_takeover), chunk, step, None).unwrap();
                assert_eq!(got, want, "chunk {chunk} step {step}");
            }
        }
    }

    #[test]
    fn a_fragmented_compressed_message() {
        let mut c = Compress::new(Compression::default(), false);
        let text = b"abcabcabcabc".repeat(1000);
        let data = compress(&mut c, &text);
        let (a, b) = data.split_at(data.len() / 2);
        let mut wire = frame(0x41, a); // text, RSV1, not FIN
        wire.extend(frame(0x80, b)); // continuation, FIN
        let got = through(wire, negotiated(false), 5, 33, None).unwrap();
        // Two plain frames whose payloads make the message.
        let mut payload = Vec::new();
        let mut rest = &got[..];
        let mut firsts = Vec::new();
        while !rest.is_empty() {
            let len = header_len(rest).unwrap();
            let n = payload_len(rest) as usize;
            firsts.push(rest[0]);
            payload.extend_from_slice(&rest[len..len + n]);
            rest = &rest[len + n..];
        }
        assert_eq!(firsts, [0x01, 0x80]);
        assert_eq!(payload, text);
    }

    #[test]
    fn rsv1_where_it_is_not_allowed_passes_to_tungstenite() {
        // On a control frame and on a continuation frame: passed as is (tungstenite fails).
        let wire = [frame(0xc9, b"x"), frame(0x01, b"a"), frame(0xc0, b"b")].concat();
        let got = through(wire.clone(), negotiated(false), 4, 4, None).unwrap();
        assert_eq!(got, wire);
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let mut c = Compress::new(Compression::best(), false);
        let zeros = vec![0u8; 8 << 20];
        let bomb = compress(&mut c, &zeros);
        assert!(bomb.len() < 16 << 10, "{}", bomb.len());
        let got = through(
            frame(0xc2, &bomb),
            negotiated(false),
            4096,
            4096,
            Some(1 << 20),
        )
        .unwrap();
        // One header claiming limit + 1 bytes, nothing else.
        assert_eq!(header_len(&got), Some(got.len()));
        assert_eq!(payload_len(&got), (1 << 20) + 1);
    }

    #[test]
    fn many_bombs_in_one_read_are_made_one_at_a_time() {
        let mut c = Compress::new(Compression::best(), false);
        let one = frame(0xc2, &compress(&mut c, &vec![0u8; 60 << 10]));
        let wire = one.repeat(100);
        assert!(wire.len() < 8 << 10, "{}", wire.len());
        struct Once(Vec<u8>, bool);
        impl Read for Once {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.1 {
                    return Ok(0);
                }
                self.1 = true;
                buf[..self.0.len()].copy_from_slice(&self.0);
                Ok(self.0.len())
            }
        }
        let mut layer = Inflating::new(
            Once(wire, false),
            negotiated(false),
            Vec::new(),
            Some(64 << 10),
            Some(64 << 10),
        );
        let mut buf = [0u8; 1];
        let mut total = 0;
        while layer.read(&mut buf).unwrap() == 1 {
            total += 1;
            let codec = layer.codec.as_ref().unwrap();
            assert!(
                codec.output.capacity() <= 3 * (64 << 10) + 64,
                "{}",
                codec.output.capacity()
            );
        }
        assert_eq!(total, 100 * ((60 << 10) + 4));
    }

    #[test]
    fn garbage_is_invalid_data() {
        let err = through(frame(0xc1, &[0xff; 64]), negotiated(false), 64, 64, None).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.get_ref().unwrap().is::<InflateError>());
    }
}
