//! Keeps passwords out of what isows prints: `Debug` output and error messages show a URL's
//! credentials as `user:***@` (the `url()` attribute keeps the URL as the browser gives it).

use std::borrow::Cow;

/// `url` with the password of its authority, if any, replaced by `***`. Works on any text
/// (also a URL that failed to parse), so nothing is missed because a parser gave up:
/// `ws://u:secret@h/` becomes `ws://u:***@h/`.
pub(crate) fn redact(url: &str) -> Cow<'_, str> {
    match password_span(url) {
        Some((from, to)) => {
            let mut out = String::with_capacity(url.len());
            out.push_str(url.get(..from).unwrap_or_default());
            out.push_str("***");
            out.push_str(url.get(to..).unwrap_or_default());
            Cow::Owned(out)
        }
        None => Cow::Borrowed(url),
    }
}

/// Where the password is: after the first `:` of the userinfo, up to the last `@` of the
/// authority. The authority starts after the scheme's `:` and any `/`, `\`, tab or newline
/// (the WHATWG parser reads `ws:u:p@h` and `ws:\\u:p@h` as `ws://u:p@h`, and drops tabs and
/// newlines), and ends at `/`, `?` or `#` (not at `\`, which ends it only for special
/// schemes: redacting a little more there is harmless). Byte loops with no indexing: no `str` search
/// machinery and no panic paths in a `.wasm`.
fn password_span(url: &str) -> Option<(usize, usize)> {
    let bytes = url.as_bytes();
    let scheme_end = bytes.iter().position(|&c| c == b':')? + 1;
    let start = scheme_end
        + bytes
            .get(scheme_end..)?
            .iter()
            .take_while(|c| matches!(c, b'/' | b'\\' | b'\t' | b'\n' | b'\r'))
            .count();
    let rest = bytes.get(start..)?;
    let end = rest
        .iter()
        .position(|c| matches!(c, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let authority = rest.get(..end)?;
    let at = authority.iter().rposition(|&c| c == b'@')?;
    let colon = authority.get(..at)?.iter().position(|&c| c == b':')?;
    (colon + 1 < at).then_some((start + colon + 1, start + at))
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_hidden_and_nothing_else_changes() {
        assert_eq!(redact("ws://u:secret@h/p?q#f"), "ws://u:***@h/p?q#f");
        assert_eq!(redact("wss://u:a:b@c@h:9/"), "wss://u:***@h:9/");
        assert_eq!(redact("ws://u@h/"), "ws://u@h/");
        assert_eq!(redact("ws://u:@h/"), "ws://u:@h/");
        assert_eq!(redact("ws://h/p@q:r"), "ws://h/p@q:r");
        assert_eq!(redact("not a url"), "not a url");
        assert_eq!(redact("ws://ü:pä@h/"), "ws://ü:***@h/");
        // Forms the WHATWG parser reads as an authority too.
        assert_eq!(redact("ws::x@0"), "ws::***@0");
        assert_eq!(redact("ws:\\\\u:pw@h/"), "ws:\\\\u:***@h/");
        assert_eq!(redact("ws:\t//u:pw@h/"), "ws:\t//u:***@h/");
    }
}
