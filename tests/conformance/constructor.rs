//! Catalog section 2: constructor and URL (C).

use std::time::{Duration, Instant};

use isows::{Error, ErrorCause, MessageData, ReadyState, WebSocket};

use crate::support::recorder::close_of;
use crate::support::*;

fn syntax_error(r: Result<WebSocket, Error>) -> String {
    match r {
        Err(Error::SyntaxError(m)) => m,
        Err(e) => panic!("expected SyntaxError, got {e}"),
        Ok(ws) => panic!("expected SyntaxError, got a socket for {}", ws.url()),
    }
}

/// Rejected input must cause no network traffic: after the rejected call, one valid
/// connection is made and it must be the only one the server saw.
async fn assert_only_one_connection(server: &TestServer) {
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    within(10, "open", ws.opened()).await.unwrap();
    assert_eq!(server.logs().len(), 1, "a rejected URL reached the network");
}

#[tokio::test]
async fn c_01_host_with_space_is_syntax_error() {
    let server = TestServer::start().await;
    syntax_error(WebSocket::new("ws://foo bar.com/"));
    syntax_error(WebSocket::new("wss://foo bar.com/"));
    syntax_error(WebSocket::new(&format!(
        "ws://web platform.test:{}/echo",
        server.addr.port()
    )));
    assert_only_one_connection(&server).await;
}

#[tokio::test]
async fn c_02_scheme_not_ws_wss_http_https_is_syntax_error() {
    let server = TestServer::start().await;
    let port = server.addr.port();
    for url in [
        "ftp://host/".to_string(),
        "mailto:example@example.org".into(),
        "about:blank".into(),
        format!("invalid-scheme://127.0.0.1:{port}/echo"),
        "invalid:".into(),
    ] {
        syntax_error(WebSocket::new(&url));
    }
    let m = syntax_error(WebSocket::new("ftp://host/"));
    assert!(m.contains("'ftp' is not allowed"), "{m}");
    assert_only_one_connection(&server).await;
}

#[tokio::test]
async fn c_03_any_fragment_is_syntax_error() {
    let server = TestServer::start().await;
    syntax_error(WebSocket::new(&server.url("/#")));
    let m = syntax_error(WebSocket::new(&server.url("/#test")));
    assert!(m.contains("fragment"), "{m}");
    syntax_error(WebSocket::new("#test"));
    assert_only_one_connection(&server).await;
}

#[tokio::test]
async fn c_04_http_and_https_map_to_ws_and_wss() {
    let ws = WebSocket::new("http://127.0.0.1:8/").unwrap();
    assert_eq!(ws.url(), "ws://127.0.0.1:8/");
    let ws = WebSocket::new("https://127.0.0.1:8/").unwrap();
    assert_eq!(ws.url(), "wss://127.0.0.1:8/");
}

#[tokio::test]
async fn c_05_http_url_really_connects() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&format!("http://{}/echo", server.addr)).unwrap();
    let mut rec = record(&ws);
    assert!(matches!(
        rec.next().await,
        Ev::Open {
            state: ReadyState::Open,
            ..
        }
    ));
    ws.close();
    let events = rec.until_close().await;
    assert_eq!(close_of(&events), (1005, String::new(), true));
}

#[tokio::test]
async fn c_06_relative_url_is_syntax_error_natively() {
    // Adaptation (catalog §13): a native client has no API base URL.
    for input in ["/echo", "test", "?", "null", "123"] {
        syntax_error(WebSocket::new(input));
    }
}

#[tokio::test]
async fn c_07_serialization_adds_the_root_path() {
    assert_eq!(
        WebSocket::new("ws://127.0.0.1:8").unwrap().url(),
        "ws://127.0.0.1:8/"
    );
}

#[tokio::test]
async fn c_08_query_is_percent_encoded() {
    let ws = WebSocket::new("ws://127.0.0.1:8/echo?foo%20bar baz").unwrap();
    assert_eq!(ws.url(), "ws://127.0.0.1:8/echo?foo%20bar%20baz");
}

#[tokio::test]
async fn c_09_default_port_dropped_non_default_kept() {
    assert_eq!(
        WebSocket::new("ws://127.0.0.1:8080/echo").unwrap().url(),
        "ws://127.0.0.1:8080/echo"
    );
    assert_eq!(
        WebSocket::new("ws://h:80/echo").unwrap().url(),
        "ws://h/echo"
    );
    assert_eq!(
        WebSocket::new("wss://h:443/echo").unwrap().url(),
        "wss://h/echo"
    );
    assert_eq!(
        WebSocket::new("wss://h:80/echo").unwrap().url(),
        "wss://h:80/echo"
    );
}

#[tokio::test]
async fn c_10_lenient_special_scheme_parsing() {
    let server = TestServer::start().await;
    let host = server.addr.to_string();
    for (scheme, sep) in [("ws:", ""), ("ws:", "/"), ("wss:", ""), ("wss:", "/")] {
        let ws = WebSocket::new(&format!("{scheme}{sep}{host}/echo")).unwrap();
        assert_eq!(ws.url(), format!("{scheme}//{host}/echo"));
    }
}

#[tokio::test]
async fn c_11_uppercase_scheme_or_host_connects() {
    let server = TestServer::start().await;
    for url in [
        format!("WS://{}/echo", server.addr),
        format!("ws://LOCALHOST:{}/echo", server.addr.port()),
    ] {
        let ws = WebSocket::new(&url).unwrap();
        let mut rec = record(&ws);
        assert!(matches!(rec.next().await, Ev::Open { .. }), "{url}");
    }
}

async fn first_message(url: &str) -> Vec<Ev> {
    let ws = WebSocket::new(url).unwrap();
    let mut rec = record(&ws);
    rec.until_close().await
}

#[tokio::test]
async fn c_12_control_characters_in_the_url() {
    let server = TestServer::start().await;
    let events = first_message(&format!("{}?x\u{0}y\u{0}", server.url("/echo-query"))).await;
    assert!(matches!(&events[0], Ev::Open { .. }));
    assert_eq!(
        events[1],
        Ev::Message {
            data: MessageData::Text("x%00y".into()),
            state: ReadyState::Open
        }
    );
}

#[tokio::test]
async fn c_13_non_ascii_query_is_utf8_encoded() {
    let server = TestServer::start().await;
    let events = first_message(&format!("{}?åäö", server.url("/echo-query"))).await;
    assert_eq!(
        events[1],
        Ev::Message {
            data: MessageData::Text("%C3%A5%C3%A4%C3%B6".into()),
            state: ReadyState::Open
        }
    );
}

#[tokio::test]
async fn c_14_idn_host_uses_punycode_and_origin_is_serialized() {
    let ws = WebSocket::new("ws://天気の良い日.example:8080/origin").unwrap();
    assert_eq!(ws.url(), "ws://xn--n8j6ds53lwwkrqhv28a.example:8080/origin");
    // MessageEvent.origin is the serialization of the URL's origin.
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    ws.set_onmessage(move |e| {
        let _ = tx.send(e.origin().to_owned());
    });
    within(10, "open", ws.opened()).await.unwrap();
    ws.send("x").unwrap();
    let origin = within(10, "message", rx.recv()).await.unwrap();
    assert_eq!(origin, format!("ws://{}", server.addr));
}

#[tokio::test]
async fn c_15_ports_in_the_constructor_never_throw() {
    for url in [
        "ws://example.invalid:80/",
        "ws://example.invalid:443/",
        "wss://example.invalid:80/",
        "wss://example.invalid:443/",
    ] {
        let ws = WebSocket::new(url).unwrap();
        assert_eq!(ws.ready_state(), ReadyState::Connecting);
    }
}

#[tokio::test]
async fn c_16_blocked_ports_fail_asynchronously() {
    for port in [1u16, 7, 22, 25, 6000, 6667, 10080] {
        let ws = WebSocket::new(&format!("ws://127.0.0.1:{port}/echo")).unwrap();
        let mut rec = record(&ws);
        let events = rec.until_close().await;
        assert_eq!(
            events[0],
            Ev::Error {
                cause: ErrorCause::BlockedPort(port),
                state: ReadyState::Closed
            },
            "port {port}"
        );
        assert_eq!(close_of(&events), (1006, String::new(), false));
    }
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    within(10, "control case open", ws.opened()).await.unwrap();
}

#[tokio::test]
async fn c_17_constructor_is_non_blocking() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/handshake_sleep_2?ms=300")).unwrap();
    assert_eq!(ws.ready_state(), ReadyState::Connecting);
    within(10, "open", ws.opened()).await.unwrap();
    assert_eq!(ws.ready_state(), ReadyState::Open);
}

#[tokio::test]
async fn c_18_credentials_become_basic_authorization() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&format!("ws://foo:bar@{}/basic_auth", server.addr)).unwrap();
    assert_eq!(ws.url(), format!("ws://foo:bar@{}/basic_auth", server.addr));
    within(10, "open", ws.opened()).await.unwrap();
    assert_eq!(
        server.logs()[0].header("Authorization"),
        Some("Basic Zm9vOmJhcg==")
    );
    // Without credentials the server answers 401 and the connection fails (F-04).
    let ws = WebSocket::new(&server.url("/basic_auth")).unwrap();
    let events = record(&ws).until_close().await;
    assert!(
        matches!(&events[0], Ev::Error { cause, state: ReadyState::Closed } if cause.status() == Some(401)),
        "{events:?}"
    );
    assert_eq!(close_of(&events), (1006, String::new(), false));
}

#[tokio::test]
async fn c_19_many_concurrent_sockets() {
    let server = TestServer::start().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, &'static str)>();
    let mut sockets = Vec::new();
    for id in 0..25 {
        let ws = WebSocket::new(&server.url("/echo")).unwrap();
        let (w, t) = (ws.clone(), tx.clone());
        ws.set_onopen(move |_| {
            t.send((id, "open")).unwrap();
            w.send(id.to_string()).unwrap();
        });
        let (w, t) = (ws.clone(), tx.clone());
        ws.set_onmessage(move |e| {
            let what = if e.data().as_text() == Some(id.to_string().as_str()) {
                "message"
            } else {
                "wrong message"
            };
            t.send((id, what)).unwrap();
            w.close();
        });
        let t = tx.clone();
        ws.set_onclose(move |_| t.send((id, "close")).unwrap());
        let t = tx.clone();
        ws.set_onerror(move |_| t.send((id, "error")).unwrap());
        sockets.push(ws);
    }
    let mut counts = std::collections::HashMap::new();
    for _ in 0..75 {
        let (_, what) = within(15, "75 events", rx.recv()).await.unwrap();
        *counts.entry(what).or_insert(0) += 1;
    }
    assert_eq!(counts.get("open"), Some(&25));
    assert_eq!(counts.get("message"), Some(&25));
    assert_eq!(counts.get("close"), Some(&25));
    assert!(!counts.contains_key("error"));
}

#[tokio::test]
async fn c_21_url_errors_come_before_protocol_errors() {
    let m = syntax_error(WebSocket::with_protocols("ftp://h/", ["", "a b"]));
    assert!(m.contains("scheme"), "{m}");
    let m = syntax_error(WebSocket::with_protocols("ws://h/", ["", "a b"]));
    assert!(m.contains("subprotocol"), "{m}");
}

#[tokio::test]
async fn c_20_one_connecting_connection_per_host() {
    let server = TestServer::start().await;
    let url = server.url("/handshake_sleep_2?ms=600");
    let start = Instant::now();
    let first = WebSocket::new(&url).unwrap();
    let second = WebSocket::new(&url).unwrap();
    let mut r1 = record(&first);
    let mut r2 = record(&second);
    assert!(matches!(r1.next().await, Ev::Open { .. }));
    let t1 = start.elapsed();
    assert!(matches!(r2.next().await, Ev::Open { .. }));
    let t2 = start.elapsed();
    assert!(
        t2 >= t1 + Duration::from_millis(500),
        "second open {t2:?} too soon after the first {t1:?}"
    );
    first.close();
    second.close();
    assert_eq!(r1.names_until_close().await, ["close"]);
    assert_eq!(r2.names_until_close().await, ["close"]);
}

/// C-20's opt-out (`serialize_handshakes(false)`): both handshakes run at once, so the second
/// `open` does not wait for the first.
#[tokio::test]
async fn c_20_opt_out_starts_every_handshake_at_once() {
    let server = TestServer::start().await;
    let url = server.url("/handshake_sleep_2?ms=600");
    let connect = || {
        WebSocket::builder(&url)
            .serialize_handshakes(false)
            .connect()
            .unwrap()
    };
    let start = Instant::now();
    let (first, second) = (connect(), connect());
    let mut r1 = record(&first);
    let mut r2 = record(&second);
    assert!(matches!(r1.next().await, Ev::Open { .. }));
    assert!(matches!(r2.next().await, Ev::Open { .. }));
    let both = start.elapsed();
    // Serialised, the second open would come after 2 × 600 ms.
    assert!(
        both < Duration::from_millis(1100),
        "second open after {both:?}: the handshakes were serialised"
    );
    first.close();
    second.close();
    assert_eq!(r1.names_until_close().await, ["close"]);
    assert_eq!(r2.names_until_close().await, ["close"]);
}

#[tokio::test]
async fn waiting_for_the_addresss_turn_does_not_count_toward_the_handshake_timeout() {
    let server = TestServer::start().await;
    let url = server.url("/handshake_sleep_2?ms=400");
    let limit = Duration::from_millis(700);
    let first = WebSocket::builder(&url)
        .handshake_timeout(limit)
        .connect()
        .unwrap();
    let second = WebSocket::builder(&url)
        .handshake_timeout(limit)
        .connect()
        .unwrap();
    // The second waits ~400 ms for the first, then needs ~400 ms itself: 800 ms > 700 ms.
    assert_eq!(within(10, "first open", first.opened()).await, Ok(()));
    assert_eq!(within(10, "second open", second.opened()).await, Ok(()));
}
