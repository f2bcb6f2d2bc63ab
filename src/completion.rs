//! A value that is set once and can be awaited or waited for: backs `opened()`/`closed()`
//! and their blocking forms.

#[cfg(not(target_arch = "wasm32"))]
use crate::sync::Condvar;
use std::future::Future;
use std::task::{Poll, Waker};
use std::time::Duration;
#[cfg(not(target_arch = "wasm32"))]
use std::time::Instant;

use crate::lock::Lock;

pub(crate) struct Completion<T> {
    state: Lock<(Option<T>, Vec<Waker>)>,
    #[cfg(not(target_arch = "wasm32"))]
    cond: Condvar,
}

impl<T: Clone> Completion<T> {
    pub(crate) fn new() -> Self {
        Completion {
            state: Lock::new((None, Vec::new())),
            #[cfg(not(target_arch = "wasm32"))]
            cond: Condvar::new(),
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
        #[cfg(not(target_arch = "wasm32"))]
        self.cond.notify_all();
        while let Some(waker) = wakers.pop() {
            waker.wake();
        }
    }

    /// A future of the value.
    pub(crate) fn wait_async<'a>(&'a self) -> impl Future<Output = T> + 'a {
        std::future::poll_fn(move |cx| self.poll(cx))
    }

    /// The value, or `Pending` with the task's waker kept until it is set.
    pub(crate) fn poll(&self, cx: &mut std::task::Context<'_>) -> Poll<T> {
        let mut g = self.state.lock();
        if let Some(v) = &g.0 {
            return Poll::Ready(v.clone());
        }
        if !g.1.iter().any(|w| w.will_wake(cx.waker())) {
            g.1.push(cx.waker().clone());
        }
        Poll::Pending
    }

    /// Blocks the thread until the value is set or the timeout passes.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn wait_blocking(&self, timeout: Option<Duration>) -> Option<T> {
        // A timeout too large for an `Instant` (`Duration::MAX`) is no timeout.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut g = self.state.lock();
        loop {
            if let Some(v) = &g.0 {
                return Some(v.clone());
            }
            g = match deadline {
                None => self.cond.wait(g).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let left = d.checked_duration_since(Instant::now())?;
                    self.cond
                        .wait_timeout(g, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    /// A browser cannot block (`block_on_completion` refuses before calling this): the value
    /// if it is set.
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn wait_blocking(&self, _timeout: Option<Duration>) -> Option<T> {
        self.state.lock().0.clone()
    }
}
