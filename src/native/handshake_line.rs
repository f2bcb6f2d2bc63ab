//! RFC 6455 §4.1 client step 2 (catalog C-20, `tests/CATALOG.md`): while a connection to a
//! server is CONNECTING, later connections to it wait, and they take their turns in the order
//! the sockets were created, as Chromium's per-endpoint queue does.
//!
//! The place in the line is taken synchronously in `WebSocket::new` (a [`PlaceInLine`]), not when
//! the connection task first runs, so the order does not depend on how tasks are scheduled.
//! A ticket dropped while waiting (the socket closed, dropped, or its runtime gone) leaves the
//! line and wakes whoever is now first. Keyed by host and port as written in the URL; the
//! per-IP-address slot in `dial.rs` still serialises two names of one address.

use std::collections::{HashMap, VecDeque};
use std::future::poll_fn;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::task::{Poll, Waker};

struct Place {
    id: u64,
    waker: Option<Waker>,
}

#[derive(Default)]
struct Lines {
    next_id: u64,
    /// Per key, the places in creation order (ids ascending, so a place is found by binary
    /// search).
    lines: HashMap<String, VecDeque<Place>>,
}

fn lines() -> MutexGuard<'static, Lines> {
    static LINES: OnceLock<Mutex<Lines>> = OnceLock::new();
    // std's Mutex even in loom builds: a static needs a `const` constructor.
    LINES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// A place in the line of one server; leaves the line when dropped.
pub(crate) struct PlaceInLine {
    key: String,
    id: u64,
}

impl PlaceInLine {
    /// Takes the last place in `key`'s line.
    pub(crate) fn take(key: String) -> PlaceInLine {
        let mut all = lines();
        let id = all.next_id;
        all.next_id += 1;
        all.lines
            .entry(key.clone())
            .or_default()
            .push_back(Place { id, waker: None });
        PlaceInLine { key, id }
    }

    /// Resolves once every ticket taken before this one for the same server is gone.
    pub(crate) async fn turn(&self) {
        poll_fn(|cx| {
            let mut all = lines();
            let Some(line) = all.lines.get_mut(&self.key) else {
                return Poll::Ready(());
            };
            if line.front().is_none_or(|p| p.id == self.id) {
                return Poll::Ready(());
            }
            if let Ok(i) = line.binary_search_by_key(&self.id, |p| p.id) {
                let waker = &mut line[i].waker;
                if !waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    *waker = Some(cx.waker().clone());
                }
            }
            Poll::Pending
        })
        .await
    }
}

impl Drop for PlaceInLine {
    fn drop(&mut self) {
        let waker = {
            let mut all = lines();
            let Some(line) = all.lines.get_mut(&self.key) else {
                return;
            };
            let Ok(i) = line.binary_search_by_key(&self.id, |p| p.id) else {
                return;
            };
            line.remove(i);
            let next = if i == 0 {
                line.front_mut().and_then(|p| p.waker.take())
            } else {
                None
            };
            if line.is_empty() {
                all.lines.remove(&self.key);
            }
            next
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::pin;
    use std::task::Context;

    fn ready(t: &PlaceInLine) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        pin!(t.turn()).poll(&mut cx).is_ready()
    }

    #[test]
    fn turns_go_in_creation_order_and_cancelled_places_leave_the_line() {
        let key = || "turns-test:1".to_owned();
        let a = PlaceInLine::take(key());
        let b = PlaceInLine::take(key());
        let c = PlaceInLine::take(key());
        let other = PlaceInLine::take("turns-test:2".into());
        assert!(ready(&a) && !ready(&b) && !ready(&c) && ready(&other));
        drop(b); // leaves while waiting: c is still behind a
        assert!(!ready(&c));
        drop(a);
        assert!(ready(&c));
        drop(c);
        assert!(
            !lines().lines.contains_key(&key()),
            "an empty line is removed"
        );
    }
}
