//! The argument checks the standard makes before anything happens: subprotocols (constructor)
//! and close code and reason (`close()`). Both backends check subprotocols (WPT rejects
//! duplicates that differ in case, which Chromium accepts); close arguments are checked here
//! natively and by the browser on wasm32. URL checks live with the backend that parses URLs
//! (the `url` crate natively, the browser on wasm32). Messages are built without `format!`
//! where wasm32 uses them: formatting machinery is a large part of a small `.wasm`.

use crate::error::{message, Error};

const CONSTRUCT: &str = "Failed to construct 'WebSocket'";
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
const CLOSE: &str = "Failed to execute 'close' on 'WebSocket'";

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

/// Catalog CL-05 and CL-08: the code must be 1000 or 3000–4999, the reason at most 123
/// UTF-8 bytes. The code is checked first, as the standard orders it. (On wasm32 the browser
/// checks them.)
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
pub(crate) fn close_args(code: u16, reason: &str) -> Result<(), Error> {
    if code != 1000 && !(3000..=4999).contains(&code) {
        return Err(Error::InvalidAccessError(format!(
            "{CLOSE}: The close code must be either 1000, or between 3000 and 4999. {code} is neither."
        )));
    }
    if reason.len() > 123 {
        return Err(Error::SyntaxError(format!(
            "{CLOSE}: The close reason must not be greater than 123 UTF-8 bytes."
        )));
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

    #[test]
    fn close_code_range() {
        for ok in [1000, 3000, 4999] {
            assert!(close_args(ok, "").is_ok());
        }
        for bad in [0, 999, 1001, 1005, 2999, 5000, 65535] {
            assert!(matches!(
                close_args(bad, ""),
                Err(Error::InvalidAccessError(_))
            ));
        }
        assert!(close_args(1000, &"a".repeat(123)).is_ok());
        assert!(matches!(
            close_args(1000, &"a".repeat(124)),
            Err(Error::SyntaxError(_))
        ));
        // the code is checked before the reason
        assert!(matches!(
            close_args(999, &"a".repeat(124)),
            Err(Error::InvalidAccessError(_))
        ));
    }
}
