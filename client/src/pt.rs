//! tor's managed client-transport mode (§8.1): read tor's environment,
//! open the SOCKS listener, tell tor where it is, run until tor says stop.

use std::net::SocketAddr;
use std::sync::Arc;

use snowflake_common::pt::env::{parse_client_env, ClientEnv, EnvError};
use snowflake_common::pt::lifecycle::ShutdownSignal;
use snowflake_common::pt::stdout::{LogSeverity, PtLine, PtWriter};

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
    /// tor asked for an upstream proxy (`TOR_PT_PROXY`), which this client
    /// cannot use for WebRTC.
    #[error("an upstream proxy (TOR_PT_PROXY) is not supported")]
    ProxyUnsupported,
    /// Writing to tor failed.
    #[error("writing to tor: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs the PT handshake on `out` with the environment `vars`: `VERSION`,
/// `PROXY-ERROR` when a proxy is asked for, `STATUS TYPE=version` (as
/// upstream 2.10+ reports its version), `CMETHOD` for snowflake
/// (`CMETHOD-ERROR` for anything else), `CMETHODS DONE`.
pub async fn setup<W>(
    vars: &std::collections::HashMap<String, String>,
    config: ClientConfig,
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
    if env.proxy.is_some() {
        out.emit(&PtLine::ProxyError("proxy is not supported".to_string()))?;
        return Err(ManagedError::ProxyUnsupported);
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

/// Managed mode as the binary runs it: [`setup`] on stdout with this
/// process's environment, then serve until SIGTERM/SIGINT or, when tor
/// asks for it, stdin closing.
pub async fn run_managed(config: ClientConfig) -> Result<(), ManagedError> {
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
