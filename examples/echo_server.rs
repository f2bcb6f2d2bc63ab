//! A standalone local echo server to try things against.
//!
//! ```sh
//! cargo run --example echo_server            # listens on 127.0.0.1:8765
//! cargo run --example echo_server 127.0.0.1:9000
//! ```

#[cfg(not(target_arch = "wasm32"))]
#[path = "support/echo.rs"]
mod echo;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8765".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("echo server listening on ws://{}/", listener.local_addr()?);
    echo::serve(listener).await;
    Ok(())
}
