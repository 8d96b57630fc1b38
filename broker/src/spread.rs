//! Spreading clients over distinct proxy addresses (`docs/broker-polling.md`).
//!
//! The Go broker hands each client the least loaded waiting proxy. One
//! host that holds thousands of polls (10,000 `unrestricted` polls with
//! `Clients` 0, say) is then first in line for every client and sees all
//! of them. The per-address poll limit ([`crate::rate_limit`]) keeps one
//! address to one waiting poll, but an address range (an IPv6 /64 costs
//! nothing) or a misconfigured `-trusted-hops` gets around it. So the
//! matcher also groups waiting proxies by *address group* and, within a
//! pool, serves groups in turn:
//!
//! * a group is one IPv4 address, or one IPv6 /64 (the usual allocation
//!   to one subscriber or one server);
//! * a proxy whose address says nothing about who runs it (loopback,
//!   private, link-local: see [`crate::addr::is_non_public`]) is a group
//!   of its own, as is a poll with no address;
//! * among the compatible proxies of a pool, the one offered is from the
//!   group matched least recently while it kept polls waiting (groups not
//!   matched yet first); then, as in Go, the least loaded, longest-waiting
//!   proxy of that group.
//!
//! A group that is matched while it still has polls waiting goes behind
//! every group that has not been matched since; a host with 10,000 polls
//! is matched about once per round of the other addresses instead of
//! every time. A group whose last waiting poll leaves starts afresh, so an
//! honest proxy (one poll at a time) is always offered in the first round.

use std::net::{IpAddr, Ipv4Addr};

use crate::addr::is_non_public;

/// The key proxies are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressGroup {
    /// One public IPv4 address (IPv4-mapped IPv6 addresses included).
    V4(Ipv4Addr),
    /// The first 64 bits of a public IPv6 address.
    V6Prefix(u64),
}

impl AddressGroup {
    /// The group of `address`, or `None` when the address is not public
    /// (such a proxy is grouped on its own).
    pub fn of(address: IpAddr) -> Option<AddressGroup> {
        if is_non_public(address) {
            return None;
        }
        match address {
            IpAddr::V4(v4) => Some(AddressGroup::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Some(AddressGroup::V4(v4)),
                None => {
                    let bits = u128::from(v6);
                    Some(AddressGroup::V6Prefix(
                        u64::try_from(bits >> 64).unwrap_or(0),
                    ))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(text: &str) -> Option<AddressGroup> {
        AddressGroup::of(text.parse().unwrap())
    }

    #[test]
    fn groups() {
        assert_eq!(
            group("203.0.113.5"),
            Some(AddressGroup::V4(Ipv4Addr::new(203, 0, 113, 5)))
        );
        assert_ne!(group("203.0.113.5"), group("203.0.113.6"));
        assert_eq!(group("::ffff:203.0.113.5"), group("203.0.113.5"));
        // One /64, one group.
        assert_eq!(
            group("2001:db8:1:2::1"),
            group("2001:db8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_ne!(group("2001:db8:1:2::1"), group("2001:db8:1:3::1"));
        assert_eq!(
            group("2001:db8:1:2::1"),
            Some(AddressGroup::V6Prefix(0x2001_0db8_0001_0002))
        );
        // Non-public addresses are not grouped.
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "192.168.1.1",
            "::1",
            "fe80::1",
            "fd00::1",
        ] {
            assert_eq!(group(ip), None, "{ip}");
        }
    }
}
