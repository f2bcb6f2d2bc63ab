//! The native backend: tokio + tungstenite, TLS through native-tls.

mod bridge;
mod connection;
mod handshake;
mod queue;
mod read_buffer;
mod runtime;
mod tls;
mod url;

use std::sync::Arc;

use self::queue::Queue;

use self::connection::Command;
use crate::dispatch::Shared;
use crate::error::{Error, ErrorCause};
use crate::message::Message;
use crate::options::Options;

pub(crate) use runtime::block_on_completion;

/// The handle's side of the connection task.
pub(crate) struct Connection {
    commands: Arc<Queue<Command>>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.commands.close();
    }
}

impl Connection {
    pub(crate) fn send(&self, message: Message) {
        // If the task has ended the socket is closing or closed: the data is discarded.
        self.push(Command::Send(message));
    }

    /// Queues a command; from a listener that this socket's task is running, through the
    /// task's outbox (no lock), so that the order of calls is kept either way.
    fn push(&self, command: Command) {
        if let Some(command) = connection::outbox_push(&self.commands, command) {
            self.commands.push(command);
        }
    }

    pub(crate) fn close(&self, frame: Option<(u16, String)>) {
        self.push(Command::Close(frame));
    }

    pub(crate) fn fail(&self, cause: ErrorCause) {
        self.push(Command::Fail(cause));
    }
}

/// Checks everything (URL, then protocols, then headers) and starts the connection task.
pub(crate) fn connect(options: Options) -> Result<(Arc<Shared>, Connection), Error> {
    let target = url::parse(&options.url)?;
    crate::validate::protocols(&options.protocols)?;
    check_headers(&options.headers)?;
    let shared = Arc::new(Shared::new(
        target.serialized.clone(),
        target.origin.clone(),
        options.max_buffered_amount,
    ));
    let queue = Arc::new(Queue::new());
    runtime::handle().spawn(connection::run(
        shared.clone(),
        target,
        options,
        queue.clone(),
    ));
    Ok((shared, Connection { commands: queue }))
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
