#![cfg(not(target_arch = "wasm32"))]
//! The conformance suite: one test per catalog scenario (named after its id) that the native
//! backend can express, against the test server in `tests/support/`.

#[path = "../support/mod.rs"]
mod support;

mod attributes;
mod binary;
mod close;
mod constructor;
mod contract;
mod events;
mod framing;
mod handshake;
mod hostile;
mod lifecycle;
mod misuse;
mod protocols;
mod send;
mod setup;
mod shared;
mod tls;
mod transport;
