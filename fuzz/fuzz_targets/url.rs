//! URL parsing for the constructor, and the redaction of credentials.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = std::str::from_utf8(data) {
        isows::fuzz::url(input);
    }
});
