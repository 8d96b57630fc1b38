//! The server: WebSocket listeners feeding Turbo Tunnel shards, KCP
//! sessions, smux streams, and the connections to tor (§7).
//!
//! Task structure:
//!
//! * one accept loop per listen address; one task per WebSocket connection
//!   (TLS, upgrade, preamble, then its read and write loops);
//! * per shard, one accept loop over its [`KcpListener`]; one task per KCP
//!   session (smux server, accepting streams); one task per stream (dial
//!   tor, relay).
//!
//! Everything stops when the [`Server`] is shut down (a cancellation token
//! reaches every task).

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use bytes::BytesMut;
use futures_util::{FutureExt, SinkExt, StreamExt};
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntCounterVec, IntGauge, Opts};
use snowflake_common::encapsulation::{self, Decoder};
use snowflake_common::kcp::{Accepted, KcpListener, KcpMonitor, ListenerConfig};
use snowflake_common::pt::extorport::useraddr_for_ip;
use snowflake_common::smux;
use snowflake_common::turbotunnel::{read_preamble, ClientId, OutgoingQueue, PreambleError, QueuePacketConn};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::ServerConfig;
use crate::metrics::{self, Metrics, RejectReason};
use crate::orport::dial_tor;
use crate::relay::{relay, RelayEnd};
use crate::tls::{self, ReloadableCert, TlsError};
use crate::useraddr::UserAddrMap;
use crate::websocket::{client_ip_from_query, server_config, WsReader};

/// Largest encapsulated packet read from a client. KCP packets are at most
/// 1400 bytes; up to this size a longer one is dropped (and counted) by the
/// queue, as upstream truncates it; a chunk longer than this ends the
/// connection, since no KCP peer sends one and buffering it would be
/// pointless.
pub const MAX_ENCAPSULATED_PACKET: usize = 2048;

/// Bytes of packets coalesced into one outgoing WebSocket message.
const MAX_WRITE_MESSAGE: usize = 16 * 1024;

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

/// One Turbo Tunnel instance.
struct Shard {
    conn: Arc<QueuePacketConn>,
    listener: Arc<KcpListener>,
}

/// A live KCP session, as the server tracks it.
struct SessionEntry {
    serial: u64,
    conv: u32,
    monitor: KcpMonitor,
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

struct Shared {
    config: ServerConfig,
    shards: Vec<Shard>,
    useraddr: UserAddrMap,
    metrics: Metrics,
    sessions: Mutex<HashMap<ClientId, SessionEntry>>,
    next_serial: AtomicU64,
    connection_slots: Arc<Semaphore>,
    tls: Option<(Arc<ReloadableCert>, TlsAcceptor)>,
    cancel: CancellationToken,
    tasks: TaskTracker,
}

impl Shared {
    fn shard(&self, client_id: ClientId) -> Option<&Shard> {
        self.shards.get(client_id.shard(self.shards.len()))
    }

    fn lock_sessions(&self) -> std::sync::MutexGuard<'_, HashMap<ClientId, SessionEntry>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn spawn<F>(&self, task: F)
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
            .field("tor", &self.shared.config.tor)
            .field("shards", &self.shared.shards.len())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Sets up the Turbo Tunnel shards and their KCP listeners and starts
    /// accepting sessions. Must be called within a tokio runtime.
    pub fn new(config: ServerConfig) -> Result<Self, ServerError> {
        let tls = match &config.tls {
            Some(files) => {
                let cert = Arc::new(ReloadableCert::load(files.clone())?);
                let acceptor = tls::acceptor(Arc::clone(&cert))?;
                Some((cert, acceptor))
            }
            None => None,
        };
        let limits = &config.limits;
        let num_shards = config.num_turbotunnel.max(1);
        let sessions_per_shard = limits.max_sessions.div_ceil(num_shards).max(1);
        let shards = (0..num_shards)
            .map(|_| {
                // Client send queues exist for every connected ClientId,
                // even before it has a session; allow some slack over the
                // session cap for proxies that connect and never speak.
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
                        ..ListenerConfig::default()
                    },
                ));
                Shard { conn, listener }
            })
            .collect();
        let metrics = Metrics::new()?;
        let shared = Arc::new(Shared {
            useraddr: UserAddrMap::new(limits.useraddr_entries),
            connection_slots: Arc::new(Semaphore::new(limits.max_connections.max(1))),
            shards,
            metrics,
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
        for index in 0..shared.shards.len() {
            let weak = Arc::downgrade(&shared);
            shared.spawn(accept_sessions(weak, index));
        }
        tracing::info!(
            tor = %shared.config.tor,
            shards = shared.shards.len(),
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
        tracing::info!(
            "listening on {local} ({})",
            if self.shared.tls.is_some() { "TLS" } else { "plain" }
        );
        let weak = Arc::downgrade(&self.shared);
        self.shared.spawn(accept_connections(listener, weak));
        Ok(local)
    }

    /// Serves Prometheus metrics on `addr` and returns the bound address.
    pub async fn serve_metrics(&self, addr: SocketAddr) -> io::Result<SocketAddr> {
        metrics::spawn_endpoint(addr, self.shared.metrics.clone(), self.shared.cancel.clone()).await
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

    /// The newest client address recorded for `client_id`.
    pub fn client_addr(&self, client_id: ClientId) -> Option<IpAddr> {
        self.shared.useraddr.get(client_id)
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

// ---- WebSocket side ---------------------------------------------------

async fn accept_connections(listener: TcpListener, shared: Weak<Shared>) {
    loop {
        let accepted = listener.accept().await;
        let Some(shared) = shared.upgrade() else { return };
        match accepted {
            Ok((tcp, _peer)) => {
                shared.metrics.connections_total.inc();
                let Ok(permit) = Arc::clone(&shared.connection_slots).try_acquire_owned() else {
                    shared.metrics.reject(RejectReason::ConnectionLimit);
                    tracing::debug!("connection limit reached; closing a new connection");
                    continue;
                };
                let weak = Arc::downgrade(&shared);
                shared.spawn(serve_tcp(tcp, weak, permit));
            }
            Err(e) => {
                // Usually EMFILE: wait a little instead of spinning.
                tracing::warn!("accepting a connection: {e}");
                drop(shared);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn serve_tcp(tcp: TcpStream, shared: Weak<Shared>, _permit: OwnedSemaphorePermit) {
    let Some(shared) = shared.upgrade() else { return };
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!("TCP_NODELAY: {e}");
    }
    let handshake = shared.config.timeouts.handshake;
    let deadline = Instant::now() + handshake;
    match &shared.tls {
        Some((_, acceptor)) => {
            match tokio::time::timeout_at(deadline, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => serve_websocket(stream, shared, deadline).await,
                Ok(Err(e)) => {
                    shared.metrics.reject(RejectReason::Handshake);
                    tracing::debug!("TLS handshake failed: {e}");
                }
                Err(_) => {
                    shared.metrics.reject(RejectReason::Handshake);
                    tracing::debug!("TLS handshake timed out");
                }
            }
        }
        None => serve_websocket(tcp, shared, deadline).await,
    }
}

/// Tracks the last time a connection carried a message, in milliseconds
/// since it started.
struct Activity {
    start: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.fetch_max(ms, Ordering::Relaxed);
    }

    /// Resolves once nothing happened for `idle`.
    async fn idle_for(&self, idle: Duration) {
        loop {
            let last = self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            let due = last + idle;
            if Instant::now() >= due {
                return;
            }
            tokio::time::sleep_until(due).await;
        }
    }
}

/// Why a WebSocket connection's data loops ended.
enum ConnectionEnd {
    ClientClosed,
    QueueExpired,
    Idle,
    Failed(String),
    Shutdown,
}

impl std::fmt::Display for ConnectionEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ClientClosed => f.write_str("closed by the proxy"),
            Self::QueueExpired => f.write_str("client queue expired"),
            Self::Idle => f.write_str("idle timeout"),
            Self::Failed(e) => write!(f, "failed: {e}"),
            Self::Shutdown => f.write_str("server shutting down"),
        }
    }
}

async fn serve_websocket<S>(io: S, shared: Arc<Shared>, deadline: Instant)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut query: Option<String> = None;
    let ws_config = server_config(shared.config.limits.max_message_size);
    let callback = |request: &Request, response: Response| {
        query = request.uri().query().map(str::to_owned);
        Ok(response)
    };
    let upgrade = tokio_tungstenite::accept_hdr_async_with_config(io, callback, Some(ws_config));
    let ws = match tokio::time::timeout_at(deadline, upgrade).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => {
            shared.metrics.reject(RejectReason::Handshake);
            tracing::debug!("WebSocket handshake failed: {e}");
            return;
        }
        Err(_) => {
            shared.metrics.reject(RejectReason::Handshake);
            tracing::debug!("WebSocket handshake timed out");
            return;
        }
    };
    let client_ip = client_ip_from_query(query.as_deref());
    let (mut sink, messages) = ws.split();
    let mut reader = WsReader::new(messages);
    let client_id = match tokio::time::timeout_at(deadline, read_preamble(&mut reader)).await {
        Ok(Ok(id)) => id,
        Ok(Err(PreambleError::BadToken)) => {
            shared.metrics.reject(RejectReason::BadToken);
            tracing::debug!("unsupported oneshot connection (no Turbo Tunnel token); closing");
            return;
        }
        Ok(Err(PreambleError::Empty)) => {
            // A proxy that connected for a client that never used it.
            shared.metrics.reject(RejectReason::NoPreamble);
            return;
        }
        Ok(Err(e)) => {
            shared.metrics.reject(RejectReason::NoPreamble);
            tracing::debug!("{e}");
            return;
        }
        Err(_) => {
            shared.metrics.reject(RejectReason::NoPreamble);
            tracing::debug!("timed out waiting for the Turbo Tunnel preamble");
            return;
        }
    };
    if let Some(ip) = client_ip {
        shared.metrics.connections_with_client_ip.inc();
        shared.useraddr.record(client_id, ip);
    }
    let Some(shard) = shared.shard(client_id) else { return };
    let Some(outgoing) = shard.conn.outgoing(client_id) else {
        shared.metrics.reject(RejectReason::ClientTableFull);
        tracing::debug!(%client_id, "client table full; closing connection");
        return;
    };
    let conn = Arc::clone(&shard.conn);
    tracing::debug!(%client_id, client_ip = ?client_ip, "WebSocket connection carries client");
    shared.metrics.connections_active.inc();
    let activity = Activity::new();
    let idle = shared.config.timeouts.idle;
    let end = tokio::select! {
        end = read_packets(&mut reader, client_id, &conn, &activity, &shared.metrics) => end,
        end = write_packets(&mut sink, &outgoing, &activity, idle, &shared.metrics) => end,
        () = activity.idle_for(idle) => ConnectionEnd::Idle,
        () = shared.cancel.cancelled() => ConnectionEnd::Shutdown,
    };
    shared.metrics.connections_active.dec();
    tracing::debug!(%client_id, "WebSocket connection ended: {end}");
    // Say goodbye if the peer is still there; never wait long for it.
    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
}

/// Decapsulates the client's byte stream into packets for its shard.
async fn read_packets<St>(
    reader: &mut WsReader<St>,
    client_id: ClientId,
    conn: &QueuePacketConn,
    activity: &Activity,
    metrics: &Metrics,
) -> ConnectionEnd
where
    St: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
        + Unpin,
{
    let mut decoder = Decoder::with_max_packet(MAX_ENCAPSULATED_PACKET);
    let mut buf = BytesMut::new();
    loop {
        let chunk = match reader.next_chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => {
                return match decoder.finish(&buf) {
                    Ok(()) => ConnectionEnd::ClientClosed,
                    Err(e) => ConnectionEnd::Failed(e.to_string()),
                }
            }
            Err(e) => return ConnectionEnd::Failed(e.to_string()),
        };
        activity.touch();
        metrics.websocket_bytes_in.inc_by(chunk.len() as u64);
        buf.extend_from_slice(&chunk);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(packet)) => {
                    conn.queue_incoming(client_id, packet);
                }
                Ok(None) => break,
                Err(e) => return ConnectionEnd::Failed(e.to_string()),
            }
        }
    }
}

/// Sends the client's queued packets, several per message when more are
/// waiting.
async fn write_packets<Si>(
    sink: &mut Si,
    outgoing: &OutgoingQueue,
    activity: &Activity,
    idle: Duration,
    metrics: &Metrics,
) -> ConnectionEnd
where
    Si: futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    let mut buf = BytesMut::new();
    loop {
        let Some(first) = outgoing.recv().await else {
            return ConnectionEnd::QueueExpired;
        };
        let mut ok = encapsulation::encode_data(&first, &mut buf).is_ok();
        while ok && buf.len() < MAX_WRITE_MESSAGE {
            match outgoing.recv().now_or_never() {
                Some(Some(packet)) => ok = encapsulation::encode_data(&packet, &mut buf).is_ok(),
                _ => break,
            }
        }
        let message = buf.split().freeze();
        let len = message.len() as u64;
        match tokio::time::timeout(idle, sink.send(Message::Binary(message))).await {
            Ok(Ok(())) => {
                activity.touch();
                metrics.websocket_bytes_out.inc_by(len);
            }
            Ok(Err(e)) => return ConnectionEnd::Failed(e.to_string()),
            Err(_) => return ConnectionEnd::Failed("write stalled".to_owned()),
        }
    }
}

// ---- sessions and streams ----------------------------------------------

async fn accept_sessions(shared: Weak<Shared>, index: usize) {
    let Some(listener) = shared
        .upgrade()
        .and_then(|s| s.shards.get(index).map(|shard| Arc::clone(&shard.listener)))
    else {
        return;
    };
    loop {
        let accepted = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::debug!("KCP listener {index} stopped: {e}");
                return;
            }
        };
        let Some(shared) = shared.upgrade() else { return };
        let weak = Arc::downgrade(&shared);
        shared.spawn(run_session(weak, accepted));
    }
}

async fn run_session(shared: Weak<Shared>, accepted: Accepted) {
    let Some(shared) = shared.upgrade() else { return };
    let Accepted {
        client_id,
        conv,
        stream,
    } = accepted;
    let serial = shared.next_serial.fetch_add(1, Ordering::Relaxed);
    shared.lock_sessions().insert(
        client_id,
        SessionEntry {
            serial,
            conv,
            monitor: stream.monitor(),
        },
    );
    shared.metrics.sessions_total.inc();
    shared.metrics.sessions_active.inc();
    tracing::debug!(%client_id, conv = format_args!("{conv:#010x}"), "session started");
    match smux::Session::server(stream, smux::Config::snowflake_server()) {
        Ok(session) => loop {
            match session.accept_stream().await {
                Ok(stream) => {
                    let weak = Arc::downgrade(&shared);
                    shared.spawn(run_stream(weak, client_id, stream));
                }
                Err(e) => {
                    tracing::debug!(%client_id, "session ended: {e}");
                    break;
                }
            }
        },
        Err(e) => tracing::error!("smux configuration: {e}"),
    }
    {
        let mut sessions = shared.lock_sessions();
        if sessions.get(&client_id).is_some_and(|e| e.serial == serial) {
            sessions.remove(&client_id);
        }
    }
    shared.metrics.sessions_active.dec();
}

async fn run_stream(shared: Weak<Shared>, client_id: ClientId, stream: smux::Stream) {
    let Some(shared) = shared.upgrade() else { return };
    shared.metrics.streams_total.inc();
    let config = &shared.config;
    let user_addr = shared.useraddr.get(client_id).map(useraddr_for_ip);
    let tor = match dial_tor(
        &config.tor,
        user_addr.as_deref(),
        &config.transport_name,
        config.orport_srcaddr.as_ref(),
        config.timeouts.tor_dial,
    )
    .await
    {
        Ok(tor) => tor,
        Err(e) => {
            shared.metrics.tor_dial_failures.inc();
            tracing::warn!("{e}");
            return;
        }
    };
    shared.metrics.streams_active.inc();
    let end = relay(
        stream,
        tor,
        config.timeouts.half_close_linger,
        &shared.metrics.bytes_to_tor,
        &shared.metrics.bytes_to_client,
    )
    .await;
    shared.metrics.streams_active.dec();
    match end {
        RelayEnd::Failed(e) => tracing::debug!(%client_id, "stream ended: {e}"),
        other => tracing::debug!(%client_id, "stream ended: {other:?}"),
    }
}

// ---- metrics read at scrape time -----------------------------------------

/// Reads the shards' drop counters and the sessions' receive buffers at
/// every scrape.
struct StatsCollector {
    shared: Weak<Shared>,
    dropped: IntCounterVec,
    buffered: IntGauge,
    client_queues: IntGauge,
    scrape: Mutex<()>,
}

impl StatsCollector {
    fn new(shared: Weak<Shared>) -> Result<Self, prometheus::Error> {
        Ok(Self {
            shared,
            dropped: IntCounterVec::new(
                Opts::new(
                    "packets_dropped_total",
                    "Turbo Tunnel and KCP packets dropped, by reason",
                )
                .namespace(metrics::NAMESPACE),
                &["reason"],
            )?,
            buffered: IntGauge::with_opts(
                Opts::new(
                    "kcp_receive_buffered_bytes",
                    "Payload bytes held by the KCP sessions' receive buffers",
                )
                .namespace(metrics::NAMESPACE),
            )?,
            client_queues: IntGauge::with_opts(
                Opts::new("client_queues", "Clients with a send queue")
                    .namespace(metrics::NAMESPACE),
            )?,
            scrape: Mutex::new(()),
        })
    }
}

fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Collector for StatsCollector {
    fn desc(&self) -> Vec<&Desc> {
        let mut descs = self.dropped.desc();
        descs.extend(self.buffered.desc());
        descs.extend(self.client_queues.desc());
        descs
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let _one_at_a_time = self.scrape.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(shared) = self.shared.upgrade() else {
            return Vec::new();
        };
        let mut totals: HashMap<&'static str, u64> = HashMap::new();
        let mut clients = 0usize;
        for shard in &shared.shards {
            let q = shard.conn.stats();
            let l = shard.listener.stats();
            for (reason, value) in [
                ("incoming_queue_full", q.incoming_dropped),
                ("client_queue_full", q.outgoing_dropped),
                ("oversize", q.oversize_dropped),
                ("client_table_full", q.clients_refused),
                ("conv_mismatch", l.conv_mismatch_dropped),
                ("invalid", l.invalid_dropped),
                ("session_cap", l.session_cap_dropped),
                ("accept_backlog", l.backlog_dropped),
                ("session_queue_full", l.queue_full_dropped),
            ] {
                *totals.entry(reason).or_default() += value;
            }
            clients += shard.conn.client_count();
        }
        self.dropped.reset();
        for (reason, value) in totals {
            self.dropped.with_label_values(&[reason]).inc_by(value);
        }
        let buffered: u64 = shared
            .lock_sessions()
            .values()
            .filter_map(|e| e.monitor.receive_buffered_bytes())
            .map(|b| b as u64)
            .sum();
        self.buffered.set(clamp(buffered));
        self.client_queues.set(clamp(clients as u64));
        let mut families = self.dropped.collect();
        families.extend(self.buffered.collect());
        families.extend(self.client_queues.collect());
        families
    }
}
