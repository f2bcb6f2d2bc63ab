//! `WebSocketStream`, the browser's second WebSocket API (catalog section 12, `tests/CATALOG.md`),
//! as Rust's `Stream` and `Sink`, with backpressure both ways. It runs on the same socket
//! as [`WebSocket`] (one connection task, the same checks and causes): the stream owns a
//! `WebSocket` whose messages go to a bounded queue instead of listeners.
//!
//! Natively, a reader that does not take messages makes the connection task stop reading from
//! TCP once the queue holds `read_high_water_mark` bytes, so the server feels TCP's
//! pushback; the writer's `poll_ready` waits while `bufferedAmount` is over
//! `write_high_water_mark`. On wasm32 the page's own `WebSocketStream` is used where it
//! exists (its streams push back, its errors are the browser's); elsewhere, or with
//! `over_websocket()`, the browser's `WebSocket` is underneath: writes wait the same way
//! (looking at `bufferedAmount` every 10 ms, the browser has no event for it), but reads
//! cannot push back (the browser reads regardless).
//!
//! Which error each future and stream gives follows Chromium (the catalog's "Errata for
//! section 12"): a failure before open rejects `opened` with a `WebSocketError` without a
//! code and `closed` with another one with 1006; an abort rejects both with one `AbortError`;
//! after an unclean close, `closed`, the reader and the writer give one and the same error;
//! writes after a clean close give one `InvalidStateError`.

// Natively a stream has one backing, so some matches have one arm there.
#![cfg_attr(
    not(target_arch = "wasm32"),
    allow(clippy::infallible_destructuring_match)
)]

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::task::{Context, Poll};

use crate::close_args;
use crate::error::Error;
use crate::event::{CloseEvent, MessageData};
use crate::inbox::Inbox;
use crate::lock::Lock;
use crate::message::Message;
#[cfg(target_arch = "wasm32")]
use crate::wasm::browser_stream::{BrowserReader, BrowserStream, BrowserWriter};
use crate::websocket::{ReadyState, WebSocket, WebSocketBuilder};

/// The default read high-water mark: 1 MiB of received messages not yet read.
pub const DEFAULT_READ_HIGH_WATER_MARK: usize = 1 << 20;
/// The default write high-water mark: 1 MiB of `bufferedAmount`.
pub const DEFAULT_WRITE_HIGH_WATER_MARK: u64 = 1 << 20;

/// The browser's `WebSocketError`: a `DOMException` with a close code and reason. isows also
/// uses it for the `AbortError` and `InvalidStateError` a stream gives ([`name`](Self::name)).
/// Clones are the same error ([`is_same`](Self::is_same)), as JS hands out one object.
///
/// ```
/// let e = isows::WebSocketError::new("bye", Some(3456), "reason")?;
/// assert_eq!((e.name(), e.close_code(), e.reason()), ("WebSocketError", Some(3456), "reason"));
/// // Only a reason: the code becomes 1000 (catalog WSE-04).
/// assert_eq!(isows::WebSocketError::new("", None, "r")?.close_code(), Some(1000));
/// assert_eq!(isows::WebSocketError::new("", Some(999), "").unwrap_err().name(), "InvalidAccessError");
/// # Ok::<(), isows::Error>(())
/// ```
#[derive(Clone)]
pub struct WebSocketError(Arc<ErrorData>);

#[derive(Debug, PartialEq, Eq)]
struct ErrorData {
    name: &'static str,
    message: String,
    close_code: Option<u16>,
    reason: String,
    /// Why the socket failed or closed uncleanly (natively).
    cause: Option<crate::ErrorCause>,
}

impl WebSocketError {
    /// `new WebSocketError(message, {closeCode, reason})`: the code must be 1000 or
    /// 3000–4999 (`InvalidAccessError`), the reason at most 123 UTF-8 bytes (`SyntaxError`);
    /// a non-empty reason without a code gets 1000.
    ///
    /// ```
    /// let e = isows::WebSocketError::new("", None, "")?;
    /// assert_eq!((e.close_code(), e.message()), (None, ""));
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn new(message: &str, close_code: Option<u16>, reason: &str) -> Result<Self, Error> {
        const CONTEXT: &str = "Failed to construct 'WebSocketError'";
        match close_code {
            Some(code) => close_args::check_in(CONTEXT, code, reason)?,
            None => close_args::check_reason(CONTEXT, reason)?,
        }
        let close_code = close_code.or((!reason.is_empty()).then_some(1000));
        Ok(Self::make(
            "WebSocketError",
            message,
            close_code,
            reason,
            None,
        ))
    }

    /// The error for a JS error object the browser's `WebSocketStream` gave.
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn from_browser(
        name: &str,
        message: &str,
        close_code: Option<u16>,
        reason: &str,
    ) -> Self {
        let name = match name {
            "AbortError" => "AbortError",
            "InvalidStateError" => "InvalidStateError",
            "TypeError" => "TypeError",
            _ => "WebSocketError",
        };
        Self::make(name, message, close_code, reason, None)
    }

    fn make(
        name: &'static str,
        message: &str,
        close_code: Option<u16>,
        reason: &str,
        cause: Option<crate::ErrorCause>,
    ) -> Self {
        WebSocketError(Arc::new(ErrorData {
            name,
            message: message.to_owned(),
            close_code,
            reason: reason.to_owned(),
            cause,
        }))
    }

    /// Why the connection failed or was lost, natively: the same [`ErrorCause`](crate::ErrorCause)
    /// the `WebSocket`'s `error` event (or its `close` event, for a connection lost after
    /// open) carries: refused, DNS, TLS, an HTTP status with its body, a timeout, a reset, a
    /// protocol violation, a proxy. It is also the error's `source()`. `None` for an
    /// `AbortError`, an `InvalidStateError`, an error made with [`new`](Self::new), and in the
    /// browser (which does not tell).
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), isows::Error> {
    /// let ws = isows::WebSocketStream::new("ws://127.0.0.1:9/")?;
    /// if let Err(e) = ws.opened().await {
    ///     match e.cause() {
    ///         Some(cause) if cause.status() == Some(403) => println!("go away"),
    ///         Some(isows::ErrorCause::Connect(_)) => println!("not up yet: retry"),
    ///         other => println!("{e}: {other:?}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn cause(&self) -> Option<&crate::ErrorCause> {
        self.0.cause.as_ref()
    }

    /// `"WebSocketError"`, or `"AbortError"` (the stream was aborted before it opened), or
    /// `"InvalidStateError"` (a write after the stream closed).
    ///
    /// ```
    /// assert_eq!(isows::WebSocketError::new("", None, "")?.name(), "WebSocketError");
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        self.0.name
    }

    /// The message.
    ///
    /// ```
    /// assert_eq!(isows::WebSocketError::new("m", None, "")?.message(), "m");
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// `closeCode`: the close code, if any.
    ///
    /// ```
    /// assert_eq!(isows::WebSocketError::new("", Some(4000), "")?.close_code(), Some(4000));
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn close_code(&self) -> Option<u16> {
        self.0.close_code
    }

    /// `reason`.
    ///
    /// ```
    /// assert_eq!(isows::WebSocketError::new("", Some(4000), "r")?.reason(), "r");
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn reason(&self) -> &str {
        &self.0.reason
    }

    /// Whether both are the same error (JS: the same object), not only equal.
    ///
    /// ```
    /// let a = isows::WebSocketError::new("", None, "")?;
    /// let b = isows::WebSocketError::new("", None, "")?;
    /// assert!(a.is_same(&a.clone()) && !a.is_same(&b) && a == b);
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn is_same(&self, other: &WebSocketError) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl PartialEq for WebSocketError {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for WebSocketError {}

impl std::fmt::Debug for WebSocketError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct(self.0.name);
        s.field("message", &self.0.message)
            .field("close_code", &self.0.close_code)
            .field("reason", &self.0.reason);
        if let Some(cause) = &self.0.cause {
            s.field("cause", cause);
        }
        s.finish()
    }
}

impl std::fmt::Display for WebSocketError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.0.name, self.0.message)?;
        if let Some(code) = self.0.close_code {
            write!(f, " (close code {code})")?;
        }
        Ok(())
    }
}

/// `source()` is [`WebSocketError::cause`], where there is one.
impl std::error::Error for WebSocketError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .cause
            .as_ref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

/// `{closeCode, reason}`: what `closed` resolves to (the code is always there then), and
/// what [`WebSocketStream::close`] takes (no code and no reason: an empty Close frame; only a
/// reason: code 1000).
///
/// ```
/// let info = isows::CloseInfo { close_code: Some(3000), reason: "done".into() };
/// assert_eq!(isows::CloseInfo::default().close_code, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CloseInfo {
    /// `closeCode`.
    pub close_code: Option<u16>,
    /// `reason`.
    pub reason: String,
}

/// An `AbortSignal` and its controller in one: give a clone to
/// [`WebSocketStreamBuilder::signal`], call [`abort`](Self::abort) from anywhere. Aborting
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
    streams: Lock<Vec<AbortTarget>>,
}

/// A stream a signal was given to.
enum AbortTarget {
    Socket(Weak<StreamState>),
    #[cfg(target_arch = "wasm32")]
    Browser(std::rc::Weak<BrowserStream>),
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
        for target in streams {
            match target {
                AbortTarget::Socket(s) => {
                    if let Some(s) = s.upgrade() {
                        s.abort();
                    }
                }
                #[cfg(target_arch = "wasm32")]
                AbortTarget::Browser(b) => {
                    if let Some(b) = b.upgrade() {
                        b.abort();
                    }
                }
            }
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
}

/// What a stream's parts share: the socket, its queues, and the error objects (made once).
struct StreamState {
    ws: WebSocket,
    inbox: Arc<Inbox>,
    /// What the writers wait on (natively; in the browser they look at `bufferedAmount`).
    #[cfg(not(target_arch = "wasm32"))]
    outbox: Arc<crate::native::Outbox>,
    write_high_water: u64,
    aborted: AtomicBool,
    abort_error: OnceLock<WebSocketError>,
    opened_error: OnceLock<WebSocketError>,
    closed_error: OnceLock<WebSocketError>,
    invalid_state: OnceLock<WebSocketError>,
}

impl Drop for StreamState {
    /// The stream, its reader and its writer are all gone: nobody can read or write, so the
    /// socket closes (abandoned while connecting), as a collected browser socket does.
    fn drop(&mut self) {
        self.ws.close();
    }
}

impl StreamState {
    fn abort(&self) {
        if self.ws.ready_state() == ReadyState::Connecting {
            self.aborted.store(true, Ordering::SeqCst);
            self.ws.close();
        }
    }

    fn aborted(&self) -> Option<WebSocketError> {
        self.aborted.load(Ordering::SeqCst).then(|| {
            self.abort_error
                .get_or_init(|| {
                    WebSocketError::make("AbortError", "The operation was aborted.", None, "", None)
                })
                .clone()
        })
    }

    /// `closed`'s result for a close event.
    fn closed_result(&self, close: &CloseEvent) -> Result<CloseInfo, WebSocketError> {
        if let Some(abort) = self.aborted() {
            return Err(abort);
        }
        if close.was_clean() {
            return Ok(CloseInfo {
                close_code: Some(close.code()),
                reason: close.reason().to_owned(),
            });
        }
        Err(self
            .closed_error
            .get_or_init(|| {
                WebSocketError::make(
                    "WebSocketError",
                    "The WebSocket closed without a closing handshake.",
                    Some(close.code()),
                    close.reason(),
                    close.cause().cloned(),
                )
            })
            .clone())
    }

    /// What a write gets once the stream is not open: the unclean close's error, or one
    /// `InvalidStateError`.
    fn write_error(&self) -> WebSocketError {
        if let Poll::Ready(close) = self.poll_closed_now() {
            if let Err(e) = self.closed_result(&close) {
                return e;
            }
        }
        self.invalid_state
            .get_or_init(|| {
                WebSocketError::make(
                    "InvalidStateError",
                    "The WebSocketStream is closing or closed.",
                    None,
                    "",
                    None,
                )
            })
            .clone()
    }

    /// `Ready` once writer `id` may go on: what is buffered costs at most `limit`, or the
    /// socket is no longer open.
    fn poll_write_room(&self, cx: &mut Context<'_>, id: u64, limit: u64) -> Poll<()> {
        let done = || self.ws.ready_state() != ReadyState::Open;
        #[cfg(not(target_arch = "wasm32"))]
        return self
            .outbox
            .poll_room(cx, id, limit, || self.ws.buffered_amount(), done);
        #[cfg(target_arch = "wasm32")]
        {
            let _ = id;
            for attempt in 0..2 {
                if done() || self.ws.buffered_amount() <= limit {
                    return Poll::Ready(());
                }
                if attempt == 0 {
                    // The browser has no event for `bufferedAmount` falling: each waiter
                    // looks again in 10 ms (the end of the socket is seen then too).
                    self.ws.shared().connection.register_drained(cx.waker());
                }
            }
            Poll::Pending
        }
    }

    /// Whether what writers buffered is all gone (a flush is done).
    fn drained(&self) -> bool {
        #[cfg(not(target_arch = "wasm32"))]
        let overhead = self.outbox.overhead();
        #[cfg(target_arch = "wasm32")]
        let overhead = 0;
        self.ws.buffered_amount() + overhead == 0
    }

    fn poll_closed_now(&self) -> Poll<CloseEvent> {
        let waker = std::task::Waker::noop();
        self.ws
            .shared()
            .closed
            .poll(&mut Context::from_waker(waker))
    }

    /// `close()` with a reason from `cancel`/`abort`: a code only from a `WebSocketError`.
    fn close_with_reason(&self, reason: Option<&WebSocketError>) {
        match reason.and_then(|e| e.close_code().map(|c| (c, e.reason()))) {
            Some((code, reason)) => {
                if self.ws.close_with(code, reason).is_err() {
                    self.ws.close();
                }
            }
            None => self.ws.close(),
        }
    }
}

/// `WebSocketStream`: a WebSocket as a reader [`Stream`](futures_core::Stream) and a writer
/// [`Sink`](futures_sink::Sink), with backpressure.
///
/// Natively, a reader that does not take messages makes the connection task stop reading from
/// TCP once the queue holds `read_high_water_mark` bytes, so the server feels TCP's
/// pushback; the writer's `poll_ready` waits while `bufferedAmount` is over
/// `write_high_water_mark`. On wasm32 the page's own `WebSocketStream` is used where it
/// exists (its streams push back, its errors are the browser's); elsewhere, or with
/// [`over_websocket`](WebSocketStreamBuilder::over_websocket), the browser's `WebSocket` is
/// underneath: writes wait the same way (looking at `bufferedAmount` every 10 ms, the
/// browser has no event for it), but reads cannot push back (the browser reads regardless).
///
/// Which error each future and stream gives follows Chromium (the catalog's "Errata for
/// section 12"): a failure before open rejects `opened` with a `WebSocketError` without a
/// code and `closed` with another one with 1006; an abort rejects both with one `AbortError`;
/// after an unclean close, `closed`, the reader and the writer give one and the same error;
/// writes after a clean close give one `InvalidStateError`.
///
/// ```no_run
/// use futures_util::{SinkExt, StreamExt};
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let ws = isows::WebSocketStream::new("ws://127.0.0.1:8765/")?;
/// let mut opened = ws.opened().await?;
/// opened.writer.send("hello".into()).await?;
/// if let Some(message) = opened.reader.next().await {
///     println!("{}", message?);
/// }
/// ws.close(isows::CloseInfo::default())?;
/// println!("{:?}", ws.closed().await);
/// # Ok(()) }
/// ```
pub struct WebSocketStream {
    inner: Backing,
}

/// What a stream runs on: an isows socket (natively, and in pages without `WebSocketStream`
/// or with `over_websocket()`), or the browser's own `WebSocketStream`.
#[derive(Clone)]
enum Backing {
    Socket(Arc<StreamState>),
    #[cfg(target_arch = "wasm32")]
    Browser(std::rc::Rc<BrowserStream>),
}

/// `opened`'s value: the reader, the writer, and what the handshake selected.
pub struct Opened {
    /// `readable`: every message, in order; ends after the close (with an error item when it
    /// was unclean).
    pub reader: Reader,
    /// `writable`: a `Sink<Message>` (`"text".into()`, `vec![1, 2].into()`, …).
    pub writer: Writer,
    /// The subprotocol the server selected (`""`: none).
    pub protocol: String,
    /// The extensions the server accepted (`""`).
    pub extensions: String,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("protocol", &self.protocol)
            .field("extensions", &self.extensions)
            .finish_non_exhaustive()
    }
}

/// Builds a [`WebSocketStream`] from a [`WebSocketBuilder`] (every socket option, with the
/// same checks) plus the stream's own options.
///
/// ```
/// let b = isows::WebSocketStream::builder(isows::WebSocket::builder("ws://h/").protocols(["chat"]))
///     .read_high_water_mark(64 << 10)
///     .write_high_water_mark(64 << 10);
/// ```
#[must_use = "call connect() to create the stream"]
pub struct WebSocketStreamBuilder {
    socket: WebSocketBuilder,
    read_high_water: usize,
    write_high_water: u64,
    signal: Option<AbortHandle>,
    over_websocket: bool,
}

impl WebSocketStreamBuilder {
    /// Bytes of received messages kept for the readers before isows stops reading from TCP
    /// (natively; default [`DEFAULT_READ_HIGH_WATER_MARK`]). Each message counts its payload
    /// plus 64 bytes, so many small messages are held to the mark as large ones are. At least
    /// one message is always kept, however large.
    ///
    /// ```
    /// let b = isows::WebSocketStream::builder(isows::WebSocket::builder("ws://h/")).read_high_water_mark(1 << 16);
    /// ```
    pub fn read_high_water_mark(mut self, bytes: usize) -> Self {
        self.read_high_water = bytes.max(1);
        self
    }

    /// `bufferedAmount` above which the writers wait (default
    /// [`DEFAULT_WRITE_HIGH_WATER_MARK`]). Natively each message not yet handed to the OS
    /// also counts 64 bytes, so a flood of empty messages waits at the mark too
    /// (`bufferedAmount` itself counts payload bytes only, as in the browser).
    ///
    /// ```
    /// let b = isows::WebSocketStream::builder(isows::WebSocket::builder("ws://h/")).write_high_water_mark(1 << 16);
    /// ```
    pub fn write_high_water_mark(mut self, bytes: u64) -> Self {
        self.write_high_water = bytes;
        self
    }

    /// The abort signal (`{signal}`).
    ///
    /// ```
    /// let b = isows::WebSocketStream::builder(isows::WebSocket::builder("ws://h/")).signal(isows::AbortHandle::new());
    /// ```
    pub fn signal(mut self, signal: AbortHandle) -> Self {
        self.signal = Some(signal);
        self
    }

    /// In the browser, run over the browser's `WebSocket` even where the page has
    /// `WebSocketStream` (which isows otherwise uses there): the high-water marks then apply,
    /// but reads cannot push back. Natively streams always run on isows' own socket.
    ///
    /// ```
    /// let b = isows::WebSocketStream::builder(isows::WebSocket::builder("ws://h/")).over_websocket();
    /// ```
    pub fn over_websocket(mut self) -> Self {
        self.over_websocket = true;
        self
    }

    /// Checks everything as `WebSocketBuilder::connect` does and starts connecting. A signal
    /// already aborted makes a stream that never sends a request (natively no DNS lookup and
    /// no connection either; `opened` and `closed` reject with one `AbortError`).
    ///
    /// ```
    /// let err = isows::WebSocketStream::builder(isows::WebSocket::builder("ftp://h/")).connect().unwrap_err();
    /// assert_eq!(err.name(), "SyntaxError");
    /// ```
    pub fn connect(self) -> Result<WebSocketStream, Error> {
        #[cfg(target_arch = "wasm32")]
        if !self.over_websocket && crate::wasm::browser_stream::available() {
            return self.connect_browser();
        }
        let pre_aborted = self.signal.as_ref().is_some_and(AbortHandle::is_aborted);
        let inbox = Arc::new(Inbox::new(self.read_high_water));
        #[cfg(not(target_arch = "wasm32"))]
        let outbox = Arc::new(crate::native::Outbox::default());
        #[cfg_attr(target_arch = "wasm32", allow(unused_mut))]
        let mut socket = self.socket;
        #[cfg(not(target_arch = "wasm32"))]
        {
            socket.options.inbox = Some(inbox.clone());
            socket.options.outbox = Some(outbox.clone());
            // Looked at before the socket exists: an aborted signal makes no request at all.
            socket.options.aborted = pre_aborted;
        }
        let ws = socket.connect()?;
        #[cfg(target_arch = "wasm32")]
        {
            // The browser's socket cannot be paused: its messages are queued as they come.
            let push = inbox.clone();
            ws.add_event_listener(crate::kind::Message, move |e| push.push(e.data().clone()));
            let finish = inbox.clone();
            ws.add_event_listener(crate::kind::Close, move |_| finish.finish());
        }
        let state = Arc::new(StreamState {
            ws,
            inbox,
            #[cfg(not(target_arch = "wasm32"))]
            outbox,
            write_high_water: self.write_high_water,
            aborted: AtomicBool::new(pre_aborted),
            abort_error: OnceLock::new(),
            opened_error: OnceLock::new(),
            closed_error: OnceLock::new(),
            invalid_state: OnceLock::new(),
        });
        if let Some(signal) = &self.signal {
            // Registered first, then checked: an abort in between is not missed.
            let target = AbortTarget::Socket(Arc::downgrade(&state));
            signal.0.streams.lock().push(target);
            if signal.is_aborted() {
                state.abort();
            }
        }
        Ok(WebSocketStream {
            inner: Backing::Socket(state),
        })
    }

    /// On the browser's `WebSocketStream`: the same checks first (options the browser
    /// cannot honour, the subprotocols), then the browser's constructor.
    #[cfg(target_arch = "wasm32")]
    fn connect_browser(self) -> Result<WebSocketStream, Error> {
        let options = &self.socket.options;
        if let Some(name) = options.native_only.first() {
            return Err(Error::NotSupportedError(crate::error::message(&[
                "the builder option '",
                name,
                "' is not available in the browser",
            ])));
        }
        crate::validate::protocols(&options.protocols)?;
        let aborted = self.signal.as_ref().is_some_and(AbortHandle::is_aborted);
        let stream = std::rc::Rc::new(BrowserStream::new(
            &options.url,
            &options.protocols,
            self.signal.is_some(),
            aborted,
        )?);
        if let Some(signal) = &self.signal {
            let target = AbortTarget::Browser(std::rc::Rc::downgrade(&stream));
            signal.0.streams.lock().push(target);
            if signal.is_aborted() {
                stream.abort();
            }
        }
        Ok(WebSocketStream {
            inner: Backing::Browser(stream),
        })
    }
}

impl WebSocketStream {
    /// `new WebSocketStream(url)`. The URL is checked as by [`WebSocket::new`]: a relative
    /// URL is a `SyntaxError` natively and resolves against the page's base URL in the browser.
    ///
    /// ```
    /// let ws = isows::WebSocketStream::new("ws://127.0.0.1:9/")?;
    /// assert_eq!(ws.url(), "ws://127.0.0.1:9/");
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn new(url: &str) -> Result<Self, Error> {
        Self::builder(WebSocket::builder(url)).connect()
    }

    /// `new WebSocketStream(url, {protocols})`.
    ///
    /// ```
    /// let err = isows::WebSocketStream::with_protocols("ws://h/", ["a", "a"]).unwrap_err();
    /// assert_eq!(err.name(), "SyntaxError");
    /// ```
    pub fn with_protocols<I, S>(url: &str, protocols: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self::builder(WebSocket::builder(url).protocols(protocols)).connect()
    }

    /// A stream with every option of [`WebSocketBuilder`] and the stream's own.
    ///
    /// ```
    /// let b = isows::WebSocketStream::builder(isows::WebSocket::builder("ws://h/"));
    /// ```
    pub fn builder(socket: WebSocketBuilder) -> WebSocketStreamBuilder {
        WebSocketStreamBuilder {
            socket,
            read_high_water: DEFAULT_READ_HIGH_WATER_MARK,
            write_high_water: DEFAULT_WRITE_HIGH_WATER_MARK,
            signal: None,
            over_websocket: false,
        }
    }

    /// `url`.
    ///
    /// ```
    /// assert_eq!(isows::WebSocketStream::new("ws://h")?.url(), "ws://h/");
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn url(&self) -> &str {
        match &self.inner {
            Backing::Socket(state) => state.ws.url(),
            #[cfg(target_arch = "wasm32")]
            Backing::Browser(b) => b.url(),
        }
    }

    /// `opened`: the reader, the writer, the protocol and extensions, once the handshake
    /// succeeds. Each call gives new handles on the same stream: readers share its messages
    /// (each message goes to one of them, in order), writers share its socket, and every
    /// task waiting on any of them (or on `opened`/`closed`) is woken when the stream ends.
    ///
    /// ```no_run
    /// # async fn f(ws: isows::WebSocketStream) -> Result<(), isows::WebSocketError> {
    /// let isows::Opened { reader, writer, protocol, .. } = ws.opened().await?;
    /// # Ok(()) }
    /// ```
    pub async fn opened(&self) -> Result<Opened, WebSocketError> {
        let state = match &self.inner {
            Backing::Socket(state) => state,
            #[cfg(target_arch = "wasm32")]
            Backing::Browser(b) => {
                let (protocol, extensions) = b.opened().await?;
                return Ok(Opened {
                    reader: Reader {
                        inner: ReaderInner::Browser(b.clone(), Default::default()),
                    },
                    writer: Writer {
                        inner: WriterInner::Browser(b.clone(), Default::default()),
                    },
                    protocol,
                    extensions,
                });
            }
        };
        let opened = state.ws.shared().opened.wait_async().await;
        if let Some(abort) = state.aborted() {
            return Err(abort);
        }
        match opened {
            Ok(()) => Ok(Opened {
                reader: Reader {
                    inner: ReaderInner::Socket {
                        state: state.clone(),
                        id: crate::waiters::next_id(),
                        taken: VecDeque::new(),
                        done: false,
                    },
                },
                writer: Writer {
                    inner: WriterInner::Socket(state.clone(), crate::waiters::next_id()),
                },
                protocol: state.ws.protocol(),
                extensions: state.ws.extensions(),
            }),
            Err(close) => Err(state
                .opened_error
                .get_or_init(|| {
                    WebSocketError::make(
                        "WebSocketError",
                        "The WebSocket connection could not be established.",
                        None,
                        "",
                        close.cause().cloned(),
                    )
                })
                .clone()),
        }
    }

    /// `closed`: `{closeCode, reason}` after a clean close; the error otherwise (see
    /// [`WebSocketStream`]).
    ///
    /// ```no_run
    /// # async fn f(ws: isows::WebSocketStream) {
    /// match ws.closed().await {
    ///     Ok(info) => println!("closed {:?} {}", info.close_code, info.reason),
    ///     Err(e) => println!("{e}"),
    /// }
    /// # }
    /// ```
    pub async fn closed(&self) -> Result<CloseInfo, WebSocketError> {
        match &self.inner {
            Backing::Socket(state) => {
                let close = state.ws.shared().closed.wait_async().await;
                state.closed_result(&close)
            }
            #[cfg(target_arch = "wasm32")]
            Backing::Browser(b) => std::future::poll_fn(|cx| b.poll_closed(cx)).await,
        }
    }

    /// `close({closeCode, reason})`: the same checks as `WebSocket.close` (a reason alone
    /// gets code 1000; nothing sends an empty Close frame). While connecting, the handshake
    /// is abandoned and the code is not used.
    ///
    /// ```
    /// let ws = isows::WebSocketStream::new("ws://127.0.0.1:9/")?;
    /// let err = ws.close(isows::CloseInfo { close_code: Some(999), reason: String::new() }).unwrap_err();
    /// assert_eq!(err.name(), "InvalidAccessError");
    /// ws.close(isows::CloseInfo::default())?;
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn close(&self, info: CloseInfo) -> Result<(), Error> {
        const CONTEXT: &str = "Failed to execute 'close' on 'WebSocketStream'";
        match info.close_code {
            Some(code) => close_args::check_in(CONTEXT, code, &info.reason)?,
            None => close_args::check_reason(CONTEXT, &info.reason)?,
        }
        let state = match &self.inner {
            Backing::Socket(state) => state,
            #[cfg(target_arch = "wasm32")]
            Backing::Browser(b) => return b.close(info.close_code, &info.reason),
        };
        match (info.close_code, info.reason.is_empty()) {
            (None, true) => {
                state.ws.close();
                Ok(())
            }
            (code, _) => state.ws.close_with(code.unwrap_or(1000), &info.reason),
        }
    }
}

impl WebSocketStream {
    /// `close({closeCode, reason})` in short: [`close`](Self::close) with a code and a reason,
    /// as [`WebSocket::close_with`].
    ///
    /// ```
    /// let ws = isows::WebSocketStream::new("ws://127.0.0.1:9/")?;
    /// assert_eq!(ws.close_with(999, "").unwrap_err().name(), "InvalidAccessError");
    /// ws.close_with(4000, "done")?;
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn close_with(&self, code: u16, reason: &str) -> Result<(), Error> {
        self.close(CloseInfo {
            close_code: Some(code),
            reason: reason.to_owned(),
        })
    }
}

impl WebSocketBuilder {
    /// A [`WebSocketStream`] with these options, in one chain:
    /// `WebSocket::builder(url).protocols(["chat"]).stream().connect()` is
    /// `WebSocketStream::builder(WebSocket::builder(url).protocols(["chat"])).connect()`.
    ///
    /// ```
    /// let ws = isows::WebSocket::builder("ws://127.0.0.1:9/")
    ///     .protocols(["chat"])
    ///     .stream()
    ///     .read_high_water_mark(64 << 10)
    ///     .connect()?;
    /// assert_eq!(ws.url(), "ws://127.0.0.1:9/");
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn stream(self) -> WebSocketStreamBuilder {
        WebSocketStream::builder(self)
    }
}

impl std::fmt::Debug for WebSocketStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketStream")
            .field("url", &crate::redact::redact(self.url()))
            .finish()
    }
}

/// The stream's `readable`: a [`Stream`](futures_core::Stream) of received messages.
///
/// **Cancel safety**: `reader.next()` is cancel-safe. A message leaves the stream only when
/// `next()` returns it, so dropping the future (the losing branch of `tokio::select!`, a
/// timeout) loses nothing; the next call gets the same message.
///
/// ```no_run
/// use futures_util::StreamExt;
/// # async fn f(mut reader: isows::Reader) {
/// loop {
///     tokio::select! {
///         m = reader.next() => match m {
///             Some(Ok(m)) => println!("{m}"),
///             Some(Err(e)) => break eprintln!("{e}: {:?}", e.cause()),
///             None => break,
///         },
///         _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => println!("tick"),
///     }
/// }
/// # }
/// ```
pub struct Reader {
    inner: ReaderInner,
}

enum ReaderInner {
    Socket {
        state: Arc<StreamState>,
        /// This reader's place among the inbox's waiters.
        id: u64,
        /// Messages taken from the inbox in one go, popped one by one.
        taken: VecDeque<MessageData>,
        done: bool,
    },
    #[cfg(target_arch = "wasm32")]
    Browser(std::rc::Rc<BrowserStream>, BrowserReader),
}

impl Drop for Reader {
    // Natively the only backing is the socket.
    #[allow(irrefutable_let_patterns)]
    fn drop(&mut self) {
        if let ReaderInner::Socket {
            state, id, taken, ..
        } = &mut self.inner
        {
            state.inbox.leave(*id, std::mem::take(taken));
        }
    }
}

impl Reader {
    /// `readable.cancel(reason)`: closes the stream, with the code and reason of a
    /// `WebSocketError` if one is given, else with none (catalog WSS-13).
    ///
    /// ```no_run
    /// # async fn f(ws: isows::WebSocketStream) -> Result<(), Box<dyn std::error::Error>> {
    /// let opened = ws.opened().await?;
    /// opened.reader.cancel(Some(isows::WebSocketError::new("", Some(4000), "done")?));
    /// # Ok(()) }
    /// ```
    pub fn cancel(self, reason: Option<WebSocketError>) {
        match &self.inner {
            ReaderInner::Socket { state, .. } => state.close_with_reason(reason.as_ref()),
            #[cfg(target_arch = "wasm32")]
            ReaderInner::Browser(b, r) => r.cancel(b, reason.as_ref()),
        }
    }
}

fn pop(state: &StreamState, taken: &mut VecDeque<MessageData>) -> Option<MessageData> {
    let data = taken.pop_front()?;
    state.inbox.popped(&data);
    Some(data)
}

impl futures_core::Stream for Reader {
    type Item = Result<MessageData, WebSocketError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let (state, id, taken, done) = match &mut self.inner {
            ReaderInner::Socket {
                state,
                id,
                taken,
                done,
            } => (state, *id, taken, done),
            #[cfg(target_arch = "wasm32")]
            ReaderInner::Browser(b, r) => return r.poll_next(b, cx),
        };
        if *done {
            return Poll::Ready(None);
        }
        if taken.is_empty() && state.inbox.poll_take_all(cx, id, taken).is_pending() {
            return Poll::Pending;
        }
        // Messages received before the close are still read (catalog WSS-27).
        if let Some(data) = pop(state, taken) {
            return Poll::Ready(Some(Ok(data)));
        }
        // The inbox is finished: the socket closed. Its close event is settled at once or
        // very soon after (the browser's close listeners run first).
        let Poll::Ready(close) = state.ws.shared().closed.poll(cx) else {
            return Poll::Pending;
        };
        *done = true;
        Poll::Ready(state.closed_result(&close).err().map(Err))
    }
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader").finish_non_exhaustive()
    }
}

/// The stream's `writable`: a [`Sink`](futures_sink::Sink) of messages. `poll_ready` waits
/// while `bufferedAmount` is over the write high-water mark; `poll_flush` until it is 0
/// (everything handed to the OS); `poll_close` closes the stream and waits for the closing
/// handshake (catalog WSS-11). On the browser's own `WebSocketStream` these are its writer's
/// `ready`, the last `write()` and `close()`.
///
/// **Cancel safety**: waiting for room and flushing are cancel-safe (`flush()`, and
/// `poll_ready` through `futures_util::SinkExt::flush`, only wait). `send(m)` and `feed(m)`
/// own the message: dropped while they wait for room, the message is dropped unsent; once
/// they have handed it to the writer (`start_send`, right after the wait) it is queued and
/// leaves in order, even if the rest of `send`'s flush is cancelled. In `select!`, keep the message outside the
/// future (`writer.feed(m.clone())`) or wait for room in the `select!` and write after it.
pub struct Writer {
    inner: WriterInner,
}

enum WriterInner {
    /// The stream and this writer's place among the writers waiting for room.
    Socket(Arc<StreamState>, u64),
    #[cfg(target_arch = "wasm32")]
    Browser(std::rc::Rc<BrowserStream>, BrowserWriter),
}

impl Writer {
    /// `writable.abort(reason)`: closes the stream, with the code and reason of a
    /// `WebSocketError` if one is given, else with none (catalog WSS-13).
    ///
    /// ```no_run
    /// # async fn f(ws: isows::WebSocketStream) -> Result<(), Box<dyn std::error::Error>> {
    /// ws.opened().await?.writer.abort(None);
    /// # Ok(()) }
    /// ```
    pub fn abort(self, reason: Option<WebSocketError>) {
        match &self.inner {
            WriterInner::Socket(state, _) => state.close_with_reason(reason.as_ref()),
            #[cfg(target_arch = "wasm32")]
            WriterInner::Browser(b, w) => w.abort(b, reason.as_ref()),
        }
    }

    /// `bufferedAmount` of the socket underneath (0 on the browser's own `WebSocketStream`,
    /// which does not tell).
    ///
    /// ```no_run
    /// # async fn f(ws: isows::WebSocketStream) -> Result<(), isows::WebSocketError> {
    /// assert_eq!(ws.opened().await?.writer.buffered_amount(), 0);
    /// # Ok(()) }
    /// ```
    pub fn buffered_amount(&self) -> u64 {
        match &self.inner {
            WriterInner::Socket(state, _) => state.ws.buffered_amount(),
            #[cfg(target_arch = "wasm32")]
            WriterInner::Browser(..) => 0,
        }
    }
}

/// `Ready` once what is buffered costs at most `limit`, or with the write error once the
/// socket is not open (a flush, `limit` 0, is done once everything left, even if the socket
/// closed since).
fn poll_room(
    state: &StreamState,
    cx: &mut Context<'_>,
    id: u64,
    limit: u64,
) -> Poll<Result<(), WebSocketError>> {
    if state.poll_write_room(cx, id, limit).is_pending() {
        return Poll::Pending;
    }
    if limit == 0 && state.drained() {
        return Poll::Ready(Ok(()));
    }
    if state.ws.ready_state() != ReadyState::Open {
        return Poll::Ready(Err(state.write_error()));
    }
    Poll::Ready(Ok(()))
}

impl Drop for Writer {
    // Natively the only backing is the socket.
    #[allow(irrefutable_let_patterns)]
    fn drop(&mut self) {
        #[cfg(not(target_arch = "wasm32"))]
        if let WriterInner::Socket(state, id) = &self.inner {
            state.outbox.leave(*id);
        }
    }
}

impl futures_sink::Sink<Message> for Writer {
    type Error = WebSocketError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match &mut self.inner {
            WriterInner::Socket(state, id) => poll_room(state, cx, *id, state.write_high_water),
            #[cfg(target_arch = "wasm32")]
            WriterInner::Browser(b, w) => w.poll_ready(b, cx),
        }
    }

    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
        let state = match &mut self.inner {
            WriterInner::Socket(state, _) => state,
            #[cfg(target_arch = "wasm32")]
            WriterInner::Browser(b, w) => return w.start_send(b, item),
        };
        if state.ws.ready_state() != ReadyState::Open {
            return Err(state.write_error());
        }
        state.ws.send(item).map_err(|_| state.write_error())?;
        #[cfg(not(target_arch = "wasm32"))]
        state.outbox.sent();
        Ok(())
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match &mut self.inner {
            WriterInner::Socket(state, id) => poll_room(state, cx, *id, 0),
            #[cfg(target_arch = "wasm32")]
            WriterInner::Browser(b, w) => w.poll_flush(b, cx),
        }
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let state = match &mut self.inner {
            WriterInner::Socket(state, _) => state,
            #[cfg(target_arch = "wasm32")]
            WriterInner::Browser(b, w) => return w.poll_close(b, cx),
        };
        state.ws.close();
        match state.ws.shared().closed.poll(cx) {
            Poll::Ready(close) => Poll::Ready(state.closed_result(&close).map(|_| ())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("buffered_amount", &self.buffered_amount())
            .finish()
    }
}
