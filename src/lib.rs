//! # isows: the browser's `WebSocket`, in Rust
//!
//! The same states, attributes, methods, events and errors as the browser's `WebSocket`, on
//! tokio + tungstenite natively.
//!
//! | JavaScript | isows |
//! |---|---|
//! | `new WebSocket(url, protocols)` | [`WebSocket::new`], [`WebSocket::with_protocols`], [`WebSocket::builder`] |
//! | `readyState`, `bufferedAmount`, `url`, `protocol`, `extensions`, `binaryType` | [`WebSocket::ready_state`], [`WebSocket::buffered_amount`], [`WebSocket::url`], [`WebSocket::protocol`], [`WebSocket::extensions`], [`WebSocket::binary_type`] |
//! | `send(data)` | [`WebSocket::send`] |
//! | `close()`, `close(code, reason)` | [`WebSocket::close`], [`WebSocket::close_with`] |
//! | `onopen = f` … | [`WebSocket::set_onopen`] … and `clear_onopen` … |
//! | `addEventListener(type, f, {once})` | [`WebSocket::add_event_listener`], [`WebSocket::add_event_listener_with_options`] |
//! | npm `reconnecting-websocket` | `ReconnectingWebSocket` (feature `reconnecting`, default) |
//!
//! ```no_run
//! use isows::WebSocket;
//!
//! let socket = WebSocket::new("ws://127.0.0.1:8080/")?;
//! socket.set_onopen(|e| {
//!     println!("Connection open ...");
//!     e.target().unwrap().send("Hello WebSockets!").unwrap();
//! });
//! socket.set_onmessage(|e| {
//!     println!("Received Message: {}", e.data());
//!     e.target().unwrap().close();
//! });
//! socket.set_onclose(|_| println!("Connection closed."));
//! socket.wait_closed()?;
//! # Ok::<(), isows::Error>(())
//! ```
//!
//! Events are delivered one at a time, in order; an event that happens before its type has
//! a listener is held for the first one, so listeners set right after `new()` miss nothing.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// On wasm32 listeners need not be `Send` and everything runs on one thread; the portable core
// keeps `Arc` so that both backends share one code path.
#![cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]

mod backend;
mod builder;
mod close_args;
mod completion;
mod dispatch;
mod error;
mod event;
mod inbox;
mod listeners;
mod message;
mod options;
#[cfg(feature = "reconnecting")]
mod reconnecting;
// The platform's primitives (the lock, atomics, `Send` or not): picked here, once.
#[cfg_attr(not(target_arch = "wasm32"), path = "native/primitives.rs")]
#[cfg_attr(target_arch = "wasm32", path = "wasm/primitives.rs")]
mod primitives;
mod redact;
#[cfg(not(target_arch = "wasm32"))]
mod response;
mod stream;
mod validate;
mod waiters;
mod websocket;

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(all(feature = "fuzzing", not(target_arch = "wasm32")))]
#[doc(hidden)]
pub use native::fuzz;
#[cfg(not(target_arch = "wasm32"))]
#[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
pub use native::{Certificate, DeflateOffer};
/// The native-tls crate, for [`WebSocketBuilder::tls_connector`].
#[cfg(all(feature = "native-tls", not(target_arch = "wasm32")))]
#[cfg_attr(
    docsrs,
    doc(cfg(all(feature = "native-tls", not(target_arch = "wasm32"))))
)]
pub use native_tls;
/// The rustls crate, for [`WebSocketBuilder::rustls_config`].
#[cfg(all(feature = "rustls-core", not(target_arch = "wasm32")))]
#[cfg_attr(
    docsrs,
    doc(cfg(all(
        any(feature = "rustls", feature = "rustls-platform-roots"),
        not(target_arch = "wasm32")
    )))
)]
pub use rustls;
#[cfg(target_arch = "wasm32")]
#[cfg_attr(docsrs, doc(cfg(target_arch = "wasm32")))]
pub use wasm::live_sockets;

pub use builder::WebSocketBuilder;
pub use dispatch::{HELD_MESSAGE_BYTES, HELD_MESSAGE_LIMIT};
pub use error::{Detail, Error, ErrorCause};
pub use event::{
    kind, CloseEvent, ErrorEvent, Event, EventKind, EventType, MessageData, MessageEvent, Text,
};
pub use listeners::{ListenerId, ListenerOptions};
pub use message::Message;
pub use options::{
    DEFAULT_CLOSE_TIMEOUT, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_FRAME_SIZE,
    DEFAULT_MAX_MESSAGE_SIZE,
};
pub use primitives::MaybeSend;
#[cfg(feature = "reconnecting")]
#[cfg_attr(docsrs, doc(cfg(feature = "reconnecting")))]
pub use reconnecting::{ReconnectingBuilder, ReconnectingWebSocket, Target};
#[cfg(not(target_arch = "wasm32"))]
#[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
pub use response::HttpResponse;
pub use stream::{
    AbortHandle, CloseInfo, Opened, Reader, WebSocketError, WebSocketStream,
    WebSocketStreamBuilder, Writer, DEFAULT_READ_HIGH_WATER_MARK, DEFAULT_WRITE_HIGH_WATER_MARK,
};
pub use websocket::{BinaryType, ReadyState, WebSocket};

pub use bytes::Bytes;

/// The README's examples, compiled (and run where they are not `no_run`) as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
