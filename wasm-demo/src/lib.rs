//! The isows browser demo. The page (`www/index.html`) is plain HTML and JavaScript; the
//! WebSocket itself is an `isows::WebSocket` in Rust, driven through these exports. Every
//! event goes to the page's log callback as `(type, text)`.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;

use isows::MessageData;
#[cfg(not(feature = "reconnecting"))]
use isows::WebSocket as Socket;
// The reconnecting mode (`--features reconnecting`, `pkg-reconnecting/`): the same page
// drives a `ReconnectingWebSocket`, whose surface is the same.
#[cfg(feature = "reconnecting")]
use isows::ReconnectingWebSocket as Socket;
use wasm_bindgen::prelude::*;

/// The page's allocator: talc, which is made for WebAssembly and is ~7 KB smaller in the
/// `.wasm` than Rust's default (dlmalloc). `--no-default-features` builds the demo with the
/// default allocator (`scripts/demo_build.sh` reports both sizes).
#[cfg(feature = "talc")]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

thread_local! {
    // A `Cell` (taken and put back), not a `RefCell`: no borrow-panic formatting in the .wasm.
    static SOCKET: Cell<Option<Socket>> = const { Cell::new(None) };
}

fn socket() -> Result<Socket, JsValue> {
    SOCKET
        .with(|s| {
            let ws = s.take();
            let copy = ws.clone();
            s.set(ws);
            copy
        })
        .ok_or_else(|| JsValue::from_str("not connected"))
}

fn js_error(e: isows::Error) -> JsValue {
    let error = js_sys::Error::new(e.message());
    error.set_name(e.name());
    error.into()
}

/// `new WebSocket(url, protocols)` with the four `on*` handlers logging to `log(type, text)`.
/// The page splits and trims the protocol names and passes them as a JS array (string
/// searching, Unicode whitespace tables and a `Vec<String>` conversion are not worth shipping
/// in the .wasm).
#[wasm_bindgen]
pub fn connect(url: &str, protocols: js_sys::Array, log: js_sys::Function) -> Result<(), JsValue> {
    let protocols = protocols.iter().filter_map(|p| p.as_string());
    #[cfg(not(feature = "reconnecting"))]
    let ws = Socket::with_protocols(url, protocols).map_err(js_error)?;
    #[cfg(feature = "reconnecting")]
    let ws = isows::WebSocket::builder(url)
        .protocols(protocols)
        .reconnecting()
        .reconnection_delay(
            std::time::Duration::from_millis(500),
            std::time::Duration::from_secs(5),
        )
        .connect()
        .map_err(js_error)?;
    // The page formats the log lines: `log(type, ...fields)`, so Rust needs no formatting.
    let emit = move |kind: &str, a: JsValue, b: JsValue, c: JsValue| {
        let _ = log.apply(
            &JsValue::NULL,
            &js_sys::Array::of4(&kind.into(), &a, &b, &c),
        );
    };
    let (e, w) = (emit.clone(), ws.clone());
    ws.set_onopen(move |_| {
        e(
            "open",
            (w.ready_state() as u16).into(),
            w.protocol().into(),
            JsValue::UNDEFINED,
        )
    });
    let e = emit.clone();
    ws.set_onmessage(move |m| match m.data() {
        MessageData::Text(t) => e(
            "text",
            t.as_str().into(),
            JsValue::UNDEFINED,
            JsValue::UNDEFINED,
        ),
        MessageData::Binary(b) => e(
            "binary",
            js_sys::Uint8Array::from(&b[..]).into(),
            JsValue::UNDEFINED,
            JsValue::UNDEFINED,
        ),
    });
    let e = emit.clone();
    ws.set_onerror(move |_| {
        e(
            "error",
            JsValue::UNDEFINED,
            JsValue::UNDEFINED,
            JsValue::UNDEFINED,
        )
    });
    ws.set_onclose(move |c| {
        #[cfg(not(feature = "reconnecting"))]
        let kind = "close";
        // A close that will be retried is worded apart.
        #[cfg(feature = "reconnecting")]
        let kind = if c.will_reconnect() { "retry" } else { "close" };
        emit(
            kind,
            c.code().into(),
            c.reason().into(),
            c.was_clean().into(),
        )
    });
    // The socket replaced is dropped outside the cell.
    let old = SOCKET.with(|s| s.replace(Some(ws)));
    drop(old);
    Ok(())
}

/// `send(text)`.
#[wasm_bindgen]
pub fn send_text(text: &str) -> Result<(), JsValue> {
    socket()?.send(text).map_err(js_error)
}

/// `send(bytes)`: the text's UTF-8 bytes as a binary message.
#[wasm_bindgen]
pub fn send_binary(text: &str) -> Result<(), JsValue> {
    socket()?.send(text.as_bytes()).map_err(js_error)
}

/// `close()` when `code` is empty, else `close(code, reason)`.
#[wasm_bindgen]
pub fn close(code: Option<u16>, reason: &str) -> Result<(), JsValue> {
    let ws = socket()?;
    match code {
        None => {
            ws.close();
            Ok(())
        }
        Some(code) => ws.close_with(code, reason).map_err(js_error),
    }
}

/// `readyState` (0–3; 3 when not connected).
#[wasm_bindgen]
pub fn ready_state() -> u16 {
    socket().map_or(3, |ws| ws.ready_state() as u16)
}

/// `bufferedAmount`.
#[wasm_bindgen]
pub fn buffered_amount() -> f64 {
    socket().map_or(0.0, |ws| ws.buffered_amount() as f64)
}

/// `reconnect()` (the reconnecting mode only): close and connect again at once.
#[cfg(feature = "reconnecting")]
#[wasm_bindgen]
pub fn reconnect() -> Result<(), JsValue> {
    socket()?.reconnect(None).map_err(js_error)
}
