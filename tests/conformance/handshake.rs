//! Catalog section 9: opening handshake and failure modes (F).

use std::time::{Duration, Instant};

use isows::{ErrorCause, MessageData, ReadyState, WebSocket};

use crate::support::recorder::{close_of, names};
use crate::support::*;

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Connects and expects `error` (matching `cause`) then `close` 1006 and nothing else.
async fn fails(url: &str, cause: impl Fn(&ErrorCause) -> bool) -> ErrorCause {
    let ws = WebSocket::new(url).unwrap();
    let events = record(&ws).until_close().await;
    assert_eq!(events.len(), 2, "{url}: {events:?}");
    let Ev::Error {
        cause: c,
        state: ReadyState::Closed,
    } = &events[0]
    else {
        panic!("{url}: {events:?}")
    };
    assert!(cause(c), "{url}: unexpected cause {c:?}");
    assert_eq!(close_of(&events), (1006, String::new(), false), "{url}");
    c.clone()
}

#[tokio::test]
async fn f_01_request_format() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo?a=b")).unwrap();
    within(10, "open", ws.opened()).await.unwrap();
    let ws2 = WebSocket::new(&format!("ws://localhost:{}/echo", server.addr.port())).unwrap();
    within(10, "open", ws2.opened()).await.unwrap();
    let logs = server.logs();
    let head = &logs[0].head;
    assert!(head.starts_with("GET /echo?a=b HTTP/1.1\r\n"), "{head}");
    assert_eq!(
        logs[0].header("Host"),
        Some(server.addr.to_string().as_str())
    );
    assert_eq!(logs[0].header("Upgrade"), Some("websocket"));
    assert_eq!(logs[0].header("Connection"), Some("Upgrade"));
    assert_eq!(logs[0].header("Sec-WebSocket-Version"), Some("13"));
    assert_eq!(logs[0].header("Sec-WebSocket-Protocol"), None);
    // Chromium's offer, word for word.
    assert_eq!(
        logs[0].header("Sec-WebSocket-Extensions"),
        Some("permessage-deflate; client_max_window_bits")
    );
    assert_eq!(logs[0].header("Referer"), None);
    let keys: Vec<&str> = logs
        .iter()
        .map(|l| l.header("Sec-WebSocket-Key").unwrap())
        .collect();
    use base64::Engine;
    for key in &keys {
        assert_eq!(key.len(), 24);
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(key)
                .unwrap()
                .len(),
            16
        );
    }
    assert_ne!(keys[0], keys[1], "a fresh key per connection");
    // Host has the port only when it is not the default: checked with a URL on port 80 in the
    // unit tests (native/url.rs); here the non-default port is present.
    assert_eq!(
        logs[1].header("Host"),
        Some(format!("localhost:{}", server.addr.port()).as_str())
    );
}

#[tokio::test]
async fn f_02_non_101_status() {
    let server = TestServer::start().await;
    for path in ["/404", "/invalid1", "/invalid2", "/invalid3"] {
        fails(&server.url(path), |c| c.status() == Some(404)).await;
    }
}

#[tokio::test]
async fn f_03_redirects_are_not_followed() {
    let server = TestServer::start().await;
    let target = server.url("/echo").replace(':', "%3A").replace('/', "%2F");
    for status in [301, 302] {
        fails(
            &server.url(&format!("/redirect?status={status}&location={target}")),
            |c| c.status() == Some(status),
        )
        .await;
    }
    assert!(
        server.logs().iter().all(|l| !l.path.starts_with("/echo")),
        "the redirect was followed"
    );
}

#[tokio::test]
async fn f_04_401_without_credentials() {
    let server = TestServer::start().await;
    let cause = fails(&server.url("/basic_auth"), |c| c.status() == Some(401)).await;
    let ErrorCause::UnexpectedResponse(response) = cause else {
        unreachable!()
    };
    assert_eq!(
        response.header("www-authenticate"),
        Some("Basic realm=\"camelot\"")
    );
}

#[tokio::test]
async fn f_05_garbage_instead_of_http() {
    let server = TestServer::start().await;
    fails(&server.url("/invalid"), |c| {
        matches!(c, ErrorCause::Handshake(_))
    })
    .await;
}

#[tokio::test]
async fn f_06_wrong_accept_key() {
    let server = TestServer::start().await;
    fails(
        &server.url("/wrong_accept_key"),
        |c| matches!(c, ErrorCause::Handshake(m) if m.contains("Accept")),
    )
    .await;
}

#[tokio::test]
async fn f_07_missing_accept_key() {
    let server = TestServer::start().await;
    let head =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    fails(
        &server.url(&format!("/raw_response?hex={}", hex(head))),
        |c| matches!(c, ErrorCause::Handshake(_)),
    )
    .await;
}

async fn opens(url: &str) {
    let ws = WebSocket::new(url).unwrap();
    within(10, "open", ws.opened())
        .await
        .unwrap_or_else(|c| panic!("{url}: {c:?}"));
}

#[tokio::test]
async fn f_08_upgrade_header() {
    let server = TestServer::start().await;
    let good = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ACCEPT\r\n\r\n";
    opens(&server.url(&format!("/raw_response?hex={}", hex(good)))).await;
    for upgrade in ["", "Upgrade: h2c\r\n"] {
        let head = format!("HTTP/1.1 101 Switching Protocols\r\n{upgrade}Connection: Upgrade\r\nSec-WebSocket-Accept: ACCEPT\r\n\r\n");
        fails(
            &server.url(&format!("/raw_response?hex={}", hex(&head))),
            |c| matches!(c, ErrorCause::Handshake(_)),
        )
        .await;
    }
}

#[tokio::test]
async fn f_09_connection_header() {
    let server = TestServer::start().await;
    let head = |connection: &str| {
        format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n{connection}Sec-WebSocket-Accept: ACCEPT\r\n\r\n")
    };
    for ok in [
        "Connection: keep-alive, Upgrade\r\n",
        "Connection: upgrade\r\n",
    ] {
        opens(&server.url(&format!("/raw_response?hex={}", hex(&head(ok))))).await;
    }
    for bad in ["", "Connection: keep-alive\r\n"] {
        fails(
            &server.url(&format!("/raw_response?hex={}", hex(&head(bad)))),
            |c| matches!(c, ErrorCause::Handshake(_)),
        )
        .await;
    }
}

#[tokio::test]
async fn f_10_f_11_extensions_the_client_did_not_offer() {
    // permessage-deflate is offered (as Chromium does); anything else, or permessage-deflate
    // in a form RFC 7692 forbids, fails.
    let server = TestServer::start().await;
    for ext in [
        "x-unknown; a=1",
        ";;;=",
        "x-webkit-deflate-frame",
        "permessage-deflate, permessage-deflate",
        "permessage-deflate; foo",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
    ] {
        let extra = hex(&format!("Sec-WebSocket-Extensions: {ext}\r\n"));
        fails(&server.url(&format!("/handshake_extra?hex={extra}")), |c| {
            matches!(c, ErrorCause::Handshake(_))
        })
        .await;
    }
}

#[tokio::test]
async fn f_12_duplicated_response_headers() {
    let server = TestServer::start().await;
    let dup_accept =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                      Sec-WebSocket-Accept: ACCEPT\r\nSec-WebSocket-Accept: ACCEPT\r\n\r\n";
    fails(
        &server.url(&format!("/raw_response?hex={}", hex(dup_accept))),
        |c| matches!(c, ErrorCause::Handshake(_)),
    )
    .await;
    let dup_ext = hex("Sec-WebSocket-Extensions: \r\nSec-WebSocket-Extensions: \r\n");
    fails(
        &server.url(&format!("/handshake_extra?hex={dup_ext}")),
        |c| matches!(c, ErrorCause::Handshake(_)),
    )
    .await;
    let ws = WebSocket::with_protocols(&server.url("/handshake_protocol?value=a&twice=1"), ["a"])
        .unwrap();
    let events = record(&ws).until_close().await;
    assert!(matches!(
        events[0],
        Ev::Error {
            cause: ErrorCause::Subprotocol(_),
            ..
        }
    ));
}

#[tokio::test]
async fn f_13_handshake_never_completes() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/sleep_10_v13")).unwrap();
    let mut rec = record(&ws);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        ws.ready_state(),
        ReadyState::Connecting,
        "garbage without a complete head keeps it CONNECTING"
    );
    ws.close();
    let events = rec.until_close().await;
    assert_eq!(close_of(&events), (1006, String::new(), false));
}

#[tokio::test]
async fn handshake_timeout_fails_the_connection() {
    let server = TestServer::start().await;
    let start = Instant::now();
    let ws = WebSocket::builder(&server.url("/never"))
        .handshake_timeout(Duration::from_millis(300))
        .connect()
        .unwrap();
    let events = record(&ws).until_close().await;
    assert_eq!(
        events[0],
        Ev::Error {
            cause: ErrorCause::Timeout,
            state: ReadyState::Closed
        }
    );
    assert_eq!(close_of(&events), (1006, String::new(), false));
    let t = start.elapsed();
    assert!(
        t >= Duration::from_millis(300) && t < Duration::from_secs(3),
        "{t:?}"
    );
}

#[tokio::test]
async fn f_15_connection_refused_looks_like_any_failure() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    fails(&format!("ws://127.0.0.1:{port}/"), |c| {
        matches!(c, ErrorCause::Connect(_))
    })
    .await;
}

#[tokio::test]
async fn f_17_f_18_frames_with_the_101_and_tolerant_parsing() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/send-on-open")).unwrap();
    let mut rec = record(&ws);
    rec.next().await;
    assert_eq!(
        rec.next().await,
        Ev::Message {
            data: MessageData::Text("hello".into()),
            state: ReadyState::Open
        }
    );
    // /simple_handshake (odd reason phrase, unknown headers, Close in the same write): CL-19.
    let ws = WebSocket::new(&server.url("/simple_handshake")).unwrap();
    let events = record(&ws).until_close().await;
    assert_eq!(names(&events), ["open", "close"]);
}

#[tokio::test]
async fn extra_headers_are_sent_and_checked() {
    let server = TestServer::start().await;
    let ws = WebSocket::builder(&server.url("/echo"))
        .header("X-Token", "abc")
        .connect()
        .unwrap();
    within(10, "open", ws.opened()).await.unwrap();
    assert_eq!(server.logs()[0].header("X-Token"), Some("abc"));
    for (name, value) in [
        ("Bad Name", "v"),
        ("X-A", "a\r\nInjected: 1"),
        ("Sec-WebSocket-Key", "x"),
        ("host", "h"),
    ] {
        let err = WebSocket::builder(&server.url("/echo"))
            .header(name, value)
            .connect()
            .unwrap_err();
        assert_eq!(err.name(), "SyntaxError", "{name}");
    }
}

/// A refused upgrade's cause carries the status, the headers and the first 4 KiB of the body
/// (npm `ws`'s `unexpected-response`), however the body is framed, and the failure is not
/// held back for long by a body that never ends.
#[tokio::test]
async fn refused_upgrade_carries_status_headers_and_body() {
    let server = TestServer::start().await;
    let pattern = |n: usize| -> Vec<u8> { (0..n).map(|i| b'a' + (i % 26) as u8).collect() };
    for (query, status, body_len) in [
        ("?len=10", 403, 10),
        ("?status=500&len=0", 500, 0),
        ("?len=10000", 403, 4096),
        ("?len=1500&chunked=1", 403, 1500),
        ("?len=9000&chunked=1", 403, 4096),
        ("?status=503&len=700&eof=1", 503, 700),
    ] {
        let started = Instant::now();
        let cause = fails(&server.url(&format!("/refuse{query}")), |c| {
            c.status() == Some(status)
        })
        .await;
        let ErrorCause::UnexpectedResponse(response) = cause else {
            unreachable!()
        };
        assert_eq!(response.header("X-REASON"), Some("test"), "{query}");
        assert_eq!(response.body(), pattern(body_len), "{query}");
        // Every body here ends (length, last chunk, EOF) or fills 4 KiB: no waiting.
        assert!(started.elapsed() < Duration::from_millis(450), "{query}");
    }
    // A body with no end (no length, no EOF): the failure comes after the body wait (500 ms).
    let started = Instant::now();
    let hex_head = hex("HTTP/1.1 404 Nope\r\n\r\npartial");
    let cause = fails(&server.url(&format!("/raw_response?hex={hex_head}")), |c| {
        c.status() == Some(404)
    })
    .await;
    assert!(started.elapsed() < Duration::from_secs(3));
    let ErrorCause::UnexpectedResponse(response) = cause else {
        unreachable!()
    };
    assert_eq!(response.body(), b"partial");
}

/// After `open`, the `101` response is there with every header the server sent; before, it
/// is not.
#[tokio::test]
async fn handshake_response_after_open() {
    let server = TestServer::start().await;
    let head = hex(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: ACCEPT\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Server:  t \r\n\r\n",
    );
    let ws = WebSocket::new(&server.url(&format!("/raw_response?hex={head}"))).unwrap();
    assert!(ws.handshake_response().is_none());
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut tx = Some(tx);
    ws.set_onopen(move |e| {
        let response = e.target().unwrap().handshake_response().cloned();
        let _ = tx.take().unwrap().send(response);
    });
    let response = within(10, "open", rx)
        .await
        .unwrap()
        .expect("a response in onopen");
    assert_eq!(response.status(), 101);
    assert_eq!(response.header("x-server"), Some("t"));
    let cookies: Vec<_> = response
        .headers()
        .iter()
        .filter(|(n, _)| n == "Set-Cookie")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(cookies, ["a=1", "b=2"]);
    assert!(response.body().is_empty());
    ws.close();
    within(10, "close", ws.closed()).await;
    assert_eq!(ws.handshake_response(), Some(&response));
}
