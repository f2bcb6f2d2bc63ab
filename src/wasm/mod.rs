//! The wasm32 backend: the browser's own `WebSocket` through web-sys.
//!
//! The browser is the source of truth for `readyState`, `bufferedAmount`, URL parsing and
//! close validation; its exceptions map to the same `Error` variants as natively. The listener
//! registry and dispatcher are the portable ones, so `on*` slots, `add_event_listener`, `once`
//! and DOM order behave identically on both backends. `binaryType` is `"arraybuffer"`
//! underneath and binary messages arrive as `Bytes`.
//!
//! One browser callback (for the four events) lives in the socket and keeps it alive until its
//! `close` event (like a browser socket with listeners); then it is detached and dropped (no
//! `Closure::forget`).

mod browser_stream;
mod stream;

use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    BinaryType, CloseEvent as JsCloseEvent, Event as JsEvent, MessageEvent as JsMessageEvent,
};

use crate::backend::{Backend, Platform};
use crate::dispatch::{Report, SocketState};
use crate::error::{message, Error, ErrorCause};
use crate::event::{CloseEvent, MessageData, Text};
use crate::inbox::Inbox;
use crate::message::Message;
use crate::options::Options;
use crate::primitives::Lock;
use crate::websocket::ReadyState;

static LIVE: AtomicUsize = AtomicUsize::new(0);

/// How many sockets this crate has alive in the page (for leak checks): a socket is alive from
/// `new()` until its `close` event has fired and its last handle is dropped.
///
/// ```no_run
/// assert_eq!(isows::live_sockets(), 0);
/// ```
pub fn live_sockets() -> usize {
    LIVE.load(Ordering::SeqCst)
}

/// The browser callback's type.
type BrowserCallback = Closure<dyn FnMut(JsEvent)>;

struct Inner {
    ws: web_sys::WebSocket,
    /// The one browser callback (set as `onopen`, `onmessage`, `onerror` and `onclose`).
    /// The core's `Lock`, not a `RefCell`: no borrow-panic formatting in the `.wasm`.
    callback: Lock<Option<BrowserCallback>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Inner {
    /// After `close`: detach the callback and drop it (freed once it has returned).
    fn release(&self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onerror(None);
        self.ws.set_onclose(None);
        // Dropped while it runs: wasm-bindgen counts the call in progress, so the closure (and
        // the socket it holds) is freed when the call returns ("the Rust closure environment
        // won't be deallocated while we're invoking it", its glue says).
        drop(self.callback.lock().take());
    }
}

/// The handles' side of the browser socket.
pub(crate) struct Connection {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
extern "C" {
    type PageDocument;
    #[wasm_bindgen(static_method_of = PageDocument, js_class = "document", getter, js_name = baseURI, catch)]
    fn base_uri() -> Result<JsValue, JsValue>;
    type PageLocation;
    #[wasm_bindgen(static_method_of = PageLocation, js_class = "location", getter)]
    fn href() -> JsValue;
    #[wasm_bindgen(js_name = URL)]
    type ParsedUrl;
    #[wasm_bindgen(constructor, js_class = "URL", catch)]
    fn new(url: &str, base: &JsValue) -> Result<ParsedUrl, JsValue>;
}

/// Whether `url` parses against the page's base URL, as the `WebSocket` constructor resolves
/// it (WHATWG's "API base URL"): the document's `baseURI`, which a `<base href>` changes, or
/// in a worker (no `document`) its `location`. Declared here, passing JS values: through
/// `js_sys::global()`, `Reflect` and `web_sys::Url` this cost 2.6 KB of the demo's `.wasm`.
fn parses_against_the_page(url: &str) -> bool {
    let base = PageDocument::base_uri().unwrap_or_else(|_| PageLocation::href());
    ParsedUrl::new(url, &base).is_ok()
}

/// The origin of a URL the browser resolved (`ws://h:1/p` → `ws://h:1`).
fn origin_of(url: &str) -> String {
    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_name = URL)]
        type WsUrl;
        #[wasm_bindgen(constructor, js_class = "URL")]
        fn new(url: &str) -> WsUrl;
        #[wasm_bindgen(method, getter)]
        fn origin(this: &WsUrl) -> String;
    }
    WsUrl::new(url).origin()
}

/// Maps a browser exception to the `Error` variant of its DOMException name.
fn dom_error(e: JsValue) -> Error {
    // A DOMException has `name` and `message` like an `Error`.
    let e: js_sys::Error = e.unchecked_into();
    let message = String::from(e.message());
    match String::from(e.name()).as_str() {
        "SyntaxError" => Error::SyntaxError(message),
        "InvalidStateError" => Error::InvalidStateError(message),
        "InvalidAccessError" => Error::InvalidAccessError(message),
        _ => Error::NotSupportedError(message),
    }
}

fn connect(mut options: Options) -> Result<Arc<SocketState>, Error> {
    refuse_native_only(&options)?;
    // The browser has no options of its own, and no way to honour `options.aborted` (its
    // `WebSocket` is asked to connect by its constructor: the page's own `WebSocketStream`
    // is given the aborted signal instead, `stream.rs`).
    let () = options.backend;
    // The constructor's order: the URL (the browser's parser, against the page's base URL, as
    // the constructor resolves it: `"/echo"` on `http://h/page` is `ws://h/echo`), then the
    // subprotocols (the same checks as natively: WPT wants case-insensitive duplicates
    // rejected, Chromium does not), then the socket.
    if !parses_against_the_page(&options.url) {
        // A URL that may hold credentials is left out of the message (natively the password
        // alone is redacted; that parser is not worth its size in a `.wasm`).
        let shown: &str = match options.url.bytes().any(|c| c == b'@') {
            true => "(with credentials, not shown)",
            false => &options.url,
        };
        return Err(Error::SyntaxError(message(&[
            "Failed to construct 'WebSocket': The URL '",
            shown,
            "' is invalid.",
        ])));
    }
    crate::validate::protocols(&options.protocols)?;
    // `new WebSocket(url, [])` is `new WebSocket(url)`: one constructor import, not two.
    let protocols = js_strings(&options.protocols);
    let ws =
        web_sys::WebSocket::new_with_str_sequence(&options.url, &protocols).map_err(dom_error)?;
    ws.set_binary_type(BinaryType::Arraybuffer);
    // The URL as the browser resolved it (always `ws:`/`wss:`), whose tuple origin,
    // `scheme://host[:port]`, is every `MessageEvent`'s `origin`.
    let url = ws.url();
    // Its origin (`ws://h:1/p` → `ws://h:1`) is every `MessageEvent`'s `origin`.
    let origin = origin_of(&url);
    LIVE.fetch_add(1, Ordering::SeqCst);
    let inner = Rc::new(Inner {
        ws,
        callback: Lock::new(None),
    });
    let connection = Connection {
        inner: inner.clone(),
    };
    let shared = SocketState::new(url, origin, connection, options.observer.take());

    // One callback for the four events (one closure is much smaller in the .wasm than four).
    // It holds the socket (`Rc<Inner>`) until `close` releases it.
    let s: Arc<SocketState> = shared.clone();
    let callback = Closure::new(move |e: JsEvent| {
        if let Some(e) = e.dyn_ref::<JsMessageEvent>() {
            let data = e.data();
            let data = match data.as_string() {
                Some(text) => MessageData::Text(Text::from(text)),
                None => match data.dyn_into::<ArrayBuffer>() {
                    Ok(buffer) => MessageData::Binary(copy_out(&buffer).into()),
                    Err(_) => return,
                },
            };
            s.emit(Report::Message(data));
        } else if let Some(e) = e.dyn_ref::<JsCloseEvent>() {
            s.emit(Report::Close(CloseEvent {
                code: e.code(),
                reason: e.reason(),
                was_clean: e.was_clean(),
                // The browser does not tell why.
                cause: Default::default(),
                will_reconnect: false,
                target: Default::default(),
            }));
            s.connection.inner.release();
        } else if e.type_() == "open" {
            // `protocol()`/`extensions()` ask the browser, so the open event carries nothing.
            s.emit(Report::Open {
                protocol: String::new(),
                extensions: String::new(),
            });
        } else {
            s.emit(Report::Error(ErrorCause::Browser));
        }
    });
    let ws = &inner.ws;
    let f = Some(callback.as_ref().unchecked_ref());
    ws.set_onopen(f);
    ws.set_onmessage(f);
    ws.set_onerror(f);
    ws.set_onclose(f);
    *inner.callback.lock() = Some(callback);
    Ok(shared)
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(f: &JsValue, ms: f64) -> JsValue;
}

#[cfg(feature = "reconnecting")]
impl crate::backend::Clock for Platform {
    fn after(delay: std::time::Duration, then: crate::backend::Timer) {
        set_timeout(
            &Closure::once_into_js(move || then(true)),
            delay.as_secs_f64() * 1000.0,
        );
    }

    fn spawn(future: crate::backend::Task) {
        wasm_bindgen_futures::spawn_local(future);
    }

    fn now() -> std::time::Duration {
        std::time::Duration::from_millis(js_sys::Date::now() as u64)
    }

    fn random() -> f64 {
        js_sys::Math::random()
    }
}

impl Backend for Platform {
    type Connection = Connection;
    /// The browser has no options of its own: the native ones are refused by name.
    type Options = ();
    type Given = std::convert::Infallible;
    type Stream = stream::AnyStream;

    fn connect(options: Options, _given: Option<Self::Given>) -> Result<Arc<SocketState>, Error> {
        connect(options)
    }

    /// Blocking waits cannot exist in a browser.
    fn block_on<T>(_wait: impl FnOnce() -> T) -> Result<T, Error> {
        Err(Error::NotSupportedError(
            "a browser cannot block; use opened().await / closed().await".into(),
        ))
    }

    fn handle(state: &Arc<SocketState>) -> Option<crate::WebSocket> {
        Some(crate::WebSocket::from_state(state))
    }

    /// Done once the socket exists (`fill_inbox`).
    fn stream_options(_: &mut Options, _: &Arc<Inbox>) {}

    /// The browser's socket cannot be paused: a stream's messages are queued as they come.
    fn fill_inbox(ws: &crate::WebSocket, inbox: &Arc<Inbox>) {
        let push = inbox.clone();
        ws.add_event_listener(crate::kind::Message, move |e| {
            let mut staged = crate::inbox::StagedMessages::default();
            staged.push(e.data().clone());
            push.push_staged(&mut staged);
        });
        let finish = inbox.clone();
        ws.add_event_listener(crate::kind::Close, move |_| finish.finish());
    }
}

/// The backend's side of the handle's methods: the browser answers, `SocketState` is not
/// consulted.
impl crate::backend::Connection for Connection {
    fn ready_state<B: Backend>(&self, _: &SocketState<B>) -> ReadyState {
        ReadyState::from_u8(self.inner.ws.ready_state() as u8)
    }

    fn buffered_amount(&self) -> u64 {
        u64::from(self.inner.ws.buffered_amount())
    }

    fn protocol<B: Backend>(&self, _: &SocketState<B>) -> String {
        self.inner.ws.protocol()
    }

    fn extensions<B: Backend>(&self, _: &SocketState<B>) -> String {
        self.inner.ws.extensions()
    }

    /// `send()`: the browser checks the state and counts `bufferedAmount`.
    fn send<B: Backend>(&self, _: &SocketState<B>, message: Message) -> Result<(), Error> {
        match message {
            Message::Text(s) => self.inner.ws.send_with_str(&s),
            Message::Binary(b) => self.inner.ws.send_with_u8_array(&b),
        }
        .map_err(dom_error)
    }

    /// `close()` / `close(code, reason)`: the browser validates and changes the state.
    fn close<B: Backend>(
        &self,
        _: &SocketState<B>,
        frame: Option<(u16, &str)>,
    ) -> Result<(), Error> {
        match frame {
            None => self.inner.ws.close(),
            Some((code, reason)) => self.inner.ws.close_with_code_and_reason(code, reason),
        }
        .map_err(dom_error)
    }

    /// The browser cannot fail a connection from a page: `close()` it.
    fn fail<B: Backend>(&self, shared: &SocketState<B>, _: ErrorCause) {
        let _ = self.close(shared, None);
    }

    /// The last handle is gone and no listener is left: close the browser socket.
    fn release<B: Backend>(&self, shared: &SocketState<B>) {
        let _ = self.close(shared, None);
    }

    /// The browser has no event for `bufferedAmount` falling: a writer waiting for room looks
    /// again in 10 ms (the end of the socket is seen then too).
    fn poll_write_room<B: Backend>(
        &self,
        shared: &SocketState<B>,
        cx: &mut Context<'_>,
        _writer: u64,
        limit: u64,
    ) -> Poll<()> {
        let room =
            || self.ready_state(shared) != ReadyState::Open || self.buffered_amount() <= limit;
        if room() {
            return Poll::Ready(());
        }
        let waker = cx.waker().clone();
        set_timeout(&Closure::once_into_js(move || waker.wake()), 10.0);
        match room() {
            true => Poll::Ready(()),
            false => Poll::Pending,
        }
    }

    fn drained(&self) -> bool {
        self.buffered_amount() == 0
    }

    fn stream_sent(&self) {}

    fn writer_left(&self, _writer: u64) {}
}

/// The strings as a JS array (the subprotocols of both constructors).
pub(crate) fn js_strings(list: &[String]) -> Array {
    let array = Array::new();
    for s in list {
        array.push(&JsValue::from_str(s));
    }
    array
}

/// Refuses the options the browser cannot honour, naming the first (one check for both APIs).
#[inline]
pub(crate) fn refuse_native_only(options: &Options) -> Result<(), Error> {
    match options.native_only.first() {
        Some(name) => Err(Error::NotSupportedError(message(&[
            "the builder option '",
            name,
            "' is not available in the browser",
        ]))),
        None => Ok(()),
    }
}

/// A received `ArrayBuffer`'s bytes, copied into wasm memory by the browser (`set` on a view
/// of the new vector; js-sys's `to_vec` would pull its length assertion's formatting into the
/// `.wasm`).
fn copy_out(buffer: &ArrayBuffer) -> Vec<u8> {
    let source = Uint8Array::new(buffer);
    let len = source.length() as usize;
    let mut bytes = Vec::with_capacity(len);
    // SAFETY: the view covers exactly the vector's `len` reserved bytes and is used (by `set`,
    // which copies synchronously) before anything can allocate and so move or grow wasm
    // memory; `set` writes all `len` bytes, so they are initialized when the length is set.
    unsafe {
        Uint8Array::view_mut_raw(bytes.as_mut_ptr(), len).set(&source, 0);
        bytes.set_len(len);
    }
    bytes
}
