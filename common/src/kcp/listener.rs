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

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::segment::{packet_conv, packet_sn, validate_packet};
use super::session::{spawn_session, KcpError, KcpStream, SessionIo, Shared};
use crate::turbotunnel::{ClientId, QueuePacketConn};

/// Sessions created but not yet accepted, beyond which packets from new
/// clients are dropped (kcp-go's `acceptBacklog`).
pub const ACCEPT_BACKLOG: usize = 128;

/// Default cap on concurrent sessions per listener.
pub const DEFAULT_MAX_SESSIONS: usize = 16_384;

/// Default per-session queue of incoming packets between the
/// demultiplexer and the session task (drops when full; KCP retransmits).
pub const SESSION_QUEUE: usize = 256;

/// Limits of a [`KcpListener`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerConfig {
    /// Concurrent sessions (accepted or waiting to be); packets from new
    /// ClientIds beyond this are dropped.
    pub max_sessions: usize,
    /// Sessions waiting for [`KcpListener::accept`]; beyond this, packets
    /// from new ClientIds are dropped.
    pub accept_backlog: usize,
    /// Incoming packets queued per session.
    pub session_queue: usize,
}

impl Default for ListenerConfig {
    fn default() -> Self {
        Self {
            max_sessions: DEFAULT_MAX_SESSIONS,
            accept_backlog: ACCEPT_BACKLOG,
            session_queue: SESSION_QUEUE,
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
    /// Packets that would have started a session but were malformed.
    pub invalid_dropped: u64,
    /// Packets from new clients dropped because of the session cap.
    pub session_cap_dropped: u64,
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
    invalid_dropped: AtomicU64,
    session_cap_dropped: AtomicU64,
    backlog_dropped: AtomicU64,
    queue_full_dropped: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

struct SessionEntry {
    /// Tells this session apart from a later one of the same client.
    id: u64,
    conv: u32,
    tx: mpsc::Sender<Bytes>,
    stream: Weak<Shared>,
}

struct ListenerShared {
    sessions: Mutex<HashMap<ClientId, SessionEntry>>,
    counters: Counters,
    next_id: AtomicU64,
}

impl ListenerShared {
    fn lock(&self) -> MutexGuard<'_, HashMap<ClientId, SessionEntry>> {
        // Single inserts/removes only: never inconsistent after a panic.
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
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
            sessions: Mutex::new(HashMap::new()),
            counters: Counters::default(),
            next_id: AtomicU64::new(0),
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
        self.shared.lock().len()
    }

    /// What happened to incoming packets so far.
    pub fn stats(&self) -> ListenerStats {
        let c = &self.shared.counters;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ListenerStats {
            sessions_created: load(&c.sessions_created),
            sessions_replaced: load(&c.sessions_replaced),
            conv_mismatch_dropped: load(&c.conv_mismatch_dropped),
            invalid_dropped: load(&c.invalid_dropped),
            session_cap_dropped: load(&c.session_cap_dropped),
            backlog_dropped: load(&c.backlog_dropped),
            queue_full_dropped: load(&c.queue_full_dropped),
        }
    }
}

impl Drop for KcpListener {
    fn drop(&mut self) {
        self.demux.abort();
        let sessions = std::mem::take(&mut *self.shared.lock());
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
    let mut sessions = shared.lock();
    if let Some(entry) = sessions.get(&client_id) {
        if entry.conv == conv {
            match entry.tx.try_send(packet) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => bump(&counters.queue_full_dropped),
                // The session is ending and will remove itself.
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
            return;
        }
        if sn != 0 {
            bump(&counters.conv_mismatch_dropped);
            return;
        }
        // A new conversation: only a well-formed packet may end the old one.
        if validate_packet(&packet, conv).is_err() {
            bump(&counters.invalid_dropped);
            return;
        }
        if let Some(old) = sessions.remove(&client_id) {
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
    } else if let Err(e) = validate_packet(&packet, conv) {
        tracing::trace!(%client_id, "KCP packet from new client dropped: {e}");
        bump(&counters.invalid_dropped);
        return;
    }
    if sessions.len() >= config.max_sessions {
        bump(&counters.session_cap_dropped);
        return;
    }
    let Ok(permit) = accept_tx.try_reserve() else {
        bump(&counters.backlog_dropped);
        return;
    };
    let (tx, rx) = mpsc::channel(config.session_queue.max(1));
    if tx.try_send(packet).is_err() {
        return;
    }
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let weak = Arc::downgrade(shared);
    let on_exit = Box::new(move || {
        if let Some(shared) = weak.upgrade() {
            let mut sessions = shared.lock();
            if sessions.get(&client_id).is_some_and(|e| e.id == id) {
                sessions.remove(&client_id);
            }
        }
    });
    let io = QueueIo {
        rx,
        conn: Arc::clone(conn),
        client_id,
    };
    let (stream, stream_shared) = spawn_session(conv, io, Some(on_exit));
    sessions.insert(
        client_id,
        SessionEntry {
            id,
            conv,
            tx,
            stream: Arc::downgrade(&stream_shared),
        },
    );
    drop(sessions);
    bump(&counters.sessions_created);
    tracing::debug!(%client_id, conv = format_args!("{conv:#010x}"), "KCP session created");
    permit.send(Accepted {
        client_id,
        conv,
        stream,
    });
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
