//! When to renew, and how long to wait after a failure.
//!
//! A certificate is renewed when a third of its lifetime is left, but at
//! most 30 days before it expires (Go's autocert renews 30 days ahead:
//! for Let's Encrypt's 90-day certificates both rules give day 60; the
//! third keeps short-lived certificates, such as a test CA's, renewable).
//! Failures are retried after 1 minute, doubling up to an hour, or later
//! if the CA asks for it: Let's Encrypt allows 5 failed validations per
//! hostname and hour.

use std::time::{Duration, SystemTime};

use super::x509::CertificateFacts;

/// Renew at most this long before expiry.
pub const RENEW_BEFORE: Duration = Duration::from_secs(30 * 24 * 3600);
/// First retry delay after a failure.
pub const FIRST_RETRY: Duration = Duration::from_secs(60);
/// Longest retry delay we choose.
pub const MAX_RETRY: Duration = Duration::from_secs(3600);
/// Longest delay a CA's `Retry-After` can impose.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Longest single sleep: the clock is looked at again at least this often
/// (a suspended machine or a changed clock must not delay a renewal).
pub const MAX_SLEEP: Duration = Duration::from_secs(3600);

/// When `facts`' certificate should be replaced.
pub fn renew_at(facts: &CertificateFacts) -> SystemTime {
    let ahead = RENEW_BEFORE.min(facts.lifetime() / 3);
    facts
        .not_after
        .checked_sub(ahead)
        .unwrap_or(facts.not_before)
}

/// How long to sleep now, waiting for `at`: at most [`MAX_SLEEP`], zero if
/// it has passed.
pub fn sleep_for(now: SystemTime, at: SystemTime) -> Duration {
    at.duration_since(now).unwrap_or_default().min(MAX_SLEEP)
}

/// Retry delays after consecutive failures.
#[derive(Debug, Clone, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// No failure yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The delay after one more failure; `retry_after` is what the CA
    /// asked for, if anything.
    pub fn after_failure(&mut self, retry_after: Option<Duration>) -> Duration {
        let ours = FIRST_RETRY
            .saturating_mul(1u32 << self.failures.min(16))
            .min(MAX_RETRY);
        self.failures = self.failures.saturating_add(1);
        ours.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER))
    }

    /// After a success.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn facts(days: u64) -> CertificateFacts {
        let not_before = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        CertificateFacts {
            not_before,
            not_after: not_before + Duration::from_secs(days * 86_400),
            dns_names: vec!["b.test".into()],
        }
    }

    #[test]
    fn renews_thirty_days_ahead_or_at_two_thirds() {
        let lets_encrypt = facts(90);
        assert_eq!(
            renew_at(&lets_encrypt),
            lets_encrypt.not_after - Duration::from_secs(30 * 86_400)
        );
        let long = facts(365);
        assert_eq!(renew_at(&long), long.not_after - RENEW_BEFORE);
        let short = facts(6);
        assert_eq!(
            renew_at(&short),
            short.not_before + Duration::from_secs(4 * 86_400)
        );
        // Backwards validity: renew at once.
        let mut odd = facts(1);
        std::mem::swap(&mut odd.not_before, &mut odd.not_after);
        assert!(renew_at(&odd) <= odd.not_before);
    }

    #[test]
    fn sleeps_are_capped_and_never_negative() {
        let now = UNIX_EPOCH + Duration::from_secs(1000);
        assert_eq!(sleep_for(now, now - Duration::from_secs(5)), Duration::ZERO);
        assert_eq!(
            sleep_for(now, now + Duration::from_secs(5)),
            Duration::from_secs(5)
        );
        assert_eq!(
            sleep_for(now, now + Duration::from_secs(10 * 86_400)),
            MAX_SLEEP
        );
    }

    #[test]
    fn backoff_doubles_to_an_hour_and_honours_retry_after() {
        let mut backoff = Backoff::new();
        let delays: Vec<u64> = (0..9)
            .map(|_| backoff.after_failure(None).as_secs())
            .collect();
        assert_eq!(delays, vec![60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(
            backoff.after_failure(Some(Duration::from_secs(7200))),
            Duration::from_secs(7200)
        );
        assert_eq!(
            backoff.after_failure(Some(Duration::from_secs(10 * 86_400))),
            Duration::from_secs(86_400)
        );
        backoff.reset();
        assert_eq!(
            backoff.after_failure(Some(Duration::from_secs(1))),
            FIRST_RETRY
        );
    }
}
