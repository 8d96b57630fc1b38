//! Server settings: where streams go, sharding, limits and timeouts.

use std::time::Duration;

use snowflake_common::pt::args::PtArgs;

use crate::orport::{TorInstance, TorInstanceError, TorTarget};
use crate::srcaddr::{SourceRange, SourceRangeError};
use crate::tls::TlsFiles;
use crate::useraddr;

/// The transport name tor knows us by.
pub const TRANSPORT_NAME: &str = "snowflake";

/// Transport option: number of Turbo Tunnel instances (§7.5).
pub const OPTION_NUM_TURBOTUNNEL: &str = "num-turbotunnel";

/// Transport option: source address range for ORPort connections (§7.6).
pub const OPTION_ORPORT_SRCADDR: &str = "orport-srcaddr";

/// Transport option, repeatable: one more tor instance to spread sessions
/// over, `ADDR,cookie=FILE[,srcaddr=RANGE]` (docs/tor-instances.md).
pub const OPTION_EXTORPORT_INSTANCE: &str = "extorport-instance";

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
    /// A session whose streams have all ended is closed once everything
    /// it sent is acknowledged (its client has what it needs; seen on two
    /// looks 100 ms apart), and at the latest this long after its last stream ended, acknowledged
    /// or not. A new stream in the meantime keeps it open.
    pub finished_linger: Duration,
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
            finished_linger: Duration::from_secs(10),
            message: Duration::from_secs(20),
        }
    }
}

/// Everything a [`Server`](crate::Server) needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where client streams go (unless `tor_instances` lists several).
    pub tor: TorTarget,
    /// Several tor instances to spread client sessions over
    /// (docs/tor-instances.md). When not empty, these replace `tor`;
    /// `orport_srcaddr` then applies to those without a range of their own.
    pub tor_instances: Vec<TorInstance>,
    /// Sent as `TRANSPORT` on the Extended ORPort.
    pub transport_name: String,
    /// Independent Turbo Tunnel instances (QueuePacketConn + KCP listener),
    /// for several cores; at least 1.
    pub num_turbotunnel: usize,
    /// Source addresses for TCP connections to tor.
    pub orport_srcaddr: Option<SourceRange>,
    /// TLS certificate and key; `None` serves plain WebSocket
    /// (`--disable-tls`) unless `acme` is set.
    pub tls: Option<TlsFiles>,
    /// TLS with certificates obtained and renewed by ACME
    /// (`--acme-hostnames`; [`crate::tls`]), when `tls` is `None`.
    pub acme: Option<snowflake_common::acme::AcmeConfig>,
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
            tor_instances: Vec::new(),
            transport_name: TRANSPORT_NAME.to_owned(),
            num_turbotunnel: 1,
            orport_srcaddr: None,
            tls: None,
            acme: None,
            limits: Limits::default(),
            timeouts: Timeouts::default(),
        }
    }

    /// The tor instances client sessions are spread over, each with its
    /// source range resolved: `tor_instances`, or `tor` alone.
    pub fn instances(&self) -> Vec<TorInstance> {
        if self.tor_instances.is_empty() {
            return vec![TorInstance {
                target: self.tor.clone(),
                srcaddr: self.orport_srcaddr,
            }];
        }
        self.tor_instances
            .iter()
            .map(|instance| TorInstance {
                target: instance.target.clone(),
                srcaddr: instance.srcaddr.or(self.orport_srcaddr),
            })
            .collect()
    }

    /// Applies the transport options tor passes (torrc
    /// `ServerTransportOptions snowflake k=v …`): `num-turbotunnel`,
    /// `orport-srcaddr` and `extorport-instance` (repeatable; replaces
    /// `tor_instances`). Unknown options are ignored, as goptlib programs
    /// do.
    pub fn apply_transport_options(&mut self, options: &PtArgs) -> Result<(), OptionError> {
        if let Some(value) = options.get(OPTION_NUM_TURBOTUNNEL) {
            self.num_turbotunnel = parse_num_turbotunnel(value)?;
        }
        if let Some(value) = options.get(OPTION_ORPORT_SRCADDR) {
            self.orport_srcaddr = Some(value.parse()?);
        }
        let listed = options
            .get_all(OPTION_EXTORPORT_INSTANCE)
            .map(str::parse)
            .collect::<Result<Vec<TorInstance>, _>>()?;
        if !listed.is_empty() {
            check_distinct_instances(&listed)?;
            self.tor_instances = listed;
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
    /// An `extorport-instance` is malformed.
    #[error("{OPTION_EXTORPORT_INSTANCE}={0}")]
    TorInstance(#[from] TorInstanceError),
    /// Two tor instances at one address.
    #[error("{OPTION_EXTORPORT_INSTANCE}: {0} is listed twice")]
    DuplicateInstance(String),
}

/// Refuses a list of tor instances that names one address twice.
pub fn check_distinct_instances(instances: &[TorInstance]) -> Result<(), OptionError> {
    for (n, instance) in instances.iter().enumerate() {
        let address = instance.target.address();
        if instances
            .iter()
            .take(n)
            .any(|earlier| earlier.target.address() == address)
        {
            return Err(OptionError::DuplicateInstance(address));
        }
    }
    Ok(())
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

    #[test]
    fn tor_instances_from_transport_options() {
        let tor = TorTarget::OrPort("127.0.0.1:9001".parse().unwrap());
        let mut config = ServerConfig::new(tor.clone());
        config.orport_srcaddr = Some("127.0.1.0/24".parse().unwrap());
        // Alone, `tor` is the only instance, from the server's range.
        let alone = config.instances();
        assert_eq!(alone.len(), 1);
        assert_eq!(alone[0].target, tor);
        assert_eq!(alone[0].srcaddr, config.orport_srcaddr);

        let mut options = PtArgs::new();
        options.add("extorport-instance", "127.0.0.1:10001,cookie=/a");
        options.add(
            "extorport-instance",
            "127.0.0.1:10002,cookie=/b,srcaddr=127.0.2.0/24",
        );
        config.apply_transport_options(&options).expect("valid");
        let instances = config.instances();
        let described: Vec<String> = instances.iter().map(ToString::to_string).collect();
        assert_eq!(
            described,
            [
                "127.0.0.1:10001,cookie=/a,srcaddr=127.0.1.0/24",
                "127.0.0.1:10002,cookie=/b,srcaddr=127.0.2.0/24",
            ],
            "the server's range for those without their own"
        );
        for bad in [
            &["127.0.0.1:10001"][..],
            &["127.0.0.1:10001,cookie=/a", "127.0.0.1:10001,cookie=/b"],
        ] {
            let mut options = PtArgs::new();
            for value in bad {
                options.add("extorport-instance", *value);
            }
            let error = config.apply_transport_options(&options).unwrap_err();
            assert!(error.to_string().contains("extorport-instance"), "{error}");
        }
    }
}
