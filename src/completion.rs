//! A value that is set once and can be awaited or waited for: backs `opened()`/`closed()`
//! and their blocking forms. A blocking wait is a waiter like any other: its waker unparks the
//! waiting thread (no condition variable; the backend decides first whether the thread may
//! block at all, `Backend::block_on`).

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use crate::primitives::Lock;

pub(crate) struct Completion<T> {
    state: Lock<(Option<T>, Vec<Waker>)>,
}

/// Wakes a thread parked in [`Completion::wait_blocking`].
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

impl<T: Clone> Completion<T> {
    pub(crate) fn new() -> Self {
        Completion {
            state: Lock::new((None, Vec::new())),
        }
    }

    /// Sets the value unless it is set already, and wakes every waiter.
    pub(crate) fn complete(&self, value: T) {
        let mut wakers = {
            let mut g = self.state.lock();
            if g.0.is_some() {
                return;
            }
            g.0 = Some(value);
            std::mem::take(&mut g.1)
        };
        while let Some(waker) = wakers.pop() {
            waker.wake();
        }
    }

    /// A future of the value.
    pub(crate) fn wait_async<'a>(&'a self) -> impl Future<Output = T> + 'a {
        std::future::poll_fn(move |cx| self.poll(cx))
    }

    /// The value, or `Pending` with the task's waker kept until it is set.
    pub(crate) fn poll(&self, cx: &mut Context<'_>) -> Poll<T> {
        let mut g = self.state.lock();
        if let Some(v) = &g.0 {
            return Poll::Ready(v.clone());
        }
        if !g.1.iter().any(|w| w.will_wake(cx.waker())) {
            g.1.push(cx.waker().clone());
        }
        Poll::Pending
    }

    /// Blocks the thread until the value is set or the timeout passes (only where the
    /// backend allows blocking).
    pub(crate) fn wait_blocking(&self, timeout: Option<Duration>) -> Option<T> {
        park_until(
            timeout,
            |cx| self.poll(cx),
            |waker| {
                // Timed out: this waiter's waker leaves (a caller polling with short timeouts
                // must not grow the list).
                self.state.lock().1.retain(|w| !w.will_wake(waker));
            },
        )
    }
}

/// Polls `poll` on this thread, parking between polls, until it is ready or `timeout` passes
/// (then `gone` is given the waker that was used, and `None` comes back).
pub(crate) fn park_until<T>(
    timeout: Option<Duration>,
    mut poll: impl FnMut(&mut Context<'_>) -> Poll<T>,
    gone: impl FnOnce(&Waker),
) -> Option<T> {
    // A timeout too large for an `Instant` (`Duration::MAX`) is no timeout.
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = poll(&mut cx) {
            return Some(v);
        }
        let left = match deadline {
            None => None,
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) => Some(left),
                None => break,
            },
        };
        match left {
            None => std::thread::park(),
            Some(left) => std::thread::park_timeout(left),
        }
    }
    gone(&waker);
    None
}
