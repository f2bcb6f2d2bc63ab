//! Catalog section 7: close() (CL).

use std::time::{Duration, Instant};

use isows::{Error, ErrorCause, ReadyState, WebSocket};

use crate::support::recorder::{close_of, names};
use crate::support::*;

/// Opens `/echo` (or `path`), calls `on_open` in the open listener, returns all events.
async fn closing_with(
    server: &TestServer,
    path: &str,
    on_open: impl Fn(&WebSocket) + Send + 'static,
) -> Vec<Ev> {
    let ws = WebSocket::new(&server.url(path)).unwrap();
    let w = ws.clone();
    ws.set_onopen(move |_| on_open(&w));
    record(&ws).until_close().await
}

fn closed(code: u16, reason: &str, clean: bool) -> Ev {
    Ev::Close {
        code,
        reason: reason.into(),
        clean,
        state: ReadyState::Closed,
    }
}

#[tokio::test]
async fn cl_01_close_without_arguments() {
    let server = TestServer::start().await;
    let state = std::sync::Arc::new(std::sync::Mutex::new(None));
    let s = state.clone();
    let events = closing_with(&server, "/echo", move |ws| {
        ws.close();
        *s.lock().unwrap() = Some(ws.ready_state());
    })
    .await;
    assert_eq!(*state.lock().unwrap(), Some(ReadyState::Closing));
    assert_eq!(events[1..], [closed(1005, "", true)]);
    let log = server.wait_for_frame(|f| f.is_close()).await;
    assert_eq!(log.frames[0].payload, b"", "close() sends an empty body");
}

#[tokio::test]
async fn cl_02_close_1000() {
    let server = TestServer::start().await;
    let events = closing_with(&server, "/echo", |ws| ws.close_with(1000, "").unwrap()).await;
    assert_eq!(events[1..], [closed(1000, "", true)]);
}

#[tokio::test]
async fn cl_03_close_1000_with_reason() {
    let server = TestServer::start().await;
    let events = closing_with(&server, "/echo", |ws| {
        ws.close_with(1000, "Clean Close").unwrap()
    })
    .await;
    assert_eq!(events[1..], [closed(1000, "Clean Close", true)]);
    let log = server.wait_for_frame(|f| f.is_close()).await;
    let frame = &log.frames[0];
    assert!(frame.masked && frame.fin);
    assert_eq!(frame.payload, b"\x03\xe8Clean Close");
}

#[tokio::test]
async fn cl_04_application_codes() {
    let server = TestServer::start().await;
    for code in [3000u16, 4999] {
        let events = closing_with(&server, "/echo", move |ws| {
            ws.close_with(code, "Clean Close").unwrap()
        })
        .await;
        assert_eq!(events[1..], [closed(code, "Clean Close", true)]);
    }
}

#[tokio::test]
async fn cl_05_cl_06_invalid_codes_are_invalid_access() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/handshake_sleep_2?ms=300")).unwrap();
    let mut rec = record(&ws);
    for code in [
        0u16, 500, 999, 1001, 1004, 1005, 1006, 1015, 2999, 5000, 65535,
    ] {
        let err = ws.close_with(code, "").unwrap_err();
        assert!(matches!(err, Error::InvalidAccessError(_)), "{code}: {err}");
        assert_eq!(
            ws.ready_state(),
            ReadyState::Connecting,
            "the socket is unaffected"
        );
    }
    assert!(
        matches!(rec.next().await, Ev::Open { .. }),
        "no error event, it opens"
    );
    assert!(matches!(
        ws.close_with(1005, "1005 - reserved code"),
        Err(Error::InvalidAccessError(_))
    ));
    assert_eq!(ws.ready_state(), ReadyState::Open);
}

#[tokio::test]
async fn cl_07_close_without_code_equals_close() {
    let server = TestServer::start().await;
    let events = closing_with(&server, "/echo", |ws| ws.close()).await;
    assert_eq!(close_of(&events), (1005, String::new(), true));
}

#[tokio::test]
async fn cl_09_replacement_character_in_the_reason() {
    // &str cannot hold a lone surrogate; the USVString conversion's result (U+FFFD) is sent
    // and echoed.
    let server = TestServer::start().await;
    let reason = String::from_utf16_lossy(&[0xD807]);
    let events = closing_with(&server, "/echo", move |ws| {
        ws.close_with(1000, &reason).unwrap()
    })
    .await;
    assert_eq!(close_of(&events), (1000, "\u{FFFD}".into(), true));
}

#[tokio::test]
async fn cl_10_close_three_times_fires_close_once() {
    let server = TestServer::start().await;
    let events = closing_with(&server, "/echo", |ws| {
        ws.close();
        ws.close();
        ws.close_with(1000, "").unwrap();
    })
    .await;
    assert_eq!(events.iter().filter(|e| e.name() == "close").count(), 1);
}

#[tokio::test]
async fn cl_11_close_inside_onclose_is_a_no_op() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let w = ws.clone();
    ws.set_onopen(move |_| w.close());
    let w = ws.clone();
    let state = std::sync::Arc::new(std::sync::Mutex::new(None));
    let s = state.clone();
    ws.set_onclose(move |_| {
        w.close();
        let r = w.close_with(1000, "again");
        *s.lock().unwrap() = Some((r, w.ready_state()));
    });
    let events = record(&ws).until_close().await;
    assert_eq!(*state.lock().unwrap(), Some((Ok(()), ReadyState::Closed)));
    assert_eq!(events.iter().filter(|e| e.name() == "close").count(), 1);
    assert_eq!(ws.ready_state(), ReadyState::Closed);
}

#[tokio::test]
async fn cl_13_close_while_connecting() {
    let server = TestServer::start().await;
    // The slow-handshake case is the shared body (isows_test_support::shared) that runs here too.
    for path in ["/sleep_10_v13", "/"] {
        let ws = WebSocket::new(&server.url(path)).unwrap();
        let mut rec = record(&ws);
        assert_eq!(ws.ready_state(), ReadyState::Connecting);
        ws.close();
        assert_eq!(ws.ready_state(), ReadyState::Closing, "{path}");
        let events = rec.until_close().await;
        assert_eq!(events.len(), 2, "{path}: {events:?}");
        assert!(
            matches!(
                events[0],
                Ev::Error {
                    state: ReadyState::Closed,
                    ..
                }
            ),
            "{path}: {events:?}"
        );
        assert_eq!(events[1], closed(1006, "", false), "{path}");
    }
    // 1 s into a handshake that never completes.
    let ws = WebSocket::new(&server.url("/sleep_10_v13")).unwrap();
    let mut rec = record(&ws);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(ws.ready_state(), ReadyState::Connecting);
    ws.close();
    let events = rec.until_close().await;
    assert_eq!(
        events[0],
        Ev::Error {
            cause: ErrorCause::ClosedBeforeOpen,
            state: ReadyState::Closed
        }
    );
    assert_eq!(events[1], closed(1006, "", false));
}

#[tokio::test]
async fn cl_14_close_with_code_while_connecting() {
    let ws = WebSocket::new("ws://127.0.0.1:8/").unwrap();
    let mut rec = record(&ws);
    assert!(matches!(
        ws.close_with(1001, ""),
        Err(Error::InvalidAccessError(_))
    ));
    assert_eq!(ws.close_with(4000, "ignored"), Ok(()));
    let events = rec.until_close().await;
    assert_eq!(close_of(&events), (1006, String::new(), false));
}

#[tokio::test]
async fn cl_15_close_while_closing_or_closed_is_a_no_op() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let mut rec = record(&ws);
    rec.next().await;
    ws.close_with(4000, "first").unwrap();
    ws.close_with(4001, "second").unwrap();
    let events = rec.until_close().await;
    assert_eq!(events, [closed(4000, "first", true)]);
    ws.close();
    ws.close_with(1000, "").unwrap();
    assert_eq!(ws.ready_state(), ReadyState::Closed);
}

#[tokio::test]
async fn cl_16_close_waits_for_the_servers_reply() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/delayed-passive-close")).unwrap();
    within(10, "open", ws.opened()).await.unwrap();
    let start = Instant::now();
    ws.close();
    let close = within(10, "close", ws.closed()).await;
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
    assert!(close.was_clean());
    assert_eq!(ws.ready_state(), ReadyState::Closed);
}

#[tokio::test]
async fn cl_17_server_initiated_close() {
    let server = TestServer::start().await;
    let events = closing_with(&server, "/echo", |ws| ws.send("Goodbye").unwrap()).await;
    assert_eq!(names(&events), ["open", "message", "close"]);
    assert_eq!(close_of(&events), (1000, String::new(), true));
    let log = server.wait_for_frame(|f| f.is_close()).await;
    assert_eq!(
        log.frames.last().unwrap().payload,
        [0x03, 0xe8],
        "the reply echoes 1000"
    );
}

#[tokio::test]
async fn cl_18_server_closes_without_echoing() {
    let server = TestServer::start().await;
    let events = closing_with(&server, "/echo_exit", |ws| ws.send("Goodbye").unwrap()).await;
    assert_eq!(names(&events), ["open", "close"]);
    assert!(close_of(&events).2);
}

#[tokio::test]
async fn cl_19_close_in_the_same_packet_as_the_101() {
    let server = TestServer::start().await;
    let state = std::sync::Arc::new(std::sync::Mutex::new(None));
    let s = state.clone();
    let events = closing_with(&server, "/simple_handshake", move |ws| {
        *s.lock().unwrap() = Some(ws.ready_state());
        ws.close()
    })
    .await;
    assert_eq!(
        *state.lock().unwrap(),
        Some(ReadyState::Open),
        "OPEN inside open"
    );
    assert!(matches!(events[0], Ev::Open { .. }), "{events:?}");
    assert_eq!(events[1..], [closed(1001, "PASS", true)]);
}

#[tokio::test]
async fn cl_20_remote_code_wins_over_the_local_one() {
    let server = TestServer::start().await;
    let events = closing_with(&server, "/remote-close?code=4222&reason=remote", |ws| {
        ws.close_with(4111, "local").unwrap()
    })
    .await;
    assert_eq!(close_of(&events), (4222, "remote".into(), true));
}

#[tokio::test]
async fn cl_21_server_chosen_codes_and_reasons() {
    let server = TestServer::start().await;
    let cases = [
        ("?code=1000", 1000, ""),
        ("", 1005, ""),
        ("?code=4000&reason=robot", 4000, "robot"),
        (
            "?code=4000&reason=%E3%83%AD%E3%83%9C%E3%83%83%E3%83%88",
            4000,
            "ロボット",
        ),
    ];
    for (query, code, reason) in cases {
        let ws = WebSocket::new(&server.url(&format!("/remote-close{query}"))).unwrap();
        let events = record(&ws).until_close().await;
        assert_eq!(events[1..], [closed(code, reason, true)], "{query}");
    }
}

#[tokio::test]
async fn cl_22_abrupt_tcp_loss_after_the_handshake() {
    // Errata: Chromium fires close 1006 alone, no error.
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/remote-close?abrupt=1")).unwrap();
    let events = record(&ws).until_close().await;
    assert_eq!(names(&events), ["open", "close"]);
    assert_eq!(close_of(&events), (1006, String::new(), false));
}

#[tokio::test]
async fn cl_23_closing_handshake_never_completes() {
    let server = TestServer::start().await;
    let events = closing_with(&server, "/passive-close-abort", |ws| {
        ws.close_with(4000, "because").unwrap()
    })
    .await;
    assert_eq!(events[1..], [closed(1006, "", false)]);
}

#[tokio::test]
async fn cl_25_client_close_frame_format() {
    let server = TestServer::start().await;
    let reason = "r".repeat(123);
    let events = closing_with(&server, "/echo", move |ws| {
        ws.close_with(4321, &reason).unwrap();
        ws.send("after").unwrap();
    })
    .await;
    assert_eq!(close_of(&events).0, 4321);
    let log = server.wait_for_frame(|f| f.is_close()).await;
    assert_eq!(
        log.frames.len(),
        1,
        "no data frame follows a Close: {:?}",
        log.frames
    );
    let f = &log.frames[0];
    assert!(f.fin && f.masked && f.payload.len() <= 125);
    assert_eq!(u16::from_be_bytes([f.payload[0], f.payload[1]]), 4321);
    assert_eq!(&f.payload[2..], "r".repeat(123).as_bytes());
}

#[tokio::test]
async fn cl_26_server_that_never_closes_tcp() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/close-no-eof")).unwrap();
    within(10, "open", ws.opened()).await.unwrap();
    let start = Instant::now();
    ws.close_with(4000, "x").unwrap();
    let close = within(10, "close", ws.closed()).await;
    assert!(
        close.was_clean(),
        "the closing handshake completed: {close:?}"
    );
    assert_eq!((close.code(), close.reason()), (4000, "x"));
    assert!(
        start.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn close_timeout_cuts_off_a_server_that_never_replies() {
    let server = TestServer::start().await;
    let ws = WebSocket::builder(&server.url("/silent"))
        .close_timeout(Duration::from_millis(300))
        .connect()
        .unwrap();
    let mut rec = record(&ws);
    rec.next().await;
    let start = Instant::now();
    ws.close();
    let events = rec.until_close().await;
    assert_eq!(events, [closed(1006, "", false)]);
    let t = start.elapsed();
    assert!(
        t >= Duration::from_millis(300) && t < Duration::from_secs(5),
        "{t:?}"
    );
}
