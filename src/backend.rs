//! The seam between the portable core and the backends: the one interface a backend
//! implements, and the marker it implements it for. The core names no backend: it calls
//! [`Platform`]'s [`Backend`] methods and its connection's [`Connection`] methods; the backend
//! compiled for the target (`src/native/` on tokio, `src/wasm/` in the browser) writes
//! `impl Backend for Platform`. The loom models run the core against a model backend of their
//! own (`dispatch::loom_model`).

use std::sync::Arc;
use std::task::{Context, Poll};
#[cfg(feature = "reconnecting")]
use std::time::Duration;

use crate::dispatch::SocketState;
use crate::error::{Error, ErrorCause};
use crate::message::Message;
use crate::options::Options;
use crate::stream::backing::StreamBacking;
use crate::websocket::ReadyState;

/// The backend compiled for this target: `src/native/` implements [`Backend`] for it on
/// every target but wasm32, `src/wasm/` on wasm32.
pub(crate) struct Platform;

/// What the core asks of a backend, besides each socket's [`Connection`].
pub(crate) trait Backend: Sized + 'static {
    /// The backend's side of one socket.
    type Connection: Connection;
    /// The options only this backend reads, set by its own builder methods (natively TLS,
    /// proxies and name pinning; none in the browser).
    type Options: Default + Clone;
    /// A transport the caller opened (`connect_with_stream`); uninhabited in the browser.
    type Given;
    /// What a `WebSocketStream` runs on.
    type Stream: StreamBacking;

    /// Checks everything (the URL, the subprotocols, the options) and starts the socket in
    /// CONNECTING. Nothing reaches the network for rejected input, or when
    /// `options.aborted`.
    fn connect(
        options: Options,
        given: Option<Self::Given>,
    ) -> Result<Arc<SocketState<Self>>, Error>;

    /// Runs a blocking wait, or refuses it (`InvalidStateError`/`NotSupportedError`) where it
    /// could never return.
    fn block_on<T>(wait: impl FnOnce() -> T) -> Result<T, Error>;

    /// A handle on `state` for the `target()` of its events (none for a model backend).
    fn handle(state: &Arc<SocketState<Self>>) -> Option<crate::WebSocket>;

    /// A `WebSocketStream` is being made: its received messages are to go to `inbox`, not to
    /// listeners (before `connect`, natively, where the connection task takes it).
    fn stream_options(options: &mut Options, inbox: &Arc<crate::inbox::Inbox>);

    /// The same, once the stream's socket exists (in the browser, where listeners fill it).
    fn fill_inbox(ws: &crate::WebSocket, inbox: &Arc<crate::inbox::Inbox>);
}

/// The clock, timers and tasks a [`ReconnectingWebSocket`](crate::ReconnectingWebSocket)
/// needs: tokio natively (its paused clock included), the page's `setTimeout` and
/// microtasks in the browser.
#[cfg(feature = "reconnecting")]
pub(crate) trait Clock {
    /// Calls `then(true)` after `delay`; `then(false)` if the timer can never fire (its
    /// runtime shut down). Never calls it before returning, unless the runtime is gone.
    fn after(delay: Duration, then: Timer);
    /// Runs `future` to its end (natively on the socket's runtime, in the browser on the
    /// page's microtasks); a future dropped before its end (its runtime shut down) drops
    /// what it holds.
    fn spawn(future: Task);
    /// Time since an arbitrary origin, on the timers' clock.
    fn now() -> Duration;
    /// A random number in `[0, 1)`, for the backoff's jitter.
    fn random() -> f64;
}

#[cfg(feature = "reconnecting")]
pub(crate) use crate::primitives::{Task, Timer};

/// The backend's side of one socket: the handle's methods that depend on the backend. `state`
/// is the portable state the dispatcher keeps; a backend whose platform is the source of
/// truth (the browser) may ignore it.
pub(crate) trait Connection: Sized + 'static {
    /// `readyState`.
    fn ready_state<B: Backend>(&self, state: &SocketState<B>) -> ReadyState;
    /// `bufferedAmount`.
    fn buffered_amount(&self) -> u64;
    /// `protocol`.
    fn protocol<B: Backend>(&self, state: &SocketState<B>) -> String;
    /// `extensions`.
    fn extensions<B: Backend>(&self, state: &SocketState<B>) -> String;
    /// `send(data)`.
    fn send<B: Backend>(&self, state: &SocketState<B>, message: Message) -> Result<(), Error>;
    /// `close()` (`None`) or `close(code, reason)`.
    fn close<B: Backend>(
        &self,
        state: &SocketState<B>,
        frame: Option<(u16, &str)>,
    ) -> Result<(), Error>;
    /// The last handle is gone and no listener is left.
    fn release<B: Backend>(&self, state: &SocketState<B>);
    /// Fails the connection now, in any state but CLOSED: `error` with `cause`, then
    /// `close` 1006 (in the browser, which has no such call, a `close()`: the events come
    /// when the browser's closing handshake ends).
    #[cfg_attr(not(feature = "reconnecting"), allow(dead_code))]
    fn fail<B: Backend>(&self, state: &SocketState<B>, cause: ErrorCause);

    /// A `WebSocketStream` writer (`writer`, an id of `crate::waiters`) may go on: what is
    /// buffered costs at most `limit`, or the socket is no longer open. Else its waker is
    /// kept until the backend's next flush (natively) or looked at again soon (the browser
    /// has no event for it).
    fn poll_write_room<B: Backend>(
        &self,
        state: &SocketState<B>,
        cx: &mut Context<'_>,
        writer: u64,
        limit: u64,
    ) -> Poll<()>;
    /// Whether everything a stream's writers buffered has left (a flush is done).
    fn drained(&self) -> bool;
    /// A stream's writer handed a message to `send()`.
    fn stream_sent(&self);
    /// A stream's writer goes away (its waker with it).
    fn writer_left(&self, writer: u64);
}
