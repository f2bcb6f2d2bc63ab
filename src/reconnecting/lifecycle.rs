//! The reconnecting socket's life: attempts, the decision after each close, the backoff
//! timer, the queue of what was sent while down, the connection timeout and the heartbeat.
//!
//! Rules that keep the events in order and nothing locked across user code:
//! - The state lock is never held while a socket could call back (registering a listener
//!   on a socket may deliver its held events at once) nor while user code runs; sending and
//!   closing a socket never call back, so `send()` sends under it (sends keep their order).
//! - Each attempt has a number; whatever comes from an older attempt (its timers, its
//!   events) is stale and changes nothing.
//! - The next attempt starts only after the last one's `close` event reached its listeners
//!   (`Observer::finished`), so the events of two sockets never overlap.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::builder::{Settings, Source, Target};
use super::relay::Relay;
use crate::backend::{Backend, Clock, Platform};
use crate::completion::Completion;
use crate::dispatch::Observer;
use crate::error::{Detail, Error, ErrorCause};
use crate::event::{AnyEvent, CloseEvent, ErrorEvent, EventTarget};
use crate::message::Message;
use crate::options::Options;
use crate::primitives::{AtomicUsize, Deque, Lock};
use crate::websocket::{BinaryType, ReadyState};
use crate::WebSocket;

/// Where the reconnecting socket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// `start_closed`, before `reconnect()`.
    Idle,
    /// Waiting: for the backoff, or for the URL provider.
    Waiting,
    /// An attempt's socket is CONNECTING.
    Connecting,
    /// The socket is open.
    Open,
    /// Closed for good.
    Closed,
}

pub(crate) struct State {
    pub(crate) phase: Phase,
    /// The current attempt's number.
    attempt: u64,
    pub(crate) socket: Option<WebSocket>,
    observer: Option<Arc<Attempt>>,
    /// `close()` was called: the next close is the last.
    pub(crate) stop: bool,
    /// What `close_with` asked for, for a close while no socket is open.
    stop_frame: Option<(u16, String)>,
    /// `reconnect()` was called: the next close is retried at once.
    forced: bool,
    retry_count: u32,
    opened_at: Option<Duration>,
    /// Decided at a close: wait this long (and count a retry if `.1`) once it was delivered.
    next: Option<(Duration, bool)>,
    queue: Deque<Message>,
    queued_bytes: usize,
    pub(crate) url: String,
    pub(crate) binary_type: BinaryType,
    open_waiters: Vec<Waker>,
    last_close: Option<CloseEvent>,
}

/// Everything the handles share.
pub(crate) struct Shared {
    pub(crate) options: Options,
    source: Source,
    pub(crate) settings: Settings,
    pub(crate) state: Lock<State>,
    pub(crate) relay: Relay,
    pub(crate) closed: Completion<CloseEvent>,
    /// How many `ReconnectingWebSocket` handles exist.
    pub(crate) handles: AtomicUsize,
}

/// One attempt, as its socket's observer sees it.
struct Attempt {
    shared: Weak<Shared>,
    number: u64,
    /// Messages received (the heartbeat's sign of life).
    messages: AtomicUsize,
}

impl Observer for Attempt {
    fn happened(&self, socket: Option<&WebSocket>, event: &mut AnyEvent) {
        if let Some(shared) = self.shared.upgrade() {
            shared.happened(self, socket, event);
        }
    }

    fn message(&self) {
        self.messages.fetch_add(1, Ordering::Relaxed);
    }

    fn finished(&self) {
        if let Some(shared) = self.shared.upgrade() {
            shared.finished(self.number);
        }
    }
}

impl Shared {
    pub(crate) fn new(options: Options, source: Source, settings: Settings) -> Arc<Self> {
        let url = options.url.clone();
        Arc::new(Shared {
            options,
            source,
            settings,
            state: Lock::new(State {
                phase: Phase::Idle,
                attempt: 0,
                socket: None,
                observer: None,
                stop: false,
                stop_frame: None,
                forced: false,
                retry_count: 0,
                opened_at: None,
                next: None,
                queue: Deque::new(),
                queued_bytes: 0,
                url,
                binary_type: BinaryType::Blob,
                open_waiters: Vec::new(),
                last_close: None,
            }),
            relay: Relay::default(),
            closed: Completion::new(),
            handles: AtomicUsize::new(0),
        })
    }

    /// Starts attempt `attempt`: with a fixed URL at once (its errors come back), else
    /// through the provider.
    pub(crate) fn begin(self: &Arc<Self>, attempt: u64) -> Result<(), Error> {
        match &self.source {
            Source::Fixed => self.start_checked(attempt, None),
            Source::Provider(provider) => {
                let Some(mut provider) = provider.try_lock() else {
                    let detail = Detail::from("the URL provider was called from itself");
                    return self.start_checked(attempt, Some(Err(detail)));
                };
                let call = AssertUnwindSafe(|| provider.provide(self, attempt));
                if std::panic::catch_unwind(call).is_err() {
                    drop(provider);
                    let detail = Detail::from("the URL provider panicked");
                    return self.start_checked(attempt, Some(Err(detail)));
                }
                Ok(())
            }
        }
    }

    /// A provider's answer for `attempt`.
    pub(crate) fn start(self: &Arc<Self>, attempt: u64, target: Result<Target, Detail>) {
        let _ = self.start_checked(attempt, Some(target));
    }

    /// Makes attempt `attempt`'s socket (`target`: the provider's answer, `None` for the
    /// fixed URL). A refused target fails the attempt as a failed connection would (and,
    /// for the fixed URL, comes back as the error).
    fn start_checked(
        self: &Arc<Self>,
        attempt: u64,
        target: Option<Result<Target, Detail>>,
    ) -> Result<(), Error> {
        let mut options = self.options.clone();
        let observer = Arc::new(Attempt {
            shared: Arc::downgrade(self),
            number: attempt,
            messages: AtomicUsize::new(0),
        });
        {
            let mut st = self.state.lock();
            if st.attempt != attempt || st.stop {
                return Ok(());
            }
            st.phase = Phase::Connecting;
            st.observer = Some(observer.clone());
        }
        let fixed = match target {
            None => true,
            Some(Ok(target)) => {
                target.apply(&mut options);
                false
            }
            Some(Err(detail)) => {
                self.failed_without_socket(attempt, ErrorCause::UrlProvider(detail));
                return Ok(());
            }
        };
        options.observer = Some(observer.clone());
        let state = match Platform::connect(options, None) {
            Ok(state) => state,
            // Only the first attempt can fail so (later ones use the same options): the
            // error is `connect()`'s.
            Err(error) if fixed => {
                let mut st = self.state.lock();
                st.phase = Phase::Closed;
                st.observer = None;
                return Err(error);
            }
            Err(error) => {
                let detail = Detail::from(error.message());
                self.failed_without_socket(attempt, ErrorCause::UrlProvider(detail));
                return Ok(());
            }
        };
        let ws = WebSocket::from_state(&state);
        let close_now = {
            let mut st = self.state.lock();
            if !st
                .observer
                .as_ref()
                .is_some_and(|o| Arc::ptr_eq(o, &observer))
            {
                return Ok(()); // its close already came (and was dealt with)
            }
            ws.set_binary_type(st.binary_type);
            st.url = ws.url().to_owned();
            st.socket = Some(ws.clone());
            st.stop || st.forced
        };
        self.relay.replay(attempt, &ws);
        if close_now {
            ws.close();
        }
        if let Some(timeout) = self.settings.connection_timeout {
            let me = self.clone();
            Platform::after(
                timeout,
                Box::new(move |fired| {
                    if fired {
                        me.fail_if(attempt, Phase::Connecting, ErrorCause::Timeout, None);
                    }
                }),
            );
        }
        Ok(())
    }

    /// Fails attempt `attempt`'s socket if it is still in `phase` (and, with `messages`, if
    /// it received no message since that count).
    fn fail_if(&self, attempt: u64, phase: Phase, cause: ErrorCause, messages: Option<usize>) {
        let socket = {
            let st = self.state.lock();
            if st.attempt != attempt || st.phase != phase {
                return;
            }
            if let (Some(seen), Some(observer)) = (messages, &st.observer) {
                if observer.messages.load(Ordering::Relaxed) != seen {
                    return;
                }
            }
            st.socket.clone()
        };
        if let Some(ws) = socket {
            ws.fail(cause);
        }
    }

    /// An attempt failed before it had a socket: its `error` and `close` go to the listeners
    /// from here, then the close is dealt with as a socket's would be.
    fn failed_without_socket(self: &Arc<Self>, attempt: u64, cause: ErrorCause) {
        let mut close = CloseEvent::abnormal_of(&cause);
        self.decide(attempt, &mut close);
        self.relay.deliver_local(&AnyEvent::Error(ErrorEvent {
            cause,
            target: EventTarget::default(),
        }));
        self.relay.deliver_local(&AnyEvent::Close(close));
        self.finished(attempt);
    }

    /// A socket's open, error or close, before its listeners hear it.
    fn happened(
        self: &Arc<Self>,
        attempt: &Attempt,
        socket: Option<&WebSocket>,
        event: &mut AnyEvent,
    ) {
        match event {
            AnyEvent::Open(_) => {
                let waiters = {
                    let mut st = self.state.lock();
                    if st.attempt != attempt.number || st.stop {
                        return;
                    }
                    st.phase = Phase::Open;
                    st.opened_at = Some(Platform::now());
                    // What was sent while down leaves first, in order, before the open
                    // listeners (who may send more) run.
                    if let Some(ws) = socket {
                        while let Some(message) = st.queue.pop_front() {
                            let _ = ws.send(message);
                        }
                        st.queued_bytes = 0;
                    }
                    std::mem::take(&mut st.open_waiters)
                };
                waiters.into_iter().for_each(Waker::wake);
                if let Some(heartbeat) = &self.settings.heartbeat {
                    self.beat_after(attempt.number, heartbeat.interval);
                }
            }
            AnyEvent::Close(close) => self.decide(attempt.number, close),
            AnyEvent::Error(_) | AnyEvent::Message(_) => {}
        }
    }

    /// After a close of attempt `attempt`: retry (when, and whether it counts) or stop.
    /// Sets the event's `will_reconnect`.
    fn decide(&self, attempt: u64, close: &mut CloseEvent) {
        let (forced, retries_left) = {
            let mut st = self.state.lock();
            if st.attempt != attempt {
                // A socket `reconnect()` or `close()` already replaced.
                close.will_reconnect = !st.stop;
                return;
            }
            if st.stop {
                (false, false)
            } else {
                let forced = std::mem::take(&mut st.forced);
                if self.stable(&st) || forced {
                    st.retry_count = 0;
                }
                let left = self
                    .settings
                    .max_retries
                    .is_none_or(|max| st.retry_count < max);
                (forced, left)
            }
        };
        // The application's rule runs with no lock held.
        let retry = forced || (retries_left && self.should_reconnect(close));
        let waiters = {
            let mut st = self.state.lock();
            let retry = retry && !st.stop && st.attempt == attempt;
            st.opened_at = None;
            close.will_reconnect = retry;
            if retry {
                st.phase = Phase::Waiting;
                let delay = match forced {
                    true => Duration::ZERO,
                    false => self
                        .settings
                        .backoff
                        .delay(st.retry_count + 1, Platform::random()),
                };
                st.next = Some((delay, !forced));
                Vec::new()
            } else {
                st.phase = Phase::Closed;
                st.next = None;
                st.queue.clear();
                st.queued_bytes = 0;
                let mut kept = close.clone();
                kept.target = EventTarget::default();
                st.last_close = Some(kept);
                std::mem::take(&mut st.open_waiters)
            }
        };
        waiters.into_iter().for_each(Waker::wake);
    }

    fn should_reconnect(&self, close: &CloseEvent) -> bool {
        let Some(decide) = &self.settings.should_reconnect else {
            return super::builder::default_should_reconnect(close);
        };
        let Some(mut decide) = decide.try_lock() else {
            return super::builder::default_should_reconnect(close);
        };
        // A panicking rule does not reconnect.
        std::panic::catch_unwind(AssertUnwindSafe(|| decide.decide(close))).unwrap_or(false)
    }

    /// Attempt `attempt`'s close reached its listeners: start the wait for the next one, or
    /// finish.
    fn finished(self: &Arc<Self>, attempt: u64) {
        enum Then {
            Wait(Duration, u64),
            Finish(Option<CloseEvent>),
            /// `close()` came while the close was delivered: a final close of its own.
            Stop,
        }
        // Handles are dropped with no lock held (the last one may close its socket).
        let gone;
        let then = {
            let mut st = self.state.lock();
            if st.attempt != attempt {
                return;
            }
            gone = st.socket.take();
            st.observer = None;
            if st.stop && st.phase != Phase::Closed {
                Then::Stop
            } else {
                match st.next.take() {
                    Some((delay, counts)) => {
                        if counts {
                            st.retry_count += 1;
                        }
                        st.attempt += 1;
                        Then::Wait(delay, st.attempt)
                    }
                    None => Then::Finish(st.last_close.clone()),
                }
            }
        };
        drop(gone);
        self.relay.detach(attempt);
        match then {
            Then::Wait(delay, next) => self.wait_then_begin(delay, next),
            Then::Finish(close) => {
                if let Some(close) = close {
                    self.closed.complete(close);
                }
            }
            Then::Stop => self.stop_here(),
        }
    }

    /// Starts attempt `next` after `delay`.
    fn wait_then_begin(self: &Arc<Self>, delay: Duration, next: u64) {
        let me = self.clone();
        Platform::after(
            delay,
            Box::new(move |fired| {
                if fired {
                    let _ = me.begin(next);
                } else {
                    me.runtime_gone(next);
                }
            }),
        );
    }

    /// The runtime that was to run attempt `attempt` shut down: nothing can come back.
    fn runtime_gone(&self, attempt: u64) {
        let (close, gone) = {
            let mut st = self.state.lock();
            if st.attempt != attempt || st.phase == Phase::Closed {
                return;
            }
            st.attempt += 1;
            st.stop = true;
            st.observer = None;
            (CloseEvent::abnormal(ErrorCause::Aborted), st.socket.take())
        };
        drop(gone);
        self.finish_with(close);
    }

    /// `close()` while no socket is open (waiting, idle, or the last close in delivery):
    /// the final `close` comes from here, with the code `close_with` gave (1005 without),
    /// clean, as a closing handshake nobody had to do.
    pub(crate) fn stop_here(&self) {
        let (close, gone) = {
            let mut st = self.state.lock();
            if st.phase == Phase::Closed && st.last_close.is_some() {
                return;
            }
            st.attempt += 1;
            st.observer = None;
            let (code, reason) = st.stop_frame.take().unwrap_or((1005, String::new()));
            let close = CloseEvent {
                code,
                reason,
                was_clean: true,
                cause: Default::default(),
                will_reconnect: false,
                target: EventTarget::default(),
            };
            (close, st.socket.take())
        };
        drop(gone);
        self.finish_with(close);
    }

    /// The final close, without a socket: recorded, given to the listeners, then to waiters.
    fn finish_with(&self, close: CloseEvent) {
        let waiters = {
            let mut st = self.state.lock();
            st.phase = Phase::Closed;
            st.queue.clear();
            st.queued_bytes = 0;
            st.last_close = Some(close.clone());
            std::mem::take(&mut st.open_waiters)
        };
        self.relay.deliver_local(&AnyEvent::Close(close.clone()));
        waiters.into_iter().for_each(Waker::wake);
        self.closed.complete(close);
    }

    /// `close()`/`close_with()`: no more attempts; the current socket (if any) closes.
    pub(crate) fn close(&self, frame: Option<(u16, &str)>) -> Result<(), Error> {
        let socket = {
            let mut st = self.state.lock();
            if st.stop {
                return Ok(());
            }
            st.stop = true;
            st.stop_frame = frame.map(|(code, reason)| (code, reason.to_owned()));
            match st.phase {
                Phase::Connecting | Phase::Open => st.socket.clone(),
                // Waiting with its last socket still delivering its close: `finished` ends it.
                Phase::Waiting if st.observer.is_some() => return Ok(()),
                Phase::Closed => return Ok(()),
                Phase::Idle | Phase::Waiting => None,
            }
        };
        match socket {
            Some(ws) => match frame {
                None => ws.close(),
                Some((code, reason)) => ws.close_with(code, reason)?,
            },
            None => {
                // Connecting without its socket yet: `start_checked` closes it when it comes.
                let connecting = self.state.lock().phase == Phase::Connecting;
                if !connecting {
                    self.stop_here();
                }
            }
        }
        Ok(())
    }

    /// `reconnect()`: close the current socket (if any) and connect again at once, with the
    /// retry count back at 0.
    pub(crate) fn reconnect(self: &Arc<Self>, frame: Option<(u16, &str)>) -> Result<(), Error> {
        enum Then {
            Begin(u64),
            Close(WebSocket),
            Nothing,
        }
        let then = {
            let mut st = self.state.lock();
            if st.phase == Phase::Closed {
                return Err(Error::InvalidStateError(
                    "the reconnecting socket was closed for good; make a new one".into(),
                ));
            }
            st.retry_count = 0;
            match st.phase {
                Phase::Idle | Phase::Waiting if st.observer.is_none() => {
                    st.attempt += 1;
                    st.phase = Phase::Waiting;
                    Then::Begin(st.attempt)
                }
                // The last close is being delivered: the next attempt starts right after it.
                Phase::Waiting => {
                    st.next = Some((Duration::ZERO, false));
                    Then::Nothing
                }
                _ => {
                    st.forced = true;
                    match st.socket.clone() {
                        Some(ws) => Then::Close(ws),
                        None => Then::Nothing, // `start_checked` closes it when it comes
                    }
                }
            }
        };
        match then {
            Then::Begin(attempt) => self.begin(attempt),
            Then::Close(ws) => match frame {
                Some((code, reason)) => ws.close_with(code, reason),
                None => {
                    ws.close();
                    Ok(())
                }
            },
            Then::Nothing => Ok(()),
        }
    }

    /// `send()`: to the open socket, else into the queue (bounded: past it, an error).
    pub(crate) fn send(&self, message: Message) -> Result<(), Error> {
        let mut st = self.state.lock();
        if st.stop || st.phase == Phase::Closed {
            return Err(Error::InvalidStateError(
                "the reconnecting socket is closed; nothing more can be sent".into(),
            ));
        }
        if st.phase == Phase::Open {
            if let Some(ws) = &st.socket {
                if ws.ready_state() == ReadyState::Open {
                    return ws.send(message);
                }
            }
        }
        let len = message.len();
        if st.queue.len() >= self.settings.max_enqueued_messages
            || st.queued_bytes.saturating_add(len) > self.settings.max_enqueued_bytes
        {
            return Err(Error::QuotaExceededError(
                "the reconnecting socket is down and its queue is full (max_enqueued_messages, or 16 MiB)"
                    .into(),
            ));
        }
        st.queued_bytes += len;
        st.queue.push_back(message);
        Ok(())
    }

    /// The heartbeat of attempt `attempt`: the next beat after `delay`.
    fn beat_after(self: &Arc<Self>, attempt: u64, delay: Duration) {
        let me = self.clone();
        Platform::after(
            delay,
            Box::new(move |fired| {
                if fired {
                    me.beat(attempt);
                }
            }),
        );
    }

    fn beat(self: &Arc<Self>, attempt: u64) {
        let Some(heartbeat) = &self.settings.heartbeat else {
            return;
        };
        let seen = {
            let st = self.state.lock();
            if st.attempt != attempt || st.phase != Phase::Open {
                return;
            }
            let (Some(ws), Some(observer)) = (&st.socket, &st.observer) else {
                return;
            };
            let seen = observer.messages.load(Ordering::Relaxed);
            let _ = ws.send(heartbeat.message.clone());
            seen
        };
        let me = self.clone();
        Platform::after(
            heartbeat.timeout,
            Box::new(move |fired| {
                if fired {
                    me.fail_if(
                        attempt,
                        Phase::Open,
                        ErrorCause::HeartbeatTimeout,
                        Some(seen),
                    );
                }
            }),
        );
        self.beat_after(attempt, heartbeat.interval);
    }

    /// `retry_count()`: reconnections since the last stable connection.
    pub(crate) fn retry_count(&self) -> u32 {
        let st = self.state.lock();
        if st.phase == Phase::Open && self.stable(&st) {
            0
        } else {
            st.retry_count
        }
    }

    /// The current connection has been open `min_uptime` (it resets the retry count).
    fn stable(&self, st: &State) -> bool {
        st.opened_at
            .is_some_and(|at| Platform::now().saturating_sub(at) >= self.settings.min_uptime)
    }

    /// `opened()`: ready when open, or with the final close.
    pub(crate) fn poll_opened(&self, cx: &mut Context<'_>) -> Poll<Result<(), CloseEvent>> {
        let mut st = self.state.lock();
        match st.phase {
            Phase::Open => Poll::Ready(Ok(())),
            Phase::Closed => match &st.last_close {
                Some(close) => Poll::Ready(Err(close.clone())),
                None => Poll::Pending,
            },
            _ => {
                if !st.open_waiters.iter().any(|w| w.will_wake(cx.waker())) {
                    st.open_waiters.push(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }

    /// What is queued, in bytes.
    pub(crate) fn queued_bytes(&self) -> usize {
        self.state.lock().queued_bytes
    }
}

/// Ends the reconnecting socket if the task resolving attempt `.attempt`'s URL is dropped
/// before it ends (its runtime shut down).
pub(crate) struct Gone {
    shared: Option<Arc<Shared>>,
    attempt: u64,
}

impl Gone {
    pub(crate) fn new(shared: &Arc<Shared>, attempt: u64) -> Self {
        Gone {
            shared: Some(shared.clone()),
            attempt,
        }
    }

    /// The task ended: nothing to do at its drop.
    pub(crate) fn disarm(&mut self) {
        self.shared = None;
    }
}

impl Drop for Gone {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            shared.runtime_gone(self.attempt);
        }
    }
}

/// Runs `future`, catching a panic of any of its polls.
pub(crate) async fn catch_unwind<F: Future>(future: F) -> std::thread::Result<F::Output> {
    let mut future = Box::pin(future);
    std::future::poll_fn(move |cx| {
        let poll = AssertUnwindSafe(|| future.as_mut().poll(cx));
        match std::panic::catch_unwind(poll) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        }
    })
    .await
}
