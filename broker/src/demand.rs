//! Demand-aware `NextPoll` (docs/protocol.md §4.3, `docs/proxy-liveness.md`):
//! while clients are going without proxies, the proxies that could serve
//! them are asked back sooner.
//!
//! The configured interval ([`crate::poll_interval::PollIntervals`], 20 s
//! by default) keeps idle proxies from loading the broker. But a proxy
//! told to wait 20 s after every poll is out of the pool for most of the
//! time, and a client arriving then is turned away ("no snowflake proxies
//! currently available") and retries later. So the broker remembers, per
//! pool, when it last had a client it could not serve:
//!
//! * a client turned away for lack of a proxy, or whose matched proxy did
//!   not answer in time, marks every pool that client may take proxies
//!   from ([`Pool::for_client`]);
//! * for [`DemandConfig::window`] after that, proxies of a marked pool are
//!   told [`DemandConfig::short_interval`] instead of the configured one;
//! * a proxy that was just matched is told the short interval too: it had
//!   a client, and more may come (Go proxies 2.14 and later honour
//!   `NextPoll`; ours poll again at once after a match anyway).
//!
//! The short interval never lengthens a shorter configured one. Time is
//! passed in; nothing here does I/O.

use std::time::{Duration, Instant};

use snowflake_common::messages::NatType;

use crate::matcher::Pool;

/// `NextPoll` announced while there is demand.
pub const DEFAULT_SHORT_INTERVAL: Duration = Duration::from_secs(1);
/// How long a turned-away client counts as demand.
pub const DEFAULT_DEMAND_WINDOW: Duration = Duration::from_secs(30);

/// Settings of the demand rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemandConfig {
    /// `NextPoll` for proxies of a pool with recent unmet demand, and for
    /// a proxy that was just matched.
    pub short_interval: Duration,
    /// How long after a client was turned away its pools count as in
    /// demand.
    pub window: Duration,
}

impl Default for DemandConfig {
    fn default() -> Self {
        DemandConfig {
            short_interval: DEFAULT_SHORT_INTERVAL,
            window: DEFAULT_DEMAND_WINDOW,
        }
    }
}

/// Per pool, when a client last went unserved.
#[derive(Debug, Clone)]
pub struct Demand {
    config: DemandConfig,
    /// By [`Pool::index`].
    unmet_at: [Option<Instant>; 3],
}

impl Demand {
    /// No demand yet.
    pub fn new(config: DemandConfig) -> Self {
        Demand {
            config,
            unmet_at: [None; 3],
        }
    }

    /// The settings in use.
    pub fn config(&self) -> DemandConfig {
        self.config
    }

    /// A client with NAT type `client_nat` went unserved at `now` (turned
    /// away for lack of a proxy, or its proxy did not answer in time).
    pub fn client_unserved(&mut self, client_nat: NatType, now: Instant) {
        for &pool in Pool::for_client(client_nat) {
            let slot = &mut self.unmet_at[pool.index()];
            if slot.is_none_or(|at| at < now) {
                *slot = Some(now);
            }
        }
    }

    /// Whether proxies of `pool` are in demand at `now`.
    pub fn in_demand(&self, pool: Pool, now: Instant) -> bool {
        self.unmet_at[pool.index()]
            .is_some_and(|at| now.saturating_duration_since(at) <= self.config.window)
    }

    /// `NextPoll` for a proxy with NAT type `proxy_nat` whose poll ended
    /// without a client at `now`, given the configured interval for it.
    pub fn next_poll_idle(
        &self,
        proxy_nat: NatType,
        configured: Duration,
        now: Instant,
    ) -> Duration {
        if self.in_demand(Pool::for_proxy(proxy_nat), now) {
            self.short(configured)
        } else {
            configured
        }
    }

    /// `NextPoll` for a proxy that was just matched with a client.
    pub fn next_poll_matched(&self, configured: Duration) -> Duration {
        self.short(configured)
    }

    fn short(&self, configured: Duration) -> Duration {
        self.config.short_interval.min(configured)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn no_demand_means_the_configured_interval() {
        let demand = Demand::new(DemandConfig::default());
        let now = Instant::now();
        for nat in [NatType::Unrestricted, NatType::Restricted, NatType::Unknown] {
            assert_eq!(demand.next_poll_idle(nat, S(20), now), S(20));
        }
    }

    #[test]
    fn an_unserved_client_shortens_the_interval_for_its_pools_for_a_while() {
        let t0 = Instant::now();
        let mut demand = Demand::new(DemandConfig::default());
        // A restricted client can only use unrestricted proxies.
        demand.client_unserved(NatType::Restricted, t0);
        assert_eq!(
            demand.next_poll_idle(NatType::Unrestricted, S(20), t0),
            DEFAULT_SHORT_INTERVAL
        );
        assert_eq!(demand.next_poll_idle(NatType::Restricted, S(20), t0), S(20));
        assert_eq!(demand.next_poll_idle(NatType::Unknown, S(20), t0), S(20));
        // Until the window has passed.
        let end = t0 + DEFAULT_DEMAND_WINDOW;
        assert_eq!(
            demand.next_poll_idle(NatType::Unrestricted, S(20), end),
            DEFAULT_SHORT_INTERVAL
        );
        let after = end + Duration::from_millis(1);
        assert_eq!(
            demand.next_poll_idle(NatType::Unrestricted, S(20), after),
            S(20)
        );
        // An unrestricted client could use either pool.
        demand.client_unserved(NatType::Unrestricted, after);
        for nat in [NatType::Unrestricted, NatType::Restricted, NatType::Unknown] {
            assert_eq!(
                demand.next_poll_idle(nat, S(20), after),
                DEFAULT_SHORT_INTERVAL
            );
        }
        // A later client extends it; an earlier report does not shorten it.
        let later = after + S(20);
        demand.client_unserved(NatType::Unknown, later);
        demand.client_unserved(NatType::Unknown, after);
        let near_end = later + DEFAULT_DEMAND_WINDOW;
        assert!(demand.in_demand(Pool::Open, near_end));
        assert!(!demand.in_demand(Pool::Strict, near_end));
    }

    #[test]
    fn three_kind_demand() {
        let t0 = Instant::now();
        let mut demand = Demand::new(DemandConfig::default());
        // A moderate client could use moderate or open proxies.
        demand.client_unserved(NatType::Moderate, t0);
        assert!(demand.in_demand(Pool::Moderate, t0));
        assert!(demand.in_demand(Pool::Open, t0));
        assert!(!demand.in_demand(Pool::Strict, t0));
        assert_eq!(
            demand.next_poll_idle(NatType::Moderate, S(20), t0),
            DEFAULT_SHORT_INTERVAL
        );
        assert_eq!(demand.next_poll_idle(NatType::Strict, S(20), t0), S(20));
        // An open client could use any.
        demand.client_unserved(NatType::Open, t0);
        assert_eq!(
            demand.next_poll_idle(NatType::Strict, S(20), t0),
            DEFAULT_SHORT_INTERVAL
        );
    }

    #[test]
    fn a_match_gets_the_short_interval() {
        let demand = Demand::new(DemandConfig::default());
        assert_eq!(demand.next_poll_matched(S(20)), DEFAULT_SHORT_INTERVAL);
    }

    #[test]
    fn the_short_interval_never_lengthens_a_shorter_configured_one() {
        let t0 = Instant::now();
        let mut demand = Demand::new(DemandConfig {
            short_interval: S(2),
            window: S(10),
        });
        demand.client_unserved(NatType::Unrestricted, t0);
        assert_eq!(
            demand.next_poll_idle(NatType::Restricted, Duration::from_millis(500), t0),
            Duration::from_millis(500)
        );
        assert_eq!(demand.next_poll_idle(NatType::Restricted, S(20), t0), S(2));
        assert_eq!(
            demand.next_poll_matched(Duration::from_millis(500)),
            Duration::from_millis(500)
        );
        assert_eq!(demand.config().window, S(10));
    }
}
