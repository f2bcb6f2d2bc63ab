//! Errors thrown by methods (the browser's `DOMException`s) and the cause carried by the
//! `error` event.

use std::fmt;

/// An exception thrown by a [`WebSocket`](crate::WebSocket) method, named after the
/// `DOMException` the browser throws in the same place.
///
/// ```
/// use isows::{Error, WebSocket};
/// let err = WebSocket::new("ftp://example.com/").unwrap_err();
/// assert!(matches!(err, Error::SyntaxError(_)));
/// assert_eq!(err.name(), "SyntaxError");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Bad URL, bad subprotocol, over-long close reason, bad header.
    SyntaxError(String),
    /// The socket is not in a state that allows the call (e.g. `send()` while CONNECTING).
    InvalidStateError(String),
    /// A close code other than 1000 or 3000–4999.
    InvalidAccessError(String),
    /// An option this backend cannot honour (e.g. custom headers on wasm32).
    NotSupportedError(String),
    /// A bounded queue is full: a [`ReconnectingWebSocket`](crate::ReconnectingWebSocket)'s
    /// `send()` while it is down and `max_enqueued_messages` (or bytes) are queued.
    QuotaExceededError(String),
}

impl Error {
    /// The `DOMException` name: `"SyntaxError"`, `"InvalidStateError"`, ….
    ///
    /// ```
    /// # use isows::Error;
    /// assert_eq!(Error::InvalidAccessError(String::new()).name(), "InvalidAccessError");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Error::SyntaxError(_) => "SyntaxError",
            Error::InvalidStateError(_) => "InvalidStateError",
            Error::InvalidAccessError(_) => "InvalidAccessError",
            Error::NotSupportedError(_) => "NotSupportedError",
            Error::QuotaExceededError(_) => "QuotaExceededError",
        }
    }

    /// The message, worded as Chromium words it.
    ///
    /// ```
    /// # use isows::WebSocket;
    /// let err = WebSocket::new("ws://h/#x").unwrap_err();
    /// assert!(err.message().contains("fragment"));
    /// ```
    pub fn message(&self) -> &str {
        match self {
            Error::SyntaxError(m)
            | Error::InvalidStateError(m)
            | Error::InvalidAccessError(m)
            | Error::NotSupportedError(m)
            | Error::QuotaExceededError(m) => m,
        }
    }
}

/// Joins message parts without `format!` or `concat()` (both are large in a `.wasm`).
pub(crate) fn message(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name(), self.message())
    }
}

/// A `DOMException` has no error underneath: `source()` is `None`.
impl std::error::Error for Error {}

/// What went wrong in words, and the error underneath when there is one (an I/O error, a TLS
/// error, a protocol error): [`ErrorCause`]'s `source()`. Derefs to the message; two details
/// are equal when their messages are.
///
/// ```
/// let cause = isows::ErrorCause::Protocol("bad frame".into());
/// if let isows::ErrorCause::Protocol(detail) = &cause {
///     assert!(detail.contains("frame"));
///     assert!(std::error::Error::source(&cause).is_none());
/// }
/// ```
#[derive(Clone)]
pub struct Detail {
    message: String,
    source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Detail {
    /// A detail with an underlying error (natively: `std::io::Error`, the TLS library's
    /// error, tungstenite's error).
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub(crate) fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Detail {
        Detail {
            message: message.into(),
            source: Some(std::sync::Arc::new(source)),
        }
    }

    /// The message.
    ///
    /// ```
    /// assert_eq!(isows::Detail::from("x").message(), "x");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<String> for Detail {
    fn from(message: String) -> Self {
        Detail {
            message,
            source: None,
        }
    }
}

impl From<&str> for Detail {
    fn from(message: &str) -> Self {
        Detail::from(message.to_owned())
    }
}

impl std::ops::Deref for Detail {
    type Target = str;
    fn deref(&self) -> &str {
        &self.message
    }
}

impl PartialEq for Detail {
    fn eq(&self, other: &Self) -> bool {
        self.message == other.message
    }
}

impl Eq for Detail {}

impl fmt::Debug for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.message, f)
    }
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Why a connection failed: carried by [`ErrorEvent`](crate::ErrorEvent).
///
/// JavaScript hides the cause of a failure; Rust programs need it, so isows reports it.
/// The observable events are the same for every cause: `error`, then `close` 1006.
///
/// ```
/// use isows::ErrorCause;
/// let cause = ErrorCause::Timeout;
/// assert_eq!(cause.to_string(), "the opening handshake timed out");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCause {
    /// The host name could not be resolved.
    Dns(Detail),
    /// No TCP connection could be made (refused, unreachable, …).
    Connect(Detail),
    /// The port is on the Fetch standard's list of blocked ports.
    BlockedPort(u16),
    /// TLS failed: untrusted certificate, name mismatch, no TLS support compiled in, ….
    Tls(Detail),
    /// The server answered the opening handshake with another status than 101 (npm `ws`'s
    /// `unexpected-response`): its status, headers and the start of its body. See
    /// [`ErrorCause::status`]. Native only: the browser does not tell (and leaving it out
    /// keeps its drop code out of a `.wasm`).
    #[cfg(not(target_arch = "wasm32"))]
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    UnexpectedResponse(Box<crate::HttpResponse>),
    /// The proxy could not be reached, refused the tunnel (an HTTP status such as 407 when it
    /// wants credentials), or failed SOCKS5 (its reply, or its authentication).
    Proxy(Detail),
    /// The server's `Sec-WebSocket-Protocol` does not fit the requested subprotocols.
    Subprotocol(Detail),
    /// Any other invalid opening-handshake response (bad accept key, headers, garbage).
    Handshake(Detail),
    /// The server broke RFC 6455 after the handshake (bad frame, bad close code, …).
    Protocol(Detail),
    /// A text message or close reason was not valid UTF-8.
    InvalidUtf8,
    /// A message or frame was larger than the configured maximum.
    MessageTooBig(Detail),
    /// `send()` would have taken `bufferedAmount` over the configured maximum.
    SendBufferFull,
    /// The server kept sending pings while it read none of our data or replies (more than
    /// 1024 Pongs waiting): failed, so that its pings cannot grow memory without bound.
    PingFlood,
    /// The opening handshake did not finish within the configured timeout.
    Timeout,
    /// The connection ended without a closing handshake after it opened: the server closed
    /// TCP or reset it (the I/O error is the source). Carried by the `close` event
    /// ([`CloseEvent::cause`](crate::CloseEvent::cause)): the browser fires no `error` then.
    ConnectionLost(Detail),
    /// `close()` was called and the server's Close frame did not come within the close
    /// timeout. Carried by the `close` event, as `ConnectionLost`.
    CloseTimeout,
    /// The heartbeat (`ping_interval`) sent a ping and nothing arrived from the server within
    /// the pong timeout: the peer is gone (or the path to it), though TCP may look open.
    PongTimeout,
    /// `close()` was called while the socket was CONNECTING.
    ClosedBeforeOpen,
    /// A [`ReconnectingWebSocket`](crate::ReconnectingWebSocket)'s heartbeat message got no
    /// message back within its timeout: the connection is given up (and tried again).
    HeartbeatTimeout,
    /// A [`ReconnectingWebSocket`](crate::ReconnectingWebSocket)'s URL provider failed or
    /// panicked, or gave a URL or subprotocols the socket refused (the attempt fails with
    /// `error` and `close` 1006, and is retried as any other).
    UrlProvider(Detail),
    /// The connection task stopped without finishing (its runtime shut down).
    Aborted,
    /// The browser reported an error; it gives no detail (wasm32).
    Browser,
}

impl fmt::Display for ErrorCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCause::Dns(m) => write!(f, "DNS lookup failed: {m}"),
            ErrorCause::Connect(m) => write!(f, "could not connect: {m}"),
            ErrorCause::BlockedPort(p) => write!(f, "port {p} is blocked"),
            ErrorCause::Tls(m) => write!(f, "TLS failed: {m}"),
            #[cfg(not(target_arch = "wasm32"))]
            ErrorCause::UnexpectedResponse(r) => {
                write!(f, "the server answered HTTP {} instead of 101", r.status())
            }
            ErrorCause::Proxy(m) => write!(f, "proxy failed: {m}"),
            ErrorCause::Subprotocol(m) => write!(f, "subprotocol mismatch: {m}"),
            ErrorCause::Handshake(m) => write!(f, "invalid handshake response: {m}"),
            ErrorCause::Protocol(m) => write!(f, "protocol violation: {m}"),
            ErrorCause::InvalidUtf8 => write!(f, "invalid UTF-8 in a text message or close reason"),
            ErrorCause::MessageTooBig(m) => write!(f, "message too big: {m}"),
            ErrorCause::SendBufferFull => write!(f, "the send buffer is full"),
            ErrorCause::PingFlood => write!(
                f,
                "the server sent more than 1024 pings while it read none of the replies"
            ),
            ErrorCause::Timeout => write!(f, "the opening handshake timed out"),
            ErrorCause::ConnectionLost(m) => write!(f, "the connection was lost: {m}"),
            ErrorCause::PongTimeout => write!(
                f,
                "nothing arrived from the server within the pong timeout after a ping"
            ),
            ErrorCause::CloseTimeout => write!(
                f,
                "the server did not answer the closing handshake within the close timeout"
            ),
            ErrorCause::ClosedBeforeOpen => {
                write!(
                    f,
                    "WebSocket is closed before the connection is established"
                )
            }
            ErrorCause::Aborted => write!(f, "the connection task was stopped"),
            ErrorCause::HeartbeatTimeout => write!(
                f,
                "no message arrived within the heartbeat timeout after a heartbeat"
            ),
            ErrorCause::UrlProvider(m) => write!(f, "the URL provider failed: {m}"),
            ErrorCause::Browser => write!(f, "the browser reported an error (it gives no detail)"),
        }
    }
}

impl ErrorCause {
    /// The HTTP status of a refused upgrade (`ErrorCause::UnexpectedResponse`, native only).
    ///
    /// ```
    /// use isows::{ErrorCause, HttpResponse};
    /// let cause = ErrorCause::UnexpectedResponse(Box::new(HttpResponse::new(404, vec![], vec![])));
    /// assert_eq!(cause.status(), Some(404));
    /// assert_eq!(cause.to_string(), "the server answered HTTP 404 instead of 101");
    /// assert_eq!(ErrorCause::Timeout.status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            ErrorCause::UnexpectedResponse(r) => Some(r.status()),
            _ => None,
        }
    }
}

/// `source()` is the error underneath, where there is one (see [`Detail`]).
impl std::error::Error for ErrorCause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ErrorCause::Dns(d)
            | ErrorCause::Connect(d)
            | ErrorCause::Tls(d)
            | ErrorCause::Proxy(d)
            | ErrorCause::Subprotocol(d)
            | ErrorCause::Handshake(d)
            | ErrorCause::Protocol(d)
            | ErrorCause::ConnectionLost(d)
            | ErrorCause::UrlProvider(d)
            | ErrorCause::MessageTooBig(d) => d
                .source
                .as_deref()
                .map(|e| e as &(dyn std::error::Error + 'static)),
            _ => None,
        }
    }
}
