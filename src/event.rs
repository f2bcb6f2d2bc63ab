//! Event types (`Event`, `MessageEvent`, `CloseEvent`, the error event) and the markers that
//! name an event type in [`WebSocket::add_event_listener`](crate::WebSocket::add_event_listener).

use bytes::Bytes;
use std::sync::Arc;

use crate::error::ErrorCause;

/// The four event types a WebSocket fires.
///
/// ```
/// use isows::EventType;
/// assert_eq!(EventType::Message.as_str(), "message");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// `open`
    Open,
    /// `message`
    Message,
    /// `error`
    Error,
    /// `close`
    Close,
}

impl EventType {
    /// The DOM name of the type.
    ///
    /// ```
    /// assert_eq!(isows::EventType::Close.as_str(), "close");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Open => "open",
            EventType::Message => "message",
            EventType::Error => "error",
            EventType::Close => "close",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// The socket an event was dispatched on, set when it is delivered (held events and the
/// close kept by `closed()` keep none: that would tie the socket's state to itself). Ignored by
/// `==`; `Debug` shows `..`.
#[derive(Clone, Default)]
pub(crate) struct EventTarget(pub(crate) Option<crate::WebSocket>);

impl PartialEq for EventTarget {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for EventTarget {}

impl std::fmt::Debug for EventTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("..")
    }
}

/// The plain `Event` given to `open` listeners.
///
/// ```
/// # use isows::{Event, EventType};
/// fn on_open(e: &Event) { assert_eq!(e.event_type(), EventType::Open); }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub(crate) event_type: EventType,
    pub(crate) target: EventTarget,
}

impl Event {
    /// `event.target`: the socket this event was dispatched on, so a listener can reply or
    /// close without capturing a handle. `Some` for every event given to a listener or
    /// returned by `opened()`/`closed()`; `None` only for a copy of an event kept elsewhere
    /// (isows keeps none itself: the socket's state would then hold itself).
    ///
    /// ```no_run
    /// # let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.set_onopen(|e| if let Some(ws) = e.target() { ws.close() });
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn target(&self) -> Option<&crate::WebSocket> {
        self.target.0.as_ref()
    }

    /// The event's type (`open`).
    ///
    /// ```
    /// # fn f(e: &isows::Event) -> &'static str { e.event_type().as_str() }
    /// ```
    pub fn event_type(&self) -> EventType {
        self.event_type
    }
}

/// The `error` event. The browser fires a plain `Event`; isows adds the typed cause.
///
/// ```
/// # use isows::{ErrorCause, ErrorEvent};
/// fn on_error(e: &ErrorEvent) {
///     if let ErrorCause::UnexpectedResponse(r) = e.cause() {
///         eprintln!("HTTP {}: {}", r.status(), String::from_utf8_lossy(r.body()));
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEvent {
    pub(crate) cause: ErrorCause,
    pub(crate) target: EventTarget,
}

impl ErrorEvent {
    /// `event.target`: the socket this event was dispatched on, so a listener can reply or
    /// close without capturing a handle. `Some` for every event given to a listener or
    /// returned by `opened()`/`closed()`; `None` only for a copy of an event kept elsewhere
    /// (isows keeps none itself: the socket's state would then hold itself).
    ///
    /// ```no_run
    /// # let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.set_onerror(|e| if let Some(ws) = e.target() { ws.close() });
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn target(&self) -> Option<&crate::WebSocket> {
        self.target.0.as_ref()
    }

    /// Why the connection failed.
    ///
    /// ```
    /// # fn f(e: &isows::ErrorEvent) -> String { e.cause().to_string() }
    /// ```
    pub fn cause(&self) -> &ErrorCause {
        &self.cause
    }
}

/// Received text: UTF-8 held in [`Bytes`], so a text frame reaches the listener without a copy.
/// It derefs to `str`; `to_string()`/`String::from` make an owned `String`.
///
/// ```
/// use isows::Text;
/// let t = Text::from("héllo");
/// assert_eq!(&*t, "héllo");
/// assert!(t.starts_with("hé"));
/// assert_eq!(String::from(t), "héllo");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Text(Bytes);

impl Text {
    /// The text as a `&str`.
    ///
    /// ```
    /// assert_eq!(isows::Text::from("a").as_str(), "a");
    /// ```
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor takes text that is already valid UTF-8 (`String`, `&str`,
        // or a frame tungstenite validated), and the bytes are never changed.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// The UTF-8 bytes, shared without a copy.
    ///
    /// ```
    /// assert_eq!(isows::Text::from("a").into_bytes(), isows::Bytes::from_static(b"a"));
    /// ```
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Wraps bytes that the caller has checked are UTF-8.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub(crate) fn from_utf8_unchecked(bytes: Bytes) -> Self {
        Text(bytes)
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(Bytes::from(s))
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        t.as_str().to_owned()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

/// The payload of a message: text frames give `Text`, binary frames give `Binary` (whatever
/// `binaryType` is).
///
/// ```
/// use isows::MessageData;
/// let d = MessageData::Text("hi".into());
/// assert_eq!(d.as_text(), Some("hi"));
/// assert_eq!(d.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageData {
    /// A text message.
    Text(Text),
    /// A binary message (`ArrayBuffer`/`Blob` in JavaScript).
    Binary(Bytes),
}

impl MessageData {
    /// The text, if this is a text message.
    ///
    /// ```
    /// assert_eq!(isows::MessageData::Binary(vec![1].into()).as_text(), None);
    /// ```
    pub fn as_text(&self) -> Option<&str> {
        match self {
            MessageData::Text(s) => Some(s),
            MessageData::Binary(_) => None,
        }
    }

    /// The bytes, if this is a binary message.
    ///
    /// ```
    /// let d = isows::MessageData::Binary(vec![1, 2].into());
    /// assert_eq!(d.as_binary(), Some(&[1u8, 2][..]));
    /// ```
    pub fn as_binary(&self) -> Option<&[u8]> {
        match self {
            MessageData::Text(_) => None,
            MessageData::Binary(b) => Some(b),
        }
    }

    /// Length in bytes (UTF-8 bytes for text).
    ///
    /// ```
    /// assert_eq!(isows::MessageData::Text("¥".into()).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            MessageData::Text(s) => s.len(),
            MessageData::Binary(b) => b.len(),
        }
    }

    /// True for an empty message.
    ///
    /// ```
    /// assert!(isows::MessageData::Text("".into()).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl MessageData {
    /// The payload's bytes, text or binary (a text message's UTF-8), for parsers that take
    /// bytes: `serde_json::from_slice(e.data().as_bytes())`.
    ///
    /// ```
    /// #[derive(serde::Deserialize)]
    /// struct Tick { price: f64 }
    /// let data = isows::MessageData::Text(r#"{"price": 1.5}"#.into());
    /// let tick: Tick = serde_json::from_slice(data.as_bytes())?;
    /// // Or, for text only: serde_json::from_str(data.as_text().unwrap_or_default())
    /// assert_eq!(tick.price, 1.5);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            MessageData::Text(s) => s.as_bytes(),
            MessageData::Binary(b) => b,
        }
    }
}

/// The payload's bytes ([`MessageData::as_bytes`]), for APIs generic over `AsRef<[u8]>`.
///
/// ```
/// fn checksum(data: impl AsRef<[u8]>) -> u32 { data.as_ref().iter().map(|&b| b as u32).sum() }
/// assert_eq!(checksum(isows::MessageData::Text("AB".into())), 131);
/// ```
impl AsRef<[u8]> for MessageData {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl std::fmt::Display for MessageData {
    /// Text as is; binary as JavaScript's `String(arrayBuffer)` would not help, so as
    /// `[N bytes]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MessageData::Text(s) => f.write_str(s),
            MessageData::Binary(b) => write!(f, "[{} bytes]", b.len()),
        }
    }
}

/// The `MessageEvent` given to `message` listeners.
///
/// ```
/// # use isows::MessageEvent;
/// fn on_message(e: &MessageEvent) { println!("{} from {}", e.data(), e.origin()); }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageEvent {
    pub(crate) data: MessageData,
    pub(crate) origin: Arc<str>,
    pub(crate) target: EventTarget,
}

impl MessageEvent {
    /// `event.target`: the socket this event was dispatched on, so a listener can reply or
    /// close without capturing a handle. `Some` for every event given to a listener or
    /// returned by `opened()`/`closed()`; `None` only for a copy of an event kept elsewhere
    /// (isows keeps none itself: the socket's state would then hold itself).
    ///
    /// ```no_run
    /// # let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.set_onmessage(|e| if let Some(ws) = e.target() { ws.close() });
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn target(&self) -> Option<&crate::WebSocket> {
        self.target.0.as_ref()
    }

    /// The message payload.
    ///
    /// ```
    /// # fn f(e: &isows::MessageEvent) -> Option<&str> { e.data().as_text() }
    /// ```
    pub fn data(&self) -> &MessageData {
        &self.data
    }

    /// The serialized origin of the socket's URL, e.g. `ws://example.com:8080`.
    ///
    /// ```
    /// # fn f(e: &isows::MessageEvent) -> &str { e.origin() }
    /// ```
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// The `CloseEvent` given to `close` listeners and returned by
/// [`closed()`](crate::WebSocket::closed).
///
/// ```
/// # use isows::CloseEvent;
/// fn on_close(e: &CloseEvent) { println!("{} {:?} clean={}", e.code(), e.reason(), e.was_clean()); }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseEvent {
    pub(crate) code: u16,
    pub(crate) reason: String,
    pub(crate) was_clean: bool,
    /// Why the close was not clean (natively; nothing after a clean close and in the
    /// browser, where it is not even kept).
    pub(crate) cause: crate::primitives::CloseCause,
    /// A [`ReconnectingWebSocket`](crate::ReconnectingWebSocket) will connect again.
    pub(crate) will_reconnect: bool,
    pub(crate) target: EventTarget,
}

impl CloseEvent {
    /// `event.target`: the socket this event was dispatched on, so a listener can reply or
    /// close without capturing a handle. `Some` for every event given to a listener or
    /// returned by `opened()`/`closed()`; `None` only for a copy of an event kept elsewhere
    /// (isows keeps none itself: the socket's state would then hold itself).
    ///
    /// ```no_run
    /// # let ws = isows::WebSocket::new("ws://127.0.0.1:8080/")?;
    /// ws.set_onclose(|e| if let Some(ws) = e.target() { ws.close() });
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn target(&self) -> Option<&crate::WebSocket> {
        self.target.0.as_ref()
    }

    /// The close code: the first Close frame received decides it; 1005 when it had no body;
    /// 1006 when none was received.
    ///
    /// ```
    /// # fn f(e: &isows::CloseEvent) -> bool { e.code() == 1000 }
    /// ```
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The close reason (UTF-8 decoded).
    ///
    /// ```
    /// # fn f(e: &isows::CloseEvent) -> &str { e.reason() }
    /// ```
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// True when the closing handshake completed.
    ///
    /// ```
    /// # fn f(e: &isows::CloseEvent) -> bool { e.was_clean() }
    /// ```
    pub fn was_clean(&self) -> bool {
        self.was_clean
    }

    /// Why the connection closed without a clean closing handshake: the same cause as the
    /// `error` event when the connection failed, and, when the browser fires `close` 1006
    /// without an `error` (TCP reset or closed after open, catalog CL-22), what happened
    /// ([`ErrorCause::ConnectionLost`] with the I/O error, [`ErrorCause::CloseTimeout`]).
    /// `None` after a clean close, and in the browser, which does not tell. JS has no such
    /// attribute.
    ///
    /// ```no_run
    /// # async fn f(ws: isows::WebSocket) {
    /// let close = ws.closed().await;
    /// if let Some(cause) = close.cause() {
    ///     eprintln!("closed {}: {cause}", close.code());
    /// }
    /// # }
    /// ```
    pub fn cause(&self) -> Option<&ErrorCause> {
        self.cause.get()
    }

    /// True when a [`ReconnectingWebSocket`](crate::ReconnectingWebSocket) will connect again
    /// after this close; false for its final close and for every close of a plain
    /// `WebSocket`.
    ///
    /// ```
    /// # fn f(e: &isows::CloseEvent) {
    /// if !e.will_reconnect() {
    ///     println!("gone for good: {}", e.code());
    /// }
    /// # }
    /// ```
    pub fn will_reconnect(&self) -> bool {
        self.will_reconnect
    }

    /// Close 1006 for `cause`.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub(crate) fn abnormal(cause: ErrorCause) -> Self {
        Self::abnormal_with(crate::primitives::CloseCause::new(cause))
    }

    /// Close 1006 for a cause that is also given to an `error` event (copied natively; in the
    /// browser, where a close keeps no cause, not at all).
    #[cfg(feature = "reconnecting")]
    pub(crate) fn abnormal_of(cause: &ErrorCause) -> Self {
        Self::abnormal_with(crate::primitives::CloseCause::of(cause))
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    fn abnormal_with(cause: crate::primitives::CloseCause) -> Self {
        CloseEvent {
            code: 1006,
            reason: String::new(),
            was_clean: false,
            cause,
            will_reconnect: false,
            target: EventTarget::default(),
        }
    }
}

/// `the WebSocket closed: code 1006 (unclean)`, with the reason when there is one; the cause
/// is the error's `source()`.
///
/// ```
/// # fn f(close: isows::CloseEvent) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// Err(close)?
/// # }
/// ```
impl std::fmt::Display for CloseEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the WebSocket closed: code {}", self.code)?;
        if !self.reason.is_empty() {
            write!(f, " {:?}", self.reason)?;
        }
        if !self.was_clean {
            f.write_str(" (unclean)")?;
        }
        Ok(())
    }
}

/// A close event is an error where a close was not wanted (`opened()` failing, `?` on
/// `wait_opened()`); its `source()` is [`CloseEvent::cause`].
impl std::error::Error for CloseEvent {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .get()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

/// Any of the four events, as the listener registry stores them.
#[derive(Debug, Clone)]
pub(crate) enum AnyEvent {
    Open(Event),
    Message(MessageEvent),
    Error(ErrorEvent),
    Close(CloseEvent),
}

impl AnyEvent {
    /// Sets the socket the event is dispatched on.
    #[inline]
    pub(crate) fn set_target(&mut self, target: Option<crate::WebSocket>) {
        let slot = match self {
            AnyEvent::Open(e) => &mut e.target,
            AnyEvent::Message(e) => &mut e.target,
            AnyEvent::Error(e) => &mut e.target,
            AnyEvent::Close(e) => &mut e.target,
        };
        slot.0 = target;
    }

    pub(crate) fn event_type(&self) -> EventType {
        match self {
            AnyEvent::Open(_) => EventType::Open,
            AnyEvent::Message(_) => EventType::Message,
            AnyEvent::Error(_) => EventType::Error,
            AnyEvent::Close(_) => EventType::Close,
        }
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A marker naming an event type and the event struct its listeners receive; implemented by
/// the four types in [`kind`].
///
/// ```
/// use isows::{kind, EventKind, EventType};
/// assert_eq!(<kind::Close as EventKind>::TYPE, EventType::Close);
/// ```
pub trait EventKind: sealed::Sealed + Copy {
    /// The event struct listeners of this type receive.
    type Event: 'static;
    /// The event type.
    const TYPE: EventType;
    #[doc(hidden)]
    #[allow(private_interfaces)]
    fn extract(event: &AnyEvent) -> Option<&Self::Event>;
}

/// The event-type markers for [`add_event_listener`](crate::WebSocket::add_event_listener):
/// `kind::Open`, `kind::Message`, `kind::Error`, `kind::Close` (JS: `"open"`, …).
///
/// ```no_run
/// use isows::{kind, WebSocket};
/// let ws = WebSocket::new("ws://127.0.0.1:9/")?;
/// ws.add_event_listener(kind::Message, |e| println!("{}", e.data()));
/// # Ok::<(), isows::Error>(())
/// ```
pub mod kind {
    use super::*;

    macro_rules! kinds {
        ($($(#[$doc:meta])* $name:ident => $ev:ty, $variant:ident;)*) => {$(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct $name;
            impl sealed::Sealed for $name {}
            impl EventKind for $name {
                type Event = $ev;
                const TYPE: EventType = EventType::$variant;
                #[allow(private_interfaces)]
                fn extract(event: &AnyEvent) -> Option<&$ev> {
                    match event {
                        AnyEvent::$variant(e) => Some(e),
                        _ => None,
                    }
                }
            }
        )*};
    }

    kinds! {
        /// `"open"`: listeners receive [`Event`].
        ///
        /// ```
        /// assert_eq!(<isows::kind::Open as isows::EventKind>::TYPE.as_str(), "open");
        /// ```
        Open => Event, Open;
        /// `"message"`: listeners receive [`MessageEvent`].
        ///
        /// ```
        /// assert_eq!(<isows::kind::Message as isows::EventKind>::TYPE.as_str(), "message");
        /// ```
        Message => MessageEvent, Message;
        /// `"error"`: listeners receive [`ErrorEvent`].
        ///
        /// ```
        /// assert_eq!(<isows::kind::Error as isows::EventKind>::TYPE.as_str(), "error");
        /// ```
        Error => ErrorEvent, Error;
        /// `"close"`: listeners receive [`CloseEvent`].
        ///
        /// ```
        /// assert_eq!(<isows::kind::Close as isows::EventKind>::TYPE.as_str(), "close");
        /// ```
        Close => CloseEvent, Close;
    }
}
