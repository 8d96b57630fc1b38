//! Fast resend that adapts to how far out of order a path delivers.
//!
//! KCP's fast resend sends a segment again once a number of later segments
//! (sent no earlier than it) have been acknowledged. On one path packets
//! keep their order, so two such acknowledgements mean the segment was
//! lost, and resending then repairs the hole about one round trip after the
//! loss instead of one retransmission timeout (on a queued WebRTC hop,
//! often a second or more, during which the receiver's smux window stays
//! closed behind the hole). A client striping over several proxies, or any
//! client in the moment its path changes, delivers packets out of order;
//! there a fixed threshold resends in vain. The server cannot tell which
//! kind of client it serves, so it measures it.
//!
//! **The rule.** Acknowledgements are watched in the order they arrive.
//! When one arrives for a segment below the highest segment acknowledged so
//! far, and it echoes a send time no later than that one's, the segment was
//! not lost and resent: it was overtaken, by `highest - sn` segments. That
//! is the reordering depth. (A segment that was lost and resent carries the
//! later send time of its resend, and does not count.) The threshold is the
//! largest depth seen in the last [`DEPTH_MEMORY_MS`] plus one, starting
//! at [`BASE_THRESHOLD`]; above [`MAX_THRESHOLD`] fast resend is off, and
//! only the retransmission timeout repairs losses, as in Snowflake's
//! settings.
//!
//! Sans-IO: fed acknowledgements and millisecond times, it only answers
//! what the threshold is.

/// Later acknowledgements before a segment is resent while no reordering
/// has been seen (the same as a client on one proxy at a time).
pub const BASE_THRESHOLD: u32 = 2;

/// The largest threshold used; a path that reorders by more turns fast
/// resend off.
pub const MAX_THRESHOLD: u32 = 32;

/// How long a reordering event keeps raising the threshold. A client that
/// changed proxy once returns to [`BASE_THRESHOLD`] after this; a striping
/// client, which reorders all the time, keeps its measured threshold.
///
/// Every session of a client on our datagram channel starts with such an
/// event (the first flight goes down the reliable channel, later packets
/// overtake it on the datagram channel, by more than [`MAX_THRESHOLD`]),
/// so this is how long each download runs with fast resend off. It was
/// 10 s: a 5 MB download at 100 ms / 1 % loss then repaired every loss by
/// timeout (median 902 kB/s over 6 transfers); with 2 s, 1.27 MB/s in the
/// same bench (docs/datagram-channel.md, session 18).
pub const DEPTH_MEMORY_MS: u32 = 2_000;

/// The reordering a sender has seen on its path, and the fast-resend
/// threshold that follows from it.
#[derive(Debug, Default, Clone)]
pub struct ReorderingWatch {
    /// The highest segment acknowledged so far and the send time its
    /// acknowledgement echoed.
    highest: Option<(u32, u32)>,
    /// Largest depth seen, and when it was last seen (or raised).
    depth: u32,
    depth_seen_ms: u32,
    /// Reordering events seen (for logs and tests).
    events: u64,
}

impl ReorderingWatch {
    /// A watch that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// One acknowledgement of segment `sn` that echoes send time `ts`,
    /// received at `now_ms`, in the order acknowledgements arrive.
    pub fn on_ack(&mut self, now_ms: u32, sn: u32, ts: u32) {
        let Some((high_sn, high_ts)) = self.highest else {
            self.highest = Some((sn, ts));
            return;
        };
        let ahead = sn.wrapping_sub(high_sn) as i32;
        if ahead > 0 {
            self.highest = Some((sn, ts));
            return;
        }
        if ahead == 0 {
            return;
        }
        // Sent no later than the highest acknowledged: overtaken, not resent.
        if (ts.wrapping_sub(high_ts) as i32) <= 0 {
            let depth = ahead.unsigned_abs();
            self.expire(now_ms);
            self.depth = self.depth.max(depth);
            self.depth_seen_ms = now_ms;
            self.events += 1;
        }
    }

    /// Forgets a depth not seen again for [`DEPTH_MEMORY_MS`].
    fn expire(&mut self, now_ms: u32) {
        if self.depth > 0 && now_ms.wrapping_sub(self.depth_seen_ms) >= DEPTH_MEMORY_MS {
            self.depth = 0;
        }
    }

    /// The fast-resend threshold for now: later acknowledgements before a
    /// segment is resent, or 0 for off.
    pub fn threshold(&mut self, now_ms: u32) -> u32 {
        self.expire(now_ms);
        match self.depth {
            0 => BASE_THRESHOLD,
            d if d < MAX_THRESHOLD => (d + 1).max(BASE_THRESHOLD),
            _ => 0,
        }
    }

    /// The largest reordering depth currently remembered, in segments.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Reordering events seen so far.
    pub fn events(&self) -> u64 {
        self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_acknowledgements_keep_the_base_threshold() {
        let mut w = ReorderingWatch::new();
        for sn in 0..100 {
            w.on_ack(sn, sn, sn);
        }
        assert_eq!(w.threshold(100), BASE_THRESHOLD);
        assert_eq!(w.events(), 0);
    }

    #[test]
    fn a_resent_segment_acknowledged_late_is_not_reordering() {
        // Segment 3 was lost; 4..10 are acknowledged, then 3's resend
        // (sent at 250, after all of them) is.
        let mut w = ReorderingWatch::new();
        for sn in [0, 1, 2, 4, 5, 6, 7, 8, 9, 10] {
            w.on_ack(sn, sn, sn);
        }
        w.on_ack(300, 3, 250);
        assert_eq!(w.threshold(300), BASE_THRESHOLD);
        assert_eq!(w.events(), 0);
    }

    #[test]
    fn an_overtaken_segment_raises_the_threshold_past_its_depth() {
        // Segment 3 (sent at 3) arrives after 4..8: overtaken by 5.
        let mut w = ReorderingWatch::new();
        for sn in [0, 1, 2, 4, 5, 6, 7, 8] {
            w.on_ack(sn, sn, sn);
        }
        w.on_ack(9, 3, 3);
        assert_eq!(w.depth(), 5);
        assert_eq!(w.threshold(9), 6);
        // A smaller depth later does not lower it.
        w.on_ack(20, 12, 12);
        w.on_ack(21, 11, 11);
        assert_eq!(w.threshold(21), 6);
    }

    #[test]
    fn deep_reordering_turns_fast_resend_off() {
        let mut w = ReorderingWatch::new();
        w.on_ack(0, 100, 50);
        w.on_ack(1, 100 - MAX_THRESHOLD, 10);
        assert_eq!(w.threshold(1), 0);
    }

    #[test]
    fn equal_send_times_count_as_overtaken() {
        // Both went out in the same flush; the later one arrived first.
        let mut w = ReorderingWatch::new();
        w.on_ack(0, 5, 40);
        w.on_ack(1, 2, 40);
        assert_eq!(w.depth(), 3);
    }

    #[test]
    fn the_depth_is_forgotten_after_a_quiet_while() {
        let mut w = ReorderingWatch::new();
        w.on_ack(1_000, 50, 900);
        w.on_ack(1_001, 10, 880);
        assert_eq!(w.threshold(1_001), 0);
        assert_eq!(w.threshold(1_000 + DEPTH_MEMORY_MS), 0, "still remembered");
        assert_eq!(w.threshold(1_001 + DEPTH_MEMORY_MS), BASE_THRESHOLD);
        // Seen again: remembered again.
        w.on_ack(20_000, 60, 19_900);
        w.on_ack(20_001, 56, 19_890);
        assert_eq!(w.threshold(20_001), 5);
    }

    #[test]
    fn sequence_numbers_and_clocks_wrap() {
        let mut w = ReorderingWatch::new();
        w.on_ack(u32::MAX - 5, u32::MAX - 1, u32::MAX - 10);
        w.on_ack(u32::MAX - 4, 2, u32::MAX - 8);
        // 2 is three past u32::MAX - 1: the new highest.
        assert_eq!(w.events(), 0);
        w.on_ack(3, u32::MAX, u32::MAX - 9);
        assert_eq!(w.depth(), 3);
        assert_eq!(w.threshold(3), 4);
    }

    #[test]
    fn duplicate_acknowledgements_change_nothing() {
        let mut w = ReorderingWatch::new();
        w.on_ack(0, 7, 7);
        w.on_ack(1, 7, 7);
        assert_eq!(w.events(), 0);
    }
}
