//! The [`ClientId`] and the preamble that carries it (§1.1, §7.4): every
//! client-to-server proxy connection starts with the 8-byte [`TOKEN`] and
//! the client's 8-byte ClientId, before any encapsulated packet.

use std::fmt;
use std::io;
use std::str::FromStr;

use tokio::io::{AsyncRead, AsyncReadExt};

/// The magic token that starts every client-to-server proxy connection
/// (`common/turbotunnel/consts.go`).
pub const TOKEN: [u8; 8] = [0x12, 0x93, 0x60, 0x5d, 0x27, 0x81, 0x75, 0xf5];

/// The 8 random bytes that name one client session across all the proxy
/// connections that carry it. Shown as 16 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(pub [u8; 8]);

impl ClientId {
    /// A fresh random ClientId from the operating system's CSPRNG.
    pub fn random() -> Self {
        Self(rand::random())
    }

    /// The raw bytes, as sent after the token.
    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }

    /// The Turbo Tunnel instance this ClientId belongs to when the server
    /// runs `n` of them. Any stable choice interoperates; this is the one the
    /// Go server ends up computing (little-endian u64 modulo `n`), so both
    /// spread clients the same way. `n` of 0 is treated as 1.
    pub fn shard(&self, n: usize) -> usize {
        let n = n.max(1) as u64;
        (u64::from_le_bytes(self.0) % n) as usize
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientId({self})")
    }
}

/// Error parsing a [`ClientId`] from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a ClientId is 16 hex characters")]
pub struct ParseClientIdError;

impl FromStr for ClientId {
    type Err = ParseClientIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 8];
        hex::decode_to_slice(s, &mut out).map_err(|_| ParseClientIdError)?;
        Ok(Self(out))
    }
}

/// Errors reading the Turbo Tunnel preamble on the server side.
#[derive(Debug, thiserror::Error)]
pub enum PreambleError {
    /// The connection ended before any byte of the token; a proxy that
    /// connected for a client that never used it. Not worth a log line.
    #[error("connection closed before the Turbo Tunnel token")]
    Empty,
    /// The first 8 bytes are not the token: a pre-Turbo-Tunnel ("one-shot")
    /// client or garbage. Go closes these connections too.
    #[error("connection does not start with the Turbo Tunnel token")]
    BadToken,
    /// The stream ended inside the token or the ClientId.
    #[error("connection closed inside the Turbo Tunnel preamble")]
    Truncated,
    /// The transport failed.
    #[error("reading the Turbo Tunnel preamble: {0}")]
    Io(#[from] io::Error),
}

/// The 16 bytes a client writes at the start of each proxy connection.
pub fn preamble(client_id: ClientId) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&TOKEN);
    out[8..].copy_from_slice(&client_id.0);
    out
}

/// Reads the token and ClientId from the start of a connection, accepting
/// any read boundaries.
pub async fn read_preamble<R: AsyncRead + Unpin>(r: &mut R) -> Result<ClientId, PreambleError> {
    let mut buf = [0u8; 16];
    let mut filled = 0;
    while filled < buf.len() {
        let n = r.read(&mut buf[filled..]).await?;
        if n == 0 {
            return Err(if filled == 0 {
                PreambleError::Empty
            } else if buf[..filled.min(8)] != TOKEN[..filled.min(8)] {
                PreambleError::BadToken
            } else {
                PreambleError::Truncated
            });
        }
        filled += n;
        // Refuse a wrong token as soon as it is visible, without waiting
        // for a ClientId that will never make sense.
        if buf[..filled.min(8)] != TOKEN[..filled.min(8)] {
            return Err(PreambleError::BadToken);
        }
    }
    let mut id = [0u8; 8];
    id.copy_from_slice(&buf[8..]);
    Ok(ClientId(id))
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;

    #[test]
    fn token_and_preamble() {
        // §11.3
        let id = ClientId([1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(
            hex::encode(preamble(id)),
            "1293605d278175f50102030405060708"
        );
        assert_eq!(id.to_string(), "0102030405060708");
        assert_eq!("0102030405060708".parse::<ClientId>(), Ok(id));
        assert!("01020304050607".parse::<ClientId>().is_err());
        assert!("zz02030405060708".parse::<ClientId>().is_err());
        assert_eq!(u64::from_le_bytes(id.0), 578437695752307201);
        assert_eq!(id.shard(2), 1);
        assert_eq!(id.shard(3), 0);
        assert_eq!(id.shard(1), 0);
        assert_eq!(id.shard(0), 0);
    }

    #[test]
    fn random_ids_differ() {
        assert_ne!(ClientId::random(), ClientId::random());
    }

    #[tokio::test]
    async fn preamble_read_on_any_boundaries() {
        let id = ClientId([9, 8, 7, 6, 5, 4, 3, 2]);
        let bytes = preamble(id);
        for split in 0..=16 {
            let (mut a, mut b) = tokio::io::duplex(64);
            let (x, y) = bytes.split_at(split);
            a.write_all(x).await.expect("write");
            let reader = tokio::spawn(async move { read_preamble(&mut b).await });
            tokio::task::yield_now().await;
            a.write_all(y).await.expect("write");
            assert_eq!(reader.await.expect("join").expect("valid"), id);
        }
    }

    #[tokio::test]
    async fn preamble_errors() {
        let mut empty: &[u8] = &[];
        assert!(matches!(
            read_preamble(&mut empty).await,
            Err(PreambleError::Empty)
        ));
        let mut short: &[u8] = &TOKEN[..5];
        assert!(matches!(
            read_preamble(&mut short).await,
            Err(PreambleError::Truncated)
        ));
        let mut no_id: &[u8] = &TOKEN;
        assert!(matches!(
            read_preamble(&mut no_id).await,
            Err(PreambleError::Truncated)
        ));
        let mut wrong: &[u8] = b"GET / HTTP/1.1\r\n";
        assert!(matches!(
            read_preamble(&mut wrong).await,
            Err(PreambleError::BadToken)
        ));
        // A wrong first byte is refused without waiting for 16 bytes.
        let (mut a, mut b) = tokio::io::duplex(64);
        a.write_all(&[0x13]).await.expect("write");
        assert!(matches!(
            read_preamble(&mut b).await,
            Err(PreambleError::BadToken)
        ));
    }
}
