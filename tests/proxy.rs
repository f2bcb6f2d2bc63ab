//! Proxies and addresses, through real processes on 127.0.0.1: tinyproxy (HTTP CONNECT with
//! Basic auth), dante (SOCKS5), a SOCKS5 server with user/password of the test support, and
//! the environment's proxy variables (read in a child process, so that no test changes this
//! process's environment). Also Happy Eyeballs: a name that resolves to a dead and a live
//! address.
#![cfg(not(target_arch = "wasm32"))]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use isows::{ErrorCause, ReadyState, WebSocket};
use isows_test_support as support;
use support::proxies::{danted, tinyproxy, Socks5Auth};
use support::recorder::close_of;
use support::*;

/// Opens, echoes one message, closes cleanly.
async fn round_trip(ws: WebSocket, what: &str) {
    let mut rec = record(&ws);
    assert_eq!(rec.next().await, Ev::opened(""), "{what}");
    ws.send("through").unwrap();
    assert_eq!(rec.next().await, Ev::text("through"), "{what}");
    ws.close();
    assert!(close_of(&rec.until_close().await).2, "{what}");
}

/// `error` with a proxy cause (whose text contains `needle`), then `close` 1006.
async fn proxy_failure(ws: WebSocket, needle: &str) {
    let events = record(&ws).until_close().await;
    match &events[0] {
        Ev::Error {
            cause: ErrorCause::Proxy(detail),
            state: ReadyState::Closed,
        } => assert!(detail.contains(needle), "{detail}"),
        other => panic!("expected a proxy error, got {other:?} in {events:?}"),
    }
    assert_eq!(close_of(&events), (1006, String::new(), false));
}

#[tokio::test]
async fn http_connect_through_tinyproxy_with_and_without_auth() {
    let server = TestServer::start().await;
    let open = tinyproxy(None).await;
    let url = server.url("/echo");
    let ws = WebSocket::builder(&url)
        .proxy(&format!("http://127.0.0.1:{}", open.port))
        .connect()
        .unwrap();
    round_trip(ws, "open tinyproxy").await;

    let guarded = tinyproxy(Some(("user", "s3cret"))).await;
    let ws = WebSocket::builder(&url)
        .proxy(&format!("http://user:s3cret@127.0.0.1:{}", guarded.port))
        .connect()
        .unwrap();
    round_trip(ws, "tinyproxy with Basic auth").await;
    for creds in ["", "user:wrong@"] {
        let ws = WebSocket::builder(&url)
            .proxy(&format!("http://{creds}127.0.0.1:{}", guarded.port))
            .connect()
            .unwrap();
        proxy_failure(ws, "authentication").await;
    }
    // The server saw the tunnelled handshakes only (two good ones).
    assert_eq!(server.logs().len(), 2, "{}", guarded.log());
}

#[tokio::test]
async fn wss_through_an_http_connect_tunnel() {
    let pki = tls::generate();
    let server = TestServer::start_tls(pki.identity).await;
    let proxy = tinyproxy(None).await;
    let ca = isows::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap();
    let url = format!("wss://localhost:{}/echo", server.addr.port());
    let ws = WebSocket::builder(&url)
        .proxy(&format!("127.0.0.1:{}", proxy.port))
        .add_root_certificate(ca)
        .connect()
        .unwrap();
    round_trip(ws, "wss through tinyproxy").await;
}

#[tokio::test]
async fn socks5_through_dante_and_its_refusal() {
    let server = TestServer::start().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let blocked_port = closed.local_addr().unwrap().port();
    let proxy = danted(blocked_port).await;
    for scheme in ["socks5", "socks5h"] {
        let ws = WebSocket::builder(&format!("ws://localhost:{}/echo", server.addr.port()))
            .proxy(&format!("{scheme}://127.0.0.1:{}", proxy.port))
            .connect()
            .unwrap();
        round_trip(ws, scheme).await;
    }
    // dante's rules refuse this destination: a SOCKS failure reply.
    let ws = WebSocket::builder(&format!("ws://127.0.0.1:{blocked_port}/"))
        .proxy(&format!("socks5://127.0.0.1:{}", proxy.port))
        .connect()
        .unwrap();
    proxy_failure(ws, "SOCKS5").await;
    drop(closed);
}

#[tokio::test]
async fn socks5_with_user_and_password() {
    let server = TestServer::start().await;
    let proxy = Socks5Auth::start("alice", "pa:ss").await;
    let url = server.url("/echo");
    let ws = WebSocket::builder(&url)
        .proxy(&format!("socks5h://alice:pa%3Ass@127.0.0.1:{}", proxy.port))
        .connect()
        .unwrap();
    round_trip(ws, "SOCKS5 with a password").await;
    let ws = WebSocket::builder(&url)
        .proxy(&format!("socks5h://alice:wrong@127.0.0.1:{}", proxy.port))
        .connect()
        .unwrap();
    proxy_failure(ws, "SOCKS5").await;
    // A proxy that is not there is a proxy error too, not a connection error to the server.
    let gone = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = gone.local_addr().unwrap().port();
    drop(gone);
    let ws = WebSocket::builder(&url)
        .proxy(&format!("http://127.0.0.1:{port}"))
        .connect()
        .unwrap();
    proxy_failure(ws, "could not reach the proxy").await;
    let tunnels = proxy.tunnels.lock().unwrap().clone();
    assert_eq!(tunnels, [format!("127.0.0.1:{}", server.addr.port())]);
}

/// The environment's proxy variables, read in a child process (this test binary again, running
/// only `environment_child`): `ALL_PROXY` sends `ws://echo.test:…` through the SOCKS5 server
/// (which resolves `.test` names), `no_proxy=direct.test` sends that name direct, a loopback
/// address goes direct without being listed, and `no_proxy()` on the builder ignores the
/// variables. `https_proxy` names a proxy isows cannot use (`socks4://`): a `wss://` socket
/// fails with a proxy error naming the variable (and never its password) instead of going
/// direct, as curl refuses it.
#[tokio::test]
async fn proxy_variables_of_the_environment() {
    let server = TestServer::start().await;
    let proxy = Socks5Auth::start("env", "pw").await;
    let status = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "environment_child", "--ignored", "--nocapture"])
        .env("ISOWS_CHILD_SERVER_PORT", server.addr.port().to_string())
        .env(
            "ALL_PROXY",
            format!("socks5h://env:pw@127.0.0.1:{}", proxy.port),
        )
        .env("no_proxy", "direct.test")
        .env("https_proxy", "socks4://env:hidden@127.0.0.1:1")
        .env_remove("HTTPS_PROXY")
        .env_remove("all_proxy")
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("NO_PROXY")
        .status();
    let status = within(60, "the child test", status).await.unwrap();
    assert!(status.success(), "the child test failed");
    // Only the first of the child's four sockets went through the proxy.
    let tunnels = proxy.tunnels.lock().unwrap().clone();
    assert_eq!(tunnels, [format!("echo.test:{}", server.addr.port())]);
    assert_eq!(server.logs().len(), 4);
}

// Ignored on purpose: not a test of its own but the child half of
// `proxy_variables_of_the_environment`, which runs it in a child process with the proxy
// variables set (so no test changes this process's environment). Run alone, it fails at once
// with a message saying so.
#[tokio::test]
#[ignore = "run by proxy_variables_of_the_environment in a child process with the proxy variables set"]
async fn environment_child() {
    let port: u16 = std::env::var("ISOWS_CHILD_SERVER_PORT")
        .expect("run by proxy_variables_of_the_environment")
        .parse()
        .unwrap();
    // Names only the proxy (or a pinned address) can resolve: a direct socket that wrongly
    // went through the proxy, or the reverse, fails.
    let pinned = |name: &str| {
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        WebSocket::builder(&format!("ws://{name}:{port}/echo")).resolve_to_addrs(name, &[addr])
    };
    let proxied = WebSocket::new(&format!("ws://echo.test:{port}/echo")).unwrap();
    round_trip(proxied, "through the environment's proxy").await;
    let listed = pinned("direct.test").connect().unwrap();
    round_trip(listed, "no_proxy=direct.test").await;
    let loopback = WebSocket::new(&format!("ws://127.0.0.1:{port}/echo")).unwrap();
    round_trip(loopback, "loopback goes direct").await;
    let opted_out = pinned("optout.test").no_proxy().connect().unwrap();
    round_trip(opted_out, "builder.no_proxy()").await;
    // Direct, it would reach the (plain) server and fail its TLS handshake instead.
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let unusable = WebSocket::builder(&format!("wss://bad.test:{port}/echo"))
        .resolve_to_addrs("bad.test", &[addr])
        .connect()
        .unwrap();
    let events = record(&unusable).until_close().await;
    match &events[0] {
        Ev::Error {
            cause: ErrorCause::Proxy(detail),
            ..
        } => {
            assert!(detail.contains("https_proxy"), "{detail}");
            assert!(!detail.contains("hidden"), "{detail}");
        }
        other => panic!("expected a proxy error, got {other:?} in {events:?}"),
    }
}

/// A listening socket that never answers: its accept queue (backlog 0) is already full, so
/// a SYN to it gets no reply, like a dead host's.
async fn unanswering_address() -> (tokio::net::TcpListener, TcpStreamHold) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let filler = tokio::net::TcpStream::connect(addr).await.unwrap();
    (listener, TcpStreamHold(filler))
}

struct TcpStreamHold(#[allow(dead_code)] tokio::net::TcpStream);

/// Happy Eyeballs: a name that resolves to a dead address first and a live one second opens
/// after one attempt delay (250 ms), not after the handshake timeout; a refused address
/// moves on at once; the server's turn is unchanged.
#[tokio::test]
async fn a_name_with_a_dead_and_a_live_address_opens() {
    let server = TestServer::start().await;
    let (dead, _filler) = unanswering_address().await;
    let dead_addr = dead.local_addr().unwrap();
    // A SYN to the full queue really gets no answer (else this test proves nothing).
    let probe = tokio::time::timeout(
        Duration::from_millis(500),
        tokio::net::TcpStream::connect(dead_addr),
    )
    .await;
    assert!(probe.is_err(), "the dead address answered: {probe:?}");
    let refused: SocketAddr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let live: SocketAddr = server.addr;
    for (addrs, what) in [
        (vec![dead_addr, live], "dead then live"),
        (vec![refused, live], "refused then live"),
        (vec![refused, dead_addr, live], "refused, dead, live"),
    ] {
        let started = Instant::now();
        let ws = WebSocket::builder(&format!("ws://echo.test:{}/echo", live.port()))
            .resolve_to_addrs("echo.test", &addrs)
            .handshake_timeout(Duration::from_secs(20))
            .connect()
            .unwrap();
        round_trip(ws, what).await;
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{what}: {:?}",
            started.elapsed()
        );
    }
    // Only dead addresses: the handshake timeout ends it, with the timeout's cause.
    let ws = WebSocket::builder("ws://dead.test/")
        .resolve_to_addrs("dead.test", &[dead_addr])
        .handshake_timeout(Duration::from_millis(600))
        .connect()
        .unwrap();
    let events = record(&ws).until_close().await;
    assert!(
        matches!(
            &events[0],
            Ev::Error {
                cause: ErrorCause::Timeout,
                ..
            }
        ),
        "{events:?}"
    );
    // The Host header is the name, not the address.
    let logs = server.logs();
    assert_eq!(
        logs[0].header("Host"),
        Some(format!("echo.test:{}", live.port()).as_str())
    );
}
