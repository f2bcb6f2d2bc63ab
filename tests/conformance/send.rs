//! Catalog section 5: send() and bufferedAmount (S).

use std::sync::{Arc, Mutex};

use isows::{Error, Message, MessageData, ReadyState, WebSocket};

use crate::support::recorder::{close_of, names};
use crate::support::*;

/// Opens a socket to `/echo`, runs `on_open` inside the open listener (the dispatcher does
/// not let the connection task flush in between), and records everything.
async fn echo_with(
    server: &TestServer,
    on_open: impl FnOnce(&WebSocket) + Send + 'static,
) -> (WebSocket, Recorder) {
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let w = ws.clone();
    let mut on_open = Some(on_open);
    ws.set_onopen(move |_| (on_open.take().unwrap())(&w));
    let rec = record(&ws);
    (ws, rec)
}

/// Sends `message` from the open listener; returns `bufferedAmount` read right after the
/// call, and the echo.
async fn echo_one(server: &TestServer, message: Message) -> (WebSocket, Recorder, u64, Ev) {
    let amount = Arc::new(Mutex::new(None));
    let a = amount.clone();
    let (ws, mut rec) = echo_with(server, move |ws| {
        ws.send(message).unwrap();
        *a.lock().unwrap() = Some(ws.buffered_amount());
    })
    .await;
    assert!(matches!(rec.next().await, Ev::Open { .. }));
    let echo = rec.next().await;
    let amount = amount.lock().unwrap().expect("the open listener ran");
    (ws, rec, amount, echo)
}

fn text(s: &str) -> Ev {
    Ev::Message {
        data: MessageData::Text(s.into()),
        state: ReadyState::Open,
    }
}

#[tokio::test]
async fn s_01_send_while_connecting_is_invalid_state() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/handshake_sleep_2?ms=200")).unwrap();
    let err = ws.send("Message to send").unwrap_err();
    assert!(matches!(err, Error::InvalidStateError(_)), "{err}");
    assert!(err.message().contains("CONNECTING"));
    assert_eq!(ws.buffered_amount(), 0);
    within(10, "open", ws.opened()).await.unwrap();
    ws.close();
    within(10, "close", ws.closed()).await;
    let log = server.wait_for_frame(|f| f.is_close()).await;
    assert_eq!(
        log.frames.len(),
        1,
        "only the Close frame may be on the wire: {:?}",
        log.frames
    );
}

#[tokio::test]
async fn s_02_connecting_check_comes_first() {
    let ws = WebSocket::new("ws://127.0.0.1:8/").unwrap();
    let units: Vec<u16> = "a\u{FFFD}x".encode_utf16().collect();
    assert!(matches!(
        ws.send(Message::from_utf16(&units)),
        Err(Error::InvalidStateError(_))
    ));
}

#[tokio::test]
async fn s_03_text_echo_and_buffered_amount() {
    let server = TestServer::start().await;
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    let (ws, mut rec) = echo_with(&server, move |ws| {
        let r: () = ws.send("Message to send").unwrap();
        *s.lock().unwrap() = Some((r, ws.buffered_amount()));
    })
    .await;
    assert!(matches!(rec.next().await, Ev::Open { .. }));
    assert_eq!(rec.next().await, text("Message to send"));
    assert_eq!(*seen.lock().unwrap(), Some(((), 15)));
    ws.close();
    assert!(close_of(&rec.until_close().await).2);
}

#[tokio::test]
async fn s_04_empty_text_message() {
    let server = TestServer::start().await;
    let (ws, mut rec, amount, echo) = echo_one(&server, "".into()).await;
    assert_eq!((amount, echo), (0, text("")));
    ws.close();
    rec.until_close().await;
    let ws = WebSocket::new(&server.url("/empty-message")).unwrap();
    let w = ws.clone();
    ws.set_onopen(move |_| w.send("").unwrap());
    let mut rec = record(&ws);
    rec.next().await;
    assert_eq!(rec.next().await, text("pass"));
}

#[tokio::test]
async fn s_05_65000_character_string() {
    let server = TestServer::start().await;
    let big = "x".repeat(65000);
    let (_ws, _rec, amount, echo) = echo_one(&server, big.clone().into()).await;
    assert_eq!((amount, echo), (65000, text(&big)));
}

#[tokio::test]
async fn s_06_payload_length_boundaries() {
    let server = TestServer::start().await;
    let sizes = [125usize, 126, 65535, 65536];
    let (_ws, mut rec) = echo_with(&server, move |ws| {
        for n in sizes {
            ws.send("a".repeat(n)).unwrap();
        }
    })
    .await;
    rec.next().await;
    for n in sizes {
        assert_eq!(rec.next().await, text(&"a".repeat(n)), "{n}");
    }
}

#[tokio::test]
async fn s_07_buffered_amount_counts_utf8_bytes() {
    let server = TestServer::start().await;
    let (_ws, _rec, amount, echo) = echo_one(&server, "¥¥¥¥¥¥".into()).await;
    assert_eq!((amount, echo), (12, text("¥¥¥¥¥¥")));
}

#[tokio::test]
async fn s_08_paired_surrogates() {
    let server = TestServer::start().await;
    let (_ws, _rec, amount, echo) = echo_one(&server, Message::from_utf16(&[0xD801, 0xDC07])).await;
    assert_eq!((amount, echo), (4, text("\u{10407}")));
}

#[tokio::test]
async fn s_09_unpaired_surrogates_become_replacement_characters() {
    let server = TestServer::start().await;
    let (_ws, mut rec) = echo_with(&server, |ws| {
        ws.send(Message::from_utf16(&[0xD807])).unwrap();
        let units: Vec<u16> = vec![
            0x61, 0xDC00, 0x78, 0x62, 0xD800, 0x78, 0x63, 0xDC00, 0xD800, 0x78,
        ];
        ws.send(Message::from_utf16(&units)).unwrap();
    })
    .await;
    rec.next().await;
    assert_eq!(rec.next().await, text("\u{FFFD}"));
    assert_eq!(
        rec.next().await,
        text("a\u{FFFD}xb\u{FFFD}xc\u{FFFD}\u{FFFD}x")
    );
}

#[tokio::test]
async fn s_10_buffered_amount_adds_up_and_drains() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (w, t) = (ws.clone(), tx.clone());
    ws.set_onopen(move |_| {
        let mut amounts = Vec::new();
        for s in ["x", "\u{00E5}", "\u{5336}", "\u{1047E}"] {
            w.send(s).unwrap();
            amounts.push(w.buffered_amount());
        }
        t.send(amounts).unwrap();
    });
    let w = ws.clone();
    ws.set_onmessage(move |_| tx.send(vec![w.buffered_amount()]).unwrap());
    assert_eq!(within(10, "open", rx.recv()).await.unwrap(), [1, 3, 6, 10]);
    let limits = [10, 8, 5];
    for (i, limit) in limits.iter().enumerate() {
        let amount = within(10, "echo", rx.recv()).await.unwrap()[0];
        assert!(amount < *limit, "after echo {}: {amount}", i + 1);
    }
    assert_eq!(within(10, "echo 4", rx.recv()).await.unwrap()[0], 0);
}

#[tokio::test]
async fn s_11_no_unicode_normalization() {
    let server = TestServer::start().await;
    let s = "\u{00E5} a\u{030A} \u{1047E}";
    let (_ws, mut rec) = echo_with(&server, move |ws| ws.send(s).unwrap()).await;
    rec.next().await;
    assert_eq!(rec.next().await, text(s));
}

#[tokio::test]
async fn s_12_send_after_close_in_the_same_callback() {
    let server = TestServer::start().await;
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    let (ws, mut rec) = echo_with(&server, move |ws| {
        ws.close();
        let before = ws.buffered_amount();
        let r = ws.send("test");
        *s.lock().unwrap() = Some((r, before, ws.buffered_amount()));
    })
    .await;
    let names: Vec<_> = rec.until_close().await.iter().map(Ev::name).collect();
    assert_eq!(names, ["open", "close"]);
    assert_eq!(*seen.lock().unwrap(), Some((Ok(()), 0, 4)));
    assert_eq!(ws.buffered_amount(), 4, "discarded data stays counted");
    let log = server.wait_for_frame(|f| f.is_close()).await;
    assert!(
        log.frames.iter().all(|f| f.opcode != 1),
        "the text was sent: {:?}",
        log.frames
    );
}

#[tokio::test]
async fn s_13_send_after_the_close_event() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let w = ws.clone();
    ws.set_onopen(move |_| w.close());
    let w = ws.clone();
    ws.set_onclose(move |_| {
        let r = w.send("test");
        tx.send((r, w.buffered_amount())).unwrap();
    });
    assert_eq!(within(10, "close", rx.recv()).await, Some((Ok(()), 4)));
    assert_eq!(ws.send("more"), Ok(()));
    assert_eq!(ws.buffered_amount(), 8, "never resets to 0");
}

#[tokio::test]
async fn s_15_many_64k_messages_with_a_slow_reader() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/receive-many-with-backpressure?ms=10")).unwrap();
    let w = ws.clone();
    ws.set_onopen(move |_| {
        for _ in 0..50 {
            w.send(vec![0u8; 65536]).unwrap();
        }
    });
    let (w, count) = (ws.clone(), Arc::new(Mutex::new(0)));
    let c = count.clone();
    ws.set_onmessage(move |e| {
        let mut n = c.lock().unwrap();
        if e.data().as_text() == Some("65536") {
            *n += 1;
        }
        if *n == 50 {
            w.close();
        }
    });
    let close = within(20, "close", ws.closed()).await;
    assert!(close.was_clean(), "{close:?}");
    assert_eq!(*count.lock().unwrap(), 50);
    assert_eq!(ws.buffered_amount(), 0);
}

#[tokio::test]
async fn s_17_close_keeps_queued_messages() {
    let server = TestServer::start().await;
    let big = vec![7u8; 1 << 20];
    let (ws, _rec) = echo_with(&server, move |ws| {
        ws.send(big).unwrap();
        ws.close();
    })
    .await;
    within(10, "close", ws.closed()).await;
    let log = server.wait_for_frame(|f| f.is_close()).await;
    let kinds = log.frame_kinds();
    assert_eq!(kinds, [(2, 1 << 20), (8, 0)]);
}

#[tokio::test]
async fn s_18_send_after_the_servers_close_is_not_transmitted() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/remote-close?code=4000&linger=1000")).unwrap();
    let mut rec = record(&ws);
    rec.next().await;
    // The server's Close arrives right after the handshake; wait (bounded) for CLOSING.
    for _ in 0..200 {
        if ws.ready_state() == ReadyState::Closing {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(ws.ready_state(), ReadyState::Closing);
    assert_eq!(ws.send("late"), Ok(()));
    assert_eq!(ws.buffered_amount(), 4);
    let events = rec.until_close().await;
    assert_eq!(close_of(&events), (4000, String::new(), true));
    let log = server.wait_for_frame(|f| f.is_close()).await;
    assert!(log.frames.iter().all(|f| f.opcode != 1), "{:?}", log.frames);
}

#[tokio::test]
async fn s_14_buffered_amount_is_stable_inside_a_listener() {
    // Natively the closest analogue of "changes only between tasks": while a listener runs,
    // the connection task that flushes is not running, so the value cannot drop under it.
    let server = TestServer::start().await;
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    let (_ws, mut rec) = echo_with(&server, move |ws| {
        ws.send("hello").unwrap();
        let before = ws.buffered_amount();
        std::thread::sleep(std::time::Duration::from_millis(100));
        *s.lock().unwrap() = Some((before, ws.buffered_amount()));
    })
    .await;
    rec.next().await;
    assert_eq!(rec.next().await, text("hello"));
    assert_eq!(*seen.lock().unwrap(), Some((5, 5)));
}

#[tokio::test]
async fn s_16_send_buffer_full_fails_the_connection() {
    let server = TestServer::start().await;
    let ws = WebSocket::builder(&server.url("/slow-reader?ms=2000"))
        .max_buffered_amount(Some(1 << 20))
        .connect()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (w, s) = (ws.clone(), seen.clone());
    ws.set_onopen(move |_| {
        for _ in 0..3 {
            let r = w.send(vec![0u8; 400_000]);
            s.lock()
                .unwrap()
                .push((r, w.buffered_amount(), w.ready_state()));
        }
    });
    let events = record(&ws).until_close().await;
    assert_eq!(names(&events), ["open", "error", "close"]);
    assert!(matches!(
        events[1],
        Ev::Error {
            cause: isows::ErrorCause::SendBufferFull,
            ..
        }
    ));
    assert_eq!(close_of(&events), (1006, String::new(), false));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen[0], (Ok(()), 400_000, ReadyState::Open));
    assert_eq!(seen[1], (Ok(()), 800_000, ReadyState::Open));
    assert_eq!(
        seen[2],
        (Ok(()), 800_000, ReadyState::Closing),
        "the third would overflow: not counted, socket closing"
    );
}

#[tokio::test]
async fn send_then_close_from_a_message_listener_keeps_the_order() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let w = ws.clone();
    ws.set_onopen(move |_| w.send("first").unwrap());
    let w = ws.clone();
    ws.set_onmessage(move |_| {
        w.send(vec![3u8; 70_000]).unwrap();
        w.close_with(4000, "done").unwrap();
        w.send("discarded").unwrap();
    });
    within(10, "close", ws.closed()).await;
    let log = server.wait_for_frame(|f| f.is_close()).await;
    let kinds = log.frame_kinds();
    assert_eq!(kinds, [(1, 5), (2, 70_000), (8, 6)]);
}
