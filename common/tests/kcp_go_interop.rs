//! Interop with the reference implementation: Debian's kcp-go 5.6.1
//! (`golang-github-xtaci-kcp-dev`) and smux 1.5.16
//! (`golang-github-xtaci-smux-dev`) driven by interop/go-peer (mode kcp),
//! speaking Turbo Tunnel over TCP on 127.0.0.1 with Snowflake's settings.
//!
//! Each test moves 20 MB each way through one smux stream (the peer echoes)
//! and compares SHA-256 digests; two of them put a relay in between that
//! drops 2% of the packets in each direction.
//!
//! Needs `go` (Debian golang-go) and the two Debian packages; the tests
//! fail (they do not skip) when those are missing. They pass in debug
//! builds; `cargo test --release -p snowflake-common --test kcp_go_interop`
//! runs them several times faster.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use snowflake_common::encapsulation::{encode_data, Decoder};
use snowflake_common::kcp::{connect, KcpListener, ListenerConfig};
use snowflake_common::smux::{Config, Session};
use snowflake_common::turbotunnel::{
    encapsulated_packet_conn, read_preamble, ClientId, PacketConn, QueuePacketConn, QUEUE_SIZE,
};
use snowflake_testkit::go_build;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::time::timeout;

/// Hang guard only; debug builds on a shared machine can be slow.
const HANG_GUARD: Duration = Duration::from_secs(900);
const TRANSFER: usize = 20_000_000;
const LOSS: f64 = 0.02;

/// The generator of `kcpPattern` in interop/go-peer/kcp.go (xorshift64*).
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed ^ 0x2545_f491_4f6c_dd1d;
    if state == 0 {
        state = 1;
    }
    (0..len)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The Go peer, built once per test run.
fn go_program() -> &'static Path {
    go_build::go_peer(Path::new(env!("CARGO_TARGET_TMPDIR")))
}

/// The Go server (kcp.ServeConn + smux echo), killed when dropped.
struct GoServer {
    _child: Child,
    addr: SocketAddr,
}

async fn go_server() -> GoServer {
    let mut child = Command::new(go_program())
        .args(["kcp", "server"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start go-peer kcp server");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .expect("read PORT line");
    let port: u16 = line
        .strip_prefix("PORT ")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line from go-peer: {line:?}"));
    GoServer {
        _child: child,
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
    }
}

/// Runs the Go client against `addr`; asserts it verified the echo and
/// reports the digest we expect.
async fn go_client(addr: SocketAddr, len: usize, seed: u64) {
    let output = Command::new(go_program())
        .args(["kcp", "client"])
        .arg(addr.to_string())
        .arg(len.to_string())
        .arg(seed.to_string())
        .kill_on_drop(true)
        .output()
        .await
        .expect("run go-peer kcp client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "go-peer kcp client failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let expected = format!("OK {}", sha256_hex(&pattern(len, seed)));
    assert_eq!(stdout.trim(), expected);
}

/// Our client stack over TCP: Turbo Tunnel preamble + encapsulation, our
/// KCP with a random conv, our smux client; one stream carrying `data`
/// while the echo is read concurrently. Returns the echo.
async fn rust_client(addr: SocketAddr, data: Vec<u8>) -> Vec<u8> {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    tcp.set_nodelay(true).expect("nodelay");
    let packets = encapsulated_packet_conn(tcp, Some(ClientId::random()));
    let session = Session::client(connect(packets), Config::snowflake_client()).expect("config");
    let stream = session.open_stream().await.expect("open stream");
    let (mut r, mut w) = tokio::io::split(stream);
    let len = data.len();
    let writer = tokio::spawn(async move {
        w.write_all(&data).await.expect("write");
        w
    });
    let mut echo = vec![0u8; len];
    r.read_exact(&mut echo).await.expect("read echo");
    let _w = writer.await.expect("writer task");
    echo
}

/// Our server stack on a TCP port: preamble, encapsulation, one
/// QueuePacketConn fed by every connection, our KCP listener, our smux
/// server echoing every stream.
struct RustServer {
    addr: SocketAddr,
    listener: Arc<KcpListener>,
}

async fn rust_server() -> RustServer {
    let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = tcp.local_addr().expect("addr");
    let queue = Arc::new(QueuePacketConn::new(QUEUE_SIZE, 1024));
    let listener = Arc::new(KcpListener::new(
        Arc::clone(&queue),
        ListenerConfig::default(),
    ));
    tokio::spawn(async move {
        while let Ok((conn, _)) = tcp.accept().await {
            let queue = Arc::clone(&queue);
            tokio::spawn(async move {
                conn.set_nodelay(true).expect("nodelay");
                let (mut r, w) = conn.into_split();
                let Ok(id) = read_preamble(&mut r).await else {
                    return;
                };
                let packets = Arc::new(encapsulated_packet_conn(r.reunite(w).expect("same"), None));
                let outgoing = queue.outgoing(id).expect("client table has room");
                let down = Arc::clone(&packets);
                tokio::spawn(async move {
                    while let Some(packet) = outgoing.recv().await {
                        if down.send(packet).await.is_err() {
                            break;
                        }
                    }
                });
                while let Ok(packet) = packets.recv().await {
                    queue.queue_incoming(id, packet);
                }
            });
        }
    });
    let accepting = Arc::clone(&listener);
    tokio::spawn(async move {
        while let Ok(accepted) = accepting.accept().await {
            tokio::spawn(async move {
                let session =
                    Session::server(accepted.stream, Config::snowflake_server()).expect("config");
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
    RustServer { addr, listener }
}

/// A TCP relay to `target` that passes the 16-byte preamble through, then
/// decodes the encapsulated packets in both directions and drops each with
/// probability `loss` (seeded), re-encoding the rest.
async fn lossy_relay(target: SocketAddr, loss: f64, seed: u64) -> SocketAddr {
    let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = tcp.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut connection = 0u64;
        while let Ok((inbound, _)) = tcp.accept().await {
            connection += 1;
            let seed = seed.wrapping_add(connection << 32);
            tokio::spawn(async move {
                let outbound = TcpStream::connect(target).await.expect("connect target");
                inbound.set_nodelay(true).expect("nodelay");
                outbound.set_nodelay(true).expect("nodelay");
                let (mut in_r, in_w) = inbound.into_split();
                let (out_r, mut out_w) = outbound.into_split();
                let mut preamble = [0u8; 16];
                if in_r.read_exact(&mut preamble).await.is_err() {
                    return;
                }
                out_w.write_all(&preamble).await.expect("forward preamble");
                tokio::spawn(pump(in_r, out_w, loss, seed));
                tokio::spawn(pump(out_r, in_w, loss, seed ^ 1));
            });
        }
    });
    addr
}

async fn pump(mut r: OwnedReadHalf, mut w: OwnedWriteHalf, loss: f64, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut decoder = Decoder::new();
    let mut input = BytesMut::with_capacity(64 * 1024);
    let mut output = BytesMut::with_capacity(64 * 1024);
    loop {
        match r.read_buf(&mut input).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        loop {
            match decoder.decode(&mut input) {
                Ok(Some(packet)) => {
                    if !rng.random_bool(loss) {
                        encode_data(&packet, &mut output).expect("packet fits");
                    }
                }
                Ok(None) => break,
                Err(e) => panic!("relay got a malformed encapsulated stream: {e}"),
            }
        }
        if !output.is_empty() {
            if w.write_all(&output).await.is_err() {
                break;
            }
            output.clear();
        }
        if input.capacity() - input.len() < 4096 {
            input.reserve(64 * 1024);
        }
    }
    let _ = w.shutdown().await;
}

async fn rust_client_to_go_server(loss: f64, seed: u64) {
    let server = go_server().await;
    let target = if loss > 0.0 {
        lossy_relay(server.addr, loss, seed).await
    } else {
        server.addr
    };
    let data = pattern(TRANSFER, seed);
    let expected = sha256_hex(&data);
    let echo = timeout(HANG_GUARD, rust_client(target, data))
        .await
        .expect("transfer finished");
    assert_eq!(echo.len(), TRANSFER);
    assert_eq!(sha256_hex(&echo), expected);
}

async fn go_client_to_rust_server(loss: f64, seed: u64) {
    let server = rust_server().await;
    let target = if loss > 0.0 {
        lossy_relay(server.addr, loss, seed).await
    } else {
        server.addr
    };
    timeout(HANG_GUARD, go_client(target, TRANSFER, seed))
        .await
        .expect("transfer finished");
    let stats = server.listener.stats();
    assert_eq!(stats.sessions_created, 1, "{stats:?}");
    assert_eq!(stats.invalid_dropped, 0, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_go_server() {
    rust_client_to_go_server(0.0, 11).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_client_rust_server() {
    go_client_to_rust_server(0.0, 12).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_go_server_two_percent_loss() {
    rust_client_to_go_server(LOSS, 13).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_client_rust_server_two_percent_loss() {
    go_client_to_rust_server(LOSS, 14).await;
}
