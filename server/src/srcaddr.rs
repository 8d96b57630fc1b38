//! The `orport-srcaddr` transport option (docs/protocol.md §7.6): connect
//! to the (Extended) ORPort from a random source address in a range.
//!
//! A busy bridge opens one ORPort connection per client stream, all from
//! 127.0.0.1 to one port, and runs out of ephemeral ports (about 28,000
//! per source/destination pair). Spreading the source address over, for
//! example, 127.0.0.0/8 multiplies that. On Linux the socket also gets
//! `IP_BIND_ADDRESS_NO_PORT`, so binding the address does not reserve a port
//! before `connect` chooses one for the full 4-tuple.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use tokio::net::{TcpSocket, TcpStream};

/// Why an `orport-srcaddr` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceRangeError {
    /// Neither an IP address nor `address/prefix`.
    #[error("orport-srcaddr {0:?} is not an IP address or CIDR range (like 127.0.0.0/8)")]
    Syntax(String),
    /// The prefix length is too long for the address family.
    #[error("orport-srcaddr {value:?}: prefix length {prefix} exceeds {max}")]
    PrefixTooLong {
        /// The whole value.
        value: String,
        /// The prefix length given.
        prefix: u8,
        /// 32 or 128.
        max: u8,
    },
}

/// A range of source addresses: an IP network in CIDR form (a single
/// address is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceRange {
    network: IpAddr,
    prefix: u8,
}

impl SourceRange {
    /// The network address (host bits cleared).
    pub fn network(&self) -> IpAddr {
        self.network
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` lies in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = v4_mask(self.prefix);
                u32::from(ip) & mask == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = v6_mask(self.prefix);
                u128::from(ip) & mask == u128::from(net)
            }
            _ => false,
        }
    }

    /// A uniformly random address of the range. For ranges of more than
    /// two addresses the all-zeros host part (the network address) is
    /// avoided, and for IPv4 also the all-ones one (broadcast).
    pub fn random(&self) -> IpAddr {
        match self.network {
            IpAddr::V4(net) => {
                let host_bits = 32 - u32::from(self.prefix);
                let base = u32::from(net);
                if host_bits == 0 {
                    return IpAddr::V4(net);
                }
                let host_mask = !v4_mask(self.prefix);
                loop {
                    let host = rand::random::<u32>() & host_mask;
                    if host_bits >= 2 && (host == 0 || host == host_mask) {
                        continue;
                    }
                    return IpAddr::V4(Ipv4Addr::from(base | host));
                }
            }
            IpAddr::V6(net) => {
                let base = u128::from(net);
                if self.prefix >= 128 {
                    return IpAddr::V6(net);
                }
                let host_mask = !v6_mask(self.prefix);
                loop {
                    let host = rand::random::<u128>() & host_mask;
                    if self.prefix < 127 && host == 0 {
                        continue;
                    }
                    return IpAddr::V6(Ipv6Addr::from(base | host));
                }
            }
        }
    }
}

fn v4_mask(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn v6_mask(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

impl FromStr for SourceRange {
    type Err = SourceRangeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = || SourceRangeError::Syntax(s.to_owned());
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => {
                if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(syntax());
                }
                (addr, Some(prefix.parse::<u8>().map_err(|_| syntax())?))
            }
            None => (s, None),
        };
        let ip: IpAddr = addr.parse().map_err(|_| syntax())?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(SourceRangeError::PrefixTooLong {
                value: s.to_owned(),
                prefix,
                max,
            });
        }
        let network = match ip {
            IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(u32::from(v4) & v4_mask(prefix))),
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & v6_mask(prefix))),
        };
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for SourceRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Asks Linux not to reserve a port when binding a source address; the port
/// is chosen at `connect` time for the whole 4-tuple, so many connections
/// can share one source port towards different destinations.
#[cfg(target_os = "linux")]
fn set_bind_address_no_port(socket: &TcpSocket) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let one: libc::c_int = 1;
    // SAFETY: the descriptor is a valid socket owned by `socket` for the
    // duration of the call; the option value points to a live c_int whose
    // size is passed alongside.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_BIND_ADDRESS_NO_PORT,
            std::ptr::from_ref(&one).cast::<libc::c_void>(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn set_bind_address_no_port(_socket: &TcpSocket) -> io::Result<()> {
    Ok(())
}

/// Connects to `addr`, from a random address of `source` when given.
pub async fn connect_from(addr: SocketAddr, source: Option<&SourceRange>) -> io::Result<TcpStream> {
    let Some(range) = source else {
        return TcpStream::connect(addr).await;
    };
    let local = range.random();
    let socket = match (local, addr) {
        (IpAddr::V4(_), SocketAddr::V4(_)) => TcpSocket::new_v4()?,
        (IpAddr::V6(_), SocketAddr::V6(_)) => TcpSocket::new_v6()?,
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "orport-srcaddr {range} and ORPort {addr} are of different address families"
                ),
            ))
        }
    };
    if let Err(e) = set_bind_address_no_port(&socket) {
        tracing::debug!("IP_BIND_ADDRESS_NO_PORT: {e}");
    }
    socket.bind(SocketAddr::new(local, 0))?;
    socket.connect(addr).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses_and_ranges() {
        let r: SourceRange = "127.0.0.0/8".parse().expect("valid");
        assert_eq!(r.to_string(), "127.0.0.0/8");
        let r: SourceRange = "10.1.2.3/16".parse().expect("valid");
        assert_eq!(r.to_string(), "10.1.0.0/16", "host bits cleared");
        let r: SourceRange = "192.0.2.7".parse().expect("valid");
        assert_eq!(r.to_string(), "192.0.2.7/32");
        let r: SourceRange = "2001:db8::/64".parse().expect("valid");
        assert_eq!(r.to_string(), "2001:db8::/64");
        for bad in [
            "",
            "127.0.0.1/",
            "127.0.0.1/33",
            "::1/129",
            "host/8",
            "1.2.3.4/-1",
            "1.2.3.4/+8",
        ] {
            assert!(bad.parse::<SourceRange>().is_err(), "{bad}");
        }
    }

    #[test]
    fn random_addresses_stay_in_range_and_avoid_network_and_broadcast() {
        let r: SourceRange = "127.0.0.0/30".parse().expect("valid");
        for _ in 0..200 {
            let ip = r.random();
            assert!(r.contains(ip));
            assert!(
                ip == "127.0.0.1".parse::<IpAddr>().unwrap()
                    || ip == "127.0.0.2".parse::<IpAddr>().unwrap()
            );
        }
        let r: SourceRange = "127.0.0.0/8".parse().expect("valid");
        let distinct: std::collections::HashSet<IpAddr> = (0..50).map(|_| r.random()).collect();
        assert!(distinct.len() > 40);
        assert!(distinct.iter().all(|&ip| r.contains(ip)));
        let single: SourceRange = "127.0.0.9".parse().expect("valid");
        assert_eq!(single.random(), "127.0.0.9".parse::<IpAddr>().unwrap());
        let v6: SourceRange = "fd00::/120".parse().expect("valid");
        for _ in 0..50 {
            let ip = v6.random();
            assert!(v6.contains(ip) && ip != v6.network());
        }
        assert!(!v6.contains("127.0.0.1".parse().unwrap()));
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn connections_come_from_the_range_without_reserving_a_port_at_bind() {
        use std::os::fd::AsRawFd;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let range: SourceRange = "127.0.0.0/8".parse().expect("range");
        let stream = connect_from(addr, Some(&range)).await.expect("connect");
        let local = stream.local_addr().expect("local");
        assert!(range.contains(local.ip()));
        let (_, peer) = listener.accept().await.expect("accept");
        assert_eq!(peer, local);
        let mut value: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: reading an int option of a live socket into a live int.
        let rc = unsafe {
            libc::getsockopt(
                stream.as_raw_fd(),
                libc::IPPROTO_IP,
                libc::IP_BIND_ADDRESS_NO_PORT,
                std::ptr::from_mut(&mut value).cast::<libc::c_void>(),
                &mut len,
            )
        };
        assert_eq!((rc, value), (0, 1), "IP_BIND_ADDRESS_NO_PORT is set");
        let v6: SourceRange = "::1".parse().expect("range");
        assert!(
            connect_from(addr, Some(&v6)).await.is_err(),
            "family mismatch"
        );
    }
}
