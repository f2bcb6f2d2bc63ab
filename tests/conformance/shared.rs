//! The shared bodies (`isows_test_support::shared`), run natively (the browser runs them in `tests/browser.rs`).

use crate::support::TestServer;
use isows_test_support::{shared as bodies, shared_stream_test_names, shared_test_names};

fn base(server: &TestServer) -> String {
    format!("ws://{}", server.addr)
}

macro_rules! shared_tests {
    (sync: $($sync:ident),* ; async: $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $sync() {
                let server = TestServer::start().await;
                bodies::$sync(&base(&server));
            }
        )*
        $(
            #[tokio::test]
            async fn $name() {
                let server = TestServer::start().await;
                bodies::$name(&base(&server)).await;
            }
        )*
    };
}

shared_test_names!(shared_tests);
shared_stream_test_names!(shared_tests);
