//! `ReconnectingWebSocket`, natively: a real server process killed and restarted on the same
//! port, a server that refuses N times then accepts, each class of close code, a silent
//! server caught by the application heartbeat, the backoff's delays on tokio's paused clock,
//! `min_uptime`, the queue's bound, `close()` and `reconnect()` in every state, and a careless
//! user (close from `onclose` during a retry, a URL closure that panics or fails, a runtime
//! dropped while backing off, 10,000 sockets to a dead server). Every wait is bounded.
#![cfg(not(target_arch = "wasm32"))]

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use isows::{kind, ErrorCause, ListenerOptions, ReadyState, ReconnectingWebSocket};
use isows_test_support::shared_reconnect::{self as shared, lines};
use isows_test_support::time::within;
use isows_test_support::TestServer;
use tokio::io::AsyncBufReadExt;
use tokio::net::TcpListener;

const FAST: Duration = Duration::from_millis(20);

/// A test server in a child process (this test binary again, running `server_child`), so
/// that it can be killed (SIGKILL: no Close, no FIN from a clean shutdown path) and started
/// again on the same port.
struct ServerProcess {
    child: tokio::process::Child,
}

impl ServerProcess {
    async fn start(addr: &str) -> ServerProcess {
        let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "server_child", "--ignored", "--nocapture"])
            .env("ISOWS_CHILD_SERVER_ADDR", addr)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut out = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        within(30, "the server process", async {
            while let Some(line) = out.next_line().await.unwrap() {
                if line.starts_with("LISTENING") {
                    return;
                }
            }
            panic!("the server process ended before listening");
        })
        .await;
        ServerProcess { child }
    }

    async fn kill(mut self) {
        self.child.kill().await.unwrap();
    }
}

// Ignored on purpose: not a test of its own but the server process of
// `killed_and_restarted_server`, which runs it as a child with the address set.
#[tokio::test]
#[ignore = "the child server process of killed_and_restarted_server"]
async fn server_child() {
    let addr =
        std::env::var("ISOWS_CHILD_SERVER_ADDR").expect("run by killed_and_restarted_server");
    let server = TestServer::start_at(&addr).await;
    println!("LISTENING {}", server.addr);
    // Bounded: the parent kills it long before.
    tokio::time::sleep(Duration::from_secs(120)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_and_restarted_server() {
    let port = isows_test_support::proxies::free_port();
    let addr = format!("127.0.0.1:{port}");
    let server = ServerProcess::start(&addr).await;
    let ws = ReconnectingWebSocket::builder(&format!("ws://{addr}/echo"))
        .reconnection_delay(FAST, Duration::from_millis(100))
        .jitter(0.0)
        .connect()
        .unwrap();
    let mut lines = lines(&ws);
    assert_eq!(lines.next_within(10).await, "open");
    ws.send("before").unwrap();
    assert_eq!(lines.next_within(10).await, "message before");
    server.kill().await;
    // The kernel ends the dead process's TCP: close 1006, to be retried.
    assert_eq!(lines.next_within(10).await, "close 1006 again");
    // While down: queued (the refused attempts come and go meanwhile).
    for i in 0..5 {
        ws.send(format!("queued {i}")).unwrap();
    }
    assert!(ws.buffered_amount() >= 5 * 8);
    let server = ServerProcess::start(&addr).await;
    let mut seen = Vec::new();
    while seen.len() < 5 {
        let line = lines.next_within(15).await;
        if line.starts_with("message") {
            seen.push(line);
        } else {
            // Refused attempts: error, close 1006 again; then the open.
            assert!(
                ["error", "close 1006 again", "open"].contains(&line.as_str()),
                "{line}"
            );
        }
    }
    assert_eq!(
        seen,
        (0..5)
            .map(|i| format!("message queued {i}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(ws.ready_state(), ReadyState::Open);
    ws.close();
    assert_eq!(lines.next_within(10).await, "close 1005 final");
    server.kill().await;
}

/// Accepts and drops the first `refusals` connections, then serves an echo with
/// tokio-tungstenite.
async fn refusing_server(refusals: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for _ in 0..refusals {
            let (tcp, _) = listener.accept().await.unwrap();
            drop(tcp);
        }
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                while let Some(Ok(m)) = ws.next().await {
                    if m.is_text() && ws.send(m).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("ws://{addr}/")
}

#[tokio::test]
async fn refused_three_times_then_accepted() {
    let url = refusing_server(3).await;
    let ws = ReconnectingWebSocket::builder(&url)
        .reconnection_delay(FAST, FAST)
        .connect()
        .unwrap();
    let causes = Arc::new(Mutex::new(Vec::new()));
    let c = causes.clone();
    ws.add_event_listener(kind::Error, move |e| {
        c.lock().unwrap().push(e.cause().clone())
    });
    let mut lines = lines(&ws);
    let mut expected = Vec::new();
    for _ in 0..3 {
        expected.extend(["error", "close 1006 again"]);
    }
    expected.push("open");
    assert_eq!(lines.take(7).await, expected);
    assert_eq!(ws.retry_count(), 3);
    assert!(causes
        .lock()
        .unwrap()
        .iter()
        .all(|c| matches!(c, ErrorCause::Handshake(_) | ErrorCause::ConnectionLost(_))));
    ws.send("hi").unwrap();
    assert_eq!(lines.next_within(10).await, "message hi");
    ws.close();
}

#[tokio::test]
async fn max_retries_ends_with_a_final_close() {
    let url = refusing_server(usize::MAX).await;
    let ws = ReconnectingWebSocket::builder(&url)
        .reconnection_delay(FAST, FAST)
        .max_retries(Some(2))
        .connect()
        .unwrap();
    let mut lines = lines(&ws);
    assert_eq!(
        lines.take(6).await,
        [
            "error",
            "close 1006 again",
            "error",
            "close 1006 again",
            "error",
            "close 1006 final"
        ]
    );
    let last = within(10, "closed()", ws.closed()).await;
    assert_eq!(last.code(), 1006);
    assert!(ws.opened().await.is_err());
    assert_eq!(ws.ready_state(), ReadyState::Closed);
}

#[tokio::test]
async fn server_close_codes() {
    let server = TestServer::start().await;
    shared::rws_default_rule_on_server_codes(&server.url("")).await;
    // A rule of the application's: retry nothing but 4000.
    let ws = ReconnectingWebSocket::builder(&server.url("/remote-close?code=1001"))
        .should_reconnect(|close| close.code() == 4000)
        .connect()
        .unwrap();
    let mut lines = lines(&ws);
    assert_eq!(lines.take(2).await, ["open", "close 1001 final"]);
}

#[tokio::test]
async fn queue_leaves_in_order_after_the_reconnect() {
    let server = TestServer::start().await;
    shared::rws_queue_leaves_in_order_after_the_reconnect(&server.url("")).await;
}

#[tokio::test]
async fn heartbeat_kept_alive_by_answers() {
    let server = TestServer::start().await;
    shared::rws_heartbeat_kept_alive_by_answers(&server.url("")).await;
}

/// A server that accepts and then goes silent (TCP open, nothing read or written): the
/// heartbeat fails the connection within interval + timeout, and it is retried.
#[tokio::test]
async fn silent_server_is_caught_by_the_heartbeat() {
    let server = TestServer::start().await;
    let ws = ReconnectingWebSocket::builder(&server.url("/silent"))
        .heartbeat(
            "ping?",
            Duration::from_millis(100),
            Duration::from_millis(200),
        )
        .reconnection_delay(Duration::from_secs(30), Duration::from_secs(30))
        .connect()
        .unwrap();
    let cause = Arc::new(Mutex::new(None));
    let c = cause.clone();
    ws.add_event_listener(kind::Error, move |e| {
        *c.lock().unwrap() = Some(e.cause().clone())
    });
    let mut lines = lines(&ws);
    assert_eq!(lines.next_within(10).await, "open");
    let started = std::time::Instant::now();
    assert_eq!(lines.take(2).await, ["error", "close 1006 again"]);
    // Within interval + timeout (plus scheduling slack).
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(*cause.lock().unwrap(), Some(ErrorCause::HeartbeatTimeout));
    ws.close();
    assert_eq!(lines.next_within(10).await, "close 1005 final");
}

/// An attempt that stays CONNECTING past `connection_timeout` is failed and retried.
#[tokio::test]
async fn connection_timeout_fails_the_attempt() {
    let server = TestServer::start().await;
    let ws = ReconnectingWebSocket::builder(&server.url("/never"))
        .connection_timeout(Some(Duration::from_millis(200)))
        .reconnection_delay(Duration::from_secs(30), Duration::from_secs(30))
        .connect()
        .unwrap();
    let cause = Arc::new(Mutex::new(None));
    let c = cause.clone();
    ws.add_event_listener(kind::Error, move |e| {
        *c.lock().unwrap() = Some(e.cause().clone())
    });
    let mut lines = lines(&ws);
    assert_eq!(lines.take(2).await, ["error", "close 1006 again"]);
    assert_eq!(*cause.lock().unwrap(), Some(ErrorCause::Timeout));
    ws.close();
    assert_eq!(lines.next_within(10).await, "close 1005 final");
}

/// The delays on tokio's paused clock: with no jitter exactly `min × grow^(n−1)` up to the
/// maximum; with jitter each within `[d × (1 − jitter), d]`. The provider fails every
/// attempt, so no I/O runs and the clock only moves with the timers.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn delays_follow_growth_and_jitter_on_a_paused_clock() {
    for jitter in [0.0, 0.5] {
        let times = Arc::new(Mutex::new(Vec::new()));
        let t = times.clone();
        let ws = ReconnectingWebSocket::builder("ws://unused/")
            .reconnection_delay(Duration::from_millis(100), Duration::from_millis(1000))
            .reconnection_delay_grow_factor(2.0)
            .jitter(jitter)
            .url_fn(move || {
                t.lock().unwrap().push(tokio::time::Instant::now());
                Err::<String, _>("no server today")
            })
            .connect()
            .unwrap();
        let mut lines = lines(&ws);
        for _ in 0..8 {
            assert_eq!(lines.take(2).await, ["error", "close 1006 again"]);
        }
        ws.close();
        let times = times.lock().unwrap().clone();
        let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
        let expected = [100, 200, 400, 800, 1000, 1000, 1000];
        for (gap, want) in gaps.iter().zip(expected) {
            let want = Duration::from_millis(want);
            if jitter == 0.0 {
                assert_eq!(*gap, want, "{gaps:?}");
            } else {
                let low = want.mul_f64(1.0 - jitter);
                // The paused clock advances in whole milliseconds.
                assert!(
                    *gap >= low && *gap <= want + Duration::from_millis(1),
                    "{gaps:?}"
                );
            }
        }
        assert_eq!(ws.retry_count(), 8);
    }
}

/// A connection that stayed open `min_uptime` resets the count: the next retry waits the
/// minimum again, not the grown delay.
#[tokio::test]
async fn min_uptime_resets_the_count() {
    let server = TestServer::start().await;
    let base = server.url("");
    let n = Arc::new(Mutex::new(0u32));
    let times = Arc::new(Mutex::new(Vec::new()));
    let (c, t) = (n.clone(), times.clone());
    let ws = ReconnectingWebSocket::builder("ws://unused/")
        .reconnection_delay(Duration::from_millis(50), Duration::from_secs(60))
        .reconnection_delay_grow_factor(10.0)
        .jitter(0.0)
        .min_uptime(Duration::from_millis(200))
        .url_fn(move || {
            let mut n = c.lock().unwrap();
            *n += 1;
            t.lock().unwrap().push(std::time::Instant::now());
            match *n {
                1..=2 => Err("down".to_string()),
                _ => Ok(format!("{base}/echo")),
            }
        })
        .connect()
        .unwrap();
    let mut lines = lines(&ws);
    assert_eq!(
        lines.take(5).await,
        [
            "error",
            "close 1006 again",
            "error",
            "close 1006 again",
            "open"
        ]
    );
    assert_eq!(ws.retry_count(), 2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(ws.retry_count(), 0, "stable after min_uptime");
    // The socket closed under it (as a server would): retried after the minimum (50 ms),
    // not after 50 ms × 10² (what the count of 2 would give).
    ws.socket().unwrap().close_with(4000, "").unwrap();
    assert_eq!(lines.take(2).await, ["close 4000 again", "open"]);
    let times = times.lock().unwrap().clone();
    let last = times[3] - times[2];
    assert!(
        last < Duration::from_millis(200) + Duration::from_millis(300) + Duration::from_secs(1)
    );
    assert_eq!(ws.retry_count(), 1);
    ws.close();
}

#[tokio::test]
async fn the_queue_is_bounded_and_close_refuses_sends() {
    let ws = ReconnectingWebSocket::builder("ws://127.0.0.1:9/")
        .start_closed(true)
        .max_enqueued_messages(3)
        .connect()
        .unwrap();
    for i in 0..3 {
        ws.send(format!("m{i}")).unwrap();
    }
    let err = ws.send("m3").unwrap_err();
    assert_eq!(err.name(), "QuotaExceededError");
    assert_eq!(ws.buffered_amount(), 6);
    ws.close();
    assert_eq!(ws.send("late").unwrap_err().name(), "InvalidStateError");
    let last = within(5, "closed()", ws.closed()).await;
    assert_eq!((last.code(), last.was_clean()), (1005, true));
    // And by bytes: 16 MiB at most.
    let ws = ReconnectingWebSocket::builder("ws://127.0.0.1:9/")
        .start_closed(true)
        .connect()
        .unwrap();
    ws.send(vec![0u8; 16 << 20]).unwrap();
    assert_eq!(
        ws.send(vec![0u8; 1]).unwrap_err().name(),
        "QuotaExceededError"
    );
}

/// `close()` in each state: CONNECTING (the socket's own close is final), OPEN, waiting to
/// reconnect, idle (`start_closed`); each ends with one final close and no attempt after.
#[tokio::test]
async fn close_stops_everything_in_every_state() {
    let server = TestServer::start().await;
    // CONNECTING (the handshake never finishes).
    let ws = ReconnectingWebSocket::new(&server.url("/never")).unwrap();
    let mut l = lines(&ws);
    ws.close();
    assert_eq!(ws.ready_state(), ReadyState::Closing);
    assert_eq!(l.take(2).await, ["error", "close 1006 final"]);
    // OPEN.
    let ws = ReconnectingWebSocket::new(&server.url("/echo")).unwrap();
    let mut l = lines(&ws);
    assert_eq!(l.next_within(10).await, "open");
    ws.close_with(1000, "done").unwrap();
    assert_eq!(l.next_within(10).await, "close 1000 final");
    // Waiting.
    let ws = ReconnectingWebSocket::builder(&server.url("/remote-close?code=1001"))
        .reconnection_delay(Duration::from_secs(30), Duration::from_secs(30))
        .connect()
        .unwrap();
    let mut l = lines(&ws);
    assert_eq!(l.take(2).await, ["open", "close 1001 again"]);
    ws.close();
    assert_eq!(l.next_within(10).await, "close 1005 final");
    // Idle.
    let ws = ReconnectingWebSocket::builder(&server.url("/echo"))
        .start_closed(true)
        .connect()
        .unwrap();
    let mut l = lines(&ws);
    ws.close();
    assert_eq!(l.next_within(10).await, "close 1005 final");
    assert_eq!(l.more_within(100).await, None);
    // No attempt after any of the four closes (the first may not have reached the server).
    let made = server.logs().len();
    assert!((2..=3).contains(&made), "{made}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.logs().len(), made);
}

/// `reconnect()`: starts a `start_closed` socket; on an open one, closes it (the close says
/// it will be retried) and opens a new one at once with the count at 0; after the final
/// close it is an `InvalidStateError`.
#[tokio::test]
async fn reconnect_by_hand() {
    let server = TestServer::start().await;
    let ws = ReconnectingWebSocket::builder(&server.url("/echo"))
        .start_closed(true)
        .reconnection_delay(Duration::from_secs(30), Duration::from_secs(30))
        .connect()
        .unwrap();
    let mut l = lines(&ws);
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    ws.reconnect(None).unwrap();
    assert_eq!(l.next_within(10).await, "open");
    ws.reconnect(Some((4001, "again"))).unwrap();
    assert_eq!(l.take(2).await, ["close 4001 again", "open"]);
    assert_eq!(ws.retry_count(), 0);
    assert_eq!(
        ws.reconnect(Some((1001, ""))).unwrap_err().name(),
        "InvalidAccessError"
    );
    ws.close();
    assert_eq!(l.next_within(10).await, "close 1005 final");
    assert_eq!(ws.reconnect(None).unwrap_err().name(), "InvalidStateError");
}

/// Listeners live across sockets: added once, they hear every connection; a `once`
/// listener hears one event in all; a removed one nothing more; an `on*` slot replaced
/// keeps its place.
#[tokio::test]
async fn listeners_live_across_sockets() {
    let server = TestServer::start().await;
    let base = server.url("");
    let n = Arc::new(Mutex::new(0u32));
    let c = n.clone();
    let ws = ReconnectingWebSocket::builder("ws://unused/")
        .reconnection_delay(FAST, FAST)
        .url_fn(move || {
            let mut n = c.lock().unwrap();
            *n += 1;
            Ok::<_, String>(match *n {
                1..=2 => format!("{base}/remote-close?code=1001"),
                _ => format!("{base}/echo"),
            })
        })
        .connect()
        .unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    ws.set_onopen(move |_| l.lock().unwrap().push("slot-1"));
    let l = log.clone();
    ws.add_event_listener_with_options(
        kind::Open,
        move |_| l.lock().unwrap().push("once"),
        ListenerOptions { once: true },
    );
    let l = log.clone();
    let removed = ws.add_event_listener(kind::Open, move |_| l.lock().unwrap().push("removed"));
    let l = log.clone();
    ws.add_event_listener(kind::Open, move |_| l.lock().unwrap().push("last"));
    let mut lines = lines(&ws);
    assert_eq!(lines.take(2).await, ["open", "close 1001 again"]);
    assert!(ws.remove_event_listener(removed));
    assert!(!ws.remove_event_listener(removed));
    let l = log.clone();
    ws.set_onopen(move |_| l.lock().unwrap().push("slot-2"));
    assert_eq!(lines.take(3).await, ["open", "close 1001 again", "open"]);
    assert_eq!(
        *log.lock().unwrap(),
        ["slot-1", "once", "removed", "last", "slot-2", "last", "slot-2", "last"]
    );
    ws.close();
}

/// A careless user: `close()` from inside `onclose` while a retry is decided ends it there;
/// a URL closure that panics or fails gives `error` (its cause says so) and `close` 1006, and
/// is retried.
#[tokio::test]
async fn close_from_onclose_and_a_failing_url_closure() {
    let server = TestServer::start().await;
    let ws = ReconnectingWebSocket::builder(&server.url("/remote-close?code=1001"))
        .reconnection_delay(FAST, FAST)
        .connect()
        .unwrap();
    let w = ws.clone();
    ws.add_event_listener(kind::Close, move |e| {
        if e.will_reconnect() {
            w.close();
        }
    });
    let mut l = lines(&ws);
    assert_eq!(
        l.take(3).await,
        ["open", "close 1001 again", "close 1005 final"]
    );
    assert_eq!(l.more_within(200).await, None);
    assert_eq!(server.logs().len(), 1);

    let n = Arc::new(Mutex::new(0u32));
    let c = n.clone();
    let base = server.url("");
    let ws = ReconnectingWebSocket::builder("ws://unused/")
        .reconnection_delay(FAST, FAST)
        .url_fn(move || {
            let k = {
                let mut n = c.lock().unwrap();
                *n += 1;
                *n
            };
            match k {
                1 => panic!("the provider panics (on purpose)"),
                2 => Err("no token".to_string()),
                3 => Ok("ftp://not-a-websocket/".to_string()),
                _ => Ok(format!("{base}/echo")),
            }
        })
        .connect()
        .unwrap();
    let causes = Arc::new(Mutex::new(Vec::new()));
    let c = causes.clone();
    ws.add_event_listener(kind::Error, move |e| {
        c.lock().unwrap().push(e.cause().to_string())
    });
    let mut l = lines(&ws);
    // The first attempt failed inside `connect()`, before any listener: its events were
    // held, as a socket holds them, and went to the first listener of each type (the
    // `causes` one for `error`).
    let mut expected = vec!["close 1006 again"];
    for _ in 0..2 {
        expected.extend(["error", "close 1006 again"]);
    }
    expected.push("open");
    let got = l.take(6).await;
    assert_eq!(got, expected, "{:?}", causes.lock().unwrap());
    let causes = causes.lock().unwrap().clone();
    assert!(causes[0].contains("panicked"), "{causes:?}");
    assert!(causes[1].contains("no token"), "{causes:?}");
    assert!(
        causes[2].contains("SyntaxError") || causes[2].contains("scheme"),
        "{causes:?}"
    );
    ws.close();
}

/// The runtime goes away while the socket waits to reconnect: the final close comes (cause
/// `Aborted`), and `closed()` resolves, instead of a wait forever.
#[test]
fn runtime_dropped_while_backing_off() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (ws, mut l) = rt.block_on(async {
        let ws = ReconnectingWebSocket::builder("ws://unused/")
            .reconnection_delay(Duration::from_secs(30), Duration::from_secs(30))
            .url_fn(|| Err::<String, _>("down"))
            .connect()
            .unwrap();
        let mut l = lines(&ws);
        assert_eq!(l.take(2).await, ["error", "close 1006 again"]);
        (ws, l)
    });
    drop(rt);
    let last = ws
        .wait_closed_timeout(Duration::from_secs(10))
        .unwrap()
        .expect("closed");
    assert_eq!(last.cause(), Some(&ErrorCause::Aborted));
    assert!(!last.will_reconnect());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    assert_eq!(rt.block_on(l.next_within(5)), "close 1006 final");
    assert_eq!(ws.ready_state(), ReadyState::Closed);
}

/// 10,000 reconnecting sockets to a dead port: timers and attempts stay bounded (no thread
/// per socket, and the process's open files stay near the attempts in flight), and all end
/// when closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_sockets_to_a_dead_server() {
    let port = isows_test_support::proxies::free_port();
    let url = format!("ws://127.0.0.1:{port}/");
    let threads_before = count_dir("/proc/self/task");
    let mut sockets = Vec::with_capacity(10_000);
    for _ in 0..10_000 {
        // RFC 6455's one CONNECTING connection per address would make them wait in line.
        let ws = isows::WebSocket::builder(&url)
            .serialize_handshakes(false)
            .reconnecting()
            .reconnection_delay(Duration::from_millis(200), Duration::from_secs(2))
            .connect()
            .unwrap();
        sockets.push(ws);
    }
    // Let them fail and retry a few times.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while sockets.iter().filter(|ws| ws.retry_count() >= 2).count() < 10_000 {
        assert!(std::time::Instant::now() < deadline, "retries too slow");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let threads = count_dir("/proc/self/task");
        assert!(
            threads <= threads_before + 8,
            "threads {threads_before} → {threads}"
        );
        let fds = count_dir("/proc/self/fd");
        assert!(fds < 5_000, "{fds} open files");
    }
    for ws in &sockets {
        ws.close();
    }
    within(30, "every final close", async {
        for ws in &sockets {
            let last = ws.closed().await;
            assert!(!last.will_reconnect());
        }
    })
    .await;
}

fn count_dir(path: &str) -> usize {
    std::fs::read_dir(path).map(|d| d.count()).unwrap_or(0)
}

/// The socket's own options (here a header and a subprotocol) apply to every attempt.
#[tokio::test]
async fn the_sockets_options_apply_to_every_attempt() {
    let server = TestServer::start().await;
    let ws = isows::WebSocket::builder(&server.url("/echo"))
        .header("X-Attempt", "every")
        .protocols(["echo"])
        .reconnecting()
        .connect()
        .unwrap();
    let mut l = lines(&ws);
    assert_eq!(l.next_within(10).await, "open");
    assert_eq!(ws.protocol(), "echo");
    ws.reconnect(None).unwrap();
    assert_eq!(l.take(2).await, ["close 1005 again", "open"]);
    assert_eq!(ws.protocol(), "echo");
    ws.close();
    assert_eq!(l.next_within(10).await, "close 1005 final");
    let logs = server.logs();
    assert_eq!(logs.len(), 2);
    for log in &logs {
        assert_eq!(log.header("x-attempt"), Some("every"));
        assert_eq!(log.header("sec-websocket-protocol"), Some("echo"));
    }
}
