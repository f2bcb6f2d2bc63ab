//! The test server (the WPT handler re-creations) as a standalone program, for the browser
//! tests: `cargo run -p isows-test-support --bin wpt_server -- 127.0.0.1:18765`. Prints
//! `LISTENING <addr>` once it accepts connections.

#[cfg(not(target_arch = "wasm32"))]
use isows_test_support as support;

#[cfg(not(target_arch = "wasm32"))]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18765".into());
    let server = support::TestServer::start_at(&addr).await;
    println!("LISTENING {}", server.addr);
    std::future::pending::<()>().await;
}

#[cfg(target_arch = "wasm32")]
fn main() {}
