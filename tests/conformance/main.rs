#![cfg(not(target_arch = "wasm32"))]
//! The conformance suite: one test per catalog scenario (named after its id) that the native
//! backend can express, against the test server of the `isows-test-support` crate
//! (`test-support/`).

use isows_test_support as support;

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
mod transport;
