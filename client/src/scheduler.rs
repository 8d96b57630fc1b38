//! Which proxy carries the next packet, and which proxies have stopped
//! working: the sans-IO core under [`crate::paths::ProxyPaths`].
//!
//! The scheduler sees every KCP packet the client sends and receives, and
//! the proxy ("path") each one went over. It reads the segment headers to
//! learn which path carried each data segment (`sn`) and when the server
//! acknowledged it (an ACK segment or a cumulative `una`), whatever path
//! the acknowledgement came back on. From that it knows, per path, its
//! round-trip time, whether data sent over it is outstanding, and since
//! when nothing sent over it has been acknowledged ("no progress"). Any
//! acknowledgement, however late, is progress: a slow path that keeps being
//! acknowledged is alive. An idle path (nothing outstanding) is never
//! judged. The rules, all applied by [`PathScheduler::check`] with the
//! time passed in (`docs/proxy-liveness.md` has the reasoning):
//!
//! * **Suspect**: no progress for [`SUSPECT_RTTS`] smoothed round trips, at
//!   least [`SUSPECT_FLOOR`], with data outstanding. The session asks for
//!   one proxy beyond its `max` ([`Checkup::replacement_wanted`]) so that a
//!   spare is usually there before the path is declared dead.
//! * **Switch early**: a suspect path is demoted as soon as another path is
//!   healthy (neither suspect, stalled nor demoted): it no longer gets
//!   packets while a non-demoted path exists, and the packets it carried
//!   that still hold unacknowledged data are handed back
//!   ([`Checkup::switched`]) to be sent again at once over the others,
//!   instead of waiting for KCP's backed-off retransmission timer. A
//!   demoted path stays as a spare; an acknowledgement of its data, or
//!   (once it owes nothing) any packet arriving over it, shows it recovered
//!   and lifts the demotion.
//! * **Stalled**: no progress for its stall limit (four smoothed round
//!   trips, within [`STALL_FLOOR`]..=[`STALL_CEILING`]) with data
//!   outstanding or while demoted; in multiplexing mode also four round
//!   trips (at least [`SIBLING_STALL_FLOOR`]) without progress while another
//!   path kept being acknowledged. A stalled path is removed only when
//!   another path is healthy: the last live path is never dropped without
//!   a replacement in hand.
//! * **Bound**: whatever else is there, a path is removed after
//!   [`STALL_BOUND`] without progress while it owes data or is demoted
//!   (upstream's fixed 20 s), so a dead proxy cannot hold a session for
//!   ever.
//! * **Starved**: the server spreads its packets over every connection of
//!   the session, so a working path receives its share. A path over which
//!   nothing arrived while the others received [`STARVED_PACKETS`] packets,
//!   for at least its suspect limit, swallows what the server sends
//!   through it (its proxy is stuck, or the client side of it is): it
//!   counts as stalled, whatever it owes.
//! * **Retired**: a path traffic was switched away from is surplus once the
//!   set holds more than the session's `max` ([`PathScheduler::set_max_paths`])
//!   and another path has been acknowledged since it joined: it is removed
//!   even if it recovered, since an idle extra proxy would still take its
//!   share of the server's packets.
//!
//! * **Lost session**: nothing sent in the whole session has been
//!   acknowledged for [`SESSION_LOST_AFTER`] while data was outstanding,
//!   and at least [`SESSION_LOST_PATHS`] proxies were dropped in that time
//!   for getting nothing acknowledged. The server no longer has the session
//!   (it evicted or expired it, or restarted): it drops the later segments
//!   of a conversation it does not know, so no proxy will ever help, and
//!   the session is closed ([`Checkup::session_lost`]) so that tor sees the
//!   connection end and tries again, instead of waiting for smux's
//!   10-minute keepalive timeout. A time without any proxy drops no
//!   proxy, so a broker outage alone never ends a session.
//!
//! In redial mode (the policy of [`crate::paths::RedialPacketConn`]) one
//! path carries everything: the current carrier for as long as it is not
//! demoted, else the oldest path that is not; the others are warm spares. A
//! spare that recovers stays a spare (traffic does not flap back). In
//! multiplexing mode (that of [`crate::paths::MultiplexingPacketConn`])
//! packets go round-robin over the non-demoted paths whose send queue has
//! room, which weights each proxy by the rate at which it drains.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use snowflake_common::kcp::segment::{self, SegmentHeader, CMD_ACK, CMD_PUSH};

/// A path (one proxy connection) in the scheduler.
pub type PathId = u64;

/// Shortest stall limit: a path is never declared dead for silence shorter
/// than this, however small its round-trip time.
pub const STALL_FLOOR: Duration = Duration::from_secs(3);
/// Longest stall limit: upstream's fixed `SnowflakeTimeout`.
pub const STALL_CEILING: Duration = Duration::from_secs(20);
/// Stall limit in round trips.
pub const STALL_RTTS: u32 = 4;
/// Shortest time without progress (data outstanding) before a path is
/// suspect.
pub const SUSPECT_FLOOR: Duration = Duration::from_secs(1);
/// Time without progress before a path is suspect, in round trips.
pub const SUSPECT_RTTS: u32 = 2;
/// Longest a path may go without progress while it owes data or is
/// demoted, replacement or not (upstream's `SnowflakeTimeout`).
pub const STALL_BOUND: Duration = STALL_CEILING;
/// In multiplexing mode, the shortest time a path may go without progress
/// while another path keeps being acknowledged.
pub const SIBLING_STALL_FLOOR: Duration = Duration::from_secs(1);
/// Packets received over the other paths, while nothing arrived over a
/// path, after which that path is starved (see the module docs).
pub const STARVED_PACKETS: u64 = 256;
/// Time without any acknowledgement, data outstanding, after which a
/// session that has also dropped [`SESSION_LOST_PATHS`] proxies for silence
/// is lost (three times [`STALL_BOUND`], at which a proxy that gets nothing
/// acknowledged is dropped).
pub const SESSION_LOST_AFTER: Duration = Duration::from_secs(60);
/// Proxies that must have been dropped for silence since the last
/// acknowledgement before the session counts as lost.
pub const SESSION_LOST_PATHS: u32 = 2;
/// Data segments tracked at once (KCP's window is 65535 segments).
const TRACKED_SEGMENTS: usize = 65_536;
/// Packets kept per path for resending when it dies.
const KEPT_PACKETS: usize = 2048;

/// How packets are spread over paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One path at a time (the oldest live one); the others wait
    /// ([`crate::paths::RedialPacketConn`]).
    Redial,
    /// Every live path, round-robin among those with room
    /// ([`crate::paths::MultiplexingPacketConn`]).
    Multiplexing,
}

#[derive(Debug)]
struct PathState {
    id: PathId,
    /// Data segments sent over this path and not yet acknowledged.
    outstanding: usize,
    /// When this path last showed progress: an acknowledgement of data it
    /// carried, or the moment it went from nothing outstanding to
    /// something.
    progress_at: Instant,
    /// Smoothed round-trip time, once measured.
    srtt: Option<Duration>,
    /// Traffic was moved off it because it turned suspect: it gets no
    /// packets while a non-demoted path exists, and is dropped at its stall
    /// limit unless it recovers.
    demoted: bool,
    /// When data it carried was last acknowledged.
    last_ack_at: Option<Instant>,
    /// When a packet last arrived over it (or when it was added).
    last_received_at: Instant,
    /// [`PathScheduler::received_total`] when a packet last arrived over it
    /// (or when it was added).
    received_mark: u64,
    /// Traffic was switched away from it at some point: surplus once the
    /// set is above `max` and another path has proved itself.
    superseded: bool,
    /// Packets with data segments, oldest first, for resending.
    kept: VecDeque<KeptPacket>,
    packets_sent: u64,
    bytes_sent: u64,
    packets_received: u64,
    bytes_received: u64,
}

#[derive(Debug)]
struct KeptPacket {
    packet: Bytes,
    /// The data segments it holds (first and last `sn`; KCP numbers the
    /// segments of one packet consecutively or not at all, and either way
    /// checking the range is conservative).
    first_sn: u32,
    last_sn: u32,
}

#[derive(Debug, Clone, Copy)]
struct Tracked {
    path: PathId,
    sent_at: Instant,
}

/// Per-path counters, for logs, tests and the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathCounters {
    /// The path.
    pub id: PathId,
    /// Packets sent over it.
    pub packets_sent: u64,
    /// Bytes sent over it.
    pub bytes_sent: u64,
    /// Packets received from it.
    pub packets_received: u64,
    /// Bytes received from it.
    pub bytes_received: u64,
    /// Its smoothed round-trip time, once measured.
    pub srtt: Option<Duration>,
}

/// What [`PathScheduler::check`] found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Checkup {
    /// Paths to remove now: stalled with a healthy path left to carry on,
    /// or past [`STALL_BOUND`]. Their remaining packets come back from
    /// [`PathScheduler::remove_path`].
    pub remove: Vec<PathId>,
    /// Paths demoted now, each with the packets it carried that still hold
    /// unacknowledged data, oldest first, to send again over the others at
    /// once.
    pub switched: Vec<(PathId, Vec<Bytes>)>,
    /// Superseded paths to remove now because the set is above `max` and
    /// a replacement has proved itself (see the module docs); their
    /// remaining packets come back from [`PathScheduler::remove_path`].
    pub retired: Vec<PathId>,
    /// Whether a path that stays is suspect, stalled or demoted: the
    /// session should dial one proxy beyond its `max`.
    pub replacement_wanted: bool,
    /// The server no longer has this session (see the module docs): close
    /// it.
    pub session_lost: bool,
}

/// The scheduler. Time is passed in; nothing here sleeps or does I/O.
#[derive(Debug)]
pub struct PathScheduler {
    mode: Mode,
    paths: Vec<PathState>,
    turn: usize,
    /// In redial mode, the path carrying traffic.
    carrier: Option<PathId>,
    /// `sn` of the first entry of `tracked`.
    base_sn: u32,
    /// Which path last carried each data segment from `base_sn` on.
    tracked: VecDeque<Option<Tracked>>,
    /// Whether `base_sn` has been set from a first data segment.
    based: bool,
    /// Packets received over all paths so far.
    received_total: u64,
    /// The session's `max`: beyond it, superseded paths are retired.
    max_paths: usize,
    /// Data segments tracked and not yet acknowledged, over every path.
    unacked: usize,
    /// The last acknowledgement of anything, or when data became
    /// outstanding with nothing outstanding before.
    session_progress_at: Option<Instant>,
    /// Paths dropped for silence since
    /// [`PathScheduler::session_progress_at`].
    paths_since_progress: u32,
}

impl PathScheduler {
    /// An empty scheduler.
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            paths: Vec::new(),
            turn: 0,
            carrier: None,
            base_sn: 0,
            tracked: VecDeque::new(),
            based: false,
            received_total: 0,
            max_paths: usize::MAX,
            unacked: 0,
            session_progress_at: None,
            paths_since_progress: 0,
        }
    }

    /// Sets the session's `max` proxies: superseded paths beyond it are
    /// retired (see the module docs). Unlimited until set.
    pub fn set_max_paths(&mut self, max: usize) {
        self.max_paths = max.max(1);
    }

    /// The spreading mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Adds a path (a proxy whose channel just opened).
    pub fn add_path(&mut self, id: PathId, now: Instant) {
        self.paths.push(PathState {
            id,
            outstanding: 0,
            progress_at: now,
            srtt: None,
            demoted: false,
            last_ack_at: None,
            last_received_at: now,
            received_mark: self.received_total,
            superseded: false,
            kept: VecDeque::new(),
            packets_sent: 0,
            bytes_sent: 0,
            packets_received: 0,
            bytes_received: 0,
        });
    }

    /// Removes a dead path and returns the packets it carried that still
    /// hold unacknowledged data, oldest first, to send again elsewhere.
    pub fn remove_path(&mut self, id: PathId) -> Vec<Bytes> {
        let Some(index) = self.paths.iter().position(|p| p.id == id) else {
            return Vec::new();
        };
        let resend = self.take_unacked(index);
        self.paths.remove(index);
        if self.carrier == Some(id) {
            self.carrier = None;
        }
        // The segments stay tracked under the dead path until they are
        // acknowledged or sent again; nothing reads its progress any more.
        resend
    }

    /// Empties the kept packets of the path at `index`, returning those
    /// that still hold data unacknowledged on it.
    fn take_unacked(&mut self, index: usize) -> Vec<Bytes> {
        let Some(path) = self.paths.get_mut(index) else {
            return Vec::new();
        };
        let id = path.id;
        let kept = std::mem::take(&mut path.kept);
        kept.into_iter()
            .filter(|k| unacked_on(&self.tracked, self.base_sn, k, id))
            .map(|k| k.packet)
            .collect()
    }

    /// Number of paths.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether there is no path.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The ids of the paths, oldest first.
    pub fn path_ids(&self) -> Vec<PathId> {
        self.paths.iter().map(|p| p.id).collect()
    }

    /// Counters of every path.
    pub fn counters(&self) -> Vec<PathCounters> {
        self.paths
            .iter()
            .map(|p| PathCounters {
                id: p.id,
                packets_sent: p.packets_sent,
                bytes_sent: p.bytes_sent,
                packets_received: p.packets_received,
                bytes_received: p.bytes_received,
                srtt: p.srtt,
            })
            .collect()
    }

    /// The path for the next packet. `has_room` tells whether a path's
    /// send queue can take a packet now. Demoted paths are passed over
    /// while a path that is not demoted exists. In redial mode, the
    /// carrier (kept while it is not demoted, else the oldest path that is
    /// not). In multiplexing mode, paths without room are skipped; if none
    /// has room, the next one in turn is returned anyway (the caller waits
    /// on it). `None` with no paths.
    pub fn pick(&mut self, has_room: impl Fn(PathId) -> bool) -> Option<PathId> {
        let any_promoted = self.paths.iter().any(|p| !p.demoted);
        let eligible = |p: &PathState| !any_promoted || !p.demoted;
        match self.mode {
            Mode::Redial => {
                let current = self
                    .carrier
                    .and_then(|id| self.paths.iter().find(|p| p.id == id))
                    .filter(|p| eligible(p))
                    .map(|p| p.id);
                let chosen =
                    current.or_else(|| self.paths.iter().find(|p| eligible(p)).map(|p| p.id));
                self.carrier = chosen;
                chosen
            }
            Mode::Multiplexing => {
                let n = self.paths.len();
                let mut fallback = None;
                for step in 0..n {
                    let index = (self.turn + step) % n;
                    let path = &self.paths[index];
                    if !eligible(path) {
                        continue;
                    }
                    fallback.get_or_insert(index);
                    if has_room(path.id) {
                        self.turn = (index + 1) % n;
                        return Some(path.id);
                    }
                }
                let index = fallback?;
                self.turn = (index + 1) % n;
                Some(self.paths[index].id)
            }
        }
    }

    /// In redial mode, the path that carries traffic now, if one was
    /// picked and is still there.
    pub fn carrier(&self) -> Option<PathId> {
        self.carrier
            .filter(|id| self.paths.iter().any(|p| p.id == *id))
    }

    /// Whether path `id` is demoted (see the module docs).
    pub fn is_demoted(&self, id: PathId) -> bool {
        self.paths.iter().any(|p| p.id == id && p.demoted)
    }

    /// Records that `packet` went out over path `id` at `now`.
    pub fn on_sent(&mut self, id: PathId, packet: &Bytes, now: Instant) {
        let Some(index) = self.paths.iter().position(|p| p.id == id) else {
            return;
        };
        let mut pushes: Option<(u32, u32)> = None;
        let _ = for_each_segment(packet, |header| {
            if header.cmd == CMD_PUSH {
                pushes = Some(match pushes {
                    None => (header.sn, header.sn),
                    Some((first, _)) => (first, header.sn),
                });
            }
        });
        let mut newly_outstanding = 0usize;
        if let Some((first_sn, last_sn)) = pushes {
            let mut sn = first_sn;
            loop {
                newly_outstanding += self.track(sn, id, now);
                if sn == last_sn {
                    break;
                }
                sn = sn.wrapping_add(1);
                // KCP never puts more than a packet's worth of segments in
                // one packet; a wild range means a foreign packet.
                if sn.wrapping_sub(first_sn) > 64 {
                    break;
                }
            }
        }
        let path = &mut self.paths[index];
        path.packets_sent += 1;
        path.bytes_sent += packet.len() as u64;
        if newly_outstanding > 0 {
            if path.outstanding == 0 {
                path.progress_at = now;
            }
            path.outstanding += newly_outstanding;
        }
        if let Some((first_sn, last_sn)) = pushes {
            if path.kept.len() >= KEPT_PACKETS {
                path.kept.pop_front();
            }
            path.kept.push_back(KeptPacket {
                packet: packet.clone(),
                first_sn,
                last_sn,
            });
        }
    }

    /// Records that `packet` arrived over path `id` at `now`.
    pub fn on_received(&mut self, id: PathId, packet: &[u8], now: Instant) {
        self.received_total += 1;
        let received_total = self.received_total;
        if let Some(path) = self.paths.iter_mut().find(|p| p.id == id) {
            path.last_received_at = now;
            path.received_mark = received_total;
            path.packets_received += 1;
            path.bytes_received += packet.len() as u64;
            // A demoted path that owes nothing (its data was moved) has no
            // acknowledgement left to show it works; a packet arriving over
            // it does.
            if path.demoted && path.outstanding == 0 {
                path.demoted = false;
            }
        }
        let mut acks: Vec<u32> = Vec::new();
        let mut una: Option<u32> = None;
        let _ = for_each_segment(packet, |header| {
            if header.cmd == CMD_ACK {
                acks.push(header.sn);
            }
            una = Some(match una {
                Some(u) if wrapping_lt(header.una, u) => u,
                _ => header.una,
            });
        });
        for sn in acks {
            self.acknowledge(sn, now);
        }
        if let Some(una) = una {
            self.acknowledge_below(una, now);
        }
        let (tracked, base_sn) = (&self.tracked, self.base_sn);
        for path in &mut self.paths {
            while let Some(front) = path.kept.front() {
                if unacked_on(tracked, base_sn, front, path.id) {
                    break;
                }
                path.kept.pop_front();
            }
        }
    }

    /// Applies the liveness rules of the module docs at `now`: demotes
    /// suspect paths when a healthy one can take over, and says which paths
    /// to remove and whether a replacement is wanted.
    pub fn check(&mut self, now: Instant) -> Checkup {
        let latest_ack = self.paths.iter().filter_map(|p| p.last_ack_at).max();
        let mode = self.mode;
        let received_total = self.received_total;
        let verdicts: Vec<Verdict> = self
            .paths
            .iter()
            .map(|p| verdict(p, now, mode, latest_ack, received_total))
            .collect();
        let healthy: Vec<PathId> = self
            .paths
            .iter()
            .zip(&verdicts)
            .filter(|(p, v)| !p.demoted && !v.suspect && !v.stalled)
            .map(|(p, _)| p.id)
            .collect();
        let other_healthy = |id: PathId| healthy.iter().any(|&h| h != id);
        let mut checkup = Checkup::default();
        let mut wanting: Vec<PathId> = Vec::new();
        for (index, v) in verdicts.into_iter().enumerate() {
            let (id, demoted) = (self.paths[index].id, self.paths[index].demoted);
            if v.expired || (v.stalled && other_healthy(id)) {
                checkup.remove.push(id);
                self.paths_since_progress = self.paths_since_progress.saturating_add(1);
                continue;
            }
            if !demoted && (v.suspect || v.stalled) && other_healthy(id) {
                self.paths[index].demoted = true;
                self.paths[index].superseded = true;
                if self.carrier == Some(id) {
                    // The switch: the oldest healthy path carries from now
                    // on, even if this one recovers.
                    self.carrier = healthy.iter().copied().find(|&h| h != id);
                }
                let resend = self.take_unacked(index);
                checkup.switched.push((id, resend));
            }
            if v.suspect || v.stalled || self.paths[index].demoted {
                wanting.push(id);
            }
        }
        self.retire_surplus(&healthy, &mut checkup);
        // A path on its way out wants no replacement: the set is above
        // `max` while it is there.
        checkup.replacement_wanted = wanting.iter().any(|id| !checkup.retired.contains(id));
        checkup.session_lost = self.unacked > 0
            && self.paths_since_progress >= SESSION_LOST_PATHS
            && self
                .session_progress_at
                .is_some_and(|t| now.saturating_duration_since(t) > SESSION_LOST_AFTER);
        checkup
    }

    /// Puts in `checkup.retired` the superseded paths, oldest first, that
    /// keep the set above `max` once a healthy path that is not superseded
    /// has been acknowledged since it joined.
    fn retire_surplus(&self, healthy: &[PathId], checkup: &mut Checkup) {
        let staying = self.paths.len().saturating_sub(checkup.remove.len());
        let mut surplus = staying.saturating_sub(self.max_paths);
        if surplus == 0 {
            return;
        }
        let proved = self
            .paths
            .iter()
            .any(|p| !p.superseded && p.last_ack_at.is_some() && healthy.contains(&p.id));
        if !proved {
            return;
        }
        for p in &self.paths {
            if surplus == 0 {
                break;
            }
            if p.superseded && !checkup.remove.contains(&p.id) {
                checkup.retired.push(p.id);
                surplus -= 1;
            }
        }
    }

    /// The stall limit of path `id`.
    pub fn stall_limit(&self, id: PathId) -> Option<Duration> {
        self.paths.iter().find(|p| p.id == id).map(stall_limit)
    }

    /// The time without progress after which path `id` is suspect.
    pub fn suspect_limit(&self, id: PathId) -> Option<Duration> {
        self.paths.iter().find(|p| p.id == id).map(suspect_limit)
    }

    fn path_mut(&mut self, id: PathId) -> Option<&mut PathState> {
        self.paths.iter_mut().find(|p| p.id == id)
    }

    /// Tracks `sn` as carried by `path`; returns 1 if it counts as newly
    /// outstanding on that path.
    fn track(&mut self, sn: u32, path: PathId, now: Instant) -> usize {
        if !self.based {
            self.based = true;
            self.base_sn = sn;
        }
        let offset = sn.wrapping_sub(self.base_sn) as usize;
        if offset >= TRACKED_SEGMENTS {
            // Below the base (already acknowledged) or beyond the window.
            return 0;
        }
        while self.tracked.len() <= offset {
            self.tracked.push_back(None);
        }
        let previous = self.tracked[offset].replace(Tracked { path, sent_at: now });
        match previous {
            Some(old) if old.path == path => 0,
            Some(old) => {
                if let Some(p) = self.path_mut(old.path) {
                    p.outstanding = p.outstanding.saturating_sub(1);
                }
                1
            }
            None => {
                if self.unacked == 0 {
                    self.session_progress_at = Some(now);
                    self.paths_since_progress = 0;
                }
                self.unacked += 1;
                1
            }
        }
    }

    fn acknowledge(&mut self, sn: u32, now: Instant) {
        if !self.based {
            return;
        }
        let offset = sn.wrapping_sub(self.base_sn) as usize;
        let Some(slot) = self.tracked.get_mut(offset) else {
            return;
        };
        if let Some(entry) = slot.take() {
            self.credit(entry, now);
        }
    }

    fn acknowledge_below(&mut self, una: u32, now: Instant) {
        if !self.based {
            return;
        }
        let count = una.wrapping_sub(self.base_sn) as usize;
        if count > TRACKED_SEGMENTS {
            // una behind the base: nothing new.
            return;
        }
        for _ in 0..count {
            match self.tracked.pop_front() {
                Some(Some(entry)) => self.credit(entry, now),
                Some(None) => {}
                None => break,
            }
        }
        self.base_sn = una;
    }

    fn credit(&mut self, entry: Tracked, now: Instant) {
        self.unacked = self.unacked.saturating_sub(1);
        self.session_progress_at = Some(now);
        self.paths_since_progress = 0;
        if let Some(path) = self.path_mut(entry.path) {
            path.outstanding = path.outstanding.saturating_sub(1);
            path.progress_at = now;
            path.last_ack_at = Some(now);
            path.demoted = false;
            let sample = now.saturating_duration_since(entry.sent_at);
            path.srtt = Some(match path.srtt {
                None => sample,
                Some(srtt) => (srtt * 7 + sample) / 8,
            });
        }
    }
}

/// How one path stands at a given time.
#[derive(Debug, Clone, Copy)]
struct Verdict {
    suspect: bool,
    stalled: bool,
    expired: bool,
}

fn verdict(
    p: &PathState,
    now: Instant,
    mode: Mode,
    latest_ack: Option<Instant>,
    received_total: u64,
) -> Verdict {
    let starved = received_total.saturating_sub(p.received_mark) >= STARVED_PACKETS
        && now.saturating_duration_since(p.last_received_at) > suspect_limit(p);
    let silent = now.saturating_duration_since(p.progress_at);
    let owes = p.outstanding > 0;
    let judged = owes || p.demoted;
    let sibling_stalled = mode == Mode::Multiplexing
        && judged
        && match (p.srtt, latest_ack) {
            (Some(srtt), Some(latest)) => {
                let limit = (srtt * STALL_RTTS).max(SIBLING_STALL_FLOOR);
                latest.saturating_duration_since(p.progress_at) > limit && silent > limit
            }
            _ => false,
        };
    Verdict {
        suspect: (owes && silent > suspect_limit(p)) || starved,
        stalled: (judged && silent > stall_limit(p)) || sibling_stalled || starved,
        expired: judged && silent > STALL_BOUND,
    }
}

/// Whether any segment of `kept` is still unacknowledged and attributed to
/// `path`.
fn unacked_on(
    tracked: &VecDeque<Option<Tracked>>,
    base_sn: u32,
    kept: &KeptPacket,
    path: PathId,
) -> bool {
    let mut sn = kept.first_sn;
    loop {
        let offset = sn.wrapping_sub(base_sn) as usize;
        if let Some(Some(entry)) = tracked.get(offset) {
            if entry.path == path {
                return true;
            }
        }
        if sn == kept.last_sn || sn.wrapping_sub(kept.first_sn) > 64 {
            return false;
        }
        sn = sn.wrapping_add(1);
    }
}

fn stall_limit(path: &PathState) -> Duration {
    match path.srtt {
        Some(srtt) => (srtt * STALL_RTTS).clamp(STALL_FLOOR, STALL_CEILING),
        None => STALL_FLOOR,
    }
}

fn suspect_limit(path: &PathState) -> Duration {
    let limit = match path.srtt {
        Some(srtt) => (srtt * SUSPECT_RTTS).max(SUSPECT_FLOOR),
        None => SUSPECT_FLOOR,
    };
    limit.min(stall_limit(path))
}

/// `a < b` in sequence-number space.
fn wrapping_lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

/// Calls `each` for every well-formed segment header of a KCP packet.
/// Malformed packets are ignored (they only affect bookkeeping here; the
/// KCP layer validates what it accepts).
fn for_each_segment(packet: &[u8], mut each: impl FnMut(&SegmentHeader)) -> Option<()> {
    let conv = segment::packet_conv(packet)?;
    segment::walk_packet(packet, conv, |header| {
        each(header);
        Ok(())
    })
    .ok()?;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONV: u32 = 0x1234_5678;

    /// A packet of one `cmd` segment per `sns`, each carrying `payload`.
    fn segments(cmd: u8, sns: &[u32], una: u32, payload: &[u8]) -> Bytes {
        let mut out = Vec::new();
        for &sn in sns {
            let header = SegmentHeader {
                conv: CONV,
                cmd,
                sn,
                una,
                len: payload.len() as u32,
                ..SegmentHeader::default()
            };
            out.extend_from_slice(&header.to_bytes());
            out.extend_from_slice(payload);
        }
        Bytes::from(out)
    }

    fn push(sns: &[u32], una: u32) -> Bytes {
        segments(CMD_PUSH, sns, una, b"data")
    }

    fn ack(sns: &[u32], una: u32) -> Bytes {
        segments(CMD_ACK, sns, una, b"")
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn packet_sn(packet: &[u8]) -> u32 {
        segment::packet_sn(packet).unwrap()
    }

    #[test]
    fn redial_uses_the_oldest_path_until_it_goes() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Redial);
        assert_eq!(s.pick(|_| true), None);
        s.add_path(1, t0);
        s.add_path(2, t0);
        assert_eq!(s.pick(|_| true), Some(1));
        assert_eq!(s.pick(|_| false), Some(1));
        s.remove_path(1);
        assert_eq!(s.pick(|_| true), Some(2));
    }

    #[test]
    fn multiplexing_rotates_and_skips_full_paths() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Multiplexing);
        for id in 1..=3 {
            s.add_path(id, t0);
        }
        let picks: Vec<_> = (0..6).map(|_| s.pick(|_| true).unwrap()).collect();
        assert_eq!(picks, [1, 2, 3, 1, 2, 3]);
        // Path 2 full: only 1 and 3 get packets.
        let picks: Vec<_> = (0..4).map(|_| s.pick(|id| id != 2).unwrap()).collect();
        assert_eq!(picks, [1, 3, 1, 3]);
        // All full: still a path, in turn.
        assert!(s.pick(|_| false).is_some());
    }

    #[test]
    fn idle_path_is_never_stalled() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Redial);
        s.add_path(1, t0);
        // Only acks (no data) go out: nothing outstanding.
        s.on_sent(1, &ack(&[5], 6), t0);
        assert_eq!(s.check(t0 + Duration::from_secs(3600)), Checkup::default());
    }

    #[test]
    fn a_silent_only_path_asks_for_a_replacement_and_waits_for_it() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Redial);
        s.add_path(1, t0);
        assert_eq!(s.pick(|_| true), Some(1));
        s.on_sent(1, &push(&[0, 1], 0), t0);
        assert_eq!(s.suspect_limit(1), Some(SUSPECT_FLOOR));
        assert_eq!(s.check(t0 + SUSPECT_FLOOR), Checkup::default());
        // Suspect: a replacement is wanted, nothing is dropped.
        let suspect = s.check(t0 + SUSPECT_FLOOR + ms(1));
        assert!(suspect.replacement_wanted);
        assert!(suspect.remove.is_empty() && suspect.switched.is_empty());
        // Past its stall limit, but the only path: kept.
        let stalled = s.check(t0 + STALL_FLOOR + ms(1));
        assert!(stalled.replacement_wanted);
        assert!(stalled.remove.is_empty());
        assert_eq!(s.pick(|_| true), Some(1));
        // The replacement connects: the stalled path goes, and what it owed
        // comes back for the new one.
        let t1 = t0 + Duration::from_secs(5);
        s.add_path(2, t1);
        let replaced = s.check(t1);
        assert_eq!(replaced.remove, vec![1]);
        assert!(!replaced.replacement_wanted);
        assert_eq!(s.remove_path(1), vec![push(&[0, 1], 0)]);
        assert_eq!(s.pick(|_| true), Some(2));
    }

    #[test]
    fn a_silent_only_path_is_dropped_at_the_bound() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Redial);
        s.add_path(1, t0);
        s.on_sent(1, &push(&[0], 0), t0);
        assert!(s.check(t0 + STALL_BOUND).remove.is_empty());
        assert_eq!(s.check(t0 + STALL_BOUND + ms(1)).remove, vec![1]);
    }

    /// The server forgot the session: nothing sent over any proxy is
    /// acknowledged, each proxy is dropped at the bound and replaced.
    #[test]
    fn a_session_the_server_forgot_is_lost_after_two_more_proxies_fail() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Redial);
        s.add_path(1, t0);
        s.on_sent(1, &push(&[0], 0), t0);
        s.on_received(1, &ack(&[0], 1), t0 + ms(50));
        // Acknowledged; then the server evicts the session and drops the
        // rest without a word.
        let t1 = t0 + ms(100);
        s.on_sent(1, &push(&[1, 2], 1), t1);
        let mut now = t1;
        for id in 2..=3 {
            now += STALL_BOUND + ms(1);
            assert_eq!(s.check(now).remove, vec![id - 1]);
            let resend = s.remove_path(id - 1);
            s.add_path(id, now);
            for packet in &resend {
                s.on_sent(id, packet, now);
            }
        }
        assert!(!s.check(t1 + SESSION_LOST_AFTER).session_lost);
        assert!(s.check(t1 + SESSION_LOST_AFTER + ms(1)).session_lost);
    }

    #[test]
    fn one_dead_proxy_or_no_proxy_at_all_does_not_lose_the_session() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Redial);
        s.add_path(1, t0);
        s.on_sent(1, &push(&[0], 0), t0);
        // The only proxy is dead and the broker has none to give: a long
        // silence with no new proxy is not a lost session.
        assert_eq!(s.check(t0 + STALL_BOUND + ms(1)).remove, vec![1]);
        s.remove_path(1);
        assert!(!s.check(t0 + Duration::from_secs(600)).session_lost);
        // The next proxy joins after the outage and gets the data
        // acknowledged: alive.
        let t1 = t0 + Duration::from_secs(600);
        s.add_path(2, t1);
        s.on_sent(2, &push(&[0], 0), t1);
        assert!(
            !s.check(t1 + ms(10)).session_lost,
            "a new proxy gets its chance"
        );
        s.on_received(2, &ack(&[0], 1), t1 + ms(100));
        // More data, and this proxy dies too: one proxy dropped since.
        let t2 = t1 + ms(200);
        s.on_sent(2, &push(&[1], 1), t2);
        assert_eq!(s.check(t2 + STALL_BOUND + ms(1)).remove, vec![2]);
        s.remove_path(2);
        assert!(!s.check(t2 + SESSION_LOST_AFTER * 3).session_lost);
        // Nothing outstanding: never lost, however many proxies go.
        let mut idle = PathScheduler::new(Mode::Redial);
        idle.add_path(1, t0);
        idle.on_sent(1, &push(&[0], 0), t0);
        idle.on_received(1, &ack(&[0], 1), t0 + ms(10));
        idle.add_path(2, t0);
        assert!(!idle.check(t0 + Duration::from_secs(3600)).session_lost);
    }

    #[test]
    fn a_slow_but_acknowledged_only_path_is_never_dropped() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Redial);
        s.add_path(1, t0);
        let mut now = t0;
        let mut pending: VecDeque<(Instant, u32)> = VecDeque::new();
        let mut wanted_at = None;
        // One segment every 50 ms for 60 s. Round trips of 150 ms, except
        // that from 10 s to 14.5 s nothing gets through (an SCTP
        // retransmission stall): everything sent then is acknowledged at
        // 14.5 s.
        for sn in 0..1200u32 {
            let hold_until = t0 + Duration::from_millis(14_500);
            let stalled = now >= t0 + Duration::from_secs(10) && now < hold_until;
            s.on_sent(1, &push(&[sn], 0), now);
            let due = if stalled { hold_until } else { now + ms(150) };
            pending.push_back((due, sn));
            now += ms(50);
            while let Some(&(due, acked)) = pending.front() {
                if due > now {
                    break;
                }
                s.on_received(1, &ack(&[acked], 0), due);
                pending.pop_front();
            }
            let checkup = s.check(now);
            assert!(checkup.remove.is_empty(), "dropped at {:?}", now - t0);
            if checkup.replacement_wanted {
                wanted_at.get_or_insert(now - t0);
            }
            assert_eq!(s.pick(|_| true), Some(1));
        }
        // The long silence did ask for a spare, once it passed the suspect
        // limit.
        let wanted_at = wanted_at.expect("a replacement was wanted");
        assert!(wanted_at > Duration::from_secs(10) + SUSPECT_FLOOR);
        assert!(!s.check(now).replacement_wanted);
    }

    #[test]
    fn redial_switches_to_the_spare_when_the_carrier_turns_suspect() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Redial);
        s.add_path(1, t0);
        s.add_path(2, t0);
        // Path 1 carries, with 100 ms round trips...
        for sn in 0..10u32 {
            let at = t0 + ms(u64::from(sn) * 10);
            assert_eq!(s.pick(|_| true), Some(1));
            s.on_sent(1, &push(&[sn], 0), at);
            s.on_received(2, &ack(&[sn], 0), at + ms(100));
        }
        // ...then falls silent.
        let silent_from = t0 + ms(200);
        for sn in 10..20u32 {
            s.on_sent(1, &push(&[sn], 0), silent_from + ms(u64::from(sn - 10)));
        }
        let limit = s.suspect_limit(1).unwrap();
        assert_eq!(limit, SUSPECT_FLOOR);
        assert_eq!(s.check(silent_from + limit), Checkup::default());
        let at = silent_from + limit + ms(20);
        let checkup = s.check(at);
        assert!(checkup.remove.is_empty(), "not dropped before its limit");
        assert!(checkup.replacement_wanted);
        let resend: Vec<Bytes> = (10..20u32).map(|sn| push(&[sn], 0)).collect();
        assert_eq!(checkup.switched, vec![(1, resend.clone())]);
        assert!(s.is_demoted(1));
        // Traffic, the resent packets first, goes over the spare now.
        for packet in &resend {
            assert_eq!(s.pick(|_| true), Some(2));
            s.on_sent(2, packet, at);
            s.on_received(2, &ack(&[packet_sn(packet)], 0), at + ms(100));
        }
        assert_eq!(s.pick(|_| true), Some(2));
        // Still a spare until its stall limit; then dropped.
        let limit = s.stall_limit(1).unwrap();
        let checkup = s.check(silent_from + limit);
        assert!(checkup.remove.is_empty());
        assert_eq!(s.check(silent_from + limit + ms(1)).remove, vec![1]);
    }

    #[test]
    fn a_demoted_path_that_recovers_is_a_spare_again() {
        let t0 = Instant::now();
        for recovery in ["packet received", "own acknowledgement"] {
            let mut s = PathScheduler::new(Mode::Redial);
            s.add_path(1, t0);
            s.add_path(2, t0);
            assert_eq!(s.pick(|_| true), Some(1));
            s.on_sent(1, &push(&[0], 0), t0);
            let at = t0 + SUSPECT_FLOOR + ms(1);
            let checkup = s.check(at);
            assert_eq!(checkup.switched, vec![(1, vec![push(&[0], 0)])]);
            match recovery {
                "packet received" => {
                    // The segment is resent over path 2, then path 1 shows
                    // life.
                    assert_eq!(s.pick(|_| true), Some(2));
                    s.on_sent(2, &push(&[0], 0), at);
                    // The server's data (its acknowledgement of sn 0 comes
                    // later, over path 2).
                    s.on_received(1, &push(&[7], 0), at + ms(10));
                    assert!(!s.is_demoted(1));
                    s.on_received(2, &ack(&[0], 1), at + ms(20));
                }
                _ => {
                    // Path 1's own segment is acknowledged before it was
                    // sent again.
                    s.on_received(2, &ack(&[0], 1), at + ms(10));
                }
            }
            assert!(!s.is_demoted(1), "{recovery}");
            let later = t0 + STALL_CEILING;
            assert!(s.check(later).remove.is_empty(), "{recovery}");
            // Traffic does not flap back: path 2 keeps carrying.
            assert_eq!(s.pick(|_| true), Some(2), "{recovery}");
        }
    }

    #[test]
    fn a_recovered_superseded_path_is_retired_once_its_replacement_proves_itself() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Redial);
        s.set_max_paths(1);
        s.add_path(1, t0);
        assert_eq!(s.pick(|_| true), Some(1));
        s.on_sent(1, &push(&[0], 0), t0);
        assert!(s.check(t0 + ms(1500)).replacement_wanted);
        // The replacement arrives and takes over.
        let at = t0 + ms(2000);
        s.add_path(2, at);
        let checkup = s.check(at);
        assert_eq!(checkup.switched, vec![(1, vec![push(&[0], 0)])]);
        assert!(
            checkup.retired.is_empty(),
            "the replacement has not proved itself"
        );
        // Path 1 recovers: a late acknowledgement of its own data.
        s.on_received(2, &ack(&[0], 1), at + ms(10));
        assert!(!s.is_demoted(1));
        assert_eq!(s.pick(|_| true), Some(2));
        // Nothing retired until the replacement's own data is acknowledged.
        assert!(s.check(at + ms(20)).retired.is_empty());
        s.on_sent(2, &push(&[1], 1), at + ms(30));
        s.on_received(2, &ack(&[1], 2), at + ms(80));
        let retired = s.check(at + ms(90));
        assert_eq!(retired.retired, vec![1]);
        assert!(retired.remove.is_empty());
        assert!(s.remove_path(1).is_empty());
        // At max, nothing more goes.
        assert_eq!(s.check(at + ms(100)), Checkup::default());
    }

    #[test]
    fn without_a_max_a_recovered_spare_stays() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Redial);
        s.add_path(1, t0);
        s.on_sent(1, &push(&[0], 0), t0);
        s.add_path(2, t0);
        assert!(!s.check(t0 + ms(1500)).switched.is_empty());
        s.on_received(2, &ack(&[0], 1), t0 + ms(1510));
        s.on_sent(2, &push(&[1], 1), t0 + ms(1520));
        s.on_received(2, &ack(&[1], 2), t0 + ms(1570));
        assert_eq!(s.check(t0 + ms(1600)), Checkup::default());
        // With max 2 there is no surplus either.
        s.set_max_paths(2);
        assert_eq!(s.check(t0 + ms(1700)), Checkup::default());
    }

    #[test]
    fn a_path_that_receives_nothing_while_the_others_do_is_starved() {
        let t0 = Instant::now();
        for (mode, owes) in [(Mode::Redial, false), (Mode::Multiplexing, true)] {
            let mut s = PathScheduler::new(mode);
            s.add_path(1, t0);
            s.add_path(2, t0);
            if owes {
                s.on_sent(1, &push(&[0], 0), t0);
                s.on_received(2, &ack(&[0], 1), t0 + ms(50));
            }
            // The server's packets arrive over path 2 only.
            let mut at = t0;
            for sn in 0..STARVED_PACKETS - 2 {
                at = t0 + ms(5 * sn);
                s.on_received(2, &push(&[sn as u32], 0), at);
            }
            assert!(at > t0 + SUSPECT_FLOOR);
            assert!(s.check(at).remove.is_empty(), "{mode:?}: one packet short");
            s.on_received(2, &push(&[9999], 0), at);
            s.on_received(2, &push(&[9998], 0), at);
            let checkup = s.check(at);
            assert_eq!(checkup.remove, vec![1], "{mode:?}");
            // A packet over path 1 would have reset it.
            let mut s = PathScheduler::new(mode);
            s.add_path(1, t0);
            s.add_path(2, t0);
            for sn in 0..STARVED_PACKETS * 2 {
                let at = t0 + ms(2 * sn);
                if sn == STARVED_PACKETS {
                    s.on_received(1, &push(&[0], 0), at);
                }
                s.on_received(2, &push(&[sn as u32], 0), at);
            }
            assert!(
                s.check(t0 + ms(4 * STARVED_PACKETS)).remove.is_empty(),
                "{mode:?}"
            );
        }
    }

    #[test]
    fn a_burst_over_the_others_does_not_starve_a_quiet_path_at_once() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Multiplexing);
        s.add_path(1, t0);
        s.add_path(2, t0);
        s.on_received(1, &push(&[0], 0), t0);
        for sn in 0..STARVED_PACKETS * 4 {
            s.on_received(2, &push(&[sn as u32], 0), t0 + ms(100));
        }
        // Within its suspect limit: not yet.
        assert_eq!(s.check(t0 + SUSPECT_FLOOR), Checkup::default());
        assert_eq!(s.check(t0 + SUSPECT_FLOOR + ms(1)).remove, vec![1]);
    }

    #[test]
    fn a_suspect_only_path_hands_over_when_the_replacement_arrives() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Redial);
        s.add_path(1, t0);
        s.pick(|_| true);
        s.on_sent(1, &push(&[0], 0), t0);
        assert!(s.check(t0 + ms(1500)).replacement_wanted);
        // The replacement is up before path 1's stall limit: traffic moves
        // at once, path 1 waits as a spare until its limit.
        s.add_path(2, t0 + ms(2000));
        let checkup = s.check(t0 + ms(2000));
        assert_eq!(checkup.switched, vec![(1, vec![push(&[0], 0)])]);
        assert!(checkup.remove.is_empty());
        assert_eq!(s.pick(|_| true), Some(2));
        s.on_sent(2, &push(&[0], 0), t0 + ms(2000));
        s.on_received(2, &ack(&[0], 1), t0 + ms(2050));
        assert!(s.check(t0 + STALL_FLOOR).remove.is_empty());
        assert_eq!(s.check(t0 + STALL_FLOOR + ms(1)).remove, vec![1]);
    }

    #[test]
    fn nobody_is_demoted_without_a_healthy_path_to_take_over() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Multiplexing);
        s.add_path(1, t0);
        s.add_path(2, t0);
        s.on_sent(1, &push(&[0], 0), t0);
        s.on_sent(2, &push(&[1], 0), t0);
        let checkup = s.check(t0 + STALL_FLOOR + ms(1));
        assert!(checkup.switched.is_empty());
        assert!(checkup.remove.is_empty());
        assert!(checkup.replacement_wanted);
        let mut bound = s.check(t0 + STALL_BOUND + ms(1)).remove;
        bound.sort_unstable();
        assert_eq!(bound, vec![1, 2]);
    }

    #[test]
    fn multiplexing_passes_over_demoted_paths() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Multiplexing);
        for id in 1..=3 {
            s.add_path(id, t0);
        }
        s.on_sent(2, &push(&[0], 0), t0);
        let checkup = s.check(t0 + SUSPECT_FLOOR + ms(1));
        assert_eq!(checkup.switched, vec![(2, vec![push(&[0], 0)])]);
        let picks: Vec<_> = (0..4).map(|_| s.pick(|_| true).unwrap()).collect();
        assert!(!picks.contains(&2), "{picks:?}");
        // Alone, a demoted path still carries.
        s.remove_path(1);
        s.remove_path(3);
        assert_eq!(s.pick(|_| true), Some(2));
    }

    #[test]
    fn acknowledgements_on_another_path_count_as_progress() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Multiplexing);
        s.add_path(1, t0);
        s.add_path(2, t0);
        s.on_sent(1, &push(&[0], 0), t0);
        s.on_sent(2, &push(&[1], 0), t0);
        // The server acknowledges both, over path 2 only.
        s.on_received(2, &ack(&[0, 1], 2), t0 + ms(50));
        assert_eq!(s.check(t0 + Duration::from_secs(60)), Checkup::default());
        let counters = s.counters();
        assert_eq!(counters[0].srtt, Some(ms(50)));
        assert_eq!(counters[1].packets_received, 1);
    }

    #[test]
    fn a_dead_path_is_found_while_the_other_keeps_working() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Multiplexing);
        s.add_path(1, t0);
        s.add_path(2, t0);
        let mut now = t0;
        for sn in 0..100u32 {
            let path = 1 + u64::from(sn % 2);
            s.on_sent(path, &push(&[sn], 0), now);
            now += ms(10);
            // Only path 2's segments are acknowledged (selectively: una
            // stays at 0 because sn 0 went over the dead path).
            if path == 2 {
                s.on_received(2, &ack(&[sn], 0), now);
            }
        }
        let later = now + STALL_FLOOR + ms(1);
        assert_eq!(s.check(later).remove, vec![1]);
        // Its unacknowledged packets come back for resending.
        let resend = s.remove_path(1);
        assert_eq!(resend.len(), 50);
        assert_eq!(resend[0], push(&[0], 0));
    }

    #[test]
    fn a_silent_sibling_is_found_before_the_absolute_limit() {
        let t0 = Instant::now();
        for mode in [Mode::Multiplexing, Mode::Redial] {
            let mut s = PathScheduler::new(mode);
            s.add_path(1, t0);
            s.add_path(2, t0);
            let mut now = t0;
            let mut sn = 0u32;
            // Both paths work for a while (20 ms round trips)...
            for _ in 0..50 {
                for path in [1, 2] {
                    s.on_sent(path, &push(&[sn], 0), now);
                    s.on_received(2, &ack(&[sn], 0), now + ms(20));
                    sn += 1;
                }
                now += ms(10);
            }
            // ...then path 1 falls silent while path 2 keeps going.
            let silent_from = now;
            for _ in 0..150 {
                for path in [1, 2] {
                    s.on_sent(path, &push(&[sn], 0), now);
                    if path == 2 {
                        s.on_received(2, &ack(&[sn], 0), now + ms(20));
                    }
                    sn += 1;
                }
                now += ms(10);
            }
            let checkup = s.check(now);
            assert!(now - silent_from < STALL_FLOOR);
            match mode {
                Mode::Multiplexing => assert_eq!(checkup.remove, vec![1]),
                // One path at a time has no sibling to compare with: path 1
                // is only suspect, so traffic leaves it and it waits.
                Mode::Redial => {
                    assert!(checkup.remove.is_empty());
                    assert_eq!(checkup.switched.len(), 1);
                    assert_eq!(checkup.switched[0].0, 1);
                }
            }
        }
    }

    #[test]
    fn a_slow_but_steady_sibling_is_not_stalled() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Multiplexing);
        s.add_path(1, t0);
        s.add_path(2, t0);
        let mut now = t0;
        let mut sn = 0u32;
        let mut pending: Vec<(Instant, u32, PathId)> = Vec::new();
        // Path 1 takes 600 ms per round trip, path 2 20 ms; both keep
        // being acknowledged, each over the path that carried the data.
        for _ in 0..400 {
            for path in [1u64, 2] {
                s.on_sent(path, &push(&[sn], 0), now);
                let rtt = if path == 1 { ms(600) } else { ms(20) };
                pending.push((now + rtt, sn, path));
                sn += 1;
            }
            now += ms(10);
            pending.retain(|&(due, acked, path)| {
                if due <= now {
                    s.on_received(path, &ack(&[acked], 0), due);
                    false
                } else {
                    true
                }
            });
            let checkup = s.check(now);
            assert!(checkup.remove.is_empty(), "at {:?}", now - t0);
            assert!(checkup.switched.is_empty(), "at {:?}", now - t0);
            assert!(!checkup.replacement_wanted, "at {:?}", now - t0);
        }
    }

    #[test]
    fn cumulative_una_acknowledges_and_trims_kept_packets() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Redial);
        s.add_path(1, t0);
        s.on_sent(1, &push(&[10, 11, 12], 0), t0);
        s.on_sent(1, &push(&[13], 0), t0);
        s.on_received(1, &ack(&[], 0), t0); // no segments: ignored
        let mut wins = SegmentHeader {
            conv: CONV,
            cmd: 84,
            una: 13,
            ..SegmentHeader::default()
        }
        .to_bytes()
        .to_vec();
        s.on_received(1, &wins, t0 + ms(5));
        // 10..=12 acknowledged; only the packet with 13 is kept.
        assert_eq!(s.remove_path(1), vec![push(&[13], 0)]);
        // A re-based tracker ignores stale una values.
        wins[16..20].copy_from_slice(&5u32.to_le_bytes());
        s.on_received(1, &wins, t0);
    }

    #[test]
    fn round_trip_time_raises_the_stall_limit_up_to_the_ceiling() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Redial);
        s.add_path(1, t0);
        assert_eq!(s.stall_limit(1), Some(STALL_FLOOR));
        s.on_sent(1, &push(&[0], 0), t0);
        s.on_received(1, &ack(&[0], 1), t0 + Duration::from_secs(2));
        assert_eq!(s.stall_limit(1), Some(Duration::from_secs(8)));
        s.on_sent(1, &push(&[1], 1), t0);
        s.on_received(1, &ack(&[1], 2), t0 + Duration::from_secs(60));
        assert_eq!(s.stall_limit(1), Some(STALL_CEILING));
    }

    #[test]
    fn retransmission_over_another_path_moves_the_segment() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Multiplexing);
        s.add_path(1, t0);
        s.add_path(2, t0);
        s.on_sent(1, &push(&[0], 0), t0);
        // KCP resends sn 0 over path 2: path 1 has nothing outstanding.
        s.on_sent(2, &push(&[0], 0), t0 + ms(300));
        assert_eq!(s.check(t0 + Duration::from_secs(10)).remove, vec![2]);
        assert!(s.remove_path(1).is_empty());
    }

    #[test]
    fn garbage_is_ignored() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Redial);
        s.add_path(1, t0);
        for junk in [&b""[..], b"x", &[0xff; 24], &[0u8; 100]] {
            s.on_sent(1, &Bytes::copy_from_slice(junk), t0);
            s.on_received(1, junk, t0);
        }
        // A wrapped sequence number far from the base is not tracked.
        s.on_sent(1, &push(&[0], 0), t0);
        s.on_sent(1, &push(&[u32::MAX - 3], 0), t0);
        s.on_received(1, &ack(&[u32::MAX], u32::MAX), t0);
        assert_eq!(s.len(), 1);
    }
}
