//! isows inside a tokio program: a ticker sends a message every 100 ms, and `select!` waits for
//! whichever comes first, the socket's close or a shutdown signal (Ctrl-C, or
//! `--shutdown-after-ms N` for a scripted run), then closes with 1000 "shutting down". With
//! no URL it talks to an embedded echo server.
//!
//! ```sh
//! cargo run --example tokio_select -- --shutdown-after-ms 500
//! ```

#[cfg(not(target_arch = "wasm32"))]
#[path = "support/echo.rs"]
mod echo;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    use std::time::Duration;

    use isows::WebSocket;

    let mut args = std::env::args().skip(1);
    let (mut url, mut shutdown_after) = (None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--shutdown-after-ms" => shutdown_after = args.next().map(|v| v.parse()).transpose()?,
            _ => url = Some(arg),
        }
    }
    let url = match url {
        Some(url) => url,
        None => format!("ws://{}/", echo::spawn().await?),
    };
    let ws = WebSocket::new(&url)?;
    ws.set_onmessage(|e| println!("echo: {}", e.data()));
    if let Err(close) = ws.opened().await {
        return Err(format!("could not connect (close {})", close.code()).into());
    }
    let ticker = {
        let ws = ws.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            for n in 0u64.. {
                tick.tick().await;
                if ws.send(format!("tick {n}")).is_err() {
                    break;
                }
            }
        })
    };
    let shutdown = async {
        match shutdown_after {
            Some(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    tokio::select! {
        close = ws.closed() => println!("the server closed: {}", close.code()),
        _ = shutdown => {
            println!("shutting down");
            ws.close_with(1000, "shutting down")?;
            let close = ws.closed().await;
            println!("closed {} {}", close.code(), close.reason());
        }
    }
    ticker.abort();
    Ok(())
}
