//! The listener registry: the `on*` slots, `add_event_listener`/`remove_event_listener`,
//! `once`, and DOM order (an `on*` slot keeps the place where it was first set, among the
//! added listeners: catalog E-02).
//!
//! Each event type has a copy-on-write list, so dispatch takes a snapshot by cloning one
//! `Arc` (no allocation per event) and calls the listeners with no lock held: a listener may
//! call any method of the socket, add or remove listeners, or replace its own slot.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;

use std::sync::Arc;

use crate::event::{AnyEvent, EventType};
pub(crate) use crate::primitives::Callback;
use crate::primitives::{find_by_id, AtomicBool, Listening, Lock};

/// Identifies a listener added with
/// [`add_event_listener`](crate::WebSocket::add_event_listener), for
/// [`remove_event_listener`](crate::WebSocket::remove_event_listener).
///
/// ```no_run
/// # use isows::{kind, WebSocket};
/// # let ws = WebSocket::new("ws://127.0.0.1:9/")?;
/// let id = ws.add_event_listener(kind::Open, |_| println!("open"));
/// assert!(ws.remove_event_listener(id));
/// # Ok::<(), isows::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

impl ListenerId {
    #[cfg(feature = "reconnecting")]
    pub(crate) fn new(id: u64) -> Self {
        ListenerId(id)
    }
}

/// Options of [`add_event_listener_with_options`](crate::WebSocket::add_event_listener_with_options)
/// (the DOM's `AddEventListenerOptions`).
///
/// ```
/// let once = isows::ListenerOptions { once: true };
/// assert!(once.once);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListenerOptions {
    /// Remove the listener before it is called the first time.
    pub once: bool,
}

/// One registered listener or `on*` slot.
pub(crate) struct Entry {
    id: u64,
    slot: bool,
    once: bool,
    removed: AtomicBool,
    /// Still counted by the registry (cleared, under the registry's lock, when removed).
    listed: AtomicBool,
    /// Locked while the callback runs (only the dispatcher calls it, one event at a time).
    callback: Lock<Option<Callback>>,
}

impl Entry {
    fn new(id: u64, slot: bool, once: bool, callback: Callback) -> Arc<Entry> {
        let callback = Lock::new(Some(callback));
        Arc::new(Entry {
            id,
            slot,
            once,
            removed: AtomicBool::new(false),
            listed: AtomicBool::new(true),
            callback,
        })
    }

    /// Calls the callback unless the listener was removed; a panicking listener is reported
    /// and the dispatch goes on, as a throwing JavaScript listener would. `remove` takes a
    /// `once` listener out of the registry before its call.
    fn call(&self, event: &AnyEvent, remove: &dyn Fn(u64)) {
        if self.once {
            if self.removed.swap(true, Ordering::AcqRel) {
                return;
            }
            remove(self.id);
        } else if self.removed.load(Ordering::Acquire) {
            return;
        }
        let mut callback = self.callback.lock();
        if let Some(callback) = callback.as_mut() {
            if catch_unwind(AssertUnwindSafe(|| callback(event))).is_err() {
                crate::primitives::listener_panicked(event.event_type().as_str());
            }
        }
    }
}

/// A snapshot of one event type's listeners, taken at dispatch time.
pub(crate) type Snapshot = Arc<Vec<Arc<Entry>>>;

/// The listeners of one socket.
///
/// Each type's list is ordered by id (ids only grow; a slot replaced in place keeps its id),
/// so a listener is found by binary search. Removal marks the cell and leaves it in the list
/// (dispatch skips it); the list is compacted once half of it is removed. Removing each of
/// n listeners thus costs O(log n) amortized, where shifting the list would make it O(n).
#[derive(Default)]
pub(crate) struct Registry {
    lists: [Snapshot; 4],
    /// Per type, how many cells in the list are removed.
    dead: [usize; 4],
    next_id: u64,
}

impl Registry {
    /// Adds a listener at the end of its type's list.
    pub(crate) fn add(&mut self, ty: EventType, callback: Callback, once: bool) -> ListenerId {
        self.next_id += 1;
        let id = self.next_id;
        self.push(ty, id, false, once, callback);
        ListenerId(id)
    }

    /// The `on*` slot of a type's list, if set.
    fn slot(list: &[Arc<Entry>]) -> Option<&Arc<Entry>> {
        list.iter()
            .find(|c| c.slot && c.listed.load(Ordering::Relaxed))
    }

    /// Sets the `on*` slot: in place if it is set, else at the end. Returns what it replaced,
    /// to be dropped outside the lock.
    pub(crate) fn set_slot(&mut self, ty: EventType, callback: Callback) -> Option<Replaced> {
        let list = &mut self.lists[ty.index()];
        if let Some(cell) = Self::slot(list).cloned() {
            if let Some(mut current) = cell.callback.try_lock() {
                return current.replace(callback).map(Replaced::Callback);
            }
            // The slot's callback is running (it may be replacing itself): put a new cell in
            // its place; the running one is marked removed.
            let new = Entry::new(cell.id, true, false, callback);
            let place = Arc::make_mut(list)
                .iter_mut()
                .find(|c| c.slot && c.listed.load(Ordering::Relaxed))?;
            let old = std::mem::replace(place, new);
            old.listed.store(false, Ordering::Relaxed);
            old.removed.store(true, Ordering::Release);
            return Some(Replaced::Entry(old));
        }
        self.next_id += 1;
        let id = self.next_id;
        Arc::make_mut(list).push(Entry::new(id, true, false, callback));
        None
    }

    /// Empties the `on*` slot; it takes a new place when set again.
    pub(crate) fn clear_slot(&mut self, ty: EventType) -> Option<Arc<Entry>> {
        let id = Self::slot(&self.lists[ty.index()])?.id;
        self.remove_cell(id)
    }

    /// The listed cell `id` in `list`, if it is there.
    fn find(list: &[Arc<Entry>], id: u64) -> Option<&Arc<Entry>> {
        // Natively a binary search (lists can be long); on wasm32 a scan (less code).
        find_by_id(list, id, |c| c.id).filter(|c| c.listed.load(Ordering::Relaxed))
    }

    /// Removes a listener added with `add`; slots are cleared with `clear_slot`.
    pub(crate) fn remove(&mut self, id: ListenerId) -> Option<Arc<Entry>> {
        self.remove_where(id.0, false)
    }

    pub(crate) fn remove_cell(&mut self, id: u64) -> Option<Arc<Entry>> {
        self.remove_where(id, true)
    }

    /// Marks the cell removed and compacts its list once half of it is removed.
    fn remove_where(&mut self, id: u64, slots_too: bool) -> Option<Arc<Entry>> {
        for (list, dead) in self.lists.iter_mut().zip(self.dead.iter_mut()) {
            let Some(cell) = Self::find(list, id) else {
                continue;
            };
            if cell.slot && !slots_too {
                return None;
            }
            let cell = cell.clone();
            cell.listed.store(false, Ordering::Relaxed);
            cell.removed.store(true, Ordering::Release);
            *dead += 1;
            if *dead * 2 > list.len() {
                Arc::make_mut(list).retain(|c| c.listed.load(Ordering::Relaxed));
                *dead = 0;
            }
            return Some(cell);
        }
        None
    }

    fn push(&mut self, ty: EventType, id: u64, slot: bool, once: bool, callback: Callback) {
        Arc::make_mut(&mut self.lists[ty.index()]).push(Entry::new(id, slot, once, callback));
    }

    /// The listeners an event of this type goes to, as they are now.
    pub(crate) fn snapshot(&self, ty: EventType) -> Snapshot {
        self.lists[ty.index()].clone()
    }

    /// True if `snapshot` is the list of type `index` as it is now (for the native task's
    /// burst).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn is_current(&self, index: usize, snapshot: &Snapshot) -> bool {
        Arc::ptr_eq(&self.lists[index], snapshot)
    }

    /// True if no listener or slot is registered.
    pub(crate) fn is_empty(&self) -> bool {
        self.lists.iter().zip(self.dead).all(|(l, d)| l.len() == d)
    }

    /// Takes every listener out (after the socket closed), to be dropped outside the lock.
    pub(crate) fn take_all(&mut self) -> [Snapshot; 4] {
        self.dead = [0; 4];
        std::mem::take(&mut self.lists)
    }
}

/// What `set_slot` replaced.
pub(crate) enum Replaced {
    Callback(#[allow(dead_code)] Callback),
    Entry(#[allow(dead_code)] Arc<Entry>),
}

/// Calls a snapshot's listeners in order.
pub(crate) fn deliver(snapshot: &Snapshot, event: &AnyEvent, remove: &dyn Fn(u64)) {
    let _listening = Listening::enter();
    for cell in snapshot.iter() {
        cell.call(event, remove);
    }
}
