//! The core's stream backing: a `WebSocketStream` over an isows `WebSocket` (natively always;
//! in the browser over its `WebSocket` where the page has no `WebSocketStream`, or with
//! `over_websocket()`). The socket's messages go to a bounded [`Inbox`] instead of listeners
//! (the backend fills it); writers wait for room through the backend's connection.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use super::backing::{Parts, ReadBacking, StreamBacking, WriteBacking};
use super::{AbortHandle, CloseInfo, WebSocketError, WebSocketStreamBuilder};
use crate::backend::{Backend, Connection, Platform};
use crate::dispatch::SocketState;
use crate::error::Error;
use crate::event::{CloseEvent, MessageData};
use crate::inbox::Inbox;
use crate::message::Message;
use crate::primitives::Deque;
use crate::waiters::next_id;
use crate::websocket::{ReadyState, WebSocket};

/// What a stream's parts share: the socket, its queue, and the error objects (made once).
pub(crate) struct StreamState {
    ws: WebSocket,
    inbox: Arc<Inbox>,
    write_high_water: u64,
    aborted: AtomicBool,
    abort_error: OnceLock<WebSocketError>,
    opened_error: OnceLock<WebSocketError>,
    closed_error: OnceLock<WebSocketError>,
    invalid_state: OnceLock<WebSocketError>,
}

impl Drop for StreamState {
    /// The stream, its reader and its writer are all gone: nobody can read or write, so the
    /// socket closes (abandoned while connecting), as a collected browser socket does.
    fn drop(&mut self) {
        self.ws.close();
    }
}

impl StreamState {
    fn abort(&self) {
        if self.ws.ready_state() == ReadyState::Connecting {
            self.aborted.store(true, Ordering::SeqCst);
            self.ws.close();
        }
    }

    fn aborted(&self) -> Option<WebSocketError> {
        self.aborted.load(Ordering::SeqCst).then(|| {
            self.abort_error
                .get_or_init(|| {
                    let message = "The operation was aborted.";
                    WebSocketError::make("AbortError", message, None, "", None)
                })
                .clone()
        })
    }

    /// `closed`'s result for a close event.
    fn closed_result(&self, close: &CloseEvent) -> Result<CloseInfo, WebSocketError> {
        if let Some(abort) = self.aborted() {
            return Err(abort);
        }
        if close.was_clean() {
            return Ok(CloseInfo {
                close_code: Some(close.code()),
                reason: close.reason().to_owned(),
            });
        }
        Err(self
            .closed_error
            .get_or_init(|| {
                WebSocketError::make(
                    "WebSocketError",
                    "The WebSocket closed without a closing handshake.",
                    Some(close.code()),
                    close.reason(),
                    close.cause.shared(),
                )
            })
            .clone())
    }

    /// What a write gets once the stream is not open: the unclean close's error, or one
    /// `InvalidStateError`.
    fn write_error(&self) -> WebSocketError {
        let closed = self
            .socket()
            .closed
            .poll(&mut Context::from_waker(std::task::Waker::noop()));
        if let Poll::Ready(close) = closed {
            if let Err(e) = self.closed_result(&close) {
                return e;
            }
        }
        self.invalid_state
            .get_or_init(|| {
                let message = "The WebSocketStream is closing or closed.";
                WebSocketError::make("InvalidStateError", message, None, "", None)
            })
            .clone()
    }

    /// The socket's shared state (its `opened`, `closed` and connection).
    fn socket(&self) -> &SocketState {
        self.ws.shared()
    }

    fn conn(&self) -> &<Platform as Backend>::Connection {
        &self.socket().connection
    }

    /// `close()` with a reason from `cancel`/`abort`: a code only from a `WebSocketError`.
    fn close_with_reason(&self, reason: Option<&WebSocketError>) {
        match reason.and_then(|e| e.close_code().map(|c| (c, e.reason()))) {
            Some((code, reason)) => {
                if self.ws.close_with(code, reason).is_err() {
                    self.ws.close();
                }
            }
            None => self.ws.close(),
        }
    }
}

/// A stream over an isows `WebSocket`.
#[derive(Clone)]
pub(crate) struct SocketStream(Arc<StreamState>);

impl StreamBacking for SocketStream {
    type Reader = SocketReader;
    type Writer = SocketWriter;

    fn connect(builder: WebSocketStreamBuilder) -> Result<Self, Error> {
        let pre_aborted = builder.signal.as_ref().is_some_and(AbortHandle::is_aborted);
        let inbox = Arc::new(Inbox::new(builder.read_high_water));
        let mut socket = builder.socket;
        Platform::stream_options(&mut socket.options, &inbox);
        // Looked at before the socket exists: an aborted signal makes no request at all.
        socket.options.aborted = pre_aborted;
        let ws = socket.connect()?;
        Platform::fill_inbox(&ws, &inbox);
        let state = Arc::new(StreamState {
            ws,
            inbox,
            write_high_water: builder.write_high_water,
            aborted: AtomicBool::new(pre_aborted),
            abort_error: OnceLock::new(),
            opened_error: OnceLock::new(),
            closed_error: OnceLock::new(),
            invalid_state: OnceLock::new(),
        });
        if let Some(signal) = &builder.signal {
            let weak = Arc::downgrade(&state);
            signal.register(Box::new(move || {
                if let Some(state) = weak.upgrade() {
                    state.abort();
                }
            }));
        }
        Ok(SocketStream(state))
    }

    fn url(&self) -> &str {
        self.0.ws.url()
    }

    async fn opened(&self) -> Result<Parts<Self>, WebSocketError> {
        let state = &self.0;
        let opened = state.socket().opened.wait_async().await;
        if let Some(abort) = state.aborted() {
            return Err(abort);
        }
        match opened {
            Ok(()) => Ok(Parts {
                reader: SocketReader {
                    state: state.clone(),
                    id: next_id(),
                    taken: Deque::new(),
                    done: false,
                },
                writer: SocketWriter {
                    state: state.clone(),
                    id: next_id(),
                },
                protocol: state.ws.protocol(),
                extensions: state.ws.extensions(),
            }),
            Err(close) => Err(state
                .opened_error
                .get_or_init(|| {
                    WebSocketError::make(
                        "WebSocketError",
                        "The WebSocket connection could not be established.",
                        None,
                        "",
                        close.cause.shared(),
                    )
                })
                .clone()),
        }
    }

    fn poll_closed(&self, cx: &mut Context<'_>) -> Poll<Result<CloseInfo, WebSocketError>> {
        let state = &self.0;
        state
            .socket()
            .closed
            .poll(cx)
            .map(|close| state.closed_result(&close))
    }

    fn close(&self, code: Option<u16>, reason: &str) -> Result<(), Error> {
        match (code, reason.is_empty()) {
            (None, true) => {
                self.0.ws.close();
                Ok(())
            }
            (code, _) => self.0.ws.close_with(code.unwrap_or(1000), reason),
        }
    }
}

/// A reader: takes the inbox's messages in one go and pops them one by one.
pub(crate) struct SocketReader {
    state: Arc<StreamState>,
    /// This reader's place among the inbox's waiters.
    id: u64,
    /// Messages taken from the inbox in one go, popped one by one.
    taken: Deque<MessageData>,
    done: bool,
}

impl Drop for SocketReader {
    fn drop(&mut self) {
        self.state
            .inbox
            .leave(self.id, std::mem::take(&mut self.taken));
    }
}

impl ReadBacking for SocketReader {
    fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<MessageData, WebSocketError>>> {
        if self.done {
            return Poll::Ready(None);
        }
        let state = &self.state;
        if self.taken.is_empty()
            && state
                .inbox
                .poll_take_all(cx, self.id, &mut self.taken)
                .is_pending()
        {
            return Poll::Pending;
        }
        // Messages received before the close are still read (catalog WSS-27).
        if let Some(data) = self.taken.pop_front() {
            state.inbox.popped(&data);
            return Poll::Ready(Some(Ok(data)));
        }
        // The inbox is finished: the socket closed. Its close event is settled at once or
        // very soon after (the browser's close listeners run first).
        let Poll::Ready(close) = state.socket().closed.poll(cx) else {
            return Poll::Pending;
        };
        self.done = true;
        Poll::Ready(state.closed_result(&close).err().map(Err))
    }

    fn cancel(&self, reason: Option<&WebSocketError>) {
        self.state.close_with_reason(reason);
    }
}

/// A writer: sends through the socket, waiting for room as the backend tells.
pub(crate) struct SocketWriter {
    state: Arc<StreamState>,
    /// This writer's place among the writers waiting for room.
    id: u64,
}

impl Drop for SocketWriter {
    fn drop(&mut self) {
        self.state.conn().writer_left(self.id);
    }
}

impl SocketWriter {
    /// `Ready` once what is buffered costs at most `limit`, or with the write error once the
    /// socket is not open (a flush, `limit` 0, is done once everything left, even if the
    /// socket closed since).
    fn poll_room(&self, cx: &mut Context<'_>, limit: u64) -> Poll<Result<(), WebSocketError>> {
        let state = &self.state;
        let conn = state.conn();
        if conn
            .poll_write_room(state.socket(), cx, self.id, limit)
            .is_pending()
        {
            return Poll::Pending;
        }
        if limit == 0 && conn.drained() {
            return Poll::Ready(Ok(()));
        }
        if state.ws.ready_state() != ReadyState::Open {
            return Poll::Ready(Err(state.write_error()));
        }
        Poll::Ready(Ok(()))
    }
}

impl WriteBacking for SocketWriter {
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WebSocketError>> {
        self.poll_room(cx, self.state.write_high_water)
    }

    fn start_send(&mut self, item: Message) -> Result<(), WebSocketError> {
        let state = &self.state;
        if state.ws.ready_state() != ReadyState::Open {
            return Err(state.write_error());
        }
        state.ws.send(item).map_err(|_| state.write_error())?;
        state.conn().stream_sent();
        Ok(())
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WebSocketError>> {
        self.poll_room(cx, 0)
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WebSocketError>> {
        let state = &self.state;
        state.ws.close();
        state
            .socket()
            .closed
            .poll(cx)
            .map(|close| state.closed_result(&close).map(|_| ()))
    }

    fn abort(&self, reason: Option<&WebSocketError>) {
        self.state.close_with_reason(reason);
    }

    fn buffered_amount(&self) -> u64 {
        self.state.ws.buffered_amount()
    }
}
