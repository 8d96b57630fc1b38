//! Where a request came from, and keeping that out of the logs.
//!
//! Behind a reverse proxy (`-disable-tls`), the TCP peer is the reverse
//! proxy. Like the Go broker (`util.GetClientIp`), the address used for
//! statistics is the leftmost public address in the `Forwarded` header's
//! `for=` parameters, else the leftmost public address in
//! `X-Forwarded-For`, else the TCP peer. The headers can be forged by the
//! requester, which only skews country statistics; nothing else depends on
//! the address.
//!
//! Proxy polls are attributed differently ([`proxy_address`]), because
//! the address of a proxy poll decides something: the per-address poll
//! limit ([`crate::rate_limit`]) and the spreading of clients
//! ([`crate::spread`]). As in the Go broker's `main` (`-trusted-hops`,
//! default 1), the address is counted from the *right* of the forwarding
//! chain, where the entries were added by the operator's own reverse
//! proxies and cannot be forged by the proxy.
//!
//! Addresses are personal data of censored users: logs show them only as
//! [`Scrubbed`] unless `-unsafe-logging` is set.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use http::HeaderMap;

/// Whether `ip` is loopback, private, link-local, shared (CGNAT),
/// unique-local, multicast, broadcast or unspecified: an address that says
/// nothing about where a user is.
pub fn is_non_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_non_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_non_public_v4(v4),
            None => is_non_public_v6(v6),
        },
    }
}

fn is_non_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        // 100.64.0.0/10, carrier-grade NAT.
        || (a == 100 && (b & 0xc0) == 64)
}

fn is_non_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // fc00::/7 unique local, fe80::/10 link local.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
}

/// Parses one address as it may appear in a forwarding header: a bare IP,
/// `ip:port`, `[ipv6]` or `[ipv6]:port`, possibly quoted.
fn parse_forwarded_address(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    let inner = text.strip_prefix('[')?.split(']').next()?;
    inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// The leftmost public address among the `for=` parameters of every
/// `Forwarded` header (RFC 7239).
fn from_forwarded(headers: &HeaderMap) -> Option<IpAddr> {
    headers
        .get_all("forwarded")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .flat_map(|element| element.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("for")
                .then(|| parse_forwarded_address(value))
                .flatten()
        })
        .find(|&ip| !is_non_public(ip))
}

/// The leftmost public address of every `X-Forwarded-For` header.
fn from_x_forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(parse_forwarded_address)
        .find(|&ip| !is_non_public(ip))
}

/// The address a request is attributed to (see the module docs).
pub fn request_address(headers: &HeaderMap, peer: SocketAddr) -> IpAddr {
    from_forwarded(headers)
        .or_else(|| from_x_forwarded_for(headers))
        .unwrap_or_else(|| peer.ip())
}

/// The hops of every `Forwarded` header, in order: each comma-separated
/// element is one hop, its `for=` address (`None` if it has none that
/// parses, e.g. `for=unknown` or an obfuscated name).
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("forwarded")
        .iter()
        .map(|value| value.to_str().unwrap_or_default())
        .flat_map(|value| value.split(','))
        .map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| parse_forwarded_address(value))
                    .flatten()
            })
        })
        .collect()
}

/// The hops of every `X-Forwarded-For` header, in order (`None` for an
/// entry that is not an address).
fn x_forwarded_for_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|value| value.to_str().unwrap_or_default())
        .flat_map(|value| value.split(','))
        .map(parse_forwarded_address)
        .collect()
}

/// The entry `trusted_hops` from the right of `hops` (the rightmost for
/// 1), if the chain is that long and the entry is an address.
fn rightmost_trusted(hops: &[Option<IpAddr>], trusted_hops: usize) -> Option<IpAddr> {
    let index = hops.len().checked_sub(trusted_hops)?;
    hops.get(index).copied().flatten()
}

/// The address a proxy poll is attributed to, with `trusted_hops` reverse
/// proxies of the operator in front of the broker (`-trusted-hops`, as
/// upstream `main`): with 0, the TCP peer; otherwise the address
/// `trusted_hops` entries from the right of the `Forwarded` header's
/// `for=` chain, else of the `X-Forwarded-For` chain, else (no header, a
/// chain shorter than that, or not an address there) the TCP peer.
///
/// Each trusted reverse proxy appends the address it received the request
/// from, so the rightmost entry is the one the nearest reverse proxy saw;
/// entries to its left came from the requester and are ignored. A broker
/// reached directly, with no reverse proxy, should run with
/// `-trusted-hops=0`, or any proxy can name its own address.
pub fn proxy_address(headers: &HeaderMap, peer: SocketAddr, trusted_hops: usize) -> IpAddr {
    if trusted_hops == 0 {
        return peer.ip();
    }
    rightmost_trusted(&forwarded_hops(headers), trusted_hops)
        .or_else(|| rightmost_trusted(&x_forwarded_for_hops(headers), trusted_hops))
        .unwrap_or_else(|| peer.ip())
}

/// Shows an address in logs only when unsafe logging is on; otherwise
/// `[scrubbed]`, as the Go programs' log scrubber prints.
#[derive(Debug, Clone, Copy)]
pub struct Scrubbed {
    address: IpAddr,
    reveal: bool,
}

impl Scrubbed {
    /// Wraps `address`; `reveal` is the `-unsafe-logging` setting.
    pub fn new(address: IpAddr, reveal: bool) -> Self {
        Scrubbed { address, reveal }
    }
}

impl fmt::Display for Scrubbed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.reveal {
            write!(f, "{}", self.address)
        } else {
            f.write_str("[scrubbed]")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    const PEER: &str = "127.0.0.1:5555";

    fn address(pairs: &[(&'static str, &'static str)]) -> String {
        request_address(&headers(pairs), PEER.parse().unwrap()).to_string()
    }

    #[test]
    fn peer_without_headers() {
        assert_eq!(address(&[]), "127.0.0.1");
    }

    #[test]
    fn x_forwarded_for_leftmost_public() {
        assert_eq!(
            address(&[("x-forwarded-for", "10.0.0.1, 203.0.113.5, 198.51.100.7")]),
            "203.0.113.5"
        );
        assert_eq!(
            address(&[("x-forwarded-for", "[2001:db8::5]:443")]),
            "2001:db8::5"
        );
        assert_eq!(
            address(&[("x-forwarded-for", "junk, 192.168.1.1")]),
            "127.0.0.1"
        );
        assert_eq!(
            address(&[
                ("x-forwarded-for", "100.64.1.1"),
                ("x-forwarded-for", "203.0.113.9:80")
            ]),
            "203.0.113.9"
        );
    }

    #[test]
    fn forwarded_takes_precedence() {
        assert_eq!(
            address(&[
                (
                    "forwarded",
                    r#"for="[fe80::1]", For=198.51.100.17;proto=https"#
                ),
                ("x-forwarded-for", "203.0.113.5"),
            ]),
            "198.51.100.17"
        );
        assert_eq!(
            address(&[("forwarded", r#"for="[2001:db8:cafe::17]:4711""#)]),
            "2001:db8:cafe::17"
        );
        assert_eq!(
            address(&[
                ("forwarded", "for=_hidden"),
                ("x-forwarded-for", "203.0.113.5")
            ]),
            "203.0.113.5"
        );
    }

    fn proxy(pairs: &[(&'static str, &'static str)], hops: usize) -> String {
        proxy_address(&headers(pairs), PEER.parse().unwrap(), hops).to_string()
    }

    #[test]
    fn proxy_address_counts_trusted_hops_from_the_right() {
        let chain = [("x-forwarded-for", "198.51.100.1, 203.0.113.7, 10.0.0.2")];
        // 0: the TCP peer, whatever the headers say.
        assert_eq!(proxy(&chain, 0), "127.0.0.1");
        // 1: the rightmost entry, even a private one (it is what the
        // nearest reverse proxy saw).
        assert_eq!(proxy(&chain, 1), "10.0.0.2");
        assert_eq!(proxy(&chain, 2), "203.0.113.7");
        assert_eq!(proxy(&chain, 3), "198.51.100.1");
        // A chain shorter than the trusted hops: the peer.
        assert_eq!(proxy(&chain, 4), "127.0.0.1");
        // No header: the peer.
        assert_eq!(proxy(&[], 1), "127.0.0.1");
        // Entries from several header lines form one chain.
        let split = [
            ("x-forwarded-for", "198.51.100.1"),
            ("x-forwarded-for", "203.0.113.7:443"),
        ];
        assert_eq!(proxy(&split, 1), "203.0.113.7");
        assert_eq!(proxy(&split, 2), "198.51.100.1");
        // Not an address at the trusted position: the peer, not a guess.
        assert_eq!(
            proxy(&[("x-forwarded-for", "203.0.113.7, junk")], 1),
            "127.0.0.1"
        );
        assert_eq!(
            proxy(&[("x-forwarded-for", "[2001:db8::7]:80")], 1),
            "2001:db8::7"
        );
    }

    #[test]
    fn proxy_address_prefers_forwarded() {
        let both = [
            (
                "forwarded",
                "for=198.51.100.1, for=\"[2001:db8::9]:4711\";proto=https",
            ),
            ("x-forwarded-for", "203.0.113.7"),
        ];
        assert_eq!(proxy(&both, 1), "2001:db8::9");
        assert_eq!(proxy(&both, 2), "198.51.100.1");
        // Forwarded too short: X-Forwarded-For is tried, then the peer.
        assert_eq!(proxy(&both, 3), "127.0.0.1");
        let short = [
            ("forwarded", "for=198.51.100.1"),
            ("x-forwarded-for", "203.0.113.7, 203.0.113.8"),
        ];
        assert_eq!(proxy(&short, 2), "203.0.113.7");
        // An element without a usable for= is a hop with no address.
        assert_eq!(
            proxy(&[("forwarded", "for=198.51.100.1, for=_hidden")], 1),
            "127.0.0.1"
        );
    }

    #[test]
    fn non_public_ranges() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_non_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "203.0.113.5",
            "8.8.8.8",
            "100.128.0.1",
            "2001:db8::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_non_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn scrubbing() {
        let ip: IpAddr = "203.0.113.5".parse().unwrap();
        assert_eq!(Scrubbed::new(ip, false).to_string(), "[scrubbed]");
        assert_eq!(Scrubbed::new(ip, true).to_string(), "203.0.113.5");
    }
}
