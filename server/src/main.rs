//! `snowflake-server`: the Snowflake bridge transport, run by tor as
//! `ServerTransportPlugin snowflake exec /usr/bin/snowflake-server …`.
//! Parses flags (upstream's names, one or two dashes), sets up logging and
//! hands over to managed-transport mode.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use snowflake_common::cli::go_style_args;
use snowflake_common::pt::stdout::PtWriter;
use snowflake_common::safelog::{self, LogFallback};
use snowflake_server::config::{parse_num_turbotunnel, Limits, Timeouts};
use snowflake_server::pt::{self, PtOptions};
use snowflake_server::tls::TlsFiles;

#[derive(Debug, Parser)]
#[command(
    name = "snowflake-server",
    about = "Snowflake bridge transport (tor ServerTransportPlugin)",
    disable_version_flag = true
)]
struct Args {
    /// Not supported: ACME needs the network. Obtain a certificate with an
    /// ACME client and pass --cert/--key, or use --disable-tls behind a TLS
    /// terminating proxy.
    #[arg(long, value_name = "HOSTNAMES")]
    acme_hostnames: Option<String>,
    /// Not supported (see --acme-hostnames).
    #[arg(long, value_name = "EMAIL")]
    acme_email: Option<String>,
    /// Serve plain WebSocket (ws://), e.g. behind a TLS-terminating proxy.
    #[arg(long)]
    disable_tls: bool,
    /// PEM certificate chain for TLS (reloaded on SIGHUP).
    #[arg(long, value_name = "FILE", requires = "key")]
    cert: Option<PathBuf>,
    /// PEM private key for TLS (reloaded on SIGHUP).
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
    /// Append the log to this file instead of stderr.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Do not scrub client IP addresses from the log.
    #[arg(long)]
    unsafe_logging: bool,
    /// Print the version and exit.
    #[arg(long)]
    version: bool,
    /// Serve Prometheus metrics on this address (e.g. 127.0.0.1:9110).
    #[arg(long, value_name = "ADDR")]
    metrics_address: Option<SocketAddr>,
    /// Independent Turbo Tunnel (KCP) instances, for several cores. The
    /// `num-turbotunnel` transport option takes precedence.
    #[arg(long, value_name = "N", value_parser = num_turbotunnel)]
    num_turbotunnel: Option<usize>,
    /// Extended ORPort to use instead of TOR_PT_EXTENDED_SERVER_PORT:
    /// `ip:port` or `unix:/path`.
    #[arg(long, value_name = "ADDR")]
    ext_orport: Option<String>,
    /// Maximum concurrent client sessions.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_sessions)]
    max_sessions: usize,
    /// Maximum concurrent streams (tor connections) in one client session;
    /// Snowflake clients open one.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_streams_per_session)]
    max_streams_per_session: usize,
    /// Maximum concurrent WebSocket connections.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Packets queued per client (and per instance towards KCP).
    #[arg(long, value_name = "N", default_value_t = Limits::default().queue_packets)]
    queue_size: usize,
    /// Largest WebSocket message accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_message_size)]
    max_message_size: usize,
    /// Close a WebSocket connection idle for this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = Timeouts::default().idle.as_secs())]
    idle_timeout: u64,
}

fn num_turbotunnel(value: &str) -> Result<usize, String> {
    parse_num_turbotunnel(value).map_err(|e| e.to_string())
}

fn init_logging(args: &Args) -> Result<(), String> {
    safelog::init_logging(
        args.log.as_deref(),
        LogFallback::Stderr,
        "info",
        args.unsafe_logging,
    )
}

fn main() -> ExitCode {
    let args = Args::parse_from(go_style_args(std::env::args_os()));
    if args.version {
        println!("snowflake-server {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    if args.acme_hostnames.is_some() || args.acme_email.is_some() {
        eprintln!(
            "snowflake-server: --acme-hostnames/--acme-email are not supported by this \
             implementation (no built-in ACME client). Obtain a certificate with an ACME client \
             such as certbot and pass --cert and --key (send SIGHUP after renewal), or use \
             --disable-tls behind a TLS-terminating reverse proxy."
        );
        return ExitCode::from(2);
    }
    let tls = match (args.disable_tls, &args.cert, &args.key) {
        (true, None, None) => None,
        (false, Some(cert), Some(key)) => Some(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        }),
        (true, _, _) => {
            eprintln!("snowflake-server: --disable-tls cannot be combined with --cert/--key");
            return ExitCode::from(2);
        }
        (false, _, _) => {
            eprintln!(
                "snowflake-server: TLS needs --cert FILE and --key FILE; or pass --disable-tls \
                 to serve plain WebSocket"
            );
            return ExitCode::from(2);
        }
    };
    if let Err(e) = init_logging(&args) {
        eprintln!("snowflake-server: {e}");
        return ExitCode::from(2);
    }
    let options = PtOptions {
        tls,
        ext_orport: args.ext_orport.clone(),
        num_turbotunnel: args.num_turbotunnel,
        limits: Limits {
            max_sessions: args.max_sessions,
            max_streams_per_session: args.max_streams_per_session,
            max_connections: args.max_connections,
            queue_packets: args.queue_size,
            max_message_size: args.max_message_size,
            ..Limits::default()
        },
        timeouts: Timeouts {
            idle: Duration::from_secs(args.idle_timeout),
            ..Timeouts::default()
        },
        metrics_address: args.metrics_address,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("snowflake-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let out = PtWriter::stdout();
    let result = runtime.block_on(pt::run(options, &out));
    // Tasks blocked on stdin must not delay the exit.
    runtime.shutdown_timeout(Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
