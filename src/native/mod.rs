//! The native backend: tokio + tungstenite, TLS through native-tls.

mod bridge;
mod burst;
mod certificate;
mod commands;
mod dial;
mod handshake;
mod outbox;
mod proxy;
mod read_buffer;
mod runtime;
mod task;
mod tls;
mod turns;
mod url;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use self::commands::CommandQueue;

use self::task::Command;
use crate::backend::Backend;
use crate::dispatch::SocketState;
use crate::error::{Error, ErrorCause};
use crate::message::Message;
use crate::options::Options;
use crate::websocket::ReadyState;

pub(crate) use burst::BurstCache;
pub use certificate::Certificate;
pub(crate) use dial::NetOptions;
pub(crate) use outbox::Outbox;
pub(crate) use proxy::ProxySetting;
pub(crate) use runtime::block_on_completion;
pub(crate) use tls::TlsOptions;

/// The handles' side of the connection task.
pub(crate) struct Connection {
    commands: Arc<task::Commands>,
    /// `send()` beyond this fails the connection (the standard's "flagged as full").
    max_buffered_amount: Option<u64>,
    /// The server's `101`, set by the task just before `open`.
    pub(crate) response: std::sync::OnceLock<crate::HttpResponse>,
}

/// The backend's side of the handle's methods (the wasm32 backend has the same ones).
impl Backend for Connection {
    fn ready_state(&self, shared: &SocketState) -> ReadyState {
        shared.ready_state()
    }

    fn buffered_amount(&self, _: &SocketState) -> u64 {
        self.commands.buffered_amount.load(Ordering::Acquire)
    }

    fn protocol(&self, shared: &SocketState) -> String {
        shared.protocol()
    }

    fn extensions(&self, shared: &SocketState) -> String {
        shared.extensions()
    }

    /// `send()`: counted in `bufferedAmount` in every state after CONNECTING, transmitted
    /// only while OPEN; over `max_buffered_amount` the connection fails.
    fn send(&self, shared: &SocketState, message: Message) -> Result<(), Error> {
        let state = shared.ready_state();
        if state == ReadyState::Connecting {
            return Err(Error::InvalidStateError(
                "Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.".into(),
            ));
        }
        let len = message.len() as u64;
        if let (ReadyState::Open, Some(max)) = (state, self.max_buffered_amount) {
            if self.commands.buffered_amount.load(Ordering::Acquire) + len > max {
                // The standard's "flag as full, then close the connection": error, close 1006.
                if shared.transition(ReadyState::Open, ReadyState::Closing) {
                    self.commands.push_urgent(ErrorCause::SendBufferFull);
                }
                return Ok(());
            }
        }
        self.commands
            .buffered_amount
            .fetch_add(len, Ordering::AcqRel);
        if state == ReadyState::Open {
            // One queue for every thread and listener: sends leave in the order of the calls.
            // If the task has ended the socket is closing or closed: the data is discarded.
            self.commands.push(Command::Send(message));
        }
        Ok(())
    }

    /// `close()` / `close(code, reason)`: the arguments are checked in every state; then
    /// CONNECTING fails the connection, OPEN starts the closing handshake (both move to
    /// CLOSING at once), CLOSING and CLOSED do nothing.
    fn close(&self, shared: &SocketState, frame: Option<(u16, &str)>) -> Result<(), Error> {
        if let Some((code, reason)) = frame {
            crate::close_args::check(code, reason)?;
        }
        loop {
            match shared.ready_state() {
                ReadyState::Connecting => {
                    if shared.transition(ReadyState::Connecting, ReadyState::Closing) {
                        self.commands.push_urgent(ErrorCause::ClosedBeforeOpen);
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
    fn release(&self, shared: &SocketState) {
        match shared.ready_state() {
            ReadyState::Open => self.start_closing(None),
            ReadyState::Connecting => self.commands.push_urgent(ErrorCause::ClosedBeforeOpen),
            ReadyState::Closing | ReadyState::Closed => {}
        }
    }
}

impl Connection {
    /// A connection with no task behind it, for the loom model of the dispatcher.
    #[cfg(all(test, isows_loom))]
    pub(crate) fn for_model() -> Connection {
        Connection {
            commands: Arc::new(CommandQueue::new()),
            max_buffered_amount: None,
            response: Default::default(),
        }
    }

    /// Queues the Close frame behind the data sent before it, and starts the close timeout
    /// now (the task sees the flag at once, even while it cannot write).
    fn start_closing(&self, frame: Option<(u16, String)>) {
        self.commands.push(Command::Close(frame));
        self.commands.flag();
    }
}

/// Checks everything (URL, then protocols, then headers) and starts the connection task, over
/// the network or over `stream`.
pub(crate) fn connect(
    options: Options,
    stream: Option<handshake::BoxIo>,
) -> Result<Arc<SocketState>, Error> {
    let target = url::parse(&options.url)?;
    crate::validate::protocols(&options.protocols)?;
    check_headers(&options.headers)?;
    // The environment is read now, as a client reads it when it is built.
    let proxy = match stream {
        Some(_) => Ok(None),
        None => proxy::choose(&options.net.proxy, &target, |name| std::env::var(name).ok())?,
    };
    let queue = Arc::new(CommandQueue::new());
    let connection = Connection {
        commands: queue.clone(),
        max_buffered_amount: options.max_buffered_amount,
        response: Default::default(),
    };
    let shared = SocketState::new(target.serialized.clone(), target.origin.clone(), connection);
    // Made before the task: if the runtime drops the task unpolled (it is shutting down, or
    // shuts down before the task first runs), dropping the guard still ends the socket.
    let stream_queues = options.inbox.clone().zip(options.outbox.clone());
    let stream_queues = stream_queues.map(|(inbox, outbox)| task::StreamQueues { inbox, outbox });
    let mut guard = task::EndGuard::new(shared.clone(), queue.clone(), stream_queues);
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
            options
                .serialize_handshakes
                .then(|| turns::Ticket::take(format!("{}:{}", target.host, target.port))),
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

/// For the fuzz targets (`crate::fuzz`).
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_check_response(buf: &[u8], key: &str, protocols: &[String]) -> bool {
    handshake::check_response(buf, key, protocols).is_ok()
}

/// For the fuzz targets: the serialized URL, or the error.
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_parse_url(input: &str) -> Result<String, Error> {
    url::parse(input).map(|t| t.serialized)
}
