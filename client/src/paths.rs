//! The packet connection KCP runs over on the client: a changing set of
//! proxy connections ("paths") that all carry the same Turbo Tunnel
//! session.
//!
//! Each path is a byte stream to the server through one proxy (a WebRTC
//! data channel in real use), made into a packet connection with the
//! token + ClientId preamble and encapsulation
//! ([`encapsulated_packet_conn`]). [`ProxyPaths`] owns the paths, feeds
//! every packet through the [`PathScheduler`], and removes a path as soon
//! as its link reports death or its stream ends. Every 100 ms it applies
//! the scheduler's liveness rules
//! ([`PathScheduler::check`], `docs/proxy-liveness.md`): traffic leaves a
//! suspect path for a healthy one at once, a replacement proxy is asked
//! of the collector as soon as a path is suspect, and a stalled path is
//! removed only once another path can carry on (or after
//! [`crate::scheduler::STALL_BOUND`] in any case). The packets a path still
//! owed when it was left or removed are sent again over the next path at
//! once, as far as their queues have room, not only when KCP next sends.
//!
//! # Turbo Tunnel names
//!
//! The design's two packet connections over changing proxies are both
//! here, as the one [`PathsPacketConn`] with two ways of spreading packets
//! (the [`crate::scheduler`] picks the path):
//!
//! * [`RedialPacketConn`]: one proxy at a time; when it dies, the next one
//!   carries on ([`Mode::Redial`]). What the Go client does, and the
//!   default here.
//! * [`MultiplexingPacketConn`]: striping over several proxies at once
//!   ([`Mode::Multiplexing`]; `-striping`).
//!
//! Neither dials proxies itself ("redial" is the collector's job here): the
//! collector ([`crate::collector::keep_filled`]) keeps the set filled,
//! waking on [`ProxyPaths::vacancy_notified`].

use std::collections::{HashMap, VecDeque};
use std::io;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use bytes::Bytes;
use snowflake_common::turbotunnel::{
    encapsulated_packet_conn, ChannelPacketConn, ClientId, PacketConn,
};
use snowflake_rtc::LinkEvents;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, Notify};
use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::scheduler::{Mode, PathCounters, PathId, PathScheduler};

/// Incoming packets queued for KCP (bounded; the paths' readers wait).
const INCOMING_QUEUE: usize = 1024;
/// Packets waiting to be resent after a path died (bounded; the oldest are
/// dropped and left to KCP's own retransmission).
const RESEND_QUEUE: usize = 4096;
/// How often paths are checked for stalls.
const STALL_CHECK: Duration = Duration::from_millis(100);

/// Why a path was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathEnd {
    /// The WebRTC link reported the channel closed or ICE dead.
    LinkDead,
    /// The stream ended (EOF or error).
    StreamEnded,
    /// Data sent over it went unacknowledged past its stall limit while
    /// another path could carry on, or past
    /// [`crate::scheduler::STALL_BOUND`].
    Stalled,
    /// Traffic had been switched away from it, the set was above `max`, and
    /// its replacement has been acknowledged.
    Retired,
    /// The session is closing.
    SessionClosed,
}

/// What happened to paths, for logs, tests and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PathTotals {
    /// Paths added so far.
    pub added: u64,
    /// Paths removed because their link died.
    pub link_dead: u64,
    /// Paths removed because their stream ended.
    pub stream_ended: u64,
    /// Paths removed because they stalled.
    pub stalled: u64,
    /// Superseded paths removed once their replacement proved itself.
    pub retired: u64,
    /// Packets queued to be sent again because their path died or traffic
    /// was moved off it.
    pub resent: u64,
    /// Times traffic was moved off a suspect path to a healthy one before
    /// the suspect path was dropped (or recovered).
    pub switched_early: u64,
    /// Times a path turned suspect (or stalled) and the collector was asked
    /// for a proxy beyond `max`.
    pub replacements_requested: u64,
}

struct PathEntry {
    conn: Arc<ChannelPacketConn>,
    tasks: Vec<AbortHandle>,
    description: String,
}

struct Inner {
    scheduler: PathScheduler,
    entries: HashMap<PathId, PathEntry>,
    resend: VecDeque<Bytes>,
    next_id: PathId,
    totals: PathTotals,
    /// The scheduler's last word on whether a replacement is wanted.
    replacement_wanted: bool,
}

/// A set of proxy paths carrying one client session. See the module docs.
pub struct ProxyPaths {
    client_id: ClientId,
    inner: Mutex<Inner>,
    incoming_tx: mpsc::Sender<Bytes>,
    incoming_rx: tokio::sync::Mutex<mpsc::Receiver<Bytes>>,
    /// Signalled when a path is added (senders waiting for one).
    path_added: Notify,
    /// Signalled when a path is removed, or a replacement becomes wanted
    /// or no longer wanted (the collector).
    vacancy: Notify,
    closed: AtomicBool,
    closed_notify: Notify,
    dropped_no_path: AtomicU64,
}

impl std::fmt::Debug for ProxyPaths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyPaths")
            .field("client_id", &self.client_id)
            .field("paths", &self.len())
            .finish_non_exhaustive()
    }
}

impl ProxyPaths {
    /// No paths yet. Starts the stall checker, so call it within a tokio
    /// runtime.
    pub fn new(client_id: ClientId, mode: Mode) -> Arc<Self> {
        let (incoming_tx, incoming_rx) = mpsc::channel(INCOMING_QUEUE);
        let paths = Arc::new(Self {
            client_id,
            inner: Mutex::new(Inner {
                scheduler: PathScheduler::new(mode),
                entries: HashMap::new(),
                resend: VecDeque::new(),
                next_id: 0,
                totals: PathTotals::default(),
                replacement_wanted: false,
            }),
            incoming_tx,
            incoming_rx: tokio::sync::Mutex::new(incoming_rx),
            path_added: Notify::new(),
            vacancy: Notify::new(),
            closed: AtomicBool::new(false),
            closed_notify: Notify::new(),
            dropped_no_path: AtomicU64::new(0),
        });
        tokio::spawn(stall_checker(Arc::downgrade(&paths)));
        paths
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets the session's `max` proxies (the collector's target): beyond
    /// it, a path traffic was switched away from is retired once its
    /// replacement has been acknowledged.
    pub fn set_max_paths(&self, max: usize) {
        self.lock().scheduler.set_max_paths(max);
    }

    /// The session's ClientId (sent at the start of every path).
    pub fn client_id(&self) -> ClientId {
        self.client_id
    }

    /// The spreading mode.
    pub fn mode(&self) -> Mode {
        self.lock().scheduler.mode()
    }

    /// Number of live paths.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no path is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What happened to paths so far.
    pub fn totals(&self) -> PathTotals {
        self.lock().totals
    }

    /// Per-path counters of the live paths.
    pub fn counters(&self) -> Vec<PathCounters> {
        self.lock().scheduler.counters()
    }

    /// Adds a path over `stream` (a proxy's open data channel): writes the
    /// preamble, then carries packets. `events`, when given, removes the
    /// path the moment the link reports death. Returns its id.
    pub fn add_path<S>(
        self: &Arc<Self>,
        stream: S,
        events: Option<LinkEvents>,
        description: String,
    ) -> PathId
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let conn = encapsulated_packet_conn(stream, Some(self.client_id));
        self.add_conn(conn, events, description)
    }

    /// Adds a dialed proxy as a path: over its datagram channel once the
    /// proxy opens one ([`crate::datagram_path`]), else as
    /// [`ProxyPaths::add_path`] does. Returns its id.
    pub fn add_dialed(self: &Arc<Self>, proxy: crate::dialer::DialedProxy) -> PathId {
        let conn = match proxy.datagrams {
            Some(link) => {
                crate::datagram_path::datagram_packet_conn(proxy.stream, self.client_id, link)
            }
            None => encapsulated_packet_conn(proxy.stream, Some(self.client_id)),
        };
        self.add_conn(conn, proxy.events, proxy.description)
    }

    /// Adds a path over a packet connection that already writes the
    /// preamble.
    fn add_conn(
        self: &Arc<Self>,
        conn: ChannelPacketConn,
        events: Option<LinkEvents>,
        description: String,
    ) -> PathId {
        let conn = Arc::new(conn);
        let mut inner = self.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        inner.scheduler.add_path(id, Instant::now().into_std());
        inner.totals.added += 1;
        let mut tasks = vec![
            tokio::spawn(read_path(Arc::downgrade(self), id, Arc::clone(&conn))).abort_handle(),
        ];
        if let Some(events) = events {
            tasks.push(tokio::spawn(watch_link(Arc::downgrade(self), id, events)).abort_handle());
        }
        tracing::debug!(path = id, %description, "proxy path added");
        inner.entries.insert(
            id,
            PathEntry {
                conn,
                tasks,
                description,
            },
        );
        drop(inner);
        self.path_added.notify_waiters();
        id
    }

    /// Removes path `id` (no-op if already gone); its connection closes and
    /// what it still owed is queued for resending.
    pub fn remove_path(&self, id: PathId, why: PathEnd) {
        let mut inner = self.lock();
        let Some(entry) = inner.entries.remove(&id) else {
            return;
        };
        let resend = inner.scheduler.remove_path(id);
        match why {
            PathEnd::LinkDead => inner.totals.link_dead += 1,
            PathEnd::StreamEnded => inner.totals.stream_ended += 1,
            PathEnd::Stalled => inner.totals.stalled += 1,
            PathEnd::Retired => inner.totals.retired += 1,
            PathEnd::SessionClosed => {}
        }
        let count = resend.len();
        queue_resend(&mut inner, resend);
        let live = inner.entries.len();
        drop(inner);
        for task in &entry.tasks {
            task.abort();
        }
        if why != PathEnd::SessionClosed {
            tracing::info!(path = id, description = %entry.description, ?why, resend = count, live, "proxy path lost");
            if count > 0 && !self.is_closed() {
                self.flush_resend();
            }
        }
        self.vacancy.notify_waiters();
        // Wake a sender that may be waiting on this path's full queue.
        self.path_added.notify_waiters();
    }

    /// Whether a path is suspect, stalled or demoted, so that the collector
    /// should dial one proxy beyond its `max` (as of the last check).
    pub fn replacement_wanted(&self) -> bool {
        self.lock().replacement_wanted
    }

    /// Applies the liveness rules now rather than at the next periodic
    /// check: the collector calls it when a proxy was added, so that
    /// traffic leaves a suspect path for it at once.
    pub fn check_now(&self) {
        if !self.is_closed() {
            self.check_paths();
        }
    }

    /// Applies the scheduler's liveness rules now: moves traffic off
    /// suspect paths, removes the paths it gives up on, tells the collector
    /// when a replacement becomes wanted, and sends what was queued for
    /// resending.
    fn check_paths(&self) {
        let now = Instant::now().into_std();
        let mut inner = self.lock();
        let checkup = inner.scheduler.check(now);
        for (id, packets) in checkup.switched {
            inner.totals.switched_early += 1;
            let description = inner
                .entries
                .get(&id)
                .map(|e| e.description.clone())
                .unwrap_or_default();
            tracing::info!(path = id, %description, resend = packets.len(), "proxy path suspect; traffic moved to another");
            queue_resend(&mut inner, packets);
        }
        let wanted = checkup.replacement_wanted;
        let changed = wanted != inner.replacement_wanted;
        if wanted && changed {
            inner.totals.replacements_requested += 1;
            tracing::info!("a proxy path looks stalled; asking for a replacement");
        }
        inner.replacement_wanted = wanted;
        drop(inner);
        if checkup.session_lost {
            tracing::warn!(
                "nothing acknowledged for {} s over several proxies: the server no longer has this \
                 session; closing it so that tor can start again",
                crate::scheduler::SESSION_LOST_AFTER.as_secs()
            );
            self.close();
            return;
        }
        for id in checkup.remove {
            self.remove_path(id, PathEnd::Stalled);
        }
        for id in checkup.retired {
            self.remove_path(id, PathEnd::Retired);
        }
        if changed {
            self.vacancy.notify_waiters();
        }
        self.flush_resend();
    }

    /// Sends queued resends over the paths the scheduler picks, as far as
    /// their queues have room now, without waiting (the rest goes out
    /// ahead of KCP's next packet). Returns how many went out.
    fn flush_resend(&self) -> usize {
        let now = Instant::now().into_std();
        let mut inner = self.lock();
        let Inner {
            scheduler,
            entries,
            resend,
            ..
        } = &mut *inner;
        let mut sent = 0;
        while let Some(packet) = resend.front() {
            let picked = scheduler
                .pick(|id| entries.get(&id).is_some_and(|e| e.conn.has_send_room()))
                .and_then(|id| entries.get(&id).map(|e| (id, e)));
            let Some((id, entry)) = picked else { break };
            if entry.conn.try_send(packet.clone()).is_err() {
                break;
            }
            scheduler.on_sent(id, packet, now);
            resend.pop_front();
            sent += 1;
        }
        sent
    }

    /// A future that resolves when a path is removed or the session closes
    /// (the collector then fills the set again). Create it before looking
    /// at the set, so a removal in between is not missed.
    pub fn vacancy_notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.vacancy.notified()
    }

    /// Closes the session's paths; sending and receiving fail from now on.
    pub fn close(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        let ids: Vec<PathId> = self.lock().entries.keys().copied().collect();
        for id in ids {
            self.remove_path(id, PathEnd::SessionClosed);
        }
        self.closed_notify.notify_waiters();
        self.vacancy.notify_waiters();
        self.path_added.notify_waiters();
    }

    /// Whether [`ProxyPaths::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Packets dropped because no path existed and the wait was cut short
    /// by closing.
    pub fn dropped(&self) -> u64 {
        self.dropped_no_path.load(Ordering::Relaxed)
    }

    async fn receive(&self) -> io::Result<Bytes> {
        let mut rx = self.incoming_rx.lock().await;
        tokio::select! {
            packet = rx.recv() => packet.ok_or_else(closed_error),
            () = self.closed_wait() => Err(closed_error()),
        }
    }

    async fn closed_wait(&self) {
        let notified = self.closed_notify.notified();
        if self.is_closed() {
            return;
        }
        notified.await;
    }

    /// Sends one packet: first whatever a dead path left to resend, then
    /// `packet`, each over the path the scheduler picks. Waits while there
    /// is no path at all, or while every path's queue is full.
    async fn transmit(&self, packet: Bytes) -> io::Result<()> {
        loop {
            let next = self.lock().resend.pop_front();
            match next {
                Some(old) => self.transmit_one(old).await?,
                None => break,
            }
        }
        self.transmit_one(packet).await
    }

    async fn transmit_one(&self, packet: Bytes) -> io::Result<()> {
        loop {
            if self.is_closed() {
                self.dropped_no_path.fetch_add(1, Ordering::Relaxed);
                return Err(closed_error());
            }
            // Registered before looking, so a path added between the look
            // and the wait still wakes us.
            let added = self.path_added.notified();
            let picked = {
                let mut inner = self.lock();
                let Inner {
                    scheduler, entries, ..
                } = &mut *inner;
                scheduler
                    .pick(|id| entries.get(&id).is_some_and(|e| e.conn.has_send_room()))
                    .and_then(|id| entries.get(&id).map(|e| (id, Arc::clone(&e.conn))))
            };
            let Some((id, conn)) = picked else {
                added.await;
                continue;
            };
            match conn.try_send(packet.clone()) {
                Ok(()) => {
                    self.record_sent(id, &packet);
                    return Ok(());
                }
                Err((_, true)) => self.remove_path(id, PathEnd::StreamEnded),
                // Every path is full: wait for room on the picked one, or
                // for the set to change.
                Err((_, false)) => tokio::select! {
                    result = conn.send(packet.clone()) => match result {
                        Ok(()) => {
                            self.record_sent(id, &packet);
                            return Ok(());
                        }
                        Err(_) => self.remove_path(id, PathEnd::StreamEnded),
                    },
                    () = added => {}
                },
            }
        }
    }

    fn record_sent(&self, id: PathId, packet: &Bytes) {
        self.lock()
            .scheduler
            .on_sent(id, packet, Instant::now().into_std());
    }
}

fn closed_error() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "client session closed")
}

/// Forwards one path's incoming packets to the session.
async fn read_path(paths: Weak<ProxyPaths>, id: PathId, conn: Arc<ChannelPacketConn>) {
    loop {
        let result = conn.recv().await;
        let Some(set) = paths.upgrade() else { return };
        match result {
            Ok(packet) => {
                set.lock()
                    .scheduler
                    .on_received(id, &packet, Instant::now().into_std());
                let tx = set.incoming_tx.clone();
                drop(set);
                if tx.send(packet).await.is_err() {
                    return;
                }
            }
            Err(_) => {
                set.remove_path(id, PathEnd::StreamEnded);
                return;
            }
        }
    }
}

/// Removes a path when its WebRTC link dies.
async fn watch_link(paths: Weak<ProxyPaths>, id: PathId, mut events: LinkEvents) {
    events.dead().await;
    if let Some(set) = paths.upgrade() {
        set.remove_path(id, PathEnd::LinkDead);
    }
}

/// Queues `packets` for resending (the oldest queued are dropped beyond
/// [`RESEND_QUEUE`]; KCP retransmits those itself).
fn queue_resend(inner: &mut Inner, packets: Vec<Bytes>) {
    inner.totals.resent += packets.len() as u64;
    for packet in packets {
        if inner.resend.len() >= RESEND_QUEUE {
            inner.resend.pop_front();
        }
        inner.resend.push_back(packet);
    }
}

/// Applies the liveness rules every [`STALL_CHECK`]
/// ([`ProxyPaths::check_paths`]).
async fn stall_checker(paths: Weak<ProxyPaths>) {
    let mut tick = tokio::time::interval(STALL_CHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(set) = paths.upgrade() else { return };
        if set.is_closed() {
            return;
        }
        set.check_paths();
    }
}

/// How a [`PathsPacketConn`] spreads packets over its paths, as a type:
/// [`Redial`] or [`Multiplexing`].
pub trait Spreading: Send + Sync + 'static {
    /// The scheduler's mode for it.
    const MODE: Mode;
}

/// One path at a time; see [`RedialPacketConn`].
#[derive(Debug, Clone, Copy)]
pub enum Redial {}

impl Spreading for Redial {
    const MODE: Mode = Mode::Redial;
}

/// Every live path at once; see [`MultiplexingPacketConn`].
#[derive(Debug, Clone, Copy)]
pub enum Multiplexing {}

impl Spreading for Multiplexing {
    const MODE: Mode = Mode::Multiplexing;
}

/// The packet connection KCP runs over: a session's [`ProxyPaths`],
/// spreading packets as `S` says. It goes by its two Turbo Tunnel names,
/// [`RedialPacketConn`] and [`MultiplexingPacketConn`].
#[derive(Debug, Clone)]
pub struct PathsPacketConn<S> {
    paths: Arc<ProxyPaths>,
    spreading: PhantomData<S>,
}

impl<S: Spreading> PathsPacketConn<S> {
    /// A new session's packet connection with no proxy yet. Starts the
    /// stall checker, so call it within a tokio runtime.
    pub fn new(client_id: ClientId) -> Self {
        Self {
            paths: ProxyPaths::new(client_id, S::MODE),
            spreading: PhantomData,
        }
    }

    /// The paths underneath (to add proxies, watch and close).
    pub fn paths(&self) -> &Arc<ProxyPaths> {
        &self.paths
    }
}

impl<S: Spreading> PacketConn for PathsPacketConn<S> {
    async fn recv(&self) -> io::Result<Bytes> {
        self.paths.receive().await
    }

    async fn send(&self, packet: Bytes) -> io::Result<()> {
        self.paths.transmit(packet).await
    }
}

/// Turbo Tunnel's `RedialPacketConn` (Go: `common/turbotunnel/redialpacketconn.go`):
/// one proxy at a time. Packets go over one path; when it dies or turns
/// suspect, the next one (a warm spare, or the next proxy collected)
/// carries on with the same ClientId, so KCP and smux above never notice.
pub type RedialPacketConn = PathsPacketConn<Redial>;

/// Turbo Tunnel's `MultiplexingPacketConn`, striping: packets are spread
/// over every live path, round-robin among those whose queue has room (so
/// faster proxies carry more). A dead path is dropped at once; what it owed
/// is resent over the others.
pub type MultiplexingPacketConn = PathsPacketConn<Multiplexing>;
