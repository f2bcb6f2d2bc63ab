//! The standard's tutorial echo client, ported line by line:
//!
//! ```js
//! const socket = new WebSocket(url);
//! socket.onopen = (e) => { console.log("Connection open ..."); socket.send("Hello WebSockets!"); };
//! socket.onmessage = (e) => { console.log("Received Message: " + e.data); socket.close(); };
//! socket.onclose = (e) => { console.log("Connection closed."); };
//! socket.onerror = (e) => { console.log("error!!!"); };
//! ```
//!
//! With no argument it starts an embedded echo server on 127.0.0.1 and connects to it;
//! otherwise it connects to the `ws://` or `wss://` URL given. It exits 0 after a close
//! without error, 1 otherwise. No async runtime is needed: isows starts its own.

#[cfg(not(target_arch = "wasm32"))]
#[path = "support/echo.rs"]
mod echo;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use std::process::ExitCode;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use isows::WebSocket;

    let Some(url) = echo::url_from_args() else {
        return ExitCode::FAILURE;
    };
    let socket = match WebSocket::new(&url) {
        Ok(socket) => socket,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let failed = Arc::new(AtomicBool::new(false));

    // `e.target()` is the socket, as `event.target` in JavaScript: no clone to capture.
    socket.set_onopen(|e| {
        println!("Connection open ...");
        if let Some(socket) = e.target() {
            let _ = socket.send("Hello WebSockets!");
        }
    });
    socket.set_onmessage(|e| {
        println!("Received Message: {}", e.data());
        if let Some(socket) = e.target() {
            socket.close();
        }
    });
    socket.set_onclose(|_| println!("Connection closed."));
    let f = failed.clone();
    socket.set_onerror(move |e| {
        println!("error!!!");
        eprintln!("({})", e.cause());
        f.store(true, Ordering::SeqCst);
    });

    match socket.wait_closed() {
        Ok(_) if !failed.load(Ordering::SeqCst) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}
