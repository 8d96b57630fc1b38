//! Listening, TLS and connection handling: the outermost, thinnest layer.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use snowflake_common::acme::{AcmeConfig, AcmeManager, ACME_TLS_ALPN};
use snowflake_common::fd_limit::AcceptBackoff;
use snowflake_common::namematcher::NameMatcher;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::config::{BrokerConfig, TlsFiles};
use crate::geoip::GeoIp;
use crate::http::{App, Reloadable};
use crate::matcher::{MatcherConfig, MatcherStats};
use crate::metrics::Metrics;
use crate::poll_interval::{PollIntervals, PoolIntervals};
use crate::rendezvous::Rendezvous;

/// Why the broker could not start.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: io::Error,
    },
    /// The certificate or key could not be loaded.
    #[error("TLS setup: {0}")]
    Tls(String),
    /// The ACME settings cannot work.
    #[error("ACME: {0}")]
    Acme(String),
    /// The metrics log file cannot be opened for appending.
    #[error("cannot open metrics log {path}: {source}")]
    MetricsLog {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The `-ip-count-prefix` files cannot be created.
    #[error("cannot create ip count files {prefix}-*: {source}")]
    IpCount {
        /// The prefix.
        prefix: String,
        /// The cause.
        source: io::Error,
    },
}

/// Starts brokers.
#[derive(Debug)]
pub struct Broker;

impl Broker {
    /// Binds `config.listen_addr` and serves until the returned handle is
    /// shut down or dropped. Must be called within a tokio runtime.
    pub async fn start(config: BrokerConfig) -> Result<BrokerHandle, BrokerError> {
        let tls = config.tls.as_ref().map(tls_acceptor).transpose()?;
        if let Some(path) = &config.metrics_log_path {
            open_append(path)
                .await
                .map_err(|source| BrokerError::MetricsLog {
                    path: path.clone(),
                    source,
                })?;
        }
        let ip_count = match &config.ip_count {
            Some(settings) => Some(std::sync::Mutex::new(
                crate::ip_count::IpCountFiles::create(&settings.prefix, settings.interval)
                    .map_err(|source| BrokerError::IpCount {
                        prefix: settings.prefix.clone(),
                        source,
                    })?,
            )),
            None => None,
        };
        let allowed_relay_pattern = NameMatcher::parse_lenient(&config.allowed_relay_pattern);
        for (fingerprint, bridge) in config.bridges.iter() {
            if !allowed_relay_pattern.is_member(&bridge.relay_host) {
                tracing::warn!(
                    %fingerprint,
                    relay = %bridge.websocket_address,
                    pattern = %config.allowed_relay_pattern,
                    "bridge relay is outside the allowed relay pattern; no proxy will be given it"
                );
            }
        }
        let listener = TcpListener::bind(config.listen_addr)
            .await
            .map_err(|source| BrokerError::Bind {
                addr: config.listen_addr,
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| BrokerError::Bind {
            addr: config.listen_addr,
            source,
        })?;
        // After binding: the CA may validate on this listener
        // (TLS-ALPN-01) as soon as the manager orders a certificate.
        let (tls, acme) = match (tls, &config.acme) {
            (Some(tls), _) => (Some(tls), None),
            (None, Some(settings)) => {
                let (acceptor, manager) = acme_acceptor(settings.clone())?;
                (Some(acceptor), Some(manager))
            }
            (None, None) => (None, None),
        };

        let rendezvous = Arc::new(Rendezvous::new(MatcherConfig {
            proxy_timeout: config.proxy_timeout,
            max_waiting_proxies: config.max_waiting_proxies,
            max_waiting_clients: config.max_waiting_clients,
        }));
        let metrics = Arc::new(Metrics::new(config.max_tracked_proxy_addresses));
        let app = Arc::new(App {
            rendezvous: rendezvous.clone(),
            metrics: metrics.clone(),
            bridges: config.bridges.clone(),
            allowed_relay_pattern,
            default_relay_pattern: config.default_relay_pattern.clone(),
            client_timeout: config.client_timeout,
            body_timeout: config.request_read_timeout,
            metrics_log_path: config.metrics_log_path.clone(),
            unsafe_logging: config.unsafe_logging,
            reloadable: RwLock::new(Reloadable {
                geoip: config.geoip.clone(),
                poll_intervals: config
                    .pool_intervals
                    .unwrap_or_else(|| config.poll_intervals.into()),
            }),
            demand: std::sync::Mutex::new(crate::demand::Demand::new(config.demand)),
            proxy_timeout: config.proxy_timeout,
            trusted_hops: config.trusted_hops,
            rate_limit: std::sync::Mutex::new(crate::rate_limit::PollRateLimit::new(
                config.max_rate_limited_addresses,
            )),
            ip_count,
        });

        let (shutdown_sender, shutdown) = watch::channel(false);
        let task = tokio::spawn(serve(listener, app.clone(), tls, config, shutdown));
        tracing::info!(%local_addr, "broker listening");
        Ok(BrokerHandle {
            local_addr,
            app,
            acme,
            shutdown: shutdown_sender,
            task: Some(task),
        })
    }
}

/// A running broker. Dropping it stops the broker without waiting.
#[derive(Debug)]
pub struct BrokerHandle {
    local_addr: SocketAddr,
    app: Arc<App>,
    /// Obtains and renews the certificate, with `-acme-hostnames`.
    acme: Option<AcmeManager>,
    shutdown: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").finish_non_exhaustive()
    }
}

impl BrokerHandle {
    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where the ACME HTTP-01 listener listens, if ACME is in use and the
    /// listener could be opened.
    pub fn acme_http01_addr(&self) -> Option<SocketAddr> {
        self.acme.as_ref().and_then(AcmeManager::http01_addr)
    }

    /// What the matcher holds right now.
    pub fn stats(&self) -> MatcherStats {
        self.app.stats()
    }

    /// The client-poll handler that SQS rendezvous feeds
    /// ([`crate::sqs::SqsRendezvous::start`]).
    pub fn client_polls(&self) -> Arc<dyn crate::sqs::ClientPolls> {
        self.app.clone()
    }

    /// Replaces the country tables (what `SIGHUP` does).
    pub fn set_geoip(&self, geoip: Option<Arc<GeoIp>>) {
        let mut reloadable = self
            .app
            .reloadable
            .write()
            .unwrap_or_else(|e| e.into_inner());
        reloadable.geoip = geoip;
    }

    /// Replaces the announced poll intervals, in the two-kind form.
    pub fn set_poll_intervals(&self, poll_intervals: PollIntervals) {
        self.set_pool_intervals(poll_intervals.into());
    }

    /// Replaces the announced poll intervals (what `SIGHUP` does).
    pub fn set_pool_intervals(&self, pool_intervals: PoolIntervals) {
        let mut reloadable = self
            .app
            .reloadable
            .write()
            .unwrap_or_else(|e| e.into_inner());
        reloadable.poll_intervals = pool_intervals;
    }

    /// Stops listening, drops every connection and waiting request, and
    /// waits until all of it has ended.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for BrokerHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn open_append(path: &Path) -> io::Result<tokio::fs::File> {
    tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .await
}

fn tls_acceptor(files: &TlsFiles) -> Result<TlsAcceptor, BrokerError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| BrokerError::Tls(format!("{}: {e}", files.cert.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| BrokerError::Tls(format!("{}: {e}", files.cert.display())))?;
    if certs.is_empty() {
        return Err(BrokerError::Tls(format!(
            "{}: no certificate found",
            files.cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| BrokerError::Tls(format!("{}: {e}", files.key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| BrokerError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| BrokerError::Tls(e.to_string()))?;
    server_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(server_config)))
}

/// A TLS acceptor serving the certificates an ACME manager obtains (and
/// answering TLS-ALPN-01 validation), and the manager.
fn acme_acceptor(settings: AcmeConfig) -> Result<(TlsAcceptor, AcmeManager), BrokerError> {
    tracing::info!("ACME hostnames: {:?}", settings.hostnames);
    let manager = AcmeManager::start(settings).map_err(|e| BrokerError::Acme(e.to_string()))?;
    let server_config =
        snowflake_common::acme::resolver::server_config(manager.resolver(), &[b"h2", b"http/1.1"])
            .map_err(|e| BrokerError::Tls(e.to_string()))?;
    Ok((TlsAcceptor::from(Arc::new(server_config)), manager))
}

async fn wait_for_shutdown(mut shutdown: watch::Receiver<bool>) {
    // Either the flag is set or the handle (sender) is gone.
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Accepts connections until shutdown, then ends every task it started.
async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    tls: Option<TlsAcceptor>,
    config: BrokerConfig,
    shutdown: watch::Receiver<bool>,
) {
    let mut tasks = JoinSet::new();
    tasks.spawn({
        let rendezvous = app.rendezvous.clone();
        let shutdown = shutdown.clone();
        async move { rendezvous.run_timer(wait_for_shutdown(shutdown)).await }
    });
    let metrics_sink = match config.metrics_log_path.clone() {
        Some(path) => Some(MetricsLogSink::File(path)),
        None if config.metrics_log_stdout => Some(MetricsLogSink::Stdout),
        None => None,
    };
    if let Some(sink) = metrics_sink {
        tasks.spawn(write_metrics_log(
            app.metrics.clone(),
            sink,
            config.metrics_log_interval,
        ));
    }
    let mut connections = JoinSet::new();
    let mut backoff = AcceptBackoff::new();
    let stop = wait_for_shutdown(shutdown);
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        while connections.try_join_next().is_some() {}
        match accepted {
            Ok((stream, peer)) => {
                backoff.accepted();
                if connections.len() >= config.max_connections {
                    tracing::debug!("connection limit reached; closing a new connection");
                    drop(stream);
                    continue;
                }
                connections.spawn(serve_connection(
                    stream,
                    peer,
                    app.clone(),
                    tls.clone(),
                    config.request_read_timeout,
                    config.max_http2_streams,
                ));
            }
            Err(error) => {
                // Typically out of file descriptors: back off instead of
                // spinning, log once in a while.
                backoff.after_error("broker HTTP", &error).await;
            }
        }
    }
    drop(listener);
    connections.shutdown().await;
    tasks.shutdown().await;
    tracing::info!("broker stopped");
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Arc<App>,
    tls: Option<TlsAcceptor>,
    read_timeout: Duration,
    max_http2_streams: u32,
) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request| {
        let app = app.clone();
        async move { Ok::<_, Infallible>(app.handle(request, peer).await) }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(max_http2_streams)
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(Duration::from_secs(20));
    let result = match tls {
        None => {
            // hyper's header timeout starts with the first byte; a
            // connection that never sends one would hold its slot forever.
            // (`readable()` may report a fresh socket ready spuriously;
            // `peek` waits for an actual byte.)
            let mut first_byte = [0u8; 1];
            match tokio::time::timeout(read_timeout, stream.peek(&mut first_byte)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => {
                    tracing::debug!("connection sent nothing in time");
                    return;
                }
            }
            builder
                .serve_connection(TokioIo::new(stream), service)
                .await
        }
        Some(acceptor) => {
            let tls_stream = match tokio::time::timeout(read_timeout, acceptor.accept(stream)).await
            {
                Ok(Ok(tls_stream)) => tls_stream,
                Ok(Err(error)) => {
                    tracing::debug!(%error, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!("TLS handshake timed out");
                    return;
                }
            };
            // A TLS-ALPN-01 validation connection ends with the handshake.
            if tls_stream.get_ref().1.alpn_protocol() == Some(ACME_TLS_ALPN) {
                return;
            }
            builder
                .serve_connection(TokioIo::new(tls_stream), service)
                .await
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, "connection ended with an error");
    }
}

/// Appends a metrics-log block every `interval`.
async fn write_metrics_log(metrics: Arc<Metrics>, sink: MetricsLogSink, interval: Duration) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    loop {
        ticker.tick().await;
        let block = metrics.take_log_block(SystemTime::now(), interval);
        let written = match &sink {
            MetricsLogSink::File(path) => match open_append(path).await {
                Ok(mut file) => file.write_all(block.as_bytes()).await,
                Err(error) => Err(error),
            },
            MetricsLogSink::Stdout => {
                let mut stdout = tokio::io::stdout();
                match stdout.write_all(block.as_bytes()).await {
                    Ok(()) => stdout.flush().await,
                    Err(error) => Err(error),
                }
            }
        };
        if let Err(error) = written {
            tracing::warn!(%error, sink = %sink, "cannot write metrics log");
        }
    }
}

/// Where the periodic metrics blocks go.
#[derive(Debug, Clone)]
enum MetricsLogSink {
    /// Appended to this file (`-metrics-log`).
    File(PathBuf),
    /// Written to stdout (no `-metrics-log`, as upstream).
    Stdout,
}

impl std::fmt::Display for MetricsLogSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MetricsLogSink::File(path) => write!(f, "{}", path.display()),
            MetricsLogSink::Stdout => f.write_str("stdout"),
        }
    }
}
