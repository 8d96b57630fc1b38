//! KCP client driver ↔ server listener, in process: data integrity with and
//! without loss, the server's demultiplexing rules (§2.4), its limits, the
//! §11.5 capture through the driver, ACK timing and backpressure.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use snowflake_common::kcp::segment::{SegmentHeader, CMD_ACK, CMD_PUSH};
use snowflake_common::kcp::{
    connect, connect_with_conv, Accepted, KcpError, KcpListener, KcpStream, ListenerConfig,
    MSS, SEND_QUEUE_LIMIT,
};
use snowflake_common::smux::{Config, Session};
use snowflake_common::turbotunnel::{ChannelPacketConn, ClientId, PacketConn, QueuePacketConn};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;

/// Hang guard only.
const HANG_GUARD: Duration = Duration::from_secs(300);

fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut data = vec![0u8; len];
    rng.fill(&mut data[..]);
    data
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// A client packet connection wired to `queue` as client `id`, dropping
/// each packet with probability `loss` in each direction.
fn lossy_link(queue: &Arc<QueuePacketConn>, id: ClientId, loss: f64, seed: u64) -> ChannelPacketConn {
    let (client_end, relay_end) = ChannelPacketConn::pair(512);
    let relay_end = Arc::new(relay_end);
    let up_queue = Arc::clone(queue);
    let up = Arc::clone(&relay_end);
    tokio::spawn(async move {
        let mut rng = StdRng::seed_from_u64(seed);
        while let Ok(packet) = up.recv().await {
            if !rng.random_bool(loss) {
                up_queue.queue_incoming(id, packet);
            }
        }
    });
    let out = queue.outgoing(id).expect("client table has room");
    tokio::spawn(async move {
        let mut rng = StdRng::seed_from_u64(seed ^ 0xdead_beef);
        while let Some(packet) = out.recv().await {
            if !rng.random_bool(loss) && relay_end.send(packet).await.is_err() {
                break;
            }
        }
    });
    client_end
}

/// Accepts sessions forever, running an smux server that echoes every
/// stream.
fn spawn_echo_server(listener: Arc<KcpListener>) {
    tokio::spawn(async move {
        while let Ok(accepted) = listener.accept().await {
            tokio::spawn(async move {
                let session = Session::server(accepted.stream, Config::snowflake_server())
                    .expect("valid config");
                while let Ok(stream) = session.accept_stream().await {
                    tokio::spawn(async move {
                        let (mut r, mut w) = tokio::io::split(stream);
                        let _ = tokio::io::copy(&mut r, &mut w).await;
                        let _ = w.shutdown().await;
                    });
                }
            });
        }
    });
}

/// Sends `data` over one smux stream on `kcp` while reading the echo.
async fn echo_through(kcp: KcpStream, data: Vec<u8>) -> Vec<u8> {
    let session = Session::client(kcp, Config::snowflake_client()).expect("valid config");
    let stream = session.open_stream().await.expect("open stream");
    let (mut r, mut w) = tokio::io::split(stream);
    let len = data.len();
    let writer = tokio::spawn(async move {
        w.write_all(&data).await.expect("write");
        w
    });
    let mut echo = vec![0u8; len];
    r.read_exact(&mut echo).await.expect("read echo");
    let _w = writer.await.expect("writer");
    echo
}

async fn transfer(loss: f64, len: usize, seed: u64) {
    let queue = Arc::new(QueuePacketConn::new(512, 64));
    let listener = Arc::new(KcpListener::new(Arc::clone(&queue), ListenerConfig::default()));
    spawn_echo_server(Arc::clone(&listener));
    let id = ClientId::random();
    let kcp = connect(lossy_link(&queue, id, loss, seed));
    let data = pattern(len, seed);
    let expected = sha256(&data);
    let echo = timeout(HANG_GUARD, echo_through(kcp, data))
        .await
        .expect("transfer finished");
    assert_eq!(sha256(&echo), expected);
    eprintln!("queue stats {:?} listener {:?}", queue.stats(), listener.stats());
    assert_eq!(listener.session_count(), 1);
    assert_eq!(listener.stats().sessions_created, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_without_loss() {
    transfer(0.0, 4 << 20, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_with_five_percent_loss() {
    transfer(0.05, 1 << 20, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tmp_bench() {
    for (loss, mb) in [(0.0, 40usize), (0.02, 20)] {
        let t = std::time::Instant::now();
        transfer(loss, mb << 20, 9).await;
        eprintln!("loss {loss}: {mb} MB each way in {:?}", t.elapsed());
    }
}


