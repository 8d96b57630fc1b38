//! Server settings: where streams go, sharding, limits and timeouts.

use std::time::Duration;

use snowflake_common::pt::args::PtArgs;

use crate::orport::TorTarget;
use crate::srcaddr::{SourceRange, SourceRangeError};
use crate::tls::TlsFiles;
use crate::useraddr;

/// The transport name tor knows us by.
pub const TRANSPORT_NAME: &str = "snowflake";

/// Transport option: number of Turbo Tunnel instances (§7.5).
pub const OPTION_NUM_TURBOTUNNEL: &str = "num-turbotunnel";

/// Transport option: source address range for ORPort connections (§7.6).
pub const OPTION_ORPORT_SRCADDR: &str = "orport-srcaddr";

/// Default of [`Limits::memory_budget`]: half of the machine's physical
/// memory (so that a flood cannot push the bridge into swap or the OOM
/// killer), or [`DEFAULT_MEMORY_BUDGET`](snowflake_common::kcp::DEFAULT_MEMORY_BUDGET)
/// (1 GiB) where that is unknown. At about 48 KiB per idle session, 1 GiB
/// holds some 20,000 sessions; a larger bridge sets `--memory-budget`.
pub fn default_memory_budget() -> usize {
    // SAFETY: sysconf only reads system configuration.
    let (pages, page_size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    match (usize::try_from(pages), usize::try_from(page_size)) {
        (Ok(pages), Ok(size)) if pages > 0 && size > 0 => pages.saturating_mul(size) / 2,
        _ => snowflake_common::kcp::DEFAULT_MEMORY_BUDGET,
    }
}

/// Default of [`Limits::max_message_size`].
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 * 1024;

/// Resource limits. Every queue and table is bounded by one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Concurrent KCP sessions (clients), over all shards; a new client
    /// beyond it is ignored until one ends.
    pub max_sessions: usize,
    /// Concurrent WebSocket connections; further TCP connections are closed
    /// at once.
    pub max_connections: usize,
    /// Packets queued towards one client (shared by its connections), and
    /// per shard towards KCP; full queues drop (KCP retransmits).
    pub queue_packets: usize,
    /// Packets queued per KCP session between the demultiplexer and the
    /// session.
    pub session_queue_packets: usize,
    /// Largest WebSocket message (and frame) accepted; bigger ones end the
    /// connection. The WebSocket library keeps a message whole until its
    /// last byte, so this is what one connection may pin in a partial
    /// message (for at most [`Timeouts::message`]).
    ///
    /// What real proxies send: each data channel message from the client
    /// becomes one WebSocket message, and clients send one encapsulated
    /// KCP packet per data channel message (at most about 1.4 KB, or a few
    /// coalesced packets); Go's proxy copies through a 32 KiB buffer and
    /// ours through 16 KiB, so no proxy we know sends a message above
    /// 32 KiB. The default, 64 KiB, is twice that: 200 connections holding
    /// a partial message pin 13 MB, where the former 1 MiB default let
    /// them pin 214 MB.
    pub max_message_size: usize,
    /// ClientIds whose client address is remembered for `USERADDR`.
    pub useraddr_entries: usize,
    /// smux streams open at once in one client session. Each stream is a
    /// connection to tor, and a Snowflake client opens exactly one per
    /// session, so a client opening many is refused beyond this (the extra
    /// streams are closed at once).
    pub max_streams_per_session: usize,
    /// Memory shared by every KCP session (over all shards): a fixed cost
    /// per session plus what its receive and send buffers hold
    /// (docs/server-budget.md). New data beyond it is dropped (KCP
    /// retransmits), and a new client beyond it is refused after
    /// unproductive and idle sessions have been evicted.
    pub memory_budget: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_sessions: 65_536,
            max_connections: 65_536,
            queue_packets: snowflake_common::turbotunnel::QUEUE_SIZE,
            session_queue_packets: snowflake_common::kcp::SESSION_QUEUE,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            useraddr_entries: useraddr::DEFAULT_CAPACITY,
            max_streams_per_session: 16,
            memory_budget: default_memory_budget(),
        }
    }
}

/// Timeouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeouts {
    /// TLS, the HTTP upgrade and the Turbo Tunnel preamble must complete
    /// within this (upstream's HTTP read timeout is 10 s).
    pub handshake: Duration,
    /// A WebSocket connection with no message in either direction for this
    /// long is closed (the session itself lives on; smux sends keepalives
    /// every 10 s, so a live client is never idle this long).
    pub idle: Duration,
    /// Connecting to tor, including the Extended ORPort handshake.
    pub tor_dial: Duration,
    /// After one direction of a stream has ended, how long the other may
    /// continue before both are closed.
    pub half_close_linger: Duration,
    /// A KCP session whose streams have carried no data this long after
    /// it started is closed. A Snowflake client opens its stream and sends
    /// tor's first bytes within a round trip; sessions made by stray or
    /// forged packets thus go in seconds instead of the smux keepalive's
    /// minutes.
    pub new_session: Duration,
    /// A WebSocket message must arrive whole within this time of its first
    /// byte; a connection that keeps one incomplete longer is closed.
    pub message: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            handshake: Duration::from_secs(10),
            idle: Duration::from_secs(120),
            tor_dial: Duration::from_secs(10),
            half_close_linger: Duration::from_secs(10),
            new_session: Duration::from_secs(20),
            message: Duration::from_secs(20),
        }
    }
}

/// Everything a [`Server`](crate::Server) needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where client streams go.
    pub tor: TorTarget,
    /// Sent as `TRANSPORT` on the Extended ORPort.
    pub transport_name: String,
    /// Independent Turbo Tunnel instances (QueuePacketConn + KCP listener),
    /// for several cores; at least 1.
    pub num_turbotunnel: usize,
    /// Source addresses for TCP connections to tor.
    pub orport_srcaddr: Option<SourceRange>,
    /// TLS certificate and key; `None` serves plain WebSocket
    /// (`--disable-tls`).
    pub tls: Option<TlsFiles>,
    /// Resource limits.
    pub limits: Limits,
    /// Timeouts.
    pub timeouts: Timeouts,
}

impl ServerConfig {
    /// Defaults for forwarding to `tor`: one Turbo Tunnel instance, no
    /// TLS, default limits and timeouts.
    pub fn new(tor: TorTarget) -> Self {
        // tor's address is the operator's own: logged unscrubbed.
        snowflake_common::safelog::keep_operator_addresses_in(&tor.to_string());
        Self {
            tor,
            transport_name: TRANSPORT_NAME.to_owned(),
            num_turbotunnel: 1,
            orport_srcaddr: None,
            tls: None,
            limits: Limits::default(),
            timeouts: Timeouts::default(),
        }
    }

    /// Applies the transport options tor passes (torrc
    /// `ServerTransportOptions snowflake k=v …`): `num-turbotunnel` and
    /// `orport-srcaddr`. Unknown options are ignored, as goptlib programs
    /// do.
    pub fn apply_transport_options(&mut self, options: &PtArgs) -> Result<(), OptionError> {
        if let Some(value) = options.get(OPTION_NUM_TURBOTUNNEL) {
            self.num_turbotunnel = parse_num_turbotunnel(value)?;
        }
        if let Some(value) = options.get(OPTION_ORPORT_SRCADDR) {
            self.orport_srcaddr = Some(value.parse()?);
        }
        Ok(())
    }
}

/// A transport option with a bad value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionError {
    /// `num-turbotunnel` is not a positive integer.
    #[error("{OPTION_NUM_TURBOTUNNEL}={0:?}: must be an integer between 1 and 256")]
    NumTurbotunnel(String),
    /// `orport-srcaddr` is malformed.
    #[error(transparent)]
    SourceRange(#[from] SourceRangeError),
}

/// Parses a `num-turbotunnel` value (1..=256).
pub fn parse_num_turbotunnel(value: &str) -> Result<usize, OptionError> {
    match value.parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err(OptionError::NumTurbotunnel(value.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_options_apply() {
        let mut config = ServerConfig::new(TorTarget::OrPort("127.0.0.1:9001".parse().unwrap()));
        let mut options = PtArgs::new();
        options.add("num-turbotunnel", "4");
        options.add("orport-srcaddr", "127.0.0.0/8");
        options.add("unknown", "ignored");
        config.apply_transport_options(&options).expect("valid");
        assert_eq!(config.num_turbotunnel, 4);
        assert_eq!(
            config.orport_srcaddr.map(|r| r.to_string()).as_deref(),
            Some("127.0.0.0/8")
        );
        for bad in ["0", "-1", "x", "257", ""] {
            let mut options = PtArgs::new();
            options.add("num-turbotunnel", bad);
            assert!(config.apply_transport_options(&options).is_err(), "{bad}");
        }
        let mut options = PtArgs::new();
        options.add("orport-srcaddr", "localhost");
        assert!(config.apply_transport_options(&options).is_err());
    }
}
