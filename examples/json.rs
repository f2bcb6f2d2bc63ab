//! JSON messages with serde: a typed request is sent as text, and every reply is parsed back
//! into the same type (here the embedded echo server sends it back unchanged).
//!
//! ```sh
//! cargo run --example json
//! ```

#[cfg(not(target_arch = "wasm32"))]
#[path = "support/echo.rs"]
mod echo;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq)]
struct Order {
    id: u32,
    item: String,
    quantity: u16,
}

#[cfg(not(target_arch = "wasm32"))]
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    use isows::WebSocket;

    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => format!("ws://{}/", echo::spawn().await?),
    };
    let ws = WebSocket::new(&url)?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    ws.set_onmessage(move |e| {
        // Text messages deref to &str: parse them in place.
        let parsed = e.data().as_text().map(serde_json::from_str::<Order>);
        let _ = tx.send(parsed);
    });
    ws.opened()
        .await
        .map_err(|c| format!("could not connect (close {})", c.code()))?;
    let order = Order {
        id: 7,
        item: "websocket".into(),
        quantity: 2,
    };
    ws.send(serde_json::to_string(&order)?)?;
    match rx.recv().await {
        Some(Some(Ok(reply))) => {
            println!("sent {order:?}, got back {reply:?}");
            assert_eq!(reply, order);
        }
        other => return Err(format!("not an Order: {other:?}").into()),
    }
    ws.close();
    ws.closed().await;
    Ok(())
}
