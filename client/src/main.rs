//! `snowflake-client`: tor's ClientTransportPlugin (managed mode, the
//! default) or a plain SOCKS5 proxy (`-socks ADDR`). Flags are
//! upstream's, read as Go reads them (see [`snowflake_client::cli`]);
//! bridge-line arguments override them per connection.

use std::process::ExitCode;

use snowflake_client::cli::Args;
use snowflake_client::Client;
use snowflake_common::cli::GoFlags;
use snowflake_common::pt::lifecycle::ShutdownSignal;
use snowflake_common::safelog::{init_logging as init_logging_to, LogFallback};

fn init_logging(args: &Args) -> Result<(), String> {
    let state_dir = std::env::var_os("TOR_PT_STATE_LOCATION");
    let path = args.log_path(state_dir.clone())?;
    // As goptlib's MakeStateDir: the state directory is created if need be.
    if let (Some(_), Some(dir)) = (&path, state_dir.filter(|_| args.logs_to_state_dir())) {
        std::fs::create_dir_all(&dir).map_err(|e| format!("state directory: {e}"))?;
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
    let args = match Args::parse_go_style(std::env::args_os()) {
        Ok(args) => args,
        Err(error) => error.exit(),
    };
    if args.version {
        eprint!("{}", snowflake_client::cli::version_line());
        return ExitCode::SUCCESS;
    }
    // Started by tor, a bad configuration is reported in the PT handshake
    // (`CMETHOD-ERROR`); otherwise (a plain SOCKS proxy, or run by hand) it
    // ends the program at once.
    let config = args.client_config().map(|mut config| {
        // Where the rendezvous method that last worked is remembered.
        config.state_dir = std::env::var_os("TOR_PT_STATE_LOCATION").map(Into::into);
        config
    });
    let managed =
        args.socks.is_none() && std::env::var_os("TOR_PT_MANAGED_TRANSPORT_VER").is_some();
    if let (Err(e), false) = (&config, managed) {
        eprintln!("snowflake-client: {e}");
        return ExitCode::from(2);
    }
    if let Err(e) = init_logging(&args) {
        eprintln!("snowflake-client: {e}");
        return ExitCode::from(2);
    }
    tracing::info!("snowflake-client {}", env!("CARGO_PKG_VERSION"));
    // Like a Go program: use every file descriptor the hard limit allows.
    snowflake_common::fd_limit::raise_nofile_limit_and_log();
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
                // The user's own SOCKS address stays readable in the log.
                snowflake_common::safelog::keep_operator_addresses_in(&listen.to_string());
                let config = config?;
                snowflake_client::dialer::check_settings(&config)?;
                let shutdown = ShutdownSignal::install();
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
