//! `snowflake-proxy`: parses upstream's flags (single- or double-dash),
//! sets up logging (scrubbed unless `-unsafe-logging`), runs the proxy and
//! on SIGINT/SIGTERM stops polling and lets active clients drain.

use std::process::ExitCode;

use snowflake_common::cli::GoFlags;
use snowflake_proxy::cli::{Args, Settings};
use snowflake_proxy::Proxy;

fn init_logging(settings: &Settings) -> Result<(), String> {
    use snowflake_common::safelog;
    // Third-party crates log at warn and above; the WebRTC crates' own
    // warnings (several per client served) only with -verbose or RUST_LOG.
    let filter = if settings.verbose {
        format!(
            "warn,snowflake_proxy=debug,snowflake_rtc=debug,{}",
            safelog::webrtc_directives("warn")
        )
    } else {
        "warn,snowflake_proxy=info,snowflake_rtc=info".to_owned()
    };
    safelog::init_logging(
        settings.log_file.as_deref(),
        safelog::LogFallback::Stderr,
        &filter,
        settings.config.unsafe_logging,
    )?;
    // The operator's own addresses are not scrubbed from the log (a
    // broker or relay given by address, the metrics listener).
    let config = &settings.config;
    for text in [&config.broker_url, &config.default_relay_url]
        .into_iter()
        .chain(&config.nat_probe_url)
        .chain(&config.stun_urls)
    {
        safelog::keep_operator_addresses_in(text);
        // Errors name the host without the URL's port.
        if let Some(host) = url::Url::parse(text)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
        {
            safelog::keep_operator_addresses_in(&host);
        }
    }
    if let Some(addr) = config.metrics_addr {
        safelog::keep_operator_addresses_in(&addr.to_string());
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
