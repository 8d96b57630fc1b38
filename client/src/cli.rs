//! The command line: upstream's flag names (`-url`, `-front`, `-ice`,
//! `-max`, `-ampcache`, `-sqsqueue`, `-sqscreds`, `-keep-local-addresses`, `-log`,
//! `-log-to-state-dir`, `-unsafe-logging`, `-covertdtls-config`,
//! `-covertdtls-fingerprint`, the deprecated `-keepLocalAddresses` and
//! `-logToStateDir`, and our `-datagrams` and `-proxy-rendezvous-only`),
//! read as Go reads them
//! ([`snowflake_common::cli`]), turned into the base [`ClientConfig`]
//! that bridge-line arguments override per connection.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use snowflake_common::cli::parse_listen_addr;
use snowflake_common::messages::BridgeFingerprint;
use snowflake_rtc::covert::{CovertDtlsConfig, CovertDtlsMode};

use crate::config::{
    parse_sqs_creds, parse_sqs_queue, split_list, ClientConfig, DEFAULT_MAX_PROXIES,
};

/// Snowflake client: tor's ClientTransportPlugin (managed mode, the
/// default) or a plain SOCKS5 proxy (`-socks ADDR`).
//
// Boolean flags are plain `bool` fields: `snowflake_common::cli` gives
// them Go's syntax (`-flag`, `-flag=true`, `-flag=false`).
#[derive(Debug, Clone, Parser)]
#[command(name = "snowflake-client", disable_version_flag = true)]
pub struct Args {
    /// Broker URL.
    #[arg(long)]
    pub url: Option<String>,
    /// Front domain(s) for the broker, comma-separated (one per request).
    #[arg(long)]
    pub front: Option<String>,
    /// Front domains, comma-separated; takes precedence over -front.
    #[arg(long)]
    pub fronts: Option<String>,
    /// AMP cache URL for the broker rendezvous.
    #[arg(long)]
    pub ampcache: Option<String>,
    /// URL of the broker's SQS queue, for SQS rendezvous (without -url and
    /// -ampcache).
    #[arg(long)]
    pub sqsqueue: Option<String>,
    /// Credentials for the SQS queue: base64 of
    /// {"aws-access-key-id":"…","aws-secret-key":"…"}.
    #[arg(long)]
    pub sqscreds: Option<String>,
    /// STUN servers, comma-separated (only stun: URLs are used).
    #[arg(long)]
    pub ice: Option<String>,
    /// Number of proxies to keep connected (less than 1 means 1; more
    /// than 16 means 16).
    #[arg(long, default_value_t = DEFAULT_MAX_PROXIES as i64, allow_negative_numbers = true)]
    pub max: i64,
    /// Spread packets over all connected proxies (striping) instead of one
    /// at a time.
    #[arg(long)]
    pub striping: bool,
    /// Bridge fingerprint to ask the broker for.
    #[arg(long)]
    pub fingerprint: Option<String>,
    /// Keep local LAN addresses in the offer.
    #[arg(long)]
    pub keep_local_addresses: bool,
    /// ICE over 127.0.0.1 only (tests and demos on one machine).
    #[arg(long)]
    pub loopback_only: bool,
    /// Log file (default: no log in managed mode, stderr with -socks).
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// Put the log file in tor's state directory (TOR_PT_STATE_LOCATION).
    #[arg(long)]
    pub log_to_state_dir: bool,
    /// Do not scrub IP addresses from the log.
    #[arg(long)]
    pub unsafe_logging: bool,
    /// Run as a plain SOCKS5 proxy on this address instead of as tor's
    /// managed transport.
    #[arg(long, value_parser = parse_listen_addr)]
    pub socks: Option<SocketAddr>,
    /// How the DTLS handshake is shaped: randomize, mimic, randomizemimic
    /// or disable (empty: mimic).
    #[arg(long)]
    pub covertdtls_config: Option<String>,
    /// Hex of a DTLS ClientHello to imitate.
    #[arg(long)]
    pub covertdtls_fingerprint: Option<String>,
    /// Use the datagram channel (unordered, no SCTP retransmission) when
    /// the proxy offers one; `-datagrams=false` keeps to the reliable
    /// channel.
    #[arg(long, default_value_t = crate::config::DEFAULT_DATAGRAMS)]
    pub datagrams: bool,
    /// With tor's TOR_PT_PROXY: send only the broker rendezvous through
    /// that proxy and WebRTC's UDP directly, not through it. Needed for
    /// proxies that carry only TCP (http, socks4a, SOCKS5 without UDP
    /// ASSOCIATE), which are refused otherwise, as upstream does.
    #[arg(long)]
    pub proxy_rendezvous_only: bool,
    /// Print the version to stderr and exit.
    #[arg(long)]
    pub version: bool,
    /// Deprecated: use -log-to-state-dir instead.
    #[arg(long = "logToStateDir", id = "logToStateDir")]
    pub old_log_to_state_dir: bool,
    /// Deprecated: use -keep-local-addresses instead.
    #[arg(long = "keepLocalAddresses", id = "keepLocalAddresses")]
    pub old_keep_local_addresses: bool,
}

/// The line `-version` prints (to stderr, as upstream does).
pub fn version_line() -> String {
    format!("snowflake-client {}\n", env!("CARGO_PKG_VERSION"))
}

impl Args {
    /// `-log-to-state-dir` or its old spelling `-logToStateDir`.
    pub fn logs_to_state_dir(&self) -> bool {
        self.log_to_state_dir || self.old_log_to_state_dir
    }

    /// The log file: `-log`, inside tor's state directory `state_dir`
    /// (`TOR_PT_STATE_LOCATION`) when `-log-to-state-dir` or the old
    /// `-logToStateDir` is set. Without `-log` there is no log file.
    pub fn log_path(&self, state_dir: Option<OsString>) -> Result<Option<PathBuf>, String> {
        let Some(file) = &self.log else {
            return Ok(None);
        };
        if !self.logs_to_state_dir() {
            return Ok(Some(file.clone()));
        }
        let dir = state_dir
            .filter(|dir| !dir.is_empty())
            .ok_or("-log-to-state-dir needs TOR_PT_STATE_LOCATION")?;
        Ok(Some(PathBuf::from(dir).join(file)))
    }

    /// The base configuration the flags give.
    pub fn client_config(&self) -> Result<ClientConfig, String> {
        let (max_proxies, note) = crate::config::max_proxies(self.max);
        if let Some(note) = note {
            tracing::warn!("-max {note}");
        }
        let fingerprint = match &self.fingerprint {
            Some(hex) => {
                BridgeFingerprint::from_hex(hex).map_err(|e| format!("-fingerprint: {e}"))?
            }
            None => BridgeFingerprint::default(),
        };
        let mode = CovertDtlsMode::parse_or(
            self.covertdtls_config.as_deref().unwrap_or(""),
            CovertDtlsConfig::CLIENT_DEFAULT_MODE,
        )
        .map_err(|e| format!("-covertdtls-config: {e}"))?;
        let covert_dtls = CovertDtlsConfig::client_default()
            .with_mode(mode)
            .with_fingerprint_hex(self.covertdtls_fingerprint.as_deref().unwrap_or(""))
            .map_err(|e| format!("-covertdtls-fingerprint: {e}"))?;
        let sqs_queue =
            parse_sqs_queue(self.sqsqueue.as_deref().unwrap_or("")).map_err(|e| format!("-{e}"))?;
        let sqs_creds =
            parse_sqs_creds(self.sqscreds.as_deref().unwrap_or("")).map_err(|e| format!("-{e}"))?;
        let fronts = if self.fronts.is_some() {
            split(&self.fronts)
        } else {
            split(&self.front)
        };
        Ok(ClientConfig {
            broker_url: self.url.clone(),
            fronts,
            amp_cache: self.ampcache.clone(),
            sqs_queue,
            sqs_creds,
            ice_servers: snowflake_rtc::config::stun_urls_only(split(&self.ice)),
            max_proxies,
            striping: self.striping,
            fingerprint,
            keep_local_addresses: self.keep_local_addresses || self.old_keep_local_addresses,
            loopback_only: self.loopback_only,
            unsafe_logging: self.unsafe_logging,
            covert_dtls,
            datagrams: self.datagrams,
            proxy_rendezvous_only: self.proxy_rendezvous_only,
            ..ClientConfig::default()
        })
    }
}

fn split(list: &Option<String>) -> Vec<String> {
    split_list(list.as_deref().unwrap_or(""))
}
