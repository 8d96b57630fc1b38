//! `snowflake-bench`: what the whole system costs and how it behaves, as a
//! markdown table.
//!
//! * Full-stack throughput: a download (with a tenth as much uploaded at
//!   the same time) through the client's SOCKS port, proxies, server and a
//!   stand-in tor that checks the data; with one proxy (redial) and with
//!   three striped proxies.
//! * Time to first byte: from the SOCKS connect to the first downloaded
//!   byte, which includes the broker rendezvous, ICE, DTLS, the data
//!   channel, the proxy's WebSocket to the server and the server's
//!   connection to tor; median of several.
//! * Stall after a proxy is killed mid-transfer: the longest time without
//!   downloaded data from the kill until the transfer has recovered, in
//!   redial and in striping mode; median of a few kills. Measured with
//!   SIGKILLed proxy processes (nobody says goodbye) and with in-process
//!   proxies that are stopped (their channels close).
//! * CPU-seconds per GB moved, per program, from `/proc/<pid>/stat` of the
//!   release binaries run as separate processes.
//! * Server memory per idle session: `VmRSS` growth of the server process
//!   over N sessions (each a WebSocket and a stream relayed to tor), / N.
//! * Browser proxies: Debian's Chromium and Firefox ESR running our proxy
//!   page (`proxy-web/`) as the only proxy of an in-process stack, for
//!   throughput, time to first byte, and the stall when the browser that
//!   carries a redial session is SIGKILLed and the other takes over. The
//!   browsers must run in a network namespace with only `lo`, so this part
//!   is measured by a second copy of the benchmark started in one
//!   (`--browser-proxy-only`, internal); it needs root and both browsers,
//!   and is skipped (saying why) otherwise.
//! * Impaired network (`--impaired`): delay, jitter and loss on the WebRTC
//!   hop only, our client and proxy next to Debian's Go ones, through our
//!   broker and server; goodput, time to first byte, the longest stall and
//!   the SHA-256 check per condition and direction, with a calibration of
//!   the round trip actually added. Measured by a copy of the benchmark in
//!   a network namespace (see `snowflake_integration::impaired_bench`);
//!   needs root.
//! * Stall runs (`--stall-runs [N]`): N back-to-back downloads and uploads
//!   through our client and proxy with two CPU hogs running: stalls over
//!   2 s, the longest stall, the upload/download goodput ratio.
//!
//! `--skip-main` leaves out everything but those two parts.
//!
//! Build first: `cargo build --release --workspace`, then
//! `target/release/snowflake-bench` (or `cargo run --release -p
//! snowflake-integration --bin snowflake-bench`). Figures only: nothing
//! here passes or fails on timing.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use clap::Parser;
use snowflake_common::turbotunnel::ClientId;
use snowflake_integration::browser_bench::{
    self, major_version, BrowserColumn, BrowserFigures, BrowserProxy, BrowserStall,
};
use snowflake_integration::impaired_bench::{self, ImpairedOptions, StallRunOptions};
use snowflake_integration::processes::{
    cpu_time, rss_bytes, Binaries, ExtraArgs, ProcessOptions, ProcessStack, ScratchDir,
    ServerProcess,
};
use snowflake_integration::stack::{Stack, StackOptions};
use snowflake_integration::standin::{StandInTor, TransferHeader};
use snowflake_integration::transfer::{run_transfer, socks_connect, Progress, TransferReport};
use snowflake_integration::units::{format_bytes, mb_per_s, median, parse_size, MB};
use snowflake_testkit::browser::{add_loopback_default_routes, Browser};
use snowflake_testkit::netns;
use snowflake_testkit::tunnel_client::{websocket, TunnelClient};
use tokio::io::AsyncWriteExt;
use tokio::task::JoinHandle;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A kill counts as recovered from once this much more data has arrived...
const RECOVERED_BYTES: u64 = 2 * MB;
/// ...and at least this long has passed since it.
const RECOVERY_MIN: Duration = Duration::from_secs(1);
/// A kill not recovered from within this is reported as such.
const RECOVERY_LIMIT: Duration = Duration::from_secs(40);
/// How long to wait for proxies to be back at the broker between runs.
const PROXY_WAIT: Duration = Duration::from_secs(30);
/// Hang guard for one measured transfer.
const TRANSFER_LIMIT: Duration = Duration::from_secs(600);
/// Sessions opened at once for the memory figure.
const SESSION_BATCH: usize = 32;
/// The browser throughput runs download at most this much (browsers are
/// slower than our proxy, and the whole browser part should stay short).
const BROWSER_BYTES_MAX: u64 = 100 * MB;
/// At most this many time-to-first-byte samples per browser (each costs
/// about two seconds of waiting for the page to poll again and report).
const BROWSER_SAMPLES_MAX: usize = 5;
/// How long a browser may take to load the proxy page and poll.
const PAGE_WAIT: Duration = Duration::from_secs(60);
/// Hang guard for the namespaced copy that measures the browsers.
const BROWSER_PART_LIMIT: Duration = Duration::from_secs(300);
/// The flag that makes this program the namespaced copy.
const BROWSER_ONLY_FLAG: &str = "--browser-proxy-only";

/// Measures the whole system on 127.0.0.1 and prints a markdown table.
#[derive(Debug, Parser)]
#[command(name = "snowflake-bench")]
struct Args {
    /// Bytes downloaded in each throughput run; a tenth as much is
    /// uploaded at the same time.
    #[arg(long, default_value = "300M", value_parser = parse_size)]
    bytes: u64,
    /// Time-to-first-byte samples per mode.
    #[arg(long, default_value_t = 7)]
    samples: usize,
    /// Proxy kills per mode and kind for the stall figures.
    #[arg(long, default_value_t = 3)]
    kills: usize,
    /// Idle sessions opened for the server memory figure.
    #[arg(long, default_value_t = 500)]
    sessions: usize,
    /// Also measure Chromium and Firefox running the proxy page as proxies
    /// (in a network namespace). Default: true when running as root and
    /// both browsers are installed; `true` fails the run if that is not so.
    #[arg(long, value_name = "true|false")]
    browser_proxy: Option<bool>,
    /// Internal: measure only the browser proxies and print the figures as
    /// lines for the benchmark that started this copy in a namespace.
    #[arg(long, hide = true)]
    browser_proxy_only: bool,
    /// Skip the main table, the server memory figure and the browser part
    /// (to run only --impaired and/or --stall-runs).
    #[arg(long)]
    skip_main: bool,
    /// Also measure over an impaired WebRTC hop (delay, jitter, loss in a
    /// network namespace; our peers and Debian's Go peers). Needs root.
    #[arg(long)]
    impaired: bool,
    /// Bytes per impaired-network transfer [env SNOWFLAKE_BENCH_IMPAIRED_BYTES;
    /// default 5M].
    #[arg(long, value_parser = parse_size)]
    impaired_bytes: Option<u64>,
    /// Time cap per impaired-network transfer, seconds
    /// [env SNOWFLAKE_BENCH_IMPAIRED_CAP; default 90].
    #[arg(long)]
    impaired_cap: Option<u64>,
    /// Transfers per impaired-network cell, the median is shown
    /// [env SNOWFLAKE_BENCH_IMPAIRED_REPS; default 1].
    #[arg(long)]
    impaired_reps: Option<usize>,
    /// Impaired-network conditions, comma-separated RTT[/LOSS%][/jJITTER][/NhogS]
    /// [env SNOWFLAKE_BENCH_IMPAIRED_CONDITIONS;
    /// default 50ms/0%,100ms/1%,200ms/3%,100ms/1%/2hogs].
    #[arg(long)]
    impaired_conditions: Option<String>,
    /// Back-to-back download + upload runs through our client and proxy
    /// with two CPU hogs (20 when given without a number).
    #[arg(long, num_args = 0..=1, default_missing_value = "20")]
    stall_runs: Option<usize>,
    /// Bytes per transfer of the stall runs.
    #[arg(long, default_value = "10M", value_parser = parse_size)]
    stall_bytes: u64,
    /// An extra flag for our client in the impaired and stall runs;
    /// repeatable (e.g. --client-arg=-some-mode).
    #[arg(long = "client-arg", allow_hyphen_values = true, value_name = "ARG")]
    client_args: Vec<String>,
    /// An extra flag for our proxy in the impaired and stall runs;
    /// repeatable.
    #[arg(long = "proxy-arg", allow_hyphen_values = true, value_name = "ARG")]
    proxy_args: Vec<String>,
    /// Internal: measure only the impaired network, in a namespace, and
    /// print the section as lines for the benchmark that started this copy.
    #[arg(long, hide = true)]
    impaired_netns_copy: bool,
}

impl Args {
    fn extra_args(&self) -> ExtraArgs {
        ExtraArgs {
            client: self.client_args.clone(),
            proxy: self.proxy_args.clone(),
            ..ExtraArgs::default()
        }
    }

    fn impaired_options(&self) -> Result<ImpairedOptions, String> {
        ImpairedOptions::from_flags(
            self.impaired_bytes,
            self.impaired_cap,
            self.impaired_reps,
            self.impaired_conditions.as_deref(),
            self.extra_args(),
        )
    }
}

/// A client configuration measured.
#[derive(Debug, Clone, Copy)]
struct Mode {
    title: &'static str,
    proxies: usize,
    striping: bool,
}

const MODES: [Mode; 2] = [
    Mode {
        title: "redial, 1 proxy",
        proxies: 1,
        striping: false,
    },
    Mode {
        title: "striping, 3 proxies",
        proxies: 3,
        striping: true,
    },
];

/// CPU time of each program over a measured transfer.
#[derive(Debug, Default, Clone)]
struct CpuUse {
    client: Duration,
    proxies: Duration,
    server: Duration,
    broker: Duration,
}

/// The figures of one mode.
#[derive(Debug, Default)]
struct ModeResults {
    throughput: Option<f64>,
    moved: u64,
    cpu: Option<CpuUse>,
    intact: Option<bool>,
    first_bytes: Vec<Duration>,
    process_stalls: Vec<Stall>,
    stack_stalls: Vec<Stall>,
    /// Things worth knowing about the figures.
    notes: Vec<String>,
    /// Runs that failed.
    failures: Vec<String>,
}

/// The stall after one kill; `recovered` false when the transfer had not
/// recovered when measuring stopped.
#[derive(Debug, Clone, Copy)]
struct Stall {
    gap: Duration,
    recovered: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .try_init();
    if args.browser_proxy_only {
        return browser_copy(&args);
    }
    let impaired_options = match args.impaired_options() {
        Ok(options) => options,
        Err(error) if args.impaired || args.impaired_netns_copy || args.stall_runs.is_some() => {
            eprintln!("snowflake-bench: {error}");
            return ExitCode::from(2);
        }
        // Settings (e.g. from the environment) for parts not asked for.
        Err(_) => ImpairedOptions {
            bytes: impaired_bench::DEFAULT_BYTES,
            cap: impaired_bench::DEFAULT_CAP,
            reps: 1,
            conditions: Vec::new(),
            extra: ExtraArgs::default(),
        },
    };
    if args.impaired_netns_copy {
        return impaired_bench::copy_main(&impaired_options);
    }
    let binaries = match Binaries::beside_current_exe() {
        Ok(binaries) => binaries,
        Err(error) => {
            eprintln!("snowflake-bench: {error}");
            return ExitCode::from(2);
        }
    };
    // Children inherit the raised limit.
    let _ = snowflake_common::fd_limit::raise_nofile_limit();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("snowflake-bench: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let started = SystemTime::now();
    let main_part = (!args.skip_main).then(|| {
        let (results, memory) = runtime.block_on(bench(&args, &binaries));
        // On this (the main) thread, which outlives the namespaced copy:
        // the copy is set to die with the thread that started it.
        let browsers = browser_part(&args);
        (results, memory, browsers)
    });
    // Also from this thread, for the same reason.
    let impaired = args
        .impaired
        .then(|| impaired_bench::run_part(&impaired_options));
    let stall_options = args.stall_runs.map(|runs| StallRunOptions {
        runs,
        bytes: args.stall_bytes,
        cap: impaired_options.cap,
        extra: args.extra_args(),
    });
    let stalls = stall_options.as_ref().map(|options| {
        progress_note(&format!("stall runs: {} with CPU hogs", options.runs));
        runtime.block_on(impaired_bench::stall_runs(&binaries, options))
    });
    let finished = SystemTime::now();
    let mut healthy = true;
    match &main_part {
        Some((results, memory, browsers)) => {
            print_report(&args, results, memory, browsers, started, finished);
            healthy = memory.per_session.is_ok()
                && browsers.healthy()
                && results
                    .iter()
                    .all(|(_, r)| r.failures.is_empty() && r.intact == Some(true));
        }
        None => print_header(started, finished),
    }
    if let Some(part) = &impaired {
        impaired_bench::print_part(part);
        healthy &= part.healthy();
    }
    if let (Some(report), Some(options)) = (&stalls, &stall_options) {
        impaired_bench::print_stall_runs(report, options);
        healthy &= report.healthy();
    }
    if healthy {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "snowflake-bench: some measurements failed or data did not match (see the notes)"
        );
        ExitCode::FAILURE
    }
}

fn progress_note(text: &str) {
    eprintln!("snowflake-bench: {text}");
}

/// Runs the measurements of our own programs (everything but the browser
/// part).
async fn bench(args: &Args, binaries: &Binaries) -> (Vec<(Mode, ModeResults)>, Memory) {
    let mut results = Vec::new();
    for mode in MODES {
        progress_note(&format!("{}: separate processes", mode.title));
        let mut figures = ModeResults::default();
        if let Err(error) = measure_processes(args, binaries, mode, &mut figures).await {
            figures
                .failures
                .push(format!("process run failed: {error}"));
            progress_note(&format!("{}: {error}", mode.title));
        }
        progress_note(&format!(
            "{}: in-process stack, stopping proxies",
            mode.title
        ));
        match stack_stalls(args, mode).await {
            Ok(stalls) => figures.stack_stalls = stalls,
            Err(error) => figures
                .failures
                .push(format!("in-process run failed: {error}")),
        }
        results.push((mode, figures));
    }
    progress_note(&format!("server memory: {} idle sessions", args.sessions));
    let memory = server_memory(binaries, args.sessions).await;
    (results, memory)
}

// ---- separate processes ----------------------------------------------------

async fn measure_processes(
    args: &Args,
    binaries: &Binaries,
    mode: Mode,
    figures: &mut ModeResults,
) -> Result<(), BoxError> {
    let mut stack = ProcessStack::start(
        binaries,
        &ProcessOptions {
            proxies: mode.proxies,
            // One client per proxy: a busy proxy stops polling, so the
            // proxies carrying the session are known and a spare is free.
            proxy_capacity: 1,
            max_proxies: mode.proxies,
            striping: mode.striping,
        },
    )
    .await?;
    let outcome = measure_processes_on(args, mode, &mut stack, figures).await;
    if outcome.is_err() {
        eprintln!("{}", stack.log_tails(2000));
    }
    outcome
}

async fn measure_processes_on(
    args: &Args,
    mode: Mode,
    stack: &mut ProcessStack,
    figures: &mut ModeResults,
) -> Result<(), BoxError> {
    // Time to first byte.
    for sample in 0..args.samples {
        if !stack.wait_available_proxies(mode.proxies, PROXY_WAIT).await {
            figures.notes.push(format!(
                "time to first byte sample {}: not all proxies were back at the broker",
                sample + 1
            ));
        }
        let progress = Progress::new();
        let report = transfer(
            stack.socks_addr(),
            TransferHeader {
                upload: 0,
                download: 100_000,
                seed: rand::random(),
            },
            &progress,
        )
        .await?;
        if !(report.download_intact && report.upload_intact) {
            figures.intact = Some(false);
        }
        if let Some(first) = progress.first_byte() {
            figures.first_bytes.push(first);
        }
    }
    progress_note(&format!(
        "{}: time to first byte {:?}",
        mode.title, figures.first_bytes
    ));

    // Throughput and CPU per GB.
    stack.wait_available_proxies(mode.proxies, PROXY_WAIT).await;
    let upload = args.bytes / 10;
    let header = TransferHeader {
        upload,
        download: args.bytes,
        seed: rand::random(),
    };
    let before = cpu_use(stack)?;
    let progress = Progress::new();
    let report = transfer(stack.socks_addr(), header, &progress).await?;
    let after = cpu_use(stack)?;
    let first = progress.first_byte().unwrap_or_default();
    figures.throughput = Some(mb_per_s(
        report.downloaded,
        report.elapsed.saturating_sub(first),
    ));
    figures.moved = report.downloaded + report.uploaded;
    figures.cpu = Some(CpuUse {
        client: after.client.saturating_sub(before.client),
        proxies: after.proxies.saturating_sub(before.proxies),
        server: after.server.saturating_sub(before.server),
        broker: after.broker.saturating_sub(before.broker),
    });
    let intact = report.download_intact
        && report.upload_intact
        && stack.tor.stats().uploads_corrupt.load(Ordering::Relaxed) == 0;
    figures.intact = Some(figures.intact.unwrap_or(true) && intact);
    progress_note(&format!(
        "{}: {} down in {:.1} s, {:.1} MB/s after the first byte",
        mode.title,
        format_bytes(report.downloaded),
        report.elapsed.as_secs_f64(),
        figures.throughput.unwrap_or_default()
    ));

    // Stalls after SIGKILL of a busy proxy process.
    if args.kills > 0 {
        stack.wait_available_proxies(mode.proxies, PROXY_WAIT).await;
        // With capacity 1 the first proxies carry the session; each spare
        // replaces the one killed before it.
        let mut busy: Vec<usize> = stack.live_proxies();
        let mut killer = ProcessKiller {
            stack,
            busy: &mut busy,
        };
        figures.process_stalls = measure_stalls(&mut killer, args.kills).await?;
    }
    Ok(())
}

/// CPU time so far of each program of the stack (proxies summed).
fn cpu_use(stack: &ProcessStack) -> Result<CpuUse, BoxError> {
    let of = |pid: Option<u32>, what: &str| -> Result<Duration, BoxError> {
        let pid = pid.ok_or_else(|| format!("the {what} has exited"))?;
        Ok(cpu_time(pid)?)
    };
    let mut proxies = Duration::ZERO;
    for pid in stack.proxy_pids() {
        proxies += cpu_time(pid)?;
    }
    Ok(CpuUse {
        client: of(stack.client_pid(), "client")?,
        proxies,
        server: of(stack.server_pid(), "server")?,
        broker: of(stack.broker_pid(), "broker")?,
    })
}

/// One checked transfer through the client at `socks`.
async fn transfer(
    socks: SocketAddr,
    header: TransferHeader,
    progress: &Arc<Progress>,
) -> Result<TransferReport, BoxError> {
    let run = async {
        let stream = socks_connect(socks, "").await?;
        Ok::<_, BoxError>(run_transfer(stream, header, Arc::clone(progress)).await?)
    };
    tokio::time::timeout(TRANSFER_LIMIT, run)
        .await
        .map_err(|_| "hang guard: the transfer did not finish")?
}

// ---- stalls ----------------------------------------------------------------

/// Something whose busy proxies can be killed during a transfer.
trait Killer {
    /// The client's SOCKS address.
    fn socks_addr(&self) -> SocketAddr;
    /// Starts a spare proxy and waits until it is ready for the client.
    async fn add_spare(&mut self) -> Result<(), BoxError>;
    /// Kills a proxy that carries the session; returns when it was killed.
    async fn kill_busy(&mut self) -> Result<Instant, BoxError>;
}

struct ProcessKiller<'a> {
    stack: &'a mut ProcessStack,
    busy: &'a mut Vec<usize>,
}

impl Killer for ProcessKiller<'_> {
    fn socks_addr(&self) -> SocketAddr {
        self.stack.socks_addr()
    }

    async fn add_spare(&mut self) -> Result<(), BoxError> {
        // The previous spare must have been taken (the client replaced the
        // proxy killed last), so the next kill starts from a full set.
        let deadline = tokio::time::Instant::now() + PROXY_WAIT;
        while self.stack.available_proxies().await? > 0 {
            if tokio::time::Instant::now() > deadline {
                return Err("the client did not take the spare proxy".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let spare = self.stack.add_proxy()?;
        self.busy.push(spare);
        if !self.stack.wait_available_proxies(1, PROXY_WAIT).await {
            return Err("the spare proxy did not reach the broker".into());
        }
        Ok(())
    }

    async fn kill_busy(&mut self) -> Result<Instant, BoxError> {
        if self.busy.is_empty() {
            return Err("no busy proxy to kill".into());
        }
        let victim = self.busy.remove(0);
        self.stack.kill_proxy(victim).await;
        Ok(Instant::now())
    }
}

struct StackKiller {
    stack: Stack,
}

impl Killer for StackKiller {
    fn socks_addr(&self) -> SocketAddr {
        self.stack.socks_addr()
    }

    async fn add_spare(&mut self) -> Result<(), BoxError> {
        self.stack.add_proxy().await?;
        // In-process proxies poll at once; give the poll time to arrive.
        tokio::time::sleep(Duration::from_millis(500)).await;
        Ok(())
    }

    async fn kill_busy(&mut self) -> Result<Instant, BoxError> {
        self.stack
            .kill_busy_proxy()
            .map(|_| Instant::now())
            .ok_or_else(|| "no busy proxy to kill".into())
    }
}

/// Runs an endless download, kills a busy proxy `kills` times (each once
/// the transfer has recovered from the one before), and returns the
/// longest gap in the data after each kill.
async fn measure_stalls<K: Killer>(killer: &mut K, kills: usize) -> Result<Vec<Stall>, BoxError> {
    let progress = Progress::new();
    let stream = socks_connect(killer.socks_addr(), "").await?;
    let header = TransferHeader {
        upload: 0,
        download: u64::MAX / 2,
        seed: rand::random(),
    };
    let transfer: JoinHandle<_> = tokio::spawn(run_transfer(stream, header, Arc::clone(&progress)));
    let outcome = async {
        // Warm up: every path connected and data flowing.
        wait_for_data(&progress, 5 * MB, Duration::from_secs(60)).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let mut kill_times = Vec::new();
        let mut recovered = Vec::new();
        for _ in 0..kills {
            killer.add_spare().await?;
            let killed = killer.kill_busy().await?;
            let at = killed.saturating_duration_since(progress.start());
            let received = progress.received.load(Ordering::Relaxed);
            kill_times.push(at);
            let ok = wait_for_data(&progress, received + RECOVERED_BYTES, RECOVERY_LIMIT)
                .await
                .is_ok();
            let since = progress.start().elapsed().saturating_sub(at);
            if since < RECOVERY_MIN {
                tokio::time::sleep(RECOVERY_MIN - since).await;
            }
            recovered.push(ok);
            if !ok {
                break;
            }
        }
        let end = progress.start().elapsed();
        let stalls: Vec<Stall> = kill_times
            .iter()
            .enumerate()
            .map(|(i, &at)| Stall {
                gap: progress.longest_gap(at, kill_times.get(i + 1).copied().unwrap_or(end)),
                recovered: recovered.get(i).copied().unwrap_or(false),
            })
            .collect();
        Ok::<_, BoxError>(stalls)
    }
    .await;
    transfer.abort();
    outcome
}

/// Waits until `progress` has received `bytes`, for at most `limit`.
async fn wait_for_data(progress: &Progress, bytes: u64, limit: Duration) -> Result<(), BoxError> {
    let deadline = tokio::time::Instant::now() + limit;
    while progress.received.load(Ordering::Relaxed) < bytes {
        if tokio::time::Instant::now() > deadline {
            return Err(format!(
                "no data: {} received after {:.0} s",
                format_bytes(progress.received.load(Ordering::Relaxed)),
                limit.as_secs_f64()
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// Stalls with the in-process stack, whose stopped proxies close their
/// channels.
async fn stack_stalls(args: &Args, mode: Mode) -> Result<Vec<Stall>, BoxError> {
    if args.kills == 0 {
        return Ok(Vec::new());
    }
    let stack = Stack::start(&StackOptions {
        proxies: mode.proxies,
        max_proxies: mode.proxies,
        striping: mode.striping,
        unsafe_logging: true,
        ..StackOptions::default()
    })
    .await?;
    let mut killer = StackKiller { stack };
    let stalls = measure_stalls(&mut killer, args.kills).await;
    killer.stack.shutdown().await;
    stalls
}

// ---- server memory -----------------------------------------------------------

/// Server `VmRSS` growth per idle session, or why it was not measured.
#[derive(Debug)]
struct Memory {
    sessions: usize,
    per_session: Result<u64, String>,
    baseline: u64,
}

async fn server_memory(binaries: &Binaries, sessions: usize) -> Memory {
    let mut baseline = 0;
    let per_session = async {
        let dir = ScratchDir::new("bench-memory")?;
        let tor = StandInTor::start().await?;
        let server = ServerProcess::start(&binaries.server, &tor, dir.path()).await?;
        let pid = server.pid().ok_or("the server exited")?;
        let mut held = Vec::new();
        // Warm-up sessions, so that one-time allocations are not counted.
        open_idle_sessions(server.addr(), &tor, 16, &mut held).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        baseline = rss_bytes(pid)?;
        open_idle_sessions(server.addr(), &tor, sessions, &mut held).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = rss_bytes(pid)?;
        let per = after.saturating_sub(baseline) / sessions.max(1) as u64;
        drop(held);
        Ok::<_, BoxError>(per)
    }
    .await
    .map_err(|e| e.to_string());
    Memory {
        sessions,
        per_session,
        baseline,
    }
}

/// A session kept open: the tunnel and its stream.
type HeldSession = (TunnelClient, snowflake_common::smux::Stream);

/// Opens `n` sessions to the server at `addr`, each a WebSocket and one
/// stream that the server relays to `tor` and that then stays idle (the
/// stand-in waits for an upload that never comes); returns once `tor` has
/// them all.
async fn open_idle_sessions(
    addr: SocketAddr,
    tor: &StandInTor,
    n: usize,
    held: &mut Vec<HeldSession>,
) -> Result<(), BoxError> {
    let target = tor.stats().connections.load(Ordering::Relaxed) + n as u64;
    let mut set = tokio::task::JoinSet::new();
    let mut started = 0;
    while started < n || !set.is_empty() {
        while started < n && set.len() < SESSION_BATCH {
            set.spawn(async move {
                let client = TunnelClient::new(ClientId::random())?;
                client
                    .paths()
                    .add_path(websocket(addr, Some("192.0.2.1")).await?);
                let mut stream = client.open_stream().await?;
                let header = TransferHeader {
                    upload: u64::MAX / 2,
                    download: 0,
                    seed: 0,
                };
                stream.write_all(&header.to_bytes()).await?;
                stream.flush().await?;
                Ok::<_, BoxError>((client, stream))
            });
            started += 1;
        }
        if let Some(joined) = set.join_next().await {
            held.push(joined??);
        }
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while tor.stats().connections.load(Ordering::Relaxed) < target {
        if tokio::time::Instant::now() > deadline {
            return Err(format!(
                "only {} of {target} sessions reached the stand-in tor",
                tor.stats().connections.load(Ordering::Relaxed)
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

// ---- browser proxies ---------------------------------------------------------

/// The browser part of the report: figures, or why there are none.
#[derive(Debug, Default)]
struct BrowserPart {
    figures: Option<BrowserFigures>,
    /// Why the part was not run.
    skipped: Option<String>,
    /// Why the namespaced copy failed as a whole.
    failure: Option<String>,
    /// Whether `--browser-proxy true` asked for it.
    required: bool,
    /// How long it took.
    took: Duration,
}

impl BrowserPart {
    /// False when it failed, its data did not match, or it was required
    /// but could not run.
    fn healthy(&self) -> bool {
        if self.skipped.is_some() {
            return !self.required;
        }
        self.failure.is_none()
            && self.figures.as_ref().is_some_and(|f| {
                f.failures.is_empty() && f.columns.iter().all(|c| c.intact != Some(false))
            })
    }
}

/// Measures the browser proxies through a copy of this program in a new
/// network namespace, unless turned off or impossible here.
fn browser_part(args: &Args) -> BrowserPart {
    let required = args.browser_proxy == Some(true);
    let reason = match args.browser_proxy {
        Some(false) => Some("turned off with --browser-proxy false".to_string()),
        _ => browser_bench::skip_reason(),
    };
    if let Some(reason) = reason {
        progress_note(&format!("browser proxy: skipped ({reason})"));
        return BrowserPart {
            skipped: Some(reason),
            required,
            ..BrowserPart::default()
        };
    }
    progress_note("browser proxy: Chromium and Firefox in a network namespace");
    let copy_args: Vec<String> = vec![
        BROWSER_ONLY_FLAG.to_string(),
        "--bytes".to_string(),
        args.bytes.to_string(),
        "--samples".to_string(),
        args.samples.to_string(),
        "--kills".to_string(),
        args.kills.to_string(),
    ];
    let started = Instant::now();
    let run = browser_bench::run_in_netns(&copy_args, BROWSER_PART_LIMIT);
    let mut part = BrowserPart {
        required,
        took: started.elapsed(),
        ..BrowserPart::default()
    };
    match run {
        Err(error) => part.failure = Some(error),
        Ok(run) => {
            match BrowserFigures::from_lines(&run.stdout) {
                Ok(figures) => part.figures = Some(figures),
                Err(error) => part.failure = Some(error),
            }
            let ended = match run.status {
                None => Some(format!(
                    "the namespaced copy was killed after {} s",
                    BROWSER_PART_LIMIT.as_secs()
                )),
                Some(status) if !status.success() => {
                    Some(format!("the namespaced copy ended with {status}"))
                }
                Some(_) => None,
            };
            if let Some(ended) = ended {
                part.failure = Some(match part.failure.take() {
                    Some(earlier) => format!("{ended}; {earlier}"),
                    None => ended,
                });
            }
        }
    }
    part
}

/// The namespaced copy (`--browser-proxy-only`): measures the browsers
/// and prints the figures on stdout.
fn browser_copy(args: &Args) -> ExitCode {
    let fail = |text: String| {
        eprintln!("snowflake-bench: {text}");
        ExitCode::from(2)
    };
    if !netns::inside() {
        return fail(format!(
            "{BROWSER_ONLY_FLAG} is for the copy of the benchmark that it starts in a network \
             namespace; run snowflake-bench (as root) instead"
        ));
    }
    match netns::interfaces() {
        Ok(names) if names == ["lo"] => {}
        Ok(names) => return fail(format!("the namespace must have only lo, not {names:?}")),
        Err(error) => return fail(format!("listing network interfaces: {error}")),
    }
    // Firefox gathers no ICE candidate without a default route.
    if let Err(error) = add_loopback_default_routes() {
        return fail(format!("adding the loopback default route: {error}"));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(format!("cannot start the runtime: {error}")),
    };
    // The browsers are started from this thread (block_on runs the future
    // here), which lives as long as they should.
    let figures = runtime.block_on(measure_browsers(args));
    print!("{}", figures.to_lines());
    ExitCode::SUCCESS
}

/// Every browser figure; failures are recorded in the figures.
async fn measure_browsers(args: &Args) -> BrowserFigures {
    let mut figures = BrowserFigures {
        bytes: args.bytes.min(BROWSER_BYTES_MAX),
        ..BrowserFigures::default()
    };
    for browser in Browser::ALL {
        let mut column = BrowserColumn::new(browser);
        progress_note(&format!("browser proxy: {} alone", column.version));
        if let Err(error) = browser_alone(args, figures.bytes, &mut column).await {
            progress_note(&format!("browser proxy: {}: {error}", column.version));
            figures
                .failures
                .push(format!("{}: {error}", column.version));
        }
        figures.columns.push(column);
    }
    if args.kills > 0 {
        progress_note("browser proxy: both browsers, killing the busy one mid-transfer");
        match browser_stalls(args.kills).await {
            Ok(stalls) => figures.stalls = stalls,
            Err(error) => {
                progress_note(&format!("browser proxy: stalls: {error}"));
                figures
                    .failures
                    .push(format!("killing browser proxies: {error}"));
            }
        }
    }
    figures
}

/// A stack whose only proxy will be a browser: a redial client that keeps
/// one proxy.
async fn browser_stack() -> Result<Stack, BoxError> {
    Ok(Stack::start(&StackOptions {
        proxies: 0,
        max_proxies: 1,
        striping: false,
        unsafe_logging: true,
        ..StackOptions::default()
    })
    .await?)
}

/// Time to first byte and throughput through `column.browser` as the only
/// proxy.
async fn browser_alone(
    args: &Args,
    bytes: u64,
    column: &mut BrowserColumn,
) -> Result<(), BoxError> {
    let stack = browser_stack().await?;
    let outcome = async {
        let mut proxy = BrowserProxy::start(column.browser, &stack, PAGE_WAIT).await?;
        let mut polls = proxy.status(PAGE_WAIT).await?.polls;
        let mut sessions = 0;
        for _ in 0..browser_samples(args) {
            let progress = Progress::new();
            let header = TransferHeader {
                upload: 0,
                download: 100_000,
                seed: rand::random(),
            };
            let report = transfer(stack.socks_addr(), header, &progress).await?;
            note_intact(column, &report, &stack);
            if let Some(first) = progress.first_byte() {
                column.first_bytes.push(first);
            }
            sessions += 1;
            polls = wait_page_free(&mut proxy, sessions, polls).await?;
        }
        progress_note(&format!(
            "browser proxy: {}: time to first byte {:?}",
            column.version, column.first_bytes
        ));
        let header = TransferHeader {
            upload: bytes / 10,
            download: bytes,
            seed: rand::random(),
        };
        let progress = Progress::new();
        let report = transfer(stack.socks_addr(), header, &progress).await?;
        note_intact(column, &report, &stack);
        let first = progress.first_byte().unwrap_or_default();
        let throughput = mb_per_s(report.downloaded, report.elapsed.saturating_sub(first));
        column.throughput = Some(throughput);
        progress_note(&format!(
            "browser proxy: {}: {} down in {:.1} s, {throughput:.1} MB/s after the first byte",
            column.version,
            format_bytes(report.downloaded),
            report.elapsed.as_secs_f64(),
        ));
        Ok::<_, BoxError>(())
    }
    .await;
    stack.shutdown().await;
    outcome
}

fn note_intact(column: &mut BrowserColumn, report: &TransferReport, stack: &Stack) {
    let intact = report.download_intact
        && report.upload_intact
        && stack.tor.stats().uploads_corrupt.load(Ordering::Relaxed) == 0;
    column.intact = Some(column.intact.unwrap_or(true) && intact);
}

/// Time-to-first-byte samples per browser.
fn browser_samples(args: &Args) -> usize {
    args.samples.min(BROWSER_SAMPLES_MAX)
}

/// Waits until the page has served `sessions` clients, has none now, and
/// has polled the broker since its count was `polls` (taken while it
/// waited for the client it then served), so it is ready for the next
/// client; returns its poll count.
///
/// A page stops polling while it serves its one client and polls again
/// within a second after. If its poll timed out at the broker and it
/// polled anew just before the client came, this returns one poll early,
/// and the next client may wait up to a second for the page's next poll,
/// which can also happen between any two polls.
async fn wait_page_free(
    proxy: &mut BrowserProxy,
    sessions: u64,
    polls: u64,
) -> Result<u64, BoxError> {
    let status = proxy
        .wait_status("the client to leave the proxy page", PAGE_WAIT, |s| {
            s.clients_served >= sessions && s.clients_now == 0 && s.polls > polls
        })
        .await?;
    Ok(status.polls)
}

/// Browsers as the proxies of one redial session; killing the busy one
/// moves the session to the other.
struct BrowserKiller {
    stack: Stack,
    proxies: Vec<BrowserProxy>,
    /// The browser killed at each kill, in order.
    killed: Vec<Browser>,
}

impl Killer for BrowserKiller {
    fn socks_addr(&self) -> SocketAddr {
        self.stack.socks_addr()
    }

    async fn add_spare(&mut self) -> Result<(), BoxError> {
        // Two browsers: the busy one and a spare polling the broker. After
        // a kill, the survivor carries the session and a new browser of
        // the kind just killed becomes the spare, so kills alternate.
        let missing = Browser::ALL
            .into_iter()
            .find(|b| !self.proxies.iter().any(|p| p.browser() == *b));
        if let Some(browser) = missing {
            let proxy = BrowserProxy::start(browser, &self.stack, PAGE_WAIT).await?;
            self.proxies.push(proxy);
            // Its first poll has been sent; give it time to reach the
            // broker.
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        Ok(())
    }

    async fn kill_busy(&mut self) -> Result<Instant, BoxError> {
        let mut busy = None;
        for (i, proxy) in self.proxies.iter_mut().enumerate() {
            if proxy.status(Duration::from_secs(5)).await?.clients_now > 0 {
                busy = Some(i);
                break;
            }
        }
        let busy = busy.ok_or("no browser proxy carries the session")?;
        let proxy = self.proxies.remove(busy);
        progress_note(&format!("browser proxy: killing {}", proxy.browser()));
        self.killed.push(proxy.browser());
        Ok(proxy.kill())
    }
}

/// Stalls after SIGKILLing the browser that carries a redial session.
async fn browser_stalls(kills: usize) -> Result<Vec<BrowserStall>, BoxError> {
    let mut killer = BrowserKiller {
        stack: browser_stack().await?,
        proxies: Vec::new(),
        killed: Vec::new(),
    };
    let outcome = async {
        for browser in Browser::ALL {
            let proxy = BrowserProxy::start(browser, &killer.stack, PAGE_WAIT).await?;
            killer.proxies.push(proxy);
        }
        let stalls = measure_stalls(&mut killer, kills).await?;
        Ok::<_, BoxError>(
            stalls
                .iter()
                .zip(&killer.killed)
                .map(|(stall, &killed)| BrowserStall {
                    killed,
                    gap: stall.gap,
                    recovered: stall.recovered,
                })
                .collect(),
        )
    }
    .await;
    killer.proxies.clear();
    killer.stack.shutdown().await;
    outcome
}

// ---- the report --------------------------------------------------------------

/// `YYYY-MM-DD HH:MM UTC` of `time`.
fn utc_date(time: SystemTime) -> String {
    let t = snowflake_common::civil_time::CivilTime::from_system_time(time);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year, t.month, t.day, t.hour, t.minute
    )
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}

fn ms(duration: Duration) -> String {
    format!("{}", duration.as_millis())
}

fn stall_cell(stalls: &[Stall]) -> String {
    let gaps: Vec<Duration> = stalls.iter().map(|s| s.gap).collect();
    match median(&gaps) {
        Some(m) => {
            let unrecovered = stalls.iter().filter(|s| !s.recovered).count();
            let all: Vec<String> = gaps.iter().map(|g| ms(*g)).collect();
            let mut cell = format!("{} ({})", ms(m), all.join(", "));
            if unrecovered > 0 {
                cell.push_str(&format!(", {unrecovered} not recovered"));
            }
            cell
        }
        None => "n/a".to_string(),
    }
}

fn per_gb(cpu: Duration, bytes: u64) -> String {
    if bytes == 0 {
        return "n/a".to_string();
    }
    format!("{:.1}", cpu.as_secs_f64() / (bytes as f64 / 1e9))
}

/// The title and the machine line.
fn print_header(started: SystemTime, finished: SystemTime) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("## snowflake-rs benchmark, {}", utc_date(started));
    println!();
    println!(
        "{cores} cores ({}), release build, everything on 127.0.0.1 with loopback-only ICE; \
         took {:.0} s.",
        cpu_model(),
        finished
            .duration_since(started)
            .unwrap_or_default()
            .as_secs_f64()
    );
}

fn print_report(
    args: &Args,
    results: &[(Mode, ModeResults)],
    memory: &Memory,
    browsers: &BrowserPart,
    started: SystemTime,
    finished: SystemTime,
) {
    print_header(started, finished);
    println!();
    let header: Vec<&str> = results.iter().map(|(mode, _)| mode.title).collect();
    println!("| | {} |", header.join(" | "));
    println!("| --- |{}", " ---: |".repeat(results.len()));
    let row = |label: &str, cell: &dyn Fn(&ModeResults) -> String| {
        let cells: Vec<String> = results.iter().map(|(_, r)| cell(r)).collect();
        println!("| {label} | {} |", cells.join(" | "));
    };
    row(
        &format!(
            "throughput, MB/s down ({} down + {} up at once, separate processes)",
            format_bytes(args.bytes),
            format_bytes(args.bytes / 10)
        ),
        &|r| r.throughput.map_or("n/a".into(), |t| format!("{t:.1}")),
    );
    row(
        &format!(
            "time to first byte, ms (SOCKS connect to first byte; median of {})",
            args.samples
        ),
        &|r| match median(&r.first_bytes) {
            Some(m) => {
                let all: Vec<String> = r.first_bytes.iter().map(|d| ms(*d)).collect();
                format!("{} ({})", ms(m), all.join(", "))
            }
            None => "n/a".into(),
        },
    );
    row(
        "stall after a proxy process is SIGKILLed, ms (median; each)",
        &|r| stall_cell(&r.process_stalls),
    );
    row(
        "stall after an in-process proxy is stopped, ms (median; each)",
        &|r| stall_cell(&r.stack_stalls),
    );
    for (label, pick) in [
        ("client", (|c: &CpuUse| c.client) as fn(&CpuUse) -> Duration),
        ("proxy (all proxies)", |c: &CpuUse| c.proxies),
        ("server", |c: &CpuUse| c.server),
        ("broker", |c: &CpuUse| c.broker),
    ] {
        row(&format!("{label} CPU-seconds per GB moved"), &|r| {
            r.cpu
                .as_ref()
                .map_or("n/a".into(), |cpu| per_gb(pick(cpu), r.moved))
        });
    }
    row("data checked by SHA-256", &|r| match r.intact {
        Some(true) => "matched".into(),
        Some(false) => "MISMATCH".into(),
        None => "n/a".into(),
    });
    println!();
    match &memory.per_session {
        Ok(per) => println!(
            "Server memory per idle session: {:.1} kB (VmRSS growth over {} sessions, each a \
             WebSocket and one stream relayed to tor; {} MB before them).",
            *per as f64 / 1000.0,
            memory.sessions,
            memory.baseline / MB
        ),
        Err(error) => println!("Server memory per idle session: not measured ({error})."),
    }
    println!();
    println!(
        "GB moved counts both directions. Throughput is from the first downloaded byte to the \
         last; the bench process (stand-in tor, data generation and checking) shares the cores. \
         Proxies run with -capacity 1 in the process runs so that the ones carrying the session \
         are known; a spare is started and reaches the broker before each kill. A stall is the \
         longest time without downloaded data from a kill until {} more arrived (at least {} s \
         after the kill).",
        format_bytes(RECOVERED_BYTES),
        RECOVERY_MIN.as_secs()
    );
    for (mode, r) in results {
        for note in &r.notes {
            println!();
            println!("Note ({}): {note}", mode.title);
        }
        for failure in &r.failures {
            println!();
            println!("FAILED ({}): {failure}", mode.title);
        }
    }
    print_browser_report(args, browsers);
}

fn print_browser_report(args: &Args, part: &BrowserPart) {
    println!();
    if let Some(reason) = &part.skipped {
        println!("browser proxy: skipped ({reason})");
        return;
    }
    let empty = BrowserFigures::default();
    let figures = part.figures.as_ref().unwrap_or(&empty);
    let names: Vec<String> = if figures.columns.is_empty() {
        vec!["Chromium".to_string(), "Firefox ESR".to_string()]
    } else {
        figures
            .columns
            .iter()
            .map(|c| major_version(&c.version))
            .collect()
    };
    println!(
        "### Browser proxy ({} running proxy-web)",
        names.join(" / ")
    );
    println!();
    if !figures.columns.is_empty() {
        let columns = &figures.columns;
        let titles: Vec<&str> = columns.iter().map(|c| c.version.as_str()).collect();
        println!("| | {} |", titles.join(" | "));
        println!("| --- |{}", " ---: |".repeat(columns.len()));
        let row = |label: &str, cell: &dyn Fn(&BrowserColumn) -> String| {
            let cells: Vec<String> = columns.iter().map(cell).collect();
            println!("| {label} | {} |", cells.join(" | "));
        };
        row(
            &format!(
                "throughput, MB/s down ({} down + {} up at once)",
                format_bytes(figures.bytes),
                format_bytes(figures.bytes / 10)
            ),
            &|c| c.throughput.map_or("n/a".into(), |t| format!("{t:.1}")),
        );
        row(
            &format!(
                "time to first byte, ms (SOCKS connect to first byte; median of {})",
                browser_samples(args)
            ),
            &|c| match median(&c.first_bytes) {
                Some(m) => {
                    let all: Vec<String> = c.first_bytes.iter().map(|d| ms(*d)).collect();
                    format!("{} ({})", ms(m), all.join(", "))
                }
                None => "n/a".into(),
            },
        );
        row(
            "stall after this browser is SIGKILLed mid-transfer and the other takes over, ms \
             (median; each)",
            &|c| {
                let stalls: Vec<Stall> = figures
                    .stalls
                    .iter()
                    .filter(|s| s.killed == c.browser)
                    .map(|s| Stall {
                        gap: s.gap,
                        recovered: s.recovered,
                    })
                    .collect();
                stall_cell(&stalls)
            },
        );
        row("data checked by SHA-256", &|c| match c.intact {
            Some(true) => "matched".into(),
            Some(false) => "MISMATCH".into(),
            None => "n/a".into(),
        });
        println!();
    }
    let capped = if figures.bytes < args.bytes {
        format!(" (--bytes capped at {})", format_bytes(BROWSER_BYTES_MAX))
    } else {
        String::new()
    };
    println!(
        "Each browser runs headless in a network namespace with only lo, showing proxy-web \
         (capacity 1, loopback ICE) as the only proxy of an in-process stack (our broker, \
         server and redial client, the stand-in tor); the bench process shares the cores. \
         Throughput and time to first byte are through each browser alone, {} down{capped}. \
         For the stalls both browsers poll; once the session carries data, the process group \
         of the browser serving it is SIGKILLed, the session goes on through the other, and a \
         new browser of the killed kind is the spare for the next kill ({} kill(s) in all). \
         Stalls are measured as above. Took {:.0} s.",
        format_bytes(figures.bytes),
        args.kills,
        part.took.as_secs_f64()
    );
    for note in &figures.notes {
        println!();
        println!("Note (browser proxy): {note}");
    }
    if let Some(failure) = &part.failure {
        println!();
        println!("FAILED (browser proxy): {failure}");
    }
    for failure in &figures.failures {
        println!();
        println!("FAILED (browser proxy): {failure}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn utc_dates() {
        assert_eq!(utc_date(UNIX_EPOCH), "1970-01-01 00:00 UTC");
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(utc_date(t), "2023-11-14 22:13 UTC");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(utc_date(leap), "2000-02-29 00:00 UTC");
    }
}
