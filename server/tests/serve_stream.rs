//! The embedding hooks end to end, with no socket at all: a client's
//! WebSocket handed to `Server::serve_stream` as an in-memory stream, and
//! tor reached through a caller's `TorDialer` (`TorTarget::Custom`), with
//! and without the Extended ORPort handshake.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use snowflake_common::pt::extorport::AuthCookie;
use snowflake_common::turbotunnel::ClientId;
use snowflake_server::{DialFuture, Server, ServerConfig, TorDialer, TorStream, TorTarget};
use snowflake_testkit::fake_tor_extorport::{serve_ext_or_handshake, ExtOrClientInfo};
use snowflake_testkit::tunnel_client::{websocket_over, TunnelClient};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;

const TIMEOUT: Duration = Duration::from_secs(60);

/// Hands the tor end of each new connection to the test's fake tor.
struct PipeDialer {
    to_tor: mpsc::Sender<DuplexStream>,
    dials: AtomicUsize,
}

impl TorDialer for PipeDialer {
    fn name(&self) -> String {
        "test-pipe".to_owned()
    }

    fn dial(&self) -> DialFuture<'_> {
        Box::pin(async move {
            self.dials.fetch_add(1, Ordering::Relaxed);
            let (ours, theirs) = tokio::io::duplex(16 * 1024);
            self.to_tor.send(theirs).await.map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "fake tor gone")
            })?;
            let stream: TorStream = Box::new(ours);
            Ok(stream)
        })
    }
}

/// A fake tor on the dialer's connections: the Extended ORPort handshake
/// when `cookie` is given (its report goes to `reports`), then an echo.
fn fake_tor(
    cookie: Option<AuthCookie>,
) -> (
    Arc<PipeDialer>,
    mpsc::Receiver<ExtOrClientInfo>,
    tokio::task::JoinHandle<()>,
) {
    let (to_tor, mut connections) = mpsc::channel::<DuplexStream>(8);
    let (report_tx, reports) = mpsc::channel(8);
    let task = tokio::spawn(async move {
        while let Some(mut conn) = connections.recv().await {
            let cookie = cookie.clone();
            let report_tx = report_tx.clone();
            tokio::spawn(async move {
                if let Some(cookie) = cookie {
                    let served = serve_ext_or_handshake(&mut conn, &cookie, |_| true, TIMEOUT)
                        .await
                        .expect("Extended ORPort handshake");
                    let _ = report_tx.send(served.info).await;
                    if !served.early_data.is_empty() {
                        conn.write_all(&served.early_data).await.expect("echo");
                    }
                }
                echo(conn).await;
            });
        }
    });
    let dialer = Arc::new(PipeDialer {
        to_tor,
        dials: AtomicUsize::new(0),
    });
    (dialer, reports, task)
}

async fn echo<S: AsyncRead + AsyncWrite + Unpin>(conn: S) {
    let (mut reader, mut writer) = tokio::io::split(conn);
    let _ = tokio::io::copy(&mut reader, &mut writer).await;
    let _ = writer.shutdown().await;
}

/// A client session over an in-memory stream served by `server`.
async fn client_over_memory(server: &Server, client_ip: &str) -> TunnelClient {
    let (client_end, server_end) = tokio::io::duplex(16 * 1024);
    assert!(server.serve_stream(server_end), "connection accepted");
    let url = format!("ws://embedded.invalid/?client_ip={client_ip}");
    let ws = tokio::time::timeout(TIMEOUT, websocket_over(client_end, &url))
        .await
        .expect("upgrade in time")
        .expect("WebSocket upgrade");
    let client = TunnelClient::new(ClientId::random()).expect("client");
    client.paths().add_path(ws);
    client
}

/// Sends `data` on a new stream of `client` and returns what comes back
/// (an echo returns it all).
async fn round_trip(client: &TunnelClient, data: &[u8]) -> Vec<u8> {
    let stream = tokio::time::timeout(TIMEOUT, client.open_stream())
        .await
        .expect("stream in time")
        .expect("stream");
    let (mut read, mut write) = tokio::io::split(stream);
    let sent = data.to_vec();
    let writer = tokio::spawn(async move {
        write.write_all(&sent).await.expect("write");
        write
    });
    let mut back = vec![0u8; data.len()];
    tokio::time::timeout(TIMEOUT, read.read_exact(&mut back))
        .await
        .expect("echo in time")
        .expect("read");
    drop(writer.await.expect("join"));
    back
}

fn pattern(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 13) as u8)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_stream_reaches_a_custom_dialer_through_the_extended_orport() {
    let cookie = AuthCookie::random();
    let cookie_file = std::env::temp_dir().join(format!(
        "snowflake-serve-stream-{}-{:016x}.cookie",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::write(&cookie_file, cookie.file_contents()).expect("cookie file");
    let (dialer, mut reports, tor) = fake_tor(Some(cookie));
    let server = Server::new(ServerConfig::new(TorTarget::Custom {
        dialer: Arc::clone(&dialer) as Arc<dyn TorDialer>,
        cookie_file: Some(cookie_file.clone()),
    }))
    .expect("server");
    let instances = server.tor_instances();
    assert_eq!(instances.len(), 1);
    assert_eq!(instances[0].address, "custom:test-pipe");

    let client = client_over_memory(&server, "192.0.2.7").await;
    let up = pattern(3 * 1024 * 1024, 7);
    let back = round_trip(&client, &up).await;
    assert!(back == up, "the echo came back intact");

    let info = tokio::time::timeout(TIMEOUT, reports.recv())
        .await
        .expect("report in time")
        .expect("report");
    assert_eq!(info.user_addr.as_deref(), Some("192.0.2.7:1"));
    assert_eq!(info.transport.as_deref(), Some("snowflake"));
    assert_eq!(dialer.dials.load(Ordering::Relaxed), 1);
    let metrics = server.metrics();
    assert_eq!(metrics.connections_total.get(), 1);
    assert_eq!(metrics.connections_with_client_ip.get(), 1);
    assert_eq!(metrics.bytes_to_tor.get(), up.len() as u64);
    assert_eq!(metrics.bytes_to_client.get(), up.len() as u64);

    drop(client);
    server.shutdown().await;
    tor.abort();
    let _ = std::fs::remove_file(cookie_file);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_dialer_without_cookie_is_a_plain_orport_and_the_limit_holds() {
    let (dialer, _reports, tor) = fake_tor(None);
    let mut config = ServerConfig::new(TorTarget::Custom {
        dialer: Arc::clone(&dialer) as Arc<dyn TorDialer>,
        cookie_file: None,
    });
    config.limits.max_connections = 1;
    let server = Server::new(config).expect("server");

    let client = client_over_memory(&server, "192.0.2.8").await;
    // Two streams, each its own tor connection, each its own bytes.
    for seed in [1, 2] {
        let up = pattern(200_000, seed);
        assert!(round_trip(&client, &up).await == up, "stream {seed} intact");
    }
    assert_eq!(dialer.dials.load(Ordering::Relaxed), 2);

    // The one connection slot is taken: a second stream is refused and
    // counted, as a listener's connection would be.
    let (_other_end, refused) = tokio::io::duplex(1024);
    assert!(!server.serve_stream(refused), "connection limit applies");
    assert_eq!(server.metrics().connections_total.get(), 2);

    drop(client);
    server.shutdown().await;
    tor.abort();
}
