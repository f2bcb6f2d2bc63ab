//! The one interface both backends implement (`native::Connection`, `wasm::Connection`): the
//! handle's methods that depend on the backend. The compiler checks that both have them all
//! and alike; `WebSocket` calls nothing else of a backend but `connect`.

use crate::dispatch::SocketState;
use crate::error::Error;
use crate::message::Message;
use crate::websocket::ReadyState;

/// The backend's side of one socket. `state` is the portable state the dispatcher keeps;
/// a backend whose platform is the source of truth (the browser) may ignore it.
pub(crate) trait Backend {
    /// `readyState`.
    fn ready_state(&self, state: &SocketState) -> ReadyState;
    /// `bufferedAmount`.
    fn buffered_amount(&self, state: &SocketState) -> u64;
    /// `protocol`.
    fn protocol(&self, state: &SocketState) -> String;
    /// `extensions`.
    fn extensions(&self, state: &SocketState) -> String;
    /// `send(data)`.
    fn send(&self, state: &SocketState, message: Message) -> Result<(), Error>;
    /// `close()` (`None`) or `close(code, reason)`.
    fn close(&self, state: &SocketState, frame: Option<(u16, &str)>) -> Result<(), Error>;
    /// The last handle is gone and no listener is left.
    fn release(&self, state: &SocketState);
}
