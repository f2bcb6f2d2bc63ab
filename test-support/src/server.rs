//! The test server: re-creations of the WPT `websockets/handlers/*_wsh.py` handlers the
//! catalog uses (section 1), plus raw handlers that break the protocol on purpose.
//!
//! It shares no code with the client: the handshake and the frame codec are written here by
//! hand (RFC 6455, server side), so every byte on the wire is under the test's control. Every
//! connection is logged (request head, frames received) for server-side assertions.
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use crate::time::within;

use base64::Engine;
use sha1::{Digest, Sha1};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::TcpListener;

use crate::frames::{self, Frame};

/// Any server-side stream (plain TCP or TLS).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}
pub type BoxIo = Box<dyn Io>;

/// What the server saw on one connection.
#[derive(Debug, Clone, Default)]
pub struct ConnLog {
    pub path: String,
    pub head: String,
    pub headers: Vec<(String, String)>,
    pub frames: Vec<Frame>,
    /// The handler returned (the client closed TCP, or the handler finished).
    pub ended: bool,
}

impl ConnLog {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// `(opcode, payload length)` of every frame the client sent.
    pub fn frame_kinds(&self) -> Vec<(u8, usize)> {
        self.frames
            .iter()
            .map(|f| (f.opcode, f.payload.len()))
            .collect()
    }
    pub fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }
}

type Logs = Arc<Mutex<Vec<Arc<Mutex<ConnLog>>>>>;

/// A running test server on 127.0.0.1, plain or TLS. It stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    pub secure: bool,
    logs: Logs,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(None).await
    }

    /// A `wss://` server with a certificate for `localhost`/127.0.0.1 signed by the test CA.
    pub async fn start_tls(identity: native_tls::Identity) -> TestServer {
        Self::start_with(Some(identity)).await
    }

    /// A plain server on a given address (for the standalone `wpt_server` program).
    pub async fn start_at(addr: &str) -> TestServer {
        Self::start_on(addr, None).await
    }

    async fn start_with(identity: Option<native_tls::Identity>) -> TestServer {
        Self::start_on("127.0.0.1:0", identity).await
    }

    async fn start_on(addr: &str, identity: Option<native_tls::Identity>) -> TestServer {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let logs: Logs = Arc::default();
        let acceptor = identity.map(|id| {
            tokio_native_tls::TlsAcceptor::from(native_tls::TlsAcceptor::new(id).unwrap())
        });
        let secure = acceptor.is_some();
        let task_logs = logs.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let _ = tcp.set_nodelay(true);
                let log = Arc::new(Mutex::new(ConnLog::default()));
                task_logs.lock().unwrap().push(log.clone());
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let io: BoxIo = match acceptor {
                        Some(a) => match a.accept(tcp).await {
                            Ok(s) => Box::new(s),
                            Err(_) => return,
                        },
                        None => Box::new(tcp),
                    };
                    let _ = tokio::time::timeout(Duration::from_secs(300), serve(io, log)).await;
                });
            }
        });
        TestServer {
            addr,
            secure,
            logs,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        let scheme = if self.secure { "wss" } else { "ws" };
        format!("{scheme}://{}{path}", self.addr)
    }

    /// The logs of every connection so far.
    pub fn logs(&self) -> Vec<ConnLog> {
        self.logs
            .lock()
            .unwrap()
            .iter()
            .map(|l| l.lock().unwrap().clone())
            .collect()
    }

    /// Waits (bounded) until a connection logged a frame matching `pred`; returns that log.
    pub async fn wait_for_frame(&self, pred: impl Fn(&Frame) -> bool) -> ConnLog {
        for _ in 0..500 {
            if let Some(log) = self.logs().into_iter().find(|l| l.frames.iter().any(&pred)) {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no matching frame within 5 s; logs: {:?}", self.logs());
    }

    /// Waits (bounded) until connection `i`'s handler has returned.
    pub async fn wait_for_end(&self, i: usize) -> ConnLog {
        for _ in 0..500 {
            if let Some(log) = self.logs().into_iter().nth(i).filter(|l| l.ended) {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "connection {i} still open after 5 s: {:?}",
            self.logs().get(i)
        );
    }

    /// Waits (bounded) until `n` connections were accepted and their requests read.
    pub async fn wait_for_requests(&self, n: usize) -> Vec<ConnLog> {
        for _ in 0..500 {
            let logs = self.logs();
            if logs.iter().filter(|l| !l.head.is_empty()).count() >= n {
                return logs;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("fewer than {n} requests within 5 s");
    }
}

/// One request: path, query parameters and headers.
pub struct Request {
    pub path: String,
    pub query: String,
    pub params: HashMap<String, String>,
    pub headers: Vec<(String, String)>,
    pub key: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn protocols(&self) -> Vec<String> {
        self.header("Sec-WebSocket-Protocol")
            .map(|v| v.split(',').map(|p| p.trim().to_owned()).collect())
            .unwrap_or_default()
    }
    fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

pub fn accept_key(key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(key.as_bytes());
    sha.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

/// A 101 response with a correct accept key and `extra` header lines.
pub fn response_101(req: &Request, extra: &str) -> String {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n{extra}\r\n",
        accept_key(&req.key)
    )
}

async fn read_request(io: &mut BoxIo, log: &Mutex<ConnLog>) -> Option<Request> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    // Byte by byte: nothing after the head may be consumed (the client must not send frames
    // before the response, and the raw handlers read on from here).
    while !buf.ends_with(b"\r\n\r\n") {
        if io.read(&mut byte).await.ok()? == 0 || buf.len() > 65536 {
            return None;
        }
        buf.push(byte[0]);
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Request::new(&mut headers);
    parsed.parse(&buf).ok()?;
    let target = parsed.path?.to_owned();
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_owned(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target.clone(), String::new()),
    };
    let params = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let key = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Sec-WebSocket-Key"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    {
        let mut l = log.lock().unwrap();
        l.path = target;
        l.head = String::from_utf8_lossy(&buf).into_owned();
        l.headers = headers.clone();
    }
    Some(Request {
        path,
        query,
        params,
        headers,
        key,
    })
}

/// Routes one connection to its handler.
async fn serve(mut io: BoxIo, log: Arc<Mutex<ConnLog>>) {
    let Some(req) = read_request(&mut io, &log).await else {
        return;
    };
    let mut ws = frames::Conn::new(io, log.clone());
    ws.log_frames = !req.params.contains_key("nolog");
    let _ = handlers::handle(&mut ws, &req).await;
    log.lock().unwrap().ended = true;
}

pub mod handlers {
    //! The handlers, by path.
    use super::*;
    use crate::frames::{Conn, Msg, Op};

    fn percent_decode(s: &str) -> Vec<u8> {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() {
                if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                    out.push(v);
                    i += 3;
                    continue;
                }
            }
            out.push(b[i]);
            i += 1;
        }
        out
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    pub async fn handle(ws: &mut Conn, req: &Request) -> std::io::Result<()> {
        let sleep = tokio::time::sleep;
        match req.path.as_str() {
            // H-echo: selects `echo` if requested; echoes; "Goodbye" → echo, then Close 1000.
            "/echo" => {
                let extra = if req.protocols().iter().any(|p| p == "echo") {
                    "Sec-WebSocket-Protocol: echo\r\n"
                } else {
                    ""
                };
                ws.write_raw(response_101(req, extra).as_bytes()).await?;
                echo_loop(ws, true, Duration::ZERO).await
            }
            // H-echo_exit: reads, never replies; "Goodbye" → Close 1000.
            "/echo_exit" => {
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                loop {
                    match ws.read_msg().await? {
                        Msg::Text(t) if t == b"Goodbye" => {
                            ws.send_close(Some(1000), b"").await?;
                            return ws.finish_close().await;
                        }
                        Msg::Close(payload) => return ws.reply_close(&payload).await,
                        _ => {}
                    }
                }
            }
            // H-echo_raw: writes each message's payload unframed.
            "/echo_raw" => {
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                loop {
                    match ws.read_msg().await? {
                        Msg::Text(t) if t == b"exit" => return Ok(()),
                        Msg::Text(p) | Msg::Binary(p) => ws.write_raw(&p).await?,
                        Msg::Close(payload) => return ws.reply_close(&payload).await,
                    }
                }
            }
            // H-echo-query: sends the raw query, then Close 1000.
            "/echo-query" => {
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                ws.send(Op::Text, req.query.as_bytes()).await?;
                ws.send_close(Some(1000), b"").await?;
                ws.finish_close().await
            }
            // H-empty-message: "pass" if the first message is empty text.
            "/empty-message" => {
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                let reply: &[u8] = match ws.read_msg().await? {
                    Msg::Text(t) if t.is_empty() => b"pass",
                    _ => b"fail",
                };
                ws.send(Op::Text, reply).await?;
                echo_loop(ws, true, Duration::ZERO).await
            }
            // H-origin / H-referrer: report a request header.
            "/origin" | "/referrer" => {
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                let name = if req.path == "/origin" {
                    "Origin"
                } else {
                    "Referer"
                };
                let value = req
                    .header(name)
                    .unwrap_or("MISSING AS PER FETCH")
                    .to_owned();
                ws.send(Op::Text, value.as_bytes()).await?;
                echo_loop(ws, true, Duration::ZERO).await
            }
            // Reports the whole request head as a text message.
            "/request-head" => {
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                let head = ws.log.lock().unwrap().head.clone();
                ws.send(Op::Text, head.as_bytes()).await?;
                echo_loop(ws, true, Duration::ZERO).await
            }
            // H-protocol: selects the raw requested value verbatim and sends it.
            "/protocol" => {
                let value = req
                    .header("Sec-WebSocket-Protocol")
                    .unwrap_or("")
                    .to_owned();
                let extra = format!("Sec-WebSocket-Protocol: {value}\r\n");
                ws.write_raw(response_101(req, &extra).as_bytes()).await?;
                ws.send(Op::Text, value.as_bytes()).await?;
                echo_loop(ws, true, Duration::ZERO).await
            }
            // H-protocol_array: selects the first requested protocol and sends it.
            "/protocol_array" => {
                let first = req.protocols().first().cloned().unwrap_or_default();
                let extra = format!("Sec-WebSocket-Protocol: {first}\r\n");
                ws.write_raw(response_101(req, &extra).as_bytes()).await?;
                ws.send(Op::Text, first.as_bytes()).await?;
                echo_loop(ws, true, Duration::ZERO).await
            }
            // Answers with a chosen protocol header value (`?value=`), or twice (`&twice=1`).
            "/handshake_protocol" => {
                let value = req.param("value").unwrap_or("foobar").to_owned();
                let mut extra = format!("Sec-WebSocket-Protocol: {value}\r\n");
                if req.param("twice").is_some() {
                    extra = extra.repeat(2);
                }
                ws.write_raw(response_101(req, &extra).as_bytes()).await?;
                echo_loop(ws, true, Duration::ZERO).await
            }
            "/handshake_no_protocol" | "/handshake_no_extensions" => {
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                echo_loop(ws, true, Duration::ZERO).await
            }
            // Answers with raw extra header lines given as hex (`?hex=`), replacing nothing.
            "/handshake_extra" => {
                let extra = String::from_utf8(hex(req.param("hex").unwrap_or(""))).unwrap();
                ws.write_raw(response_101(req, &extra).as_bytes()).await?;
                echo_loop(ws, true, Duration::ZERO).await
            }
            // A whole raw response head given as hex (`?hex=`), with the right accept key
            // substituted for `ACCEPT`.
            "/raw_response" => {
                let head = String::from_utf8(hex(req.param("hex").unwrap_or(""))).unwrap();
                let head = head.replace("ACCEPT", &accept_key(&req.key));
                ws.write_raw(head.as_bytes()).await?;
                if req.param("abort").is_some() {
                    ws.abort();
                    return Ok(());
                }
                echo_loop(ws, true, Duration::ZERO).await
            }
            // H-handshake_sleep_2 (the delay is `?ms=`, default 2000).
            "/handshake_sleep_2" => {
                let ms = req.param("ms").and_then(|v| v.parse().ok()).unwrap_or(2000);
                sleep(Duration::from_millis(ms)).await;
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                echo_loop(ws, true, Duration::ZERO).await
            }
            // H-sleep_10_v13: writes "x" every 2 s, 5 times; never a valid handshake.
            "/sleep_10_v13" => {
                for _ in 0..5 {
                    ws.write_raw(b"x").await?;
                    sleep(Duration::from_secs(2)).await;
                }
                Ok(())
            }
            // Accepts TCP and never answers.
            "/never" => {
                sleep(Duration::from_secs(30)).await;
                Ok(())
            }
            // H-invalid.
            "/invalid" => ws.write_raw(b"FOO BAR BAZ\r\n\r\n").await,
            // H-wrong_accept_key: a wrong accept key, then the message "test".
            "/wrong_accept_key" => {
                let head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                            Connection: Upgrade\r\nSec-WebSocket-Accept: thisisawrongacceptkey\r\n\r\n";
                ws.write_raw(head.as_bytes()).await?;
                ws.send(Op::Text, b"test").await?;
                sleep(Duration::from_secs(2)).await;
                Ok(())
            }
            // H-simple_handshake: a hand-made 101 and a Close (1001, "PASS") in one write; then
            // reads the client's Close and aborts TCP.
            "/simple_handshake" => {
                let mut bytes = format!(
                    "HTTP/1.1 101 Switching Protocols:\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\
                     Set-Cookie: ws_test=test\r\nSec-WebSocket-Origin: http://example.com\r\n\
                     Sec-WebSocket-Accept: {}\r\n\r\n",
                    accept_key(&req.key)
                )
                .into_bytes();
                let mut body = 1001u16.to_be_bytes().to_vec();
                body.extend_from_slice(b"PASS");
                bytes.extend(frames::encode(true, 0, Op::Close as u8, &body));
                ws.write_raw(&bytes).await?;
                while !matches!(ws.read_msg().await?, Msg::Close(_)) {}
                ws.abort();
                Ok(())
            }
            // H-basic_auth.
            "/basic_auth" => {
                if req.header("Authorization") == Some("Basic Zm9vOmJhcg==") {
                    ws.write_raw(response_101(req, "").as_bytes()).await?;
                    echo_loop(ws, true, Duration::ZERO).await
                } else {
                    ws.write_raw(
                        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"camelot\"\r\n\
                          Content-Length: 0\r\n\r\n",
                    )
                    .await
                }
            }
            // H-delayed-passive-close: waits 1 s before echoing the client's Close.
            "/delayed-passive-close" => {
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                loop {
                    if let Msg::Close(payload) = ws.read_msg().await? {
                        sleep(Duration::from_secs(1)).await;
                        return ws.reply_close(&payload).await;
                    }
                }
            }
            // H-passive-close-abort: drops TCP when the client's Close arrives.
            "/passive-close-abort" => {
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                while !matches!(ws.read_msg().await?, Msg::Close(_)) {}
                ws.abort();
                Ok(())
            }
            // Replies to the client's Close but never closes TCP (catalog CL-26).
            "/close-no-eof" => {
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                loop {
                    if let Msg::Close(payload) = ws.read_msg().await? {
                        ws.send(Op::Close, &payload).await?;
                        sleep(Duration::from_secs(20)).await;
                        return Ok(());
                    }
                }
            }
            // Completes the handshake, then reads and ignores everything, Close included.
            "/silent" => {
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                sleep(Duration::from_secs(20)).await;
                Ok(())
            }
            // H-remote-close: `?code=N&reason=T` (reason percent-decoded), or `?abrupt=1`.
            "/remote-close" => {
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                if req.param("abrupt").is_some() {
                    ws.send(Op::Ping, b"").await?;
                    ws.abort();
                    return Ok(());
                }
                let code = req.param("code").and_then(|c| c.parse::<u16>().ok());
                let reason = percent_decode(req.param("reason").unwrap_or(""));
                ws.send_close(code, if code.is_some() { &reason } else { b"" })
                    .await?;
                if let Some(ms) = req.param("linger").and_then(|v| v.parse().ok()) {
                    // Keep reading (and logging) for a while before closing TCP.
                    let _ = tokio::time::timeout(Duration::from_millis(ms), async {
                        loop {
                            ws.read_frame().await?;
                        }
                        #[allow(unreachable_code)]
                        Ok::<_, std::io::Error>(())
                    })
                    .await;
                    return ws.shutdown().await;
                }
                ws.finish_close().await
            }
            // Sends "late" after `?ms=` (default 300), then Close 1000.
            "/delayed-message" => {
                let ms = req.param("ms").and_then(|v| v.parse().ok()).unwrap_or(300);
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                sleep(Duration::from_millis(ms)).await;
                ws.send(Op::Text, b"late").await?;
                ws.send_close(Some(1000), b"").await?;
                ws.finish_close().await
            }
            // After the handshake writes the raw bytes given as hex (`?hex=`), then behaves as
            // an echo server that never sends a Close of its own.
            "/raw" => {
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                ws.write_raw(&hex(req.param("hex").unwrap_or(""))).await?;
                if req.param("abort").is_some() {
                    // Reset: unread client data makes the kernel send RST.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    ws.abort();
                    return Ok(());
                }
                echo_loop(ws, false, Duration::ZERO).await
            }
            // For the setup stress test: sends "hello" right after the handshake, then echoes.
            "/send-on-open" => {
                let mut bytes = response_101(req, "").into_bytes();
                bytes.extend(frames::encode(true, 0, Op::Text as u8, b"hello"));
                ws.write_raw(&bytes).await?;
                echo_loop(ws, true, Duration::ZERO).await
            }
            // H-receive-many-with-backpressure: replies with each message's length after a
            // pause (`?ms=`, default 100).
            "/receive-many-with-backpressure" => {
                let ms = req.param("ms").and_then(|v| v.parse().ok()).unwrap_or(100);
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                loop {
                    match ws.read_msg().await? {
                        Msg::Text(p) | Msg::Binary(p) => {
                            sleep(Duration::from_millis(ms)).await;
                            ws.send(Op::Text, p.len().to_string().as_bytes()).await?;
                        }
                        Msg::Close(payload) => return ws.reply_close(&payload).await,
                    }
                }
            }
            // Reads nothing for `?ms=` after the handshake (a slow reader), then echoes.
            "/slow-reader" => {
                let ms = req.param("ms").and_then(|v| v.parse().ok()).unwrap_or(500);
                ws.write_raw(response_101(req, "").as_bytes()).await?;
                sleep(Duration::from_millis(ms)).await;
                echo_loop(ws, true, Duration::ZERO).await
            }
            // permessage-deflate: answers `Sec-WebSocket-Extensions: <ext>` (`?ext=`,
            // percent-encoded; default `permessage-deflate`; empty: none), writes the raw
            // bytes of `?hex=` if given, then echoes every message compressed with its own
            // compressor (its window and context as `ext` says), in `?frag=` frames (default
            // 1), inflating the client's compressed ones. Every frame is logged. `?bomb=N`
            // first sends N zero bytes compressed as one binary message.
            "/deflate" => {
                let ext = percent_decode(req.param("ext").unwrap_or("permessage-deflate"));
                let ext = String::from_utf8_lossy(&ext).into_owned();
                let extra = match ext.is_empty() {
                    true => String::new(),
                    false => format!("Sec-WebSocket-Extensions: {ext}\r\n"),
                };
                ws.write_raw(response_101(req, &extra).as_bytes()).await?;
                if let Some(h) = req.param("hex") {
                    ws.write_raw(&hex(h)).await?;
                }
                // `?bomb=N`: a compressed binary message of N zero bytes.
                if let Some(n) = req.param("bomb").and_then(|v| v.parse().ok()) {
                    let bomb = crate::deflate::bomb(n);
                    ws.write_raw(&frames::encode(true, 4, 2, &bomb)).await?;
                }
                let frag = req.param("frag").and_then(|v| v.parse().ok()).unwrap_or(1);
                ws.log_frames = true;
                crate::deflate::echo(ws, &ext, frag).await
            }
            // Refuses the upgrade with a body: `?status=` (default 403), `len=` bytes of
            // body (`b'a' + i % 26`), sent with a Content-Length, or chunked in 1000-byte
            // chunks (`chunked=1`), or with neither and then the end of TCP (`eof=1`); the
            // connection stays open otherwise.
            "/refuse" => {
                let status = req.param("status").unwrap_or("403");
                let len: usize = req.param("len").and_then(|v| v.parse().ok()).unwrap_or(0);
                let body: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                let mut out = format!("HTTP/1.1 {status} Refused\r\nX-Reason: test\r\n");
                if req.param("chunked").is_some() {
                    out.push_str("Transfer-Encoding: chunked\r\n\r\n");
                    let mut out = out.into_bytes();
                    for chunk in body.chunks(1000) {
                        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                        out.extend_from_slice(chunk);
                        out.extend_from_slice(b"\r\n");
                    }
                    out.extend_from_slice(b"0\r\n\r\n");
                    ws.write_raw(&out).await?;
                } else if req.param("eof").is_some() {
                    out.push_str("\r\n");
                    ws.write_raw(out.as_bytes()).await?;
                    ws.write_raw(&body).await?;
                    return ws.shutdown().await;
                } else {
                    out.push_str(&format!("Content-Length: {len}\r\n\r\n"));
                    ws.write_raw(out.as_bytes()).await?;
                    ws.write_raw(&body).await?;
                }
                sleep(Duration::from_secs(30)).await;
                Ok(())
            }
            // A status other than 101 (`?status=`, default 404), e.g. a redirect.
            _ => {
                let status = req.param("status").unwrap_or("404");
                let location = req
                    .param("location")
                    .map(|l| {
                        format!(
                            "Location: {}\r\n",
                            String::from_utf8_lossy(&percent_decode(l))
                        )
                    })
                    .unwrap_or_default();
                ws.write_raw(
                    format!("HTTP/1.1 {status} Nope\r\n{location}Content-Length: 0\r\n\r\n")
                        .as_bytes(),
                )
                .await
            }
        }
    }

    /// Echoes text as text and binary as binary. With `goodbye`, the text "Goodbye" is echoed
    /// and followed by Close 1000. The client's Close is echoed (empty body for none).
    async fn echo_loop(ws: &mut Conn, goodbye: bool, delay: Duration) -> std::io::Result<()> {
        loop {
            match ws.read_msg().await? {
                Msg::Text(t) => {
                    // Not `sleep(ZERO)`: that still waits for the timer's next 1 ms tick.
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    ws.send(Op::Text, &t).await?;
                    if goodbye && t == b"Goodbye" {
                        ws.send_close(Some(1000), b"").await?;
                        return ws.finish_close().await;
                    }
                }
                Msg::Binary(b) => ws.send(Op::Binary, &b).await?,
                Msg::Close(payload) => return ws.reply_close(&payload).await,
            }
        }
    }
}
