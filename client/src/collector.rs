//! Keeps a session's set of proxies filled: whenever fewer than `max` are
//! connected (or being dialed), dial another at once; after a failure
//! (no proxy at the broker, a channel that did not open) wait a growing,
//! jittered delay before the next try. There is no fixed wait between a
//! proxy's death and asking for the next one (upstream polls every 10 s).
//!
//! While a connected proxy looks stalled (suspect, stalled, or demoted by
//! the scheduler: [`ProxyPaths::replacement_wanted`]) the target is one
//! beyond `max`, so that a replacement is usually connected before the
//! stalled proxy is given up on (`docs/proxy-liveness.md`). Proxies
//! connected plus dials in flight never exceed `max + 1`, so at most one
//! such extra dial runs at a time.
//!
//! This is the "redial" half of Turbo Tunnel's `RedialPacketConn` (the Go
//! client's collecting loop, `client/lib/peers.go`): the
//! [`crate::paths::RedialPacketConn`] or
//! [`crate::paths::MultiplexingPacketConn`] carrying the session only uses
//! the proxies this loop adds to its [`ProxyPaths`].

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::dialer::{DialError, DialedProxy, ProxyDialer};
use crate::paths::ProxyPaths;
use crate::rendezvous::{backoff, BACKOFF_MAX};

/// Delay before the next dial after `failures` failures in a row: none
/// after a success, then [`backoff`] (0.5 s doubling to 10 s, jittered).
/// An error that retrying cannot fix (the broker does not know the bridge)
/// waits the longest.
fn retry_delay(failures: u32, error: Option<&DialError>) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    match error {
        Some(DialError::Rendezvous(e)) if !e.is_retryable() => BACKOFF_MAX,
        _ => backoff(failures - 1),
    }
}

/// Something that wants to hear about proxies (for tor's log).
pub type Reporter = Arc<dyn Fn(String) + Send + Sync>;

/// How many dials to start: up to `max` proxies connected or being
/// dialed, one more while a replacement is wanted.
fn dials_to_start(max: usize, replacement_wanted: bool, connected: usize, dialing: usize) -> usize {
    let target = max.max(1) + usize::from(replacement_wanted);
    target.saturating_sub(connected.saturating_add(dialing))
}

/// Runs until the paths are closed: keeps `max` proxies connected, and
/// one more while one of them looks stalled.
pub async fn keep_filled(
    paths: Arc<ProxyPaths>,
    dialer: Arc<dyn ProxyDialer>,
    max: usize,
    reporter: Option<Reporter>,
) {
    let max = max.max(1);
    paths.set_max_paths(max);
    let mut dialing: JoinSet<Result<DialedProxy, DialError>> = JoinSet::new();
    let mut failures: u32 = 0;
    let mut next_dial = Instant::now();
    loop {
        let vacancy = paths.vacancy_notified();
        if paths.is_closed() {
            return;
        }
        let replacement_wanted = paths.replacement_wanted();
        let wanted = dials_to_start(max, replacement_wanted, paths.len(), dialing.len());
        if replacement_wanted && wanted > 0 {
            tracing::info!("dialing a replacement for a stalled proxy");
        }
        for _ in 0..wanted {
            let dialer = Arc::clone(&dialer);
            let at = next_dial;
            dialing.spawn(async move {
                tokio::time::sleep_until(at).await;
                dialer.dial().await
            });
        }
        tokio::select! {
            Some(joined) = dialing.join_next() => match joined {
                Ok(Ok(proxy)) => {
                    failures = 0;
                    next_dial = Instant::now();
                    if paths.is_closed() {
                        return;
                    }
                    let description = proxy.description.clone();
                    let id = paths.add_dialed(proxy);
                    // A suspect path hands over to the new one now, not at
                    // the next periodic check.
                    paths.check_now();
                    tracing::info!(path = id, label = %description, "connected to a proxy");
                    if let Some(report) = &reporter {
                        report(format!("connected to a proxy ({description})"));
                    }
                }
                Ok(Err(error)) => {
                    failures = failures.saturating_add(1);
                    let delay = retry_delay(failures, Some(&error));
                    next_dial = Instant::now() + delay;
                    tracing::info!(%error, retry_in = ?delay, "no proxy this time");
                    if let Some(report) = &reporter {
                        report(format!("trying a new proxy: {error}"));
                    }
                }
                Err(join_error) => {
                    tracing::warn!(%join_error, "proxy dial task failed");
                    failures = failures.saturating_add(1);
                    next_dial = Instant::now() + retry_delay(failures, None);
                }
            },
            () = vacancy => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_extra_dial_while_a_replacement_is_wanted() {
        assert_eq!(dials_to_start(1, false, 0, 0), 1);
        assert_eq!(dials_to_start(1, false, 1, 0), 0);
        assert_eq!(dials_to_start(1, true, 1, 0), 1);
        // Never more than one beyond max in flight or connected.
        assert_eq!(dials_to_start(1, true, 1, 1), 0);
        assert_eq!(dials_to_start(1, true, 2, 0), 0);
        assert_eq!(dials_to_start(3, true, 3, 0), 1);
        assert_eq!(dials_to_start(3, true, 2, 0), 2);
        // A recovered extra stays; nothing more is dialed.
        assert_eq!(dials_to_start(2, false, 3, 0), 0);
        assert_eq!(dials_to_start(0, false, 0, 0), 1);
    }

    #[test]
    fn retry_delay_backs_off_and_waits_longest_for_hopeless_errors() {
        use crate::rendezvous::RendezvousError;
        assert_eq!(retry_delay(0, None), Duration::ZERO);
        assert!(retry_delay(1, None) <= Duration::from_millis(500));
        let no_proxies = DialError::Rendezvous(RendezvousError::NoProxies);
        assert!(retry_delay(2, Some(&no_proxies)) <= Duration::from_secs(1));
        let unknown = DialError::Rendezvous(RendezvousError::UnknownBridge);
        assert_eq!(retry_delay(1, Some(&unknown)), BACKOFF_MAX);
        assert!(retry_delay(u32::MAX, None) <= BACKOFF_MAX);
    }
}
