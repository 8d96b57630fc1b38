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
