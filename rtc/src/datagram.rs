//! The datagram channel: a second data channel, unordered and never
//! retransmitted by SCTP, that our client and our proxy add beside the
//! ordinary reliable one so that KCP alone does reliability and congestion
//! control (docs/datagram-channel.md).
//!
//! Negotiation keeps every other peer on today's path:
//!
//! * the client opens its usual ordered, reliable channel and says nothing
//!   new in its offer (Go and browser proxies see the offer they always
//!   saw);
//! * our proxy, configured for it, opens one more channel labelled
//!   [`DATAGRAM_LABEL`] (unordered, `maxRetransmits` 0) once the client's
//!   channel is open. A Go client has no handler for channels the proxy
//!   opens: pion accepts it and nothing is ever sent on it;
//! * our client, configured for it, takes that channel and from then on
//!   sends each KCP packet as one message on it; the proxy switches to it
//!   for the client's direction when the first message arrives. The
//!   reliable channel stays open and carries the preamble.
//!
//! Everything here is inside DTLS: a censor sees the same handshake and
//! one more `DATA_CHANNEL_OPEN` of encrypted bytes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::oneshot;

use crate::channel::{BoxFuture, MessageChannel, MAX_RECV_MESSAGE};
use crate::error::RtcError;

/// Label of the datagram channel our proxy opens.
pub const DATAGRAM_LABEL: &str = "turbotunnel-datagrams-1";

/// Longest a sender is held back waiting for a full channel to drain.
pub const ROOM_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

/// Bytes a channel may hold before datagrams are dropped instead of
/// queued (twice the level at which senders are held back): a channel that
/// does not drain within [`ROOM_WAIT`] must not grow without bound.
pub const DATAGRAM_BUFFER_LIMIT: usize = 2 * crate::channel::BUFFERED_AMOUNT_HIGH;

/// Largest datagram sent: one KCP packet (1400 bytes) with room to spare;
/// anything bigger is not a packet and is refused.
pub const MAX_DATAGRAM: usize = 2048;

/// What happened to a datagram handed to [`DatagramChannel::send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatagramSent {
    /// Queued on the channel.
    Sent,
    /// Dropped: the channel holds [`DATAGRAM_BUFFER_LIMIT`] bytes already.
    Dropped,
}

/// One open datagram channel. Cheap to clone; every clone is the same
/// channel.
#[derive(Clone)]
pub struct DatagramChannel {
    inner: Arc<dyn MessageChannel>,
    counters: Arc<DatagramCounters>,
}

/// Counters of one datagram channel.
#[derive(Debug, Default)]
pub struct DatagramCounters {
    sent: AtomicU64,
    dropped: AtomicU64,
    received: AtomicU64,
}

/// A snapshot of [`DatagramCounters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DatagramTotals {
    /// Datagrams queued on the channel.
    pub sent: u64,
    /// Datagrams dropped at [`DATAGRAM_BUFFER_LIMIT`].
    pub dropped: u64,
    /// Datagrams received.
    pub received: u64,
}

impl std::fmt::Debug for DatagramChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatagramChannel")
            .field("totals", &self.totals())
            .finish_non_exhaustive()
    }
}

impl DatagramChannel {
    /// Wraps an open, unordered, unreliable backend channel.
    pub fn new(inner: Arc<dyn MessageChannel>) -> Self {
        DatagramChannel {
            inner,
            counters: Arc::default(),
        }
    }

    /// Queues one datagram, then waits while the channel holds more than
    /// it should (the same hysteresis as the reliable channel,
    /// [`crate::channel::BUFFERED_AMOUNT_HIGH`] down to
    /// [`crate::channel::BUFFERED_AMOUNT_LOW`]), so that a sender faster
    /// than the path is held back instead of losing datagrams to a full
    /// queue: the only losses KCP sees are the network's. An error means
    /// the channel is closed (or the datagram is over [`MAX_DATAGRAM`]).
    pub async fn send(&self, datagram: Bytes) -> Result<DatagramSent, RtcError> {
        if datagram.len() > MAX_DATAGRAM {
            return Err(RtcError::MessageTooLarge(datagram.len()));
        }
        if self.inner.buffered_amount().await >= DATAGRAM_BUFFER_LIMIT {
            // Held back for ROOM_WAIT and still over the hard limit: the
            // path is not draining; drop rather than grow.
            self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            return Ok(DatagramSent::Dropped);
        }
        self.inner.send(datagram).await?;
        self.counters.sent.fetch_add(1, Ordering::Relaxed);
        // Never wait forever on the peer's acknowledgements: after
        // ROOM_WAIT the next datagram goes through the hard limit above.
        let _ = tokio::time::timeout(ROOM_WAIT, self.inner.wait_for_room()).await;
        Ok(DatagramSent::Sent)
    }

    /// Waits for the next datagram; `None` once the channel is closed.
    /// `buf` is scratch space, reused between calls.
    pub async fn recv(&self, buf: &mut Vec<u8>) -> Result<Option<Bytes>, RtcError> {
        buf.resize(MAX_RECV_MESSAGE, 0);
        match self.inner.recv(buf).await? {
            None => Ok(None),
            Some(n) => {
                self.counters.received.fetch_add(1, Ordering::Relaxed);
                Ok(Some(Bytes::copy_from_slice(
                    buf.get(..n).unwrap_or_default(),
                )))
            }
        }
    }

    /// Closes the datagram channel (not the peer connection).
    pub fn close(&self) -> BoxFuture<'_, ()> {
        self.inner.close()
    }

    /// What went through the channel so far.
    pub fn totals(&self) -> DatagramTotals {
        DatagramTotals {
            sent: self.counters.sent.load(Ordering::Relaxed),
            dropped: self.counters.dropped.load(Ordering::Relaxed),
            received: self.counters.received.load(Ordering::Relaxed),
        }
    }
}

/// A datagram channel that may open later: the proxy opens it just after
/// the main channel, or never (a peer that is not ours).
#[derive(Debug)]
pub struct DatagramLink(oneshot::Receiver<DatagramChannel>);

/// The backend's end of a [`DatagramLink`].
#[derive(Debug)]
pub struct DatagramLinkSender(oneshot::Sender<DatagramChannel>);

impl DatagramLink {
    /// A link and the sender the backend fulfils when the channel opens.
    pub fn new() -> (DatagramLinkSender, DatagramLink) {
        let (tx, rx) = oneshot::channel();
        (DatagramLinkSender(tx), DatagramLink(rx))
    }

    /// Resolves with the channel once it is open, or `None` if it never
    /// will be (the peer connection closed first).
    pub async fn opened(self) -> Option<DatagramChannel> {
        self.0.await.ok()
    }
}

impl DatagramLinkSender {
    /// Hands over the open channel. Returns it back if nobody waits.
    pub fn open(self, channel: DatagramChannel) -> Result<(), DatagramChannel> {
        self.0.send(channel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::BUFFERED_AMOUNT_HIGH;
    use std::sync::atomic::AtomicUsize;

    /// Counts what is sent; the buffered amount is whatever the test sets.
    #[derive(Default)]
    struct Fake {
        buffered: AtomicUsize,
        sent: AtomicUsize,
        low: tokio::sync::Notify,
    }

    impl MessageChannel for Fake {
        fn recv<'a>(&'a self, buf: &'a mut [u8]) -> BoxFuture<'a, Result<Option<usize>, RtcError>> {
            Box::pin(async move {
                let n = 3.min(buf.len());
                buf[..n].copy_from_slice(&b"kcp"[..n]);
                Ok(Some(n))
            })
        }
        fn send(&self, _message: Bytes) -> BoxFuture<'_, Result<(), RtcError>> {
            Box::pin(async move {
                self.sent.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
        }
        fn buffered_amount(&self) -> BoxFuture<'_, usize> {
            Box::pin(async move { self.buffered.load(Ordering::SeqCst) })
        }
        fn buffered_amount_low(&self) -> BoxFuture<'_, ()> {
            Box::pin(self.low.notified())
        }
        fn close(&self) -> BoxFuture<'_, ()> {
            Box::pin(async {})
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_channel_holds_the_sender_back_instead_of_dropping() {
        let fake = Arc::new(Fake::default());
        let channel = DatagramChannel::new(fake.clone());
        let sent = channel.send(Bytes::from_static(b"kcp")).await;
        assert_eq!(sent.expect("send"), DatagramSent::Sent);
        fake.buffered.store(BUFFERED_AMOUNT_HIGH, Ordering::SeqCst);
        let mut held = Box::pin(channel.send(Bytes::from_static(b"kcp")));
        assert!(
            tokio::time::timeout(ROOM_WAIT / 2, &mut held)
                .await
                .is_err(),
            "waits while the channel is full"
        );
        fake.buffered.store(0, Ordering::SeqCst);
        fake.low.notify_one();
        assert_eq!(held.await.expect("send"), DatagramSent::Sent);
        assert_eq!(fake.sent.load(Ordering::SeqCst), 2, "nothing dropped");
        // A channel that never drains: the wait ends, and past the hard
        // limit datagrams are dropped instead of queued.
        fake.buffered.store(DATAGRAM_BUFFER_LIMIT, Ordering::SeqCst);
        let dropped = channel.send(Bytes::from_static(b"kcp")).await;
        assert_eq!(dropped.expect("send"), DatagramSent::Dropped);
        let mut buf = Vec::new();
        let got = channel.recv(&mut buf).await.expect("recv");
        assert_eq!(got, Some(Bytes::from_static(b"kcp")));
        assert_eq!(
            channel.totals(),
            DatagramTotals {
                sent: 2,
                dropped: 1,
                received: 1
            }
        );
        let too_big = Bytes::from(vec![0; MAX_DATAGRAM + 1]);
        assert!(channel.send(too_big).await.is_err());
    }

    #[tokio::test]
    async fn a_link_that_never_opens_resolves_to_none() {
        let (sender, link) = DatagramLink::new();
        drop(sender);
        assert!(link.opened().await.is_none());
    }
}
