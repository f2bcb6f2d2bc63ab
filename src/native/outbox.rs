//! A `WebSocketStream`'s writers' side of the connection task: the messages handed to
//! `send()` and not yet flushed, and the writers waiting for room. A writer waits while
//! `bufferedAmount` plus [`MESSAGE_OVERHEAD`] per unflushed message is over its high-water
//! mark, so a flood of empty messages is held to the mark as large ones are
//! (`bufferedAmount` itself stays the standard's count of payload bytes).
//!
//! Any number of writers may wait: each flush and the socket's end wake them all. A writer
//! registers, then looks at the counts again; the task changes the counts, then takes the
//! waiters under the same lock, so either the writer's second look sees the flush or the
//! flush finds the writer's waker (model-checked below, `scripts/loom.sh`).

use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use crate::inbox::MESSAGE_OVERHEAD;
use crate::primitives::{AtomicU64, Lock};
use crate::waiters::Waiters;

#[derive(Default)]
pub(crate) struct Outbox {
    /// Messages sent through the stream's writers and not yet flushed (nor discarded).
    messages: AtomicU64,
    waiters: Lock<Waiters>,
}

impl Outbox {
    /// A writer handed a message to `send()`.
    pub(crate) fn sent(&self) {
        self.messages.fetch_add(1, Ordering::AcqRel);
    }

    /// The task flushed (or discarded) `n` messages: wakes every waiting writer.
    pub(crate) fn flushed(&self, n: u64) {
        if n > 0 {
            self.messages.fetch_sub(n, Ordering::AcqRel);
        }
        self.wake_all();
    }

    /// Wakes every waiting writer (after a flush, and at the socket's end).
    pub(crate) fn wake_all(&self) {
        let waiters = self.waiters.lock().take();
        waiters.wake();
    }

    /// What the writers' unflushed messages cost beyond their payload.
    pub(crate) fn overhead(&self) -> u64 {
        // No overflow: a count of messages in memory is far below 2^58.
        self.messages.load(Ordering::Acquire) * MESSAGE_OVERHEAD as u64
    }

    /// `Ready` once `buffered_amount() + overhead <= limit` (or `done()`); else keeps writer
    /// `id`'s waker, registered before the second look so that a flush in between is not
    /// missed.
    pub(crate) fn poll_room(
        &self,
        cx: &mut Context<'_>,
        id: u64,
        limit: u64,
        buffered_amount: impl Fn() -> u64,
        done: impl Fn() -> bool,
    ) -> Poll<()> {
        // The cost first: room is the common case, and then the state need not be read.
        let room = || buffered_amount().saturating_add(self.overhead()) <= limit || done();
        if room() {
            return Poll::Ready(());
        }
        self.waiters.lock().register(id, cx.waker());
        if room() {
            return Poll::Ready(());
        }
        Poll::Pending
    }

    /// Writer `id` goes away: its waker leaves.
    pub(crate) fn leave(&self, id: u64) {
        self.waiters.lock().remove(id);
    }
}

/// Model checks (`scripts/loom.sh`): the connection task flushing against two writers that
/// wait for room (the two-writers case of the misuse tests): both writers end, whatever the
/// interleaving (loom reports a deadlock if a wake-up is lost).
#[cfg(all(test, isows_loom))]
mod loom_model {
    use super::*;
    use loom::sync::Arc;
    use std::future::poll_fn;

    #[test]
    fn loom_every_waiting_writer_is_woken_by_the_flush() {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(3);
        builder.check(|| {
            let outbox = Arc::new(Outbox::default());
            let buffered = Arc::new(AtomicU64::new(0));
            // Two messages of 100 bytes wait; the mark is 100.
            for _ in 0..2 {
                outbox.sent();
                buffered.fetch_add(100, Ordering::AcqRel);
            }
            let writers: Vec<_> = (0..2u64)
                .map(|id| {
                    let (outbox, buffered) = (outbox.clone(), buffered.clone());
                    loom::thread::spawn(move || {
                        loom::future::block_on(poll_fn(|cx| {
                            outbox.poll_room(
                                cx,
                                id,
                                100,
                                || buffered.load(Ordering::Acquire),
                                || false,
                            )
                        }));
                        outbox.leave(id);
                    })
                })
                .collect();
            // The task: one flush of both messages.
            buffered.fetch_sub(200, Ordering::AcqRel);
            outbox.flushed(2);
            for w in writers {
                w.join().unwrap();
            }
            assert_eq!(outbox.overhead(), 0);
        });
    }
}
