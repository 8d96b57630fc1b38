//! The command line: upstream's flag names (one or two dashes, read as Go
//! reads them, see [`snowflake_common::cli`]) plus our limits, turned into
//! the [`PtOptions`] of managed-transport mode.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use snowflake_common::acme::AcmeConfig;
use snowflake_common::cli::{parse_duration_or_seconds, parse_listen_addr};

use crate::config::{check_distinct_instances, parse_num_turbotunnel, Limits, Timeouts};
use crate::orport::TorInstance;
use crate::pt::PtOptions;
use crate::srcaddr::SourceRange;
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
    /// Comma-separated hostnames for the TLS certificate, obtained from
    /// Let's Encrypt by ACME and cached in the state directory (the
    /// default TLS mode; the CA validates on port 443 or 80).
    #[arg(long, value_name = "HOSTNAMES")]
    pub acme_hostnames: Option<String>,
    /// Optional contact email for Let's Encrypt notifications.
    #[arg(long, value_name = "EMAIL")]
    pub acme_email: Option<String>,
    /// Testing: the ACME directory URL.
    #[arg(
        long,
        hide = true,
        value_name = "URL",
        default_value = snowflake_common::acme::LETS_ENCRYPT
    )]
    pub acme_directory: String,
    /// Testing: PEM file of the roots to trust for the ACME server's
    /// HTTPS (default: the usual web roots).
    #[arg(long, hide = true, value_name = "FILE")]
    pub acme_ca_roots: Option<PathBuf>,
    /// Testing: where the ACME HTTP-01 listener listens (empty: none).
    #[arg(long, hide = true, value_name = "ADDR", default_value = ":80")]
    pub acme_http_addr: String,
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
    /// One tor instance to spread sessions over, with its own cookie file
    /// and optionally its own source range: `ADDR,cookie=FILE[,srcaddr=RANGE]`,
    /// ADDR `ip:port` or `unix:/path`. Repeat it for each instance. Under
    /// tor, they are used besides tor's own ExtORPort (the
    /// `extorport-instance` transport option, also repeatable, replaces
    /// these); with -listen, they are the only ones. See
    /// docs/tor-instances.md.
    #[arg(long, value_name = "ADDR,cookie=FILE", value_parser = tor_instance)]
    pub extorport_instance: Vec<TorInstance>,
    /// Connect to tor from random addresses of this range (like
    /// 127.0.1.0/24), for instances without their own; the
    /// `orport-srcaddr` transport option takes precedence.
    #[arg(long, value_name = "RANGE", value_parser = source_range)]
    pub orport_srcaddr: Option<SourceRange>,
    /// Run without tor's TOR_PT_* environment (e.g. under systemd in front
    /// of several tor instances): listen for proxies' WebSocket
    /// connections here (like [::]:443) and send sessions to the
    /// -extorport-instance list. Stops on SIGTERM or SIGINT.
    #[arg(long, value_name = "ADDR", value_parser = parse_listen_addr)]
    pub listen: Option<SocketAddr>,
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

fn tor_instance(value: &str) -> Result<TorInstance, String> {
    value
        .parse()
        .map_err(|e: crate::orport::TorInstanceError| e.to_string())
}

fn source_range(value: &str) -> Result<SourceRange, String> {
    value
        .parse()
        .map_err(|e: crate::srcaddr::SourceRangeError| e.to_string())
}

impl Args {
    /// The ACME settings; the cache directory comes from the state
    /// directory later ([`crate::pt::plan`]).
    fn acme_config(&self, hostnames: &str) -> Result<AcmeConfig, CliError> {
        let mut config = AcmeConfig::new(hostnames)
            .map_err(|e| CliError::Acme(format!("--acme-hostnames: {e}")))?;
        config.email = self.acme_email.clone().filter(|email| !email.is_empty());
        config.directory_url = self.acme_directory.clone();
        config.ca_roots = self.acme_ca_roots.clone();
        config.http01_addr = match self.acme_http_addr.as_str() {
            "" => None,
            addr => Some(
                parse_listen_addr(addr)
                    .map_err(|e| CliError::Acme(format!("--acme-http-addr: {e}")))?,
            ),
        };
        Ok(config)
    }
}

/// Flags that cannot be used together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    /// A bad ACME setting (a hostname, the HTTP-01 address).
    #[error("{0}")]
    Acme(String),
    /// `--acme-hostnames` or `--acme-email` with `--cert`/`--key`.
    #[error("the --cert and --key options are not allowed with --acme-email or --acme-hostnames")]
    AcmeWithCert,
    /// `--acme-hostnames` with `-listen`, which has no state directory.
    #[error("-listen has no state directory for the ACME certificate cache; use --cert and --key")]
    AcmeStandalone,
    /// `--disable-tls` with `--cert`/`--key`.
    #[error("--disable-tls cannot be combined with --cert/--key")]
    TlsAndNoTls,
    /// Neither ACME, TLS files nor `--disable-tls`.
    #[error(
        "TLS needs --acme-hostnames (certificates from Let's Encrypt), or --cert FILE and \
         --key FILE; or pass --disable-tls to serve plain WebSocket"
    )]
    NoTls,
    /// `-listen` without `-extorport-instance`.
    #[error(
        "-listen runs without tor's TOR_PT_* environment, so it needs the tor instances: \
         -extorport-instance ADDR,cookie=FILE for each"
    )]
    ListenWithoutInstances,
    /// `-listen` with `-ext-orport`, which names tor's own ExtORPort.
    #[error("-ext-orport needs tor's TOR_PT_AUTH_COOKIE_FILE; with -listen use -extorport-instance ADDR,cookie=FILE")]
    ListenWithExtOrPort,
    /// Two `-extorport-instance` flags with one address.
    #[error("-extorport-instance {0} is given twice")]
    DuplicateInstance(String),
}

impl Args {
    /// Checks the flags and builds the managed-transport options.
    pub fn pt_options(&self) -> Result<PtOptions, CliError> {
        let hostnames = self.acme_hostnames.as_deref().filter(|h| !h.is_empty());
        let acme_flags =
            hostnames.is_some() || self.acme_email.as_deref().is_some_and(|e| !e.is_empty());
        let mut acme = None;
        let tls = match (self.disable_tls, &self.cert, &self.key) {
            (true, None, None) => None,
            (false, Some(_), Some(_)) if acme_flags => return Err(CliError::AcmeWithCert),
            (false, Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            (true, _, _) => return Err(CliError::TlsAndNoTls),
            (false, None, None) => match hostnames {
                Some(_) if self.listen.is_some() => return Err(CliError::AcmeStandalone),
                Some(hostnames) => {
                    acme = Some(self.acme_config(hostnames)?);
                    None
                }
                None => return Err(CliError::NoTls),
            },
            (false, _, _) => return Err(CliError::NoTls),
        };
        if let Err(e) = check_distinct_instances(&self.extorport_instance) {
            let address = match e {
                crate::config::OptionError::DuplicateInstance(address) => address,
                other => other.to_string(),
            };
            return Err(CliError::DuplicateInstance(address));
        }
        if self.listen.is_some() {
            if self.extorport_instance.is_empty() {
                return Err(CliError::ListenWithoutInstances);
            }
            if self.ext_orport.is_some() {
                return Err(CliError::ListenWithExtOrPort);
            }
        }
        Ok(PtOptions {
            tls,
            acme,
            listen: self.listen,
            tor_instances: self.extorport_instance.clone(),
            orport_srcaddr: self.orport_srcaddr,
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
