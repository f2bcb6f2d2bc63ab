//! The WHATWG "get a URL record" steps (catalog C-01…C-13) with the `url` crate, and what the
//! connection needs from the result.

use base64::Engine;
use percent_encoding::percent_decode_str;

use crate::error::Error;

const CONSTRUCT: &str = "Failed to construct 'WebSocket'";

/// Where and how to connect.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    /// The serialized URL (`url` attribute).
    pub(crate) serialized: String,
    /// The serialized origin (`MessageEvent.origin`).
    pub(crate) origin: String,
    /// Host for DNS and TLS (IPv6 without brackets).
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) secure: bool,
    /// `Host` header value: host, plus the port when it is not the default.
    pub(crate) host_header: String,
    /// Path and query: the request target.
    pub(crate) resource: String,
    /// `Basic …` from the URL's credentials.
    pub(crate) authorization: Option<String>,
}

/// Parses an absolute URL. Natively there is no API base URL, so a relative URL is a
/// `SyntaxError` (catalog §13, C-06).
pub(crate) fn parse(input: &str) -> Result<Endpoint, Error> {
    let invalid = || {
        let shown = crate::redact::redact(input);
        Error::SyntaxError(format!("{CONSTRUCT}: The URL '{shown}' is invalid."))
    };
    let mut url = url::Url::parse(input).map_err(|_| invalid())?;
    let mapped = match url.scheme() {
        "http" => Some("ws"),
        "https" => Some("wss"),
        "ws" | "wss" => None,
        other => {
            return Err(Error::SyntaxError(format!(
                "{CONSTRUCT}: The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. \
                 '{other}' is not allowed."
            )))
        }
    };
    if let Some(scheme) = mapped {
        url.set_scheme(scheme).map_err(|_| invalid())?;
    }
    if let Some(fragment) = url.fragment() {
        return Err(Error::SyntaxError(format!(
            "{CONSTRUCT}: The URL contains a fragment identifier ('{fragment}'). Fragment \
             identifiers are not allowed in WebSocket URLs."
        )));
    }
    let host = match url.host() {
        Some(url::Host::Ipv6(addr)) => addr.to_string(),
        Some(h) => h.to_string(),
        None => return Err(invalid()),
    };
    let secure = url.scheme() == "wss";
    let port = url.port_or_known_default().ok_or_else(invalid)?;
    let host_str = url.host_str().ok_or_else(invalid)?;
    let host_header = match url.port() {
        Some(p) => format!("{host_str}:{p}"),
        None => host_str.to_owned(),
    };
    let resource = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let authorization = (!url.username().is_empty() || url.password().is_some()).then(|| {
        let user = percent_decode_str(url.username()).collect::<Vec<u8>>();
        let pass = percent_decode_str(url.password().unwrap_or("")).collect::<Vec<u8>>();
        let mut creds = user;
        creds.push(b':');
        creds.extend(pass);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(creds)
        )
    });
    Ok(Endpoint {
        serialized: url.as_str().to_owned(),
        origin: url.origin().ascii_serialization(),
        host,
        port,
        secure,
        host_header,
        resource,
        authorization,
    })
}

/// The Fetch standard's bad ports: a connection to one fails (catalog C-16), as in browsers.
pub(crate) fn is_blocked_port(port: u16) -> bool {
    const BAD: [u16; 83] = [
        0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95,
        101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179,
        389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601,
        636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566,
        6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
    ];
    BAD.contains(&port)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> Endpoint {
        parse(input).unwrap_or_else(|e| panic!("{input}: {e}"))
    }

    #[test]
    fn serialization() {
        assert_eq!(ok("ws://h:80/echo").serialized, "ws://h/echo");
        assert_eq!(ok("wss://h:443/").serialized, "wss://h/");
        assert_eq!(ok("ws://h:8080").serialized, "ws://h:8080/");
        assert_eq!(ok("http://h:81/").serialized, "ws://h:81/");
        assert_eq!(ok("https://h/").serialized, "wss://h/");
        assert_eq!(ok("ws:h:81/echo").serialized, "ws://h:81/echo");
        assert_eq!(ok("ws:/h:81/echo").serialized, "ws://h:81/echo");
        assert_eq!(
            ok("ws://h/echo?foo%20bar baz").serialized,
            "ws://h/echo?foo%20bar%20baz"
        );
        assert_eq!(ok("WS://HOST/echo").serialized, "ws://host/echo");
    }

    #[test]
    fn request_parts() {
        let t = ok("ws://u%40x:p@[::1]:9000/a/b?c=d");
        assert_eq!(t.host, "::1");
        assert_eq!(t.host_header, "[::1]:9000");
        assert_eq!(t.resource, "/a/b?c=d");
        assert_eq!(t.origin, "ws://[::1]:9000");
        let expected = base64::engine::general_purpose::STANDARD.encode("u@x:p");
        assert_eq!(
            t.authorization.as_deref(),
            Some(format!("Basic {expected}").as_str())
        );
        let t = ok("wss://example.com/");
        assert_eq!(
            (t.port, t.secure, t.host_header.as_str()),
            (443, true, "example.com")
        );
        assert!(t.authorization.is_none());
    }

    #[test]
    fn bad_ports() {
        assert!(is_blocked_port(0) && is_blocked_port(6667) && is_blocked_port(10080));
        assert!(!is_blocked_port(80) && !is_blocked_port(443) && !is_blocked_port(8080));
    }
}
