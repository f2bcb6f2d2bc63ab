//! Catalog section 3: subprotocols (P).

use isows::{Error, ErrorCause, ReadyState, WebSocket};

use crate::support::recorder::close_of;
use crate::support::*;

fn syntax_error<S: AsRef<str>>(protocols: impl IntoIterator<Item = S>) {
    match WebSocket::with_protocols("ws://127.0.0.1:8/echo", protocols) {
        Err(Error::SyntaxError(_)) => {}
        other => panic!("expected SyntaxError, got {other:?}"),
    }
}

#[tokio::test]
async fn p_01_single_protocol() {
    let server = TestServer::start().await;
    let ws = WebSocket::with_protocols(&server.url("/echo"), ["echo"]).unwrap();
    let mut rec = record(&ws);
    assert_eq!(rec.next().await, Ev::opened("echo"));
    ws.close();
    assert_eq!(
        close_of(&rec.until_close().await),
        (1005, String::new(), true)
    );
}

#[tokio::test]
async fn p_02_protocol_array() {
    let server = TestServer::start().await;
    let ws = WebSocket::with_protocols(
        &server.url("/echo"),
        vec!["echo".to_string(), "chat".into()],
    )
    .unwrap();
    let mut rec = record(&ws);
    assert!(matches!(
        rec.next().await,
        Ev::Open {
            state: ReadyState::Open,
            ..
        }
    ));
    ws.close();
    assert!(close_of(&rec.until_close().await).2);
}

#[tokio::test]
async fn p_03_protocol_is_empty_before_open() {
    let ws = WebSocket::with_protocols("ws://127.0.0.1:8/", ["echo"]).unwrap();
    assert_eq!(ws.protocol(), "");
}

#[tokio::test]
async fn p_04_exact_duplicates() {
    syntax_error(["echo", "echo"]);
}

#[tokio::test]
async fn p_05_duplicates_differing_in_case() {
    syntax_error(["echo", "eCho"]);
}

#[tokio::test]
async fn p_06_empty_protocol() {
    syntax_error([""]);
}

#[tokio::test]
async fn p_07_control_or_non_ascii_characters() {
    for i in (0x00u32..=0x1f).chain(0x7f..=0xff) {
        let c = char::from_u32(i).unwrap();
        syntax_error([format!("a{c}b")]);
    }
    syntax_error(["\u{80}echo"]);
}

#[tokio::test]
async fn p_08_separator_characters() {
    syntax_error(["/echo"]);
    syntax_error(["ec ho"]);
    syntax_error(["foobar, foobar"]);
    for c in "()<>@,;:\\\"/[]?={} \t".chars() {
        syntax_error([format!("a{c}b")]);
    }
}

async fn first_message_and_protocol(url: &str, protocols: &[&str]) -> (String, String) {
    let ws = WebSocket::with_protocols(url, protocols).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let w = ws.clone();
    ws.set_onmessage(move |e| {
        let _ = tx.send((e.data().as_text().unwrap().to_owned(), w.protocol()));
    });
    within(10, "message", rx.recv()).await.unwrap()
}

#[tokio::test]
async fn p_09_server_echoes_the_requested_protocol() {
    let server = TestServer::start().await;
    let (data, protocol) = first_message_and_protocol(&server.url("/protocol"), &["foobar"]).await;
    assert_eq!((data.as_str(), protocol.as_str()), ("foobar", "foobar"));
}

#[tokio::test]
async fn p_10_server_selects_the_first_of_several() {
    let server = TestServer::start().await;
    let (data, protocol) =
        first_message_and_protocol(&server.url("/protocol_array"), &["foobar", "foobar2"]).await;
    assert_eq!((data.as_str(), protocol.as_str()), ("foobar", "foobar"));
}

async fn fails_with_subprotocol_cause(url: &str, protocols: &[&str]) {
    let ws = WebSocket::with_protocols(url, protocols).unwrap();
    let events = record(&ws).until_close().await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(
        matches!(
            &events[0],
            Ev::Error {
                cause: ErrorCause::Subprotocol(_),
                state: ReadyState::Closed
            }
        ),
        "{events:?}"
    );
    assert_eq!(close_of(&events), (1006, String::new(), false));
}

#[tokio::test]
async fn p_11_server_names_a_protocol_when_none_was_requested() {
    let server = TestServer::start().await;
    fails_with_subprotocol_cause(&server.url("/handshake_protocol"), &[]).await;
}

#[tokio::test]
async fn p_12_protocol_match_is_case_sensitive() {
    let server = TestServer::start().await;
    fails_with_subprotocol_cause(&server.url("/handshake_protocol"), &["FOOBAR"]).await;
}

#[tokio::test]
async fn p_13_requested_but_server_selects_none() {
    let server = TestServer::start().await;
    fails_with_subprotocol_cause(&server.url("/handshake_no_protocol"), &["foobar"]).await;
}

#[tokio::test]
async fn p_14_server_selects_a_protocol_not_in_the_list() {
    let server = TestServer::start().await;
    fails_with_subprotocol_cause(&server.url("/handshake_protocol?value=c"), &["a", "b"]).await;
}

#[tokio::test]
async fn p_15_empty_repeated_or_combined_protocol_header() {
    let server = TestServer::start().await;
    fails_with_subprotocol_cause(&server.url("/handshake_protocol?value="), &["a"]).await;
    fails_with_subprotocol_cause(&server.url("/handshake_protocol?value=a&twice=1"), &["a"]).await;
    fails_with_subprotocol_cause(&server.url("/handshake_protocol?value=a,%20b"), &["a", "b"])
        .await;
}

#[tokio::test]
async fn p_16_request_header_format() {
    let server = TestServer::start().await;
    let ws = WebSocket::with_protocols(&server.url("/echo"), ["echo", "chat"]).unwrap();
    within(10, "open", ws.opened()).await.unwrap();
    let ws2 = WebSocket::new(&server.url("/echo")).unwrap();
    within(10, "open", ws2.opened()).await.unwrap();
    let logs = server.logs();
    assert_eq!(logs[0].header_count("Sec-WebSocket-Protocol"), 1);
    assert_eq!(logs[0].header("Sec-WebSocket-Protocol"), Some("echo, chat"));
    assert_eq!(logs[1].header_count("Sec-WebSocket-Protocol"), 0);
}
