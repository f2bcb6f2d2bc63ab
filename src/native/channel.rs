//! What a socket's handles and its connection task share, in one allocation: the queue of
//! commands (`send()`, `close()`, and the failure that jumps the queue), `bufferedAmount`,
//! and, for a `WebSocketStream`, what its writers wait on.

use std::sync::Arc;

use super::buffered::BufferedAmount;
use super::commands::CommandQueue;
use super::heartbeat::Rtt;
use super::outbox::Outbox;
use crate::error::ErrorCause;
use crate::message::Message;

/// What the handle asks of the task, in order.
pub(crate) enum Command {
    Send(Message),
    /// Start the closing handshake; `None` sends an empty Close body.
    Close(Option<(u16, String)>),
    /// A ping of the user's (`WebSocket::ping`).
    Ping(crate::Bytes),
}

pub(crate) struct Channel {
    /// The queue from the handles to the task. Its urgent item fails the connection ahead of
    /// everything queued: `close()` while CONNECTING (or the last handle dropped then), or the
    /// send buffer is full.
    pub(crate) commands: CommandQueue<Command, ErrorCause>,
    pub(crate) buffered: BufferedAmount,
    /// The round-trip time of the last answered ping.
    pub(crate) rtt: Rtt,
    /// A `WebSocketStream`'s writers' side (none for a `WebSocket`).
    pub(crate) outbox: Option<Arc<Outbox>>,
}

impl Channel {
    pub(crate) fn new(outbox: Option<Arc<Outbox>>) -> Self {
        Channel {
            commands: CommandQueue::new(),
            buffered: BufferedAmount::default(),
            rtt: Rtt::default(),
            outbox,
        }
    }
}
