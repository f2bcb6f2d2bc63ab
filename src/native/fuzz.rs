//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`; not part of the API).
//! Each one panics on a broken rule; anything else it may do is return.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{kind, WebSocket};

/// The handshake response parser: any bytes, as the head of a 101 for key `k`.
pub fn handshake_response(data: &[u8], protocols: &[String]) {
    let offer = super::DeflateOffer::default();
    for offer in [None, Some(&offer)] {
        let _ =
            super::handshake::check_response(data, "dGhlIHNhbXBsZSBub25jZQ==", protocols, offer);
    }
}

/// URL parsing (the WHATWG "get a URL record" steps) and the redaction of credentials.
pub fn url(input: &str) {
    let redacted = crate::redact::redact(input);
    if let Ok(target) = super::url::parse(input).map(|t| t.serialized) {
        assert!(
            target.starts_with("ws://") || target.starts_with("wss://"),
            "{target}"
        );
    }
    // A URL the WHATWG parser reads with a password is never shown unredacted.
    if let Ok(parsed) = url::Url::parse(input) {
        if parsed.password().is_some_and(|p| p != "***") {
            assert_ne!(redacted, input, "password left in {input:?}");
        }
    }
}

/// Subprotocol validation: a list of names.
pub fn protocols(list: &[String]) {
    let result = crate::validate::protocols(list);
    if result.is_ok() {
        let mut lower: Vec<String> = list.iter().map(|p| p.to_ascii_lowercase()).collect();
        lower.sort();
        lower.dedup();
        assert_eq!(lower.len(), list.len(), "a repeated protocol was accepted");
    }
}

/// `close(code, reason)` validation.
pub fn close_args(code: u16, reason: &str) {
    let ok = crate::close_args::check(code, reason).is_ok();
    let expected = (code == 1000 || (3000..=4999).contains(&code)) && reason.len() <= 123;
    assert_eq!(ok, expected, "{code} {:?}", reason.len());
}

/// A whole connection over an in-memory stream: a valid 101, then `server_bytes` from the
/// server, then the end of its stream. The client echoes every message from `onmessage`.
/// Checks the event contract: at most one open and first, an error only right before the
/// close, exactly one close and last, and all of it within a time bound (no hang).
pub fn connection(server_bytes: &[u8]) {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let rt = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    });
    let bytes = server_bytes.to_vec();
    rt.block_on(async move {
        let (client, mut server) = tokio::io::duplex(1 << 16);
        let ws = WebSocket::builder("ws://fuzz/")
            .close_timeout(Duration::from_millis(20))
            .max_message_size(Some(1 << 20))
            .connect_with_stream(client)
            .expect("a valid URL");
        let log = Arc::new(Mutex::new(String::new()));
        let push = |c: char| {
            let log = log.clone();
            move || log.lock().unwrap_or_else(|e| e.into_inner()).push(c)
        };
        let p = push('o');
        ws.add_event_listener(kind::Open, move |_| p());
        let (p, w) = (push('m'), ws.clone());
        ws.add_event_listener(kind::Message, move |e| {
            p();
            let _ = w.send(e.data());
        });
        let p = push('e');
        ws.add_event_listener(kind::Error, move |_| p());
        let p = push('c');
        ws.add_event_listener(kind::Close, move |_| p());
        let serve = async move {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
                if server.read(&mut byte).await.ok() != Some(1) {
                    return;
                }
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let key = head
                .lines()
                .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
                .unwrap_or_default();
            let accept =
                tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
            let response = format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                 Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            );
            let _ = server.write_all(response.as_bytes()).await;
            let _ = server.write_all(&bytes).await;
            let _ = server.shutdown().await;
            let mut sink = [0u8; 4096];
            while matches!(server.read(&mut sink).await, Ok(n) if n > 0) {}
        };
        let ended = tokio::time::timeout(Duration::from_secs(10), async {
            tokio::join!(serve, ws.closed())
        })
        .await;
        assert!(ended.is_ok(), "no close event within 10 s");
        let log = log.lock().unwrap_or_else(|e| e.into_inner()).clone();
        check_contract(&log);
    });
}

fn check_contract(log: &str) {
    assert!(log.matches('o').count() <= 1, "{log}");
    assert!(!log.contains('o') || log.starts_with('o'), "{log}");
    assert_eq!(log.matches('c').count(), 1, "{log}");
    assert!(log.ends_with('c'), "{log}");
    assert!(log.matches('e').count() <= 1, "{log}");
    assert!(!log.contains('e') || log.ends_with("ec"), "{log}");
    assert!(!log.contains('m') || log.starts_with('o'), "{log}");
}

/// permessage-deflate's inflating layer (`inflate.rs`) on any server bytes: the first byte
/// picks the parameters and how the bytes are cut into reads. It must never panic, and what
/// it holds must stay within what it was given plus the limit (a bomb is stopped at it).
pub fn inflate(data: &[u8]) {
    use std::io::Read;
    // Small, so that a bomb reaches it in few steps and each run stays short.
    const LIMIT: usize = 8 << 10;
    let (pick, bytes) = data.split_first().unwrap_or((&0, data));
    let negotiated = super::extension::Negotiated {
        server_no_context_takeover: pick & 1 != 0,
        server_max_window_bits: 8 + (pick >> 1) % 8,
        client_no_context_takeover: false,
        client_max_window_bits: 15,
    };
    let step = 1 + usize::from(pick >> 4) * 97;
    struct Cut<'a>(&'a [u8], usize);
    impl Read for Cut<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.1).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let mut layer = super::inflate::Inflating::new(
        Cut(bytes, step),
        negotiated,
        Vec::new(),
        Some(LIMIT),
        Some(LIMIT),
    );
    // tungstenite reads at least 4 KiB at a time; the input side is what is cut small.
    let mut buf = vec![0u8; 4096 + step];
    // Bounded: the input is finite and every read either gives bytes or ends.
    for _ in 0..10_000_000 {
        match layer.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let held = layer.held();
        assert!(
            held <= 2 * bytes.len() + 4 * LIMIT + (256 << 10),
            "the layer holds {held} bytes for {} of input",
            bytes.len()
        );
    }
}
