//! tor's managed client-transport mode (§8.1): read tor's environment,
//! decide about its upstream proxy (`TOR_PT_PROXY`, docs/upstream-proxy.md),
//! open the SOCKS listener, tell tor where it is, run until tor says stop
//! (a signal, or stdin closing when `TOR_PT_EXIT_ON_STDIN_CLOSE=1`, as
//! arti launches transports).

use std::net::SocketAddr;
use std::sync::Arc;

use snowflake_common::pt::env::{parse_client_env, ClientEnv, EnvError, ProxyUrl};
use snowflake_common::pt::lifecycle::ShutdownSignal;
use snowflake_common::pt::stdout::{LogSeverity, PtLine, PtWriter};

use crate::upstream_proxy::{UdpAssociation, UpstreamProxy};
use crate::{Client, ClientConfig, ClientHandle, Reporter};

/// The transport name this client serves.
pub const TRANSPORT: &str = "snowflake";

/// The `STATUS TYPE=version IMPLEMENTATION="snowflake-client"
/// VERSION="<version>"` line sent to tor before the methods.
pub fn version_status() -> PtLine {
    PtLine::StatusVersion {
        implementation: "snowflake-client".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    }
}

/// What the PT handshake with tor decided.
#[derive(Debug)]
pub enum Setup {
    /// The listener runs; wait for the shutdown signal.
    Running {
        /// The client.
        handle: ClientHandle,
        /// Whether tor closes our stdin to stop us.
        exit_on_stdin_close: bool,
    },
    /// tor did not ask for snowflake: nothing to run.
    NothingToDo,
}

/// Why the managed mode could not start (already reported to tor).
#[derive(Debug, thiserror::Error)]
pub enum ManagedError {
    /// tor's environment was unusable.
    #[error("PT environment: {0}")]
    Env(#[from] EnvError),
    /// tor asked for an upstream proxy (`TOR_PT_PROXY`) this client cannot
    /// use (reported to tor as `PROXY-ERROR`).
    #[error("upstream proxy (TOR_PT_PROXY): {0}")]
    Proxy(String),
    /// Writing to tor failed.
    #[error("writing to tor: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs the PT handshake on `out` with the environment `vars`: `VERSION`;
/// with `TOR_PT_PROXY`, `PROXY DONE` or `PROXY-ERROR` (see
/// [`accept_upstream_proxy`]) before any transport starts, as pt-spec
/// §3.3.2 asks; `STATUS TYPE=version` (as upstream 2.10+ reports its
/// version), `CMETHOD` for snowflake (`CMETHOD-ERROR` for anything else),
/// `CMETHODS DONE`.
///
/// A configuration the flags made unusable (`config` is `Err`) is reported
/// as `CMETHOD-ERROR snowflake <why>` for the snowflake method, so that tor
/// logs why the transport is missing, instead of the process exiting
/// before the handshake.
pub async fn setup<W>(
    vars: &std::collections::HashMap<String, String>,
    config: Result<ClientConfig, String>,
    out: Arc<PtWriter<W>>,
) -> Result<Setup, ManagedError>
where
    W: std::io::Write + Send + 'static,
{
    let env: ClientEnv = match parse_client_env(vars) {
        Ok(env) => env,
        Err(e) => {
            for line in e.pt_lines() {
                out.emit(&line)?;
            }
            return Err(e.into());
        }
    };
    out.emit(&PtLine::Version)?;
    let mut config = match config.and_then(|c| crate::dialer::check_settings(&c).map(|()| c)) {
        Ok(config) => config,
        Err(why) => {
            tracing::error!("refusing to start: {why}");
            out.emit(&version_status())?;
            for name in &env.transports {
                let message = if name == TRANSPORT {
                    format!("bad configuration: {why}")
                } else {
                    "no such method".to_string()
                };
                out.emit(&PtLine::CmethodError {
                    name: name.clone(),
                    message,
                })?;
            }
            out.emit(&PtLine::CmethodsDone)?;
            return Ok(Setup::NothingToDo);
        }
    };
    if let Some(url) = &env.proxy {
        // tor's upstream proxy is the user's own setting: readable in the log.
        snowflake_common::safelog::keep_operator_addresses_in(&url.host_port());
        match accept_upstream_proxy(url, &config).await {
            Ok(accepted) => {
                config.upstream_proxy = Some(accepted.proxy);
                out.emit(&PtLine::ProxyDone)?;
                if let Some(warning) = &accepted.warning {
                    tracing::warn!("{warning}");
                    out.log(LogSeverity::Warning, warning.clone());
                }
            }
            Err(message) => {
                tracing::error!("TOR_PT_PROXY refused: {message}");
                out.emit(&PtLine::ProxyError(message.clone()))?;
                return Err(ManagedError::Proxy(message));
            }
        }
    }
    out.emit(&version_status())?;
    let mut handle = None;
    for name in &env.transports {
        if name != TRANSPORT || handle.is_some() {
            out.emit(&PtLine::CmethodError {
                name: name.clone(),
                message: "no such method".to_string(),
            })?;
            continue;
        }
        let log_out = Arc::clone(&out);
        let reporter: Reporter = Arc::new(move |message: String| {
            log_out.log(LogSeverity::Notice, message);
        });
        let listen: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
        match Client::start(config.clone(), listen, Some(reporter)).await {
            Ok(h) => {
                out.emit(&PtLine::Cmethod {
                    name: name.clone(),
                    addr: h.socks_addr(),
                })?;
                handle = Some(h);
            }
            Err(e) => out.emit(&PtLine::CmethodError {
                name: name.clone(),
                message: format!("cannot listen: {e}"),
            })?,
        }
    }
    out.emit(&PtLine::CmethodsDone)?;
    Ok(match handle {
        Some(handle) => Setup::Running {
            handle,
            exit_on_stdin_close: env.common.exit_on_stdin_close,
        },
        None => Setup::NothingToDo,
    })
}

/// An upstream proxy the client will use.
#[derive(Debug)]
pub struct AcceptedProxy {
    /// The proxy.
    pub proxy: UpstreamProxy,
    /// What to tell the operator plainly: WebRTC's UDP does not go through
    /// the proxy (`-proxy-rendezvous-only`).
    pub warning: Option<String>,
}

/// Decides about tor's `TOR_PT_PROXY`, as upstream's client does: only a
/// SOCKS5 proxy can carry WebRTC's UDP (by UDP ASSOCIATE), so only SOCKS5
/// is accepted, and only once a UDP association with it has been made.
/// An HTTP or SOCKS4a proxy carries TCP only: refused, unless
/// `-proxy-rendezvous-only` asks for the broker rendezvous alone to go
/// through the proxy (and WebRTC's UDP directly, which the warning says).
/// The error is the `PROXY-ERROR` text; it never contains the password.
pub async fn accept_upstream_proxy(
    url: &ProxyUrl,
    config: &ClientConfig,
) -> Result<AcceptedProxy, String> {
    let proxy = UpstreamProxy::from_url(url).map_err(|e| format!("proxy is not supported: {e}"))?;
    if config.proxy_rendezvous_only {
        let warning = format!(
            "upstream proxy {proxy}: only the broker rendezvous goes through it \
             (-proxy-rendezvous-only); WebRTC's UDP goes directly to the Snowflake proxies, \
             not through the upstream proxy"
        );
        return Ok(AcceptedProxy {
            proxy,
            warning: Some(warning),
        });
    }
    if !proxy.carries_udp() {
        return Err(format!(
            "proxy is not supported: a {} proxy carries only TCP and WebRTC's UDP cannot go \
             through it; use a socks5 proxy (UDP ASSOCIATE), or -proxy-rendezvous-only to send \
             only the broker rendezvous through it",
            proxy.kind().scheme()
        ));
    }
    // As upstream does before PROXY DONE: the relay must work. Bounded by
    // the handshake timeout, well within the 30 s arti allows for startup.
    let association = UdpAssociation::open(&proxy)
        .await
        .map_err(|e| format!("proxy test failure: {e}"))?;
    association.close();
    tracing::info!(%proxy, "upstream proxy: the broker rendezvous and WebRTC's UDP go through it");
    Ok(AcceptedProxy {
        proxy,
        warning: None,
    })
}

/// Managed mode as the binary runs it: [`setup`] on stdout with this
/// process's environment, then serve until SIGTERM/SIGINT or, when tor
/// asks for it, stdin closing.
pub async fn run_managed(config: Result<ClientConfig, String>) -> Result<(), ManagedError> {
    let vars: std::collections::HashMap<String, String> = std::env::vars().collect();
    let out = Arc::new(PtWriter::stdout());
    // Before CMETHODS DONE: tor may signal as soon as it has read that.
    let shutdown = ShutdownSignal::install();
    match setup(&vars, config, out).await? {
        Setup::Running {
            handle,
            exit_on_stdin_close,
        } => {
            shutdown.wait(exit_on_stdin_close).await;
            handle.shutdown().await;
        }
        Setup::NothingToDo => {}
    }
    Ok(())
}
