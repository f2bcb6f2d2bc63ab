//! The builder: what [`WebSocket::builder`] collects (the browser's arguments and the options
//! browsers do not offer) until `connect()`. The options only the native backend has, with
//! types of its own (TLS, proxies), are set by methods in `src/native/options.rs`.

use std::time::Duration;

use crate::backend::{Backend, Platform};
use crate::error::Error;
use crate::options::Options;
use crate::WebSocket;

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
    pub fn header(self, name: &str, value: &str) -> Self {
        self.native_only("header", |o| {
            o.headers.push((name.to_owned(), value.to_owned()));
        })
    }

    /// The largest incoming message (default 64 MiB; `None`: no limit). A bigger one fails
    /// the connection with close code 1009 (native only).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://h/").max_message_size(Some(1 << 20));
    /// ```
    pub fn max_message_size(self, limit: Option<usize>) -> Self {
        self.native_only("max_message_size", |o| {
            o.max_message_size = limit;
        })
    }

    /// The largest incoming frame (default 16 MiB; `None`: no limit) (native only).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://h/").max_frame_size(Some(1 << 20));
    /// ```
    pub fn max_frame_size(self, limit: Option<usize>) -> Self {
        self.native_only("max_frame_size", |o| {
            o.max_frame_size = limit;
        })
    }

    /// Limit for the whole opening handshake: DNS, TCP, TLS and HTTP (default 30 s). When
    /// it passes: `error` (cause `Timeout`), then `close` 1006 (native only).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://h/").handshake_timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn handshake_timeout(self, timeout: Duration) -> Self {
        self.native_only("handshake_timeout", |o| {
            o.handshake_timeout = timeout;
        })
    }

    /// How long `close()` waits for the server's Close frame before dropping the connection
    /// (default 10 s; then `close` 1006, not clean) (native only).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://h/").close_timeout(std::time::Duration::from_secs(2));
    /// ```
    pub fn close_timeout(self, timeout: Duration) -> Self {
        self.native_only("close_timeout", |o| {
            o.close_timeout = timeout;
        })
    }

    /// The most `buffered_amount()` may reach (default: no limit). A `send()` that would go
    /// over it is not sent; the connection fails instead (`error` with cause
    /// `SendBufferFull`, then `close` 1006), as the standard's "send buffer full" rule says
    /// (native only).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://h/").max_buffered_amount(Some(16 << 20));
    /// ```
    pub fn max_buffered_amount(self, limit: Option<u64>) -> Self {
        self.native_only("max_buffered_amount", |o| {
            o.max_buffered_amount = limit;
        })
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
    pub fn serialize_handshakes(self, serialize: bool) -> Self {
        self.native_only("serialize_handshakes", |o| {
            o.serialize_handshakes = serialize;
        })
    }

    /// The heartbeat (native only; off by default, as in browsers): the connection pings the
    /// server every `interval` on its own, and fails when nothing at all arrives within the
    /// [`pong_timeout`](Self::pong_timeout) after a ping (default: the interval): `error` with
    /// [`ErrorCause::PongTimeout`](crate::ErrorCause::PongTimeout), then `close` 1006, TCP cut.
    /// A half-open connection (the peer gone, TCP still open) is noticed within interval +
    /// timeout. `WebSocket::last_rtt()` (native) gives the round-trip time of the last answered ping.
    /// Browsers hide pings from pages: there this is a `NotSupportedError` (the reconnecting
    /// socket has a heartbeat of messages instead).
    ///
    /// ```
    /// use std::time::Duration;
    /// let b = isows::WebSocket::builder("ws://h/")
    ///     .ping_interval(Duration::from_secs(20))
    ///     .pong_timeout(Duration::from_secs(10));
    /// ```
    pub fn ping_interval(self, interval: Duration) -> Self {
        self.native_only("ping_interval", |o| {
            o.ping_interval = Some(interval);
        })
    }

    /// How long to wait, after a heartbeat ping, for anything from the server (native only;
    /// see [`ping_interval`](Self::ping_interval)).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://h/").pong_timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn pong_timeout(self, timeout: Duration) -> Self {
        self.native_only("pong_timeout", |o| {
            o.pong_timeout = Some(timeout);
        })
    }

    /// Checks the URL, then the protocols, then the options (the constructor's order), and
    /// starts the socket in CONNECTING. Nothing touches the network for rejected input. A
    /// relative URL is a `SyntaxError` natively and resolves against the page's base URL in
    /// the browser (see [`WebSocket::new`]).
    ///
    /// ```
    /// let err = isows::WebSocket::builder("ws://h/").protocols([""]).connect().unwrap_err();
    /// assert_eq!(err.name(), "SyntaxError");
    /// ```
    pub fn connect(self) -> Result<WebSocket, Error> {
        Ok(WebSocket::from_state(&Platform::connect(
            self.options,
            None,
        )?))
    }

    /// Sets an option the browser does not offer: `set` changes the options, and `name` is
    /// kept so that the browser refuses the socket with `NotSupportedError` naming it.
    fn native_only(mut self, name: &'static str, set: impl FnOnce(&mut Options)) -> Self {
        set(&mut self.options);
        self.options.native_only.push(name);
        self
    }
}
