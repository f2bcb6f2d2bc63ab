//! Why it failed, on every path: each cause a user can meet (refused, DNS, TLS, an HTTP status
//! with its body, a handshake timeout, a proxy, a reset after open, a protocol violation, a
//! close timeout) reaches the listener API (`error` event and `CloseEvent::cause`) and the
//! stream API (`WebSocketError::cause` on `opened`, `closed` and the reader) alike, and is the
//! `source()` of the error. Also: `?` from every fallible call into
//! `Box<dyn Error + Send + Sync>`, and a reader cancelled by `select!` losing nothing.
#![cfg(not(target_arch = "wasm32"))]

use std::error::Error as StdError;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use isows::{ErrorCause, WebSocket, WebSocketBuilder, WebSocketStream};
use isows_test_support::TestServer;

type BoxError = Box<dyn StdError + Send + Sync>;

/// Every wait of this file is bounded by this.
const BOUND: Duration = Duration::from_secs(15);

async fn bounded<F: std::future::Future>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(BOUND, f)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {BOUND:?}"))
}

use isows_test_support::proxies::free_port as closed_port;

struct Case {
    name: &'static str,
    builder: Box<dyn Fn() -> WebSocketBuilder>,
    /// The cause expected.
    is: fn(&ErrorCause) -> bool,
    /// Whether the socket opens first (the cause then comes with `close`, not `error`).
    opens: bool,
    /// What the test does once it opened.
    close_after_open: bool,
}

/// `tls_server` has a certificate nobody trusts.
fn cases(server: &TestServer, tls_server: &TestServer) -> Vec<Case> {
    let url = |path: &str| server.url(path);
    let tls = tls_server.url("/echo");
    let (refuse, never, silent, reset) = (
        url("/refuse?status=403&len=40"),
        url("/never"),
        url("/silent"),
        url("/remote-close?abrupt=1"),
    );
    // A text frame with a reserved opcode (3).
    let protocol = url("/raw?hex=8300");
    let echo = url("/echo");
    let closed = closed_port();
    vec![
        Case {
            name: "refused",
            builder: Box::new(move || WebSocket::builder(&format!("ws://127.0.0.1:{closed}/"))),
            is: |c| matches!(c, ErrorCause::Connect(_)),
            opens: false,
            close_after_open: false,
        },
        Case {
            name: "dns",
            builder: Box::new(|| WebSocket::builder("ws://example.invalid/")),
            is: |c| matches!(c, ErrorCause::Dns(_)),
            opens: false,
            close_after_open: false,
        },
        Case {
            name: "tls",
            builder: Box::new(move || WebSocket::builder(&tls)),
            is: |c| matches!(c, ErrorCause::Tls(_)),
            opens: false,
            close_after_open: false,
        },
        Case {
            name: "http 403 with its body",
            builder: Box::new(move || WebSocket::builder(&refuse)),
            is: |c| match c {
                ErrorCause::UnexpectedResponse(r) => r.status() == 403 && !r.body().is_empty(),
                _ => false,
            },
            opens: false,
            close_after_open: false,
        },
        Case {
            name: "handshake timeout",
            builder: Box::new(move || {
                WebSocket::builder(&never).handshake_timeout(Duration::from_millis(300))
            }),
            is: |c| matches!(c, ErrorCause::Timeout),
            opens: false,
            close_after_open: false,
        },
        Case {
            name: "proxy",
            builder: Box::new(move || {
                WebSocket::builder(&echo).proxy(&format!("http://127.0.0.1:{closed}"))
            }),
            is: |c| matches!(c, ErrorCause::Proxy(_)),
            opens: false,
            close_after_open: false,
        },
        Case {
            name: "reset after open",
            builder: Box::new(move || WebSocket::builder(&reset)),
            is: |c| matches!(c, ErrorCause::ConnectionLost(_)),
            opens: true,
            close_after_open: false,
        },
        Case {
            name: "protocol violation",
            builder: Box::new(move || WebSocket::builder(&protocol)),
            is: |c| matches!(c, ErrorCause::Protocol(_)),
            opens: true,
            close_after_open: false,
        },
        Case {
            name: "close timeout",
            builder: Box::new(move || {
                WebSocket::builder(&silent).close_timeout(Duration::from_millis(300))
            }),
            is: |c| matches!(c, ErrorCause::CloseTimeout),
            opens: true,
            close_after_open: true,
        },
    ]
}

/// The cause is the error's `source()`, and says something.
fn check_source(name: &str, error: &(dyn StdError + 'static), cause: &ErrorCause) {
    let source = error
        .source()
        .unwrap_or_else(|| panic!("{name}: no source"));
    assert_eq!(source.to_string(), cause.to_string(), "{name}");
    assert!(!cause.to_string().is_empty(), "{name}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cause_reaches_the_listener_api() {
    let server = TestServer::start().await;
    let tls_server = TestServer::start_tls(isows_test_support::tls::generate().identity).await;
    for case in cases(&server, &tls_server) {
        let ws = (case.builder)().connect().unwrap();
        let errors = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = errors.clone();
        ws.set_onerror(move |e| seen.lock().unwrap().push(e.cause().clone()));
        if case.close_after_open {
            bounded(case.name, ws.opened()).await.unwrap();
            ws.close();
        }
        let close = bounded(case.name, ws.closed()).await;
        assert!(!close.was_clean(), "{}: {close:?}", case.name);
        let cause = close
            .cause()
            .unwrap_or_else(|| panic!("{}: no cause", case.name));
        assert!((case.is)(cause), "{}: {cause:?}", case.name);
        check_source(case.name, &close, cause);
        let errors = errors.lock().unwrap().clone();
        match case.opens && !matches!(cause, ErrorCause::Protocol(_)) {
            // Lost after open: `close` 1006 without `error`, as in the browser (CL-22).
            true => assert!(errors.is_empty(), "{}: {errors:?}", case.name),
            // Failed: the `error` event has the same cause.
            false => assert_eq!(errors, std::slice::from_ref(cause), "{}", case.name),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cause_reaches_the_stream_api() {
    let server = TestServer::start().await;
    let tls_server = TestServer::start_tls(isows_test_support::tls::generate().identity).await;
    for case in cases(&server, &tls_server) {
        let ws = (case.builder)().stream().connect().unwrap();
        if !case.opens {
            let opened = bounded(case.name, ws.opened()).await.unwrap_err();
            let cause = opened
                .cause()
                .unwrap_or_else(|| panic!("{}: none", case.name));
            assert!((case.is)(cause), "{}: {cause:?}", case.name);
            check_source(case.name, &opened, cause);
            let closed = bounded(case.name, ws.closed()).await.unwrap_err();
            assert_eq!(closed.cause(), Some(cause), "{}", case.name);
            continue;
        }
        let mut opened = bounded(case.name, ws.opened()).await.unwrap();
        if case.close_after_open {
            ws.close_with(4000, "bye").unwrap();
        }
        let closed = bounded(case.name, ws.closed()).await.unwrap_err();
        let cause = closed
            .cause()
            .unwrap_or_else(|| panic!("{}: none", case.name));
        assert!((case.is)(cause), "{}: {cause:?}", case.name);
        check_source(case.name, &closed, cause);
        // The reader ends with the same error.
        let read = bounded(case.name, opened.reader.next()).await;
        match read {
            Some(Err(e)) => assert!(e.is_same(&closed), "{}: {e:?}", case.name),
            other => panic!("{}: {other:?}", case.name),
        }
    }
}

/// What a user writes: every fallible call with `?` into one boxed error type. Compiling is
/// most of the test; running it checks that the errors that come out still carry their
/// DOMException names and causes.
async fn uses_question_marks(url: &str) -> Result<(), BoxError> {
    let ws = WebSocket::new(url)?;
    let ws2 = WebSocket::with_protocols(url, ["chat"])?;
    let ws3 = WebSocket::builder(url).connect()?;
    ws.opened().await?;
    ws.send("hello")?;
    ws.close_with(4000, "bye")?;
    let close = ws.closed().await;
    assert_eq!(close.code(), 4000);
    ws2.set_binary_type("arraybuffer".parse()?);
    ws2.close();
    let blocking = ws3.clone();
    tokio::task::spawn_blocking(move || -> Result<(), BoxError> {
        blocking.wait_opened()??;
        blocking.close();
        blocking.wait_closed()?;
        blocking.wait_closed_timeout(Duration::from_secs(1))?;
        Ok(())
    })
    .await??;

    let stream = WebSocketStream::new(url)?;
    let stream2 = WebSocketStream::with_protocols(url, ["chat"])?;
    let stream3 = WebSocket::builder(url).stream().connect()?;
    let mut opened = stream.opened().await?;
    opened.writer.send("echo me".into()).await?;
    let echoed = opened.reader.next().await.ok_or("ended")??;
    assert_eq!(echoed.as_text(), Some("echo me"));
    stream.close_with(4001, "done")?;
    stream.close(isows::CloseInfo::default())?;
    let info = stream.closed().await?;
    assert_eq!(info.close_code, Some(4001));
    stream2.close(isows::CloseInfo::default())?;
    stream3.close_with(1000, "")?;
    let _ = isows::WebSocketError::new("reason", Some(4000), "r")?;
    Ok(())
}

/// Fails with `e`, through `?`, into the boxed type.
async fn fails_with(url: &str) -> Result<(), BoxError> {
    let ws = WebSocket::new(url)?;
    ws.opened().await?;
    Ok(())
}

async fn stream_fails_with(url: &str) -> Result<(), BoxError> {
    let ws = WebSocketStream::new(url)?;
    ws.opened().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn question_marks_compose_into_one_boxed_error() {
    let server = TestServer::start().await;
    bounded("the happy path", uses_question_marks(&server.url("/echo")))
        .await
        .unwrap();
    // A DOMException keeps its name through the box.
    let e = fails_with("ftp://h/").await.unwrap_err();
    let e = e.downcast::<isows::Error>().unwrap();
    assert_eq!(e.name(), "SyntaxError");
    // A failed open: the close event, with its cause as the source.
    let refused = format!("ws://127.0.0.1:{}/", closed_port());
    let e = bounded("refused", fails_with(&refused)).await.unwrap_err();
    let source = e.source().expect("the cause");
    assert!(source.to_string().contains("could not connect"), "{source}");
    assert!(e.downcast_ref::<isows::CloseEvent>().is_some(), "{e:?}");
    let e = bounded("refused", stream_fails_with(&refused))
        .await
        .unwrap_err();
    let e = e.downcast::<isows::WebSocketError>().unwrap();
    // Unboxed first: `Box<E>` has the deprecated `Error::cause` of its own.
    assert!(
        matches!((*e).cause(), Some(ErrorCause::Connect(_))),
        "{e:?}"
    );
}

/// `reader.next()` in `select!` against a timer that fires often: the losing branch's
/// `next()` is dropped again and again, and still every message arrives once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_cancelled_by_select_loses_nothing() {
    let server = TestServer::start().await;
    let ws = WebSocketStream::new(&server.url("/echo")).unwrap();
    let mut opened = bounded("opened", ws.opened()).await.unwrap();
    const N: usize = 2_000;
    let writer = tokio::spawn(async move {
        for i in 0..N {
            opened.writer.feed(format!("{i}").into()).await.unwrap();
        }
        opened.writer.flush().await.unwrap();
        opened.writer
    });
    let mut next = 0;
    let mut cancelled = 0u64;
    let mut ticker = tokio::time::interval(Duration::from_micros(50));
    let started = std::time::Instant::now();
    while next < N {
        assert!(started.elapsed() < BOUND, "{next} of {N}");
        tokio::select! {
            m = opened.reader.next() => {
                let m = m.unwrap().unwrap();
                assert_eq!(m.as_text(), Some(next.to_string().as_str()));
                next += 1;
            }
            _ = ticker.tick() => cancelled += 1,
        }
    }
    println!("{N} messages read while {cancelled} next() futures were dropped");
    let _writer = writer.await.unwrap();
    ws.close(isows::CloseInfo::default()).unwrap();
}
