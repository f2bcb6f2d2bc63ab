//! The user's listeners of a reconnecting socket: registered once, given to every socket it
//! opens. Each registration is one shared callback; each socket gets a small wrapper of it,
//! so the socket's own rules hold for it (one event at a time, held events for a listener
//! registered late). `on*` slots are registrations whose callback is replaced in place.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::event::{AnyEvent, EventType};
use crate::listeners::{Callback, ListenerId};
use crate::primitives::{AtomicBool, Lock};
use crate::WebSocket;

/// One listener or `on*` slot of the reconnecting socket.
struct Registration {
    id: u64,
    ty: EventType,
    slot: bool,
    once: bool,
    removed: AtomicBool,
    callback: Lock<Option<Callback>>,
    /// Its id on the socket of attempt `.0`.
    inner: Lock<Option<(u64, ListenerId)>>,
}

impl Registration {
    /// Calls the callback unless removed (a `once` one is removed first). A panic goes to
    /// the caller: the socket's dispatcher reports it and goes on.
    fn call(&self, event: &AnyEvent) {
        if self.once {
            if self.removed.swap(true, Ordering::AcqRel) {
                return;
            }
        } else if self.removed.load(Ordering::Acquire) {
            return;
        }
        if let Some(callback) = self.callback.lock().as_mut() {
            callback(event);
        }
    }

    fn live(&self) -> bool {
        !self.removed.load(Ordering::Acquire)
    }
}

#[derive(Default)]
struct Registrations {
    list: Vec<Arc<Registration>>,
    next_id: u64,
    /// The socket listeners go to now, and its attempt.
    current: Option<(u64, WebSocket)>,
    /// Per type: whether it ever had a listener, and the events of no socket held until it
    /// has one (the socket's own rule, for `deliver_local`; a few at most: an attempt's
    /// error and close).
    ever: [bool; 4],
    held: [Vec<AnyEvent>; 4],
}

/// How many events of one type are held for a first listener (the rest are dropped).
const HELD: usize = 16;

/// The registrations, under a lock of their own (never held while a socket is called).
#[derive(Default)]
pub(crate) struct Relay {
    regs: Lock<Registrations>,
}

impl Relay {
    /// Adds a listener (or, with `slot`, sets the type's `on*` slot) and gives it to the
    /// current socket.
    pub(crate) fn add(
        &self,
        ty: EventType,
        callback: Callback,
        once: bool,
        slot: bool,
    ) -> ListenerId {
        let (reg, current) = {
            let mut r = self.regs.lock();
            let existing = match slot {
                true => r
                    .list
                    .iter()
                    .find(|g| g.slot && g.ty == ty && g.live())
                    .cloned(),
                false => None,
            };
            if let Some(existing) = existing {
                if let Some(mut cb) = existing.callback.try_lock() {
                    // Replaced in place: the slot keeps its position (catalog E-02).
                    drop(r);
                    let old = cb.replace(callback);
                    drop(cb);
                    drop(old);
                    return ListenerId::new(existing.id);
                }
                // The slot is running (replacing itself): a new one takes its place.
                existing.removed.store(true, Ordering::Release);
            }
            r.next_id += 1;
            let reg = Arc::new(Registration {
                id: r.next_id,
                ty,
                slot,
                once,
                removed: AtomicBool::new(false),
                callback: Lock::new(Some(callback)),
                inner: Lock::new(None),
            });
            r.list.retain(|g| g.live());
            r.list.push(reg.clone());
            r.ever[ty.index()] = true;
            let held = std::mem::take(&mut r.held[ty.index()]);
            (reg, (r.current.clone(), held))
        };
        let (current, held) = current;
        let id = ListenerId::new(reg.id);
        for event in &held {
            Self::call_caught(&reg, event);
        }
        if let Some((attempt, ws)) = current {
            Self::give(&reg, attempt, &ws);
        }
        id
    }

    /// Registers `reg` on `ws`, the socket of `attempt`.
    fn give(reg: &Arc<Registration>, attempt: u64, ws: &WebSocket) {
        let call = reg.clone();
        let inner = ws.add_erased(reg.ty, Box::new(move |e: &AnyEvent| call.call(e)), false);
        *reg.inner.lock() = Some((attempt, inner));
    }

    /// Removes a listener (`slot`: the type's `on*` slot instead); true if it was there.
    pub(crate) fn remove(&self, id: Option<ListenerId>, slot_of: Option<EventType>) -> bool {
        let (reg, current) = {
            let mut r = self.regs.lock();
            let Some(pos) = r.list.iter().position(|g| {
                g.live()
                    && match (id, slot_of) {
                        (Some(id), _) => !g.slot && ListenerId::new(g.id) == id,
                        (None, Some(ty)) => g.slot && g.ty == ty,
                        (None, None) => false,
                    }
            }) else {
                return false;
            };
            let reg = r.list.remove(pos);
            reg.removed.store(true, Ordering::Release);
            (reg, r.current.clone())
        };
        let inner = reg.inner.lock().take();
        if let (Some((attempt, ws)), Some((on, inner))) = (current, inner) {
            if attempt == on {
                ws.remove_event_listener(inner);
            }
        }
        // The callback (and what it holds) goes now, not with the socket.
        drop(reg.callback.lock().take());
        true
    }

    /// `ws` is the socket of `attempt`: every listener goes to it, in registration order.
    pub(crate) fn replay(&self, attempt: u64, ws: &WebSocket) {
        let list: Vec<Arc<Registration>> = {
            let mut r = self.regs.lock();
            r.current = Some((attempt, ws.clone()));
            r.list.retain(|g| g.live());
            r.list.clone()
        };
        for reg in &list {
            Self::give(reg, attempt, ws);
        }
    }

    /// The socket of `attempt` is done: later listeners wait for the next one.
    pub(crate) fn detach(&self, attempt: u64) {
        let gone = {
            let mut r = self.regs.lock();
            match &r.current {
                Some((a, _)) if *a == attempt => r.current.take(),
                _ => None,
            }
        };
        drop(gone);
    }

    /// Delivers an event no socket has (the URL provider failed, `close()` while waiting to
    /// reconnect) to the listeners of its type, in order, with no lock held.
    pub(crate) fn deliver_local(&self, event: &AnyEvent) {
        let ty = event.event_type();
        let list: Vec<Arc<Registration>> = {
            let mut r = self.regs.lock();
            if !r.ever[ty.index()] {
                if r.held[ty.index()].len() < HELD {
                    r.held[ty.index()].push(event.clone());
                }
                return;
            }
            r.list.iter().filter(|g| g.ty == ty).cloned().collect()
        };
        for reg in list {
            Self::call_caught(&reg, event);
        }
    }

    /// Calls one listener as a dispatcher would: a panic is reported, not passed on.
    fn call_caught(reg: &Registration, event: &AnyEvent) {
        let _listening = crate::primitives::Listening::enter();
        if catch_unwind(AssertUnwindSafe(|| reg.call(event))).is_err() {
            crate::primitives::listener_panicked(event.event_type().as_str());
        }
    }

    /// True if any listener or slot is registered.
    pub(crate) fn is_empty(&self) -> bool {
        !self.regs.lock().list.iter().any(|g| g.live())
    }
}
