//! Managed-transport mode (docs/protocol.md §7.7, §9): what the binary
//! does when tor (or a service manager imitating it) starts it.
//!
//! It reads the `TOR_PT_*` environment, listens on every
//! `TOR_PT_SERVER_BINDADDR` entry for `snowflake`, answers each with
//! `SMETHOD` or `SMETHOD-ERROR`, then `SMETHODS DONE`, and runs until tor
//! closes stdin (if `TOR_PT_EXIT_ON_STDIN_CLOSE=1`) or a SIGTERM/SIGINT.
//! SIGHUP reloads the TLS certificate.
//!
//! ## Extended ORPort over a Unix socket
//!
//! tor accepts `ExtORPort unix:/path`, but does not pass a Unix socket to
//! its transports in `TOR_PT_EXTENDED_SERVER_PORT`. On a large bridge where
//! a service manager starts this server beside several tor instances and
//! sets the `TOR_PT_*` variables by hand, set
//! `TOR_PT_EXTENDED_SERVER_PORT=unix:/run/tor-instance/extorport` (or pass
//! `--ext-orport unix:/path`, which overrides the variable); the cookie
//! still comes from `TOR_PT_AUTH_COOKIE_FILE`.
//!
//! ## Several tor instances
//!
//! With `-extorport-instance` flags or `extorport-instance` transport
//! options (the options replace the flags), sessions are spread over
//! tor's own Extended ORPort and those instances (docs/tor-instances.md);
//! a listed instance at tor's own address takes its place. To run without
//! tor's environment at all, see [`crate::standalone`].

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use snowflake_common::pt::args::PtArgs;
use snowflake_common::pt::env::{
    parse_server_env, read_tor_pt_env, Bindaddr, EXTENDED_SERVER_PORT,
};
use snowflake_common::pt::lifecycle::ShutdownSignal;
use snowflake_common::pt::stdout::{PtLine, PtWriter};

use crate::config::{Limits, ServerConfig, Timeouts, TRANSPORT_NAME};
use crate::orport::{TorInstance, TorTarget, UNIX_PREFIX};
use crate::srcaddr::SourceRange;
use crate::tls::TlsFiles;
use crate::Server;

/// Name reported in the `STATUS TYPE=version` line.
pub const IMPLEMENTATION: &str = "snowflake-server";

/// Settings from the command line; the rest comes from the environment.
#[derive(Debug, Clone, Default)]
pub struct PtOptions {
    /// Serve TLS with these files; `None` for `--disable-tls` or ACME.
    pub tls: Option<TlsFiles>,
    /// `--acme-hostnames`: TLS with certificates by ACME, cached in the
    /// state directory unless `cache_dir` is set.
    pub acme: Option<snowflake_common::acme::AcmeConfig>,
    /// `--ext-orport`: overrides `TOR_PT_EXTENDED_SERVER_PORT`
    /// (`ip:port` or `unix:/path`).
    pub ext_orport: Option<String>,
    /// `-extorport-instance`: more tor instances (under tor), or all of
    /// them (standalone).
    pub tor_instances: Vec<TorInstance>,
    /// `-orport-srcaddr`; the `orport-srcaddr` transport option, if
    /// present, takes precedence.
    pub orport_srcaddr: Option<SourceRange>,
    /// `-listen`: run standalone ([`crate::standalone`]), without
    /// `TOR_PT_*`.
    pub listen: Option<SocketAddr>,
    /// `--num-turbotunnel`; the `num-turbotunnel` transport option, if
    /// present, takes precedence.
    pub num_turbotunnel: Option<usize>,
    /// Resource limits.
    pub limits: Limits,
    /// Timeouts.
    pub timeouts: Timeouts,
    /// Serve Prometheus metrics here.
    pub metrics_address: Option<SocketAddr>,
}

/// What the environment and options amount to.
#[derive(Debug, Clone)]
pub struct PtPlan {
    /// The server settings.
    pub config: ServerConfig,
    /// Where to listen, in `TOR_PT_SERVER_BINDADDR` order.
    pub bindaddrs: Vec<Bindaddr>,
    /// A problem with the `snowflake` transport options; reported as
    /// `SMETHOD-ERROR` and nothing is listened on.
    pub options_error: Option<String>,
    /// `TOR_PT_EXIT_ON_STDIN_CLOSE`.
    pub exit_on_stdin_close: bool,
}

/// Why managed-transport mode stopped with an error (the lines for tor
/// have been printed already).
#[derive(Debug, thiserror::Error)]
pub enum PtFailure {
    /// The environment is unusable.
    #[error("{0}")]
    Environment(String),
    /// No listener could be started.
    #[error("no transport could be started")]
    NothingListening,
    /// Writing to tor failed.
    #[error("writing to tor: {0}")]
    Stdout(#[from] std::io::Error),
}

/// Interprets the `TOR_PT_*` variables and the options. On error, returns
/// the lines to print.
pub fn plan(mut vars: HashMap<String, String>, options: &PtOptions) -> Result<PtPlan, Vec<PtLine>> {
    if let Some(value) = &options.ext_orport {
        vars.insert(EXTENDED_SERVER_PORT.to_owned(), value.clone());
    }
    // goptlib (and our env parser) only know `ip:port`; take a Unix path
    // out, and let the parser check everything else (including that a
    // cookie file is given) with a stand-in address.
    let unix_path = match vars.get(EXTENDED_SERVER_PORT) {
        Some(value) => value.strip_prefix(UNIX_PREFIX).map(PathBuf::from),
        None => None,
    };
    if unix_path.is_some() {
        vars.insert(EXTENDED_SERVER_PORT.to_owned(), "127.0.0.1:1".to_owned());
    }
    let env = parse_server_env(&vars).map_err(|e| e.pt_lines())?;
    let target = match (unix_path, &env.auth_cookie_file) {
        (Some(path), _) if path.as_os_str().is_empty() || !path.is_absolute() => {
            return Err(vec![
                PtLine::Version,
                PtLine::EnvError(format!(
                    "{EXTENDED_SERVER_PORT}: {UNIX_PREFIX} needs an absolute socket path, like unix:/run/tor/extorport"
                )),
            ]);
        }
        (Some(path), Some(cookie_file)) => TorTarget::ExtOrUnix {
            path,
            cookie_file: cookie_file.clone(),
        },
        _ => match env.or_target() {
            Some(target) => target.into(),
            None => {
                return Err(vec![
                    PtLine::Version,
                    PtLine::EnvError(
                        "need TOR_PT_ORPORT or TOR_PT_EXTENDED_SERVER_PORT".to_owned(),
                    ),
                ])
            }
        },
    };
    let mut config = ServerConfig::new(target);
    config.tls = options.tls.clone();
    config.acme = options.acme.clone().map(|mut acme| {
        acme.cache_dir = acme.cache_dir.or_else(|| {
            env.common
                .state_location
                .as_ref()
                .map(|dir| dir.join(crate::tls::ACME_CACHE_DIR))
        });
        acme
    });
    config.limits = options.limits.clone();
    config.timeouts = options.timeouts.clone();
    config.num_turbotunnel = options.num_turbotunnel.unwrap_or(1);
    config.orport_srcaddr = options.orport_srcaddr;
    config.tor_instances = options.tor_instances.clone();
    let transport_options: PtArgs = env
        .bindaddrs
        .iter()
        .find(|b| b.method_name == TRANSPORT_NAME)
        .map(|b| b.options.clone())
        .unwrap_or_default();
    let options_error = config
        .apply_transport_options(&transport_options)
        .err()
        .map(|e| e.to_string());
    // tor's own port is one of the instances, unless listed already.
    let own = config.tor.address();
    if !config.tor_instances.is_empty()
        && !config
            .tor_instances
            .iter()
            .any(|listed| listed.target.address() == own)
    {
        config
            .tor_instances
            .insert(0, TorInstance::new(config.tor.clone()));
    }
    // The operator's own listen addresses stay readable in our logs.
    for bindaddr in &env.bindaddrs {
        snowflake_common::safelog::keep_operator_addresses_in(&bindaddr.addr.to_string());
    }
    Ok(PtPlan {
        config,
        bindaddrs: env.bindaddrs,
        options_error,
        exit_on_stdin_close: env.common.exit_on_stdin_close,
    })
}

fn smethod_args(tls: bool) -> PtArgs {
    let mut args = PtArgs::new();
    args.add("tls", if tls { "yes" } else { "no" });
    args
}

/// Runs managed-transport mode on this process's environment, writing the
/// protocol lines to `out`, until tor says stop.
pub async fn run<W: Write>(options: PtOptions, out: &PtWriter<W>) -> Result<(), PtFailure> {
    // Before SMETHODS DONE: tor (or an operator's certbot hook) may signal as
    // soon as it has read that.
    let signals = ShutdownSignal::install_with_reload();
    let vars = match read_tor_pt_env() {
        Ok(vars) => vars,
        Err(e) => {
            for line in e.pt_lines() {
                out.emit(&line)?;
            }
            return Err(PtFailure::Environment(e.to_string()));
        }
    };
    let plan = match plan(vars, &options) {
        Ok(plan) => plan,
        Err(lines) => {
            for line in &lines {
                out.emit(line)?;
            }
            let reason = lines.last().map(ToString::to_string).unwrap_or_default();
            return Err(PtFailure::Environment(reason));
        }
    };
    out.emit(&PtLine::Version)?;
    out.emit(&PtLine::StatusVersion {
        implementation: IMPLEMENTATION.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })?;
    let tls = plan.config.tls.is_some() || plan.config.acme.is_some();
    let server = match &plan.options_error {
        Some(_) => None,
        None => match Server::new(plan.config.clone()) {
            Ok(server) => Some(server),
            Err(e) => {
                tracing::error!("{e}");
                for b in plan
                    .bindaddrs
                    .iter()
                    .filter(|b| b.method_name == TRANSPORT_NAME)
                {
                    out.emit(&PtLine::SmethodError {
                        name: b.method_name.clone(),
                        message: e.to_string(),
                    })?;
                }
                out.emit(&PtLine::SmethodsDone)?;
                return Err(PtFailure::NothingListening);
            }
        },
    };
    let mut listening = 0;
    for bindaddr in &plan.bindaddrs {
        let name = bindaddr.method_name.clone();
        let result: Result<SocketAddr, String> = if name != TRANSPORT_NAME {
            Err(format!(
                "no such method; this program only provides {TRANSPORT_NAME}"
            ))
        } else if let Some(e) = &plan.options_error {
            Err(format!("bad ServerTransportOptions: {e}"))
        } else if bindaddr.addr.port() == 0 {
            Err(format!(
                "cannot listen on port 0 ({}); configure a port with ServerTransportListenAddr",
                bindaddr.addr
            ))
        } else {
            match &server {
                Some(server) => server
                    .listen(bindaddr.addr)
                    .await
                    .map_err(|e| format!("cannot listen on {}: {e}", bindaddr.addr)),
                None => Err("server not started".to_owned()),
            }
        };
        match result {
            Ok(addr) => {
                listening += 1;
                out.emit(&PtLine::Smethod {
                    name,
                    addr,
                    args: Some(smethod_args(tls)),
                })?;
            }
            Err(message) => {
                tracing::error!("{name}: {message}");
                out.emit(&PtLine::SmethodError { name, message })?;
            }
        }
    }
    out.emit(&PtLine::SmethodsDone)?;
    let Some(server) = server.filter(|_| listening > 0) else {
        return Err(PtFailure::NothingListening);
    };
    if let Some(addr) = options.metrics_address {
        match server.serve_metrics(addr).await {
            Ok(bound) => tracing::info!("metrics on http://{bound}/metrics"),
            Err(e) => tracing::error!("cannot serve metrics on {addr}: {e}"),
        }
    }
    // Until stdin closes (if tor asked for that), SIGTERM or SIGINT,
    // reloading the TLS certificate on every SIGHUP meanwhile.
    signals
        .wait_reloading(plan.exit_on_stdin_close, || {
            if let Err(e) = server.reload_tls() {
                tracing::error!("SIGHUP: keeping the old certificate: {e}");
            }
        })
        .await;
    server.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let mut map: HashMap<String, String> = [
            ("TOR_PT_MANAGED_TRANSPORT_VER", "1"),
            ("TOR_PT_SERVER_TRANSPORTS", "snowflake"),
            ("TOR_PT_SERVER_BINDADDR", "snowflake-127.0.0.1:8080"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        for (k, v) in pairs {
            map.insert((*k).to_owned(), (*v).to_owned());
        }
        map
    }

    #[test]
    fn extended_orport_over_tcp_or_unix() {
        let p = plan(
            vars(&[
                ("TOR_PT_EXTENDED_SERVER_PORT", "127.0.0.1:5555"),
                ("TOR_PT_AUTH_COOKIE_FILE", "/c"),
            ]),
            &PtOptions::default(),
        )
        .expect("valid");
        assert!(matches!(p.config.tor, TorTarget::ExtOrTcp { addr, .. } if addr.port() == 5555));

        let p = plan_of(&[
            ("TOR_PT_EXTENDED_SERVER_PORT", "unix:/run/tor/ext"),
            ("TOR_PT_AUTH_COOKIE_FILE", "/c"),
        ]);
        assert_eq!(
            p.config.tor,
            TorTarget::ExtOrUnix {
                path: "/run/tor/ext".into(),
                cookie_file: "/c".into()
            }
        );

        // The flag overrides the variable.
        let options = PtOptions {
            ext_orport: Some("unix:/flag".to_owned()),
            ..PtOptions::default()
        };
        let p = plan(
            vars(&[
                ("TOR_PT_EXTENDED_SERVER_PORT", "127.0.0.1:5555"),
                ("TOR_PT_AUTH_COOKIE_FILE", "/c"),
            ]),
            &options,
        )
        .expect("valid");
        assert!(
            matches!(p.config.tor, TorTarget::ExtOrUnix { ref path, .. } if path == &PathBuf::from("/flag"))
        );
    }

    fn plan_of(pairs: &[(&str, &str)]) -> PtPlan {
        plan(vars(pairs), &PtOptions::default()).expect("valid")
    }

    #[test]
    fn environment_errors_become_env_error_lines() {
        let err = plan(
            vars(&[("TOR_PT_EXTENDED_SERVER_PORT", "unix:/run/ext")]),
            &PtOptions::default(),
        )
        .expect_err("cookie required");
        assert!(
            err.last()
                .is_some_and(|l| l.to_string().starts_with("ENV-ERROR")),
            "{err:?}"
        );
        let err = plan(
            vars(&[
                ("TOR_PT_EXTENDED_SERVER_PORT", "unix:relative"),
                ("TOR_PT_AUTH_COOKIE_FILE", "/c"),
            ]),
            &PtOptions::default(),
        )
        .expect_err("relative path");
        assert!(
            err.last()
                .is_some_and(|l| l.to_string().contains("absolute")),
            "{err:?}"
        );
        let err = plan(vars(&[]), &PtOptions::default()).expect_err("no ORPort");
        assert!(
            err.last()
                .is_some_and(|l| l.to_string().starts_with("ENV-ERROR")),
            "{err:?}"
        );
    }

    #[test]
    fn tor_instances_besides_tor_s_own() {
        let env = [
            ("TOR_PT_EXTENDED_SERVER_PORT", "127.0.0.1:5555"),
            ("TOR_PT_AUTH_COOKIE_FILE", "/c"),
        ];
        let described = |p: &PtPlan| -> Vec<String> {
            p.config
                .instances()
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        // No list: tor's own ExtORPort alone.
        assert_eq!(described(&plan_of(&env)), ["127.0.0.1:5555,cookie=/c"]);
        // Flags add instances after tor's own, with the server's range for
        // those without their own.
        let options = PtOptions {
            tor_instances: vec![
                "127.0.0.1:10002,cookie=/b".parse().unwrap(),
                "127.0.0.1:10003,cookie=/d,srcaddr=127.0.3.0/24"
                    .parse()
                    .unwrap(),
            ],
            orport_srcaddr: Some("127.0.1.0/24".parse().unwrap()),
            ..PtOptions::default()
        };
        let p = plan(vars(&env), &options).expect("valid");
        assert_eq!(
            described(&p),
            [
                "127.0.0.1:5555,cookie=/c,srcaddr=127.0.1.0/24",
                "127.0.0.1:10002,cookie=/b,srcaddr=127.0.1.0/24",
                "127.0.0.1:10003,cookie=/d,srcaddr=127.0.3.0/24",
            ]
        );
        // Transport options replace the flags' list; one at tor's own
        // address takes its place.
        let mut with_options = vars(&env);
        with_options.insert(
            "TOR_PT_SERVER_TRANSPORT_OPTIONS".to_owned(),
            "snowflake:extorport-instance=127.0.0.1:10004,cookie=/e;\
             snowflake:extorport-instance=127.0.0.1:5555,cookie=/own;\
             snowflake:orport-srcaddr=127.0.9.0/24"
                .to_owned(),
        );
        let p = plan(with_options, &options).expect("valid");
        assert!(p.options_error.is_none(), "{:?}", p.options_error);
        assert_eq!(
            described(&p),
            [
                "127.0.0.1:10004,cookie=/e,srcaddr=127.0.9.0/24",
                "127.0.0.1:5555,cookie=/own,srcaddr=127.0.9.0/24",
            ]
        );
        // A bad one is refused as bad transport options.
        let mut bad = vars(&env);
        bad.insert(
            "TOR_PT_SERVER_TRANSPORT_OPTIONS".to_owned(),
            "snowflake:extorport-instance=127.0.0.1:10004".to_owned(),
        );
        let p = plan(bad, &PtOptions::default()).expect("environment valid");
        let error = p.options_error.unwrap_or_default();
        assert!(
            error.contains("extorport-instance") && error.contains("cookie"),
            "{error}"
        );
    }

    #[test]
    fn transport_options_and_flags() {
        let p = plan_of(&[
            ("TOR_PT_ORPORT", "127.0.0.1:9001"),
            (
                "TOR_PT_SERVER_TRANSPORT_OPTIONS",
                "snowflake:num-turbotunnel=3;snowflake:orport-srcaddr=127.0.0.0/8",
            ),
        ]);
        assert_eq!(p.config.num_turbotunnel, 3);
        assert!(p.config.orport_srcaddr.is_some());
        assert!(p.options_error.is_none());
        let p = plan_of(&[
            ("TOR_PT_ORPORT", "127.0.0.1:9001"),
            (
                "TOR_PT_SERVER_TRANSPORT_OPTIONS",
                "snowflake:orport-srcaddr=nonsense",
            ),
        ]);
        assert!(p
            .options_error
            .is_some_and(|e| e.contains("orport-srcaddr")));
    }
}
