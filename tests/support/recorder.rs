//! Records a socket's events, with the state seen inside each, for assertions.

use std::time::Duration;

use isows::{kind, ErrorCause, MessageData, ReadyState, WebSocket};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

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
}

pub struct Recorder {
    rx: UnboundedReceiver<Ev>,
}

/// Adds a listener of each type that records into the returned recorder.
pub fn record(ws: &WebSocket) -> Recorder {
    let (tx, rx) = unbounded_channel();
    let (w, t) = (ws.clone(), tx.clone());
    ws.add_event_listener(kind::Open, move |_| {
        let _ = t.send(Ev::Open {
            state: w.ready_state(),
            protocol: w.protocol(),
            extensions: w.extensions(),
        });
    });
    let (w, t) = (ws.clone(), tx.clone());
    ws.add_event_listener(kind::Message, move |e| {
        let _ = t.send(Ev::Message {
            data: e.data().clone(),
            state: w.ready_state(),
        });
    });
    let (w, t) = (ws.clone(), tx.clone());
    ws.add_event_listener(kind::Error, move |e| {
        let _ = t.send(Ev::Error {
            cause: e.cause().clone(),
            state: w.ready_state(),
        });
    });
    let (w, t) = (ws.clone(), tx);
    ws.add_event_listener(kind::Close, move |e| {
        let _ = t.send(Ev::Close {
            code: e.code(),
            reason: e.reason().to_owned(),
            clean: e.was_clean(),
            state: w.ready_state(),
        });
    });
    Recorder { rx }
}

impl Recorder {
    /// The next event, waiting at most 10 s.
    pub async fn next(&mut self) -> Ev {
        match tokio::time::timeout(Duration::from_secs(10), self.rx.recv()).await {
            Ok(Some(ev)) => ev,
            Ok(None) => panic!("recorder closed"),
            Err(_) => panic!("no event within 10 s"),
        }
    }

    /// Every event up to and including close (at most 15 s), then checks nothing follows
    /// for a moment.
    pub async fn until_close(&mut self) -> Vec<Ev> {
        let mut out = Vec::new();
        loop {
            let ev = match tokio::time::timeout(Duration::from_secs(15), self.rx.recv()).await {
                Ok(Some(ev)) => ev,
                Ok(None) => panic!("recorder closed; events so far {out:?}"),
                Err(_) => panic!("no close within 15 s; events so far {out:?}"),
            };
            let is_close = matches!(ev, Ev::Close { .. });
            out.push(ev);
            if is_close {
                break;
            }
        }
        // Nothing may come after close.
        if let Ok(Some(ev)) = tokio::time::timeout(Duration::from_millis(50), self.rx.recv()).await
        {
            panic!("event after close: {ev:?}; before: {out:?}");
        }
        out
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
