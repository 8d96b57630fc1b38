//! Compares the compiled backends in-process over 127.0.0.1: data-channel
//! open time and bulk throughput through the byte-stream adapter.
//!
//! Run: `cargo bench -p snowflake-rtc --all-features` (release build).
//! Environment: `BENCH_RUNS` (open-time runs, default 10), `BENCH_MB`
//! (bulk size per direction in MB, default 50), `BENCH_COVERT` (covert-DTLS
//! modes to compare on both peers, comma-separated, default
//! `disable,mimic,randomizemimic`; only the webrtc-0.17 backend is shaped,
//! so the other one runs with the first mode only).

use std::sync::Arc;
use std::time::{Duration, Instant};

use snowflake_rtc::covert::{CovertDtlsConfig, CovertDtlsMode};
use snowflake_rtc::{all_backends, RtcBackend, RtcChannel, RtcConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CHUNK: usize = 32 * 1024;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Offer → both channels open. Returns (offer+gather time, total time, channels).
async fn open(
    offerer: &dyn RtcBackend,
    answerer: &dyn RtcBackend,
) -> (Duration, Duration, RtcChannel, RtcChannel) {
    let start = Instant::now();
    let offer_peer = offerer.create_offer().await.expect("offer");
    let offered = start.elapsed();
    let answer_peer = answerer
        .answer_offer(offer_peer.offer())
        .await
        .expect("answer");
    let answer = answer_peer.answer().clone();
    let proxy = tokio::spawn(answer_peer.connect());
    let client = offer_peer.connect(answer).await.expect("client open");
    let total = start.elapsed();
    let proxy = proxy.await.expect("join").expect("proxy open");
    (offered, total, client, proxy)
}

/// Writes `total` bytes; returns the writer so the channel stays open
/// until the caller drops it (after the reader is done).
async fn pump_out<W: AsyncWriteExt + Unpin>(mut w: W, total: usize) -> W {
    let buf = vec![0x5au8; CHUNK];
    let mut left = total;
    while left > 0 {
        let n = left.min(CHUNK);
        w.write_all(&buf[..n]).await.expect("write");
        left -= n;
    }
    w.flush().await.expect("flush");
    w
}

async fn pump_in(mut r: impl AsyncReadExt + Unpin, total: usize) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut left = total;
    while left > 0 {
        let n = r.read(&mut buf).await.expect("read");
        assert!(n > 0, "early EOF with {left} bytes left");
        left -= n;
    }
}

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

struct Row {
    pair: String,
    open_ms: (f64, f64, f64),
    offer_ms: f64,
    one_way: f64,
    both_each: (f64, f64),
}

async fn bench_pair(
    offerer: Arc<dyn RtcBackend>,
    answerer: Arc<dyn RtcBackend>,
    runs: usize,
    mb: usize,
    covert: &str,
) -> Row {
    let mut opens = Vec::new();
    let mut offers = Vec::new();
    for _ in 0..runs {
        let (offered, total, client, proxy) = open(&*offerer, &*answerer).await;
        offers.push(offered.as_secs_f64() * 1e3);
        opens.push(total.as_secs_f64() * 1e3);
        drop((client, proxy));
    }
    let mean = opens.iter().sum::<f64>() / opens.len() as f64;
    let min = opens.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = opens.iter().cloned().fold(0.0, f64::max);
    let offer_mean = offers.iter().sum::<f64>() / offers.len() as f64;

    let bytes = mb * 1_000_000;
    // One way: client → proxy.
    let (_, _, client, proxy) = open(&*offerer, &*answerer).await;
    let start = Instant::now();
    let (_, client_wr) = tokio::io::split(client);
    let (proxy_rd, _proxy_wr) = tokio::io::split(proxy);
    tokio::join!(pump_out(client_wr, bytes), pump_in(proxy_rd, bytes));
    let one_way = mbps(bytes, start.elapsed());

    // Both ways at once.
    let (_, _, client, proxy) = open(&*offerer, &*answerer).await;
    let (client_rd, client_wr) = tokio::io::split(client);
    let (proxy_rd, proxy_wr) = tokio::io::split(proxy);
    let start = Instant::now();
    let up = async {
        tokio::join!(pump_out(client_wr, bytes), pump_in(proxy_rd, bytes));
        start.elapsed()
    };
    let down = async {
        tokio::join!(pump_out(proxy_wr, bytes), pump_in(client_rd, bytes));
        start.elapsed()
    };
    let (up, down) = tokio::join!(up, down);
    Row {
        pair: format!("{} -> {} [{covert}]", offerer.name(), answerer.name()),
        open_ms: (mean, min, max),
        offer_ms: offer_mean,
        one_way,
        both_each: (mbps(bytes, up), mbps(bytes, down)),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let runs = env_usize("BENCH_RUNS", 10);
    let mb = env_usize("BENCH_MB", 50);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let modes = std::env::var("BENCH_COVERT")
            .unwrap_or_else(|_| "disable,mimic,randomizemimic".to_string());
        let mut rows = Vec::new();
        for (i, mode) in modes.split(',').map(str::trim).enumerate() {
            let mode: CovertDtlsMode = mode.parse().expect("BENCH_COVERT: a covert-DTLS mode");
            let covert = CovertDtlsConfig::client_default().with_mode(mode);
            let mut backends =
                all_backends(&RtcConfig::loopback().with_covert_dtls(covert)).expect("backends");
            if i > 0 {
                backends.retain(|b| b.name() == "webrtc-0.17");
            }
            for offerer in &backends {
                for answerer in &backends {
                    let same = Arc::ptr_eq(offerer, answerer);
                    // Bulk figures only for same-backend pairs; cross pairs
                    // get the open time (interop check) with fewer runs.
                    let (runs, mb) = if same { (runs, mb) } else { (runs.min(3), mb / 5) };
                    rows.push(
                        bench_pair(offerer.clone(), answerer.clone(), runs, mb, mode.as_str()).await,
                    );
                }
            }
        }
        println!();
        println!("snowflake-rtc bench: loopback, {runs} open runs, {mb} MB bulk per direction (cross pairs: fewer runs, {} MB)", mb / 5);
        println!(
            "{:<44} {:>10} {:>9} {:>9} {:>10} {:>11} {:>18}",
            "offerer -> answerer", "open mean", "min", "max", "offer+gather", "1-way MB/s", "both ways MB/s"
        );
        for r in rows {
            println!(
                "{:<44} {:>8.1}ms {:>7.1}ms {:>7.1}ms {:>10.1}ms {:>11.1} {:>8.1} + {:<8.1}",
                r.pair, r.open_ms.0, r.open_ms.1, r.open_ms.2, r.offer_ms, r.one_way, r.both_each.0, r.both_each.1
            );
        }
    });
}
