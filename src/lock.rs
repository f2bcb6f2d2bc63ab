//! The portable core's one lock type, [`Lock`]: a `Mutex` natively; on wasm32, where
//! everything runs on one thread, a `RefCell` (no lock code, no poisoning, and none of the
//! `Mutex`'s assertion formatting in the `.wasm`).
//!
//! The core never holds a `Lock` while it calls user code, so it is never taken twice by one
//! thread: natively that would deadlock, on wasm32 it would panic.

/// A value behind the platform's lock.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Default)]
pub(crate) struct Lock<T>(Mutex<T>);

#[cfg(not(target_arch = "wasm32"))]
use crate::sync::{Mutex, MutexGuard};

/// What [`Lock::lock`] returns.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type Guard<'a, T> = MutexGuard<'a, T>;

#[cfg(not(target_arch = "wasm32"))]
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

/// Locks a `Mutex` of the native backend, as [`Lock::lock`] does.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A value behind the platform's lock.
#[cfg(target_arch = "wasm32")]
#[derive(Default)]
pub(crate) struct Lock<T>(core::cell::RefCell<T>);

/// What [`Lock::lock`] returns.
#[cfg(target_arch = "wasm32")]
pub(crate) type Guard<'a, T> = core::cell::RefMut<'a, T>;

#[cfg(target_arch = "wasm32")]
impl<T> Lock<T> {
    pub(crate) const fn new(value: T) -> Self {
        Lock(core::cell::RefCell::new(value))
    }

    pub(crate) fn lock(&self) -> Guard<'_, T> {
        // The core never takes a lock twice (see the module doc); if it ever did, stop here
        // rather than format `BorrowMutError` (its formatting is ~1.5 KB of a `.wasm`).
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
