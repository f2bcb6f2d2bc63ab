//! `AbortHandle`: an `AbortSignal` and its `AbortController` in one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::primitives::{AbortTarget, Lock};

/// An `AbortSignal` and its controller in one: give a clone to
/// [`WebSocketStreamBuilder::signal`](crate::WebSocketStreamBuilder::signal), call [`abort`](Self::abort) from anywhere. Aborting
/// before the stream opens (even before it is created: then no request is made) rejects
/// `opened` and `closed` with one `AbortError`; after it opened, it does nothing (catalog
/// WSS-19…WSS-21).
///
/// ```
/// let abort = isows::AbortHandle::new();
/// let ws = isows::WebSocketStream::builder(isows::WebSocket::builder("ws://127.0.0.1:9/"))
///     .signal(abort.clone())
///     .connect()?;
/// abort.abort();
/// assert!(abort.is_aborted());
/// # Ok::<(), isows::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct AbortHandle(Arc<AbortData>);

#[derive(Default)]
struct AbortData {
    aborted: AtomicBool,
    /// What aborts each stream the signal was given to (each holds its stream weakly).
    streams: Lock<Vec<AbortTarget>>,
}

impl AbortHandle {
    /// A signal not aborted yet.
    ///
    /// ```
    /// assert!(!isows::AbortHandle::new().is_aborted());
    /// ```
    pub fn new() -> Self {
        AbortHandle::default()
    }

    /// Aborts every stream given this signal that has not opened yet.
    ///
    /// ```
    /// isows::AbortHandle::new().abort();
    /// ```
    pub fn abort(&self) {
        self.0.aborted.store(true, Ordering::SeqCst);
        let streams = std::mem::take(&mut *self.0.streams.lock());
        for abort in streams {
            abort();
        }
    }

    /// Whether [`abort`](Self::abort) was called.
    ///
    /// ```
    /// let a = isows::AbortHandle::new();
    /// a.abort();
    /// assert!(a.is_aborted());
    /// ```
    pub fn is_aborted(&self) -> bool {
        self.0.aborted.load(Ordering::SeqCst)
    }

    /// Gives the signal a stream's `abort`: registered first, then the signal looked at, so
    /// an abort in between is not missed. True if the signal was aborted already (then
    /// `abort` has run or will run).
    pub(crate) fn register(&self, abort: AbortTarget) -> bool {
        self.0.streams.lock().push(abort);
        if self.is_aborted() {
            // `abort()` may have taken the list before the push: run what is left now.
            let left = std::mem::take(&mut *self.0.streams.lock());
            for abort in left {
                abort();
            }
            return true;
        }
        false
    }
}
