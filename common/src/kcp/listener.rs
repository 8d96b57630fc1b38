//! The server side: one KCP conversation per [`ClientId`] over a
//! [`QueuePacketConn`], demultiplexed the way kcp-go's `Listener` does it
//! for Snowflake (docs/protocol.md §2.4).
//!
//! One demultiplexing task reads the queue and routes packets to a task per
//! session. A session task is idle (no timer, no wakeups) while its KCP has
//! nothing unacknowledged and nothing to acknowledge, so 10,000 mostly idle
//! sessions cost memory (a few KB each) but no CPU; unlike kcp-go, which
//! flushes every session every 10 ms. Busy sessions run on all runtime
//! threads in parallel, which a single task driving every session from a
//! timer wheel could not do.
//!
//! Sessions cost memory, and any well-formed packet from a new ClientId
//! creates one, so the listener keeps the total bounded (see
//! docs/server-budget.md): every session takes [`SESSION_COST`] from the
//! shared [`MemoryBudget`] of [`ListenerConfig::budget`], and its buffers
//! take the rest of what they hold from the same budget. When a new client
//! arrives and the session cap or the budget is reached, the listener
//! first evicts sessions that the application has not marked established
//! ([`KcpMonitor::mark_established`](super::KcpMonitor::mark_established)),
//! oldest first (those that have not sent data segments 0 and 1 before
//! those that have), then sessions that have received nothing for
//! [`ListenerConfig::idle_eviction`], and only then refuses the client. A
//! trickle of one-packet sessions therefore cannot keep real clients out:
//! each new client pushes out the oldest unproven session, and a real
//! client's session, which sends its SYN and its first data together, is
//! established one round trip after it starts. Only a packet carrying
//! data segment 0 makes a session: the later packets of a session the
//! listener evicted or expired are dropped rather than made into a session
//! that would wait for ever for its beginning.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::budget::{Charge, MemoryBudget, SESSION_COST};
use super::segment::{packet_conv, packet_sn, walk_packet, SegmentError, CMD_PUSH};
use super::session::{spawn_session, KcpError, KcpStream, SessionIo, SessionTag, Shared};
use crate::turbotunnel::{ClientId, QueuePacketConn};

/// Sessions created but not yet accepted, beyond which packets from new
/// clients are dropped (kcp-go's `acceptBacklog`).
pub const ACCEPT_BACKLOG: usize = 128;

/// Default cap on concurrent sessions per listener.
pub const DEFAULT_MAX_SESSIONS: usize = 16_384;

/// Default per-session queue of incoming packets between the
/// demultiplexer and the session task (drops when full; KCP retransmits).
pub const SESSION_QUEUE: usize = 256;

/// Default time without any incoming packet after which an established
/// session may be evicted for a new client. A live Snowflake client sends
/// an smux keepalive every 10 s.
pub const IDLE_EVICTION: Duration = Duration::from_secs(40);

/// While no session is idle enough to evict, the table is not searched
/// again for this long (the search visits every session).
const IDLE_SEARCH_INTERVAL: Duration = Duration::from_millis(250);

/// Limits of a [`KcpListener`].
#[derive(Debug, Clone)]
pub struct ListenerConfig {
    /// Concurrent sessions (accepted or waiting to be); packets from new
    /// ClientIds beyond this are dropped.
    pub max_sessions: usize,
    /// Sessions waiting for [`KcpListener::accept`]; beyond this, packets
    /// from new ClientIds are dropped.
    pub accept_backlog: usize,
    /// Incoming packets queued per session.
    pub session_queue: usize,
    /// Memory shared by the sessions (may be shared with other listeners):
    /// [`SESSION_COST`] per session plus what its buffers hold.
    pub budget: MemoryBudget,
    /// An established session that has received nothing for this long may
    /// be evicted to make room for a new client.
    pub idle_eviction: Duration,
}

impl Default for ListenerConfig {
    fn default() -> Self {
        Self {
            max_sessions: DEFAULT_MAX_SESSIONS,
            accept_backlog: ACCEPT_BACKLOG,
            session_queue: SESSION_QUEUE,
            budget: MemoryBudget::default(),
            idle_eviction: IDLE_EVICTION,
        }
    }
}

/// Counters of what a [`KcpListener`] did with incoming packets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListenerStats {
    /// Sessions created.
    pub sessions_created: u64,
    /// Sessions closed because the client started a new conversation.
    pub sessions_replaced: u64,
    /// Packets from a known client with another conversation id and
    /// `sn` ≠ 0.
    pub conv_mismatch_dropped: u64,
    /// Well-formed packets from a client without a session that do not
    /// open a conversation (no data segment 0): the rest of a session the
    /// server no longer has. A session is never made from them, since it
    /// would wait for ever for a segment 0 the client will not send again.
    pub not_opening_dropped: u64,
    /// Packets that would have started a session but were malformed.
    pub invalid_dropped: u64,
    /// Packets from new clients dropped because of the session cap (after
    /// no session could be evicted).
    pub session_cap_dropped: u64,
    /// Packets from new clients dropped because the memory budget had no
    /// room for another session (after no session could be evicted).
    pub budget_refused: u64,
    /// Sessions evicted for a new client because they were not
    /// established.
    pub evicted_unestablished: u64,
    /// Established sessions evicted for a new client because they had
    /// received nothing for [`ListenerConfig::idle_eviction`].
    pub evicted_idle: u64,
    /// Packets from new clients dropped because the accept backlog was full.
    pub backlog_dropped: u64,
    /// Packets dropped because a session's queue was full.
    pub queue_full_dropped: u64,
}

#[derive(Debug, Default)]
struct Counters {
    sessions_created: AtomicU64,
    sessions_replaced: AtomicU64,
    conv_mismatch_dropped: AtomicU64,
    not_opening_dropped: AtomicU64,
    invalid_dropped: AtomicU64,
    session_cap_dropped: AtomicU64,
    budget_refused: AtomicU64,
    evicted_unestablished: AtomicU64,
    evicted_idle: AtomicU64,
    backlog_dropped: AtomicU64,
    queue_full_dropped: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

struct SessionEntry {
    conv: u32,
    tx: mpsc::Sender<Bytes>,
    stream: Weak<Shared>,
    /// Its serial tells this session apart from a later one of the same
    /// client.
    tag: Arc<SessionTag>,
    /// Data segments 0..=7 routed to it so far (bit `sn`), tracked until it
    /// has segments 0 and 1: see [`Table::progressing`].
    opening: u8,
    /// The session's fixed cost; given back when the entry goes.
    _cost: Charge,
}

impl SessionEntry {
    fn id(&self) -> u64 {
        self.tag.serial
    }
}

/// The sessions, and the ones not yet established in creation order.
#[derive(Default)]
struct Table {
    sessions: HashMap<ClientId, SessionEntry>,
    /// Candidates for eviction, oldest first, that have not yet sent data
    /// segments 0 and 1. May hold sessions that have since ended or been
    /// established; those are skipped when met.
    unestablished: BTreeMap<u64, ClientId>,
    /// Unestablished sessions that have sent segments 0 and 1: evicted only
    /// when [`Table::unestablished`] has none left. A real client sends its
    /// smux SYN and its first data back to back (usually in one packet), so
    /// it moves here at once, while one-packet sessions (the cheapest
    /// flood) stay behind it; a real client whose stream is slow to be
    /// read on a loaded server is then not evicted by such a flood.
    progressing: BTreeMap<u64, ClientId>,
    /// No idle session was found at this time; do not search again before
    /// [`IDLE_SEARCH_INTERVAL`].
    idle_search_after: Option<Instant>,
}

impl Table {
    fn remove(&mut self, client_id: &ClientId) -> Option<SessionEntry> {
        let entry = self.sessions.remove(client_id)?;
        self.unestablished.remove(&entry.id());
        self.progressing.remove(&entry.id());
        Some(entry)
    }
}

struct ListenerShared {
    table: Mutex<Table>,
    counters: Counters,
    next_id: AtomicU64,
    /// Time zero of the sessions' last-input clock.
    epoch: Instant,
    /// Sessions not yet established (see [`unproven_cap`]).
    unproven: Arc<AtomicUsize>,
}

impl ListenerShared {
    fn lock(&self) -> MutexGuard<'_, Table> {
        // Single inserts/removes only: never inconsistent after a panic.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// A conversation accepted by [`KcpListener::accept`].
#[derive(Debug)]
pub struct Accepted {
    /// The client the session belongs to (its Turbo Tunnel ClientId).
    pub client_id: ClientId,
    /// The KCP conversation id.
    pub conv: u32,
    /// The session's byte stream, for `smux::Session::server`.
    pub stream: KcpStream,
}

/// Accepts KCP conversations arriving through a [`QueuePacketConn`]: one
/// session per ClientId; a packet from an unknown ClientId starts a session
/// with that packet's conversation id; a packet with another conversation
/// id and `sn` 0 replaces the client's session; other mismatches are
/// dropped (§2.4). Output goes back through
/// [`QueuePacketConn::send_to`].
///
/// Only one listener may read a given `QueuePacketConn`. Sessions end when
/// their stream is dropped; dropping the listener ends all of them.
pub struct KcpListener {
    shared: Arc<ListenerShared>,
    accept_rx: tokio::sync::Mutex<mpsc::Receiver<Accepted>>,
    demux: JoinHandle<()>,
}

impl fmt::Debug for KcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KcpListener")
            .field("sessions", &self.session_count())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl KcpListener {
    /// Starts demultiplexing `conn`'s incoming packets. Must be called
    /// within a tokio runtime.
    pub fn new(conn: Arc<QueuePacketConn>, config: ListenerConfig) -> Self {
        let shared = Arc::new(ListenerShared {
            table: Mutex::new(Table::default()),
            counters: Counters::default(),
            next_id: AtomicU64::new(0),
            epoch: Instant::now(),
            unproven: Arc::new(AtomicUsize::new(0)),
        });
        let (accept_tx, accept_rx) = mpsc::channel(config.accept_backlog.max(1));
        let demux = tokio::spawn(demultiplex(conn, Arc::clone(&shared), accept_tx, config));
        Self {
            shared,
            accept_rx: tokio::sync::Mutex::new(accept_rx),
            demux,
        }
    }

    /// Waits for the next new conversation.
    pub async fn accept(&self) -> Result<Accepted, KcpError> {
        self.accept_rx
            .lock()
            .await
            .recv()
            .await
            .ok_or(KcpError::ListenerClosed)
    }

    /// Sessions currently alive (including ones waiting to be accepted).
    pub fn session_count(&self) -> usize {
        self.shared.lock().sessions.len()
    }

    /// Sessions alive that have not been marked established (at most
    /// [`unproven_cap`] after each new session).
    pub fn unproven_sessions(&self) -> usize {
        self.shared.unproven.load(Ordering::Acquire)
    }

    /// What happened to incoming packets so far.
    pub fn stats(&self) -> ListenerStats {
        let c = &self.shared.counters;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ListenerStats {
            sessions_created: load(&c.sessions_created),
            sessions_replaced: load(&c.sessions_replaced),
            conv_mismatch_dropped: load(&c.conv_mismatch_dropped),
            not_opening_dropped: load(&c.not_opening_dropped),
            invalid_dropped: load(&c.invalid_dropped),
            session_cap_dropped: load(&c.session_cap_dropped),
            budget_refused: load(&c.budget_refused),
            evicted_unestablished: load(&c.evicted_unestablished),
            evicted_idle: load(&c.evicted_idle),
            backlog_dropped: load(&c.backlog_dropped),
            queue_full_dropped: load(&c.queue_full_dropped),
        }
    }
}

impl Drop for KcpListener {
    fn drop(&mut self) {
        self.demux.abort();
        let sessions = std::mem::take(&mut self.shared.lock().sessions);
        for entry in sessions.into_values() {
            if let Some(stream) = entry.stream.upgrade() {
                stream.terminate(KcpError::ListenerClosed);
            }
        }
    }
}

async fn demultiplex(
    conn: Arc<QueuePacketConn>,
    shared: Arc<ListenerShared>,
    accept_tx: mpsc::Sender<Accepted>,
    config: ListenerConfig,
) {
    while let Some((client_id, packet)) = conn.recv_from().await {
        route(&conn, &shared, &accept_tx, &config, client_id, packet);
    }
}

/// kcp-go's `Listener.packetInput` for one packet.
fn route(
    conn: &Arc<QueuePacketConn>,
    shared: &Arc<ListenerShared>,
    accept_tx: &mpsc::Sender<Accepted>,
    config: &ListenerConfig,
    client_id: ClientId,
    packet: Bytes,
) {
    let counters = &shared.counters;
    let (Some(conv), Some(sn)) = (packet_conv(&packet), packet_sn(&packet)) else {
        // Shorter than a header: kcp-go ignores these too.
        bump(&counters.invalid_dropped);
        return;
    };
    let mut table = shared.lock();
    let mut progressed = None;
    // Data segments 0..=7 in the packet that makes the session; it makes
    // one only if it holds segment 0.
    let opening: u8;
    if let Some(entry) = table.sessions.get_mut(&client_id) {
        if entry.conv == conv {
            entry.tag.touch(shared.now_ms());
            if entry.opening & OPENED != OPENED && !entry.tag.is_established() {
                entry.opening |= opening_segments(&packet, conv).unwrap_or(0);
                if entry.opening & OPENED == OPENED {
                    progressed = Some(entry.id());
                }
            }
            match entry.tx.try_send(packet) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => bump(&counters.queue_full_dropped),
                // The session is ending and will remove itself.
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
            if let Some(id) = progressed {
                if table.unestablished.remove(&id).is_some() {
                    table.progressing.insert(id, client_id);
                }
            }
            return;
        }
        if sn != 0 {
            bump(&counters.conv_mismatch_dropped);
            return;
        }
        // A new conversation: only a well-formed packet that opens one may
        // end the old one.
        opening = match opening_segments(&packet, conv) {
            Ok(seen) if seen & 1 != 0 => seen,
            Ok(_) => {
                bump(&counters.not_opening_dropped);
                return;
            }
            Err(_) => {
                bump(&counters.invalid_dropped);
                return;
            }
        };
        if let Some(old) = table.remove(&client_id) {
            tracing::debug!(
                %client_id,
                old = format_args!("{:#010x}", old.conv),
                new = format_args!("{conv:#010x}"),
                "KCP conversation replaced"
            );
            bump(&counters.sessions_replaced);
            if let Some(stream) = old.stream.upgrade() {
                stream.terminate(KcpError::Replaced);
            }
        }
    } else {
        opening = match opening_segments(&packet, conv) {
            Ok(seen) if seen & 1 != 0 => seen,
            Ok(_) => {
                tracing::trace!(%client_id, "KCP packet without segment 0 from a client without a session dropped");
                bump(&counters.not_opening_dropped);
                drop(table);
                conn.forget_if_detached(client_id);
                return;
            }
            Err(e) => {
                tracing::trace!(%client_id, "KCP packet from new client dropped: {e}");
                bump(&counters.invalid_dropped);
                return;
            }
        };
    }
    let Ok(permit) = accept_tx.try_reserve() else {
        bump(&counters.backlog_dropped);
        return;
    };
    let Some(cost) = make_room(shared, &mut table, config) else {
        drop(table);
        // No session for this client: nothing will be sent to it.
        conn.forget_if_detached(client_id);
        return;
    };
    let (tx, rx) = mpsc::channel(config.session_queue.max(1));
    if tx.try_send(packet).is_err() {
        return;
    }
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let tag = Arc::new(SessionTag::new(
        id,
        shared.now_ms(),
        Arc::clone(&shared.unproven),
    ));
    let weak = Arc::downgrade(shared);
    let exiting = Arc::clone(&tag);
    let packets = Arc::downgrade(conn);
    let on_exit = Box::new(move || {
        exiting.retire();
        let Some(shared) = weak.upgrade() else {
            return;
        };
        let mut table = shared.lock();
        let current = table.sessions.get(&client_id).is_none_or(|e| e.id() == id);
        if current {
            table.remove(&client_id);
            drop(table);
            // What is queued for the client was for this session; a client
            // no connection carries has no use for its queue any more.
            if let Some(conn) = packets.upgrade() {
                conn.forget_if_detached(client_id);
            }
        }
    });
    let io = QueueIo {
        rx,
        conn: Arc::clone(conn),
        client_id,
    };
    let (stream, stream_shared) = spawn_session(
        conv,
        io,
        Some(on_exit),
        Some((&config.budget, Arc::clone(&tag))),
    );
    table.sessions.insert(
        client_id,
        SessionEntry {
            conv,
            tx,
            stream: Arc::downgrade(&stream_shared),
            tag,
            opening,
            _cost: cost,
        },
    );
    if opening & OPENED == OPENED {
        table.progressing.insert(id, client_id);
    } else {
        table.unestablished.insert(id, client_id);
    }
    drop(table);
    bump(&counters.sessions_created);
    tracing::debug!(%client_id, conv = format_args!("{conv:#010x}"), "KCP session created");
    permit.send(Accepted {
        client_id,
        conv,
        stream,
    });
}

/// Finds room for one more session: below the session cap, and
/// [`SESSION_COST`] from the budget. Evicts unestablished sessions (oldest
/// first), then idle ones, as long as that is needed (each eviction gives
/// back its session's cost at once; its buffers follow when its task
/// ends). `None` (counted) if there is no room.
fn make_room(
    shared: &ListenerShared,
    table: &mut Table,
    config: &ListenerConfig,
) -> Option<Charge> {
    let counters = &shared.counters;
    // Unproven sessions may hold at most about half the budget, so that
    // established sessions always have the other half for their buffers.
    let cap = unproven_cap(config);
    while shared.unproven.load(Ordering::Acquire) >= cap {
        if !evict_unestablished(shared, table) {
            bump(&counters.budget_refused);
            return None;
        }
    }
    loop {
        let below_cap = table.sessions.len() < config.max_sessions;
        if below_cap {
            if let Some(cost) = config.budget.try_charge(SESSION_COST) {
                return Some(cost);
            }
        }
        if !evict_one(shared, table, config) {
            if below_cap {
                bump(&counters.budget_refused);
            } else {
                bump(&counters.session_cap_dropped);
            }
            return None;
        }
    }
}

/// Evicts the oldest unestablished session, or else the session idle the
/// longest (if idle for at least [`ListenerConfig::idle_eviction`]).
/// Returns whether a session was evicted.
fn evict_one(shared: &ListenerShared, table: &mut Table, config: &ListenerConfig) -> bool {
    let counters = &shared.counters;
    if evict_unestablished(shared, table) {
        return true;
    }
    let now = Instant::now();
    if table.idle_search_after.is_some_and(|t| now < t) {
        return false;
    }
    let idle_ms = u64::try_from(config.idle_eviction.as_millis()).unwrap_or(u64::MAX);
    let now_ms = shared.now_ms();
    let idlest = table
        .sessions
        .iter()
        .map(|(client_id, e)| (e.tag.last_input_ms(), *client_id))
        .filter(|(last, _)| now_ms.saturating_sub(*last) >= idle_ms)
        .min();
    match idlest {
        Some((_, client_id)) => {
            bump(&counters.evicted_idle);
            tracing::debug!(%client_id, "idle KCP session evicted for a new client");
            end_evicted(table, client_id);
            true
        }
        None => {
            table.idle_search_after = Some(now + IDLE_SEARCH_INTERVAL);
            false
        }
    }
}

/// Forgets the session (giving back its fixed cost) and ends it.
fn end_evicted(table: &mut Table, client_id: ClientId) {
    if let Some(entry) = table.remove(&client_id) {
        // Out of the unproven count now, not when its task ends.
        entry.tag.retire();
        if let Some(stream) = entry.stream.upgrade() {
            stream.terminate(KcpError::Evicted);
        }
    }
}

/// Evicts the oldest session not yet established that has not sent
/// segments 0 and 1, else the oldest of those that have; whether there was
/// one.
fn evict_unestablished(shared: &ListenerShared, table: &mut Table) -> bool {
    while let Some((id, client_id)) = table
        .unestablished
        .pop_first()
        .or_else(|| table.progressing.pop_first())
    {
        let current = table
            .sessions
            .get(&client_id)
            .is_some_and(|e| e.id() == id && !e.tag.is_established());
        if current {
            bump(&shared.counters.evicted_unestablished);
            tracing::debug!(%client_id, "unestablished KCP session evicted for a new client");
            end_evicted(table, client_id);
            return true;
        }
    }
    false
}

/// Segments 0 and 1 in [`SessionEntry::opening`].
const OPENED: u8 = 0b11;

/// The data segments among 0..=7 in the well-formed `packet` (bit `sn`).
///
/// A packet opens a conversation if it carries data segment 0, which every
/// KCP sender starts with and sends until it is acknowledged. A packet
/// without it, from a client the listener has no session for, belongs to a
/// session the server forgot (evicted or expired): a new session made from
/// it would hold the later segments and wait for a segment 0 that never
/// comes, so the client would stall instead of failing.
fn opening_segments(packet: &[u8], conv: u32) -> Result<u8, SegmentError> {
    let mut seen = 0u8;
    walk_packet(packet, conv, |h| {
        if h.cmd == CMD_PUSH && h.sn < 8 {
            seen |= 1 << h.sn;
        }
        Ok(())
    })?;
    Ok(seen)
}

/// What one unproven session can hold at most: its fixed cost and its
/// out-of-order data on probation.
pub const UNPROVEN_SESSION_COST: usize = SESSION_COST + super::RECV_AHEAD_BYTES_UNPROVEN;

/// Fewest unproven sessions allowed at once, however small the budget.
pub const UNPROVEN_MIN: usize = 16;

/// How many sessions may be unproven (not yet established) at once: as
/// many as fit in half the budget at [`UNPROVEN_SESSION_COST`] each (at
/// least [`UNPROVEN_MIN`], at most the session cap). A new client beyond
/// it evicts the oldest unproven session, so a flood of sessions that
/// never carry a stream can neither take more than half the budget from
/// the established ones nor keep a real client out for longer than it
/// takes that many new sessions to arrive.
pub fn unproven_cap(config: &ListenerConfig) -> usize {
    (config.budget.limit() / 2 / UNPROVEN_SESSION_COST)
        .max(UNPROVEN_MIN)
        .min(config.max_sessions.max(1))
}

/// [`SessionIo`] of a server session: packets routed by the demultiplexer
/// in, [`QueuePacketConn::send_to`] out (never waits; full queues drop).
struct QueueIo {
    rx: mpsc::Receiver<Bytes>,
    conn: Arc<QueuePacketConn>,
    client_id: ClientId,
}

impl SessionIo for QueueIo {
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Bytes>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(packet)) => Poll::Ready(Ok(packet)),
            Poll::Ready(None) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "KCP listener stopped routing packets to this session",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn queue(&mut self, packet: Bytes) {
        self.conn.send_to(self.client_id, packet);
    }

    fn poll_send(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn backlog(&self) -> usize {
        0
    }
}
