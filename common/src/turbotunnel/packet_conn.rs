//! Packet connections: the [`PacketConn`] trait KCP runs over, and
//! [`ChannelPacketConn`], a pair of bounded channels that implements it.

use std::future::Future;
use std::io;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;

/// A connection that carries whole packets, with no addresses: what KCP runs
/// over on the client side (a proxy's data channel, a redialing or
/// multiplexing set of them) and in tests.
///
/// Implementations choose what `send` does when their queue is full: wait
/// (backpressure) or drop (KCP retransmits). Either way their buffering is
/// bounded.
pub trait PacketConn: Send + Sync + 'static {
    /// Waits for the next packet. An error means the connection is closed
    /// for good.
    fn recv(&self) -> impl Future<Output = io::Result<Bytes>> + Send + '_;

    /// Sends one packet. An error means the connection is closed for good.
    fn send(&self, packet: Bytes) -> impl Future<Output = io::Result<()>> + Send + '_;
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "packet connection closed")
}

/// A [`PacketConn`] over a pair of bounded channels; `send` waits while the
/// outgoing channel is full. The building block for the adapters below and
/// for tests.
#[derive(Debug)]
pub struct ChannelPacketConn {
    tx: mpsc::Sender<Bytes>,
    rx: tokio::sync::Mutex<mpsc::Receiver<Bytes>>,
}

impl ChannelPacketConn {
    /// Wraps an outgoing sender and an incoming receiver.
    pub fn new(tx: mpsc::Sender<Bytes>, rx: mpsc::Receiver<Bytes>) -> Self {
        Self {
            tx,
            rx: tokio::sync::Mutex::new(rx),
        }
    }

    /// Queues `packet` if there is room now, without waiting. `Err` gives
    /// the packet back with whether the connection is closed for good.
    pub fn try_send(&self, packet: Bytes) -> Result<(), (Bytes, bool)> {
        self.tx.try_send(packet).map_err(|e| match e {
            mpsc::error::TrySendError::Full(p) => (p, false),
            mpsc::error::TrySendError::Closed(p) => (p, true),
        })
    }

    /// Whether the outgoing queue can take a packet now.
    pub fn has_send_room(&self) -> bool {
        self.tx.capacity() > 0
    }

    /// Whether the outgoing side is closed (the writer task ended).
    pub fn is_send_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Two connected ends, each with `capacity` packets of queue per
    /// direction.
    pub fn pair(capacity: usize) -> (Self, Self) {
        let (a_tx, b_rx) = mpsc::channel(capacity);
        let (b_tx, a_rx) = mpsc::channel(capacity);
        (Self::new(a_tx, a_rx), Self::new(b_tx, b_rx))
    }
}

impl PacketConn for ChannelPacketConn {
    async fn recv(&self) -> io::Result<Bytes> {
        self.rx.lock().await.recv().await.ok_or_else(closed)
    }

    async fn send(&self, packet: Bytes) -> io::Result<()> {
        self.tx.send(packet).await.map_err(|_| closed())
    }
}

impl<T: PacketConn> PacketConn for Arc<T> {
    fn recv(&self) -> impl Future<Output = io::Result<Bytes>> + Send + '_ {
        (**self).recv()
    }

    fn send(&self, packet: Bytes) -> impl Future<Output = io::Result<()>> + Send + '_ {
        (**self).send(packet)
    }
}
