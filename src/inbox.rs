//! The messages a `WebSocketStream` has received and its reader has not taken yet: a queue
//! with a high-water mark in bytes. Natively the connection task stops reading from TCP while
//! the queue is at the mark (so the server feels TCP's pushback) and goes on when the reader
//! takes a message; on wasm32 the browser's `WebSocket` cannot be paused, and the queue only
//! counts.

use std::collections::VecDeque;
use std::task::{Context, Poll, Waker};

use crate::event::MessageData;
use crate::lock::Lock;

#[derive(Default)]
struct Queue {
    messages: VecDeque<MessageData>,
    bytes: usize,
    /// The reader, waiting for a message.
    reader: Option<Waker>,
    /// The producer (the connection task), waiting for room.
    producer: Option<Waker>,
}

pub(crate) struct Inbox {
    queue: Lock<Queue>,
    high_water: usize,
}

fn len(data: &MessageData) -> usize {
    match data {
        MessageData::Text(t) => t.len(),
        MessageData::Binary(b) => b.len(),
    }
}

impl Inbox {
    pub(crate) fn new(high_water: usize) -> Self {
        Inbox {
            queue: Lock::new(Queue::default()),
            high_water,
        }
    }

    /// Adds a message and wakes the reader.
    pub(crate) fn push(&self, data: MessageData) {
        let waker = {
            let mut q = self.queue.lock();
            q.bytes += len(&data);
            q.messages.push_back(data);
            q.reader.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// `Ready` while there is room under the high-water mark; else keeps the producer's
    /// waker for when the reader makes room.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub(crate) fn poll_room(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut q = self.queue.lock();
        if q.bytes < self.high_water {
            return Poll::Ready(());
        }
        q.producer = Some(cx.waker().clone());
        Poll::Pending
    }

    /// The oldest message, or `Pending` with the reader's waker kept.
    pub(crate) fn poll_take(&self, cx: &mut Context<'_>) -> Poll<MessageData> {
        let (data, waker) = {
            let mut q = self.queue.lock();
            match q.messages.pop_front() {
                Some(data) => {
                    let was_full = q.bytes >= self.high_water;
                    q.bytes -= len(&data);
                    let waker = match was_full && q.bytes < self.high_water {
                        true => q.producer.take(),
                        false => None,
                    };
                    (data, waker)
                }
                None => {
                    q.reader = Some(cx.waker().clone());
                    return Poll::Pending;
                }
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
        Poll::Ready(data)
    }

    /// Takes a message if there is one.
    pub(crate) fn try_take(&self) -> Option<MessageData> {
        let waker = futures_noop_waker();
        let mut cx = Context::from_waker(&waker);
        match self.poll_take(&mut cx) {
            Poll::Ready(data) => Some(data),
            Poll::Pending => {
                self.queue.lock().reader = None;
                None
            }
        }
    }
}

fn futures_noop_waker() -> Waker {
    Waker::noop().clone()
}
