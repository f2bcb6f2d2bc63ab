//! The browser's choice of `WebSocketStream` backing, made once per stream: the page's own
//! `WebSocketStream` where it has one (Chromium does; its streams push back both ways and its
//! errors are the browser's), else, or with `over_websocket()`, the core's backing over the
//! browser's `WebSocket` (writes wait for `bufferedAmount`, reads cannot push back).

use std::rc::Rc;
use std::task::{Context, Poll};

use super::browser_stream::{self, BrowserReader, BrowserStream, BrowserWriter};
use crate::error::Error;
use crate::event::MessageData;
use crate::message::Message;
use crate::stream::backing::{Parts, ReadBacking, StreamBacking, WriteBacking};
use crate::stream::socket::{SocketReader, SocketStream, SocketWriter};
use crate::stream::{AbortHandle, CloseInfo, WebSocketError, WebSocketStreamBuilder};

pub(crate) enum AnyStream {
    Socket(SocketStream),
    Browser(Rc<BrowserStream>),
}

pub(crate) enum AnyReader {
    Socket(SocketReader),
    Browser(Rc<BrowserStream>, BrowserReader),
}

pub(crate) enum AnyWriter {
    Socket(SocketWriter),
    Browser(Rc<BrowserStream>, BrowserWriter),
}

/// On the browser's `WebSocketStream`: the same checks first (options the browser cannot
/// honour, the subprotocols), then the browser's constructor.
fn connect_browser(builder: WebSocketStreamBuilder) -> Result<Rc<BrowserStream>, Error> {
    let options = &builder.socket.options;
    super::refuse_native_only(options)?;
    crate::validate::protocols(&options.protocols)?;
    let signal = builder.signal.as_ref();
    let stream = Rc::new(BrowserStream::new(
        &options.url,
        &options.protocols,
        signal.is_some(),
        signal.is_some_and(AbortHandle::is_aborted),
    )?);
    if let Some(signal) = signal {
        let weak = Rc::downgrade(&stream);
        signal.register(Box::new(move || {
            if let Some(stream) = weak.upgrade() {
                stream.abort();
            }
        }));
    }
    Ok(stream)
}

impl StreamBacking for AnyStream {
    type Reader = AnyReader;
    type Writer = AnyWriter;

    fn connect(builder: WebSocketStreamBuilder) -> Result<Self, Error> {
        if !builder.over_websocket && browser_stream::available() {
            return connect_browser(builder).map(AnyStream::Browser);
        }
        SocketStream::connect(builder).map(AnyStream::Socket)
    }

    fn url(&self) -> &str {
        match self {
            AnyStream::Socket(s) => s.url(),
            AnyStream::Browser(b) => b.url(),
        }
    }

    async fn opened(&self) -> Result<Parts<Self>, WebSocketError> {
        match self {
            AnyStream::Socket(s) => {
                let parts = s.opened().await?;
                Ok(Parts {
                    reader: AnyReader::Socket(parts.reader),
                    writer: AnyWriter::Socket(parts.writer),
                    protocol: parts.protocol,
                    extensions: parts.extensions,
                })
            }
            AnyStream::Browser(b) => {
                let (protocol, extensions) = b.opened().await?;
                Ok(Parts {
                    reader: AnyReader::Browser(b.clone(), Default::default()),
                    writer: AnyWriter::Browser(b.clone(), Default::default()),
                    protocol,
                    extensions,
                })
            }
        }
    }

    fn poll_closed(&self, cx: &mut Context<'_>) -> Poll<Result<CloseInfo, WebSocketError>> {
        match self {
            AnyStream::Socket(s) => s.poll_closed(cx),
            AnyStream::Browser(b) => b.poll_closed(cx),
        }
    }

    fn close(&self, code: Option<u16>, reason: &str) -> Result<(), Error> {
        match self {
            AnyStream::Socket(s) => s.close(code, reason),
            AnyStream::Browser(b) => b.close(code, reason),
        }
    }
}

impl ReadBacking for AnyReader {
    fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<MessageData, WebSocketError>>> {
        match self {
            AnyReader::Socket(r) => r.poll_next(cx),
            AnyReader::Browser(b, r) => r.poll_next(b, cx),
        }
    }

    fn cancel(&self, reason: Option<&WebSocketError>) {
        match self {
            AnyReader::Socket(r) => r.cancel(reason),
            AnyReader::Browser(b, r) => r.cancel(b, reason),
        }
    }
}

impl WriteBacking for AnyWriter {
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WebSocketError>> {
        match self {
            AnyWriter::Socket(w) => w.poll_ready(cx),
            AnyWriter::Browser(b, w) => w.poll_ready(b, cx),
        }
    }

    fn start_send(&mut self, item: Message) -> Result<(), WebSocketError> {
        match self {
            AnyWriter::Socket(w) => w.start_send(item),
            AnyWriter::Browser(b, w) => w.start_send(b, item),
        }
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WebSocketError>> {
        match self {
            AnyWriter::Socket(w) => w.poll_flush(cx),
            AnyWriter::Browser(b, w) => w.poll_flush(b, cx),
        }
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WebSocketError>> {
        match self {
            AnyWriter::Socket(w) => w.poll_close(cx),
            AnyWriter::Browser(b, w) => w.poll_close(b, cx),
        }
    }

    fn abort(&self, reason: Option<&WebSocketError>) {
        match self {
            AnyWriter::Socket(w) => w.abort(reason),
            AnyWriter::Browser(b, w) => w.abort(b, reason),
        }
    }

    /// The page's own `WebSocketStream` does not tell: 0.
    fn buffered_amount(&self) -> u64 {
        match self {
            AnyWriter::Socket(w) => w.buffered_amount(),
            AnyWriter::Browser(..) => 0,
        }
    }
}
