//! The tasks waiting on one queue, each under the id of the part it waits through (a stream's
//! reader or writer): every waiter is woken, not only the last one to poll, and a part that
//! goes away takes its waker with it, so the list never holds more than one waker per live
//! part. One waiter (the usual case) is kept inline: waiting allocates nothing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;

/// A new id for a reader or writer (ids are never reused within a process).
pub(crate) fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[derive(Default)]
pub(crate) struct Waiters {
    first: Option<(u64, Waker)>,
    rest: Vec<(u64, Waker)>,
}

impl Waiters {
    /// Keeps `waker` for `id`, replacing what `id` left before.
    pub(crate) fn register(&mut self, id: u64, waker: &Waker) {
        let slot = self
            .first
            .iter_mut()
            .chain(self.rest.iter_mut())
            .find(|(i, _)| *i == id);
        if let Some((_, w)) = slot {
            w.clone_from(waker);
        } else if self.first.is_none() {
            self.first = Some((id, waker.clone()));
        } else {
            self.rest.push((id, waker.clone()));
        }
    }

    /// `id` waits no more.
    pub(crate) fn remove(&mut self, id: u64) {
        if self.first.as_ref().is_some_and(|(i, _)| *i == id) {
            self.first = self.rest.pop();
        } else {
            self.rest.retain(|(i, _)| *i != id);
        }
    }

    /// Every waker, taken out to be woken once the lock is released.
    pub(crate) fn take(&mut self) -> Waiters {
        Waiters {
            first: self.first.take(),
            rest: std::mem::take(&mut self.rest),
        }
    }

    /// Wakes every waiter.
    pub(crate) fn wake(self) {
        if let Some((_, w)) = self.first {
            w.wake();
        }
        for (_, w) in self.rest {
            w.wake();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn every_waiter_is_woken_once_and_a_part_that_leaves_takes_its_waker() {
        let counts: Vec<_> = (0..3)
            .map(|_| Arc::new(Count(AtomicUsize::new(0))))
            .collect();
        let mut w = Waiters::default();
        for (id, c) in counts.iter().enumerate() {
            w.register(id as u64, &Waker::from(c.clone()));
            // Polled again: replaced, not added.
            w.register(id as u64, &Waker::from(c.clone()));
        }
        assert_eq!(w.len(), 3);
        w.remove(0);
        assert_eq!(w.len(), 2);
        w.take().wake();
        assert_eq!(w.len(), 0);
        let woken: Vec<_> = counts.iter().map(|c| c.0.load(Ordering::SeqCst)).collect();
        assert_eq!(woken, [0, 1, 1]);
    }
}
