//! The connection task's heartbeat (`ping_interval`, `pong_timeout`): it pings the server on
//! its own every interval, and fails the connection when nothing at all arrives within the
//! timeout after a ping (a pong, a message, any frame: a peer that sends is alive, even when
//! its pong waits behind its data). The round-trip time of the last answered ping is kept for
//! `WebSocket::last_rtt()`.
//!
//! While the task does not read (a stream's reader is at its mark, or a listener runs on
//! another thread), the peer cannot be judged: the timeout starts again once reading does.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Context;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use tokio::time::{sleep, Sleep};

use crate::Bytes;

/// The round-trip time of the last ping answered, in nanoseconds (0: none yet), shared with
/// the handles.
#[derive(Default)]
pub(crate) struct Rtt(AtomicU64);

impl Rtt {
    pub(crate) fn get(&self) -> Option<Duration> {
        match self.0.load(Ordering::Acquire) {
            0 => None,
            nanos => Some(Duration::from_nanos(nanos)),
        }
    }

    fn set(&self, rtt: Duration) {
        let nanos = u64::try_from(rtt.as_nanos()).unwrap_or(u64::MAX).max(1);
        self.0.store(nanos, Ordering::Release);
    }
}

/// The ping last sent, to time its pong (automatic or from `WebSocket::ping`). Boxed: a
/// socket that never pings keeps one pointer (W4 counts every byte of the task).
#[derive(Default)]
pub(crate) struct LastPing(Option<Box<(Bytes, Instant)>>);

impl LastPing {
    pub(crate) fn sent(&mut self, payload: Bytes) {
        self.0 = Some(Box::new((payload, Instant::now())));
    }

    /// A pong arrived: if it answers the last ping, that ping's round trip is the RTT. Out of
    /// line and cold: the read path that calls it stays as small as it was (measured: inlined,
    /// it moved tungstenite's frame reading out of line, +50 instructions per message).
    #[cold]
    #[inline(never)]
    pub(crate) fn pong(&mut self, payload: &[u8], rtt: &Rtt) {
        if let Some(last) = &self.0 {
            let (sent, at) = &**last;
            if sent[..] == *payload {
                rtt.set(at.elapsed());
                self.0 = None;
            }
        }
    }
}

pub(crate) struct Heartbeat {
    interval: Duration,
    timeout: Duration,
    /// When the next ping is due.
    next: Pin<Box<Sleep>>,
    /// Set after a ping: nothing received by then fails the connection.
    deadline: Option<Pin<Box<Sleep>>>,
    count: u64,
}

/// What the heartbeat asks of the task.
pub(crate) enum Beat {
    /// Nothing now.
    Idle,
    /// Send this ping.
    Ping(Bytes),
}

impl Heartbeat {
    /// A heartbeat pinging every `interval` and waiting `timeout` after each ping (the
    /// timeout defaults to the interval).
    pub(crate) fn new(interval: Duration, timeout: Option<Duration>) -> Heartbeat {
        Heartbeat {
            interval,
            timeout: timeout.unwrap_or(interval),
            next: Box::pin(sleep(interval)),
            deadline: None,
            count: 0,
        }
    }

    /// A ping, when one is due (and none is waiting for an answer).
    pub(crate) fn poll_ping(&mut self, cx: &mut Context<'_>) -> Beat {
        if self.next.poll_unpin(cx).is_pending() {
            return Beat::Idle;
        }
        let now = tokio::time::Instant::now();
        self.next.as_mut().reset(now + self.interval);
        // The next ping is polled once now, so that its timer is registered.
        let _ = self.next.poll_unpin(cx);
        if self.deadline.is_some() {
            return Beat::Idle;
        }
        let mut deadline = Box::pin(sleep(self.timeout));
        let _ = deadline.poll_unpin(cx);
        self.deadline = Some(deadline);
        self.count += 1;
        Beat::Ping(Bytes::copy_from_slice(&self.count.to_be_bytes()))
    }

    /// Something arrived from the peer: it is alive.
    #[inline]
    pub(crate) fn received(&mut self) {
        if self.deadline.is_some() {
            self.answered();
        }
    }

    #[cold]
    #[inline(never)]
    fn answered(&mut self) {
        self.deadline = None;
    }

    /// Whether the peer is dead: the timeout after a ping passed with nothing received,
    /// while the task was reading (`reading`; else the timeout starts again).
    pub(crate) fn poll_dead(&mut self, cx: &mut Context<'_>, reading: bool) -> bool {
        let Some(deadline) = &mut self.deadline else {
            return false;
        };
        if deadline.poll_unpin(cx).is_pending() {
            return false;
        }
        if reading {
            return true;
        }
        deadline
            .as_mut()
            .reset(tokio::time::Instant::now() + self.timeout);
        let _ = deadline.poll_unpin(cx);
        false
    }
}
