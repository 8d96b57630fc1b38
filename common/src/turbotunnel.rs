//! Turbo Tunnel basics (protocol reference §1.1, §7.4): the magic token, the
//! [`ClientId`], packet connections, and the server's queue structure.
//!
//! Turbo Tunnel keeps one virtual session (KCP + smux) alive while the
//! proxies under it come and go. Every proxy connection starts with the
//! 8-byte [`TOKEN`] and the client's 8-byte [`ClientId`]; after that, the
//! stream carries encapsulated packets. The server keys its sessions by
//! `ClientId`, never by network address.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::encapsulation::{self, Decoder};

/// The magic token that starts every client-to-server proxy connection
/// (`common/turbotunnel/consts.go`).
pub const TOKEN: [u8; 8] = [0x12, 0x93, 0x60, 0x5d, 0x27, 0x81, 0x75, 0xf5];

/// Packets per queue, as in the Go implementation (`queueSize`).
pub const QUEUE_SIZE: usize = 512;

/// How long a client's outgoing queue lives after its last use
/// (`clientMapTimeout`).
pub const CLIENT_MAP_TIMEOUT: Duration = Duration::from_secs(60);

/// The largest packet the server queues: the KCP MTU. Larger packets cannot
/// come from a well-behaved KCP peer.
pub const MAX_PACKET_SIZE: usize = 1400;

/// The 8 random bytes that name one client session across all the proxy
/// connections that carry it. Shown as 16 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(pub [u8; 8]);

impl ClientId {
    /// A fresh random ClientId from the operating system's CSPRNG.
    pub fn random() -> Self {
        Self(rand::random())
    }

    /// The raw bytes, as sent after the token.
    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }

    /// The Turbo Tunnel instance this ClientId belongs to when the server
    /// runs `n` of them. Any stable choice interoperates; this is the one the
    /// Go server ends up computing (little-endian u64 modulo `n`), so both
    /// spread clients the same way. `n` of 0 is treated as 1.
    pub fn shard(&self, n: usize) -> usize {
        let n = n.max(1) as u64;
        (u64::from_le_bytes(self.0) % n) as usize
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientId({self})")
    }
}

/// Error parsing a [`ClientId`] from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a ClientId is 16 hex characters")]
pub struct ParseClientIdError;

impl FromStr for ClientId {
    type Err = ParseClientIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 8];
        hex::decode_to_slice(s, &mut out).map_err(|_| ParseClientIdError)?;
        Ok(Self(out))
    }
}

/// Errors reading the Turbo Tunnel preamble on the server side.
#[derive(Debug, thiserror::Error)]
pub enum PreambleError {
    /// The connection ended before any byte of the token; a proxy that
    /// connected for a client that never used it. Not worth a log line.
    #[error("connection closed before the Turbo Tunnel token")]
    Empty,
    /// The first 8 bytes are not the token: a pre-Turbo-Tunnel ("one-shot")
    /// client or garbage. Go closes these connections too.
    #[error("connection does not start with the Turbo Tunnel token")]
    BadToken,
    /// The stream ended inside the token or the ClientId.
    #[error("connection closed inside the Turbo Tunnel preamble")]
    Truncated,
    /// The transport failed.
    #[error("reading the Turbo Tunnel preamble: {0}")]
    Io(#[from] io::Error),
}

/// The 16 bytes a client writes at the start of each proxy connection.
pub fn preamble(client_id: ClientId) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&TOKEN);
    out[8..].copy_from_slice(&client_id.0);
    out
}

/// Reads the token and ClientId from the start of a connection, accepting
/// any read boundaries.
pub async fn read_preamble<R: AsyncRead + Unpin>(r: &mut R) -> Result<ClientId, PreambleError> {
    let mut buf = [0u8; 16];
    let mut filled = 0;
    while filled < buf.len() {
        let n = r.read(&mut buf[filled..]).await?;
        if n == 0 {
            return Err(if filled == 0 {
                PreambleError::Empty
            } else if buf[..filled.min(8)] != TOKEN[..filled.min(8)] {
                PreambleError::BadToken
            } else {
                PreambleError::Truncated
            });
        }
        filled += n;
        // Refuse a wrong token as soon as it is visible, without waiting
        // for a ClientId that will never make sense.
        if buf[..filled.min(8)] != TOKEN[..filled.min(8)] {
            return Err(PreambleError::BadToken);
        }
    }
    let mut id = [0u8; 8];
    id.copy_from_slice(&buf[8..]);
    Ok(ClientId(id))
}

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

/// Turns a byte stream into a [`PacketConn`] by encapsulating packets
/// (§1.2): one task decodes incoming bytes into packets, another encodes
/// outgoing packets, writing everything queued at once in one write.
///
/// With `client_id` set, the client preamble (token + ClientId) is written
/// first, as a client does on every new proxy connection.
pub fn encapsulated_packet_conn<S>(stream: S, client_id: Option<ClientId>) -> ChannelPacketConn
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut reader, mut writer) = tokio::io::split(stream);
    let (in_tx, in_rx) = mpsc::channel::<Bytes>(QUEUE_SIZE);
    let (out_tx, mut out_rx) = mpsc::channel::<Bytes>(QUEUE_SIZE);

    tokio::spawn(async move {
        let mut decoder = Decoder::with_max_packet(encapsulation::MAX_CHUNK_LEN);
        let mut buf = BytesMut::with_capacity(64 * 1024);
        loop {
            loop {
                match decoder.decode(&mut buf) {
                    Ok(Some(packet)) => {
                        if in_tx.send(packet).await.is_err() {
                            return;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::debug!("encapsulated stream: {e}");
                        return;
                    }
                }
            }
            if buf.capacity() - buf.len() < 2048 {
                buf.reserve(64 * 1024);
            }
            match reader.read_buf(&mut buf).await {
                Ok(0) => {
                    if let Err(e) = decoder.finish(&buf) {
                        tracing::debug!("encapsulated stream: {e}");
                    }
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!("encapsulated stream read: {e}");
                    return;
                }
            }
        }
    });

    tokio::spawn(async move {
        let mut buf = BytesMut::with_capacity(64 * 1024);
        // The preamble goes out at once, not with the first packet: the
        // server reads it before anything else.
        if let Some(id) = client_id {
            if let Err(e) = writer.write_all(&preamble(id)).await {
                tracing::debug!("encapsulated stream write: {e}");
                return;
            }
        }
        while let Some(packet) = out_rx.recv().await {
            let mut ok = encapsulation::encode_data(&packet, &mut buf).is_ok();
            // Coalesce whatever else is already queued into the same write.
            while ok && buf.len() < 256 * 1024 {
                match out_rx.try_recv() {
                    Ok(p) => ok = encapsulation::encode_data(&p, &mut buf).is_ok(),
                    Err(_) => break,
                }
            }
            if !ok {
                tracing::debug!("encapsulated stream: packet too long to encode");
                break;
            }
            if let Err(e) = writer.write_all(&buf).await {
                tracing::debug!("encapsulated stream write: {e}");
                break;
            }
            buf.clear();
        }
        let _ = writer.shutdown().await;
    });

    ChannelPacketConn::new(out_tx, in_rx)
}

/// Counters of what the server's queues dropped.
#[derive(Debug, Default)]
pub struct QueueStats {
    incoming_dropped: AtomicU64,
    outgoing_dropped: AtomicU64,
    oversize_dropped: AtomicU64,
    clients_refused: AtomicU64,
}

/// A snapshot of [`QueueStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStatsSnapshot {
    /// Incoming packets dropped because the receive queue was full.
    pub incoming_dropped: u64,
    /// Outgoing packets dropped because a client's send queue was full.
    pub outgoing_dropped: u64,
    /// Packets dropped for being larger than [`MAX_PACKET_SIZE`].
    pub oversize_dropped: u64,
    /// Outgoing packets dropped because the client table was full.
    pub clients_refused: u64,
}

impl QueueStats {
    /// The current counts.
    pub fn snapshot(&self) -> QueueStatsSnapshot {
        QueueStatsSnapshot {
            incoming_dropped: self.incoming_dropped.load(Ordering::Relaxed),
            outgoing_dropped: self.outgoing_dropped.load(Ordering::Relaxed),
            oversize_dropped: self.oversize_dropped.load(Ordering::Relaxed),
            clients_refused: self.clients_refused.load(Ordering::Relaxed),
        }
    }
}

/// One client's outgoing packets, shared by every connection that currently
/// carries that client (a striping client has several at once): each packet
/// goes out on whichever connection takes it first.
#[derive(Debug)]
pub struct OutgoingQueue {
    client_id: ClientId,
    rx: tokio::sync::Mutex<mpsc::Receiver<Bytes>>,
}

impl OutgoingQueue {
    /// The client this queue belongs to.
    pub fn client_id(&self) -> ClientId {
        self.client_id
    }

    /// Waits for the next packet; `None` once the queue has expired or the
    /// server shut down.
    pub async fn recv(&self) -> Option<Bytes> {
        self.rx.lock().await.recv().await
    }
}

struct ClientRecord {
    tx: mpsc::Sender<Bytes>,
    queue: Arc<OutgoingQueue>,
    last_used: Instant,
}

/// The server side of Turbo Tunnel's packet layer (Go's `QueuePacketConn`
/// plus `ClientMap`): one bounded receive queue of packets tagged with their
/// ClientId, which feeds the KCP listener, and a bounded send queue per
/// ClientId, which the client's connections drain. Queues drop on overflow
/// (KCP retransmits) and count what they drop; idle client queues expire.
pub struct QueuePacketConn {
    incoming_tx: mpsc::Sender<(ClientId, Bytes)>,
    incoming_rx: tokio::sync::Mutex<mpsc::Receiver<(ClientId, Bytes)>>,
    clients: Mutex<HashMap<ClientId, ClientRecord>>,
    queue_size: usize,
    max_clients: usize,
    stats: QueueStats,
}

impl fmt::Debug for QueuePacketConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueuePacketConn")
            .field("queue_size", &self.queue_size)
            .field("max_clients", &self.max_clients)
            .field("stats", &self.stats.snapshot())
            .finish_non_exhaustive()
    }
}

impl QueuePacketConn {
    /// Queues of `queue_size` packets each; at most `max_clients` client
    /// send queues exist at once.
    pub fn new(queue_size: usize, max_clients: usize) -> Self {
        let (incoming_tx, incoming_rx) = mpsc::channel(queue_size.max(1));
        Self {
            incoming_tx,
            incoming_rx: tokio::sync::Mutex::new(incoming_rx),
            clients: Mutex::new(HashMap::new()),
            queue_size: queue_size.max(1),
            max_clients,
            stats: QueueStats::default(),
        }
    }

    /// What the queues dropped so far.
    pub fn stats(&self) -> QueueStatsSnapshot {
        self.stats.snapshot()
    }

    fn lock_clients(&self) -> std::sync::MutexGuard<'_, HashMap<ClientId, ClientRecord>> {
        // A panic while holding this lock cannot leave the map inconsistent
        // (every update is a single insert or remove), so recover from
        // poisoning rather than propagate it.
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a packet that arrived from `client_id` for the KCP layer.
    /// Never waits: a full queue or an oversize packet drops it.
    /// Returns whether it was queued.
    pub fn queue_incoming(&self, client_id: ClientId, packet: Bytes) -> bool {
        if packet.len() > MAX_PACKET_SIZE {
            self.stats.oversize_dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        match self.incoming_tx.try_send((client_id, packet)) {
            Ok(()) => true,
            Err(_) => {
                self.stats.incoming_dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    /// Waits for the next incoming packet and the client it came from.
    pub async fn recv_from(&self) -> Option<(ClientId, Bytes)> {
        self.incoming_rx.lock().await.recv().await
    }

    /// Queues a packet for `client_id`'s connections. Never waits: a full
    /// queue drops it. Returns whether it was queued.
    pub fn send_to(&self, client_id: ClientId, packet: Bytes) -> bool {
        let mut clients = self.lock_clients();
        let Some(record) = self.record(&mut clients, client_id) else {
            self.stats.clients_refused.fetch_add(1, Ordering::Relaxed);
            return false;
        };
        match record.tx.try_send(packet) {
            Ok(()) => true,
            Err(_) => {
                self.stats.outgoing_dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    /// The send queue of `client_id`, created if needed, for a connection
    /// that carries this client; `None` when the client table is full.
    pub fn outgoing(&self, client_id: ClientId) -> Option<Arc<OutgoingQueue>> {
        let mut clients = self.lock_clients();
        self.record(&mut clients, client_id)
            .map(|r| Arc::clone(&r.queue))
    }

    fn record<'a>(
        &self,
        clients: &'a mut HashMap<ClientId, ClientRecord>,
        client_id: ClientId,
    ) -> Option<&'a mut ClientRecord> {
        let now = Instant::now();
        if !clients.contains_key(&client_id) {
            if clients.len() >= self.max_clients {
                return None;
            }
            let (tx, rx) = mpsc::channel(self.queue_size);
            clients.insert(
                client_id,
                ClientRecord {
                    tx,
                    queue: Arc::new(OutgoingQueue {
                        client_id,
                        rx: tokio::sync::Mutex::new(rx),
                    }),
                    last_used: now,
                },
            );
        }
        let record = clients.get_mut(&client_id)?;
        record.last_used = now;
        Some(record)
    }

    /// Removes the send queues unused for `timeout` (closing them, which
    /// ends their connections' writers). Returns how many expired.
    pub fn expire_idle(&self, timeout: Duration) -> usize {
        let now = Instant::now();
        let mut clients = self.lock_clients();
        let before = clients.len();
        clients.retain(|_, r| now.saturating_duration_since(r.last_used) < timeout);
        before - clients.len()
    }

    /// How many client send queues exist.
    pub fn client_count(&self) -> usize {
        self.lock_clients().len()
    }

    /// Runs [`QueuePacketConn::expire_idle`] with [`CLIENT_MAP_TIMEOUT`]
    /// every half timeout, until `self` is dropped elsewhere.
    pub fn spawn_expiry(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(CLIENT_MAP_TIMEOUT / 2);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(conn) = weak.upgrade() else { return };
                conn.expire_idle(CLIENT_MAP_TIMEOUT);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_and_preamble() {
        // §11.3
        let id = ClientId([1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(
            hex::encode(preamble(id)),
            "1293605d278175f50102030405060708"
        );
        assert_eq!(id.to_string(), "0102030405060708");
        assert_eq!("0102030405060708".parse::<ClientId>(), Ok(id));
        assert!("01020304050607".parse::<ClientId>().is_err());
        assert!("zz02030405060708".parse::<ClientId>().is_err());
        assert_eq!(u64::from_le_bytes(id.0), 578437695752307201);
        assert_eq!(id.shard(2), 1);
        assert_eq!(id.shard(3), 0);
        assert_eq!(id.shard(1), 0);
        assert_eq!(id.shard(0), 0);
    }

    #[test]
    fn random_ids_differ() {
        assert_ne!(ClientId::random(), ClientId::random());
    }

    #[tokio::test]
    async fn preamble_read_on_any_boundaries() {
        let id = ClientId([9, 8, 7, 6, 5, 4, 3, 2]);
        let bytes = preamble(id);
        for split in 0..=16 {
            let (mut a, mut b) = tokio::io::duplex(64);
            let (x, y) = bytes.split_at(split);
            a.write_all(x).await.expect("write");
            let reader = tokio::spawn(async move { read_preamble(&mut b).await });
            tokio::task::yield_now().await;
            a.write_all(y).await.expect("write");
            assert_eq!(reader.await.expect("join").expect("valid"), id);
        }
    }

    #[tokio::test]
    async fn preamble_errors() {
        let mut empty: &[u8] = &[];
        assert!(matches!(
            read_preamble(&mut empty).await,
            Err(PreambleError::Empty)
        ));
        let mut short: &[u8] = &TOKEN[..5];
        assert!(matches!(
            read_preamble(&mut short).await,
            Err(PreambleError::Truncated)
        ));
        let mut no_id: &[u8] = &TOKEN;
        assert!(matches!(
            read_preamble(&mut no_id).await,
            Err(PreambleError::Truncated)
        ));
        let mut wrong: &[u8] = b"GET / HTTP/1.1\r\n";
        assert!(matches!(
            read_preamble(&mut wrong).await,
            Err(PreambleError::BadToken)
        ));
        // A wrong first byte is refused without waiting for 16 bytes.
        let (mut a, mut b) = tokio::io::duplex(64);
        a.write_all(&[0x13]).await.expect("write");
        assert!(matches!(
            read_preamble(&mut b).await,
            Err(PreambleError::BadToken)
        ));
    }

    #[tokio::test]
    async fn queue_packet_conn_drops_and_counts() {
        let q = QueuePacketConn::new(4, 2);
        let a = ClientId([1; 8]);
        let b = ClientId([2; 8]);
        let c = ClientId([3; 8]);
        for i in 0..6u8 {
            q.queue_incoming(a, Bytes::from(vec![i]));
        }
        assert!(!q.queue_incoming(b, Bytes::from(vec![0; MAX_PACKET_SIZE + 1])));
        let s = q.stats();
        assert_eq!(s.incoming_dropped, 2);
        assert_eq!(s.oversize_dropped, 1);
        for i in 0..4u8 {
            assert_eq!(q.recv_from().await, Some((a, Bytes::from(vec![i]))));
        }

        for i in 0..5u8 {
            q.send_to(a, Bytes::from(vec![i]));
        }
        assert!(q.send_to(b, Bytes::from_static(b"b")));
        // Table full: a third client is refused.
        assert!(!q.send_to(c, Bytes::from_static(b"c")));
        assert!(q.outgoing(c).is_none());
        let s = q.stats();
        assert_eq!(s.outgoing_dropped, 1);
        assert_eq!(s.clients_refused, 1);
        let out_a = q.outgoing(a).expect("exists");
        for i in 0..4u8 {
            assert_eq!(out_a.recv().await, Some(Bytes::from(vec![i])));
        }
    }

    #[tokio::test]
    async fn two_connections_share_one_client_queue() {
        let q = QueuePacketConn::new(16, 16);
        let id = ClientId([7; 8]);
        let first = q.outgoing(id).expect("queue");
        let second = q.outgoing(id).expect("queue");
        for i in 0..10u8 {
            q.send_to(id, Bytes::from(vec![i]));
        }
        let mut got = Vec::new();
        for i in 0..10 {
            let conn = if i % 2 == 0 { &first } else { &second };
            got.push(conn.recv().await.expect("packet")[0]);
        }
        assert_eq!(got, (0..10).collect::<Vec<u8>>());
    }

    #[tokio::test(start_paused = true)]
    async fn idle_client_queues_expire_and_close() {
        let q = Arc::new(QueuePacketConn::new(16, 16));
        let _expiry = q.spawn_expiry();
        let busy = ClientId([1; 8]);
        let idle = ClientId([2; 8]);
        let idle_queue = q.outgoing(idle).expect("queue");
        q.send_to(busy, Bytes::from_static(b"x"));
        for _ in 0..6 {
            tokio::time::sleep(Duration::from_secs(20)).await;
            q.send_to(busy, Bytes::from_static(b"x"));
        }
        assert_eq!(q.client_count(), 1, "only the busy client is left");
        // The expired queue is closed: its connection's writer sees the end.
        assert_eq!(idle_queue.recv().await, None);
        assert!(q.outgoing(busy).is_some());
    }

    #[tokio::test]
    async fn encapsulated_conn_round_trip() {
        let (a, b) = tokio::io::duplex(4096);
        let id = ClientId([5; 8]);
        let client = encapsulated_packet_conn(a, Some(id));
        let (mut server_r, server_w) = tokio::io::split(b);
        assert_eq!(read_preamble(&mut server_r).await.expect("preamble"), id);
        let server = encapsulated_packet_conn(tokio::io::join(server_r, server_w), None);
        for i in 0..200u32 {
            client
                .send(Bytes::from(vec![i as u8; (i * 7 % 1400) as usize]))
                .await
                .expect("send");
        }
        for i in 0..200u32 {
            let p = server.recv().await.expect("recv");
            assert_eq!(p, Bytes::from(vec![i as u8; (i * 7 % 1400) as usize]));
        }
        server
            .send(Bytes::from_static(b"back"))
            .await
            .expect("send");
        assert_eq!(
            client.recv().await.expect("recv"),
            Bytes::from_static(b"back")
        );
        drop(server);
        assert!(
            client.recv().await.is_err(),
            "closing one end closes the other"
        );
    }
}
