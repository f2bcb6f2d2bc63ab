//! The `WebSocket` handle: attributes, `send()`, `close()`, listeners, and the builder.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::backend::{Backend, Connection, Platform};
use crate::builder::WebSocketBuilder;
use crate::dispatch::SocketState;
use crate::error::Error;
use crate::event::{
    kind, AnyEvent, CloseEvent, ErrorEvent, Event, EventKind, EventType, MessageEvent,
};
use crate::listeners::{Callback, ListenerId, ListenerOptions};
use crate::message::Message;
use crate::options::Options;
use crate::primitives::MaybeSend;

/// The socket's state (`readyState`): 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED.
///
/// ```
/// use isows::{ReadyState, WebSocket};
/// assert_eq!(ReadyState::Closing as u16, 2);
/// assert_eq!(WebSocket::OPEN, ReadyState::Open);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum ReadyState {
    /// The opening handshake is under way.
    Connecting = 0,
    /// Messages can be sent and received.
    Open = 1,
    /// The closing handshake has started.
    Closing = 2,
    /// The connection is closed (or could not be opened).
    Closed = 3,
}

impl ReadyState {
    pub(crate) fn from_u8(v: u8) -> Self {
        match v {
            0 => ReadyState::Connecting,
            1 => ReadyState::Open,
            2 => ReadyState::Closing,
            _ => ReadyState::Closed,
        }
    }
}

/// `binaryType`: how the browser hands binary messages over. Natively both deliver
/// [`Bytes`](bytes::Bytes); the attribute is kept for parity. The default is `Blob`.
///
/// ```
/// use isows::BinaryType;
/// assert_eq!("arraybuffer".parse::<BinaryType>(), Ok(BinaryType::ArrayBuffer));
/// assert!("notBlobOrArrayBuffer".parse::<BinaryType>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum BinaryType {
    /// `"blob"`
    #[default]
    Blob,
    /// `"arraybuffer"`
    ArrayBuffer,
}

impl BinaryType {
    /// The JavaScript value.
    ///
    /// ```
    /// assert_eq!(isows::BinaryType::Blob.as_str(), "blob");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryType::Blob => "blob",
            BinaryType::ArrayBuffer => "arraybuffer",
        }
    }
}

impl std::str::FromStr for BinaryType {
    type Err = Error;
    /// Only `"blob"` and `"arraybuffer"`; JavaScript ignores other values (catalog A-06),
    /// Rust reports them.
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "blob" => Ok(BinaryType::Blob),
            "arraybuffer" => Ok(BinaryType::ArrayBuffer),
            _ => Err(Error::SyntaxError(format!(
                "The provided value '{s}' is not a valid enum value of type BinaryType."
            ))),
        }
    }
}

/// The browser's `WebSocket`, in Rust.
///
/// A cheap `Clone` handle (`Send + Sync` natively); every method takes `&self`, so a listener
/// can hold a clone and reply. Dropping the last handle of a socket that has no listeners
/// closes it (with no status code, like a garbage-collected browser socket); a socket with
/// listeners lives until it is closed.
///
/// ```no_run
/// use isows::WebSocket;
/// let ws = WebSocket::new("ws://127.0.0.1:8080/")?;
/// let ws2 = ws.clone();
/// ws.set_onopen(move |_| ws2.send("Hello WebSockets!").unwrap());
/// ws.set_onmessage(|e| println!("Received Message: {}", e.data()));
/// # Ok::<(), isows::Error>(())
/// ```
pub struct WebSocket {
    shared: Arc<SocketState>,
}

/// A handle more: counted, so the last one's drop can release the socket.
impl Clone for WebSocket {
    fn clone(&self) -> Self {
        WebSocket::from_state(&self.shared)
    }
}

impl Drop for WebSocket {
    fn drop(&mut self) {
        let shared = &self.shared;
        if shared.handles.fetch_sub(1, Ordering::AcqRel) == 1 && !shared.has_listeners() {
            shared.connection.release(shared);
        }
    }
}

impl std::fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocket")
            .field("url", &crate::redact::redact(self.url()))
            .field("ready_state", &self.ready_state())
            .finish()
    }
}

impl WebSocket {
    /// `WebSocket.CONNECTING` (0).
    pub const CONNECTING: ReadyState = ReadyState::Connecting;
    /// `WebSocket.OPEN` (1).
    pub const OPEN: ReadyState = ReadyState::Open;
    /// `WebSocket.CLOSING` (2).
    pub const CLOSING: ReadyState = ReadyState::Closing;
    /// `WebSocket.CLOSED` (3).
    pub const CLOSED: ReadyState = ReadyState::Closed;

    /// `new WebSocket(url)`: checks the URL and returns at once in CONNECTING; the
    /// handshake runs in the background. `http`/`https` map to `ws`/`wss`; a fragment or
    /// another scheme is a `SyntaxError`. A relative URL (`"/echo"`, `"chat"`, `"?"`) is a
    /// `SyntaxError` natively, where there is no base URL; in the browser it resolves against
    /// the page's base URL, as the browser's constructor does (the same holds for
    /// [`with_protocols`](Self::with_protocols), the builder and [`WebSocketStream`](crate::WebSocketStream)).
    ///
    /// ```
    /// use isows::{Error, WebSocket};
    /// assert!(matches!(WebSocket::new("ws://h/#frag"), Err(Error::SyntaxError(_))));
    /// ```
    pub fn new(url: &str) -> Result<Self, Error> {
        Self::builder(url).connect()
    }

    /// `new WebSocket(url, protocols)`. Each protocol must be a non-empty token and none may
    /// repeat (ASCII case-insensitively), else `SyntaxError`. The URL is checked (and, in the
    /// browser, resolved) as by [`new`](Self::new).
    ///
    /// ```
    /// use isows::{Error, WebSocket};
    /// let err = WebSocket::with_protocols("ws://h/", ["echo", "eCho"]).unwrap_err();
    /// assert!(matches!(err, Error::SyntaxError(_)));
    /// ```
    pub fn with_protocols<I, S>(url: &str, protocols: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self::builder(url).protocols(protocols).connect()
    }

    /// Options the browser does not offer; finish with [`WebSocketBuilder::connect`].
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// let ws = isows::WebSocket::builder("wss://example.com/chat")
    ///     .header("Authorization", "Bearer t0ken")
    ///     .handshake_timeout(Duration::from_secs(5))
    ///     .connect()?;
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn builder(url: &str) -> WebSocketBuilder {
        WebSocketBuilder {
            options: Options::new(url.to_owned()),
        }
    }

    /// A new handle to a socket (the first, from `connect`, or one for an event's `target()`).
    pub(crate) fn from_state(shared: &Arc<SocketState>) -> Self {
        shared.handles.fetch_add(1, Ordering::AcqRel);
        WebSocket {
            shared: shared.clone(),
        }
    }

    pub(crate) fn shared(&self) -> &Arc<SocketState> {
        &self.shared
    }

    fn conn(&self) -> &<Platform as Backend>::Connection {
        &self.shared.connection
    }

    /// `url`: the parsed URL, serialized (`ws://h` reads `ws://h/`).
    ///
    /// ```
    /// let ws = isows::WebSocket::new("http://127.0.0.1:9")?;
    /// assert_eq!(ws.url(), "ws://127.0.0.1:9/");
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn url(&self) -> &str {
        &self.shared().url
    }

    /// `readyState`. It moves with the events: OPEN inside `open`, CLOSED inside `error` and
    /// `close`; `close()` moves it to CLOSING at once.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), isows::Error> {
    /// let ws = isows::WebSocket::new("ws://127.0.0.1:9/")?;
    /// assert_eq!(ws.ready_state(), isows::WebSocket::CONNECTING);
    /// # Ok(()) }
    /// ```
    pub fn ready_state(&self) -> ReadyState {
        self.conn().ready_state(self.shared())
    }

    /// `bufferedAmount`: bytes passed to `send()` that have not reached the OS yet. After
    /// the closing handshake started, sent data is discarded but still counted.
    ///
    /// ```
    /// let ws = isows::WebSocket::new("ws://127.0.0.1:9/")?;
    /// assert_eq!(ws.buffered_amount(), 0);
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn buffered_amount(&self) -> u64 {
        self.conn().buffered_amount()
    }

    /// `protocol`: the subprotocol the server selected; `""` until `open`.
    ///
    /// ```
    /// let ws = isows::WebSocket::with_protocols("ws://127.0.0.1:9/", ["echo"])?;
    /// assert_eq!(ws.protocol(), "");
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn protocol(&self) -> String {
        self.conn().protocol(self.shared())
    }

    /// `extensions`: the extensions the server accepted (`""`: isows offers none yet).
    ///
    /// ```
    /// let ws = isows::WebSocket::new("ws://127.0.0.1:9/")?;
    /// assert_eq!(ws.extensions(), "");
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn extensions(&self) -> String {
        self.conn().extensions(self.shared())
    }

    /// `binaryType` (default `Blob`).
    ///
    /// ```
    /// let ws = isows::WebSocket::new("ws://127.0.0.1:9/")?;
    /// assert_eq!(ws.binary_type(), isows::BinaryType::Blob);
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn binary_type(&self) -> BinaryType {
        match self.shared().binary_type.load(Ordering::Relaxed) {
            0 => BinaryType::Blob,
            _ => BinaryType::ArrayBuffer,
        }
    }

    /// Sets `binaryType`.
    ///
    /// ```
    /// # let ws = isows::WebSocket::new("ws://127.0.0.1:9/")?;
    /// ws.set_binary_type(isows::BinaryType::ArrayBuffer);
    /// assert_eq!(ws.binary_type(), isows::BinaryType::ArrayBuffer);
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn set_binary_type(&self, binary_type: BinaryType) {
        let v = matches!(binary_type, BinaryType::ArrayBuffer) as u8;
        self.shared().binary_type.store(v, Ordering::Relaxed);
    }

    /// `send(data)`: text from `&str`/`String`, binary from `&[u8]`/`Vec<u8>`/`Bytes`.
    /// `InvalidStateError` while CONNECTING. While CLOSING or CLOSED it returns `Ok` and the
    /// data is **discarded** (never sent), while `buffered_amount()` still grows, as in the
    /// browser: check [`ready_state`](Self::ready_state) first when that matters. A socket
    /// that must not lose what is sent while the connection is down is the reconnecting
    /// socket's job (it queues while down), not `WebSocket`'s.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), isows::Error> {
    /// let ws = isows::WebSocket::new("ws://127.0.0.1:9/")?;
    /// assert_eq!(ws.send("too early").unwrap_err().name(), "InvalidStateError");
    /// # Ok(()) }
    /// ```
    pub fn send(&self, data: impl Into<Message>) -> Result<(), Error> {
        self.conn().send(self.shared(), data.into())
    }

    /// `close()`: starts the closing handshake with an empty Close frame (the peer's echo
    /// gives code 1005). While CONNECTING it fails the connection: `error`, then `close`
    /// 1006. While CLOSING or CLOSED it does nothing.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), isows::Error> {
    /// let ws = isows::WebSocket::new("ws://127.0.0.1:9/")?;
    /// ws.close();
    /// assert_eq!(ws.ready_state(), isows::WebSocket::CLOSING);
    /// # Ok(()) }
    /// ```
    pub fn close(&self) {
        // Without arguments there is nothing to reject.
        let _ = self.conn().close(self.shared(), None);
    }

    /// `close(code, reason)`: the code must be 1000 or 3000–4999 (`InvalidAccessError`), the
    /// reason at most 123 UTF-8 bytes (`SyntaxError`); both are checked in every state.
    ///
    /// ```
    /// let ws = isows::WebSocket::new("ws://127.0.0.1:9/")?;
    /// assert_eq!(ws.close_with(1001, "").unwrap_err().name(), "InvalidAccessError");
    /// ws.close_with(4000, "bye")?;
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn close_with(&self, code: u16, reason: &str) -> Result<(), Error> {
        self.conn().close(self.shared(), Some((code, reason)))
    }

    /// `addEventListener(type, listener)`: listeners run in registration order, one event
    /// at a time. An event that happened before its type ever had a listener is held and
    /// delivered to the first one.
    ///
    /// ```no_run
    /// use isows::{kind, WebSocket};
    /// let ws = WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.add_event_listener(kind::Close, |e| println!("closed with {}", e.code()));
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn add_event_listener<K: EventKind>(
        &self,
        kind: K,
        listener: impl FnMut(&K::Event) + MaybeSend + 'static,
    ) -> ListenerId {
        self.add_event_listener_with_options(kind, listener, ListenerOptions::default())
    }

    /// `addEventListener(type, listener, {once})`.
    ///
    /// ```no_run
    /// use isows::{kind, ListenerOptions, WebSocket};
    /// let ws = WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.add_event_listener_with_options(kind::Message, |e| println!("first: {}", e.data()),
    ///     ListenerOptions { once: true });
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn add_event_listener_with_options<K: EventKind>(
        &self,
        _kind: K,
        listener: impl FnMut(&K::Event) + MaybeSend + 'static,
        options: ListenerOptions,
    ) -> ListenerId {
        self.add_erased(K::TYPE, erase::<K>(listener), options.once)
    }

    /// The part of `add_event_listener` that does not depend on the listener's type, compiled
    /// once.
    pub(crate) fn add_erased(&self, ty: EventType, callback: Callback, once: bool) -> ListenerId {
        self.shared()
            .with_registry(|r| (Some(ty), r.add(ty, callback, once)))
    }

    /// `removeEventListener`: true if the listener was registered. A listener removed during
    /// a dispatch is not called for the rest of it.
    ///
    /// ```no_run
    /// # use isows::{kind, WebSocket};
    /// # let ws = WebSocket::new("ws://127.0.0.1:8080/")?;
    /// let id = ws.add_event_listener(kind::Error, |e| eprintln!("{}", e.cause()));
    /// assert!(ws.remove_event_listener(id));
    /// assert!(!ws.remove_event_listener(id));
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn remove_event_listener(&self, id: ListenerId) -> bool {
        let removed = self.shared().with_registry(|r| (None, r.remove(id)));
        removed.is_some()
    }

    /// Fails the connection now (see `Connection::fail`).
    #[cfg(feature = "reconnecting")]
    pub(crate) fn fail(&self, cause: crate::error::ErrorCause) {
        self.conn().fail(self.shared(), cause);
    }

    fn set_slot<K: EventKind>(&self, listener: impl FnMut(&K::Event) + MaybeSend + 'static) {
        self.set_slot_erased(K::TYPE, erase::<K>(listener));
    }

    /// The part of `set_slot` that does not depend on the listener's type, compiled once.
    fn set_slot_erased(&self, ty: EventType, callback: Callback) {
        let old = self
            .shared()
            .with_registry(|r| (Some(ty), r.set_slot(ty, callback)));
        drop(old);
    }

    fn clear_slot(&self, ty: EventType) {
        let old = self.shared().with_registry(|r| (None, r.clear_slot(ty)));
        drop(old);
    }

    /// `onopen = f`: sets the one `open` slot, replacing what it held.
    ///
    /// ```no_run
    /// # let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.set_onopen(|_| println!("Connection open ..."));
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn set_onopen(&self, listener: impl FnMut(&Event) + MaybeSend + 'static) {
        self.set_slot::<kind::Open>(listener);
    }

    /// `onmessage = f`.
    ///
    /// ```no_run
    /// # let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.set_onmessage(|e| println!("Received Message: {}", e.data()));
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn set_onmessage(&self, listener: impl FnMut(&MessageEvent) + MaybeSend + 'static) {
        self.set_slot::<kind::Message>(listener);
    }

    /// `onerror = f`.
    ///
    /// ```no_run
    /// # let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.set_onerror(|e| eprintln!("error!!! {}", e.cause()));
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn set_onerror(&self, listener: impl FnMut(&ErrorEvent) + MaybeSend + 'static) {
        self.set_slot::<kind::Error>(listener);
    }

    /// `onclose = f`.
    ///
    /// ```no_run
    /// # let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.set_onclose(|e| println!("Connection closed: {}", e.code()));
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn set_onclose(&self, listener: impl FnMut(&CloseEvent) + MaybeSend + 'static) {
        self.set_slot::<kind::Close>(listener);
    }

    /// `onopen = null`.
    ///
    /// ```no_run
    /// # let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.set_onopen(|_| {});
    /// ws.clear_onopen();
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn clear_onopen(&self) {
        self.clear_slot(EventType::Open);
    }

    /// `onmessage = null`.
    ///
    /// ```no_run
    /// # let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.clear_onmessage();
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn clear_onmessage(&self) {
        self.clear_slot(EventType::Message);
    }

    /// `onerror = null`.
    ///
    /// ```no_run
    /// # let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.clear_onerror();
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn clear_onerror(&self) {
        self.clear_slot(EventType::Error);
    }

    /// `onclose = null`.
    ///
    /// ```no_run
    /// # let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.clear_onclose();
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn clear_onclose(&self) {
        self.clear_slot(EventType::Close);
    }

    /// Resolves when the socket opens, or with the close event if it closes without opening.
    /// Not a listener: it takes no held event away from listeners registered later.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// if let Err(close) = ws.opened().await {
    ///     eprintln!("failed: {}", close.code());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn opened(&self) -> Result<(), CloseEvent> {
        self.shared()
            .opened
            .wait_async()
            .await
            .map_err(|c| self.targeted(c))
    }

    /// A kept close event, with this socket as its `target()` again.
    fn targeted(&self, mut close: CloseEvent) -> CloseEvent {
        close.target = crate::event::EventTarget(Some(self.clone()));
        close
    }

    /// Resolves with the close event once the socket is CLOSED.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), isows::Error> {
    /// let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// let close = ws.closed().await;
    /// println!("{} {}", close.code(), close.was_clean());
    /// # Ok(()) }
    /// ```
    pub async fn closed(&self) -> CloseEvent {
        self.targeted(self.shared().closed.wait_async().await)
    }

    /// Blocks the thread until the socket opens (`Ok`) or closes without opening (`Err`),
    /// for code without an async runtime. `InvalidStateError` if called on a thread that
    /// runs a single-threaded async runtime, where it could never return.
    ///
    /// ```no_run
    /// let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// let opened = ws.wait_opened()?;
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn wait_opened(&self) -> Result<Result<(), CloseEvent>, Error> {
        self.wait(|s, t| s.opened.wait_blocking(t), None)
            .map(|o| o.expect("no timeout"))
            .map(|o| o.map_err(|c| self.targeted(c)))
    }

    /// Blocks the thread until the socket is CLOSED and returns the close event (see
    /// [`wait_opened`](Self::wait_opened) for where it may be called).
    ///
    /// ```no_run
    /// let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.close();
    /// println!("closed with {}", ws.wait_closed()?.code());
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn wait_closed(&self) -> Result<CloseEvent, Error> {
        self.wait(|s, t| s.closed.wait_blocking(t), None)
            .map(|o| self.targeted(o.expect("no timeout")))
    }

    /// [`wait_closed`](Self::wait_closed) with a limit: `Ok(None)` if the socket is not
    /// closed after `timeout`.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// let maybe_closed = ws.wait_closed_timeout(Duration::from_secs(1))?;
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn wait_closed_timeout(&self, timeout: Duration) -> Result<Option<CloseEvent>, Error> {
        self.wait(|s, t| s.closed.wait_blocking(t), Some(timeout))
            .map(|o| o.map(|c| self.targeted(c)))
    }

    fn wait<T>(
        &self,
        f: impl FnOnce(&SocketState, Option<Duration>) -> Option<T>,
        timeout: Option<Duration>,
    ) -> Result<Option<T>, Error> {
        Platform::block_on(|| f(self.shared(), timeout))
    }
}

pub(crate) fn erase<K: EventKind>(
    mut listener: impl FnMut(&K::Event) + MaybeSend + 'static,
) -> Callback {
    Box::new(move |event: &AnyEvent| {
        if let Some(e) = K::extract(event) {
            listener(e)
        }
    })
}
