//! A read buffer that grows on demand.
//!
//! tungstenite reads at most its `read_buffer_size` per system call and keeps that much memory
//! (zero-filled, hence resident) for the life of the connection: 128 KiB by default, ~130 KiB
//! per idle connection. isows gives tungstenite a small buffer (4 KiB) and puts this adapter
//! under it: while data trickles in, reads go straight into tungstenite's buffer; when a read
//! fills it (bulk data is waiting), the adapter switches to large reads into a buffer of its
//! own, and frees that buffer again once traffic is light. Idle connections stay small, bulk
//! transfers make one system call per 128 KiB.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Size of one large read.
const LARGE: usize = 128 * 1024;

pub(crate) struct GrowingReads<S> {
    inner: S,
    /// Data read ahead; empty (and without capacity) while reads are small.
    buf: Vec<u8>,
    pos: usize,
    large: bool,
}

impl<S> GrowingReads<S> {
    pub(crate) fn new(inner: S) -> Self {
        GrowingReads {
            inner,
            buf: Vec::new(),
            pos: 0,
            large: false,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for GrowingReads<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.pos == this.buf.len() {
            if !this.large {
                let before = out.filled().len();
                ready!(Pin::new(&mut this.inner).poll_read(cx, out))?;
                // A read that filled the caller's buffer means more is waiting.
                this.large = out.remaining() == 0 && out.filled().len() > before;
                return Poll::Ready(Ok(()));
            }
            this.buf.clear();
            this.pos = 0;
            this.buf.reserve_exact(LARGE);
            let mut read = ReadBuf::uninit(&mut this.buf.spare_capacity_mut()[..LARGE]);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            let n = read.filled().len();
            // SAFETY: `poll_read` initialised the first `n` bytes of the spare capacity.
            unsafe { this.buf.set_len(n) };
            if n < LARGE / 4 {
                // Traffic is light again: go back to small reads once this is consumed.
                this.large = false;
            }
        }
        let n = out.remaining().min(this.buf.len() - this.pos);
        out.put_slice(&this.buf[this.pos..this.pos + n]);
        this.pos += n;
        if this.pos == this.buf.len() && !this.large {
            this.buf = Vec::new();
            this.pos = 0;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for GrowingReads<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn delivers_every_byte_in_order_and_frees_its_buffer() {
        let (mut tx, rx) = tokio::io::duplex(1 << 20);
        let data: Vec<u8> = (0..600_000u32).map(|i| (i % 251) as u8).collect();
        let expected = data.clone();
        let writer = tokio::spawn(async move {
            tx.write_all(&data).await.unwrap();
            tx.write_all(b"tail").await.unwrap();
        });
        let mut reader = GrowingReads::new(rx);
        let mut got = Vec::new();
        let mut chunk = [0u8; 4096];
        while got.len() < expected.len() + 4 {
            let n = reader.read(&mut chunk).await.unwrap();
            assert!(n > 0);
            got.extend_from_slice(&chunk[..n]);
        }
        writer.await.unwrap();
        assert_eq!(&got[..expected.len()], &expected[..]);
        assert_eq!(&got[expected.len()..], b"tail");
        assert!(reader.large, "bulk data switched to large reads");
        // The writer is gone: the next read is light (end of stream) and frees the buffer.
        assert_eq!(reader.read(&mut chunk).await.unwrap(), 0);
        assert_eq!(
            reader.buf.capacity(),
            0,
            "the large buffer is freed when traffic is light"
        );
    }
}
