//! Test bodies written once and run on both backends: natively (from
//! `tests/conformance/shared.rs`, against the in-process test server) and in headless Chromium
//! (from `tests/browser.rs`, against the same server, run by `scripts/test.sh` as the
//! `wpt_server` program). Each takes the
//! server's base URL (`ws://127.0.0.1:PORT`). They use only the public API and check what the
//! browser and isows must agree on: event order, codes, `readyState`, exceptions.

/// The list of shared bodies, given to a macro that turns each into a test (`#[tokio::test]`
/// natively, `#[wasm_bindgen_test]` in the browser), so that both backends run the same list.
#[macro_export]
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
            a_04_permessage_deflate_is_negotiated_and_reported,
            }
    };
}

use std::sync::{Arc, Mutex};

use isows::{kind, Error, MessageData, ReadyState, WebSocket};

use crate::recorder::{record, Ev};
pub use crate::shared_stream::*;

/// An `error` event seen in CLOSED, whatever its cause (the backends' causes differ).
fn is_error_in_closed(ev: &Ev) -> bool {
    matches!(
        ev,
        Ev::Error {
            state: ReadyState::Closed,
            ..
        }
    )
}

/// Checks `error` (in CLOSED) then `close` 1006 unclean: a failed connection.
fn assert_failed(seen: &[Ev]) {
    assert!(
        seen.len() == 2 && is_error_in_closed(&seen[0]) && seen[1] == Ev::closed(1006, "", false),
        "expected error then close 1006, got {seen:?}"
    );
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
    let mut rec = record(&ws);
    assert_eq!(rec.next().await, Ev::opened("echo"));
    assert_eq!(ws.protocol(), "echo");
    ws.close();
    assert_eq!(rec.until_close().await, [Ev::closed(1005, "", true)]);
}

pub async fn p_11_unrequested_protocol_fails(base: &str) {
    let ws = WebSocket::new(&format!("{base}/handshake_protocol")).unwrap();
    assert_failed(&record(&ws).until_close().await);
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
    let mut rec = record(&ws);
    assert_eq!(rec.next().await, Ev::opened(""));
    ws.close();
    assert_eq!(rec.until_close().await, [Ev::closed(1005, "", true)]);
}

pub async fn s_01_send_while_connecting(base: &str) {
    let ws = WebSocket::new(&format!("{base}/echo")).unwrap();
    assert!(matches!(ws.send("early"), Err(Error::InvalidStateError(_))));
    let mut rec = record(&ws);
    assert_eq!(rec.next().await, Ev::opened(""));
    ws.close();
    assert_eq!(rec.until_close().await, [Ev::closed(1005, "", true)]);
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
    let mut rec = record(&ws);
    let seen = rec.take(3).await;
    assert_eq!(*amounts.lock().unwrap(), [15, 27]);
    assert_eq!(
        seen,
        [
            Ev::opened(""),
            Ev::text("Message to send"),
            Ev::text("¥¥¥¥¥¥")
        ]
    );
    ws.close();
    rec.until_close().await;
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
    let mut rec = record(&ws);
    let seen = rec.take(4).await;
    assert_eq!(seen[0], Ev::opened(""));
    for (got, want) in seen[1..].iter().zip(&sent) {
        assert_eq!(
            *got,
            Ev::Message {
                data: MessageData::Binary(want.clone().into()),
                state: ReadyState::Open
            }
        );
    }
    ws.close();
    rec.until_close().await;
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
        let seen = record(&ws).until_close().await;
        assert_eq!(*states.lock().unwrap(), [ReadyState::Closing]);
        // The recorder's open listener runs after `onopen` closed: it sees CLOSING.
        assert_eq!(
            seen,
            [
                Ev::open_seen_in(ReadyState::Closing, ""),
                Ev::closed(expected.0, expected.1, true)
            ],
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
    let mut rec = record(&ws);
    assert_eq!(ws.ready_state(), ReadyState::Connecting);
    ws.close();
    assert_eq!(ws.ready_state(), ReadyState::Closing);
    assert_failed(&rec.until_close().await);
}

pub async fn cl_17_server_initiated_close(base: &str) {
    let ws = WebSocket::new(&format!("{base}/echo")).unwrap();
    let w = ws.clone();
    ws.set_onopen(move |_| w.send("Goodbye").unwrap());
    assert_eq!(
        record(&ws).until_close().await,
        [
            Ev::opened(""),
            Ev::text("Goodbye"),
            Ev::closed(1000, "", true)
        ]
    );
}

pub async fn cl_19_close_in_the_same_packet_as_the_101(base: &str) {
    let ws = WebSocket::new(&format!("{base}/simple_handshake")).unwrap();
    assert_eq!(
        record(&ws).until_close().await,
        [Ev::opened(""), Ev::closed(1001, "PASS", true)]
    );
}

pub async fn cl_21_server_chosen_codes(base: &str) {
    for (query, code, reason) in [
        ("?code=1000", 1000, ""),
        ("", 1005, ""),
        ("?code=4000&reason=robot", 4000, "robot"),
    ] {
        let ws = WebSocket::new(&format!("{base}/remote-close{query}")).unwrap();
        assert_eq!(
            record(&ws).until_close().await,
            [Ev::opened(""), Ev::closed(code, reason, true)],
            "{query}"
        );
    }
}

pub async fn cl_22_abrupt_loss_is_close_1006_without_error(base: &str) {
    let ws = WebSocket::new(&format!("{base}/remote-close?abrupt=1")).unwrap();
    assert_eq!(
        record(&ws).until_close().await,
        [Ev::opened(""), Ev::closed(1006, "", false)]
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
    record(&ws).until_close().await;
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
    let seen = record(&ws).until_close().await;
    assert_eq!(seen[..2], [Ev::opened(""), Ev::text("test")], "{seen:?}");
    assert_failed(&seen[2..]);
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
    let mut rec = record(&ws);
    rec.take(3).await;
    assert_eq!(*calls.lock().unwrap(), ["new", "once", "new"]);
    ws.close();
    rec.until_close().await;
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
    let mut rec = record(&ws);
    rec.take(3).await;
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
    rec.until_close().await;
}

pub async fn f_02_non_101_status_fails(base: &str) {
    let ws = WebSocket::new(&format!("{base}/404")).unwrap();
    assert_failed(&record(&ws).until_close().await);
}

pub async fn f_06_wrong_accept_key_fails(base: &str) {
    let ws = WebSocket::new(&format!("{base}/wrong_accept_key")).unwrap();
    assert_failed(&record(&ws).until_close().await);
}

pub async fn message_origin_is_the_urls_origin(base: &str) {
    let ws = WebSocket::new(&format!("{base}/echo?x=1")).unwrap();
    let origins = Arc::new(Mutex::new(Vec::new()));
    let o = origins.clone();
    ws.set_onmessage(move |e| o.lock().unwrap().push(e.origin().to_owned()));
    let w = ws.clone();
    ws.set_onopen(move |_| w.send("x").unwrap());
    let mut rec = record(&ws);
    assert_eq!(rec.take(2).await, [Ev::opened(""), Ev::text("x")]);
    assert_eq!(*origins.lock().unwrap(), [base.to_owned()]);
    ws.close();
    rec.until_close().await;
}

/// A-04 with permessage-deflate: a server that accepts it (with a window size for the client)
/// is reported word for word by `extensions()`, natively and in the browser alike; big
/// messages go both ways compressed and come back whole.
pub async fn a_04_permessage_deflate_is_negotiated_and_reported(base: &str) {
    let ext = "permessage-deflate; client_max_window_bits=15";
    let url =
        format!("{base}/deflate?ext=permessage-deflate%3B%20client_max_window_bits%3D15&frag=2");
    let ws = WebSocket::new(&url).unwrap();
    let mut rec = record(&ws);
    match rec.next().await {
        Ev::Open { extensions, .. } => assert_eq!(extensions, ext),
        other => panic!("{other:?}"),
    }
    assert_eq!(ws.extensions(), ext);
    let big: String = (0..300)
        .map(|i| format!("{{\"n\":{i},\"s\":\"isows\"}}"))
        .collect();
    ws.send(big.as_str()).unwrap();
    ws.send(&b"binary, binary, binary, binary"[..]).unwrap();
    assert_eq!(rec.next().await, Ev::text(&big));
    match rec.next().await {
        Ev::Message { data, .. } => assert_eq!(
            data.as_binary(),
            Some(&b"binary, binary, binary, binary"[..])
        ),
        other => panic!("{other:?}"),
    }
    ws.close();
    rec.until_close().await;
}
