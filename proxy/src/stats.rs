//! What the proxy counts, for the periodic summary line and Prometheus.
//!
//! The counters are Prometheus counters (atomic, cheap to bump from every
//! relay task); the summary takes differences between snapshots, which is
//! pure arithmetic and unit-tested here.

use std::fmt::Write as _;
use std::time::Duration;

use prometheus::{IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};
use snowflake_common::messages::NatType;

/// Prometheus namespace, as upstream's proxy uses.
pub const METRICS_NAMESPACE: &str = "tor_snowflake_proxy";

/// The path the metrics are served at, as upstream's proxy does.
pub const METRICS_PATH: &str = "/internal/metrics";

/// Every counter of a running proxy.
#[derive(Debug, Clone)]
pub struct ProxyStats {
    registry: Registry,
    /// Clients whose data channel opened and whose relay connection was
    /// made, in total (the sum of [`ProxyStats::count_connection`]'s
    /// per-country series; bump it through that method).
    pub connections: IntCounter,
    /// The same, by the client's country (upstream's
    /// `connections_total{country}`; `""` when unknown).
    connections_by_country: IntCounterVec,
    /// Clients that got an answer but never opened their channel in time
    /// (upstream `connection_timeouts_total`).
    pub connection_timeouts: IntCounter,
    /// Offers refused because of the relay URL policy.
    pub relays_refused: IntCounter,
    /// Bytes received from clients and sent to relays.
    pub bytes_from_clients: IntCounter,
    /// Bytes received from relays and sent to clients.
    pub bytes_to_clients: IntCounter,
    /// Clients being served now (negotiating or relaying).
    pub active_clients: IntGauge,
    /// Clients that switched to the datagram channel.
    pub datagram_clients: IntCounter,

    /// Polls that failed (HTTP or decoding).
    pub poll_failures: IntCounter,
    /// 1 for the current NAT type, 0 for the others.
    nat_type: IntGaugeVec,
}

fn counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let counter = IntCounter::with_opts(Opts::new(name, help).namespace(METRICS_NAMESPACE))
        .expect("constant metric definitions are valid");
    // Registering a fresh, uniquely named collector in a fresh registry
    // cannot fail; if it did, the metric would only be missing from
    // scrapes.
    let _ = registry.register(Box::new(counter.clone()));
    counter
}

impl ProxyStats {
    /// Fresh counters in their own registry.
    pub fn new() -> Self {
        let registry = Registry::new();
        let active_clients = IntGauge::with_opts(
            Opts::new("connected_clients", "Clients being served right now")
                .namespace(METRICS_NAMESPACE),
        )
        .expect("constant metric definitions are valid");
        let _ = registry.register(Box::new(active_clients.clone()));
        let nat_type = IntGaugeVec::new(
            Opts::new(
                "nat_type",
                "The proxy's current NAT type (1 for the current one)",
            )
            .namespace(METRICS_NAMESPACE),
            &["type"],
        )
        .expect("constant metric definitions are valid");
        let _ = registry.register(Box::new(nat_type.clone()));
        let connections_by_country = IntCounterVec::new(
            Opts::new(
                "connections_total",
                "Client connections relayed (data channel open and relay connected), \
                 by the client's country (empty when unknown)",
            )
            .namespace(METRICS_NAMESPACE),
            &["country"],
        )
        .expect("constant metric definitions are valid");
        let _ = registry.register(Box::new(connections_by_country.clone()));
        let stats = ProxyStats {
            // The total is not exported: Prometheus has the per-country
            // series under the name upstream uses.
            connections: IntCounter::new("connections", "Client connections relayed, in total")
                .expect("constant metric definitions are valid"),
            connections_by_country,
            connection_timeouts: counter(
                &registry,
                "connection_timeouts_total",
                "Clients that did not open their data channel in time after the answer",
            ),
            relays_refused: counter(
                &registry,
                "relay_refused_total",
                "Offers dropped because their relay URL is not allowed",
            ),
            bytes_from_clients: counter(
                &registry,
                "traffic_inbound_bytes_total",
                "Bytes received from clients and relayed to servers",
            ),
            bytes_to_clients: counter(
                &registry,
                "traffic_outbound_bytes_total",
                "Bytes received from servers and relayed to clients",
            ),
            datagram_clients: counter(
                &registry,
                "datagram_clients_total",
                "Clients that switched to the datagram channel",
            ),
            poll_failures: counter(
                &registry,
                "broker_poll_failures_total",
                "Broker polls that failed",
            ),
            active_clients,
            nat_type,
            registry,
        };
        stats.set_nat_type(NatType::Unknown);
        stats
    }

    /// Counts one relayed client from `country` (a country code, or `""`
    /// when unknown).
    pub fn count_connection(&self, country: &str) {
        self.connections.inc();
        self.connections_by_country
            .with_label_values(&[country])
            .inc();
    }

    /// Records the current NAT type.
    pub fn set_nat_type(&self, nat: NatType) {
        for t in [
            NatType::Unknown,
            NatType::Restricted,
            NatType::Unrestricted,
            NatType::Strict,
            NatType::Moderate,
            NatType::Open,
        ] {
            self.nat_type
                .with_label_values(&[t.as_str()])
                .set(i64::from(t == nat));
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn prometheus_text(&self) -> String {
        let encoder = prometheus::TextEncoder::new();
        encoder
            .encode_to_string(&self.registry.gather())
            .unwrap_or_default()
    }

    /// The numbers the summary line is made from.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            connections: self.connections.get(),
            bytes_from_clients: self.bytes_from_clients.get(),
            bytes_to_clients: self.bytes_to_clients.get(),
        }
    }
}

impl Default for ProxyStats {
    fn default() -> Self {
        ProxyStats::new()
    }
}

/// Cumulative counts at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Connections completed so far.
    pub connections: u64,
    /// Bytes from clients so far.
    pub bytes_from_clients: u64,
    /// Bytes to clients so far.
    pub bytes_to_clients: u64,
}

/// The periodic summary: remembers the previous snapshot and turns the
/// difference into a line.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    previous: StatsSnapshot,
}

impl Summary {
    /// Starts from `start`.
    pub fn new(start: StatsSnapshot) -> Self {
        Summary { previous: start }
    }

    /// The line for the interval `elapsed` ending at `now`, e.g.
    /// `In the last 1h0m0s, there were 3 completed successful connections.
    /// Traffic Relayed ↓ 2048 KB (0.57 KB/s), ↑ 512 KB (0.14 KB/s).`
    /// (↓ toward clients, ↑ from clients, as upstream 2.14 writes it.)
    pub fn line(&mut self, now: StatsSnapshot, elapsed: Duration) -> String {
        let connections = now.connections.saturating_sub(self.previous.connections);
        let down = now
            .bytes_to_clients
            .saturating_sub(self.previous.bytes_to_clients);
        let up = now
            .bytes_from_clients
            .saturating_sub(self.previous.bytes_from_clients);
        self.previous = now;
        let secs = elapsed.as_secs_f64().max(1e-9);
        let kb = |bytes: u64| bytes / 1024;
        let rate = |bytes: u64| bytes as f64 / 1024.0 / secs;
        format!(
            "In the last {}, there were {connections} completed successful connections. \
             Traffic Relayed ↓ {} KB ({:.2} KB/s), ↑ {} KB ({:.2} KB/s).",
            go_duration(elapsed),
            kb(down),
            rate(down),
            kb(up),
            rate(up),
        )
    }
}

/// The line logged when the proxy stops: everything it did since it
/// started `uptime` ago, e.g. `Stopped after 2h0m5s: 12 completed
/// successful connections in total. Traffic Relayed ↓ 4096 KB, ↑ 1024 KB.`
pub fn totals_line(total: StatsSnapshot, uptime: Duration) -> String {
    format!(
        "Stopped after {}: {} completed successful connections in total. \
         Traffic Relayed ↓ {} KB, ↑ {} KB.",
        go_duration(uptime),
        total.connections,
        total.bytes_to_clients / 1024,
        total.bytes_from_clients / 1024,
    )
}

/// A duration as Go prints it, to whole seconds: `1h0m0s`, `5m30s`, `42s`.
pub fn go_duration(d: Duration) -> String {
    let total = d.as_secs();
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let mut out = String::new();
    if h > 0 {
        let _ = write!(out, "{h}h{m}m{s}s");
    } else if m > 0 {
        let _ = write!(out, "{m}m{s}s");
    } else {
        let _ = write!(out, "{s}s");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reports_differences() {
        let stats = ProxyStats::new();
        let mut summary = Summary::new(stats.snapshot());
        stats.connections.inc_by(3);
        stats.bytes_to_clients.inc_by(2048 * 1024);
        stats.bytes_from_clients.inc_by(512 * 1024);
        let line = summary.line(stats.snapshot(), Duration::from_secs(3600));
        assert_eq!(
            line,
            "In the last 1h0m0s, there were 3 completed successful connections. \
             Traffic Relayed ↓ 2048 KB (0.57 KB/s), ↑ 512 KB (0.14 KB/s)."
        );
        // The next interval starts from where this one ended.
        stats.connections.inc();
        let line = summary.line(stats.snapshot(), Duration::from_secs(90));
        assert!(
            line.starts_with("In the last 1m30s, there were 1 completed successful connections. Traffic Relayed ↓ 0 KB (0.00 KB/s), ↑ 0 KB"),
            "{line}"
        );
    }

    #[test]
    fn totals_count_from_the_start() {
        let stats = ProxyStats::new();
        let mut summary = Summary::new(stats.snapshot());
        stats.connections.inc_by(2);
        stats.bytes_to_clients.inc_by(3 * 1024 * 1024);
        // A summary in between does not reset the totals.
        let _ = summary.line(stats.snapshot(), Duration::from_secs(60));
        stats.connections.inc();
        stats.bytes_from_clients.inc_by(1536);
        assert_eq!(
            totals_line(stats.snapshot(), Duration::from_secs(7205)),
            "Stopped after 2h0m5s: 3 completed successful connections in total. \
             Traffic Relayed ↓ 3072 KB, ↑ 1 KB."
        );
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(Duration::from_secs(0)), "0s");
        assert_eq!(go_duration(Duration::from_secs(59)), "59s");
        assert_eq!(go_duration(Duration::from_secs(61)), "1m1s");
        assert_eq!(go_duration(Duration::from_secs(86400)), "24h0m0s");
    }

    #[test]
    fn prometheus_names() {
        let stats = ProxyStats::new();
        stats.count_connection("");
        stats.count_connection("AQ");
        stats.count_connection("AQ");
        stats.set_nat_type(NatType::Restricted);
        assert_eq!(stats.snapshot().connections, 3);
        let text = stats.prometheus_text();
        for line in [
            "tor_snowflake_proxy_connections_total{country=\"\"} 1",
            "tor_snowflake_proxy_connections_total{country=\"AQ\"} 2",
            "tor_snowflake_proxy_connection_timeouts_total 0",
            "tor_snowflake_proxy_traffic_inbound_bytes_total 0",
            "tor_snowflake_proxy_traffic_outbound_bytes_total 0",
            "tor_snowflake_proxy_connected_clients 0",
            "tor_snowflake_proxy_nat_type{type=\"restricted\"} 1",
            "tor_snowflake_proxy_nat_type{type=\"unknown\"} 0",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }
}
