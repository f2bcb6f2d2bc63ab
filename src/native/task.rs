//! The connection task: one per socket. It runs the opening handshake, then owns
//! tungstenite's WebSocket (its sync core, polled through `Bridge`) and, in one poll loop,
//! writes every queued message and flushes once per batch, always keeps reading (pings are
//! answered and closes seen while the user sends nothing), runs the close timers, and reports
//! what happened to the dispatcher, holding the dispatcher's turn for the whole poll.
//!
//! Whatever the peer does, the task ends within a bound: a failure asked for by the handle
//! (the queue's urgent item: close while CONNECTING, a full send buffer) jumps the queue and cuts TCP
//! at once; `close()` starts the close timer when it is called, not when the Close frame gets
//! written; a peer that floods pings without reading the replies is failed. The `EndGuard` is
//! made before the task is spawned, so even a task that never runs reports its end.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::FutureExt;
use tokio::time::{sleep, Sleep};

use super::deflate::Deflater;
use super::inflate::InflateError;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage, Utf8Bytes};

use super::buffered::Unflushed;
use super::channel::{Channel, Command};
use super::handshake::{self, Stream};
use super::handshake_line::PlaceInLine;
use super::heartbeat::{Beat, Heartbeat, LastPing};
use super::url::Endpoint;
use crate::dispatch::{Burst, Report, SocketState};
use crate::error::{Detail, ErrorCause};
use crate::event::{CloseEvent, MessageData, Text};
use crate::inbox::{Inbox, StagedMessages};
use crate::message::Message;
use crate::options::Options;

/// After both Close frames, how long to wait for the server to close TCP before the client
/// does (RFC 6455 §5.5.1; Chromium waits ~2 s and still reports a clean close: CL-26).
const CLOSE_LINGER: Duration = Duration::from_secs(2);
/// How long a failing connection tries to send its Close frame before dropping TCP.
const FAIL_CLOSE_BUDGET: Duration = Duration::from_millis(500);
/// Messages handled per wake-up before yielding, so one busy socket cannot starve others.
const BATCH: usize = 256;
/// Commands' buffer capacity kept between bursts.
const IDLE_PENDING_CAPACITY: usize = 1024;

/// Reports `error` + `close` if the task ends without reporting a close itself (its runtime
/// shut down, or a panic, or it was dropped before it first ran), so no socket ever waits
/// forever for its close event.
pub(crate) struct EndGuard {
    shared: Arc<SocketState>,
    channel: Arc<Channel>,
    /// A `WebSocketStream`'s inbox, finished after the close (its writers, waiting in the
    /// channel's outbox, are woken then too).
    inbox: Option<Arc<Inbox>>,
    done: bool,
}

impl EndGuard {
    pub(crate) fn new(
        shared: Arc<SocketState>,
        channel: Arc<Channel>,
        inbox: Option<Arc<Inbox>>,
    ) -> Self {
        EndGuard {
            shared,
            channel,
            inbox,
            done: false,
        }
    }

    pub(crate) fn fail(&mut self, cause: ErrorCause) {
        self.shared.emit(Report::Error(cause.clone()));
        self.close(CloseEvent::abnormal(cause));
    }

    fn close(&mut self, event: CloseEvent) {
        self.done = true;
        self.shared.emit(Report::Close(event));
        // A stream's readers and writers waiting on this socket look again and see the end.
        if let Some(inbox) = &self.inbox {
            inbox.finish();
        }
        if let Some(outbox) = &self.channel.outbox {
            outbox.wake_all();
        }
    }
}

impl Drop for EndGuard {
    fn drop(&mut self) {
        // Nothing will read the queue again: later sends are dropped at once.
        self.channel.commands.stop();
        if !self.done {
            self.fail(ErrorCause::Aborted);
        }
    }
}

/// Pings read while the OS refuses our writes, past which the peer is failed: each one queues
/// a Pong (at most 131 bytes) that cannot leave, so this bounds that memory (~134 KB).
const PING_FLOOD_LIMIT: u32 = 1024;

/// What the connection runs over.
pub(crate) enum Transport {
    /// DNS (or a proxy), TCP and TLS of its own, after its turn (None:
    /// `serialize_handshakes(false)`).
    Network(Option<PlaceInLine>, super::proxy::Choice),
    /// A stream the caller opened.
    Given(handshake::BoxIo),
}

pub(crate) async fn run(
    mut guard: EndGuard,
    target: Endpoint,
    options: Options,
    transport: Transport,
) {
    let shared = guard.shared.clone();
    let channel = guard.channel.clone();
    // Boxed: the handshake's state (DNS, Happy Eyeballs, a proxy's SOCKS or CONNECT, TLS)
    // is freed once it is done, instead of sizing the task's memory for its whole life.
    let connect = Box::pin(async {
        match transport {
            Transport::Network(turn, proxy) => {
                handshake::connect(&target, &options, turn, proxy).await
            }
            Transport::Given(stream) => handshake::connect_over(stream, &target, &options).await,
        }
    });
    // Biased: a failure asked for before the task first ran (close() or an abort right after
    // the socket was made) is seen before any DNS lookup or connection starts.
    let (stream, handshake) = tokio::select! {
        biased;
        cause = wait_for_fail(&channel) => return guard.fail(cause),
        result = connect => match result {
            Ok(connected) => connected,
            Err(cause) => return guard.fail(cause),
        },
    };
    // Set before `open`, so that the open listeners can read it.
    let _ = shared.connection.response.set(handshake.response);
    let deflate = handshake.deflate;
    shared.emit(Report::Open {
        protocol: handshake.protocol,
        extensions: handshake.extensions,
    });
    let mut session = Session {
        ws: stream,
        channel,
        pending: VecDeque::new(),
        shared: &shared,
        close_timeout: options.close_timeout,
        unflushed: Unflushed::default(),
        need_flush: false,
        close_sent: false,
        close_received: None,
        timer: None,
        pings_unsent: 0,
        blocked: false,
        burst: None,
        heartbeat: options
            .ping_interval
            .map(|interval| Box::new(Heartbeat::new(interval, options.pong_timeout))),
        last_ping: LastPing::default(),
        stream: guard.inbox.clone().map(|inbox| {
            Box::new(StreamSide {
                inbox,
                staged: StagedMessages::default(),
            })
        }),
        deflate: deflate.as_ref().and_then(Deflater::new),
    };
    // Not needed past the handshake: dropped before the task's long wait, so that their
    // space in the task need not outlive it (W4: every byte of an idle task counts).
    drop(options);
    drop(target);
    let end = poll_fn(|cx| session.poll(cx)).await;
    match end {
        End::Clean => {
            let (code, reason) = session
                .close_received
                .take()
                .unwrap_or((1005, String::new()));
            guard.close(CloseEvent {
                code,
                reason,
                was_clean: true,
                cause: Default::default(),
                will_reconnect: false,
                target: Default::default(),
            })
        }
        End::Lost(cause) => guard.close(CloseEvent::abnormal(cause)),
        End::Abort(cause) => {
            // Drop TCP now (before listeners run), with what is queued.
            drop(session);
            guard.fail(cause)
        }
        End::Fail(cause, code) => {
            // Send our Close (or flush the one tungstenite queued), briefly, then drop TCP.
            let mut frame = code.map(|code| CloseFrame {
                code: CloseCode::from(code),
                reason: "".into(),
            });
            let goodbye = poll_fn(|cx| session.poll_goodbye(cx, &mut frame));
            let _ = tokio::time::timeout(FAIL_CLOSE_BUDGET, goodbye).await;
            guard.fail(cause)
        }
    }
}

/// Waits until the handle asks to fail the connection (close while CONNECTING, or the last
/// handle dropped then); pends forever otherwise (a socket with listeners lives on).
async fn wait_for_fail(channel: &Channel) -> ErrorCause {
    poll_fn(|cx| channel.commands.poll_urgent(cx)).await
}

enum End {
    /// The closing handshake completed.
    Clean,
    /// TCP ended without a closing handshake, or the close timeout passed: close 1006 only
    /// (no `error`, as in the browser), with what happened.
    Lost(ErrorCause),
    /// The connection is failed: error, then close 1006; send this Close code first.
    Fail(ErrorCause, Option<u16>),
    /// The handle failed the connection: drop TCP at once, then error and close 1006.
    Abort(ErrorCause),
}

struct Session<'a> {
    ws: Stream,
    channel: Arc<Channel>,
    /// Commands taken from the queue, not yet handed to tungstenite.
    pending: VecDeque<Command>,
    shared: &'a Arc<SocketState>,
    close_timeout: Duration,
    /// What was written since the last flush (it leaves `bufferedAmount` when it completes).
    unflushed: Unflushed,
    need_flush: bool,
    close_sent: bool,
    /// The first Close frame received: code (1005 for none) and reason.
    close_received: Option<(u16, String)>,
    /// Close timeout from `close()`, or linger after both Close frames.
    timer: Option<Pin<Box<Sleep>>>,
    /// Pings read since the OS last took our bytes (their Pongs wait in tungstenite).
    pings_unsent: u32,
    /// A write would have blocked (tungstenite kept the frame): flush before writing more.
    blocked: bool,
    /// The dispatcher's turn, while this poll holds it (`SocketState::begin_burst`).
    burst: Option<Burst<'a>>,
    /// Pings of its own, and the peer judged dead when nothing answers (`ping_interval`;
    /// boxed: a socket without a heartbeat keeps one pointer).
    heartbeat: Option<Box<Heartbeat>>,
    /// The last ping sent, to time its pong.
    last_ping: LastPing,
    /// A `WebSocketStream`'s queues: messages go to its inbox instead of to listeners, and
    /// reading from TCP pauses while the inbox is at its high-water mark.
    stream: Option<Box<StreamSide>>,
    /// permessage-deflate's sending side, when it was negotiated.
    deflate: Option<Box<Deflater>>,
}

/// A `WebSocketStream`'s side of the task (boxed: a `WebSocket`'s task stays small).
struct StreamSide {
    inbox: Arc<Inbox>,
    /// Messages read for the inbox in this poll, handed over at its end.
    staged: StagedMessages,
}

/// TCP ended (the server closed it) before any Close frame.
fn closed_without_handshake() -> ErrorCause {
    ErrorCause::ConnectionLost(
        "the server closed the connection without a closing handshake".into(),
    )
}

/// tungstenite's "would block": the bridge's way of saying `Pending`.
fn would_block(error: &WsError) -> bool {
    matches!(error, WsError::Io(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

impl Session<'_> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<End> {
        if let Some(cause) = self.channel.commands.take_urgent() {
            return Poll::Ready(End::Abort(cause));
        }
        self.ws.get_mut().get_mut().set_waker(cx.waker());
        self.channel.commands.set_active();
        if self.channel.commands.take_flag() && self.timer.is_none() {
            // close() was called: the close timeout runs from now, even while data queued
            // ahead of the Close frame cannot be written.
            self.timer = Some(Box::pin(sleep(self.close_timeout)));
        }
        let shared = self.shared;
        // The turn is given back only by the poll that took it. Without it (another thread
        // delivers events) this poll reads nothing, and the turn's return wakes the task.
        self.burst = shared.begin_burst(cx.waker());
        let result = self.work(cx);
        if let Some(r) = &mut self.stream {
            // What this poll read, in one go, before any end of the socket is reported.
            r.inbox.push_staged(&mut r.staged);
        }
        // The turn goes back (what others queued is delivered first).
        self.burst = None;
        self.take_commands();
        if self.pending.is_empty() && self.pending.capacity() > IDLE_PENDING_CAPACITY {
            // A burst is over: an idle socket keeps no large buffer.
            self.pending = VecDeque::new();
        }
        if result.is_pending() && !self.pending.is_empty() {
            cx.waker().wake_by_ref();
        }
        // Sleep only if nothing was queued meanwhile; else come straight back.
        if result.is_pending()
            && self.pending.is_empty()
            && self
                .channel
                .commands
                .poll_take(cx, &mut self.pending)
                .is_ready()
        {
            cx.waker().wake_by_ref();
        }
        result
    }

    fn work(&mut self, cx: &mut Context<'_>) -> Poll<End> {
        // Alternate: feed what was queued (including what listeners just sent), then read one
        // message and dispatch it. Replies thus join the same write batch, and a message the
        // listener sent leaves the queue before the next frame is buffered.
        if let Some(heartbeat) = &mut self.heartbeat {
            if let Beat::Ping(payload) = heartbeat.poll_ping(cx) {
                if !self.closing() {
                    self.last_ping.sent(payload.clone());
                    if let Err(end) = self.write(WsMessage::Ping(payload)) {
                        return Poll::Ready(end);
                    }
                    self.need_flush = true;
                }
            }
        }
        let mut more = true;
        // Whether the reads stopped because nothing more had arrived (not because reading is
        // paused): only then can the heartbeat judge the peer.
        let mut reading = false;
        for _ in 0..BATCH {
            let commands_left = match self.poll_commands() {
                Ok(full) => full,
                Err(end) => return Poll::Ready(end),
            };
            // Another thread is delivering events: what is read would only queue behind them.
            if self.burst.is_none() {
                more = commands_left;
                break;
            }
            // Backpressure: a stream's reader that has not taken enough pauses reading; it
            // wakes this task when it makes room.
            if let Some(r) = &mut self.stream {
                if r.inbox.poll_room(cx, &mut r.staged).is_pending() {
                    more = commands_left;
                    break;
                }
            }
            match self.poll_read_one() {
                Poll::Ready(Some(end)) => return Poll::Ready(end),
                Poll::Ready(None) => {}
                Poll::Pending => {
                    more = commands_left;
                    reading = true;
                    break;
                }
            }
        }
        // Replies to the last message read.
        match self.poll_commands() {
            Ok(full) => more |= full,
            Err(end) => return Poll::Ready(end),
        }
        // With more to read right away, leave the flush to the end of the burst (tungstenite
        // writes on its own once 128 KiB are buffered): fewer, larger writes.
        if self.need_flush && !more {
            match self.flush() {
                Poll::Ready(Ok(())) => {
                    self.need_flush = false;
                    // It leaves `bufferedAmount`; a stream's writers may wait for room.
                    let outbox = self.channel.outbox.as_deref();
                    self.unflushed.flushed(&self.channel.buffered, outbox);
                }
                Poll::Ready(Err(e)) => return Poll::Ready(self.classify(e)),
                Poll::Pending => {}
            }
        }
        if let Some(heartbeat) = &mut self.heartbeat {
            if heartbeat.poll_dead(cx, reading) {
                return Poll::Ready(End::Abort(ErrorCause::PongTimeout));
            }
        }
        if let Some(timer) = &mut self.timer {
            if timer.poll_unpin(cx).is_ready() {
                // The close timeout (the linger after both Close frames ends cleanly).
                return Poll::Ready(self.ended(|| ErrorCause::CloseTimeout));
            }
        }
        if more {
            // Work left after a full batch: yield, but come back.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }

    /// Writes everything tungstenite holds and flushes the socket; a closed connection has
    /// nothing left to flush.
    fn flush(&mut self) -> Poll<Result<(), WsError>> {
        match self.ws.flush() {
            Ok(()) | Err(WsError::ConnectionClosed) => {
                self.blocked = false;
                Poll::Ready(Ok(()))
            }
            Err(e) if would_block(&e) => Poll::Pending,
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    /// Hands a message to tungstenite. One that would block is kept by tungstenite and
    /// flushed before anything more is written.
    fn write(&mut self, message: WsMessage) -> Result<(), End> {
        match self.ws.write(message) {
            Ok(()) => Ok(()),
            Err(e) if would_block(&e) => {
                self.blocked = true;
                Ok(())
            }
            Err(e) => Err(self.classify(e)),
        }
    }

    /// After a failure: writes `frame` (our Close) if given, then flushes; ready when done or
    /// when the connection cannot take more.
    fn poll_goodbye(&mut self, cx: &mut Context<'_>, frame: &mut Option<CloseFrame>) -> Poll<()> {
        self.ws.get_mut().get_mut().set_waker(cx.waker());
        if let Some(frame) = frame.take() {
            if self.write(WsMessage::Close(Some(frame))).is_err() {
                return Poll::Ready(());
            }
        }
        match self.flush() {
            Poll::Pending => Poll::Pending,
            Poll::Ready(_) => Poll::Ready(()),
        }
    }

    /// Moves queued commands into tungstenite until the queue is empty or the socket is full.
    /// `Ok(true)` if it stopped after a full batch with more possibly queued.
    fn poll_commands(&mut self) -> Result<bool, End> {
        self.take_commands();
        for _ in 0..BATCH {
            if self.pending.is_empty() {
                return Ok(false);
            }
            if self.blocked {
                match self.flush() {
                    Poll::Ready(Ok(())) => {}
                    Poll::Ready(Err(e)) => return Err(self.classify(e)),
                    Poll::Pending => return Ok(false),
                }
            }
            let Some(command) = self.pending.pop_front() else {
                return Ok(false);
            };
            match command {
                // After a Close was sent or received, data is discarded (still counted in
                // `bufferedAmount`).
                Command::Send(_) if self.closing() => {
                    if let Some(outbox) = &self.channel.outbox {
                        outbox.flushed(1);
                    }
                }
                Command::Send(message) => {
                    self.unflushed.wrote(message.len() as u64);
                    let message = match message {
                        // SAFETY: `Text` holds valid UTF-8 only (every constructor takes
                        // a `str` or text tungstenite validated).
                        Message::Text(s) => WsMessage::Text(unsafe {
                            Utf8Bytes::from_bytes_unchecked(s.into_bytes())
                        }),
                        Message::Binary(b) => WsMessage::Binary(b),
                    };
                    let message = match &mut self.deflate {
                        Some(deflate) => deflate.message(message),
                        None => message,
                    };
                    self.write(message)?;
                    self.need_flush = true;
                }
                Command::Ping(_) if self.closing() => {}
                Command::Ping(payload) => {
                    self.last_ping.sent(payload.clone());
                    self.write(WsMessage::Ping(payload))?;
                    self.need_flush = true;
                }
                Command::Close(_) if self.closing() => {}
                Command::Close(frame) => {
                    let frame = frame.map(|(code, reason)| CloseFrame {
                        code: CloseCode::from(code),
                        reason: reason.into(),
                    });
                    self.write(WsMessage::Close(frame))?;
                    self.close_sent = true;
                    self.need_flush = true;
                    if self.timer.is_none() {
                        self.timer = Some(Box::pin(sleep(self.close_timeout)));
                    }
                }
            }
        }
        Ok(true)
    }

    /// How the connection ends when TCP closes or a timer runs out: clean once the server's
    /// Close frame arrived, else lost.
    fn ended(&self, lost: impl FnOnce() -> ErrorCause) -> End {
        if self.close_received.is_some() {
            End::Clean
        } else {
            End::Lost(lost())
        }
    }

    fn closing(&self) -> bool {
        self.close_sent || self.close_received.is_some()
    }

    /// Reads one frame and reports it: `Ready(None)` when one was handled, `Ready(Some)` when
    /// the connection ended.
    fn poll_read_one(&mut self) -> Poll<Option<End>> {
        {
            let message = match self.ws.read() {
                Ok(m) => m,
                Err(e) if would_block(&e) => return Poll::Pending,
                // The stream ended (tungstenite saw TCP close, or the closing handshake is over).
                Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => {
                    return Poll::Ready(Some(self.ended(closed_without_handshake)))
                }
                Err(e) => return Poll::Ready(Some(self.classify(e))),
            };
            if let Some(heartbeat) = &mut self.heartbeat {
                heartbeat.received();
            }
            match message {
                WsMessage::Text(t) => {
                    // tungstenite validated the UTF-8: hand its bytes over without a copy.
                    let text = Text::from_utf8_unchecked(t.into());
                    self.emit_message(MessageData::Text(text));
                }
                WsMessage::Binary(b) => self.emit_message(MessageData::Binary(b)),
                // tungstenite queued the Pong; make sure it is flushed. A peer that keeps
                // pinging while it reads nothing would grow that queue without end.
                WsMessage::Ping(_) => {
                    self.need_flush = true;
                    if self.ws.get_ref().get_ref().write_blocked() {
                        self.pings_unsent += 1;
                        if self.pings_unsent > PING_FLOOD_LIMIT {
                            return Poll::Ready(Some(End::Abort(ErrorCause::PingFlood)));
                        }
                    } else {
                        self.pings_unsent = 0;
                    }
                }
                WsMessage::Pong(payload) => self.last_ping.pong(&payload, &self.channel.rtt),
                WsMessage::Frame(_) => {}
                WsMessage::Close(frame) => {
                    if let Some(end) = self.on_close_frame(frame) {
                        return Poll::Ready(Some(end));
                    }
                }
            }
        }
        Poll::Ready(None)
    }

    fn emit_message(&mut self, data: MessageData) {
        let closing = self.closing();
        if let Some(r) = &mut self.stream {
            // A message that arrives after a Close was sent or received is dropped (as
            // Chromium does: catalog WSS-27).
            if !closing {
                r.staged.push(data);
            }
            return;
        }
        if let Some(burst) = &mut self.burst {
            burst.emit_message(data);
        } else {
            self.shared.emit(Report::Message(data));
        }
    }

    /// Moves new commands to `pending`, in the order they were pushed.
    fn take_commands(&mut self) {
        self.channel.commands.try_take(&mut self.pending);
    }

    #[cold]
    #[inline(never)]
    fn on_close_frame(&mut self, frame: Option<CloseFrame>) -> Option<End> {
        // tungstenite answers a Close whose code may not be sent on the wire (0–999, 1004–1006,
        // 1015, 1016–2999, 5000+) with 1002 "Protocol violation" and reports that frame: fail
        // the connection, as RFC 6455 and Autobahn 7.9.x want (catalog R-12).
        if let Some(f) = &frame {
            if f.code == CloseCode::Protocol
                && f.reason.as_str() == "Protocol violation"
                && !self.close_sent
            {
                return Some(End::Fail(
                    ErrorCause::Protocol("invalid close code".into()),
                    None,
                ));
            }
        }
        if self.close_received.is_none() {
            self.close_received = Some(match frame {
                Some(f) => (u16::from(f.code), f.reason.as_str().to_owned()),
                None => (1005, String::new()),
            });
        }
        if !self.close_sent {
            // tungstenite queued the echo of the server's Close.
            self.close_sent = true;
            self.shared.emit(Report::Closing);
        }
        self.need_flush = true;
        self.timer = Some(Box::pin(sleep(CLOSE_LINGER)));
        None
    }

    /// Maps a tungstenite error to how the connection ends. Out of line and cold, as the other
    /// rare paths of the read loop: a smaller read path keeps tungstenite's frame reading
    /// inlined into it.
    #[cold]
    #[inline(never)]
    fn classify(&self, error: WsError) -> End {
        use tokio_tungstenite::tungstenite::error::ProtocolError;
        if self.close_received.is_some() && self.close_sent {
            // The closing handshake completed; what the server does afterwards does not matter.
            return End::Clean;
        }
        match error {
            WsError::ConnectionClosed | WsError::AlreadyClosed => {
                End::Lost(closed_without_handshake())
            }
            // Compressed data that does not inflate (`inflate.rs`): the payload is invalid.
            WsError::Io(e) if e.get_ref().is_some_and(|e| e.is::<InflateError>()) => End::Fail(
                ErrorCause::Protocol(Detail::with_source(e.to_string(), e)),
                Some(1007),
            ),
            WsError::Io(e) => End::Lost(ErrorCause::ConnectionLost(Detail::with_source(
                e.to_string(),
                e,
            ))),
            WsError::Protocol(e @ ProtocolError::ResetWithoutClosingHandshake) => End::Lost(
                ErrorCause::ConnectionLost(Detail::with_source(e.to_string(), e)),
            ),
            WsError::Capacity(e) => End::Fail(
                ErrorCause::MessageTooBig(Detail::with_source(e.to_string(), e)),
                Some(1009),
            ),
            WsError::Utf8(_) => End::Fail(ErrorCause::InvalidUtf8, Some(1007)),
            WsError::Protocol(e) => End::Fail(
                ErrorCause::Protocol(Detail::with_source(e.to_string(), e)),
                Some(1002),
            ),
            WsError::Tls(e) => {
                End::Fail(ErrorCause::Tls(Detail::with_source(e.to_string(), e)), None)
            }
            other => End::Fail(
                ErrorCause::Protocol(Detail::with_source(other.to_string(), other)),
                Some(1002),
            ),
        }
    }
}
