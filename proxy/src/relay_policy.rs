//! Which relay (server) URLs the proxy will connect to, and the URL it
//! actually dials (docs/protocol.md §6.2 and §6.4).
//!
//! A volunteer's proxy must never become a way into the volunteer's own
//! network: whatever relay URL a broker hands out, the proxy only dials
//! `ws`/`wss` URLs whose hostname matches the operator's pattern, only
//! `wss` unless plain WebSocket is explicitly allowed, and never a private,
//! loopback or link-local address unless explicitly allowed. For hostnames
//! the check is applied to every address the name resolves to, and the
//! proxy then connects only to those checked addresses (so a second DNS
//! answer cannot slip a private address in).
//!
//! Everything here is pure: parsing and checking strings and addresses.
//! Which addresses are public is [`crate::public_destination`]'s rule.

use std::net::{IpAddr, SocketAddr};

use snowflake_common::namematcher::NameMatcher;
use url::{Host, Url};

use crate::public_destination::is_public_destination;

/// Why a relay URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayUrlError {
    /// Not a URL at all.
    #[error("relay URL does not parse: {0}")]
    Unparseable(String),
    /// A scheme other than `ws`/`wss`.
    #[error("relay URL scheme {0:?} is not ws or wss")]
    BadScheme(String),
    /// `ws` while plain WebSocket relays are not allowed.
    #[error("relay URL is not wss and non-TLS relays are not allowed")]
    NotTls,
    /// No hostname.
    #[error("relay URL has no host")]
    NoHost,
    /// The hostname does not match the allowed pattern.
    #[error("relay host {host:?} does not match the allowed pattern {pattern}")]
    HostNotAllowed {
        /// The URL's host.
        host: String,
        /// The operator's pattern.
        pattern: String,
    },
    /// The URL's host is (or resolved to) a private, loopback, link-local
    /// or otherwise non-public address.
    #[error("relay address {0} is not public and proxying to private addresses is not allowed")]
    PrivateAddress(IpAddr),
    /// The hostname resolved to nothing.
    #[error("relay host resolved to no address")]
    NoAddress,
}

/// The operator's rules for relay URLs (`-allowed-relay-hostname-pattern`,
/// `-allow-non-tls-relay`, `-allow-proxying-to-private-addresses`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayPolicy {
    /// Hostnames the proxy may relay to.
    pub pattern: NameMatcher,
    /// Accept `ws://` as well as `wss://`.
    pub allow_non_tls: bool,
    /// Accept private, loopback and link-local destinations.
    pub allow_private_addresses: bool,
}

/// A relay URL that passed the checks that need no DNS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayTarget {
    /// The URL as given (without `client_ip`).
    pub url: Url,
    /// Whether it is `wss`.
    pub tls: bool,
    /// The hostname (for DNS, TLS SNI and the `Host` header), or the IP
    /// literal's text.
    pub host: String,
    /// The IP when the host is an IP literal (already checked).
    pub literal_ip: Option<IpAddr>,
    /// The port (explicit, or 80/443 by scheme).
    pub port: u16,
}

impl RelayPolicy {
    /// Checks `url` against everything that needs no DNS: scheme, TLS,
    /// hostname pattern, and an IP-literal host's address class.
    pub fn check_url(&self, url: &str) -> Result<RelayTarget, RelayUrlError> {
        let parsed = Url::parse(url).map_err(|e| RelayUrlError::Unparseable(e.to_string()))?;
        let tls = match parsed.scheme() {
            "wss" => true,
            "ws" if self.allow_non_tls => false,
            "ws" => return Err(RelayUrlError::NotTls),
            other => return Err(RelayUrlError::BadScheme(other.to_string())),
        };
        let (host, literal_ip) = match parsed.host() {
            None => return Err(RelayUrlError::NoHost),
            Some(Host::Domain("")) => return Err(RelayUrlError::NoHost),
            Some(Host::Domain(domain)) => (domain.to_string(), None),
            Some(Host::Ipv4(ip)) => (ip.to_string(), Some(IpAddr::V4(ip))),
            Some(Host::Ipv6(ip)) => (ip.to_string(), Some(IpAddr::V6(ip))),
        };
        if !self.pattern.is_member(&host) {
            return Err(RelayUrlError::HostNotAllowed {
                host,
                pattern: self.pattern.to_string(),
            });
        }
        if let Some(ip) = literal_ip {
            self.check_ip(ip)?;
        }
        let port = parsed
            .port_or_known_default()
            .unwrap_or(if tls { 443 } else { 80 });
        Ok(RelayTarget {
            url: parsed,
            tls,
            host,
            literal_ip,
            port,
        })
    }

    /// Checks one destination address.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), RelayUrlError> {
        if self.allow_private_addresses || is_public_destination(ip) {
            Ok(())
        } else {
            Err(RelayUrlError::PrivateAddress(ip))
        }
    }

    /// Checks every address a relay hostname resolved to; any non-public
    /// one refuses the relay (a name that points into a private network is
    /// not a relay, whatever else it points to).
    pub fn check_resolved(&self, addrs: &[SocketAddr]) -> Result<(), RelayUrlError> {
        if addrs.is_empty() {
            return Err(RelayUrlError::NoAddress);
        }
        addrs.iter().try_for_each(|addr| self.check_ip(addr.ip()))
    }
}

/// The URL the proxy dials: `url` with `client_ip=<ip>` added to its query
/// (other parameters kept; an existing `client_ip` is replaced), or
/// unchanged when the client's address is unknown. IPv6 colons are
/// percent-encoded, as Go's `url.Values.Encode` does.
pub fn url_with_client_ip(url: &Url, client_ip: Option<IpAddr>) -> Url {
    let Some(ip) = client_ip else {
        return url.clone();
    };
    let mut out = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "client_ip")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut query = out.query_pairs_mut();
        query.clear();
        for (k, v) in &kept {
            query.append_pair(k, v);
        }
        query.append_pair("client_ip", &ip.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(pattern: &str, non_tls: bool, private: bool) -> RelayPolicy {
        RelayPolicy {
            pattern: NameMatcher::new(pattern).unwrap(),
            allow_non_tls: non_tls,
            allow_private_addresses: private,
        }
    }

    #[test]
    fn default_policy_accepts_only_wss_to_the_pattern() {
        let p = policy("snowflake.torproject.net$", false, false);
        let ok = p.check_url("wss://snowflake.torproject.net/").unwrap();
        assert!(ok.tls);
        assert_eq!(ok.port, 443);
        assert_eq!(ok.host, "snowflake.torproject.net");
        // Suffix match with no dot boundary, as Go does.
        assert!(p.check_url("wss://other-snowflake.torproject.net/").is_ok());
        assert_eq!(
            p.check_url("ws://snowflake.torproject.net/"),
            Err(RelayUrlError::NotTls)
        );
        assert!(matches!(
            p.check_url("wss://evil.example/"),
            Err(RelayUrlError::HostNotAllowed { .. })
        ));
        assert!(matches!(
            p.check_url("https://snowflake.torproject.net/"),
            Err(RelayUrlError::BadScheme(s)) if s == "https"
        ));
        assert!(matches!(
            p.check_url("http://snowflake.torproject.net/"),
            Err(RelayUrlError::BadScheme(_))
        ));
        assert!(matches!(
            p.check_url("not a url"),
            Err(RelayUrlError::Unparseable(_))
        ));
    }

    #[test]
    fn exact_pattern() {
        let p = policy("^snowflake.torproject.net$", false, false);
        assert!(p.check_url("wss://snowflake.torproject.net:8443/x").is_ok());
        assert!(p.check_url("wss://a.snowflake.torproject.net/").is_err());
    }

    #[test]
    fn loopback_relay_needs_both_explicit_flags() {
        let url = "ws://127.0.0.1:8080/";
        let strict = policy("^127.0.0.1$", false, false);
        assert_eq!(strict.check_url(url), Err(RelayUrlError::NotTls));
        let tls_only_relaxed = policy("^127.0.0.1$", true, false);
        assert_eq!(
            tls_only_relaxed.check_url(url),
            Err(RelayUrlError::PrivateAddress("127.0.0.1".parse().unwrap()))
        );
        let relaxed = policy("^127.0.0.1$", true, true);
        let target = relaxed.check_url(url).unwrap();
        assert_eq!(target.literal_ip, Some("127.0.0.1".parse().unwrap()));
        assert_eq!(target.port, 8080);
        assert!(!target.tls);
        // The pattern still applies.
        assert!(matches!(
            relaxed.check_url("ws://127.0.0.2:8080/"),
            Err(RelayUrlError::HostNotAllowed { .. })
        ));
    }

    #[test]
    fn literal_private_addresses_are_refused() {
        let p = policy("$", false, false);
        for host in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "[::1]",
            "[fe80::1]",
            "[fd00::1]",
            "[::ffff:192.168.0.1]",
            "[::ffff:127.0.0.1]",
            "[64:ff9b::7f00:1]",
            "[64:ff9b::a00:1]",
            "[64:ff9b:1::7f00:1]",
            "[2002:7f00:1::1]",
            "[2002:c0a8:101::1]",
            "[2001:0:808:808::80ff:fffe]",
            "[2a00:1450::5efe:192.168.0.1]",
            "[::127.0.0.1]",
        ] {
            let url = format!("wss://{host}/");
            assert!(
                matches!(p.check_url(&url), Err(RelayUrlError::PrivateAddress(_))),
                "{url}"
            );
        }
        for host in [
            "8.8.8.8",
            "[2a00:1450::1]",
            "[::ffff:8.8.8.8]",
            "[64:ff9b::808:808]",
            "[2002:808:808::1]",
        ] {
            let url = format!("wss://{host}/");
            assert!(p.check_url(&url).is_ok(), "{url}");
        }
    }

    #[test]
    fn every_resolved_address_is_checked() {
        let p = policy("example.net$", false, false);
        let public: SocketAddr = "203.0.114.1:443".parse().unwrap();
        let private: SocketAddr = "10.0.0.1:443".parse().unwrap();
        assert!(p.check_resolved(&[public]).is_ok());
        assert_eq!(
            p.check_resolved(&[public, private]),
            Err(RelayUrlError::PrivateAddress(private.ip()))
        );
        assert_eq!(p.check_resolved(&[]), Err(RelayUrlError::NoAddress));
        // A name that resolves to loopback through DNS64 is refused too.
        let nat64_loopback: SocketAddr = "[64:ff9b::7f00:1]:443".parse().unwrap();
        assert_eq!(
            p.check_resolved(&[public, nat64_loopback]),
            Err(RelayUrlError::PrivateAddress(nat64_loopback.ip()))
        );
        let relaxed = policy("example.net$", false, true);
        assert!(relaxed.check_resolved(&[public, private]).is_ok());
    }

    #[test]
    fn client_ip_is_appended() {
        let url = Url::parse("wss://snowflake.torproject.net/").unwrap();
        assert_eq!(
            url_with_client_ip(&url, Some("203.0.113.5".parse().unwrap())).as_str(),
            "wss://snowflake.torproject.net/?client_ip=203.0.113.5"
        );
        assert_eq!(url_with_client_ip(&url, None).as_str(), url.as_str());
        let url = Url::parse("ws://127.0.0.1:9/path?a=1&client_ip=6.6.6.6").unwrap();
        assert_eq!(
            url_with_client_ip(&url, Some("2001:db8::1".parse().unwrap())).as_str(),
            "ws://127.0.0.1:9/path?a=1&client_ip=2001%3Adb8%3A%3A1"
        );
    }
}
