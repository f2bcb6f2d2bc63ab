//! The options only the native backend reads, and the public methods that exist natively
//! only: TLS settings, proxies, name pinning, a transport of the caller's, the upgrade
//! response. A new native option goes here: its field, its setter, and the code that reads it
//! in this folder (`ARCHITECTURE.md`).

use crate::backend::{Backend, Platform};
use crate::{WebSocket, WebSocketBuilder};

use super::dial::NetOptions;
use super::proxy::ProxySetting;
use super::tls::TlsOptions;

/// The native backend's options ([`Backend::Options`]).
#[derive(Clone)]
pub(crate) struct NativeOptions {
    /// The permessage-deflate offer (`None`: no extension offered).
    pub(crate) deflate: Option<super::DeflateOffer>,
    /// TLS settings (`tls.rs`).
    pub(crate) tls: TlsOptions,
    /// Name pinning and proxies (`dial.rs`, `proxy.rs`).
    pub(crate) net: NetOptions,
    /// A `WebSocketStream`'s queue, which the connection task fills instead of listeners.
    pub(crate) inbox: Option<std::sync::Arc<crate::inbox::Inbox>>,
}

/// permessage-deflate is offered by default, as browsers do.
impl Default for NativeOptions {
    fn default() -> Self {
        NativeOptions {
            deflate: Some(super::DeflateOffer::default()),
            tls: Default::default(),
            net: Default::default(),
            inbox: None,
        }
    }
}

impl WebSocket {
    /// The round-trip time of the last ping the server answered (a heartbeat's, see
    /// [`WebSocketBuilder::ping_interval`], or one of [`ping`](Self::ping)); `None` before
    /// the first pong. Natively only: the browser hides pings.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// let ws = isows::WebSocket::builder("ws://127.0.0.1:8080/")
    ///     .ping_interval(std::time::Duration::from_secs(5))
    ///     .connect()?;
    /// ws.opened().await?;
    /// println!("{:?}", ws.last_rtt());
    /// # Ok(()) }
    /// ```
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    pub fn last_rtt(&self) -> Option<std::time::Duration> {
        self.shared().connection.channel.rtt.get()
    }

    /// Sends one ping now, with `payload` (at most 125 bytes), outside the JS surface (as
    /// undici's `ping(ws)`); its pong updates [`last_rtt`](Self::last_rtt). In order with the
    /// messages sent before it. `InvalidStateError` unless OPEN; `SyntaxError` for a payload
    /// over 125 bytes. Natively only.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.opened().await?;
    /// ws.ping(&b"are you there"[..])?;
    /// # Ok(()) }
    /// ```
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    pub fn ping(&self, payload: impl Into<crate::Bytes>) -> Result<(), crate::Error> {
        let payload = payload.into();
        if payload.len() > 125 {
            return Err(crate::Error::SyntaxError(
                "A ping's payload must not be greater than 125 bytes.".into(),
            ));
        }
        if self.ready_state() != crate::ReadyState::Open {
            return Err(crate::Error::InvalidStateError(
                "The WebSocket is not open.".into(),
            ));
        }
        self.shared()
            .connection
            .channel
            .commands
            .push(super::channel::Command::Ping(payload));
        Ok(())
    }

    /// The server's `101 Switching Protocols` response (status and every header: cookies,
    /// server-chosen values), from the `open` event on; `None` before. Natively only: the
    /// browser does not expose it.
    ///
    /// ```no_run
    /// let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// if ws.wait_opened()?.is_ok() {
    ///     let response = ws.handshake_response().unwrap();
    ///     assert_eq!(response.status(), 101);
    ///     println!("{:?}", response.header("set-cookie"));
    /// }
    /// # Ok::<(), isows::Error>(())
    /// ```
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    pub fn handshake_response(&self) -> Option<&crate::HttpResponse> {
        self.shared().connection.response.get()
    }
}

impl WebSocketBuilder {
    /// The permessage-deflate offer (RFC 7692; native only: the browser makes its own).
    /// By default isows offers what Chromium offers, `permessage-deflate;
    /// client_max_window_bits`, and inflates what the server compresses (bounded by
    /// [`max_message_size`](Self::max_message_size) and
    /// [`max_frame_size`](Self::max_frame_size), counted inflated); its own messages go
    /// uncompressed. `None` offers nothing; an offer with `server_no_context_takeover` or a
    /// small `server_max_window_bits` asks the server for less memory per connection.
    /// [`WebSocket::extensions`] gives what the server accepted.
    ///
    /// ```
    /// use isows::{DeflateOffer, WebSocket};
    /// let plain = WebSocket::builder("ws://h/").permessage_deflate(None);
    /// let lean = WebSocket::builder("ws://h/").permessage_deflate(Some(DeflateOffer {
    ///     server_no_context_takeover: true,
    ///     ..DeflateOffer::default()
    /// }));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    pub fn permessage_deflate(mut self, offer: Option<super::DeflateOffer>) -> Self {
        self.options.backend.deflate = offer;
        self
    }

    /// Use this TLS connector for `wss://` instead of the default (native only).
    ///
    /// ```no_run
    /// let tls = isows::native_tls::TlsConnector::new().unwrap();
    /// let b = isows::WebSocket::builder("wss://h/").tls_connector(tls);
    /// ```
    #[cfg(feature = "native-tls")]
    #[cfg_attr(
        docsrs,
        doc(cfg(all(feature = "native-tls", not(target_arch = "wasm32"))))
    )]
    pub fn tls_connector(mut self, connector: native_tls::TlsConnector) -> Self {
        self.options.backend.tls.connector = Some(connector);
        self
    }

    /// Use this rustls configuration for `wss://` (native only, feature `rustls` or
    /// `rustls-platform-roots`): its roots, client certificates, ALPN, verifier. It wins over
    /// [`add_root_certificate`](Self::add_root_certificate) and, with both TLS features
    /// compiled in, selects rustls for this socket.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use isows::rustls;
    /// let provider = Arc::new(rustls::crypto::ring::default_provider());
    /// let config = rustls::ClientConfig::builder_with_provider(provider)
    ///     .with_safe_default_protocol_versions()
    ///     .unwrap()
    ///     .with_root_certificates(rustls::RootCertStore::empty())
    ///     .with_no_client_auth();
    /// let b = isows::WebSocket::builder("wss://h/").rustls_config(Arc::new(config));
    /// ```
    #[cfg(feature = "rustls-core")]
    #[cfg_attr(
        docsrs,
        doc(cfg(all(
            any(feature = "rustls", feature = "rustls-platform-roots"),
            not(target_arch = "wasm32")
        )))
    )]
    pub fn rustls_config(mut self, config: std::sync::Arc<rustls::ClientConfig>) -> Self {
        self.options.backend.tls.rustls = Some(config);
        self
    }

    /// Trust this root certificate too, besides the TLS library's default roots (native
    /// only; with native-tls the system's store, with rustls those of the features: Mozilla's
    /// for `rustls`, the system's for `rustls-platform-roots`).
    ///
    /// ```no_run
    /// let pem = std::fs::read("ca.pem").unwrap();
    /// let ca = isows::Certificate::from_pem(&pem)?;
    /// let b = isows::WebSocket::builder("wss://h/").add_root_certificate(ca);
    /// # Ok::<(), isows::Error>(())
    /// ```
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    pub fn add_root_certificate(mut self, certificate: crate::Certificate) -> Self {
        self.options.backend.tls.root_certificates.push(certificate);
        self
    }

    /// Go through this proxy (native only): `http://[user:password@]host[:port]` (HTTP
    /// `CONNECT`, with Basic proxy authentication), `socks5://…` (SOCKS5, the name resolved
    /// here) or `socks5h://…` (the proxy resolves it); no scheme means `http://`, the port
    /// defaults to 1080, as curl reads them. Checked by [`connect`](Self::connect): a bad URL
    /// is a `SyntaxError`. Without this call the environment decides (`https_proxy` for
    /// `wss://`, `http_proxy` for `ws://`, then `all_proxy`, and `no_proxy`; see the README).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("wss://example.com/").proxy("http://user:pw@proxy.corp:3128");
    /// let err = isows::WebSocket::builder("ws://h/").proxy("ftp://p").connect().unwrap_err();
    /// assert_eq!(err.name(), "SyntaxError");
    /// ```
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    pub fn proxy(mut self, url: &str) -> Self {
        self.options.backend.net.proxy = ProxySetting::Url(url.to_owned());
        self
    }

    /// Connect directly, whatever the proxy variables of the environment say (native only).
    ///
    /// ```
    /// let b = isows::WebSocket::builder("ws://127.0.0.1:9/").no_proxy();
    /// ```
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    pub fn no_proxy(mut self) -> Self {
        self.options.backend.net.proxy = ProxySetting::Off;
        self
    }

    /// Resolve `host` to these addresses instead of asking DNS (native only), as reqwest's
    /// `resolve_to_addrs`: they are tried in Happy Eyeballs order. An address with port 0
    /// takes the URL's port. The URL, `Host` header and TLS name stay `host`.
    ///
    /// ```
    /// let addrs = ["127.0.0.1:0".parse().unwrap()];
    /// let b = isows::WebSocket::builder("ws://echo.test:8080/").resolve_to_addrs("echo.test", &addrs);
    /// ```
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    pub fn resolve_to_addrs(mut self, host: &str, addrs: &[std::net::SocketAddr]) -> Self {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        self.options
            .backend
            .net
            .resolve
            .push((host, addrs.to_vec()));
        self
    }

    /// Like [`connect`](Self::connect), over a stream you opened yourself (native only): a
    /// Unix socket, an in-memory duplex, a tunnel. The URL still gives the `Host`, the
    /// resource and the origin, and `wss://` still runs TLS (over your stream); every check of
    /// the handshake and after is kept. No DNS lookup, no connection of isows' own, and no
    /// wait for other handshakes to the same server.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), isows::Error> {
    /// let (client, _server) = tokio::io::duplex(4096);
    /// let ws = isows::WebSocket::builder("ws://in-memory/").connect_with_stream(client)?;
    /// assert_eq!(ws.ready_state(), isows::WebSocket::CONNECTING);
    /// # Ok(()) }
    /// ```
    #[cfg_attr(docsrs, doc(cfg(not(target_arch = "wasm32"))))]
    pub fn connect_with_stream<S>(self, stream: S) -> Result<WebSocket, crate::Error>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        Ok(WebSocket::from_state(&Platform::connect(
            self.options,
            Some(Box::new(stream)),
        )?))
    }
}
