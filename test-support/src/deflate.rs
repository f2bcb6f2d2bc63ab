//! The test server's permessage-deflate (RFC 7692), written apart from isows' own: the
//! server's compressor for what it echoes, and its inflater for what the client compressed.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

use crate::frames::{encode, Conn, Op};

/// The RFC 7692 §7.2.1 tail of every sync-flushed message.
const TAIL: [u8; 4] = [0, 0, 0xff, 0xff];

/// The server's parameters, read from the extension header it answered.
struct Params {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: u8,
}

fn params(ext: &str) -> Params {
    let has = |p: &str| ext.split(';').any(|x| x.trim() == p);
    let bits = |p: &str| {
        ext.split(';')
            .find_map(|x| {
                x.trim()
                    .strip_prefix(p)?
                    .trim()
                    .strip_prefix('=')?
                    .trim()
                    .trim_matches('"')
                    .parse::<u8>()
                    .ok()
            })
            .unwrap_or(15)
    };
    Params {
        server_no_context_takeover: has("server_no_context_takeover"),
        client_no_context_takeover: has("client_no_context_takeover"),
        server_max_window_bits: bits("server_max_window_bits"),
    }
}

/// `data` deflated, sync-flushed, the tail removed (an empty message is one byte, `00`,
/// RFC 7692 §7.2.3.6).
pub fn compress(c: &mut Compress, data: &[u8]) -> Vec<u8> {
    if data.is_empty() {
        return vec![0];
    }
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    let start = c.total_in();
    loop {
        let done = (c.total_in() - start) as usize;
        c.compress_vec(&data[done..], &mut out, FlushCompress::Sync)
            .expect("deflate");
        if (c.total_in() - start) as usize == data.len() && out.len() < out.capacity() {
            break;
        }
        out.reserve(out.capacity().max(64));
    }
    assert!(out.ends_with(&TAIL));
    out.truncate(out.len() - 4);
    out
}

/// `data` (one message, the tail removed) inflated.
pub fn inflate(d: &mut Decompress, data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut input = data.to_vec();
    input.extend_from_slice(&TAIL);
    let mut out = Vec::with_capacity(data.len() * 4 + 64);
    let start = d.total_in();
    loop {
        let done = (d.total_in() - start) as usize;
        d.decompress_vec(&input[done..], &mut out, FlushDecompress::Sync)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        if (d.total_in() - start) as usize == input.len() && out.len() < out.capacity() {
            return Ok(out);
        }
        out.reserve(out.capacity().max(64));
    }
}

/// Echoes every message compressed (as `ext` says), in `frag` frames; answers pings and the
/// client's Close. With no extension (`ext` empty) it echoes as it received.
pub async fn echo(ws: &mut Conn, ext: &str, frag: usize) -> std::io::Result<()> {
    let plain = ext.is_empty();
    let p = params(ext);
    let window = p.server_max_window_bits.max(9);
    let mut compressor = Compress::new_with_window_bits(Compression::default(), false, window);
    let mut inflater = Decompress::new_with_window_bits(false, 15);
    let mut message: Option<(u8, bool, Vec<u8>)> = None;
    loop {
        let frame = ws.read_frame().await?;
        match frame.opcode {
            8 => return ws.reply_close(&frame.payload).await,
            9 => {
                ws.send(Op::Pong, &frame.payload).await?;
                continue;
            }
            10 => continue,
            0 => {
                if let Some((_, _, data)) = &mut message {
                    data.extend_from_slice(&frame.payload);
                }
            }
            op => message = Some((op, frame.rsv & 4 != 0, frame.payload)),
        }
        if !frame.fin {
            continue;
        }
        let Some((op, compressed, data)) = message.take() else {
            continue;
        };
        let data = match compressed {
            true => {
                let plain = inflate(&mut inflater, &data)?;
                if p.client_no_context_takeover {
                    inflater = Decompress::new_with_window_bits(false, 15);
                }
                plain
            }
            false => data,
        };
        if plain {
            ws.write_raw(&encode(true, 0, op, &data)).await?;
            continue;
        }
        if p.server_no_context_takeover {
            compressor = Compress::new_with_window_bits(Compression::default(), false, window);
        }
        let z = compress(&mut compressor, &data);
        let parts = frag.max(1);
        let size = z.len().div_ceil(parts).max(1);
        let chunks: Vec<&[u8]> = match z.is_empty() {
            true => vec![&z[..]],
            false => z.chunks(size).collect(),
        };
        let mut bytes = Vec::new();
        for (i, chunk) in chunks.iter().enumerate() {
            let (first, last) = (i == 0, i + 1 == chunks.len());
            let rsv = if first { 4 } else { 0 };
            let opcode = if first { op } else { 0 };
            bytes.extend(encode(last, rsv, opcode, chunk));
        }
        ws.write_raw(&bytes).await?;
    }
}

/// A decompression bomb: `zeros` zero bytes, compressed as one message at the best level.
pub fn bomb(zeros: usize) -> Vec<u8> {
    let mut c = Compress::new(Compression::best(), false);
    compress(&mut c, &vec![0u8; zeros])
}
