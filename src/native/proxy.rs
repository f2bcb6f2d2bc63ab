//! Proxies, as browsers and curl use them: an HTTP proxy reached with `CONNECT` (with Basic
//! proxy authentication), or SOCKS5 (with user and password; `socks5h://` lets the proxy
//! resolve the name). Set per socket (`WebSocketBuilder::proxy`), or, by default, from the
//! environment as curl and reqwest read it: `https_proxy` for `wss://`, `http_proxy` for
//! `ws://`, then `all_proxy`, each in lower case first, then upper case; `no_proxy` lists the
//! hosts that go direct. `HTTP_PROXY` in upper case is ignored inside CGI (`REQUEST_METHOD`
//! set), as reqwest does (httpoxy). Loopback hosts (`localhost`, `*.localhost`, 127.0.0.0/8,
//! `::1`) never use the environment's proxy, as in Chrome; a proxy set on the builder is
//! used for every host. A proxy variable isows cannot use (bad port, `https://`, `socks4://`,
//! garbage) fails the connection with [`ErrorCause::Proxy`] instead of going direct, as curl
//! refuses it: traffic meant for a proxy never leaves without it. Credentials are
//! percent-decoded to bytes and sent byte for byte.
//!
//! HTTP `CONNECT` is written by hand (a request line, one header, a status line: what reqwest
//! does too); SOCKS5 is tokio-socks'.

use std::net::IpAddr;

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::dial::{self, NetOptions};
use super::handshake::BoxIo;
use super::url::Endpoint;
use crate::error::{Detail, Error, ErrorCause};
use crate::redact::redact;

/// The builder's choice (default: the environment).
#[derive(Clone, Debug, Default)]
pub(crate) enum ProxySetting {
    #[default]
    FromEnv,
    Off,
    Url(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `http://`: HTTP CONNECT.
    Http,
    /// `socks5://`: SOCKS5, the name resolved here.
    Socks5,
    /// `socks5h://`: SOCKS5, the name resolved by the proxy.
    Socks5h,
}

/// A proxy to go through.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Proxy {
    pub(crate) kind: Kind,
    pub(crate) host: String,
    pub(crate) port: u16,
    /// User and password, percent-decoded to bytes (sent as they are, not as UTF-8 text).
    pub(crate) auth: Option<(Vec<u8>, Vec<u8>)>,
}

/// Where the environment (or the builder) sends a connection: direct (`None`), through a
/// proxy, or nowhere, because the proxy it names cannot be used (the connection fails with
/// this cause).
pub(crate) type Choice = Result<Option<Proxy>, ErrorCause>;

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        write!(f, "{:?} proxy {}:{}", self.kind, self.host, self.port)
    }
}

/// Parses a proxy URL as curl reads one: `scheme://[user:password@]host[:port]`, where no
/// scheme means `http://` and the port defaults to 1080.
pub(crate) fn parse(text: &str) -> Result<Proxy, Error> {
    let with_scheme = match text.contains("://") {
        true => text.to_owned(),
        false => format!("http://{text}"),
    };
    let bad = |why: &str| {
        Error::SyntaxError(format!(
            "The proxy URL '{}' is invalid: {why}.",
            redact_proxy(&with_scheme)
        ))
    };
    let url = url::Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
    let kind = match url.scheme() {
        "http" => Kind::Http,
        "socks5" => Kind::Socks5,
        "socks5h" => Kind::Socks5h,
        "https" => return Err(bad("TLS to the proxy (https://) is not supported")),
        _ => return Err(bad("the scheme must be http, socks5 or socks5h")),
    };
    let host = match url.host() {
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        Some(host) => host.to_string(),
        None => return Err(bad("it has no host")),
    };
    let decode = |s: &str| percent_encoding::percent_decode_str(s).collect::<Vec<u8>>();
    let auth = match (url.username(), url.password()) {
        ("", None) => None,
        (user, password) => Some((decode(user), decode(password.unwrap_or("")))),
    };
    Ok(Proxy {
        kind,
        host,
        port: url.port().unwrap_or(1080),
        auth,
    })
}

/// A proxy URL (with its scheme) as it may be shown: everything between the first `:` after
/// the scheme and the authority's last `@` hidden. A proxy URL has no path, so the last `@`
/// of the whole text is taken: a raw `/`, `?` or `#` in a password still hides all of it.
fn redact_proxy(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return redact(url).into_owned();
    };
    let rest = &url[start..];
    match (rest.rfind('@'), rest.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            format!("{}{}***{}", &url[..start], &rest[..=colon], &rest[at..])
        }
        _ => url.to_owned(),
    }
}

/// The proxy for `target`, if any: the builder's (a bad one is a `SyntaxError` now), or the
/// environment's (read through `env`; a bad one fails the connection, see [`Choice`]).
pub(crate) fn choose(
    setting: &ProxySetting,
    target: &Endpoint,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Choice, Error> {
    match setting {
        ProxySetting::Off => Ok(Ok(None)),
        ProxySetting::Url(url) => parse(url).map(|p| Ok(Some(p))),
        ProxySetting::FromEnv => Ok(from_env(target, env)),
    }
}

fn from_env(target: &Endpoint, env: impl Fn(&str) -> Option<String>) -> Choice {
    // The variable's value, and its name as it was found.
    let get = |name: &str| {
        let lower_name = name.to_ascii_lowercase();
        let lower = env(&lower_name).filter(|v| !v.is_empty());
        lower.map(|v| (lower_name, v)).or_else(|| {
            // httpoxy: inside CGI a request header can set HTTP_PROXY.
            let cgi = name == "HTTP_PROXY" && env("REQUEST_METHOD").is_some();
            env(name)
                .filter(|v| !v.is_empty() && !cgi)
                .map(|v| (name.to_owned(), v))
        })
    };
    let scheme_var = if target.secure {
        "HTTPS_PROXY"
    } else {
        "HTTP_PROXY"
    };
    let Some((name, url)) = get(scheme_var).or_else(|| get("ALL_PROXY")) else {
        return Ok(None);
    };
    if is_loopback(&target.host)
        || get("NO_PROXY").is_some_and(|(_, list)| bypasses(&list, &target.host))
    {
        return Ok(None);
    }
    // As curl does (reqwest would go direct): a proxy the environment names but isows cannot
    // use fails the connection, so nothing meant for a proxy leaves without it.
    parse(&url).map(Some).map_err(|e| {
        let why = format!("the proxy in {name} cannot be used: {}", e.message());
        tracing::warn!("{why}");
        ErrorCause::Proxy(why.into())
    })
}

/// Chrome's implicit bypass list: `localhost`, its subdomains, and loopback addresses.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host == "localhost" || host.ends_with(".localhost"),
    }
}

/// curl's `NO_PROXY` rules: `*` matches every host; a name matches itself and its
/// subdomains (a leading dot is optional); an IP address matches itself, and `addr/bits`
/// matches a network. Entries are separated by commas or spaces.
pub(crate) fn bypasses(list: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let ip = host.parse::<IpAddr>().ok();
    list.split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = entry.trim_start_matches("*.").trim_start_matches('.');
            let entry = entry.trim_end_matches('.').to_ascii_lowercase();
            let unbracketed = entry.trim_start_matches('[').trim_end_matches(']');
            match (ip, unbracketed.split_once('/')) {
                (Some(ip), Some((net, bits))) => in_network(ip, net, bits),
                (Some(ip), None) => unbracketed.parse::<IpAddr>() == Ok(ip),
                (None, _) => {
                    host == entry
                        || (host.len() > entry.len()
                            && host.ends_with(&entry)
                            && host.as_bytes()[host.len() - entry.len() - 1] == b'.')
                }
            }
        })
}

fn in_network(ip: IpAddr, net: &str, bits: &str) -> bool {
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// Opens a tunnel through `proxy` to the target's host and port.
pub(crate) async fn tunnel(
    proxy: &Proxy,
    target: &Endpoint,
    net: &NetOptions,
) -> Result<BoxIo, ErrorCause> {
    let addrs = dial::resolve(&proxy.host, proxy.port, net)
        .await
        .map_err(|e| ErrorCause::Proxy(format!("the proxy's address: {e}").into()))?;
    let tcp = dial::dial(&addrs, false)
        .await
        .map_err(|e| ErrorCause::Proxy(format!("could not reach the proxy: {e}").into()))?
        .tcp;
    match proxy.kind {
        Kind::Http => connect_tunnel(tcp, proxy, target).await,
        Kind::Socks5 => {
            // curl's socks5://: the name is resolved here, the proxy gets an address.
            let addrs = dial::resolve(&target.host, target.port, net).await?;
            let addr = *addrs
                .first()
                .ok_or_else(|| ErrorCause::Dns("no addresses".into()))?;
            socks5(tcp, proxy, addr).await
        }
        Kind::Socks5h => socks5(tcp, proxy, (target.host.as_str(), target.port)).await,
    }
}

async fn socks5<'t>(
    tcp: TcpStream,
    proxy: &Proxy,
    target: impl tokio_socks::IntoTargetAddr<'t>,
) -> Result<BoxIo, ErrorCause> {
    use tokio_socks::tcp::Socks5Stream;
    let stream = match &proxy.auth {
        Some((user, password)) => {
            // RFC 1929 allows any bytes; tokio-socks takes text, so other bytes are refused
            // rather than changed.
            let text = |b: &[u8]| {
                std::str::from_utf8(b).map(str::to_owned).map_err(|_| {
                    ErrorCause::Proxy("SOCKS5: the user and password must be UTF-8".into())
                })
            };
            let (user, password) = (text(user)?, text(password)?);
            Socks5Stream::connect_with_password_and_socket(tcp, target, &user, &password).await
        }
        None => Socks5Stream::connect_with_socket(tcp, target).await,
    }
    .map_err(|e| ErrorCause::Proxy(Detail::with_source(format!("SOCKS5: {e}"), e)))?;
    Ok(Box::new(stream))
}

/// The largest `CONNECT` response head accepted.
const MAX_CONNECT_RESPONSE: usize = 16 * 1024;

async fn connect_tunnel(
    mut tcp: TcpStream,
    proxy: &Proxy,
    target: &Endpoint,
) -> Result<BoxIo, ErrorCause> {
    let authority = match target.host.contains(':') {
        true => format!("[{}]:{}", target.host, target.port),
        false => format!("{}:{}", target.host, target.port),
    };
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some((user, password)) = &proxy.auth {
        let credentials = [user.as_slice(), b":", password.as_slice()].concat();
        let token = base64::engine::general_purpose::STANDARD.encode(credentials);
        request.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
    }
    request.push_str("\r\n");
    let io = |e: std::io::Error| ErrorCause::Proxy(Detail::with_source(format!("CONNECT: {e}"), e));
    tcp.write_all(request.as_bytes()).await.map_err(io)?;
    // Byte by byte, so that nothing of the tunnel is read with the head (a head is short).
    let mut head = Vec::with_capacity(256);
    while !head_complete(&head) {
        if head.len() >= MAX_CONNECT_RESPONSE {
            return Err(ErrorCause::Proxy(
                "the proxy's CONNECT response is too large".into(),
            ));
        }
        let byte = tcp.read_u8().await.map_err(io)?;
        head.push(byte);
    }
    // As many header slots as the head has lines: any number of headers is accepted (curl
    // sets no limit), the head's size bounds them.
    let lines = head.iter().filter(|&&b| b == b'\n').count();
    let mut headers = vec![httparse::EMPTY_HEADER; lines];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => {
            return Err(ErrorCause::Proxy(
                "the proxy's CONNECT response is not HTTP".into(),
            ))
        }
    }
    match response.code.unwrap_or(0) {
        200..=299 => Ok(Box::new(tcp)),
        // 407 asks for credentials; some proxies (tinyproxy) answer wrong ones with 401.
        status @ (401 | 407) => Err(ErrorCause::Proxy(
            format!("the proxy requires authentication (HTTP {status})").into(),
        )),
        status => Err(ErrorCause::Proxy(
            format!("the proxy refused the tunnel (HTTP {status})").into(),
        )),
    }
}

/// Whether `head` ends with an empty line: `\r\n` or a bare `\n` (which curl and httparse
/// accept) after the last header.
fn head_complete(head: &[u8]) -> bool {
    let Some(rest) = head.strip_suffix(b"\n") else {
        return false;
    };
    rest.strip_suffix(b"\r").unwrap_or(rest).ends_with(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Endpoint {
        super::super::url::parse(url).unwrap()
    }

    #[test]
    fn proxy_urls() {
        let p = parse("http://u%40x:p%3Aw@proxy.example:3128").unwrap();
        assert_eq!(
            (p.kind, p.host.as_str(), p.port),
            (Kind::Http, "proxy.example", 3128)
        );
        assert_eq!(p.auth, Some((b"u@x".to_vec(), b"p:w".to_vec())));
        // Byte-exact: %FF stays the byte 0xFF (not U+FFFD's EF BF BD).
        let p = parse("http://u:p%FFw@h:1").unwrap();
        assert_eq!(p.auth, Some((b"u".to_vec(), b"p\xFFw".to_vec())));
        let p = parse("proxy.example").unwrap();
        assert_eq!((p.kind, p.port, p.auth), (Kind::Http, 1080, None));
        assert_eq!(parse("socks5h://[::1]:9").unwrap().host, "::1");
        assert_eq!(parse("socks5://h").unwrap().kind, Kind::Socks5);
        for bad in ["ftp://h", "https://h", "http://", "http://h:99999"] {
            assert_eq!(parse(bad).unwrap_err().name(), "SyntaxError", "{bad}");
        }
        // The password never shows: with a scheme, without one (`bob:` is not a scheme), with
        // a raw `/`, `#` or `?` in it.
        for bad in [
            "ftp://u:secret@h",
            "bob:secret@127.0.0.1:99999",
            "http://bob:sec/ret@127.0.0.1:99999",
            "bob:sec#ret@127.0.0.1:99999",
            "socks5://bob:se?cret@h:99999",
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.name(), "SyntaxError", "{bad}");
            for part in ["secret", "sec/ret", "sec#ret", "se?cret", "cret"] {
                assert!(!e.to_string().contains(part), "{e}");
            }
        }
        assert!(!format!("{:?}", parse("http://u:secret@h").unwrap()).contains("secret"));
    }

    /// A fake proxy that reads the `CONNECT` request head and answers `reply`; gives what it
    /// read.
    async fn connect_through(reply: Vec<u8>, proxy_url: &str) -> (Result<(), String>, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            while !request.ends_with(b"\r\n\r\n") {
                request.push(tcp.read_u8().await.unwrap());
            }
            tcp.write_all(&reply).await.unwrap();
            String::from_utf8(request).unwrap()
        });
        let mut proxy = parse(proxy_url).unwrap();
        proxy.port = port;
        proxy.host = "127.0.0.1".into();
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let to = target("ws://a.example/");
        let connect = connect_tunnel(tcp, &proxy, &to);
        let result = tokio::time::timeout(std::time::Duration::from_secs(5), connect)
            .await
            .expect("an answer within 5 s, not the handshake timeout");
        (
            result.map(|_| ()).map_err(|e| e.to_string()),
            server.await.unwrap(),
        )
    }

    #[tokio::test]
    async fn connect_replies_with_many_headers_or_bare_newlines_are_read() {
        let mut many = b"HTTP/1.1 200 Connection established\r\n".to_vec();
        for i in 0..65 {
            many.extend(format!("X-Header-{i}: v\r\n").into_bytes());
        }
        many.extend(b"\r\n");
        for reply in [
            many,
            b"HTTP/1.1 200 OK\n\n".to_vec(),
            b"HTTP/1.1 200 OK\nVia: p\n\n".to_vec(),
            b"HTTP/1.1 200 OK\r\nVia: p\n\r\n".to_vec(),
        ] {
            let (result, _) = connect_through(reply.clone(), "http://p:1").await;
            assert_eq!(result, Ok(()), "{:?}", String::from_utf8_lossy(&reply));
        }
        let (result, _) = connect_through(b"HTTP/1.1 403 No\n\n".to_vec(), "http://p:1").await;
        assert!(result.unwrap_err().contains("HTTP 403"));
    }

    #[tokio::test]
    async fn connect_credentials_are_sent_byte_for_byte() {
        let reply = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
        let (result, request) = connect_through(reply, "http://u%FF:p%00%FE@p:1").await;
        assert_eq!(result, Ok(()));
        let token = base64::engine::general_purpose::STANDARD.encode(b"u\xFF:p\x00\xFE");
        assert!(
            request.contains(&format!("Proxy-Authorization: Basic {token}\r\n")),
            "{request}"
        );
    }

    #[test]
    fn environment() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let pick = |url: &str, vars| {
            choose(&ProxySetting::FromEnv, &target(url), env(vars))
                .unwrap()
                .unwrap()
                .map(|p| p.host)
        };
        let vars: &'static [(&str, &str)] = &[
            ("https_proxy", "http://secure"),
            ("HTTPS_PROXY", "http://upper"),
            ("http_proxy", "http://plain"),
            ("ALL_PROXY", "socks5://all"),
            ("no_proxy", "internal.example, .corp,10.0.0.0/8, ::1"),
        ];
        assert_eq!(pick("wss://a.example/", vars).as_deref(), Some("secure"));
        assert_eq!(pick("ws://a.example/", vars).as_deref(), Some("plain"));
        assert_eq!(pick("ws://internal.example/", vars), None);
        assert_eq!(pick("ws://x.internal.example/", vars), None);
        assert_eq!(
            pick("ws://notinternal.example/", vars).as_deref(),
            Some("plain")
        );
        assert_eq!(pick("ws://a.corp/", vars), None);
        assert_eq!(pick("ws://10.1.2.3/", vars), None);
        assert_eq!(pick("ws://11.1.2.3/", vars).as_deref(), Some("plain"));
        assert_eq!(pick("ws://[::1]/", vars), None);
        // Loopback never uses the environment's proxy (Chrome), whatever no_proxy says.
        let vars: &'static [(&str, &str)] = &[("http_proxy", "http://plain")];
        for url in [
            "ws://localhost/",
            "ws://a.localhost/",
            "ws://127.0.0.2/",
            "ws://[::1]/",
        ] {
            assert_eq!(pick(url, vars), None, "{url}");
        }
        assert_eq!(
            pick("ws://localhost.example/", vars).as_deref(),
            Some("plain")
        );
        // Upper case when lower case is absent; ALL_PROXY last.
        let vars: &'static [(&str, &str)] =
            &[("HTTPS_PROXY", "http://upper"), ("ALL_PROXY", "all")];
        assert_eq!(pick("wss://a/", vars).as_deref(), Some("upper"));
        assert_eq!(pick("ws://a/", vars).as_deref(), Some("all"));
        // httpoxy: HTTP_PROXY is ignored inside CGI, http_proxy is not.
        let vars: &'static [(&str, &str)] = &[("HTTP_PROXY", "evil"), ("REQUEST_METHOD", "GET")];
        assert_eq!(pick("ws://a/", vars), None);
        // `*` bypasses everything; an unreadable variable is not used.
        assert_eq!(
            pick("ws://a/", &[("http_proxy", "h"), ("NO_PROXY", "*")]),
            None
        );
        // A variable that names a proxy isows cannot use fails the connection (as curl),
        // naming the variable and never the password.
        for bad in [
            "ftp://h",
            "https://h",
            "socks4://h",
            "http://h:99999",
            "bob:pw@h:x",
        ] {
            let vars: &[(&'static str, &'static str)] = &[("http_proxy", bad)];
            let vars: &'static [(&'static str, &'static str)] = Vec::leak(vars.to_vec());
            let choice = choose(&ProxySetting::FromEnv, &target("ws://a/"), env(vars)).unwrap();
            match choice {
                Err(ErrorCause::Proxy(d)) => {
                    assert!(d.to_string().contains("http_proxy"), "{d}");
                    assert!(!d.to_string().contains(":pw@"), "{d}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        // ... unless the target goes direct anyway.
        assert_eq!(pick("ws://localhost/", &[("http_proxy", "ftp://h")]), None);
        // Off and an explicit URL ignore the environment.
        let t = target("ws://a/");
        let off = choose(&ProxySetting::Off, &t, env(vars)).unwrap();
        assert!(off.unwrap().is_none());
        let given = choose(&ProxySetting::Url("socks5h://p:1".into()), &t, env(&[]));
        assert_eq!(given.unwrap().unwrap().unwrap().kind, Kind::Socks5h);
    }
}
