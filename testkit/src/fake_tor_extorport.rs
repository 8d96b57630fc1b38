//! A fake tor for the Extended ORPort: tor's side of the handshake, for
//! tests and fake-tor harnesses. It makes a real SAFE_COOKIE check, so a
//! transport that gets the exchange wrong is refused exactly as tor would
//! refuse it. The transport's side is
//! [`snowflake_common::pt::extorport::transport_side`].
//!
//! ```text
//! tor → PT   auth types, e.g. 01 00
//! PT  → tor  01, ClientNonce (32)
//! tor → PT   ServerHash (32), ServerNonce (32)
//! PT  → tor  ClientHash (32)
//! tor → PT   status: 01 ok / 00 bad hash (then close)
//! PT  → tor  commands … DONE
//! tor → PT   OKAY (10 00 00 00) or DENY (10 01 00 00)
//! ```
//!
//! Typical use: write a cookie with [`AuthCookie::write_file`], point
//! the transport's `TOR_PT_AUTH_COOKIE_FILE` at it, accept its connection
//! and call [`serve_ext_or_handshake`].

use std::time::Duration;

use snowflake_common::pt::extorport::{
    client_hash, encode_command, server_hash, AuthCookie, ExtOrError, AUTH_TYPE_SAFE_COOKIE,
    CMD_DENY, CMD_DONE, CMD_OKAY, CMD_TRANSPORT, CMD_USERADDR, MAX_EARLY_DATA, NONCE_LEN,
};
use subtle::ConstantTimeEq;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Most commands accepted before `DONE`.
pub const MAX_COMMANDS: usize = 64;

/// What the transport told tor about the connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtOrClientInfo {
    /// Body of the last `USERADDR` (lossily UTF-8), if sent.
    pub user_addr: Option<String>,
    /// Body of the last `TRANSPORT` (lossily UTF-8), if sent.
    pub transport: Option<String>,
    /// Commands other than USERADDR/TRANSPORT/DONE, ignored as tor does.
    pub unknown_commands: Vec<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading the chosen auth type.
    AuthType,
    /// Reading ClientNonce.
    ClientNonce,
    /// Reading ClientHash.
    ClientHash,
    /// Reading commands until DONE.
    Commands,
    /// DONE received; waiting for accept/deny.
    AwaitingDecision,
    /// OKAY or DENY queued.
    Replied,
    Failed,
}

/// Sans-IO tor side. Send [`ExtOrServer::take_output`] first (it starts
/// with the auth-type list) and after every [`ExtOrServer::receive`].
#[derive(Debug)]
pub struct ExtOrServer {
    phase: Phase,
    cookie: AuthCookie,
    server_nonce: [u8; NONCE_LEN],
    client_nonce: [u8; NONCE_LEN],
    info: ExtOrClientInfo,
    commands_seen: usize,
    input: Vec<u8>,
    output: Vec<u8>,
}

impl ExtOrServer {
    /// Offers SAFE_COOKIE only (`01 00`), like tor.
    pub fn new(cookie: AuthCookie, server_nonce: [u8; NONCE_LEN]) -> Self {
        Self::with_auth_types(cookie, server_nonce, &[AUTH_TYPE_SAFE_COOKIE])
    }

    /// Offers the given auth types (zeros are dropped; the `0x00`
    /// terminator is added), to test how a client reacts.
    pub fn with_auth_types(
        cookie: AuthCookie,
        server_nonce: [u8; NONCE_LEN],
        types: &[u8],
    ) -> Self {
        let mut output: Vec<u8> = types.iter().copied().filter(|&t| t != 0).collect();
        output.push(0);
        Self {
            phase: Phase::AuthType,
            cookie,
            server_nonce,
            client_nonce: [0; NONCE_LEN],
            info: ExtOrClientInfo::default(),
            commands_seen: 0,
            input: Vec::new(),
            output,
        }
    }

    /// Bytes to send to the transport now. Empties the queue.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// What the transport reported so far.
    pub fn info(&self) -> &ExtOrClientInfo {
        &self.info
    }

    /// Bytes received after `DONE` (the start of the OR connection, if the
    /// transport did not wait for OKAY).
    pub fn take_early_data(&mut self) -> Vec<u8> {
        if matches!(self.phase, Phase::AwaitingDecision | Phase::Replied) {
            std::mem::take(&mut self.input)
        } else {
            Vec::new()
        }
    }

    /// Feeds bytes from the transport. Returns the transport's report once
    /// `DONE` arrives; then call [`ExtOrServer::accept`] or
    /// [`ExtOrServer::deny`]. On error send the output (a bad ClientHash
    /// queues status `00`) and close.
    pub fn receive(&mut self, data: &[u8]) -> Result<Option<ExtOrClientInfo>, ExtOrError> {
        match self.phase {
            Phase::Failed => return Err(ExtOrError::WrongState),
            Phase::AwaitingDecision | Phase::Replied => {
                if self.input.len().saturating_add(data.len()) > MAX_EARLY_DATA {
                    self.phase = Phase::Failed;
                    return Err(ExtOrError::TooMuchEarlyData(MAX_EARLY_DATA));
                }
                self.input.extend_from_slice(data);
                return Ok(None);
            }
            _ => {}
        }
        self.input.extend_from_slice(data);
        let result = self.advance();
        if result.is_err() {
            self.phase = Phase::Failed;
            self.input.clear();
        } else if self.phase == Phase::AwaitingDecision && self.input.len() > MAX_EARLY_DATA {
            self.phase = Phase::Failed;
            return Err(ExtOrError::TooMuchEarlyData(MAX_EARLY_DATA));
        }
        result
    }

    fn advance(&mut self) -> Result<Option<ExtOrClientInfo>, ExtOrError> {
        loop {
            match self.phase {
                Phase::AuthType => {
                    let Some(&chosen) = self.input.first() else {
                        return Ok(None);
                    };
                    self.input.drain(..1);
                    if chosen != AUTH_TYPE_SAFE_COOKIE {
                        return Err(ExtOrError::UnsupportedAuthType(chosen));
                    }
                    self.phase = Phase::ClientNonce;
                }
                Phase::ClientNonce => {
                    let Some(nonce) = self
                        .input
                        .get(..NONCE_LEN)
                        .and_then(|n| <[u8; NONCE_LEN]>::try_from(n).ok())
                    else {
                        return Ok(None);
                    };
                    self.input.drain(..NONCE_LEN);
                    self.client_nonce = nonce;
                    self.output.extend_from_slice(&server_hash(
                        &self.cookie,
                        &self.client_nonce,
                        &self.server_nonce,
                    ));
                    self.output.extend_from_slice(&self.server_nonce);
                    self.phase = Phase::ClientHash;
                }
                Phase::ClientHash => {
                    let Some(theirs) = self.input.get(..NONCE_LEN) else {
                        return Ok(None);
                    };
                    let expected =
                        client_hash(&self.cookie, &self.client_nonce, &self.server_nonce);
                    let good = bool::from(expected.ct_eq(theirs));
                    self.input.drain(..NONCE_LEN);
                    if !good {
                        self.output.push(0);
                        return Err(ExtOrError::ClientHashMismatch);
                    }
                    self.output.push(1);
                    self.phase = Phase::Commands;
                }
                Phase::Commands => {
                    let Some(header) = self
                        .input
                        .get(..4)
                        .and_then(|h| <[u8; 4]>::try_from(h).ok())
                    else {
                        return Ok(None);
                    };
                    let command = u16::from_be_bytes([header[0], header[1]]);
                    let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
                    let Some(body) = self.input.get(4..4 + len) else {
                        return Ok(None);
                    };
                    let body = String::from_utf8_lossy(body).into_owned();
                    self.input.drain(..4 + len);
                    self.commands_seen += 1;
                    if self.commands_seen > MAX_COMMANDS {
                        return Err(ExtOrError::TooManyCommands(MAX_COMMANDS));
                    }
                    match command {
                        CMD_DONE => {
                            self.phase = Phase::AwaitingDecision;
                            return Ok(Some(self.info.clone()));
                        }
                        CMD_USERADDR => self.info.user_addr = Some(body),
                        CMD_TRANSPORT => self.info.transport = Some(body),
                        other => self.info.unknown_commands.push(other),
                    }
                }
                Phase::AwaitingDecision | Phase::Replied => return Ok(None),
                Phase::Failed => return Err(ExtOrError::WrongState),
            }
        }
    }

    /// Queues `OKAY`: the connection becomes an OR connection.
    pub fn accept(&mut self) -> Result<(), ExtOrError> {
        self.reply(CMD_OKAY)
    }

    /// Queues `DENY`; close after sending it.
    pub fn deny(&mut self) -> Result<(), ExtOrError> {
        self.reply(CMD_DENY)
    }

    fn reply(&mut self, command: u16) -> Result<(), ExtOrError> {
        if self.phase != Phase::AwaitingDecision {
            return Err(ExtOrError::WrongState);
        }
        self.output.extend(encode_command(command, &[])?);
        self.phase = Phase::Replied;
        Ok(())
    }
}

/// Result of [`serve_ext_or_handshake`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtOrServed {
    /// What the transport reported.
    pub info: ExtOrClientInfo,
    /// Whether OKAY (true) or DENY (false) was sent.
    pub accepted: bool,
    /// Bytes that arrived after `DONE` in the same reads.
    pub early_data: Vec<u8>,
}

/// Plays tor on `stream` under `timeout` with a random ServerNonce: checks
/// the SAFE_COOKIE exchange against `cookie`, then sends OKAY if `decide`
/// returns true for the transport's report, else DENY. A wrong ClientHash is
/// answered with status `00` and returned as
/// [`ExtOrError::ClientHashMismatch`].
pub async fn serve_ext_or_handshake<S, F>(
    stream: &mut S,
    cookie: &AuthCookie,
    decide: F,
    timeout: Duration,
) -> Result<ExtOrServed, ExtOrError>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnOnce(&ExtOrClientInfo) -> bool,
{
    let server = ExtOrServer::new(cookie.clone(), rand::random());
    match tokio::time::timeout(timeout, serve(stream, server, decide)).await {
        Ok(result) => result,
        Err(_) => Err(ExtOrError::Timeout),
    }
}

async fn send<S: AsyncWrite + Unpin>(stream: &mut S, bytes: &[u8]) -> std::io::Result<()> {
    if !bytes.is_empty() {
        stream.write_all(bytes).await?;
        stream.flush().await?;
    }
    Ok(())
}

async fn serve<S, F>(
    stream: &mut S,
    mut server: ExtOrServer,
    decide: F,
) -> Result<ExtOrServed, ExtOrError>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnOnce(&ExtOrClientInfo) -> bool,
{
    send(stream, &server.take_output()).await?;
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(ExtOrError::ClosedEarly);
        }
        let result = server.receive(buf.get(..n).unwrap_or_default());
        let sent = send(stream, &server.take_output()).await;
        match result {
            Err(e) => return Err(e),
            Ok(None) => sent?,
            Ok(Some(info)) => {
                sent?;
                let accepted = decide(&info);
                if accepted {
                    server.accept()?;
                } else {
                    server.deny()?;
                }
                send(stream, &server.take_output()).await?;
                return Ok(ExtOrServed {
                    info,
                    accepted,
                    early_data: server.take_early_data(),
                });
            }
        }
    }
}
