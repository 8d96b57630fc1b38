//! Statistics: Prometheus metrics (`/prometheus`) and the periodic metrics
//! log (`-metrics-log`, served at `/metrics`).
//!
//! Prometheus names follow the Go broker (namespace `snowflake`):
//!
//! | metric | labels | what |
//! |---|---|---|
//! | `snowflake_rounded_client_poll_total` | `nat`, `status` (`matched`, `denied`, `timeout`), `cc`, `rendezvous_method` (`http`, `ampcache`, `sqs`) | client polls by outcome |
//! | `snowflake_rounded_proxy_poll_total` | `nat`, `type`, `status` (`idle`, `matched`), `cc` | proxy polls by outcome (Go has no `type`/`cc` labels here) |
//! | `snowflake_rounded_proxy_poll_with_relay_url_extension_total` | `nat`, `type` | polls carrying `AcceptedRelayPattern` |
//! | `snowflake_rounded_proxy_poll_without_relay_url_extension_total` | `nat`, `type` | polls without it |
//! | `snowflake_rounded_proxy_poll_rejected_relay_url_extension_total` | `nat`, `type` | polls refused with `incorrect relay pattern` |
//! | `snowflake_available_proxies` | `type`, `nat` | proxies the broker knows (waiting, or matched and not yet answered) |
//! | `snowflake_rounded_proxy_poll_refused_total` | `nat`, `type`, `reason` (`too_soon`: the per-address poll limit, answered `polled too soon`; `capacity`: `-max-waiting-proxies` reached) | proxy polls not held (ours; Go counts neither) |
//!
//! As in Go, the `rounded` counters are exported rounded up to a multiple
//! of 8, so that single users cannot be told apart.
//!
//! The metrics log is the Go broker's format (`doc/broker-spec.txt`,
//! version 1.2, with the three-kind NAT lines of upstream `main`): one
//! block per interval (24 h by default) starting with
//! `snowflake-stats-end`. Denied clients are counted under the NAT type
//! they reported: `client-restricted-denied-count` and
//! `client-unrestricted-denied-count` for the two-kind values,
//! `client-nat-{strict,moderate,open,unknown}-denied-count` for the others
//! (`unknown` also takes values not recognised).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use prometheus::proto::Counter as CounterValue;
use prometheus::{IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};
use snowflake_common::messages::{NatType, ProxyType};

use crate::matcher::MatcherStats;

/// How a client reached the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RendezvousMethod {
    /// `POST /client`.
    Http,
    /// `GET /amp/client/…`.
    AmpCache,
    /// A message on the broker's SQS queue (`-broker-sqs-name`).
    Sqs,
}

impl RendezvousMethod {
    /// The Prometheus label value (Go's spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            RendezvousMethod::Http => "http",
            RendezvousMethod::AmpCache => "ampcache",
            RendezvousMethod::Sqs => "sqs",
        }
    }
}

/// How a client poll ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientPollStatus {
    /// The proxy's answer was delivered.
    Matched,
    /// No proxy was available.
    Denied,
    /// A proxy was matched but did not answer in time.
    Timeout,
}

impl ClientPollStatus {
    /// The Prometheus label value (Go's spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            ClientPollStatus::Matched => "matched",
            ClientPollStatus::Denied => "denied",
            ClientPollStatus::Timeout => "timeout",
        }
    }
}

/// How a proxy poll ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyPollStatus {
    /// No client came.
    Idle,
    /// A client's offer was handed over.
    Matched,
}

impl ProxyPollStatus {
    /// The Prometheus label value (Go's spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyPollStatus::Idle => "idle",
            ProxyPollStatus::Matched => "matched",
        }
    }
}

/// Rounds up to a multiple of 8 (Go's `binCount`).
pub fn bin_count(count: u64) -> u64 {
    count.div_ceil(8).saturating_mul(8)
}

/// Formats a time as `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn format_utc(time: SystemTime) -> String {
    let t = snowflake_common::civil_time::CivilTime::from_system_time(time);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// Which proxy kinds and NAT types one address has been seen with.
#[derive(Debug, Clone, Copy, Default)]
struct SeenProxy {
    types: u8,
    nats: u8,
}

fn type_bit(proxy_type: ProxyType) -> u8 {
    match proxy_type {
        ProxyType::Standalone => 1,
        ProxyType::Webext => 2,
        ProxyType::Badge => 4,
        ProxyType::IptProxy => 8,
        ProxyType::Bloco => 16,
        ProxyType::Unknown => 32,
    }
}

fn nat_bit(nat: NatType) -> u8 {
    match nat {
        NatType::Restricted => 1,
        NatType::Unrestricted => 2,
        NatType::Unknown => 4,
        NatType::Open => 8,
        NatType::Moderate => 16,
        NatType::Strict => 32,
    }
}

/// The counts behind one metrics-log block; pure state, rendered and reset
/// by [`MetricsLog::render_and_reset`].
#[derive(Debug, Default)]
pub struct MetricsLog {
    max_tracked_addresses: usize,
    proxy_addresses: HashMap<IpAddr, SeenProxy>,
    proxy_countries: BTreeMap<String, u64>,
    proxy_types: BTreeMap<&'static str, u64>,
    proxy_nats: BTreeMap<&'static str, u64>,
    proxy_idle: u64,
    with_relay_url: u64,
    without_relay_url: u64,
    rejected_relay_url: u64,
    client_denied: u64,
    /// Denied clients by the NAT type they reported.
    client_denied_by_nat: BTreeMap<&'static str, u64>,
    client_match: u64,
    client_timeout: u64,
    client_http: u64,
    client_http_countries: BTreeMap<String, u64>,
    client_amp: u64,
    client_amp_countries: BTreeMap<String, u64>,
    client_sqs: u64,
    client_sqs_countries: BTreeMap<String, u64>,
}

fn bump(counter: &mut u64) {
    *counter = counter.saturating_add(1);
}

fn bump_key<K: Ord>(map: &mut BTreeMap<K, u64>, key: K) {
    bump(map.entry(key).or_insert(0));
}

/// `CC=N,CC=N`, largest count first, ties in code order.
fn country_list(map: &BTreeMap<String, u64>, binned: bool) -> String {
    let mut entries: Vec<(&String, u64)> = map.iter().map(|(cc, &n)| (cc, n)).collect();
    entries.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    entries
        .iter()
        .map(|(cc, n)| format!("{cc}={}", if binned { bin_count(*n) } else { *n }))
        .collect::<Vec<_>>()
        .join(",")
}

impl MetricsLog {
    /// An empty log that remembers at most `max_tracked_addresses` distinct
    /// proxy addresses per interval (further new addresses are not
    /// counted as unique).
    pub fn new(max_tracked_addresses: usize) -> Self {
        MetricsLog {
            max_tracked_addresses,
            ..MetricsLog::default()
        }
    }

    /// A proxy polled from `address` (in `country`).
    pub fn record_proxy_poll(
        &mut self,
        address: IpAddr,
        proxy_type: ProxyType,
        nat: NatType,
        country: &str,
    ) {
        let known = self.proxy_addresses.contains_key(&address);
        if !known && self.proxy_addresses.len() >= self.max_tracked_addresses {
            return;
        }
        let seen = self.proxy_addresses.entry(address).or_default();
        if !known {
            bump_key(&mut self.proxy_countries, country.to_string());
        }
        if seen.types & type_bit(proxy_type) == 0 {
            seen.types |= type_bit(proxy_type);
            bump_key(&mut self.proxy_types, proxy_type.as_str());
        }
        if seen.nats & nat_bit(nat) == 0 {
            seen.nats |= nat_bit(nat);
            bump_key(&mut self.proxy_nats, nat.as_str());
        }
    }

    /// A proxy poll carried (or lacked) `AcceptedRelayPattern`.
    pub fn record_relay_url_extension(&mut self, present: bool) {
        if present {
            bump(&mut self.with_relay_url);
        } else {
            bump(&mut self.without_relay_url);
        }
    }

    /// A proxy poll was refused for its relay pattern.
    pub fn record_rejected_relay_pattern(&mut self) {
        bump(&mut self.rejected_relay_url);
    }

    /// A proxy poll ended without a client.
    pub fn record_proxy_idle(&mut self) {
        bump(&mut self.proxy_idle);
    }

    /// A client poll ended.
    pub fn record_client_poll(
        &mut self,
        method: RendezvousMethod,
        nat: NatType,
        status: ClientPollStatus,
        country: &str,
    ) {
        match status {
            ClientPollStatus::Denied => {
                bump(&mut self.client_denied);
                bump_key(&mut self.client_denied_by_nat, nat.as_str());
            }
            ClientPollStatus::Matched => bump(&mut self.client_match),
            ClientPollStatus::Timeout => bump(&mut self.client_timeout),
        }
        match method {
            RendezvousMethod::Http => {
                bump(&mut self.client_http);
                bump_key(&mut self.client_http_countries, country.to_string());
            }
            RendezvousMethod::AmpCache => {
                bump(&mut self.client_amp);
                bump_key(&mut self.client_amp_countries, country.to_string());
            }
            RendezvousMethod::Sqs => {
                bump(&mut self.client_sqs);
                bump_key(&mut self.client_sqs_countries, country.to_string());
            }
        }
    }

    /// Renders the block for the interval ending at `end`, then starts a
    /// new interval.
    pub fn render_and_reset(&mut self, end: SystemTime, interval: Duration) -> String {
        let count =
            |map: &BTreeMap<&'static str, u64>, key: &str| map.get(key).copied().unwrap_or(0);
        let lines = [
            format!(
                "snowflake-stats-end {} ({} s)",
                format_utc(end),
                interval.as_secs()
            ),
            format!(
                "snowflake-ips {}",
                country_list(&self.proxy_countries, false)
            ),
            format!(
                "snowflake-ips-iptproxy {}",
                count(&self.proxy_types, "iptproxy")
            ),
            format!(
                "snowflake-ips-standalone {}",
                count(&self.proxy_types, "standalone")
            ),
            format!(
                "snowflake-ips-webext {}",
                count(&self.proxy_types, "webext")
            ),
            format!("snowflake-ips-badge {}", count(&self.proxy_types, "badge")),
            format!("snowflake-ips-total {}", self.proxy_addresses.len()),
            format!("snowflake-idle-count {}", bin_count(self.proxy_idle)),
            format!(
                "snowflake-proxy-poll-with-relay-url-count {}",
                bin_count(self.with_relay_url)
            ),
            format!(
                "snowflake-proxy-poll-without-relay-url-count {}",
                bin_count(self.without_relay_url)
            ),
            format!(
                "snowflake-proxy-rejected-for-relay-url-count {}",
                bin_count(self.rejected_relay_url)
            ),
            format!("client-denied-count {}", bin_count(self.client_denied)),
            format!(
                "client-restricted-denied-count {}",
                bin_count(count(&self.client_denied_by_nat, "restricted"))
            ),
            format!(
                "client-unrestricted-denied-count {}",
                bin_count(count(&self.client_denied_by_nat, "unrestricted"))
            ),
            format!(
                "client-nat-strict-denied-count {}",
                bin_count(count(&self.client_denied_by_nat, "strict"))
            ),
            format!(
                "client-nat-moderate-denied-count {}",
                bin_count(count(&self.client_denied_by_nat, "moderate"))
            ),
            format!(
                "client-nat-open-denied-count {}",
                bin_count(count(&self.client_denied_by_nat, "open"))
            ),
            format!(
                "client-nat-unknown-denied-count {}",
                bin_count(count(&self.client_denied_by_nat, "unknown"))
            ),
            format!(
                "client-snowflake-match-count {}",
                bin_count(self.client_match)
            ),
            format!(
                "client-snowflake-timeout-count {}",
                bin_count(self.client_timeout)
            ),
            format!("client-http-count {}", bin_count(self.client_http)),
            format!(
                "client-http-ips {}",
                country_list(&self.client_http_countries, true)
            ),
            format!("client-ampcache-count {}", bin_count(self.client_amp)),
            format!(
                "client-ampcache-ips {}",
                country_list(&self.client_amp_countries, true)
            ),
            format!("client-sqs-count {}", bin_count(self.client_sqs)),
            format!(
                "client-sqs-ips {}",
                country_list(&self.client_sqs_countries, true)
            ),
            format!(
                "snowflake-ips-nat-restricted {}",
                count(&self.proxy_nats, "restricted")
            ),
            format!(
                "snowflake-ips-nat-unrestricted {}",
                count(&self.proxy_nats, "unrestricted")
            ),
            format!(
                "snowflake-ips-nat-unknown {}",
                count(&self.proxy_nats, "unknown")
            ),
            format!(
                "snowflake-ips-nat-strict {}",
                count(&self.proxy_nats, "strict")
            ),
            format!(
                "snowflake-ips-nat-moderate {}",
                count(&self.proxy_nats, "moderate")
            ),
            format!("snowflake-ips-nat-open {}", count(&self.proxy_nats, "open")),
        ];
        *self = MetricsLog::new(self.max_tracked_addresses);
        let mut out = lines.join("\n");
        out.push('\n');
        out
    }
}

/// The broker's Prometheus registry and metrics log.
pub struct Metrics {
    registry: Registry,
    client_polls: IntCounterVec,
    proxy_polls: IntCounterVec,
    with_relay_url: IntCounterVec,
    without_relay_url: IntCounterVec,
    rejected_relay_url: IntCounterVec,
    refused_polls: IntCounterVec,
    available_proxies: IntGaugeVec,
    log: Mutex<MetricsLog>,
}

/// Why a proxy poll was not held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyRefusalReason {
    /// The per-address poll limit ([`crate::rate_limit`]): answered
    /// `polled too soon`.
    TooSoon,
    /// `-max-waiting-proxies` polls were already held: answered `no match`.
    Capacity,
}

impl ProxyRefusalReason {
    /// The `reason` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyRefusalReason::TooSoon => "too_soon",
            ProxyRefusalReason::Capacity => "capacity",
        }
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// The exposition content type.
pub const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Prefix of the counters exported rounded up to a multiple of 8.
const ROUNDED_PREFIX: &str = "snowflake_rounded_";

fn counter_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let vec = IntCounterVec::new(Opts::new(name, help).namespace("snowflake"), labels)
        .unwrap_or_else(|e| panic!("metric {name} is well-formed: {e}"));
    registry
        .register(Box::new(vec.clone()))
        .unwrap_or_else(|e| panic!("metric {name} registers once: {e}"));
    vec
}

impl Metrics {
    /// Fresh metrics; the log tracks at most `max_tracked_addresses`
    /// distinct proxy addresses per interval.
    pub fn new(max_tracked_addresses: usize) -> Self {
        let registry = Registry::new();
        let client_polls = counter_vec(
            &registry,
            "rounded_client_poll_total",
            "The number of snowflake client polls, rounded up to a multiple of 8",
            &["nat", "status", "cc", "rendezvous_method"],
        );
        let proxy_polls = counter_vec(
            &registry,
            "rounded_proxy_poll_total",
            "The number of snowflake proxy polls, rounded up to a multiple of 8",
            &["nat", "type", "status", "cc"],
        );
        let with_relay_url = counter_vec(
            &registry,
            "rounded_proxy_poll_with_relay_url_extension_total",
            "The number of snowflake proxy polls with Relay URL Extension, rounded up to a multiple of 8",
            &["nat", "type"],
        );
        let without_relay_url = counter_vec(
            &registry,
            "rounded_proxy_poll_without_relay_url_extension_total",
            "The number of snowflake proxy polls without Relay URL Extension, rounded up to a multiple of 8",
            &["nat", "type"],
        );
        let rejected_relay_url = counter_vec(
            &registry,
            "rounded_proxy_poll_rejected_relay_url_extension_total",
            "The number of snowflake proxy polls rejected by Relay URL Extension, rounded up to a multiple of 8",
            &["nat", "type"],
        );
        let refused_polls = counter_vec(
            &registry,
            "rounded_proxy_poll_refused_total",
            "The number of snowflake proxy polls not held (too soon for their address, or the broker full), rounded up to a multiple of 8",
            &["nat", "type", "reason"],
        );
        let available_proxies = IntGaugeVec::new(
            Opts::new(
                "available_proxies",
                "The number of currently available snowflake proxies",
            )
            .namespace("snowflake"),
            &["type", "nat"],
        )
        .unwrap_or_else(|e| panic!("gauge is well-formed: {e}"));
        registry
            .register(Box::new(available_proxies.clone()))
            .unwrap_or_else(|e| panic!("gauge registers once: {e}"));
        Metrics {
            registry,
            client_polls,
            proxy_polls,
            with_relay_url,
            without_relay_url,
            rejected_relay_url,
            refused_polls,
            available_proxies,
            log: Mutex::new(MetricsLog::new(max_tracked_addresses)),
        }
    }

    fn with_log(&self, f: impl FnOnce(&mut MetricsLog)) {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut log);
    }

    /// A client poll ended with `status`.
    pub fn client_poll(
        &self,
        method: RendezvousMethod,
        nat: NatType,
        status: ClientPollStatus,
        country: &str,
    ) {
        self.client_polls
            .with_label_values(&[nat.as_str(), status.as_str(), country, method.as_str()])
            .inc();
        self.with_log(|log| log.record_client_poll(method, nat, status, country));
    }

    /// A well-formed proxy poll arrived; `pattern_present` tells whether
    /// it carried `AcceptedRelayPattern`.
    pub fn proxy_poll_received(&self, proxy_type: ProxyType, nat: NatType, pattern_present: bool) {
        let labels = [nat.as_str(), proxy_type.as_str()];
        if pattern_present {
            self.with_relay_url.with_label_values(&labels).inc();
        } else {
            self.without_relay_url.with_label_values(&labels).inc();
        }
        self.with_log(|log| log.record_relay_url_extension(pattern_present));
    }

    /// A proxy poll from `address` passed the relay-pattern check and is
    /// held (counted for the unique-address statistics).
    pub fn proxy_poll_accepted(
        &self,
        address: IpAddr,
        proxy_type: ProxyType,
        nat: NatType,
        country: &str,
    ) {
        self.with_log(|log| log.record_proxy_poll(address, proxy_type, nat, country));
    }

    /// A proxy poll was refused for its relay pattern.
    pub fn proxy_poll_rejected(&self, proxy_type: ProxyType, nat: NatType) {
        self.rejected_relay_url
            .with_label_values(&[nat.as_str(), proxy_type.as_str()])
            .inc();
        self.with_log(MetricsLog::record_rejected_relay_pattern);
    }

    /// A proxy poll was not held, for `reason`.
    pub fn proxy_poll_refused(
        &self,
        proxy_type: ProxyType,
        nat: NatType,
        reason: ProxyRefusalReason,
    ) {
        self.refused_polls
            .with_label_values(&[nat.as_str(), proxy_type.as_str(), reason.as_str()])
            .inc();
    }

    /// A held proxy poll ended with `status`.
    pub fn proxy_poll_ended(
        &self,
        proxy_type: ProxyType,
        nat: NatType,
        status: ProxyPollStatus,
        country: &str,
    ) {
        self.proxy_polls
            .with_label_values(&[nat.as_str(), proxy_type.as_str(), status.as_str(), country])
            .inc();
        if status == ProxyPollStatus::Idle {
            self.with_log(MetricsLog::record_proxy_idle);
        }
    }

    /// The Prometheus exposition text, with the gauge taken from `stats`
    /// and the `rounded` counters rounded up to a multiple of 8.
    pub fn prometheus_text(&self, stats: &MatcherStats) -> String {
        self.available_proxies.reset();
        for ((proxy_type, nat), count) in &stats.known_proxies {
            let value = i64::try_from(*count).unwrap_or(i64::MAX);
            self.available_proxies
                .with_label_values(&[proxy_type.as_str(), nat.as_str()])
                .set(value);
        }
        let mut families = self.registry.gather();
        for family in &mut families {
            if !family.name().starts_with(ROUNDED_PREFIX) {
                continue;
            }
            for metric in family.mut_metric() {
                let mut counter = CounterValue::default();
                let value = metric.get_counter().get_value();
                counter.set_value((value / 8.0).ceil() * 8.0);
                metric.set_counter(counter);
            }
        }
        TextEncoder::new()
            .encode_to_string(&families)
            .unwrap_or_default()
    }

    /// Renders and resets the metrics-log block for the interval ending at
    /// `end`.
    pub fn take_log_block(&self, end: SystemTime, interval: Duration) -> String {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.render_and_reset(end, interval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn bins() {
        assert_eq!(bin_count(0), 0);
        assert_eq!(bin_count(1), 8);
        assert_eq!(bin_count(8), 8);
        assert_eq!(bin_count(9), 16);
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(format_utc(UNIX_EPOCH), "1970-01-01 00:00:00");
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(format_utc(t), "2023-11-14 22:13:20");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400 + 3661);
        assert_eq!(format_utc(leap), "2000-02-29 01:01:01");
    }

    #[test]
    fn metrics_log_block() {
        let mut log = MetricsLog::new(100);
        let a: IpAddr = "203.0.113.5".parse().unwrap();
        let b: IpAddr = "198.51.100.1".parse().unwrap();
        log.record_relay_url_extension(true);
        log.record_proxy_poll(a, ProxyType::Standalone, NatType::Unrestricted, "JP");
        log.record_proxy_poll(a, ProxyType::Standalone, NatType::Unrestricted, "JP");
        log.record_proxy_poll(a, ProxyType::Webext, NatType::Restricted, "JP");
        log.record_proxy_poll(b, ProxyType::Badge, NatType::Unknown, "??");
        log.record_proxy_idle();
        log.record_client_poll(
            RendezvousMethod::Http,
            NatType::Restricted,
            ClientPollStatus::Denied,
            "AU",
        );
        log.record_client_poll(
            RendezvousMethod::AmpCache,
            NatType::Unrestricted,
            ClientPollStatus::Matched,
            "AU",
        );
        for nat in [NatType::Moderate, NatType::Unknown] {
            log.record_client_poll(RendezvousMethod::Http, nat, ClientPollStatus::Denied, "AU");
        }
        log.record_proxy_poll(b, ProxyType::Badge, NatType::Open, "??");
        log.record_proxy_poll(b, ProxyType::Badge, NatType::Strict, "??");
        let end = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let text = log.render_and_reset(end, Duration::from_secs(86_400));
        let expected = "\
snowflake-stats-end 2023-11-14 22:13:20 (86400 s)
snowflake-ips ??=1,JP=1
snowflake-ips-iptproxy 0
snowflake-ips-standalone 1
snowflake-ips-webext 1
snowflake-ips-badge 1
snowflake-ips-total 2
snowflake-idle-count 8
snowflake-proxy-poll-with-relay-url-count 8
snowflake-proxy-poll-without-relay-url-count 0
snowflake-proxy-rejected-for-relay-url-count 0
client-denied-count 8
client-restricted-denied-count 8
client-unrestricted-denied-count 0
client-nat-strict-denied-count 0
client-nat-moderate-denied-count 8
client-nat-open-denied-count 0
client-nat-unknown-denied-count 8
client-snowflake-match-count 8
client-snowflake-timeout-count 0
client-http-count 8
client-http-ips AU=8
client-ampcache-count 8
client-ampcache-ips AU=8
client-sqs-count 0
client-sqs-ips 
snowflake-ips-nat-restricted 1
snowflake-ips-nat-unrestricted 1
snowflake-ips-nat-unknown 1
snowflake-ips-nat-strict 1
snowflake-ips-nat-moderate 0
snowflake-ips-nat-open 1
";
        assert_eq!(text, expected);
        // Reset: the next block starts from zero.
        let next = log.render_and_reset(end, Duration::from_secs(86_400));
        assert!(next.contains("snowflake-ips-total 0\n"));
        assert!(next.contains("snowflake-ips \n"));
    }

    #[test]
    fn tracked_addresses_are_bounded() {
        let mut log = MetricsLog::new(2);
        for i in 0..10u8 {
            let ip = IpAddr::from([198, 51, 100, i]);
            log.record_proxy_poll(ip, ProxyType::Standalone, NatType::Unknown, "??");
        }
        let text = log.render_and_reset(UNIX_EPOCH, Duration::from_secs(1));
        assert!(text.contains("snowflake-ips-total 2\n"));
    }

    #[test]
    fn prometheus_counters_are_rounded() {
        let metrics = Metrics::new(10);
        metrics.client_poll(
            RendezvousMethod::Http,
            NatType::Unknown,
            ClientPollStatus::Denied,
            "??",
        );
        let stats = MatcherStats {
            known_proxies: vec![((ProxyType::Standalone, NatType::Unrestricted), 3)],
            ..MatcherStats::default()
        };
        let text = metrics.prometheus_text(&stats);
        assert!(text.contains(
            "snowflake_rounded_client_poll_total{cc=\"??\",nat=\"unknown\",rendezvous_method=\"http\",status=\"denied\"} 8"
        ), "{text}");
        assert!(
            text.contains(
                "snowflake_available_proxies{nat=\"unrestricted\",type=\"standalone\"} 3"
            ),
            "{text}"
        );
        // The gauge follows the stats it is given.
        let text = metrics.prometheus_text(&MatcherStats::default());
        assert!(!text.contains("snowflake_available_proxies{"), "{text}");
    }
}
