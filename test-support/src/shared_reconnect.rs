//! The reconnecting socket's bodies, run natively (`tests/reconnecting.rs`) and in headless
//! Chromium (`tests/browser.rs`) against the test server, and the recorder they use.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use isows::{kind, ReadyState, ReconnectingWebSocket};

use crate::recorder::{push, recv, Queue};
use crate::time::{timeout, within};

/// A reconnecting socket's events as short lines: `open`, `message <text>`, `error`,
/// `close <code> again` (a close that will be retried) or `close <code> final`.
pub struct Lines {
    queue: Arc<Mutex<Queue<String>>>,
}

/// Adds a listener of each type that records into the returned [`Lines`].
pub fn lines(ws: &ReconnectingWebSocket) -> Lines {
    let queue: Arc<Mutex<Queue<String>>> = Arc::default();
    let q = queue.clone();
    ws.add_event_listener(kind::Open, move |_| push(&q, "open".into()));
    let q = queue.clone();
    ws.add_event_listener(kind::Message, move |e| {
        push(&q, format!("message {}", e.data()))
    });
    let q = queue.clone();
    ws.add_event_listener(kind::Error, move |_| push(&q, "error".into()));
    let q = queue.clone();
    ws.add_event_listener(kind::Close, move |e| {
        let again = if e.will_reconnect() { "again" } else { "final" };
        push(&q, format!("close {} {again}", e.code()))
    });
    Lines { queue }
}

impl Lines {
    /// The next line, waiting at most `secs`.
    pub async fn next_within(&mut self, secs: u32) -> String {
        match timeout(secs * 1000, recv(&self.queue)).await {
            Some(line) => line,
            None => panic!("no event within {secs} s"),
        }
    }

    /// The next `n` lines, at most 10 s each.
    pub async fn take(&mut self, n: usize) -> Vec<String> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.next_within(10).await);
        }
        out
    }

    /// The next line if one comes within `ms`.
    pub async fn more_within(&mut self, ms: u32) -> Option<String> {
        timeout(ms, recv(&self.queue)).await
    }
}

/// The first connection is closed by the server with 1001 (Going Away): the close says it
/// will be retried, what is sent while down (from the close listener) is queued, and after
/// the next open it arrives first, in order, before what the open listener sends; then
/// `close()` ends it for good.
pub async fn rws_queue_leaves_in_order_after_the_reconnect(base: &str) {
    let count = Arc::new(Mutex::new(0u32));
    let (c, base_) = (count.clone(), base.to_owned());
    let ws = ReconnectingWebSocket::builder(&format!("{base}/echo"))
        .reconnection_delay(Duration::from_millis(50), Duration::from_millis(50))
        .url_fn(move || {
            let mut n = c.lock().unwrap();
            *n += 1;
            Ok::<_, String>(match *n {
                1 => format!("{base_}/remote-close?code=1001"),
                _ => format!("{base_}/echo"),
            })
        })
        .connect()
        .unwrap();
    let mut lines = lines(&ws);
    let w = ws.clone();
    ws.add_event_listener(kind::Close, move |e| {
        if e.will_reconnect() {
            assert_eq!(w.ready_state(), ReadyState::Connecting);
            w.send("q1").unwrap();
            w.send("q2").unwrap();
        }
    });
    let (w, opens) = (ws.clone(), Arc::new(Mutex::new(0)));
    ws.add_event_listener(kind::Open, move |_| {
        let mut n = opens.lock().unwrap();
        *n += 1;
        if *n == 2 {
            w.send("after").unwrap();
        }
    });
    assert_eq!(
        lines.take(6).await,
        [
            "open",
            "close 1001 again",
            "open",
            "message q1",
            "message q2",
            "message after"
        ]
    );
    assert_eq!(ws.retry_count(), 1);
    ws.close();
    assert_eq!(lines.next_within(10).await, "close 1005 final");
    let last = within(10, "closed()", ws.closed()).await;
    assert!(!last.will_reconnect());
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    assert_eq!(*count.lock().unwrap(), 2);
}

/// The default rule: a server's 1008 (Policy Violation) and 4401 are final; 4500 and 1011
/// are retried.
pub async fn rws_default_rule_on_server_codes(base: &str) {
    for (code, expected) in [
        (1008, "final"),
        (4401, "final"),
        (4500, "again"),
        (1011, "again"),
    ] {
        let ws = ReconnectingWebSocket::builder(&format!("{base}/remote-close?code={code}"))
            .reconnection_delay(Duration::from_secs(30), Duration::from_secs(30))
            .connect()
            .unwrap();
        let mut lines = lines(&ws);
        assert_eq!(
            lines.take(2).await,
            ["open".to_string(), format!("close {code} {expected}")]
        );
        if expected == "again" {
            assert_eq!(ws.ready_state(), ReadyState::Connecting);
            // Closing while it waits: a final close of its own, no new attempt.
            ws.close_with(4000, "bye").unwrap();
            assert_eq!(lines.next_within(10).await, "close 4000 final");
            assert_eq!(lines.more_within(200).await, None);
        }
        assert_eq!(ws.ready_state(), ReadyState::Closed);
        let last = within(10, "closed()", ws.closed()).await;
        assert!(!last.will_reconnect());
        assert_eq!(ws.send("late").unwrap_err().name(), "InvalidStateError");
    }
}

/// The application heartbeat against a server that answers (the echo server echoes it):
/// the connection stays open for many intervals.
pub async fn rws_heartbeat_kept_alive_by_answers(base: &str) {
    let ws = ReconnectingWebSocket::builder(&format!("{base}/echo"))
        .heartbeat("hb", Duration::from_millis(50), Duration::from_millis(400))
        .connect()
        .unwrap();
    let mut lines = lines(&ws);
    assert_eq!(lines.next_within(10).await, "open");
    for _ in 0..10 {
        assert_eq!(lines.next_within(10).await, "message hb");
    }
    assert_eq!(ws.ready_state(), ReadyState::Open);
    assert_eq!(ws.retry_count(), 0);
    ws.close();
    loop {
        let line = lines.next_within(10).await;
        if line.starts_with("close") {
            assert_eq!(line, "close 1005 final");
            break;
        }
    }
}
