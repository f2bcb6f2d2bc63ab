//! permessage-deflate's inflating layer on any server bytes; the first byte picks the
//! negotiated parameters and how the bytes are cut into reads.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    isows::fuzz::inflate(data);
});
