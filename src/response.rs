//! The server's answer to the opening handshake, as npm `ws` and devtools show it: the
//! status, every header in order, and (for a refused upgrade) the start of the body.

/// An HTTP response to the opening handshake: the `101` of an open socket
/// ([`WebSocket::handshake_response`](crate::WebSocket::handshake_response)), or the answer
/// that refused the upgrade ([`ErrorCause::UnexpectedResponse`](crate::ErrorCause)), with the
/// first [`MAX_BODY`](HttpResponse::MAX_BODY) bytes of its body.
///
/// ```
/// let r = isows::HttpResponse::new(401, vec![("WWW-Authenticate".into(), "Basic".into())], b"no".to_vec());
/// assert_eq!(r.status(), 401);
/// assert_eq!(r.header("www-authenticate"), Some("Basic"));
/// assert_eq!(r.body(), b"no");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl HttpResponse {
    /// How much of a refused upgrade's body is kept: 4 KiB.
    pub const MAX_BODY: usize = 4096;

    /// A response (for tests and for transports of your own).
    ///
    /// ```
    /// let r = isows::HttpResponse::new(101, Vec::new(), Vec::new());
    /// assert!(r.headers().is_empty());
    /// ```
    pub fn new(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> HttpResponse {
        HttpResponse {
            status,
            headers,
            body,
        }
    }

    /// The status code.
    ///
    /// ```
    /// assert_eq!(isows::HttpResponse::new(404, vec![], vec![]).status(), 404);
    /// ```
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Every header, in the order the server sent them (names as sent; values with
    /// surrounding whitespace removed, non-UTF-8 bytes replaced).
    ///
    /// ```
    /// let r = isows::HttpResponse::new(101, vec![("Set-Cookie".into(), "a=1".into())], vec![]);
    /// assert_eq!(r.headers()[0].0, "Set-Cookie");
    /// ```
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first value of a header, by case-insensitive name.
    ///
    /// ```
    /// let r = isows::HttpResponse::new(101, vec![("X-A".into(), "1".into())], vec![]);
    /// assert_eq!(r.header("x-a"), Some("1"));
    /// assert_eq!(r.header("x-b"), None);
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The start of the body (at most [`MAX_BODY`](HttpResponse::MAX_BODY) bytes, chunked
    /// encoding removed); empty for a `101`.
    ///
    /// ```
    /// assert!(isows::HttpResponse::new(101, vec![], vec![]).body().is_empty());
    /// ```
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}
