//! When to poll the broker next (docs/protocol.md §6.1), as a pure state
//! machine the poll loop asks after every poll.
//!
//! * After a poll that brought a client, the next poll goes out at once:
//!   the broker had a client for us, so others may be waiting, and a
//!   proxy that sat out `NextPoll` after every match would leave the next
//!   session waiting for it (`docs/proxy-liveness.md`). The poll loop only
//!   polls with a free client slot, so a full proxy polls as soon as a
//!   slot frees.
//! * After an answer without a client (no match, `polled too soon`, or
//!   the one-hour relay pattern rejection) the broker's `NextPoll` wins
//!   (never below [`MIN_POLL_INTERVAL`]); a broker that sends none (2.5.1)
//!   gets the configured interval. `polled too soon` (a broker's
//!   per-address poll limit, `docs/broker-polling.md`) is such an answer,
//!   not a failure: the proxy waits the time the broker says is left, and
//!   no backoff builds up.
//! * After a failed poll (connection refused, HTTP error, garbage) the wait
//!   doubles from the configured interval up to [`MAX_BACKOFF`], so a broker
//!   in trouble is not hammered by every proxy at once; a little jitter
//!   keeps proxies from synchronising. The first good poll resets it.

use std::time::Duration;

/// Shortest wait between polls the library accepts (upstream's library
/// minimum; its command line insists on 2 s).
pub const MIN_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// The command line's minimum `-poll-interval`.
pub const MIN_CLI_POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Default `-poll-interval`.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// Longest wait after repeated broker failures.
pub const MAX_BACKOFF: Duration = Duration::from_secs(10 * 60);

/// Longest wait a broker's `NextPoll` can impose (a confused or hostile
/// broker must not silence the proxy for days).
pub const MAX_NEXT_POLL: Duration = Duration::from_secs(24 * 60 * 60);

/// What came of one poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollOutcome {
    /// The broker matched us with a client (its `NextPoll` does not hold
    /// the next poll back).
    Matched,
    /// The broker answered without a client (no match, or pattern
    /// rejected), maybe with a `NextPoll`.
    Answered {
        /// The broker's `NextPoll`, if it sent one.
        next_poll: Option<Duration>,
    },
    /// The poll failed.
    Failed,
}

/// The poll timer's state.
#[derive(Debug, Clone)]
pub struct PollSchedule {
    interval: Duration,
    failures: u32,
}

impl PollSchedule {
    /// A schedule with the configured interval (raised to
    /// [`MIN_POLL_INTERVAL`] if lower).
    pub fn new(interval: Duration) -> Self {
        PollSchedule {
            interval: interval.max(MIN_POLL_INTERVAL),
            failures: 0,
        }
    }

    /// Consecutive failed polls so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Records a poll's outcome and returns how long to wait before the
    /// next one, without jitter. `NextPoll` of zero means "not set", as in
    /// Go.
    pub fn next_delay(&mut self, outcome: PollOutcome) -> Duration {
        match outcome {
            PollOutcome::Matched => {
                self.failures = 0;
                Duration::ZERO
            }
            PollOutcome::Answered { next_poll } => {
                self.failures = 0;
                match next_poll {
                    Some(d) if !d.is_zero() => d.clamp(MIN_POLL_INTERVAL, MAX_NEXT_POLL),
                    _ => self.interval,
                }
            }
            PollOutcome::Failed => {
                self.failures = self.failures.saturating_add(1);
                let exponent = self.failures.saturating_sub(1).min(20);
                self.interval
                    .saturating_mul(1u32 << exponent)
                    .min(MAX_BACKOFF)
                    .max(self.interval)
            }
        }
    }

    /// [`PollSchedule::next_delay`] plus jitter: after failures, a random
    /// extra of up to a quarter of the delay (`random` in `0.0..1.0`).
    pub fn next_delay_with_jitter(&mut self, outcome: PollOutcome, random: f64) -> Duration {
        let delay = self.next_delay(outcome);
        if self.failures == 0 {
            return delay;
        }
        delay + delay.mul_f64(random.clamp(0.0, 1.0) / 4.0)
    }
}

/// The `Clients` value a proxy reports: its clients (counting the poll in
/// progress, as Go does) rounded down to a multiple of 8, so the broker
/// learns little about any one volunteer.
pub fn reported_clients(active_clients: usize) -> u64 {
    let with_poll = u64::try_from(active_clients)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    with_poll / 8 * 8
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn next_poll_is_honoured() {
        let mut s = PollSchedule::new(S(5));
        let answered = |d| PollOutcome::Answered { next_poll: d };
        assert_eq!(s.next_delay(answered(Some(S(20)))), S(20));
        assert_eq!(s.next_delay(answered(Some(S(3600)))), S(3600));
        // Below the minimum: clamped.
        assert_eq!(
            s.next_delay(answered(Some(Duration::from_millis(10)))),
            MIN_POLL_INTERVAL
        );
        // Absurdly long: capped.
        assert_eq!(
            s.next_delay(answered(Some(S(100 * 24 * 3600)))),
            MAX_NEXT_POLL
        );
        // No NextPoll (2.5.1 broker), or zero: the configured interval.
        assert_eq!(s.next_delay(answered(None)), S(5));
        assert_eq!(s.next_delay(answered(Some(Duration::ZERO))), S(5));
    }

    #[test]
    fn polled_too_soon_waits_next_poll_and_is_no_failure() {
        use snowflake_common::messages::ProxyPollResponse;
        let mut s = PollSchedule::new(S(5));
        s.next_delay(PollOutcome::Failed);
        s.next_delay(PollOutcome::Failed);
        // What the poll loop makes of the broker's answer.
        let refused = ProxyPollResponse::decode(
            br#"{"Status":"polled too soon","Offer":"","NAT":"","NextPoll":12500,"RelayURL":""}"#,
        )
        .unwrap();
        assert!(refused.polled_too_soon);
        let outcome = PollOutcome::Answered {
            next_poll: refused.next_poll,
        };
        assert_eq!(
            s.next_delay_with_jitter(outcome, 1.0),
            Duration::from_millis(12_500)
        );
        assert_eq!(s.failures(), 0);
        // Repeated refusals never grow the wait beyond what is said.
        for _ in 0..10 {
            assert_eq!(s.next_delay(outcome), Duration::from_millis(12_500));
        }
    }

    #[test]
    fn a_match_is_followed_by_a_poll_at_once() {
        let mut s = PollSchedule::new(S(5));
        assert_eq!(s.next_delay(PollOutcome::Matched), Duration::ZERO);
        assert_eq!(
            s.next_delay_with_jitter(PollOutcome::Matched, 1.0),
            Duration::ZERO
        );
        // No match afterwards: the broker's NextPoll again.
        let no_match = PollOutcome::Answered {
            next_poll: Some(S(20)),
        };
        assert_eq!(s.next_delay(no_match), S(20));
        // The one-hour rejection still holds.
        let rejected = PollOutcome::Answered {
            next_poll: Some(S(3600)),
        };
        assert_eq!(s.next_delay(rejected), S(3600));
        // A match also ends a run of failures.
        s.next_delay(PollOutcome::Failed);
        s.next_delay(PollOutcome::Failed);
        assert_eq!(s.failures(), 2);
        assert_eq!(s.next_delay(PollOutcome::Matched), Duration::ZERO);
        assert_eq!(s.failures(), 0);
    }

    #[test]
    fn failures_back_off_and_success_resets() {
        let mut s = PollSchedule::new(S(5));
        let delays: Vec<_> = (0..10).map(|_| s.next_delay(PollOutcome::Failed)).collect();
        assert_eq!(
            delays,
            [
                S(5),
                S(10),
                S(20),
                S(40),
                S(80),
                S(160),
                S(320),
                MAX_BACKOFF,
                MAX_BACKOFF,
                MAX_BACKOFF
            ]
        );
        assert_eq!(s.failures(), 10);
        for _ in 0..1000 {
            assert_eq!(s.next_delay(PollOutcome::Failed), MAX_BACKOFF);
        }
        assert_eq!(
            s.next_delay(PollOutcome::Answered { next_poll: None }),
            S(5)
        );
        assert_eq!(s.failures(), 0);
        assert_eq!(s.next_delay(PollOutcome::Failed), S(5));
    }

    #[test]
    fn jitter_only_after_failures_and_bounded() {
        let mut s = PollSchedule::new(S(4));
        assert_eq!(
            s.next_delay_with_jitter(PollOutcome::Answered { next_poll: None }, 0.9),
            S(4)
        );
        assert_eq!(s.next_delay_with_jitter(PollOutcome::Failed, 1.0), S(5));
        assert_eq!(s.next_delay_with_jitter(PollOutcome::Failed, 0.0), S(8));
    }

    #[test]
    fn configured_interval_has_a_floor() {
        let mut s = PollSchedule::new(Duration::from_millis(1));
        assert_eq!(
            s.next_delay(PollOutcome::Answered { next_poll: None }),
            MIN_POLL_INTERVAL
        );
    }

    #[test]
    fn clients_are_rounded_down_to_multiples_of_8() {
        assert_eq!(reported_clients(0), 0);
        assert_eq!(reported_clients(6), 0);
        assert_eq!(reported_clients(7), 8);
        assert_eq!(reported_clients(15), 16);
        assert_eq!(reported_clients(usize::MAX), u64::MAX / 8 * 8);
    }
}
