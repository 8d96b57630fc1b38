//! The command line: upstream's flag names, read as Go reads them
//! ([`snowflake_common::cli`]), turned into a [`ProxyConfig`].

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use snowflake_common::cli::{parse_go_duration, resolve_listen_host};
use snowflake_common::namematcher::NameMatcher;
use snowflake_rtc::covert::{CovertDtlsConfig, CovertDtlsError, CovertDtlsMode};

use crate::config::{
    ProxyConfig, DEFAULT_BROKER_URL, DEFAULT_GEOIP6_FILE, DEFAULT_GEOIP_FILE,
    DEFAULT_NAT_PROBE_URL, DEFAULT_RELAY_PATTERN, DEFAULT_RELAY_URL, DEFAULT_STUN_URL,
};
use crate::schedule::MIN_CLI_POLL_INTERVAL;

/// Snowflake standalone proxy: helps censored users reach Tor by relaying
/// their WebRTC connections to a Snowflake bridge.
//
// Boolean flags are plain `bool` fields: `snowflake_common::cli` gives
// them Go's syntax (`-flag`, `-flag=true`, `-flag=false`).
#[derive(Debug, Clone, Parser)]
#[command(name = "snowflake-proxy", disable_version_flag = true)]
pub struct Args {
    /// The URL of the broker server the proxy polls for clients.
    #[arg(long, default_value = DEFAULT_BROKER_URL)]
    pub broker: String,
    /// The relay (server) URL used when the broker names none.
    #[arg(long, default_value = DEFAULT_RELAY_URL)]
    pub relay: String,
    /// Comma-separated STUN server URLs.
    #[arg(long, default_value = DEFAULT_STUN_URL)]
    pub stun: String,
    /// Maximum concurrent clients (0: unlimited).
    #[arg(long, default_value_t = 0)]
    pub capacity: usize,
    /// Keep local LAN address ICE candidates.
    #[arg(long)]
    pub keep_local_addresses: bool,
    /// UDP port range for client connections, "<min>:<max>".
    #[arg(long)]
    pub ephemeral_ports_range: Option<String>,
    /// Relays whose hostname matches this pattern are allowed ("example.com$"
    /// also matches "other-example.com"; "^example.com$" only that name).
    #[arg(long, default_value = DEFAULT_RELAY_PATTERN)]
    pub allowed_relay_hostname_pattern: String,
    /// Allow relays without TLS (ws://); for testing.
    #[arg(long)]
    pub allow_non_tls_relay: bool,
    /// Allow relays on private, loopback or link-local addresses.
    #[arg(long)]
    pub allow_proxying_to_private_addresses: bool,
    /// The URL of the NAT type probe server ("" disables probing).
    #[arg(long, default_value = DEFAULT_NAT_PROBE_URL)]
    pub nat_probe_server: String,
    /// Interval between NAT type tests; 0s tests only once.
    #[arg(long, default_value = "24h", value_parser = parse_go_duration)]
    pub nat_retest_interval: Duration,
    /// Interval between summary log lines; 0s disables them.
    #[arg(long, default_value = "1h", value_parser = parse_go_duration)]
    pub summary_interval: Duration,
    /// Keep IP addresses in the logs.
    #[arg(long)]
    pub unsafe_logging: bool,
    /// Log file (default: stderr). The operator's lines (start, NAT
    /// type, summaries) also go to stderr, as upstream writes them.
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// Use local time for logging (default: UTC).
    #[arg(long)]
    pub log_local_time: bool,
    /// Do not log the periodic summary lines.
    #[arg(long)]
    pub disable_stats_logger: bool,
    /// The address to advertise in host candidates to clients instead of
    /// the local one (a 1:1 NAT address, e.g. a second address of a
    /// machine that also runs a bridge). Excludes -keep-local-addresses.
    #[arg(long)]
    pub outbound_address: Option<String>,
    /// Tor's IPv4 geoip file, for the per-country connection counts in
    /// the metrics (read only with -metrics; a missing file only means no
    /// countries).
    #[arg(long, default_value = DEFAULT_GEOIP_FILE)]
    pub geoipdb: PathBuf,
    /// Tor's IPv6 geoip file, likewise.
    #[arg(long, default_value = DEFAULT_GEOIP6_FILE)]
    pub geoip6db: PathBuf,
    /// More detailed logs.
    #[arg(long)]
    pub verbose: bool,
    /// Serve Prometheus metrics at /internal/metrics.
    #[arg(long)]
    pub metrics: bool,
    /// Listen address for the metrics.
    #[arg(long, default_value = "localhost")]
    pub metrics_address: String,
    /// Port for the metrics.
    #[arg(long, default_value_t = 9999)]
    pub metrics_port: u16,
    /// How often to poll the broker when it does not say (minimum 2s).
    #[arg(long, default_value = "5s", value_parser = parse_go_duration)]
    pub poll_interval: Duration,
    /// How long active clients may continue after SIGINT/SIGTERM.
    #[arg(long, default_value = "30s", value_parser = parse_go_duration)]
    pub drain_timeout: Duration,
    /// How the DTLS handshake is shaped: randomize, mimic, randomizemimic
    /// or disable (empty: randomizemimic).
    #[arg(long, default_value = "randomizemimic")]
    pub covertdtls_config: String,
    /// Hex of a DTLS ClientHello to imitate.
    #[arg(long)]
    pub covertdtls_fingerprint: Option<String>,
    /// Offer clients the datagram channel (unordered, no SCTP
    /// retransmission; only our client uses it). `-datagrams=false` offers
    /// only the reliable channel, as Go proxies do.
    #[arg(long, default_value_t = crate::config::DEFAULT_DATAGRAMS)]
    pub datagrams: bool,
    /// Tests and demos only: use 127.0.0.1 ICE candidates only, no STUN.
    #[arg(long)]
    pub loopback_only: bool,
    /// Print the version to stderr and exit.
    #[arg(long)]
    pub version: bool,
}

/// The line `-version` prints (to stderr, as upstream does).
pub fn version_line() -> String {
    format!("snowflake-proxy {}\n", env!("CARGO_PKG_VERSION"))
}

/// A flag value that makes no sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    /// `-ephemeral-ports-range` is not `<min>:<max>` with 0 < min ≤ max.
    #[error("bad -ephemeral-ports-range {0:?}: want \"<min>:<max>\" with 0 < min <= max")]
    PortRange(String),
    /// `-allowed-relay-hostname-pattern` does not end with `$`.
    #[error("bad -allowed-relay-hostname-pattern {0:?}: must end with '$'")]
    Pattern(String),
    /// `-poll-interval` below the minimum.
    #[error("-poll-interval must be at least {MIN_CLI_POLL_INTERVAL:?}")]
    PollInterval,
    /// The metrics address does not resolve.
    #[error("bad metrics address {0:?}")]
    MetricsAddress(String),
    /// `-outbound-address` is not an IP address.
    #[error("bad -outbound-address {0:?}: want an IP address")]
    OutboundAddress(String),
    /// `-outbound-address` with `-keep-local-addresses` (upstream refuses
    /// the pair too).
    #[error("cannot keep local address candidates when -outbound-address is specified")]
    OutboundWithLocalAddresses,
    /// No STUN server (and not loopback-only).
    #[error("-stun lists no STUN server")]
    NoStun,
    /// `-covertdtls-config` or `-covertdtls-fingerprint` cannot be used.
    #[error("bad -{flag}: {error}")]
    CovertDtls {
        /// The flag's name, without the dash.
        flag: &'static str,
        /// What is wrong with its value.
        error: CovertDtlsError,
    },
}

/// Parses `"<min>:<max>"`.
fn parse_port_range(text: &str) -> Result<(u16, u16), CliError> {
    let bad = || CliError::PortRange(text.to_string());
    let (min, max) = text.split_once(':').ok_or_else(bad)?;
    let min: u16 = min.trim().parse().map_err(|_| bad())?;
    let max: u16 = max.trim().parse().map_err(|_| bad())?;
    if min == 0 || max < min {
        return Err(bad());
    }
    Ok((min, max))
}

/// What the binary needs besides the proxy's configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The proxy's configuration.
    pub config: ProxyConfig,
    /// Log file, or stderr.
    pub log_file: Option<PathBuf>,
    /// Debug-level logs.
    pub verbose: bool,
    /// Timestamps in local time instead of UTC (`-log-local-time`).
    pub log_local_time: bool,
    /// Print the version and exit.
    pub version: bool,
}

impl Args {
    /// Checks the flags and builds the settings.
    pub fn into_settings(self) -> Result<Settings, CliError> {
        if self.poll_interval < MIN_CLI_POLL_INTERVAL {
            return Err(CliError::PollInterval);
        }
        let allowed_relay_pattern = NameMatcher::new(&self.allowed_relay_hostname_pattern)
            .map_err(|_| CliError::Pattern(self.allowed_relay_hostname_pattern.clone()))?;
        let ephemeral_ports = self
            .ephemeral_ports_range
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(parse_port_range)
            .transpose()?;
        let stun_urls: Vec<String> = self
            .stun
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let outbound_address = self
            .outbound_address
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|text| {
                text.parse::<IpAddr>()
                    .map_err(|_| CliError::OutboundAddress(text.to_string()))
            })
            .transpose()?;
        if outbound_address.is_some() && self.keep_local_addresses {
            return Err(CliError::OutboundWithLocalAddresses);
        }
        if stun_urls.is_empty() && !self.loopback_only {
            return Err(CliError::NoStun);
        }
        let mode = CovertDtlsMode::parse_or(
            &self.covertdtls_config,
            CovertDtlsConfig::PROXY_DEFAULT_MODE,
        )
        .map_err(|error| CliError::CovertDtls {
            flag: "covertdtls-config",
            error,
        })?;
        let covert_dtls = CovertDtlsConfig::proxy_default()
            .with_mode(mode)
            .with_fingerprint_hex(self.covertdtls_fingerprint.as_deref().unwrap_or(""))
            .map_err(|error| CliError::CovertDtls {
                flag: "covertdtls-fingerprint",
                error,
            })?;
        let metrics_addr = if self.metrics {
            let addr =
                resolve_listen_host(&self.metrics_address, self.metrics_port).map_err(|_| {
                    CliError::MetricsAddress(format!(
                        "{}:{}",
                        self.metrics_address, self.metrics_port
                    ))
                })?;
            Some(addr)
        } else {
            None
        };
        let config = ProxyConfig {
            broker_url: self.broker,
            default_relay_url: self.relay,
            stun_urls,
            capacity: self.capacity,
            keep_local_addresses: self.keep_local_addresses,
            ephemeral_ports,
            loopback_only: self.loopback_only,
            allowed_relay_pattern,
            allow_non_tls_relay: self.allow_non_tls_relay,
            allow_proxying_to_private_addresses: self.allow_proxying_to_private_addresses,
            nat_probe_url: Some(self.nat_probe_server).filter(|s| !s.is_empty()),
            nat_retest_interval: self.nat_retest_interval,
            // Upstream's -disable-stats-logger drops just these lines.
            summary_interval: if self.disable_stats_logger {
                Duration::ZERO
            } else {
                self.summary_interval
            },
            unsafe_logging: self.unsafe_logging,
            metrics_addr,
            poll_interval: self.poll_interval,
            drain_timeout: self.drain_timeout,
            covert_dtls,
            datagrams: self.datagrams,
            outbound_address,
            geoipdb: self.geoipdb,
            geoip6db: self.geoip6db,
            ..ProxyConfig::default()
        };
        Ok(Settings {
            config,
            log_file: self.log,
            verbose: self.verbose,
            log_local_time: self.log_local_time,
            version: self.version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges() {
        assert_eq!(parse_port_range("10000:20000"), Ok((10000, 20000)));
        assert_eq!(parse_port_range("5:5"), Ok((5, 5)));
        for bad in ["0:10", "10:5", "10", "a:b", "1:70000"] {
            assert!(parse_port_range(bad).is_err(), "{bad}");
        }
    }
}
