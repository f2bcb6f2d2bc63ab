//! The platform's primitives, natively (mounted as `crate::primitives` by `lib.rs`; the
//! browser's are in `src/wasm/primitives.rs`): what the portable core needs that differs
//! between a multi-threaded runtime and a page's one thread. Here: real locks and atomics
//! (loom's when the unit tests are built with `--cfg isows_loom`, `scripts/loom.sh`),
//! `Send` listeners, and the note that a thread is running a listener.

#[cfg(not(all(test, isows_loom)))]
pub(crate) use std::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize},
    Mutex, MutexGuard,
};

#[cfg(all(test, isows_loom))]
pub(crate) use loom::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize},
    Mutex, MutexGuard,
};

use crate::event::AnyEvent;

/// A value behind the core's one lock type: a `Mutex`. The core never holds a `Lock` while
/// it calls user code, so it is never taken twice by one thread.
#[derive(Default)]
pub(crate) struct Lock<T>(Mutex<T>);

/// What [`Lock::lock`] returns.
pub(crate) type Guard<'a, T> = MutexGuard<'a, T>;

impl<T> Lock<T> {
    pub(crate) fn new(value: T) -> Self {
        Lock(Mutex::new(value))
    }

    /// Locks; a poisoned lock (a panic while held, which the core never does across user
    /// code) is used as is.
    pub(crate) fn lock(&self) -> Guard<'_, T> {
        lock(&self.0)
    }

    /// Locks unless it is held (or poisoned).
    pub(crate) fn try_lock(&self) -> Option<Guard<'_, T>> {
        self.0.try_lock().ok()
    }
}

/// Locks a `Mutex`, as [`Lock::lock`] does.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The event queue's deque.
pub(crate) type Deque<T> = std::collections::VecDeque<T>;

/// A registered listener, once its event type has been erased: it runs on the runtime's
/// threads, so it must be `Send`.
pub(crate) type Callback = Box<dyn FnMut(&AnyEvent) + Send + 'static>;

/// What `Clock::after` calls: `true` when the delay passed.
#[cfg(feature = "reconnecting")]
pub(crate) type Timer = Box<dyn FnOnce(bool) + Send>;

/// What `Clock::spawn` runs.
#[cfg(feature = "reconnecting")]
pub(crate) type Task = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// What aborts one stream: a signal may be aborted from any thread.
pub(crate) type AbortTarget = Box<dyn FnOnce() + Send>;

/// `Send` on native targets, nothing on wasm32: listeners must be `Send` natively (they run
/// on the runtime's threads) and may capture `Rc` in the browser.
///
/// ```
/// fn takes_listener(f: impl FnMut(&isows::Event) + isows::MaybeSend + 'static) {}
/// takes_listener(|_| println!("open"));
/// ```
pub trait MaybeSend: Send {}
impl<T: Send + ?Sized> MaybeSend for T {}

/// The listed item with id `id` in `list`, sorted by id: a binary search (lists can be long;
/// the browser's scan is less code).
pub(crate) fn find_by_id<T>(list: &[T], id: u64, key: impl Fn(&T) -> u64) -> Option<&T> {
    list.binary_search_by_key(&id, key)
        .ok()
        .and_then(|pos| list.get(pos))
}

/// Why a close was not clean, as a `CloseEvent` keeps it: shared, not cloned, with the
/// stream's errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CloseCause(Option<std::sync::Arc<crate::error::ErrorCause>>);

impl CloseCause {
    pub(crate) fn new(cause: crate::error::ErrorCause) -> Self {
        CloseCause(Some(std::sync::Arc::new(cause)))
    }

    /// A copy of `cause`, kept.
    #[cfg(feature = "reconnecting")]
    pub(crate) fn of(cause: &crate::error::ErrorCause) -> Self {
        Self::new(cause.clone())
    }

    pub(crate) fn get(&self) -> Option<&crate::error::ErrorCause> {
        self.0.as_deref()
    }

    /// For a `WebSocketError` made from the close.
    pub(crate) fn shared(&self) -> Option<std::sync::Arc<crate::error::ErrorCause>> {
        self.0.clone()
    }
}

/// A listener panicked (the panic was caught: the others still run).
pub(crate) fn listener_panicked(event: &str) {
    tracing::error!(event, "a WebSocket listener panicked");
}

/// A message was dropped because no `message` listener exists yet and the held ones are at
/// their bound.
pub(crate) fn held_message_dropped() {
    tracing::warn!(
        "no message listener yet and {} messages or {} bytes held: dropping a message",
        crate::HELD_MESSAGE_LIMIT,
        crate::HELD_MESSAGE_BYTES
    );
}

thread_local! {
    /// How many dispatches are running on this thread (a listener may cause another socket's
    /// dispatch).
    static LISTENING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// True while this thread runs a listener: a blocking wait there would stop the very events
/// it waits for.
pub(crate) fn in_listener() -> bool {
    LISTENING.with(|l| l.get() > 0)
}

/// This thread runs listeners while it lives.
pub(crate) struct Listening;

impl Listening {
    pub(crate) fn enter() -> Self {
        LISTENING.with(|l| l.set(l.get() + 1));
        Listening
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = LISTENING.try_with(|l| l.set(l.get().saturating_sub(1)));
    }
}
