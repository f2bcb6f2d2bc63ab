//! The platform's primitives in the browser (mounted as `crate::primitives` by `lib.rs`; the
//! native ones are in `src/native/primitives.rs`). Everything runs on the page's one thread,
//! so each is the smallest thing that works there: a `RefCell` for a lock, std's atomics,
//! listeners that need not be `Send`. Each choice keeps code out of the `.wasm`.

pub(crate) use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize};

use crate::event::AnyEvent;

/// A value behind the core's one lock type: a `RefCell` (no lock code, no poisoning, and none
/// of the `Mutex`'s assertion formatting in the `.wasm`). The core never holds a `Lock` while
/// it calls user code, so it is never taken twice.
#[derive(Default)]
pub(crate) struct Lock<T>(core::cell::RefCell<T>);

/// What [`Lock::lock`] returns.
pub(crate) type Guard<'a, T> = core::cell::RefMut<'a, T>;

impl<T> Lock<T> {
    pub(crate) const fn new(value: T) -> Self {
        Lock(core::cell::RefCell::new(value))
    }

    pub(crate) fn lock(&self) -> Guard<'_, T> {
        // The core never takes a lock twice (see above); if it ever did, stop here rather
        // than format `BorrowMutError` (its formatting is ~1.5 KB of a `.wasm`).
        match self.0.try_borrow_mut() {
            Ok(guard) => guard,
            Err(_) => std::process::abort(),
        }
    }

    /// Locks unless it is held (the callback in it is running).
    pub(crate) fn try_lock(&self) -> Option<Guard<'_, T>> {
        self.0.try_borrow_mut().ok()
    }
}

/// The event queue's deque: a linked list. Events come one per browser task, so the queue is
/// almost always empty, and `VecDeque`'s slicing would bring its index-panic formatting
/// (~1.6 KB) into the `.wasm`.
pub(crate) type Deque<T> = std::collections::LinkedList<T>;

/// A registered listener, once its event type has been erased (it may capture `Rc`).
pub(crate) type Callback = Box<dyn FnMut(&AnyEvent) + 'static>;

/// What `Clock::after` calls: `true` when the delay passed.
#[cfg(feature = "reconnecting")]
pub(crate) type Timer = Box<dyn FnOnce(bool)>;

/// What `Clock::spawn` runs.
#[cfg(feature = "reconnecting")]
pub(crate) type Task = std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;

/// What aborts one stream.
pub(crate) type AbortTarget = Box<dyn FnOnce()>;

/// `Send` on native targets, nothing on wasm32.
pub trait MaybeSend {}
impl<T: ?Sized> MaybeSend for T {}

/// The listed item with id `id` in `list`: a scan (less code than a binary search).
pub(crate) fn find_by_id<T>(list: &[T], id: u64, key: impl Fn(&T) -> u64) -> Option<&T> {
    list.iter().find(|item| key(item) == id)
}

/// Why a close was not clean: the browser does not tell, so a close event keeps nothing
/// (no cause's drop or clone code in the `.wasm`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CloseCause;

impl CloseCause {
    pub(crate) fn new(_: crate::error::ErrorCause) -> Self {
        CloseCause
    }

    /// Nothing is kept (no copy of the cause made).
    #[cfg(feature = "reconnecting")]
    pub(crate) fn of(_: &crate::error::ErrorCause) -> Self {
        CloseCause
    }

    pub(crate) fn get(&self) -> Option<&crate::error::ErrorCause> {
        None
    }

    pub(crate) fn shared(&self) -> Option<std::sync::Arc<crate::error::ErrorCause>> {
        None
    }
}

/// The browser already reports the panic on its console.
pub(crate) fn listener_panicked(_: &str) {}

/// Nothing to log to in a `.wasm` of ours.
pub(crate) fn held_message_dropped() {}

/// A page cannot block, so nobody asks whether a listener is running.
pub(crate) struct Listening;

impl Listening {
    pub(crate) fn enter() -> Self {
        Listening
    }
}
