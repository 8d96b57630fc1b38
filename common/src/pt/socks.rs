//! The SOCKS5 server side a client transport offers tor (docs/protocol.md
//! §8.2; RFC 1928, RFC 1929), behaving like goptlib's `socks.go`.
//!
//! tor passes the bridge line's arguments in the RFC 1929 user name and
//! password fields (`UNAME ‖ PASSWD`, split at 255 bytes when long). The
//! CONNECT target is the bridge's dummy address and is reported, not used.
//!
//! [`SocksHandshake`] is the sans-IO core: feed it bytes with
//! [`SocksHandshake::receive`], send whatever [`SocksHandshake::take_output`]
//! returns, and once it yields a [`SocksRequest`] answer with
//! [`SocksHandshake::grant`] or [`SocksHandshake::reject`].
//! [`accept_socks5`] drives it over any async stream under a deadline.
//!
//! Failure replies follow goptlib: a bad greeting version gets no reply, no
//! acceptable method gets `05 ff`, any authentication problem (including a
//! malformed argument string) gets `01 01`, a non-CONNECT command gets reply
//! code 0x07, an unknown address type 0x08, other request errors 0x01.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::args::{parse_client_args, ArgsError, PtArgs};

const SOCKS_VERSION: u8 = 0x05;
const METHOD_NO_AUTH: u8 = 0x00;
const METHOD_USER_PASS: u8 = 0x02;
const METHOD_NONE_ACCEPTABLE: u8 = 0xff;
const AUTH_VERSION: u8 = 0x01;
const AUTH_SUCCESS: u8 = 0x00;
const AUTH_FAILURE: u8 = 0x01;
const CMD_CONNECT: u8 = 0x01;
const ATYP_IPV4: u8 = 0x01;
const ATYP_DOMAIN: u8 = 0x03;
const ATYP_IPV6: u8 = 0x04;

/// Most bytes accepted after the CONNECT request and before the reply; tor
/// sends nothing there, so this only stops a misbehaving peer.
pub const MAX_EARLY_DATA: usize = 64 * 1024;

/// Default handshake deadline, goptlib's `socksRequestTimeout`.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// A SOCKS5 reply code other than success, sent by
/// [`SocksHandshake::reject`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocksFailure {
    /// 0x01 general SOCKS server failure.
    GeneralFailure,
    /// 0x02 connection not allowed by ruleset.
    ConnectionNotAllowed,
    /// 0x03 network unreachable.
    NetworkUnreachable,
    /// 0x04 host unreachable.
    HostUnreachable,
    /// 0x05 connection refused.
    ConnectionRefused,
    /// 0x06 TTL expired.
    TtlExpired,
    /// 0x07 command not supported.
    CommandNotSupported,
    /// 0x08 address type not supported.
    AddressTypeNotSupported,
}

impl SocksFailure {
    /// The REP byte.
    pub fn code(self) -> u8 {
        match self {
            SocksFailure::GeneralFailure => 0x01,
            SocksFailure::ConnectionNotAllowed => 0x02,
            SocksFailure::NetworkUnreachable => 0x03,
            SocksFailure::HostUnreachable => 0x04,
            SocksFailure::ConnectionRefused => 0x05,
            SocksFailure::TtlExpired => 0x06,
            SocksFailure::CommandNotSupported => 0x07,
            SocksFailure::AddressTypeNotSupported => 0x08,
        }
    }
}

/// The 10-byte reply `05 <rep> 00 01 00 00 00 00 00 00` (BND.ADDR 0.0.0.0,
/// BND.PORT 0, which tor ignores). `rep` 0 grants.
pub fn reply_bytes(rep: u8) -> [u8; 10] {
    [SOCKS_VERSION, rep, 0x00, ATYP_IPV4, 0, 0, 0, 0, 0, 0]
}

/// The CONNECT destination tor asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocksTarget {
    /// ATYP 1 or 4.
    Ip(SocketAddr),
    /// ATYP 3; the name's bytes, lossily made UTF-8.
    Domain {
        /// Host name.
        host: String,
        /// Port.
        port: u16,
    },
}

impl fmt::Display for SocksTarget {
    /// `host:port`, IPv6 in brackets (goptlib's `Target` string).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocksTarget::Ip(addr) => write!(f, "{addr}"),
            SocksTarget::Domain { host, port } => write!(f, "{host}:{port}"),
        }
    }
}

/// A complete CONNECT request with its transport arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocksRequest {
    /// Requested destination (for snowflake, the bridge's dummy address).
    pub target: SocksTarget,
    /// RFC 1929 UNAME (empty without username/password auth).
    pub username: Vec<u8>,
    /// RFC 1929 PASSWD, empty when tor sent the single-NUL placeholder.
    pub password: Vec<u8>,
    /// `UNAME ‖ PASSWD` parsed as `k=v;…` ([`parse_client_args`]).
    pub args: PtArgs,
}

/// Why a SOCKS handshake failed. After any of these, send
/// [`SocksHandshake::take_output`] (it may hold a failure reply) and close.
#[derive(Debug, thiserror::Error)]
pub enum SocksError {
    /// The greeting's version byte is not 5 (no reply is sent).
    #[error("client sent SOCKS version {0:#04x}, expected 0x05")]
    BadVersion(u8),
    /// The client offered neither "no auth" nor username/password.
    #[error("client offered no acceptable SOCKS auth method (need 0x00 or 0x02)")]
    NoAcceptableMethod,
    /// The RFC 1929 sub-negotiation version is not 1.
    #[error("RFC 1929 auth version {0:#04x}, expected 0x01")]
    BadAuthVersion(u8),
    /// RFC 1929 UNAME with length 0.
    #[error("RFC 1929 username with 0 length")]
    EmptyUsername,
    /// RFC 1929 PASSWD with length 0.
    #[error("RFC 1929 password with 0 length")]
    EmptyPassword,
    /// `UNAME ‖ PASSWD` is not a valid `k=v;…` string.
    #[error("malformed transport arguments in SOCKS auth: {0}")]
    BadArgs(#[from] ArgsError),
    /// The request's version byte is not 5.
    #[error("SOCKS request version {0:#04x}, expected 0x05")]
    BadRequestVersion(u8),
    /// A command other than CONNECT.
    #[error("SOCKS command {0:#04x} not supported (only CONNECT)")]
    UnsupportedCommand(u8),
    /// The reserved byte is not 0.
    #[error("SOCKS request reserved byte is {0:#04x}, expected 0x00")]
    NonZeroReserved(u8),
    /// ATYP other than 1, 3, 4.
    #[error("SOCKS address type {0:#04x} not supported")]
    UnsupportedAddressType(u8),
    /// A domain-name target of length 0.
    #[error("SOCKS request had a domain name with 0 length")]
    EmptyDomain,
    /// More than [`MAX_EARLY_DATA`] bytes after the request.
    #[error("client sent more than {MAX_EARLY_DATA} bytes before the SOCKS reply")]
    TooMuchEarlyData,
    /// `receive` after the handshake already failed.
    #[error("SOCKS handshake already failed")]
    AlreadyFailed,
    /// `grant`/`reject` before a request was read, or twice.
    #[error("no SOCKS request is waiting for a reply")]
    NoPendingRequest,
    /// The stream ended mid-handshake.
    #[error("connection closed during the SOCKS handshake")]
    ClosedEarly,
    /// The handshake did not finish before the deadline.
    #[error("SOCKS handshake timed out")]
    Timeout,
    /// Reading or writing the stream failed.
    #[error("I/O error during the SOCKS handshake: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the handshake is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Greeting,
    Auth,
    Request,
    /// Request read; waiting for grant/reject.
    AwaitingReply,
    /// Reply queued; nothing more to do.
    Replied,
    Failed,
}

/// Reads fixed-size pieces from a byte slice; `None` means "need more".
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn u8(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
}

/// Sans-IO SOCKS5 server handshake (see the module docs).
#[derive(Debug)]
pub struct SocksHandshake {
    phase: Phase,
    /// Received bytes not yet consumed (after the request: early data).
    input: Vec<u8>,
    /// Bytes to send to the client.
    output: Vec<u8>,
    /// UNAME, effective PASSWD and parsed arguments from the auth step.
    username: Vec<u8>,
    password: Vec<u8>,
    args: PtArgs,
}

impl Default for SocksHandshake {
    fn default() -> Self {
        Self::new()
    }
}

/// Result of parsing one message: need more bytes, or consumed `n` bytes
/// (and maybe produced a request).
enum Parsed {
    NeedMore,
    Consumed(usize, Option<SocksRequest>),
}

impl SocksHandshake {
    /// A handshake waiting for the client's greeting.
    pub fn new() -> Self {
        Self {
            phase: Phase::Greeting,
            input: Vec::new(),
            output: Vec::new(),
            username: Vec::new(),
            password: Vec::new(),
            args: PtArgs::new(),
        }
    }

    /// Feeds bytes received from the client. Returns the request once it is
    /// complete (exactly once); later bytes are kept as early data (see
    /// [`SocksHandshake::take_early_data`]). On error the handshake is over;
    /// send [`SocksHandshake::take_output`] and close.
    pub fn receive(&mut self, data: &[u8]) -> Result<Option<SocksRequest>, SocksError> {
        match self.phase {
            Phase::Failed => return Err(SocksError::AlreadyFailed),
            Phase::AwaitingReply | Phase::Replied => {
                if self.input.len().saturating_add(data.len()) > MAX_EARLY_DATA {
                    self.phase = Phase::Failed;
                    return Err(SocksError::TooMuchEarlyData);
                }
                self.input.extend_from_slice(data);
                return Ok(None);
            }
            _ => {}
        }
        self.input.extend_from_slice(data);
        loop {
            let step = match self.phase {
                Phase::Greeting => self.parse_greeting(),
                Phase::Auth => self.parse_auth(),
                Phase::Request => self.parse_request(),
                _ => return Ok(None),
            };
            match step {
                Err(e) => {
                    self.phase = Phase::Failed;
                    self.input.clear();
                    return Err(e);
                }
                Ok(Parsed::NeedMore) => return Ok(None),
                Ok(Parsed::Consumed(n, request)) => {
                    self.input.drain(..n.min(self.input.len()));
                    if let Some(request) = request {
                        if self.input.len() > MAX_EARLY_DATA {
                            self.phase = Phase::Failed;
                            return Err(SocksError::TooMuchEarlyData);
                        }
                        return Ok(Some(request));
                    }
                }
            }
        }
    }

    fn parse_greeting(&mut self) -> Result<Parsed, SocksError> {
        let mut r = Reader {
            buf: &self.input,
            pos: 0,
        };
        let Some(version) = r.u8() else {
            return Ok(Parsed::NeedMore);
        };
        if version != SOCKS_VERSION {
            return Err(SocksError::BadVersion(version));
        }
        let Some(count) = r.u8() else {
            return Ok(Parsed::NeedMore);
        };
        let Some(methods) = r.take(usize::from(count)) else {
            return Ok(Parsed::NeedMore);
        };
        let method = if methods.contains(&METHOD_USER_PASS) {
            METHOD_USER_PASS
        } else if methods.contains(&METHOD_NO_AUTH) {
            METHOD_NO_AUTH
        } else {
            METHOD_NONE_ACCEPTABLE
        };
        self.output.extend_from_slice(&[SOCKS_VERSION, method]);
        match method {
            METHOD_USER_PASS => self.phase = Phase::Auth,
            METHOD_NO_AUTH => self.phase = Phase::Request,
            _ => return Err(SocksError::NoAcceptableMethod),
        }
        Ok(Parsed::Consumed(r.pos, None))
    }

    /// RFC 1929: `01 ULEN UNAME PLEN PASSWD`.
    fn parse_auth(&mut self) -> Result<Parsed, SocksError> {
        let mut r = Reader {
            buf: &self.input,
            pos: 0,
        };
        let Some(version) = r.u8() else {
            return Ok(Parsed::NeedMore);
        };
        if version != AUTH_VERSION {
            self.output.extend_from_slice(&[AUTH_VERSION, AUTH_FAILURE]);
            return Err(SocksError::BadAuthVersion(version));
        }
        let Some(ulen) = r.u8() else {
            return Ok(Parsed::NeedMore);
        };
        if ulen == 0 {
            self.output.extend_from_slice(&[AUTH_VERSION, AUTH_FAILURE]);
            return Err(SocksError::EmptyUsername);
        }
        let Some(username) = r.take(usize::from(ulen)) else {
            return Ok(Parsed::NeedMore);
        };
        let Some(plen) = r.u8() else {
            return Ok(Parsed::NeedMore);
        };
        if plen == 0 {
            self.output.extend_from_slice(&[AUTH_VERSION, AUTH_FAILURE]);
            return Err(SocksError::EmptyPassword);
        }
        let Some(password) = r.take(usize::from(plen)) else {
            return Ok(Parsed::NeedMore);
        };
        // tor sends a single NUL as the password when the arguments fit in
        // UNAME; it is not part of the arguments.
        let password: &[u8] = if password == [0u8] { &[] } else { password };
        let mut joined = Vec::with_capacity(username.len() + password.len());
        joined.extend_from_slice(username);
        joined.extend_from_slice(password);
        match parse_client_args(&joined) {
            Ok(args) => {
                self.output.extend_from_slice(&[AUTH_VERSION, AUTH_SUCCESS]);
                self.username = username.to_vec();
                self.password = password.to_vec();
                self.args = args;
                self.phase = Phase::Request;
                Ok(Parsed::Consumed(r.pos, None))
            }
            Err(e) => {
                self.output.extend_from_slice(&[AUTH_VERSION, AUTH_FAILURE]);
                Err(SocksError::BadArgs(e))
            }
        }
    }

    /// `05 CMD 00 ATYP DST.ADDR DST.PORT`.
    fn parse_request(&mut self) -> Result<Parsed, SocksError> {
        let mut r = Reader {
            buf: &self.input,
            pos: 0,
        };
        let Some(version) = r.u8() else {
            return Ok(Parsed::NeedMore);
        };
        if version != SOCKS_VERSION {
            self.queue_reply(SocksFailure::GeneralFailure.code());
            return Err(SocksError::BadRequestVersion(version));
        }
        let Some(command) = r.u8() else {
            return Ok(Parsed::NeedMore);
        };
        if command != CMD_CONNECT {
            self.queue_reply(SocksFailure::CommandNotSupported.code());
            return Err(SocksError::UnsupportedCommand(command));
        }
        let Some(reserved) = r.u8() else {
            return Ok(Parsed::NeedMore);
        };
        if reserved != 0 {
            self.queue_reply(SocksFailure::GeneralFailure.code());
            return Err(SocksError::NonZeroReserved(reserved));
        }
        let Some(atyp) = r.u8() else {
            return Ok(Parsed::NeedMore);
        };
        enum Host {
            Ip(IpAddr),
            Name(String),
        }
        let host = match atyp {
            ATYP_IPV4 => {
                let Some(octets) = r.take(4).and_then(|s| <[u8; 4]>::try_from(s).ok()) else {
                    return Ok(Parsed::NeedMore);
                };
                Host::Ip(IpAddr::V4(Ipv4Addr::from(octets)))
            }
            ATYP_IPV6 => {
                let Some(octets) = r.take(16).and_then(|s| <[u8; 16]>::try_from(s).ok()) else {
                    return Ok(Parsed::NeedMore);
                };
                Host::Ip(IpAddr::V6(Ipv6Addr::from(octets)))
            }
            ATYP_DOMAIN => {
                let Some(len) = r.u8() else {
                    return Ok(Parsed::NeedMore);
                };
                if len == 0 {
                    self.queue_reply(SocksFailure::GeneralFailure.code());
                    return Err(SocksError::EmptyDomain);
                }
                let Some(name) = r.take(usize::from(len)) else {
                    return Ok(Parsed::NeedMore);
                };
                Host::Name(String::from_utf8_lossy(name).into_owned())
            }
            other => {
                self.queue_reply(SocksFailure::AddressTypeNotSupported.code());
                return Err(SocksError::UnsupportedAddressType(other));
            }
        };
        let Some(port) = r.take(2).and_then(|s| <[u8; 2]>::try_from(s).ok()) else {
            return Ok(Parsed::NeedMore);
        };
        let port = u16::from_be_bytes(port);
        let target = match host {
            Host::Ip(ip) => SocksTarget::Ip(SocketAddr::new(ip, port)),
            Host::Name(host) => SocksTarget::Domain { host, port },
        };
        self.phase = Phase::AwaitingReply;
        let request = SocksRequest {
            target,
            username: std::mem::take(&mut self.username),
            password: std::mem::take(&mut self.password),
            args: std::mem::take(&mut self.args),
        };
        Ok(Parsed::Consumed(r.pos, Some(request)))
    }

    fn queue_reply(&mut self, rep: u8) {
        self.output.extend_from_slice(&reply_bytes(rep));
    }

    /// Bytes to send to the client now (method choice, auth result, failure
    /// or final reply). Empties the queue.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// Queues the success reply `05 00 00 01 00 00 00 00 00 00`.
    pub fn grant(&mut self) -> Result<(), SocksError> {
        self.reply(0x00)
    }

    /// Queues a failure reply `05 <code> 00 01 00 00 00 00 00 00`; close the
    /// connection after sending it.
    pub fn reject(&mut self, failure: SocksFailure) -> Result<(), SocksError> {
        self.reply(failure.code())
    }

    fn reply(&mut self, rep: u8) -> Result<(), SocksError> {
        if self.phase != Phase::AwaitingReply {
            return Err(SocksError::NoPendingRequest);
        }
        self.queue_reply(rep);
        self.phase = Phase::Replied;
        Ok(())
    }

    /// Bytes the client sent after its request (normally none); they belong
    /// to the tunnelled stream.
    pub fn take_early_data(&mut self) -> Vec<u8> {
        if matches!(self.phase, Phase::AwaitingReply | Phase::Replied) {
            std::mem::take(&mut self.input)
        } else {
            Vec::new()
        }
    }
}

/// Splits a transport argument string into RFC 1929 UNAME and PASSWD the
/// way tor does: up to 255 bytes go in UNAME with PASSWD a single NUL;
/// longer strings fill UNAME with the first 255 bytes and PASSWD with the
/// rest. `None` for an empty string (tor then offers no auth) or one over
/// 510 bytes. Meant for tests and fake-tor harnesses.
pub fn tor_style_auth_fields(args: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    match args.len() {
        0 => None,
        1..=255 => Some((args.to_vec(), vec![0])),
        256..=510 => {
            let (u, p) = args.split_at(255);
            Some((u.to_vec(), p.to_vec()))
        }
        _ => None,
    }
}

/// A SOCKS request read by [`accept_socks5`], waiting for its reply.
#[derive(Debug)]
pub struct SocksAccepted {
    /// The request and its transport arguments.
    pub request: SocksRequest,
    /// Bytes the client sent after the request (normally empty); they
    /// precede the stream's data.
    pub early_data: Vec<u8>,
}

impl SocksAccepted {
    /// Sends the success reply.
    pub async fn grant<S: AsyncWrite + Unpin>(&self, stream: &mut S) -> std::io::Result<()> {
        stream.write_all(&reply_bytes(0x00)).await?;
        stream.flush().await
    }

    /// Sends a failure reply; close the stream afterwards.
    pub async fn reject<S: AsyncWrite + Unpin>(
        &self,
        stream: &mut S,
        failure: SocksFailure,
    ) -> std::io::Result<()> {
        stream.write_all(&reply_bytes(failure.code())).await?;
        stream.flush().await
    }
}

/// Runs the SOCKS5 handshake on `stream` up to the request, under
/// `timeout` (see [`DEFAULT_HANDSHAKE_TIMEOUT`]). Failure replies are sent
/// before the error is returned; the caller then drops the stream.
pub async fn accept_socks5<S>(
    stream: &mut S,
    timeout: Duration,
) -> Result<SocksAccepted, SocksError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match tokio::time::timeout(timeout, drive(stream)).await {
        Ok(result) => result,
        Err(_) => Err(SocksError::Timeout),
    }
}

async fn drive<S>(stream: &mut S) -> Result<SocksAccepted, SocksError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut handshake = SocksHandshake::new();
    // Every handshake message fits in 513 bytes.
    let mut buf = [0u8; 1024];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(SocksError::ClosedEarly);
        }
        let result = handshake.receive(buf.get(..n).unwrap_or_default());
        let output = handshake.take_output();
        if !output.is_empty() {
            let sent = async {
                stream.write_all(&output).await?;
                stream.flush().await
            }
            .await;
            if let Err(e) = sent {
                // A write failure after a protocol error is less useful
                // than the protocol error itself.
                return Err(match result {
                    Err(protocol) => protocol,
                    Ok(_) => SocksError::Io(e),
                });
            }
        }
        match result {
            Err(e) => {
                tracing::debug!("SOCKS handshake failed: {e}");
                return Err(e);
            }
            Ok(None) => continue,
            Ok(Some(request)) => {
                return Ok(SocksAccepted {
                    request,
                    early_data: handshake.take_early_data(),
                })
            }
        }
    }
}
