//! The async surface: `WebSocketStream`'s reader (a `Stream`) and writer (a `Sink`) in two
//! tasks, with backpressure both ways. The writer sends ten messages; the reader prints each
//! echo; then the stream closes and prints how. With no URL it talks to an embedded echo
//! server.
//!
//! ```sh
//! cargo run --example stream_echo [ws://host:port/path]
//! ```

#[cfg(not(target_arch = "wasm32"))]
#[path = "support/echo.rs"]
mod echo;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    use futures_util::{SinkExt, StreamExt};
    use isows::{CloseInfo, WebSocketStream};

    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => format!("ws://{}/", echo::spawn().await?),
    };
    let ws = WebSocketStream::new(&url)?;
    let isows::Opened {
        mut reader,
        mut writer,
        ..
    } = ws.opened().await?;

    // The writer waits whenever more than 1 MiB is not yet handed to the OS.
    let writing = tokio::spawn(async move {
        for n in 0..10 {
            writer.feed(format!("message {n}").into()).await?;
        }
        writer.flush().await
    });
    // The reader: a slow one would make isows stop reading from TCP, not buffer without end.
    for _ in 0..10 {
        match reader.next().await {
            Some(Ok(message)) => println!("echo: {message}"),
            Some(Err(e)) => return Err(e.into()),
            None => break,
        }
    }
    writing.await??;
    ws.close(CloseInfo {
        close_code: Some(1000),
        reason: "done".into(),
    })?;
    match ws.closed().await {
        Ok(info) => println!("closed {:?} {}", info.close_code, info.reason),
        Err(e) => println!("closed uncleanly: {e}"),
    }
    Ok(())
}
