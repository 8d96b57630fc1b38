//! `snowflake-soak`: real clients through the whole system (release
//! binaries as separate processes) while attackers run every abuse the
//! server, the broker and the proxies must survive, with proxies killed at
//! random. It prints what the real clients saw (transfers completed and
//! intact, failures, the slowest transfer), what the attackers did, and
//! each program's peak and final resident memory and file descriptors.
//!
//! The attacks (see `docs/server-budget.md` for the limits they meet):
//!
//! * **fresh ClientIds**: WebSocket connections to the server, each a new
//!   ClientId whose first KCP packet is an smux SYN (a new session and a
//!   stream that never carries data);
//! * **out-of-order data**: sessions that send KCP segments far ahead of
//!   the next expected one, so the server must buffer them;
//! * **unfinished WebSocket messages**: a binary frame announced at 60 KiB
//!   and trickled a byte at a time;
//! * **slowloris**: HTTP requests (to the server and to the broker) whose
//!   headers never end;
//! * **broker capture**: many concurrent proxy polls from one (claimed)
//!   address that take every client offer and never answer.
//!
//! Nothing here passes or fails on timing; the test `tests/soak.rs` runs a
//! short soak and checks the outcomes the issue asks for (no real transfer
//! corrupted, none failed, the server within its budget).

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use snowflake_common::messages::{NatType, ProxyPollRequest, ProxyType};
use snowflake_common::turbotunnel::ClientId;
use snowflake_testkit::tunnel_client::{
    first_kcp_packet, kcp_push_packet, send_packets_once, smux_syn, websocket,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use crate::processes::{
    free_port, rss_bytes, Binaries, ExtraArgs, ProcessError, ProcessOptions, ProcessStack,
};
use crate::standin::TransferHeader;
use crate::transfer::{run_transfer, socks_connect, Progress};
use crate::units::format_bytes;

/// The address the capturing "host" claims in `X-Forwarded-For` (a
/// documentation address: it only ever appears in a header).
const CAPTURE_ADDRESS: &str = "198.51.100.7";
/// A real transfer that has not finished in this long counts as failed.
const TRANSFER_LIMIT: Duration = Duration::from_secs(120);

/// What to run, and how hard to attack.
#[derive(Debug, Clone)]
pub struct SoakOptions {
    /// How long the attack lasts.
    pub duration: Duration,
    /// Real clients transferring at once (SOCKS connections, one after
    /// another each).
    pub clients: usize,
    /// Bytes each real transfer moves each way.
    pub transfer_bytes: u64,
    /// Proxy processes.
    pub proxies: usize,
    /// Kill a random proxy (and start a new one) this often; `None`: never.
    pub kill_every: Option<Duration>,
    /// The server's `--memory-budget`.
    pub server_memory_budget: usize,
    /// Fresh ClientIds per second.
    pub fresh_ids_per_second: u32,
    /// Concurrent sessions sending out-of-order data.
    pub out_of_order_sessions: usize,
    /// Concurrent unfinished WebSocket messages.
    pub unfinished_messages: usize,
    /// Concurrent slowloris connections to the server and (as many) to the
    /// broker.
    pub slowloris: usize,
    /// Concurrent capturing proxy polls from one address.
    pub capture_polls: usize,
}

impl Default for SoakOptions {
    fn default() -> Self {
        SoakOptions {
            duration: Duration::from_secs(600),
            clients: 3,
            transfer_bytes: 1_000_000,
            proxies: 3,
            kill_every: Some(Duration::from_secs(30)),
            server_memory_budget: 64 << 20,
            fresh_ids_per_second: 200,
            out_of_order_sessions: 20,
            unfinished_messages: 100,
            slowloris: 200,
            capture_polls: 100,
        }
    }
}

/// Peak and last reading of one program's resources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Highest resident memory seen, bytes.
    pub peak_rss: u64,
    /// Resident memory at the end, bytes.
    pub final_rss: u64,
    /// Most open file descriptors seen.
    pub peak_fds: u64,
    /// Open file descriptors at the end.
    pub final_fds: u64,
}

impl Usage {
    fn sample(&mut self, rss: u64, fds: u64) {
        self.peak_rss = self.peak_rss.max(rss);
        self.final_rss = rss;
        self.peak_fds = self.peak_fds.max(fds);
        self.final_fds = fds;
    }
}

/// What the real clients saw.
#[derive(Debug, Clone, Default)]
pub struct ClientOutcomes {
    /// Transfers that finished with both directions intact.
    pub intact: u64,
    /// Transfers that finished with corrupted data.
    pub corrupted: u64,
    /// Transfers that failed (connect error, early end, or over
    /// [`TRANSFER_LIMIT`]), with the first few reasons.
    pub failed: u64,
    /// Up to five failure reasons.
    pub failure_reasons: Vec<String>,
    /// The slowest finished transfer.
    pub slowest: Duration,
    /// The median finished transfer.
    pub median: Duration,
}

/// How much each attack did (attempts the attacker made).
#[derive(Debug, Default)]
pub struct AttackCounts {
    /// Fresh ClientIds sent.
    pub fresh_ids: AtomicU64,
    /// Out-of-order segments sent.
    pub out_of_order_segments: AtomicU64,
    /// Unfinished WebSocket messages started.
    pub unfinished_messages: AtomicU64,
    /// Slowloris connections opened to the server.
    pub slowloris_server: AtomicU64,
    /// Slowloris connections opened to the broker.
    pub slowloris_broker: AtomicU64,
    /// Capturing polls sent.
    pub capture_polls: AtomicU64,
    /// Client offers the capturing polls received (and dropped).
    pub offers_captured: AtomicU64,
    /// Proxies killed.
    pub proxies_killed: AtomicU64,
}

/// The result of a soak.
#[derive(Debug)]
pub struct SoakReport {
    /// What was run.
    pub options: SoakOptions,
    /// What the real clients saw.
    pub clients: ClientOutcomes,
    /// What the attackers did.
    pub attacks: Arc<AttackCounts>,
    /// Per program ("server", "broker", "client", "proxies" summed over the
    /// live ones).
    pub usage: BTreeMap<&'static str, Usage>,
    /// The server's memory-budget gauge, highest seen and the limit.
    pub server_budget_used_peak: u64,
    /// The server's refusal and eviction counters at the end.
    pub server_counters: Vec<String>,
}

impl fmt::Display for SoakReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.options;
        let c = &self.clients;
        let a = &self.attacks;
        writeln!(
            f,
            "## Soak: {} s, {} real clients × {} each way, {} proxies{}",
            o.duration.as_secs(),
            o.clients,
            format_bytes(o.transfer_bytes),
            o.proxies,
            match o.kill_every {
                Some(every) => format!(", one killed every {} s", every.as_secs()),
                None => String::new(),
            }
        )?;
        writeln!(f)?;
        writeln!(f, "| real clients | |")?;
        writeln!(f, "|---|---|")?;
        writeln!(f, "| transfers intact | {} |", c.intact)?;
        writeln!(f, "| transfers corrupted | {} |", c.corrupted)?;
        writeln!(f, "| transfers failed | {} |", c.failed)?;
        writeln!(
            f,
            "| median / slowest transfer | {:.1} s / {:.1} s |",
            c.median.as_secs_f64(),
            c.slowest.as_secs_f64()
        )?;
        for reason in &c.failure_reasons {
            writeln!(f, "| failure | {reason} |")?;
        }
        writeln!(f)?;
        let n = |x: &AtomicU64| x.load(Ordering::Relaxed);
        writeln!(f, "| attack | count |")?;
        writeln!(f, "|---|---|")?;
        writeln!(f, "| fresh ClientIds | {} |", n(&a.fresh_ids))?;
        writeln!(
            f,
            "| out-of-order KCP segments | {} |",
            n(&a.out_of_order_segments)
        )?;
        writeln!(
            f,
            "| unfinished WebSocket messages | {} |",
            n(&a.unfinished_messages)
        )?;
        writeln!(
            f,
            "| slowloris connections (server / broker) | {} / {} |",
            n(&a.slowloris_server),
            n(&a.slowloris_broker)
        )?;
        writeln!(
            f,
            "| capturing polls from one address (offers taken) | {} ({}) |",
            n(&a.capture_polls),
            n(&a.offers_captured)
        )?;
        writeln!(f, "| proxies killed | {} |", n(&a.proxies_killed))?;
        writeln!(f)?;
        writeln!(
            f,
            "| program | peak RSS | final RSS | peak fds | final fds |"
        )?;
        writeln!(f, "|---|---|---|---|---|")?;
        for (name, u) in &self.usage {
            writeln!(
                f,
                "| {name} | {} | {} | {} | {} |",
                format_bytes(u.peak_rss),
                format_bytes(u.final_rss),
                u.peak_fds,
                u.final_fds
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "Server memory budget: {} configured, at most {} in use ({} of {} bytes).",
            format_bytes(o.server_memory_budget as u64),
            format_bytes(self.server_budget_used_peak),
            self.server_budget_used_peak,
            o.server_memory_budget
        )?;
        for line in &self.server_counters {
            writeln!(f, "    {line}")?;
        }
        Ok(())
    }
}

/// Open file descriptors of process `pid`.
pub fn fd_count(pid: u32) -> std::io::Result<u64> {
    Ok(std::fs::read_dir(format!("/proc/{pid}/fd"))?.count() as u64)
}

/// Runs the soak.
pub async fn run_soak(binaries: &Binaries, options: &SoakOptions) -> Result<SoakReport, SoakError> {
    // Attackers and real clients hold many sockets at once.
    let _ = snowflake_common::fd_limit::raise_nofile_limit();
    let metrics_port = free_port().map_err(SoakError::io("free port for metrics"))?;
    let metrics_addr = SocketAddr::from(([127, 0, 0, 1], metrics_port));
    let extra = ExtraArgs {
        server: vec![
            format!("--memory-budget={}", options.server_memory_budget),
            format!("--metrics-address={metrics_addr}"),
        ],
        ..ExtraArgs::default()
    };
    let process_options = ProcessOptions {
        proxies: options.proxies,
        proxy_capacity: 0,
        max_proxies: 1,
        striping: false,
    };
    let stack = ProcessStack::start_with_args(binaries, &process_options, &extra).await?;
    if !stack
        .wait_available_proxies(options.proxies.min(1), Duration::from_secs(30))
        .await
    {
        return Err(SoakError::Setup(format!(
            "no proxy polled the broker within 30 s\n{}",
            stack.log_tails(2000)
        )));
    }
    let server = stack.server_addr();
    let broker = stack.broker_addr();
    let socks = stack.socks_addr();
    let stack = Arc::new(tokio::sync::Mutex::new(stack));
    let stop = Arc::new(AtomicBool::new(false));
    let counts = Arc::new(AttackCounts::default());
    let mut attackers = JoinSet::new();

    if options.fresh_ids_per_second > 0 {
        attackers.spawn(fresh_ids(
            server,
            options.fresh_ids_per_second,
            Arc::clone(&stop),
            Arc::clone(&counts),
        ));
    }
    for _ in 0..options.out_of_order_sessions {
        attackers.spawn(out_of_order(server, Arc::clone(&stop), Arc::clone(&counts)));
    }
    for _ in 0..options.unfinished_messages {
        attackers.spawn(unfinished_message(
            server,
            Arc::clone(&stop),
            Arc::clone(&counts),
        ));
    }
    for _ in 0..options.slowloris {
        attackers.spawn(slowloris(
            server,
            true,
            Arc::clone(&stop),
            Arc::clone(&counts),
        ));
        attackers.spawn(slowloris(
            broker,
            false,
            Arc::clone(&stop),
            Arc::clone(&counts),
        ));
    }
    for _ in 0..options.capture_polls {
        attackers.spawn(capture(broker, Arc::clone(&stop), Arc::clone(&counts)));
    }
    if let Some(every) = options.kill_every {
        attackers.spawn(kill_proxies(
            Arc::clone(&stack),
            every,
            Arc::clone(&stop),
            Arc::clone(&counts),
        ));
    }

    // Sampling, once a second.
    let usage = Arc::new(Mutex::new(BTreeMap::<&'static str, Usage>::new()));
    let budget_peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let stack = Arc::clone(&stack);
        let usage = Arc::clone(&usage);
        let stop = Arc::clone(&stop);
        let budget_peak = Arc::clone(&budget_peak);
        tokio::spawn(async move {
            loop {
                sample(&stack, &usage, metrics_addr, &budget_peak).await;
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };

    // The real clients.
    let outcomes = Arc::new(Mutex::new((
        ClientOutcomes::default(),
        Vec::<Duration>::new(),
    )));
    let deadline = Instant::now() + options.duration;
    let mut clients = JoinSet::new();
    for worker in 0..options.clients {
        let outcomes = Arc::clone(&outcomes);
        let bytes = options.transfer_bytes;
        clients.spawn(async move {
            let mut seed = (worker as u64) << 32;
            while Instant::now() < deadline {
                seed += 1;
                let result = tokio::time::timeout(TRANSFER_LIMIT, async {
                    let stream = socks_connect(socks, "")
                        .await
                        .map_err(|e| format!("SOCKS connect: {e}"))?;
                    let header = TransferHeader {
                        upload: bytes,
                        download: bytes,
                        seed,
                    };
                    run_transfer(stream, header, Progress::new())
                        .await
                        .map_err(|e| e.to_string())
                })
                .await;
                let mut guard = outcomes.lock().unwrap_or_else(|e| e.into_inner());
                let (outcome, times) = &mut *guard;
                match result {
                    Ok(Ok(report)) if report.download_intact && report.upload_intact => {
                        outcome.intact += 1;
                        times.push(report.elapsed);
                    }
                    Ok(Ok(report)) => {
                        outcome.corrupted += 1;
                        times.push(report.elapsed);
                    }
                    Ok(Err(reason)) => {
                        outcome.failed += 1;
                        if outcome.failure_reasons.len() < 5 {
                            outcome.failure_reasons.push(reason);
                        }
                    }
                    Err(_) => {
                        outcome.failed += 1;
                        if outcome.failure_reasons.len() < 5 {
                            outcome.failure_reasons.push(format!(
                                "not finished within {} s",
                                TRANSFER_LIMIT.as_secs()
                            ));
                        }
                    }
                }
            }
        });
    }
    while clients.join_next().await.is_some() {}
    stop.store(true, Ordering::Relaxed);
    attackers.abort_all();
    while attackers.join_next().await.is_some() {}
    // Once the attackers' connections are gone, the final reading.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = sampler.await;
    sample(&stack, &usage, metrics_addr, &budget_peak).await;
    let server_counters = server_counters(metrics_addr).await;

    let (mut clients_seen, mut times) = {
        let guard = outcomes.lock().unwrap_or_else(|e| e.into_inner());
        guard.clone()
    };
    times.sort();
    clients_seen.slowest = times.last().copied().unwrap_or_default();
    clients_seen.median = times.get(times.len() / 2).copied().unwrap_or_default();
    let usage = usage.lock().unwrap_or_else(|e| e.into_inner()).clone();
    // Dropping the stack kills the programs.
    drop(stack);
    Ok(SoakReport {
        options: options.clone(),
        clients: clients_seen,
        attacks: counts,
        usage,
        server_budget_used_peak: budget_peak.load(Ordering::Relaxed),
        server_counters,
    })
}

/// Why the soak could not run.
#[derive(Debug, thiserror::Error)]
pub enum SoakError {
    /// The programs did not start.
    #[error(transparent)]
    Processes(#[from] ProcessError),
    /// Something else in the set-up.
    #[error("{0}")]
    Setup(String),
}

impl SoakError {
    fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> SoakError {
        move |e| SoakError::Setup(format!("{what}: {e}"))
    }
}

async fn sample(
    stack: &tokio::sync::Mutex<ProcessStack>,
    usage: &Mutex<BTreeMap<&'static str, Usage>>,
    metrics: SocketAddr,
    budget_peak: &AtomicU64,
) {
    let pids: Vec<(&'static str, Vec<u32>)> = {
        let stack = stack.lock().await;
        vec![
            ("server", stack.server_pid().into_iter().collect()),
            ("broker", stack.broker_pid().into_iter().collect()),
            ("client", stack.client_pid().into_iter().collect()),
            ("proxies", stack.proxy_pids()),
        ]
    };
    {
        let mut usage = usage.lock().unwrap_or_else(|e| e.into_inner());
        for (name, pids) in pids {
            let rss: u64 = pids.iter().filter_map(|&p| rss_bytes(p).ok()).sum();
            let fds: u64 = pids.iter().filter_map(|&p| fd_count(p).ok()).sum();
            usage.entry(name).or_default().sample(rss, fds);
        }
    }
    if let Some(used) = scrape(metrics)
        .await
        .and_then(|text| metric_value(&text, "snowflake_server_memory_budget_used_bytes"))
    {
        budget_peak.fetch_max(used, Ordering::Relaxed);
    }
}

async fn scrape(metrics: SocketAddr) -> Option<String> {
    let response = tokio::time::timeout(
        Duration::from_secs(5),
        snowflake_testkit::http::get(metrics, "/metrics"),
    )
    .await
    .ok()?
    .ok()?;
    Some(response.text())
}

/// The value of an unlabelled metric in a Prometheus text exposition.
fn metric_value(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|v| v as u64)
}

/// The server's counters of refusals, expiries and evictions (non-zero).
async fn server_counters(metrics: SocketAddr) -> Vec<String> {
    let Some(text) = scrape(metrics).await else {
        return vec!["(metrics not reachable)".to_string()];
    };
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            [
                "rejected",
                "refused",
                "evicted",
                "expired",
                "finished",
                "sessions_total",
                "_active",
            ]
            .iter()
            .any(|k| l.contains(k))
        })
        .filter(|l| !l.ends_with(" 0"))
        .map(str::to_string)
        .collect()
}

async fn fresh_ids(
    server: SocketAddr,
    per_second: u32,
    stop: Arc<AtomicBool>,
    counts: Arc<AttackCounts>,
) {
    let gap = Duration::from_secs(1) / per_second.max(1);
    let mut tick = tokio::time::interval(gap);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut inflight = JoinSet::new();
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        // At most 32 connections at once: the attacker's rate, not its
        // patience, is what is being measured.
        while inflight.len() >= 32 {
            inflight.join_next().await;
        }
        let counts = Arc::clone(&counts);
        inflight.spawn(async move {
            let packet = first_kcp_packet(rand::random(), &smux_syn(3));
            counts.fresh_ids.fetch_add(1, Ordering::Relaxed);
            let _ = tokio::time::timeout(
                Duration::from_secs(10),
                send_packets_once(server, ClientId::random(), &[&packet]),
            )
            .await;
        });
        while inflight.try_join_next().is_some() {}
    }
}

/// One session at a time: a SYN, then segments 2, 3, ... (never 1), 1 KB
/// each, until the server closes the connection; then the next session.
async fn out_of_order(server: SocketAddr, stop: Arc<AtomicBool>, counts: Arc<AttackCounts>) {
    let payload = vec![0x5a; 1000];
    while !stop.load(Ordering::Relaxed) {
        let Ok(Ok(mut ws)) =
            tokio::time::timeout(Duration::from_secs(10), websocket(server, None)).await
        else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        let conv: u32 = rand::random();
        let mut out = bytes::BytesMut::new();
        out.extend_from_slice(&snowflake_common::turbotunnel::preamble(ClientId::random()));
        let _ = snowflake_common::encapsulation::encode_data(
            &first_kcp_packet(conv, &smux_syn(3)),
            &mut out,
        );
        if ws.write_all(&out).await.is_err() {
            continue;
        }
        for sn in 2..4096u32 {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            out.clear();
            let _ = snowflake_common::encapsulation::encode_data(
                &kcp_push_packet(conv, sn, &payload),
                &mut out,
            );
            let sent = tokio::time::timeout(Duration::from_secs(10), ws.write_all(&out)).await;
            if !matches!(sent, Ok(Ok(()))) {
                break;
            }
            counts.out_of_order_segments.fetch_add(1, Ordering::Relaxed);
            if sn % 64 == 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Completes the WebSocket handshake by hand and returns the stream.
async fn raw_websocket(server: SocketAddr) -> std::io::Result<TcpStream> {
    let mut tcp = TcpStream::connect(server).await?;
    tcp.write_all(
        format!(
            "GET / HTTP/1.1\r\nHost: {server}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .as_bytes(),
    )
    .await?;
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"\r\n\r\n") {
        if seen.len() > 4096 || tcp.read(&mut byte).await? == 0 {
            return Err(std::io::Error::other("no WebSocket upgrade"));
        }
        seen.push(byte[0]);
    }
    if !seen.starts_with(b"HTTP/1.1 101") {
        return Err(std::io::Error::other("upgrade refused"));
    }
    Ok(tcp)
}

/// A binary frame announced at 60 KiB, one byte a second, until the
/// server closes it; then the next.
async fn unfinished_message(server: SocketAddr, stop: Arc<AtomicBool>, counts: Arc<AttackCounts>) {
    while !stop.load(Ordering::Relaxed) {
        let Ok(Ok(mut ws)) =
            tokio::time::timeout(Duration::from_secs(10), raw_websocket(server)).await
        else {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        };
        counts.unfinished_messages.fetch_add(1, Ordering::Relaxed);
        let len: u16 = 60 * 1024;
        let mut header = vec![0x82, 0x80 | 126];
        header.extend_from_slice(&len.to_be_bytes());
        header.extend_from_slice(&rand::random::<[u8; 4]>());
        if ws.write_all(&header).await.is_err() {
            continue;
        }
        while !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if ws.write_all(&[0]).await.is_err() {
                break;
            }
        }
    }
}

/// An HTTP request whose headers never end: a header line every 5 s.
async fn slowloris(
    target: SocketAddr,
    server: bool,
    stop: Arc<AtomicBool>,
    counts: Arc<AttackCounts>,
) {
    while !stop.load(Ordering::Relaxed) {
        let Ok(Ok(mut tcp)) =
            tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(target)).await
        else {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        };
        if server {
            counts.slowloris_server.fetch_add(1, Ordering::Relaxed);
        } else {
            counts.slowloris_broker.fetch_add(1, Ordering::Relaxed);
        }
        let request = if server {
            "GET / HTTP/1.1\r\n"
        } else {
            "POST /client HTTP/1.1\r\n"
        };
        if tcp.write_all(request.as_bytes()).await.is_err() {
            continue;
        }
        let mut n = 0u32;
        while !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_secs(5)).await;
            n += 1;
            if tcp
                .write_all(format!("X-{n}: {n}\r\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
    }
}

/// A proxy poll from [`CAPTURE_ADDRESS`] that drops any offer it gets;
/// polls again at once (the broker's "polled too soon" slows it).
async fn capture(broker: SocketAddr, stop: Arc<AtomicBool>, counts: Arc<AttackCounts>) {
    while !stop.load(Ordering::Relaxed) {
        let poll = ProxyPollRequest {
            sid: format!("{:016x}", rand::random::<u64>()),
            proxy_type: ProxyType::Standalone,
            nat: NatType::Open,
            clients: 0,
            accepted_relay_pattern: Some("^127.0.0.1$".to_string()),
        };
        counts.capture_polls.fetch_add(1, Ordering::Relaxed);
        let response = tokio::time::timeout(
            Duration::from_secs(60),
            snowflake_testkit::http::request(
                broker,
                http::Method::POST,
                "/proxy",
                &[("X-Forwarded-For", CAPTURE_ADDRESS)],
                poll.encode(),
            ),
        )
        .await;
        match response {
            Ok(Ok(r)) if r.status.is_success() && r.text().contains("client match") => {
                counts.offers_captured.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Ok(r)) if r.status.is_success() => {
                // "polled too soon" or no client: wait as a poller that
                // obeys nothing but a floor would.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

async fn kill_proxies(
    stack: Arc<tokio::sync::Mutex<ProcessStack>>,
    every: Duration,
    stop: Arc<AtomicBool>,
    counts: Arc<AttackCounts>,
) {
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(every).await;
        let mut stack = stack.lock().await;
        let live = stack.live_proxies();
        if live.is_empty() {
            continue;
        }
        let victim = live[rand::random_range(0..live.len())];
        if stack.kill_proxy(victim).await {
            counts.proxies_killed.fetch_add(1, Ordering::Relaxed);
        }
        let _ = stack.add_proxy();
    }
}

/// Formats the report's one-line summary (for logs).
pub fn summary(report: &SoakReport) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "{} intact, {} corrupted, {} failed; server peak RSS {}",
        report.clients.intact,
        report.clients.corrupted,
        report.clients.failed,
        format_bytes(
            report
                .usage
                .get("server")
                .map(|u| u.peak_rss)
                .unwrap_or_default()
        )
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_value_reads_an_unlabelled_sample() {
        let text = "# HELP x y\n# TYPE x gauge\nsnowflake_server_memory_budget_used_bytes 1234\n\
                    snowflake_server_memory_budget_bytes 99\n";
        assert_eq!(
            metric_value(text, "snowflake_server_memory_budget_used_bytes"),
            Some(1234)
        );
        assert_eq!(
            metric_value(text, "snowflake_server_memory_budget_bytes"),
            Some(99)
        );
        assert_eq!(metric_value(text, "absent"), None);
    }

    #[test]
    fn usage_keeps_the_peak_and_the_last() {
        let mut u = Usage::default();
        u.sample(10, 3);
        u.sample(30, 9);
        u.sample(20, 4);
        assert_eq!(
            u,
            Usage {
                peak_rss: 30,
                final_rss: 20,
                peak_fds: 9,
                final_fds: 4
            }
        );
    }
}
