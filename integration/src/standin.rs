//! A stand-in for tor's Extended ORPort that checks the data it carries.
//!
//! The server connects to it as it would to tor (SAFE_COOKIE auth,
//! USERADDR, TRANSPORT). Then each connection speaks a tiny test protocol:
//! the client sends a [`TransferHeader`] (upload length, download length,
//! seed), then `upload` bytes of [`pattern`]`(seed)`; the stand-in reads
//! and hashes them while sending `download` bytes of
//! [`pattern`]`(!seed)`, and ends with the SHA-256 of what it received, so
//! the client can check both directions.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use snowflake_common::pt::extorport::AuthCookie;
use snowflake_testkit::fake_tor_extorport::serve_ext_or_handshake;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Bytes of a [`TransferHeader`] on the wire.
pub const HEADER_LEN: usize = 24;

/// What one test connection asks of the stand-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferHeader {
    /// Bytes the client will send.
    pub upload: u64,
    /// Bytes the stand-in is to send back.
    pub download: u64,
    /// Seed of the client's data; the stand-in's is `!seed`.
    pub seed: u64,
}

impl TransferHeader {
    /// Big-endian wire form.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..8].copy_from_slice(&self.upload.to_be_bytes());
        out[8..16].copy_from_slice(&self.download.to_be_bytes());
        out[16..].copy_from_slice(&self.seed.to_be_bytes());
        out
    }

    /// Parses the wire form.
    pub fn from_bytes(bytes: &[u8; HEADER_LEN]) -> Self {
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&bytes[i..i + 8]);
            u64::from_be_bytes(w)
        };
        Self {
            upload: word(0),
            download: word(8),
            seed: word(16),
        }
    }
}

/// A cheap deterministic byte stream (xorshift64*), so gigabytes can be
/// produced and checked without storing them.
#[derive(Debug, Clone)]
pub struct Pattern {
    state: u64,
    /// The current word and how many of its bytes are used, so that the
    /// stream is the same however it is split into `fill` calls.
    word: [u8; 8],
    used: usize,
}

/// The pattern for `seed`.
pub fn pattern(seed: u64) -> Pattern {
    Pattern {
        state: (seed ^ 0x9e37_79b9_7f4a_7c15) | 1,
        word: [0; 8],
        used: 8,
    }
}

impl Pattern {
    fn next_word(&mut self) -> [u8; 8] {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes()
    }

    /// Fills `buf` with the next bytes of the stream.
    pub fn fill(&mut self, mut buf: &mut [u8]) {
        // Finish a partly used word first.
        while self.used < 8 && !buf.is_empty() {
            buf[0] = self.word[self.used];
            self.used += 1;
            buf = &mut buf[1..];
        }
        let mut chunks = buf.chunks_exact_mut(8);
        for chunk in &mut chunks {
            let word = self.next_word();
            chunk.copy_from_slice(&word);
        }
        let rest = chunks.into_remainder();
        if !rest.is_empty() {
            self.word = self.next_word();
            let n = rest.len();
            rest.copy_from_slice(&self.word[..n]);
            self.used = n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_does_not_depend_on_how_it_is_split() {
        let mut whole = vec![0u8; 1000];
        pattern(7).fill(&mut whole);
        let mut pieces = vec![0u8; 1000];
        let mut p = pattern(7);
        let mut at = 0;
        for size in [1, 3, 8, 13, 64, 5, 906] {
            p.fill(&mut pieces[at..at + size]);
            at += size;
        }
        assert_eq!(whole, pieces);
        assert_ne!(whole[..8], whole[8..16]);
    }
}

/// SHA-256 of `len` bytes of `pattern(seed)`.
pub fn pattern_sha256(seed: u64, len: u64) -> [u8; 32] {
    let mut pattern = pattern(seed);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut left = len;
    while left > 0 {
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        pattern.fill(&mut buf[..n]);
        hasher.update(&buf[..n]);
        left -= n as u64;
    }
    hasher.finalize().into()
}

/// Counters of the stand-in.
#[derive(Debug, Default)]
pub struct StandInStats {
    /// Connections that completed the ExtORPort handshake.
    pub connections: AtomicU64,
    /// Connections whose upload hashed as expected.
    pub uploads_intact: AtomicU64,
    /// Connections whose upload did not match.
    pub uploads_corrupt: AtomicU64,
    /// Upload bytes received so far, all connections together (upload
    /// progress as the far end sees it).
    pub upload_bytes: AtomicU64,
}

/// The running stand-in.
pub struct StandInTor {
    addr: SocketAddr,
    cookie_file: PathBuf,
    stats: Arc<StandInStats>,
    task: JoinHandle<()>,
    dir: PathBuf,
}

impl std::fmt::Debug for StandInTor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StandInTor")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for StandInTor {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl StandInTor {
    /// Listens on 127.0.0.1 with a fresh auth cookie written to a private
    /// temporary directory.
    pub async fn start() -> std::io::Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "snowflake-standin-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir)?;
        let cookie = AuthCookie::random();
        let cookie_file = dir.join("extended_orport_auth_cookie");
        cookie.write_file(&cookie_file)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(StandInStats::default());
        let task = tokio::spawn(accept(listener, cookie, Arc::clone(&stats)));
        Ok(Self {
            addr,
            cookie_file,
            stats,
            task,
            dir,
        })
    }

    /// The ExtORPort address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The cookie file (`TOR_PT_AUTH_COOKIE_FILE`).
    pub fn cookie_file(&self) -> &std::path::Path {
        &self.cookie_file
    }

    /// Its counters.
    pub fn stats(&self) -> &StandInStats {
        &self.stats
    }
}

async fn accept(listener: TcpListener, cookie: AuthCookie, stats: Arc<StandInStats>) {
    while let Ok((stream, _)) = listener.accept().await {
        let _ = stream.set_nodelay(true);
        let cookie = cookie.clone();
        let stats = Arc::clone(&stats);
        tokio::spawn(async move {
            let mut stream = stream;
            if serve_ext_or_handshake(&mut stream, &cookie, |_| true, Duration::from_secs(10))
                .await
                .is_err()
            {
                return;
            }
            stats.connections.fetch_add(1, Ordering::Relaxed);
            let _ = serve_transfer_counted(stream, Some(&stats.upload_bytes), |intact| {
                let counter = if intact {
                    &stats.uploads_intact
                } else {
                    &stats.uploads_corrupt
                };
                counter.fetch_add(1, Ordering::Relaxed);
            })
            .await;
        });
    }
}

/// Serves one transfer; `Ok(true)` when the upload matched its pattern.
/// `checked` hears the verdict as soon as the upload is in, before the
/// digest is sent.
pub async fn serve_transfer<S>(stream: S, checked: impl FnOnce(bool)) -> std::io::Result<bool>
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    serve_transfer_counted(stream, None, checked).await
}

/// [`serve_transfer`], adding each upload byte received to `received`.
async fn serve_transfer_counted<S>(
    stream: S,
    received: Option<&AtomicU64>,
    checked: impl FnOnce(bool),
) -> std::io::Result<bool>
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut reader, mut writer) = tokio::io::split(stream);
    let mut head = [0u8; HEADER_LEN];
    reader.read_exact(&mut head).await?;
    let header = TransferHeader::from_bytes(&head);
    let sender = tokio::spawn(async move {
        let mut pattern = pattern(!header.seed);
        let mut buf = vec![0u8; 32 * 1024];
        let mut left = header.download;
        while left > 0 {
            let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            pattern.fill(&mut buf[..n]);
            writer.write_all(&buf[..n]).await?;
            left -= n as u64;
        }
        Ok::<_, std::io::Error>(writer)
    });
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut left = header.upload;
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = reader.read(&mut buf[..want]).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        hasher.update(&buf[..n]);
        if let Some(received) = received {
            received.fetch_add(n as u64, Ordering::Relaxed);
        }
        left -= n as u64;
    }
    let digest: [u8; 32] = hasher.finalize().into();
    let intact = digest == pattern_sha256(header.seed, header.upload);
    checked(intact);
    let mut writer = sender
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
    writer.write_all(&digest).await?;
    writer.flush().await?;
    // Wait for the client to close, so the digest is not cut off.
    let mut sink = [0u8; 64];
    let _ = tokio::time::timeout(Duration::from_secs(30), reader.read(&mut sink)).await;
    Ok(intact)
}
