//! `wss://` against a local TLS server whose certificate the test generates (catalog F-14),
//! with whichever TLS library the build selects: `cargo test --test tls` runs native-tls,
//! `cargo test --no-default-features --features rustls --test tls` runs rustls
//! (`scripts/test.sh` runs both).
#![cfg(not(target_arch = "wasm32"))]

use isows::{ErrorCause, ReadyState, WebSocket};
use isows_test_support as support;

use support::recorder::close_of;
use support::*;

/// Which TLS library this build's default is (for the messages of failed tests).
const LIBRARY: &str = if cfg!(feature = "native-tls") {
    "native-tls"
} else {
    "rustls"
};

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
        "{LIBRARY}: {events:?}"
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

#[cfg(feature = "native-tls")]
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

/// A caller's rustls config is used as given: with the test CA in it the connection opens;
/// without it (an empty root store) the same server is refused.
#[cfg(feature = "rustls-core")]
#[tokio::test]
async fn a_custom_rustls_config_is_used() {
    use isows::rustls;
    use std::sync::Arc;
    let pki = tls::generate();
    let server = TestServer::start_tls(pki.identity).await;
    let config = |with_ca: bool| {
        let mut roots = rustls::RootCertStore::empty();
        if with_ca {
            let ca = isows::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap();
            roots.add(ca.der().to_vec().into()).unwrap();
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Arc::new(
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    };
    let ws = WebSocket::builder(&server.url("/echo"))
        .rustls_config(config(true))
        .connect()
        .unwrap();
    within(10, "open", ws.opened()).await.unwrap();
    ws.close();
    within(10, "close", ws.closed()).await;
    let ws = WebSocket::builder(&server.url("/echo"))
        .rustls_config(config(false))
        .connect()
        .unwrap();
    assert_tls_failure(&ws).await;
}

/// rustls needs no process-wide crypto provider and installs none: connections work before
/// any is installed, leave none installed, and still work after an application installs its
/// own (the situation where `ClientConfig::builder()` would panic is never reached).
#[cfg(all(feature = "rustls-core", not(feature = "native-tls")))]
#[tokio::test]
async fn rustls_needs_no_process_wide_provider_and_installs_none() {
    use isows::rustls::crypto::CryptoProvider;
    let pki = tls::generate();
    let server = TestServer::start_tls(pki.identity).await;
    let ca = isows::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap();
    let open = || async {
        let ws = WebSocket::builder(&server.url("/echo"))
            .add_root_certificate(ca.clone())
            .connect()
            .unwrap();
        within(10, "open", ws.opened()).await.unwrap();
        ws.close();
    };
    assert!(CryptoProvider::get_default().is_none());
    open().await;
    assert!(
        CryptoProvider::get_default().is_none(),
        "isows installed a provider"
    );
    let _ = isows::rustls::crypto::ring::default_provider().install_default();
    open().await;
}

/// `wss://` over a stream the caller opened: TLS runs over it with the builder's roots.
#[tokio::test]
async fn wss_over_a_given_stream() {
    let pki = tls::generate();
    let server = TestServer::start_tls(pki.identity).await;
    let ca = isows::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap();
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let ws = WebSocket::builder("wss://localhost/echo")
        .add_root_certificate(ca)
        .connect_with_stream(tcp)
        .unwrap();
    let mut rec = record(&ws);
    assert_eq!(rec.next().await, Ev::opened(""));
    ws.close();
    assert!(close_of(&rec.until_close().await).2);
}
