//! The per-address proxy poll limit (`docs/broker-polling.md`), as the Go
//! broker's `main` has it since August 2026, with its `polled too soon`
//! status.
//!
//! A proxy address (as `-trusted-hops` reads it, [`crate::addr`]) may have
//! one poll waiting at a time, and after each poll must wait the
//! `NextPoll` it was told before the broker takes the next one:
//!
//! * a poll from an address that is already waiting, or whose `NextPoll`
//!   is not up, is answered at once with `polled too soon` and the time
//!   left as `NextPoll` (the Go proxy 2.14 and later, and ours, wait that
//!   long; older Go proxies log it as an error and poll again later);
//! * when an admitted poll ends without a client, the address may poll
//!   again after the `NextPoll` that poll's answer announces (configured
//!   per pool, shorter while clients go unserved: [`crate::demand`]);
//! * after a match it may poll again at once (our proxies do, to be ready
//!   for the next client; Go proxies wait the short `NextPoll` they are
//!   told). Holding one poll at a time per address is what bounds an
//!   address's share of the pool, not the pause after a match.
//!
//! Upstream keeps one limit per NAT pool and measures the interval from
//! the start of a poll; here one limit covers every pool (changing the
//! claimed NAT type does not buy more polls) and the wait is the one the
//! proxy was told, so a proxy that honours `NextPoll` is never refused.
//!
//! Addresses that say nothing about who polls (loopback, private,
//! link-local: [`crate::addr::is_non_public`]) are not limited: they are
//! a reverse proxy or a local test harness speaking for many proxies.
//!
//! Bounded: at most `max_addresses` addresses are remembered; when full,
//! the one whose wait ends soonest is forgotten. Times are passed in;
//! nothing here does I/O.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::addr::is_non_public;

/// Default bound on remembered addresses.
pub const DEFAULT_MAX_ADDRESSES: usize = 1_000_000;

/// The decision on one poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Hold the poll; call [`PollRateLimit::finish`] when it ends.
    Admitted,
    /// Refuse it with `polled too soon`; the address may poll again after
    /// `next_poll`.
    TooSoon {
        /// Time left until the next poll is taken.
        next_poll: Duration,
    },
    /// Not limited (a non-public address); nothing to finish.
    Exempt,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// No poll is taken before this.
    not_before: Instant,
    /// Tie-breaker in the expiry index.
    id: u64,
}

/// Per-address poll times.
#[derive(Debug)]
pub struct PollRateLimit {
    max_addresses: usize,
    next_id: u64,
    entries: HashMap<IpAddr, Entry>,
    /// (not_before, id) → address, earliest first.
    by_expiry: BTreeMap<(Instant, u64), IpAddr>,
}

/// The form an address is limited under: IPv4-mapped IPv6 as IPv4.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

impl PollRateLimit {
    /// An empty limit remembering at most `max_addresses` addresses (at
    /// least one).
    pub fn new(max_addresses: usize) -> Self {
        PollRateLimit {
            max_addresses: max_addresses.max(1),
            next_id: 0,
            entries: HashMap::new(),
            by_expiry: BTreeMap::new(),
        }
    }

    /// Addresses currently remembered.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no address is remembered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn set(&mut self, address: IpAddr, not_before: Instant) {
        if let Some(old) = self.entries.remove(&address) {
            self.by_expiry.remove(&(old.not_before, old.id));
        }
        self.next_id = self.next_id.wrapping_add(1);
        let id = self.next_id;
        self.entries.insert(address, Entry { not_before, id });
        self.by_expiry.insert((not_before, id), address);
    }

    /// Forgets addresses whose wait is over at `now`, then, while over
    /// the bound, the ones whose wait ends soonest.
    fn expire(&mut self, now: Instant) {
        while let Some(entry) = self.by_expiry.first_entry() {
            let over = entry.key().0 <= now;
            if !over && self.entries.len() < self.max_addresses {
                break;
            }
            let address = entry.remove();
            self.entries.remove(&address);
        }
    }

    /// A poll from `address` arrives at `now`; if admitted, it is held at
    /// most until `held_until` (the poll's deadline), and until then
    /// further polls from the address are refused.
    pub fn admit(&mut self, address: IpAddr, now: Instant, held_until: Instant) -> Admission {
        let address = canonical(address);
        if is_non_public(address) {
            return Admission::Exempt;
        }
        if let Some(entry) = self.entries.get(&address) {
            if now < entry.not_before {
                return Admission::TooSoon {
                    next_poll: entry.not_before.saturating_duration_since(now),
                };
            }
        }
        self.expire(now);
        self.set(address, held_until.max(now));
        Admission::Admitted
    }

    /// The admitted poll from `address` ended at `now`, telling the proxy
    /// to come back after `next_poll`.
    pub fn finish(&mut self, address: IpAddr, now: Instant, next_poll: Duration) {
        let address = canonical(address);
        if is_non_public(address) {
            return;
        }
        self.set(address, now + next_poll);
        self.expire(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn one_waiting_poll_per_address_then_next_poll() {
        let mut limit = PollRateLimit::new(100);
        let t0 = Instant::now();
        let a = ip("203.0.113.5");
        assert_eq!(limit.admit(a, t0, t0 + S(10)), Admission::Admitted);
        // While it waits, a second poll from the address is refused with
        // the time the first may still be held.
        assert_eq!(
            limit.admit(a, t0 + S(4), t0 + S(14)),
            Admission::TooSoon { next_poll: S(6) }
        );
        // Another address is independent.
        assert_eq!(
            limit.admit(ip("203.0.113.6"), t0 + S(4), t0 + S(14)),
            Admission::Admitted
        );
        // The poll ends idle at 10 s, told NextPoll 20 s.
        limit.finish(a, t0 + S(10), S(20));
        assert_eq!(
            limit.admit(a, t0 + S(11), t0 + S(21)),
            Admission::TooSoon { next_poll: S(19) }
        );
        assert_eq!(
            limit.admit(a, t0 + S(29), t0 + S(39)),
            Admission::TooSoon { next_poll: S(1) }
        );
        // Exactly when told: admitted.
        assert_eq!(limit.admit(a, t0 + S(30), t0 + S(40)), Admission::Admitted);
    }

    #[test]
    fn a_matched_proxy_told_to_come_back_soon_is_admitted_then() {
        let mut limit = PollRateLimit::new(100);
        let t0 = Instant::now();
        let a = ip("198.51.100.1");
        assert_eq!(limit.admit(a, t0, t0 + S(10)), Admission::Admitted);
        limit.finish(a, t0 + S(2), Duration::ZERO);
        assert_eq!(limit.admit(a, t0 + S(2), t0 + S(12)), Admission::Admitted);
    }

    #[test]
    fn ipv4_mapped_is_the_same_address_and_non_public_is_exempt() {
        let mut limit = PollRateLimit::new(100);
        let t0 = Instant::now();
        assert_eq!(
            limit.admit(ip("203.0.113.5"), t0, t0 + S(10)),
            Admission::Admitted
        );
        assert!(matches!(
            limit.admit(ip("::ffff:203.0.113.5"), t0, t0 + S(10)),
            Admission::TooSoon { .. }
        ));
        for local in [
            "127.0.0.1",
            "10.1.2.3",
            "::1",
            "fe80::1",
            "::ffff:192.168.0.1",
        ] {
            for _ in 0..3 {
                assert_eq!(limit.admit(ip(local), t0, t0 + S(10)), Admission::Exempt);
            }
            limit.finish(ip(local), t0, S(20));
        }
        assert_eq!(limit.len(), 1);
    }

    #[test]
    fn memory_is_bounded_and_expired_entries_go() {
        let mut limit = PollRateLimit::new(3);
        let t0 = Instant::now();
        for i in 0..10u8 {
            let address = IpAddr::from([203, 0, 113, i]);
            let now = t0 + Duration::from_millis(u64::from(i));
            assert_eq!(limit.admit(address, now, now + S(10)), Admission::Admitted);
            assert!(limit.len() <= 3);
        }
        // The newest addresses are still limited.
        assert!(matches!(
            limit.admit(IpAddr::from([203, 0, 113, 9]), t0 + S(1), t0 + S(11)),
            Admission::TooSoon { .. }
        ));
        // Once every wait is over, the next admission clears them all.
        assert_eq!(
            limit.admit(ip("198.51.100.1"), t0 + S(100), t0 + S(110)),
            Admission::Admitted
        );
        assert_eq!(limit.len(), 1);
        assert!(!limit.is_empty());
    }
}
