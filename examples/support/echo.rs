//! A small local echo server (tokio-tungstenite): text and binary are echoed, a client's
//! Close is answered with the same code and reason (an empty body for none).

use std::net::SocketAddr;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;

/// Accepts connections on `listener` forever, one task per connection.
pub async fn serve(listener: TcpListener) {
    while let Ok((tcp, _)) = listener.accept().await {
        tokio::spawn(async move {
            let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                return;
            };
            while let Some(Ok(msg)) = ws.next().await {
                if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// Starts the server on 127.0.0.1 (any free port) in a background thread; returns its address.
#[allow(dead_code)]
pub fn spawn_background() -> std::io::Result<SocketAddr> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || runtime.block_on(serve(listener)));
    Ok(addr)
}

/// Starts the server on 127.0.0.1 (any free port) as a task of the current tokio runtime.
#[allow(dead_code)]
pub async fn spawn() -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(serve(listener));
    Ok(addr)
}

/// The URL given as the first argument, or that of an embedded echo server started now
/// (`None`, after saying why, if it cannot start).
#[allow(dead_code)]
pub fn url_from_args() -> Option<String> {
    match std::env::args().nth(1) {
        Some(url) => Some(url),
        None => match spawn_background() {
            Ok(addr) => Some(format!("ws://{addr}/")),
            Err(e) => {
                eprintln!("cannot start the embedded echo server: {e}");
                None
            }
        },
    }
}
