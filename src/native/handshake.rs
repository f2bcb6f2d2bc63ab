//! The opening handshake (RFC 6455 §4.1), done by hand so that every check is the browser's
//! and every failure has a typed cause: DNS, TCP, TLS, the HTTP request, and the response
//! checks (status, `Upgrade`, `Connection`, `Sec-WebSocket-Accept`, extensions, subprotocol,
//! duplicated headers). Bytes that arrive with the response are kept (catalog F-17).

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::tungstenite::handshake::{client::generate_key, derive_accept_key};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocket, WebSocketConfig};

use super::bridge::Bridge;
use super::dial;
use super::extension::{self, Negotiated};
use super::handshake_line::PlaceInLine;
use super::inflate::Inflating;
use super::proxy;
use super::read_buffer::GrowingReads;
use super::tls;
use super::url::{is_blocked_port, Endpoint};
use crate::error::{Detail, ErrorCause};
use crate::options::Options;
use crate::HttpResponse;

/// A byte stream a connection runs over: TCP, TLS over TCP, or one the caller gave
/// (`WebSocketBuilder::connect_with_stream`). One indirect call per read or write, beside a
/// system call.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Io for T {}
pub(crate) type BoxIo = Box<dyn Io>;

/// tungstenite's sync core over the socket (the connection task polls it through `Bridge`),
/// with permessage-deflate's inflating layer between them.
pub(crate) type Stream = WebSocket<Inflating<Bridge<GrowingReads<BoxIo>>>>;

/// The largest handshake response accepted.
const MAX_RESPONSE_HEAD: usize = 64 * 1024;
/// The most response headers accepted (tungstenite's limit).
const MAX_RESPONSE_HEADERS: usize = 124;
/// Initial read buffer of an idle connection; tungstenite grows it for larger frames.
const READ_BUFFER: usize = 4 * 1024;

/// Connects and upgrades: through the proxy if there is one, else to the first address
/// that answers (Happy Eyeballs, `dial.rs`); then TLS for `wss://` and the HTTP upgrade. The
/// handshake timeout bounds all of it from the moment the socket's turn comes (`turn`, taken
/// in creation order), so opening many sockets to one server does not make the last ones
/// time out.
pub(crate) async fn connect(
    target: &Endpoint,
    options: &Options,
    turn: Option<PlaceInLine>,
    proxy: proxy::Choice,
) -> Result<(Stream, Handshake), ErrorCause> {
    if is_blocked_port(target.port) {
        return Err(ErrorCause::BlockedPort(target.port));
    }
    // A proxy the environment names but isows cannot use: fail, never go direct.
    let proxy = proxy?;
    if let Some(ticket) = &turn {
        ticket.turn().await;
    }
    let connect = async {
        // The address's CONNECTING slot is kept until the handshake ends.
        let (stream, _slot): (BoxIo, _) = match &proxy {
            Some(proxy) => (
                proxy::tunnel(proxy, target, &options.backend.net).await?,
                None,
            ),
            None => {
                let addrs = dial::resolve(&target.host, target.port, &options.backend.net).await?;
                let dialed = dial::dial(&addrs, options.serialize_handshakes).await?;
                (Box::new(dialed.tcp), dialed.slot)
            }
        };
        secure_and_upgrade(stream, target, options).await
    };
    tokio::time::timeout(options.handshake_timeout, connect)
        .await
        .map_err(|_| ErrorCause::Timeout)?
}

/// The handshake over a stream the caller gave: TLS first for `wss://`, then the HTTP
/// upgrade, within the handshake timeout. No DNS, no turn: the caller chose the transport.
pub(crate) async fn connect_over(
    stream: BoxIo,
    target: &Endpoint,
    options: &Options,
) -> Result<(Stream, Handshake), ErrorCause> {
    tokio::time::timeout(
        options.handshake_timeout,
        secure_and_upgrade(stream, target, options),
    )
    .await
    .map_err(|_| ErrorCause::Timeout)?
}

/// TLS for `wss://`, then the HTTP upgrade, over an open stream.
async fn secure_and_upgrade(
    stream: BoxIo,
    target: &Endpoint,
    options: &Options,
) -> Result<(Stream, Handshake), ErrorCause> {
    let stream = if target.secure {
        tls::wrap(stream, &target.host, options).await?
    } else {
        stream
    };
    upgrade_over(stream, target, options).await
}

/// The HTTP upgrade (RFC 6455 §4.1) over an open stream.
async fn upgrade_over(
    mut stream: BoxIo,
    target: &Endpoint,
    options: &Options,
) -> Result<(Stream, Handshake), ErrorCause> {
    let key = generate_key();
    let request = request(target, options, &key);
    let io = |e: std::io::Error| ErrorCause::Handshake(Detail::with_source(e.to_string(), e));
    stream.write_all(request.as_bytes()).await.map_err(io)?;
    stream.flush().await.map_err(io)?;

    let mut buf = Vec::with_capacity(1024);
    let offer = options.backend.deflate.as_ref();
    let (
        head_len,
        Accepted {
            protocol,
            deflate,
            extensions,
        },
        response,
    ) = loop {
        let mut chunk = [0u8; 1024];
        let n = stream.read(&mut chunk).await.map_err(io)?;
        if n == 0 {
            return Err(ErrorCause::Handshake(
                "the connection closed before the handshake response".into(),
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
        // Like browsers, judge the response only once its head is complete (catalog F-13: a
        // server that trickles garbage keeps the socket CONNECTING).
        if let Some(end) = find_head_end(&buf) {
            match check_response(&buf, &key, &options.protocols, offer) {
                Ok(Some(done)) => break done,
                Ok(None) => {}
                Err(ErrorCause::UnexpectedResponse(mut response)) => {
                    let body = &buf[end + 4..];
                    response.body = read_body(&mut stream, body, &response).await;
                    return Err(ErrorCause::UnexpectedResponse(response));
                }
                Err(e) => return Err(e),
            }
        }
        if buf.len() > MAX_RESPONSE_HEAD {
            return Err(ErrorCause::Handshake(
                "the response headers are too large".into(),
            ));
        }
    };
    // What came after the head starts tungstenite's read buffer, which is given READ_BUFFER
    // bytes of capacity here: `bytes` remembers a buffer's first capacity and allocates that
    // much whenever the buffer must move while received messages still point into it (a
    // stream's reader that has not taken them yet). Made from an empty Vec that size is 0:
    // every later message would then cost a buffer of its own size and a read of a few bytes
    // (W2 through Stream/Sink 0.87 -> 0.97 of raw).
    let mut rest = Vec::with_capacity(READ_BUFFER.max(buf.len() - head_len));
    // No frame may be larger than a message: without a frame limit, the message limit
    // bounds what a frame header can make tungstenite allocate.
    let max_frame = options.max_frame_size.or(options.max_message_size);
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .max_message_size(options.max_message_size)
        .max_frame_size(max_frame);
    let stream = Bridge::new(GrowingReads::new(stream));
    let stream = match deflate {
        // What came after the head goes through the inflating layer.
        Some(negotiated) => Inflating::new(
            stream,
            negotiated,
            buf[head_len..].to_vec(),
            max_frame,
            options.max_message_size,
        ),
        None => {
            rest.extend_from_slice(&buf[head_len..]);
            Inflating::plain(stream)
        }
    };
    let ws = WebSocket::from_partially_read(stream, rest, Role::Client, Some(config));
    Ok((
        ws,
        Handshake {
            protocol,
            extensions,
            deflate,
            response,
        },
    ))
}

/// How long a refused upgrade's body is read for, at most, before the failure is reported.
const BODY_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// The start of a refused upgrade's body (at most [`HttpResponse::MAX_BODY`] bytes): what
/// came with the head, then reads until the body ends (its `Content-Length`, the last chunk,
/// or the end of the stream), the limit is reached, or [`BODY_WAIT`] passes.
async fn read_body(stream: &mut BoxIo, start: &[u8], response: &HttpResponse) -> Vec<u8> {
    let chunked = response
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length = match response.status() {
        100..=199 | 204 | 304 => Some(0),
        _ if chunked => None,
        _ => response
            .header("content-length")
            .and_then(|v| v.parse::<usize>().ok()),
    };
    let wanted = length.unwrap_or(usize::MAX).min(HttpResponse::MAX_BODY);
    let mut raw = start.to_vec();
    let read_more = async {
        loop {
            // The body so far (its length) and whether it has ended; no copy when not chunked.
            let (have, ended) = match chunked {
                true => {
                    let (body, ended) = dechunk(&raw);
                    (body.len(), ended)
                }
                false => (raw.len(), false),
            };
            if ended || have >= wanted || raw.len() > 4 * HttpResponse::MAX_BODY {
                return;
            }
            let mut chunk = [0u8; 1024];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => raw.extend_from_slice(&chunk[..n]),
            }
        }
    };
    let _ = tokio::time::timeout(BODY_WAIT, read_more).await;
    let mut body = if chunked { dechunk(&raw).0 } else { raw };
    body.truncate(wanted);
    body
}

/// The data of a chunked body so far, and whether its last chunk has arrived.
fn dechunk(mut raw: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    while let Ok(httparse::Status::Complete((start, size))) = httparse::parse_chunk_size(raw) {
        if size == 0 {
            return (out, true);
        }
        let end = start.saturating_add(size as usize).min(raw.len());
        out.extend_from_slice(&raw[start..end]);
        match raw.get(end + 2..) {
            Some(rest) if (end - start) as u64 == size => raw = rest,
            _ => break,
        }
    }
    (out, false)
}

/// What a successful handshake gives besides the stream.
pub(crate) struct Handshake {
    /// The subprotocol the server selected (`""`: none).
    pub(crate) protocol: String,
    /// The extensions in use, as the server wrote them (`""`: none).
    pub(crate) extensions: String,
    /// permessage-deflate, if it is in use.
    pub(crate) deflate: Option<Negotiated>,
    /// The `101` response.
    pub(crate) response: HttpResponse,
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

/// The request, with the header order browsers use.
fn request(target: &Endpoint, options: &Options, key: &str) -> String {
    let mut r = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n",
        target.resource, target.host_header
    );
    if !options.protocols.is_empty() {
        r.push_str(&format!(
            "Sec-WebSocket-Protocol: {}\r\n",
            options.protocols.join(", ")
        ));
    }
    if let Some(offer) = &options.backend.deflate {
        r.push_str(&format!("Sec-WebSocket-Extensions: {offer}\r\n"));
    }
    // One Authorization header: the caller's own wins over the URL's credentials.
    let own_authorization = options
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("authorization"));
    if let (Some(auth), false) = (&target.authorization, own_authorization) {
        r.push_str(&format!("Authorization: {auth}\r\n"));
    }
    for (name, value) in &options.headers {
        r.push_str(&format!("{name}: {value}\r\n"));
    }
    r.push_str("\r\n");
    r
}

/// What a valid response agreed to.
#[derive(Debug, PartialEq)]
pub(crate) struct Accepted {
    /// The subprotocol (`""`: none).
    pub(crate) protocol: String,
    /// permessage-deflate, if it is in use.
    pub(crate) deflate: Option<Negotiated>,
    /// `Sec-WebSocket-Extensions` as the server wrote it (`""`: none).
    pub(crate) extensions: String,
}

/// Parses and checks the response head against the request (its subprotocols and
/// permessage-deflate offer). `Ok(None)`: not complete yet; `Ok(Some((len, accepted,
/// response)))`: valid, `len` bytes of head. A status other than 101 is an
/// [`ErrorCause::UnexpectedResponse`] with no body yet.
pub(crate) fn check_response(
    buf: &[u8],
    key: &str,
    requested: &[String],
    offer: Option<&extension::DeflateOffer>,
) -> Result<Option<(usize, Accepted, HttpResponse)>, ErrorCause> {
    // As many headers as tungstenite's own client accepts.
    let mut headers = [httparse::EMPTY_HEADER; MAX_RESPONSE_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let len = match response.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => {
            let m = format!("not an HTTP response: {e}");
            return Err(ErrorCause::Handshake(Detail::with_source(m, e)));
        }
    };
    let status = response.code.unwrap_or(0);
    let headers = response
        .headers
        .iter()
        .map(|h| {
            let value = String::from_utf8_lossy(h.value).trim().to_owned();
            (h.name.to_owned(), value)
        })
        .collect();
    let http = HttpResponse::new(status, headers, Vec::new());
    if status != 101 {
        return Err(ErrorCause::UnexpectedResponse(Box::new(http)));
    }
    let all = |name: &str| -> Vec<&[u8]> {
        response
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
            .collect()
    };
    let bad = |m: &str| Err(ErrorCause::Handshake(m.into()));
    let single = |name: &str| -> Result<Option<String>, ErrorCause> {
        match all(name).as_slice() {
            [] => Ok(None),
            [v] => Ok(Some(String::from_utf8_lossy(v).trim().to_owned())),
            _ => Err(ErrorCause::Handshake(
                format!("'{name}' header appears more than once").into(),
            )),
        }
    };
    if !single("Upgrade")?.is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
        return bad("'Upgrade' header is missing or not 'websocket'");
    }
    let connection_upgrade = all("Connection").iter().any(|v| {
        String::from_utf8_lossy(v)
            .split(',')
            .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
    });
    if !connection_upgrade {
        return bad("'Connection' header is missing or has no 'Upgrade' token");
    }
    match single("Sec-WebSocket-Accept")? {
        Some(accept) if accept == derive_accept_key(key.as_bytes()) => {}
        Some(_) => return bad("incorrect 'Sec-WebSocket-Accept' header value"),
        None => return bad("'Sec-WebSocket-Accept' header is missing"),
    }
    let extensions = single("Sec-WebSocket-Extensions")?;
    let deflate = extension::accept(extensions.as_deref(), offer)?;
    let extensions = match deflate {
        Some(_) => extensions.unwrap_or_default(),
        None => String::new(),
    };
    let protocol = match single("Sec-WebSocket-Protocol")
        .map_err(|e| ErrorCause::Subprotocol(e.to_string().into()))?
    {
        None if requested.is_empty() => String::new(),
        None => {
            return Err(ErrorCause::Subprotocol(
                "a subprotocol was requested but the server selected none".into(),
            ))
        }
        Some(p) if requested.is_empty() => {
            return Err(ErrorCause::Subprotocol(
                format!("the server selected '{p}' but none was requested").into(),
            ))
        }
        Some(p) if requested.contains(&p) => p,
        Some(p) => {
            return Err(ErrorCause::Subprotocol(
                format!("the server selected '{p}', which was not requested").into(),
            ))
        }
    };
    Ok(Some((
        len,
        Accepted {
            protocol,
            deflate,
            extensions,
        },
        http,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(extra: &str) -> Vec<u8> {
        let accept = derive_accept_key(b"k");
        format!(
            "HTTP/1.1 101 Switching Protocols:\r\nUpgrade: WebSocket\r\n\
             Connection: keep-alive, Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n{extra}\r\nrest"
        )
        .into_bytes()
    }

    #[test]
    fn tolerant_parsing() {
        let buf = response("Set-Cookie: a=b\r\n");
        let (len, accepted, http) = check_response(&buf, "k", &[], None).unwrap().unwrap();
        assert_eq!(http.header("set-cookie"), Some("a=b"));
        assert_eq!(&buf[len..], b"rest");
        assert_eq!(accepted.protocol, "");
        assert_eq!((accepted.deflate, accepted.extensions.as_str()), (None, ""));
    }

    #[test]
    fn permessage_deflate_accepted_when_offered() {
        let offer = extension::DeflateOffer::default();
        let value = "permessage-deflate; client_max_window_bits=15";
        let buf = response(&format!("Sec-WebSocket-Extensions: {value}\r\n"));
        let (_, accepted, _) = check_response(&buf, "k", &[], Some(&offer))
            .unwrap()
            .unwrap();
        assert_eq!(accepted.extensions, value);
        assert!(accepted.deflate.is_some());
        // Not offered: refused.
        assert!(check_response(&buf, "k", &[], None).is_err());
        // Offered, none accepted: none in use.
        let (_, accepted, _) = check_response(&response(""), "k", &[], Some(&offer))
            .unwrap()
            .unwrap();
        assert_eq!((accepted.deflate, accepted.extensions.as_str()), (None, ""));
    }

    #[test]
    fn partial_response_waits() {
        assert_eq!(
            check_response(b"HTTP/1.1 101 Swi", "k", &[], None).unwrap(),
            None
        );
    }

    #[test]
    fn rejections() {
        let p = |s: &str| vec![s.to_owned()];
        let cases: Vec<(Vec<u8>, Vec<String>)> = vec![
            (
                response("Sec-WebSocket-Extensions: permessage-deflate\r\n"),
                vec![],
            ),
            (response("Sec-WebSocket-Accept: x\r\n"), vec![]),
            (
                response("Sec-WebSocket-Protocol: a\r\nSec-WebSocket-Protocol: a\r\n"),
                p("a"),
            ),
            (response("Sec-WebSocket-Protocol: \r\n"), p("a")),
            (
                response("Sec-WebSocket-Protocol: a, b\r\n"),
                vec!["a".into(), "b".into()],
            ),
            (response("Sec-WebSocket-Protocol: foobar\r\n"), vec![]),
            (response("Sec-WebSocket-Protocol: foobar\r\n"), p("FOOBAR")),
            (response(""), p("a")),
            (
                b"HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n\r\n".to_vec(),
                vec![],
            ),
            (b"FOO BAR BAZ\r\n\r\n".to_vec(), vec![]),
        ];
        for (buf, requested) in cases {
            let r = check_response(&buf, "k", &requested, None);
            assert!(r.is_err(), "{} accepted", String::from_utf8_lossy(&buf));
        }
        assert_eq!(
            check_response(b"HTTP/1.1 404 Not Found\r\n\r\n", "k", &[], None)
                .unwrap_err()
                .status(),
            Some(404)
        );
    }

    #[test]
    fn chunked_bodies() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"),
            (b"abcde".to_vec(), true)
        );
        assert_eq!(dechunk(b"3\r\nabc\r\n5\r\nde"), (b"abcde".to_vec(), false));
        assert_eq!(dechunk(b"zz"), (Vec::new(), false));
    }
}
