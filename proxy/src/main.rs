//! `snowflake-proxy`: parses upstream's flags (single- or double-dash),
//! sets up logging (scrubbed unless `-unsafe-logging`), runs the proxy and
//! on SIGINT/SIGTERM stops polling and lets active clients drain.

use std::process::ExitCode;

use snowflake_proxy::cli::{Args, Settings};
use snowflake_proxy::safelog::ScrubbingMakeWriter;
use snowflake_proxy::Proxy;
use tracing_subscriber::EnvFilter;

fn init_logging(settings: &Settings) -> Result<(), String> {
    let default_level = if settings.verbose { "debug" } else { "info" };
    // Third-party WebRTC crates are chatty at debug level; keep them at
    // warn unless RUST_LOG says otherwise.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(format!(
            "warn,snowflake_proxy={default_level},snowflake_rtc={default_level}"
        ))
    });
    let scrub = !settings.config.unsafe_logging;
    match &settings.log_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(false)
                .with_writer(ScrubbingMakeWriter::new(std::sync::Mutex::new(file), scrub))
                .init();
        }
        None => {
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(ScrubbingMakeWriter::new(std::io::stderr, scrub))
                .init();
        }
    }
    Ok(())
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
        let proxy = match Proxy::start(settings.config).await {
            Ok(proxy) => proxy,
            Err(error) => {
                tracing::error!(%error, "cannot start");
                return ExitCode::FAILURE;
            }
        };
        snowflake_common::pt::lifecycle::shutdown_signal(false).await;
        tracing::info!("shutting down: no new clients, draining active ones");
        proxy.shutdown().await;
        ExitCode::SUCCESS
    })
}
