//! The heartbeat (`ping_interval`, `pong_timeout`), natively, against tokio-tungstenite
//! servers on 127.0.0.1: a server that stops answering while its TCP stays open (the
//! half-open case) is failed within interval + timeout; one that answers keeps the socket open
//! for many intervals; one merely slow to answer one ping is not failed early; `ping()` and
//! `last_rtt()`. Every wait is bounded.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use isows::{ErrorCause, WebSocket};
use isows_test_support::peer::serve_one;
use tokio_tungstenite::tungstenite::Message as WsMessage;

const BOUND: Duration = Duration::from_secs(15);

/// Records the socket's error causes.
fn errors(ws: &WebSocket) -> Arc<Mutex<Vec<ErrorCause>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    ws.set_onerror(move |e| s.lock().unwrap().push(e.cause().clone()));
    seen
}

/// A socket with a heartbeat, opened (bounded), and its recorded error causes.
async fn open_with_heartbeat(
    url: &str,
    interval: Duration,
    timeout: Duration,
) -> (WebSocket, Arc<Mutex<Vec<ErrorCause>>>) {
    let ws = WebSocket::builder(url)
        .ping_interval(interval)
        .pong_timeout(timeout)
        .connect()
        .unwrap();
    let errors = errors(&ws);
    tokio::time::timeout(BOUND, ws.opened())
        .await
        .unwrap()
        .unwrap();
    (ws, errors)
}

/// A server that answers nothing once the handshake is done, and keeps TCP open: it reads
/// nothing more, so tungstenite never sends a pong (a peer that froze, or a path that broke).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_open_connection_is_failed_within_interval_and_timeout() {
    let (url, server) = serve_one(|ws| async move {
        tokio::time::sleep(BOUND).await;
        drop(ws);
    })
    .await;
    let (interval, timeout) = (Duration::from_millis(300), Duration::from_millis(400));
    let (ws, errors) = open_with_heartbeat(&url, interval, timeout).await;
    let opened = Instant::now();
    let close = tokio::time::timeout(BOUND, ws.closed()).await.unwrap();
    let took = opened.elapsed();
    println!("half-open detected after {took:?} (interval {interval:?} + timeout {timeout:?})");
    assert_eq!(*errors.lock().unwrap(), [ErrorCause::PongTimeout]);
    assert_eq!((close.code(), close.was_clean()), (1006, false));
    assert_eq!(close.cause(), Some(&ErrorCause::PongTimeout));
    assert!(
        took >= interval + timeout - Duration::from_millis(50),
        "{took:?}"
    );
    assert!(
        took < interval + timeout + Duration::from_secs(1),
        "{took:?}"
    );
    server.abort();
}

/// A server that reads (so tungstenite answers every ping) keeps the socket open for many
/// intervals, and the RTT is measured.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answering_server_keeps_the_socket_open() {
    let pings = Arc::new(Mutex::new(0usize));
    let counted = pings.clone();
    let (url, server) = serve_one(move |mut ws| async move {
        while let Some(Ok(m)) = ws.next().await {
            if m.is_ping() {
                *counted.lock().unwrap() += 1;
            }
        }
    })
    .await;
    let (ws, errors) =
        open_with_heartbeat(&url, Duration::from_millis(50), Duration::from_millis(200)).await;
    assert_eq!(ws.last_rtt(), None);
    let started = Instant::now();
    while *pings.lock().unwrap() < 20 {
        assert!(started.elapsed() < BOUND, "{} pings", pings.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(ws.ready_state(), WebSocket::OPEN);
    assert!(errors.lock().unwrap().is_empty());
    let rtt = ws.last_rtt().expect("a measured round trip");
    assert!(rtt < Duration::from_millis(200), "{rtt:?}");
    ws.close();
    let close = tokio::time::timeout(BOUND, ws.closed()).await.unwrap();
    assert!(close.was_clean(), "{close:?}");
    server.abort();
}

/// A server that answers its third ping late, though within the timeout: not failed; it is
/// failed neither while its pong is late nor after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_slow_to_answer_one_ping_is_not_failed_early() {
    let timeout = Duration::from_millis(600);
    let (url, server) = serve_one(move |mut ws| async move {
        let mut pings = 0;
        while let Some(Ok(m)) = ws.next().await {
            if m.is_ping() {
                pings += 1;
                if pings == 3 {
                    // tungstenite sends the pong at the next read: hold it for most of the
                    // timeout.
                    tokio::time::sleep(timeout * 2 / 3).await;
                }
            }
        }
    })
    .await;
    let (ws, errors) = open_with_heartbeat(&url, Duration::from_millis(100), timeout).await;
    // Well past the slow pong, and past its timeout had it been counted from the first ping.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        errors.lock().unwrap().is_empty(),
        "{:?}",
        errors.lock().unwrap()
    );
    assert_eq!(ws.ready_state(), WebSocket::OPEN);
    ws.close();
    tokio::time::timeout(BOUND, ws.closed()).await.unwrap();
    server.abort();
}

/// `ping(payload)` sends that ping now (the server sees it), its pong gives `last_rtt()`; a
/// payload over 125 bytes is a `SyntaxError`, a ping while CONNECTING an `InvalidStateError`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ping_by_hand() {
    let (seen_tx, seen_rx) = tokio::sync::oneshot::channel();
    let (url, server) = serve_one(move |mut ws| async move {
        let mut seen_tx = Some(seen_tx);
        while let Some(Ok(m)) = ws.next().await {
            if let WsMessage::Ping(payload) = m {
                if let Some(tx) = seen_tx.take() {
                    let _ = tx.send(payload);
                }
            }
        }
    })
    .await;
    let ws = WebSocket::new(&url).unwrap();
    assert_eq!(ws.ping(&b"x"[..]).unwrap_err().name(), "InvalidStateError");
    tokio::time::timeout(BOUND, ws.opened())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ws.ping(vec![0u8; 126]).unwrap_err().name(), "SyntaxError");
    ws.ping(&b"are you there"[..]).unwrap();
    let seen = tokio::time::timeout(BOUND, seen_rx).await.unwrap().unwrap();
    assert_eq!(&seen[..], b"are you there");
    let started = Instant::now();
    while ws.last_rtt().is_none() {
        assert!(started.elapsed() < BOUND, "no pong");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    ws.close();
    tokio::time::timeout(BOUND, ws.closed()).await.unwrap();
    server.abort();
}

/// A stream whose reader is at its mark stops reading TCP: the peer cannot be judged then, so
/// the heartbeat does not fail it, however long the reader sleeps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_stream_is_not_failed_by_its_heartbeat() {
    let (url, server) = serve_one(|mut ws| async move {
        use futures_util::SinkExt;
        for _ in 0..64 {
            if ws
                .send(WsMessage::Binary(vec![1u8; 64 << 10].into()))
                .await
                .is_err()
            {
                return;
            }
        }
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
    let ws = WebSocket::builder(&url)
        .ping_interval(Duration::from_millis(100))
        .pong_timeout(Duration::from_millis(200))
        .stream()
        .read_high_water_mark(64 << 10)
        .connect()
        .unwrap();
    let mut opened = tokio::time::timeout(BOUND, ws.opened())
        .await
        .unwrap()
        .unwrap();
    // The reader sleeps far longer than interval + timeout while the server's data waits.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut read = 0;
    while read < 64 {
        let m = tokio::time::timeout(BOUND, opened.reader.next())
            .await
            .unwrap();
        m.unwrap().unwrap();
        read += 1;
    }
    ws.close(isows::CloseInfo::default()).unwrap();
    assert!(tokio::time::timeout(BOUND, ws.closed())
        .await
        .unwrap()
        .is_ok());
    server.abort();
}
