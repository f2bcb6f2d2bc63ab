//! Catalog section 10: framing and data validation (R), with raw frames from the server.

use isows::{ErrorCause, MessageData, ReadyState, WebSocket};

use crate::support::recorder::close_of;
use crate::support::*;

/// Hex of a server frame: FIN flag, RSV bits, opcode, payload (7-bit length only).
fn raw(fin: bool, rsv: u8, op: u8, payload: &[u8]) -> String {
    assert!(payload.len() < 126);
    let mut b = vec![(fin as u8) << 7 | rsv << 4 | op, payload.len() as u8];
    b.extend_from_slice(payload);
    hexify(&b)
}

fn hexify(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn text(s: &str) -> Ev {
    Ev::Message {
        data: MessageData::Text(s.into()),
        state: ReadyState::Open,
    }
}

/// Server writes `hex` after the handshake; the client must fail with `cause`, and send
/// Close `code` (if any) to the server first. Returns the events before the error.
async fn fails_with(hex: &str, cause: impl Fn(&ErrorCause) -> bool, code: Option<u16>) -> Vec<Ev> {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url(&format!("/raw?hex={hex}"))).unwrap();
    let events = record(&ws).until_close().await;
    let n = events.len();
    assert!(n >= 3, "{hex}: {events:?}");
    assert!(matches!(&events[0], Ev::Open { .. }), "{hex}: {events:?}");
    let Ev::Error {
        cause: c,
        state: ReadyState::Closed,
    } = &events[n - 2]
    else {
        panic!("{hex}: {events:?}")
    };
    assert!(cause(c), "{hex}: cause {c:?}");
    assert_eq!(close_of(&events), (1006, String::new(), false), "{hex}");
    if let Some(code) = code {
        let log = server.wait_for_frame(|f| f.is_close()).await;
        let close = log.frames.iter().find(|f| f.is_close()).unwrap();
        assert_eq!(
            close.payload[..2],
            code.to_be_bytes(),
            "{hex}: close code sent"
        );
    }
    events[1..n - 2].to_vec()
}

fn protocol(c: &ErrorCause) -> bool {
    matches!(c, ErrorCause::Protocol(_))
}

#[tokio::test]
async fn r_01_client_frames_are_masked_with_fresh_keys() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let mut rec = record(&ws);
    rec.next().await;
    for m in ["a", "b", "c"] {
        ws.send(m).unwrap();
        rec.next().await;
    }
    ws.close();
    rec.until_close().await;
    let log = server.wait_for_frame(|f| f.is_close()).await;
    assert!(log.frames.iter().all(|f| f.masked));
    let masks: std::collections::HashSet<_> = log.frames.iter().map(|f| f.mask).collect();
    assert_eq!(masks.len(), log.frames.len(), "every frame has its own key");
}

#[tokio::test]
async fn r_02_masked_server_frame() {
    let mut b = vec![0x81, 0x80 | 2, 1, 2, 3, 4];
    b.extend_from_slice(&[b'h' ^ 1, b'i' ^ 2]);
    fails_with(&hexify(&b), protocol, Some(1002)).await;
}

#[tokio::test]
async fn r_03_rsv_bits_without_extension() {
    for rsv in [1, 2, 4] {
        fails_with(&raw(true, rsv, 1, b"x"), protocol, Some(1002)).await;
    }
}

#[tokio::test]
async fn r_04_reserved_opcodes_after_a_good_message() {
    for op in [3u8, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf] {
        let hex = [raw(true, 0, 1, b"good"), raw(true, 0, op, b"")].concat();
        let before = fails_with(&hex, protocol, Some(1002)).await;
        assert_eq!(before, [text("good")], "opcode {op}");
    }
}

#[tokio::test]
async fn r_05_invalid_utf8_in_text() {
    fails_with(
        &raw(
            true,
            0,
            1,
            &[0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xed, 0xa0, 0x80],
        ),
        |c| *c == ErrorCause::InvalidUtf8,
        Some(1007),
    )
    .await;
    let fragmented = [raw(false, 0, 1, b"ok"), raw(true, 0, 0, &[0xff])].concat();
    let before = fails_with(&fragmented, |c| *c == ErrorCause::InvalidUtf8, Some(1007)).await;
    assert!(before.is_empty(), "no message for invalid text: {before:?}");
}

#[tokio::test]
async fn r_06_r_07_fragments_and_ping_in_between() {
    let server = TestServer::start().await;
    let euro = "€".as_bytes();
    let hex = [
        raw(false, 0, 1, &euro[..1]),
        raw(true, 0, 9, b"mid"),
        raw(false, 0, 0, &euro[1..]),
        raw(true, 0, 0, b"!"),
    ]
    .concat();
    let ws = WebSocket::new(&server.url(&format!("/raw?hex={hex}"))).unwrap();
    let mut rec = record(&ws);
    rec.next().await;
    assert_eq!(rec.next().await, text("€!"));
    let log = server.wait_for_frame(|f| f.opcode == 10).await;
    assert_eq!(
        log.frames.iter().find(|f| f.opcode == 10).unwrap().payload,
        b"mid"
    );
}

#[tokio::test]
async fn r_08_fragment_sequence_errors() {
    fails_with(&raw(true, 0, 0, b"orphan"), protocol, Some(1002)).await;
    let hex = [raw(false, 0, 1, b"a"), raw(true, 0, 1, b"b")].concat();
    fails_with(&hex, protocol, Some(1002)).await;
}

#[tokio::test]
async fn r_09_bad_control_frames() {
    let mut long = vec![0x89, 126, 0, 126];
    long.extend(std::iter::repeat_n(b'p', 126));
    fails_with(&hexify(&long), protocol, Some(1002)).await;
    fails_with(&raw(false, 0, 9, b"p"), protocol, Some(1002)).await;
}

#[tokio::test]
async fn r_10_close_frame_with_a_one_byte_body() {
    fails_with(&raw(true, 0, 8, &[0x03]), protocol, None).await;
}

#[tokio::test]
async fn r_11_close_reason_not_utf8() {
    fails_with(
        &raw(true, 0, 8, &[0x03, 0xe8, 0xff, 0xfe]),
        |c| *c == ErrorCause::InvalidUtf8,
        None,
    )
    .await;
}

#[tokio::test]
async fn r_12_close_codes_that_must_never_be_sent() {
    // isows follows RFC 6455 / Autobahn 7.9.x here (catalog errata R-12): fail, reply 1002.
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000] {
        let c = code.to_be_bytes();
        fails_with(&raw(true, 0, 8, &[c[0], c[1]]), protocol, Some(1002)).await;
    }
}

#[tokio::test]
async fn r_13_frame_length_encodings() {
    // A 64-bit length with the top bit set fails.
    let mut b = vec![0x82, 127];
    b.extend_from_slice(&(1u64 << 63 | 5).to_be_bytes());
    fails_with(
        &hexify(&b),
        |c| matches!(c, ErrorCause::Protocol(_) | ErrorCause::MessageTooBig(_)),
        None,
    )
    .await;
    // A non-minimal encoding (16-bit length for 3 bytes) is accepted, as tungstenite does.
    let server = TestServer::start().await;
    let hex = hexify(&[0x81, 126, 0, 3, b'a', b'b', b'c']);
    let ws = WebSocket::new(&server.url(&format!("/raw?hex={hex}"))).unwrap();
    let mut rec = record(&ws);
    rec.next().await;
    assert_eq!(rec.next().await, text("abc"));
}

#[tokio::test]
async fn r_16_close_reply_echoes_the_code() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/remote-close?code=4000&reason=bye")).unwrap();
    let events = record(&ws).until_close().await;
    assert_eq!(close_of(&events), (4000, "bye".into(), true));
    let log = server.wait_for_frame(|f| f.is_close()).await;
    assert_eq!(log.frames[0].payload[..2], 4000u16.to_be_bytes());
}

#[tokio::test]
async fn r_17_simultaneous_close() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/remote-close?code=4222&reason=remote")).unwrap();
    let w = ws.clone();
    ws.set_onopen(move |_| w.close_with(4111, "local").unwrap());
    let events = record(&ws).until_close().await;
    assert_eq!(close_of(&events), (4222, "remote".into(), true));
}

#[tokio::test]
async fn r_18_nothing_is_processed_after_a_failure() {
    let hex = [
        raw(true, 0, 1, b"before"),
        raw(true, 0, 3, b""),
        raw(true, 0, 1, b"after"),
    ]
    .concat();
    let before = fails_with(&hex, protocol, Some(1002)).await;
    assert_eq!(before, [text("before")]);
}

#[tokio::test]
async fn r_19_message_size_limit() {
    let server = TestServer::start().await;
    let ws = WebSocket::builder(&server.url("/echo"))
        .max_message_size(Some(1000))
        .connect()
        .unwrap();
    let w = ws.clone();
    ws.set_onopen(move |_| w.send(vec![0u8; 2000]).unwrap());
    let events = record(&ws).until_close().await;
    assert!(
        matches!(
            &events[1],
            Ev::Error {
                cause: ErrorCause::MessageTooBig(_),
                ..
            }
        ),
        "{events:?}"
    );
    assert_eq!(close_of(&events), (1006, String::new(), false));
    let log = server.wait_for_frame(|f| f.is_close()).await;
    assert_eq!(
        log.frames.iter().find(|f| f.is_close()).unwrap().payload[..2],
        1009u16.to_be_bytes()
    );
    // 100 KB and 16 MiB messages work with the defaults.
    for size in [100_000usize, 16 << 20] {
        let ws = WebSocket::new(&server.url("/echo")).unwrap();
        let w = ws.clone();
        ws.set_onopen(move |_| w.send(vec![0x5a; size]).unwrap());
        let mut rec = record(&ws);
        rec.next().await;
        match rec.next().await {
            Ev::Message {
                data: MessageData::Binary(b),
                ..
            } => {
                assert_eq!(b.len(), size);
                assert!(b.iter().all(|&x| x == 0x5a));
            }
            other => panic!("{size}: {other:?}"),
        }
    }
}
