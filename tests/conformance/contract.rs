//! The event-delivery contract under concurrency, stalled peers and a dying runtime: one
//! listener at a time, sends in causal order, `close()` and every failure ending in exactly one
//! `close` event within the close timeout whatever the peer does, nothing held forever, and
//! memory bounded by the options. Each test here reproduces a way the contract once broke.
//!
//! The peers are raw TCP servers (`Peer`) on their own thread and runtime, so that a client
//! runtime can be dropped under them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use isows::{Error, ReadyState, WebSocket};

use crate::support::*;

/// What a raw peer does after the opening handshake.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// Reads nothing and sends nothing, until told to drain.
    NeverReads,
    /// Reads 1 KiB every 20 ms, until told to drain.
    SlowReader,
    /// Reads everything, never answers the Close frame.
    NoCloseReply,
    /// Sends one text message, then Close 1000 500 ms later, then ends TCP.
    TextThenClose,
    /// Sends unmasked pings with 125-byte payloads, as fast as it can, and reads nothing.
    PingFlood,
    /// Sends a binary frame header announcing 1 TiB, then one byte a second.
    HugeFrame,
    /// Answers the handshake with 120 extra headers, then echoes nothing and reads until EOF.
    ManyHeaders,
}

/// A one-connection raw server. `drain()` makes it read until EOF; `eof()` then says how long
/// after `drain()` the client's end was seen (the client's socket really closed).
struct Peer {
    addr: SocketAddr,
    drain: mpsc::Sender<()>,
    eof: mpsc::Receiver<Duration>,
}

impl Peer {
    fn start(mode: Mode) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (drain_tx, drain_rx) = mpsc::channel::<()>();
        let (eof_tx, eof_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let Ok((mut s, _)) = listener.accept() else {
                return;
            };
            if handshake(&mut s, mode).is_err() {
                return;
            }
            let drained = |s: &mut TcpStream| {
                let start = Instant::now();
                let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
                let mut buf = vec![0u8; 1 << 16];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                }
                let _ = eof_tx.send(start.elapsed());
            };
            let stop_after = Instant::now() + Duration::from_secs(30);
            match mode {
                Mode::NeverReads => {
                    let _ = drain_rx.recv_timeout(Duration::from_secs(30));
                }
                Mode::SlowReader => {
                    let _ = s.set_read_timeout(Some(Duration::from_millis(20)));
                    let mut buf = [0u8; 1024];
                    while drain_rx.try_recv().is_err() && Instant::now() < stop_after {
                        let _ = s.read(&mut buf);
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                Mode::NoCloseReply | Mode::ManyHeaders => {}
                Mode::TextThenClose => {
                    let _ = s.write_all(&frame(0x81, b"hello"));
                    std::thread::sleep(Duration::from_millis(500));
                    let _ = s.write_all(&frame(0x88, &1000u16.to_be_bytes()));
                    // Read the client's Close echo, then end TCP: the close event follows at once.
                    let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
                    let _ = s.read(&mut [0u8; 64]);
                    let _ = s.shutdown(std::net::Shutdown::Both);
                    return;
                }
                Mode::PingFlood => {
                    let ping = frame(0x89, &[7u8; 125]);
                    let burst: Vec<u8> = ping
                        .iter()
                        .copied()
                        .cycle()
                        .take(ping.len() * 512)
                        .collect();
                    let _ = s.set_write_timeout(Some(Duration::from_secs(10)));
                    for _ in 0..2_000 {
                        if s.write_all(&burst).is_err() || drain_rx.try_recv().is_ok() {
                            break;
                        }
                    }
                }
                Mode::HugeFrame => {
                    let mut header = vec![0x82, 127];
                    header.extend_from_slice(&(1u64 << 40).to_be_bytes());
                    let _ = s.write_all(&header);
                    for _ in 0..30 {
                        if s.write_all(&[0]).is_err() || drain_rx.try_recv().is_ok() {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(200));
                    }
                }
            }
            drained(&mut s);
        });
        Peer {
            addr,
            drain: drain_tx,
            eof: eof_rx,
        }
    }

    fn url(&self) -> String {
        format!("ws://{}/", self.addr)
    }

    /// Asks the peer to read until EOF; panics unless the client's end comes within `limit`.
    fn expect_eof(&self, limit: Duration) {
        let _ = self.drain.send(());
        let took = self
            .eof
            .recv_timeout(limit + Duration::from_secs(1))
            .expect("the peer saw no end of the connection");
        assert!(
            took <= limit,
            "the connection ended {took:?} after the drain"
        );
    }
}

/// An unmasked server frame with a short payload.
fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![first, payload.len() as u8];
    out.extend_from_slice(payload);
    out
}

fn handshake(s: &mut TcpStream, mode: Mode) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let key = head
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .unwrap_or_default();
    let mut response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n",
        accept_key(key)
    );
    if mode == Mode::ManyHeaders {
        for i in 0..120 {
            response.push_str(&format!("X-Extra-{i}: {i}\r\n"));
        }
    }
    response.push_str("\r\n");
    s.write_all(response.as_bytes())
}

/// Events as `(name, when)`, with the cause of an error and the close's code and cleanliness.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<(String, Instant)>>>);

impl Log {
    fn attach(&self, ws: &WebSocket) {
        let l = self.clone();
        ws.set_onerror(move |e| l.push(format!("error {:?}", e.cause())));
        let l = self.clone();
        ws.set_onclose(move |e| l.push(format!("close {} {}", e.code(), e.was_clean())));
    }
    fn push(&self, s: String) {
        self.0.lock().unwrap().push((s, Instant::now()));
    }
    fn names(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(n, _)| n.clone())
            .collect()
    }
    /// Waits (bounded by `limit`) for a close event; returns when it came.
    fn wait_close(&self, limit: Duration) -> Option<Instant> {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            let found = self
                .0
                .lock()
                .unwrap()
                .iter()
                .find(|(n, _)| n.starts_with("close"))
                .map(|(_, t)| *t);
            if found.is_some() {
                return found;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }
}

/// Runs `f` with `rt` as the current runtime (where new sockets' tasks go).
fn entered<T>(rt: &tokio::runtime::Runtime, f: impl FnOnce() -> T) -> T {
    let _enter = rt.enter();
    f()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// Bounded wait until the runtime runs no task (the socket's task is gone).
fn expect_no_tasks(rt: &tokio::runtime::Runtime, limit: Duration) {
    let end = Instant::now() + limit;
    while rt.metrics().num_alive_tasks() > 0 {
        assert!(Instant::now() < end, "the connection task is still alive");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[derive(Clone, Copy, Debug)]
enum Ending {
    Close,
    CloseWith,
    Failure,
    LastHandleDrop,
    RuntimeShutdown,
}

const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// What a loaded two-core machine may add to a time bound.
const SLACK: Duration = Duration::from_millis(1500);

/// One cell of the matrix: the peer stalls, the client ends the socket one way, and the
/// `close` event (where one can be observed), the end of TCP and the end of the task all
/// come within the close timeout plus slack.
fn close_completes(mode: Mode, ending: Ending) {
    let peer = Peer::start(mode);
    let rt = runtime();
    let mut builder = WebSocket::builder(&peer.url()).close_timeout(CLOSE_TIMEOUT);
    if let Ending::Failure = ending {
        builder = builder.max_buffered_amount(Some(4 << 20));
    }
    let ws = entered(&rt, || builder.connect().unwrap());
    let log = Log::default();
    if !matches!(ending, Ending::LastHandleDrop) {
        log.attach(&ws);
    }
    assert_eq!(ws.wait_opened(), Ok(Ok(())), "{mode:?} {ending:?}");
    // Queue far more than the peer reads: 16 MiB, or up to the send that crosses the limit.
    let chunk = vec![0u8; 64 << 10];
    let mut crossed = None;
    for _ in 0..256 {
        ws.send(&chunk[..]).unwrap();
        if ws.ready_state() != ReadyState::Open {
            crossed = Some(Instant::now());
            break;
        }
    }
    if crossed.is_none() && matches!(ending, Ending::Failure) {
        // A peer that reads fast can keep the buffer under the limit: one message larger
        // than the limit crosses it for sure.
        ws.send(vec![0u8; 5 << 20]).unwrap();
        assert_ne!(
            ws.ready_state(),
            ReadyState::Open,
            "the crossing send fails the socket"
        );
        crossed = Some(Instant::now());
    }
    let start = Instant::now();
    match ending {
        Ending::Close => ws.close(),
        Ending::CloseWith => ws.close_with(4000, "bye").unwrap(),
        Ending::Failure => assert!(crossed.is_some(), "the 4 MiB limit was never crossed"),
        Ending::LastHandleDrop => drop(ws.clone()),
        Ending::RuntimeShutdown => {}
    }
    match ending {
        Ending::LastHandleDrop => {
            drop(ws);
            std::thread::sleep(CLOSE_TIMEOUT + Duration::from_millis(300));
            peer.expect_eof(SLACK + Duration::from_secs(1));
            expect_no_tasks(&rt, SLACK);
        }
        Ending::RuntimeShutdown => {
            drop(rt);
            let at = log
                .wait_close(SLACK)
                .expect("no close event after the runtime was dropped");
            assert!(at - start <= SLACK);
            assert_eq!(log.names(), ["error Aborted", "close 1006 false"]);
            peer.expect_eof(SLACK + Duration::from_secs(1));
        }
        Ending::Failure => {
            let crossed = crossed.unwrap();
            let at = log
                .wait_close(SLACK)
                .expect("no close event after the buffer filled");
            assert!(
                at - crossed <= SLACK,
                "close {:?} after the crossing send",
                at - crossed
            );
            assert_eq!(log.names(), ["error SendBufferFull", "close 1006 false"]);
            peer.expect_eof(SLACK + Duration::from_secs(1));
            expect_no_tasks(&rt, SLACK);
        }
        Ending::Close | Ending::CloseWith => {
            let at = log.wait_close(CLOSE_TIMEOUT + SLACK).unwrap_or_else(|| {
                panic!("{mode:?} {ending:?}: no close event; {:?}", log.names())
            });
            assert!(
                at - start <= CLOSE_TIMEOUT + SLACK,
                "close after {:?}",
                at - start
            );
            assert!(
                at - start >= CLOSE_TIMEOUT - Duration::from_millis(100),
                "close too early"
            );
            assert_eq!(log.names(), ["close 1006 false"], "{mode:?} {ending:?}");
            peer.expect_eof(SLACK + Duration::from_secs(1));
            expect_no_tasks(&rt, SLACK);
        }
    }
}

macro_rules! matrix {
    ($($name:ident: $mode:ident, $ending:ident;)*) => {
        $(
            #[test]
            fn $name() {
                close_completes(Mode::$mode, Ending::$ending);
            }
        )*
    };
}

matrix! {
    never_reading_peer_close: NeverReads, Close;
    never_reading_peer_close_with: NeverReads, CloseWith;
    never_reading_peer_failure: NeverReads, Failure;
    never_reading_peer_last_handle_drop: NeverReads, LastHandleDrop;
    never_reading_peer_runtime_shutdown: NeverReads, RuntimeShutdown;
    slow_reader_close: SlowReader, Close;
    slow_reader_close_with: SlowReader, CloseWith;
    slow_reader_failure: SlowReader, Failure;
    slow_reader_last_handle_drop: SlowReader, LastHandleDrop;
    slow_reader_runtime_shutdown: SlowReader, RuntimeShutdown;
    no_close_reply_close: NoCloseReply, Close;
    no_close_reply_close_with: NoCloseReply, CloseWith;
    no_close_reply_failure: NoCloseReply, Failure;
    no_close_reply_last_handle_drop: NoCloseReply, LastHandleDrop;
    no_close_reply_runtime_shutdown: NoCloseReply, RuntimeShutdown;
}

/// Reproduction 1: a listener registered late runs the held message on the registering
/// thread; meanwhile the `close` (whose Close frame came 500 ms after the message) must wait
/// for it, on plain code (background runtime) and on a multi-thread runtime.
fn late_listener_is_never_overlapped(ws: WebSocket) {
    let busy = Arc::new(AtomicBool::new(false));
    let overlapped = Arc::new(AtomicBool::new(false));
    let (b, o) = (busy.clone(), overlapped.clone());
    let w = ws.clone();
    ws.set_onclose(move |_| {
        if b.load(Ordering::SeqCst) || w.ready_state() != ReadyState::Closed {
            o.store(true, Ordering::SeqCst);
        }
    });
    assert_eq!(ws.wait_opened(), Ok(Ok(())));
    std::thread::sleep(Duration::from_millis(200));
    let w = ws.clone();
    let b = busy.clone();
    let o = overlapped.clone();
    ws.set_onmessage(move |_| {
        b.store(true, Ordering::SeqCst);
        std::thread::sleep(Duration::from_secs(1));
        if w.ready_state() == ReadyState::Closed {
            o.store(true, Ordering::SeqCst); // the close was processed inside this listener
        }
        b.store(false, Ordering::SeqCst);
    });
    let close = ws
        .wait_closed_timeout(Duration::from_secs(10))
        .unwrap()
        .expect("close");
    assert_eq!(close.code(), 1000);
    assert!(
        !overlapped.load(Ordering::SeqCst),
        "close ran while message was running"
    );
}

#[test]
fn late_listener_and_next_event_never_overlap_on_plain_code() {
    let peer = Peer::start(Mode::TextThenClose);
    late_listener_is_never_overlapped(WebSocket::new(&peer.url()).unwrap());
}

#[test]
fn late_listener_and_next_event_never_overlap_on_a_multi_thread_runtime() {
    let peer = Peer::start(Mode::TextThenClose);
    let rt = runtime();
    let ws = entered(&rt, || WebSocket::new(&peer.url()).unwrap());
    late_listener_is_never_overlapped(ws);
}

/// Reproduction 2: a send from a listener, then one from a thread that the listener joins,
/// reach the server in that order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_leave_in_causal_order_across_threads() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let w = ws.clone();
    ws.set_onmessage(move |e| {
        let text = e.data().as_text().unwrap_or_default().to_owned();
        if text.starts_with("go") {
            w.send(format!("FIRST {text}")).unwrap();
            let w2 = w.clone();
            std::thread::spawn(move || w2.send(format!("SECOND {text}")).unwrap())
                .join()
                .unwrap();
        } else {
            tx.send(text).unwrap();
        }
    });
    within(10, "open", ws.opened()).await.unwrap();
    for i in 0..20 {
        ws.send(format!("go{i}")).unwrap();
        let first = within(10, "first echo", rx.recv()).await.unwrap();
        let second = within(10, "second echo", rx.recv()).await.unwrap();
        assert_eq!(
            (first, second),
            (format!("FIRST go{i}"), format!("SECOND go{i}"))
        );
    }
    ws.close();
}

/// Reproduction 4a: the runtime is dropped before the socket's task first ran.
#[test]
fn a_socket_whose_task_never_ran_still_ends() {
    let peer = Peer::start(Mode::NoCloseReply);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ws = entered(&rt, || WebSocket::new(&peer.url()).unwrap());
    let log = Log::default();
    log.attach(&ws);
    drop(rt);
    let close = ws
        .wait_closed_timeout(Duration::from_secs(5))
        .unwrap()
        .expect("a close event");
    assert_eq!((close.code(), close.was_clean()), (1006, false));
    assert_eq!(log.names(), ["error Aborted", "close 1006 false"]);
}

/// Reproduction 4b: "reconnect in onclose" while the runtime shuts down: the new socket ends
/// too (or, if it found no runtime, runs on the background one): it never stays CONNECTING.
#[test]
fn a_socket_created_during_runtime_shutdown_does_not_hang() {
    let peer = Peer::start(Mode::NoCloseReply);
    let second = Peer::start(Mode::NoCloseReply);
    let rt = runtime();
    let reconnected = Arc::new(Mutex::new(None::<WebSocket>));
    let ws = entered(&rt, || WebSocket::new(&peer.url()).unwrap());
    let (r, url) = (reconnected.clone(), second.url());
    ws.set_onclose(move |_| *r.lock().unwrap() = Some(WebSocket::new(&url).unwrap()));
    assert_eq!(ws.wait_opened(), Ok(Ok(())));
    drop(rt);
    let end = Instant::now() + Duration::from_secs(5);
    let again = loop {
        if let Some(ws) = reconnected.lock().unwrap().clone() {
            break ws;
        }
        assert!(Instant::now() < end, "onclose never ran");
        std::thread::sleep(Duration::from_millis(5));
    };
    while again.ready_state() == ReadyState::Connecting {
        assert!(Instant::now() < end, "the new socket stays CONNECTING");
        std::thread::sleep(Duration::from_millis(5));
    }
    again.close();
}

/// Reproduction 5: blocking waits inside a listener, in a `LocalSet`, and with
/// `Duration::MAX` return an error or a value; they neither wedge nor panic.
#[test]
fn blocking_waits_inside_a_listener_are_refused() {
    let peer = Peer::start(Mode::NoCloseReply);
    let rt = runtime();
    let ws = entered(&rt, || {
        WebSocket::builder(&peer.url())
            .close_timeout(Duration::from_millis(200))
            .connect()
            .unwrap()
    });
    let (tx, rx) = mpsc::channel();
    let w = ws.clone();
    ws.set_onopen(move |_| {
        let _ = tx.send((w.wait_closed().map(|_| ()), w.wait_opened().map(|_| ())));
    });
    let (closed, opened) = rx.recv_timeout(Duration::from_secs(5)).expect("onopen ran");
    assert!(
        matches!(closed, Err(Error::InvalidStateError(_))),
        "{closed:?}"
    );
    assert!(
        matches!(opened, Err(Error::InvalidStateError(_))),
        "{opened:?}"
    );
    // The socket still works after the refused waits.
    ws.close();
    assert!(ws
        .wait_closed_timeout(Duration::from_secs(5))
        .unwrap()
        .is_some());
}

#[test]
fn blocking_waits_in_a_local_set_are_refused() {
    let peer = Peer::start(Mode::NoCloseReply);
    let rt = runtime();
    let local = tokio::task::LocalSet::new();
    let result = local.block_on(&rt, async {
        let ws = WebSocket::new(&peer.url()).unwrap();
        tokio::task::spawn_local(async move { ws.wait_closed().map(|_| ()) })
            .await
            .unwrap()
    });
    assert!(
        matches!(result, Err(Error::InvalidStateError(_))),
        "{result:?}"
    );
}

#[test]
fn wait_closed_timeout_with_duration_max_waits_without_panicking() {
    let peer = Peer::start(Mode::NoCloseReply);
    let ws = WebSocket::builder(&peer.url())
        .close_timeout(Duration::from_millis(200))
        .connect()
        .unwrap();
    assert_eq!(ws.wait_opened(), Ok(Ok(())));
    let w = ws.clone();
    let closer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        w.close();
    });
    let close = ws
        .wait_closed_timeout(Duration::MAX)
        .unwrap()
        .expect("a close event");
    assert_eq!(close.code(), 1006);
    closer.join().unwrap();
}

/// Reproduction 6a: with no frame limit, a header announcing 1 TiB is refused by the message
/// limit instead of aborting the process.
#[test]
fn a_huge_frame_header_is_refused_by_the_message_limit() {
    let peer = Peer::start(Mode::HugeFrame);
    let ws = WebSocket::builder(&peer.url())
        .max_frame_size(None)
        .connect()
        .unwrap();
    let log = Log::default();
    log.attach(&ws);
    log.wait_close(Duration::from_secs(10))
        .expect("a close event");
    let names = log.names();
    assert!(names[0].starts_with("error MessageTooBig"), "{names:?}");
    assert_eq!(names[1], "close 1006 false");
}

/// Reproduction 6b: a peer that floods pings and reads nothing is failed with its own cause,
/// before the Pongs waiting for it grow without bound.
#[test]
fn a_ping_flood_without_reading_is_failed() {
    let peer = Peer::start(Mode::PingFlood);
    let ws = WebSocket::new(&peer.url()).unwrap();
    let log = Log::default();
    log.attach(&ws);
    log.wait_close(Duration::from_secs(20))
        .expect("a close event");
    assert_eq!(log.names(), ["error PingFlood", "close 1006 false"]);
    peer.expect_eof(Duration::from_secs(5));
}

#[test]
fn a_response_with_120_extra_headers_is_accepted() {
    let peer = Peer::start(Mode::ManyHeaders);
    let ws = WebSocket::new(&peer.url()).unwrap();
    assert_eq!(ws.wait_opened(), Ok(Ok(())));
    ws.close();
}

/// Reproduction 7: passwords stay out of `Debug` and error messages; URL credentials and an
/// `Authorization` header of the caller's own send one header, the caller's.
#[tokio::test]
async fn credentials_are_redacted_and_sent_once() {
    let ws = WebSocket::new("ws://user:hunter2@127.0.0.1:9/").unwrap();
    assert_eq!(
        ws.url(),
        "ws://user:hunter2@127.0.0.1:9/",
        "url() is what the browser gives"
    );
    let debug = format!("{ws:?}");
    assert!(
        debug.contains("user:***@") && !debug.contains("hunter2"),
        "{debug}"
    );
    let err = WebSocket::new("ws://user:hunter2@[::1/").unwrap_err();
    assert!(matches!(err, Error::SyntaxError(_)));
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("hunter2"), "{shown}");

    let server = TestServer::start().await;
    let url = server.url("/echo").replace("ws://", "ws://user:hunter2@");
    let ws = WebSocket::builder(&url)
        .header("Authorization", "Bearer own")
        .connect()
        .unwrap();
    within(10, "open", ws.opened()).await.unwrap();
    let log = server.wait_for_requests(1).await.remove(0);
    assert_eq!(log.header_count("authorization"), 1);
    assert_eq!(log.header("authorization"), Some("Bearer own"));
    ws.close();
}

/// Issue "handshakes take turns in creation order": C-20 with 2, 3 and 20 sockets, repeated on
/// a multi-thread runtime with other tasks busy; the server must see the handshakes in the
/// order the sockets were created. `C20_REPEAT` sets the repetitions (default 5).
#[test]
fn c_20_turns_are_taken_in_creation_order() {
    let repeat: usize = std::env::var("C20_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let stop = Arc::new(AtomicBool::new(false));
        let load: Vec<_> = (0..4)
            .map(|_| {
                let stop = stop.clone();
                tokio::spawn(async move {
                    let end = Instant::now() + Duration::from_secs(120);
                    while !stop.load(Ordering::Relaxed) && Instant::now() < end {
                        std::hint::black_box((0..2_000u64).sum::<u64>());
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        for round in 0..repeat {
            for n in [2usize, 3, 20] {
                let server = TestServer::start().await;
                let sockets: Vec<WebSocket> = (0..n)
                    .map(|i| {
                        WebSocket::new(&server.url(&format!("/handshake_sleep_2?ms=10&i={i}")))
                            .unwrap()
                    })
                    .collect();
                for ws in &sockets {
                    within(30, "open", ws.opened()).await.unwrap();
                }
                let order: Vec<usize> = server
                    .logs()
                    .iter()
                    .map(|l| {
                        let line = l.head.lines().next().unwrap_or_default();
                        let i = line.split("i=").nth(1).unwrap_or_default();
                        i.split(' ').next().unwrap_or_default().parse().unwrap()
                    })
                    .collect();
                assert_eq!(
                    order,
                    (0..n).collect::<Vec<_>>(),
                    "round {round}, {n} sockets"
                );
                for ws in &sockets {
                    ws.close();
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        for task in load {
            task.await.unwrap();
        }
    });
}

#[test]
fn sending_after_a_failure_is_not_an_error() {
    // The send that crosses the limit and every later one return Ok (the data is discarded).
    let peer = Peer::start(Mode::NeverReads);
    let ws = WebSocket::builder(&peer.url())
        .max_buffered_amount(Some(1 << 20))
        .connect()
        .unwrap();
    assert_eq!(ws.wait_opened(), Ok(Ok(())));
    // The kernel takes a few MiB first: send until the limit is crossed (at most 32 MiB).
    let mut crossed = false;
    for _ in 0..512 {
        assert_eq!(ws.send(vec![0u8; 64 << 10]), Ok(()));
        if ws.ready_state() != ReadyState::Open {
            crossed = true;
            break;
        }
    }
    assert!(crossed, "the 1 MiB limit was never crossed");
    for _ in 0..10 {
        assert_eq!(
            ws.send(vec![0u8; 64 << 10]),
            Ok(()),
            "a send after the failure"
        );
    }
    let close = ws
        .wait_closed_timeout(Duration::from_secs(5))
        .unwrap()
        .expect("close");
    assert_eq!(close.code(), 1006);
}

/// C-20: a socket closed, and one dropped, while waiting for its turn leave the line; the
/// next one's handshake starts as soon as the first is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_20_a_socket_leaving_the_line_does_not_block_the_others() {
    let server = TestServer::start().await;
    let url = |i: usize| server.url(&format!("/handshake_sleep_2?ms=300&i={i}"));
    let first = WebSocket::new(&url(0)).unwrap();
    let closed = WebSocket::new(&url(1)).unwrap();
    let dropped = WebSocket::new(&url(2)).unwrap();
    let last = WebSocket::new(&url(3)).unwrap();
    let mut r = record(&closed);
    closed.close();
    drop(dropped);
    let start = Instant::now();
    within(10, "first open", first.opened()).await.unwrap();
    within(10, "last open", last.opened()).await.unwrap();
    // Two handshakes of 300 ms one after the other; a stuck line would wait forever.
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        within(10, "close", r.names_until_close()).await,
        ["error", "close"]
    );
    let order: Vec<String> = server
        .logs()
        .iter()
        .map(|l| l.head.lines().next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        order.len(),
        2,
        "only the first and the last connected: {order:?}"
    );
    assert!(
        order[0].contains("i=0") && order[1].contains("i=3"),
        "{order:?}"
    );
    first.close();
    last.close();
}

/// Errors as Rust expects them: `std::error::Error` with the error underneath as `source()`,
/// `Send + Sync + 'static`, `Debug` on the builder.
#[tokio::test]
async fn error_causes_carry_their_source() {
    fn send_sync_static<T: Send + Sync + 'static>() {}
    send_sync_static::<isows::Error>();
    send_sync_static::<isows::ErrorCause>();
    // A port nobody listens on: refused, an I/O error underneath.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ws = WebSocket::new(&format!("ws://127.0.0.1:{port}/")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    ws.set_onerror(move |e| tx.send(e.cause().clone()).unwrap());
    let cause = within(10, "error", rx.recv()).await.unwrap();
    assert!(matches!(cause, isows::ErrorCause::Connect(_)), "{cause:?}");
    let source = std::error::Error::source(&cause).expect("an I/O error underneath");
    let io = source
        .downcast_ref::<std::io::Error>()
        .expect("std::io::Error");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
    let err: Box<dyn std::error::Error + Send + Sync> = Box::new(cause);
    assert!(err.to_string().starts_with("could not connect"));
    assert!(format!("{:?}", WebSocket::builder("ws://h/")).starts_with("WebSocketBuilder"));
}
