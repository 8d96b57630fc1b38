//! Copying one client stream to and from its tor connection.
//!
//! Both directions run concurrently with backpressure (a direction reads
//! only after its last write completed). End of stream in one direction is
//! passed on as a half close (TCP `shutdown(Write)`, smux FIN), as upstream
//! does. Unlike upstream, the relay does not then wait indefinitely for the
//! other direction: after `linger` it closes both, so an ORPort connection
//! never outlives its client stream by minutes. An error in either
//! direction (the client's session ended, tor reset the connection) closes
//! both at once.
//!
//! An idle direction waits with a small buffer inside the task; a larger
//! buffer is allocated only while data keeps arriving, and freed when the
//! direction goes idle, so thousands of idle streams cost little memory.

use std::io;
use std::time::Duration;

use futures_util::FutureExt;
use prometheus::IntCounter;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Buffer an idle direction waits with.
const IDLE_BUFFER: usize = 2048;
/// Buffer a busy direction copies through.
const BUSY_BUFFER: usize = 32 * 1024;

/// How a relay ended.
#[derive(Debug)]
pub enum RelayEnd {
    /// Both directions reached end of stream.
    Done,
    /// One direction ended and the other did not finish within the linger
    /// time.
    Lingered,
    /// A direction failed; the other was abandoned.
    Failed(io::Error),
}

/// Copies `reader` to `writer` until end of stream, then shuts `writer`
/// down (half close). Counts the bytes in `counter`.
async fn pump<R, W>(mut reader: R, mut writer: W, counter: &IntCounter) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut busy: Vec<u8> = Vec::new();
    let mut idle = [0u8; IDLE_BUFFER];
    loop {
        let n = reader.read(&mut idle).await?;
        if n == 0 {
            break;
        }
        writer.write_all(idle.get(..n).unwrap_or_default()).await?;
        counter.inc_by(n as u64);
        if n < idle.len() {
            continue;
        }
        // A full small read: more is probably waiting. Drain what is ready
        // through the large buffer, then give it back.
        if busy.is_empty() {
            busy = vec![0; BUSY_BUFFER];
        }
        let mut eof = false;
        while let Some(result) = reader.read(&mut busy).now_or_never() {
            let n = result?;
            if n == 0 {
                eof = true;
                break;
            }
            writer.write_all(busy.get(..n).unwrap_or_default()).await?;
            counter.inc_by(n as u64);
        }
        busy = Vec::new();
        if eof {
            break;
        }
    }
    writer.shutdown().await
}

/// Relays between `client` (the smux stream) and `tor` until both
/// directions are done, either fails, or one is done and the other does
/// not finish within `linger`.
pub async fn relay<C, T>(
    client: C,
    tor: T,
    linger: Duration,
    to_tor: &IntCounter,
    to_client: &IntCounter,
) -> RelayEnd
where
    C: AsyncRead + AsyncWrite,
    T: AsyncRead + AsyncWrite,
{
    let (client_read, client_write) = tokio::io::split(client);
    let (tor_read, tor_write) = tokio::io::split(tor);
    let upstream = pump(client_read, tor_write, to_tor);
    let downstream = pump(tor_read, client_write, to_client);
    tokio::pin!(upstream, downstream);
    let rest = tokio::select! {
        result = &mut upstream => match result {
            Ok(()) => tokio::time::timeout(linger, downstream).await,
            Err(e) => return RelayEnd::Failed(e),
        },
        result = &mut downstream => match result {
            Ok(()) => tokio::time::timeout(linger, upstream).await,
            Err(e) => return RelayEnd::Failed(e),
        },
    };
    match rest {
        Ok(Ok(())) => RelayEnd::Done,
        Ok(Err(e)) => RelayEnd::Failed(e),
        Err(_) => RelayEnd::Lingered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter() -> IntCounter {
        IntCounter::new("test_bytes", "test").expect("valid metric")
    }

    #[tokio::test]
    async fn copies_both_ways_and_passes_half_close() {
        let (client, mut client_peer) = tokio::io::duplex(1024);
        let (tor, mut tor_peer) = tokio::io::duplex(1024);
        let (up, down) = (counter(), counter());
        let task = tokio::spawn({
            let (up, down) = (up.clone(), down.clone());
            async move { relay(client, tor, Duration::from_secs(60), &up, &down).await }
        });
        let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let writer = {
            let data = data.clone();
            tokio::spawn(async move {
                client_peer.write_all(&data).await.expect("write");
                client_peer.shutdown().await.expect("shutdown");
                let mut back = Vec::new();
                client_peer.read_to_end(&mut back).await.expect("read");
                back
            })
        };
        let mut got = Vec::new();
        tor_peer.read_to_end(&mut got).await.expect("read");
        assert_eq!(got, data, "client data reaches tor, then EOF");
        tor_peer.write_all(b"reply").await.expect("write");
        tor_peer.shutdown().await.expect("shutdown");
        assert_eq!(writer.await.expect("join"), b"reply");
        assert!(matches!(task.await.expect("join"), RelayEnd::Done));
        assert_eq!((up.get(), down.get()), (100_000, 5));
    }

    #[tokio::test(start_paused = true)]
    async fn half_closed_relay_ends_after_linger() {
        let (client, mut client_peer) = tokio::io::duplex(1024);
        let (tor, mut tor_peer) = tokio::io::duplex(1024);
        let (up, down) = (counter(), counter());
        let task = tokio::spawn(async move {
            relay(client, tor, Duration::from_secs(10), &up, &down).await
        });
        client_peer.shutdown().await.expect("shutdown");
        let mut buf = [0u8; 8];
        assert_eq!(tor_peer.read(&mut buf).await.expect("read"), 0, "FIN passed on");
        // tor never closes its side: the relay gives up after the linger
        // time and closes the tor connection.
        assert!(matches!(task.await.expect("join"), RelayEnd::Lingered));
        assert!(tor_peer.write_all(b"late").await.is_err(), "tor side closed");
    }

    #[tokio::test]
    async fn an_error_ends_both_directions_at_once() {
        let (client, client_peer) = tokio::io::duplex(1024);
        let (tor, mut tor_peer) = tokio::io::duplex(1024);
        let (up, down) = (counter(), counter());
        let task = tokio::spawn(async move {
            relay(client, tor, Duration::from_secs(3600), &up, &down).await
        });
        // The client side vanishes without a clean close while tor keeps
        // its side open: writes towards the client fail.
        drop(client_peer);
        tor_peer.write_all(b"data for a gone client").await.expect("write");
        let end = tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("no linger after an error")
            .expect("join");
        assert!(matches!(end, RelayEnd::Failed(_)), "{end:?}");
        let mut rest = Vec::new();
        tor_peer.read_to_end(&mut rest).await.expect("tor side sees the close");
    }
}
