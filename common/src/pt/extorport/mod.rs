//! The Extended ORPort protocol between a server transport and tor
//! (docs/protocol.md §7.7; torspec `ext-orport-spec.txt`, proposals 196
//! and 217).
//!
//! The transport connects to tor's ExtORPort, proves with SAFE_COOKIE
//! authentication that it can read tor's cookie file, then tells tor the
//! client's address (`USERADDR`) and the transport name (`TRANSPORT`) before
//! the connection becomes a plain OR connection.
//!
//! * [`transport_side`] — what the transport does (goptlib's `DialOr`): the
//!   sans-IO [`transport_side::ExtOrClient`] and the async
//!   [`transport_side::ext_or_handshake`] / [`transport_side::dial_or`].
//! * This module: message constants, [`encode_command`], the
//!   [`AuthCookie`] file format and the two HMACs, which both sides use.
//!
//! tor's side, for tests and fake-tor harnesses, lives in the test support
//! crate (`snowflake_testkit::fake_tor_extorport`).

pub mod transport_side;

use std::path::{Path, PathBuf};
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Auth type SAFE_COOKIE, the only one defined.
pub const AUTH_TYPE_SAFE_COOKIE: u8 = 0x01;
/// Command `DONE` (PT → tor): no more commands.
pub const CMD_DONE: u16 = 0x0000;
/// Command `USERADDR` (PT → tor): body is the client's `addr:port`.
pub const CMD_USERADDR: u16 = 0x0001;
/// Command `TRANSPORT` (PT → tor): body is the transport name.
pub const CMD_TRANSPORT: u16 = 0x0002;
/// Reply `OKAY` (tor → PT).
pub const CMD_OKAY: u16 = 0x1000;
/// Reply `DENY` (tor → PT).
pub const CMD_DENY: u16 = 0x1001;
/// Reply `CONTROL` (tor → PT); defined by the spec, unused by tor.
pub const CMD_CONTROL: u16 = 0x1002;

/// The 32-byte header of tor's cookie file.
pub const COOKIE_FILE_HEADER: &[u8; 32] = b"! Extended ORPort Auth Cookie !\n";
/// Size of the whole cookie file: header plus 32-byte cookie.
pub const COOKIE_FILE_LEN: usize = 64;
/// Length of the cookie, the nonces and the hashes.
pub const NONCE_LEN: usize = 32;

/// HMAC context string for the hash tor sends.
const SERVER_HASH_CONTEXT: &[u8] = b"ExtORPort authentication server-to-client hash";
/// HMAC context string for the hash the transport sends.
const CLIENT_HASH_CONTEXT: &[u8] = b"ExtORPort authentication client-to-server hash";

/// goptlib's deadline for the whole handshake.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Most auth-type bytes read before giving up on the `0x00` terminator.
pub const MAX_AUTH_TYPES: usize = 256;

/// Encodes one command: `cmd:u16 BE | len:u16 BE | body`.
pub fn encode_command(command: u16, body: &[u8]) -> Result<Vec<u8>, ExtOrError> {
    let len = u16::try_from(body.len()).map_err(|_| ExtOrError::BodyTooLong(body.len()))?;
    let mut out = Vec::with_capacity(4 + body.len());
    out.extend_from_slice(&command.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    Ok(out)
}

/// The `USERADDR` body snowflake sends for a client IP: `ip:1`, IPv6 in
/// brackets (the proxy reports only the IP, §7.2).
pub fn useraddr_for_ip(ip: std::net::IpAddr) -> String {
    std::net::SocketAddr::new(ip, 1).to_string()
}

/// The 32-byte secret tor writes to `TOR_PT_AUTH_COOKIE_FILE`.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthCookie([u8; NONCE_LEN]);

impl std::fmt::Debug for AuthCookie {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthCookie(..)")
    }
}

impl AuthCookie {
    /// Wraps known cookie bytes.
    pub fn new(bytes: [u8; NONCE_LEN]) -> Self {
        Self(bytes)
    }

    /// A fresh random cookie (for fake-tor harnesses).
    pub fn random() -> Self {
        Self(rand::random())
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8; NONCE_LEN] {
        &self.0
    }

    /// Parses a cookie file's contents: exactly 64 bytes, starting with
    /// [`COOKIE_FILE_HEADER`].
    pub fn from_file_contents(contents: &[u8], path: &Path) -> Result<Self, CookieError> {
        if contents.len() != COOKIE_FILE_LEN {
            return Err(CookieError::WrongSize {
                path: path.to_owned(),
                size: contents.len(),
            });
        }
        let (header, cookie) = contents.split_at(COOKIE_FILE_HEADER.len());
        if header != COOKIE_FILE_HEADER {
            return Err(CookieError::BadHeader {
                path: path.to_owned(),
            });
        }
        let cookie = <[u8; NONCE_LEN]>::try_from(cookie).map_err(|_| CookieError::WrongSize {
            path: path.to_owned(),
            size: contents.len(),
        })?;
        Ok(Self(cookie))
    }

    /// The 64-byte file contents for this cookie.
    pub fn file_contents(&self) -> [u8; COOKIE_FILE_LEN] {
        let mut out = [0u8; COOKIE_FILE_LEN];
        let (header, cookie) = out.split_at_mut(COOKIE_FILE_HEADER.len());
        header.copy_from_slice(COOKIE_FILE_HEADER);
        cookie.copy_from_slice(&self.0);
        out
    }

    /// Reads and checks a cookie file (blocking). Reads at most one byte
    /// more than the expected size, so a wrong path cannot make it load a
    /// huge file.
    pub fn read_file(path: &Path) -> Result<Self, CookieError> {
        use std::io::Read;
        let io_err = |source| CookieError::Io {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io_err)?;
        let mut contents = Vec::with_capacity(COOKIE_FILE_LEN + 1);
        file.take(COOKIE_FILE_LEN as u64 + 1)
            .read_to_end(&mut contents)
            .map_err(io_err)?;
        Self::from_file_contents(&contents, path)
    }

    /// As [`AuthCookie::read_file`], without blocking the runtime.
    pub async fn read_file_async(path: &Path) -> Result<Self, CookieError> {
        use tokio::io::AsyncReadExt;
        let io_err = |source| CookieError::Io {
            path: path.to_owned(),
            source,
        };
        let file = tokio::fs::File::open(path).await.map_err(io_err)?;
        let mut contents = Vec::with_capacity(COOKIE_FILE_LEN + 1);
        file.take(COOKIE_FILE_LEN as u64 + 1)
            .read_to_end(&mut contents)
            .await
            .map_err(io_err)?;
        Self::from_file_contents(&contents, path)
    }

    /// Writes the cookie file as tor does (owner-only permissions on Unix),
    /// for fake-tor harnesses.
    pub fn write_file(&self, path: &Path) -> std::io::Result<()> {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path)?;
        file.write_all(&self.file_contents())?;
        file.flush()
    }
}

fn hmac_sha256(
    cookie: &AuthCookie,
    context: &[u8],
    client_nonce: &[u8; NONCE_LEN],
    server_nonce: &[u8; NONCE_LEN],
) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(cookie.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes any key length"),
    };
    mac.update(context);
    mac.update(client_nonce);
    mac.update(server_nonce);
    mac.finalize().into_bytes().into()
}

/// `HMAC-SHA256(cookie, "ExtORPort authentication server-to-client hash" ‖
/// ClientNonce ‖ ServerNonce)`: what tor sends to prove it knows the cookie.
pub fn server_hash(
    cookie: &AuthCookie,
    client_nonce: &[u8; NONCE_LEN],
    server_nonce: &[u8; NONCE_LEN],
) -> [u8; 32] {
    hmac_sha256(cookie, SERVER_HASH_CONTEXT, client_nonce, server_nonce)
}

/// `HMAC-SHA256(cookie, "ExtORPort authentication client-to-server hash" ‖
/// ClientNonce ‖ ServerNonce)`: what the transport sends back.
pub fn client_hash(
    cookie: &AuthCookie,
    client_nonce: &[u8; NONCE_LEN],
    server_nonce: &[u8; NONCE_LEN],
) -> [u8; 32] {
    hmac_sha256(cookie, CLIENT_HASH_CONTEXT, client_nonce, server_nonce)
}

/// A problem with the cookie file; each message names the file.
#[derive(Debug, thiserror::Error)]
pub enum CookieError {
    /// The file could not be opened or read.
    #[error("cannot read ExtORPort auth cookie file {path:?}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not exactly 64 bytes (`size` is capped at 65).
    #[error(
        "ExtORPort auth cookie file {path:?} has {size} bytes, expected exactly 64 \
         (32-byte header + 32-byte cookie); is TOR_PT_AUTH_COOKIE_FILE right?"
    )]
    WrongSize {
        /// The file.
        path: PathBuf,
        /// Bytes read.
        size: usize,
    },
    /// The file does not start with `! Extended ORPort Auth Cookie !\n`.
    #[error(
        "ExtORPort auth cookie file {path:?} lacks the \"! Extended ORPort Auth Cookie !\" header"
    )]
    BadHeader {
        /// The file.
        path: PathBuf,
    },
}

/// Why an Extended ORPort handshake failed (either side).
#[derive(Debug, thiserror::Error)]
pub enum ExtOrError {
    /// The cookie file is unusable.
    #[error(transparent)]
    Cookie(#[from] CookieError),
    /// tor sent 256 auth types without the `0x00` terminator.
    #[error("ExtORPort sent {MAX_AUTH_TYPES} auth types without the 0x00 terminator")]
    TooManyAuthTypes,
    /// tor does not offer SAFE_COOKIE.
    #[error("ExtORPort does not offer auth type 1 (SAFE_COOKIE); offered {offered:02x?}")]
    SafeCookieNotOffered {
        /// The auth types tor listed.
        offered: Vec<u8>,
    },
    /// tor's ServerHash does not match our cookie: it is not the tor that
    /// wrote the cookie file, or the file is stale.
    #[error("ExtORPort server hash mismatch: the peer does not know our auth cookie (stale or wrong TOR_PT_AUTH_COOKIE_FILE?)")]
    ServerHashMismatch,
    /// tor answered our ClientHash with a status other than 1.
    #[error("ExtORPort rejected our authentication (status {0:#04x})")]
    AuthRejected(u8),
    /// tor answered `DENY` to our commands.
    #[error("ExtORPort answered DENY after USERADDR/TRANSPORT/DONE")]
    Denied,
    /// tor answered with a command that is neither OKAY nor DENY.
    #[error("ExtORPort answered unknown command {0:#06x} after DONE")]
    UnexpectedReply(u16),
    /// A command body over 65535 bytes.
    #[error("ExtORPort command body of {0} bytes exceeds 65535")]
    BodyTooLong(usize),
    /// (tor side) The transport chose an auth type other than SAFE_COOKIE.
    #[error("ExtORPort client chose unsupported auth type {0:#04x}")]
    UnsupportedAuthType(u8),
    /// (tor side) The transport's ClientHash is wrong.
    #[error("ExtORPort client hash mismatch: the client does not know the auth cookie")]
    ClientHashMismatch,
    /// (tor side) The transport sent too many commands before DONE.
    #[error("ExtORPort client sent more than {0} commands before DONE")]
    TooManyCommands(usize),
    /// More than the allowed bytes arrived after the handshake ended.
    #[error("peer sent more than {0} bytes after the ExtORPort handshake")]
    TooMuchEarlyData(usize),
    /// A method was called in the wrong state (e.g. after a failure).
    #[error("ExtORPort handshake is not in a state for this call")]
    WrongState,
    /// The peer closed the stream mid-handshake.
    #[error("connection closed during the ExtORPort handshake")]
    ClosedEarly,
    /// The handshake did not finish before the deadline.
    #[error("ExtORPort handshake timed out")]
    Timeout,
    /// Reading, writing or connecting failed.
    #[error("I/O error during the ExtORPort handshake: {0}")]
    Io(#[from] std::io::Error),
}

/// Most bytes kept after a finished handshake, in case the peer sends data
/// before it was answered (tor does not).
pub const MAX_EARLY_DATA: usize = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_file_round_trip_and_errors() {
        let path = Path::new("/cookie");
        let cookie = AuthCookie::new([7; 32]);
        let contents = cookie.file_contents();
        assert_eq!(
            hex::encode(&contents[..32]),
            "2120457874656e646564204f52506f7274204175746820436f6f6b696520210a"
        );
        assert_eq!(
            AuthCookie::from_file_contents(&contents, path).unwrap(),
            cookie
        );
        assert!(matches!(
            AuthCookie::from_file_contents(&contents[..63], path),
            Err(CookieError::WrongSize { size: 63, .. })
        ));
        let mut long = contents.to_vec();
        long.push(0);
        assert!(matches!(
            AuthCookie::from_file_contents(&long, path),
            Err(CookieError::WrongSize { size: 65, .. })
        ));
        let mut bad = contents;
        bad[0] = b'?';
        assert!(matches!(
            AuthCookie::from_file_contents(&bad, path),
            Err(CookieError::BadHeader { .. })
        ));
    }

    #[test]
    fn body_too_long() {
        assert!(encode_command(CMD_USERADDR, &[0; 65535]).is_ok());
        assert!(matches!(
            encode_command(CMD_USERADDR, &[0; 65536]),
            Err(ExtOrError::BodyTooLong(65536))
        ));
    }

    #[test]
    fn useraddr_forms() {
        assert_eq!(useraddr_for_ip("1.2.3.4".parse().unwrap()), "1.2.3.4:1");
        assert_eq!(
            useraddr_for_ip("2001:db8::1".parse().unwrap()),
            "[2001:db8::1]:1"
        );
    }
}
