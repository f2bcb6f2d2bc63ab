//! A careless user: every method from every listener in every state, handles dropped inside
//! listeners, 100,000 listeners, churn from 8 threads, runtimes dropped at each point. Each
//! case checks the event contract and a time bound; none may panic, hang or lose the close.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use isows::{kind, BinaryType, Error, ListenerOptions, ReadyState, WebSocket};

use crate::support::*;

/// Calls every method of the socket from a listener; what may fail must fail with the
/// browser's error (a blocking wait there is always refused).
fn poke(ws: &WebSocket) {
    assert!(matches!(ws.wait_closed(), Err(Error::InvalidStateError(_))));
    assert!(matches!(ws.wait_opened(), Err(Error::InvalidStateError(_))));
    poke_outside(ws);
}

/// `poke` without the blocking waits.
fn poke_outside(ws: &WebSocket) {
    let state = ws.ready_state();
    let _ = (
        ws.url(),
        ws.buffered_amount(),
        ws.protocol(),
        ws.extensions(),
    );
    ws.set_binary_type(BinaryType::ArrayBuffer);
    assert_eq!(ws.binary_type(), BinaryType::ArrayBuffer);
    match ws.send("poke") {
        Ok(()) => assert_ne!(state, ReadyState::Connecting),
        Err(e) => assert!(matches!(e, Error::InvalidStateError(_)), "{e:?}"),
    }
    assert!(matches!(
        ws.close_with(1001, ""),
        Err(Error::InvalidAccessError(_))
    ));
    assert!(matches!(
        ws.close_with(4000, &"x".repeat(124)),
        Err(Error::SyntaxError(_))
    ));
    let id = ws.add_event_listener(kind::Message, |_| {});
    // Once the socket is closed, listeners added later are let go as soon as the dispatcher
    // is idle (no event will come; a listener holding a handle would otherwise leak it).
    assert!(ws.remove_event_listener(id) || ws.ready_state() == ReadyState::Closed);
    ws.add_event_listener_with_options(kind::Close, |_| {}, ListenerOptions { once: true });
    let _ = format!("{ws:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_method_from_every_listener() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (w, s) = (ws.clone(), seen.clone());
    ws.set_onopen(move |_| {
        poke(&w);
        s.lock().unwrap().push("open");
    });
    let (w, s) = (ws.clone(), seen.clone());
    ws.set_onmessage(move |_| {
        poke(&w);
        s.lock().unwrap().push("message");
        w.close(); // from a listener, with more sends already queued
        w.close();
    });
    let (w, s) = (ws.clone(), seen.clone());
    ws.set_onerror(move |_| {
        poke(&w);
        s.lock().unwrap().push("error");
    });
    let (w, s) = (ws.clone(), seen.clone());
    ws.set_onclose(move |_| {
        poke(&w);
        s.lock().unwrap().push("close");
    });
    let close = within(10, "close", ws.closed()).await;
    assert!(close.was_clean());
    assert_eq!(*seen.lock().unwrap(), ["open", "message", "close"]);
    // After the close, every method still answers.
    poke_outside(&ws);
}

#[tokio::test]
async fn every_method_while_connecting_and_after_a_failure() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/handshake_sleep_2?ms=100")).unwrap();
    let r = record(&ws);
    assert_eq!(ws.ready_state(), ReadyState::Connecting);
    assert!(matches!(ws.send("early"), Err(Error::InvalidStateError(_))));
    let w = ws.clone();
    ws.set_onerror(move |_| poke(&w));
    ws.close();
    let mut r = r;
    assert_eq!(
        within(10, "close", r.names_until_close()).await,
        ["error", "close"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_handle_dropped_inside_a_listener() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let holder = Arc::new(Mutex::new(Some(ws.clone())));
    let h = holder.clone();
    ws.set_onopen(move |_| {
        let ws = h.lock().unwrap().take().unwrap();
        ws.send("bye").unwrap();
        ws.close();
        drop(ws); // the listener drops the handle it held
    });
    ws.set_onclose(move |e| tx.send(e.code()).unwrap());
    drop(ws);
    assert_eq!(within(10, "close", rx.recv()).await, Some(1005));
}

#[tokio::test]
async fn a_hundred_thousand_listeners_are_added_and_removed_in_bounded_time() {
    let ws = WebSocket::new("ws://127.0.0.1:9/").unwrap();
    let n = 100_000;
    let start = Instant::now();
    let ids: Vec<_> = (0..n)
        .map(|_| ws.add_event_listener(kind::Message, |_| {}))
        .collect();
    // Remove from the front, the worst order for a list that shifts.
    for id in &ids {
        assert!(ws.remove_event_listener(*id));
    }
    for id in ids.iter().step_by(1000) {
        assert!(!ws.remove_event_listener(*id), "removed twice");
    }
    // A generous bound: quadratic removal took minutes here; linear takes well under one s.
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    ws.close();
}

/// 8 threads add and remove listeners and send while messages flow; a permanent listener
/// still sees every echo, in order, and the close comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn churn_from_eight_threads() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    ws.set_onmessage(move |e| {
        tx.send(e.data().as_text().unwrap_or_default().to_owned())
            .unwrap()
    });
    within(10, "open", ws.opened()).await.unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (ws, calls) = (ws.clone(), calls.clone());
            std::thread::spawn(move || {
                for i in 0..200 {
                    let c = calls.clone();
                    let id = ws.add_event_listener(kind::Message, move |_| {
                        c.fetch_add(1, Ordering::Relaxed);
                    });
                    ws.send(format!("{t}:{i}")).unwrap();
                    if i % 3 == 0 {
                        ws.set_onerror(|_| {});
                    }
                    assert!(ws.remove_event_listener(id));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut last = [-1i64; 8];
    for _ in 0..1600 {
        let text = within(10, "echo", rx.recv()).await.unwrap();
        let (t, i) = text.split_once(':').unwrap();
        let (t, i): (usize, i64) = (t.parse().unwrap(), i.parse().unwrap());
        assert_eq!(i, last[t] + 1, "thread {t}'s sends out of order");
        last[t] = i;
    }
    ws.close();
    assert!(within(10, "close", ws.closed()).await.was_clean());
}

/// The runtime dropped while CONNECTING, right after open, while closing, and inside a
/// listener's callback chain: every socket ends with error + close 1006, exactly once.
#[test]
fn a_runtime_dropped_at_each_point() {
    let server_rt = tokio::runtime::Runtime::new().unwrap();
    let server = server_rt.block_on(TestServer::start());
    for point in ["connecting", "open", "closing"] {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let path = if point == "connecting" {
            "/handshake_sleep_2?ms=3000"
        } else {
            "/echo"
        };
        let ws = {
            let _enter = rt.enter();
            WebSocket::new(&server.url(path)).unwrap()
        };
        let log = Arc::new(Mutex::new(Vec::new()));
        let l = log.clone();
        ws.set_onerror(move |e| l.lock().unwrap().push(format!("error {:?}", e.cause())));
        let l = log.clone();
        ws.set_onclose(move |e| l.lock().unwrap().push(format!("close {}", e.code())));
        if point != "connecting" {
            assert_eq!(ws.wait_opened(), Ok(Ok(())));
        }
        if point == "closing" {
            ws.send(vec![0u8; 1 << 20]).unwrap();
            ws.close();
        }
        drop(rt);
        let close = ws
            .wait_closed_timeout(Duration::from_secs(5))
            .unwrap()
            .unwrap_or_else(|| panic!("{point}: no close"));
        let log = log.lock().unwrap().clone();
        if point == "closing" && close.was_clean() {
            // The closing handshake may complete before the runtime goes.
            assert_eq!(log.len(), 1, "{point}: {log:?}");
        } else {
            assert_eq!(log, ["error Aborted", "close 1006"], "{point}");
        }
    }
}

/// 30,000 subprotocols are checked in linear time (a repeat at the end is still found).
#[tokio::test]
async fn thirty_thousand_protocols_are_checked() {
    let mut list: Vec<String> = (0..30_000).map(|i| format!("p{i}")).collect();
    let ws = WebSocket::with_protocols("ws://127.0.0.1:9/", &list).unwrap();
    ws.close();
    list.push("P17".into());
    let err = WebSocket::with_protocols("ws://127.0.0.1:9/", &list).unwrap_err();
    assert!(matches!(err, Error::SyntaxError(_)), "{err:?}");
    assert!(err.message().contains("'P17' is duplicated"), "{err}");
}
