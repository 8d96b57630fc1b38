//! [`InflightBound`]: how many segments a KCP sender may have queued or
//! unacknowledged, from the delivery rate and the smallest round trip it
//! has seen (a delay-based bound in the manner of BBR, sender side only,
//! nothing on the wire).
//!
//! Snowflake runs KCP with no congestion window: a sender may have as much
//! in flight as smux lets it (1 MiB per stream), and on a path whose
//! bottleneck is a proxy's WebRTC hop all of it waits in queues in front
//! of that hop. The round trip KCP measures then grows to seconds, so
//! each retransmission timeout is seconds long, and on a lossy link every
//! lost segment holds the stream for that long (docs/datagram-channel.md).
//!
//! The bound keeps about two bandwidth-delay products in flight:
//! enough to keep the bottleneck busy, with a queue in front of it of
//! about one round trip. Random loss does not lower it (KCP recovers a
//! lost segment without slowing down, as Snowflake always has); only the
//! rate the peer acknowledges and the round trip do.
//!
//! * Delivery rate: segments acknowledged per interval of about one
//!   smallest round trip (at least [`MIN_INTERVAL_MS`]); the bound uses
//!   the largest of the last [`RATE_SAMPLES`] intervals in which the
//!   sender was held by the bound (an interval where the application had
//!   little to send counts only when it raises the figure).
//! * Round trip: the smallest `now - ts` of the ACKs (KCP echoes each
//!   transmission's timestamp), forgotten after [`MIN_RTT_WINDOW_MS`] so
//!   that a new proxy with a longer path is learnt; never taken below
//!   [`RTT_FLOOR_MS`] for the bound, so that a fast local path whose
//!   round trip reads 0–1 ms at KCP's millisecond clock is not held back.
//! * Start-up: the bound starts at [`INITIAL_SEGMENTS`] and, with a gain
//!   of 23/8 instead of 2, only grows (about doubling per round trip while
//!   the sender is held by it) until the acknowledged rate has grown by
//!   less than a quarter in [`STARTUP_PLATEAU_INTERVALS`] intervals in a
//!   row. The first round trips measure a path whose own windows (SCTP's,
//!   on a WebRTC hop) are still opening, and must not shrink it.
//! * Always within [`FLOOR_SEGMENTS`]..=[`CEILING_SEGMENTS`].
//! * Retransmission timeout: KCP's estimate (smoothed round trip + 4 ×
//!   its variation, plus 10 ms) is tuned to the round trip of a moment
//!   ago; when the queue the bound allows fills, every segment in it
//!   would time out and be sent again. [`InflightBound::min_rto_ms`] gives
//!   the floor that covers that queue (gain × smallest round trip + two
//!   ACK ticks), which the core passes to the crate as its minimum RTO.
//!
//! Measured in a simulation of a 1.4 MB/s, 100 ms bottleneck
//! (`common/tests/kcp_core.rs`): without the bound, a queue of 8,600
//! packets and 454 kB/s at 1 % loss; with it, about 120–220 packets of
//! queue, no segment sent twice unless lost, and 1.3 MB/s. On the real
//! stack: docs/datagram-channel.md.

use std::collections::VecDeque;

/// Segments in flight allowed per bandwidth-delay product, in eighths
/// (16/8 = 2).
pub const GAIN_EIGHTHS: u64 = 16;

/// The same during start-up, in eighths (23/8 ≈ 2/ln 2, the gain that
/// doubles the rate every round trip): until the acknowledged rate stops
/// growing, the bound only grows.
pub const STARTUP_GAIN_EIGHTHS: u64 = 23;

/// Start-up ends after this many intervals in a row, with the sender held
/// by the bound, in which the rate grew by less than a quarter.
pub const STARTUP_PLATEAU_INTERVALS: u32 = 3;

/// Where the bound starts: 64 segments (about 88 KB), as much as a fresh
/// smux stream sends before its first window update at 100 ms.
pub const INITIAL_SEGMENTS: usize = 64;

/// The bound never goes below this many segments (about 44 KB).
pub const FLOOR_SEGMENTS: usize = 32;

/// Nor above this: [`super::SEND_QUEUE_LIMIT`], the bound on queued and
/// unacknowledged segments that applies anyway.
pub const CEILING_SEGMENTS: usize = super::core::SEND_QUEUE_LIMIT;

/// Shortest interval over which the delivery rate is measured.
pub const MIN_INTERVAL_MS: u32 = 20;

/// Intervals whose rate the bound remembers (its maximum is used).
pub const RATE_SAMPLES: usize = 10;

/// How long the smallest round trip is trusted without a new sample as
/// small.
pub const MIN_RTT_WINDOW_MS: u32 = 10_000;

/// Smallest round trip the bound is computed with.
pub const RTT_FLOOR_MS: u32 = 25;

/// KCP's smallest retransmission timeout with nodelay off
/// (`IKCP_RTO_MIN`).
pub const KCP_RTO_MIN_MS: u32 = 100;

/// A measured round trip above this (60 s, KCP's largest RTO) is not a
/// round trip but a stale or forged timestamp, and is ignored.
const RTT_MAX_MS: u32 = 60_000;

/// KCP's own ceiling of the retransmission timeout (`IKCP_RTO_MAX`).
pub const KCP_RTO_MAX_MS: u32 = 60_000;

/// The retransmission timeout is held under this many times
/// [`InflightBound::min_rto_ms`] …
pub const MAX_RTO_FACTOR: u32 = 4;

/// … or this, whichever is longer (so that a short path, or one on a
/// loaded machine, is not resent at every scheduling hiccup).
pub const MAX_RTO_FLOOR_MS: u32 = 1_000;

/// Signed distance `a - b` on the wrapping millisecond clock.
fn elapsed(a: u32, b: u32) -> i64 {
    i64::from(a.wrapping_sub(b) as i32)
}

/// The smallest round trip seen recently.
#[derive(Debug, Clone, Copy)]
struct MinRtt {
    ms: u32,
    at: u32,
}

/// The interval being measured.
#[derive(Debug, Clone, Copy)]
struct Interval {
    start: u32,
    acked: u64,
    /// The sender was held by the bound at some point in the interval.
    held: bool,
}

/// The sender-side bound of one KCP conversation. Sans-IO: fed with the
/// ACKs' round trips and acknowledged counts, and asked for the bound.
#[derive(Debug, Clone)]
pub struct InflightBound {
    min_rtt: Option<MinRtt>,
    interval: Option<Interval>,
    /// Delivery rates in segments per second, newest last.
    rates: VecDeque<u64>,
    /// The writer is waiting because of the bound.
    held: bool,
    limit: usize,
    /// Still in start-up, and the rate it reached so far.
    startup: bool,
    startup_rate: u64,
    plateau_intervals: u32,
}

impl Default for InflightBound {
    fn default() -> Self {
        Self::new()
    }
}

impl InflightBound {
    /// A bound at [`INITIAL_SEGMENTS`] with nothing measured.
    pub fn new() -> Self {
        Self {
            min_rtt: None,
            interval: None,
            rates: VecDeque::with_capacity(RATE_SAMPLES),
            held: false,
            limit: INITIAL_SEGMENTS,
            startup: true,
            startup_rate: 0,
            plateau_intervals: 0,
        }
    }

    /// Segments that may be queued or unacknowledged now.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The smallest recent round trip, if any was measured.
    pub fn min_rtt_ms(&self) -> Option<u32> {
        self.min_rtt.map(|m| m.ms)
    }

    /// The smallest retransmission timeout KCP should use: a segment sent
    /// into a full bound waits behind about gain − 1 round trips of
    /// queue, so its acknowledgement may take gain smallest round
    /// trips (plus the peer's 10 ms ACK tick and ours) without being lost.
    /// KCP's own estimate (smoothed RTT + 4 × variance, the variance near
    /// zero on a steady path) would time it out and send it again, spending
    /// the bottleneck on copies. At least KCP's default of 100 ms.
    pub fn min_rto_ms(&self) -> u32 {
        let Some(min_rtt) = self.min_rtt else {
            return KCP_RTO_MIN_MS;
        };
        let gain = u32::try_from(self.gain_eighths()).unwrap_or(u32::MAX);
        (min_rtt.ms.max(RTT_FLOOR_MS).saturating_mul(gain) / 8)
            .saturating_add(2 * super::core::INTERVAL_MS)
            .max(KCP_RTO_MIN_MS)
    }

    /// The largest retransmission timeout KCP should use:
    /// [`MAX_RTO_FACTOR`] × [`min_rto_ms`](Self::min_rto_ms), at least
    /// [`MAX_RTO_FLOOR_MS`]; KCP's own 60 s before any round trip is
    /// measured. With the bound in force a segment's acknowledgement waits
    /// behind at most about gain round trips of queue, so a round trip far
    /// beyond that is an outlier: a packet held in a reliable channel's
    /// retransmission, or the first flight queued behind a WebRTC hop whose
    /// window is still opening. KCP's estimate (smoothed RTT + 4 × its
    /// variation) follows such samples up to 10 s, and every segment sent
    /// meanwhile keeps that timeout: a loss then held the smux window shut
    /// for 8 s (seen in a trace at 100 ms / 1 %).
    pub fn max_rto_ms(&self) -> u32 {
        if self.min_rtt.is_none() {
            return KCP_RTO_MAX_MS;
        }
        self.min_rto_ms()
            .saturating_mul(MAX_RTO_FACTOR)
            .clamp(MAX_RTO_FLOOR_MS, KCP_RTO_MAX_MS)
    }

    /// The delivery rate the bound is computed from (segments per second).
    pub fn delivery_rate(&self) -> u64 {
        self.rates.iter().copied().max().unwrap_or(0)
    }

    /// Records whether the writer is waiting on the bound (`true` when a
    /// write was refused because of it, `false` once one is accepted).
    pub fn set_held(&mut self, held: bool) {
        self.held = held;
        if held {
            if let Some(interval) = self.interval.as_mut() {
                interval.held = true;
            }
        }
    }

    /// A round trip measured at `now_ms` from an ACK that echoed `ts`.
    pub fn on_rtt_sample(&mut self, now_ms: u32, ts: u32) {
        let rtt = elapsed(now_ms, ts);
        let Ok(rtt) = u32::try_from(rtt) else {
            return;
        };
        if rtt > RTT_MAX_MS {
            return;
        }
        let replace = match self.min_rtt {
            None => true,
            Some(m) => rtt <= m.ms || elapsed(now_ms, m.at) > i64::from(MIN_RTT_WINDOW_MS),
        };
        if replace {
            self.min_rtt = Some(MinRtt {
                ms: rtt,
                at: now_ms,
            });
        }
    }

    /// `segments` were acknowledged at `now_ms`.
    pub fn on_acked(&mut self, now_ms: u32, segments: usize) {
        let segments = u64::try_from(segments).unwrap_or(u64::MAX);
        let length = i64::from(
            self.min_rtt
                .map_or(MIN_INTERVAL_MS, |m| m.ms)
                .max(MIN_INTERVAL_MS),
        );
        let held_now = self.held;
        let Some(interval) = self.interval.as_mut() else {
            // These segments were sent before the interval: it starts now.
            self.interval = Some(Interval {
                start: now_ms,
                acked: 0,
                held: held_now,
            });
            return;
        };
        interval.acked = interval.acked.saturating_add(segments);
        interval.held |= held_now;
        let took = elapsed(now_ms, interval.start);
        if took < length {
            if took < 0 {
                // The clock went backwards (or wrapped oddly): start over.
                self.interval = None;
            }
            return;
        }
        let done = *interval;
        self.interval = Some(Interval {
            start: now_ms,
            acked: 0,
            held: held_now,
        });
        let took = u64::try_from(took).unwrap_or(u64::MAX).max(1);
        let rate = done.acked.saturating_mul(1000) / took;
        if done.held || rate > self.delivery_rate() {
            if self.rates.len() >= RATE_SAMPLES {
                self.rates.pop_front();
            }
            self.rates.push_back(rate);
        }
        if self.startup && done.held {
            if rate > self.startup_rate.saturating_add(self.startup_rate / 4) {
                self.startup_rate = rate;
                self.plateau_intervals = 0;
            } else {
                self.plateau_intervals += 1;
                if self.plateau_intervals >= STARTUP_PLATEAU_INTERVALS {
                    self.startup = false;
                }
            }
        }
        self.recompute();
    }

    /// Whether the bound is still in start-up.
    pub fn in_startup(&self) -> bool {
        self.startup
    }

    fn gain_eighths(&self) -> u64 {
        if self.startup {
            STARTUP_GAIN_EIGHTHS
        } else {
            GAIN_EIGHTHS
        }
    }

    fn recompute(&mut self) {
        let rtt = u64::from(
            self.min_rtt
                .map_or(RTT_FLOOR_MS, |m| m.ms)
                .max(RTT_FLOOR_MS),
        );
        let bdp = self.delivery_rate().saturating_mul(rtt) / 1000;
        let target = usize::try_from(self.gain_eighths().saturating_mul(bdp) / 8)
            .unwrap_or(usize::MAX)
            .clamp(FLOOR_SEGMENTS, CEILING_SEGMENTS);
        // In start-up the first intervals measure a path whose own windows
        // (SCTP's, below) are still opening: the bound does not shrink.
        self.limit = if self.startup {
            target.max(self.limit)
        } else {
            target
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `rate` segments per second for `ms` milliseconds in 10 ms
    /// steps, with round trip `rtt`, the sender held or not.
    fn run(bound: &mut InflightBound, now: &mut u32, ms: u32, rate: u64, rtt: u32, held: bool) {
        let steps = ms / 10;
        for _ in 0..steps {
            *now = now.wrapping_add(10);
            bound.set_held(held);
            bound.on_rtt_sample(*now, now.wrapping_sub(rtt));
            bound.on_acked(*now, usize::try_from(rate / 100).unwrap_or(usize::MAX));
        }
    }

    #[test]
    fn starts_at_the_initial_bound() {
        let bound = InflightBound::new();
        assert_eq!(bound.limit(), INITIAL_SEGMENTS);
        assert_eq!(bound.min_rtt_ms(), None);
    }

    #[test]
    fn settles_at_twice_the_bandwidth_delay_product() {
        let mut bound = InflightBound::new();
        let mut now = 5;
        // 1,000 segments/s at 100 ms: 100 segments per round trip.
        run(&mut bound, &mut now, 2_000, 1_000, 100, true);
        assert_eq!(bound.min_rtt_ms(), Some(100));
        assert_eq!(bound.delivery_rate(), 1_000);
        assert_eq!(bound.limit(), 200);
    }

    #[test]
    fn a_quiet_application_does_not_shrink_the_bound() {
        let mut bound = InflightBound::new();
        let mut now = 0;
        run(&mut bound, &mut now, 2_000, 1_000, 100, true);
        run(&mut bound, &mut now, 5_000, 100, 100, false);
        assert_eq!(bound.limit(), 200);
    }

    #[test]
    fn a_slower_path_shrinks_it_once_the_old_rate_is_forgotten() {
        let mut bound = InflightBound::new();
        let mut now = 0;
        run(&mut bound, &mut now, 2_000, 1_000, 100, true);
        run(&mut bound, &mut now, 3_000, 400, 100, true);
        assert_eq!(bound.limit(), 80);
    }

    #[test]
    fn a_longer_round_trip_is_learnt_after_the_window() {
        let mut bound = InflightBound::new();
        let mut now = 0;
        run(&mut bound, &mut now, 1_000, 1_000, 50, true);
        assert_eq!(bound.min_rtt_ms(), Some(50));
        run(
            &mut bound,
            &mut now,
            MIN_RTT_WINDOW_MS + 500,
            1_000,
            200,
            true,
        );
        assert_eq!(bound.min_rtt_ms(), Some(200));
        assert_eq!(bound.limit(), 400);
    }

    #[test]
    fn fast_local_paths_use_the_round_trip_floor() {
        let mut bound = InflightBound::new();
        let mut now = 0;
        run(&mut bound, &mut now, 1_000, 12_000, 0, true);
        assert_eq!(bound.min_rtt_ms(), Some(0));
        // 12,000 segments/s × 25 ms × 2.
        assert_eq!(bound.limit(), 600);
    }

    #[test]
    fn stays_within_floor_and_ceiling() {
        let mut bound = InflightBound::new();
        let mut now = 0;
        run(&mut bound, &mut now, 1_000, 100, 100, true);
        assert_eq!(bound.limit(), FLOOR_SEGMENTS);
        run(&mut bound, &mut now, 1_000, 10_000_000, 5_000, true);
        assert_eq!(bound.limit(), CEILING_SEGMENTS);
    }

    #[test]
    fn implausible_round_trips_and_clock_jumps_are_ignored() {
        let mut bound = InflightBound::new();
        bound.on_rtt_sample(1_000, 2_000); // from the future
        bound.on_rtt_sample(100_000, 1_000); // 99 s
        assert_eq!(bound.min_rtt_ms(), None);
        bound.on_acked(1_000, usize::MAX);
        bound.on_acked(500, usize::MAX);
        bound.on_acked(u32::MAX, usize::MAX);
        bound.on_acked(3, usize::MAX);
        assert!(bound.limit() >= FLOOR_SEGMENTS && bound.limit() <= CEILING_SEGMENTS);
    }

    #[test]
    fn the_retransmission_timeout_covers_the_queue_the_bound_allows() {
        let mut bound = InflightBound::new();
        assert_eq!(bound.min_rto_ms(), KCP_RTO_MIN_MS);
        let mut now = 0;
        run(&mut bound, &mut now, 1_000, 1_000, 111, true);
        assert_eq!(bound.min_rto_ms(), 2 * 111 + 20);
        // A local path keeps KCP's own minimum.
        let mut local = InflightBound::new();
        run(&mut local, &mut now, 1_000, 10_000, 1, true);
        assert_eq!(local.min_rto_ms(), KCP_RTO_MIN_MS);
    }

    #[test]
    fn the_retransmission_timeout_has_a_ceiling_once_a_round_trip_is_known() {
        let mut bound = InflightBound::new();
        assert_eq!(bound.max_rto_ms(), KCP_RTO_MAX_MS);
        let mut now = 0;
        // 111 ms: 4 x (2 x 111 + 20) = 968 ms, raised to the 1 s floor.
        run(&mut bound, &mut now, 1_000, 1_000, 111, true);
        assert_eq!(bound.max_rto_ms(), MAX_RTO_FLOOR_MS);
        // 200 ms: 4 x 420.
        let mut far = InflightBound::new();
        run(&mut far, &mut now, 1_000, 1_000, 200, true);
        assert_eq!(far.max_rto_ms(), 4 * (2 * 200 + 20));
        // A path of many seconds keeps KCP's own ceiling.
        let mut very_far = InflightBound::new();
        run(&mut very_far, &mut now, 1_000, 1_000, 20_000, true);
        assert_eq!(very_far.max_rto_ms(), KCP_RTO_MAX_MS);
    }

    #[test]
    fn start_up_does_not_shrink_and_ends_when_the_rate_stops_growing() {
        let mut bound = InflightBound::new();
        let mut now = 0;
        // The path below is still opening: 50 segments/s at 100 ms.
        run(&mut bound, &mut now, 200, 50, 100, true);
        assert!(bound.in_startup());
        assert_eq!(bound.limit(), INITIAL_SEGMENTS);
        // The rate doubles each round trip: the bound follows with the
        // start-up gain.
        for rate in [400, 800, 1_600] {
            run(&mut bound, &mut now, 200, rate, 100, true);
            assert!(bound.in_startup());
        }
        // Above two bandwidth-delay products (320), up to 23/8 of them.
        assert!(
            (400..=1_600 * 23 / 80).contains(&bound.limit()),
            "{}",
            bound.limit()
        );
        // It stops growing: three intervals later start-up is over and the
        // bound is two bandwidth-delay products.
        run(&mut bound, &mut now, 400, 1_600, 100, true);
        assert!(!bound.in_startup());
        assert_eq!(bound.limit(), 320);
    }

    #[test]
    fn works_across_the_clock_wrap() {
        let mut bound = InflightBound::new();
        let mut now = u32::MAX - 500;
        run(&mut bound, &mut now, 2_000, 1_000, 100, true);
        assert_eq!(bound.min_rtt_ms(), Some(100));
        assert_eq!(bound.limit(), 200);
    }
}
