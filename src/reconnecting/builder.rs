//! What [`ReconnectingWebSocket::builder`] collects: the socket's own options (every attempt
//! uses them), where each attempt connects to, and the reconnection rules, with
//! `reconnecting-websocket`'s defaults.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::backoff::Backoff;
use super::{ReconnectingWebSocket, Shared};
use crate::backend::{Platform, Task};
use crate::builder::WebSocketBuilder;
use crate::error::{Detail, Error};
use crate::event::CloseEvent;
use crate::message::Message;
use crate::options::Options;
use crate::primitives::{Lock, MaybeSend};

/// Where one attempt connects: a URL, and the subprotocols if they change too. What a URL
/// provider ([`ReconnectingBuilder::url_provider`]) returns.
///
/// ```
/// use isows::Target;
/// let plain: Target = "wss://example.com/feed".into();
/// let with_protocols = Target::from(("wss://example.com/feed", ["v2.feed"]));
/// assert_eq!(plain.url(), with_protocols.url());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    url: String,
    protocols: Option<Vec<String>>,
}

impl Target {
    /// The URL to connect to.
    ///
    /// ```
    /// assert_eq!(isows::Target::from("ws://h/").url(), "ws://h/");
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl From<String> for Target {
    fn from(url: String) -> Self {
        Target {
            url,
            protocols: None,
        }
    }
}

impl From<&str> for Target {
    fn from(url: &str) -> Self {
        url.to_owned().into()
    }
}

impl<U: Into<String>, I: IntoIterator<Item = S>, S: AsRef<str>> From<(U, I)> for Target {
    fn from((url, protocols): (U, I)) -> Self {
        Target {
            url: url.into(),
            protocols: Some(
                protocols
                    .into_iter()
                    .map(|p| p.as_ref().to_owned())
                    .collect(),
            ),
        }
    }
}

/// A URL provider, type-erased: starts the task that resolves attempt `n`'s target and
/// then starts the attempt. (The task is spawned here, in code made only for a provider: a
/// `.wasm` without one has no executor in it.)
pub(crate) trait Provide: MaybeSend {
    fn provide(&mut self, shared: &Arc<Shared>, attempt: u64);
}

impl<F: FnMut(&Arc<Shared>, u64) + MaybeSend> Provide for F {
    fn provide(&mut self, shared: &Arc<Shared>, attempt: u64) {
        self(shared, attempt)
    }
}

/// `should_reconnect`, type-erased.
pub(crate) trait Decide: MaybeSend {
    fn decide(&mut self, close: &CloseEvent) -> bool;
}

impl<F: FnMut(&CloseEvent) -> bool + MaybeSend> Decide for F {
    fn decide(&mut self, close: &CloseEvent) -> bool {
        self(close)
    }
}

/// Where attempts connect to.
pub(crate) enum Source {
    Fixed,
    Provider(Lock<Box<dyn Provide>>),
}

/// The application-level heartbeat.
#[derive(Clone)]
pub(crate) struct Heartbeat {
    pub(crate) message: Message,
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
}

/// The rules, fixed at `connect()`.
pub(crate) struct Settings {
    pub(crate) max_retries: Option<u32>,
    pub(crate) backoff: Backoff,
    pub(crate) min_uptime: Duration,
    pub(crate) connection_timeout: Option<Duration>,
    pub(crate) max_enqueued_messages: usize,
    pub(crate) max_enqueued_bytes: usize,
    pub(crate) start_closed: bool,
    pub(crate) should_reconnect: Option<Lock<Box<dyn Decide>>>,
    pub(crate) heartbeat: Option<Heartbeat>,
}

/// The default rule for a close the application did not ask for: reconnect, except after
/// 1008 (Policy Violation) and codes 4400–4499 (an application's "client error", as
/// graphql-ws uses 4400 bad request, 4401 unauthorized, 4403 forbidden): trying again with
/// the same request would be refused again.
///
/// ```
/// # fn f(e: &isows::CloseEvent) -> bool {
/// isows::ReconnectingWebSocket::default_should_reconnect(e)
/// # }
/// ```
pub(crate) fn default_should_reconnect(close: &CloseEvent) -> bool {
    !(close.code() == 1008 || (4400..=4499).contains(&close.code()))
}

/// Collects a [`ReconnectingWebSocket`]'s options; [`connect`](Self::connect) starts it.
/// Made by [`ReconnectingWebSocket::builder`] or from a socket's builder with
/// [`WebSocketBuilder::reconnecting`], whose options (headers, TLS, proxy, limits, heartbeat
/// pings) every attempt uses.
///
/// ```no_run
/// use std::time::Duration;
/// let ws = isows::WebSocket::builder("wss://example.com/feed")
///     .protocols(["v2.feed"])
///     .reconnecting()
///     .max_retries(Some(10))
///     .reconnection_delay(Duration::from_millis(500), Duration::from_secs(30))
///     .connect()?;
/// # Ok::<(), isows::Error>(())
/// ```
#[must_use = "call connect() to start the socket"]
pub struct ReconnectingBuilder {
    pub(crate) options: Options,
    pub(crate) source: Source,
    pub(crate) settings: Settings,
}

impl std::fmt::Debug for ReconnectingBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.settings;
        f.debug_struct("ReconnectingBuilder")
            .field("url", &crate::redact::redact(&self.options.url))
            .field("url_provider", &matches!(self.source, Source::Provider(_)))
            .field("max_retries", &s.max_retries)
            .field("backoff", &s.backoff)
            .field("min_uptime", &s.min_uptime)
            .field("connection_timeout", &s.connection_timeout)
            .field("max_enqueued_messages", &s.max_enqueued_messages)
            .field("start_closed", &s.start_closed)
            .finish_non_exhaustive()
    }
}

impl WebSocketBuilder {
    /// A [`ReconnectingWebSocket`] whose every attempt uses these options.
    ///
    /// ```no_run
    /// let ws = isows::WebSocket::builder("ws://127.0.0.1:8080/")
    ///     .protocols(["chat"])
    ///     .reconnecting()
    ///     .connect()?;
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn reconnecting(self) -> ReconnectingBuilder {
        ReconnectingBuilder {
            options: self.options,
            source: Source::Fixed,
            settings: Settings {
                max_retries: None,
                backoff: Backoff {
                    min: Duration::from_secs(1),
                    max: Duration::from_secs(10),
                    grow: 1.3,
                    jitter: 0.5,
                },
                min_uptime: Duration::from_secs(5),
                connection_timeout: Some(Duration::from_secs(4)),
                max_enqueued_messages: 1024,
                max_enqueued_bytes: crate::HELD_MESSAGE_BYTES,
                start_closed: false,
                should_reconnect: None,
                heartbeat: None,
            },
        }
    }
}

impl ReconnectingBuilder {
    /// How many reconnections in a row (without a stable connection between them) before it
    /// gives up; `None` (the default) never gives up.
    ///
    /// ```
    /// let b = isows::ReconnectingWebSocket::builder("ws://h/").max_retries(Some(3));
    /// ```
    pub fn max_retries(mut self, retries: Option<u32>) -> Self {
        self.settings.max_retries = retries;
        self
    }

    /// The first reconnection waits `min` (default 1 s); each next one `grow` times more (see
    /// [`reconnection_delay_grow_factor`](Self::reconnection_delay_grow_factor)), at most
    /// `max` (default 10 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let b = isows::ReconnectingWebSocket::builder("ws://h/")
    ///     .reconnection_delay(Duration::from_millis(100), Duration::from_secs(5));
    /// ```
    pub fn reconnection_delay(mut self, min: Duration, max: Duration) -> Self {
        self.settings.backoff.min = min;
        self.settings.backoff.max = max;
        self
    }

    /// How much each delay grows (default 1.3; values below 1 count as 1).
    ///
    /// ```
    /// let b = isows::ReconnectingWebSocket::builder("ws://h/").reconnection_delay_grow_factor(2.0);
    /// ```
    pub fn reconnection_delay_grow_factor(mut self, factor: f64) -> Self {
        self.settings.backoff.grow = if factor >= 1.0 { factor } else { 1.0 };
        self
    }

    /// The share of each delay that is random (default 0.5: a delay `d` waits between `d/2`
    /// and `d`), so that many clients of a server that restarts do not all come back at
    /// once. Clamped to `[0, 1]`; 0 waits exactly.
    ///
    /// ```
    /// let b = isows::ReconnectingWebSocket::builder("ws://h/").jitter(0.0);
    /// ```
    pub fn jitter(mut self, share: f64) -> Self {
        self.settings.backoff.jitter = if share.is_nan() {
            0.0
        } else {
            share.clamp(0.0, 1.0)
        };
        self
    }

    /// How long a connection must stay open to count as stable (default 5 s): the retry
    /// count, and so the delay, start again from the first after it.
    ///
    /// ```
    /// let b = isows::ReconnectingWebSocket::builder("ws://h/").min_uptime(std::time::Duration::from_secs(30));
    /// ```
    pub fn min_uptime(mut self, uptime: Duration) -> Self {
        self.settings.min_uptime = uptime;
        self
    }

    /// How long an attempt may stay CONNECTING (default 4 s) before it is failed (`error`
    /// with [`ErrorCause::Timeout`](crate::ErrorCause::Timeout), `close` 1006) and retried;
    /// `None` leaves it to the socket's own limits.
    ///
    /// ```
    /// let b = isows::ReconnectingWebSocket::builder("ws://h/").connection_timeout(None);
    /// ```
    pub fn connection_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.settings.connection_timeout = timeout;
        self
    }

    /// How many messages `send()` queues while the socket is down (default 1,024; they also
    /// may not cost more than 16 MiB). Past it `send()` fails with `QuotaExceededError`;
    /// nothing is dropped silently.
    ///
    /// ```
    /// let b = isows::ReconnectingWebSocket::builder("ws://h/").max_enqueued_messages(0);
    /// ```
    pub fn max_enqueued_messages(mut self, messages: usize) -> Self {
        self.settings.max_enqueued_messages = messages;
        self
    }

    /// Starts with no connection (CLOSED) until [`reconnect`](ReconnectingWebSocket::reconnect).
    ///
    /// ```
    /// let ws = isows::ReconnectingWebSocket::builder("ws://127.0.0.1:9/").start_closed(true).connect()?;
    /// assert_eq!(ws.ready_state(), isows::ReadyState::Closed);
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn start_closed(mut self, start_closed: bool) -> Self {
        self.settings.start_closed = start_closed;
        self
    }

    /// Whether to reconnect after a close the application did not ask for (partysocket's
    /// `shouldReconnectOnClose`); the default is
    /// [`ReconnectingWebSocket::default_should_reconnect`]. After `close()` it never
    /// reconnects, whatever this says.
    ///
    /// ```
    /// let b = isows::ReconnectingWebSocket::builder("ws://h/")
    ///     .should_reconnect(|close| close.code() != 4000);
    /// ```
    pub fn should_reconnect(
        mut self,
        decide: impl FnMut(&CloseEvent) -> bool + MaybeSend + 'static,
    ) -> Self {
        self.settings.should_reconnect = Some(Lock::new(Box::new(decide)));
        self
    }

    /// The application-level heartbeat, on both backends (a page cannot send pings): every
    /// `interval` after the open `message` is sent, and when no message at all arrives within
    /// `timeout` after it, the connection is failed (`error` with
    /// [`ErrorCause::HeartbeatTimeout`](crate::ErrorCause::HeartbeatTimeout), `close` 1006;
    /// in the browser a `close()`, whose events come when the browser gives up) and retried.
    /// The server's answers are messages like any other.
    ///
    /// ```
    /// use std::time::Duration;
    /// let b = isows::ReconnectingWebSocket::builder("ws://h/")
    ///     .heartbeat("ping", Duration::from_secs(20), Duration::from_secs(5));
    /// ```
    pub fn heartbeat(
        mut self,
        message: impl Into<Message>,
        interval: Duration,
        timeout: Duration,
    ) -> Self {
        self.settings.heartbeat = Some(Heartbeat {
            message: message.into(),
            interval,
            timeout,
        });
        self
    }

    /// Asks `provider` for the target (URL, and subprotocols if they change) before every
    /// attempt (a fresh token, another host); it replaces the builder's URL. A provider that
    /// returns an error or panics fails that attempt (`error` with
    /// [`ErrorCause::UrlProvider`](crate::ErrorCause::UrlProvider), `close` 1006), which is
    /// retried as any other. Natively the future runs on the socket's runtime; in the
    /// browser on the page's event loop.
    ///
    /// ```no_run
    /// let ws = isows::ReconnectingWebSocket::builder("ws://unused/")
    ///     .url_provider(|| async { Ok::<_, std::io::Error>(format!("wss://example.com/?token={}", "t")) })
    ///     .connect()?;
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn url_provider<F, Fut, T, E>(mut self, mut provider: F) -> Self
    where
        F: FnMut() -> Fut + MaybeSend + 'static,
        Fut: Future<Output = Result<T, E>> + MaybeSend + 'static,
        T: Into<Target>,
        E: std::fmt::Display,
    {
        let provide = move |shared: &Arc<Shared>, attempt: u64| {
            let future = provider();
            // If the runtime drops the task before it ends, the socket ends (`Gone`).
            let mut gone = super::lifecycle::Gone::new(shared, attempt);
            let shared = shared.clone();
            let task: Task = Box::pin(async move {
                let result = super::lifecycle::catch_unwind(future)
                    .await
                    .map_err(|_| Detail::from("the URL provider panicked"))
                    .and_then(|r| r.map(Into::into).map_err(|e| Detail::from(e.to_string())));
                gone.disarm();
                shared.start(attempt, result);
            });
            <Platform as crate::backend::Clock>::spawn(task);
        };
        self.source = Source::Provider(Lock::new(Box::new(provide)));
        self
    }

    /// [`url_provider`](Self::url_provider) for a provider that needs no waiting.
    ///
    /// ```no_run
    /// let hosts = ["ws://10.0.0.1/", "ws://10.0.0.2/"];
    /// let mut next = 0;
    /// let ws = isows::ReconnectingWebSocket::builder("ws://unused/")
    ///     .url_fn(move || { next += 1; Ok::<_, String>(hosts[next % 2]) })
    ///     .connect()?;
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn url_fn<F, T, E>(self, mut provider: F) -> Self
    where
        F: FnMut() -> Result<T, E> + MaybeSend + 'static,
        T: Into<Target> + MaybeSend + 'static,
        E: std::fmt::Display + MaybeSend + 'static,
    {
        self.url_provider(move || {
            let result = provider();
            std::future::ready(result)
        })
    }

    /// Checks the options and starts the first attempt (unless
    /// [`start_closed`](Self::start_closed)). With a fixed URL a bad URL, subprotocol or
    /// option is refused here, as by [`WebSocketBuilder::connect`]; a provider's targets
    /// are checked at each attempt.
    ///
    /// ```
    /// let err = isows::ReconnectingWebSocket::new("ftp://h/").unwrap_err();
    /// assert_eq!(err.name(), "SyntaxError");
    /// ```
    pub fn connect(self) -> Result<ReconnectingWebSocket, Error> {
        ReconnectingWebSocket::start(self)
    }
}

impl Target {
    /// Applies the target to an attempt's options.
    pub(crate) fn apply(self, options: &mut Options) {
        options.url = self.url;
        if let Some(protocols) = self.protocols {
            options.protocols = protocols;
        }
    }
}
