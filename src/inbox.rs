//! The messages a `WebSocketStream` has received and its readers have not taken yet, with a
//! high-water mark. Natively the connection task stops reading from TCP while what is not yet
//! taken reaches the mark (so the server feels TCP's pushback) and goes on when a reader takes
//! enough; on wasm32 the browser's `WebSocket` cannot be paused, and the queue only counts.
//!
//! A message counts its payload plus [`MESSAGE_OVERHEAD`] bytes (its slot and bookkeeping), so
//! a flood of empty or tiny messages is held to the mark as large ones are.
//!
//! A reader takes the whole queue in one lock and then pops from its own copy (one lock per
//! burst, not per message); the count falls as messages are popped, so the mark bounds
//! everything received and not yet read. Natively the connection task likewise hands over
//! what it read in one poll together ([`StagedMessages`]: one lock and one count update per poll),
//! and counts what it holds back against the mark.
//!
//! Any number of readers may wait (`opened()` gives a new reader each call): each is woken by
//! a push and by the end, and one that goes away gives back what it took and did not pop,
//! waking the others (model-checked below, `scripts/loom.sh`).

use std::sync::atomic::Ordering;
use std::task::{Context, Poll, Waker};

use crate::event::MessageData;
use crate::primitives::{AtomicUsize, Deque, Lock};
use crate::waiters::Waiters;

/// What a queued message costs besides its payload, in bytes counted against the mark: its
/// slot in the queue (a `MessageData` is 32 bytes) and the queue's spare capacity. Measured:
/// 10 million empty messages queued without a mark took 42 bytes each.
pub(crate) const MESSAGE_OVERHEAD: usize = 64;

/// What `data` counts against a high-water mark.
pub(crate) fn cost(data: &MessageData) -> usize {
    data.len() + MESSAGE_OVERHEAD
}

#[derive(Default)]
struct Queue {
    messages: Deque<MessageData>,
    /// The readers waiting for a message.
    readers: Waiters,
    /// The producer (the connection task), waiting for room.
    producer: Option<Waker>,
    /// The socket is closed: nothing more will be pushed.
    finished: bool,
}

/// Messages read and not yet handed over (natively, what the connection task read in its
/// current poll; in the browser, one message at a time).
#[derive(Default)]
pub(crate) struct StagedMessages {
    messages: Deque<MessageData>,
    cost: usize,
}

impl StagedMessages {
    pub(crate) fn push(&mut self, data: MessageData) {
        self.cost += cost(&data);
        self.messages.push_back(data);
    }
}

pub(crate) struct Inbox {
    queue: Lock<Queue>,
    /// What the messages received and not yet popped by a reader cost (queued here or in a
    /// reader's copy).
    cost: AtomicUsize,
    high_water: usize,
}

impl Inbox {
    pub(crate) fn new(high_water: usize) -> Self {
        Inbox {
            queue: Lock::new(Queue::default()),
            cost: AtomicUsize::new(0),
            high_water,
        }
    }

    /// Hands over the staged messages (in order, after those already queued) and wakes the
    /// readers.
    pub(crate) fn push_staged(&self, staged: &mut StagedMessages) {
        if staged.messages.is_empty() {
            return;
        }
        self.cost
            .fetch_add(std::mem::take(&mut staged.cost), Ordering::AcqRel);
        let waiters = {
            let mut q = self.queue.lock();
            if q.messages.is_empty() {
                std::mem::swap(&mut q.messages, &mut staged.messages);
            } else {
                q.messages.append(&mut staged.messages);
            }
            q.readers.take()
        };
        waiters.wake();
    }

    // The room is looked at natively only: the browser cannot pause its reads.
    #[cfg(not(target_arch = "wasm32"))]
    fn has_room(&self, staged: usize) -> bool {
        self.cost.load(Ordering::Acquire).saturating_add(staged) < self.high_water
    }

    /// `Ready` while what is not yet read, with what is staged, is under the high-water mark;
    /// else hands the staged messages over and keeps the producer's waker for when a reader
    /// makes room.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn poll_room(&self, cx: &mut Context<'_>, staged: &mut StagedMessages) -> Poll<()> {
        if self.has_room(staged.cost) {
            return Poll::Ready(());
        }
        self.push_staged(staged);
        if self.has_room(0) {
            return Poll::Ready(());
        }
        let mut q = self.queue.lock();
        q.producer = Some(cx.waker().clone());
        // Looked at again under the lock: a `popped` in between is not missed.
        if self.has_room(0) {
            q.producer = None;
            return Poll::Ready(());
        }
        Poll::Pending
    }

    /// The socket closed after its last message was pushed: wakes the readers, which then
    /// read what is left and end.
    pub(crate) fn finish(&self) {
        let waiters = {
            let mut q = self.queue.lock();
            q.finished = true;
            q.readers.take()
        };
        waiters.wake();
    }

    /// Moves every queued message to `into` (reader `id`'s copy). `Ready` when it moved some,
    /// or when there are none and none will come (`into` stays empty); `Pending` with the
    /// reader's waker kept otherwise.
    pub(crate) fn poll_take_all(
        &self,
        cx: &mut Context<'_>,
        id: u64,
        into: &mut Deque<MessageData>,
    ) -> Poll<()> {
        let mut q = self.queue.lock();
        if q.messages.is_empty() {
            if q.finished {
                return Poll::Ready(());
            }
            q.readers.register(id, cx.waker());
            return Poll::Pending;
        }
        std::mem::swap(&mut q.messages, into);
        Poll::Ready(())
    }

    /// Reader `id` goes away: its waker leaves, and what it took and did not pop goes back
    /// ahead of the rest, for the other readers (woken) to read in order.
    pub(crate) fn leave(&self, id: u64, mut taken: Deque<MessageData>) {
        let waiters = {
            let mut q = self.queue.lock();
            q.readers.remove(id);
            if taken.is_empty() {
                return;
            }
            taken.append(&mut q.messages);
            q.messages = taken;
            q.readers.take()
        };
        waiters.wake();
    }

    /// A reader popped `data` from its copy: its cost leaves the count, and a producer
    /// waiting for room is woken when the count falls under the mark.
    pub(crate) fn popped(&self, data: &MessageData) {
        let n = cost(data);
        let before = self.cost.fetch_sub(n, Ordering::AcqRel);
        if before >= self.high_water && before - n < self.high_water {
            let waker = self.queue.lock().producer.take();
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

/// Model checks (`scripts/loom.sh`): the connection task pushing two messages under a mark
/// that holds one (so it waits for room) and then finishing, against two readers of the same
/// stream. Whatever the interleaving, every message is read exactly once, the producer is
/// woken when a reader makes room, and both readers end (loom reports a deadlock if a
/// wake-up is lost).
#[cfg(all(test, isows_loom))]
mod loom_model {
    use super::*;
    use loom::sync::Arc;
    use std::future::poll_fn;

    fn read_all(inbox: &Inbox, id: u64) -> usize {
        let mut taken = Deque::new();
        let mut read = 0;
        loom::future::block_on(poll_fn(|cx| loop {
            while let Some(data) = taken.pop_front() {
                inbox.popped(&data);
                read += 1;
            }
            match inbox.poll_take_all(cx, id, &mut taken) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) if taken.is_empty() => return Poll::Ready(()),
                Poll::Ready(()) => {}
            }
        }));
        inbox.leave(id, taken);
        read
    }

    #[test]
    fn loom_every_reader_ends_and_every_message_is_read_once() {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(3);
        builder.check(|| {
            // One message's cost reaches the mark: the producer waits after each.
            let inbox = Arc::new(Inbox::new(MESSAGE_OVERHEAD));
            let readers: Vec<_> = (1..=2u64)
                .map(|id| {
                    let inbox = inbox.clone();
                    loom::thread::spawn(move || read_all(&inbox, id))
                })
                .collect();
            let mut staged = StagedMessages::default();
            for text in ["a", "b"] {
                loom::future::block_on(poll_fn(|cx| inbox.poll_room(cx, &mut staged)));
                staged.push(MessageData::Text(text.into()));
            }
            inbox.push_staged(&mut staged);
            inbox.finish();
            let read: usize = readers.into_iter().map(|r| r.join().unwrap()).sum();
            assert_eq!(read, 2);
            assert_eq!(inbox.cost.load(Ordering::Acquire), 0);
        });
    }
}
