//! `Read`/`Write` over tokio's `AsyncRead`/`AsyncWrite`, for tungstenite's own (sync) core.
//!
//! The connection task is the only user of its stream, so the bridge keeps the task's waker
//! and polls with it: `Pending` becomes `WouldBlock`, and the I/O driver wakes the task when
//! the socket is ready. That is what tokio-tungstenite's `AllowStd` does too, but without its
//! per-call waker proxies (an `AtomicWaker` registration for every message read), which
//! tokio-tungstenite needs because its stream and sink halves may be polled by different tasks.

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub(crate) struct Bridge<S> {
    inner: S,
    waker: Waker,
    /// The last write would have blocked: the peer is not reading what was sent.
    write_blocked: bool,
}

impl<S> Bridge<S> {
    pub(crate) fn new(inner: S) -> Self {
        Bridge {
            inner,
            waker: Waker::noop().clone(),
            write_blocked: false,
        }
    }

    /// The waker of the task that polls from now on (cloned only when it changed).
    pub(crate) fn set_waker(&mut self, waker: &Waker) {
        if !self.waker.will_wake(waker) {
            self.waker = waker.clone();
        }
    }
}

impl<S> Bridge<S> {
    /// True while the OS refuses more bytes (the last write would have blocked).
    pub(crate) fn write_blocked(&self) -> bool {
        self.write_blocked
    }
}

fn ready_or_would_block<T>(poll: Poll<io::Result<T>>) -> io::Result<T> {
    match poll {
        Poll::Ready(result) => result,
        Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
    }
}

impl<S: AsyncRead + Unpin> Read for Bridge<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut cx = Context::from_waker(&self.waker);
        let mut buf = ReadBuf::new(buf);
        ready_or_would_block(Pin::new(&mut self.inner).poll_read(&mut cx, &mut buf))?;
        Ok(buf.filled().len())
    }
}

impl<S: AsyncWrite + Unpin> Write for Bridge<S> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut cx = Context::from_waker(&self.waker);
        let poll = Pin::new(&mut self.inner).poll_write(&mut cx, data);
        self.write_blocked = poll.is_pending();
        ready_or_would_block(poll)
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut cx = Context::from_waker(&self.waker);
        ready_or_would_block(Pin::new(&mut self.inner).poll_flush(&mut cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::task::Wake;
    use tokio::io::AsyncWriteExt;

    struct Flag(AtomicBool);

    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn would_block_then_woken_then_reads() {
        let (mut tx, rx) = tokio::io::duplex(64);
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let mut bridge = Bridge::new(rx);
        bridge.set_waker(&Waker::from(flag.clone()));
        let mut buf = [0u8; 16];
        let err = bridge.read(&mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert!(!flag.0.load(Ordering::SeqCst));
        tx.write_all(b"hello").await.unwrap();
        assert!(flag.0.load(Ordering::SeqCst), "the stored waker was woken");
        assert_eq!(bridge.read(&mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"hello");
        drop(tx);
        assert_eq!(bridge.read(&mut buf).unwrap(), 0, "end of stream");
    }
}
