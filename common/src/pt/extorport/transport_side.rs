//! The transport's side of the Extended ORPort handshake (goptlib `DialOr`).
//!
//! Steps (docs/protocol.md §7.7): read auth types up to `0x00` (at most
//! 256 bytes) and require SAFE_COOKIE; send `0x01` and a random 32-byte
//! ClientNonce; read ServerHash and ServerNonce; check ServerHash in
//! constant time; send ClientHash; read the status byte (1 = success); send
//! `USERADDR` (optional), `TRANSPORT` (optional) and `DONE`; read the reply
//! command and accept only `OKAY`.

use std::path::Path;
use std::time::Duration;

use subtle::ConstantTimeEq;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{
    client_hash, encode_command, server_hash, AuthCookie, ExtOrError, AUTH_TYPE_SAFE_COOKIE,
    CMD_DENY, CMD_DONE, CMD_OKAY, CMD_TRANSPORT, CMD_USERADDR, MAX_AUTH_TYPES, MAX_EARLY_DATA,
    NONCE_LEN,
};
use crate::pt::env::OrTarget;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading auth types until 0x00.
    AuthTypes,
    /// Reading ServerHash ‖ ServerNonce (64 bytes).
    ServerHash,
    /// Reading the 1-byte auth status.
    Status,
    /// Reading the 4-byte reply header.
    ReplyHeader,
    /// Skipping the reply's body; then done or failed.
    ReplyBody {
        command: u16,
        remaining: usize,
    },
    Done,
    Failed,
}

/// Progress of a handshake after some input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtOrProgress {
    /// More bytes from the peer are needed.
    NeedMore,
    /// The handshake succeeded (for the client: tor said OKAY).
    Done,
}

/// Sans-IO client handshake. Feed tor's bytes to [`ExtOrClient::receive`],
/// send [`ExtOrClient::take_output`] after each call. When only
/// [`ExtOrClient::wanted`] bytes are fed at a time, nothing past the
/// handshake is ever read, so the stream can be used as is afterwards.
#[derive(Debug)]
pub struct ExtOrClient {
    phase: Phase,
    cookie: AuthCookie,
    client_nonce: [u8; NONCE_LEN],
    /// USERADDR/TRANSPORT/DONE, encoded up front so a too-long body is
    /// reported before connecting.
    commands: Vec<u8>,
    offered: Vec<u8>,
    input: Vec<u8>,
    output: Vec<u8>,
}

impl ExtOrClient {
    /// A handshake that will authenticate with `cookie` and `client_nonce`
    /// (use [`ExtOrClient::with_random_nonce`] outside tests), then send
    /// `USERADDR user_addr` and `TRANSPORT transport` for those given.
    pub fn new(
        cookie: AuthCookie,
        client_nonce: [u8; NONCE_LEN],
        user_addr: Option<&str>,
        transport: Option<&str>,
    ) -> Result<Self, ExtOrError> {
        let mut commands = Vec::new();
        if let Some(addr) = user_addr {
            commands.extend(encode_command(CMD_USERADDR, addr.as_bytes())?);
        }
        if let Some(name) = transport {
            commands.extend(encode_command(CMD_TRANSPORT, name.as_bytes())?);
        }
        commands.extend(encode_command(CMD_DONE, &[])?);
        Ok(Self {
            phase: Phase::AuthTypes,
            cookie,
            client_nonce,
            commands,
            offered: Vec::new(),
            input: Vec::new(),
            output: Vec::new(),
        })
    }

    /// As [`ExtOrClient::new`] with a fresh random ClientNonce.
    pub fn with_random_nonce(
        cookie: AuthCookie,
        user_addr: Option<&str>,
        transport: Option<&str>,
    ) -> Result<Self, ExtOrError> {
        Self::new(cookie, rand::random(), user_addr, transport)
    }

    /// How many more bytes the current step needs (0 when finished). Reading
    /// no more than this never consumes bytes past the handshake.
    pub fn wanted(&self) -> usize {
        let have = self.input.len();
        match self.phase {
            Phase::AuthTypes | Phase::Status => 1,
            Phase::ServerHash => (2 * NONCE_LEN).saturating_sub(have).max(1),
            Phase::ReplyHeader => 4usize.saturating_sub(have).max(1),
            Phase::ReplyBody { remaining, .. } => remaining.max(1),
            Phase::Done | Phase::Failed => 0,
        }
    }

    /// True once tor answered OKAY.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Bytes to send to tor now. Empties the queue.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// Bytes received after OKAY (only if more than [`ExtOrClient::wanted`]
    /// was fed); they belong to the OR connection.
    pub fn take_early_data(&mut self) -> Vec<u8> {
        if self.phase == Phase::Done {
            std::mem::take(&mut self.input)
        } else {
            Vec::new()
        }
    }

    /// Feeds bytes from tor. Any error ends the handshake; close the stream.
    pub fn receive(&mut self, data: &[u8]) -> Result<ExtOrProgress, ExtOrError> {
        match self.phase {
            Phase::Failed => return Err(ExtOrError::WrongState),
            Phase::Done => {
                if self.input.len().saturating_add(data.len()) > MAX_EARLY_DATA {
                    self.phase = Phase::Failed;
                    return Err(ExtOrError::TooMuchEarlyData(MAX_EARLY_DATA));
                }
                self.input.extend_from_slice(data);
                return Ok(ExtOrProgress::Done);
            }
            _ => {}
        }
        self.input.extend_from_slice(data);
        match self.advance() {
            Ok(progress) => {
                if progress == ExtOrProgress::Done && self.input.len() > MAX_EARLY_DATA {
                    self.phase = Phase::Failed;
                    return Err(ExtOrError::TooMuchEarlyData(MAX_EARLY_DATA));
                }
                Ok(progress)
            }
            Err(e) => {
                self.phase = Phase::Failed;
                self.input.clear();
                self.output.clear();
                Err(e)
            }
        }
    }

    /// Consumes as much buffered input as the protocol allows.
    fn advance(&mut self) -> Result<ExtOrProgress, ExtOrError> {
        loop {
            match self.phase {
                Phase::AuthTypes => {
                    let Some(end) = self.input.iter().position(|&b| b == 0) else {
                        if self.offered.len().saturating_add(self.input.len()) >= MAX_AUTH_TYPES {
                            return Err(ExtOrError::TooManyAuthTypes);
                        }
                        return Ok(ExtOrProgress::NeedMore);
                    };
                    if self.offered.len().saturating_add(end) >= MAX_AUTH_TYPES {
                        return Err(ExtOrError::TooManyAuthTypes);
                    }
                    self.offered.extend(self.input.drain(..end));
                    self.input.drain(..1);
                    if !self.offered.contains(&AUTH_TYPE_SAFE_COOKIE) {
                        return Err(ExtOrError::SafeCookieNotOffered {
                            offered: std::mem::take(&mut self.offered),
                        });
                    }
                    self.output.push(AUTH_TYPE_SAFE_COOKIE);
                    self.output.extend_from_slice(&self.client_nonce);
                    self.phase = Phase::ServerHash;
                }
                Phase::ServerHash => {
                    if self.input.len() < 2 * NONCE_LEN {
                        return Ok(ExtOrProgress::NeedMore);
                    }
                    let received: Vec<u8> = self.input.drain(..2 * NONCE_LEN).collect();
                    let (their_hash, nonce) = received.split_at(NONCE_LEN);
                    let server_nonce =
                        <[u8; NONCE_LEN]>::try_from(nonce).map_err(|_| ExtOrError::WrongState)?;
                    let expected = server_hash(&self.cookie, &self.client_nonce, &server_nonce);
                    if !bool::from(expected.ct_eq(their_hash)) {
                        return Err(ExtOrError::ServerHashMismatch);
                    }
                    self.output.extend_from_slice(&client_hash(
                        &self.cookie,
                        &self.client_nonce,
                        &server_nonce,
                    ));
                    self.phase = Phase::Status;
                }
                Phase::Status => {
                    let Some(&status) = self.input.first() else {
                        return Ok(ExtOrProgress::NeedMore);
                    };
                    self.input.drain(..1);
                    if status != 1 {
                        return Err(ExtOrError::AuthRejected(status));
                    }
                    self.output.append(&mut self.commands);
                    self.phase = Phase::ReplyHeader;
                }
                Phase::ReplyHeader => {
                    let Some(header) = self
                        .input
                        .get(..4)
                        .and_then(|h| <[u8; 4]>::try_from(h).ok())
                    else {
                        return Ok(ExtOrProgress::NeedMore);
                    };
                    let command = u16::from_be_bytes([header[0], header[1]]);
                    let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
                    self.input.drain(..4);
                    self.phase = Phase::ReplyBody {
                        command,
                        remaining: len,
                    };
                }
                Phase::ReplyBody { command, remaining } => {
                    // The body is skipped, never stored.
                    let skip = remaining.min(self.input.len());
                    self.input.drain(..skip);
                    let remaining = remaining.saturating_sub(skip);
                    if remaining > 0 {
                        self.phase = Phase::ReplyBody { command, remaining };
                        return Ok(ExtOrProgress::NeedMore);
                    }
                    return match command {
                        CMD_OKAY => {
                            self.phase = Phase::Done;
                            Ok(ExtOrProgress::Done)
                        }
                        CMD_DENY => Err(ExtOrError::Denied),
                        other => Err(ExtOrError::UnexpectedReply(other)),
                    };
                }
                Phase::Done => return Ok(ExtOrProgress::Done),
                Phase::Failed => return Err(ExtOrError::WrongState),
            }
        }
    }
}

/// Runs the client handshake on an already-connected stream (TCP or Unix
/// socket), under `timeout` ([`super::DEFAULT_HANDSHAKE_TIMEOUT`] is
/// goptlib's). The cookie file is read afresh each time, since tor may
/// rewrite it. Reads never go past the handshake, so on success the stream
/// is a plain OR connection.
pub async fn ext_or_handshake<S>(
    stream: &mut S,
    cookie_file: &Path,
    user_addr: Option<&str>,
    transport: Option<&str>,
    timeout: Duration,
) -> Result<(), ExtOrError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let work = async {
        let cookie = AuthCookie::read_file_async(cookie_file).await?;
        let client = ExtOrClient::with_random_nonce(cookie, user_addr, transport)?;
        drive(stream, client).await
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(ExtOrError::Timeout),
    }
}

/// Drives a prepared [`ExtOrClient`] over `stream` without a deadline
/// (wrap it in one). Useful when the cookie is already in memory.
pub async fn drive<S>(stream: &mut S, mut client: ExtOrClient) -> Result<(), ExtOrError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = [0u8; 512];
    loop {
        if client.is_done() {
            return Ok(());
        }
        let want = client.wanted().min(buf.len());
        if want == 0 {
            // Failed earlier; nothing sensible to drive.
            return Err(ExtOrError::WrongState);
        }
        let chunk = buf.get_mut(..want).unwrap_or_default();
        let n = stream.read(chunk).await?;
        if n == 0 {
            return Err(ExtOrError::ClosedEarly);
        }
        let progress = client.receive(buf.get(..n).unwrap_or_default());
        let output = client.take_output();
        if !output.is_empty() {
            stream.write_all(&output).await?;
            stream.flush().await?;
        }
        match progress {
            Ok(ExtOrProgress::Done) => return Ok(()),
            Ok(ExtOrProgress::NeedMore) => {}
            Err(e) => {
                tracing::debug!("ExtORPort handshake failed: {e}");
                return Err(e);
            }
        }
    }
}

/// Connects to tor as goptlib's `DialOr` does: to the ExtORPort with the
/// handshake when tor offers one, else to the plain ORPort. `timeout`
/// covers connecting and the handshake.
pub async fn dial_or(
    target: &OrTarget,
    user_addr: Option<&str>,
    transport: &str,
    timeout: Duration,
) -> Result<TcpStream, ExtOrError> {
    match target {
        OrTarget::Plain(addr) => {
            match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
                Ok(stream) => Ok(stream?),
                Err(_) => Err(ExtOrError::Timeout),
            }
        }
        OrTarget::Extended { addr, cookie_file } => {
            let work = async {
                let mut stream = TcpStream::connect(addr).await?;
                let cookie = AuthCookie::read_file_async(cookie_file).await?;
                let client = ExtOrClient::with_random_nonce(cookie, user_addr, Some(transport))?;
                drive(&mut stream, client).await?;
                Ok(stream)
            };
            match tokio::time::timeout(timeout, work).await {
                Ok(result) => result,
                Err(_) => Err(ExtOrError::Timeout),
            }
        }
    }
}
