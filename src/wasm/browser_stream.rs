//! `WebSocketStream` on the browser's own `WebSocketStream`, where the page has one
//! (Chromium does): its streams push back both ways, and every error is the browser's. The
//! JS objects are reached through `js_sys::Reflect` (web-sys has no bindings for
//! `WebSocketStream`), and promises are awaited with a small adapter of ours (no
//! wasm-bindgen-futures in the library's tree).

use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use js_sys::{Array, ArrayBuffer, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::Error;
use crate::event::{MessageData, Text};
use crate::message::Message;
use crate::stream::{CloseInfo, WebSocketError};

/// Whether the page has `WebSocketStream`.
pub(crate) fn available() -> bool {
    Reflect::has(&js_sys::global(), &"WebSocketStream".into()).unwrap_or(false)
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Calls `target[method](...args)`.
fn call(target: &JsValue, method: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = get(target, method).dyn_into()?;
    let list = Array::new();
    for a in args {
        list.push(a);
    }
    f.apply(target, &list)
}

// ---- promises ----

type SettleCallback = Closure<dyn FnMut(JsValue)>;

#[derive(Default)]
struct Settle {
    result: Option<Result<JsValue, JsValue>>,
    /// Every task waiting (`opened` and `closed` may be awaited by several).
    wakers: Vec<Waker>,
    /// The `then` callbacks; they reach this state weakly, so dropping the future frees both.
    callbacks: Option<(SettleCallback, SettleCallback)>,
}

/// A JS promise's outcome, polled from Rust.
pub(crate) struct Settled(Rc<RefCell<Settle>>);

fn settle(state: &Weak<RefCell<Settle>>, result: Result<JsValue, JsValue>) {
    let Some(state) = state.upgrade() else {
        return;
    };
    let wakers = {
        let mut s = state.borrow_mut();
        s.result = Some(result);
        std::mem::take(&mut s.wakers)
    };
    for w in wakers {
        w.wake();
    }
}

impl Settled {
    pub(crate) fn new(promise: &JsValue) -> Settled {
        let state = Rc::new(RefCell::new(Settle::default()));
        let promise: Promise = Promise::resolve(promise);
        let (a, b) = (Rc::downgrade(&state), Rc::downgrade(&state));
        let ok = Closure::new(move |v| settle(&a, Ok(v)));
        let err = Closure::new(move |e| settle(&b, Err(e)));
        let _ = promise.then2(&ok, &err);
        state.borrow_mut().callbacks = Some((ok, err));
        Settled(state)
    }

    pub(crate) fn poll(&self, cx: &mut Context<'_>) -> Poll<Result<JsValue, JsValue>> {
        let mut s = self.0.borrow_mut();
        match &s.result {
            Some(r) => Poll::Ready(r.clone()),
            None => {
                if !s.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                    s.wakers.push(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }

    /// Polls the promise kept in `slot`, started by `start` if there is none; the slot is
    /// emptied once it settles (the next call starts a new one).
    fn poll_slot(
        slot: &mut Option<Settled>,
        cx: &mut Context<'_>,
        start: impl FnOnce() -> Settled,
    ) -> Poll<Result<JsValue, JsValue>> {
        let result = std::task::ready!(slot.get_or_insert_with(start).poll(cx));
        *slot = None;
        Poll::Ready(result)
    }

    async fn wait(&self) -> Result<JsValue, JsValue> {
        std::future::poll_fn(|cx| self.poll(cx)).await
    }
}

// ---- the stream ----

/// The browser's `WebSocketStream` and what isows keeps of it.
pub(crate) struct BrowserStream {
    wss: JsValue,
    url: String,
    opened: Settled,
    closed: Settled,
    /// The `AbortController` whose signal the stream was given, if any.
    controller: Option<JsValue>,
    /// The reader and writer, taken once from the streams (a stream has one of each).
    parts: RefCell<Option<(JsValue, JsValue)>>,
    /// Each JS error object seen, with the Rust error made for it: the same JS object gives
    /// the same `WebSocketError` (`is_same`).
    errors: RefCell<Vec<(JsValue, WebSocketError)>>,
}

impl BrowserStream {
    /// `new WebSocketStream(url, {protocols, signal})`; an `AbortController` is made when a
    /// signal is wanted (`aborted`: abort it at once).
    pub(crate) fn new(
        url: &str,
        protocols: &[String],
        signal: bool,
        aborted: bool,
    ) -> Result<BrowserStream, Error> {
        let global = js_sys::global();
        let class: Function = get(&global, "WebSocketStream")
            .dyn_into()
            .map_err(|_| Error::NotSupportedError("no WebSocketStream".into()))?;
        let options = Object::new();
        let list = super::js_strings(protocols);
        let _ = Reflect::set(&options, &"protocols".into(), &list);
        let controller = match signal {
            true => {
                let class: Function = get(&global, "AbortController").unchecked_into();
                let controller = Reflect::construct(&class, &Array::new())
                    .map_err(|_| Error::NotSupportedError("no AbortController".into()))?;
                if aborted {
                    let _ = call(&controller, "abort", &[]);
                }
                let _ = Reflect::set(&options, &"signal".into(), &get(&controller, "signal"));
                Some(controller)
            }
            false => None,
        };
        let args = Array::of2(&JsValue::from_str(url), &options);
        let wss = Reflect::construct(&class, &args).map_err(super::dom_error)?;
        let opened = Settled::new(&get(&wss, "opened"));
        let closed = Settled::new(&get(&wss, "closed"));
        Ok(BrowserStream {
            url: get(&wss, "url").as_string().unwrap_or_default(),
            wss,
            opened,
            closed,
            controller,
            parts: RefCell::new(None),
            errors: RefCell::new(Vec::new()),
        })
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Aborts the stream's signal.
    pub(crate) fn abort(&self) {
        if let Some(c) = &self.controller {
            let _ = call(c, "abort", &[]);
        }
    }

    /// The Rust error for a JS error object (the same one each time for the same object).
    pub(crate) fn error(&self, e: &JsValue) -> WebSocketError {
        let mut known = self.errors.borrow_mut();
        if let Some((_, mine)) = known.iter().find(|(js, _)| Object::is(js, e)) {
            return mine.clone();
        }
        let name = get(e, "name").as_string().unwrap_or_default();
        let message = get(e, "message").as_string().unwrap_or_default();
        let code = get(e, "closeCode").as_f64().map(|c| c as u16);
        let reason = get(e, "reason").as_string().unwrap_or_default();
        let name = match name.as_str() {
            "AbortError" => "AbortError",
            "InvalidStateError" => "InvalidStateError",
            "TypeError" => "TypeError",
            _ => "WebSocketError",
        };
        // The browser does not tell why: no cause.
        let mine = WebSocketError::make(name, &message, code, &reason, None);
        known.push((e.clone(), mine.clone()));
        mine
    }

    /// `opened`: the protocol and extensions, once the reader and writer are taken.
    pub(crate) async fn opened(&self) -> Result<(String, String), WebSocketError> {
        let value = self.opened.wait().await.map_err(|e| self.error(&e))?;
        let mut parts = self.parts.borrow_mut();
        if parts.is_none() {
            let reader = call(&get(&value, "readable"), "getReader", &[]);
            let writer = call(&get(&value, "writable"), "getWriter", &[]);
            if let (Ok(r), Ok(w)) = (reader, writer) {
                *parts = Some((r, w));
            }
        }
        let text = |key| get(&value, key).as_string().unwrap_or_default();
        Ok((text("protocol"), text("extensions")))
    }

    pub(crate) fn reader(&self) -> JsValue {
        self.parts
            .borrow()
            .as_ref()
            .map(|p| p.0.clone())
            .unwrap_or_default()
    }

    pub(crate) fn writer(&self) -> JsValue {
        self.parts
            .borrow()
            .as_ref()
            .map(|p| p.1.clone())
            .unwrap_or_default()
    }

    pub(crate) fn poll_closed(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<CloseInfo, WebSocketError>> {
        self.closed.poll(cx).map(|r| match r {
            Ok(v) => Ok(CloseInfo {
                close_code: get(&v, "closeCode").as_f64().map(|c| c as u16),
                reason: get(&v, "reason").as_string().unwrap_or_default(),
            }),
            Err(e) => Err(self.error(&e)),
        })
    }

    /// `close({closeCode, reason})`, after isows' own checks.
    pub(crate) fn close(&self, code: Option<u16>, reason: &str) -> Result<(), Error> {
        let info = Object::new();
        if let Some(code) = code {
            let _ = Reflect::set(&info, &"closeCode".into(), &JsValue::from(code));
        }
        let _ = Reflect::set(&info, &"reason".into(), &JsValue::from_str(reason));
        call(&self.wss, "close", &[&info])
            .map(|_| ())
            .map_err(super::dom_error)
    }

    /// A JS `WebSocketError` for `cancel`/`abort`'s reason (undefined for none).
    pub(crate) fn js_reason(&self, reason: Option<&WebSocketError>) -> JsValue {
        let Some(r) = reason else {
            return JsValue::UNDEFINED;
        };
        let global = js_sys::global();
        let Ok(class) = get(&global, "WebSocketError").dyn_into::<Function>() else {
            return JsValue::UNDEFINED;
        };
        let init = Object::new();
        if let Some(code) = r.close_code() {
            let _ = Reflect::set(&init, &"closeCode".into(), &JsValue::from(code));
        }
        let _ = Reflect::set(&init, &"reason".into(), &JsValue::from_str(r.reason()));
        let args = Array::of2(&JsValue::from_str(r.message()), &init);
        Reflect::construct(&class, &args).unwrap_or(JsValue::UNDEFINED)
    }
}

/// The reader's side: one `read()` at a time.
#[derive(Default)]
pub(crate) struct BrowserReader {
    pending: Option<Settled>,
    done: bool,
}

impl BrowserReader {
    pub(crate) fn poll_next(
        &mut self,
        stream: &BrowserStream,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<MessageData, WebSocketError>>> {
        if self.done {
            return Poll::Ready(None);
        }
        let reader = stream.reader();
        let result = std::task::ready!(Settled::poll_slot(&mut self.pending, cx, || {
            match call(&reader, "read", &[]) {
                Ok(p) => Settled::new(&p),
                Err(e) => Settled::new(&Promise::reject(&e)),
            }
        }));
        match result {
            Ok(chunk) if get(&chunk, "done").as_bool() == Some(true) => {
                self.done = true;
                Poll::Ready(None)
            }
            Ok(chunk) => {
                let value = get(&chunk, "value");
                let data = match value.as_string() {
                    Some(s) => MessageData::Text(Text::from(s)),
                    None if value.is_instance_of::<ArrayBuffer>() => {
                        MessageData::Binary(Uint8Array::new(&value).to_vec().into())
                    }
                    None => MessageData::Binary(
                        value
                            .dyn_into::<Uint8Array>()
                            .map(|a| a.to_vec())
                            .unwrap_or_default()
                            .into(),
                    ),
                };
                Poll::Ready(Some(Ok(data)))
            }
            Err(e) => {
                self.done = true;
                Poll::Ready(Some(Err(stream.error(&e))))
            }
        }
    }

    pub(crate) fn cancel(&self, stream: &BrowserStream, reason: Option<&WebSocketError>) {
        let _ = call(&stream.reader(), "cancel", &[&stream.js_reason(reason)]);
    }
}

/// The writer's side: `ready` before a write, the last write's promise for a flush.
#[derive(Default)]
pub(crate) struct BrowserWriter {
    ready: Option<Settled>,
    last_write: Option<Settled>,
    closing: Option<Settled>,
}

impl BrowserWriter {
    pub(crate) fn poll_ready(
        &mut self,
        stream: &BrowserStream,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), WebSocketError>> {
        let writer = stream.writer();
        let ready = || Settled::new(&get(&writer, "ready"));
        let result = std::task::ready!(Settled::poll_slot(&mut self.ready, cx, ready));
        Poll::Ready(result.map(|_| ()).map_err(|e| stream.error(&e)))
    }

    pub(crate) fn start_send(
        &mut self,
        stream: &BrowserStream,
        item: Message,
    ) -> Result<(), WebSocketError> {
        let chunk: JsValue = match item {
            Message::Text(t) => JsValue::from_str(&t),
            Message::Binary(b) => Uint8Array::from(&b[..]).into(),
        };
        let promise = call(&stream.writer(), "write", &[&chunk]).map_err(|e| stream.error(&e))?;
        self.last_write = Some(Settled::new(&promise));
        Ok(())
    }

    pub(crate) fn poll_flush(
        &mut self,
        stream: &BrowserStream,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), WebSocketError>> {
        if self.last_write.is_none() {
            return Poll::Ready(Ok(()));
        }
        // The slot holds the last write's promise (checked above): `start` is not called.
        let start = || Settled::new(&JsValue::UNDEFINED);
        let result = std::task::ready!(Settled::poll_slot(&mut self.last_write, cx, start));
        Poll::Ready(result.map(|_| ()).map_err(|e| stream.error(&e)))
    }

    pub(crate) fn poll_close(
        &mut self,
        stream: &BrowserStream,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), WebSocketError>> {
        let writer = stream.writer();
        let closing = self
            .closing
            .get_or_insert_with(|| match call(&writer, "close", &[]) {
                Ok(p) => Settled::new(&p),
                Err(e) => Settled::new(&Promise::reject(&e)),
            });
        closing
            .poll(cx)
            .map(|r| r.map(|_| ()).map_err(|e| stream.error(&e)))
    }

    pub(crate) fn abort(&self, stream: &BrowserStream, reason: Option<&WebSocketError>) {
        let _ = call(&stream.writer(), "abort", &[&stream.js_reason(reason)]);
    }
}
