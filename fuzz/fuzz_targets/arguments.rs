//! The constructor's subprotocol list (split at NUL bytes) and close(code, reason): the first
//! two bytes are the code, the rest the reason and the list.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let code = u16::from_be_bytes([data[0], data[1]]);
    let rest = String::from_utf8_lossy(&data[2..]);
    isows::fuzz::close_args(code, &rest);
    let list: Vec<String> = rest.split('\0').map(str::to_owned).collect();
    isows::fuzz::protocols(&list);
});
