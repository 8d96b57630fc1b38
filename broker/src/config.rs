//! Broker configuration, and the files it is loaded from (and reloaded
//! from on SIGHUP).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::bridges::BridgeList;
use crate::demand::DemandConfig;
use crate::geoip::GeoIp;
use crate::poll_interval::{PollIntervals, PoolIntervals};
use crate::BrokerHandle;

/// Where tor's Debian package puts the IPv4 geoip file.
pub const DEFAULT_GEOIP: &str = "/usr/share/tor/geoip";
/// Where tor's Debian package puts the IPv6 geoip file.
pub const DEFAULT_GEOIP6: &str = "/usr/share/tor/geoip6";

/// Certificate and key files for HTTPS (PEM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Everything [`crate::Broker::start`] needs. `Default` gives the Go
/// broker's defaults except the listen address (`127.0.0.1:0` here; the
/// binary defaults to `:443`).
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// Where to listen; port 0 picks a free port.
    pub listen_addr: SocketAddr,
    /// HTTPS certificate and key; `None` serves plain HTTP (`-disable-tls`,
    /// for running behind a TLS-terminating reverse proxy) unless `acme`
    /// is set.
    pub tls: Option<TlsFiles>,
    /// HTTPS with certificates obtained and renewed by ACME
    /// (`-acme-hostnames`, `-acme-email`, `-acme-cert-cache`;
    /// docs/acme.md); used when `tls` is `None`.
    pub acme: Option<snowflake_common::acme::AcmeConfig>,
    /// Bridges by fingerprint (`-bridge-list-path`).
    pub bridges: BridgeList,
    /// The relay hostname pattern this broker's relays fall under
    /// (`-allowed-relay-pattern`). A proxy is accepted only if its
    /// `AcceptedRelayPattern` covers this one. Go's default is empty,
    /// which refuses every ordinary proxy.
    pub allowed_relay_pattern: String,
    /// The pattern assumed for proxies that send no
    /// `AcceptedRelayPattern` (`-default-relay-pattern`, 2.5.1 brokers);
    /// `None` refuses such proxies, as brokers since 2.12.0 do.
    pub default_relay_pattern: Option<String>,
    /// Country tables for statistics (`-geoipdb`, `-geoip6db`).
    pub geoip: Option<Arc<GeoIp>>,
    /// Where to append the periodic metrics log (`-metrics-log`), also
    /// served at `/metrics`.
    pub metrics_log_path: Option<PathBuf>,
    /// Without `metrics_log_path`, write the periodic metrics blocks to
    /// stdout instead (upstream's default when `-metrics-log` is unset;
    /// the command line sets it, the library default is off).
    pub metrics_log_stdout: bool,
    /// How often a metrics-log block is written (24 h in Go).
    pub metrics_log_interval: Duration,
    /// Log client and proxy addresses unscrubbed (`-unsafe-logging`).
    pub unsafe_logging: bool,
    /// `NextPoll` announced to proxies, in the two-kind form; used unless
    /// [`BrokerConfig::pool_intervals`] is set.
    pub poll_intervals: PollIntervals,
    /// `NextPoll` announced to proxies, per pool (`-poll-interval-filepath`);
    /// overrides [`BrokerConfig::poll_intervals`] when set.
    pub pool_intervals: Option<PoolIntervals>,
    /// The shorter `NextPoll` announced while clients go unserved, and
    /// after a match ([`crate::demand`]).
    pub demand: DemandConfig,
    /// How long a proxy poll is held (Go's `ProxyTimeout`, 10 s).
    pub proxy_timeout: Duration,
    /// How long a client waits for its proxy's answer, measured from the
    /// start of its request (Go's `BrokerClientTimeout`, 5 s since 2.11.0;
    /// 2.5.1 waited 10 s after the match). Go clients give up on the
    /// broker after 30 s or more, so 5 s is always within their patience.
    pub client_timeout: Duration,
    /// Most proxy polls held at once; more get `no match` at once.
    pub max_waiting_proxies: usize,
    /// Most matched clients waiting for answers at once; more are told
    /// no proxy is available.
    pub max_waiting_clients: usize,
    /// Most open connections; further connections are closed at once.
    pub max_connections: usize,
    /// Most concurrent requests on one HTTP/2 connection.
    pub max_http2_streams: u32,
    /// Time allowed for a request's headers, and separately for its body,
    /// to arrive (and for a TLS handshake).
    pub request_read_timeout: Duration,
    /// Most distinct proxy addresses remembered per metrics-log interval
    /// (for the unique-address counts).
    pub max_tracked_proxy_addresses: usize,
    /// How many reverse proxies of the operator sit in front of the broker
    /// (`-trusted-hops`, 1 as in Go): a proxy poll's address is the entry
    /// this far from the right of `Forwarded`/`X-Forwarded-For`, or the
    /// TCP peer with 0 ([`crate::addr::proxy_address`]). It decides the
    /// per-address poll limit and the spreading of clients.
    pub trusted_hops: usize,
    /// Most proxy addresses the per-address poll limit remembers
    /// ([`crate::rate_limit`]).
    pub max_rate_limited_addresses: usize,
    /// Distinct proxy address counts (`-ip-count-prefix`,
    /// `-ip-count-interval`; [`crate::ip_count`]); `None`: not counted.
    pub ip_count: Option<IpCountSettings>,
}

/// Where and how often distinct proxy addresses are counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpCountSettings {
    /// Path prefix of the seven count files.
    pub prefix: String,
    /// Time covered by each chunk (1 h in Go).
    pub interval: Duration,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            listen_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: None,
            acme: None,
            bridges: BridgeList::default(),
            allowed_relay_pattern: String::new(),
            default_relay_pattern: None,
            geoip: None,
            metrics_log_path: None,
            metrics_log_stdout: false,
            metrics_log_interval: Duration::from_secs(24 * 60 * 60),
            unsafe_logging: false,
            poll_intervals: PollIntervals::default(),
            pool_intervals: None,
            demand: DemandConfig::default(),
            proxy_timeout: Duration::from_secs(10),
            client_timeout: Duration::from_secs(5),
            max_waiting_proxies: 200_000,
            max_waiting_clients: 50_000,
            max_connections: 16_000,
            max_http2_streams: 250,
            request_read_timeout: Duration::from_secs(10),
            max_tracked_proxy_addresses: 1_000_000,
            trusted_hops: 1,
            max_rate_limited_addresses: crate::rate_limit::DEFAULT_MAX_ADDRESSES,
            ip_count: None,
        }
    }
}

/// Where the geoip tables come from (`-geoipdb`, `-geoip6db`,
/// `-disable-geoip`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeoIpFiles {
    /// No geoip at all.
    pub disabled: bool,
    /// The IPv4 file; `/usr/share/tor/geoip` if `None`.
    pub v4: Option<PathBuf>,
    /// The IPv6 file; `/usr/share/tor/geoip6` if `None`.
    pub v6: Option<PathBuf>,
}

impl GeoIpFiles {
    /// Reads the tables. Missing default files only mean no countries (a
    /// warning); a file named on the command line must load.
    pub fn load(&self) -> Result<Option<Arc<GeoIp>>, String> {
        if self.disabled {
            return Ok(None);
        }
        let explicit = self.v4.is_some() || self.v6.is_some();
        let v4 = self
            .v4
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_GEOIP));
        let v6 = self
            .v6
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_GEOIP6));
        match GeoIp::from_files(&v4, &v6) {
            Ok(geoip) => Ok(Some(Arc::new(geoip))),
            Err(error) if !explicit => {
                tracing::warn!(%error, "no geoip database; countries will be \"??\"");
                Ok(None)
            }
            Err(error) => Err(error.to_string()),
        }
    }
}

/// The poll intervals in `path` (`-poll-interval-filepath`), or the
/// defaults. As in Go, a bad file is reported and the defaults are kept.
pub fn load_poll_intervals(path: Option<&Path>) -> PoolIntervals {
    match path {
        None => PoolIntervals::default(),
        Some(path) => PoolIntervals::from_file(path).unwrap_or_else(|error| {
            tracing::warn!(%error, "failed to load poll interval from file");
            PoolIntervals::default()
        }),
    }
}

/// What a running broker re-reads on SIGHUP.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadableFiles {
    /// The geoip tables.
    pub geoip: GeoIpFiles,
    /// The poll-interval file, if any.
    pub poll_intervals: Option<PathBuf>,
}

impl ReloadableFiles {
    /// Re-reads the files into `broker`; a geoip file that no longer loads
    /// keeps the old tables.
    pub fn reload(&self, broker: &BrokerHandle) {
        tracing::info!("SIGHUP: reloading geoip databases and poll intervals");
        match self.geoip.load() {
            Ok(geoip) => broker.set_geoip(geoip),
            Err(error) => tracing::warn!(%error, "geoip reload failed; keeping the old tables"),
        }
        if self.poll_intervals.is_some() {
            broker.set_pool_intervals(load_poll_intervals(self.poll_intervals.as_deref()));
        }
    }
}
