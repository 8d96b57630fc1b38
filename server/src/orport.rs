//! Connections to tor: the Extended ORPort over TCP or a Unix domain socket
//! (SAFE_COOKIE, then USERADDR and TRANSPORT), or the plain ORPort (§7.7).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use snowflake_common::pt::env::OrTarget;
use snowflake_common::pt::extorport::transport_side::ext_or_handshake;
use snowflake_common::pt::extorport::ExtOrError;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

use crate::srcaddr::{connect_from, SourceRange};

/// The prefix that names a Unix domain socket in
/// `TOR_PT_EXTENDED_SERVER_PORT` or `--ext-orport` (`unix:/path`), the
/// syntax of tor's own `ExtORPort unix:/path`.
pub const UNIX_PREFIX: &str = "unix:";

/// Where client streams go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TorTarget {
    /// tor's Extended ORPort over TCP.
    ExtOrTcp {
        /// ExtORPort address.
        addr: SocketAddr,
        /// `TOR_PT_AUTH_COOKIE_FILE`, re-read on every connection.
        cookie_file: PathBuf,
    },
    /// tor's Extended ORPort over a Unix domain socket (`ExtORPort
    /// unix:/path` in torrc). Needs no ports at all, so a busy bridge
    /// cannot run out of them.
    ExtOrUnix {
        /// The socket's path.
        path: PathBuf,
        /// `TOR_PT_AUTH_COOKIE_FILE`, re-read on every connection.
        cookie_file: PathBuf,
    },
    /// The plain ORPort: no client address reporting.
    OrPort(SocketAddr),
}

impl From<OrTarget> for TorTarget {
    fn from(target: OrTarget) -> Self {
        match target {
            OrTarget::Extended { addr, cookie_file } => Self::ExtOrTcp { addr, cookie_file },
            OrTarget::Plain(addr) => Self::OrPort(addr),
        }
    }
}

impl fmt::Display for TorTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExtOrTcp { addr, .. } => write!(f, "ExtORPort {addr}"),
            Self::ExtOrUnix { path, .. } => write!(f, "ExtORPort {UNIX_PREFIX}{}", path.display()),
            Self::OrPort(addr) => write!(f, "ORPort {addr}"),
        }
    }
}

/// Why connecting to tor failed.
#[derive(Debug, thiserror::Error)]
pub enum DialError {
    /// Connecting failed.
    #[error("connecting to {target}: {source}")]
    Connect {
        /// Where to.
        target: String,
        /// Why.
        source: io::Error,
    },
    /// The Extended ORPort handshake failed (cookie, authentication,
    /// DENY, or timeout).
    #[error("Extended ORPort handshake with {target}: {source}")]
    Handshake {
        /// Where to.
        target: String,
        /// Why.
        source: ExtOrError,
    },
    /// Connecting and the handshake took longer than allowed.
    #[error("connecting to {0} timed out")]
    Timeout(String),
}

/// An open connection to tor.
#[derive(Debug)]
pub enum TorConn {
    /// Over TCP.
    Tcp(TcpStream),
    /// Over a Unix domain socket.
    Unix(UnixStream),
}

impl AsyncRead for TorConn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Self::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for TorConn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Self::Unix(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_flush(cx),
            Self::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Self::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// Runs the Extended ORPort handshake on a fresh connection to tor and
/// hands the connection back.
async fn authenticated<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    cookie_file: &Path,
    user_addr: Option<&str>,
    transport: &str,
    timeout: Duration,
) -> Result<S, ExtOrError> {
    ext_or_handshake(
        &mut stream,
        cookie_file,
        user_addr,
        Some(transport),
        timeout,
    )
    .await?;
    Ok(stream)
}

/// Connects to `target` for one client stream: over TCP from a random
/// address of `source` when given, and with the Extended ORPort handshake
/// (`USERADDR` when `user_addr` is known, `TRANSPORT` = `transport`) when
/// the target is an ExtORPort. `timeout` covers everything.
pub async fn dial_tor(
    target: &TorTarget,
    user_addr: Option<&str>,
    transport: &str,
    source: Option<&SourceRange>,
    timeout: Duration,
) -> Result<TorConn, DialError> {
    let connect_failed = |source| DialError::Connect {
        target: target.to_string(),
        source,
    };
    let handshake_failed = |source| DialError::Handshake {
        target: target.to_string(),
        source,
    };
    let work = async {
        match target {
            TorTarget::OrPort(addr) => connect_from(*addr, source)
                .await
                .map(TorConn::Tcp)
                .map_err(connect_failed),
            TorTarget::ExtOrTcp { addr, cookie_file } => {
                let stream = connect_from(*addr, source).await.map_err(connect_failed)?;
                authenticated(stream, cookie_file, user_addr, transport, timeout)
                    .await
                    .map(TorConn::Tcp)
                    .map_err(handshake_failed)
            }
            TorTarget::ExtOrUnix { path, cookie_file } => {
                let stream = UnixStream::connect(path).await.map_err(connect_failed)?;
                authenticated(stream, cookie_file, user_addr, transport, timeout)
                    .await
                    .map(TorConn::Unix)
                    .map_err(handshake_failed)
            }
        }
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(DialError::Timeout(target.to_string())),
    }
}
