//! Proxy resource use: memory per active client and CPU-seconds per GB
//! relayed (issue 5, point 7).
//!
//! The proxy under test is the real `snowflake-proxy` binary (release
//! build), run as a child process in loopback-only mode, so its RSS and CPU
//! time are measured alone: our broker, a WebSocket relay stand-in and the
//! WebRTC test clients run in this (bench) process. Everything stays on
//! 127.0.0.1.
//!
//! Run: `cargo bench -p snowflake-proxy --bench proxy_bench`.
//! Environment: `BENCH_CLIENTS` (idle clients for the memory figure,
//! default 40), `BENCH_MB` (MB relayed per direction, default 256).

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use snowflake_broker::bridges::BridgeList;
use snowflake_broker::poll_interval::PollIntervals;
use snowflake_broker::{Broker, BrokerConfig};
use snowflake_common::messages::{
    BridgeFingerprint, ClientPollRequest, ClientPollResponse, NatType, SessionDescription,
};
use snowflake_rtc::{RtcBackend, RtcChannel, RtcConfig};
use snowflake_testkit::process::ChildGuard;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

const MB: usize = 1024 * 1024;
const CHUNK: usize = 16 * 1024;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Resident set size of `pid` in bytes.
fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// User + system CPU time of `pid`.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_comm = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime); after the comm field the
    // state is index 0, so they are at 11 and 12.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    // SAFETY: sysconf has no preconditions.
    let per_sec = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_secs_f64(ticks as f64 / per_sec as f64)
}

/// Relay stand-in. The first byte a client sends picks the mode: `I` idle
/// (a 16-byte keepalive every 5 s, like smux's), `U` sink (counts bytes),
/// `D` source (sends `download` bytes, then keeps alive).
async fn relay(listener: TcpListener, received: Arc<AtomicU64>, download: usize) {
    while let Ok((stream, _)) = listener.accept().await {
        let received = received.clone();
        tokio::spawn(async move {
            let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            let (mut tx, mut rx) = ws.split();
            let mut mode = None;
            let (mode_tx, mode_rx) = tokio::sync::oneshot::channel::<u8>();
            let mut mode_tx = Some(mode_tx);
            let reader = async {
                while let Some(Ok(message)) = rx.next().await {
                    let data = message.into_data();
                    if data.is_empty() {
                        continue;
                    }
                    if mode.is_none() {
                        mode = data.first().copied();
                        if let (Some(m), Some(t)) = (mode, mode_tx.take()) {
                            let _ = t.send(m);
                        }
                    }
                    received.fetch_add(data.len() as u64, Ordering::Relaxed);
                }
            };
            let writer = async {
                let Ok(mode) = mode_rx.await else { return };
                if mode == b'D' {
                    let chunk = bytes::Bytes::from(vec![0x5au8; CHUNK]);
                    let mut left = download;
                    while left > 0 {
                        let n = left.min(CHUNK);
                        if tx.send(Message::Binary(chunk.slice(..n))).await.is_err() {
                            return;
                        }
                        left -= n;
                    }
                }
                loop {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    if tx.send(Message::binary(vec![0u8; 16])).await.is_err() {
                        return;
                    }
                }
            };
            tokio::select! {
                () = reader => {}
                () = writer => {}
            }
        });
    }
}

async fn connect_client(backend: &dyn RtcBackend, broker: SocketAddr) -> RtcChannel {
    loop {
        let peer = backend.create_offer().await.expect("offer");
        let body = ClientPollRequest::new(
            peer.offer(),
            NatType::Unrestricted,
            BridgeFingerprint::default(),
        )
        .encode();
        let response = snowflake_testkit::http::post(broker, "/client", body)
            .await
            .expect("client poll");
        match ClientPollResponse::decode(&response.body) {
            Ok(ClientPollResponse::Answer(answer)) => {
                let answer = SessionDescription::from_json(&answer).expect("answer");
                return tokio::time::timeout(Duration::from_secs(30), peer.connect(answer))
                    .await
                    .expect("open in time")
                    .expect("channel opens");
            }
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Reads and discards until EOF, counting.
fn drain(mut channel: tokio::io::ReadHalf<RtcChannel>, counter: Arc<AtomicU64>) {
    tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = channel.read(&mut buf).await {
            if n == 0 {
                break;
            }
            counter.fetch_add(n as u64, Ordering::Relaxed);
        }
    });
}

async fn wait_for(counter: &AtomicU64, target: u64) {
    while counter.load(Ordering::Relaxed) < target {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn main() {
    let clients = env_usize("BENCH_CLIENTS", 40);
    let megabytes = env_usize("BENCH_MB", 256);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(clients, megabytes * MB));
}

async fn run(clients: usize, volume: usize) {
    let relay_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay_addr = relay_listener.local_addr().unwrap();
    let relay_received = Arc::new(AtomicU64::new(0));
    tokio::spawn(relay(relay_listener, relay_received.clone(), volume));
    let relay_url = format!("ws://{relay_addr}/");
    let bridges = BridgeList::parse(&format!(
        r#"{{"displayName":"bench", "webSocketAddress":"{relay_url}", "fingerprint":"{}"}}"#,
        BridgeFingerprint::default()
    ))
    .unwrap();
    let broker = Broker::start(BrokerConfig {
        bridges,
        allowed_relay_pattern: "^127.0.0.1$".into(),
        poll_intervals: PollIntervals {
            unrestricted: Duration::from_secs(1),
            restricted: Duration::from_secs(1),
        },
        client_timeout: Duration::from_secs(30),
        ..BrokerConfig::default()
    })
    .await
    .unwrap();
    let broker_addr = broker.local_addr();

    let mut command = Command::new(env!("CARGO_BIN_EXE_snowflake-proxy"));
    command
        .args(["-broker", &format!("http://{broker_addr}/")])
        .args(["-relay", &relay_url])
        .args(["-allowed-relay-hostname-pattern", "^127.0.0.1$"])
        .args([
            "-allow-non-tls-relay",
            "-allow-proxying-to-private-addresses",
        ])
        .args([
            "-loopback-only",
            "-nat-probe-server",
            "",
            "-summary-interval",
            "0s",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let proxy = ChildGuard::spawn(command, "snowflake-proxy").expect("start the proxy");
    let pid = proxy.id();
    while broker.stats().waiting_proxies == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle = rss_bytes(pid);

    let backend = snowflake_rtc::default_backend(RtcConfig::loopback()).unwrap();
    let keepalive = Arc::new(AtomicU64::new(0));
    let mut writers = Vec::new();
    let started = Instant::now();
    for _ in 0..clients {
        let channel = connect_client(&*backend, broker_addr).await;
        let (rd, mut wr) = tokio::io::split(channel);
        wr.write_all(b"I").await.unwrap();
        drain(rd, keepalive.clone());
        writers.push(wr);
    }
    let connect_time = started.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_loaded = rss_bytes(pid);
    let per_client = rss_loaded.saturating_sub(rss_idle) as f64 / clients.max(1) as f64;
    println!(
        "proxy memory: idle RSS {:.1} MiB, with {clients} active clients {:.1} MiB",
        rss_idle as f64 / MB as f64,
        rss_loaded as f64 / MB as f64
    );
    println!("memory per active client: {:.0} KiB (RSS delta / clients; {clients} clients connected in {connect_time:.1?})", per_client / 1024.0);
    drop(writers);
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Upload: client -> proxy -> relay.
    let channel = connect_client(&*backend, broker_addr).await;
    let (rd, mut wr) = tokio::io::split(channel);
    drain(rd, Arc::new(AtomicU64::new(0)));
    wr.write_all(b"U").await.unwrap();
    let before_bytes = relay_received.load(Ordering::Relaxed);
    let cpu_before = cpu_time(pid);
    let start = Instant::now();
    let chunk = vec![0x5au8; CHUNK];
    let mut left = volume;
    while left > 0 {
        let n = left.min(CHUNK);
        wr.write_all(&chunk[..n]).await.unwrap();
        left -= n;
    }
    wait_for(&relay_received, before_bytes + volume as u64).await;
    let up_time = start.elapsed();
    let up_cpu = cpu_time(pid).saturating_sub(cpu_before);
    drop(wr);

    // Download: relay -> proxy -> client.
    let channel = connect_client(&*backend, broker_addr).await;
    let (rd, mut wr) = tokio::io::split(channel);
    let downloaded = Arc::new(AtomicU64::new(0));
    let cpu_before = cpu_time(pid);
    let start = Instant::now();
    drain(rd, downloaded.clone());
    wr.write_all(b"D").await.unwrap();
    wait_for(&downloaded, volume as u64).await;
    let down_time = start.elapsed();
    let down_cpu = cpu_time(pid).saturating_sub(cpu_before);
    drop(wr);

    let gb = volume as f64 / 1e9;
    let mbps = |t: Duration| volume as f64 / MB as f64 / t.as_secs_f64();
    println!(
        "upload   (client→relay): {} MB in {up_time:.2?} ({:.1} MB/s), proxy CPU {up_cpu:.2?} → {:.2} CPU-seconds per GB",
        volume / MB,
        mbps(up_time),
        up_cpu.as_secs_f64() / gb
    );
    println!(
        "download (relay→client): {} MB in {down_time:.2?} ({:.1} MB/s), proxy CPU {down_cpu:.2?} → {:.2} CPU-seconds per GB",
        volume / MB,
        mbps(down_time),
        down_cpu.as_secs_f64() / gb
    );
    drop(proxy);
    broker.shutdown().await;
}
