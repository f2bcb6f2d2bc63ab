//! The native backend: tokio + tungstenite, TLS through native-tls or rustls, proxies, and
//! one connection task per socket (`task.rs`). It implements the core's [`Backend`] for
//! [`Platform`]; nothing outside this folder names what is in it.

mod bridge;
mod buffered;
mod certificate;
mod channel;
mod commands;
mod deflate;
mod dial;
mod extension;
/// Entry points for the fuzz targets (`fuzz/`; feature `fuzzing`, not part of the API).
#[cfg(feature = "fuzzing")]
pub mod fuzz;
mod handshake;
mod handshake_line;
mod heartbeat;
mod inflate;
mod options;
mod outbox;
mod proxy;
mod read_buffer;
mod runtime;
mod task;
mod tls;
mod url;

use std::sync::Arc;
use std::task::{Context, Poll};

use self::channel::{Channel, Command};
use crate::backend::{Backend, Platform};
use crate::dispatch::SocketState;
use crate::error::{Error, ErrorCause};
use crate::message::Message;
use crate::options::Options;
use crate::websocket::ReadyState;

pub use certificate::Certificate;
pub use extension::DeflateOffer;
pub(crate) use options::NativeOptions;
pub(crate) use outbox::Outbox;

impl Backend for Platform {
    type Connection = Connection;
    type Options = NativeOptions;
    type Given = handshake::BoxIo;
    type Stream = crate::stream::socket::SocketStream;

    fn connect(options: Options, given: Option<Self::Given>) -> Result<Arc<SocketState>, Error> {
        connect(options, given)
    }

    fn block_on<T>(wait: impl FnOnce() -> T) -> Result<T, Error> {
        runtime::block_on_completion(wait)
    }

    fn handle(state: &Arc<SocketState>) -> Option<crate::WebSocket> {
        Some(crate::WebSocket::from_state(state))
    }

    /// The connection task fills it (and pauses reading at its mark).
    fn stream_options(options: &mut Options, inbox: &Arc<crate::inbox::Inbox>) {
        options.backend.inbox = Some(inbox.clone());
    }

    /// Done before `connect` (`stream_options`).
    fn fill_inbox(_: &crate::WebSocket, _: &Arc<crate::inbox::Inbox>) {}
}

#[cfg(feature = "reconnecting")]
impl crate::backend::Clock for Platform {
    fn after(delay: std::time::Duration, then: crate::backend::Timer) {
        /// Calls the timer with `false` if the task is dropped before it fires.
        struct Fire(Option<crate::backend::Timer>);
        impl Drop for Fire {
            fn drop(&mut self) {
                if let Some(then) = self.0.take() {
                    then(false);
                }
            }
        }
        let mut fire = Fire(Some(then));
        runtime::handle().spawn(async move {
            tokio::time::sleep(delay).await;
            if let Some(then) = fire.0.take() {
                then(true);
            }
        });
    }

    fn spawn(future: crate::backend::Task) {
        runtime::handle().spawn(future);
    }

    /// tokio's clock: paused and advanced with the runtime in tests.
    fn now() -> std::time::Duration {
        static ORIGIN: std::sync::OnceLock<tokio::time::Instant> = std::sync::OnceLock::new();
        let origin = *ORIGIN.get_or_init(tokio::time::Instant::now);
        tokio::time::Instant::now().saturating_duration_since(origin)
    }

    /// std's per-process random hash keys (no crate for one number a reconnect).
    fn random() -> f64 {
        use std::hash::{BuildHasher, Hasher};
        let bits = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        (bits >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The handles' side of the connection task.
pub(crate) struct Connection {
    pub(crate) channel: Arc<Channel>,
    /// `send()` beyond this fails the connection (the standard's "flagged as full").
    max_buffered_amount: Option<u64>,
    /// The server's `101`, set by the task just before `open`.
    pub(crate) response: std::sync::OnceLock<crate::HttpResponse>,
}

impl crate::backend::Connection for Connection {
    fn ready_state<B: Backend>(&self, shared: &SocketState<B>) -> ReadyState {
        shared.ready_state()
    }

    fn buffered_amount(&self) -> u64 {
        self.channel.buffered.get()
    }

    fn protocol<B: Backend>(&self, shared: &SocketState<B>) -> String {
        shared.protocol()
    }

    fn extensions<B: Backend>(&self, shared: &SocketState<B>) -> String {
        shared.extensions()
    }

    /// `send()`: counted in `bufferedAmount` in every state after CONNECTING, transmitted
    /// only while OPEN; over `max_buffered_amount` the connection fails.
    fn send<B: Backend>(&self, shared: &SocketState<B>, message: Message) -> Result<(), Error> {
        let state = shared.ready_state();
        if state == ReadyState::Connecting {
            return Err(Error::InvalidStateError(
                "Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.".into(),
            ));
        }
        let len = message.len() as u64;
        if let (ReadyState::Open, Some(max)) = (state, self.max_buffered_amount) {
            if self.channel.buffered.would_pass(len, max) {
                // The standard's "flag as full, then close the connection": error, close 1006.
                if shared.transition(ReadyState::Open, ReadyState::Closing) {
                    self.channel
                        .commands
                        .push_urgent(ErrorCause::SendBufferFull);
                }
                return Ok(());
            }
        }
        self.channel.buffered.add(len);
        if state == ReadyState::Open {
            // One queue for every thread and listener: sends leave in the order of the calls.
            // If the task has ended the socket is closing or closed: the data is discarded.
            self.channel.commands.push(Command::Send(message));
        }
        Ok(())
    }

    /// `close()` / `close(code, reason)`: the arguments are checked in every state; then
    /// CONNECTING fails the connection, OPEN starts the closing handshake (both move to
    /// CLOSING at once), CLOSING and CLOSED do nothing.
    fn close<B: Backend>(
        &self,
        shared: &SocketState<B>,
        frame: Option<(u16, &str)>,
    ) -> Result<(), Error> {
        if let Some((code, reason)) = frame {
            crate::close_args::check(code, reason)?;
        }
        loop {
            match shared.ready_state() {
                ReadyState::Connecting => {
                    if shared.transition(ReadyState::Connecting, ReadyState::Closing) {
                        self.channel
                            .commands
                            .push_urgent(ErrorCause::ClosedBeforeOpen);
                        return Ok(());
                    }
                }
                ReadyState::Open => {
                    if shared.transition(ReadyState::Open, ReadyState::Closing) {
                        let frame = frame.map(|(code, reason)| (code, reason.to_owned()));
                        self.start_closing(frame);
                        return Ok(());
                    }
                }
                ReadyState::Closing | ReadyState::Closed => return Ok(()),
            }
        }
    }

    /// The last handle is gone and no listener is left: nobody can observe the socket, so
    /// it is closed (OPEN) or abandoned (CONNECTING).
    fn release<B: Backend>(&self, shared: &SocketState<B>) {
        match shared.ready_state() {
            ReadyState::Open => self.start_closing(None),
            ReadyState::Connecting => self
                .channel
                .commands
                .push_urgent(ErrorCause::ClosedBeforeOpen),
            ReadyState::Closing | ReadyState::Closed => {}
        }
    }

    fn fail<B: Backend>(&self, shared: &SocketState<B>, cause: ErrorCause) {
        if shared.transition(ReadyState::Connecting, ReadyState::Closing)
            || shared.transition(ReadyState::Open, ReadyState::Closing)
            || shared.ready_state() == ReadyState::Closing
        {
            self.channel.commands.push_urgent(cause);
        }
    }

    fn poll_write_room<B: Backend>(
        &self,
        shared: &SocketState<B>,
        cx: &mut Context<'_>,
        writer: u64,
        limit: u64,
    ) -> Poll<()> {
        let Some(outbox) = &self.channel.outbox else {
            return Poll::Ready(());
        };
        outbox.poll_room(
            cx,
            writer,
            limit,
            || self.channel.buffered.get(),
            || shared.ready_state() != ReadyState::Open,
        )
    }

    fn drained(&self) -> bool {
        let overhead = self.channel.outbox.as_ref().map_or(0, |o| o.overhead());
        self.channel.buffered.get() + overhead == 0
    }

    fn stream_sent(&self) {
        if let Some(outbox) = &self.channel.outbox {
            outbox.sent();
        }
    }

    fn writer_left(&self, writer: u64) {
        if let Some(outbox) = &self.channel.outbox {
            outbox.leave(writer);
        }
    }
}

impl Connection {
    /// Queues the Close frame behind the data sent before it, and starts the close timeout
    /// now (the task sees the flag at once, even while it cannot write).
    fn start_closing(&self, frame: Option<(u16, String)>) {
        self.channel.commands.push(Command::Close(frame));
        self.channel.commands.flag();
    }
}

/// Checks everything (URL, then protocols, then headers) and starts the connection task, over
/// the network or over `stream`.
fn connect(
    mut options: Options,
    stream: Option<handshake::BoxIo>,
) -> Result<Arc<SocketState>, Error> {
    let target = url::parse(&options.url)?;
    crate::validate::protocols(&options.protocols)?;
    check_headers(&options.headers)?;
    // The environment is read now, as a client reads it when it is built.
    let proxy = match stream {
        Some(_) => Ok(None),
        None => proxy::choose(&options.backend.net.proxy, &target, |name| {
            std::env::var(name).ok()
        })?,
    };
    // A stream's writers wait on an outbox of their own.
    let outbox = options
        .backend
        .inbox
        .as_ref()
        .map(|_| Arc::new(Outbox::default()));
    let channel = Arc::new(Channel::new(outbox));
    let connection = Connection {
        channel: channel.clone(),
        max_buffered_amount: options.max_buffered_amount,
        response: Default::default(),
    };
    let shared = SocketState::new(
        target.serialized.clone(),
        target.origin.clone(),
        connection,
        options.observer.take(),
    );
    // Made before the task: if the runtime drops the task unpolled (it is shutting down, or
    // shuts down before the task first runs), dropping the guard still ends the socket.
    let inbox = options.backend.inbox.clone();
    let mut guard = task::EndGuard::new(shared.clone(), channel.clone(), inbox);
    if options.aborted {
        // An abort signal fired before the stream was made: no DNS lookup, no connection, no
        // place in the server's line; the socket fails at once (WHATWG: no request is made).
        shared.transition(ReadyState::Connecting, ReadyState::Closing);
        guard.fail(ErrorCause::ClosedBeforeOpen);
        return Ok(shared);
    }
    // The place in the server's line is taken now, so handshakes go in creation order.
    let transport = match stream {
        Some(stream) => task::Transport::Given(stream),
        None => task::Transport::Network(
            options.serialize_handshakes.then(|| {
                handshake_line::PlaceInLine::take(format!("{}:{}", target.host, target.port))
            }),
            proxy,
        ),
    };
    runtime::handle().spawn(task::run(guard, target, options, transport));
    Ok(shared)
}

/// Extra headers must be valid HTTP and must not touch what the protocol controls.
fn check_headers(headers: &[(String, String)]) -> Result<(), Error> {
    const RESERVED: [&str; 7] = [
        "host",
        "upgrade",
        "connection",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-protocol",
        "sec-websocket-extensions",
    ];
    for (name, value) in headers {
        let token = crate::validate::is_token(name);
        if !token || value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(Error::SyntaxError(format!(
                "'{name}' is not a valid HTTP header"
            )));
        }
        if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(Error::SyntaxError(format!(
                "'{name}' is set by the WebSocket handshake and cannot be overridden"
            )));
        }
    }
    Ok(())
}
