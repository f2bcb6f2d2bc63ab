//! Catalog section 4: attributes and initial state (A).

use isows::{BinaryType, ReadyState, WebSocket};

use crate::support::recorder::{close_of, names};
use crate::support::*;

#[tokio::test]
async fn a_01_initial_state() {
    let ws = WebSocket::new("ws://127.0.0.1:8/echo").unwrap();
    assert_eq!(ws.ready_state(), ReadyState::Connecting);
    assert_eq!(ws.buffered_amount(), 0);
    assert_eq!(ws.protocol(), "");
    assert_eq!(ws.extensions(), "");
    assert_eq!(ws.binary_type(), BinaryType::Blob);
    assert_eq!(ws.binary_type().as_str(), "blob");
    assert_eq!(ws.url(), "ws://127.0.0.1:8/echo");
}

#[tokio::test]
async fn a_02_constants() {
    assert_eq!(WebSocket::CONNECTING as u16, 0);
    assert_eq!(WebSocket::OPEN as u16, 1);
    assert_eq!(WebSocket::CLOSING as u16, 2);
    assert_eq!(WebSocket::CLOSED as u16, 3);
    assert_eq!(ReadyState::Closed as u16, 3);
}

#[tokio::test]
async fn a_03_extensions_empty_after_open() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/handshake_no_extensions")).unwrap();
    let mut rec = record(&ws);
    assert_eq!(rec.next().await, Ev::opened(""));
    ws.close();
    assert!(close_of(&rec.until_close().await).2);
}

#[tokio::test]
async fn a_04_extensions_reflects_the_servers_value() {
    // isows offers permessage-deflate as Chromium does; `extensions` is the server's value,
    // set by `open` (and `""` before it). Offering nothing, the same answer is F-10.
    let server = TestServer::start().await;
    let extra: String =
        b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=15\r\n"
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
    let url = server.url(&format!("/handshake_extra?hex={extra}"));
    let ws = WebSocket::new(&url).unwrap();
    assert_eq!(ws.extensions(), "");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let w = ws.clone();
    ws.set_onopen(move |_| tx.send(w.extensions()).unwrap());
    let seen = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen, "permessage-deflate; client_max_window_bits=15");
    ws.close();

    let ws = WebSocket::builder(&url)
        .permessage_deflate(None)
        .connect()
        .unwrap();
    let events = record(&ws).until_close().await;
    assert_eq!(names(&events), ["error", "close"]);
    assert_eq!(ws.extensions(), "");
}

#[tokio::test]
async fn a_05_binary_type_is_blob_in_open() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let w = ws.clone();
    ws.set_onopen(move |_| {
        tx.send(w.binary_type()).unwrap();
        w.close();
    });
    assert_eq!(within(10, "open", rx.recv()).await, Some(BinaryType::Blob));
    assert!(within(10, "close", ws.closed()).await.was_clean());
}

#[tokio::test]
async fn a_06_invalid_binary_type_value_is_rejected_and_ignored() {
    let ws = WebSocket::new("ws://127.0.0.1:8/").unwrap();
    let parsed = "notBlobOrArrayBuffer".parse::<BinaryType>();
    assert_eq!(parsed.unwrap_err().name(), "SyntaxError");
    assert_eq!(ws.binary_type(), BinaryType::Blob);
    ws.set_binary_type("arraybuffer".parse().unwrap());
    assert_eq!(ws.binary_type(), BinaryType::ArrayBuffer);
}

#[tokio::test]
async fn a_07_close_in_open_gives_closing_at_once() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let w = ws.clone();
    ws.set_onopen(move |_| {
        w.close();
        tx.send(w.ready_state()).unwrap();
    });
    assert_eq!(
        within(10, "open", rx.recv()).await,
        Some(ReadyState::Closing)
    );
    within(10, "close", ws.closed()).await;
}
