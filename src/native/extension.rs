//! permessage-deflate's negotiation (RFC 7692 §5, §7): the offer isows sends, and the checks
//! of the server's `Sec-WebSocket-Extensions`. Every failure fails the connection, as in
//! browsers: an extension not offered, permessage-deflate twice, a parameter that is unknown,
//! repeated, missing its value or out of range, or a server that ignored what the offer
//! required.

use crate::error::ErrorCause;

/// The permessage-deflate offer (RFC 7692) of a native socket: what
/// `WebSocketBuilder::permessage_deflate` sets. The default is Chromium's offer,
/// `permessage-deflate; client_max_window_bits`. isows inflates what the server compresses
/// and sends its own messages uncompressed (RFC 7692 §6 lets a sender choose per message), so
/// the `client_*` parameters only tell the server what isows accepts.
///
/// ```
/// let offer = isows::DeflateOffer::default();
/// assert_eq!(offer.to_string(), "permessage-deflate; client_max_window_bits");
/// let small = isows::DeflateOffer { server_max_window_bits: Some(10), ..Default::default() };
/// assert_eq!(small.to_string(), "permessage-deflate; server_max_window_bits=10; client_max_window_bits");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateOffer {
    /// Ask the server to start each message with an empty window (less memory for isows).
    pub server_no_context_takeover: bool,
    /// Tell the server that isows starts each of its messages afresh.
    pub client_no_context_takeover: bool,
    /// Ask the server to use at most 2^n bytes of window (8–15).
    pub server_max_window_bits: Option<u8>,
    /// Offer `client_max_window_bits` (without a value, as Chromium does).
    pub client_max_window_bits: bool,
}

impl Default for DeflateOffer {
    fn default() -> Self {
        DeflateOffer {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: None,
            client_max_window_bits: true,
        }
    }
}

/// The header value, as sent.
impl std::fmt::Display for DeflateOffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("permessage-deflate")?;
        if self.server_no_context_takeover {
            f.write_str("; server_no_context_takeover")?;
        }
        if self.client_no_context_takeover {
            f.write_str("; client_no_context_takeover")?;
        }
        if let Some(bits) = self.server_max_window_bits {
            write!(f, "; server_max_window_bits={bits}")?;
        }
        if self.client_max_window_bits {
            f.write_str("; client_max_window_bits")?;
        }
        Ok(())
    }
}

/// What the server accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Negotiated {
    /// The server starts each message with an empty window: the inflater is dropped after
    /// each message.
    pub(crate) server_no_context_takeover: bool,
    pub(crate) server_max_window_bits: u8,
    pub(crate) client_no_context_takeover: bool,
    pub(crate) client_max_window_bits: u8,
}

fn refuse(why: &str) -> ErrorCause {
    ErrorCause::Handshake(format!("Sec-WebSocket-Extensions: {why}").into())
}

/// Checks the server's `Sec-WebSocket-Extensions` (`None`: absent) against the offer (`None`:
/// nothing offered). `Ok(None)`: no extension in use.
pub(crate) fn accept(
    header: Option<&str>,
    offer: Option<&DeflateOffer>,
) -> Result<Option<Negotiated>, ErrorCause> {
    let Some(header) = header.filter(|h| !h.trim().is_empty()) else {
        return Ok(None);
    };
    let Some(offer) = offer else {
        return Err(refuse(
            "the server accepted an extension the client did not offer",
        ));
    };
    let mut elements = split_outside_quotes(header, ',');
    let element = elements.next().unwrap_or_default();
    if elements.next().is_some() {
        return Err(refuse("the server accepted more than one extension"));
    }
    let mut parts = split_outside_quotes(element, ';');
    let name = parts.next().unwrap_or_default().trim();
    if name != "permessage-deflate" {
        return Err(refuse(&format!(
            "the server accepted '{name}', which the client did not offer"
        )));
    }
    let mut result = Negotiated {
        server_no_context_takeover: false,
        server_max_window_bits: 15,
        client_no_context_takeover: false,
        client_max_window_bits: 15,
    };
    let mut seen: Vec<&str> = Vec::new();
    for param in parts {
        let (key, value) = match param.split_once('=') {
            Some((k, v)) => (k.trim(), Some(unquote(v.trim())?)),
            None => (param.trim(), None),
        };
        if seen.contains(&key) {
            return Err(refuse(&format!("'{key}' appears more than once")));
        }
        seen.push(key);
        match (key, value) {
            ("server_no_context_takeover", None) => result.server_no_context_takeover = true,
            ("client_no_context_takeover", None) => result.client_no_context_takeover = true,
            ("server_max_window_bits", Some(v)) => {
                let bits = window_bits(key, v)?;
                if offer.server_max_window_bits.is_some_and(|max| bits > max) {
                    return Err(refuse("server_max_window_bits is larger than offered"));
                }
                result.server_max_window_bits = bits;
            }
            ("client_max_window_bits", Some(v)) if offer.client_max_window_bits => {
                result.client_max_window_bits = window_bits(key, v)?;
            }
            ("client_max_window_bits", Some(_)) => {
                return Err(refuse("client_max_window_bits was not offered"));
            }
            (
                "server_no_context_takeover"
                | "client_no_context_takeover"
                | "server_max_window_bits"
                | "client_max_window_bits",
                _,
            ) => return Err(refuse(&format!("'{key}' has a wrong value"))),
            _ => return Err(refuse(&format!("unknown parameter '{key}'"))),
        }
    }
    // What the offer asked of the server, the server must have agreed to (RFC 7692 §7.1.1.1,
    // §7.1.2.1).
    if offer.server_no_context_takeover && !result.server_no_context_takeover {
        return Err(refuse("the server ignored server_no_context_takeover"));
    }
    if offer.server_max_window_bits.is_some() && !seen.contains(&"server_max_window_bits") {
        return Err(refuse("the server ignored server_max_window_bits"));
    }
    Ok(Some(result))
}

/// A window size: a decimal 8–15 without leading zeros (RFC 7692 §7.1.2).
fn window_bits(key: &str, value: &str) -> Result<u8, ErrorCause> {
    match value {
        "8" | "9" | "10" | "11" | "12" | "13" | "14" | "15" => Ok(value.parse().unwrap_or(15)),
        _ => Err(refuse(&format!(
            "'{key}={value}' is not a window size of 8 to 15"
        ))),
    }
}

/// A parameter value, a token or a quoted string.
fn unquote(value: &str) -> Result<&str, ErrorCause> {
    match value.strip_prefix('"') {
        None if !value.is_empty() && !value.contains('"') => Ok(value),
        Some(rest) => match rest.strip_suffix('"') {
            Some(inner) if !inner.contains(['"', '\\']) => Ok(inner),
            _ => Err(refuse("a badly quoted value")),
        },
        None => Err(refuse("an empty or badly quoted value")),
    }
}

/// Splits at `sep` except inside double quotes.
fn split_outside_quotes(s: &str, sep: char) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let s = rest?;
        let mut quoted = false;
        for (i, c) in s.char_indices() {
            match c {
                '"' => quoted = !quoted,
                c if c == sep && !quoted => {
                    rest = Some(&s[i + 1..]);
                    return Some(&s[..i]);
                }
                _ => {}
            }
        }
        rest = None;
        Some(s)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(header: &str) -> Negotiated {
        accept(Some(header), Some(&DeflateOffer::default()))
            .unwrap()
            .unwrap()
    }

    fn bad(header: &str, offer: DeflateOffer) -> String {
        match accept(Some(header), Some(&offer)) {
            Err(ErrorCause::Handshake(d)) => d.message().to_owned(),
            other => panic!("{header:?} was accepted: {other:?}"),
        }
    }

    #[test]
    fn accepted_responses() {
        let n = ok("permessage-deflate");
        assert_eq!(
            (n.server_max_window_bits, n.server_no_context_takeover),
            (15, false)
        );
        let n = ok("permessage-deflate; server_no_context_takeover; client_max_window_bits=9");
        assert!(n.server_no_context_takeover);
        assert_eq!(n.client_max_window_bits, 9);
        let n =
            ok(r#" permessage-deflate ;server_max_window_bits="10" ; client_no_context_takeover"#);
        assert_eq!(n.server_max_window_bits, 10);
        assert!(n.client_no_context_takeover);
        assert_eq!(accept(None, Some(&DeflateOffer::default())).unwrap(), None);
        assert_eq!(accept(Some(" "), None).unwrap(), None);
        let offer = DeflateOffer {
            server_no_context_takeover: true,
            server_max_window_bits: Some(12),
            ..Default::default()
        };
        let n = accept(
            Some("permessage-deflate; server_no_context_takeover; server_max_window_bits=11"),
            Some(&offer),
        )
        .unwrap()
        .unwrap();
        assert_eq!(n.server_max_window_bits, 11);
    }

    #[test]
    fn refused_responses() {
        let d = DeflateOffer::default();
        for (header, why) in [
            ("x-webkit-deflate-frame", "did not offer"),
            ("permessage-deflate, permessage-deflate", "more than one"),
            ("permessage-deflate; foo", "unknown parameter"),
            (
                "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
                "more than once",
            ),
            ("permessage-deflate; server_max_window_bits", "wrong value"),
            (
                "permessage-deflate; server_max_window_bits=7",
                "window size",
            ),
            (
                "permessage-deflate; server_max_window_bits=16",
                "window size",
            ),
            (
                "permessage-deflate; server_max_window_bits=08",
                "window size",
            ),
            ("permessage-deflate; client_max_window_bits", "wrong value"),
            (
                "permessage-deflate; server_no_context_takeover=1",
                "wrong value",
            ),
            ("permessage-deflate; server_max_window_bits=\"10", "quoted"),
            ("permessage-deflate; server_max_window_bits=", "empty"),
            (";;;=", "did not offer"),
        ] {
            let message = bad(header, d);
            assert!(message.contains(why), "{header:?}: {message}");
        }
        let no_client_bits = DeflateOffer {
            client_max_window_bits: false,
            ..d
        };
        assert!(bad(
            "permessage-deflate; client_max_window_bits=10",
            no_client_bits
        )
        .contains("not offered"));
        let asks = DeflateOffer {
            server_no_context_takeover: true,
            ..d
        };
        assert!(bad("permessage-deflate", asks).contains("ignored"));
        let small = DeflateOffer {
            server_max_window_bits: Some(10),
            ..d
        };
        assert!(bad("permessage-deflate; server_max_window_bits=11", small).contains("larger"));
        assert!(bad("permessage-deflate", small).contains("ignored"));
        assert!(matches!(
            accept(Some("permessage-deflate"), None),
            Err(ErrorCause::Handshake(_))
        ));
    }
}
