//! The deadline for a WebSocket message to arrive whole.
//!
//! The WebSocket library buffers a message until its last byte (up to the
//! message size limit), so a peer that starts a message and never ends it
//! pins that buffer for as long as the connection lives; the idle timeout
//! does not help while the peer trickles a byte now and then.
//! [`MessageClock`] notes when bytes arrive after the last complete
//! message ([`Watched`] wraps the connection's byte stream, and the
//! connection's message stream reports each complete message), and
//! [`MessageClock::overdue`] resolves once a message has been incomplete
//! for the message timeout; the connection is then closed.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// No bytes of an incomplete message are waiting.
const NONE: u64 = u64::MAX;

/// When the oldest byte not yet part of a complete message arrived.
#[derive(Debug)]
pub(crate) struct MessageClock {
    start: Instant,
    /// Milliseconds since `start`, or [`NONE`].
    partial_since_ms: AtomicU64,
}

impl MessageClock {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            partial_since_ms: AtomicU64::new(NONE),
        })
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis())
            .unwrap_or(NONE - 1)
            .min(NONE - 1)
    }

    /// Bytes arrived: if no message was under way, one starts now.
    pub(crate) fn bytes_arrived(&self) {
        let now = self.now_ms();
        let _ =
            self.partial_since_ms
                .compare_exchange(NONE, now, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// A message (data or control) was completed: nothing is under way.
    /// (Bytes of the next message read together with the end of this one
    /// start the clock at the next read: at most one read of slack.)
    pub(crate) fn message_completed(&self) {
        self.partial_since_ms.store(NONE, Ordering::Relaxed);
    }

    /// Resolves once a message has been under way for `limit` without
    /// completing. It checks at least every `limit`, so a connection is
    /// closed between one and two `limit`s after its message started.
    pub(crate) async fn overdue(&self, limit: Duration) {
        loop {
            let since = self.partial_since_ms.load(Ordering::Relaxed);
            if since == NONE {
                tokio::time::sleep(limit).await;
                continue;
            }
            let due = self.start + Duration::from_millis(since) + limit;
            if Instant::now() >= due {
                return;
            }
            tokio::time::sleep_until(due).await;
        }
    }
}

/// A byte stream that reports arriving bytes to a [`MessageClock`].
#[derive(Debug)]
pub(crate) struct Watched<S> {
    io: S,
    clock: Arc<MessageClock>,
}

impl<S> Watched<S> {
    pub(crate) fn new(io: S, clock: Arc<MessageClock>) -> Self {
        Self { io, clock }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.io).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.clock.bytes_arrived();
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test(start_paused = true)]
    async fn an_incomplete_message_becomes_overdue() {
        let clock = MessageClock::new();
        let (a, mut b) = tokio::io::duplex(64);
        let mut watched = Watched::new(a, Arc::clone(&clock));
        let limit = Duration::from_secs(5);
        // Nothing under way: never overdue.
        assert!(
            tokio::time::timeout(Duration::from_secs(60), clock.overdue(limit))
                .await
                .is_err()
        );
        b.write_all(b"x").await.expect("write");
        let mut buf = [0u8; 8];
        assert_eq!(watched.read(&mut buf).await.expect("read"), 1);
        clock.message_completed();
        assert!(
            tokio::time::timeout(Duration::from_secs(60), clock.overdue(limit))
                .await
                .is_err(),
            "a completed message is not overdue"
        );
        b.write_all(b"y").await.expect("write");
        assert_eq!(watched.read(&mut buf).await.expect("read"), 1);
        tokio::time::timeout(Duration::from_secs(60), clock.overdue(limit))
            .await
            .expect("an incomplete message is overdue");
    }
}
