//! `WebSocketError` (the browser's `DOMException` with a close code and reason, and, natively,
//! the failure's cause) and `CloseInfo` (`{closeCode, reason}`).

use std::sync::Arc;

use crate::close_args;
use crate::error::{Error, ErrorCause};

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
    /// Why the socket failed or closed uncleanly (natively), shared with the close event.
    cause: Option<Arc<ErrorCause>>,
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
        close_args::check_optional(CONTEXT, close_code, reason)?;
        let close_code = close_code.or((!reason.is_empty()).then_some(1000));
        Ok(Self::make(
            "WebSocketError",
            message,
            close_code,
            reason,
            None,
        ))
    }

    /// An error of the given DOMException name (the backends' own errors use it too).
    pub(crate) fn make(
        name: &'static str,
        message: &str,
        close_code: Option<u16>,
        reason: &str,
        cause: Option<Arc<ErrorCause>>,
    ) -> Self {
        WebSocketError(Arc::new(ErrorData {
            name,
            message: message.to_owned(),
            close_code,
            reason: reason.to_owned(),
            cause,
        }))
    }

    /// Why the connection failed or was lost, natively: the same [`ErrorCause`](ErrorCause)
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
    pub fn cause(&self) -> Option<&ErrorCause> {
        self.0.cause.as_deref()
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
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

/// `{closeCode, reason}`: what `closed` resolves to (the code is always there then), and
/// what [`WebSocketStream::close`](crate::WebSocketStream::close) takes (no code and no reason: an empty Close frame; only a
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
