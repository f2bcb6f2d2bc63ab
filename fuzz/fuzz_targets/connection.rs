//! A whole connection: a valid 101, then these bytes from the server, then its end. The
//! client echoes every message; the event contract must hold and the close must come.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    isows::fuzz::connection(data);
});
