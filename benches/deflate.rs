//! permessage-deflate's costs and gains (`cargo bench --bench deflate`; `-- --quick` for a
//! smoke run). Two parts:
//!
//! 1. Where the threshold belongs: per message size, the time zlib-rs (level 1, window 15,
//!    its context kept, as isows sends) takes to compress a JSON message, the bytes it saves,
//!    and the link speed below which that saving is worth the time.
//! 2. A W3-like run through the test server's `/deflate` echo (it compresses its echoes too):
//!    N JSON messages sent and echoed, isows with permessage-deflate against isows without it
//!    and raw tokio-tungstenite without it (the same server, no extension), in MB/s of
//!    message data and bytes the client put on the wire (the server's log of its frames).
//!
//! Both sides run in one process on a current-thread runtime: the figures compare the three
//! clients with each other on this machine, they are not a network measurement.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    threshold(quick);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(end_to_end(quick));
}

/// A JSON array of events of `bytes` bytes, its ids from `first`.
#[cfg(not(target_arch = "wasm32"))]
fn json_from(bytes: usize, first: usize) -> String {
    let mut s = String::from("[");
    let mut i = first;
    while s.len() < bytes {
        s.push_str(&format!(
            "{{\"id\":{i},\"user\":\"user{}\",\"event\":\"click\",\"x\":{},\"y\":{}}},",
            i % 17,
            i * 7 % 1000,
            i * 13 % 700
        ));
        i += 1;
    }
    s.truncate(bytes - 1);
    s.push(']');
    s
}

#[cfg(not(target_arch = "wasm32"))]
fn threshold(quick: bool) {
    use flate2::{Compress, Compression, FlushCompress};
    use std::time::Instant;
    println!("## Where the threshold belongs (zlib-rs level 1, window 15, context kept)\n");
    println!(
        "| message bytes | compressed bytes | saved | µs to compress | worth it below (Mbit/s) |"
    );
    println!("|---|---|---|---|---|");
    let rounds = if quick { 256 } else { 16_384 };
    for size in [64usize, 128, 256, 512, 1024, 2048, 4096, 16384] {
        // A stream of different messages (each one's ids go on from the last's), so the kept
        // context helps as much as it would in a real stream of events, not more.
        let messages: Vec<String> = (0..256).map(|k| json_from(size, k * 1000)).collect();
        let mut c = Compress::new_with_window_bits(Compression::fast(), false, 15);
        let mut out = Vec::with_capacity(size + 64);
        let mut compressed = 0;
        let start = Instant::now();
        for r in 0..rounds {
            out.clear();
            let message = &messages[r % messages.len()];
            let before = c.total_in();
            c.compress_vec(message.as_bytes(), &mut out, FlushCompress::Sync)
                .unwrap();
            assert_eq!((c.total_in() - before) as usize, size);
            compressed += out.len() - 4;
        }
        let micros = start.elapsed().as_secs_f64() * 1e6 / rounds as f64;
        let compressed = compressed / rounds;
        let saved = size as f64 - compressed as f64;
        // Sending `saved` bytes at L bit/s takes saved*8/L s: worth it while that exceeds
        // the compression time, i.e. L < saved*8 / time.
        let worth = saved * 8.0 / (micros / 1e6) / 1e6;
        println!("| {size} | {compressed} | {saved:.0} | {micros:.2} | {worth:.0} |");
    }
    println!();
}

/// A socket to the test server's `path`, with or without permessage-deflate, open, its
/// messages going to the receiver.
#[cfg(not(target_arch = "wasm32"))]
async fn echo_client(
    server: &isows_test_support::TestServer,
    path: &str,
    deflate: bool,
) -> (
    isows::WebSocket,
    tokio::sync::mpsc::UnboundedReceiver<isows::MessageData>,
) {
    let builder = isows::WebSocket::builder(&server.url(path));
    let builder = match deflate {
        true => builder,
        false => builder.permessage_deflate(None),
    };
    let ws = builder.connect().unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    ws.set_onmessage(move |e| {
        let _ = tx.send(e.data().clone());
    });
    ws.opened().await.unwrap();
    assert_eq!(ws.extensions().is_empty(), !deflate);
    (ws, rx)
}

#[cfg(not(target_arch = "wasm32"))]
async fn end_to_end(quick: bool) {
    use futures_util::{SinkExt, StreamExt};
    use isows::MessageData;
    use isows_test_support::TestServer;
    use std::time::Instant;

    let n = if quick { 50 } else { 2000 };
    let size = 4096;
    // Different messages, one stream of events: the context helps as it would.
    let messages: Vec<String> = (0..n).map(|k| json_from(size, k * 1000)).collect();
    let server = TestServer::start().await;
    println!("## W3-like: {n} JSON messages of {size} bytes, echoed by the test server\n");
    println!(
        "| client | MB/s (message data, both ways) | bytes the client sent | ÷ message data |"
    );
    println!("|---|---|---|---|");
    let row = |who: &str, secs: f64, path: &str| {
        let logs = server.logs();
        let log = logs.iter().rev().find(|l| l.path.contains(path)).unwrap();
        let wire: usize = log
            .frames
            .iter()
            .filter(|f| f.opcode < 8)
            .map(|f| f.payload.len() + 8)
            .sum();
        let mb = (2 * n * size) as f64 / secs / 1e6;
        let ratio = wire as f64 / (n * size) as f64;
        println!("| {who} | {mb:.1} | {wire} | {ratio:.3} |");
    };
    for (who, deflate) in [("isows, permessage-deflate", true), ("isows, none", false)] {
        let path = if deflate {
            "/deflate?w=1"
        } else {
            "/deflate?ext=&w=2"
        };
        let (ws, mut rx) = echo_client(&server, path, deflate).await;
        let start = Instant::now();
        for message in &messages {
            ws.send(message.as_str()).unwrap();
            let back = rx.recv().await.unwrap();
            assert_eq!(back, MessageData::Text(message.as_str().into()));
        }
        let secs = start.elapsed().as_secs_f64();
        ws.close();
        ws.closed().await;
        row(who, secs, path);
    }
    let (mut raw, _) = tokio_tungstenite::connect_async(server.url("/deflate?ext=&w=3"))
        .await
        .unwrap();
    let start = Instant::now();
    for message in &messages {
        raw.send(tokio_tungstenite::tungstenite::Message::text(
            message.clone(),
        ))
        .await
        .unwrap();
        let back = raw.next().await.unwrap().unwrap();
        assert_eq!(back.into_text().unwrap().as_str(), message);
    }
    let secs = start.elapsed().as_secs_f64();
    let _ = raw.close(None).await;
    row("raw tokio-tungstenite, none", secs, "w=3");
    println!();

    // W2-like: small messages (below the threshold: isows sends them plain; the server
    // still compresses its echoes, which isows inflates).
    let n = if quick { 200 } else { 20_000 };
    println!("## W2-like: {n} messages of 64 bytes, echoed\n");
    println!("| client | messages/s |");
    println!("|---|---|");
    for (who, deflate) in [("isows, permessage-deflate", true), ("isows, none", false)] {
        let path = if deflate {
            "/deflate?w=4"
        } else {
            "/deflate?ext=&w=5"
        };
        let (ws, mut rx) = echo_client(&server, path, deflate).await;
        let small = json_from(64, 0);
        let start = Instant::now();
        for _ in 0..n {
            ws.send(small.as_str()).unwrap();
            let back = rx.recv().await.unwrap();
            assert_eq!(back.len(), 64);
        }
        let per_second = n as f64 / start.elapsed().as_secs_f64();
        println!("| {who} | {per_second:.0} |");
        ws.close();
        ws.closed().await;
    }
    println!();
}
