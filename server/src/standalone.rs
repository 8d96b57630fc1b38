//! Standalone mode: the server run by a service manager rather than by
//! tor, in front of one or several tor instances (deploy/systemd,
//! docs/tor-instances.md).
//!
//! Nothing comes from `TOR_PT_*` and nothing is printed for tor: the
//! listen address is `-listen`, the tor instances are the
//! `-extorport-instance` flags (each with its own cookie file), the source
//! range `-orport-srcaddr`, the Turbo Tunnel instances `-num-turbotunnel`.
//! It runs until SIGTERM or SIGINT; SIGHUP reloads the TLS certificate.

use std::io;
use std::net::SocketAddr;

use snowflake_common::pt::env::MANAGED_TRANSPORT_VER;
use snowflake_common::pt::lifecycle::ShutdownSignal;

use crate::config::ServerConfig;
use crate::pt::PtOptions;
use crate::{Server, ServerError};

/// Why standalone mode could not run.
#[derive(Debug, thiserror::Error)]
pub enum StandaloneError {
    /// No `-listen` address.
    #[error("standalone mode needs -listen ADDR")]
    NoListen,
    /// No `-extorport-instance`.
    #[error("standalone mode needs at least one -extorport-instance ADDR,cookie=FILE")]
    NoInstances,
    /// The server could not start.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
}

/// The server settings of standalone mode.
pub fn config(options: &PtOptions) -> Result<ServerConfig, StandaloneError> {
    let first = options
        .tor_instances
        .first()
        .ok_or(StandaloneError::NoInstances)?;
    let mut config = ServerConfig::new(first.target.clone());
    config.tor_instances = options.tor_instances.clone();
    config.orport_srcaddr = options.orport_srcaddr;
    config.tls = options.tls.clone();
    config.limits = options.limits.clone();
    config.timeouts = options.timeouts.clone();
    config.num_turbotunnel = options.num_turbotunnel.unwrap_or(1);
    Ok(config)
}

/// Runs the server standalone until SIGTERM or SIGINT.
pub async fn run(options: PtOptions) -> Result<(), StandaloneError> {
    let signals = ShutdownSignal::install_with_reload();
    let listen = options.listen.ok_or(StandaloneError::NoListen)?;
    if std::env::var_os(MANAGED_TRANSPORT_VER).is_some() {
        tracing::warn!(
            "-listen given: running standalone, ignoring the TOR_PT_* environment (tor started \
             this server and waits in vain for its SMETHOD lines)"
        );
    }
    // The operator's own listen address stays readable in our logs.
    snowflake_common::safelog::keep_operator_addresses_in(&listen.to_string());
    let server = Server::new(config(&options)?)?;
    let bound = server
        .listen(listen)
        .await
        .map_err(|source| StandaloneError::Listen {
            addr: listen,
            source,
        })?;
    tracing::info!("standalone: proxies connect to {bound}");
    if let Some(addr) = options.metrics_address {
        match server.serve_metrics(addr).await {
            Ok(bound) => tracing::info!("metrics on http://{bound}/metrics"),
            Err(e) => tracing::error!("cannot serve metrics on {addr}: {e}"),
        }
    }
    signals
        .wait_reloading(false, || {
            if let Err(e) = server.reload_tls() {
                tracing::error!("SIGHUP: keeping the old certificate: {e}");
            }
        })
        .await;
    server.shutdown().await;
    Ok(())
}
