//! The native connection task's burst: it keeps the dispatcher's turn for a whole poll, so
//! each message it reports costs one lock, and gives the turn back when the [`Burst`] guard
//! is dropped (even if the poll unwinds). While another thread has the turn (a late
//! listener's registration delivering held events), no burst starts: the task's waker is
//! kept, and the thread that gives the turn back wakes it (`SocketState::run`), so the task
//! reads nothing meanwhile.

use std::sync::Arc;
use std::task::Waker;

use super::{deliver, AnyEvent, EventType, Item, Report, SocketState};
use crate::backend::{Backend, Platform};
use crate::event::MessageData;
use crate::listeners::Snapshot;

/// The dispatcher's turn for one poll of the connection task, and what it keeps from one
/// message to the next: each is an `Arc` that would otherwise be cloned and dropped for every
/// message.
pub(crate) struct Burst<'a, B: Backend = Platform> {
    state: &'a Arc<SocketState<B>>,
    /// The message listeners, while the registry has not changed.
    snapshot: Option<Snapshot>,
    /// The socket's origin, for each `MessageEvent`.
    origin: Option<Arc<str>>,
    /// The events' `target()` handle.
    target: Option<crate::WebSocket>,
}

impl<B: Backend> SocketState<B> {
    /// Starts a burst: the queue's turn until the guard is dropped. `None` if another thread
    /// is running the queue; `waker` is then woken when that thread gives the turn back (kept
    /// in the same lock, so that release is not missed).
    pub(crate) fn begin_burst(self: &Arc<Self>, waker: &Waker) -> Option<Burst<'_, B>> {
        let mut q = self.queue.lock();
        if !std::mem::replace(&mut q.running, true) {
            return Some(Burst {
                state: self,
                snapshot: None,
                origin: None,
                target: None,
            });
        }
        match &mut q.turn_waiter {
            Some(w) => w.clone_from(waker),
            None => q.turn_waiter = Some(waker.clone()),
        }
        None
    }
}

impl<B: Backend> Burst<'_, B> {
    /// A message (`emit` of `Report::Message`, same rules). What others queued meanwhile
    /// (a listener registered for held events, a `Closing`) is delivered first.
    pub(crate) fn emit_message(&mut self, data: MessageData) {
        let state = self.state;
        let (mut event, stale) = {
            let mut q = state.queue.lock();
            if !q.items.is_empty() {
                q.items.push_back(Item::Happen(Report::Message(data)));
                drop(q);
                return state.run(true);
            }
            let Some(event) = state.message_event(data, self.origin.take()) else {
                return;
            };
            let Some(event) = state.hold_unheard(&mut q, event) else {
                return;
            };
            let ty = EventType::Message;
            let stale = match &self.snapshot {
                Some(s) if q.registry.is_current(ty.index(), s) => None,
                _ => self.snapshot.replace(q.registry.snapshot(ty)),
            };
            (event, stale)
        };
        drop(stale);
        event.set_target(self.target.take().or_else(|| state.target_handle()));
        if let Some(snapshot) = &self.snapshot {
            // A message settles nothing: straight to the listeners.
            deliver(snapshot, &event, &|id| state.remove_cell(id));
        }
        if let AnyEvent::Message(m) = event {
            self.origin = Some(m.origin);
            self.target = m.target.0;
        }
    }
}

impl<B: Backend> Drop for Burst<'_, B> {
    /// Lets go of the snapshot (it may hold removed listeners) and of the handle (the last
    /// user handle's drop must be able to release the socket), then delivers what is queued
    /// and gives the turn back.
    fn drop(&mut self) {
        self.snapshot = None;
        self.target = None;
        self.state.run(false);
    }
}
