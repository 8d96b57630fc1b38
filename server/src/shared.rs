//! What the server's tasks share: configuration, the tor instances, the
//! Turbo Tunnel shards and ClientId bookkeeping, the live KCP sessions,
//! metrics, the connection slots and the task tracker that stops them all
//! (§7).

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, PoisonError};

use snowflake_common::kcp::{KcpMonitor, MemoryBudget};
use snowflake_common::turbotunnel::ClientId;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::client_demux::ClientDemux;
use crate::config::ServerConfig;
use crate::metrics::Metrics;
use crate::tls::ReloadableCert;
use crate::tor_pool::TorPool;

/// A live KCP session, as the server tracks it.
pub(crate) struct SessionEntry {
    /// Tells this session from a later one of the same client.
    pub(crate) serial: u64,
    pub(crate) conv: u32,
    pub(crate) monitor: KcpMonitor,
}

/// What the server's tasks share.
pub(crate) struct Shared {
    pub(crate) config: ServerConfig,
    /// The tor instances streams go to.
    pub(crate) tor: Arc<TorPool>,
    /// The shards and the ClientId bookkeeping.
    pub(crate) demux: ClientDemux,
    pub(crate) metrics: Metrics,
    /// The memory every KCP session of every shard draws from.
    pub(crate) budget: MemoryBudget,
    /// The live KCP sessions, by client.
    pub(crate) sessions: Mutex<HashMap<ClientId, SessionEntry>>,
    pub(crate) next_serial: AtomicU64,
    pub(crate) connection_slots: Arc<Semaphore>,
    pub(crate) tls: Option<(Arc<ReloadableCert>, TlsAcceptor)>,
    pub(crate) cancel: CancellationToken,
    pub(crate) tasks: TaskTracker,
}

impl Shared {
    pub(crate) fn lock_sessions(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<ClientId, SessionEntry>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `task` until it ends or the server shuts down.
    pub(crate) fn spawn<F>(&self, task: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let cancel = self.cancel.clone();
        self.tasks.spawn(async move {
            tokio::select! {
                () = cancel.cancelled() => {}
                () = task => {}
            }
        });
    }
}
