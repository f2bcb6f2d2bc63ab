//! permessage-deflate (RFC 7692), natively, against the test server's own implementation
//! (`test-support/src/deflate.rs`, `/deflate`): every combination of the server's parameters
//! (context takeover both ways, every window size 8–15 both ways), compressed messages
//! fragmented or not, both ways (isows compresses messages of 1 KiB and more), control frames
//! never compressed; hostile servers (garbage compressed data, a decompression bomb against
//! the limits with a counting allocator, RSV1 on a control or continuation frame); the stream
//! API. Every wait is bounded.
#![cfg(not(target_arch = "wasm32"))]

use isows::{DeflateOffer, ErrorCause, MessageData, WebSocket, WebSocketStream};
use isows_test_support::frames::encode;
use isows_test_support::recorder::{names, record, Ev};
use isows_test_support::time::within;
use isows_test_support::TestServer;

#[global_allocator]
static ALLOC: isows_test_support::alloc::Counting = isows_test_support::alloc::Counting;

/// One test at a time: the allocator's peak is the whole process's.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn json(n: usize) -> String {
    (0..n)
        .map(|i| format!("{{\"id\":{i},\"name\":\"isows\",\"tags\":[\"a\",\"b\"]}}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Sends `messages` and checks each comes back as sent, through the socket's listener.
async fn round_trips(ws: &WebSocket, messages: &[MessageData]) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    ws.set_onmessage(move |e| tx.send(e.data().clone()).unwrap());
    within(10, "open", ws.opened()).await.unwrap();
    for m in messages {
        ws.send(m).unwrap();
        let back = within(10, "the echo", rx.recv()).await.unwrap();
        assert_eq!(&back, m);
    }
}

fn messages() -> Vec<MessageData> {
    vec![
        MessageData::Text("small".into()),
        MessageData::Text(json(100).into()),
        MessageData::Text(json(100).into()),
        MessageData::Binary(vec![7u8; 3000].into()),
        MessageData::Text("".into()),
        MessageData::Text(json(5).into()),
    ]
}

#[tokio::test]
async fn every_parameter_combination_both_ways() {
    let _serial = SERIAL.lock().await;
    let server = TestServer::start().await;
    let mut combos = 0;
    for server_takeover in ["", "; server_no_context_takeover"] {
        for server_bits in [
            None,
            Some(8),
            Some(9),
            Some(10),
            Some(11),
            Some(12),
            Some(13),
            Some(14),
            Some(15),
        ] {
            for client_takeover in ["", "; client_no_context_takeover"] {
                for client_bits in [None, Some(8), Some(9), Some(12), Some(15)] {
                    let mut ext = format!("permessage-deflate{server_takeover}{client_takeover}");
                    if let Some(b) = server_bits {
                        ext.push_str(&format!("; server_max_window_bits={b}"));
                    }
                    if let Some(b) = client_bits {
                        ext.push_str(&format!("; client_max_window_bits={b}"));
                    }
                    let url = server.url(&format!(
                        "/deflate?ext={}&frag={}",
                        enc(&ext),
                        combos % 3 + 1
                    ));
                    let ws = WebSocket::new(&url).unwrap();
                    round_trips(&ws, &messages()).await;
                    assert_eq!(ws.extensions(), ext);
                    ws.close();
                    within(10, "close", ws.closed()).await;
                    combos += 1;
                }
            }
        }
    }
    assert_eq!(combos, 180);
    // What isows sent: messages of 1 KiB and more compressed (RSV1), unless the server asked
    // for a window of 8, which zlib cannot make; everything else plain; no control frame
    // compressed.
    let logs = server.logs();
    for log in &logs {
        let client_bits_8 = log.path.contains("client_max_window_bits%3D8");
        let data: Vec<_> = log.frames.iter().filter(|f| f.opcode < 8).collect();
        assert_eq!(data.len(), 6, "{}", log.path);
        for f in &data {
            let compressed = f.rsv & 4 != 0;
            let big = f.payload.len() >= 1024 || compressed;
            assert_eq!(
                compressed,
                big && !client_bits_8,
                "{} {:?}",
                log.path,
                f.payload.len()
            );
        }
        assert!(log
            .frames
            .iter()
            .filter(|f| f.opcode >= 8)
            .all(|f| f.rsv == 0));
    }
}

#[tokio::test]
async fn extensions_and_the_stream_api() {
    let _serial = SERIAL.lock().await;
    let server = TestServer::start().await;
    let url = server.url("/deflate?frag=4");
    let stream = WebSocketStream::new(&url).unwrap();
    let opened = within(10, "opened", stream.opened()).await.unwrap();
    assert_eq!(opened.extensions, "permessage-deflate");
    let (mut reader, mut writer) = (opened.reader, opened.writer);
    use futures_util::{SinkExt, StreamExt};
    let big = json(2000);
    writer
        .send(isows::Message::from(big.as_str()))
        .await
        .unwrap();
    let back = within(10, "echo", reader.next()).await.unwrap().unwrap();
    assert_eq!(back.as_text(), Some(big.as_str()));
    // Nothing offered: nothing in use, the same server answers without the header.
    let ws = WebSocket::builder(&server.url("/deflate?ext="))
        .permessage_deflate(None)
        .connect()
        .unwrap();
    within(10, "open", ws.opened()).await.unwrap();
    assert_eq!(ws.extensions(), "");
    let logs = server.logs();
    assert_eq!(logs[1].header("sec-websocket-extensions"), None);
    // A lean offer is sent as written.
    let offer = DeflateOffer {
        server_no_context_takeover: true,
        server_max_window_bits: Some(10),
        ..DeflateOffer::default()
    };
    let ext = "permessage-deflate; server_no_context_takeover; server_max_window_bits=10";
    let ws = WebSocket::builder(&server.url(&format!("/deflate?ext={}", enc(ext))))
        .permessage_deflate(Some(offer))
        .connect()
        .unwrap();
    round_trips(&ws, &messages()).await;
    assert_eq!(
        server.logs()[2].header("sec-websocket-extensions"),
        Some(offer.to_string().as_str())
    );
}

/// A hostile server's bytes after an accepted permessage-deflate: the events and the cause.
async fn hostile(bytes: &[u8]) -> Vec<Ev> {
    let server = TestServer::start().await;
    let url = server.url(&format!("/deflate?hex={}", hex(bytes)));
    let ws = WebSocket::new(&url).unwrap();
    record(&ws).until_close().await
}

#[tokio::test]
async fn garbage_compressed_data_fails_the_connection() {
    let _serial = SERIAL.lock().await;
    let events = hostile(&encode(true, 4, 1, &[0xff; 40])).await;
    assert_eq!(names(&events), ["open", "error", "close"]);
    let Ev::Error { cause, .. } = &events[1] else {
        panic!()
    };
    assert!(
        matches!(cause, ErrorCause::Protocol(d) if d.message().contains("compressed")),
        "{cause:?}"
    );
}

#[tokio::test]
async fn rsv1_on_a_control_or_continuation_frame_fails_with_1002() {
    let _serial = SERIAL.lock().await;
    for bytes in [
        encode(true, 4, 9, b"ping"),
        [encode(false, 0, 1, b"a"), encode(true, 4, 0, b"b")].concat(),
    ] {
        let events = hostile(&bytes).await;
        assert_eq!(names(&events), ["open", "error", "close"]);
        let Ev::Error { cause, .. } = &events[1] else {
            panic!()
        };
        assert!(matches!(cause, ErrorCause::Protocol(_)), "{cause:?}");
    }
}

/// Reads a client's upgrade request on `tcp` and answers 101, with permessage-deflate
/// accepted when `deflate`. `None` if the client went away first.
async fn upgrade(tcp: &mut tokio::net::TcpStream, deflate: bool) -> Option<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match tcp.read(&mut buf).await {
            Ok(n) if n > 0 => head.extend_from_slice(&buf[..n]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let key = head
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))?
        .trim()
        .to_owned();
    let ext = match deflate {
        true => "Sec-WebSocket-Extensions: permessage-deflate\r\n",
        false => "",
    };
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n{ext}\r\n",
        isows_test_support::accept_key(&key)
    );
    tcp.write_all(response.as_bytes()).await.ok()
}

/// Reads until the client closes TCP.
async fn drain(tcp: &mut tokio::net::TcpStream) {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 1024];
    while tcp.read(&mut buf).await.is_ok_and(|n| n > 0) {}
}

/// A server of the test's own that accepts permessage-deflate and then writes `bytes`
/// (made before it starts, so that the allocator counts only the client).
async fn raw_deflate_server(bytes: Vec<u8>) -> String {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        if upgrade(&mut tcp, true).await.is_some() {
            let _ = tcp.write_all(&bytes).await;
            drain(&mut tcp).await;
        }
    });
    format!("ws://{addr}/")
}

/// A decompression bomb: 64 MiB of zeros in ~64 KiB, against a 1 MiB message limit. It fails
/// with MessageTooBig, and the client never holds more than the limit (plus slack).
#[tokio::test]
async fn a_bomb_costs_no_more_than_the_limit() {
    let _serial = SERIAL.lock().await;
    let bomb = isows_test_support::deflate::bomb(64 << 20);
    assert!(bomb.len() < 128 << 10, "{}", bomb.len());
    let url = raw_deflate_server(encode(true, 4, 2, &bomb)).await;
    let baseline = isows_test_support::alloc::reset_peak();
    let ws = WebSocket::builder(&url)
        .max_message_size(Some(1 << 20))
        .connect()
        .unwrap();
    let events = record(&ws).until_close().await;
    let peak = isows_test_support::alloc::peak_since(baseline);
    assert_eq!(names(&events), ["open", "error", "close"]);
    let Ev::Error { cause, .. } = &events[1] else {
        panic!()
    };
    assert!(matches!(cause, ErrorCause::MessageTooBig(_)), "{cause:?}");
    // The limit (1 MiB, 1.5 times while the buffer moves), the inflater and the bomb's
    // bytes in the read buffer.
    assert!(peak < 5 << 19, "peak {peak} bytes");
    eprintln!("a 64 MiB bomb against a 1 MiB limit: peak {peak} bytes");
}

/// A server that accepts every connection (answering permessage-deflate when `deflate`) and
/// then holds it, reading: the same work whatever was negotiated.
async fn holding_server(deflate: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                if upgrade(&mut tcp, deflate).await.is_some() {
                    drain(&mut tcp).await;
                }
            });
        }
    });
    format!("ws://{addr}/")
}

/// W4's question with compression negotiated: an idle connection costs what one without it
/// costs (the inflater and the compressor are made at the first compressed message), well
/// under the 16 KB target. Counted with the allocator over 300 connections each.
#[tokio::test]
async fn idle_connections_cost_the_same_with_compression_negotiated() {
    let _serial = SERIAL.lock().await;
    const N: usize = 300;
    let mut per_connection = Vec::new();
    for deflate in [false, true] {
        let url = holding_server(deflate).await;
        let before = isows_test_support::alloc::current();
        let mut sockets = Vec::with_capacity(N);
        for _ in 0..N {
            sockets.push(WebSocket::new(&url).unwrap());
        }
        for ws in &sockets {
            within(10, "open", ws.opened()).await.unwrap();
            assert_eq!(ws.extensions().is_empty(), !deflate);
        }
        let bytes = isows_test_support::alloc::current().saturating_sub(before) / N;
        per_connection.push(bytes);
        // The holding server never answers a Close: the sockets are just let go.
        drop(sockets);
    }
    eprintln!(
        "bytes per idle connection (client and the holding server): {} without, {} with permessage-deflate",
        per_connection[0], per_connection[1]
    );
    assert!(
        per_connection[1] <= per_connection[0] + 512,
        "{per_connection:?}"
    );
    assert!(per_connection[1] < 16_000, "{per_connection:?}");
}
