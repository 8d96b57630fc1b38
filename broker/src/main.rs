//! `snowflake-broker`: parses the Go broker's flags (as Go does, see
//! [`snowflake_broker::cli`]), runs [`snowflake_broker::Broker`] until
//! SIGTERM or SIGINT, and reloads geoip and poll intervals on SIGHUP.

use std::process::ExitCode;

use snowflake_broker::cli::Args;
use snowflake_broker::Broker;
use snowflake_common::cli::GoFlags;
use snowflake_common::pt::lifecycle::ShutdownSignal;

#[tokio::main]
async fn main() -> ExitCode {
    let args = match Args::parse_go_style(std::env::args_os()) {
        Ok(args) => args,
        Err(error) => error.exit(),
    };
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
    // Like a Go program: use every file descriptor the hard limit allows.
    snowflake_common::fd_limit::raise_nofile_limit_and_log();
    let settings = match args.into_settings() {
        Ok(settings) => settings,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    // SQS rendezvous (docs/sqs-rendezvous.md): the queue, the region and
    // the credentials (of each -sqs-profiles profile) are checked before
    // anything starts.
    let sqs_settings = match settings.sqs.as_ref().map(|o| o.resolve_all()).transpose() {
        Ok(sqs_settings) => sqs_settings.unwrap_or_default(),
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    // The operator's own listen address is not scrubbed from the log.
    snowflake_common::safelog::keep_operator_addresses_in(&settings.config.listen_addr.to_string());
    if settings.config.allowed_relay_pattern.is_empty() {
        tracing::warn!(
            "-allowed-relay-pattern is empty: every proxy that names the relays it \
             accepts (all current proxies) will be refused; set it to the pattern \
             your relays match, e.g. -allowed-relay-pattern snowflake.torproject.net$"
        );
    }
    // Before listening: a signal sent as soon as the broker answers must
    // not meet the default action.
    let signals = ShutdownSignal::install_with_reload();
    let broker = match Broker::start(settings.config).await {
        Ok(broker) => broker,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let mut sqs = Vec::with_capacity(sqs_settings.len());
    for sqs_settings in sqs_settings {
        match snowflake_broker::sqs::SqsRendezvous::start(sqs_settings, broker.client_polls()).await
        {
            Ok(listener) => sqs.push(listener),
            Err(error) => {
                tracing::error!("{error}");
                for listener in sqs {
                    listener.shutdown().await;
                }
                broker.shutdown().await;
                return ExitCode::FAILURE;
            }
        }
    }
    signals
        .wait_reloading(false, || settings.reloadable.reload(&broker))
        .await;
    for listener in sqs {
        listener.shutdown().await;
    }
    broker.shutdown().await;
    ExitCode::SUCCESS
}
