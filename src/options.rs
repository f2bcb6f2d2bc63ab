//! What [`WebSocket::builder`](crate::WebSocket::builder) collects: the browser's arguments
//! (URL, subprotocols) and the options browsers do not offer.

use std::time::Duration;

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
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) max_message_size: Option<usize>,
    pub(crate) max_frame_size: Option<usize>,
    pub(crate) handshake_timeout: Duration,
    pub(crate) close_timeout: Duration,
    pub(crate) max_buffered_amount: Option<u64>,
    /// RFC 6455 §4.1: one CONNECTING connection per IP address and port.
    pub(crate) serialize_handshakes: bool,
    /// Names of the native-only options that were set (wasm32 rejects them).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) native_only: Vec<&'static str>,
    /// TLS settings (native only: `src/native/tls.rs`).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) tls: crate::native::TlsOptions,
    /// A `WebSocketStream`'s queue, which the connection task fills (native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) inbox: Option<std::sync::Arc<crate::inbox::Inbox>>,
    /// A `WebSocketStream`'s writers' accounting, which the connection task drains (native
    /// only).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) outbox: Option<std::sync::Arc<crate::native::Outbox>>,
    /// A `WebSocketStream`'s abort signal fired before it was made: check the arguments,
    /// make no request (native only; the browser's stream is given its aborted signal).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) aborted: bool,
    /// Name pinning and proxies (native only: `src/native/dial.rs`, `proxy.rs`).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) net: crate::native::NetOptions,
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
            native_only: Vec::new(),
            #[cfg(not(target_arch = "wasm32"))]
            tls: Default::default(),
            #[cfg(not(target_arch = "wasm32"))]
            inbox: None,
            #[cfg(not(target_arch = "wasm32"))]
            outbox: None,
            #[cfg(not(target_arch = "wasm32"))]
            aborted: false,
            #[cfg(not(target_arch = "wasm32"))]
            net: Default::default(),
        }
    }
}
