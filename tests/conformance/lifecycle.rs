//! Catalog section 11 (drop instead of garbage collection) and the runtime model: inside a
//! tokio runtime of either flavour, and from a plain `fn main` with no runtime.

use std::time::Duration;

use isows::{Error, MessageData, ReadyState, WebSocket};

use crate::support::*;

#[tokio::test]
async fn g_01_g_02_a_socket_with_listeners_outlives_its_handles() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/delayed-message?ms=300")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let t = tx.clone();
    ws.set_onmessage(move |e| t.send(format!("message {}", e.data())).unwrap());
    ws.set_onclose(move |e| tx.send(format!("close {}", e.code())).unwrap());
    within(10, "open", ws.opened()).await.unwrap();
    drop(ws);
    assert_eq!(
        within(10, "message", rx.recv()).await.unwrap(),
        "message late"
    );
    assert_eq!(within(10, "close", rx.recv()).await.unwrap(), "close 1000");
}

#[tokio::test]
async fn g_03_g_04_dropping_the_last_handle_flushes_then_closes_with_no_code() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    within(10, "open", ws.opened()).await.unwrap();
    ws.send(vec![1u8; 100_000]).unwrap();
    let clone = ws.clone();
    drop(ws);
    assert_eq!(
        clone.ready_state(),
        ReadyState::Open,
        "a clone keeps it alive"
    );
    drop(clone);
    let log = server.wait_for_frame(|f| f.is_close()).await;
    let frames = log.frame_kinds();
    assert_eq!(
        frames,
        [(2, 100_000), (8, 0)],
        "queued data, then a Close with no status code"
    );
}

#[tokio::test]
async fn dropping_while_connecting_abandons_the_handshake() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/handshake_sleep_2?ms=200")).unwrap();
    server.wait_for_requests(1).await;
    drop(ws);
    // The client closes TCP: the server's handler sees it and ends, with no frame received.
    let log = server.wait_for_end(0).await;
    assert!(log.frames.is_empty(), "{:?}", log.frames);
}

fn server_on_its_own_runtime() -> (
    std::net::SocketAddr,
    std::thread::JoinHandle<()>,
    tokio::sync::oneshot::Sender<()>,
) {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let server = TestServer::start().await;
            addr_tx.send(server.addr).unwrap();
            let _ = stop_rx.await;
        });
    });
    (addr_rx.recv().unwrap(), thread, stop_tx)
}

/// The JavaScript example as a plain `fn main` would write it: no runtime anywhere.
#[test]
fn works_from_plain_code_without_a_runtime() {
    let (addr, thread, stop) = server_on_its_own_runtime();
    let ws = WebSocket::new(&format!("ws://{addr}/echo")).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let w = ws.clone();
    ws.set_onopen(move |_| w.send("Hello WebSockets!").unwrap());
    let w = ws.clone();
    ws.set_onmessage(move |e| {
        tx.send(e.data().clone()).unwrap();
        w.close();
    });
    assert_eq!(ws.wait_opened(), Ok(Ok(())));
    let close = ws.wait_closed().unwrap();
    assert!(close.was_clean());
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(5)).unwrap(),
        MessageData::Text("Hello WebSockets!".into())
    );
    let _ = stop.send(());
    thread.join().unwrap();
}

#[test]
fn wait_closed_timeout_returns_none_while_open() {
    let (addr, thread, stop) = server_on_its_own_runtime();
    let ws = WebSocket::new(&format!("ws://{addr}/echo")).unwrap();
    assert_eq!(ws.wait_opened(), Ok(Ok(())));
    assert_eq!(ws.wait_closed_timeout(Duration::from_millis(100)), Ok(None));
    ws.close();
    assert!(ws
        .wait_closed_timeout(Duration::from_secs(10))
        .unwrap()
        .is_some());
    let _ = stop.send(());
    thread.join().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_on_a_multi_thread_runtime_with_blocking_waits() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    assert_eq!(ws.wait_opened(), Ok(Ok(())));
    ws.close();
    assert!(ws.wait_closed().unwrap().was_clean());
}

#[tokio::test]
async fn blocking_wait_on_a_current_thread_runtime_is_refused() {
    let ws = WebSocket::new("ws://127.0.0.1:8/").unwrap();
    assert!(matches!(ws.wait_closed(), Err(Error::InvalidStateError(_))));
    assert!(matches!(ws.wait_opened(), Err(Error::InvalidStateError(_))));
}

#[test]
fn dropping_the_runtime_closes_its_sockets() {
    let (addr, thread, stop) = server_on_its_own_runtime();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let causes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let ws = rt.block_on(async {
        let ws = WebSocket::new(&format!("ws://{addr}/echo")).unwrap();
        let c = causes.clone();
        ws.set_onerror(move |e| c.lock().unwrap().push(e.cause().clone()));
        ws.opened().await.unwrap();
        ws
    });
    drop(rt);
    let close = ws
        .wait_closed_timeout(Duration::from_secs(5))
        .unwrap()
        .expect("a close event");
    assert_eq!((close.code(), close.was_clean()), (1006, false));
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    assert_eq!(*causes.lock().unwrap(), [isows::ErrorCause::Aborted]);
    let _ = stop.send(());
    thread.join().unwrap();
}

#[test]
fn wait_closed_returns_after_the_close_listeners_ran() {
    let (addr, thread, stop) = server_on_its_own_runtime();
    let ws = WebSocket::new(&format!("ws://{addr}/echo")).unwrap();
    let ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let r = ran.clone();
    ws.set_onclose(move |_| {
        // A slow listener widens the window in which a too-early return would show.
        std::thread::sleep(Duration::from_millis(50));
        r.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let w = ws.clone();
    ws.set_onopen(move |_| w.close());
    ws.wait_closed().unwrap();
    assert!(ran.load(std::sync::atomic::Ordering::SeqCst));
    let _ = stop.send(());
    thread.join().unwrap();
}

/// Run by `exiting_with_open_sockets_is_clean` in a child process (does nothing otherwise):
/// opens sockets, sends, and exits the process while they are open and busy.
#[test]
fn exit_helper() {
    let Ok(url) = std::env::var("ISOWS_EXIT_HELPER_URL") else {
        return;
    };
    let sockets: Vec<WebSocket> = (0..20).map(|_| WebSocket::new(&url).unwrap()).collect();
    for ws in &sockets {
        assert_eq!(ws.wait_opened(), Ok(Ok(())));
        for _ in 0..50 {
            ws.send(vec![1u8; 64 * 1024]).unwrap();
        }
    }
    std::process::exit(0);
}

#[test]
fn exiting_with_open_sockets_is_clean() {
    let (addr, thread, stop) = server_on_its_own_runtime();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "lifecycle::exit_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ISOWS_EXIT_HELPER_URL", format!("ws://{addr}/echo"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit status {:?}; stderr: {stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let _ = stop.send(());
    thread.join().unwrap();
}
