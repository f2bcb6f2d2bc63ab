//! The queue from the handle to the connection task: `send()` pushes, the task takes the whole
//! queue in one lock per batch. Cheaper per message than a general-purpose channel: while the
//! task is running (for instance dispatching the message whose listener sends a reply) a push
//! does not wake it, since the task looks at the queue again before it sleeps; and of the
//! pushes made while it sleeps only the first wakes it.
//!
//! The protocol, model-checked below: `active`, kept under the queue's lock, is true while the
//! task runs or has been woken. A push that finds it false sets it and wakes the task; one that
//! finds it true does not. The task clears it only in `poll_take`, after registering its waker,
//! in the same locked step as its last look at the queue: either a push came first and the look
//! takes its item, or the look came first and the push finds `active` false and wakes the
//! registered waker. (Clearing it before registering loses a wake-up: a push whose wake found
//! no waker would leave `active` set over the task's sleep.)

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

#[cfg(not(all(test, isows_loom)))]
use futures_util::task::AtomicWaker;
#[cfg(all(test, isows_loom))]
use loom::future::AtomicWaker;

use crate::primitives::{lock, AtomicBool, Mutex};

/// `AtomicWaker::register`, whose signature differs between futures and loom.
fn register(slot: &AtomicWaker, cx: &Context<'_>) {
    #[cfg(not(all(test, isows_loom)))]
    slot.register(cx.waker());
    #[cfg(all(test, isows_loom))]
    slot.register_by_ref(cx.waker());
}

/// The queue and whether its consumer will look at it before it sleeps: one lock for both.
struct Items<T> {
    queue: VecDeque<T>,
    /// The consumer is running, or was woken.
    active: bool,
}

/// Items of type `T` in order, and one urgent item of type `U` that goes ahead of them.
pub(crate) struct CommandQueue<T, U> {
    items: Mutex<Items<T>>,
    /// True while `items` may be non-empty: a lock-free hint for `try_take`'s common empty
    /// case. Written only under the lock; a stale read is harmless (a missed item is taken by
    /// the next take, and `poll_take`, the last look before sleeping, always locks), so
    /// neither side needs a full fence (a `SeqCst` store is an `xchg` on x86: two per
    /// message when a listener replies to each message).
    has_items: AtomicBool,
    waker: AtomicWaker,
    /// The receiving side is gone: pushes are dropped.
    stopped: AtomicBool,
    /// An item that goes ahead of everything queued (the first one pushed wins).
    urgent: Mutex<Option<U>>,
    has_urgent: AtomicBool,
    /// A flag the consumer reads at every wake-up, whatever is queued ahead.
    flagged: AtomicBool,
}

impl<T, U> CommandQueue<T, U> {
    pub(crate) fn new() -> Self {
        CommandQueue {
            items: Mutex::new(Items {
                queue: VecDeque::new(),
                active: false,
            }),
            has_items: AtomicBool::new(false),
            waker: AtomicWaker::new(),
            stopped: AtomicBool::new(false),
            urgent: Mutex::new(None),
            has_urgent: AtomicBool::new(false),
            flagged: AtomicBool::new(false),
        }
    }

    /// Puts `item` ahead of everything queued, and wakes the consumer. Only the first urgent
    /// item counts; later ones are dropped.
    pub(crate) fn push_urgent(&self, item: U) {
        if self.stopped.load(Ordering::Acquire) {
            return;
        }
        {
            let mut urgent = lock(&self.urgent);
            if urgent.is_some() || self.has_urgent.load(Ordering::SeqCst) {
                return;
            }
            *urgent = Some(item);
            self.has_urgent.store(true, Ordering::SeqCst);
        }
        self.waker.wake();
    }

    /// The urgent item, if one was pushed (once).
    pub(crate) fn take_urgent(&self) -> Option<U> {
        if !self.has_urgent.load(Ordering::SeqCst) {
            return None;
        }
        lock(&self.urgent).take()
    }

    fn urgent_pending(&self) -> bool {
        self.has_urgent.load(Ordering::SeqCst) && lock(&self.urgent).is_some()
    }

    /// Like `take_urgent`, but registers for a wake-up when there is none.
    pub(crate) fn poll_urgent(&self, cx: &mut Context<'_>) -> Poll<U> {
        register(&self.waker, cx);
        match self.take_urgent() {
            Some(item) => Poll::Ready(item),
            None => Poll::Pending,
        }
    }

    /// Sets the flag and wakes the consumer.
    pub(crate) fn flag(&self) {
        self.flagged.store(true, Ordering::SeqCst);
        self.waker.wake();
    }

    /// Whether `flag` was called since the last call of this (one answer per `flag`).
    pub(crate) fn take_flag(&self) -> bool {
        self.flagged.load(Ordering::SeqCst) && self.flagged.swap(false, Ordering::SeqCst)
    }

    pub(crate) fn push(&self, item: T) {
        if self.stopped.load(Ordering::Acquire) {
            return;
        }
        let wake = {
            let mut items = lock(&self.items);
            items.queue.push_back(item);
            // Already true for every push after the first of a batch: skip the costly store.
            if !self.has_items.load(Ordering::Relaxed) {
                self.has_items.store(true, Ordering::Release);
            }
            // Only the first push while the consumer sleeps wakes it: later ones skip the
            // wake-up's atomic read-modify-writes.
            !std::mem::replace(&mut items.active, true)
        };
        if wake {
            self.waker.wake();
        }
    }

    /// The receiver is gone: drop what is queued and whatever comes later.
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        let items = std::mem::take(&mut lock(&self.items).queue);
        drop(items);
    }

    /// The consumer starts running: pushes need not wake it until its next `poll_take`.
    pub(crate) fn set_active(&self) {
        lock(&self.items).active = true;
    }

    /// Moves every queued item to the end of `out`, without registering for wake-ups.
    pub(crate) fn try_take(&self, out: &mut VecDeque<T>) -> bool {
        self.has_items.load(Ordering::Acquire) && self.take_locked(out, true)
    }

    /// Takes the queue under the lock, and sets `active` (`false`: the consumer goes idle).
    fn take_locked(&self, out: &mut VecDeque<T>, active: bool) -> bool {
        let mut items = lock(&self.items);
        items.active = active;
        self.has_items.store(false, Ordering::Release);
        if items.queue.is_empty() {
            return false;
        }
        if out.is_empty() {
            std::mem::swap(&mut items.queue, out);
        } else {
            out.extend(items.queue.drain(..));
        }
        true
    }

    /// Like `try_take`, but registers for a wake-up when there is nothing, and marks the
    /// consumer idle (in that order: see the module's comment). `Ready` when items were taken,
    /// or when an urgent item or the flag waits (the consumer looks at them at the start of
    /// its next poll).
    pub(crate) fn poll_take(&self, cx: &mut Context<'_>, out: &mut VecDeque<T>) -> Poll<()> {
        register(&self.waker, cx);
        if self.take_locked(out, false)
            || self.urgent_pending()
            || self.flagged.load(Ordering::SeqCst)
        {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_item_is_lost_between_producer_and_sleeping_consumer() {
        let q = Arc::new(CommandQueue::<u32, ()>::new());
        let producer = {
            let q = q.clone();
            std::thread::spawn(move || {
                for i in 0..100_000u32 {
                    q.push(i);
                    if i % 1000 == 0 {
                        std::thread::yield_now();
                    }
                }
            })
        };
        let mut buffer = VecDeque::new();
        let mut expected = 0;
        while expected < 100_000 {
            std::future::poll_fn(|cx| q.poll_take(cx, &mut buffer)).await;
            for i in buffer.drain(..) {
                assert_eq!(i, expected);
                expected += 1;
            }
        }
        producer.join().unwrap();
    }
}

/// Model checks (`scripts/loom.sh`): the connection task's poll (take, then register for a
/// wake-up and look again) against two producers (sends in order; a send, then a failure that
/// jumps the queue and the close flag). No wake-up is lost (loom reports a deadlock
/// otherwise), each producer's items arrive in its order, and the urgent item and the flag
/// are seen.
#[cfg(all(test, isows_loom))]
mod loom_model {
    use super::*;
    use loom::sync::Arc;
    use std::future::poll_fn;

    #[test]
    fn loom_no_wakeup_is_lost_and_order_is_kept() {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(3);
        builder.check(|| {
            let q = Arc::new(CommandQueue::<u32, u32>::new());
            let p1 = {
                let q = q.clone();
                loom::thread::spawn(move || {
                    q.push(1);
                    q.push(2);
                })
            };
            let p2 = {
                let q = q.clone();
                loom::thread::spawn(move || {
                    q.push(3);
                    q.push_urgent(99);
                    q.flag();
                })
            };
            let mut received = Vec::new();
            let mut urgent = None;
            let mut flagged = false;
            let mut pending = VecDeque::new();
            loom::future::block_on(poll_fn(|cx| loop {
                if urgent.is_none() {
                    urgent = q.take_urgent();
                }
                q.set_active();
                q.try_take(&mut pending);
                received.extend(pending.drain(..));
                flagged |= q.take_flag();
                if received.len() == 3 && urgent.is_some() && flagged {
                    return Poll::Ready(());
                }
                match q.poll_take(cx, &mut pending) {
                    Poll::Ready(_) => received.extend(pending.drain(..)),
                    Poll::Pending => return Poll::Pending,
                }
            }));
            p1.join().unwrap();
            p2.join().unwrap();
            let pos = |v| received.iter().position(|&x| x == v).unwrap();
            assert!(pos(1) < pos(2), "{received:?}");
            assert_eq!(urgent, Some(99));
        });
    }
}
