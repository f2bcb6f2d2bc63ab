//! The opening handshake's response parser and checks, on any bytes; the first byte picks
//! which subprotocols were requested.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (pick, head) = data.split_first().unwrap_or((&0, data));
    let protocols: Vec<String> = match pick % 3 {
        0 => vec![],
        1 => vec!["chat".into()],
        _ => vec!["chat".into(), "superchat".into()],
    };
    isows::fuzz::handshake_response(head, &protocols);
});
