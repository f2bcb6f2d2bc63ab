//! Test bodies written once and run on both backends: natively (from
//! `tests/conformance/shared.rs`, against the in-process test server) and in headless Chromium
//! (from `tests/browser.rs`, against the same server run by `scripts/test.sh`). Each takes the
//! server's base URL (`ws://127.0.0.1:PORT`). They use only the public API and check what the
//! browser and isows must agree on: event order, codes, `readyState`, exceptions.
#![allow(dead_code)]

/// The list of shared bodies, given to a macro that turns each into a test (`#[tokio::test]`
/// natively, `#[wasm_bindgen_test]` in the browser), so that both backends run the same list.
macro_rules! shared_test_names {
    ($m:ident) => {
        $m! {
        sync: c_02_bad_schemes_are_syntax_errors, c_03_fragments_are_syntax_errors,
            c_04_http_maps_to_ws, p_04_to_p_08_bad_protocols_are_syntax_errors,
            cl_05_cl_08_close_argument_errors;
        async: p_01_single_protocol, p_11_unrequested_protocol_fails, a_01_initial_state,
            s_01_send_while_connecting, s_03_s_07_echo_and_buffered_amount, b_01_binary_round_trip,
            cl_01_to_cl_04_close_codes, cl_13_close_while_connecting, cl_17_server_initiated_close,
            cl_19_close_in_the_same_packet_as_the_101, cl_21_server_chosen_codes,
            cl_22_abrupt_loss_is_close_1006_without_error, e_02_listener_order,
            e_04_protocol_error_after_a_good_frame, e_10_once_and_replaced_handlers,
            e_10_listeners_replace_and_remove_themselves,
            f_02_non_101_status_fails, f_06_wrong_accept_key_fails, message_origin_is_the_urls_origin,
            }
    };
}

use std::sync::{Arc, Mutex};

use isows::{kind, Error, MessageData, ReadyState, WebSocket};

/// One event as seen inside its listener, with `readyState` at that moment.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    Open(ReadyState),
    Message(MessageData, ReadyState),
    Error(ReadyState),
    Close(u16, String, bool, ReadyState),
}

impl Seen {
    pub fn name(&self) -> &'static str {
        match self {
            Seen::Open(_) => "open",
            Seen::Message(..) => "message",
            Seen::Error(_) => "error",
            Seen::Close(..) => "close",
        }
    }
}

pub type Log = Arc<Mutex<Vec<Seen>>>;

/// Records every event of `ws`.
pub fn record(ws: &WebSocket) -> Log {
    let log: Log = Arc::default();
    let (l, w) = (log.clone(), ws.clone());
    ws.add_event_listener(kind::Open, move |_| {
        l.lock().unwrap().push(Seen::Open(w.ready_state()))
    });
    let (l, w) = (log.clone(), ws.clone());
    ws.add_event_listener(kind::Message, move |e| {
        l.lock()
            .unwrap()
            .push(Seen::Message(e.data().clone(), w.ready_state()))
    });
    let (l, w) = (log.clone(), ws.clone());
    ws.add_event_listener(kind::Error, move |_| {
        l.lock().unwrap().push(Seen::Error(w.ready_state()))
    });
    let (l, w) = (log.clone(), ws.clone());
    ws.add_event_listener(kind::Close, move |e| {
        l.lock().unwrap().push(Seen::Close(
            e.code(),
            e.reason().to_owned(),
            e.was_clean(),
            w.ready_state(),
        ))
    });
    log
}

/// Waits (at most 10 s) until `done` holds for the log; returns a copy of it.
pub async fn wait_until(log: &Log, what: &str, done: impl Fn(&[Seen]) -> bool) -> Vec<Seen> {
    let start = now_ms();
    loop {
        {
            let seen = log.lock().unwrap();
            if done(&seen) {
                return seen.clone();
            }
        }
        assert!(
            now_ms() - start < 10_000.0,
            "timed out waiting for {what}; seen {:?}",
            log.lock().unwrap()
        );
        sleep_ms(5).await;
    }
}

/// Every event up to and including `close`.
pub async fn until_close(log: &Log) -> Vec<Seen> {
    wait_until(log, "close", |s| s.iter().any(|e| e.name() == "close")).await
}

pub fn names(seen: &[Seen]) -> Vec<&'static str> {
    seen.iter().map(Seen::name).collect()
}

fn text(s: &str) -> MessageData {
    MessageData::Text(s.into())
}

fn closed(code: u16, reason: &str, clean: bool) -> Seen {
    Seen::Close(code, reason.into(), clean, ReadyState::Closed)
}

#[cfg(not(target_arch = "wasm32"))]
fn now_ms() -> f64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

#[cfg(target_arch = "wasm32")]
fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[cfg(not(target_arch = "wasm32"))]
pub async fn sleep_ms(ms: u32) {
    tokio::time::sleep(std::time::Duration::from_millis(ms.into())).await;
}

#[cfg(target_arch = "wasm32")]
pub async fn sleep_ms(ms: u32) {
    use wasm_bindgen::prelude::*;
    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_name = setTimeout)]
        fn set_timeout(f: &js_sys::Function, ms: i32) -> JsValue;
    }
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms as i32);
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

// ---- the bodies ----

pub fn c_02_bad_schemes_are_syntax_errors(base: &str) {
    let host = base.trim_start_matches("ws://");
    for url in [
        format!("ftp://{host}/"),
        "mailto:example@example.org".into(),
        "invalid:".into(),
    ] {
        assert!(
            matches!(WebSocket::new(&url), Err(Error::SyntaxError(_))),
            "{url}"
        );
    }
}

pub fn c_03_fragments_are_syntax_errors(base: &str) {
    for url in [format!("{base}/#"), format!("{base}/#test")] {
        assert!(
            matches!(WebSocket::new(&url), Err(Error::SyntaxError(_))),
            "{url}"
        );
    }
}

pub fn c_04_http_maps_to_ws(base: &str) {
    let host = base.trim_start_matches("ws://");
    let ws = WebSocket::new(&format!("http://{host}/echo")).unwrap();
    assert_eq!(ws.url(), format!("ws://{host}/echo"));
    ws.close();
}

pub fn p_04_to_p_08_bad_protocols_are_syntax_errors(base: &str) {
    let url = format!("{base}/echo");
    for protocols in [
        vec!["echo", "echo"],
        vec!["echo", "eCho"],
        vec![""],
        vec!["ec ho"],
        vec!["a,b"],
        vec!["\u{80}echo"],
    ] {
        assert!(
            matches!(
                WebSocket::with_protocols(&url, &protocols),
                Err(Error::SyntaxError(_))
            ),
            "{protocols:?}"
        );
    }
}

pub async fn p_01_single_protocol(base: &str) {
    let ws = WebSocket::with_protocols(&format!("{base}/echo"), ["echo"]).unwrap();
    assert_eq!(ws.protocol(), "");
    let log = record(&ws);
    wait_until(&log, "open", |s| !s.is_empty()).await;
    assert_eq!(ws.protocol(), "echo");
    ws.close();
    let seen = until_close(&log).await;
    assert_eq!(seen, [Seen::Open(ReadyState::Open), closed(1005, "", true)]);
}

pub async fn p_11_unrequested_protocol_fails(base: &str) {
    let ws = WebSocket::new(&format!("{base}/handshake_protocol")).unwrap();
    let seen = until_close(&record(&ws)).await;
    assert_eq!(
        seen,
        [Seen::Error(ReadyState::Closed), closed(1006, "", false)]
    );
}

pub async fn a_01_initial_state(base: &str) {
    let ws = WebSocket::new(&format!("{base}/echo")).unwrap();
    assert_eq!(ws.ready_state(), ReadyState::Connecting);
    assert_eq!(ws.buffered_amount(), 0);
    assert_eq!(
        (ws.protocol(), ws.extensions()),
        (String::new(), String::new())
    );
    assert_eq!(ws.binary_type(), isows::BinaryType::Blob);
    let log = record(&ws);
    wait_until(&log, "open", |s| !s.is_empty()).await;
    ws.close();
    until_close(&log).await;
}

pub async fn s_01_send_while_connecting(base: &str) {
    let ws = WebSocket::new(&format!("{base}/echo")).unwrap();
    assert!(matches!(ws.send("early"), Err(Error::InvalidStateError(_))));
    let log = record(&ws);
    wait_until(&log, "open", |s| !s.is_empty()).await;
    ws.close();
    until_close(&log).await;
}

pub async fn s_03_s_07_echo_and_buffered_amount(base: &str) {
    let ws = WebSocket::new(&format!("{base}/echo")).unwrap();
    let amounts = Arc::new(Mutex::new(Vec::new()));
    let (w, a) = (ws.clone(), amounts.clone());
    ws.set_onopen(move |_| {
        w.send("Message to send").unwrap();
        a.lock().unwrap().push(w.buffered_amount());
        w.send("¥¥¥¥¥¥").unwrap();
        a.lock().unwrap().push(w.buffered_amount());
    });
    let log = record(&ws);
    let seen = wait_until(&log, "two echoes", |s| s.len() >= 3).await;
    assert_eq!(*amounts.lock().unwrap(), [15, 27]);
    assert_eq!(
        seen[1],
        Seen::Message(text("Message to send"), ReadyState::Open)
    );
    assert_eq!(seen[2], Seen::Message(text("¥¥¥¥¥¥"), ReadyState::Open));
    ws.close();
    until_close(&log).await;
    assert_eq!(ws.buffered_amount(), 0);
}

pub async fn b_01_binary_round_trip(base: &str) {
    // Small, empty (a zero-length copy on wasm32), and large (70 KB).
    let big: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let sent = [vec![0u8, 1, 2, 254, 255], Vec::new(), big];
    let ws = WebSocket::new(&format!("{base}/echo")).unwrap();
    ws.set_binary_type(isows::BinaryType::ArrayBuffer);
    let (w, to_send) = (ws.clone(), sent.clone());
    ws.set_onopen(move |_| {
        for m in &to_send {
            w.send(m.clone()).unwrap();
        }
    });
    let log = record(&ws);
    let seen = wait_until(&log, "echoes", |s| s.len() >= 4).await;
    for (got, want) in seen[1..].iter().zip(&sent) {
        assert_eq!(
            *got,
            Seen::Message(MessageData::Binary(want.clone().into()), ReadyState::Open)
        );
    }
    ws.close();
    until_close(&log).await;
}

pub async fn cl_01_to_cl_04_close_codes(base: &str) {
    for (args, expected) in [
        (None, (1005, "")),
        (Some((1000, "")), (1000, "")),
        (Some((1000, "Clean Close")), (1000, "Clean Close")),
        (Some((3000, "x")), (3000, "x")),
        (Some((4999, "")), (4999, "")),
    ] {
        let ws = WebSocket::new(&format!("{base}/echo")).unwrap();
        let states = Arc::new(Mutex::new(Vec::new()));
        let (w, st) = (ws.clone(), states.clone());
        ws.set_onopen(move |_| {
            match args {
                None => w.close(),
                Some((code, reason)) => w.close_with(code, reason).unwrap(),
            }
            st.lock().unwrap().push(w.ready_state());
        });
        let seen = until_close(&record(&ws)).await;
        assert_eq!(*states.lock().unwrap(), [ReadyState::Closing]);
        assert_eq!(
            seen[1..],
            [closed(expected.0, expected.1, true)],
            "{args:?}"
        );
    }
}

pub fn cl_05_cl_08_close_argument_errors(base: &str) {
    let ws = WebSocket::new(&format!("{base}/echo")).unwrap();
    for code in [0u16, 999, 1001, 1005, 2999, 5000, 65535] {
        assert!(
            matches!(ws.close_with(code, ""), Err(Error::InvalidAccessError(_))),
            "{code}"
        );
    }
    assert!(matches!(
        ws.close_with(1000, &"x".repeat(124)),
        Err(Error::SyntaxError(_))
    ));
    assert!(matches!(
        ws.close_with(1000, &"🔌".repeat(32)),
        Err(Error::SyntaxError(_))
    ));
    assert_eq!(ws.ready_state(), ReadyState::Connecting);
    // 123 bytes is the limit, not over it.
    assert_eq!(ws.close_with(1000, &"x".repeat(123)), Ok(()));
}

pub async fn cl_13_close_while_connecting(base: &str) {
    let ws = WebSocket::new(&format!("{base}/handshake_sleep_2?ms=1000")).unwrap();
    let log = record(&ws);
    assert_eq!(ws.ready_state(), ReadyState::Connecting);
    ws.close();
    assert_eq!(ws.ready_state(), ReadyState::Closing);
    let seen = until_close(&log).await;
    assert_eq!(
        seen,
        [Seen::Error(ReadyState::Closed), closed(1006, "", false)]
    );
}

pub async fn cl_17_server_initiated_close(base: &str) {
    let ws = WebSocket::new(&format!("{base}/echo")).unwrap();
    let w = ws.clone();
    ws.set_onopen(move |_| w.send("Goodbye").unwrap());
    let seen = until_close(&record(&ws)).await;
    assert_eq!(
        seen[1..],
        [
            Seen::Message(text("Goodbye"), ReadyState::Open),
            closed(1000, "", true)
        ]
    );
}

pub async fn cl_19_close_in_the_same_packet_as_the_101(base: &str) {
    let ws = WebSocket::new(&format!("{base}/simple_handshake")).unwrap();
    let seen = until_close(&record(&ws)).await;
    assert_eq!(
        seen,
        [Seen::Open(ReadyState::Open), closed(1001, "PASS", true)]
    );
}

pub async fn cl_21_server_chosen_codes(base: &str) {
    for (query, code, reason) in [
        ("?code=1000", 1000, ""),
        ("", 1005, ""),
        ("?code=4000&reason=robot", 4000, "robot"),
    ] {
        let ws = WebSocket::new(&format!("{base}/remote-close{query}")).unwrap();
        let seen = until_close(&record(&ws)).await;
        assert_eq!(seen[1..], [closed(code, reason, true)], "{query}");
    }
}

pub async fn cl_22_abrupt_loss_is_close_1006_without_error(base: &str) {
    let ws = WebSocket::new(&format!("{base}/remote-close?abrupt=1")).unwrap();
    let seen = until_close(&record(&ws)).await;
    assert_eq!(
        seen,
        [Seen::Open(ReadyState::Open), closed(1006, "", false)]
    );
}

pub async fn e_02_listener_order(base: &str) {
    let ws = WebSocket::new(&format!("{base}/echo")).unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let push = |n: u8| {
        let o = order.clone();
        move || o.lock().unwrap().push(n)
    };
    let (a, b, c) = (push(1), push(2), push(3));
    let w = ws.clone();
    ws.add_event_listener(kind::Open, move |_| {
        a();
        w.send("Goodbye").unwrap();
    });
    ws.set_onopen(move |_| b());
    ws.add_event_listener(kind::Open, move |_| c());
    let (d, e, f) = (push(4), push(5), push(6));
    ws.add_event_listener(kind::Message, move |_| d());
    ws.set_onmessage(move |_| e());
    ws.add_event_listener(kind::Message, move |_| f());
    let (g, h, i) = (push(7), push(8), push(9));
    ws.add_event_listener(kind::Close, move |_| g());
    ws.set_onclose(move |_| h());
    ws.add_event_listener(kind::Close, move |_| i());
    let log = record(&ws);
    until_close(&log).await;
    assert_eq!(*order.lock().unwrap(), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
}

pub async fn e_04_protocol_error_after_a_good_frame(base: &str) {
    let ws = WebSocket::new(&format!("{base}/echo_raw")).unwrap();
    let w = ws.clone();
    ws.set_onopen(move |_| {
        w.send(vec![
            0x81u8, 0x04, b't', b'e', b's', b't', 0x83, 0x03, b'L', b'O', b'L',
        ])
        .unwrap();
    });
    let seen = until_close(&record(&ws)).await;
    assert_eq!(
        seen,
        [
            Seen::Open(ReadyState::Open),
            Seen::Message(text("test"), ReadyState::Open),
            Seen::Error(ReadyState::Closed),
            closed(1006, "", false)
        ]
    );
}

pub async fn e_10_once_and_replaced_handlers(base: &str) {
    let ws = WebSocket::new(&format!("{base}/echo")).unwrap();
    let calls = Arc::new(Mutex::new(Vec::new()));
    let c = calls.clone();
    ws.set_onmessage(move |_| c.lock().unwrap().push("old"));
    let c = calls.clone();
    ws.set_onmessage(move |_| c.lock().unwrap().push("new"));
    let c = calls.clone();
    ws.add_event_listener_with_options(
        kind::Message,
        move |_| c.lock().unwrap().push("once"),
        isows::ListenerOptions { once: true },
    );
    let w = ws.clone();
    ws.set_onopen(move |_| {
        w.send("a").unwrap();
        w.send("b").unwrap();
    });
    let log = record(&ws);
    wait_until(&log, "two echoes", |s| s.len() >= 3).await;
    assert_eq!(*calls.lock().unwrap(), ["new", "once", "new"]);
    ws.close();
    until_close(&log).await;
}

/// E-10 and the DOM's removal rules while a dispatch is running: an `on*` slot that replaces
/// itself, and an added listener that removes itself; the other listeners keep their order.
pub async fn e_10_listeners_replace_and_remove_themselves(base: &str) {
    let ws = WebSocket::new(&format!("{base}/echo")).unwrap();
    let calls = Arc::new(Mutex::new(Vec::<String>::new()));
    let (c, w) = (calls.clone(), ws.clone());
    ws.set_onmessage(move |e| {
        c.lock().unwrap().push(format!("first {}", e.data()));
        let c = c.clone();
        w.set_onmessage(move |e| c.lock().unwrap().push(format!("second {}", e.data())));
    });
    let c = calls.clone();
    ws.add_event_listener(kind::Message, move |_| c.lock().unwrap().push("a".into()));
    let own_id = Arc::new(Mutex::new(None));
    let (c, w, id) = (calls.clone(), ws.clone(), own_id.clone());
    let b = ws.add_event_listener(kind::Message, move |_| {
        let removed = w.remove_event_listener(id.lock().unwrap().expect("id set"));
        c.lock()
            .unwrap()
            .push(format!("b removed itself: {removed}"));
    });
    *own_id.lock().unwrap() = Some(b);
    let c = calls.clone();
    ws.add_event_listener(kind::Message, move |_| c.lock().unwrap().push("c".into()));
    let w = ws.clone();
    ws.set_onopen(move |_| {
        w.send("x").unwrap();
        w.send("y").unwrap();
    });
    let log = record(&ws);
    wait_until(&log, "two echoes", |s| s.len() >= 3).await;
    assert_eq!(
        *calls.lock().unwrap(),
        [
            "first x",
            "a",
            "b removed itself: true",
            "c",
            "second y",
            "a",
            "c"
        ]
    );
    ws.close();
    until_close(&log).await;
}

pub async fn f_02_non_101_status_fails(base: &str) {
    let ws = WebSocket::new(&format!("{base}/404")).unwrap();
    let seen = until_close(&record(&ws)).await;
    assert_eq!(
        seen,
        [Seen::Error(ReadyState::Closed), closed(1006, "", false)]
    );
}

pub async fn f_06_wrong_accept_key_fails(base: &str) {
    let ws = WebSocket::new(&format!("{base}/wrong_accept_key")).unwrap();
    let seen = until_close(&record(&ws)).await;
    assert_eq!(
        seen,
        [Seen::Error(ReadyState::Closed), closed(1006, "", false)]
    );
}

pub async fn message_origin_is_the_urls_origin(base: &str) {
    let ws = WebSocket::new(&format!("{base}/echo?x=1")).unwrap();
    let origins = Arc::new(Mutex::new(Vec::new()));
    let o = origins.clone();
    ws.set_onmessage(move |e| o.lock().unwrap().push(e.origin().to_owned()));
    let w = ws.clone();
    ws.set_onopen(move |_| w.send("x").unwrap());
    let log = record(&ws);
    wait_until(&log, "echo", |s| s.len() >= 2).await;
    assert_eq!(*origins.lock().unwrap(), [base.to_owned()]);
    ws.close();
    until_close(&log).await;
}
