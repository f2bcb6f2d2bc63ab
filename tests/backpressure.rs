//! `WebSocketStream`'s backpressure, natively (catalog WSS-22, WSS-23), with memory measured
//! by a counting allocator: a reader that reads one 1 MiB message per 10 ms out of 100 MB
//! keeps the client's memory to a few MB and makes the server wait; a server that stops
//! reading makes `send().await` wait with memory bounded; pings are still answered while the
//! reader sleeps under its high-water mark; messages the reader holds do not make every later
//! message cost allocations of its own. The tests of this binary run one at a time (they
//! share the allocator's count).
#![cfg(not(target_arch = "wasm32"))]

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use isows::{Bytes, CloseInfo, MessageData, WebSocket, WebSocketStream};
use isows_test_support::alloc::{allocations, peak_since, reset_peak, Counting};
use isows_test_support::peer::serve_one as server;
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time: they share the count.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const MIB: usize = 1 << 20;

/// WSS-22 and the 100 MB reader: the server sends 100 × 1 MiB as fast as TCP lets it; the
/// reader takes one message per 10 ms. The server must wait for the reader (its last send
/// ends at least ~0.5 s in), and the client's memory stays a few MB, not 100.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wss_22_a_slow_reader_slows_the_server_and_memory_stays_bounded() {
    let _serial = SERIAL.lock().await;
    let payload = Bytes::from(vec![7u8; MIB]);
    let sent = payload.clone();
    let (url, server) = server(move |mut ws| async move {
        let started = Instant::now();
        for _ in 0..100 {
            ws.send(WsMessage::Binary(sent.clone())).await.unwrap();
        }
        let elapsed = started.elapsed();
        let _ = ws.close(None).await;
        while let Some(Ok(_)) = ws.next().await {}
        elapsed
    })
    .await;
    let baseline = reset_peak();
    let ws = WebSocketStream::builder(WebSocket::builder(&url).max_message_size(Some(2 * MIB)))
        .read_high_water_mark(MIB)
        .connect()
        .unwrap();
    let mut opened = ws.opened().await.unwrap();
    let started = Instant::now();
    let mut count = 0;
    while let Some(message) = tokio::time::timeout(Duration::from_secs(20), opened.reader.next())
        .await
        .expect("a message or the end within 20 s")
    {
        match message.unwrap() {
            MessageData::Binary(b) => assert_eq!(b, payload),
            other => panic!("{other:?}"),
        }
        count += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let read_time = started.elapsed();
    let server_time = server.await.unwrap();
    let peak = peak_since(baseline);
    println!(
        "100 MiB to a slow reader: peak {:.1} MiB allocated, server sent for {server_time:?}, read for {read_time:?}",
        peak as f64 / MIB as f64
    );
    assert_eq!(count, 100);
    assert_eq!(
        ws.closed().await,
        Ok(CloseInfo {
            close_code: Some(1005),
            reason: String::new()
        })
    );
    // Without backpressure the server finishes at once and the client holds ~100 MiB.
    assert!(
        server_time >= Duration::from_millis(500),
        "the server was not slowed: {server_time:?}"
    );
    assert!(peak < 8 * MIB, "peak {peak} bytes");
}

/// WSS-23 and a peer that stops reading: the server reads nothing for 2 s; the writer's
/// `send().await` waits (32 × 1 MiB take at least ~1.8 s), and memory stays bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wss_23_a_server_that_stops_reading_makes_the_writer_wait() {
    let _serial = SERIAL.lock().await;
    let (url, server) = server(|mut ws| async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut bytes = 0;
        while let Some(Ok(m)) = ws.next().await {
            match m {
                WsMessage::Binary(b) => bytes += b.len(),
                WsMessage::Close(_) => break,
                _ => {}
            }
        }
        bytes
    })
    .await;
    let baseline = reset_peak();
    let ws = WebSocketStream::builder(WebSocket::builder(&url))
        .write_high_water_mark(MIB as u64)
        .connect()
        .unwrap();
    let mut opened = ws.opened().await.unwrap();
    let started = Instant::now();
    for _ in 0..32 {
        // A new buffer each time: without backpressure all 32 MiB would be held at once.
        opened.writer.send(vec![1u8; MIB].into()).await.unwrap();
    }
    let write_time = started.elapsed();
    ws.close(CloseInfo::default()).unwrap();
    let received = tokio::time::timeout(Duration::from_secs(20), server)
        .await
        .unwrap()
        .unwrap();
    let peak = peak_since(baseline);
    println!(
        "32 MiB to a server that reads nothing for 2 s: writes took {write_time:?}, peak {:.1} MiB allocated",
        peak as f64 / MIB as f64
    );
    assert_eq!(received, 32 * MIB);
    assert!(write_time >= Duration::from_millis(1800), "{write_time:?}");
    assert!(peak < 8 * MIB, "peak {peak} bytes");
}

/// While the reader sleeps but is under its high-water mark, isows keeps reading: a ping
/// sent after ten unread messages is answered.
#[tokio::test]
async fn pings_are_answered_while_the_reader_sleeps_under_its_mark() {
    let _serial = SERIAL.lock().await;
    let (url, server) = server(|mut ws| async move {
        for i in 0..10 {
            ws.send(WsMessage::Text(format!("m{i}").into()))
                .await
                .unwrap();
        }
        ws.send(WsMessage::Ping(Bytes::from_static(b"p")))
            .await
            .unwrap();
        loop {
            match ws.next().await {
                Some(Ok(WsMessage::Pong(p))) => return p,
                Some(Ok(_)) => {}
                other => panic!("{other:?}"),
            }
        }
    })
    .await;
    let ws = WebSocketStream::new(&url).unwrap();
    let opened = ws.opened().await.unwrap();
    let pong = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("a pong within 10 s")
        .unwrap();
    assert_eq!(pong, Bytes::from_static(b"p"));
    drop(opened);
}

/// Messages not yet read (in the stream's queue, or held by the reader) point into the read
/// buffer they arrived in, so it cannot be reused. The next one must still be a buffer of the
/// usual size: one allocation per few KiB received, not one or more per message (the degenerate
/// case when tungstenite's buffer starts from an empty `Vec`: each later message got a buffer
/// of its own exact size and a read of a few bytes).
#[tokio::test(flavor = "current_thread")]
async fn held_small_messages_do_not_cost_an_allocation_each() {
    let _serial = SERIAL.lock().await;
    const N: usize = 20_000;
    // Every frame encoded before the count starts; the server's write allocates nothing.
    let mut frames = Vec::with_capacity(N * 34);
    for i in 0..N {
        frames.extend(isows_test_support::frames::encode(
            true,
            0,
            1,
            format!("{i:032}").as_bytes(),
        ));
    }
    let (go, ready) = tokio::sync::oneshot::channel::<()>();
    let (url, server) = server(move |mut ws| async move {
        use tokio::io::AsyncWriteExt;
        ready.await.unwrap();
        ws.get_mut().write_all(&frames).await.unwrap();
        // Kept open until the client is done.
        let _ = ws.next().await;
    })
    .await;
    let ws = WebSocketStream::builder(WebSocket::builder(&url)).read_high_water_mark(8 * MIB);
    let ws = ws.connect().unwrap();
    let mut opened = ws.opened().await.unwrap();
    let mut held = Vec::with_capacity(N);
    let before = allocations();
    go.send(()).unwrap();
    let received = tokio::time::timeout(Duration::from_secs(20), async {
        while held.len() < N {
            held.push(opened.reader.next().await.unwrap().unwrap());
        }
    })
    .await;
    let allocations = allocations() - before;
    assert!(received.is_ok(), "only {} of {N} messages", held.len());
    eprintln!("{allocations} allocations for {N} messages held by the reader");
    assert_eq!(
        held[N - 1].as_text(),
        Some(format!("{:032}", N - 1).as_str())
    );
    // 20,000 × 34 B is ~170 buffers of 4 KiB; the degenerate case makes 2 or more per message.
    assert!(
        allocations < N / 10,
        "{allocations} allocations for {N} messages held by the reader"
    );
    ws.close(CloseInfo::default()).unwrap();
    drop(held);
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
}
