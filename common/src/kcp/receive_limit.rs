//! Bounds on what one KCP conversation buffers on the receive side.
//!
//! The `kcp` crate keeps every in-window PUSH segment: out-of-order ones in
//! its receive buffer (up to the 65535-segment window, about 90 MB of
//! payload) and in-order ones in its receive queue until the application
//! reads them (again up to the window). A peer that ignores flow control, or
//! one whose smux session has stopped reading, could thus make one session
//! hold about 96 MB. Snowflake advertises the 65535 window on the wire
//! (§2.3), and changing it would change what peers see, so instead
//! [`ReceiveLimiter`] decides, segment by segment and before the crate sees
//! the packet, which PUSH segments to drop:
//!
//! * segments further than [`RECV_AHEAD_SEGMENTS`] beyond the next expected
//!   sequence number, or that would raise the out-of-order bytes above
//!   [`RECV_AHEAD_BYTES`];
//! * any new data while the unread queue holds [`RECV_UNREAD_BYTES`] bytes or
//!   [`RECV_UNREAD_SEGMENTS`] segments.
//!
//! A dropped segment is never acknowledged, so the peer retransmits it
//! later, as after any loss. Legitimate Snowflake peers stay far below the
//! bounds: a stream's smux window (1 MiB) limits the bytes a peer can have
//! outstanding, and the server's smux session keeps reading KCP until its own
//! 4 MiB buffer is full.
//!
//! To know what the crate holds without access to its internals, the limiter
//! mirrors the crate's receive rules: a segment with `sn == rcv_nxt` goes to
//! the receive queue followed by every contiguous buffered one; a segment
//! ahead is buffered once; older ones are duplicates. The mirror is exact as
//! long as the receive queue stays below the 65535-segment window, which the
//! unread bound guarantees.

use std::collections::VecDeque;

use super::budget::{Charge, MemoryBudget};

/// Farthest a PUSH segment's `sn` may lie ahead of the next expected one:
/// a few thousand segments, well above what a Snowflake peer has in flight
/// per 1 MiB smux stream window even with small (tor-cell sized) segments.
pub const RECV_AHEAD_SEGMENTS: u32 = 4096;

/// Most payload bytes held out of order (waiting for an earlier segment).
/// Twice one smux stream window.
pub const RECV_AHEAD_BYTES: usize = 2 * 1024 * 1024;

/// Most payload bytes held out of order by a session that has not yet
/// proven itself (the server has not seen stream data from it; see
/// [`ReceiveLimiter::set_probation`]). A real client's first segments
/// arrive in order unless one is lost, so this rarely binds one; it
/// bounds what a flood of sessions that never deliver segment 1 can pin
/// (docs/server-budget.md).
pub const RECV_AHEAD_BYTES_UNPROVEN: usize = 64 * 1024;

/// Unread in-order payload bytes at which new data is refused until the
/// application reads. The server's smux session reads until it holds 4 MiB
/// itself, so this only fills when smux has stopped reading.
pub const RECV_UNREAD_BYTES: usize = 1024 * 1024;

/// Unread in-order segments at which new data is refused (bounds the
/// per-segment overhead of tiny or empty segments).
pub const RECV_UNREAD_SEGMENTS: usize = 4096;

/// Bytes charged to a [`MemoryBudget`] per stored segment on top of its
/// payload: the crate's segment record and allocation overhead, so that
/// empty segments cost something too.
pub const SEGMENT_OVERHEAD: usize = 96;

/// What to do with one incoming PUSH segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushVerdict {
    /// Hand it to KCP.
    Accept,
    /// Leave it out: it would exceed a bound. The peer retransmits it.
    Drop,
}

/// Mirror of the crate's receive state, with the bounds above. See the
/// module documentation.
#[derive(Debug)]
pub struct ReceiveLimiter {
    /// The crate's `rcv_nxt`: the next in-order sequence number.
    next: u32,
    /// Out-of-order segments: slot `i` is `sn = next + 1 + i`, `Some(len)`
    /// if buffered. Never longer than [`RECV_AHEAD_SEGMENTS`].
    ahead: VecDeque<Option<u32>>,
    ahead_bytes: usize,
    ahead_segments: usize,
    unread_bytes: usize,
    unread_segments: usize,
    dropped: u64,
    /// On probation: out-of-order data is held only up to
    /// [`RECV_AHEAD_BYTES_UNPROVEN`], counting [`SEGMENT_OVERHEAD`] per
    /// segment (so that empty segments cost too).
    probation: bool,
    /// Stored segments charged to a shared budget, if any.
    charge: Option<Charge>,
    budget_dropped: u64,
}

impl Default for ReceiveLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl ReceiveLimiter {
    /// A fresh conversation (next expected `sn` is 0).
    pub fn new() -> Self {
        Self {
            next: 0,
            ahead: VecDeque::new(),
            ahead_bytes: 0,
            ahead_segments: 0,
            unread_bytes: 0,
            unread_segments: 0,
            dropped: 0,
            probation: false,
            charge: None,
            budget_dropped: 0,
        }
    }

    /// A fresh conversation whose stored segments are also charged to
    /// `budget` (payload plus [`SEGMENT_OVERHEAD`] each); a segment the
    /// budget has no room for is dropped like one beyond the bounds.
    pub fn with_budget(budget: &MemoryBudget) -> Self {
        Self {
            charge: Some(budget.charge()),
            ..Self::new()
        }
    }

    /// Puts the conversation on probation or takes it off (see
    /// [`RECV_AHEAD_BYTES_UNPROVEN`]); segments already buffered stay.
    pub fn set_probation(&mut self, on: bool) {
        self.probation = on;
    }

    /// Whether out-of-order data of `len` more bytes stays within the
    /// bound that applies.
    fn ahead_fits(&self, len: usize) -> bool {
        if self.probation {
            let held = self.ahead_bytes + self.ahead_segments * SEGMENT_OVERHEAD;
            held.saturating_add(len + SEGMENT_OVERHEAD) <= RECV_AHEAD_BYTES_UNPROVEN
        } else {
            self.ahead_bytes.saturating_add(len) <= RECV_AHEAD_BYTES
        }
    }

    /// Decides about a PUSH segment and, if accepted, records what the crate
    /// will do with it.
    pub fn on_push(&mut self, sn: u32, len: u32) -> PushVerdict {
        let distance = sn.wrapping_sub(self.next) as i32;
        if distance < 0 {
            // Already delivered: the crate only acknowledges it again.
            return PushVerdict::Accept;
        }
        let slot = distance as u32;
        if slot > 0 {
            let index = (slot - 1) as usize;
            if self.ahead.get(index).is_some_and(Option::is_some) {
                // A duplicate of a buffered segment: acknowledged, not stored.
                return PushVerdict::Accept;
            }
        }
        let full =
            self.unread_bytes >= RECV_UNREAD_BYTES || self.unread_segments >= RECV_UNREAD_SEGMENTS;
        let len_bytes = len as usize;
        if full || slot >= RECV_AHEAD_SEGMENTS || (slot > 0 && !self.ahead_fits(len_bytes)) {
            self.dropped += 1;
            return PushVerdict::Drop;
        }
        if let Some(charge) = self.charge.as_mut() {
            if !charge.try_grow(len_bytes.saturating_add(SEGMENT_OVERHEAD)) {
                self.dropped += 1;
                self.budget_dropped += 1;
                return PushVerdict::Drop;
            }
        }
        if slot == 0 {
            self.deliver(len_bytes);
            while let Some(Some(next_len)) = self.ahead.front().copied() {
                self.ahead.pop_front();
                self.ahead_segments -= 1;
                self.ahead_bytes -= next_len as usize;
                self.deliver(next_len as usize);
            }
            // The slot for the new `next` is empty (or absent): shift past it.
            if self.ahead.front().is_some() {
                self.ahead.pop_front();
            }
        } else {
            let index = (slot - 1) as usize;
            if self.ahead.len() <= index {
                self.ahead.resize(index + 1, None);
            }
            if let Some(entry) = self.ahead.get_mut(index) {
                *entry = Some(len);
            }
            self.ahead_segments += 1;
            self.ahead_bytes += len_bytes;
        }
        PushVerdict::Accept
    }

    fn deliver(&mut self, len: usize) {
        self.next = self.next.wrapping_add(1);
        self.unread_bytes += len;
        self.unread_segments += 1;
    }

    /// The application took one segment of `len` bytes from the crate's
    /// receive queue.
    pub fn on_read(&mut self, len: usize) {
        self.unread_bytes = self.unread_bytes.saturating_sub(len);
        self.unread_segments = self.unread_segments.saturating_sub(1);
        if let Some(charge) = self.charge.as_mut() {
            charge.shrink(len.saturating_add(SEGMENT_OVERHEAD));
        }
    }

    /// Payload bytes the crate holds for this conversation (out of order
    /// plus unread).
    pub fn buffered_bytes(&self) -> usize {
        self.ahead_bytes + self.unread_bytes
    }

    /// Segments the crate holds (out of order plus unread).
    pub fn buffered_segments(&self) -> usize {
        self.ahead_segments + self.unread_segments
    }

    /// Segments held out of order.
    pub fn ahead_segments(&self) -> usize {
        self.ahead_segments
    }

    /// Unread in-order segments.
    pub fn unread_segments(&self) -> usize {
        self.unread_segments
    }

    /// The next in-order sequence number expected.
    pub fn next_sn(&self) -> u32 {
        self.next
    }

    /// PUSH segments dropped so far (for any reason).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// PUSH segments dropped because the shared budget had no room.
    pub fn budget_dropped(&self) -> u64 {
        self.budget_dropped
    }

    /// Bytes charged to the shared budget now.
    pub fn charged(&self) -> usize {
        self.charge.as_ref().map_or(0, Charge::bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_data_is_counted_until_read() {
        let mut l = ReceiveLimiter::new();
        assert_eq!(l.on_push(0, 100), PushVerdict::Accept);
        assert_eq!(l.on_push(1, 50), PushVerdict::Accept);
        assert_eq!((l.buffered_bytes(), l.unread_segments()), (150, 2));
        assert_eq!(l.on_push(0, 100), PushVerdict::Accept, "duplicate");
        assert_eq!(l.buffered_bytes(), 150);
        l.on_read(100);
        l.on_read(50);
        assert_eq!((l.buffered_bytes(), l.buffered_segments()), (0, 0));
        assert_eq!(l.next_sn(), 2);
    }

    #[test]
    fn out_of_order_segments_move_when_the_gap_fills() {
        let mut l = ReceiveLimiter::new();
        assert_eq!(l.on_push(2, 10), PushVerdict::Accept);
        assert_eq!(l.on_push(4, 10), PushVerdict::Accept);
        assert_eq!(l.on_push(2, 10), PushVerdict::Accept, "duplicate ahead");
        assert_eq!((l.ahead_segments(), l.unread_segments()), (2, 0));
        assert_eq!(l.on_push(0, 10), PushVerdict::Accept);
        assert_eq!(
            (l.ahead_segments(), l.unread_segments(), l.next_sn()),
            (2, 1, 1)
        );
        assert_eq!(l.on_push(1, 10), PushVerdict::Accept);
        assert_eq!(
            (l.ahead_segments(), l.unread_segments(), l.next_sn()),
            (1, 3, 3)
        );
        assert_eq!(l.on_push(3, 10), PushVerdict::Accept);
        assert_eq!(
            (l.ahead_segments(), l.unread_segments(), l.next_sn()),
            (0, 5, 5)
        );
        assert_eq!(l.buffered_bytes(), 50);
    }

    #[test]
    fn far_ahead_segments_are_dropped() {
        let mut l = ReceiveLimiter::new();
        assert_eq!(l.on_push(RECV_AHEAD_SEGMENTS - 1, 1), PushVerdict::Accept);
        assert_eq!(l.on_push(RECV_AHEAD_SEGMENTS, 1), PushVerdict::Drop);
        assert_eq!(l.on_push(60_000, 1), PushVerdict::Drop);
        assert_eq!(l.dropped(), 2);
    }

    #[test]
    fn ahead_bytes_are_bounded() {
        let mut l = ReceiveLimiter::new();
        let mut accepted = 0;
        for sn in 1..RECV_AHEAD_SEGMENTS {
            if l.on_push(sn, 1376) == PushVerdict::Accept {
                accepted += 1;
            }
        }
        assert!(l.buffered_bytes() <= RECV_AHEAD_BYTES);
        assert_eq!(accepted, RECV_AHEAD_BYTES / 1376);
    }

    #[test]
    fn unread_queue_stops_new_data_until_read() {
        let mut l = ReceiveLimiter::new();
        let mut sn = 0;
        while l.on_push(sn, 1000) == PushVerdict::Accept {
            sn += 1;
        }
        assert!(l.buffered_bytes() >= RECV_UNREAD_BYTES);
        assert!(l.buffered_bytes() < RECV_UNREAD_BYTES + 1000);
        assert_eq!(l.on_push(sn + 5, 1000), PushVerdict::Drop, "ahead too");
        assert_eq!(l.on_push(0, 1000), PushVerdict::Accept, "old duplicate");
        l.on_read(1000);
        assert_eq!(l.on_push(sn, 1000), PushVerdict::Accept);
    }

    #[test]
    fn empty_segments_are_bounded_by_count() {
        let mut l = ReceiveLimiter::new();
        let mut sn = 0;
        while l.on_push(sn, 0) == PushVerdict::Accept {
            sn += 1;
        }
        assert_eq!(l.unread_segments(), RECV_UNREAD_SEGMENTS);
    }

    #[test]
    fn stored_segments_are_charged_to_the_budget() {
        let budget = MemoryBudget::new(3 * (100 + SEGMENT_OVERHEAD));
        let mut l = ReceiveLimiter::with_budget(&budget);
        assert_eq!(l.on_push(0, 100), PushVerdict::Accept);
        assert_eq!(l.on_push(2, 100), PushVerdict::Accept);
        assert_eq!(l.on_push(2, 100), PushVerdict::Accept, "duplicate");
        assert_eq!(l.on_push(3, 100), PushVerdict::Accept);
        assert_eq!(budget.available(), 0);
        assert_eq!(l.on_push(1, 100), PushVerdict::Drop, "no room");
        assert_eq!(l.budget_dropped(), 1);
        l.on_read(100);
        assert_eq!(l.on_push(1, 100), PushVerdict::Accept);
        assert_eq!(l.charged(), budget.used());
        drop(l);
        assert_eq!(budget.used(), 0, "a dropped session gives everything back");
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut l = ReceiveLimiter {
            next: u32::MAX - 1,
            ..ReceiveLimiter::new()
        };
        assert_eq!(l.on_push(1, 10), PushVerdict::Accept);
        assert_eq!(l.on_push(u32::MAX - 1, 10), PushVerdict::Accept);
        assert_eq!(l.on_push(u32::MAX, 10), PushVerdict::Accept);
        assert_eq!(l.on_push(0, 10), PushVerdict::Accept);
        assert_eq!(
            (l.next_sn(), l.unread_segments(), l.ahead_segments()),
            (2, 4, 0)
        );
        assert_eq!(l.on_push(u32::MAX, 10), PushVerdict::Accept, "old");
        assert_eq!(l.unread_segments(), 4);
    }
}
