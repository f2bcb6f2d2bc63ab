//! Catalog section 8: events and ordering (E), plus the listener registry's DOM rules.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use isows::{kind, ErrorCause, ListenerOptions, MessageData, ReadyState, WebSocket};

use crate::support::recorder::{close_of, first_message_data, names};
use crate::support::*;

type Log = Arc<Mutex<Vec<String>>>;

fn push(log: &Log, s: impl Into<String>) {
    log.lock().unwrap().push(s.into());
}

#[tokio::test]
async fn e_01_listeners_attached_after_the_constructor_get_open() {
    let server = TestServer::start().await;
    let ws = WebSocket::with_protocols(&server.url("/echo"), ["echo"]).unwrap();
    let mut rec = record(&ws);
    assert_eq!(rec.next().await, Ev::opened("echo"));
}

#[tokio::test]
async fn e_03_event_objects() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    ws.set_onopen(move |e| tx.send(e.event_type()).unwrap());
    assert_eq!(
        within(10, "open", rx.recv()).await.unwrap().as_str(),
        "open"
    );
}

#[tokio::test]
async fn e_04_protocol_error_after_a_good_frame() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo_raw")).unwrap();
    let w = ws.clone();
    ws.set_onopen(move |_| {
        let bytes = [
            0x81, 0x04, b't', b'e', b's', b't', 0x83, 0x03, b'L', b'O', b'L',
        ];
        w.send(&bytes).unwrap();
    });
    let events = record(&ws).until_close().await;
    assert_eq!(
        events[1],
        Ev::Message {
            data: MessageData::Text("test".into()),
            state: ReadyState::Open
        }
    );
    assert!(
        matches!(
            &events[2],
            Ev::Error {
                cause: ErrorCause::Protocol(_),
                state: ReadyState::Closed
            }
        ),
        "{events:?}"
    );
    assert_eq!(close_of(&events), (1006, String::new(), false));
    assert_eq!(events.len(), 4);
}

#[tokio::test]
async fn e_07_dns_failure() {
    let ws = WebSocket::new("ws://example.invalid/").unwrap();
    let events = record(&ws).until_close().await;
    assert!(
        matches!(
            &events[0],
            Ev::Error {
                cause: ErrorCause::Dns(_),
                state: ReadyState::Closed
            }
        ),
        "{events:?}"
    );
    assert_eq!(close_of(&events), (1006, String::new(), false));
}

#[tokio::test]
async fn e_08_no_message_after_close() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let w = ws.clone();
    ws.set_onopen(move |_| {
        w.send("x").unwrap();
        w.close();
    });
    let events = record(&ws).until_close().await;
    assert_eq!(names(&events), ["open", "close"]);
    // The echo did come back before the Close reply.
    let log = server.wait_for_frame(|f| f.is_close()).await;
    assert_eq!(log.frames[0].payload, b"x");
}

fn frame(op: u8, payload: &[u8]) -> String {
    let mut b = vec![0x80 | op, payload.len() as u8];
    b.extend_from_slice(payload);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test]
async fn e_09_messages_before_the_servers_close_come_in_order() {
    let server = TestServer::start().await;
    let hex = [
        frame(1, b"1"),
        frame(1, b"2"),
        frame(1, b"3"),
        frame(8, &[0x03, 0xe8]),
    ]
    .concat();
    let ws = WebSocket::new(&server.url(&format!("/raw?hex={hex}"))).unwrap();
    let events = record(&ws).until_close().await;
    let text = |s: &str| Ev::Message {
        data: MessageData::Text(s.into()),
        state: ReadyState::Open,
    };
    assert_eq!(events[1..4], [text("1"), text("2"), text("3")]);
    assert_eq!(close_of(&events), (1000, String::new(), true));
}

#[tokio::test]
async fn e_10_on_handlers_replace_and_clear() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let log: Log = Arc::default();
    let l = log.clone();
    ws.set_onmessage(move |_| push(&l, "old"));
    let l = log.clone();
    ws.set_onmessage(move |e| push(&l, format!("new {}", e.data())));
    let l = log.clone();
    ws.set_onerror(move |_| push(&l, "error"));
    ws.clear_onerror();
    let mut rec = record(&ws);
    rec.next().await;
    ws.send("a").unwrap();
    rec.next().await;
    ws.clear_onmessage();
    ws.send("b").unwrap();
    rec.next().await;
    ws.close();
    rec.until_close().await;
    assert_eq!(*log.lock().unwrap(), ["new a"]);
}

#[tokio::test]
async fn e_13_idle_connection_stays_open() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let mut rec = record(&ws);
    rec.next().await;
    // Idle for a while (the scenario itself; WPT waits 20 s, 3 s shows the same).
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(ws.ready_state(), ReadyState::Open);
    ws.send("test").unwrap();
    assert_eq!(
        rec.next().await,
        Ev::Message {
            data: MessageData::Text("test".into()),
            state: ReadyState::Open
        }
    );
    ws.close();
    assert!(close_of(&rec.until_close().await).2);
}

#[tokio::test]
async fn e_14_e_15_server_ping_is_answered_pong_ignored() {
    let server = TestServer::start().await;
    let hex = [
        frame(9, b"P!"),
        frame(10, b"unsolicited"),
        frame(1, b"after"),
    ]
    .concat();
    let ws = WebSocket::new(&server.url(&format!("/raw?hex={hex}"))).unwrap();
    let mut rec = record(&ws);
    rec.next().await;
    assert_eq!(
        rec.next().await,
        Ev::Message {
            data: MessageData::Text("after".into()),
            state: ReadyState::Open
        }
    );
    let log = server.wait_for_frame(|f| f.opcode == 10).await;
    let pong = log.frames.iter().find(|f| f.opcode == 10).unwrap();
    assert_eq!(pong.payload, b"P!");
    assert!(pong.masked);
    ws.close();
    let events = rec.until_close().await;
    assert_eq!(names(&events), ["close"]);
}

#[tokio::test]
async fn e_16_no_referer_header() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/referrer")).unwrap();
    let data = first_message_data(&ws).await;
    assert_eq!(data, MessageData::Text("MISSING AS PER FETCH".into()));
}

#[tokio::test]
async fn e_17_origin_header_only_when_set() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/origin")).unwrap();
    let data = first_message_data(&ws).await;
    assert_eq!(data, MessageData::Text("MISSING AS PER FETCH".into()));
    let ws = WebSocket::builder(&server.url("/origin"))
        .header("Origin", "https://example.com")
        .connect()
        .unwrap();
    let data = first_message_data(&ws).await;
    assert_eq!(data, MessageData::Text("https://example.com".into()));
}

#[tokio::test]
async fn listener_added_during_dispatch_does_not_run_for_that_event() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let log: Log = Arc::default();
    let (w, l) = (ws.clone(), log.clone());
    ws.add_event_listener_with_options(
        kind::Message,
        move |e| {
            push(&l, format!("first {}", e.data()));
            let l2 = l.clone();
            w.add_event_listener(kind::Message, move |e| {
                push(&l2, format!("added {}", e.data()))
            });
        },
        ListenerOptions { once: true },
    );
    let mut rec = record(&ws);
    rec.next().await;
    ws.send("a").unwrap();
    rec.next().await;
    ws.send("b").unwrap();
    rec.next().await;
    assert_eq!(*log.lock().unwrap(), ["first a", "added b"]);
}

#[tokio::test]
async fn listener_removed_during_dispatch_is_not_called() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let log: Log = Arc::default();
    let victim = Arc::new(Mutex::new(None));
    let (w, l, v) = (ws.clone(), log.clone(), victim.clone());
    ws.add_event_listener(kind::Message, move |_| {
        push(&l, "remover");
        if let Some(id) = v.lock().unwrap().take() {
            w.remove_event_listener(id);
        }
    });
    let l = log.clone();
    *victim.lock().unwrap() =
        Some(ws.add_event_listener(kind::Message, move |_| push(&l, "victim")));
    let mut rec = record(&ws);
    rec.next().await;
    ws.send("a").unwrap();
    rec.next().await;
    assert_eq!(*log.lock().unwrap(), ["remover"]);
}

#[tokio::test]
async fn once_listener_runs_once_and_remove_reports() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let log: Log = Arc::default();
    let l = log.clone();
    let id = ws.add_event_listener_with_options(
        kind::Message,
        move |e| push(&l, e.data().to_string()),
        ListenerOptions { once: true },
    );
    let mut rec = record(&ws);
    rec.next().await;
    ws.send("a").unwrap();
    rec.next().await;
    ws.send("b").unwrap();
    rec.next().await;
    assert_eq!(*log.lock().unwrap(), ["a"]);
    assert!(
        !ws.remove_event_listener(id),
        "a once listener is gone after its call"
    );
}

#[tokio::test]
async fn a_listener_may_replace_its_own_slot() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let log: Log = Arc::default();
    let (w, l) = (ws.clone(), log.clone());
    ws.set_onmessage(move |e| {
        push(&l, format!("first {}", e.data()));
        let l2 = l.clone();
        w.set_onmessage(move |e| push(&l2, format!("second {}", e.data())));
    });
    let mut rec = record(&ws);
    rec.next().await;
    for m in ["a", "b", "c"] {
        ws.send(m).unwrap();
        rec.next().await;
    }
    assert_eq!(*log.lock().unwrap(), ["first a", "second b", "second c"]);
}

#[tokio::test]
async fn a_panicking_listener_does_not_stop_dispatch() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    ws.set_onopen(|_| panic!("listener bug (expected in this test)"));
    let mut rec = record(&ws);
    assert!(matches!(rec.next().await, Ev::Open { .. }));
    ws.send("still works").unwrap();
    assert!(matches!(rec.next().await, Ev::Message { .. }));
}

/// `event.target()`: a listener replies and closes through the event, capturing nothing;
/// the socket still closes on its own once the handles are gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listeners_reach_their_socket_through_event_target() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    ws.set_onopen(|e| e.target().unwrap().send("ping").unwrap());
    ws.set_onmessage(|e| {
        let ws = e.target().unwrap();
        if e.data().as_text() == Some("ping") {
            ws.send("pong").unwrap();
        } else {
            ws.close_with(4000, "done").unwrap();
        }
    });
    let t = tx.clone();
    ws.set_onclose(move |e| {
        let target = e.target().expect("a target");
        t.send((e.code(), target.ready_state(), target.url().to_owned()))
            .unwrap();
    });
    let url = ws.url().to_owned();
    drop(ws); // listeners keep it alive
    let (code, state, target_url) = within(10, "close", rx.recv()).await.unwrap();
    assert_eq!(
        (code, state, target_url),
        (4000, isows::ReadyState::Closed, url)
    );
    drop(tx);
}

/// A socket with no listeners whose last handle is gone is closed, even after its events
/// had targets (the dispatcher keeps no handle of its own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_do_not_keep_a_socket_alive() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let id = ws.add_event_listener(isows::kind::Open, |e| {
        e.target().unwrap().send("x").unwrap();
    });
    within(10, "open", ws.opened()).await.unwrap();
    ws.remove_event_listener(id);
    let closed = ws.clone();
    drop(ws);
    // `closed` is a handle too: drop it as well, then the server must see the Close.
    drop(closed);
    let log = server.wait_for_frame(|f| f.is_close()).await;
    assert_eq!(
        log.frame_kinds().last(),
        Some(&(8, 0)),
        "an empty Close on release"
    );
}
