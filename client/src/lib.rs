//! Snowflake client: what tor (or any SOCKS5 application) uses to reach a
//! Snowflake bridge through short-lived volunteer WebRTC proxies.
//!
//! Each SOCKS5 connection (tor's connection to one bridge) becomes one
//! Turbo Tunnel session ([`tunnel::Tunnel`]): a fresh ClientId, KCP and smux
//! v2 over a set of proxies. Proxies come from the broker
//! ([`rendezvous`], [`dialer`]) and are kept filled by [`collector`]; the
//! session survives their coming and going, either one proxy at a time
//! ([`paths::RedialPacketConn`]) or striped across several
//! ([`paths::MultiplexingPacketConn`]). Dead proxies are found from link
//! events and from unacknowledged data ([`scheduler`]).
//!
//! Where the Turbo Tunnel design's parts are:
//!
//! | design | here |
//! |---|---|
//! | `RedialPacketConn` (one proxy at a time, the next takes over) | [`paths::RedialPacketConn`]; the redialling itself is [`collector::keep_filled`] |
//! | `MultiplexingPacketConn` (striping over several proxies) | [`paths::MultiplexingPacketConn`] |
//! | both: the proxies under one ClientId | [`paths::ProxyPaths`] |
//! | which proxy carries a packet, which proxy is dead | [`scheduler::PathScheduler`] |
//! | the session over them (KCP, smux) | [`tunnel::Tunnel`] |
//!
//! [`Client::start`] runs a SOCKS listener in process (tests, the demo);
//! [`pt`] is tor's managed-transport mode that the binary uses.

pub mod cli;
pub mod collector;
pub mod config;
pub mod datagram_path;
pub mod dialer;
pub mod nat;
pub mod paths;
pub mod pt;
pub mod rendezvous;
pub mod rendezvous_fallback;
pub mod rendezvous_tls;
pub mod scheduler;
pub mod tunnel;
pub mod upstream_proxy;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use snowflake_common::fd_limit::AcceptBackoff;
use snowflake_common::pt::socks::{accept_socks5, SocksFailure, DEFAULT_HANDSHAKE_TIMEOUT};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use crate::collector::Reporter;
pub use crate::config::ClientConfig;
use crate::dialer::{ProxyDialer, SnowflakeDialer};
use crate::tunnel::Tunnel;

/// How long closing a session may wait for smux to wind down.
const CLOSE_GRACE: Duration = Duration::from_secs(3);

/// Longest wait at the end of a session for the server to acknowledge the
/// stream's FIN (and anything else still queued) before the proxies close.
const FIN_DRAIN: Duration = Duration::from_millis(1500);

/// Counters of a running client.
#[derive(Debug, Default)]
pub struct ClientStats {
    /// SOCKS connections accepted.
    pub connections: AtomicU64,
    /// SOCKS connections refused (bad handshake or arguments).
    pub refused: AtomicU64,
    /// Sessions that have ended.
    pub sessions_ended: AtomicU64,
}

/// Makes the dialer for one SOCKS connection's configuration. The default
/// talks to the broker; tests may substitute one.
/// The reporter, when given, hears what tor should log (a rendezvous
/// method that failed).
pub type DialerFactory = Arc<
    dyn Fn(&ClientConfig, Option<Reporter>) -> Result<Arc<dyn ProxyDialer>, String> + Send + Sync,
>;

/// The default [`DialerFactory`]: [`SnowflakeDialer`].
pub fn snowflake_dialers() -> DialerFactory {
    Arc::new(|config: &ClientConfig, reporter: Option<Reporter>| {
        SnowflakeDialer::with_reporter(config, reporter)
            .map(|d| Arc::new(d) as Arc<dyn ProxyDialer>)
            .map_err(|e| e.to_string())
    })
}

/// A running client: a SOCKS5 listener whose connections become sessions.
pub struct ClientHandle {
    socks_addr: SocketAddr,
    stats: Arc<ClientStats>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for ClientHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientHandle")
            .field("socks_addr", &self.socks_addr)
            .finish_non_exhaustive()
    }
}

impl ClientHandle {
    /// Where the SOCKS5 listener is.
    pub fn socks_addr(&self) -> SocketAddr {
        self.socks_addr
    }

    /// The client's counters.
    pub fn stats(&self) -> &ClientStats {
        &self.stats
    }

    /// Stops listening and ends every session.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// The client entry point.
#[derive(Debug)]
pub struct Client;

impl Client {
    /// Listens for SOCKS5 on `listen` and serves each connection with
    /// `config` (overridden by the connection's arguments). `reporter`
    /// receives messages meant for tor's log.
    pub async fn start(
        config: ClientConfig,
        listen: SocketAddr,
        reporter: Option<Reporter>,
    ) -> std::io::Result<ClientHandle> {
        Self::start_with_dialers(config, listen, reporter, snowflake_dialers()).await
    }

    /// [`Client::start`] with a dialer factory of choice.
    pub async fn start_with_dialers(
        config: ClientConfig,
        listen: SocketAddr,
        reporter: Option<Reporter>,
        dialers: DialerFactory,
    ) -> std::io::Result<ClientHandle> {
        let listener = TcpListener::bind(listen).await?;
        let socks_addr = listener.local_addr()?;
        let stats = Arc::new(ClientStats::default());
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(
            listener,
            Arc::new(config),
            reporter,
            dialers,
            Arc::clone(&stats),
            stop_rx,
        ));
        Ok(ClientHandle {
            socks_addr,
            stats,
            stop,
            task,
        })
    }
}

async fn accept_loop(
    listener: TcpListener,
    config: Arc<ClientConfig>,
    reporter: Option<Reporter>,
    dialers: DialerFactory,
    stats: Arc<ClientStats>,
    mut stop: watch::Receiver<bool>,
) {
    let mut sessions = tokio::task::JoinSet::new();
    let mut backoff = AcceptBackoff::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) if sessions.len() >= config.max_sessions => {
                    // Every session holds proxies and memory: refuse
                    // rather than queue.
                    stats.refused.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(limit = config.max_sessions, "too many SOCKS connections; closing a new one");
                    drop(stream);
                }
                Ok((stream, _)) => {
                    backoff.accepted();
                    stats.connections.fetch_add(1, Ordering::Relaxed);
                    sessions.spawn(serve_connection(
                        stream,
                        Arc::clone(&config),
                        reporter.clone(),
                        Arc::clone(&dialers),
                        Arc::clone(&stats),
                    ));
                }
                Err(e) => backoff.after_error("SOCKS", &e).await,
            },
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
            _ = stop.changed() => break,
        }
    }
    sessions.shutdown().await;
}

fn report(reporter: &Option<Reporter>, message: String) {
    if let Some(report) = reporter {
        report(message);
    }
}

async fn serve_connection(
    mut stream: TcpStream,
    base: Arc<ClientConfig>,
    reporter: Option<Reporter>,
    dialers: DialerFactory,
    stats: Arc<ClientStats>,
) {
    let _ = stream.set_nodelay(true);
    let accepted = match accept_socks5(&mut stream, DEFAULT_HANDSHAKE_TIMEOUT).await {
        Ok(accepted) => accepted,
        Err(e) => {
            stats.refused.fetch_add(1, Ordering::Relaxed);
            tracing::info!("SOCKS handshake failed: {e}");
            return;
        }
    };
    let setup = base
        .with_args(&accepted.request.args)
        .map_err(|e| e.to_string())
        .and_then(|(config, warnings)| Ok((dialers(&config, reporter.clone())?, config, warnings)));
    let (dialer, config, warnings) = match setup {
        Ok(setup) => setup,
        Err(e) => {
            stats.refused.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("refusing SOCKS connection: {e}");
            report(&reporter, format!("refusing connection: {e}"));
            let _ = accepted
                .reject(&mut stream, SocksFailure::GeneralFailure)
                .await;
            return;
        }
    };
    for warning in warnings {
        tracing::warn!("{warning}");
        report(&reporter, warning);
    }
    // Granted at once, before any proxy is found: data tor writes now waits
    // in KCP until the first proxy connects (as upstream does).
    if accepted.grant(&mut stream).await.is_err() {
        return;
    }
    let tunnel = match Tunnel::start(
        dialer,
        config.max_proxies,
        config.striping,
        reporter.clone(),
    ) {
        Ok(tunnel) => tunnel,
        Err(e) => {
            tracing::warn!("session setup: {e}");
            return;
        }
    };
    let client_id = tunnel.client_id();
    tracing::info!(%client_id, striping = config.striping, max = config.max_proxies, "session started");
    if let Ok(mut smux_stream) = tunnel.open_stream().await {
        let early = !accepted.early_data.is_empty();
        let ok = !early || smux_stream.write_all(&accepted.early_data).await.is_ok();
        if ok {
            let (mut tor_read, mut tor_write) = stream.split();
            let (mut smux_read, mut smux_write) = tokio::io::split(smux_stream);
            // The session ends when either direction ends, as upstream's
            // copy loop does: tor never half-closes, and when tor hangs up
            // while no proxy answers, waiting for the other direction would
            // keep the session (and its proxy dialing) alive for nothing.
            tokio::select! {
                r = tokio::io::copy(&mut tor_read, &mut smux_write) => {
                    tracing::info!(%client_id, "session ended by the SOCKS side: {r:?}");
                }
                r = tokio::io::copy(&mut smux_read, &mut tor_write) => {
                    tracing::info!(%client_id, "session ended by the bridge side: {r:?}");
                }
            }
        }
    }
    stats.sessions_ended.fetch_add(1, Ordering::Relaxed);
    // The smux stream was dropped above, which queued its FIN: give it a
    // moment to reach the server so that the server can end the session
    // now rather than at its idle timeout.
    let _ = tokio::time::timeout(CLOSE_GRACE, tunnel.close(FIN_DRAIN)).await;
}
