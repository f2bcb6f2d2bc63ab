//! The per-socket state shared by the handle and the backend (`SocketState`), and the event
//! dispatcher: a backend reports what happened (`Report`), the dispatcher turns it into
//! events and calls the listeners.
//!
//! Invariants (model-checked by `loom_model` below, `scripts/loom.sh`):
//! 1. **One turn.** `EventQueue::running` is the turn: only the thread that set it from false
//!    to true delivers events, until it sets it back with the queue empty. Every other thread
//!    (or a listener causing events) only appends to `items`. So listeners never overlap and
//!    never run inside `send()`/`close()` of their own socket.
//! 2. **Order.** Items are processed in the order they were appended; `ready_state()` moves
//!    when a happening is processed (OPEN inside `open`, CLOSED inside `error`/`close`),
//!    whether or not a listener hears it.
//! 3. **Held events.** An event of a type that never had a listener is kept in `held` and
//!    given to the first listener of that type: its registration appends a `Release` under
//!    the same lock (so the close cannot drop that listener first), and the held events go
//!    ahead of everything queued.
//! 4. **Bursts.** The native connection task may keep the turn for a whole poll
//!    (`begin_burst_or_wait`/`end_burst`), so each message costs one lock; it ends a burst only if
//!    `begin_burst_or_wait` gave it the turn. What others append meanwhile is delivered before its
//!    next message and when the burst ends. While another thread has the turn (a late
//!    listener's registration delivering held events), the task reads nothing: it leaves its
//!    waker, and the thread that gives the turn back wakes it, so a slow listener on any
//!    thread pushes back on TCP alike.
//! 5. **End.** After the `close` event the listeners are dropped (outside the lock), once
//!    the queue is empty; a later registration still gets what was held.
//! 6. No lock is held while user code runs (`crate::primitives::Lock`).

// The native connection task's burst (a `Burst` guard): its turn for a whole poll.
#[cfg(not(target_arch = "wasm32"))]
mod burst;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use burst::Burst;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::backend::{Backend, Platform};
use crate::completion::Completion;
use crate::error::ErrorCause;
use crate::event::{
    AnyEvent, CloseEvent, ErrorEvent, Event, EventTarget, EventType, MessageData, MessageEvent,
};
use crate::listeners::{deliver, Registry, Snapshot};
use crate::primitives::{AtomicU8, AtomicUsize, Deque, Guard, Lock};
use crate::websocket::ReadyState;

/// How many messages are held for a `message` listener that has not been registered yet.
/// Later ones are dropped with a warning, as are those past [`HELD_MESSAGE_BYTES`].
///
/// ```
/// assert_eq!(isows::HELD_MESSAGE_LIMIT, 1024);
/// ```
pub const HELD_MESSAGE_LIMIT: usize = 1024;

/// How many bytes of messages are held for a `message` listener that has not been registered
/// yet (each message counts its payload plus 64 bytes); a message past it is dropped with a
/// warning (the first one is always held, however large). With [`HELD_MESSAGE_LIMIT`] this bounds what a socket nobody listens to holds,
/// whatever the size of its messages.
///
/// ```
/// assert_eq!(isows::HELD_MESSAGE_BYTES, 16 << 20);
/// ```
pub const HELD_MESSAGE_BYTES: usize = 16 << 20;

/// What a backend reports.
#[derive(Debug)]
pub(crate) enum Report {
    /// The opening handshake succeeded.
    Open {
        protocol: String,
        extensions: String,
    },
    /// A whole message arrived.
    Message(MessageData),
    /// The server's Close frame arrived (no event; readyState becomes CLOSING).
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    Closing,
    /// The connection was failed.
    Error(ErrorCause),
    /// The connection is closed.
    Close(CloseEvent),
}

enum Item {
    /// Process a happening: move the state, then deliver or hold its event.
    Happen(Report),
    /// Deliver an already processed (held) event.
    Deliver(AnyEvent),
    /// A processed event the observer has seen: deliver or hold it (never queued).
    #[cfg(feature = "reconnecting")]
    Observed(AnyEvent),
    /// A type got its first listener: deliver what was held for it.
    Release(EventType),
}

#[derive(Default)]
struct EventQueue {
    items: Deque<Item>,
    running: bool,
    /// The close event has been processed: no more events will happen.
    finished: bool,
    /// The observer was told (`Observer::finished`).
    #[cfg(feature = "reconnecting")]
    told: bool,
    ever_listened: [bool; 4],
    /// Per type, `Deliver` items (one deque type for everything: less code in a `.wasm`).
    held: [Deque<Item>; 4],
    /// What the held messages cost (`inbox::cost`).
    held_bytes: usize,
    /// Under the same lock as the queue: one lock per event finds both.
    registry: Registry,
    /// The native connection task, waiting for the turn another thread has (natively only:
    /// in the browser one thread does everything, and the waker's code costs 84 bytes of the
    /// demo's `.wasm`, measured).
    #[cfg(not(target_arch = "wasm32"))]
    turn_waiter: Option<std::task::Waker>,
}

/// The state of one socket that outlives any one handle, over backend `B` (the target's
/// [`Platform`]; the loom models use a model backend).
pub(crate) struct SocketState<B: Backend = Platform> {
    pub(crate) url: String,
    pub(crate) origin: Arc<str>,
    ready_state: AtomicU8,
    pub(crate) binary_type: AtomicU8,
    negotiated: Lock<(String, String)>,
    queue: Lock<EventQueue>,
    pub(crate) opened: Completion<Result<(), CloseEvent>>,
    pub(crate) closed: Completion<CloseEvent>,
    /// The backend's side of the socket.
    pub(crate) connection: B::Connection,
    /// How many `WebSocket` handles exist (the last one's drop may release the socket).
    pub(crate) handles: AtomicUsize,
    /// Sees open, error and close before the listeners (a reconnecting socket's attempt).
    observer: Option<ObserverRef>,
}

/// What a socket keeps of its observer: nothing at all without the `reconnecting` feature
/// (an uninhabited type: every use of it is compiled out, measured 867 bytes of the demo's
/// `.wasm`).
#[cfg(feature = "reconnecting")]
pub(crate) type ObserverRef = Arc<dyn Observer>;
#[cfg(not(feature = "reconnecting"))]
pub(crate) type ObserverRef = NoObserver;

/// The observer that cannot exist.
#[cfg(not(feature = "reconnecting"))]
#[derive(Clone)]
pub(crate) enum NoObserver {}

#[cfg(not(feature = "reconnecting"))]
impl Observer for NoObserver {
    fn happened(&self, _: Option<&crate::WebSocket>, _: &mut AnyEvent) {
        match *self {}
    }
    fn message(&self) {
        match *self {}
    }
    fn finished(&self) {
        match *self {}
    }
}

/// What a [`ReconnectingWebSocket`](crate::ReconnectingWebSocket) learns of each of its
/// sockets, without being a listener (a listener would take held events away from the
/// user's listeners registered later). Called with no lock held, in the dispatcher's turn.
#[cfg_attr(not(feature = "reconnecting"), allow(dead_code))]
pub(crate) trait Observer: ObserverBounds {
    /// An open, error or close was processed (`ready_state()` has moved), before any
    /// listener hears it (or it is held for a later one). `socket` is the socket's handle.
    fn happened(&self, socket: Option<&crate::WebSocket>, event: &mut AnyEvent);
    /// A message arrived (called with the dispatcher's lock held: it must only count).
    fn message(&self);
    /// The close event has been delivered to the listeners (or held for a later one).
    fn finished(&self);
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) trait ObserverBounds: Send + Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + Sync + ?Sized> ObserverBounds for T {}
#[cfg(target_arch = "wasm32")]
pub(crate) trait ObserverBounds {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> ObserverBounds for T {}

/// What the turn does with one queue item.
enum Next {
    /// Call these listeners with this event.
    Deliver(AnyEvent, Snapshot),
    /// Show the event to the observer first (outside the lock).
    #[cfg(feature = "reconnecting")]
    Observe(AnyEvent),
    /// Nothing to deliver now.
    Skip,
}

impl<B: Backend> SocketState<B> {
    pub(crate) fn new(
        url: String,
        origin: String,
        connection: B::Connection,
        observer: Option<ObserverRef>,
    ) -> Arc<Self> {
        Arc::new(SocketState {
            url,
            origin: origin.into(),
            ready_state: AtomicU8::new(ReadyState::Connecting as u8),
            binary_type: AtomicU8::new(0),
            negotiated: Lock::new((String::new(), String::new())),
            queue: Lock::default(),
            opened: Completion::new(),
            closed: Completion::new(),
            connection,
            handles: AtomicUsize::new(0),
            observer,
        })
    }

    /// A handle to give events as `target()` (dropped with the event unless a listener
    /// keeps it).
    fn target_handle(self: &Arc<Self>) -> Option<crate::WebSocket> {
        B::handle(self)
    }

    pub(crate) fn ready_state(&self) -> ReadyState {
        ReadyState::from_u8(self.ready_state.load(Ordering::Acquire))
    }

    /// Moves the state `from` → `to`; false if it was not `from`.
    pub(crate) fn transition(&self, from: ReadyState, to: ReadyState) -> bool {
        self.ready_state
            .compare_exchange(from as u8, to as u8, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub(crate) fn protocol(&self) -> String {
        self.negotiated.lock().0.clone()
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub(crate) fn extensions(&self) -> String {
        self.negotiated.lock().1.clone()
    }

    /// Reports a happening; its event is delivered in order with all others.
    pub(crate) fn emit(self: &Arc<Self>, happening: Report) {
        self.enqueue(Item::Happen(happening));
    }

    /// Changes the registry. `Some(ty)` from `change` means a listener of `ty` was
    /// registered: what was held for that type is then delivered. What `change` returns
    /// besides is dropped outside the lock.
    pub(crate) fn with_registry<R>(
        self: &Arc<Self>,
        change: impl FnOnce(&mut Registry) -> (Option<EventType>, R),
    ) -> R {
        let mut q = self.queue.lock();
        let (added, result) = change(&mut q.registry);
        self.registered(q, added);
        result
    }

    /// After a registry change (the generic part of `with_registry` kept small: it is
    /// compiled once per listener type).
    ///
    /// The release is queued under the same lock as the registration: were it queued after,
    /// a thread finishing the close in between would drop every listener (the new one too)
    /// before the held events reach it (found by the loom model below).
    fn registered(self: &Arc<Self>, mut q: Guard<'_, EventQueue>, added: Option<EventType>) {
        let Some(ty) = added else { return };
        q.ever_listened[ty.index()] = true;
        if q.held[ty.index()].is_empty() && !q.finished {
            return;
        }
        q.items.push_back(Item::Release(ty));
        if std::mem::replace(&mut q.running, true) {
            return; // the thread that has the turn delivers it
        }
        drop(q);
        self.run(false);
    }

    /// True if any listener or `on*` slot is registered.
    pub(crate) fn has_listeners(&self) -> bool {
        !self.queue.lock().registry.is_empty()
    }

    fn remove_cell(&self, id: u64) {
        let removed = self.queue.lock().registry.remove_cell(id);
        drop(removed);
    }

    fn enqueue(self: &Arc<Self>, item: Item) {
        let first = {
            let mut q = self.queue.lock();
            if q.running {
                q.items.push_back(item);
                return;
            }
            q.running = true;
            // The queue is idle, so nothing is ahead of this item: handle it at once.
            debug_assert!(q.items.is_empty());
            self.next_delivery(&mut q, item)
        };
        self.take(first);
        self.run(false);
    }

    /// Calls the listeners of an event, then resolves what waits for it.
    #[inline(never)]
    fn deliver(self: &Arc<Self>, mut event: AnyEvent, snapshot: &Snapshot) {
        event.set_target(self.target_handle());
        deliver(snapshot, &event, &|id| self.remove_cell(id));
        self.settle(&event);
    }

    /// Runs the queue until it is empty; then gives the turn back, unless `keep_turn` (during
    /// a burst). Only the thread that has the turn gets here.
    fn run(self: &Arc<Self>, keep_turn: bool) {
        loop {
            let next = {
                let mut q = self.queue.lock();
                let Some(item) = q.items.pop_front() else {
                    if keep_turn {
                        return;
                    }
                    q.running = false;
                    // Once the socket is closed, drop the listeners (and the handles they
                    // hold) outside the lock.
                    let lists = q.finished.then(|| q.registry.take_all());
                    // The observer hears once that the close went to the listeners (or
                    // was held).
                    #[cfg(feature = "reconnecting")]
                    let tell = q.finished && !std::mem::replace(&mut q.told, true);
                    #[cfg(not(target_arch = "wasm32"))]
                    let waiter = q.turn_waiter.take();
                    drop(q);
                    drop(lists);
                    #[cfg(feature = "reconnecting")]
                    if let (true, Some(observer)) = (tell, &self.observer) {
                        observer.finished();
                    }
                    #[cfg(not(target_arch = "wasm32"))]
                    if let Some(w) = waiter {
                        w.wake();
                    }
                    return;
                };
                self.next_delivery(&mut q, item)
            };
            self.take(next);
        }
    }

    /// Does what the turn has to do with one item (no lock held).
    fn take(self: &Arc<Self>, next: Next) {
        match next {
            Next::Deliver(event, snapshot) => self.deliver(event, &snapshot),
            #[cfg(feature = "reconnecting")]
            Next::Observe(event) => self.observed(event),
            Next::Skip => {}
        }
    }

    /// Shows an open, error or close to the observer (no lock held, in the turn), then
    /// delivers or holds it as any other.
    #[cfg(feature = "reconnecting")]
    #[inline(never)]
    fn observed(self: &Arc<Self>, mut event: AnyEvent) {
        if let Some(observer) = &self.observer {
            observer.happened(self.target_handle().as_ref(), &mut event);
        }
        let next = self.next_delivery(&mut self.queue.lock(), Item::Observed(event));
        self.take(next);
    }

    /// Resolves `opened()`/`closed()` once an open or close event has been delivered (or
    /// held), so a blocking `wait_closed()` returns after the close listeners ran.
    fn settle(&self, event: &AnyEvent) {
        match event {
            AnyEvent::Open(_) => self.opened.complete(Ok(())),
            AnyEvent::Close(close) => {
                // Kept without a target: the state would hold itself (`WebSocket::closed`
                // puts the socket back).
                let mut kept = close.clone();
                kept.target = EventTarget::default();
                self.opened.complete(Err(kept.clone()));
                self.closed.complete(kept);
            }
            AnyEvent::Message(_) | AnyEvent::Error(_) => {}
        }
    }

    /// Processes one queue item; returns what to do with it now.
    fn next_delivery(&self, q: &mut EventQueue, item: Item) -> Next {
        let event = match item {
            Item::Happen(h) => {
                let Some(event) = self.process(q, h) else {
                    return Next::Skip;
                };
                #[cfg(feature = "reconnecting")]
                if self.observer.is_some() && !matches!(event, AnyEvent::Message(_)) {
                    return Next::Observe(event);
                }
                match self.hold_unheard(q, event) {
                    Some(event) => event,
                    None => return Next::Skip,
                }
            }
            #[cfg(feature = "reconnecting")]
            Item::Observed(event) => match self.hold_unheard(q, event) {
                Some(event) => event,
                None => return Next::Skip,
            },
            // Already settled when it was held; settling again is a no-op.
            Item::Deliver(event) => event,
            Item::Release(ty) => {
                // The held events go ahead of everything queued.
                if ty == EventType::Message {
                    q.held_bytes = 0;
                }
                let mut held = std::mem::take(&mut q.held[ty.index()]);
                held.append(&mut q.items);
                q.items = held;
                return Next::Skip;
            }
        };
        let snapshot = q.registry.snapshot(event.event_type());
        Next::Deliver(event, snapshot)
    }

    /// An event of a type that never had a listener is held (and settled); others come back.
    #[inline]
    fn hold_unheard(&self, q: &mut EventQueue, event: AnyEvent) -> Option<AnyEvent> {
        if q.ever_listened[event.event_type().index()] {
            return Some(event);
        }
        self.settle(&event);
        hold(q, event);
        None
    }

    /// A message's event, if the socket is OPEN (messages after a close are dropped).
    /// `origin` is a reference to `self.origin` kept from an earlier event, if there is one.
    #[inline]
    fn message_event(&self, data: MessageData, origin: Option<Arc<str>>) -> Option<AnyEvent> {
        if let Some(observer) = &self.observer {
            observer.message();
        }
        (self.ready_state() == ReadyState::Open).then(|| {
            AnyEvent::Message(MessageEvent {
                data,
                origin: origin.unwrap_or_else(|| self.origin.clone()),
                target: EventTarget::default(),
            })
        })
    }

    /// Moves the state for a happening and makes its event (none if it must be dropped).
    fn process(&self, q: &mut EventQueue, happening: Report) -> Option<AnyEvent> {
        match happening {
            Report::Open {
                protocol,
                extensions,
            } => {
                // close() while CONNECTING already moved the state: open never fires.
                if !self.transition(ReadyState::Connecting, ReadyState::Open) {
                    return None;
                }
                *self.negotiated.lock() = (protocol, extensions);
                Some(AnyEvent::Open(Event {
                    event_type: EventType::Open,
                    target: EventTarget::default(),
                }))
            }
            Report::Message(data) => self.message_event(data, None),
            Report::Closing => {
                self.transition(ReadyState::Open, ReadyState::Closing);
                None
            }
            Report::Error(cause) => {
                self.set_closed();
                Some(AnyEvent::Error(ErrorEvent {
                    cause,
                    target: EventTarget::default(),
                }))
            }
            Report::Close(event) => {
                self.set_closed();
                q.finished = true;
                Some(AnyEvent::Close(event))
            }
        }
    }

    fn set_closed(&self) {
        self.ready_state
            .store(ReadyState::Closed as u8, Ordering::Release);
    }
}

fn hold(q: &mut EventQueue, event: AnyEvent) {
    let ty = event.event_type();
    if let AnyEvent::Message(m) = &event {
        let cost = crate::inbox::cost(&m.data);
        let held = q.held[ty.index()].len();
        // The first one is held whatever its size (it is bounded by `max_message_size`).
        if held >= HELD_MESSAGE_LIMIT
            || (held > 0 && q.held_bytes.saturating_add(cost) > HELD_MESSAGE_BYTES)
        {
            crate::primitives::held_message_dropped();
            return;
        }
        q.held_bytes += cost;
    }
    q.held[ty.index()].push_back(Item::Deliver(event));
}

/// Model checks (`scripts/loom.sh`): every interleaving of the connection task (open, a
/// burst with a message and the server's Close, then close), a late listener's thread whose
/// registration releases the held message, and a third thread closing the socket. Whatever
/// the interleaving, listeners never overlap, each event is delivered exactly once, open
/// before close, and the held message reaches the late listener.
#[cfg(all(test, isows_loom))]
mod loom_model {
    use super::*;
    use crate::backend::Connection;
    use crate::error::Error;
    use crate::listeners::Callback;
    use crate::message::Message;
    use crate::options::Options;
    use loom::sync::atomic::AtomicUsize;
    use loom::sync::Mutex as LoomMutex;
    use std::task::{Context, Poll};

    /// The model backend: sockets made by hand, a connection that does nothing.
    struct Model;
    struct ModelConnection;

    impl Backend for Model {
        type Connection = ModelConnection;
        type Options = ();
        type Given = std::convert::Infallible;
        type Stream = crate::stream::socket::SocketStream;

        fn connect(_: Options, _: Option<Self::Given>) -> Result<Arc<SocketState<Self>>, Error> {
            Err(Error::NotSupportedError(
                "the model makes its sockets by hand".into(),
            ))
        }

        fn block_on<T>(_: impl FnOnce() -> T) -> Result<T, Error> {
            Err(Error::NotSupportedError("no blocking in the model".into()))
        }

        fn handle(_: &Arc<SocketState<Self>>) -> Option<crate::WebSocket> {
            None
        }

        fn stream_options(_: &mut Options, _: &Arc<crate::inbox::Inbox>) {}

        fn fill_inbox(_: &crate::WebSocket, _: &Arc<crate::inbox::Inbox>) {}
    }

    impl Connection for ModelConnection {
        fn ready_state<B: Backend>(&self, state: &SocketState<B>) -> ReadyState {
            state.ready_state()
        }
        fn buffered_amount(&self) -> u64 {
            0
        }
        fn protocol<B: Backend>(&self, _: &SocketState<B>) -> String {
            String::new()
        }
        fn extensions<B: Backend>(&self, _: &SocketState<B>) -> String {
            String::new()
        }
        fn send<B: Backend>(&self, _: &SocketState<B>, _: Message) -> Result<(), Error> {
            Ok(())
        }
        fn close<B: Backend>(
            &self,
            _: &SocketState<B>,
            _: Option<(u16, &str)>,
        ) -> Result<(), Error> {
            Ok(())
        }
        fn release<B: Backend>(&self, _: &SocketState<B>) {}
        fn fail<B: Backend>(&self, _: &SocketState<B>, _: ErrorCause) {}
        fn poll_write_room<B: Backend>(
            &self,
            _: &SocketState<B>,
            _: &mut Context<'_>,
            _: u64,
            _: u64,
        ) -> Poll<()> {
            Poll::Ready(())
        }
        fn drained(&self) -> bool {
            true
        }
        fn stream_sent(&self) {}
        fn writer_left(&self, _: u64) {}
    }

    fn socket() -> Arc<SocketState<Model>> {
        SocketState::new("ws://h/".into(), "http://h".into(), ModelConnection, None)
    }

    #[derive(Default)]
    struct Probe {
        running: AtomicUsize,
        log: LoomMutex<Vec<&'static str>>,
    }

    impl Probe {
        fn listener(self: &Arc<Self>, name: &'static str) -> Callback {
            let probe = self.clone();
            Box::new(move |_| {
                assert_eq!(
                    probe.running.fetch_add(1, Ordering::SeqCst),
                    0,
                    "two listeners at once"
                );
                probe.log.lock().unwrap().push(name);
                probe.running.fetch_sub(1, Ordering::SeqCst);
            })
        }
    }

    fn register(shared: &Arc<SocketState<Model>>, ty: EventType, callback: Callback) {
        shared.with_registry(|r| (Some(ty), r.add(ty, callback, false)));
    }

    fn task(shared: &Arc<SocketState<Model>>) {
        shared.emit(Report::Open {
            protocol: String::new(),
            extensions: String::new(),
        });
        // One poll of the connection task: a message and the server's Close in a burst, if
        // the turn is free (the guard is only made when it was taken).
        if let Some(mut burst) = shared.begin_burst(std::task::Waker::noop()) {
            burst.emit_message(MessageData::Text("m".into()));
            shared.emit(Report::Closing);
            drop(burst);
        } else {
            shared.emit(Report::Message(MessageData::Text("m".into())));
            shared.emit(Report::Closing);
        }
        shared.emit(Report::Close(CloseEvent::abnormal(ErrorCause::Aborted)));
    }

    /// A late listener's thread delivers the held message (it has the turn); the connection
    /// task, finding the turn taken, waits for it and is woken when it is given back.
    #[test]
    fn loom_the_task_waiting_for_the_turn_is_woken() {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(3);
        builder.check(|| {
            let shared = socket();
            let probe = Arc::new(Probe::default());
            shared.emit(Report::Open {
                protocol: String::new(),
                extensions: String::new(),
            });
            shared.emit(Report::Message(MessageData::Text("held".into())));
            let late = {
                let (shared, probe) = (shared.clone(), probe.clone());
                loom::thread::spawn(move || {
                    register(&shared, EventType::Message, probe.listener("message"))
                })
            };
            loom::future::block_on(std::future::poll_fn(|cx| {
                match shared.begin_burst(cx.waker()) {
                    Some(burst) => Poll::Ready(burst),
                    None => Poll::Pending,
                }
            }));
            late.join().unwrap();
            assert_eq!(*probe.log.lock().unwrap(), ["message"]);
        });
    }

    /// A reconnecting socket's view: the observer sees open and close as they are
    /// processed, never while a listener runs; `finished` comes once, after the close.
    impl Observer for Probe {
        fn happened(&self, _: Option<&crate::WebSocket>, event: &mut AnyEvent) {
            assert_eq!(
                self.running.fetch_add(1, Ordering::SeqCst),
                0,
                "observer overlaps"
            );
            self.log.lock().unwrap().push(match event {
                AnyEvent::Open(_) => "observed open",
                AnyEvent::Close(_) => "observed close",
                _ => "observed other",
            });
            self.running.fetch_sub(1, Ordering::SeqCst);
        }
        fn message(&self) {}
        fn finished(&self) {
            self.log.lock().unwrap().push("finished");
        }
    }

    #[test]
    fn loom_the_observer_sees_each_event_first_and_once() {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(3);
        builder.check(|| {
            let probe = Arc::new(Probe::default());
            let observer: Arc<dyn Observer> = probe.clone();
            let shared = SocketState::<Model>::new(
                "ws://h/".into(),
                "http://h".into(),
                ModelConnection,
                Some(observer),
            );
            let connection = {
                let shared = shared.clone();
                loom::thread::spawn(move || task(&shared))
            };
            // A late listener's thread: what was held for it is released to it.
            register(&shared, EventType::Open, probe.listener("open"));
            register(&shared, EventType::Close, probe.listener("close"));
            connection.join().unwrap();
            let log = probe.log.lock().unwrap().clone();
            let at = |n| log.iter().position(|&e| e == n).unwrap();
            let count = |n| log.iter().filter(|&&e| e == n).count();
            for n in [
                "observed open",
                "open",
                "observed close",
                "close",
                "finished",
            ] {
                assert_eq!(count(n), 1, "{n}: {log:?}");
            }
            assert!(at("observed open") < at("open"), "{log:?}");
            assert!(at("observed open") < at("observed close"), "{log:?}");
            assert!(at("observed close") < at("close"), "{log:?}");
            assert!(at("observed close") < at("finished"), "{log:?}");
        });
    }

    #[test]
    fn loom_dispatch_is_serial_ordered_and_complete() {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(3);
        builder.check(|| {
            let shared = socket();
            let probe = Arc::new(Probe::default());
            register(&shared, EventType::Open, probe.listener("open"));
            register(&shared, EventType::Close, probe.listener("close"));
            let connection = {
                let shared = shared.clone();
                loom::thread::spawn(move || task(&shared))
            };
            let late = {
                let (shared, probe) = (shared.clone(), probe.clone());
                loom::thread::spawn(move || {
                    register(&shared, EventType::Message, probe.listener("message"))
                })
            };
            // The third thread: close() from OPEN, as the handle does. A message processed
            // after that is dropped, as the standard says.
            let closed = shared.transition(ReadyState::Open, ReadyState::Closing);
            connection.join().unwrap();
            late.join().unwrap();
            let log = probe.log.lock().unwrap().clone();
            let count = |n| log.iter().filter(|&&e| e == n).count();
            assert_eq!((count("open"), count("close")), (1, 1), "{log:?}");
            assert!(
                count("message") == 1 || (closed && count("message") == 0),
                "{log:?}"
            );
            let at = |n| log.iter().position(|&e| e == n).unwrap();
            assert!(at("open") < at("close"), "{log:?}");
            assert_eq!(shared.ready_state(), ReadyState::Closed);
        });
    }
}
