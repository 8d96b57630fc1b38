//! The upstream proxy tor asks for with `TOR_PT_PROXY` (pt-spec §3.2.2,
//! docs/upstream-proxy.md): the client reaches the broker (plain HTTP,
//! domain fronting, AMP cache) through it, and with a SOCKS5 proxy also
//! sends its WebRTC datagrams through the proxy's UDP relay (UDP
//! ASSOCIATE), as upstream's client does since 2.8.
//!
//! Sans-IO cores, one per protocol rule, each a state machine fed with the
//! bytes read and asked for the bytes to write:
//!
//! * [`url`]: which `TOR_PT_PROXY` values can be used, and how;
//! * [`socks5`]: the SOCKS5 handshake (RFC 1928) with user name and
//!   password (RFC 1929), for CONNECT and UDP ASSOCIATE;
//! * [`socks5_udp`]: the header of each datagram through a SOCKS5 relay;
//! * [`socks4a`]: SOCKS4 CONNECT with the 4a host-name extension;
//! * [`http_connect`]: HTTP `CONNECT` with Basic proxy authentication.
//!
//! Thin tokio drivers: [`connect`] (a TCP stream through the proxy, also as
//! the broker client's [`TcpConnector`](snowflake_common::http_client::TcpConnector))
//! and [`udp_associate`] (a datagram socket through a SOCKS5 relay, also as
//! the WebRTC stack's [`PacketSocketFactory`](snowflake_rtc::PacketSocketFactory)).

pub mod connect;
pub mod http_connect;
pub mod socks4a;
pub mod socks5;
pub mod socks5_udp;
pub mod udp_associate;
pub mod url;

use std::fmt;
use std::net::{IpAddr, SocketAddr};

pub use self::url::{Credentials, ProxyKind, ProxyUrlError, UpstreamProxy};
pub use connect::connect_via;
pub use udp_associate::{UdpAssociation, UdpAssociationFactory};

/// Where a proxy is asked to connect or send: an address, or a name the
/// proxy resolves (so that no name is looked up on this machine).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TargetAddr {
    /// An IP address and port.
    Ip(SocketAddr),
    /// A host name and port.
    Domain(String, u16),
}

impl TargetAddr {
    /// `host` (a name, or an IP literal with or without IPv6 brackets) and
    /// `port`.
    pub fn from_host_port(host: &str, port: u16) -> Self {
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        match bare.parse::<IpAddr>() {
            Ok(ip) => TargetAddr::Ip(SocketAddr::new(ip, port)),
            Err(_) => TargetAddr::Domain(host.to_string(), port),
        }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        match self {
            TargetAddr::Ip(addr) => addr.port(),
            TargetAddr::Domain(_, port) => *port,
        }
    }
}

impl From<SocketAddr> for TargetAddr {
    fn from(addr: SocketAddr) -> Self {
        TargetAddr::Ip(addr)
    }
}

impl fmt::Display for TargetAddr {
    /// `host:port`, IPv6 in brackets: the form of an HTTP authority.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetAddr::Ip(addr) => write!(f, "{addr}"),
            TargetAddr::Domain(host, port) => write!(f, "{host}:{port}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_from_host_and_port() {
        assert_eq!(
            TargetAddr::from_host_port("127.0.0.1", 80),
            TargetAddr::Ip("127.0.0.1:80".parse().unwrap())
        );
        assert_eq!(
            TargetAddr::from_host_port("::1", 443),
            TargetAddr::Ip("[::1]:443".parse().unwrap())
        );
        assert_eq!(
            TargetAddr::from_host_port("[::1]", 443).to_string(),
            "[::1]:443"
        );
        let name = TargetAddr::from_host_port("broker.example", 443);
        assert_eq!(name, TargetAddr::Domain("broker.example".into(), 443));
        assert_eq!(name.to_string(), "broker.example:443");
        assert_eq!(name.port(), 443);
    }
}
