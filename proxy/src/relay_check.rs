//! The proxy polls only while its default relay is reachable (upstream's
//! rule since 2.12, docs/protocol.md §6): a proxy that cannot open a
//! WebSocket to the relay would take clients from the broker and fail
//! every one of them.
//!
//! The check is a WebSocket connection to the default relay URL, closed at
//! once. It runs at start and again and again with exponential backoff:
//! the wait starts at [`RelayCheckSchedule`]'s first delay (5 minutes by
//! default) and doubles after each check up to 24 hours; when the answer
//! changes (reachable ↔ not) the wait starts over from the first delay, so
//! that a relay that comes back, or goes away, is noticed soon.
//! [`RelayCheckSchedule`] is the timing alone; [`check_relay`] makes one
//! connection.

use std::time::Duration;

use url::Url;

use crate::relay::{self, RelayError};
use crate::relay_policy::RelayPolicy;

/// The first wait between checks (upstream: 5 minutes).
pub const DEFAULT_RELAY_CHECK_BACKOFF: Duration = Duration::from_secs(5 * 60);
/// The longest wait between checks (upstream: 24 hours).
pub const MAX_RELAY_CHECK_BACKOFF: Duration = Duration::from_secs(24 * 60 * 60);

/// When to check the default relay next, from the outcomes so far.
#[derive(Debug, Clone)]
pub struct RelayCheckSchedule {
    first: Duration,
    max: Duration,
    next: Duration,
    reachable: Option<bool>,
}

impl RelayCheckSchedule {
    /// A schedule whose waits start at `first` and double up to `max`
    /// (`first` is raised to at least 1 ms, `max` to at least `first`).
    pub fn new(first: Duration, max: Duration) -> Self {
        let first = first.max(Duration::from_millis(1));
        let max = max.max(first);
        RelayCheckSchedule {
            first,
            max,
            next: first,
            reachable: None,
        }
    }

    /// Records one check and returns how long to wait before the next.
    pub fn after_check(&mut self, reachable: bool) -> Duration {
        if self.reachable != Some(reachable) {
            self.reachable = Some(reachable);
            self.next = self.first;
        }
        let wait = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        wait
    }

    /// The last outcome (`None` before the first check).
    pub fn reachable(&self) -> Option<bool> {
        self.reachable
    }
}

/// How long the close of the test connection may take before it is
/// dropped instead.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Opens a WebSocket to `relay_url` under `policy` (the relay rules apply
/// as to any client's relay) and closes it: `Ok` if the relay accepted the
/// connection.
pub async fn check_relay(policy: &RelayPolicy, relay_url: &str) -> Result<(), RelayError> {
    let target = policy.check_url(relay_url)?;
    let addrs = relay::resolve(policy, &target).await?;
    let url: Url = target.url.clone();
    let mut socket = relay::connect(&target, &addrs, &url).await?;
    // A polite close; the outcome does not matter, the relay answered.
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, socket.close(None)).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn waits_double_up_to_the_cap() {
        let mut schedule = RelayCheckSchedule::new(5 * S, 30 * S);
        assert_eq!(schedule.reachable(), None);
        let waits: Vec<Duration> = (0..6).map(|_| schedule.after_check(true)).collect();
        assert_eq!(waits, [5 * S, 10 * S, 20 * S, 30 * S, 30 * S, 30 * S]);
        assert_eq!(schedule.reachable(), Some(true));
    }

    #[test]
    fn a_change_starts_the_waits_over() {
        let mut schedule = RelayCheckSchedule::new(5 * S, 300 * S);
        assert_eq!(schedule.after_check(false), 5 * S);
        assert_eq!(schedule.after_check(false), 10 * S);
        assert_eq!(schedule.after_check(false), 20 * S);
        // The relay came back: checked again soon, in case it flaps.
        assert_eq!(schedule.after_check(true), 5 * S);
        assert_eq!(schedule.after_check(true), 10 * S);
        // It went away: the next check comes soon too.
        assert_eq!(schedule.after_check(false), 5 * S);
        assert_eq!(schedule.reachable(), Some(false));
    }

    #[test]
    fn degenerate_settings_still_make_progress() {
        let mut schedule = RelayCheckSchedule::new(Duration::ZERO, Duration::ZERO);
        assert_eq!(schedule.after_check(true), Duration::from_millis(1));
        assert_eq!(schedule.after_check(true), Duration::from_millis(1));
        let mut schedule = RelayCheckSchedule::new(Duration::MAX, Duration::MAX);
        assert_eq!(schedule.after_check(true), Duration::MAX);
        assert_eq!(schedule.after_check(true), Duration::MAX);
    }
}
