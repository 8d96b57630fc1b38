//! ICE over sockets the caller provides instead of the operating system's
//! UDP sockets: the client's SOCKS5 UDP ASSOCIATE relay (`TOR_PT_PROXY`).
//!
//! With [`RtcConfig::with_packet_sockets`](crate::RtcConfig::with_packet_sockets)
//! every peer connection asks the factory for one socket and sends all its
//! ICE, DTLS and SCTP datagrams through it. The backend then gathers no
//! server-reflexive candidates and binds no UDP socket of its own: its one
//! host candidate is `127.0.0.1` with the socket's port (stripped from the
//! SDP unless local addresses are kept), so no address of the machine is
//! shown. The remote peer learns where we are from our connectivity
//! checks, which arrive from the relay (a peer-reflexive candidate).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::channel::BoxFuture;

/// A datagram socket: the operations ICE needs.
pub trait PacketSocket: Send + Sync + 'static {
    /// Sends `data` to `target`.
    fn send_to<'a>(
        &'a self,
        data: &'a [u8],
        target: SocketAddr,
    ) -> BoxFuture<'a, io::Result<usize>>;

    /// Receives one datagram into `buf`: its length and where it came from.
    /// Fails once the socket is closed.
    fn recv_from<'a>(&'a self, buf: &'a mut [u8])
        -> BoxFuture<'a, io::Result<(usize, SocketAddr)>>;

    /// The address to name in the host candidate (only its port is used).
    fn local_addr(&self) -> io::Result<SocketAddr>;

    /// Closes the socket; pending and later receives fail.
    fn close(&self) -> BoxFuture<'_, ()>;
}

/// Opens one [`PacketSocket`] per peer connection.
pub trait PacketSocketFactory: Send + Sync + 'static {
    /// A fresh socket.
    fn open(&self) -> BoxFuture<'_, io::Result<Arc<dyn PacketSocket>>>;
}

/// A [`PacketSocketFactory`] held by an [`RtcConfig`](crate::RtcConfig):
/// configurations compare equal when they hold the same factory.
#[derive(Clone)]
pub struct PacketSockets(pub Arc<dyn PacketSocketFactory>);

impl std::fmt::Debug for PacketSockets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PacketSockets(..)")
    }
}

impl PartialEq for PacketSockets {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for PacketSockets {}
