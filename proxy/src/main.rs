//! `snowflake-proxy`: parses upstream's flags (single- or double-dash),
//! sets up logging (scrubbed unless `-unsafe-logging`), runs the proxy and
//! on SIGINT/SIGTERM stops polling and lets active clients drain.
//!
//! Logging: see `logging.rs` (as upstream: everything to `-log` or stderr;
//! with `-log`, the operator lines also to stderr; UTC unless
//! `-log-local-time`).

use std::process::ExitCode;

use snowflake_common::cli::GoFlags;
use snowflake_proxy::cli::{version_line, Args};
use snowflake_proxy::logging::{init_logging, local_time_known};
use snowflake_proxy::Proxy;

fn main() -> ExitCode {
    let args = match Args::parse_go_style(std::env::args_os()) {
        Ok(args) => args,
        Err(error) => error.exit(),
    };
    // As upstream: -version wins over every other flag.
    if args.version {
        eprint!("{}", version_line());
        return ExitCode::SUCCESS;
    }
    let settings = match args.into_settings() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("snowflake-proxy: {error}");
            return ExitCode::from(2);
        }
    };
    if let Err(error) = init_logging(&settings) {
        eprintln!("snowflake-proxy: {error}");
        return ExitCode::FAILURE;
    }
    if settings.log_local_time {
        if local_time_known() {
            tracing::info!(
                "logging in local time: the timestamps tell your time zone; \
                 edit them before sharing this log"
            );
        } else {
            tracing::warn!("local time is not known on this system: logging in UTC");
        }
    }
    // Like a Go program: use every file descriptor the hard limit allows.
    snowflake_common::fd_limit::raise_nofile_limit_and_log();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("snowflake-proxy: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        tracing::info!("snowflake-proxy {}", env!("CARGO_PKG_VERSION"));
        let shutdown = snowflake_common::pt::lifecycle::ShutdownSignal::install();
        let proxy = match Proxy::start(settings.config).await {
            Ok(proxy) => proxy,
            Err(error) => {
                tracing::error!(%error, "cannot start");
                return ExitCode::FAILURE;
            }
        };
        shutdown.wait(false).await;
        tracing::info!("shutting down: no new clients, draining active ones");
        proxy.shutdown().await;
        ExitCode::SUCCESS
    })
}
