//! `bufferedAmount`, in one place: the bytes given to `send()` and not yet handed to the OS.
//! The handle adds what it queues ([`BufferedAmount::add`]); the connection task counts what
//! it writes ([`Unflushed`]) and subtracts it once a flush has handed it to the OS. A
//! `WebSocketStream`'s writers also wait on the number of messages not yet flushed (each
//! costs [`MESSAGE_OVERHEAD`](crate::inbox::MESSAGE_OVERHEAD) bytes against their mark): the
//! task counts those too and reports them to the stream's [`Outbox`] with the same flush.

use std::sync::atomic::{AtomicU64, Ordering};

use super::outbox::Outbox;

/// `bufferedAmount`, shared by the handles and the connection task.
#[derive(Default)]
pub(crate) struct BufferedAmount(AtomicU64);

impl BufferedAmount {
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Whether queuing `len` more bytes would pass `max` (the standard's "flag as full").
    pub(crate) fn would_pass(&self, len: u64, max: u64) -> bool {
        self.get().saturating_add(len) > max
    }

    /// `send()` queued `len` bytes (also while CLOSING or CLOSED, where they are discarded
    /// but still counted, as in the browser).
    pub(crate) fn add(&self, len: u64) {
        self.0.fetch_add(len, Ordering::AcqRel);
    }
}

/// What the connection task wrote since its last flush: bytes, and a stream's messages.
#[derive(Default)]
pub(crate) struct Unflushed {
    bytes: u64,
    messages: u64,
}

impl Unflushed {
    /// A message of `len` bytes was handed to tungstenite.
    pub(crate) fn wrote(&mut self, len: u64) {
        self.bytes += len;
        self.messages += 1;
    }

    /// A flush handed everything written to the OS: it leaves `bufferedAmount`, and a
    /// stream's writers waiting for room are woken.
    pub(crate) fn flushed(&mut self, buffered: &BufferedAmount, outbox: Option<&Outbox>) {
        let bytes = std::mem::take(&mut self.bytes);
        let messages = std::mem::take(&mut self.messages);
        buffered.0.fetch_sub(bytes, Ordering::AcqRel);
        if let Some(outbox) = outbox {
            outbox.flushed(messages);
        }
    }
}
