//! A tokio-tungstenite server for one connection on 127.0.0.1: the peer of the tests that
//! want a real, independent WebSocket implementation doing something on purpose (flooding,
//! never reading, answering late).

use std::future::Future;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The server's side of the connection.
pub type Peer = tokio_tungstenite::WebSocketStream<TcpStream>;

/// Listens on a free port, accepts one connection, runs the handshake and then `serve` on it.
/// Gives the URL to connect to and the task running `serve`.
pub async fn serve_one<F, Fut>(serve: F) -> (String, JoinHandle<Fut::Output>)
where
    F: FnOnce(Peer) -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        serve(tokio_tungstenite::accept_async(tcp).await.unwrap()).await
    });
    (url, task)
}
