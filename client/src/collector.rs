//! Keeps a session's set of proxies filled: whenever fewer than `max` are
//! connected (or being dialed), dial another at once; after a failure
//! (no proxy at the broker, a channel that did not open) wait a growing,
//! jittered delay before the next try. There is no fixed wait between a
//! proxy's death and asking for the next one (upstream polls every 10 s).

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::dialer::{DialError, DialedProxy, ProxyDialer};
use crate::paths::ProxyPaths;

/// First delay after a failed dial.
const RETRY_FIRST: Duration = Duration::from_millis(500);
/// Longest delay between dials.
const RETRY_MAX: Duration = Duration::from_secs(10);

/// Delay before the next dial after `failures` failures in a row: 0 for
/// none, then 0.5 s doubling up to 10 s, each with ±25 % jitter so many
/// clients do not poll the broker in step.
pub fn retry_delay(failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let exponent = failures.saturating_sub(1).min(8);
    let base = RETRY_FIRST.saturating_mul(1 << exponent).min(RETRY_MAX);
    let jitter = rand::rng().random_range(0.75..1.25);
    base.mul_f64(jitter).min(RETRY_MAX)
}

/// Something that wants to hear about proxies (for tor's log).
pub type Reporter = Arc<dyn Fn(String) + Send + Sync>;

/// Runs until the paths are closed: keeps `max` proxies connected.
pub async fn keep_filled(
    paths: Arc<ProxyPaths>,
    dialer: Arc<dyn ProxyDialer>,
    max: usize,
    reporter: Option<Reporter>,
) {
    let max = max.max(1);
    let mut dialing: JoinSet<Result<DialedProxy, DialError>> = JoinSet::new();
    let mut failures: u32 = 0;
    let mut next_dial = Instant::now();
    loop {
        let vacancy = paths.vacancy_notified();
        if paths.is_closed() {
            return;
        }
        let wanted = max.saturating_sub(paths.len() + dialing.len());
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
                    let id = paths.add_path(proxy.stream, proxy.events, proxy.description.clone());
                    tracing::info!(path = id, label = %proxy.description, "connected to a proxy");
                    if let Some(report) = &reporter {
                        report(format!("connected to a proxy ({})", proxy.description));
                    }
                }
                Ok(Err(error)) => {
                    failures = failures.saturating_add(1);
                    let delay = retry_delay(failures);
                    next_dial = Instant::now() + delay;
                    tracing::info!(%error, retry_in = ?delay, "no proxy this time");
                    if let Some(report) = &reporter {
                        report(format!("trying a new proxy: {error}"));
                    }
                }
                Err(join_error) => {
                    tracing::warn!(%join_error, "proxy dial task failed");
                    failures = failures.saturating_add(1);
                    next_dial = Instant::now() + retry_delay(failures);
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
    fn retry_delay_grows_and_is_capped() {
        assert_eq!(retry_delay(0), Duration::ZERO);
        let first = retry_delay(1);
        assert!(first >= Duration::from_millis(375) && first <= Duration::from_millis(625));
        let third = retry_delay(3);
        assert!(third >= Duration::from_millis(1500) && third <= Duration::from_millis(2500));
        for n in [10, 100, u32::MAX] {
            assert!(retry_delay(n) <= RETRY_MAX);
            assert!(retry_delay(n) >= RETRY_MAX.mul_f64(0.75));
        }
    }
}
