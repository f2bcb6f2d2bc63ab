//! The shared conformance bodies (`isows_test_support::shared`) and the leak check, in headless Chromium
//! (wasm-bindgen-test, `run_in_browser`). The server is the `wpt_server` program of `test-support/`, started by
//! `scripts/test.sh` at `ISOWS_TEST_SERVER` (compile time; default ws://127.0.0.1:18765).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

use isows_test_support::recorder::{names, record};
use isows_test_support::time::sleep_ms;
use isows_test_support::{shared as bodies, shared_stream_test_names, shared_test_names};

wasm_bindgen_test_configure!(run_in_browser);

const BASE: &str = match option_env!("ISOWS_TEST_SERVER") {
    Some(url) => url,
    None => "ws://127.0.0.1:18765",
};

macro_rules! shared_tests {
    (sync: $($sync:ident),* ; async: $($name:ident),* $(,)?) => {
        $(
            #[wasm_bindgen_test]
            fn $sync() {
                bodies::$sync(BASE);
            }
        )*
        $(
            #[wasm_bindgen_test]
            async fn $name() {
                bodies::$name(BASE).await;
            }
        )*
    };
}

shared_test_names!(shared_tests);
shared_stream_test_names!(shared_tests);

/// The `WebSocketStream` bodies again, over the browser's `WebSocket` (`over_websocket()`):
/// the fallback for pages without `WebSocketStream`. Tests run one at a time in the page, so
/// the switch is set for exactly one body.
macro_rules! over_websocket_tests {
    (sync: $($sync:ident),* ; async: $($name:ident),* $(,)?) => {
        mod over_websocket {
            use super::*;
            $(
                #[wasm_bindgen_test]
                fn $sync() {
                    isows_test_support::shared::set_over_websocket(true);
                    bodies::$sync(BASE);
                    isows_test_support::shared::set_over_websocket(false);
                }
            )*
            $(
                #[wasm_bindgen_test]
                async fn $name() {
                    isows_test_support::shared::set_over_websocket(true);
                    bodies::$name(BASE).await;
                    isows_test_support::shared::set_over_websocket(false);
                }
            )*
        }
    };
}

shared_stream_test_names!(over_websocket_tests);

/// The page has `WebSocketStream`, so the stream bodies above ran on it (and the
/// `over_websocket` ones on the browser's `WebSocket`): both paths were tested.
#[wasm_bindgen_test]
fn the_page_has_websocket_stream() {
    let has = js_sys::Reflect::has(&js_sys::global(), &"WebSocketStream".into()).unwrap();
    assert!(
        has,
        "this Chromium has no WebSocketStream: only the fallback was tested"
    );
}

#[wasm_bindgen_test]
fn native_only_options_are_refused() {
    let err = isows::WebSocket::builder(&format!("{BASE}/echo"))
        .header("X-A", "b")
        .connect()
        .unwrap_err();
    assert_eq!(err.name(), "NotSupportedError");
    let err = isows::WebSocket::builder(&format!("{BASE}/echo"))
        .serialize_handshakes(false)
        .connect()
        .unwrap_err();
    assert!(err.message().contains("serialize_handshakes"), "{err}");
    // Pings are hidden from pages: no heartbeat of pings in the browser.
    let err = isows::WebSocket::builder(&format!("{BASE}/echo"))
        .ping_interval(std::time::Duration::from_secs(1))
        .connect()
        .unwrap_err();
    assert_eq!(err.name(), "NotSupportedError");
    assert!(err.message().contains("ping_interval"), "{err}");
    let ws = isows::WebSocket::new(&format!("{BASE}/echo")).unwrap();
    assert_eq!(ws.wait_closed().unwrap_err().name(), "NotSupportedError");
    ws.close();
}

/// The JS heap size (Chromium's `performance.memory.usedJSHeapSize`), after a forced GC when
/// the page exposes `gc` (webdriver.json passes `--js-flags=--expose-gc`).
fn js_heap_after_gc() -> Option<f64> {
    use wasm_bindgen::{JsCast, JsValue};
    let global = js_sys::global();
    if let Ok(gc) = js_sys::Reflect::get(&global, &"gc".into()) {
        if let Some(gc) = gc.dyn_ref::<js_sys::Function>() {
            let _ = gc.call0(&JsValue::NULL);
        }
    }
    let performance = js_sys::Reflect::get(&global, &"performance".into()).ok()?;
    let memory = js_sys::Reflect::get(&performance, &"memory".into()).ok()?;
    js_sys::Reflect::get(&memory, &"usedJSHeapSize".into())
        .ok()?
        .as_f64()
}

/// 500 sockets opened, used and closed: every socket the crate allocated is freed (the live
/// counter returns to zero) and the JS heap does not grow beyond a small bound.
#[wasm_bindgen_test]
async fn leak_check_500_sockets() {
    // Sockets of tests that ran before may still be closing: they must be gone within 5 s.
    let started = js_sys::Date::now();
    while isows::live_sockets() != 0 {
        assert!(
            js_sys::Date::now() - started < 5000.0,
            "{} sockets of earlier tests still alive after 5 s",
            isows::live_sockets()
        );
        sleep_ms(20).await;
    }
    // Warm up (first-use allocations), then measure.
    run_sockets(20).await;
    sleep_ms(50).await;
    let before = js_heap_after_gc();
    run_sockets(500).await;
    // A socket's browser callback is freed as its `close` call returns, so once every close
    // event has been seen (and the handles are dropped) no socket may be left: no waiting.
    assert_eq!(isows::live_sockets(), 0, "sockets still alive after close");
    let after = js_heap_after_gc();
    if let (Some(before), Some(after)) = (before, after) {
        let growth = after - before;
        web_sys_log(&format!(
            "JS heap before {before} after {after} growth {growth}"
        ));
        assert!(
            growth < 2_000_000.0,
            "JS heap grew by {growth} bytes over 500 sockets"
        );
    }
}

fn web_sys_log(s: &str) {
    wasm_bindgen_test::console_log!("{}", s);
}

async fn run_sockets(n: usize) {
    for batch in 0..n.div_ceil(50) {
        let mut recs = Vec::new();
        for i in 0..50.min(n - batch * 50) {
            let ws = isows::WebSocket::new(&format!("{BASE}/echo")).unwrap();
            let w = ws.clone();
            ws.set_onopen(move |_| w.send(format!("m{i}")).unwrap());
            let w = ws.clone();
            ws.set_onmessage(move |_| w.close());
            recs.push(record(&ws));
        }
        for rec in &mut recs {
            assert_eq!(
                names(&rec.through_close().await),
                ["open", "message", "close"]
            );
        }
    }
}

/// What the page's own `new WebSocket(input)` reports as `url` (the socket is closed at once).
fn chromium_url(input: &str) -> String {
    use js_sys::{Array, Function, Reflect};
    let class: Function = Reflect::get(&js_sys::global(), &"WebSocket".into())
        .unwrap()
        .into();
    let ws = Reflect::construct(&class, &Array::of1(&input.into())).unwrap();
    let url = Reflect::get(&ws, &"url".into())
        .unwrap()
        .as_string()
        .unwrap();
    let close: Function = Reflect::get(&ws, &"close".into()).unwrap().into();
    close.call0(&ws).unwrap();
    url
}

/// Puts `<base href>` in the page (or takes it out with `None`).
fn set_base_href(href: Option<&str>) {
    use js_sys::{Function, Reflect};
    use wasm_bindgen::JsValue;
    let get = |t: &JsValue, k: &str| Reflect::get(t, &k.into()).unwrap();
    let call = |t: &JsValue, m: &str, args: &[JsValue]| {
        let f: Function = get(t, m).into();
        f.apply(t, &args.iter().collect()).unwrap()
    };
    let document = get(&js_sys::global(), "document");
    let head = get(&document, "head");
    let existing = call(&document, "querySelector", &["base".into()]);
    if !existing.is_null() {
        call(&head, "removeChild", &[existing]);
    }
    if let Some(href) = href {
        let base = call(&document, "createElement", &["base".into()]);
        Reflect::set(&base, &"href".into(), &href.into()).unwrap();
        call(&head, "appendChild", &[base]);
    }
}

/// C-06 in the browser: a relative URL resolves against the page's base URL, exactly as the
/// page's own `WebSocket` resolves it, for `WebSocket::new`, `with_protocols`, the builder and
/// `WebSocketStream` (on the page's own and over the browser's `WebSocket`); with a
/// `<base href>` pointing at the test server, `"echo"` opens and echoes. Natively the same
/// inputs are a `SyntaxError` (`conformance::constructor::c_06_…`).
#[wasm_bindgen_test]
async fn c_06_relative_urls_resolve_against_the_page() {
    for input in ["/echo", "test", "?"] {
        let expected = chromium_url(input);
        assert!(expected.starts_with("ws://"), "{expected}");
        let ws = isows::WebSocket::new(input).unwrap();
        assert_eq!(ws.url(), expected, "WebSocket::new({input:?})");
        ws.close();
        let ws = isows::WebSocket::with_protocols(input, ["chat"]).unwrap();
        assert_eq!(ws.url(), expected, "with_protocols({input:?})");
        ws.close();
        for over_websocket in [false, true] {
            let builder = isows::WebSocketStream::builder(isows::WebSocket::builder(input));
            let builder = match over_websocket {
                true => builder.over_websocket(),
                false => builder,
            };
            let ws = builder.connect().unwrap();
            assert_eq!(
                ws.url(),
                expected,
                "WebSocketStream {input:?} {over_websocket}"
            );
            ws.close(isows::CloseInfo::default()).unwrap();
        }
    }
    // The server's address as an http URL: the base of the page for a moment.
    let http_base = format!("{}/", BASE.replacen("ws://", "http://", 1));
    set_base_href(Some(&http_base));
    let ws = isows::WebSocket::new("echo").unwrap();
    let url = ws.url().to_owned();
    let mut rec = record(&ws);
    let w = ws.clone();
    ws.set_onopen(move |_| w.send("relative").unwrap());
    let w = ws.clone();
    ws.set_onmessage(move |_| w.close());
    let stream = isows::WebSocketStream::new("echo").unwrap();
    let stream_url = stream.url().to_owned();
    stream.close(isows::CloseInfo::default()).unwrap();
    set_base_href(None);
    assert_eq!(url, format!("{BASE}/echo"));
    assert_eq!(stream_url, format!("{BASE}/echo"));
    assert_eq!(
        names(&rec.through_close().await),
        ["open", "message", "close"]
    );
}

/// The browser hides why a connection failed: the causes are `None` there (natively they say
/// why: `tests/causes.rs`), on both APIs and both stream backings; the errors still compose
/// with `?` as `Box<dyn Error>`.
#[wasm_bindgen_test]
async fn failure_causes_are_hidden_by_the_browser() {
    // The server refuses the upgrade (HTTP 403 with a body): natively the cause has both.
    let refused = format!("{BASE}/refuse?status=403&len=40");
    let ws = isows::WebSocket::new(&refused).unwrap();
    let close = ws.opened().await.unwrap_err();
    assert_eq!((close.code(), close.cause()), (1006, None));
    let boxed: Box<dyn std::error::Error> = close.into();
    assert!(boxed.source().is_none());
    for over_websocket in [false, true] {
        let builder = isows::WebSocket::builder(&refused).stream();
        let builder = match over_websocket {
            true => builder.over_websocket(),
            false => builder,
        };
        let stream = builder.connect().unwrap();
        let e = stream.opened().await.unwrap_err();
        assert_eq!(e.cause(), None, "{over_websocket}");
        let e = stream.closed().await.unwrap_err();
        assert_eq!(e.cause(), None, "{over_websocket}");
    }
}

/// The reconnecting socket's shared bodies (`isows_test_support::shared_reconnect`), in the
/// page: timers are the page's `setTimeout`, the URL provider runs on its event loop.
mod reconnecting {
    use super::BASE;
    use isows_test_support::shared_reconnect as bodies;
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    async fn rws_queue_leaves_in_order_after_the_reconnect() {
        bodies::rws_queue_leaves_in_order_after_the_reconnect(BASE).await;
    }

    #[wasm_bindgen_test]
    async fn rws_default_rule_on_server_codes() {
        bodies::rws_default_rule_on_server_codes(BASE).await;
    }

    #[wasm_bindgen_test]
    async fn rws_heartbeat_kept_alive_by_answers() {
        bodies::rws_heartbeat_kept_alive_by_answers(BASE).await;
    }

    /// Natively-only options are refused for every attempt as for a plain socket: the
    /// first attempt's error comes back from `connect()`.
    #[wasm_bindgen_test]
    fn native_only_options_are_refused_by_connect() {
        let err = isows::WebSocket::builder(&format!("{BASE}/echo"))
            .header("X-Test", "1")
            .reconnecting()
            .connect()
            .unwrap_err();
        assert_eq!(err.name(), "NotSupportedError");
    }
}
