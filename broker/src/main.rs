//! `snowflake-broker`: parses the Go broker's flags (single- or
//! double-dash) and runs [`snowflake_broker::Broker`].

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use snowflake_broker::bridges::BridgeList;
use snowflake_broker::geoip::GeoIp;
use snowflake_broker::poll_interval::PollIntervals;
use snowflake_broker::{Broker, BrokerConfig, BrokerHandle, TlsFiles};

const DEFAULT_GEOIP: &str = "/usr/share/tor/geoip";
const DEFAULT_GEOIP6: &str = "/usr/share/tor/geoip6";

/// Snowflake broker: matches censored clients with volunteer proxies.
#[derive(Debug, Parser)]
#[command(name = "snowflake-broker", version)]
struct Args {
    /// Address to listen on (Go syntax: ":443" means every interface).
    #[arg(long, default_value = ":443")]
    addr: String,
    /// TLS certificate file (PEM).
    #[arg(long)]
    cert: Option<PathBuf>,
    /// TLS private key file (PEM).
    #[arg(long)]
    key: Option<PathBuf>,
    /// Serve plain HTTP (behind a TLS-terminating reverse proxy).
    #[arg(long)]
    disable_tls: bool,
    /// Not supported: ACME (Let's Encrypt) certificates; use -cert/-key.
    #[arg(long)]
    acme_hostnames: Option<String>,
    /// Not supported (see -acme-hostnames).
    #[arg(long)]
    acme_email: Option<String>,
    /// Not supported (see -acme-hostnames).
    #[arg(long)]
    acme_cert_cache: Option<String>,
    /// Bridge list file: JSON lines of displayName, webSocketAddress, fingerprint.
    #[arg(long)]
    bridge_list_path: Option<PathBuf>,
    /// Relay hostname pattern of this broker's relays; proxies must accept it.
    #[arg(long, default_value = "")]
    allowed_relay_pattern: String,
    /// Pattern assumed for proxies that send none (empty: refuse them).
    #[arg(long, default_value = "")]
    default_relay_pattern: String,
    /// IPv4 geoip file (tor format) [default: /usr/share/tor/geoip if present].
    #[arg(long)]
    geoipdb: Option<PathBuf>,
    /// IPv6 geoip file (tor format) [default: /usr/share/tor/geoip6 if present].
    #[arg(long)]
    geoip6db: Option<PathBuf>,
    /// Do not use geoip for statistics.
    #[arg(long)]
    disable_geoip: bool,
    /// File to append the daily metrics to (also served at /metrics).
    #[arg(long)]
    metrics_log: Option<PathBuf>,
    /// Log client and proxy addresses unscrubbed.
    #[arg(long)]
    unsafe_logging: bool,
    /// JSON file with unrestricted_poll_interval and restricted_poll_interval (ms).
    #[arg(long)]
    poll_interval_filepath: Option<PathBuf>,
    /// How long a client waits for its proxy's answer, from the start of its request.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    client_timeout: Duration,
    /// How long a proxy poll is held waiting for a client.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    proxy_timeout: Duration,
    /// Interval of the metrics log.
    #[arg(long, default_value = "24h", value_parser = parse_duration)]
    metrics_interval: Duration,
    /// Most proxy polls held at once.
    #[arg(long, default_value_t = 200_000)]
    max_waiting_proxies: usize,
    /// Most matched clients waiting for answers at once.
    #[arg(long, default_value_t = 50_000)]
    max_waiting_clients: usize,
    /// Most open connections.
    #[arg(long, default_value_t = 16_000)]
    max_connections: usize,
}

/// Parses Go-style durations: `500ms`, `5s`, `10m`, `24h`, `1h30m`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let mut total = Duration::ZERO;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err("empty duration".to_string());
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| format!("missing unit in duration {text:?}"))?;
        let (number, tail) = rest.split_at(digits);
        let value: u64 = number
            .parse()
            .map_err(|_| format!("bad number in duration {text:?}"))?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let part = match unit {
            "ms" => Duration::from_millis(value),
            "s" => Duration::from_secs(value),
            "m" => Duration::from_secs(value.saturating_mul(60)),
            "h" => Duration::from_secs(value.saturating_mul(3600)),
            _ => return Err(format!("unknown unit {unit:?} in duration {text:?}")),
        };
        total = total.saturating_add(part);
        rest = tail;
    }
    Ok(total)
}

/// Go's listen syntax: `:PORT` is every interface; otherwise `host:port`.
fn listen_address(addr: &str) -> Result<SocketAddr, String> {
    if let Some(port) = addr.strip_prefix(':') {
        let port: u16 = port.parse().map_err(|_| format!("bad port in {addr:?}"))?;
        return Ok(SocketAddr::from(([0u16; 8], port)));
    }
    addr.to_socket_addrs()
        .map_err(|e| format!("bad address {addr:?}: {e}"))?
        .next()
        .ok_or_else(|| format!("address {addr:?} resolves to nothing"))
}

fn load_geoip(args: &Args) -> Result<Option<Arc<GeoIp>>, String> {
    if args.disable_geoip {
        return Ok(None);
    }
    let explicit = args.geoipdb.is_some() || args.geoip6db.is_some();
    let v4 = args
        .geoipdb
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_GEOIP));
    let v6 = args
        .geoip6db
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

fn load_poll_intervals(path: Option<&Path>) -> PollIntervals {
    match path {
        None => PollIntervals::default(),
        Some(path) => PollIntervals::from_file(path).unwrap_or_else(|error| {
            // As in Go, a bad file is reported and the defaults are kept.
            tracing::warn!(%error, "failed to load poll interval from file");
            PollIntervals::default()
        }),
    }
}

fn config_from_args(args: &Args) -> Result<BrokerConfig, String> {
    if args.acme_hostnames.is_some() || args.acme_email.is_some() || args.acme_cert_cache.is_some()
    {
        return Err(
            "ACME (-acme-hostnames, -acme-email, -acme-cert-cache) is not supported; \
             use -cert and -key, or -disable-tls behind a reverse proxy"
                .to_string(),
        );
    }
    let tls = match (&args.cert, &args.key, args.disable_tls) {
        (Some(cert), Some(key), _) => Some(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        }),
        (None, None, true) => None,
        (Some(_), None, _) | (None, Some(_), _) => {
            return Err("-cert and -key must be given together".to_string())
        }
        (None, None, false) => {
            return Err("the --cert and --key, or --disable-tls option is required".to_string())
        }
    };
    let bridges = match &args.bridge_list_path {
        Some(path) => BridgeList::from_file(path).map_err(|e| e.to_string())?,
        None => BridgeList::default(),
    };
    let default_relay_pattern =
        Some(args.default_relay_pattern.clone()).filter(|pattern| !pattern.is_empty());
    Ok(BrokerConfig {
        listen_addr: listen_address(&args.addr)?,
        tls,
        bridges,
        allowed_relay_pattern: args.allowed_relay_pattern.clone(),
        default_relay_pattern,
        geoip: load_geoip(args)?,
        metrics_log_path: args.metrics_log.clone(),
        metrics_log_interval: args.metrics_interval,
        unsafe_logging: args.unsafe_logging,
        poll_intervals: load_poll_intervals(args.poll_interval_filepath.as_deref()),
        proxy_timeout: args.proxy_timeout,
        client_timeout: args.client_timeout,
        max_waiting_proxies: args.max_waiting_proxies,
        max_waiting_clients: args.max_waiting_clients,
        max_connections: args.max_connections,
        ..BrokerConfig::default()
    })
}

/// The broker's signal handlers, registered before it starts listening so a
/// signal sent as soon as it answers never meets the default action.
struct Signals {
    hangup: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> Result<Self, String> {
        use tokio::signal::unix::{signal, SignalKind};
        let register =
            |kind: SignalKind| signal(kind).map_err(|e| format!("cannot handle signals: {e}"));
        Ok(Self {
            hangup: register(SignalKind::hangup())?,
            terminate: register(SignalKind::terminate())?,
            interrupt: register(SignalKind::interrupt())?,
        })
    }
}

/// Waits for SIGINT/SIGTERM, reloading geoip and poll intervals on SIGHUP.
async fn run_until_signal(
    args: &Args,
    broker: &BrokerHandle,
    signals: Signals,
) -> Result<(), String> {
    let Signals {
        mut hangup,
        mut terminate,
        mut interrupt,
    } = signals;
    loop {
        tokio::select! {
            _ = hangup.recv() => {
                tracing::info!("SIGHUP: reloading geoip databases and poll intervals");
                match load_geoip(args) {
                    Ok(geoip) => broker.set_geoip(geoip),
                    Err(error) => tracing::warn!(%error, "geoip reload failed; keeping the old tables"),
                }
                if args.poll_interval_filepath.is_some() {
                    broker.set_poll_intervals(load_poll_intervals(args.poll_interval_filepath.as_deref()));
                }
            }
            _ = terminate.recv() => return Ok(()),
            _ = interrupt.recv() => return Ok(()),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse_from(snowflake_common::cli::go_style_args(std::env::args_os()));
    // Addresses are also scrubbed where they are logged; the writer catches
    // any that slip through, as in the other programs.
    if let Err(error) = snowflake_common::safelog::init_logging(
        None,
        snowflake_common::safelog::LogFallback::Stderr,
        "info",
        args.unsafe_logging,
    ) {
        eprintln!("snowflake-broker: {error}");
        return ExitCode::FAILURE;
    }
    let config = match config_from_args(&args) {
        Ok(config) => config,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let signals = match Signals::install() {
        Ok(signals) => signals,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let broker = match Broker::start(config).await {
        Ok(broker) => broker,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let result = run_until_signal(&args, &broker, signals).await;
    broker.shutdown().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Args {
        let mut full = vec!["snowflake-broker"];
        full.extend_from_slice(args);
        Args::parse_from(snowflake_common::cli::go_style_args(full))
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn listen_addresses() {
        assert_eq!(listen_address(":443"), Ok("[::]:443".parse().unwrap()));
        assert_eq!(
            listen_address("127.0.0.1:8080"),
            Ok("127.0.0.1:8080".parse().unwrap())
        );
        assert!(listen_address(":x").is_err());
    }

    #[test]
    fn go_style_flags() {
        let args = parse(&[
            "-addr",
            "127.0.0.1:8000",
            "-disable-tls",
            "-allowed-relay-pattern",
            "snowflake.torproject.net$",
            "--unsafe-logging",
            "-disable-geoip",
            "-client-timeout=2s",
        ]);
        let config = config_from_args(&args).unwrap();
        assert_eq!(config.listen_addr, "127.0.0.1:8000".parse().unwrap());
        assert!(config.tls.is_none());
        assert!(config.unsafe_logging);
        assert!(config.geoip.is_none());
        assert_eq!(config.allowed_relay_pattern, "snowflake.torproject.net$");
        assert_eq!(config.default_relay_pattern, None);
        assert_eq!(config.client_timeout, Duration::from_secs(2));
    }

    #[test]
    fn tls_flags_are_required_and_acme_is_refused() {
        assert!(config_from_args(&parse(&["-disable-geoip"])).is_err());
        assert!(config_from_args(&parse(&["-cert", "c.pem", "-disable-geoip"])).is_err());
        let err = config_from_args(&parse(&["-acme-hostnames", "x", "-disable-tls"])).unwrap_err();
        assert!(err.contains("not supported"));
        let config = config_from_args(&parse(&[
            "-cert",
            "c.pem",
            "-key",
            "k.pem",
            "-disable-geoip",
        ]))
        .unwrap();
        assert_eq!(
            config.tls,
            Some(TlsFiles {
                cert: "c.pem".into(),
                key: "k.pem".into()
            })
        );
    }
}
