//! Hostile servers and load: random byte streams after a valid handshake (a fuzzing loop with
//! fixed seeds), and many sockets exchanging sequence-numbered messages, then checking that
//! nothing is left behind.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use isows::WebSocket;

use crate::support::recorder::{close_of, names};
use crate::support::*;

/// A small deterministic generator (xorshift), so every failure can be replayed by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Server bytes after the handshake: a mix of valid frames, frames with random header bits,
/// and plain garbage.
fn hostile_stream(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..1 + rng.below(6) {
        match rng.below(4) {
            0 => {
                let len = rng.below(20) as usize;
                out.push(0x81);
                out.push(len as u8);
                out.extend((0..len).map(|i| b'a' + (i % 26) as u8));
            }
            1 => {
                let len = rng.below(130) as usize;
                out.push(rng.next() as u8);
                out.push(if len > 125 { 126 } else { len as u8 } | (rng.below(2) as u8) << 7);
                if len > 125 {
                    out.extend_from_slice(&(len as u16).to_be_bytes());
                }
                out.extend((0..len).map(|_| rng.next() as u8));
            }
            2 => out.extend((0..rng.below(40)).map(|_| rng.next() as u8)),
            _ => {
                out.push(0x88);
                out.push(2);
                out.extend_from_slice(&(rng.below(5000) as u16).to_be_bytes());
            }
        }
    }
    out
}

/// The event contract: at most one open, first; error (if any) right before close; close
/// exactly once and last.
fn check_contract(seed: u64, events: &[Ev]) {
    let names = names(events);
    let opens = names.iter().filter(|n| **n == "open").count();
    let errors = names.iter().filter(|n| **n == "error").count();
    let closes = names.iter().filter(|n| **n == "close").count();
    assert!(
        opens <= 1 && errors <= 1 && closes == 1,
        "seed {seed}: {names:?}"
    );
    assert_eq!(names.last(), Some(&"close"), "seed {seed}: {names:?}");
    if opens == 1 {
        assert_eq!(names[0], "open", "seed {seed}: {names:?}");
    }
    if errors == 1 {
        assert_eq!(names[names.len() - 2], "error", "seed {seed}: {names:?}");
    }
}

/// FUZZ_ITERATIONS (default 300) random server byte streams; no panic, no hang, the contract
/// holds for each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_server_bytes_keep_the_event_contract() {
    let iterations: u64 = std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let server = TestServer::start().await;
    for seed in 1..=iterations {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let hex: String = hostile_stream(&mut rng)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let ws = WebSocket::builder(&server.url(&format!("/raw?hex={hex}")))
            .close_timeout(Duration::from_millis(500))
            .connect()
            .unwrap();
        let mut rec = record(&ws);
        // Close from our side too, half the time, in the middle of whatever arrives.
        if seed % 2 == 0 {
            let w = ws.clone();
            ws.set_onmessage(move |_| w.close());
        }
        // The server keeps the connection open after its bytes: end it ourselves, bounded.
        let w = ws.clone();
        let closer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            w.close();
        });
        let events = rec.until_close().await;
        check_contract(seed, &events);
        closer.abort();
    }
}

/// Resident memory, after handing freed memory back to the OS (glibc keeps it otherwise).
fn rss_after_trim() -> usize {
    // SAFETY: malloc_trim only releases free memory at the top of glibc's heaps.
    unsafe { libc::malloc_trim(0) };
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(0)
        * 4096
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// SOAK_SOCKETS × SOAK_MESSAGES (default 100 × 200; the long form is 1,000 × 1,000)
/// sequence-numbered messages through the echo server: every echo arrives, in order, once.
/// Afterwards no task or file descriptor of ours is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_every_echo_in_order_and_nothing_left_behind() {
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (sockets, messages) = (env("SOAK_SOCKETS", 100), env("SOAK_MESSAGES", 200));
    let server = TestServer::start().await;
    let fds_before = open_fds();
    let rss_before = rss_after_trim();
    let tasks_before = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    let failures = Arc::new(Mutex::new(Vec::new()));
    let mut all = Vec::new();
    for s in 0..sockets {
        // Under full load the echo of our Close can queue behind many messages: a generous
        // close timeout, so that a slow (not broken) server is not cut off.
        let ws = WebSocket::builder(&server.url("/echo?nolog=1"))
            .close_timeout(Duration::from_secs(120))
            .connect()
            .unwrap();
        let next = Arc::new(Mutex::new(0usize));
        let w = ws.clone();
        ws.set_onopen(move |_| {
            for i in 0..messages {
                w.send(format!("{s}:{i}")).unwrap();
            }
        });
        let (w, n, f) = (ws.clone(), next.clone(), failures.clone());
        ws.set_onmessage(move |e| {
            let mut n = n.lock().unwrap();
            if e.data().as_text() != Some(format!("{s}:{}", *n).as_str()) {
                f.lock()
                    .unwrap()
                    .push(format!("socket {s}: expected {s}:{} got {}", *n, e.data()));
            }
            *n += 1;
            if *n == messages {
                w.close();
            }
        });
        all.push((ws, next));
    }
    for (ws, next) in &all {
        let close = within(120, "soak close", ws.closed()).await;
        assert!(close.was_clean(), "{close:?}");
        assert_eq!(*next.lock().unwrap(), messages);
    }
    assert!(
        failures.lock().unwrap().is_empty(),
        "{:?}",
        &failures.lock().unwrap()[..5.min(failures.lock().unwrap().len())]
    );
    drop(all);
    drop(server);
    // The connection tasks and sockets wind down asynchronously: bounded wait.
    for _ in 0..500 {
        let tasks = tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks();
        if tasks <= tasks_before && open_fds() <= fds_before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let tasks = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    assert!(
        tasks <= tasks_before,
        "tasks left: {tasks} (before: {tasks_before})"
    );
    assert!(
        open_fds() <= fds_before,
        "file descriptors left: {} (before: {fds_before})",
        open_fds()
    );
    // Memory back near its baseline: what is left is the allocator's bookkeeping, not sockets.
    let rss_after = rss_after_trim();
    let grown = rss_after.saturating_sub(rss_before);
    assert!(
        grown < 32 << 20,
        "RSS grew by {grown} bytes ({rss_before} -> {rss_after})"
    );
}

fn hexify(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test]
async fn reset_mid_frame_is_close_1006_without_error() {
    let server = TestServer::start().await;
    // A text frame announcing 100 bytes, of which 3 arrive, then TCP is dropped.
    let hex = hexify(&[0x81, 100, b'a', b'b', b'c']);
    let ws = WebSocket::new(&server.url(&format!("/raw?hex={hex}&abort=1"))).unwrap();
    let events = record(&ws).until_close().await;
    assert_eq!(names(&events), ["open", "close"]);
    assert_eq!(close_of(&events), (1006, String::new(), false));
}

#[tokio::test]
async fn reset_mid_handshake_fails_the_connection() {
    let server = TestServer::start().await;
    let head = hexify(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConn");
    let ws = WebSocket::new(&server.url(&format!("/raw_response?hex={head}&abort=1"))).unwrap();
    let events = record(&ws).until_close().await;
    assert_eq!(names(&events), ["error", "close"]);
    assert_eq!(close_of(&events), (1006, String::new(), false));
}

#[tokio::test]
async fn reset_right_after_the_servers_close() {
    let server = TestServer::start().await;
    let hex = hexify(&[0x88, 0x02, 0x0f, 0xa0]); // Close 4000
    let ws = WebSocket::new(&server.url(&format!("/raw?hex={hex}&abort=1"))).unwrap();
    let events = record(&ws).until_close().await;
    assert_eq!(names(&events), ["open", "close"]);
    let (code, _, _) = close_of(&events);
    assert_eq!(code, 4000, "the Close frame received decides the code");
}

#[tokio::test]
async fn slow_reader_buffered_amount_rises_then_drains() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/slow-reader?ms=700")).unwrap();
    within(10, "open", ws.opened()).await.unwrap();
    for _ in 0..16 {
        ws.send(vec![7u8; 512 * 1024]).unwrap();
    }
    // 8 MiB cannot all fit in the socket buffers while the server does not read.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let high = ws.buffered_amount();
    assert!(
        high > 0,
        "bufferedAmount should be above 0 while the server does not read"
    );
    for _ in 0..1000 {
        if ws.buffered_amount() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        ws.buffered_amount(),
        0,
        "drained once the server reads (high was {high})"
    );
    ws.close();
    within(20, "close", ws.closed()).await;
}
