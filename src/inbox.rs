//! The messages a `WebSocketStream` has received and its reader has not taken yet, with a
//! high-water mark in bytes. Natively the connection task stops reading from TCP while the
//! bytes not yet taken reach the mark (so the server feels TCP's pushback) and goes on when
//! the reader takes enough; on wasm32 the browser's `WebSocket` cannot be paused, and the
//! queue only counts.
//!
//! The reader takes the whole queue in one lock and then pops from its own copy (one lock per
//! burst, not per message); the bytes count down as messages are popped, so the mark bounds
//! everything received and not yet read. Natively the connection task likewise hands over
//! what it read in one poll together ([`Staged`]: one lock and one count update per poll),
//! and counts what it holds back against the mark.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use crate::event::MessageData;
use crate::lock::Lock;

#[derive(Default)]
struct Queue {
    messages: VecDeque<MessageData>,
    /// The reader, waiting for a message.
    reader: Option<Waker>,
    /// The producer (the connection task), waiting for room.
    producer: Option<Waker>,
    /// The socket is closed: nothing more will be pushed.
    finished: bool,
}

/// Messages the connection task has read in its current poll and not yet handed over.
#[derive(Default)]
#[cfg(not(target_arch = "wasm32"))]
pub(crate) struct Staged {
    messages: VecDeque<MessageData>,
    bytes: usize,
}

#[cfg(not(target_arch = "wasm32"))]
impl Staged {
    pub(crate) fn push(&mut self, data: MessageData) {
        self.bytes += len(&data);
        self.messages.push_back(data);
    }
}

pub(crate) struct Inbox {
    queue: Lock<Queue>,
    /// Bytes received and not yet popped by the reader (queued here or in its copy).
    bytes: AtomicUsize,
    high_water: usize,
}

pub(crate) fn len(data: &MessageData) -> usize {
    match data {
        MessageData::Text(t) => t.len(),
        MessageData::Binary(b) => b.len(),
    }
}

impl Inbox {
    pub(crate) fn new(high_water: usize) -> Self {
        Inbox {
            queue: Lock::new(Queue::default()),
            bytes: AtomicUsize::new(0),
            high_water,
        }
    }

    /// Adds a message and wakes the reader (the browser's socket, message by message; natively
    /// the task hands over a poll's messages with [`Inbox::push_staged`]).
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn push(&self, data: MessageData) {
        self.bytes.fetch_add(len(&data), Ordering::AcqRel);
        let waker = {
            let mut q = self.queue.lock();
            q.messages.push_back(data);
            q.reader.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Hands over the staged messages (in order, after those already queued) and wakes the
    /// reader.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn push_staged(&self, staged: &mut Staged) {
        if staged.messages.is_empty() {
            return;
        }
        self.bytes
            .fetch_add(std::mem::take(&mut staged.bytes), Ordering::AcqRel);
        let waker = {
            let mut q = self.queue.lock();
            if q.messages.is_empty() {
                std::mem::swap(&mut q.messages, &mut staged.messages);
            } else {
                q.messages.append(&mut staged.messages);
            }
            q.reader.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// `Ready` while the bytes not yet read, with those staged, are under the high-water mark;
    /// else hands the staged ones over and keeps the producer's waker for when the reader
    /// makes room.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn poll_room(&self, cx: &mut Context<'_>, staged: &mut Staged) -> Poll<()> {
        if self.bytes.load(Ordering::Acquire) + staged.bytes < self.high_water {
            return Poll::Ready(());
        }
        self.push_staged(staged);
        if self.bytes.load(Ordering::Acquire) < self.high_water {
            return Poll::Ready(());
        }
        let mut q = self.queue.lock();
        q.producer = Some(cx.waker().clone());
        // Looked at again under the lock: a `popped` in between is not missed.
        if self.bytes.load(Ordering::Acquire) < self.high_water {
            q.producer = None;
            return Poll::Ready(());
        }
        Poll::Pending
    }

    /// The socket closed after its last message was pushed: wakes the reader, which then
    /// reads what is left and ends.
    pub(crate) fn finish(&self) {
        let waker = {
            let mut q = self.queue.lock();
            q.finished = true;
            q.reader.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Moves every queued message to `into` (the reader's copy). `Ready` when it moved some,
    /// or when there are none and none will come (`into` stays empty); `Pending` with the
    /// reader's waker kept otherwise.
    pub(crate) fn poll_take_all(
        &self,
        cx: &mut Context<'_>,
        into: &mut VecDeque<MessageData>,
    ) -> Poll<()> {
        let mut q = self.queue.lock();
        if q.messages.is_empty() {
            if q.finished {
                return Poll::Ready(());
            }
            q.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        std::mem::swap(&mut q.messages, into);
        Poll::Ready(())
    }

    /// A reader that goes away puts back what it took and did not pop, ahead of the rest, so
    /// that another reader of the stream reads them in order.
    pub(crate) fn give_back(&self, mut taken: VecDeque<MessageData>) {
        let mut q = self.queue.lock();
        taken.append(&mut q.messages);
        q.messages = taken;
    }

    /// The reader popped `data` from its copy: its bytes leave the count, and a producer
    /// waiting for room is woken when the count falls under the mark.
    pub(crate) fn popped(&self, data: &MessageData) {
        let n = len(data);
        let before = self.bytes.fetch_sub(n, Ordering::AcqRel);
        if before >= self.high_water && before - n < self.high_water {
            let waker = self.queue.lock().producer.take();
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}
