//! `WebSocketStream`, the browser's second WebSocket API (catalog section 12, `tests/CATALOG.md`),
//! as Rust's `Stream` and `Sink`, with backpressure both ways: the public types. What a
//! stream runs on is one interface (`backing.rs`): the core's own backing over an isows
//! `WebSocket` (`socket.rs`), natively always, and in the browser where the page has no
//! `WebSocketStream`; the browser backend adds the page's own (`src/wasm/`).

mod abort;
pub(crate) mod backing;
mod error;
pub(crate) mod socket;

use std::pin::Pin;
use std::task::{Context, Poll};

use crate::backend::{Backend, Platform};
use crate::builder::WebSocketBuilder;
use crate::close_args;
use crate::error::Error;
use crate::event::MessageData;
use crate::message::Message;
use crate::websocket::WebSocket;

pub use abort::AbortHandle;
use backing::{ReadBacking, StreamBacking, WriteBacking};
pub use error::{CloseInfo, WebSocketError};

/// The default read high-water mark: 1 MiB of received messages not yet read.
pub const DEFAULT_READ_HIGH_WATER_MARK: usize = 1 << 20;
/// The default write high-water mark: 1 MiB of `bufferedAmount`.
pub const DEFAULT_WRITE_HIGH_WATER_MARK: u64 = 1 << 20;

/// What this target's streams run on.
type Backing = <Platform as Backend>::Stream;

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

/// `opened`'s value: the reader, the writer, and what the handshake selected.
pub struct Opened {
    /// `readable`: every message, in order; ends after the close (with an error item when it
    /// was unclean).
    pub reader: Reader,
    /// `writable`: a `Sink<Message>` (`"text".into()`, `vec![1, 2].into()`, …).
    pub writer: Writer,
    /// The subprotocol the server selected (`""`: none).
    pub protocol: String,
    /// The extensions the server accepted (`""`: none; natively `permessage-deflate…` when
    /// the server accepted isows' offer).
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
    pub(crate) socket: WebSocketBuilder,
    pub(crate) read_high_water: usize,
    pub(crate) write_high_water: u64,
    pub(crate) signal: Option<AbortHandle>,
    pub(crate) over_websocket: bool,
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
        Ok(WebSocketStream {
            inner: Backing::connect(self)?,
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
        self.inner.url()
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
        let parts = self.inner.opened().await?;
        Ok(Opened {
            reader: Reader {
                inner: parts.reader,
            },
            writer: Writer {
                inner: parts.writer,
            },
            protocol: parts.protocol,
            extensions: parts.extensions,
        })
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
        std::future::poll_fn(|cx| self.inner.poll_closed(cx)).await
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
        close_args::check_optional(CONTEXT, info.close_code, &info.reason)?;
        self.inner.close(info.close_code, &info.reason)
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
    inner: <Backing as StreamBacking>::Reader,
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
        self.inner.cancel(reason.as_ref());
    }
}

impl futures_core::Stream for Reader {
    type Item = Result<MessageData, WebSocketError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next(cx)
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
    inner: <Backing as StreamBacking>::Writer,
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
        self.inner.abort(reason.as_ref());
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
        self.inner.buffered_amount()
    }
}

impl futures_sink::Sink<Message> for Writer {
    type Error = WebSocketError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
        self.inner.start_send(item)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_close(cx)
    }
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("buffered_amount", &self.buffered_amount())
            .finish()
    }
}
