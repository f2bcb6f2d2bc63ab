//! The `WebSocket` handle: attributes, `send()`, `close()`, listeners, and the builder.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::backend::Backend;
use crate::dispatch::SocketState;
use crate::error::Error;
use crate::event::{
    kind, AnyEvent, CloseEvent, ErrorEvent, Event, EventKind, EventType, MessageEvent,
};
use crate::listeners::{Callback, ListenerId, ListenerOptions};
use crate::message::Message;
use crate::options::Options;
use crate::platform as backend;

/// `Send` on native targets, nothing on wasm32: listeners must be `Send` natively (they run
/// on the runtime's threads) and may capture `Rc` in the browser.
///
/// ```
/// fn takes_listener(f: impl FnMut(&isows::Event) + isows::MaybeSend + 'static) {}
/// takes_listener(|_| println!("open"));
/// ```
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}
/// `Send` on native targets, nothing on wasm32.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

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

    fn conn(&self) -> &backend::Connection {
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
        self.conn().buffered_amount(self.shared())
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

    /// The server's `101 Switching Protocols` response (status and every header: cookies,
    /// server-chosen values), from the `open` event on; `None` before. Natively only: the
    /// browser does not expose it.
    ///
    /// ```no_run
    /// let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// if ws.wait_opened()?.is_ok() {
    ///     let response = ws.handshake_response().unwrap();
    ///     assert_eq!(response.status(), 101);
    ///     println!("{:?}", response.header("set-cookie"));
    /// }
    /// # Ok::<(), isows::Error>(())
    /// ```
    #[cfg(not(target_arch = "wasm32"))]
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    pub fn handshake_response(&self) -> Option<&crate::HttpResponse> {
        self.conn().response.get()
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
    fn add_erased(&self, ty: EventType, callback: Callback, once: bool) -> ListenerId {
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
        close.target = crate::event::Target(Some(self.clone()));
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
        backend::block_on_completion(|| f(self.shared(), timeout))
    }
}

fn erase<K: EventKind>(mut listener: impl FnMut(&K::Event) + MaybeSend + 'static) -> Callback {
    Box::new(move |event: &AnyEvent| {
        if let Some(e) = K::extract(event) {
            listener(e)
        }
    })
}

/// Collects what [`WebSocket::builder`] is given; [`connect`](Self::connect) checks it all and
/// starts the socket.
///
/// ```no_run
/// let ws = isows::WebSocket::builder("ws://127.0.0.1:8080/")
///     .protocols(["chat", "superchat"])
///     .max_message_size(Some(1 << 20))
///     .connect()?;
/// # Ok::<(), isows::Error>(())
/// ```
#[must_use = "call connect() to create the socket"]
pub struct WebSocketBuilder {
    pub(crate) options: Options,
}

/// Shows the options; the URL's password and header values are not shown.
///
/// ```
/// let b = isows::WebSocket::builder("ws://u:secret@h/").header("Authorization", "Bearer t");
/// let shown = format!("{b:?}");
/// assert!(shown.contains("u:***@h") && !shown.contains("secret") && !shown.contains("Bearer"));
/// ```
impl std::fmt::Debug for WebSocketBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let o = &self.options;
        let headers: Vec<&str> = o.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("WebSocketBuilder")
            .field("url", &crate::redact::redact(&o.url))
            .field("protocols", &o.protocols)
            .field("headers", &headers)
            .field("max_message_size", &o.max_message_size)
            .field("max_frame_size", &o.max_frame_size)
            .field("handshake_timeout", &o.handshake_timeout)
            .field("close_timeout", &o.close_timeout)
            .field("max_buffered_amount", &o.max_buffered_amount)
            .field("serialize_handshakes", &o.serialize_handshakes)
            .finish_non_exhaustive()
    }
}

impl WebSocketBuilder {
    /// The subprotocols to request (`new WebSocket(url, protocols)`).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://h/").protocols(["a", "b"]);
    /// ```
    pub fn protocols<I, S>(mut self, protocols: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        // A loop, not `collect()`: for a `Vec<String>` argument that would bring a second,
        // in-place, collection routine into a `.wasm`.
        let mut list = Vec::new();
        for p in protocols {
            list.push(p.as_ref().to_owned());
        }
        self.options.protocols = list;
        self
    }

    /// An extra request header (native only). The headers the protocol itself uses
    /// (`Host`, `Upgrade`, `Connection`, `Sec-WebSocket-*`) cannot be set; a bad name or
    /// value is a `SyntaxError` from `connect()`.
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://h/").header("Origin", "https://example.com");
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.options
            .headers
            .push((name.to_owned(), value.to_owned()));
        self.options.native_only.push("header");
        self
    }

    /// The largest incoming message (default 64 MiB; `None`: no limit). A bigger one fails
    /// the connection with close code 1009 (native only).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://h/").max_message_size(Some(1 << 20));
    /// ```
    pub fn max_message_size(mut self, limit: Option<usize>) -> Self {
        self.options.max_message_size = limit;
        self.options.native_only.push("max_message_size");
        self
    }

    /// The largest incoming frame (default 16 MiB; `None`: no limit) (native only).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://h/").max_frame_size(Some(1 << 20));
    /// ```
    pub fn max_frame_size(mut self, limit: Option<usize>) -> Self {
        self.options.max_frame_size = limit;
        self.options.native_only.push("max_frame_size");
        self
    }

    /// Limit for the whole opening handshake: DNS, TCP, TLS and HTTP (default 30 s). When
    /// it passes: `error` (cause `Timeout`), then `close` 1006 (native only).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://h/").handshake_timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.options.handshake_timeout = timeout;
        self.options.native_only.push("handshake_timeout");
        self
    }

    /// How long `close()` waits for the server's Close frame before dropping the connection
    /// (default 10 s; then `close` 1006, not clean) (native only).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://h/").close_timeout(std::time::Duration::from_secs(2));
    /// ```
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.options.close_timeout = timeout;
        self.options.native_only.push("close_timeout");
        self
    }

    /// The most `buffered_amount()` may reach (default: no limit). A `send()` that would go
    /// over it is not sent; the connection fails instead (`error` with cause
    /// `SendBufferFull`, then `close` 1006), as the standard's "send buffer full" rule says
    /// (native only).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://h/").max_buffered_amount(Some(16 << 20));
    /// ```
    pub fn max_buffered_amount(mut self, limit: Option<u64>) -> Self {
        self.options.max_buffered_amount = limit;
        self.options.native_only.push("max_buffered_amount");
        self
    }

    /// Whether this socket waits for the opening handshake of any other socket to the same IP
    /// address and port to finish before it connects (default `true`). That is RFC 6455
    /// §4.1's rule ("no more than one connection in a CONNECTING state" per address), which
    /// browsers enforce to protect servers from scripts; with `false` the handshake starts at
    /// once, as other native clients do, for programs that open many sockets to one server
    /// they trust (native only).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://h/").serialize_handshakes(false);
    /// ```
    pub fn serialize_handshakes(mut self, serialize: bool) -> Self {
        self.options.serialize_handshakes = serialize;
        self.options.native_only.push("serialize_handshakes");
        self
    }

    /// Use this TLS connector for `wss://` instead of the default (native only).
    ///
    /// ```no_run
    /// let tls = isows::native_tls::TlsConnector::new().unwrap();
    /// let b = isows::WebSocket::builder("wss://h/").tls_connector(tls);
    /// ```
    #[cfg(all(feature = "native-tls", not(target_arch = "wasm32")))]
    #[cfg_attr(
        docsrs,
        doc(cfg(all(feature = "native-tls", not(target_arch = "wasm32"))))
    )]
    pub fn tls_connector(mut self, connector: native_tls::TlsConnector) -> Self {
        self.options.tls.connector = Some(connector);
        self.options.native_only.push("tls_connector");
        self
    }

    /// Use this rustls configuration for `wss://` (native only, feature `rustls` or
    /// `rustls-platform-roots`): its roots, client certificates, ALPN, verifier. It wins over
    /// [`add_root_certificate`](Self::add_root_certificate) and, with both TLS features
    /// compiled in, selects rustls for this socket.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use isows::rustls;
    /// let provider = Arc::new(rustls::crypto::ring::default_provider());
    /// let config = rustls::ClientConfig::builder_with_provider(provider)
    ///     .with_safe_default_protocol_versions()
    ///     .unwrap()
    ///     .with_root_certificates(rustls::RootCertStore::empty())
    ///     .with_no_client_auth();
    /// let b = isows::WebSocket::builder("wss://h/").rustls_config(Arc::new(config));
    /// ```
    #[cfg(all(feature = "rustls-core", not(target_arch = "wasm32")))]
    #[cfg_attr(
        docsrs,
        doc(cfg(all(
            any(feature = "rustls", feature = "rustls-platform-roots"),
            not(target_arch = "wasm32")
        )))
    )]
    pub fn rustls_config(mut self, config: std::sync::Arc<rustls::ClientConfig>) -> Self {
        self.options.tls.rustls = Some(config);
        self.options.native_only.push("rustls_config");
        self
    }

    /// Trust this root certificate too, besides the TLS library's default roots (native
    /// only; with native-tls the system's store, with rustls those of the features: Mozilla's
    /// for `rustls`, the system's for `rustls-platform-roots`).
    ///
    /// ```no_run
    /// let pem = std::fs::read("ca.pem").unwrap();
    /// let ca = isows::Certificate::from_pem(&pem)?;
    /// let b = isows::WebSocket::builder("wss://h/").add_root_certificate(ca);
    /// # Ok::<(), isows::Error>(())
    /// ```
    #[cfg(not(target_arch = "wasm32"))]
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    pub fn add_root_certificate(mut self, certificate: crate::Certificate) -> Self {
        self.options.tls.root_certificates.push(certificate);
        self.options.native_only.push("add_root_certificate");
        self
    }

    /// Go through this proxy (native only): `http://[user:password@]host[:port]` (HTTP
    /// `CONNECT`, with Basic proxy authentication), `socks5://…` (SOCKS5, the name resolved
    /// here) or `socks5h://…` (the proxy resolves it); no scheme means `http://`, the port
    /// defaults to 1080, as curl reads them. Checked by [`connect`](Self::connect): a bad URL
    /// is a `SyntaxError`. Without this call the environment decides (`https_proxy` for
    /// `wss://`, `http_proxy` for `ws://`, then `all_proxy`, and `no_proxy`; see the README).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("wss://example.com/").proxy("http://user:pw@proxy.corp:3128");
    /// let err = isows::WebSocket::builder("ws://h/").proxy("ftp://p").connect().unwrap_err();
    /// assert_eq!(err.name(), "SyntaxError");
    /// ```
    #[cfg(not(target_arch = "wasm32"))]
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    pub fn proxy(mut self, url: &str) -> Self {
        self.options.net.proxy = crate::native::ProxySetting::Url(url.to_owned());
        self.options.native_only.push("proxy");
        self
    }

    /// Connect directly, whatever the proxy variables of the environment say (native only).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://127.0.0.1:9/").no_proxy();
    /// ```
    #[cfg(not(target_arch = "wasm32"))]
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    pub fn no_proxy(mut self) -> Self {
        self.options.net.proxy = crate::native::ProxySetting::Off;
        self.options.native_only.push("no_proxy");
        self
    }

    /// Resolve `host` to these addresses instead of asking DNS (native only), as reqwest's
    /// `resolve_to_addrs`: they are tried in Happy Eyeballs order. An address with port 0
    /// takes the URL's port. The URL, `Host` header and TLS name stay `host`.
    ///
    /// ```
    /// let addrs = ["127.0.0.1:0".parse().unwrap()];
    /// let b = isows::WebSocket::builder("ws://echo.test:8080/").resolve_to_addrs("echo.test", &addrs);
    /// ```
    #[cfg(not(target_arch = "wasm32"))]
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    pub fn resolve_to_addrs(mut self, host: &str, addrs: &[std::net::SocketAddr]) -> Self {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        self.options.net.resolve.push((host, addrs.to_vec()));
        self.options.native_only.push("resolve_to_addrs");
        self
    }

    /// Checks the URL, then the protocols, then the options (the constructor's order), and
    /// starts the socket in CONNECTING. Nothing touches the network for rejected input.
    ///
    /// ```
    /// let err = isows::WebSocket::builder("ws://h/").protocols([""]).connect().unwrap_err();
    /// assert_eq!(err.name(), "SyntaxError");
    /// ```
    pub fn connect(self) -> Result<WebSocket, Error> {
        Ok(WebSocket::from_state(&backend::connect(
            self.options,
            None,
        )?))
    }

    /// Like [`connect`](Self::connect), over a stream you opened yourself (native only): a
    /// Unix socket, an in-memory duplex, a tunnel. The URL still gives the `Host`, the
    /// resource and the origin, and `wss://` still runs TLS (over your stream); every check of
    /// the handshake and after is kept. No DNS lookup, no connection of isows' own, and no
    /// wait for other handshakes to the same server.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), isows::Error> {
    /// let (client, _server) = tokio::io::duplex(4096);
    /// let ws = isows::WebSocket::builder("ws://in-memory/").connect_with_stream(client)?;
    /// assert_eq!(ws.ready_state(), isows::WebSocket::CONNECTING);
    /// # Ok(()) }
    /// ```
    #[cfg(not(target_arch = "wasm32"))]
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    pub fn connect_with_stream<S>(self, stream: S) -> Result<WebSocket, Error>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        Ok(WebSocket::from_state(&backend::connect(
            self.options,
            Some(Box::new(stream)),
        )?))
    }
}
