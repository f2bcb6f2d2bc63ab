//! The queue from the handle to the connection task: `send()` pushes, the task takes the whole
//! queue in one lock per batch. A mutex-protected `VecDeque` and one waker: cheaper per
//! message than a general-purpose channel, and the task drains everything at once.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;

use crate::listeners::lock;

pub(crate) struct Queue<T> {
    items: Mutex<VecDeque<T>>,
    waker: AtomicWaker,
    /// The sending side is gone.
    closed: AtomicBool,
    /// The receiving side is gone: pushes are dropped.
    stopped: AtomicBool,
}

impl<T> Queue<T> {
    pub(crate) fn new() -> Self {
        Queue {
            items: Mutex::new(VecDeque::new()),
            waker: AtomicWaker::new(),
            closed: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
        }
    }

    pub(crate) fn push(&self, item: T) {
        if self.stopped.load(Ordering::Acquire) {
            return;
        }
        lock(&self.items).push_back(item);
        self.waker.wake();
    }

    /// The receiver is gone: drop what is queued and whatever comes later.
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        let items = std::mem::take(&mut *lock(&self.items));
        drop(items);
    }

    /// No more items will be pushed.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.waker.wake();
    }

    /// Moves every queued item to the end of `out`. `Ready(true)` once the queue is closed
    /// and empty; `Ready(false)` when items were taken; `Pending` when there were none.
    pub(crate) fn poll_take(&self, cx: &mut Context<'_>, out: &mut VecDeque<T>) -> Poll<bool> {
        if self.take(out) {
            return Poll::Ready(false);
        }
        self.waker.register(cx.waker());
        // Check again: an item pushed before the registration would have found no waker.
        if self.take(out) {
            return Poll::Ready(false);
        }
        if self.closed.load(Ordering::Acquire) {
            return Poll::Ready(!self.take(out));
        }
        Poll::Pending
    }

    fn take(&self, out: &mut VecDeque<T>) -> bool {
        let mut items = lock(&self.items);
        if items.is_empty() {
            return false;
        }
        if out.is_empty() {
            std::mem::swap(&mut *items, out);
        } else {
            out.extend(items.drain(..));
        }
        true
    }

    /// Waits for the next item; `None` once the queue is closed and empty.
    pub(crate) async fn next(&self, buffer: &mut VecDeque<T>) -> Option<T> {
        loop {
            if let Some(item) = buffer.pop_front() {
                return Some(item);
            }
            if std::future::poll_fn(|cx| self.poll_take(cx, buffer)).await {
                return None;
            }
        }
    }
}
