//! The command line: upstream's flag names (one or two dashes, read as Go
//! reads them, see [`snowflake_common::cli`]) plus our limits, turned into
//! the [`PtOptions`] of managed-transport mode.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use snowflake_common::cli::{parse_duration_or_seconds, parse_listen_addr};

use crate::config::{parse_num_turbotunnel, Limits, Timeouts};
use crate::pt::PtOptions;
use crate::tls::TlsFiles;

/// Snowflake bridge transport (tor ServerTransportPlugin).
//
// Boolean flags are plain `bool` fields: `snowflake_common::cli` gives
// them Go's syntax (`-flag`, `-flag=true`, `-flag=false`).
#[derive(Debug, Clone, Parser)]
#[command(
    name = "snowflake-server",
    about = "Snowflake bridge transport (tor ServerTransportPlugin)",
    disable_version_flag = true
)]
pub struct Args {
    /// Not supported: ACME needs the network. Obtain a certificate with an
    /// ACME client and pass --cert/--key, or use --disable-tls behind a TLS
    /// terminating proxy.
    #[arg(long, value_name = "HOSTNAMES")]
    pub acme_hostnames: Option<String>,
    /// Not supported (see --acme-hostnames).
    #[arg(long, value_name = "EMAIL")]
    pub acme_email: Option<String>,
    /// Serve plain WebSocket (ws://), e.g. behind a TLS-terminating proxy.
    #[arg(long)]
    pub disable_tls: bool,
    /// PEM certificate chain for TLS (reloaded on SIGHUP).
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,
    /// PEM private key for TLS (reloaded on SIGHUP).
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Append the log to this file instead of stderr.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Do not scrub client IP addresses from the log.
    #[arg(long)]
    pub unsafe_logging: bool,
    /// Print the version and exit.
    #[arg(long)]
    pub version: bool,
    /// Serve Prometheus metrics on this address (e.g. 127.0.0.1:9110).
    #[arg(long, value_name = "ADDR", value_parser = parse_listen_addr)]
    pub metrics_address: Option<SocketAddr>,
    /// Independent Turbo Tunnel (KCP) instances, for several cores. The
    /// `num-turbotunnel` transport option takes precedence.
    #[arg(long, value_name = "N", value_parser = num_turbotunnel)]
    pub num_turbotunnel: Option<usize>,
    /// Extended ORPort to use instead of TOR_PT_EXTENDED_SERVER_PORT:
    /// `ip:port` or `unix:/path`.
    #[arg(long, value_name = "ADDR")]
    pub ext_orport: Option<String>,
    /// Maximum concurrent client sessions.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_sessions)]
    pub max_sessions: usize,
    /// Maximum concurrent streams (tor connections) in one client session;
    /// Snowflake clients open one.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_streams_per_session)]
    pub max_streams_per_session: usize,
    /// Maximum concurrent WebSocket connections.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_connections)]
    pub max_connections: usize,
    /// Packets queued per client (and per instance towards KCP).
    #[arg(long, value_name = "N", default_value_t = Limits::default().queue_packets)]
    pub queue_size: usize,
    /// Largest WebSocket message accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_message_size)]
    pub max_message_size: usize,
    /// Memory shared by all client sessions, in bytes: a fixed cost per
    /// session plus their KCP receive and send buffers.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().memory_budget)]
    pub memory_budget: usize,
    /// Close a client session whose streams carried no data this long
    /// after it started: seconds or a Go duration [default: 20s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_or_seconds)]
    pub new_session_timeout: Option<Duration>,
    /// Close a WebSocket connection that keeps a message incomplete this
    /// long: seconds or a Go duration [default: 20s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_or_seconds)]
    pub message_timeout: Option<Duration>,
    /// Close a WebSocket connection idle this long: seconds (`120`) or a
    /// Go duration (`2m`) [default: 120].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_or_seconds)]
    pub idle_timeout: Option<Duration>,
}

fn num_turbotunnel(value: &str) -> Result<usize, String> {
    parse_num_turbotunnel(value).map_err(|e| e.to_string())
}

/// Flags that cannot be used together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    /// `--acme-hostnames` or `--acme-email`.
    #[error(
        "--acme-hostnames/--acme-email are not supported by this implementation (no built-in \
         ACME client). Obtain a certificate with an ACME client such as certbot and pass --cert \
         and --key (send SIGHUP after renewal), or use --disable-tls behind a TLS-terminating \
         reverse proxy."
    )]
    Acme,
    /// `--disable-tls` with `--cert`/`--key`.
    #[error("--disable-tls cannot be combined with --cert/--key")]
    TlsAndNoTls,
    /// Neither TLS files nor `--disable-tls`.
    #[error(
        "TLS needs --cert FILE and --key FILE; or pass --disable-tls to serve plain WebSocket"
    )]
    NoTls,
}

impl Args {
    /// Checks the flags and builds the managed-transport options.
    pub fn pt_options(&self) -> Result<PtOptions, CliError> {
        if self.acme_hostnames.is_some() || self.acme_email.is_some() {
            return Err(CliError::Acme);
        }
        let tls = match (self.disable_tls, &self.cert, &self.key) {
            (true, None, None) => None,
            (false, Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            (true, _, _) => return Err(CliError::TlsAndNoTls),
            (false, _, _) => return Err(CliError::NoTls),
        };
        Ok(PtOptions {
            tls,
            ext_orport: self.ext_orport.clone(),
            num_turbotunnel: self.num_turbotunnel,
            limits: Limits {
                max_sessions: self.max_sessions,
                max_streams_per_session: self.max_streams_per_session,
                max_connections: self.max_connections,
                queue_packets: self.queue_size,
                max_message_size: self.max_message_size,
                memory_budget: self.memory_budget,
                ..Limits::default()
            },
            timeouts: Timeouts {
                idle: self.idle_timeout.unwrap_or(Timeouts::default().idle),
                new_session: self
                    .new_session_timeout
                    .unwrap_or(Timeouts::default().new_session),
                message: self.message_timeout.unwrap_or(Timeouts::default().message),
                ..Timeouts::default()
            },
            metrics_address: self.metrics_address,
        })
    }
}
