//! ClientID demultiplexing (§7.3–§7.5): how the packets of one proxy connection
//! reach the session of the client they belong to.
//!
//! A WebSocket connection says nothing about its client until its preamble
//! is read: the Turbo Tunnel token, then the client's 8-byte ClientId
//! ([`read_client_id`], over [`read_preamble`]). The ClientId picks one of
//! the `num-turbotunnel` shards ([`ClientId::shard`]), and
//! [`ClientDemux::attach`] gives the connection that shard's
//! [`QueuePacketConn`], where its incoming packets go tagged with the
//! ClientId, and the client's [`OutgoingQueue`], which every connection
//! currently carrying that client drains. Inside the shard, the KCP
//! listener ([`KcpListener`]) splits the tagged packets into sessions by
//! ClientId and conversation.
//!
//! The client's address is bookkept here too: [`ClientDemux::attach`]
//! records the `client_ip` a proxy reported for the ClientId, and each
//! stream of the client's session looks it up with
//! [`ClientDemux::client_addr`] when it dials tor (see [`UserAddrMap`]).

use std::net::IpAddr;
use std::sync::Arc;

use snowflake_common::kcp::{KcpListener, ListenerConfig, MemoryBudget};
use snowflake_common::turbotunnel::{
    read_preamble, ClientId, OutgoingQueue, PreambleError, QueuePacketConn,
};
use tokio::io::AsyncRead;
use tokio::time::Instant;

use crate::config::ServerConfig;
use crate::metrics::{Metrics, RejectReason};
use crate::useraddr::UserAddrMap;

/// One Turbo Tunnel instance: its packet queues and the KCP listener that
/// reads them.
pub(crate) struct Shard {
    pub(crate) conn: Arc<QueuePacketConn>,
    pub(crate) listener: Arc<KcpListener>,
}

/// What a connection is attached to once its ClientId is known.
pub(crate) struct Attached {
    /// The shard's packet queues: incoming packets go here.
    pub(crate) conn: Arc<QueuePacketConn>,
    /// The client's outgoing packets, shared with its other connections.
    pub(crate) outgoing: Arc<OutgoingQueue>,
}

/// The shards, and the newest client address per ClientId.
pub(crate) struct ClientDemux {
    shards: Vec<Shard>,
    useraddr: UserAddrMap,
}

impl ClientDemux {
    /// Sets up `num_turbotunnel` shards (at least one), each with its KCP
    /// listener, sharing the session cap and `budget` between them. Must
    /// be called within a tokio runtime (each shard runs its queue expiry
    /// task).
    pub(crate) fn new(config: &ServerConfig, budget: &MemoryBudget) -> Self {
        let limits = &config.limits;
        let num_shards = config.num_turbotunnel.max(1);
        let sessions_per_shard = limits.max_sessions.div_ceil(num_shards).max(1);
        let shards = (0..num_shards)
            .map(|_| {
                // Client send queues exist for every connected ClientId,
                // even before it has a session; allow some slack over the
                // session cap for proxies that connect and never speak.
                // When full, a new client evicts the idlest entry past
                // the eviction grace before it is refused.
                let conn = Arc::new(QueuePacketConn::new(
                    limits.queue_packets,
                    sessions_per_shard.saturating_mul(2),
                ));
                conn.spawn_expiry();
                let listener = Arc::new(KcpListener::new(
                    Arc::clone(&conn),
                    ListenerConfig {
                        max_sessions: sessions_per_shard,
                        session_queue: limits.session_queue_packets,
                        budget: budget.clone(),
                        ..ListenerConfig::default()
                    },
                ));
                Shard { conn, listener }
            })
            .collect();
        Self {
            shards,
            useraddr: UserAddrMap::new(limits.useraddr_entries),
        }
    }

    /// Every shard, in order.
    pub(crate) fn shards(&self) -> &[Shard] {
        &self.shards
    }

    /// The shard that serves `client_id`.
    pub(crate) fn shard(&self, client_id: ClientId) -> Option<&Shard> {
        self.shards.get(client_id.shard(self.shards.len()))
    }

    /// Attaches a connection that carries `client_id` and came through a
    /// proxy that reported `client_ip`: records the address, and returns
    /// the queues the connection's loops use. A full client table first
    /// evicts its idlest entry (counted in `client_table_evicted_total`);
    /// `None` (counted as a rejection) when no entry has been idle long
    /// enough.
    pub(crate) fn attach(
        &self,
        client_id: ClientId,
        client_ip: Option<IpAddr>,
        metrics: &Metrics,
    ) -> Option<Attached> {
        if let Some(ip) = client_ip {
            metrics.connections_with_client_ip.inc();
            self.useraddr.record(client_id, ip);
        }
        let shard = self.shard(client_id)?;
        let Some(outgoing) = shard.conn.outgoing(client_id) else {
            metrics.reject(RejectReason::ClientTableFull);
            tracing::debug!(%client_id, "client table full; closing connection");
            return None;
        };
        Some(Attached {
            conn: Arc::clone(&shard.conn),
            outgoing,
        })
    }

    /// The newest client address recorded for `client_id`.
    pub(crate) fn client_addr(&self, client_id: ClientId) -> Option<IpAddr> {
        self.useraddr.get(client_id)
    }
}

/// Reads the Turbo Tunnel preamble of a new connection by `deadline` and
/// returns its ClientId. A connection without one (a pre-Turbo-Tunnel
/// client, a proxy whose client never spoke, a timeout) is counted as a
/// rejection and gives `None`: the caller closes it.
pub(crate) async fn read_client_id<R>(
    reader: &mut R,
    deadline: Instant,
    metrics: &Metrics,
) -> Option<ClientId>
where
    R: AsyncRead + Unpin,
{
    match tokio::time::timeout_at(deadline, read_preamble(reader)).await {
        Ok(Ok(id)) => Some(id),
        Ok(Err(PreambleError::BadToken)) => {
            metrics.reject(RejectReason::BadToken);
            tracing::debug!("unsupported oneshot connection (no Turbo Tunnel token); closing");
            None
        }
        Ok(Err(PreambleError::Empty)) => {
            // A proxy that connected for a client that never used it.
            metrics.reject(RejectReason::NoPreamble);
            None
        }
        Ok(Err(e)) => {
            metrics.reject(RejectReason::NoPreamble);
            tracing::debug!("{e}");
            None
        }
        Err(_) => {
            metrics.reject(RejectReason::NoPreamble);
            tracing::debug!("timed out waiting for the Turbo Tunnel preamble");
            None
        }
    }
}
