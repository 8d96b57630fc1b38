//! Benchmark: matched client polls per second, and the latency of a
//! matched poll, while 10,000 proxies wait.
//!
//! Everything runs in this process over loopback HTTP/2 (cleartext, prior
//! knowledge): 10,000 proxy loops keep a poll open each (poll, answer when
//! matched, poll again), then client loops post offers until a fixed
//! number of matched polls is reached. A client poll's latency covers the
//! whole exchange: offer to the broker, hand-over to a proxy, the proxy's
//! answer, the answer back to the client.
//!
//! HTTP/2 is used because 10,000 HTTP/1.1 connections plus their server
//! ends would not fit the usual file-descriptor limit.
//!
//! `cargo bench -p snowflake-broker --bench matching` (release build).
//! Sizes can be changed with `PROXIES`, `CLIENTS` (concurrent client
//! loops) and `POLLS` (matched polls to measure) in the environment.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use snowflake_broker::{Broker, BrokerConfig};
use snowflake_common::messages::proxy::{new_session_id, ProxyAnswerRequest};
use snowflake_common::messages::{
    BridgeFingerprint, ClientPollRequest, ClientPollResponse, NatType, ProxyPollRequest,
    ProxyPollResponse, ProxyPollStatus, ProxyType, SdpType, SessionDescription,
};
use tokio::net::TcpStream;

const PATTERN: &str = "snowflake.torproject.net$";
const STREAMS_PER_CONNECTION: usize = 500;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

type Sender = SendRequest<Full<Bytes>>;

async fn connect(addr: std::net::SocketAddr) -> Sender {
    let stream = TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .expect("h2 handshake");
    tokio::spawn(connection);
    sender
}

async fn post(sender: &mut Sender, path: &str, body: Vec<u8>) -> Option<Bytes> {
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("http://broker{path}"))
        .body(Full::new(Bytes::from(body)))
        .ok()?;
    let response = sender.send_request(request).await.ok()?;
    Some(response.into_body().collect().await.ok()?.to_bytes())
}

fn offer_json() -> String {
    let sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n";
    SessionDescription::new(SdpType::Offer, sdp).to_json()
}

fn answer() -> SessionDescription {
    let sdp = "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:1 1 udp 2130706431 127.0.0.1 10 typ host\r\n";
    SessionDescription::new(SdpType::Answer, sdp)
}

/// Polls, answers when matched, polls again, until `stop`.
async fn proxy_loop(mut sender: Sender, index: usize, stop: Arc<AtomicBool>) {
    let answer = answer();
    while !stop.load(Ordering::Relaxed) {
        let sid = new_session_id();
        let body = ProxyPollRequest {
            sid: sid.clone(),
            proxy_type: ProxyType::Standalone,
            nat: NatType::Unrestricted,
            clients: (index % 5) as u64 * 8,
            accepted_relay_pattern: Some(PATTERN.to_string()),
        }
        .encode();
        let Some(response) = post(&mut sender, "/proxy", body).await else {
            return;
        };
        let Ok(poll) = ProxyPollResponse::decode(&response) else {
            return;
        };
        if poll.status == ProxyPollStatus::ClientMatch {
            let body = ProxyAnswerRequest::new(sid, &answer).encode();
            if post(&mut sender, "/answer", body).await.is_none() {
                return;
            }
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn cpu_seconds() -> f64 {
    // /proc/self/stat fields 14 and 15 (utime, stime), in clock ticks
    // (100 per second on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

async fn run(full: bool) {
    // Under `cargo test --benches`, only a small smoke run.
    let (proxies, client_loops, polls) = if full {
        (
            env_or("PROXIES", 10_000),
            env_or("CLIENTS", 64),
            env_or("POLLS", 50_000),
        )
    } else {
        (200, 8, 500)
    };

    let broker = Broker::start(BrokerConfig {
        allowed_relay_pattern: PATTERN.to_string(),
        max_http2_streams: (STREAMS_PER_CONNECTION + 100) as u32,
        ..BrokerConfig::default()
    })
    .await
    .expect("broker starts");
    let addr = broker.local_addr();

    let stop = Arc::new(AtomicBool::new(false));
    let mut proxy_tasks = Vec::new();
    let connections = proxies.div_ceil(STREAMS_PER_CONNECTION);
    for c in 0..connections {
        let sender = connect(addr).await;
        let count = STREAMS_PER_CONNECTION.min(proxies - c * STREAMS_PER_CONNECTION);
        for i in 0..count {
            proxy_tasks.push(tokio::spawn(proxy_loop(
                sender.clone(),
                c * STREAMS_PER_CONNECTION + i,
                stop.clone(),
            )));
        }
    }
    let setup = Instant::now();
    while broker.stats().waiting_proxies < proxies {
        assert!(
            setup.elapsed() < Duration::from_secs(120),
            "proxies did not all arrive"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!(
        "{} proxies waiting (set up in {:.2?}); {} client loops; measuring {} matched polls",
        broker.stats().waiting_proxies,
        setup.elapsed(),
        client_loops,
        polls
    );

    let matched = Arc::new(AtomicU64::new(0));
    let denied = Arc::new(AtomicU64::new(0));
    let min_waiting = Arc::new(AtomicU64::new(u64::MAX));
    let body = ClientPollRequest {
        offer: offer_json(),
        nat: NatType::Restricted,
        fingerprint: BridgeFingerprint::default(),
    }
    .encode();
    let cpu_before = cpu_seconds();
    let start = Instant::now();
    let client_connections = client_loops.div_ceil(16).max(1);
    let mut senders = Vec::new();
    for _ in 0..client_connections {
        senders.push(connect(addr).await);
    }
    let mut client_tasks = Vec::new();
    for i in 0..client_loops {
        let mut sender = senders[i % senders.len()].clone();
        let body = body.clone();
        let matched = matched.clone();
        let denied = denied.clone();
        client_tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                if matched.load(Ordering::Relaxed) >= polls as u64 {
                    break latencies;
                }
                let begun = Instant::now();
                let response = post(&mut sender, "/client", body.clone())
                    .await
                    .expect("client poll");
                match ClientPollResponse::decode(&response) {
                    Ok(ClientPollResponse::Answer(_)) => {
                        latencies.push(begun.elapsed());
                        matched.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        denied.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    let broker = Arc::new(broker);
    let sampler_stop = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn({
        let min_waiting = min_waiting.clone();
        let broker = broker.clone();
        let sampler_stop = sampler_stop.clone();
        async move {
            while !sampler_stop.load(Ordering::Relaxed) {
                let waiting = broker.stats().waiting_proxies as u64;
                min_waiting.fetch_min(waiting, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    });
    let mut latencies = Vec::new();
    for task in client_tasks {
        latencies.extend(task.await.expect("client loop"));
    }
    let elapsed = start.elapsed();
    let cpu = cpu_seconds() - cpu_before;
    stop.store(true, Ordering::Relaxed);
    sampler_stop.store(true, Ordering::Relaxed);
    sampler.await.expect("sampler");
    let Ok(broker) = Arc::try_unwrap(broker) else {
        panic!("broker handle still shared");
    };

    latencies.sort();
    let n = latencies.len();
    println!(
        "matched client polls: {n} in {elapsed:.2?} ({} denied)",
        denied.load(Ordering::Relaxed)
    );
    println!(
        "throughput: {:.0} matched polls/s",
        n as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency of a matched poll: p50 {:.3?}, p90 {:.3?}, p99 {:.3?}, max {:.3?}",
        percentile(&latencies, 50.0),
        percentile(&latencies, 90.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or_default()
    );
    println!(
        "fewest proxies waiting during the run: {}",
        min_waiting.load(Ordering::Relaxed)
    );
    println!(
        "process CPU during the run: {cpu:.2} s ({:.1} µs per matched poll, broker and load generator together)",
        cpu * 1e6 / n.max(1) as f64
    );
    broker.shutdown().await;
    for task in proxy_tasks {
        let _ = task.await;
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not.
    let full = std::env::args().any(|a| a == "--bench");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(600), run(full))
            .await
            .expect("benchmark hang guard");
    });
}
