//! What isows' tests share, in one crate of the workspace (never published):
//!
//! - natively, [`alloc`]: a counting global allocator for the tests' memory bounds; [`peer`]:
//!   a tokio-tungstenite server for one connection, for tests that need a real peer that
//!   floods, stops reading or goes silent.
//! - [`recorder`]: one event recorder, on both backends: every event with `readyState` as
//!   seen inside its listener, awaited with a bound.
//! - [`shared`]: the conformance bodies written once and run natively
//!   (`tests/conformance/shared.rs`) and in headless Chromium (`tests/browser.rs`).
//! - natively, the test server ([`TestServer`]): re-creations of the WPT handlers plus raw
//!   handlers that break the protocol on purpose, with its own frame codec ([`frames`]) and
//!   generated certificates ([`tls`]); and proxies ([`proxies`]: tinyproxy, dante, and a
//!   SOCKS5 server with authentication). The `wpt_server` program runs it standalone for the
//!   browser tests.
#![allow(clippy::new_without_default)]

#[cfg(not(target_arch = "wasm32"))]
pub mod alloc;
pub mod recorder;
pub mod shared;
pub mod shared_reconnect;
mod shared_stream;
pub mod time;

#[cfg(not(target_arch = "wasm32"))]
pub mod deflate;
#[cfg(not(target_arch = "wasm32"))]
pub mod frames;
#[cfg(not(target_arch = "wasm32"))]
pub mod peer;
#[cfg(not(target_arch = "wasm32"))]
pub mod proxies;
#[cfg(not(target_arch = "wasm32"))]
mod server;
#[cfg(not(target_arch = "wasm32"))]
pub mod tls;

#[cfg(not(target_arch = "wasm32"))]
pub use frames::{Frame, Op};
pub use recorder::{record, Ev, Recorder};
#[cfg(not(target_arch = "wasm32"))]
pub use server::*;
