//! KCP as Snowflake uses it (docs/protocol.md §2): raw ikcp segments with
//! no kcp-go crypto or FEC header, stream mode, windows 65535/65535,
//! nodelay 0, interval 10 ms, fast resend off, no congestion window,
//! MTU 1400. Our departures, none of which a peer relies on: fast resend,
//! fixed for a client that uses one proxy at a
//! time ([`connect_one_path`]) and adapted to the measured reordering for
//! every other sender ([`reordering`]); retransmission timeouts that back
//! off linearly as kcp-go's do (our patched copy of the crate,
//! `vendor/kcp`); and about two bandwidth-delay products in flight per
//! sender, with a retransmission timeout that covers the queue this allows
//! ([`inflight`]).
//!
//! Layers:
//!
//! * [`segment`]: the 24-byte segment header and the structural checks
//!   every incoming packet passes before the `kcp` crate sees it;
//! * [`KcpCore`]: one conversation as a sans-IO state machine over the
//!   `kcp` crate (explicit millisecond clock, bounded queues, validated
//!   input, packets out);
//! * [`InflightBound`]: the sender-side bound on segments queued or
//!   unacknowledged, from the delivery rate and the smallest round trip;
//! * [`ReceiveLimiter`]: the per-session receive bounds the core applies
//!   (out-of-order and unread data), without changing the advertised
//!   window;
//! * [`MemoryBudget`]: the memory all sessions of a server share, charged
//!   per session and per buffered byte;
//! * [`connect`] / [`KcpStream`]: a client conversation over any
//!   [`PacketConn`](crate::turbotunnel::PacketConn), as a tokio byte stream
//!   for smux;
//! * [`KcpListener`]: the server side, one conversation per
//!   [`ClientId`](crate::turbotunnel::ClientId) over a
//!   [`QueuePacketConn`](crate::turbotunnel::QueuePacketConn).
//!
//! The `kcp` crate is built with `overflow-checks = false` (workspace
//! `Cargo.toml`): like C ikcp and kcp-go it relies on wrapping `u32`
//! arithmetic for sequence numbers and its clock, but spells some of it as
//! plain `+`/`-`. See `common/tests/kcp_input.rs` for the crafted segments
//! that would otherwise panic it.

mod budget;
mod core;
pub mod inflight;
mod listener;
mod receive_limit;
pub mod reordering;
pub mod segment;
mod session;

pub use self::budget::{Charge, MemoryBudget, DEFAULT_MEMORY_BUDGET, SESSION_COST};
pub use self::core::{
    InputError, KcpCore, FAST_RESEND_ONE_PATH, INTERVAL_MS, MAX_UNFLUSHED_SEGMENTS, MSS, MTU,
    SEND_QUEUE_LIMIT, WINDOW,
};
pub use self::inflight::InflightBound;
pub use self::listener::{
    unproven_cap, Accepted, KcpListener, ListenerConfig, ListenerStats, ACCEPT_BACKLOG,
    DEFAULT_MAX_SESSIONS, IDLE_EVICTION, SESSION_QUEUE, UNPROVEN_MIN, UNPROVEN_SESSION_COST,
};
pub use self::receive_limit::{
    PushVerdict, ReceiveLimiter, RECV_AHEAD_BYTES, RECV_AHEAD_BYTES_UNPROVEN, RECV_AHEAD_SEGMENTS,
    RECV_UNREAD_BYTES, RECV_UNREAD_SEGMENTS, SEGMENT_OVERHEAD,
};
pub use self::reordering::ReorderingWatch;
pub use self::segment::{validate_packet, SegmentError, SegmentHeader};
pub use self::session::{
    connect, connect_one_path, connect_with_conv, KcpError, KcpMonitor, KcpStream,
};
