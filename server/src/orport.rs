//! Connections to tor: the Extended ORPort over TCP or a Unix domain socket
//! (SAFE_COOKIE, then USERADDR and TRANSPORT), or the plain ORPort (§7.7),
//! or whatever byte stream a caller's [`TorDialer`] opens, with or without
//! the Extended ORPort handshake; and how one tor instance of several is
//! described ([`TorInstance`]).

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use snowflake_common::pt::env::{parse_ip_port, OrTarget};
use snowflake_common::pt::extorport::transport_side::ext_or_handshake;
use snowflake_common::pt::extorport::ExtOrError;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

use crate::srcaddr::{connect_from, SourceRange, SourceRangeError};

/// The prefix that names a Unix domain socket in
/// `TOR_PT_EXTENDED_SERVER_PORT` or `--ext-orport` (`unix:/path`), the
/// syntax of tor's own `ExtORPort unix:/path`.
pub const UNIX_PREFIX: &str = "unix:";

/// A byte stream to tor opened by a [`TorDialer`].
pub type TorStream = Box<dyn TorIo>;

/// What a [`TorDialer`]'s stream must be: any `AsyncRead + AsyncWrite`
/// that can move between tasks (implemented for every such type).
pub trait TorIo: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> TorIo for T {}

/// What [`TorDialer::dial`] returns.
pub type DialFuture<'a> = Pin<Box<dyn Future<Output = io::Result<TorStream>> + Send + 'a>>;

/// A caller-provided way to reach tor ([`TorTarget::Custom`]): for a
/// server embedded in a program that reaches its tor through something
/// other than a TCP or Unix socket the server opens itself (an inherited
/// descriptor, a tunnel, an in-process tor, an in-memory stream in tests
/// and benchmarks).
///
/// The server calls [`dial`](Self::dial) once per client stream (and for
/// the probes of an instance marked down), runs the Extended ORPort
/// handshake over the stream when the target has a cookie file, and
/// relays; the same timeout ([`Timeouts::tor_dial`]) covers dialling and
/// the handshake, and a failed dial marks the instance down as for the
/// other targets.
///
/// [`Timeouts::tor_dial`]: crate::Timeouts::tor_dial
pub trait TorDialer: Send + Sync {
    /// How the instance is named in logs and in the metric labels
    /// (`custom:NAME`); distinct dialers of one server need distinct
    /// names.
    fn name(&self) -> String;

    /// Opens a new byte stream to tor.
    fn dial(&self) -> DialFuture<'_>;
}

impl fmt::Debug for dyn TorDialer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TorDialer").field(&self.name()).finish()
    }
}

/// Two dialers are the same when they are the same object (so that
/// [`TorTarget`] can be compared).
impl PartialEq for dyn TorDialer {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::addr_eq(self, other)
    }
}

impl Eq for dyn TorDialer {}

/// The prefix of a [`TorTarget::Custom`] target's address.
pub const CUSTOM_PREFIX: &str = "custom:";

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
    /// Streams opened by a caller-provided [`TorDialer`]: the plain
    /// ORPort protocol over them, or the Extended ORPort handshake when
    /// `cookie_file` is given. Source ranges (`orport-srcaddr`) do not
    /// apply. Built in code only: [`TorInstance`]'s text form cannot name
    /// one.
    Custom {
        /// Opens the streams.
        dialer: Arc<dyn TorDialer>,
        /// `Some`: tor's `ExtORPortCookieAuthFile`, re-read on every
        /// connection, and the Extended ORPort handshake runs over each
        /// stream. `None`: the streams reach a plain ORPort.
        cookie_file: Option<PathBuf>,
    },
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
            Self::Custom {
                cookie_file: Some(_),
                ..
            } => write!(f, "ExtORPort {}", self.address()),
            Self::Custom {
                cookie_file: None, ..
            } => write!(f, "ORPort {}", self.address()),
        }
    }
}

impl TorTarget {
    /// The address alone (`127.0.0.1:10001`, `unix:/run/…`): how an
    /// instance is named in logs and metric labels.
    pub fn address(&self) -> String {
        match self {
            Self::ExtOrTcp { addr, .. } | Self::OrPort(addr) => addr.to_string(),
            Self::ExtOrUnix { path, .. } => format!("{UNIX_PREFIX}{}", path.display()),
            Self::Custom { dialer, .. } => format!("{CUSTOM_PREFIX}{}", dialer.name()),
        }
    }
}

/// One tor instance of a bridge that runs several (docs/tor-instances.md):
/// where to reach it and, optionally, the source addresses to connect from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TorInstance {
    /// Its Extended ORPort (or, for tor's own port in managed mode, the
    /// ORPort) and cookie file.
    pub target: TorTarget,
    /// `orport-srcaddr` for this instance alone; `None` uses the server's.
    pub srcaddr: Option<SourceRange>,
}

impl TorInstance {
    /// An instance reached at `target` from the server's source range.
    pub fn new(target: TorTarget) -> Self {
        Self {
            target,
            srcaddr: None,
        }
    }
}

/// Why a tor instance description was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TorInstanceError {
    /// No address.
    #[error("{0:?}: expected ADDR,cookie=FILE[,srcaddr=RANGE]")]
    Syntax(String),
    /// The address is neither `ip:port` nor `unix:/absolute/path`.
    #[error("{value:?}: {address:?} is not ip:port or unix:/absolute/path")]
    Address {
        /// The whole description.
        value: String,
        /// The address part.
        address: String,
    },
    /// No `cookie=`.
    #[error(
        "{0:?}: needs the instance's cookie file (cookie=FILE, tor's ExtORPortCookieAuthFile)"
    )]
    NoCookie(String),
    /// A field other than `cookie` and `srcaddr`, or one given twice.
    #[error("{value:?}: unknown or repeated field {field:?} (fields: cookie=FILE, srcaddr=RANGE)")]
    Field {
        /// The whole description.
        value: String,
        /// The field.
        field: String,
    },
    /// A bad `srcaddr`.
    #[error("{value:?}: {source}")]
    Srcaddr {
        /// The whole description.
        value: String,
        /// Why.
        source: SourceRangeError,
    },
    /// `srcaddr` for a Unix socket.
    #[error("{0:?}: srcaddr applies to TCP only, not to a unix: socket")]
    SrcaddrOnUnix(String),
}

impl FromStr for TorInstance {
    type Err = TorInstanceError;

    /// Reads `ADDR,cookie=FILE[,srcaddr=RANGE]` (the `-extorport-instance`
    /// flag and the `extorport-instance` transport option): `ADDR` is
    /// `ip:port` or `unix:/path`, `FILE` tor's `ExtORPortCookieAuthFile`
    /// of that instance, `RANGE` an `orport-srcaddr` value. Paths cannot
    /// contain commas.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let mut fields = value.split(',');
        let address = fields.next().unwrap_or_default().trim();
        if address.is_empty() {
            return Err(TorInstanceError::Syntax(value.to_owned()));
        }
        let mut cookie: Option<PathBuf> = None;
        let mut srcaddr: Option<SourceRange> = None;
        for field in fields {
            let bad_field = || TorInstanceError::Field {
                value: value.to_owned(),
                field: field.to_owned(),
            };
            match field.split_once('=') {
                Some(("cookie", path)) if cookie.is_none() && !path.is_empty() => {
                    cookie = Some(PathBuf::from(path));
                }
                Some(("srcaddr", range)) if srcaddr.is_none() => {
                    srcaddr = Some(range.parse().map_err(|source| TorInstanceError::Srcaddr {
                        value: value.to_owned(),
                        source,
                    })?);
                }
                _ => return Err(bad_field()),
            }
        }
        let cookie_file = cookie.ok_or_else(|| TorInstanceError::NoCookie(value.to_owned()))?;
        let bad_address = || TorInstanceError::Address {
            value: value.to_owned(),
            address: address.to_owned(),
        };
        let target = match address.strip_prefix(UNIX_PREFIX) {
            Some(path) => {
                let path = PathBuf::from(path);
                if !path.is_absolute() {
                    return Err(bad_address());
                }
                if srcaddr.is_some() {
                    return Err(TorInstanceError::SrcaddrOnUnix(value.to_owned()));
                }
                TorTarget::ExtOrUnix { path, cookie_file }
            }
            None => TorTarget::ExtOrTcp {
                addr: parse_ip_port(address).map_err(|_| bad_address())?,
                cookie_file,
            },
        };
        Ok(Self { target, srcaddr })
    }
}

impl fmt::Display for TorInstance {
    /// The description [`TorInstance::from_str`] reads (for a
    /// [`TorTarget::Custom`] target, the same form, which it cannot read).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.target.address())?;
        match &self.target {
            TorTarget::ExtOrTcp { cookie_file, .. }
            | TorTarget::ExtOrUnix { cookie_file, .. }
            | TorTarget::Custom {
                cookie_file: Some(cookie_file),
                ..
            } => {
                write!(f, ",cookie={}", cookie_file.display())?;
            }
            TorTarget::OrPort(_)
            | TorTarget::Custom {
                cookie_file: None, ..
            } => {}
        }
        if let Some(range) = &self.srcaddr {
            write!(f, ",srcaddr={range}")?;
        }
        Ok(())
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
    /// No tor instance is configured.
    #[error("no tor instance to connect to")]
    NoInstance,
}

/// An open connection to tor.
pub enum TorConn {
    /// Over TCP.
    Tcp(TcpStream),
    /// Over a Unix domain socket.
    Unix(UnixStream),
    /// Opened by a [`TorDialer`].
    Custom(TorStream),
}

impl fmt::Debug for TorConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp(s) => f.debug_tuple("Tcp").field(s).finish(),
            Self::Unix(s) => f.debug_tuple("Unix").field(s).finish(),
            Self::Custom(_) => f.debug_tuple("Custom").finish_non_exhaustive(),
        }
    }
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
            Self::Custom(s) => Pin::new(s).poll_read(cx, buf),
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
            Self::Custom(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_flush(cx),
            Self::Unix(s) => Pin::new(s).poll_flush(cx),
            Self::Custom(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Self::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Self::Custom(s) => Pin::new(s).poll_shutdown(cx),
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
/// address of `source` when given (TCP targets only), through the
/// target's [`TorDialer`] for a custom one, and with the Extended ORPort
/// handshake (`USERADDR` when `user_addr` is known, `TRANSPORT` =
/// `transport`) when the target is an ExtORPort or a custom target with a
/// cookie file. `timeout` covers everything.
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
            TorTarget::Custom {
                dialer,
                cookie_file,
            } => {
                let stream = dialer.dial().await.map_err(connect_failed)?;
                match cookie_file {
                    Some(cookie_file) => {
                        authenticated(stream, cookie_file, user_addr, transport, timeout)
                            .await
                            .map(TorConn::Custom)
                            .map_err(handshake_failed)
                    }
                    None => Ok(TorConn::Custom(stream)),
                }
            }
        }
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(DialError::Timeout(target.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tor_instances_are_read_from_their_description() {
        let instance: TorInstance = "127.0.0.1:10001,cookie=/run/tor-instances/a/cookie"
            .parse()
            .expect("valid");
        assert_eq!(
            instance,
            TorInstance::new(TorTarget::ExtOrTcp {
                addr: "127.0.0.1:10001".parse().unwrap(),
                cookie_file: "/run/tor-instances/a/cookie".into(),
            })
        );
        let instance: TorInstance = "[::1]:10002,srcaddr=::1,cookie=c".parse().expect("valid");
        assert_eq!(instance.target.address(), "[::1]:10002");
        assert_eq!(
            instance.srcaddr.map(|r| r.to_string()).as_deref(),
            Some("::1/128")
        );
        let instance: TorInstance = "unix:/run/tor/ext,cookie=/run/tor/cookie"
            .parse()
            .expect("valid");
        assert_eq!(
            instance.target,
            TorTarget::ExtOrUnix {
                path: "/run/tor/ext".into(),
                cookie_file: "/run/tor/cookie".into()
            }
        );
        // What it prints, it reads.
        for text in [
            "127.0.0.1:10001,cookie=/c,srcaddr=127.0.1.0/24",
            "unix:/run/tor/ext,cookie=/run/tor/cookie",
        ] {
            let instance: TorInstance = text.parse().expect("valid");
            assert_eq!(instance.to_string(), text);
        }
        for bad in [
            "",
            ",cookie=/c",
            "127.0.0.1:10001",
            "127.0.0.1:10001,cookie=",
            "127.0.0.1,cookie=/c",
            "localhost:10001,cookie=/c",
            "unix:relative,cookie=/c",
            "unix:/s,cookie=/c,srcaddr=127.0.0.1",
            "127.0.0.1:1,cookie=/c,cookie=/d",
            "127.0.0.1:1,cookie=/c,srcaddr=10.0.0.0/99",
            "127.0.0.1:1,cookie=/c,weight=2",
            "127.0.0.1:1,cookie=/c,",
        ] {
            assert!(bad.parse::<TorInstance>().is_err(), "{bad:?}");
        }
    }

    struct Named(&'static str);

    impl TorDialer for Named {
        fn name(&self) -> String {
            self.0.to_owned()
        }

        fn dial(&self) -> DialFuture<'_> {
            Box::pin(async {
                let (stream, _) = tokio::io::duplex(64);
                let stream: TorStream = Box::new(stream);
                Ok(stream)
            })
        }
    }

    #[test]
    fn custom_targets_are_named_and_compared_by_dialer() {
        let dialer: Arc<dyn TorDialer> = Arc::new(Named("pipe"));
        let plain = TorTarget::Custom {
            dialer: Arc::clone(&dialer),
            cookie_file: None,
        };
        let extended = TorTarget::Custom {
            dialer: Arc::clone(&dialer),
            cookie_file: Some("/run/tor/cookie".into()),
        };
        assert_eq!(plain.address(), "custom:pipe");
        assert_eq!(plain.to_string(), "ORPort custom:pipe");
        assert_eq!(extended.to_string(), "ExtORPort custom:pipe");
        assert_eq!(
            TorInstance::new(extended.clone()).to_string(),
            "custom:pipe,cookie=/run/tor/cookie"
        );
        assert_eq!(plain, plain.clone());
        assert_ne!(plain, extended);
        // Another dialer of the same name is another target.
        let other = TorTarget::Custom {
            dialer: Arc::new(Named("pipe")),
            cookie_file: None,
        };
        assert_ne!(plain, other);
        assert!(format!("{plain:?}").contains("pipe"));
    }

    #[tokio::test]
    async fn a_custom_target_is_dialled_through_its_dialer() {
        let target = TorTarget::Custom {
            dialer: Arc::new(Named("pipe")),
            cookie_file: None,
        };
        let conn = dial_tor(&target, None, "snowflake", None, Duration::from_secs(5))
            .await
            .expect("dialled");
        assert!(matches!(conn, TorConn::Custom(_)));
    }
}
