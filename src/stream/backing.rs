//! What a `WebSocketStream` runs on, as one interface: a stream ([`StreamBacking`]), its
//! reader ([`ReadBacking`]) and its writer ([`WriteBacking`]). The core's own backing is
//! [`SocketStream`](super::socket::SocketStream), over an isows `WebSocket`; each backend
//! names the backing it uses (`Backend::Stream`): natively that one, in the browser a choice
//! between it and the page's own `WebSocketStream`, made once per stream.

use std::future::Future;
use std::task::{Context, Poll};

use super::{CloseInfo, WebSocketError, WebSocketStreamBuilder};
use crate::error::Error;
use crate::event::MessageData;
use crate::message::Message;

/// A stream: the futures and the close of `WebSocketStream`.
pub(crate) trait StreamBacking: Sized {
    type Reader: ReadBacking;
    type Writer: WriteBacking;

    /// Checks everything as `WebSocketBuilder::connect` does and starts connecting.
    fn connect(builder: WebSocketStreamBuilder) -> Result<Self, Error>;

    /// `url`.
    fn url(&self) -> &str;

    /// `opened`: new reader and writer handles, the protocol and the extensions.
    fn opened(&self) -> impl Future<Output = Result<Parts<Self>, WebSocketError>>;

    /// `closed`.
    fn poll_closed(&self, cx: &mut Context<'_>) -> Poll<Result<CloseInfo, WebSocketError>>;

    /// `close({closeCode, reason})`, after the core checked the arguments.
    fn close(&self, code: Option<u16>, reason: &str) -> Result<(), Error>;
}

/// What `opened` gives.
pub(crate) struct Parts<S: StreamBacking> {
    pub(crate) reader: S::Reader,
    pub(crate) writer: S::Writer,
    pub(crate) protocol: String,
    pub(crate) extensions: String,
}

/// A reader: `readable` as a `Stream`.
pub(crate) trait ReadBacking {
    fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<MessageData, WebSocketError>>>;
    /// `readable.cancel(reason)`.
    fn cancel(&self, reason: Option<&WebSocketError>);
}

/// A writer: `writable` as a `Sink`.
pub(crate) trait WriteBacking {
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WebSocketError>>;
    fn start_send(&mut self, item: Message) -> Result<(), WebSocketError>;
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WebSocketError>>;
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WebSocketError>>;
    /// `writable.abort(reason)`.
    fn abort(&self, reason: Option<&WebSocketError>);
    /// `bufferedAmount` underneath (0 where the backing does not tell).
    fn buffered_amount(&self) -> u64;
}
