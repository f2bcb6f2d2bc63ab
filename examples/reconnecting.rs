//! `ReconnectingWebSocket`, used as npm's `reconnecting-websocket` is:
//!
//! ```js
//! const rws = new ReconnectingWebSocket(url, [], { minReconnectionDelay: 100 });
//! rws.onclose = (e) => console.log("closed", e.code);
//! rws.send("queued while down");   // sent after the next open
//! ```
//!
//! With no argument it starts its own echo server on 127.0.0.1, connects, stops the server
//! (its connections die with it) and starts it again on the same port, sending while the
//! server is down: every queued message arrives, in order, after the reconnect. It exits 0
//! when they all came back, 1 otherwise. With a URL it connects there, sends a message every
//! 5 s and keeps going (reconnecting whenever the connection drops) until it is stopped.
//! No async runtime is needed: isows starts its own.

#[cfg(not(target_arch = "wasm32"))]
#[path = "support/echo.rs"]
mod echo;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use std::process::ExitCode;

    let result = match std::env::args().nth(1) {
        Some(url) => keep_going(&url),
        None => demo(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The echo server, in a runtime of its own: dropping it stops the server and every
/// connection it has.
#[cfg(not(target_arch = "wasm32"))]
struct Server(Option<tokio::runtime::Runtime>);

#[cfg(not(target_arch = "wasm32"))]
impl Server {
    fn start(addr: &str) -> Result<(Server, std::net::SocketAddr)> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind(addr))?;
        let addr = listener.local_addr()?;
        runtime.spawn(echo::serve(listener));
        Ok((Server(Some(runtime)), addr))
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Drop for Server {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// The events, as lines a test (or a reader) can follow.
#[cfg(not(target_arch = "wasm32"))]
fn log_events(ws: &isows::ReconnectingWebSocket) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let t = tx.clone();
    ws.set_onopen(move |e| {
        let url = e.target().map(|ws| ws.url().to_owned()).unwrap_or_default();
        println!("open: {url}");
        let _ = t.send("open".to_string());
    });
    let t = tx.clone();
    ws.set_onmessage(move |e| {
        println!("received: {}", e.data());
        let _ = t.send(format!("message {}", e.data()));
    });
    ws.set_onerror(|e| println!("error: {}", e.cause()));
    ws.set_onclose(move |e| {
        let then = if e.will_reconnect() {
            "will reconnect"
        } else {
            "final"
        };
        println!("close: {} ({then})", e.code());
        let _ = tx.send("close".to_string());
    });
    rx
}

#[cfg(not(target_arch = "wasm32"))]
fn demo() -> Result<()> {
    use std::time::Duration;

    let bound = Duration::from_secs(20);
    let (server, addr) = Server::start("127.0.0.1:0")?;
    let ws = isows::ReconnectingWebSocket::builder(&format!("ws://{addr}/"))
        .reconnection_delay(Duration::from_millis(100), Duration::from_secs(1))
        .connect()?;
    let events = log_events(&ws);
    let next = |want: &str| -> Result<()> {
        loop {
            let line = events.recv_timeout(bound)?;
            if line == want {
                return Ok(());
            }
        }
    };
    next("open")?;
    ws.send("hello")?;
    next("message hello")?;

    println!("-- stopping the server");
    drop(server);
    next("close")?;
    for i in 1..=3 {
        let text = format!("queued {i}");
        ws.send(text.as_str())?;
        println!(
            "sent while down: {text} (bufferedAmount {})",
            ws.buffered_amount()
        );
    }

    println!("-- starting the server again on {addr}");
    let (_server, _) = Server::start(&addr.to_string())?;
    for i in 1..=3 {
        next(&format!("message queued {i}"))?;
    }
    println!(
        "all 3 queued messages came back, in order, after {} retries",
        ws.retry_count()
    );
    ws.close();
    ws.wait_closed_timeout(bound)?.ok_or("no final close")?;
    Ok(())
}

#[cfg(not(target_arch = "wasm32"))]
fn keep_going(url: &str) -> Result<()> {
    let ws = isows::ReconnectingWebSocket::new(url)?;
    let _events = log_events(&ws);
    for n in 1.. {
        match ws.send(format!("ping {n}")) {
            Ok(()) => {}
            Err(e) => println!("not sent: {e}"),
        }
        std::thread::sleep(std::time::Duration::from_secs(5));
    }
    Ok(())
}
