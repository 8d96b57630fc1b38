//! The client side of the stand-in's test protocol ([`crate::standin`]):
//! send a header and `upload` bytes, receive `download` bytes and the
//! stand-in's digest, check both, and keep a timeline of progress so stalls
//! can be measured afterwards.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::standin::{pattern, pattern_sha256, TransferHeader};

/// Timeline points are recorded at most this often.
const SAMPLE_EVERY: Duration = Duration::from_millis(5);

/// Live progress of a transfer, readable while it runs.
#[derive(Debug)]
pub struct Progress {
    start: Instant,
    /// Bytes sent so far.
    pub sent: AtomicU64,
    /// Bytes received so far.
    pub received: AtomicU64,
    timeline: Mutex<Vec<(Duration, u64)>>,
}

impl Progress {
    /// A transfer starting now.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            sent: AtomicU64::new(0),
            received: AtomicU64::new(0),
            timeline: Mutex::new(Vec::new()),
        })
    }

    /// When the transfer started.
    pub fn start(&self) -> Instant {
        self.start
    }

    fn note_received(&self, n: usize) {
        let total = self.received.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        let at = self.start.elapsed();
        let mut timeline = self.timeline.lock().unwrap_or_else(PoisonError::into_inner);
        match timeline.last_mut() {
            Some(last) if at.saturating_sub(last.0) < SAMPLE_EVERY => last.1 = total,
            _ => timeline.push((at, total)),
        }
    }

    /// (time since start, bytes received) points.
    pub fn timeline(&self) -> Vec<(Duration, u64)> {
        self.timeline
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Time to the first received byte.
    pub fn first_byte(&self) -> Option<Duration> {
        self.timeline().first().map(|p| p.0)
    }

    /// The longest time without received data in `[from, to)` (offsets
    /// from the start): the stall a proxy kill at `from` caused.
    pub fn longest_gap(&self, from: Duration, to: Duration) -> Duration {
        let timeline = self.timeline();
        let mut previous = from;
        let mut longest = Duration::ZERO;
        for &(at, _) in timeline.iter().filter(|p| p.0 >= from && p.0 < to) {
            longest = longest.max(at.saturating_sub(previous));
            previous = at;
        }
        if let Some(&(last, _)) = timeline.last() {
            if last < to && last >= previous {
                longest = longest.max(to.min(last).saturating_sub(previous));
            }
        }
        longest
    }
}

/// What a finished transfer found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferReport {
    /// Bytes uploaded.
    pub uploaded: u64,
    /// Bytes downloaded.
    pub downloaded: u64,
    /// Whether the download matched its pattern (SHA-256).
    pub download_intact: bool,
    /// Whether the stand-in's digest of the upload matched ours.
    pub upload_intact: bool,
    /// SHA-256 of the download, hex.
    pub download_sha256: String,
    /// The stand-in's SHA-256 of the upload (what it received), hex.
    pub upload_sha256: String,
    /// Start to the last byte.
    pub elapsed: Duration,
}

/// Why a transfer failed.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The stream failed.
    #[error("transfer I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The connection ended early.
    #[error("connection ended after {received} of {expected} bytes")]
    Short {
        /// Bytes received.
        received: u64,
        /// Bytes expected.
        expected: u64,
    },
}

/// Runs one transfer over `stream` (a SOCKS connection through the
/// client), recording progress in `progress`.
pub async fn run_transfer<S>(
    stream: S,
    header: TransferHeader,
    progress: Arc<Progress>,
) -> Result<TransferReport, TransferError>
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut reader, mut writer) = tokio::io::split(stream);
    let up_progress = Arc::clone(&progress);
    let sender = tokio::spawn(async move {
        writer.write_all(&header.to_bytes()).await?;
        let mut pattern = pattern(header.seed);
        let mut buf = vec![0u8; 32 * 1024];
        let mut left = header.upload;
        while left > 0 {
            let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            pattern.fill(&mut buf[..n]);
            writer.write_all(&buf[..n]).await?;
            up_progress.sent.fetch_add(n as u64, Ordering::Relaxed);
            left -= n as u64;
        }
        writer.flush().await?;
        Ok::<_, std::io::Error>(writer)
    });
    let mut expected = pattern(!header.seed);
    let mut expected_buf = vec![0u8; 64 * 1024];
    let mut buf = vec![0u8; 64 * 1024];
    let mut hasher = Sha256::new();
    let mut matches = true;
    let mut left = header.download;
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = reader.read(&mut buf[..want]).await?;
        if n == 0 {
            return Err(TransferError::Short {
                received: header.download - left,
                expected: header.download,
            });
        }
        expected.fill(&mut expected_buf[..n]);
        matches &= buf[..n] == expected_buf[..n];
        hasher.update(&buf[..n]);
        progress.note_received(n);
        left -= n as u64;
    }
    let mut digest = [0u8; 32];
    reader.read_exact(&mut digest).await?;
    let elapsed = progress.start().elapsed();
    let writer = sender
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
    drop(writer);
    Ok(TransferReport {
        uploaded: header.upload,
        downloaded: header.download,
        download_intact: matches,
        upload_intact: digest == pattern_sha256(header.seed, header.upload),
        download_sha256: hex::encode(hasher.finalize()),
        upload_sha256: hex::encode(digest),
        elapsed,
    })
}

/// Opens a SOCKS5 connection through the client at `socks` (no auth, or
/// username/password carrying PT arguments when `args` is non-empty) to
/// the bridge's placeholder address, as tor does.
pub async fn socks_connect(
    socks: std::net::SocketAddr,
    args: &str,
) -> std::io::Result<tokio::net::TcpStream> {
    let placeholder = std::net::SocketAddrV4::new(std::net::Ipv4Addr::new(192, 0, 2, 3), 80);
    snowflake_testkit::socks_client::connect_via_socks5(socks, args, placeholder).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_gap_finds_the_stall() {
        let progress = Progress::new();
        {
            let mut t = progress.timeline.lock().unwrap();
            for ms in [10u64, 20, 30, 1030, 1040] {
                t.push((Duration::from_millis(ms), ms));
            }
        }
        assert_eq!(
            progress.longest_gap(Duration::from_millis(25), Duration::from_millis(2000)),
            Duration::from_millis(1000)
        );
        assert_eq!(
            progress.longest_gap(Duration::from_millis(0), Duration::from_millis(25)),
            Duration::from_millis(10)
        );
    }
}
