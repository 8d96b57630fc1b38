//! `snowflake-proxy`: parses upstream's flags (single- or double-dash),
//! sets up logging (scrubbed unless `-unsafe-logging`), runs the proxy and
//! on SIGINT/SIGTERM stops polling and lets active clients drain.

use std::process::ExitCode;

use snowflake_common::cli::GoFlags;
use snowflake_proxy::cli::{Args, Settings};
use snowflake_proxy::Proxy;

fn init_logging(settings: &Settings) -> Result<(), String> {
    let level = if settings.verbose { "debug" } else { "info" };
    // Third-party WebRTC crates are chatty at debug level; keep them at
    // warn unless RUST_LOG says otherwise.
    snowflake_common::safelog::init_logging(
        settings.log_file.as_deref(),
        snowflake_common::safelog::LogFallback::Stderr,
        &format!("warn,snowflake_proxy={level},snowflake_rtc={level}"),
        settings.config.unsafe_logging,
    )
}

fn main() -> ExitCode {
    let args = match Args::parse_go_style(std::env::args_os()) {
        Ok(args) => args,
        Err(error) => error.exit(),
    };
    let settings = match args.into_settings() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("snowflake-proxy: {error}");
            return ExitCode::from(2);
        }
    };
    if settings.version {
        eprintln!("snowflake-proxy {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    if let Err(error) = init_logging(&settings) {
        eprintln!("snowflake-proxy: {error}");
        return ExitCode::FAILURE;
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
