//! Debian's Go `snowflake-proxy` (package `snowflake-proxy`, 2.5.1) as a
//! test peer. Run it only inside a [`crate::netns`] namespace: its
//! built-in defaults (broker, STUN server, NAT probe URL, relay) point to
//! the Internet. Every default that has a flag is overridden here with a
//! 127.0.0.1 address; the NAT probe URL has no flag in 2.5.1, which is why
//! the namespace also maps its hostname to 127.0.0.1.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::process::find_program;

/// The program name.
pub const PROGRAM: &str = "snowflake-proxy";
/// The Debian package that provides it.
pub const DEBIAN_PACKAGE: &str = "snowflake-proxy";

/// Where the Go proxy should go.
#[derive(Debug, Clone)]
pub struct GoProxyOptions {
    /// Broker URL, e.g. `http://127.0.0.1:PORT/`.
    pub broker_url: String,
    /// STUN URL, e.g. `stun:127.0.0.1:PORT` (see [`crate::stun`]).
    pub stun_url: String,
    /// Default relay URL (`ws://127.0.0.1:…/`).
    pub relay_url: String,
    /// `-allowed-relay-hostname-pattern`; also what the proxy sends as
    /// `AcceptedRelayPattern`.
    pub allowed_relay_hostname_pattern: String,
}

/// The path of `snowflake-proxy`, or an error saying how to install it.
pub fn program() -> Result<PathBuf, String> {
    find_program(PROGRAM, DEBIAN_PACKAGE)
}

/// The arguments for a proxy that talks only to 127.0.0.1, logs verbosely
/// and unscrubbed to stderr, and allows a plain `ws://` relay.
pub fn args(options: &GoProxyOptions) -> Vec<String> {
    [
        "-broker",
        &options.broker_url,
        "-stun",
        &options.stun_url,
        "-relay",
        &options.relay_url,
        "-allowed-relay-hostname-pattern",
        &options.allowed_relay_hostname_pattern,
        "-allow-non-tls-relay",
        "-unsafe-logging",
        "-verbose",
        "-nat-retest-interval",
        "0s",
        "-capacity",
        "1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// A command running the Go proxy in the current (namespaced) process's
/// network, its output inherited so it shows in the test log.
pub fn command(options: &GoProxyOptions) -> Result<Command, String> {
    let mut command = Command::new(program()?);
    command
        .args(args(options))
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    Ok(command)
}
