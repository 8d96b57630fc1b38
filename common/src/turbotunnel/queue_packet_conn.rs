//! The server's packet layer (§7.4): [`QueuePacketConn`], one bounded
//! receive queue of packets tagged with their ClientId, and one bounded
//! [`OutgoingQueue`] per ClientId, drained by whichever connections carry
//! that client.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::ClientId;

/// How long a client's outgoing queue lives after its last use
/// (`clientMapTimeout`).
pub const CLIENT_MAP_TIMEOUT: Duration = Duration::from_secs(60);

/// The largest packet the server queues: the KCP MTU. Larger packets cannot
/// come from a well-behaved KCP peer.
pub const MAX_PACKET_SIZE: usize = 1400;

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
}
