//! `snowflake-client`: tor's ClientTransportPlugin (managed mode, the
//! default) or a plain SOCKS5 proxy (`-socks ADDR`).
//!
//! Flags keep upstream's single-dash names (`-url`, `-front`, `-ice`,
//! `-max`, `-ampcache`, `-keep-local-addresses`, `-log`,
//! `-log-to-state-dir`, `-unsafe-logging`); bridge-line arguments override
//! them per connection.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use snowflake_client::config::{split_list, ClientConfig, DEFAULT_MAX_PROXIES, MAX_PROXIES_LIMIT};
use snowflake_client::Client;
use snowflake_common::cli::go_style_args;
use snowflake_common::messages::BridgeFingerprint;
use snowflake_common::safelog::{init_logging as init_logging_to, LogFallback};

#[derive(Debug, Parser)]
#[command(name = "snowflake-client", disable_version_flag = true)]
struct Args {
    /// Broker URL.
    #[arg(long)]
    url: Option<String>,
    /// Front domain(s) for the broker, comma-separated (one per request).
    #[arg(long)]
    front: Option<String>,
    /// Front domains, comma-separated; takes precedence over -front.
    #[arg(long)]
    fronts: Option<String>,
    /// AMP cache URL for the broker rendezvous.
    #[arg(long)]
    ampcache: Option<String>,
    /// STUN servers, comma-separated (only stun: URLs are used).
    #[arg(long)]
    ice: Option<String>,
    /// Number of proxies to keep connected.
    #[arg(long, default_value_t = DEFAULT_MAX_PROXIES)]
    max: usize,
    /// Spread packets over all connected proxies (striping) instead of one
    /// at a time.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    striping: bool,
    /// Bridge fingerprint to ask the broker for.
    #[arg(long)]
    fingerprint: Option<String>,
    /// Keep local LAN addresses in the offer.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    keep_local_addresses: bool,
    /// ICE over 127.0.0.1 only (tests and demos on one machine).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    loopback_only: bool,
    /// Log file (default: no log in managed mode, stderr with -socks).
    #[arg(long)]
    log: Option<PathBuf>,
    /// Put the log file in tor's state directory (TOR_PT_STATE_LOCATION).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    log_to_state_dir: bool,
    /// Do not scrub IP addresses from the log.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    unsafe_logging: bool,
    /// Run as a plain SOCKS5 proxy on this address instead of as tor's
    /// managed transport.
    #[arg(long)]
    socks: Option<SocketAddr>,
    /// Print the version and exit.
    #[arg(long)]
    version: bool,
}

fn split(list: &Option<String>) -> Vec<String> {
    split_list(list.as_deref().unwrap_or(""))
}

fn config_from(args: &Args) -> Result<ClientConfig, String> {
    if !(1..=MAX_PROXIES_LIMIT).contains(&args.max) {
        return Err(format!("-max must be from 1 to {MAX_PROXIES_LIMIT}"));
    }
    let fingerprint = match &args.fingerprint {
        Some(hex) => BridgeFingerprint::from_hex(hex).map_err(|e| format!("-fingerprint: {e}"))?,
        None => BridgeFingerprint::default(),
    };
    let fronts = if args.fronts.is_some() {
        split(&args.fronts)
    } else {
        split(&args.front)
    };
    Ok(ClientConfig {
        broker_url: args.url.clone(),
        fronts,
        amp_cache: args.ampcache.clone(),
        ice_servers: snowflake_rtc::config::stun_urls_only(split(&args.ice)),
        max_proxies: args.max,
        striping: args.striping,
        fingerprint,
        keep_local_addresses: args.keep_local_addresses,
        loopback_only: args.loopback_only,
        unsafe_logging: args.unsafe_logging,
        ..ClientConfig::default()
    })
}

fn init_logging(args: &Args) -> Result<(), String> {
    let mut path = args.log.clone();
    if args.log_to_state_dir {
        if let Some(file) = &path {
            let dir = std::env::var_os("TOR_PT_STATE_LOCATION")
                .ok_or("-log-to-state-dir needs TOR_PT_STATE_LOCATION")?;
            std::fs::create_dir_all(&dir).map_err(|e| format!("state directory: {e}"))?;
            path = Some(PathBuf::from(dir).join(file));
        }
    }
    // stdout belongs to tor in managed mode: no log unless asked.
    let fallback = if args.socks.is_some() {
        LogFallback::Stderr
    } else {
        LogFallback::Discard
    };
    init_logging_to(path.as_deref(), fallback, "info", args.unsafe_logging)
}

fn main() -> ExitCode {
    let args = Args::parse_from(go_style_args(std::env::args_os()));
    if args.version {
        println!("snowflake-client {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let config = match config_from(&args) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("snowflake-client: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = init_logging(&args) {
        eprintln!("snowflake-client: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("snowflake-client: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let socks_mode = args.socks.is_some();
    let result = runtime.block_on(async move {
        match args.socks {
            Some(listen) => {
                let shutdown = snowflake_common::pt::lifecycle::ShutdownSignal::install();
                let handle = Client::start(config, listen, None)
                    .await
                    .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
                eprintln!("snowflake-client: SOCKS5 on {}", handle.socks_addr());
                shutdown.wait(false).await;
                handle.shutdown().await;
                Ok(())
            }
            None => snowflake_client::pt::run_managed(config)
                .await
                .map_err(|e| e.to_string()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            if socks_mode {
                eprintln!("snowflake-client: {e}");
            }
            ExitCode::FAILURE
        }
    }
}
