//! The server's lifecycle: [`Server`] sets up the Turbo Tunnel shards,
//! starts listeners and stops every task; what the tasks hold is
//! `shared.rs` (§7).
//!
//! The tasks live beside this file, one file per side:
//!
//! * `websocket_conn.rs`: one accept loop per listen address; one task per
//!   WebSocket connection (TLS, upgrade, preamble, then its read and write
//!   loops), whether a listener accepted it or it was handed over with
//!   [`Server::serve_stream`];
//! * `client_demux.rs`: which shard and which client queues a connection's
//!   ClientId leads to, and the client address kept per ClientId;
//! * `sessions.rs`: per shard, one accept loop over its [`KcpListener`]; one
//!   task per KCP session (smux server, accepting streams); one task per
//!   stream (dial tor, relay);
//! * `stats_collector.rs`: the metrics read from the shards and sessions at
//!   scrape time;
//! * `shared.rs`: the state all of them hold (configuration, shards, live
//!   sessions, metrics, the task tracker).
//!
//! Everything stops when the [`Server`] is shut down (a cancellation token
//! reaches every task).

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

#[cfg(doc)]
use snowflake_common::kcp::KcpListener;
use snowflake_common::kcp::MemoryBudget;
use snowflake_common::turbotunnel::ClientId;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::client_demux::ClientDemux;
use crate::config::ServerConfig;
use crate::metrics::{self, Metrics};
use crate::sessions::accept_sessions;
use crate::shared::Shared;
use crate::stats_collector::StatsCollector;
use crate::tls::{self, TlsError};
use crate::tor_pool::{TorInstanceStatus, TorPool};
pub use crate::websocket_conn::MAX_ENCAPSULATED_PACKET;
use crate::websocket_conn::{accept_connections, admit};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The certificate or key is unusable.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The metrics could not be set up.
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
}

/// What [`Server::sessions`] reports about one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The client.
    pub client_id: ClientId,
    /// Its KCP conversation id.
    pub conv: u32,
    /// Payload bytes its KCP holds on the receive side.
    pub receive_buffered_bytes: usize,
}

/// A running Snowflake server. Create it with [`Server::new`] inside a
/// tokio runtime, add listeners with [`Server::listen`], stop it with
/// [`Server::shutdown`] (dropping it also stops every task, less
/// gracefully).
pub struct Server {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("tor", &self.shared.tor.addresses())
            .field("shards", &self.shared.demux.shards().len())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Sets up the Turbo Tunnel shards and their KCP listeners and starts
    /// accepting sessions. Must be called within a tokio runtime.
    pub fn new(config: ServerConfig) -> Result<Self, ServerError> {
        let tls = tls::setup(&config)?;
        let budget = MemoryBudget::new(config.limits.memory_budget);
        let demux = ClientDemux::new(&config, &budget);
        let metrics = Metrics::new()?;
        let tor = Arc::new(TorPool::new(
            config.instances(),
            config.transport_name.clone(),
            config.timeouts.tor_dial,
            &metrics,
        )?);
        let shared = Arc::new(Shared {
            tor: Arc::clone(&tor),
            connection_slots: Arc::new(Semaphore::new(config.limits.max_connections.max(1))),
            demux,
            metrics,
            budget,
            sessions: Mutex::new(HashMap::new()),
            next_serial: AtomicU64::new(0),
            tls,
            cancel: CancellationToken::new(),
            tasks: TaskTracker::new(),
            config,
        });
        shared
            .metrics
            .register_collector(Box::new(StatsCollector::new(Arc::downgrade(&shared))?))?;
        for index in 0..shared.demux.shards().len() {
            let weak = Arc::downgrade(&shared);
            shared.spawn(accept_sessions(weak, index));
        }
        shared.spawn(tor.run_prober());
        tracing::info!(
            tor = %shared.tor.describe(),
            shards = shared.demux.shards().len(),
            tls = shared.tls.is_some(),
            "snowflake server started"
        );
        Ok(Self { shared })
    }

    /// Listens for WebSocket connections on `addr` (port 0 picks a free
    /// port) and returns the bound address.
    pub async fn listen(&self, addr: SocketAddr) -> io::Result<SocketAddr> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        // The operator's own listener stays readable in our logs.
        snowflake_common::safelog::keep_operator_addresses_in(&local.to_string());
        tracing::info!(
            "listening on {local} ({})",
            if self.shared.tls.is_some() {
                "TLS"
            } else {
                "plain"
            }
        );
        let weak = Arc::downgrade(&self.shared);
        self.shared.spawn(accept_connections(listener, weak));
        Ok(local)
    }

    /// Serves one connection accepted elsewhere exactly as a connection
    /// from a [`listen`](Self::listen) listener: TLS when the server has
    /// a certificate, the WebSocket upgrade (the client's address from its
    /// `client_ip` parameter; the transport's peer address is never used,
    /// by either path), the ClientId preamble, then encapsulated packets;
    /// under the same connection limit, timeouts and metrics.
    ///
    /// This embeds the server behind a listener it does not own: a socket
    /// handed over by systemd socket activation or inetd, a Unix domain
    /// socket, a front end in the same process that routes connections by
    /// path or SNI, or an in-memory stream (`tokio::io::duplex`) in tests
    /// and benchmarks. A TCP stream should have `TCP_NODELAY` set, as the
    /// listener does.
    ///
    /// Returns at once: the connection is served on a task of its own
    /// until it ends or the server shuts down. Returns `false`, dropping
    /// `stream`, when the connection limit
    /// ([`Limits::max_connections`](crate::Limits::max_connections)) is
    /// reached. Must be called within the server's tokio runtime.
    pub fn serve_stream<S>(&self, stream: S) -> bool
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        admit(&self.shared, stream)
    }

    /// Serves Prometheus metrics on `addr` and returns the bound address.
    pub async fn serve_metrics(&self, addr: SocketAddr) -> io::Result<SocketAddr> {
        // The operator's own metrics address stays readable in our logs
        // (including "cannot serve metrics on …").
        snowflake_common::safelog::keep_operator_addresses_in(&addr.to_string());
        let bound = metrics::spawn_endpoint(
            addr,
            self.shared.metrics.clone(),
            self.shared.cancel.clone(),
        )
        .await?;
        snowflake_common::safelog::keep_operator_addresses_in(&bound.to_string());
        Ok(bound)
    }

    /// Re-reads the TLS certificate and key (what SIGHUP does). On error the
    /// previous certificate stays in use. Without TLS this does nothing.
    pub fn reload_tls(&self) -> Result<(), TlsError> {
        match &self.shared.tls {
            Some((cert, _)) => {
                cert.reload()?;
                tracing::info!("reloaded TLS certificate {}", cert.cert_path().display());
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Whether the listeners speak TLS.
    pub fn uses_tls(&self) -> bool {
        self.shared.tls.is_some()
    }

    /// The tor instances streams go to, in configuration order: up or
    /// down, and their open connections (docs/tor-instances.md).
    pub fn tor_instances(&self) -> Vec<TorInstanceStatus> {
        self.shared.tor.status()
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.shared.metrics
    }

    /// The live KCP sessions.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        self.shared
            .lock_sessions()
            .iter()
            .map(|(client_id, entry)| SessionInfo {
                client_id: *client_id,
                conv: entry.conv,
                receive_buffered_bytes: entry.monitor.receive_buffered_bytes().unwrap_or(0),
            })
            .collect()
    }

    /// Payload bytes the KCP session of `client_id` holds on its receive
    /// side, if it has one.
    pub fn session_receive_buffered(&self, client_id: ClientId) -> Option<usize> {
        self.shared
            .lock_sessions()
            .get(&client_id)
            .and_then(|entry| entry.monitor.receive_buffered_bytes())
    }

    /// Bytes of the memory budget the KCP sessions hold now (fixed cost
    /// per session plus buffers; see docs/server-budget.md).
    pub fn memory_used(&self) -> usize {
        self.shared.budget.used()
    }

    /// KCP sessions alive now, over all shards (including ones not yet
    /// handed to smux).
    pub fn session_count(&self) -> usize {
        self.shared
            .demux
            .shards()
            .iter()
            .map(|shard| shard.listener.session_count())
            .sum()
    }

    /// The newest client address recorded for `client_id`.
    pub fn client_addr(&self, client_id: ClientId) -> Option<IpAddr> {
        self.shared.demux.client_addr(client_id)
    }

    /// Stops accepting, ends every connection, session and stream, and
    /// waits for the tasks to finish.
    pub async fn shutdown(self) {
        self.shared.cancel.cancel();
        self.shared.tasks.close();
        self.shared.tasks.wait().await;
        tracing::info!("snowflake server stopped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.cancel.cancel();
    }
}
