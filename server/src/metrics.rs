//! Prometheus metrics and the small HTTP endpoint that serves them.
//!
//! Counters the server updates as things happen live in [`Metrics`];
//! figures owned by other components (the Turbo Tunnel queues' and KCP
//! listeners' drop counters and evictions, the sessions' receive buffers)
//! are read at scrape time by a collector the server registers with
//! [`Metrics::register_collector`].

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use prometheus::core::Collector;
use prometheus::{
    Encoder, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};
use snowflake_common::fd_limit::AcceptBackoff;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// Prefix of every metric name.
pub const NAMESPACE: &str = "snowflake_server";

/// Why a WebSocket connection was refused or closed early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// The connection cap was reached.
    ConnectionLimit,
    /// TLS or the HTTP/WebSocket handshake failed or timed out.
    Handshake,
    /// The stream did not start with the Turbo Tunnel token.
    BadToken,
    /// The stream ended or stalled inside the preamble.
    NoPreamble,
    /// The client table of the ClientId's Turbo Tunnel shard is full and
    /// no entry in it has been idle long enough to be evicted.
    ClientTableFull,
    /// A session opened more streams than `max_streams_per_session` (the
    /// stream, not the connection, is refused).
    StreamLimit,
    /// A WebSocket message stayed incomplete longer than the message
    /// timeout.
    MessageTimeout,
}

impl RejectReason {
    fn label(self) -> &'static str {
        match self {
            Self::ConnectionLimit => "connection_limit",
            Self::Handshake => "handshake",
            Self::BadToken => "bad_token",
            Self::NoPreamble => "no_preamble",
            Self::ClientTableFull => "client_table_full",
            Self::StreamLimit => "stream_limit",
            Self::MessageTimeout => "message_timeout",
        }
    }
}

/// The server's metrics.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    /// WebSocket connections accepted (TCP level).
    pub connections_total: IntCounter,
    /// WebSocket connections open now.
    pub connections_active: IntGauge,
    /// Connections that reported a usable `client_ip`.
    pub connections_with_client_ip: IntCounter,
    rejected: IntCounterVec,
    /// KCP sessions accepted.
    pub sessions_total: IntCounter,
    /// KCP sessions alive now.
    pub sessions_active: IntGauge,
    /// KCP sessions closed because no stream carried data within the
    /// new-session timeout.
    pub sessions_expired: IntCounter,
    /// KCP sessions closed because all their streams had ended.
    pub sessions_finished: IntCounter,
    /// smux streams closed before any data arrived (no tor connection was
    /// made for them).
    pub streams_without_data: IntCounter,
    /// smux streams accepted.
    pub streams_total: IntCounter,
    /// smux streams relayed now.
    pub streams_active: IntGauge,
    /// Failed connections to tor.
    pub tor_dial_failures: IntCounter,
    /// Stream bytes from clients to tor.
    pub bytes_to_tor: IntCounter,
    /// Stream bytes from tor to clients.
    pub bytes_to_client: IntCounter,
    /// WebSocket payload bytes received.
    pub websocket_bytes_in: IntCounter,
    /// WebSocket payload bytes sent.
    pub websocket_bytes_out: IntCounter,
    tor_instances: TorInstanceVecs,
}

/// The per-instance families, labelled `instance`.
#[derive(Debug, Clone)]
struct TorInstanceVecs {
    up: IntGaugeVec,
    connections: IntGaugeVec,
    connections_total: IntCounterVec,
    dial_failures: IntCounterVec,
}

/// One tor instance's metrics (docs/tor-instances.md), labelled with its
/// address.
#[derive(Debug, Clone)]
pub struct TorInstanceMetrics {
    /// 1 while the instance is up (chosen for new sessions), 0 while down.
    pub up: IntGauge,
    /// Connections to it being relayed now.
    pub connections: IntGauge,
    /// Connections to it made (successful dials).
    pub connections_total: IntCounter,
    /// Failed dials of client streams to it (connecting or Extended
    /// ORPort authentication); failed health probes are not counted.
    pub dial_failures: IntCounter,
}

fn opts(name: &str, help: &str) -> Opts {
    Opts::new(name, help).namespace(NAMESPACE)
}

impl Metrics {
    /// Fresh metrics in their own registry. Fails only on an invalid metric
    /// definition (a programming error).
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let counter = |name: &str, help: &str| -> Result<IntCounter, prometheus::Error> {
            let c = IntCounter::with_opts(opts(name, help))?;
            registry.register(Box::new(c.clone()))?;
            Ok(c)
        };
        let gauge = |name: &str, help: &str| -> Result<IntGauge, prometheus::Error> {
            let g = IntGauge::with_opts(opts(name, help))?;
            registry.register(Box::new(g.clone()))?;
            Ok(g)
        };
        let labelled =
            |name: &str, help: &str, direction: &str| -> Result<IntCounter, prometheus::Error> {
                let c =
                    IntCounter::with_opts(opts(name, help).const_label("direction", direction))?;
                registry.register(Box::new(c.clone()))?;
                Ok(c)
            };
        let rejected = IntCounterVec::new(
            opts(
                "connections_rejected_total",
                "WebSocket connections refused or closed before carrying a session, by reason",
            ),
            &["reason"],
        )?;
        registry.register(Box::new(rejected.clone()))?;
        let instance_gauge = |name: &str, help: &str| -> Result<IntGaugeVec, prometheus::Error> {
            let g = IntGaugeVec::new(opts(name, help), &["instance"])?;
            registry.register(Box::new(g.clone()))?;
            Ok(g)
        };
        let instance_counter =
            |name: &str, help: &str| -> Result<IntCounterVec, prometheus::Error> {
                let c = IntCounterVec::new(opts(name, help), &["instance"])?;
                registry.register(Box::new(c.clone()))?;
                Ok(c)
            };
        let tor_instances = TorInstanceVecs {
            up: instance_gauge(
                "tor_instance_up",
                "1 while the tor instance is chosen for new sessions, 0 while it is down",
            )?,
            connections: instance_gauge(
                "tor_instance_connections",
                "Connections to the tor instance being relayed",
            )?,
            connections_total: instance_counter(
                "tor_instance_connections_total",
                "Connections made to the tor instance",
            )?,
            dial_failures: instance_counter(
                "tor_instance_dial_failures_total",
                "Failed connections to the tor instance for client streams (connecting or Extended ORPort authentication)",
            )?,
        };
        const STREAM_BYTES: &str = "Stream bytes relayed between clients and tor";
        const WS_BYTES: &str = "WebSocket payload bytes";
        Ok(Self {
            connections_total: counter("connections_total", "WebSocket connections accepted")?,
            connections_active: gauge("connections_active", "WebSocket connections open")?,
            connections_with_client_ip: counter(
                "connections_with_client_ip_total",
                "WebSocket connections whose proxy reported a usable client_ip",
            )?,
            rejected,
            sessions_total: counter("sessions_total", "KCP sessions accepted")?,
            sessions_active: gauge("sessions_active", "KCP sessions alive")?,
            sessions_expired: counter(
                "sessions_expired_total",
                "KCP sessions closed because no stream carried data within the new-session timeout",
            )?,
            sessions_finished: counter(
                "sessions_finished_total",
                "KCP sessions closed because all their streams had ended",
            )?,
            streams_without_data: counter(
                "streams_without_data_total",
                "smux streams that ended before carrying data (tor was never dialled for them)",
            )?,
            streams_total: counter("streams_total", "smux streams accepted")?,
            streams_active: gauge("streams_active", "smux streams being relayed")?,
            tor_dial_failures: counter(
                "tor_dial_failures_total",
                "Failed connections to the (Extended) ORPort",
            )?,
            bytes_to_tor: labelled("stream_bytes_total", STREAM_BYTES, "to_tor")?,
            bytes_to_client: labelled("stream_bytes_total", STREAM_BYTES, "to_client")?,
            websocket_bytes_in: labelled("websocket_bytes_total", WS_BYTES, "in")?,
            websocket_bytes_out: labelled("websocket_bytes_total", WS_BYTES, "out")?,
            tor_instances,
            registry,
        })
    }

    /// Counts a refused connection.
    pub fn reject(&self, reason: RejectReason) {
        self.rejected.with_label_values(&[reason.label()]).inc();
    }

    /// Refused connections so far for `reason`.
    pub fn rejected(&self, reason: RejectReason) -> u64 {
        self.rejected.with_label_values(&[reason.label()]).get()
    }

    /// The metrics of the tor instance labelled `instance` (created on
    /// first use; the up gauge starts at 0).
    pub fn tor_instance(&self, instance: &str) -> Result<TorInstanceMetrics, prometheus::Error> {
        let vecs = &self.tor_instances;
        Ok(TorInstanceMetrics {
            up: vecs.up.get_metric_with_label_values(&[instance])?,
            connections: vecs.connections.get_metric_with_label_values(&[instance])?,
            connections_total: vecs
                .connections_total
                .get_metric_with_label_values(&[instance])?,
            dial_failures: vecs
                .dial_failures
                .get_metric_with_label_values(&[instance])?,
        })
    }

    /// Adds a collector read at every scrape.
    pub fn register_collector(
        &self,
        collector: Box<dyn Collector>,
    ) -> Result<(), prometheus::Error> {
        self.registry.register(collector)
    }

    /// All metrics in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!("encoding metrics: {e}");
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// Longest HTTP request head accepted by the metrics endpoint.
const MAX_REQUEST_HEAD: usize = 8192;
/// Time a scraper gets to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `GET /metrics` (and `GET /`) on `listener` until `cancel`.
pub async fn serve(listener: TcpListener, metrics: Metrics, cancel: CancellationToken) {
    let mut backoff = AcceptBackoff::new();
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                backoff.accepted();
                let metrics = metrics.clone();
                tokio::spawn(async move {
                    if let Err(e) =
                        tokio::time::timeout(REQUEST_TIMEOUT, answer(stream, &metrics)).await
                    {
                        tracing::debug!("metrics request timed out: {e}");
                    }
                });
            }
            Err(e) => backoff.after_error("metrics", &e).await,
        }
    }
}

async fn answer(mut stream: TcpStream, metrics: &Metrics) -> io::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(buf.get(..n).unwrap_or_default());
        if head.len() > MAX_REQUEST_HEAD {
            return stream
                .write_all(b"HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
    }
    let request_line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let mut parts = request_line.split(|&b| b == b' ');
    let method = parts.next().unwrap_or_default();
    let path = parts.next().unwrap_or_default();
    let response = if method != b"GET" {
        "HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            .to_owned()
    } else if path == b"/metrics" || path == b"/" {
        let body = metrics.render();
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    } else {
        "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".to_owned()
    };
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// Binds the metrics endpoint on `addr` and serves it in the background.
/// Returns the bound address.
pub async fn spawn_endpoint(
    addr: SocketAddr,
    metrics: Metrics,
    cancel: CancellationToken,
) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    tokio::spawn(serve(listener, metrics, cancel));
    Ok(local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn endpoint_serves_the_text_format() {
        let metrics = Metrics::new().expect("metrics");
        metrics.sessions_total.inc();
        metrics.reject(RejectReason::BadToken);
        let cancel = CancellationToken::new();
        let addr = spawn_endpoint(
            "127.0.0.1:0".parse().unwrap(),
            metrics.clone(),
            cancel.clone(),
        )
        .await
        .expect("bind");
        let mut conn = TcpStream::connect(addr).await.expect("connect");
        conn.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("write");
        let mut response = String::new();
        conn.read_to_string(&mut response).await.expect("read");
        assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
        assert!(
            response.contains("snowflake_server_sessions_total 1"),
            "{response}"
        );
        assert!(
            response
                .contains("snowflake_server_connections_rejected_total{reason=\"bad_token\"} 1"),
            "{response}"
        );
        let mut conn = TcpStream::connect(addr).await.expect("connect");
        conn.write_all(b"GET /other HTTP/1.1\r\n\r\n")
            .await
            .expect("write");
        let mut response = String::new();
        conn.read_to_string(&mut response).await.expect("read");
        assert!(response.starts_with("HTTP/1.1 404"), "{response}");
        cancel.cancel();
    }
}
