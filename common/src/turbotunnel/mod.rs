//! Turbo Tunnel basics (docs/protocol.md §1.1, §7.4): the magic token, the
//! [`ClientId`], packet connections, and the server's queue structure.
//!
//! Turbo Tunnel keeps one virtual session (KCP + smux) alive while the
//! proxies under it come and go. Every proxy connection starts with the
//! 8-byte [`TOKEN`] and the client's 8-byte [`ClientId`]; after that, the
//! stream carries encapsulated packets. The server keys its sessions by
//! `ClientId`, never by network address.
//!
//! One file per part, all re-exported here:
//!
//! * `client_id.rs`: the [`ClientId`], the [`TOKEN`], and the preamble a
//!   client writes and the server reads ([`preamble`], [`read_preamble`]);
//! * `packet_conn.rs`: the [`PacketConn`] trait and [`ChannelPacketConn`],
//!   the bounded channel pair the adapters are built on;
//! * `encapsulated_packet_conn.rs`: a byte stream as a [`PacketConn`]
//!   ([`encapsulated_packet_conn()`]), a thin driver of the sans-IO framer
//!   in [`crate::encapsulation`];
//! * `queue_packet_conn.rs`: the server's packet layer, [`QueuePacketConn`],
//!   with one [`OutgoingQueue`] per ClientId.

mod client_id;
mod encapsulated_packet_conn;
mod packet_conn;
mod queue_packet_conn;

pub use client_id::{preamble, read_preamble, ClientId, ParseClientIdError, PreambleError, TOKEN};
pub use encapsulated_packet_conn::encapsulated_packet_conn;
pub use packet_conn::{ChannelPacketConn, PacketConn};
pub use queue_packet_conn::{
    OutgoingQueue, QueuePacketConn, QueueStats, QueueStatsSnapshot, CLIENT_MAP_TIMEOUT,
    MAX_PACKET_SIZE,
};

/// Packets per queue, as in the Go implementation (`queueSize`).
pub const QUEUE_SIZE: usize = 512;
