//! [`ReconnectingWebSocket`]: the `WebSocket` surface over a succession of sockets, as npm's
//! `reconnecting-websocket` and `partysocket` give JavaScript. Portable: the backends give
//! it a clock, timers and tasks (`backend::Clock`), and each socket it makes reports its
//! open and close to it before its listeners (`dispatch::Observer`).

mod backoff;
mod builder;
mod lifecycle;
mod relay;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

pub use builder::{ReconnectingBuilder, Target};
use lifecycle::{Phase, Shared};

use crate::backend::{Backend, Platform};
use crate::error::Error;
use crate::event::{kind, CloseEvent, ErrorEvent, Event, EventKind, EventType, MessageEvent};
use crate::listeners::{ListenerId, ListenerOptions};
use crate::message::Message;
use crate::primitives::MaybeSend;
use crate::websocket::{erase, BinaryType, ReadyState};
use crate::WebSocket;

/// A `WebSocket` that connects again by itself: the same attributes, methods and events,
/// over one socket after another, with `reconnecting-websocket`'s options and semantics.
///
/// - Listeners are registered once and hear every socket's events, in order: `open` per
///   connection, `close` per connection (with [`CloseEvent::will_reconnect`] telling a close
///   that will be retried from the final one), `error` before its `close`. An event's
///   `target()` is the socket it happened on ([`socket`](Self::socket) is the current one).
/// - `send()` while down queues (bounded: past [`max_enqueued_messages`](ReconnectingBuilder::max_enqueued_messages)
///   a `QuotaExceededError`); the queue leaves in order right after the next open, before
///   the `open` listeners run and before anything sent later.
/// - After a close it waits (growing delays with jitter) and connects again, unless
///   [`close()`](Self::close) was called, the retries ran out, or
///   [`should_reconnect`](ReconnectingBuilder::should_reconnect) says no.
/// - `close()` stops it for good in any state: CONNECTING and OPEN close their socket
///   (its `close` is the final one); while waiting it fires a final `close` of its own
///   (the code `close_with` gave, else 1005; clean).
///
/// Dropping the last handle of one that has no listeners closes it.
///
/// ```no_run
/// use isows::ReconnectingWebSocket;
/// let ws = ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
/// ws.set_onmessage(|e| println!("{}", e.data()));
/// ws.set_onclose(|e| if e.will_reconnect() { println!("reconnecting…") });
/// ws.send("queued until the first open")?;
/// # Ok::<(), isows::Error>(())
/// ```
pub struct ReconnectingWebSocket {
    shared: Arc<Shared>,
}

impl Clone for ReconnectingWebSocket {
    fn clone(&self) -> Self {
        Self::from_shared(&self.shared)
    }
}

impl Drop for ReconnectingWebSocket {
    fn drop(&mut self) {
        let shared = &self.shared;
        if shared.handles.fetch_sub(1, Ordering::AcqRel) == 1 && shared.relay.is_empty() {
            let _ = shared.close(None);
        }
    }
}

impl std::fmt::Debug for ReconnectingWebSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReconnectingWebSocket")
            .field("url", &crate::redact::redact(&self.url()))
            .field("ready_state", &self.ready_state())
            .field("retry_count", &self.retry_count())
            .finish()
    }
}

impl ReconnectingWebSocket {
    /// Connects to `url` now, and again after every close, with the default options.
    /// A bad URL is a `SyntaxError` here, as for [`WebSocket::new`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), isows::Error> {
    /// let ws = isows::ReconnectingWebSocket::new("ws://127.0.0.1:9/")?;
    /// assert_eq!(ws.ready_state(), isows::ReadyState::Connecting);
    /// # Ok(()) }
    /// ```
    pub fn new(url: &str) -> Result<Self, Error> {
        Self::builder(url).connect()
    }

    /// The options of a reconnecting socket (for the socket's own options, start from
    /// [`WebSocket::builder`] and call [`reconnecting`](crate::WebSocketBuilder::reconnecting)).
    ///
    /// ```
    /// let b = isows::ReconnectingWebSocket::builder("ws://h/").max_retries(Some(5));
    /// ```
    pub fn builder(url: &str) -> ReconnectingBuilder {
        WebSocket::builder(url).reconnecting()
    }

    /// The default rule for reconnecting after a close the application did not ask for:
    /// yes, except after 1008 (Policy Violation) and codes 4400–4499 (an application's
    /// "client error", as graphql-ws uses 4400, 4401, 4403), where the same request would be
    /// refused again.
    ///
    /// ```
    /// # fn f(e: &isows::CloseEvent) -> bool {
    /// isows::ReconnectingWebSocket::default_should_reconnect(e)
    /// # }
    /// ```
    pub fn default_should_reconnect(close: &CloseEvent) -> bool {
        builder::default_should_reconnect(close)
    }

    pub(crate) fn start(builder: ReconnectingBuilder) -> Result<Self, Error> {
        let start_closed = builder.settings.start_closed;
        let shared = Shared::new(builder.options, builder.source, builder.settings);
        if !start_closed {
            shared.state.lock().phase = Phase::Waiting;
            shared.begin(0)?;
        }
        Ok(Self::from_shared(&shared))
    }

    fn from_shared(shared: &Arc<Shared>) -> Self {
        shared.handles.fetch_add(1, Ordering::AcqRel);
        ReconnectingWebSocket {
            shared: shared.clone(),
        }
    }

    /// `readyState`: CONNECTING while an attempt runs or the next one is awaited, OPEN
    /// (or CLOSING, as the socket is) while connected, CLOSED after the final close (and,
    /// with `start_closed`, before `reconnect()`).
    ///
    /// ```
    /// let ws = isows::ReconnectingWebSocket::builder("ws://127.0.0.1:9/").start_closed(true).connect()?;
    /// assert_eq!(ws.ready_state(), isows::ReadyState::Closed);
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn ready_state(&self) -> ReadyState {
        let st = self.shared.state.lock();
        match st.phase {
            Phase::Idle | Phase::Closed => ReadyState::Closed,
            Phase::Waiting | Phase::Connecting if st.stop => ReadyState::Closing,
            Phase::Waiting | Phase::Connecting => ReadyState::Connecting,
            Phase::Open => st
                .socket
                .as_ref()
                .map_or(ReadyState::Connecting, WebSocket::ready_state),
        }
    }

    /// The current socket, if an attempt has one (for what only a socket has: natively
    /// `last_rtt()`, `handshake_response()`).
    ///
    /// ```
    /// let ws = isows::ReconnectingWebSocket::builder("ws://127.0.0.1:9/").start_closed(true).connect()?;
    /// assert!(ws.socket().is_none());
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn socket(&self) -> Option<WebSocket> {
        self.shared.state.lock().socket.clone()
    }

    /// `url`: the current (or last) socket's URL; before the first, the builder's.
    ///
    /// ```
    /// let ws = isows::ReconnectingWebSocket::builder("ws://127.0.0.1:9").start_closed(true).connect()?;
    /// assert_eq!(ws.url(), "ws://127.0.0.1:9");
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn url(&self) -> String {
        self.shared.state.lock().url.clone()
    }

    /// `bufferedAmount`: what the socket has not sent yet, plus what is queued while down.
    ///
    /// ```
    /// let ws = isows::ReconnectingWebSocket::builder("ws://127.0.0.1:9/").start_closed(true).connect()?;
    /// ws.send("12345")?;
    /// assert_eq!(ws.buffered_amount(), 5);
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn buffered_amount(&self) -> u64 {
        let socket = self.socket().map_or(0, |ws| ws.buffered_amount());
        socket + self.shared.queued_bytes() as u64
    }

    /// `protocol` of the current socket (`""` without one).
    ///
    /// ```
    /// # let ws = isows::ReconnectingWebSocket::builder("ws://h/").start_closed(true).connect()?;
    /// assert_eq!(ws.protocol(), "");
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn protocol(&self) -> String {
        self.socket().map(|ws| ws.protocol()).unwrap_or_default()
    }

    /// `extensions` of the current socket (`""` without one).
    ///
    /// ```
    /// # let ws = isows::ReconnectingWebSocket::builder("ws://h/").start_closed(true).connect()?;
    /// assert_eq!(ws.extensions(), "");
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn extensions(&self) -> String {
        self.socket().map(|ws| ws.extensions()).unwrap_or_default()
    }

    /// `binaryType`, kept for every socket.
    ///
    /// ```
    /// # let ws = isows::ReconnectingWebSocket::builder("ws://h/").start_closed(true).connect()?;
    /// assert_eq!(ws.binary_type(), isows::BinaryType::Blob);
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn binary_type(&self) -> BinaryType {
        self.shared.state.lock().binary_type
    }

    /// `binaryType = t`, for this socket and the next ones.
    ///
    /// ```
    /// # let ws = isows::ReconnectingWebSocket::builder("ws://h/").start_closed(true).connect()?;
    /// ws.set_binary_type(isows::BinaryType::ArrayBuffer);
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn set_binary_type(&self, binary_type: BinaryType) {
        let socket = {
            let mut st = self.shared.state.lock();
            st.binary_type = binary_type;
            st.socket.clone()
        };
        if let Some(ws) = socket {
            ws.set_binary_type(binary_type);
        }
    }

    /// `send(data)`: to the socket while OPEN; else queued for the next open (in order,
    /// before anything sent after it). A full queue is a `QuotaExceededError`; after
    /// `close()` an `InvalidStateError`. Nothing is dropped without an error, except what
    /// is still queued at the final close.
    ///
    /// ```
    /// let ws = isows::ReconnectingWebSocket::builder("ws://127.0.0.1:9/")
    ///     .start_closed(true)
    ///     .max_enqueued_messages(1)
    ///     .connect()?;
    /// ws.send("kept")?;
    /// assert_eq!(ws.send("one too many").unwrap_err().name(), "QuotaExceededError");
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn send(&self, data: impl Into<Message>) -> Result<(), Error> {
        self.shared.send(data.into())
    }

    /// `close()`: stops for good, whatever the state (see the type's documentation).
    ///
    /// ```
    /// let ws = isows::ReconnectingWebSocket::builder("ws://127.0.0.1:9/").start_closed(true).connect()?;
    /// ws.close();
    /// assert_eq!(ws.ready_state(), isows::ReadyState::Closed);
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn close(&self) {
        let _ = self.shared.close(None);
    }

    /// `close(code, reason)`: as [`close`](Self::close), with `WebSocket::close_with`'s
    /// checks (`InvalidAccessError`, `SyntaxError`).
    ///
    /// ```
    /// # let ws = isows::ReconnectingWebSocket::builder("ws://h/").start_closed(true).connect()?;
    /// assert_eq!(ws.close_with(1001, "").unwrap_err().name(), "InvalidAccessError");
    /// ws.close_with(4000, "done")?;
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn close_with(&self, code: u16, reason: &str) -> Result<(), Error> {
        crate::close_args::check_in(
            "Failed to execute 'close' on 'ReconnectingWebSocket'",
            code,
            reason,
        )?;
        self.shared.close(Some((code, reason)))
    }

    /// Closes the current socket (if any; `close` with `code_reason`, else without a code)
    /// and connects again at once, the retry count back at 0 (`reconnect-websocket`'s
    /// `reconnect(code, reason)`). Starts a `start_closed` socket. `InvalidStateError` after
    /// the final close.
    ///
    /// ```
    /// let ws = isows::ReconnectingWebSocket::builder("ws://127.0.0.1:9/").start_closed(true).connect()?;
    /// # let rt = tokio::runtime::Runtime::new().unwrap(); let _g = rt.enter();
    /// ws.reconnect(None)?;
    /// assert_eq!(ws.ready_state(), isows::ReadyState::Connecting);
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn reconnect(&self, code_reason: Option<(u16, &str)>) -> Result<(), Error> {
        if let Some((code, reason)) = code_reason {
            crate::close_args::check_in(
                "Failed to execute 'reconnect' on 'ReconnectingWebSocket'",
                code,
                reason,
            )?;
        }
        self.shared.reconnect(code_reason)
    }

    /// How many reconnections were made since the last stable connection (one that stayed
    /// open [`min_uptime`](ReconnectingBuilder::min_uptime)).
    ///
    /// ```
    /// # let ws = isows::ReconnectingWebSocket::builder("ws://h/").start_closed(true).connect()?;
    /// assert_eq!(ws.retry_count(), 0);
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn retry_count(&self) -> u32 {
        self.shared.retry_count()
    }

    /// `addEventListener(type, listener)`, for every socket from now on (and the current one).
    ///
    /// ```no_run
    /// use isows::{kind, ReconnectingWebSocket};
    /// let ws = ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.add_event_listener(kind::Open, |_| println!("(re)connected"));
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn add_event_listener<K: EventKind>(
        &self,
        kind: K,
        listener: impl FnMut(&K::Event) + MaybeSend + 'static,
    ) -> ListenerId {
        self.add_event_listener_with_options(kind, listener, ListenerOptions::default())
    }

    /// `addEventListener(type, listener, {once})`: a `once` listener hears one event in all,
    /// not one per socket.
    ///
    /// ```no_run
    /// use isows::{kind, ListenerOptions, ReconnectingWebSocket};
    /// let ws = ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.add_event_listener_with_options(kind::Open, |_| println!("first open"), ListenerOptions { once: true });
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn add_event_listener_with_options<K: EventKind>(
        &self,
        _kind: K,
        listener: impl FnMut(&K::Event) + MaybeSend + 'static,
        options: ListenerOptions,
    ) -> ListenerId {
        self.shared
            .relay
            .add(K::TYPE, erase::<K>(listener), options.once, false)
    }

    /// `removeEventListener`: true if it was registered.
    ///
    /// ```no_run
    /// # use isows::{kind, ReconnectingWebSocket};
    /// # let ws = ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
    /// let id = ws.add_event_listener(kind::Close, |_| {});
    /// assert!(ws.remove_event_listener(id));
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn remove_event_listener(&self, id: ListenerId) -> bool {
        self.shared.relay.remove(Some(id), None)
    }

    fn set_slot<K: EventKind>(&self, listener: impl FnMut(&K::Event) + MaybeSend + 'static) {
        self.shared
            .relay
            .add(K::TYPE, erase::<K>(listener), false, true);
    }

    fn clear_slot(&self, ty: EventType) {
        self.shared.relay.remove(None, Some(ty));
    }

    /// `onopen = f` (every connection's `open`).
    ///
    /// ```no_run
    /// # let ws = isows::ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.set_onopen(|_| println!("connected"));
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn set_onopen(&self, listener: impl FnMut(&Event) + MaybeSend + 'static) {
        self.set_slot::<kind::Open>(listener);
    }

    /// `onmessage = f`.
    ///
    /// ```no_run
    /// # let ws = isows::ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.set_onmessage(|e| println!("{}", e.data()));
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn set_onmessage(&self, listener: impl FnMut(&MessageEvent) + MaybeSend + 'static) {
        self.set_slot::<kind::Message>(listener);
    }

    /// `onerror = f`.
    ///
    /// ```no_run
    /// # let ws = isows::ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.set_onerror(|e| eprintln!("{}", e.cause()));
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn set_onerror(&self, listener: impl FnMut(&ErrorEvent) + MaybeSend + 'static) {
        self.set_slot::<kind::Error>(listener);
    }

    /// `onclose = f` (every connection's `close`; see [`CloseEvent::will_reconnect`]).
    ///
    /// ```no_run
    /// # let ws = isows::ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.set_onclose(|e| println!("closed {}, again: {}", e.code(), e.will_reconnect()));
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn set_onclose(&self, listener: impl FnMut(&CloseEvent) + MaybeSend + 'static) {
        self.set_slot::<kind::Close>(listener);
    }

    /// `onopen = null`.
    ///
    /// ```no_run
    /// # let ws = isows::ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.clear_onopen();
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn clear_onopen(&self) {
        self.clear_slot(EventType::Open);
    }

    /// `onmessage = null`.
    ///
    /// ```no_run
    /// # let ws = isows::ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.clear_onmessage();
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn clear_onmessage(&self) {
        self.clear_slot(EventType::Message);
    }

    /// `onerror = null`.
    ///
    /// ```no_run
    /// # let ws = isows::ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.clear_onerror();
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn clear_onerror(&self) {
        self.clear_slot(EventType::Error);
    }

    /// `onclose = null`.
    ///
    /// ```no_run
    /// # let ws = isows::ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.clear_onclose();
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn clear_onclose(&self) {
        self.clear_slot(EventType::Close);
    }

    /// Resolves when a connection is open (at once if one is), or with the final close
    /// event if it stops without one.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// let ws = isows::ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.opened().await?;
    /// # Ok(()) }
    /// ```
    pub async fn opened(&self) -> Result<(), CloseEvent> {
        std::future::poll_fn(|cx| self.shared.poll_opened(cx)).await
    }

    /// Resolves with the final close event (after which it never connects again).
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), isows::Error> {
    /// let ws = isows::ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
    /// let last = ws.closed().await;
    /// assert!(!last.will_reconnect());
    /// # Ok(()) }
    /// ```
    pub async fn closed(&self) -> CloseEvent {
        self.shared.closed.wait_async().await
    }

    /// Blocks until a connection is open (`Ok`) or the final close (`Err`); see
    /// [`WebSocket::wait_opened`] for where a thread may block.
    ///
    /// ```no_run
    /// let ws = isows::ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.wait_opened()??;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wait_opened(&self) -> Result<Result<(), CloseEvent>, Error> {
        let shared = &self.shared;
        Platform::block_on(|| {
            crate::completion::park_until(None, |cx| shared.poll_opened(cx), |_| {})
                .expect("no timeout")
        })
    }

    /// Blocks until the final close, or `timeout` (`Ok(None)`).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// let ws = isows::ReconnectingWebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.close();
    /// let last = ws.wait_closed_timeout(Duration::from_secs(5))?;
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn wait_closed_timeout(&self, timeout: Duration) -> Result<Option<CloseEvent>, Error> {
        Platform::block_on(|| self.shared.closed.wait_blocking(Some(timeout)))
    }
}
