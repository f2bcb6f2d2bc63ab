//! The synchronisation types of the portable core and the command queue: std's, or loom's
//! when the unit tests are built with `--cfg isows_loom` to model-check the dispatcher and the
//! command queue over every interleaving (`scripts/loom.sh`).

#[cfg(not(all(test, isows_loom)))]
pub(crate) use std::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize},
    Condvar, Mutex, MutexGuard,
};

#[cfg(all(test, isows_loom))]
pub(crate) use loom::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize},
    Condvar, Mutex, MutexGuard,
};
