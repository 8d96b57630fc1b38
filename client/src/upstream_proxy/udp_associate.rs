//! The tokio driver for datagrams through a SOCKS5 proxy's UDP relay
//! (UDP ASSOCIATE, RFC 1928 §7), as upstream's client sends WebRTC since
//! 2.8: a control connection runs the [`socks5`](super::socks5) handshake
//! and must stay open as long as the relay is used; the reply names the
//! relay; every datagram to and from the relay carries the
//! [`socks5_udp`](super::socks5_udp) header.
//!
//! Our UDP socket is connected to the relay, so the kernel drops datagrams
//! from anyone else (RFC 1928 asks the client to accept only the relay's).
//! A relay named by the unspecified address (`0.0.0.0`, which some proxies
//! answer) is taken to be at the proxy's own address.
//!
//! [`UdpAssociationFactory`] gives the WebRTC stack one association per
//! peer connection ([`snowflake_rtc::packet_socket`]).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use snowflake_rtc::channel::BoxFuture;
use snowflake_rtc::{PacketSocket, PacketSocketFactory};
use tokio::io::AsyncReadExt;
use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::connect::{proxy_error, socks5_request, HANDSHAKE_TIMEOUT};
use super::socks5::Socks5Command;
use super::socks5_udp::{decode_header, encode_datagram};
use super::url::UpstreamProxy;
use super::TargetAddr;

/// One UDP association: a socket whose datagrams go through the relay.
#[derive(Debug)]
pub struct UdpAssociation {
    socket: UdpSocket,
    relay: SocketAddr,
    /// Set when the association ends (closed here, or the proxy closed the
    /// control connection).
    closed: watch::Sender<bool>,
    /// Holds the control connection and watches it.
    control: JoinHandle<()>,
}

impl UdpAssociation {
    /// Asks `proxy` for a UDP relay (within the handshake timeout).
    pub async fn open(proxy: &UpstreamProxy) -> io::Result<Self> {
        if !proxy.carries_udp() {
            return Err(proxy_error(
                proxy,
                io::ErrorKind::Unsupported,
                "only a SOCKS5 proxy can carry UDP",
            ));
        }
        let unspecified = TargetAddr::Ip(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0));
        let attempt = async {
            let (control, reply) =
                socks5_request(proxy, Socks5Command::UdpAssociate, &unspecified).await?;
            let relay = match reply.bound {
                TargetAddr::Ip(addr) if addr.ip().is_unspecified() => {
                    SocketAddr::new(control.peer_addr()?.ip(), addr.port())
                }
                TargetAddr::Ip(addr) => addr,
                TargetAddr::Domain(host, port) => tokio::net::lookup_host((host.as_str(), port))
                    .await?
                    .next()
                    .ok_or_else(|| {
                        proxy_error(
                            proxy,
                            io::ErrorKind::NotFound,
                            "relay name does not resolve",
                        )
                    })?,
            };
            if relay.port() == 0 {
                return Err(proxy_error(
                    proxy,
                    io::ErrorKind::InvalidData,
                    "relay port 0",
                ));
            }
            let local: IpAddr = if relay.is_ipv4() {
                Ipv4Addr::UNSPECIFIED.into()
            } else {
                Ipv6Addr::UNSPECIFIED.into()
            };
            let socket = UdpSocket::bind(SocketAddr::new(local, 0)).await?;
            socket.connect(relay).await?;
            Ok((control, socket, relay))
        };
        let (mut control, socket, relay) = tokio::time::timeout(HANDSHAKE_TIMEOUT, attempt)
            .await
            .map_err(|_| {
                proxy_error(
                    proxy,
                    io::ErrorKind::TimedOut,
                    format_args!("no UDP ASSOCIATE reply within {HANDSHAKE_TIMEOUT:?}"),
                )
            })??;
        let (closed, _) = watch::channel(false);
        let ended = closed.clone();
        let control = tokio::spawn(async move {
            // The proxy has nothing to say on this connection; its end
            // (or an error) ends the relay.
            let mut scratch = [0u8; 64];
            while matches!(control.read(&mut scratch).await, Ok(n) if n > 0) {}
            let _ = ended.send(true);
        });
        tracing::debug!(%proxy, %relay, "UDP association through the upstream proxy");
        Ok(UdpAssociation {
            socket,
            relay,
            closed,
            control,
        })
    }

    /// The relay's address.
    pub fn relay_addr(&self) -> SocketAddr {
        self.relay
    }

    /// Sends `payload` to `target` through the relay (a host name is
    /// resolved by the proxy).
    pub async fn send_to(&self, payload: &[u8], target: &TargetAddr) -> io::Result<usize> {
        if *self.closed.borrow() {
            return Err(association_ended());
        }
        let datagram = encode_datagram(target, payload)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        self.socket.send(&datagram).await?;
        Ok(payload.len())
    }

    /// Receives the next datagram's payload into `buf` and its source.
    /// Datagrams with a bad header or fragments are dropped; a payload
    /// longer than `buf` minus the header is cut short.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, TargetAddr)> {
        let mut closed = self.closed.subscribe();
        loop {
            let n = tokio::select! {
                received = self.socket.recv(buf) => received?,
                _ = closed.wait_for(|closed| *closed) => return Err(association_ended()),
            };
            let datagram = buf.get(..n).unwrap_or_default();
            match decode_header(datagram) {
                Ok((source, start)) => {
                    buf.copy_within(start..n, 0);
                    return Ok((n - start, source));
                }
                Err(error) => tracing::debug!(%error, "dropping a datagram from the relay"),
            }
        }
    }

    /// Ends the association: the control connection is closed, pending and
    /// later receives fail.
    pub fn close(&self) {
        let _ = self.closed.send(true);
        self.control.abort();
    }
}

fn association_ended() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "the upstream proxy's UDP association has ended",
    )
}

impl Drop for UdpAssociation {
    fn drop(&mut self) {
        self.control.abort();
    }
}

impl PacketSocket for UdpAssociation {
    fn send_to<'a>(
        &'a self,
        data: &'a [u8],
        target: SocketAddr,
    ) -> BoxFuture<'a, io::Result<usize>> {
        Box::pin(async move { UdpAssociation::send_to(self, data, &TargetAddr::Ip(target)).await })
    }

    fn recv_from<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> BoxFuture<'a, io::Result<(usize, SocketAddr)>> {
        Box::pin(async move {
            loop {
                match UdpAssociation::recv_from(self, buf).await? {
                    (n, TargetAddr::Ip(source)) => return Ok((n, source)),
                    // ICE needs an address; a relay that names sources by
                    // name is not one we can use.
                    (_, TargetAddr::Domain(..)) => {
                        tracing::debug!("dropping a relayed datagram whose source is a name")
                    }
                }
            }
        })
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        UdpAssociation::close(self);
        Box::pin(async {})
    }
}

/// Opens a [`UdpAssociation`] for each WebRTC peer connection.
#[derive(Debug, Clone)]
pub struct UdpAssociationFactory {
    proxy: UpstreamProxy,
}

impl UdpAssociationFactory {
    /// Associations through `proxy` (a SOCKS5 proxy).
    pub fn new(proxy: UpstreamProxy) -> Self {
        UdpAssociationFactory { proxy }
    }
}

impl PacketSocketFactory for UdpAssociationFactory {
    fn open(&self) -> BoxFuture<'_, io::Result<Arc<dyn PacketSocket>>> {
        Box::pin(async move {
            let association = UdpAssociation::open(&self.proxy).await?;
            Ok(Arc::new(association) as Arc<dyn PacketSocket>)
        })
    }
}
