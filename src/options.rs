//! What [`WebSocket::builder`](crate::WebSocket::builder) collects: the browser's arguments
//! (URL, subprotocols) and the options browsers do not offer.

use std::time::Duration;

use crate::backend::{Backend, Platform};

/// Default limit for the opening handshake (DNS, TCP, TLS and HTTP together).
///
/// ```
/// assert_eq!(isows::DEFAULT_HANDSHAKE_TIMEOUT.as_secs(), 30);
/// ```
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// Default wait for the server's Close frame after `close()`.
///
/// ```
/// assert_eq!(isows::DEFAULT_CLOSE_TIMEOUT.as_secs(), 10);
/// ```
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(10);
/// Default largest incoming message (tungstenite's default).
///
/// ```
/// assert_eq!(isows::DEFAULT_MAX_MESSAGE_SIZE, 64 << 20);
/// ```
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 << 20;
/// Default largest incoming frame (tungstenite's default).
///
/// ```
/// assert_eq!(isows::DEFAULT_MAX_FRAME_SIZE, 16 << 20);
/// ```
pub const DEFAULT_MAX_FRAME_SIZE: usize = 16 << 20;

#[derive(Clone)]
pub(crate) struct Options {
    pub(crate) url: String,
    pub(crate) protocols: Vec<String>,
    // What follows is read by the native backend only; the browser refuses a socket for which
    // any of it was set (`native_only` names the setters).
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) max_message_size: Option<usize>,
    pub(crate) max_frame_size: Option<usize>,
    pub(crate) handshake_timeout: Duration,
    pub(crate) close_timeout: Duration,
    pub(crate) max_buffered_amount: Option<u64>,
    /// RFC 6455 §4.1: one CONNECTING connection per IP address and port.
    pub(crate) serialize_handshakes: bool,
    /// The heartbeat: a ping every interval; nothing received within the timeout after one
    /// fails the connection.
    pub(crate) ping_interval: Option<Duration>,
    pub(crate) pong_timeout: Option<Duration>,
    /// Names of the native-only options that were set (the browser refuses them).
    pub(crate) native_only: Vec<&'static str>,
    /// The options of the backend's own builder methods ([`Backend::Options`]).
    pub(crate) backend: <Platform as Backend>::Options,
    /// A `WebSocketStream`'s abort signal fired before it was made: check the arguments, make
    /// no request.
    pub(crate) aborted: bool,
    /// A reconnecting socket's view of this attempt.
    pub(crate) observer: Option<crate::dispatch::ObserverRef>,
}

impl Options {
    pub(crate) fn new(url: String) -> Self {
        Options {
            url,
            protocols: Vec::new(),
            headers: Vec::new(),
            max_message_size: Some(DEFAULT_MAX_MESSAGE_SIZE),
            max_frame_size: Some(DEFAULT_MAX_FRAME_SIZE),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            max_buffered_amount: None,
            serialize_handshakes: true,
            ping_interval: None,
            pong_timeout: None,
            native_only: Vec::new(),
            backend: Default::default(),
            aborted: false,
            observer: None,
        }
    }
}
