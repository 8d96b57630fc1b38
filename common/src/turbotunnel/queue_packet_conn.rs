//! The server's packet layer (§7.4): [`QueuePacketConn`], one bounded
//! receive queue of packets tagged with their ClientId, and one bounded
//! [`OutgoingQueue`] per ClientId, drained by whichever connections carry
//! that client.
//!
//! The client table is bounded. When it is full, a new connection's client
//! first evicts the entry that has been idle longest (no packet in either
//! direction), provided it has been idle for at least
//! [`QueuePacketConn::EVICTION_GRACE`], preferring clients whose session was
//! never marked established ([`QueuePacketConn::mark_established`]), which
//! must have been idle for [`QueuePacketConn::ESTABLISHED_EVICTION_IDLE`]; only
//! when nothing qualifies is the client refused. See docs/server-budget.md.

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
    evicted_unestablished: AtomicU64,
    evicted_established: AtomicU64,
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
    /// Client entries evicted to make room for a new client, whose session
    /// had not been marked established.
    pub evicted_unestablished: u64,
    /// Client entries evicted to make room for a new client, whose session
    /// had been marked established (and then went idle).
    pub evicted_established: u64,
}

impl QueueStats {
    /// The current counts.
    pub fn snapshot(&self) -> QueueStatsSnapshot {
        QueueStatsSnapshot {
            incoming_dropped: self.incoming_dropped.load(Ordering::Relaxed),
            outgoing_dropped: self.outgoing_dropped.load(Ordering::Relaxed),
            oversize_dropped: self.oversize_dropped.load(Ordering::Relaxed),
            clients_refused: self.clients_refused.load(Ordering::Relaxed),
            evicted_unestablished: self.evicted_unestablished.load(Ordering::Relaxed),
            evicted_established: self.evicted_established.load(Ordering::Relaxed),
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
    /// The last packet in either direction (or the last connection
    /// attached).
    last_used: Instant,
    established: bool,
}

/// How many eviction candidates one scan of a full table remembers, so that
/// a trickle of new clients costs one scan per this many evictions.
const CANDIDATES_PER_SCAN: usize = 32;

/// The client table and what its last scan for eviction candidates found.
#[derive(Default)]
struct ClientTable {
    clients: HashMap<ClientId, ClientRecord>,
    /// The entries to evict next, in reverse order (the best last:
    /// unestablished before established, longest idle first), each with
    /// the `last_used` and `established` it had when found: an entry used
    /// since is skipped (it is now less idle than the others), one
    /// established since makes the list stale. Untouched entries keep
    /// their relative order, and the ones not found are less idle than
    /// every one kept here or not yet eligible, so the order stays exact,
    /// except that an unestablished entry becoming eligible goes before
    /// the established ones: see `established_valid_until`.
    candidates: Vec<(ClientId, Instant, bool)>,
    /// The earliest time an unestablished entry not among the candidates
    /// becomes eligible; from then on the established candidates are no
    /// longer next, and the table is scanned again before taking one.
    established_valid_until: Option<Instant>,
    /// No entry can become eligible before this (entries only become less
    /// idle when touched, and none are added while the table is full), so
    /// a full table is not scanned again until then.
    next_eligible: Option<Instant>,
}

/// The server side of Turbo Tunnel's packet layer (Go's `QueuePacketConn`
/// plus `ClientMap`): one bounded receive queue of packets tagged with their
/// ClientId, which feeds the KCP listener, and a bounded send queue per
/// ClientId, which the client's connections drain. Queues drop on overflow
/// (KCP retransmits) and count what they drop; idle client queues expire.
pub struct QueuePacketConn {
    incoming_tx: mpsc::Sender<(ClientId, Bytes)>,
    incoming_rx: tokio::sync::Mutex<mpsc::Receiver<(ClientId, Bytes)>>,
    clients: Mutex<ClientTable>,
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
    /// How long an entry must have been idle (no packet in either direction)
    /// before a new client may evict it from a full table. A real client's
    /// entry is touched within one round trip of its connection attaching
    /// (its first KCP packets and the server's replies), and a client that
    /// is still setting up its session sends again within a KCP retransmit
    /// interval, well under a second; five seconds covers slow links. An
    /// attacker who wants to keep the table full of entries younger than
    /// this must open `max-clients / 5 s` new connections per second and
    /// shard (thousands per second at the default limits), a flood rather
    /// than a trickle.
    pub const EVICTION_GRACE: Duration = Duration::from_secs(5);

    /// How long an entry whose session was marked established must have
    /// been idle before it may be evicted: four smux keepalive intervals
    /// (10 s), as for the KCP listener's idle sessions, so that a live
    /// client that is merely quiet is never pushed out.
    pub const ESTABLISHED_EVICTION_IDLE: Duration = Duration::from_secs(40);

    /// Queues of `queue_size` packets each; at most `max_clients` client
    /// send queues exist at once.
    pub fn new(queue_size: usize, max_clients: usize) -> Self {
        let (incoming_tx, incoming_rx) = mpsc::channel(queue_size.max(1));
        Self {
            incoming_tx,
            incoming_rx: tokio::sync::Mutex::new(incoming_rx),
            clients: Mutex::new(ClientTable::default()),
            queue_size: queue_size.max(1),
            max_clients,
            stats: QueueStats::default(),
        }
    }

    /// What the queues dropped so far.
    pub fn stats(&self) -> QueueStatsSnapshot {
        self.stats.snapshot()
    }

    fn lock_clients(&self) -> std::sync::MutexGuard<'_, ClientTable> {
        // A panic while holding this lock cannot leave the map inconsistent
        // (every update is a single insert or remove), so recover from
        // poisoning rather than propagate it.
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a packet that arrived from `client_id` for the KCP layer,
    /// and counts it as activity of the client's entry (it never creates
    /// one). Never waits: a full queue or an oversize packet drops it.
    /// Returns whether it was queued.
    pub fn queue_incoming(&self, client_id: ClientId, packet: Bytes) -> bool {
        if packet.len() > MAX_PACKET_SIZE {
            self.stats.oversize_dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        if let Some(record) = self.lock_clients().clients.get_mut(&client_id) {
            record.last_used = Instant::now();
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
    /// queue drops it. Returns whether it was queued. A client without an
    /// entry gets one if the table has room, but evicts nobody: with no
    /// connection to drain it, it is not worth another client's place.
    pub fn send_to(&self, client_id: ClientId, packet: Bytes) -> bool {
        let mut table = self.lock_clients();
        let Some(record) = self.record(&mut table, client_id, false) else {
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
    /// that carries this client. When the client table is full, the entry
    /// idle longest is evicted if it may be (see the module docs); `None`
    /// when nothing may be.
    pub fn outgoing(&self, client_id: ClientId) -> Option<Arc<OutgoingQueue>> {
        let mut table = self.lock_clients();
        self.record(&mut table, client_id, true)
            .map(|r| Arc::clone(&r.queue))
    }

    /// Marks `client_id`'s session as established (it carried data the
    /// application used): its entry is then evicted only after it has been
    /// idle for [`Self::ESTABLISHED_EVICTION_IDLE`], and after every
    /// eligible unestablished entry. Does nothing for an unknown client.
    pub fn mark_established(&self, client_id: ClientId) {
        if let Some(record) = self.lock_clients().clients.get_mut(&client_id) {
            record.established = true;
        }
    }

    fn record<'a>(
        &self,
        table: &'a mut ClientTable,
        client_id: ClientId,
        may_evict: bool,
    ) -> Option<&'a mut ClientRecord> {
        let now = Instant::now();
        if !table.clients.contains_key(&client_id) {
            if table.clients.len() >= self.max_clients && !(may_evict && self.evict_one(table, now))
            {
                return None;
            }
            // A new entry is unestablished: once eligible it goes before
            // every established candidate, and it may become eligible
            // before the time the last scan computed.
            let eligible = now + Self::EVICTION_GRACE;
            table.established_valid_until = Some(
                table
                    .established_valid_until
                    .map_or(eligible, |t| t.min(eligible)),
            );
            table.next_eligible = None;
            let (tx, rx) = mpsc::channel(self.queue_size);
            table.clients.insert(
                client_id,
                ClientRecord {
                    tx,
                    queue: Arc::new(OutgoingQueue {
                        client_id,
                        rx: tokio::sync::Mutex::new(rx),
                    }),
                    last_used: now,
                    established: false,
                },
            );
        }
        let record = table.clients.get_mut(&client_id)?;
        record.last_used = now;
        Some(record)
    }

    /// The idle time after which an entry may be evicted.
    fn eviction_idle(established: bool) -> Duration {
        if established {
            Self::ESTABLISHED_EVICTION_IDLE
        } else {
            Self::EVICTION_GRACE
        }
    }

    /// Evicts the best candidate of a full table (closing its queue, which
    /// ends its connections' writers). Returns whether one was evicted.
    fn evict_one(&self, table: &mut ClientTable, now: Instant) -> bool {
        loop {
            let next_is_established = table.candidates.last().is_some_and(|c| c.2);
            if next_is_established && table.established_valid_until.is_some_and(|t| now >= t) {
                table.candidates.clear();
            }
            if table.candidates.is_empty() {
                if table.next_eligible.is_some_and(|t| now < t) {
                    return false;
                }
                self.scan(table, now);
                if table.candidates.is_empty() {
                    return false;
                }
            }
            // Best first: the list is kept in reverse order.
            let Some((id, seen, established)) = table.candidates.pop() else {
                return false;
            };
            let Some(current) = table.clients.get(&id) else {
                continue;
            };
            if current.established != established {
                // Established since the scan: it moved in the order.
                table.candidates.clear();
                continue;
            }
            if current.last_used == seen {
                table.clients.remove(&id);
                let counter = if established {
                    &self.stats.evicted_established
                } else {
                    &self.stats.evicted_unestablished
                };
                counter.fetch_add(1, Ordering::Relaxed);
                return true;
            }
        }
    }

    /// Finds the next [`CANDIDATES_PER_SCAN`] entries to evict, or when
    /// there are none, the earliest time one can become eligible.
    fn scan(&self, table: &mut ClientTable, now: Instant) {
        let mut found: Vec<(ClientId, Instant, bool)> = Vec::new();
        let mut next_eligible: Option<Instant> = None;
        let mut unestablished_eligible: Option<Instant> = None;
        let earliest = |slot: &mut Option<Instant>, at: Instant| {
            *slot = Some(slot.map_or(at, |t| t.min(at)));
        };
        for (id, r) in &table.clients {
            let idle_needed = Self::eviction_idle(r.established);
            if now.saturating_duration_since(r.last_used) >= idle_needed {
                found.push((*id, r.last_used, r.established));
            } else {
                let at = r.last_used + idle_needed;
                earliest(&mut next_eligible, at);
                if !r.established {
                    earliest(&mut unestablished_eligible, at);
                }
            }
        }
        // Unestablished first, then longest idle (earliest last use).
        found.sort_unstable_by_key(|&(_, last_used, established)| (established, last_used));
        found.truncate(CANDIDATES_PER_SCAN);
        found.reverse();
        table.established_valid_until = unestablished_eligible;
        table.candidates = found;
        table.next_eligible = if table.candidates.is_empty() {
            next_eligible
        } else {
            None
        };
    }

    /// Removes the send queues unused for `timeout` (closing them, which
    /// ends their connections' writers). Returns how many expired.
    pub fn expire_idle(&self, timeout: Duration) -> usize {
        let now = Instant::now();
        let mut table = self.lock_clients();
        let before = table.clients.len();
        table
            .clients
            .retain(|_, r| now.saturating_duration_since(r.last_used) < timeout);
        before - table.clients.len()
    }

    /// Removes `client_id`'s send queue, and the packets in it, if no
    /// connection carries the client now; called when the client's session
    /// ends. Nothing queued for an ended session will be of use, and a
    /// flood of one-packet clients would otherwise keep a queue (and its
    /// packets) per ClientId for [`CLIENT_MAP_TIMEOUT`]. A client that
    /// comes back gets a new queue. Returns whether the queue was removed.
    pub fn forget_if_detached(&self, client_id: ClientId) -> bool {
        let mut table = self.lock_clients();
        let detached = table
            .clients
            .get(&client_id)
            .is_some_and(|r| Arc::strong_count(&r.queue) == 1);
        if detached {
            table.clients.remove(&client_id);
        }
        detached
    }

    /// How many client send queues exist.
    pub fn client_count(&self) -> usize {
        self.lock_clients().clients.len()
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
    async fn a_detached_queue_is_forgotten_when_its_session_ends_an_attached_one_is_kept() {
        let q = QueuePacketConn::new(8, 8);
        let gone = ClientId([1; 8]);
        let here = ClientId([2; 8]);
        assert!(q.send_to(gone, Bytes::from_static(b"ack")));
        let attached = q.outgoing(here).expect("room");
        assert!(q.send_to(here, Bytes::from_static(b"data")));
        assert_eq!(q.client_count(), 2);
        assert!(q.forget_if_detached(gone));
        assert!(!q.forget_if_detached(here));
        assert!(!q.forget_if_detached(ClientId([3; 8])));
        assert_eq!(q.client_count(), 1);
        assert_eq!(attached.recv().await, Some(Bytes::from_static(b"data")));
        // Once its connection has gone, the other one goes too.
        drop(attached);
        assert!(q.forget_if_detached(here));
        assert_eq!(q.client_count(), 0);
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

    fn id(i: u8) -> ClientId {
        ClientId([i; 8])
    }

    const GRACE: Duration = QueuePacketConn::EVICTION_GRACE;

    #[tokio::test(start_paused = true)]
    async fn full_table_evicts_the_longest_idle_entry_after_the_grace() {
        let q = QueuePacketConn::new(4, 3);
        let first = q.outgoing(id(1)).expect("room");
        tokio::time::sleep(Duration::from_secs(1)).await;
        q.outgoing(id(2)).expect("room");
        tokio::time::sleep(Duration::from_secs(1)).await;
        q.outgoing(id(3)).expect("room");
        // Full, and nobody has been idle for the grace yet.
        assert!(q.outgoing(id(4)).is_none());
        assert!(!q.send_to(id(4), Bytes::from_static(b"x")));
        tokio::time::sleep(GRACE - Duration::from_secs(2)).await;
        // id(1) has been idle for exactly the grace, id(2) not yet.
        assert!(q.outgoing(id(4)).is_some(), "the idlest entry is evicted");
        assert_eq!(q.client_count(), 3);
        // The evicted entry's queue is closed: its connections end.
        assert_eq!(first.recv().await, None);
        assert!(
            q.outgoing(id(5)).is_none(),
            "id(2) is still within the grace"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(q.outgoing(id(5)).is_some());
        let s = q.stats();
        assert_eq!(s.evicted_unestablished, 2);
        assert_eq!(s.evicted_established, 0);
        // Evicted in order: 1, then 2; 3, 4 and 5 remain.
        for kept in [3, 4, 5] {
            assert!(q.lock_clients().clients.contains_key(&id(kept)));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_packet_in_either_direction_keeps_an_entry() {
        let q = QueuePacketConn::new(4, 3);
        for i in 1..=3 {
            q.outgoing(id(i)).expect("room");
        }
        tokio::time::sleep(GRACE * 2).await;
        // id(1) hears from its client, id(2) gets a packet from the server.
        assert!(q.queue_incoming(id(1), Bytes::from_static(b"in")));
        assert!(q.send_to(id(2), Bytes::from_static(b"out")));
        assert!(q.outgoing(id(4)).is_some());
        assert!(!q.lock_clients().clients.contains_key(&id(3)));
        // Both touched entries are within the grace again.
        assert!(q.outgoing(id(5)).is_none());
        // An incoming packet never creates an entry.
        q.queue_incoming(id(6), Bytes::from_static(b"in"));
        assert!(!q.lock_clients().clients.contains_key(&id(6)));
    }

    #[tokio::test(start_paused = true)]
    async fn send_to_an_unknown_client_evicts_nobody() {
        let q = QueuePacketConn::new(4, 2);
        q.outgoing(id(1)).expect("room");
        q.outgoing(id(2)).expect("room");
        tokio::time::sleep(GRACE * 2).await;
        assert!(!q.send_to(id(3), Bytes::from_static(b"x")));
        assert_eq!(q.stats().clients_refused, 1);
        assert_eq!(q.stats().evicted_unestablished, 0);
        assert_eq!(q.client_count(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn unestablished_entries_go_before_established_ones() {
        let q = QueuePacketConn::new(4, 3);
        // id(1) is the idlest but established; id(2) and id(3) are not.
        q.outgoing(id(1)).expect("room");
        q.mark_established(id(1));
        tokio::time::sleep(Duration::from_secs(1)).await;
        q.outgoing(id(2)).expect("room");
        tokio::time::sleep(Duration::from_secs(1)).await;
        q.outgoing(id(3)).expect("room");
        tokio::time::sleep(GRACE + Duration::from_secs(1)).await;
        assert!(q.outgoing(id(4)).is_some());
        assert!(q.lock_clients().clients.contains_key(&id(1)));
        assert!(!q.lock_clients().clients.contains_key(&id(2)));
        assert!(q.outgoing(id(5)).is_some());
        assert!(!q.lock_clients().clients.contains_key(&id(3)));
        // Only id(1) is past the grace now, but an established entry must
        // be idle for longer before it goes.
        tokio::time::sleep(GRACE - Duration::from_secs(1)).await;
        assert!(q.outgoing(id(6)).is_none());
        // Marked after the scan above: id(4) now needs the longer idle too.
        q.mark_established(id(4));
        let idle = QueuePacketConn::ESTABLISHED_EVICTION_IDLE;
        // id(5) (unestablished) is eligible long before, and goes first.
        tokio::time::sleep(idle).await;
        assert!(q.outgoing(id(6)).is_some());
        assert!(!q.lock_clients().clients.contains_key(&id(5)));
        // Then the established ones, idlest first.
        assert!(q.outgoing(id(7)).is_some());
        assert!(!q.lock_clients().clients.contains_key(&id(1)));
        let s = q.stats();
        assert_eq!(s.evicted_unestablished, 3);
        assert_eq!(s.evicted_established, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn an_entry_becoming_eligible_goes_before_remembered_established_ones() {
        let q = QueuePacketConn::new(4, 3);
        // Two established entries, idle long enough to go.
        for i in [1, 2] {
            q.outgoing(id(i)).expect("room");
            q.mark_established(id(i));
        }
        let idle = QueuePacketConn::ESTABLISHED_EVICTION_IDLE;
        tokio::time::sleep(idle).await;
        q.outgoing(id(3)).expect("room");
        tokio::time::sleep(Duration::from_secs(1)).await;
        // The scan finds id(1) and id(2); id(3) is within its grace.
        assert!(q.outgoing(id(4)).is_some());
        assert_eq!(q.stats().evicted_established, 1);
        tokio::time::sleep(GRACE).await;
        // id(3) and id(4) are now eligible and unestablished: they go
        // (idlest first) before the established entry the scan also found.
        assert!(q.outgoing(id(5)).is_some());
        assert!(q.lock_clients().clients.contains_key(&id(4)));
        assert!(!q.lock_clients().clients.contains_key(&id(3)));
        assert_eq!(q.stats().evicted_unestablished, 1);
        // An unestablished candidate established since it was found moves
        // behind the established ones.
        q.mark_established(id(4));
        assert!(q.outgoing(id(6)).is_some());
        assert!(q.lock_clients().clients.contains_key(&id(4)));
        assert_eq!(q.stats().evicted_established, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_trickle_evicts_in_idle_order_across_scans() {
        // More entries than one scan remembers, each a second apart, some
        // touched on the way: evictions follow the idle order exactly.
        const N: u8 = 80;
        let q = QueuePacketConn::new(4, usize::from(N));
        for i in 0..N {
            q.outgoing(id(i)).expect("room");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        // Touch every tenth entry: they become the most recent.
        for i in (0..N).step_by(10) {
            q.queue_incoming(id(i), Bytes::from_static(b"."));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(GRACE).await;
        let mut expected: Vec<u8> = (0..N).filter(|i| i % 10 != 0).collect();
        expected.extend((0..N).step_by(10));
        for (n, &victim) in expected.iter().enumerate() {
            let newcomer = ClientId([200, n as u8, 0, 0, 0, 0, 0, 1]);
            assert!(q.lock_clients().clients.contains_key(&id(victim)));
            assert!(q.outgoing(newcomer).is_some(), "eviction {n}");
            assert!(
                !q.lock_clients().clients.contains_key(&id(victim)),
                "eviction {n} should take {victim}"
            );
        }
        // Only newcomers are left, all within the grace.
        assert!(q.outgoing(id(250)).is_none());
        assert_eq!(q.stats().evicted_unestablished, u64::from(N));
    }
}
