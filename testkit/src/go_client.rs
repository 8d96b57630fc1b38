//! Debian's Go `snowflake-client` (package `snowflake-client`, 2.5.1) as a
//! test peer, run as tor runs it: a managed pluggable transport that
//! prints `CMETHOD snowflake socks5 127.0.0.1:PORT` and takes its
//! per-connection settings as SOCKS5 username/password arguments.
//!
//! Run it only inside a [`crate::netns`] namespace: every setting it needs
//! (broker URL, ICE servers) comes from the test, but a namespace with only
//! `lo` guarantees nothing can leave the machine whatever it does.

use std::io::{self, BufRead, BufReader};
use std::net::{SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tokio::net::TcpStream;

use crate::process::find_program;

/// The program name.
pub const PROGRAM: &str = "snowflake-client";
/// The Debian package that provides it.
pub const DEBIAN_PACKAGE: &str = "snowflake-client";

/// The path of `snowflake-client`, or an error saying how to install it.
pub fn program() -> Result<PathBuf, String> {
    find_program(PROGRAM, DEBIAN_PACKAGE)
}

/// A running Go client; killed when dropped. Its stdin stays open while
/// this lives (it runs with `TOR_PT_EXIT_ON_STDIN_CLOSE=1`, so it also
/// exits if the test process dies).
#[derive(Debug)]
pub struct GoClient {
    child: Child,
    _stdin: Option<ChildStdin>,
    socks_addr: SocketAddr,
}

impl GoClient {
    /// Starts the client with the managed-transport environment, state in
    /// `state_dir`, `args` on its command line (e.g. `-log`,
    /// `-unsafe-logging`), and waits up to `wait` for its `CMETHOD` line.
    pub fn start(state_dir: &Path, args: &[String], wait: Duration) -> io::Result<GoClient> {
        let program = program().map_err(io::Error::other)?;
        let mut child = Command::new(program)
            .args(args)
            .env("TOR_PT_MANAGED_TRANSPORT_VER", "1")
            .env("TOR_PT_CLIENT_TRANSPORTS", "snowflake")
            .env("TOR_PT_STATE_LOCATION", state_dir)
            .env("TOR_PT_EXIT_ON_STDIN_CLOSE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| io::Error::other("no stdout pipe"))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                eprintln!("snowflake-client stdout: {line}");
                if tx.send(line).is_err() {
                    // Keep draining so the child never blocks on stdout.
                    continue;
                }
            }
        });
        let socks_addr = loop {
            let line = match rx.recv_timeout(wait) {
                Ok(line) => line,
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "snowflake-client printed no CMETHOD line",
                    ));
                }
            };
            if let Some(addr) = parse_cmethod(&line) {
                break addr;
            }
            if line.starts_with("CMETHOD-ERROR") || line.starts_with("ENV-ERROR") {
                let _ = child.kill();
                let _ = child.wait();
                return Err(io::Error::other(line));
            }
        };
        Ok(GoClient {
            child,
            _stdin: stdin,
            socks_addr,
        })
    }

    /// The SOCKS5 listener it announced.
    pub fn socks_addr(&self) -> SocketAddr {
        self.socks_addr
    }
}

impl Drop for GoClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address of a `CMETHOD snowflake socks5 ADDR` line.
pub fn parse_cmethod(line: &str) -> Option<SocketAddr> {
    let mut words = line.split_whitespace();
    if words.next()? != "CMETHOD" || words.next()? != "snowflake" || words.next()? != "socks5" {
        return None;
    }
    words.next()?.parse().ok()
}

/// Escapes a SOCKS argument value (`\`, `;` and `=` get a backslash), as
/// goptlib's argument parser expects.
pub fn escape_arg(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | ';' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `k=v;k=v…` from pairs, values escaped.
pub fn socks_args(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_arg(v)))
        .collect::<Vec<_>>()
        .join(";")
}

/// A SOCKS5 connection through the client at `proxy` to `target`, with
/// `args` as the PT arguments (username/password), as tor opens it.
pub async fn socks5_connect(
    proxy: SocketAddr,
    args: &str,
    target: SocketAddrV4,
) -> io::Result<TcpStream> {
    crate::socks_client::connect_via_socks5(proxy, args, target).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmethod_lines() {
        assert_eq!(
            parse_cmethod("CMETHOD snowflake socks5 127.0.0.1:40123"),
            Some("127.0.0.1:40123".parse().unwrap())
        );
        assert_eq!(parse_cmethod("CMETHODS DONE"), None);
        assert_eq!(parse_cmethod("CMETHOD obfs4 socks5 127.0.0.1:1"), None);
    }

    #[test]
    fn args_are_escaped() {
        assert_eq!(
            socks_args(&[("url", "http://127.0.0.1:1/"), ("ice", "stun:a;b=c")]),
            r"url=http://127.0.0.1:1/;ice=stun:a\;b\=c"
        );
    }
}
