//! `WebSocketBuilder::connect_with_stream`: the handshake and everything after over a stream
//! the caller opened (an in-memory duplex, a Unix socket, TLS over either), with every check
//! of the handshake kept.

use futures_util::{SinkExt, StreamExt};
use isows::{ErrorCause, MessageData, WebSocket};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::support::recorder::{close_of, names};
use crate::support::*;

/// A tokio-tungstenite echo server on any stream (ends when the client closes).
async fn echo<S: AsyncRead + AsyncWrite + Unpin>(stream: S) {
    let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
    while let Some(Ok(msg)) = ws.next().await {
        if msg.is_text() || msg.is_binary() {
            ws.send(msg).await.unwrap();
        }
    }
}

/// Opens, echoes one text and one binary message, closes cleanly.
async fn round_trip(ws: WebSocket) {
    let mut r = record(&ws);
    assert!(matches!(r.next().await, Ev::Open { .. }));
    ws.send("over a stream").unwrap();
    ws.send(vec![1u8, 2, 3]).unwrap();
    for expected in [
        MessageData::Text("over a stream".into()),
        MessageData::Binary(vec![1u8, 2, 3].into()),
    ] {
        match within(10, "echo", r.next()).await {
            Ev::Message { data, .. } => assert_eq!(data, expected),
            other => panic!("{other:?}"),
        }
    }
    ws.close_with(1000, "done").unwrap();
    let events = within(10, "close", r.until_close()).await;
    assert_eq!(names(&events), ["close"]);
    assert_eq!(close_of(&events), (1000, "done".to_owned(), true));
}

#[tokio::test]
async fn over_an_in_memory_duplex() {
    let (client, server) = tokio::io::duplex(64 << 10);
    tokio::spawn(echo(server));
    let ws = WebSocket::builder("ws://in-memory/chat")
        .connect_with_stream(client)
        .unwrap();
    assert_eq!(ws.url(), "ws://in-memory/chat");
    round_trip(ws).await;
}

#[tokio::test]
async fn over_a_unix_socket() {
    let dir = std::env::temp_dir().join(format!("isows-unix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ws.sock");
    let _ = std::fs::remove_file(&path);
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        echo(stream).await;
    });
    let stream = tokio::net::UnixStream::connect(&path).await.unwrap();
    let ws = WebSocket::builder("ws://localhost/")
        .connect_with_stream(stream)
        .unwrap();
    round_trip(ws).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn wss_runs_tls_over_the_given_stream() {
    let pki = crate::support::tls::generate();
    let (client, server) = tokio::io::duplex(64 << 10);
    let acceptor =
        tokio_native_tls::TlsAcceptor::from(native_tls::TlsAcceptor::new(pki.identity).unwrap());
    tokio::spawn(async move {
        let tls = acceptor.accept(server).await.unwrap();
        echo(tls).await;
    });
    let ca = isows::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap();
    let ws = WebSocket::builder("wss://localhost/")
        .add_root_certificate(ca)
        .connect_with_stream(client)
        .unwrap();
    round_trip(ws).await;
}

#[tokio::test]
async fn the_handshake_checks_are_kept() {
    let (client, mut server) = tokio::io::duplex(64 << 10);
    tokio::spawn(async move {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            server.read_exact(&mut byte).await.unwrap();
            head.push(byte[0]);
        }
        let bad = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                   Connection: Upgrade\r\nSec-WebSocket-Accept: wrong\r\n\r\n";
        server.write_all(bad.as_bytes()).await.unwrap();
        let _ = server.read(&mut [0u8; 16]).await;
    });
    let ws = WebSocket::builder("ws://in-memory/")
        .connect_with_stream(client)
        .unwrap();
    let mut r = record(&ws);
    let events = within(10, "close", r.until_close()).await;
    assert_eq!(names(&events), ["error", "close"]);
    assert!(
        matches!(
            &events[0],
            Ev::Error {
                cause: ErrorCause::Handshake(_),
                ..
            }
        ),
        "{events:?}"
    );
}

#[tokio::test]
async fn bad_input_is_still_refused_before_anything_runs() {
    let (client, _server) = tokio::io::duplex(1024);
    let err = WebSocket::builder("ws://h/#frag")
        .connect_with_stream(client)
        .unwrap_err();
    assert_eq!(err.name(), "SyntaxError");
}
