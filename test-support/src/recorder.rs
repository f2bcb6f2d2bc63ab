//! Records a socket's events, with the state seen inside each, for assertions. One recorder
//! for both backends: natively and in the browser, listeners push into a queue and the test
//! awaits the next event with a bound.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use isows::{kind, ErrorCause, MessageData, ReadyState, WebSocket};

use crate::time::timeout;

/// One event as seen inside its listener, with `readyState` at that moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    Open {
        state: ReadyState,
        protocol: String,
        extensions: String,
    },
    Message {
        data: MessageData,
        state: ReadyState,
    },
    Error {
        cause: ErrorCause,
        state: ReadyState,
    },
    Close {
        code: u16,
        reason: String,
        clean: bool,
        state: ReadyState,
    },
}

impl Ev {
    pub fn name(&self) -> &'static str {
        match self {
            Ev::Open { .. } => "open",
            Ev::Message { .. } => "message",
            Ev::Error { .. } => "error",
            Ev::Close { .. } => "close",
        }
    }

    /// An open event seen while OPEN, with this protocol and no extension.
    pub fn opened(protocol: &str) -> Ev {
        Ev::open_seen_in(ReadyState::Open, protocol)
    }

    /// An open event seen in `state` (a listener before it may have closed the socket).
    pub fn open_seen_in(state: ReadyState, protocol: &str) -> Ev {
        Ev::Open {
            state,
            protocol: protocol.into(),
            extensions: String::new(),
        }
    }

    /// A text message seen while OPEN.
    pub fn text(s: &str) -> Ev {
        Ev::Message {
            data: MessageData::Text(s.into()),
            state: ReadyState::Open,
        }
    }

    /// A close event seen in CLOSED.
    pub fn closed(code: u16, reason: &str, clean: bool) -> Ev {
        Ev::Close {
            code,
            reason: reason.into(),
            clean,
            state: ReadyState::Closed,
        }
    }
}

/// What listeners push and a test awaits, in order (the recorders' queue).
pub(crate) struct Queue<T> {
    events: VecDeque<T>,
    waker: Option<Waker>,
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Queue {
            events: VecDeque::new(),
            waker: None,
        }
    }
}

/// Adds an event and wakes the test waiting for it.
pub(crate) fn push<T>(queue: &Mutex<Queue<T>>, ev: T) {
    let mut q = queue.lock().unwrap();
    q.events.push_back(ev);
    if let Some(w) = q.waker.take() {
        w.wake();
    }
}

/// The next event, when there is one.
pub(crate) fn recv<T>(queue: &Mutex<Queue<T>>) -> impl std::future::Future<Output = T> + '_ {
    poll_fn(move |cx| {
        let mut q = queue.lock().unwrap();
        match q.events.pop_front() {
            Some(ev) => Poll::Ready(ev),
            None => {
                q.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    })
}

/// The events of one socket, in order; see [`record`].
pub struct Recorder {
    queue: Arc<Mutex<Queue<Ev>>>,
}

/// Adds a listener of each type that records into the returned recorder.
pub fn record(ws: &WebSocket) -> Recorder {
    let queue = Arc::new(Mutex::new(Queue::default()));
    let (w, q) = (ws.clone(), queue.clone());
    ws.add_event_listener(kind::Open, move |_| {
        push(
            &q,
            Ev::Open {
                state: w.ready_state(),
                protocol: w.protocol(),
                extensions: w.extensions(),
            },
        );
    });
    let (w, q) = (ws.clone(), queue.clone());
    ws.add_event_listener(kind::Message, move |e| {
        push(
            &q,
            Ev::Message {
                data: e.data().clone(),
                state: w.ready_state(),
            },
        );
    });
    let (w, q) = (ws.clone(), queue.clone());
    ws.add_event_listener(kind::Error, move |e| {
        push(
            &q,
            Ev::Error {
                cause: e.cause().clone(),
                state: w.ready_state(),
            },
        );
    });
    let (w, q) = (ws.clone(), queue.clone());
    ws.add_event_listener(kind::Close, move |e| {
        push(
            &q,
            Ev::Close {
                code: e.code(),
                reason: e.reason().to_owned(),
                clean: e.was_clean(),
                state: w.ready_state(),
            },
        );
    });
    Recorder { queue }
}

impl Recorder {
    fn recv(&self) -> impl std::future::Future<Output = Ev> + '_ {
        recv(&self.queue)
    }

    /// The next event, waiting at most 10 s.
    pub async fn next(&mut self) -> Ev {
        match timeout(10_000, self.recv()).await {
            Some(ev) => ev,
            None => panic!("no event within 10 s"),
        }
    }

    /// The next `n` events, waiting at most 10 s for each.
    pub async fn take(&mut self, n: usize) -> Vec<Ev> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.next().await);
        }
        out
    }

    /// Every event up to and including close (at most 15 s), then checks nothing follows
    /// for a moment.
    pub async fn until_close(&mut self) -> Vec<Ev> {
        let out = self.through_close().await;
        // Nothing may come after close.
        if let Some(ev) = timeout(50, self.recv()).await {
            panic!("event after close: {ev:?}; before: {out:?}");
        }
        out
    }

    /// Every event up to and including close (at most 15 s), without the wait for stragglers
    /// (for many sockets in a row; the checks that nothing follows close are elsewhere).
    pub async fn through_close(&mut self) -> Vec<Ev> {
        let mut out = Vec::new();
        loop {
            let ev = match timeout(15_000, self.recv()).await {
                Some(ev) => ev,
                None => panic!("no close within 15 s; events so far {out:?}"),
            };
            let is_close = matches!(ev, Ev::Close { .. });
            out.push(ev);
            if is_close {
                return out;
            }
        }
    }

    /// The names of the events up to close.
    pub async fn names_until_close(&mut self) -> Vec<&'static str> {
        names(&self.until_close().await)
    }
}

/// The names of a list of events.
pub fn names(events: &[Ev]) -> Vec<&'static str> {
    events.iter().map(Ev::name).collect()
}

/// The close event of a list (panics if none).
pub fn close_of(events: &[Ev]) -> (u16, String, bool) {
    events
        .iter()
        .find_map(|e| match e {
            Ev::Close {
                code,
                reason,
                clean,
                ..
            } => Some((*code, reason.clone(), *clean)),
            _ => None,
        })
        .expect("a close event")
}

/// Records `ws`, expects `open` then a message while OPEN, and returns the message's data.
pub async fn first_message_data(ws: &WebSocket) -> MessageData {
    let mut rec = record(ws);
    match (rec.next().await, rec.next().await) {
        (
            Ev::Open { .. },
            Ev::Message {
                data,
                state: ReadyState::Open,
            },
        ) => data,
        other => panic!("expected open then a message, got {other:?}"),
    }
}
