//! `wss://` against a local TLS server whose certificate the test generates (catalog F-14).

use isows::{ErrorCause, ReadyState, WebSocket};

use crate::support::recorder::close_of;
use crate::support::*;

/// `error` with a TLS cause, then `close` 1006 (never 1015).
async fn assert_tls_failure(ws: &WebSocket) {
    let events = record(ws).until_close().await;
    assert!(
        matches!(
            &events[0],
            Ev::Error {
                cause: ErrorCause::Tls(_),
                state: ReadyState::Closed
            }
        ),
        "{events:?}"
    );
    assert_eq!(
        close_of(&events),
        (1006, String::new(), false),
        "never 1015"
    );
}

#[tokio::test]
async fn f_14_untrusted_certificate_is_refused_with_a_tls_cause() {
    let pki = tls::generate();
    let server = TestServer::start_tls(pki.identity).await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    assert_tls_failure(&ws).await;
}

#[tokio::test]
async fn the_tests_root_certificate_is_accepted() {
    let pki = tls::generate();
    let server = TestServer::start_tls(pki.identity).await;
    let ca = isows::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap();
    for host in ["127.0.0.1", "localhost"] {
        let url = format!("wss://{host}:{}/echo", server.addr.port());
        let ws = WebSocket::builder(&url)
            .add_root_certificate(ca.clone())
            .connect()
            .unwrap();
        let w = ws.clone();
        ws.set_onopen(move |_| w.send("over TLS").unwrap());
        let mut rec = record(&ws);
        rec.next().await;
        assert!(matches!(rec.next().await, Ev::Message { .. }), "{host}");
        ws.close();
        assert!(close_of(&rec.until_close().await).2, "{host}");
    }
}

#[tokio::test]
async fn a_custom_tls_connector_is_used() {
    let pki = tls::generate();
    let server = TestServer::start_tls(pki.identity).await;
    let ca = isows::native_tls::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap();
    let connector = isows::native_tls::TlsConnector::builder()
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let ws = WebSocket::builder(&server.url("/echo"))
        .tls_connector(connector)
        .connect()
        .unwrap();
    within(10, "open", ws.opened()).await.unwrap();
    assert_eq!(ws.url(), server.url("/echo"));
}

#[tokio::test]
async fn hostname_mismatch_is_refused_with_a_tls_cause() {
    let pki = tls::generate_for(&["example.com"]);
    let server = TestServer::start_tls(pki.identity).await;
    let ca = isows::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap();
    let url = format!("wss://localhost:{}/echo", server.addr.port());
    let ws = WebSocket::builder(&url)
        .add_root_certificate(ca)
        .connect()
        .unwrap();
    assert_tls_failure(&ws).await;
}

#[tokio::test]
async fn a_broken_root_certificate_fails_the_handshake_with_a_tls_cause() {
    let pki = tls::generate();
    let server = TestServer::start_tls(pki.identity).await;
    let ws = WebSocket::builder(&server.url("/echo"))
        .add_root_certificate(isows::Certificate::from_der(vec![1, 2, 3]))
        .connect()
        .unwrap();
    assert_tls_failure(&ws).await;
}
