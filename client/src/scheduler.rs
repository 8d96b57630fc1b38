//! Which proxy carries the next packet, and which proxies have stopped
//! working: the sans-IO core under [`crate::paths::ProxyPaths`].
//!
//! The scheduler sees every KCP packet the client sends and receives, and
//! the proxy ("path") each one went over. It reads the segment headers to
//! learn which path carried each data segment (`sn`) and when the server
//! acknowledged it (an ACK segment or a cumulative `una`), whatever path
//! the acknowledgement came back on. From that it knows, per path:
//!
//! * whether data sent over it is outstanding, and since when nothing sent
//!   over it has been acknowledged: a path whose data stays unacknowledged
//!   for longer than its stall limit is dead (the proxy, its WebRTC link or
//!   its WebSocket to the server stopped). An idle path has nothing
//!   outstanding and is never dropped by this rule;
//! * its round-trip time (send to acknowledgement), from which the stall
//!   limit is derived: four smoothed round trips, never less than
//!   [`STALL_FLOOR`] and never more than [`STALL_CEILING`] (upstream's
//!   fixed 20 s);
//! * the packets it carried that still hold unacknowledged data, so that
//!   when it dies they are sent again at once over the survivors instead of
//!   waiting for KCP's retransmission timer, which has backed off during
//!   the stall.
//!
//! In redial mode (the policy of [`crate::paths::RedialPacketConn`]) one
//! path carries everything (the oldest live one; others are warm spares);
//! in multiplexing mode (that of [`crate::paths::MultiplexingPacketConn`])
//! packets go round-robin over the paths whose send queue has room, which
//! weights each proxy by the rate at which it drains.

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
const STALL_RTTS: u32 = 4;
/// In multiplexing mode, the shortest time a path may go without progress
/// while another path keeps being acknowledged.
pub const SIBLING_STALL_FLOOR: Duration = Duration::from_secs(1);
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
    /// When data it carried was last acknowledged.
    last_ack_at: Option<Instant>,
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

/// The scheduler. Time is passed in; nothing here sleeps or does I/O.
#[derive(Debug)]
pub struct PathScheduler {
    mode: Mode,
    paths: Vec<PathState>,
    turn: usize,
    /// `sn` of the first entry of `tracked`.
    base_sn: u32,
    /// Which path last carried each data segment from `base_sn` on.
    tracked: VecDeque<Option<Tracked>>,
    /// Whether `base_sn` has been set from a first data segment.
    based: bool,
}

impl PathScheduler {
    /// An empty scheduler.
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            paths: Vec::new(),
            turn: 0,
            base_sn: 0,
            tracked: VecDeque::new(),
            based: false,
        }
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
            last_ack_at: None,
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
        let path = self.paths.remove(index);
        let mut resend = Vec::new();
        for kept in path.kept {
            if self.any_unacked_on(&kept, id) {
                resend.push(kept.packet);
            }
        }
        // The segments stay tracked under the dead path until they are
        // acknowledged or sent again; nothing reads its progress any more.
        resend
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
    /// send queue can take a packet now. In multiplexing mode, paths
    /// without room are skipped; if none has room, the next one in turn is
    /// returned anyway (the caller waits on it). `None` with no paths.
    pub fn pick(&mut self, has_room: impl Fn(PathId) -> bool) -> Option<PathId> {
        match self.mode {
            Mode::Redial => self.paths.first().map(|p| p.id),
            Mode::Multiplexing => {
                let n = self.paths.len();
                if n == 0 {
                    return None;
                }
                for step in 0..n {
                    let index = (self.turn + step) % n;
                    let id = self.paths[index].id;
                    if has_room(id) {
                        self.turn = (index + 1) % n;
                        return Some(id);
                    }
                }
                let index = self.turn % n;
                self.turn = (index + 1) % n;
                Some(self.paths[index].id)
            }
        }
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
        if let Some(path) = self.paths.iter_mut().find(|p| p.id == id) {
            path.packets_received += 1;
            path.bytes_received += packet.len() as u64;
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

    /// Paths whose outstanding data has gone unacknowledged for longer
    /// than their stall limit. In multiplexing mode also the paths that
    /// made no progress for four of their round trips (at least
    /// [`SIBLING_STALL_FLOOR`]) while another path kept being
    /// acknowledged: with packets spread over all paths, a working path is
    /// acknowledged as steadily as its siblings, so one that falls silent
    /// is found long before the absolute limit.
    pub fn stalled(&self, now: Instant) -> Vec<PathId> {
        let latest_ack = self.paths.iter().filter_map(|p| p.last_ack_at).max();
        self.paths
            .iter()
            .filter(|p| {
                if p.outstanding == 0 {
                    return false;
                }
                if now.saturating_duration_since(p.progress_at) > stall_limit(p) {
                    return true;
                }
                if self.mode != Mode::Multiplexing {
                    return false;
                }
                let (Some(srtt), Some(latest)) = (p.srtt, latest_ack) else {
                    return false;
                };
                let limit = (srtt * STALL_RTTS).max(SIBLING_STALL_FLOOR);
                latest.saturating_duration_since(p.progress_at) > limit
                    && now.saturating_duration_since(p.progress_at) > limit
            })
            .map(|p| p.id)
            .collect()
    }

    /// The stall limit of path `id`.
    pub fn stall_limit(&self, id: PathId) -> Option<Duration> {
        self.paths.iter().find(|p| p.id == id).map(stall_limit)
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
            None => 1,
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
        if let Some(path) = self.path_mut(entry.path) {
            path.outstanding = path.outstanding.saturating_sub(1);
            path.progress_at = now;
            path.last_ack_at = Some(now);
            let sample = now.saturating_duration_since(entry.sent_at);
            path.srtt = Some(match path.srtt {
                None => sample,
                Some(srtt) => (srtt * 7 + sample) / 8,
            });
        }
    }

    fn any_unacked_on(&self, kept: &KeptPacket, path: PathId) -> bool {
        unacked_on(&self.tracked, self.base_sn, kept, path)
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
        assert!(s.stalled(t0 + Duration::from_secs(3600)).is_empty());
    }

    #[test]
    fn unacknowledged_data_stalls_a_path_after_the_floor() {
        let t0 = Instant::now();
        let mut s = PathScheduler::new(Mode::Redial);
        s.add_path(1, t0);
        s.on_sent(1, &push(&[0, 1], 0), t0);
        assert!(s.stalled(t0 + STALL_FLOOR).is_empty());
        assert_eq!(s.stalled(t0 + STALL_FLOOR + ms(1)), vec![1]);
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
        assert!(s.stalled(t0 + Duration::from_secs(60)).is_empty());
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
        assert_eq!(s.stalled(later), vec![1]);
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
            let stalled = s.stalled(now);
            assert!(now - silent_from < STALL_FLOOR);
            match mode {
                Mode::Multiplexing => assert_eq!(stalled, vec![1]),
                // One path at a time has no sibling to compare with.
                Mode::Redial => assert!(stalled.is_empty()),
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
        let mut pending: Vec<(Instant, u32)> = Vec::new();
        // Path 1 takes 600 ms per round trip, path 2 20 ms; both keep
        // being acknowledged.
        for _ in 0..400 {
            for path in [1u64, 2] {
                s.on_sent(path, &push(&[sn], 0), now);
                let rtt = if path == 1 { ms(600) } else { ms(20) };
                pending.push((now + rtt, sn));
                sn += 1;
            }
            now += ms(10);
            pending.retain(|&(due, acked)| {
                if due <= now {
                    s.on_received(2, &ack(&[acked], 0), due);
                    false
                } else {
                    true
                }
            });
            assert!(s.stalled(now).is_empty(), "at {:?}", now - t0);
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
        assert_eq!(s.stalled(t0 + Duration::from_secs(10)), vec![2]);
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
