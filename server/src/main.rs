//! `snowflake-server`: the Snowflake bridge transport, run by tor as
//! `ServerTransportPlugin snowflake exec /usr/bin/snowflake-server …`, or
//! by a service manager with `-listen` (standalone, in front of several
//! tor instances). Parses flags (upstream's names, read as Go reads them,
//! see [`snowflake_server::cli`]), sets up logging and hands over to
//! managed-transport or standalone mode.

use std::process::ExitCode;
use std::time::Duration;

use snowflake_common::cli::GoFlags;
use snowflake_common::pt::stdout::PtWriter;
use snowflake_common::safelog::{self, LogFallback};
use snowflake_server::cli::Args;
use snowflake_server::{pt, standalone};

fn main() -> ExitCode {
    let args = match Args::parse_go_style(std::env::args_os()) {
        Ok(args) => args,
        Err(error) => error.exit(),
    };
    if args.version {
        // To stderr, as upstream does (stdout belongs to tor's PT protocol).
        eprintln!("snowflake-server {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let options = match args.pt_options() {
        Ok(options) => options,
        Err(e) => {
            eprintln!("snowflake-server: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = safelog::init_logging(
        args.log.as_deref(),
        LogFallback::Stderr,
        "info",
        args.unsafe_logging,
    ) {
        eprintln!("snowflake-server: {e}");
        return ExitCode::from(2);
    }
    // Like a Go program: use every file descriptor the hard limit allows.
    snowflake_common::fd_limit::raise_nofile_limit_and_log();
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
    let result = if options.listen.is_some() {
        runtime
            .block_on(standalone::run(options))
            .map_err(|e| e.to_string())
    } else {
        let out = PtWriter::stdout();
        runtime
            .block_on(pt::run(options, &out))
            .map_err(|e| e.to_string())
    };
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
