//! A value that is set once and can be awaited or waited for: backs `opened()`/`closed()`
//! and their blocking forms.

use std::future::Future;
use std::sync::{Condvar, Mutex};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use crate::listeners::lock;

pub(crate) struct Completion<T> {
    state: Mutex<(Option<T>, Vec<Waker>)>,
    cond: Condvar,
}

impl<T: Clone> Completion<T> {
    pub(crate) fn new() -> Self {
        Completion {
            state: Mutex::new((None, Vec::new())),
            cond: Condvar::new(),
        }
    }

    /// Sets the value unless it is set already, and wakes every waiter.
    pub(crate) fn complete(&self, value: T) {
        let wakers = {
            let mut g = lock(&self.state);
            if g.0.is_some() {
                return;
            }
            g.0 = Some(value);
            std::mem::take(&mut g.1)
        };
        self.cond.notify_all();
        wakers.into_iter().for_each(Waker::wake);
    }

    /// A future of the value.
    pub(crate) fn wait_async<'a>(&'a self) -> impl Future<Output = T> + 'a {
        std::future::poll_fn(move |cx| {
            let mut g = lock(&self.state);
            if let Some(v) = &g.0 {
                return Poll::Ready(v.clone());
            }
            if !g.1.iter().any(|w| w.will_wake(cx.waker())) {
                g.1.push(cx.waker().clone());
            }
            Poll::Pending
        })
    }

    /// Blocks the thread until the value is set or the timeout passes.
    pub(crate) fn wait_blocking(&self, timeout: Option<Duration>) -> Option<T> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut g = lock(&self.state);
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
}
