//! `WebSocketStream` (and the listener path it shares a task with) used as a careless user and
//! a hostile server would: several tasks waiting on one stream, floods of every message size
//! both ways at a part that is never polled, signals aborted at every stage, parts dropped in
//! every order, marks at 0 and at the maximum, runtimes that go away. Each case has a time
//! bound and, where memory is at stake, a memory bound measured by a counting allocator (the
//! tests of this binary run one at a time: they share the count).
//!
//! The first four groups are the reproductions of the issue "every queue bounded, every waiter
//! woken"; each failed before its fix (the numbers are in the test's comment).
#![cfg(not(target_arch = "wasm32"))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use isows::{AbortHandle, CloseInfo, WebSocket, WebSocketStream};
use isows_test_support::alloc::{current, peak_since, reset_peak, Counting};
use isows_test_support::frames::encode;
use isows_test_support::peer::serve_one;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time: they share the allocator's count.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;
/// Every wait of this file is bounded by this.
const BOUND: Duration = Duration::from_secs(15);

async fn bounded<F: std::future::Future>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(BOUND, f)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {BOUND:?}"))
}

/// Waits (bounded) until `progress` stops moving for 300 ms: a writer or server that waits.
async fn until_stalled(what: &str, progress: impl Fn() -> usize) -> usize {
    let started = Instant::now();
    let mut last = progress();
    let mut still = 0;
    while still < 3 {
        assert!(
            started.elapsed() < BOUND,
            "{what}: still moving after {BOUND:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = progress();
        still = if now == last { still + 1 } else { 0 };
        last = now;
    }
    last
}

// ---- 1. every waiter is woken ----

/// Two readers of one stream (`opened()` twice) wait before anything arrives; the server sends
/// 10 messages, then Close 1000. Both readers end, and the 10 messages are read once between
/// them. Before the fix the inbox kept one reader's waker, and the other reader never returned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_readers_waiting_on_one_stream_both_end() {
    let _serial = SERIAL.lock().await;
    let (go, ready) = tokio::sync::oneshot::channel::<()>();
    let (url, server) = serve_one(move |mut ws| async move {
        ready.await.unwrap();
        for i in 0..10 {
            ws.send(WsMessage::Text(format!("m{i}").into()))
                .await
                .unwrap();
        }
        ws.close(None).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
    let ws = WebSocketStream::new(&url).unwrap();
    let readers: Vec<_> = [ws.opened().await.unwrap(), ws.opened().await.unwrap()]
        .into_iter()
        .map(|opened| {
            let mut reader = opened.reader;
            tokio::spawn(async move {
                let mut read = 0;
                while let Some(m) = reader.next().await {
                    m.unwrap();
                    read += 1;
                }
                read
            })
        })
        .collect();
    // Both readers wait before the server sends (each task runs to its first `next()`).
    tokio::task::yield_now().await;
    go.send(()).unwrap();
    let mut total = 0;
    for r in readers {
        total += bounded("a reader to end", r).await.unwrap();
    }
    assert_eq!(total, 10);
    // The server's Close had no code.
    assert_eq!(ws.closed().await.unwrap().close_code, Some(1005));
    bounded("the server", server).await.unwrap();
}

/// Two writers of one stream (`opened()` twice) feed a server that never reads until both
/// wait for room; the stream then fails (close with a 1 s close timeout the server cannot
/// answer). Both writers get the same error. Before the fix the writers' wait was one
/// `AtomicWaker`: one writer got the 1006 error, the other never returned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_waiting_for_room_both_end() {
    let _serial = SERIAL.lock().await;
    let (url, server) = serve_one(|ws| async move {
        // Never reads; holds the connection until the client goes.
        tokio::time::sleep(BOUND).await;
        drop(ws);
    })
    .await;
    let builder = WebSocket::builder(&url).close_timeout(Duration::from_secs(1));
    let ws = WebSocketStream::builder(builder)
        .write_high_water_mark(64 * KIB as u64)
        .connect()
        .unwrap();
    let fed = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = [ws.opened().await.unwrap(), ws.opened().await.unwrap()]
        .into_iter()
        .map(|opened| {
            let (mut writer, fed) = (opened.writer, fed.clone());
            tokio::spawn(async move {
                loop {
                    if let Err(e) = writer.feed(vec![0u8; 16 * KIB].into()).await {
                        return e;
                    }
                    fed.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    until_stalled("the writers", || fed.load(Ordering::SeqCst)).await;
    ws.close(CloseInfo::default()).unwrap();
    let mut errors = Vec::new();
    for w in writers {
        errors.push(bounded("a writer to end", w).await.unwrap());
    }
    assert_eq!(errors[0].close_code(), Some(1006), "{:?}", errors[0]);
    assert!(errors[0].is_same(&errors[1]), "{errors:?}");
    server.abort();
}

/// Many tasks await `opened()` and `closed()` of one stream at once: all of them end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_awaiting_opened_and_closed_all_end() {
    let _serial = SERIAL.lock().await;
    let (go, ready) = tokio::sync::oneshot::channel::<()>();
    let (url, server) = serve_one(move |mut ws| async move {
        ready.await.unwrap();
        ws.close(None).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
    let ws = Arc::new(WebSocketStream::new(&url).unwrap());
    let waiters: Vec<_> = (0..16)
        .map(|i| {
            let ws = ws.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    ws.opened().await.map(|_| ()).unwrap();
                }
                ws.closed().await.unwrap().close_code
            })
        })
        .collect();
    tokio::task::yield_now().await;
    go.send(()).unwrap();
    for w in waiters {
        assert_eq!(bounded("a waiter", w).await.unwrap(), Some(1005));
    }
    bounded("the server", server).await.unwrap();
}

// ---- 2. every queue is bounded, whatever the message size ----

/// A server floods binary messages of `size` bytes at a stream whose reader is never polled.
/// The read mark (1 MiB) holds: the server is stopped by TCP, and the client holds a few MiB.
/// Before the fix the inbox counted payload bytes only: 10 million empty messages took
/// +402 MiB and never stopped the server; 1-byte ones, ~1 million queued (+46 MiB).
async fn flood_at_a_reader_that_is_never_polled(size: usize, messages: usize) {
    let _serial = SERIAL.lock().await;
    // Encoded before the count starts (the server's own buffer is constant).
    let frame = encode(true, 0, 2, &vec![7u8; size]);
    let mut wire = Vec::with_capacity(frame.len() * messages);
    for _ in 0..messages {
        wire.extend_from_slice(&frame);
    }
    let wire = Arc::new(wire);
    let written = Arc::new(AtomicUsize::new(0));
    let (server_wire, server_written) = (wire.clone(), written.clone());
    let (url, server) = serve_one(move |mut ws| async move {
        let tcp = ws.get_mut();
        for chunk in server_wire.chunks(64 * KIB) {
            if tcp.write_all(chunk).await.is_err() {
                return;
            }
            server_written.fetch_add(chunk.len(), Ordering::SeqCst);
        }
    })
    .await;
    let baseline = reset_peak();
    let ws = WebSocketStream::builder(WebSocket::builder(&url))
        .read_high_water_mark(MIB)
        .connect()
        .unwrap();
    let opened = bounded("open", ws.opened()).await.unwrap();
    let sent = until_stalled("the flooding server", || written.load(Ordering::SeqCst)).await;
    let peak = peak_since(baseline);
    println!(
        "{messages} messages of {size} B at a reader never polled: server stopped after {:.1} of {:.1} MiB, client peak {:.1} MiB",
        sent as f64 / MIB as f64,
        wire.len() as f64 / MIB as f64,
        peak as f64 / MIB as f64
    );
    assert!(sent < wire.len(), "the server was never stopped");
    assert!(peak < 8 * MIB, "client peak {peak} bytes");
    drop(opened);
    ws.close(CloseInfo::default()).unwrap();
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_empty_messages_is_held_to_the_read_mark() {
    flood_at_a_reader_that_is_never_polled(0, 10_000_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_one_byte_messages_is_held_to_the_read_mark() {
    flood_at_a_reader_that_is_never_polled(1, 5_000_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_large_messages_is_held_to_the_read_mark() {
    flood_at_a_reader_that_is_never_polled(256 * KIB, 200).await;
}

/// A writer feeds messages of `size` bytes to a server that never reads. It must come to wait
/// at its mark (1 MiB) with the client's memory bounded. Before the fix empty messages never
/// made it wait (`bufferedAmount` stays 0): 5 million were queued, +167 MiB.
async fn flood_from_a_writer_to_a_server_that_never_reads(size: usize, limit: usize) {
    let _serial = SERIAL.lock().await;
    let (url, server) = serve_one(|ws| async move {
        tokio::time::sleep(BOUND).await;
        drop(ws);
    })
    .await;
    let baseline = reset_peak();
    let ws = WebSocketStream::builder(WebSocket::builder(&url))
        .write_high_water_mark(MIB as u64)
        .connect()
        .unwrap();
    let mut opened = bounded("open", ws.opened()).await.unwrap();
    let payload = isows::Bytes::from(vec![1u8; size]);
    let started = Instant::now();
    let mut fed = 0;
    let waited = loop {
        assert!(fed < limit, "{fed} messages fed without waiting");
        assert!(started.elapsed() < BOUND, "{fed} messages fed in {BOUND:?}");
        let feed = opened.writer.feed(isows::Message::Binary(payload.clone()));
        match tokio::time::timeout(Duration::from_millis(500), feed).await {
            Ok(r) => r.unwrap(),
            Err(_) => break true,
        }
        fed += 1;
    };
    let peak = peak_since(baseline);
    println!(
        "messages of {size} B to a server that never reads: the writer waited after {fed}, bufferedAmount {}, client peak {:.1} MiB",
        opened.writer.buffered_amount(),
        peak as f64 / MIB as f64
    );
    assert!(waited);
    assert!(peak < 16 * MIB, "client peak {peak} bytes");
    ws.close(CloseInfo::default()).unwrap();
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_empty_writes_waits_at_the_write_mark() {
    flood_from_a_writer_to_a_server_that_never_reads(0, 5_000_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_one_byte_writes_waits_at_the_write_mark() {
    flood_from_a_writer_to_a_server_that_never_reads(1, 5_000_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_large_writes_waits_at_the_write_mark() {
    flood_from_a_writer_to_a_server_that_never_reads(256 * KIB, 1_000).await;
}

/// The listener path: an `open` listener added late (from another thread) runs the held `open`
/// event on that thread and takes 3 s; meanwhile the server floods 64 × 1 MiB.
/// The connection task must stop reading while that thread has the turn, as it does when the
/// slow listener runs on the runtime's thread. Before the fix it read and queued everything
/// (peak 1,026 MiB for a 488 MiB flood).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_listener_on_another_thread_stops_the_reading() {
    let _serial = SERIAL.lock().await;
    const MESSAGES: usize = 64;
    let (go, ready) = tokio::sync::oneshot::channel::<()>();
    let payload = isows::Bytes::from(vec![9u8; MIB]);
    let (url, server) = serve_one(move |mut ws| async move {
        ready.await.unwrap();
        for _ in 0..MESSAGES {
            if ws.send(WsMessage::Binary(payload.clone())).await.is_err() {
                return;
            }
        }
        let _ = ws.next().await;
    })
    .await;
    let baseline = reset_peak();
    let ws = WebSocket::builder(&url)
        .max_message_size(Some(2 * MIB))
        .connect()
        .unwrap();
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    ws.set_onmessage(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    // `opened()` resolves once `open` happened, held for a listener that does not exist yet.
    bounded("open", ws.opened()).await.unwrap();
    go.send(()).unwrap();
    let late = {
        let ws = ws.clone();
        std::thread::spawn(move || {
            // Registering delivers the held `open` here, on this thread.
            ws.set_onopen(|_| std::thread::sleep(Duration::from_secs(3)));
        })
    };
    tokio::task::spawn_blocking(move || late.join().unwrap())
        .await
        .unwrap();
    let peak = peak_since(baseline);
    let started = Instant::now();
    while received.load(Ordering::SeqCst) < MESSAGES {
        assert!(started.elapsed() < BOUND, "{received:?} of {MESSAGES}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "64 MiB flood while a late listener sleeps 3 s on another thread: peak {:.1} MiB",
        peak as f64 / MIB as f64
    );
    assert!(peak < 16 * MIB, "peak {peak} bytes");
    ws.close();
    bounded("close", ws.closed()).await;
    server.abort();
}

// ---- 3. an aborted signal makes no request ----

/// A listener that counts connections; gives its URL.
async fn counting_listener() -> (String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            held.push(tcp);
        }
    });
    (url, count, task)
}

/// `AbortHandle::new(); abort(); builder.signal(a).connect()`, 50 times on a two-worker
/// runtime: every stream gives one `AbortError` from `opened` and `closed`, and the server
/// sees no connection at all. Before the fix the task was spawned before the signal was looked
/// at: 23–31 of 50 connected, 4–13 sent a whole upgrade request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aborted_signal_makes_no_request() {
    let _serial = SERIAL.lock().await;
    let (url, connections, server) = counting_listener().await;
    for _ in 0..50 {
        let abort = AbortHandle::new();
        abort.abort();
        let ws = WebSocketStream::builder(WebSocket::builder(&url))
            .signal(abort)
            .connect()
            .unwrap();
        let opened = bounded("opened", ws.opened()).await.unwrap_err();
        let closed = bounded("closed", ws.closed()).await.unwrap_err();
        assert_eq!(opened.name(), "AbortError");
        assert!(opened.is_same(&closed));
    }
    // Bounds the absence of a late connection.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(connections.load(Ordering::SeqCst), 0);
    server.abort();
}

/// An abort while the handshake waits for a server that accepted TCP and never answers: both
/// futures reject with one `AbortError` at once (not after the handshake timeout); an abort
/// after open does nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborts_while_connecting_and_after_open() {
    let _serial = SERIAL.lock().await;
    let (silent, connections, server) = counting_listener().await;
    let abort = AbortHandle::new();
    let ws = WebSocketStream::builder(WebSocket::builder(&silent))
        .signal(abort.clone())
        .connect()
        .unwrap();
    let started = Instant::now();
    while connections.load(Ordering::SeqCst) == 0 {
        assert!(started.elapsed() < BOUND, "no connection");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    abort.abort();
    let opened = bounded("opened", ws.opened()).await.unwrap_err();
    assert_eq!(opened.name(), "AbortError");
    assert!(opened.is_same(&ws.closed().await.unwrap_err()));
    assert!(started.elapsed() < Duration::from_secs(5));
    server.abort();

    let (url, echo) = echo_one().await;
    let abort = AbortHandle::new();
    let ws = WebSocketStream::builder(WebSocket::builder(&url))
        .signal(abort.clone())
        .connect()
        .unwrap();
    let mut opened = bounded("opened", ws.opened()).await.unwrap();
    abort.abort();
    opened.writer.send("still open".into()).await.unwrap();
    let echoed = bounded("echo", opened.reader.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(echoed.as_text(), Some("still open"));
    ws.close(CloseInfo::default()).unwrap();
    assert_eq!(
        bounded("closed", ws.closed()).await.unwrap().close_code,
        Some(1005)
    );
    assert_eq!(
        bounded("the echo server", echo).await.unwrap(),
        "close frame"
    );
}

// ---- 4. parts dropped in every order, marks at their extremes, runtimes that go away ----

/// An echo server for one connection that reports how the connection ended.
async fn echo_one() -> (String, tokio::task::JoinHandle<&'static str>) {
    serve_one(|mut ws| async move {
        loop {
            match ws.next().await {
                Some(Ok(WsMessage::Close(_))) => {
                    // Reading on sends tungstenite's reply and ends with the connection.
                    while let Some(Ok(_)) = ws.next().await {}
                    return "close frame";
                }
                Some(Ok(m)) => {
                    let _ = ws.send(m).await;
                }
                Some(Err(_)) | None => return "tcp end",
            }
        }
    })
    .await
}

/// The stream, a reader and a writer, dropped in each of the six orders: once all are gone
/// the socket closes (the server sees a Close frame), within the bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parts_dropped_in_every_order_close_the_socket() {
    let _serial = SERIAL.lock().await;
    let orders = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    for order in orders {
        let (url, server) = echo_one().await;
        let ws = WebSocketStream::new(&url).unwrap();
        let opened = bounded("opened", ws.opened()).await.unwrap();
        let mut parts: [Option<Box<dyn std::any::Any + Send>>; 3] = [
            Some(Box::new(ws)),
            Some(Box::new(opened.reader)),
            Some(Box::new(opened.writer)),
        ];
        for i in order {
            drop(parts[i].take());
        }
        let end = bounded("the server to see the end", server).await.unwrap();
        assert_eq!(end, "close frame", "order {order:?}");
    }
}

/// Read and write marks of 0 and of the maximum: messages still flow both ways (a read mark
/// of 0 keeps one message at a time; a write mark of 0 waits for each flush), nothing
/// overflows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marks_at_zero_and_at_the_maximum() {
    let _serial = SERIAL.lock().await;
    for (read, write) in [
        (0, 0),
        (usize::MAX, u64::MAX),
        (0, u64::MAX),
        (usize::MAX, 0),
    ] {
        let (url, server) = echo_one().await;
        let ws = WebSocketStream::builder(WebSocket::builder(&url))
            .read_high_water_mark(read)
            .write_high_water_mark(write)
            .connect()
            .unwrap();
        let mut opened = bounded("opened", ws.opened()).await.unwrap();
        for i in 0..50 {
            opened.writer.feed(format!("m{i}").into()).await.unwrap();
        }
        bounded("flush", opened.writer.flush()).await.unwrap();
        for i in 0..50 {
            let m = bounded("echo", opened.reader.next())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                m.as_text(),
                Some(format!("m{i}").as_str()),
                "marks {read} {write}"
            );
        }
        ws.close(CloseInfo::default()).unwrap();
        assert!(bounded("closed", ws.closed()).await.is_ok());
        assert_eq!(bounded("the server", server).await.unwrap(), "close frame");
    }
}

/// A stream made in a runtime that is then shut down, while connecting and while open: its
/// futures and parts end with errors, within the bound, when awaited from another runtime.
#[test]
fn runtimes_dropped_while_connecting_and_open() {
    let outer = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let _serial = outer.block_on(SERIAL.lock());
    let (silent, _connections, silent_server) = outer.block_on(counting_listener());
    let (url, echo) = outer.block_on(echo_one());
    for open_first in [false, true] {
        let inner = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let target = if open_first { &url } else { &silent };
        let (ws, opened) = inner.block_on(async {
            let ws = WebSocketStream::new(target).unwrap();
            let opened = if open_first {
                Some(bounded("opened", ws.opened()).await.unwrap())
            } else {
                None
            };
            (ws, opened)
        });
        drop(inner);
        outer.block_on(async {
            let closed = bounded("closed", ws.closed()).await.unwrap_err();
            assert_eq!(closed.close_code(), Some(1006));
            if let Some(mut opened) = opened {
                let read = bounded("the reader", opened.reader.next()).await;
                assert!(matches!(read, Some(Err(_)) | None), "{read:?}");
                let write = bounded("the writer", opened.writer.send("x".into())).await;
                assert!(write.is_err());
            } else {
                assert!(bounded("opened", ws.opened()).await.is_err());
            }
        });
    }
    outer.block_on(async {
        let _ = bounded("the echo server", echo).await;
    });
    silent_server.abort();
    // Nothing of the dead sockets is left behind for long.
    let before = current();
    assert!(before < 64 * MIB, "{before} bytes still allocated");
}

/// Blocking waits on a current-thread runtime: refused (`InvalidStateError`, at once) on the
/// runtime's thread, where they could never return, in `block_on` and in a task; allowed in
/// its blocking pool (`spawn_blocking`), which is what that pool is for. Before, the pool was
/// refused too.
#[test]
fn blocking_waits_on_a_current_thread_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let _serial = SERIAL.lock().await;
        let (url, server) = echo_one().await;
        let ws = WebSocket::new(&url).unwrap();
        assert_eq!(ws.wait_opened().unwrap_err().name(), "InvalidStateError");
        let in_task = ws.clone();
        let refused = tokio::spawn(async move { in_task.wait_opened().map_err(|e| e.name()) });
        assert_eq!(refused.await.unwrap(), Err("InvalidStateError"));
        let in_pool = ws.clone();
        let waited = tokio::task::spawn_blocking(move || in_pool.wait_opened());
        assert_eq!(bounded("wait_opened", waited).await.unwrap(), Ok(Ok(())));
        ws.close();
        let closed = ws.clone();
        let waited = tokio::task::spawn_blocking(move || closed.wait_closed().map(|e| e.code()));
        assert_eq!(bounded("wait_closed", waited).await.unwrap(), Ok(1005));
        assert_eq!(bounded("the server", server).await.unwrap(), "close frame");
    });
}

/// Several threads blocked in `wait_closed()` on one socket (and one in `wait_opened()`): the
/// close wakes every one of them, within the bound.
#[test]
fn every_blocked_thread_is_woken() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let _serial = runtime.block_on(SERIAL.lock());
    let (url, server) = runtime.block_on(echo_one());
    let ws = WebSocket::new(&url).unwrap();
    let waiters: Vec<_> = (0..4)
        .map(|i| {
            let ws = ws.clone();
            std::thread::spawn(move || {
                if i == 0 {
                    assert!(ws.wait_opened().unwrap().is_ok());
                }
                ws.wait_closed().unwrap().code()
            })
        })
        .collect();
    assert!(ws.wait_opened().unwrap().is_ok());
    ws.close();
    let started = Instant::now();
    for w in waiters {
        while !w.is_finished() {
            assert!(started.elapsed() < BOUND, "a blocked thread was not woken");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(w.join().unwrap(), 1005);
    }
    assert_eq!(
        runtime.block_on(async { bounded("the server", server).await.unwrap() }),
        "close frame"
    );
}
