//! Listen addresses as Go's `net.Listen("tcp", addr)` takes them.
//!
//! The address is `host:port`, with an IPv6 host in brackets
//! (`[::1]:8080`). An empty host (`:8080`) means every interface: here the
//! IPv6 unspecified address, which on Linux also accepts IPv4 as Go's
//! listener does. A host name (`localhost:8080`) is resolved once, at
//! start, and its first IPv4 address is used if it has one, as Go does.
//! The port is a number from 0 to 65535 (0: any free port).

use std::net::{IpAddr, Ipv6Addr, SocketAddr, ToSocketAddrs};

/// Why a listen address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListenAddrError {
    /// No `:port`.
    #[error("missing port in address {0:?} (e.g. :8080 or 127.0.0.1:8080)")]
    MissingPort(String),
    /// An IPv6 address without brackets (`::1:8080`), or brackets around
    /// something else.
    #[error("bad address {0:?}: an IPv6 address goes in brackets, e.g. [::1]:8080")]
    Brackets(String),
    /// The port is not a number from 0 to 65535.
    #[error("bad port in address {0:?}")]
    BadPort(String),
    /// The host name did not resolve.
    #[error("cannot resolve {host:?}: {reason}")]
    Unresolved {
        /// The host name.
        host: String,
        /// What the resolver said.
        reason: String,
    },
}

/// Parses a listen address (see the module docs).
pub fn parse_listen_addr(text: &str) -> Result<SocketAddr, ListenAddrError> {
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| ListenAddrError::MissingPort(text.to_owned()))?;
    let host = match host.strip_prefix('[') {
        Some(inner) => {
            let inner = inner
                .strip_suffix(']')
                .filter(|inner| inner.contains(':'))
                .ok_or_else(|| ListenAddrError::Brackets(text.to_owned()))?;
            return Ok(SocketAddr::new(
                inner
                    .parse::<Ipv6Addr>()
                    .map_err(|_| ListenAddrError::Brackets(text.to_owned()))?
                    .into(),
                parse_port(port, text)?,
            ));
        }
        None if host.contains(':') || host.contains(']') => {
            return Err(ListenAddrError::Brackets(text.to_owned()))
        }
        None => host,
    };
    resolve_listen_host(host, parse_port(port, text)?)
}

/// The socket address for listening on `host` (an IP address without
/// brackets, a name, or empty for every interface) and `port`; for
/// programs that take the host and port as two flags.
pub fn resolve_listen_host(host: &str, port: u16) -> Result<SocketAddr, ListenAddrError> {
    if host.is_empty() {
        return Ok(SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), port));
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let unresolved = |reason: String| ListenAddrError::Unresolved {
        host: host.to_owned(),
        reason,
    };
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| unresolved(e.to_string()))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .copied()
        .ok_or_else(|| unresolved("no addresses".to_owned()))
}

fn parse_port(port: &str, text: &str) -> Result<u16, ListenAddrError> {
    // `u16::from_str` takes a leading `+`; Go does not.
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ListenAddrError::BadPort(text.to_owned()));
    }
    port.parse()
        .map_err(|_| ListenAddrError::BadPort(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> SocketAddr {
        parse_listen_addr(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn empty_host_is_every_interface() {
        assert_eq!(ok(":8080"), "[::]:8080".parse().unwrap());
        assert_eq!(ok(":0"), "[::]:0".parse().unwrap());
        assert_eq!(ok(":443"), "[::]:443".parse().unwrap());
    }

    /// The cases of the broker's former parser.
    #[test]
    fn former_broker_cases() {
        assert_eq!(parse_listen_addr(":443"), Ok("[::]:443".parse().unwrap()));
        assert_eq!(
            parse_listen_addr("127.0.0.1:8080"),
            Ok("127.0.0.1:8080".parse().unwrap())
        );
        assert!(parse_listen_addr(":x").is_err());
    }

    #[test]
    fn ip_literals() {
        assert_eq!(ok("127.0.0.1:8080"), "127.0.0.1:8080".parse().unwrap());
        assert_eq!(ok("0.0.0.0:80"), "0.0.0.0:80".parse().unwrap());
        assert_eq!(ok("[::1]:8080"), "[::1]:8080".parse().unwrap());
        assert_eq!(ok("[::]:65535"), "[::]:65535".parse().unwrap());
    }

    #[test]
    fn host_names_resolve_preferring_ipv4() {
        let addr = ok("localhost:8080");
        assert!(addr.ip().is_loopback(), "{addr}");
        assert_eq!(addr.port(), 8080);
        let addr = resolve_listen_host("localhost", 9999).unwrap();
        assert!(addr.ip().is_loopback() && addr.port() == 9999, "{addr}");
        assert_eq!(
            resolve_listen_host("", 1).unwrap(),
            "[::]:1".parse().unwrap()
        );
        assert_eq!(
            resolve_listen_host("::1", 1).unwrap(),
            "[::1]:1".parse().unwrap()
        );
    }

    #[test]
    fn malformed_addresses() {
        let err = |text: &str| parse_listen_addr(text).unwrap_err();
        assert_eq!(err("8080"), ListenAddrError::MissingPort("8080".into()));
        assert_eq!(
            err("localhost"),
            ListenAddrError::MissingPort("localhost".into())
        );
        assert_eq!(
            err("::1:8080"),
            ListenAddrError::Brackets("::1:8080".into())
        );
        assert_eq!(
            err("[127.0.0.1]:80"),
            ListenAddrError::Brackets("[127.0.0.1]:80".into())
        );
        assert_eq!(err("[::1:80"), ListenAddrError::Brackets("[::1:80".into()));
        for bad_port in [
            ":",
            ":x",
            ":65536",
            ":-1",
            ":+80",
            "127.0.0.1:",
            "[::1]:port",
        ] {
            assert_eq!(
                err(bad_port),
                ListenAddrError::BadPort(bad_port.into()),
                "{bad_port}"
            );
        }
        assert!(matches!(
            err("no-such-host.invalid:80"),
            ListenAddrError::Unresolved { .. }
        ));
    }
}
