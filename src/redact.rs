//! Keeps passwords out of what isows prints: `Debug` output and error messages show a URL's
//! credentials as `user:***@` (the `url()` attribute keeps the URL as the browser gives it).

use std::borrow::Cow;

/// `url` with the password of its authority, if any, replaced by `***`. Works on any text
/// (also a URL that failed to parse), so nothing is missed because a parser gave up:
/// `ws://u:secret@h/` becomes `ws://u:***@h/`.
pub(crate) fn redact(url: &str) -> Cow<'_, str> {
    let Some(start) = url.find("//").map(|i| i + 2) else {
        return Cow::Borrowed(url);
    };
    let rest = &url[start..];
    let authority_len = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let Some(at) = authority.rfind('@') else {
        return Cow::Borrowed(url);
    };
    let Some(colon) = authority[..at].find(':') else {
        return Cow::Borrowed(url);
    };
    if colon + 1 == at {
        return Cow::Borrowed(url); // an empty password
    }
    let mut out = String::with_capacity(url.len());
    out.push_str(&url[..start + colon + 1]);
    out.push_str("***");
    out.push_str(&url[start + at..]);
    Cow::Owned(out)
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
    }
}
