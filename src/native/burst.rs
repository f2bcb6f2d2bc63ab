//! What the connection task keeps between the messages of a burst (see
//! `SocketState::emit_message_in_burst`): each is an `Arc` that would otherwise be cloned and
//! dropped for every message. Native only: in a browser, events come one per task.

use std::sync::Arc;

use crate::listeners::Snapshot;

#[derive(Default)]
pub(crate) struct BurstCache {
    /// The message listeners, while the registry has not changed.
    pub(crate) snapshot: Option<Snapshot>,
    /// The socket's origin, for each `MessageEvent`.
    pub(crate) origin: Option<Arc<str>>,
    /// The events' `target()` handle.
    pub(crate) target: Option<crate::WebSocket>,
}

impl BurstCache {
    /// At the end of a burst: the snapshot may hold removed listeners; let them go. The task
    /// keeps no handle either: the last user handle's drop must be able to release the socket.
    pub(crate) fn end(&mut self) {
        self.snapshot = None;
        self.target = None;
    }
}
