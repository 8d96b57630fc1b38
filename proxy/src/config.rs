//! The proxy's settings. `Default` is what a volunteer gets with no flags
//! (upstream's defaults); tests and demos override the addresses and turn
//! on [`ProxyConfig::loopback_only`].

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use snowflake_common::messages::ProxyType;
use snowflake_common::namematcher::NameMatcher;
use snowflake_rtc::{CovertDtlsConfig, RtcConfig};

use crate::relay_policy::RelayPolicy;
use crate::schedule::DEFAULT_POLL_INTERVAL;

/// Upstream's default broker.
pub const DEFAULT_BROKER_URL: &str = "https://snowflake-broker.torproject.net/";
/// Upstream's default relay, used when the broker names none.
pub const DEFAULT_RELAY_URL: &str = "wss://snowflake.torproject.net/";
/// Upstream's default STUN servers (`-stun`, comma-separated).
pub const DEFAULT_STUN_URL: &str =
    "stun:stun.l.google.com:19302,stun:stun.voip.blackberry.com:3478";
/// Upstream's default NAT probe server.
pub const DEFAULT_NAT_PROBE_URL: &str = "https://snowflake-broker.torproject.net:8443/probe";
/// Upstream's default relay hostname pattern.
pub const DEFAULT_RELAY_PATTERN: &str = "snowflake.torproject.net$";
/// How long a client has to open its data channel after our answer
/// (Go's `dataChannelTimeout`).
pub const DEFAULT_DATA_CHANNEL_TIMEOUT: Duration = Duration::from_secs(20);
/// A client whose relay sends nothing for this long is dropped (Go's
/// `inactivityTimeout`; the server's smux keepalive every 10 s keeps
/// healthy sessions well inside it).
pub const DEFAULT_RELAY_INACTIVITY_TIMEOUT: Duration = Duration::from_secs(30);
/// Cap on the wait for ICE gathering before answering (Go since 2.11:
/// three quarters of the broker's 5 s client timeout).
pub const DEFAULT_GATHERING_TIMEOUT: Duration = Duration::from_millis(3750);
/// How long the NAT probe waits for its data channel (Go: 20 s).
pub const DEFAULT_NAT_PROBE_TIMEOUT: Duration = Duration::from_secs(20);
/// How often the NAT type is measured again (`-nat-retest-interval`).
pub const DEFAULT_NAT_RETEST_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);
/// After a NAT probe that could not decide (the probe server unreachable,
/// a bad reply), the next try comes this soon, then twice as late each
/// time, up to the retest interval: a check that fails at start does not
/// leave the proxy `unknown` for a day.
pub const DEFAULT_NAT_PROBE_RETRY: Duration = Duration::from_secs(60);
/// How often the summary line is logged (`-summary-interval`).
pub const DEFAULT_SUMMARY_INTERVAL: Duration = Duration::from_secs(60 * 60);
/// Tor's IPv4 geoip file, upstream's `-geoipdb` default.
pub const DEFAULT_GEOIP_FILE: &str = "/usr/share/tor/geoip";
/// Tor's IPv6 geoip file, upstream's `-geoip6db` default.
pub const DEFAULT_GEOIP6_FILE: &str = "/usr/share/tor/geoip6";
/// How long clients may keep going after SIGINT/SIGTERM.
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything [`crate::Proxy::start`] needs.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Broker base URL (`-broker`).
    pub broker_url: String,
    /// Relay used when the broker's poll response names none (`-relay`).
    pub default_relay_url: String,
    /// STUN servers (`-stun`, comma-separated on the command line).
    pub stun_urls: Vec<String>,
    /// Most clients at once, 0 = unlimited (`-capacity`).
    pub capacity: usize,
    /// Keep local-address ICE candidates (`-keep-local-addresses`).
    pub keep_local_addresses: bool,
    /// UDP ports for ICE, inclusive (`-ephemeral-ports-range`).
    pub ephemeral_ports: Option<(u16, u16)>,
    /// Tests and demos: ICE on 127.0.0.1 only, no STUN; never touches the
    /// machine's other addresses.
    pub loopback_only: bool,
    /// Relay hostname pattern (`-allowed-relay-hostname-pattern`); also
    /// sent to the broker as `AcceptedRelayPattern`.
    pub allowed_relay_pattern: NameMatcher,
    /// Accept `ws://` relays (`-allow-non-tls-relay`).
    pub allow_non_tls_relay: bool,
    /// Accept relays on private, loopback or link-local addresses
    /// (`-allow-proxying-to-private-addresses`).
    pub allow_proxying_to_private_addresses: bool,
    /// NAT probe server URL (`-nat-probe-server`); `None` skips probing
    /// and reports `unknown`.
    pub nat_probe_url: Option<String>,
    /// Re-probe interval; zero probes once (`-nat-retest-interval`).
    pub nat_retest_interval: Duration,
    /// How long the probe waits for its data channel.
    pub nat_probe_timeout: Duration,
    /// Poll only while a WebSocket to `default_relay_url` opens, checked
    /// at start and then with backoff from this wait up to 24 h
    /// (upstream's rule, [`crate::relay_check`]); `None` skips the check
    /// (tests whose default relay is a placeholder).
    pub relay_check: Option<Duration>,
    /// The first wait after a probe that could not decide
    /// ([`DEFAULT_NAT_PROBE_RETRY`]; doubled each time, up to the retest
    /// interval, or to [`DEFAULT_NAT_RETEST_INTERVAL`] when retests are off).
    pub nat_probe_retry: Duration,
    /// Summary line interval; zero disables it (`-summary-interval`).
    pub summary_interval: Duration,
    /// Log client addresses (`-unsafe-logging`).
    pub unsafe_logging: bool,
    /// Serve Prometheus metrics here (`-metrics`, `-metrics-address`,
    /// `-metrics-port`).
    pub metrics_addr: Option<SocketAddr>,
    /// Poll interval when the broker sends no `NextPoll`
    /// (`-poll-interval`).
    pub poll_interval: Duration,
    /// What we tell the broker we are.
    pub proxy_type: ProxyType,
    /// How long a client has to open its data channel after the answer.
    pub data_channel_timeout: Duration,
    /// Silence from the relay after which a client is dropped.
    pub relay_inactivity_timeout: Duration,
    /// Cap on ICE gathering before answering.
    pub gathering_timeout: Duration,
    /// How long active clients may continue after shutdown starts.
    pub drain_timeout: Duration,
    /// How the DTLS handshake and certificate are shaped, for clients and
    /// for the NAT probe (`-covertdtls-config`, `-covertdtls-fingerprint`).
    pub covert_dtls: CovertDtlsConfig,
    /// Open the datagram channel beside each client's channel
    /// (`-datagrams`; docs/datagram-channel.md).
    pub datagrams: bool,
    /// Advertise this address in our host ICE candidates instead of the
    /// local one (`-outbound-address`, a 1:1 NAT address; upstream's
    /// rule that it excludes `-keep-local-addresses` is the CLI's).
    pub outbound_address: Option<IpAddr>,
    /// Tor's IPv4 geoip file (`-geoipdb`), read at start when metrics are
    /// served, for `connections_total{country}` (docs/proxy-geoip.md).
    pub geoipdb: PathBuf,
    /// Tor's IPv6 geoip file (`-geoip6db`), likewise.
    pub geoip6db: PathBuf,
}

/// Whether the datagram channel is offered by default.
pub const DEFAULT_DATAGRAMS: bool = true;

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            broker_url: DEFAULT_BROKER_URL.to_string(),
            default_relay_url: DEFAULT_RELAY_URL.to_string(),
            stun_urls: DEFAULT_STUN_URL.split(',').map(str::to_string).collect(),
            capacity: 0,
            keep_local_addresses: false,
            ephemeral_ports: None,
            loopback_only: false,
            allowed_relay_pattern: NameMatcher::parse_lenient(DEFAULT_RELAY_PATTERN),
            allow_non_tls_relay: false,
            allow_proxying_to_private_addresses: false,
            nat_probe_url: Some(DEFAULT_NAT_PROBE_URL.to_string()),
            nat_retest_interval: DEFAULT_NAT_RETEST_INTERVAL,
            nat_probe_timeout: DEFAULT_NAT_PROBE_TIMEOUT,
            nat_probe_retry: DEFAULT_NAT_PROBE_RETRY,
            relay_check: Some(crate::relay_check::DEFAULT_RELAY_CHECK_BACKOFF),
            summary_interval: DEFAULT_SUMMARY_INTERVAL,
            unsafe_logging: false,
            metrics_addr: None,
            poll_interval: DEFAULT_POLL_INTERVAL,
            proxy_type: ProxyType::Standalone,
            data_channel_timeout: DEFAULT_DATA_CHANNEL_TIMEOUT,
            relay_inactivity_timeout: DEFAULT_RELAY_INACTIVITY_TIMEOUT,
            gathering_timeout: DEFAULT_GATHERING_TIMEOUT,
            drain_timeout: DEFAULT_DRAIN_TIMEOUT,
            covert_dtls: CovertDtlsConfig::proxy_default(),
            datagrams: DEFAULT_DATAGRAMS,
            outbound_address: None,
            geoipdb: PathBuf::from(DEFAULT_GEOIP_FILE),
            geoip6db: PathBuf::from(DEFAULT_GEOIP6_FILE),
        }
    }
}

impl ProxyConfig {
    /// The relay URL rules.
    pub fn relay_policy(&self) -> RelayPolicy {
        RelayPolicy {
            pattern: self.allowed_relay_pattern.clone(),
            allow_non_tls: self.allow_non_tls_relay,
            allow_private_addresses: self.allow_proxying_to_private_addresses,
        }
    }

    /// The WebRTC settings for answering clients and for the NAT probe.
    pub fn rtc_config(&self) -> RtcConfig {
        let mut rtc = if self.loopback_only {
            RtcConfig::loopback()
        } else {
            RtcConfig::default()
                .with_ice_servers(&self.stun_urls)
                .with_keep_local_addresses(self.keep_local_addresses)
        };
        if let Some((min, max)) = self.ephemeral_ports {
            rtc = rtc.with_port_range(min, max);
        }
        if let Some(address) = self.outbound_address {
            rtc = rtc.with_host_address(address);
        }
        rtc.with_gathering_timeout(self.gathering_timeout)
            .with_covert_dtls(self.covert_dtls.clone())
            .with_datagrams(self.datagrams)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snowflake_rtc::CovertDtlsMode;

    #[test]
    fn covert_dtls_defaults_to_the_proxys_and_reaches_the_rtc_config() {
        let config = ProxyConfig::default();
        assert_eq!(config.covert_dtls, CovertDtlsConfig::proxy_default());
        assert_eq!(
            config.rtc_config().covert_dtls().mode(),
            CovertDtlsMode::RandomizeMimic
        );
        for loopback_only in [false, true] {
            let config = ProxyConfig {
                loopback_only,
                covert_dtls: CovertDtlsConfig::proxy_default().with_mode(CovertDtlsMode::Disable),
                ..ProxyConfig::default()
            };
            assert_eq!(config.rtc_config().covert_dtls(), &config.covert_dtls);
        }
    }
}
