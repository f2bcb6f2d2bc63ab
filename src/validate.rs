//! The argument checks the standard makes before anything happens: subprotocols (constructor)
//! and close code and reason (`close()`). Both backends check subprotocols (WPT rejects
//! duplicates that differ in case, which Chromium accepts); close arguments are checked by
//! `close_args.rs` natively and by the browser on wasm32. URL checks live with the backend that parses URLs
//! (the `url` crate natively, the browser on wasm32). Messages are built without `format!`
//! where wasm32 uses them: formatting machinery is a large part of a small `.wasm`.

use crate::error::{message, Error};

const CONSTRUCT: &str = "Failed to construct 'WebSocket'";

/// True for an RFC 2616 `token`: one or more visible ASCII characters, no separators.
pub(crate) fn is_token(s: &str) -> bool {
    // A `match`, not a search in a separator string: that would bring `memchr` into a `.wasm`.
    let separator = |b| {
        matches!(
            b,
            b'(' | b')'
                | b'<'
                | b'>'
                | b'@'
                | b','
                | b';'
                | b':'
                | b'\\'
                | b'"'
                | b'/'
                | b'['
                | b']'
                | b'?'
                | b'='
                | b'{'
                | b'}'
        )
    };
    !s.is_empty()
        && s.bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && !separator(b))
}

/// Catalog P-04…P-08: every protocol is a non-empty token and none repeats (ASCII
/// case-insensitively, as WPT expects).
pub(crate) fn protocols(protocols: &[String]) -> Result<(), Error> {
    // Natively a set of the lowercased names seen, so that a long list is linear (on wasm32
    // the browser's own limits keep lists short, and a set would grow the `.wasm`).
    #[cfg(not(target_arch = "wasm32"))]
    let mut seen = std::collections::HashSet::with_capacity(protocols.len());
    #[cfg(not(target_arch = "wasm32"))]
    let mut repeated = |_: usize, p: &String| !seen.insert(p.to_ascii_lowercase());
    #[cfg(target_arch = "wasm32")]
    let repeated = |i: usize, p: &String| protocols[..i].iter().any(|q| q.eq_ignore_ascii_case(p));
    for (i, p) in protocols.iter().enumerate() {
        let problem = if !is_token(p) {
            "' is invalid."
        } else if repeated(i, p) {
            "' is duplicated."
        } else {
            continue;
        };
        return Err(Error::SyntaxError(message(&[
            CONSTRUCT,
            ": The subprotocol '",
            p,
            problem,
        ])));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(is_token("echo"));
        assert!(is_token("a.b-c_d~!#$%&'*+^`|"));
        for bad in [
            "",
            "ec ho",
            "/echo",
            "a,b",
            "a\tb",
            "a\u{7f}b",
            "\u{80}echo",
            "é",
        ] {
            assert!(!is_token(bad), "{bad:?}");
        }
    }
}
