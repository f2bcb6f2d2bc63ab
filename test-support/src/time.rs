//! Time on both backends: tokio's timer natively, `setTimeout` in the browser.

use std::future::Future;

/// Milliseconds since the Unix epoch.
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> f64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

/// Milliseconds since the Unix epoch.
#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Waits `ms` milliseconds.
#[cfg(not(target_arch = "wasm32"))]
pub async fn sleep_ms(ms: u32) {
    tokio::time::sleep(std::time::Duration::from_millis(ms.into())).await;
}

/// Waits `ms` milliseconds.
#[cfg(target_arch = "wasm32")]
pub async fn sleep_ms(ms: u32) {
    use wasm_bindgen::prelude::*;
    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_name = setTimeout)]
        fn set_timeout(f: &js_sys::Function, ms: i32) -> JsValue;
    }
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms as i32);
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// `f`'s output, or `None` when `ms` milliseconds pass first.
pub async fn timeout<T>(ms: u32, f: impl Future<Output = T>) -> Option<T> {
    use futures_util::future::{select, Either};
    let (f, sleep) = (std::pin::pin!(f), std::pin::pin!(sleep_ms(ms)));
    match select(f, sleep).await {
        Either::Left((v, _)) => Some(v),
        Either::Right(_) => None,
    }
}

/// Waits for a future with a bound; panics with `what` when it passes.
pub async fn within<T>(secs: u32, what: &str, f: impl Future<Output = T>) -> T {
    match timeout(secs * 1000, f).await {
        Some(v) => v,
        None => panic!("timed out after {secs} s waiting for {what}"),
    }
}
