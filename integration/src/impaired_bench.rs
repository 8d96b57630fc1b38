//! The benchmark over a poor network: delay, jitter and loss on the
//! WebRTC hop only, for our client and proxy and for Debian's Go
//! `snowflake-client` and `snowflake-proxy`, both through our broker and
//! our server (separate processes, see [`crate::processes`]).
//!
//! Everything runs in a network namespace with only `lo` (the Go peers
//! must, and the impairment has to stay away from the host), so, as for
//! the browser rows, a second copy of `snowflake-bench` is started in a
//! fresh namespace ([`run_part`]); it measures ([`copy_main`]) and prints
//! its finished markdown section as tagged lines that the first copy
//! prints in turn. In the namespace, `snowflake-impair` (the verdict
//! program of `snowflake_testkit::impair`) delays each UDP packet by half
//! the round-trip time plus a small random jitter and drops it with the
//! loss probability; the STUN responder's ports are left alone, and the
//! broker's HTTP and the server's WebSocket are TCP, so only the WebRTC
//! data path (ICE, DTLS, SCTP) is impaired. Each condition starts with a
//! calibration: UDP echoes between two sockets through the same rule
//! measure the round trip actually added.
//!
//! Per condition, peers and direction the table has goodput, time to
//! first byte, the longest stall and whether the SHA-256 of the data
//! matched. A transfer that hits the time cap is reported with its
//! partial goodput and marked capped.
//!
//! [`stall_runs`] is a second, smaller part that needs no namespace:
//! back-to-back downloads and uploads between our own client and proxy
//! with CPU hogs running, counting stalls over 2 s.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use snowflake_common::messages::proxy::PROBE_STUB_SID;
use snowflake_common::messages::{ProxyAnswerRequest, ProxyPollResponse};
use snowflake_rtc::config::RtcConfig;
use snowflake_testkit::go_client::{self, socks_args, GoClient};
use snowflake_testkit::go_proxy::{self, GoProxyOptions};
use snowflake_testkit::impair::parse_counter_line;
use snowflake_testkit::netns;
use snowflake_testkit::process::ChildGuard;
use snowflake_testkit::stun::StunServer;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinHandle;

use crate::browser_bench::run_in_netns;
use crate::processes::{log_tail, Binaries, ExtraArgs, ProcessOptions, ProcessStack, ScratchDir};
use crate::standin::{StandInTor, TransferHeader};
use crate::transfer::{run_transfer, socks_connect, Progress};
use crate::units::{format_bytes, median, parse_size};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The flag that makes `snowflake-bench` the namespaced copy.
pub const COPY_FLAG: &str = "--impaired-netns-copy";
/// Tag of every section line the namespaced copy prints.
const LINE_TAG: &str = "snowflake-bench-impaired";
/// Tag of the copy's last line: `ok`, or `failed` when a run failed or
/// data did not match.
const STATUS_TAG: &str = "snowflake-bench-impaired-status";

/// The default conditions: round-trip time, loss per direction, and CPU
/// hogs (see [`parse_conditions`]).
pub const DEFAULT_CONDITIONS: &str = "50ms/0%,100ms/1%,200ms/3%,100ms/1%/2hogs";
/// Random extra delay per packet, `[0, this]`, unless a condition says.
pub const DEFAULT_JITTER: Duration = Duration::from_millis(2);
/// Default bytes per transfer.
pub const DEFAULT_BYTES: u64 = 5_000_000;
/// Default time cap per transfer.
pub const DEFAULT_CAP: Duration = Duration::from_secs(90);
/// Environment variables read when the matching flag is not given.
pub const ENV_BYTES: &str = "SNOWFLAKE_BENCH_IMPAIRED_BYTES";
/// See [`ENV_BYTES`]; seconds.
pub const ENV_CAP: &str = "SNOWFLAKE_BENCH_IMPAIRED_CAP";
/// See [`ENV_BYTES`].
pub const ENV_REPS: &str = "SNOWFLAKE_BENCH_IMPAIRED_REPS";
/// See [`ENV_BYTES`].
pub const ENV_CONDITIONS: &str = "SNOWFLAKE_BENCH_IMPAIRED_CONDITIONS";

/// A gap without progress longer than this counts as a stall in the
/// stall runs.
pub const STALL_THRESHOLD: Duration = Duration::from_secs(2);
/// CPU hogs in the stall runs.
pub const STALL_RUN_HOGS: usize = 2;

/// The NFQUEUE queue the impairment uses (queues are per namespace).
const QUEUE_NUM: u16 = 7;
/// How long the peers may take to be back at the broker between runs.
const PROXY_WAIT: Duration = Duration::from_secs(60);
/// Echo probes of one calibration, and their spacing.
const PROBES: usize = 100;
const PROBE_EVERY: Duration = Duration::from_millis(10);
/// How long `snowflake-impair` may take to be ready or to stop.
const IMPAIR_WAIT: Duration = Duration::from_secs(15);
/// The verdict program's nice value: the emulated network should not be
/// slowed down by the CPU hogs that load the endpoints.
const IMPAIR_NICE: i32 = -10;
/// Where Debian's Go proxy 2.5.1 sends its NAT probe (no flag changes
/// it); the namespace maps the name to 127.0.0.1.
const GO_PROBE_HOST: &str = "snowflake-broker.torproject.net";
const GO_PROBE_PORT: u16 = 8443;
/// Bytes of the warm-up transfer through each set of peers.
const WARM_UP_BYTES: u64 = 10_000;
/// How long the Go client may take to print its CMETHOD line.
const GO_CLIENT_WAIT: Duration = Duration::from_secs(30);

fn progress_note(text: &str) {
    eprintln!("snowflake-bench: {text}");
}

// ---- conditions ----------------------------------------------------------------

/// One network condition of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// Round-trip time added (half of it to each packet).
    pub rtt: Duration,
    /// Loss probability per packet, so per direction (0 to 1).
    pub loss: f64,
    /// Random extra delay per packet, uniform in `[0, jitter]`.
    pub jitter: Duration,
    /// Busy-loop threads running meanwhile.
    pub hogs: usize,
}

fn ms_f64(duration: Duration) -> f64 {
    duration.as_micros() as f64 / 1000.0
}

impl Condition {
    /// The delay of each packet: half the round trip.
    pub fn delay(&self) -> Duration {
        self.rtt / 2
    }

    /// The spelling [`parse_conditions`] reads, e.g. `100ms/1%/j2ms/2hogs`.
    pub fn spec(&self) -> String {
        format!(
            "{}ms/{}%/j{}ms/{}hogs",
            ms_f64(self.rtt),
            self.loss * 100.0,
            ms_f64(self.jitter),
            self.hogs
        )
    }

    /// `RTT 100 ms, 1 % loss, 2 CPU hogs`.
    pub fn title(&self) -> String {
        let mut title = format!("RTT {} ms, {} % loss", ms_f64(self.rtt), self.loss * 100.0);
        if self.hogs > 0 {
            title.push_str(&format!(", {} CPU hogs", self.hogs));
        }
        title
    }
}

fn parse_ms(text: &str) -> Result<Duration, String> {
    let number = text.strip_suffix("ms").unwrap_or(text);
    let ms: f64 = number
        .parse()
        .map_err(|_| format!("bad duration {text:?} (milliseconds, e.g. 50ms)"))?;
    if !ms.is_finite() || !(0.0..=60_000.0).contains(&ms) {
        return Err(format!("duration {text:?} is out of range"));
    }
    Ok(Duration::from_secs_f64(ms / 1000.0))
}

fn parse_condition(item: &str) -> Result<Condition, String> {
    let mut rtt = None;
    let mut loss = 0.0;
    let mut jitter = DEFAULT_JITTER;
    let mut hogs = 0;
    for token in item.split('/').map(str::trim) {
        if let Some(j) = token
            .strip_prefix("jitter")
            .or_else(|| token.strip_prefix('j'))
        {
            jitter = parse_ms(j)?;
        } else if token == "hogs" {
            hogs = 2;
        } else if let Some(n) = token.strip_suffix("hogs") {
            hogs = n
                .parse()
                .map_err(|_| format!("bad hog count {token:?} in {item:?}"))?;
        } else if let Some(p) = token.strip_suffix('%') {
            let percent: f64 = p
                .trim()
                .parse()
                .map_err(|_| format!("bad loss {token:?} in {item:?}"))?;
            if !(0.0..=100.0).contains(&percent) {
                return Err(format!("loss {token:?} is not from 0 to 100 %"));
            }
            loss = percent / 100.0;
        } else if rtt.is_none() {
            rtt = Some(parse_ms(token)?);
        } else {
            return Err(format!("unexpected {token:?} in condition {item:?}"));
        }
    }
    Ok(Condition {
        rtt: rtt.ok_or_else(|| format!("condition {item:?} has no round-trip time"))?,
        loss,
        jitter,
        hogs,
    })
}

/// Reads a comma-separated list of conditions, each
/// `RTT[/LOSS%][/jJITTER][/NhogS]`: `50ms/0%`, `100ms/1%/j5ms`,
/// `100ms/1%/2hogs` (`hogs` alone is 2). The jitter is per packet
/// (default [`DEFAULT_JITTER`]).
pub fn parse_conditions(text: &str) -> Result<Vec<Condition>, String> {
    let conditions = text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(parse_condition)
        .collect::<Result<Vec<_>, _>>()?;
    if conditions.is_empty() {
        return Err("no conditions given".to_string());
    }
    Ok(conditions)
}

// ---- peers and options -----------------------------------------------------------

/// Which programs carry the transfers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peers {
    /// Our `snowflake-client` and `snowflake-proxy`, with extra flags each.
    Ours(ExtraArgs),
    /// Debian's Go `snowflake-client` and `snowflake-proxy`.
    Go,
}

/// One column of peers in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerSpec {
    /// What the table calls them.
    pub title: String,
    /// The programs.
    pub peers: Peers,
}

/// Environment variable naming the rows to measure, comma-separated:
/// `ours`, `reliable` (ours, reliable channel only), `go`. All by default.
pub const ENV_PEERS: &str = "SNOWFLAKE_BENCH_IMPAIRED_PEERS";

/// The rows of `peers` that [`ENV_PEERS`] selects.
pub fn selected_peers(peers: Vec<PeerSpec>) -> Result<Vec<PeerSpec>, String> {
    let Ok(wanted) = std::env::var(ENV_PEERS) else {
        return Ok(peers);
    };
    let keys: Vec<&str> = wanted
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect();
    if let Some(bad) = keys
        .iter()
        .find(|k| !["ours", "reliable", "go"].contains(k))
    {
        return Err(format!(
            "{ENV_PEERS}: unknown row {bad:?} (ours, reliable, go)"
        ));
    }
    let key = |spec: &PeerSpec| match &spec.peers {
        Peers::Go => "go",
        Peers::Ours(_) if spec.title.contains("reliable") => "reliable",
        Peers::Ours(_) => "ours",
    };
    Ok(peers
        .into_iter()
        .filter(|p| keys.contains(&key(p)))
        .collect())
}

/// Our client and proxy (with `extra` flags), then the Go peers. More
/// rows of ours (another mode) are more entries here.
pub fn default_peers(extra: &ExtraArgs) -> Vec<PeerSpec> {
    let mut title = "ours".to_string();
    let flags: Vec<String> = extra
        .client
        .iter()
        .map(|a| format!("client {a}"))
        .chain(extra.proxy.iter().map(|a| format!("proxy {a}")))
        .collect();
    if !flags.is_empty() {
        title.push_str(&format!(" ({})", flags.join(", ")));
    }
    // The same peers kept to the reliable channel (as with any Go or
    // browser peer), to show what the datagram channel changes.
    let mut reliable = extra.clone();
    reliable.client.push("-datagrams=false".to_string());
    reliable.proxy.push("-datagrams=false".to_string());
    vec![
        PeerSpec {
            title,
            peers: Peers::Ours(extra.clone()),
        },
        PeerSpec {
            title: "ours, reliable channel only".to_string(),
            peers: Peers::Ours(reliable),
        },
        PeerSpec {
            title: format!("Go {}", go_version()),
            peers: Peers::Go,
        },
    ]
}

/// The Debian version of the Go client (e.g. `2.5.1`), or `(Debian)`.
fn go_version() -> String {
    std::process::Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", go_client::DEBIAN_PACKAGE])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .map(|v| v.split(['-', '+']).next().unwrap_or(&v).to_string())
        .unwrap_or_else(|| "(Debian)".to_string())
}

/// What the impaired-network part measures.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpairedOptions {
    /// Bytes per transfer.
    pub bytes: u64,
    /// Time cap per transfer.
    pub cap: Duration,
    /// Transfers per cell (the median is shown).
    pub reps: usize,
    /// The network conditions, in order.
    pub conditions: Vec<Condition>,
    /// Extra flags for our client and proxy.
    pub extra: ExtraArgs,
}

fn env_or<T>(
    flag: Option<T>,
    var: &str,
    parse: impl Fn(&str) -> Result<T, String>,
    default: T,
) -> Result<T, String> {
    if let Some(value) = flag {
        return Ok(value);
    }
    match std::env::var(var) {
        Ok(text) if !text.trim().is_empty() => {
            parse(text.trim()).map_err(|e| format!("{var}: {e}"))
        }
        _ => Ok(default),
    }
}

impl ImpairedOptions {
    /// The options from the flags given, the environment
    /// (`SNOWFLAKE_BENCH_IMPAIRED_{BYTES,CAP,REPS,CONDITIONS}`) for those
    /// not given, and the defaults.
    pub fn from_flags(
        bytes: Option<u64>,
        cap_secs: Option<u64>,
        reps: Option<usize>,
        conditions: Option<&str>,
        extra: ExtraArgs,
    ) -> Result<ImpairedOptions, String> {
        let bytes = env_or(bytes, ENV_BYTES, parse_size, DEFAULT_BYTES)?;
        let cap_secs = env_or(
            cap_secs,
            ENV_CAP,
            |t| {
                t.trim_end_matches('s')
                    .parse::<u64>()
                    .map_err(|_| format!("bad cap {t:?} (seconds)"))
            },
            DEFAULT_CAP.as_secs(),
        )?;
        let reps = env_or(
            reps,
            ENV_REPS,
            |t| t.parse().map_err(|_| format!("bad repetitions {t:?}")),
            1,
        )?;
        let conditions = match conditions {
            Some(text) => parse_conditions(text)?,
            None => env_or(None, ENV_CONDITIONS, parse_conditions, Vec::new())?,
        };
        let conditions = if conditions.is_empty() {
            parse_conditions(DEFAULT_CONDITIONS)?
        } else {
            conditions
        };
        selected_peers(default_peers(&extra))?;
        if bytes == 0 || cap_secs == 0 || reps == 0 {
            return Err("impaired-network size, cap and repetitions must be above 0".to_string());
        }
        Ok(ImpairedOptions {
            bytes,
            cap: Duration::from_secs(cap_secs),
            reps,
            conditions,
            extra,
        })
    }

    /// The command line of the namespaced copy that measures with these
    /// options.
    pub fn copy_args(&self) -> Vec<String> {
        let specs: Vec<String> = self.conditions.iter().map(Condition::spec).collect();
        let mut args = vec![
            COPY_FLAG.to_string(),
            format!("--impaired-bytes={}", self.bytes),
            format!("--impaired-cap={}", self.cap.as_secs()),
            format!("--impaired-reps={}", self.reps),
            format!("--impaired-conditions={}", specs.join(",")),
        ];
        args.extend(
            self.extra
                .client
                .iter()
                .map(|a| format!("--client-arg={a}")),
        );
        args.extend(self.extra.proxy.iter().map(|a| format!("--proxy-arg={a}")));
        args
    }

    /// A hang guard for the whole part: every transfer capped, plus
    /// setting up.
    pub fn part_limit(&self) -> Duration {
        let transfers = self.conditions.len() * 2 * 2 * self.reps;
        let per = self.cap + PROXY_WAIT / 2 + Duration::from_secs(10);
        per * u32::try_from(transfers).unwrap_or(u32::MAX) + Duration::from_secs(240)
    }
}

// ---- the part as the first copy sees it --------------------------------------------

/// Why the impaired-network part cannot run here, if it cannot: it needs
/// root (a namespace, iptables), iptables-legacy, the kernel's
/// `nfnetlink_queue` and `snowflake-impair` built.
pub fn skip_reason() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    if uid != 0 {
        return Some(format!(
            "running as uid {uid}; the impaired network needs root (a network namespace and \
             iptables)"
        ));
    }
    if let Err(error) = snowflake_testkit::process::find_program("iptables-legacy", "iptables") {
        return Some(error);
    }
    if !Path::new("/proc/net/netfilter/nfnetlink_queue").exists() {
        return Some("the kernel has no nfnetlink_queue (NFQUEUE)".to_string());
    }
    impair_binary().err()
}

/// `snowflake-impair` beside this program.
fn impair_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("finding this program: {e}"))?;
    let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.file_name().is_some_and(|name| name == "deps") {
        if let Some(parent) = dir.parent() {
            dir = parent.to_path_buf();
        }
    }
    let path = dir.join("snowflake-impair");
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} is not built: cargo build --release -p snowflake-integration",
            path.display()
        ))
    }
}

/// The impaired-network part of a report.
#[derive(Debug, Default)]
pub struct ImpairedPart {
    /// The markdown section the namespaced copy printed.
    pub section: Vec<String>,
    /// Why it did not run.
    pub skipped: Option<String>,
    /// Why it failed as a whole.
    pub failure: Option<String>,
    /// Whether the copy reported every run finished with intact data.
    pub copy_ok: bool,
    /// How long it took.
    pub took: Duration,
}

impl ImpairedPart {
    /// False when a run failed or data did not match (skipping is fine).
    pub fn healthy(&self) -> bool {
        self.skipped.is_some() || (self.failure.is_none() && self.copy_ok)
    }
}

/// Runs the part in a copy of this program in a fresh namespace (blocks
/// the calling thread, which must live until it returns), unless it
/// cannot run here.
pub fn run_part(options: &ImpairedOptions) -> ImpairedPart {
    if let Some(reason) = skip_reason() {
        progress_note(&format!("impaired network: skipped ({reason})"));
        return ImpairedPart {
            skipped: Some(reason),
            ..ImpairedPart::default()
        };
    }
    progress_note("impaired network: measuring in a network namespace");
    let started = Instant::now();
    let limit = options.part_limit();
    let run = run_in_netns(&options.copy_args(), limit);
    let mut part = ImpairedPart {
        took: started.elapsed(),
        ..ImpairedPart::default()
    };
    match run {
        Err(error) => part.failure = Some(error),
        Ok(run) => {
            for line in run.stdout.lines() {
                if let Some(rest) = line.strip_prefix(STATUS_TAG) {
                    part.copy_ok = rest.trim() == "ok";
                } else if let Some(rest) = line.strip_prefix(LINE_TAG) {
                    part.section
                        .push(rest.strip_prefix('\t').unwrap_or(rest).to_string());
                }
            }
            part.failure = match run.status {
                None => Some(format!(
                    "the namespaced copy was killed after {} s",
                    limit.as_secs()
                )),
                Some(status) if !status.success() => {
                    Some(format!("the namespaced copy ended with {status}"))
                }
                Some(_) if part.section.is_empty() => {
                    Some("the namespaced copy printed no table".to_string())
                }
                Some(_) => None,
            };
        }
    }
    part
}

/// Prints the part (or why it is missing).
pub fn print_part(part: &ImpairedPart) {
    println!();
    if let Some(reason) = &part.skipped {
        println!("impaired network: skipped ({reason})");
        return;
    }
    for line in &part.section {
        println!("{line}");
    }
    if let Some(failure) = &part.failure {
        println!();
        println!("FAILED (impaired network): {failure}");
    }
}

// ---- the namespaced copy --------------------------------------------------------------

/// The namespaced copy's `main`: checks that it is in a namespace with
/// only `lo`, measures, and prints the section as tagged lines.
pub fn copy_main(options: &ImpairedOptions) -> ExitCode {
    let fail = |text: String| {
        progress_note(&text);
        ExitCode::from(2)
    };
    if !netns::inside() {
        return fail(format!(
            "{COPY_FLAG} is for the copy of the benchmark that --impaired starts in a network \
             namespace; run snowflake-bench --impaired (as root) instead"
        ));
    }
    match netns::interfaces() {
        Ok(names) if names == ["lo"] => {}
        Ok(names) => return fail(format!("the namespace must have only lo, not {names:?}")),
        Err(error) => return fail(format!("listing network interfaces: {error}")),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(format!("cannot start the runtime: {error}")),
    };
    // The verdict program is started from this thread (block_on runs the
    // future here) and told to stop when it ends.
    let report = runtime.block_on(measure(options));
    let mut out = String::new();
    for line in report.section(options) {
        out.push_str(&format!("{LINE_TAG}\t{line}\n"));
    }
    out.push_str(&format!(
        "{STATUS_TAG}\t{}\n",
        if report.ok() { "ok" } else { "failed" }
    ));
    print!("{out}");
    ExitCode::SUCCESS
}

/// Transfer direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the stand-in tor to the SOCKS client.
    Download,
    /// From the SOCKS client to the stand-in tor.
    Upload,
}

impl Direction {
    /// `download` / `upload`.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Download => "download",
            Direction::Upload => "upload",
        }
    }
}

/// What one transfer achieved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransferOutcome {
    /// Bytes that reached the far end.
    pub bytes: u64,
    /// From the SOCKS connect to the first byte at the far end.
    pub first_byte: Option<Duration>,
    /// The last byte at the far end, or the cap, or the failure.
    pub end: Duration,
    /// The time cap ended it.
    pub capped: bool,
    /// Whether the data matched (only for a finished transfer).
    pub intact: Option<bool>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// The longest time without progress from the first byte to `end`.
    pub longest_stall: Duration,
    /// Gaps without progress longer than [`STALL_THRESHOLD`].
    pub stalls_over_threshold: usize,
}

impl TransferOutcome {
    /// Bytes per second from the first byte to `end`.
    pub fn goodput(&self) -> Option<f64> {
        let first = self.first_byte?;
        let secs = self.end.saturating_sub(first).as_secs_f64();
        (secs > 0.0).then(|| self.bytes as f64 / secs)
    }
}

/// The gaps without progress in `[from, to]` of a (time, bytes)
/// timeline, including the one from the last point to `to`.
fn gaps(timeline: &[(Duration, u64)], from: Duration, to: Duration) -> Vec<Duration> {
    let mut previous = from;
    let mut out = Vec::new();
    for &(at, _) in timeline.iter().filter(|p| p.0 >= from && p.0 <= to) {
        out.push(at.saturating_sub(previous));
        previous = at;
    }
    out.push(to.saturating_sub(previous));
    out
}

/// One checked transfer of `bytes` in `direction` through the SOCKS
/// client at `socks` (with PT arguments `args`), capped at `cap`.
pub async fn one_transfer(
    socks: SocketAddr,
    args: &str,
    tor: &StandInTor,
    direction: Direction,
    bytes: u64,
    cap: Duration,
) -> TransferOutcome {
    let header = match direction {
        Direction::Download => TransferHeader {
            upload: 0,
            download: bytes,
            seed: rand::random(),
        },
        Direction::Upload => TransferHeader {
            upload: bytes,
            download: 0,
            seed: rand::random(),
        },
    };
    let uploaded = || tor.stats().upload_bytes.load(Ordering::Relaxed);
    let base = uploaded();
    let progress = Progress::new();
    // Upload progress as the stand-in tor sees it, sampled.
    let mut up_timeline: Vec<(Duration, u64)> = Vec::new();
    let transfer = async {
        let stream = socks_connect(socks, args).await?;
        Ok::<_, BoxError>(run_transfer(stream, header, Arc::clone(&progress)).await?)
    };
    let sample = |timeline: &mut Vec<(Duration, u64)>| {
        let now = uploaded().saturating_sub(base);
        if timeline.last().map_or(now > 0, |last| now > last.1) {
            timeline.push((progress.start().elapsed(), now));
        }
    };
    let result = {
        let capped = tokio::time::timeout(cap, transfer);
        tokio::pin!(capped);
        let mut ticker = tokio::time::interval(Duration::from_millis(2));
        loop {
            tokio::select! {
                result = &mut capped => break result,
                _ = ticker.tick(), if direction == Direction::Upload => sample(&mut up_timeline),
            }
        }
    };
    if direction == Direction::Upload {
        sample(&mut up_timeline);
    }
    let elapsed = progress.start().elapsed();
    let timeline = match direction {
        Direction::Download => progress.timeline(),
        Direction::Upload => up_timeline,
    };
    let mut outcome = TransferOutcome {
        bytes: timeline.last().map_or(0, |p| p.1),
        first_byte: timeline.first().map(|p| p.0),
        ..TransferOutcome::default()
    };
    match result {
        Err(_) => {
            outcome.capped = true;
            outcome.end = cap;
        }
        Ok(Err(error)) => {
            outcome.error = Some(error.to_string());
            outcome.end = elapsed;
        }
        Ok(Ok(report)) => {
            outcome.end = timeline.last().map_or(elapsed, |p| p.0);
            outcome.intact = Some(match direction {
                Direction::Download => report.download_intact,
                Direction::Upload => report.upload_intact,
            });
        }
    }
    if let Some(first) = outcome.first_byte {
        let gaps = gaps(&timeline, first, outcome.end);
        outcome.longest_stall = gaps.iter().copied().max().unwrap_or_default();
        outcome.stalls_over_threshold = gaps.iter().filter(|g| **g > STALL_THRESHOLD).count();
    }
    outcome
}

/// Busy-loop threads, stopped when dropped.
#[derive(Debug)]
pub struct CpuHogs {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl CpuHogs {
    /// Starts `n` threads that spin until this is dropped.
    pub fn start(n: usize) -> CpuHogs {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..n)
            .map(|_| {
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    let mut x = 1u64;
                    while !stop.load(Ordering::Relaxed) {
                        for i in 0..100_000u64 {
                            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005) ^ i);
                        }
                    }
                })
            })
            .collect();
        CpuHogs { stop, threads }
    }
}

impl Drop for CpuHogs {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// `snowflake-impair` running for one condition.
struct ImpairProcess {
    child: tokio::process::Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    log: PathBuf,
}

impl ImpairProcess {
    async fn start(
        binary: &Path,
        condition: &Condition,
        excluded: &[u16],
        log: PathBuf,
    ) -> Result<ImpairProcess, String> {
        let log_file = std::fs::File::create(&log).map_err(|e| format!("impair log: {e}"))?;
        let mut command = tokio::process::Command::new(binary);
        command
            .arg(format!("--delay-ms={}", ms_f64(condition.delay())))
            .arg(format!("--jitter-ms={}", ms_f64(condition.jitter)))
            .arg(format!("--loss={}", condition.loss))
            .arg(format!("--queue-num={QUEUE_NUM}"))
            .arg(format!("--nice={IMPAIR_NICE}"))
            .args(excluded.iter().map(|p| format!("--exclude-udp-port={p}")))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true);
        // SAFETY: prctl is async-signal-safe and touches no memory of ours.
        // The verdict program gets SIGTERM (and removes its rules) if the
        // thread that started it ends first.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("starting {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("snowflake-impair: no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(IMPAIR_WAIT, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.trim() == "impair ready" {
                    return true;
                }
            }
            false
        })
        .await;
        if ready != Ok(true) {
            let _ = child.start_kill();
            let _ = child.wait().await;
            return Err(format!(
                "snowflake-impair did not get ready; its log:\n{}",
                log_tail(&log, 3000)
            ));
        }
        Ok(ImpairProcess { child, lines, log })
    }

    /// Stops it (SIGTERM: it removes its rules) and returns its counters.
    async fn stop(mut self) -> Result<BTreeMap<String, u64>, String> {
        if let Some(pid) = self.child.id().and_then(|p| i32::try_from(p).ok()) {
            // SAFETY: kill has no memory-safety preconditions; pid is our
            // own child, not yet reaped.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        let mut counters = None;
        let read = tokio::time::timeout(IMPAIR_WAIT, async {
            while let Ok(Some(line)) = self.lines.next_line().await {
                if let Some(rest) = line.strip_prefix("impair counters:") {
                    counters = Some(parse_counter_line(rest));
                }
            }
            self.child.wait().await
        })
        .await;
        match read {
            Ok(Ok(status)) if status.success() => {}
            Ok(Ok(status)) => {
                return Err(format!(
                    "snowflake-impair ended with {status}; its log:\n{}",
                    log_tail(&self.log, 3000)
                ))
            }
            _ => {
                let _ = self.child.start_kill();
                return Err("snowflake-impair did not stop on SIGTERM".to_string());
            }
        }
        counters.ok_or_else(|| "snowflake-impair printed no counters".to_string())
    }
}

/// What the UDP echoes through the rule found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calibration {
    /// Probes sent.
    pub sent: usize,
    /// Round trips of the probes that came back.
    pub rtts: Vec<Duration>,
}

impl Calibration {
    fn percentile(&self, p: f64) -> Option<Duration> {
        let mut sorted = self.rtts.clone();
        sorted.sort_unstable();
        let rank = ((p * sorted.len() as f64).ceil() as usize).max(1);
        sorted.get(rank - 1).copied()
    }
}

/// Sends [`PROBES`] UDP echoes between two sockets on 127.0.0.1, one
/// every [`PROBE_EVERY`], and times the replies (each probe crosses the
/// rule twice, so the round trip gets the delay twice).
async fn calibrate(condition: &Condition) -> Result<Calibration, BoxError> {
    let client = UdpSocket::bind("127.0.0.1:0").await?;
    let echo = UdpSocket::bind("127.0.0.1:0").await?;
    let echo_addr = echo.local_addr()?;
    let echo_task = tokio::spawn(async move {
        let mut buf = [0u8; 256];
        while let Ok((n, from)) = echo.recv_from(&mut buf).await {
            let _ = echo.send_to(&buf[..n], from).await;
        }
    });
    let started = Instant::now();
    let mut sent_at = vec![None; PROBES];
    let mut rtts = Vec::new();
    let mut next = 0usize;
    let mut ticker = tokio::time::interval(PROBE_EVERY);
    let wait_after = condition.rtt * 2 + condition.jitter * 4 + Duration::from_secs(1);
    let mut deadline = None;
    let mut buf = [0u8; 256];
    loop {
        let until_deadline = deadline.map(|d: Instant| d.saturating_duration_since(Instant::now()));
        if until_deadline == Some(Duration::ZERO) || rtts.len() == PROBES {
            break;
        }
        tokio::select! {
            _ = ticker.tick(), if next < PROBES => {
                let mut probe = [0u8; 64];
                probe[..4].copy_from_slice(&(next as u32).to_be_bytes());
                sent_at[next] = Some(Instant::now());
                client.send_to(&probe, echo_addr).await?;
                next += 1;
                if next == PROBES {
                    deadline = Some(Instant::now() + wait_after);
                }
            }
            received = client.recv_from(&mut buf) => {
                let (n, _) = received?;
                if n >= 4 {
                    let index = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
                    if let Some(at) = sent_at.get_mut(index).and_then(Option::take) {
                        rtts.push(at.elapsed());
                    }
                }
            }
            _ = tokio::time::sleep(until_deadline.unwrap_or(Duration::from_secs(3600))) => {}
        }
        if started.elapsed() > Duration::from_secs(120) {
            break;
        }
    }
    echo_task.abort();
    Ok(Calibration { sent: PROBES, rtts })
}

/// A stand-in for the NAT probe server Debian's Go proxy 2.5.1 asks at
/// `https://snowflake-broker.torproject.net:8443/probe` (a URL no flag
/// changes): TLS with a self-signed certificate for that name (the Go
/// proxy is pointed at it with `SSL_CERT_FILE`), and an answer from our
/// WebRTC stack in loopback mode, whose data channel then opens. The Go
/// proxy so reports an unrestricted NAT, as a volunteer's proxy that
/// passes the real probe would. Without it the proxy's NAT is unknown,
/// our broker (like Go's) matches it only with clients known to be
/// unrestricted, and the Go client 2.5.1 learns its NAT type in the
/// background of each SOCKS connection: a first offer sent before that
/// finds no proxy and is retried 10 s later.
struct GoProbeServer {
    cert_file: PathBuf,
    task: JoinHandle<()>,
}

impl GoProbeServer {
    async fn start(dir: &Path) -> Result<GoProbeServer, BoxError> {
        let key = rcgen::KeyPair::generate()?;
        let certificate =
            rcgen::CertificateParams::new(vec![GO_PROBE_HOST.to_string()])?.self_signed(&key)?;
        let cert_file = dir.join("go-probe-cert.pem");
        std::fs::write(&cert_file, certificate.pem())?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                vec![certificate.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )?;
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind(("127.0.0.1", GO_PROBE_PORT)).await?;
        let backend = snowflake_rtc::default_backend(RtcConfig::loopback())?;
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let backend = Arc::clone(&backend);
                tokio::spawn(async move {
                    let probe = async {
                        let mut stream = acceptor.accept(stream).await?;
                        let body = read_http_body(&mut stream).await?;
                        let offer = ProxyPollResponse::decode(&body)
                            .map_err(|e| format!("probe body: {e:?}"))?
                            .offer_description()
                            .map_err(|e| format!("probe offer: {e:?}"))?;
                        let peer = backend.answer_offer(&offer).await?;
                        let reply = ProxyAnswerRequest::new(PROBE_STUB_SID, peer.answer()).encode();
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                             Content-Length: {}\r\nConnection: close\r\n\r\n",
                            reply.len()
                        );
                        stream.write_all(head.as_bytes()).await?;
                        stream.write_all(&reply).await?;
                        stream.shutdown().await?;
                        // Keep the channel open a moment so the proxy sees it.
                        let channel =
                            tokio::time::timeout(Duration::from_secs(30), peer.connect()).await;
                        if let Ok(Ok(channel)) = channel {
                            tokio::time::sleep(Duration::from_secs(3)).await;
                            drop(channel);
                        }
                        Ok::<_, BoxError>(())
                    };
                    if let Err(error) = probe.await {
                        progress_note(&format!("impaired network: Go NAT probe: {error}"));
                    }
                });
            }
        });
        Ok(GoProbeServer { cert_file, task })
    }
}

impl Drop for GoProbeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one HTTP/1.1 request with a `Content-Length` body (at most
/// 100 kB) and returns the body.
async fn read_http_body<S: tokio::io::AsyncRead + Unpin>(
    stream: &mut S,
) -> Result<Vec<u8>, BoxError> {
    const LIMIT: usize = 100_000;
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if data.len() > LIMIT {
            return Err("request head too long".into());
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err("connection closed before the request head ended".into());
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or("no Content-Length")?;
    if length > LIMIT {
        return Err("request body too long".into());
    }
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err("connection closed inside the body".into());
        }
        data.extend_from_slice(&buf[..n]);
    }
    Ok(data[head_end..head_end + length].to_vec())
}

/// Peers ready to carry transfers: a process stack (our broker and
/// server, maybe our client and proxy), and for the Go peers their
/// client and proxy.
struct RunningPeers {
    stack: ProcessStack,
    socks: SocketAddr,
    socks_args: String,
    go_proxy: Option<ChildGuard>,
    go_client: Option<GoClient>,
    _go_probe: Option<GoProbeServer>,
    go_logs: Vec<PathBuf>,
    _dir: ScratchDir,
}

impl RunningPeers {
    async fn start(
        binaries: &Binaries,
        spec: &PeerSpec,
        stun: &StunServer,
    ) -> Result<RunningPeers, BoxError> {
        let dir = ScratchDir::new("impaired-peers")?;
        let options = ProcessOptions {
            proxies: usize::from(matches!(spec.peers, Peers::Ours(_))),
            proxy_capacity: 1,
            max_proxies: 1,
            striping: false,
        };
        match &spec.peers {
            Peers::Ours(extra) => {
                let stack = ProcessStack::start_with_args(binaries, &options, extra).await?;
                Ok(RunningPeers {
                    socks: stack.socks_addr(),
                    stack,
                    socks_args: String::new(),
                    go_proxy: None,
                    go_client: None,
                    _go_probe: None,
                    go_logs: Vec::new(),
                    _dir: dir,
                })
            }
            Peers::Go => {
                // Our client runs too but is never used: its SOCKS port
                // stays idle, and it asks the broker for nothing.
                let stack = ProcessStack::start(binaries, &options).await?;
                let probe = GoProbeServer::start(dir.path()).await?;
                let proxy_log = dir.path().join("go-proxy.log");
                let mut command = go_proxy::command(&GoProxyOptions {
                    broker_url: format!("http://{}/", stack.broker_addr()),
                    stun_url: stun.url(),
                    relay_url: format!("ws://{}/", stack.server_addr()),
                    allowed_relay_hostname_pattern: "^127.0.0.1$".to_string(),
                })?;
                let file = std::fs::File::create(&proxy_log)?;
                command
                    .env("SSL_CERT_FILE", &probe.cert_file)
                    .stdout(Stdio::from(file.try_clone()?))
                    .stderr(Stdio::from(file));
                let go_proxy = ChildGuard::spawn(command, "snowflake-proxy")?;
                let client_log = dir.path().join("go-client.log");
                let state = dir.path().join("go-client-state");
                std::fs::create_dir_all(&state)?;
                let client_args = vec![
                    "-log".to_string(),
                    client_log.display().to_string(),
                    "-unsafe-logging".to_string(),
                    "-keep-local-addresses".to_string(),
                ];
                let go_client = tokio::task::spawn_blocking(move || {
                    GoClient::start(&state, &client_args, GO_CLIENT_WAIT)
                })
                .await??;
                let socks_args = socks_args(&[
                    ("url", &format!("http://{}/", stack.broker_addr())),
                    ("ice", &stun.url()),
                    ("max", "1"),
                ]);
                Ok(RunningPeers {
                    socks: go_client.socks_addr(),
                    stack,
                    socks_args,
                    go_proxy: Some(go_proxy),
                    go_client: Some(go_client),
                    _go_probe: Some(probe),
                    go_logs: vec![proxy_log, client_log],
                    _dir: dir,
                })
            }
        }
    }

    /// One small untimed transfer before any impairment. The Go client
    /// learns its NAT type during its first session only; until then the
    /// broker matches it with no proxy of unknown NAT type (the Go proxy
    /// here) and it retries 10 s later, which is not the network's doing.
    /// Returns what went wrong, if anything did.
    async fn warm_up(&self) -> Option<String> {
        if !self.stack.wait_available_proxies(1, PROXY_WAIT).await {
            return Some(format!(
                "no proxy at the broker after {} s",
                PROXY_WAIT.as_secs()
            ));
        }
        let outcome = one_transfer(
            self.socks,
            &self.socks_args,
            &self.stack.tor,
            Direction::Download,
            WARM_UP_BYTES,
            PROXY_WAIT,
        )
        .await;
        if outcome.intact != Some(true) {
            return Some(describe(&outcome));
        }
        let proxy_log = self.go_logs.first().map(|log| log_tail(log, 100_000));
        match proxy_log {
            Some(log) if !log.contains("NAT type: unrestricted") => Some(
                "the Go proxy did not report an unrestricted NAT (its NAT probe failed), so \
                 the Go client's first offer of a connection may wait 10 s for a retry"
                    .to_string(),
            ),
            _ => None,
        }
    }

    /// The end of every log, for a failure report.
    fn log_tails(&self) -> String {
        let mut out = self.stack.log_tails(1500);
        for log in &self.go_logs {
            let name = log.file_name().unwrap_or_default().to_string_lossy();
            out.push_str(&format!("--- {name} ---\n{}\n", log_tail(log, 3000)));
        }
        out
    }

    fn stop(self) {
        drop(self.go_client);
        drop(self.go_proxy);
        drop(self.stack);
    }
}

/// The transfers of one cell (condition, peers, direction).
#[derive(Debug, Clone, Default)]
struct Cell {
    condition: usize,
    peers: usize,
    direction: Option<Direction>,
    runs: Vec<TransferOutcome>,
    /// Why the cell has no runs.
    error: Option<String>,
}

/// One condition's calibration and verdict-program counters.
#[derive(Debug, Clone, Default)]
struct ConditionReport {
    calibration: Option<Calibration>,
    counters: Option<BTreeMap<String, u64>>,
    error: Option<String>,
}

/// Everything the namespaced copy measured.
#[derive(Debug, Default)]
struct Report {
    peers: Vec<PeerSpec>,
    cells: Vec<Cell>,
    conditions: Vec<ConditionReport>,
    notes: Vec<String>,
    failures: Vec<String>,
    took: Duration,
}

impl Report {
    /// No failure, every finished transfer intact.
    fn ok(&self) -> bool {
        self.failures.is_empty()
            && self.conditions.iter().all(|c| c.error.is_none())
            && self.cells.iter().all(|c| {
                c.error.is_none()
                    && c.runs
                        .iter()
                        .all(|r| r.error.is_none() && r.intact != Some(false))
            })
    }
}

/// Measures every condition for every set of peers.
async fn measure(options: &ImpairedOptions) -> Report {
    let started = Instant::now();
    let mut report = Report {
        // Checked in `ImpairedOptions::from_flags`.
        peers: selected_peers(default_peers(&options.extra))
            .unwrap_or_else(|_| default_peers(&options.extra)),
        ..Report::default()
    };
    let setup = async {
        let binaries = Binaries::beside_current_exe()?;
        let impair = impair_binary()?;
        let stun = StunServer::start("127.0.0.1".parse()?).await?;
        let dir = ScratchDir::new("impaired")?;
        Ok::<_, BoxError>((binaries, impair, stun, dir))
    };
    let (binaries, impair, stun, dir) = match setup.await {
        Ok(setup) => setup,
        Err(error) => {
            report.failures.push(format!("setting up: {error}"));
            return report;
        }
    };
    let excluded = [stun.addr().port(), stun.alternate_addr().port()];
    let go_missing = go_client::program()
        .err()
        .or_else(|| go_proxy::program().err());
    if let Some(reason) = &go_missing {
        report.notes.push(format!("Go peers: skipped ({reason})"));
        report.peers.retain(|p| p.peers != Peers::Go);
    }
    let mut running = Vec::new();
    for spec in &report.peers {
        progress_note(&format!("impaired network: starting {}", spec.title));
        match RunningPeers::start(&binaries, spec, &stun).await {
            Ok(peers) => {
                if let Some(problem) = peers.warm_up().await {
                    report
                        .notes
                        .push(format!("{}: warm-up: {problem}", spec.title));
                }
                running.push(Some(peers));
            }
            Err(error) => {
                report
                    .failures
                    .push(format!("{}: starting the peers: {error}", spec.title));
                running.push(None);
            }
        }
    }
    for (ci, condition) in options.conditions.iter().enumerate() {
        let mut condition_report = ConditionReport::default();
        let hogs = CpuHogs::start(condition.hogs);
        let log = dir.path().join(format!("impair-{ci}.log"));
        progress_note(&format!("impaired network: {}", condition.title()));
        let impair_process = match ImpairProcess::start(&impair, condition, &excluded, log).await {
            Ok(process) => process,
            Err(error) => {
                condition_report.error = Some(error);
                report.conditions.push(condition_report);
                continue;
            }
        };
        match calibrate(condition).await {
            Ok(calibration) => {
                progress_note(&format!(
                    "impaired network: calibration: {} of {} echoes, median {:?}",
                    calibration.rtts.len(),
                    calibration.sent,
                    median(&calibration.rtts)
                ));
                condition_report.calibration = Some(calibration);
            }
            Err(error) => condition_report.error = Some(format!("calibration: {error}")),
        }
        for (pi, peers) in running.iter().enumerate() {
            for direction in [Direction::Download, Direction::Upload] {
                let mut cell = Cell {
                    condition: ci,
                    peers: pi,
                    direction: Some(direction),
                    ..Cell::default()
                };
                let Some(peers) = peers else {
                    cell.error = Some("the peers did not start".to_string());
                    report.cells.push(cell);
                    continue;
                };
                for _ in 0..options.reps {
                    if !peers.stack.wait_available_proxies(1, PROXY_WAIT).await {
                        report.notes.push(format!(
                            "{}, {}: no proxy was waiting at the broker after {} s; measured \
                             anyway",
                            condition.title(),
                            report.peers[pi].title,
                            PROXY_WAIT.as_secs()
                        ));
                    }
                    let outcome = one_transfer(
                        peers.socks,
                        &peers.socks_args,
                        &peers.stack.tor,
                        direction,
                        options.bytes,
                        options.cap,
                    )
                    .await;
                    progress_note(&format!(
                        "impaired network: {}, {}, {}: {}",
                        condition.title(),
                        report.peers[pi].title,
                        direction.name(),
                        describe(&outcome)
                    ));
                    if outcome.error.is_some() || outcome.intact == Some(false) {
                        eprintln!("{}", peers.log_tails());
                    }
                    cell.runs.push(outcome);
                }
                report.cells.push(cell);
            }
        }
        match impair_process.stop().await {
            Ok(counters) => condition_report.counters = Some(counters),
            Err(error) => condition_report.error = Some(error),
        }
        drop(hogs);
        report.conditions.push(condition_report);
    }
    for peers in running.into_iter().flatten() {
        peers.stop();
    }
    report.took = started.elapsed();
    report
}

/// A one-line account of a transfer, for progress notes.
fn describe(outcome: &TransferOutcome) -> String {
    let mut text = format!(
        "{} in {:.1} s",
        format_bytes(outcome.bytes),
        outcome.end.as_secs_f64()
    );
    if let Some(rate) = outcome.goodput() {
        text.push_str(&format!(", {}", format_rate(rate)));
    }
    if outcome.capped {
        text.push_str(", capped");
    }
    if let Some(error) = &outcome.error {
        text.push_str(&format!(", failed: {error}"));
    }
    if outcome.intact == Some(false) {
        text.push_str(", DATA MISMATCH");
    }
    text
}

// ---- formatting ------------------------------------------------------------------------

/// `1.23 MB/s`, or `456 kB/s` below 1 MB/s.
pub fn format_rate(bytes_per_s: f64) -> String {
    if bytes_per_s >= 1e6 {
        format!("{:.2} MB/s", bytes_per_s / 1e6)
    } else {
        format!("{:.0} kB/s", bytes_per_s / 1e3)
    }
}

fn format_ms(duration: Duration) -> String {
    format!("{} ms", duration.as_millis())
}

fn median_f64(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len().checked_sub(1)? / 2).copied()
}

/// The table cells (goodput, first byte, longest stall, SHA-256) of a
/// cell's runs: medians, capped and failed runs marked.
fn cell_texts(runs: &[TransferOutcome]) -> [String; 4] {
    let n = runs.len();
    let capped = runs.iter().filter(|r| r.capped).count();
    let failed: Vec<&TransferOutcome> = runs.iter().filter(|r| r.error.is_some()).collect();
    let rates: Vec<f64> = runs.iter().filter_map(TransferOutcome::goodput).collect();
    let mut goodput = median_f64(&rates).map_or("n/a".to_string(), format_rate);
    if capped > 0 {
        goodput.push_str(&if n == 1 {
            " (capped)".to_string()
        } else {
            format!(" ({capped} of {n} capped)")
        });
    }
    let firsts: Vec<Duration> = runs.iter().filter_map(|r| r.first_byte).collect();
    let first = median(&firsts).map_or("n/a".to_string(), format_ms);
    let stalls: Vec<Duration> = runs
        .iter()
        .filter(|r| r.first_byte.is_some())
        .map(|r| r.longest_stall)
        .collect();
    let stall = median(&stalls).map_or("n/a".to_string(), format_ms);
    let mismatched = runs.iter().filter(|r| r.intact == Some(false)).count();
    let matched = runs.iter().filter(|r| r.intact == Some(true)).count();
    let sha = if mismatched > 0 {
        format!("MISMATCH ({mismatched} of {n})")
    } else if let Some(failure) = failed.first() {
        format!(
            "failed ({} of {n}): {}",
            failed.len(),
            failure.error.as_deref().unwrap_or("").replace('|', "/")
        )
    } else if matched == n && n > 0 {
        "matched".to_string()
    } else if matched == 0 {
        "capped".to_string()
    } else {
        format!("matched ({capped} of {n} capped)")
    };
    [goodput, first, stall, sha]
}

impl Report {
    /// The markdown section.
    fn section(&self, options: &ImpairedOptions) -> Vec<String> {
        let mut out = vec![
            "### Impaired network (delay, jitter and loss on the WebRTC hop)".to_string(),
            String::new(),
        ];
        if !self.cells.is_empty() {
            out.push(
                "| condition | peers | direction | goodput | time to first byte | longest stall \
                 | SHA-256 |"
                    .to_string(),
            );
            out.push("| --- | --- | --- | ---: | ---: | ---: | --- |".to_string());
            for cell in &self.cells {
                let condition = &options.conditions[cell.condition];
                let peers = &self.peers[cell.peers].title;
                let direction = cell.direction.map_or("", Direction::name);
                let [goodput, first, stall, sha] = match &cell.error {
                    Some(error) => [
                        "n/a".to_string(),
                        "n/a".to_string(),
                        "n/a".to_string(),
                        format!("failed: {error}"),
                    ],
                    None => cell_texts(&cell.runs),
                };
                out.push(format!(
                    "| {} | {peers} | {direction} | {goodput} | {first} | {stall} | {sha} |",
                    condition.title()
                ));
            }
            out.push(String::new());
        }
        out.push(
            "| condition | configured RTT | measured RTT, median | p90 | echoes lost | packets \
             queued | dropped by loss | dropped over cap | most held |"
                .to_string(),
        );
        out.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |".to_string());
        for (condition, report) in options.conditions.iter().zip(&self.conditions) {
            let cal = report.calibration.as_ref();
            let ms1 = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
            let median_rtt = cal
                .and_then(|c| median(&c.rtts))
                .map_or("n/a".to_string(), ms1);
            let p90 = cal
                .and_then(|c| c.percentile(0.9))
                .map_or("n/a".to_string(), ms1);
            let lost = cal.map_or("n/a".to_string(), |c| {
                format!("{} of {}", c.sent - c.rtts.len(), c.sent)
            });
            let counter = |key: &str| {
                report
                    .counters
                    .as_ref()
                    .and_then(|c| c.get(key))
                    .map_or("n/a".to_string(), u64::to_string)
            };
            out.push(format!(
                "| {} | {} ms + 0–{} ms jitter | {median_rtt} | {p90} | {lost} | {} | {} | {} | {} |",
                condition.title(),
                ms_f64(condition.rtt),
                ms_f64(condition.jitter * 2),
                counter("queued"),
                counter("dropped_loss"),
                counter("dropped_over_cap"),
                counter("max_held"),
            ));
        }
        out.push(String::new());
        let reps = if options.reps > 1 {
            format!("; each cell is the median of {} transfers", options.reps)
        } else {
            String::new()
        };
        out.push(format!(
            "Everything runs in a network namespace with only lo: our broker and server (the \
             server in front of a stand-in tor that checks the data), and per column our client \
             and proxy or Debian's Go snowflake-client and snowflake-proxy (ICE through a STUN \
             responder on 127.0.0.1). snowflake-impair holds each UDP packet arriving through lo \
             for half the round-trip time plus a random 0 to jitter, and drops it with the loss \
             probability (so each direction loses that share); STUN, the broker's HTTP and the \
             server's WebSocket are not impaired. CPU hogs are busy-loop threads; the verdict \
             program runs at nice {IMPAIR_NICE}. Each transfer is {} one way (a download, then \
             an upload), capped at {} s{reps}. Goodput is bytes at the far end over the time \
             from their first byte to their last (or to the cap: partial goodput, marked \
             capped); time to first byte counts from the SOCKS connect (rendezvous, ICE, DTLS \
             and the data channel over the impaired hop included); the longest stall is the \
             longest time without progress after the first byte. The calibration sends {PROBES} \
             UDP echoes between two sockets through the same rule (each crosses it twice). \
             Took {:.0} s.",
            format_bytes(options.bytes),
            options.cap.as_secs(),
            self.took.as_secs_f64()
        ));
        for note in &self.notes {
            out.push(String::new());
            out.push(format!("Note (impaired network): {note}"));
        }
        for (condition, report) in options.conditions.iter().zip(&self.conditions) {
            let kernel: Vec<String> = ["enobufs", "kernel_queue_dropped", "kernel_user_dropped"]
                .iter()
                .filter_map(|key| {
                    let n = report.counters.as_ref()?.get(*key).copied()?;
                    (n > 0).then(|| format!("{key}={n}"))
                })
                .collect();
            if !kernel.is_empty() {
                out.push(String::new());
                out.push(format!(
                    "Note ({}): the kernel dropped queued packets: {}",
                    condition.title(),
                    kernel.join(" ")
                ));
            }
            if let Some(error) = &report.error {
                out.push(String::new());
                out.push(format!("FAILED ({}): {error}", condition.title()));
            }
        }
        for failure in &self.failures {
            out.push(String::new());
            out.push(format!("FAILED (impaired network): {failure}"));
        }
        out
    }
}

// ---- back-to-back transfers with CPU hogs -------------------------------------------------

/// What the stall runs measure.
#[derive(Debug, Clone, PartialEq)]
pub struct StallRunOptions {
    /// Download + upload pairs.
    pub runs: usize,
    /// Bytes per transfer.
    pub bytes: u64,
    /// Time cap per transfer.
    pub cap: Duration,
    /// Extra flags for our client and proxy.
    pub extra: ExtraArgs,
}

/// The stall runs' transfers.
#[derive(Debug, Default)]
pub struct StallRunsReport {
    /// Per run: the download, then the upload.
    pub runs: Vec<(TransferOutcome, TransferOutcome)>,
    /// Runs that could not be made.
    pub failures: Vec<String>,
    /// How long it took.
    pub took: Duration,
}

impl StallRunsReport {
    /// No failure, every finished transfer intact.
    pub fn healthy(&self) -> bool {
        self.failures.is_empty()
            && self.runs.iter().all(|(d, u)| {
                [d, u]
                    .iter()
                    .all(|r| r.error.is_none() && r.intact != Some(false))
            })
    }
}

/// `options.runs` back-to-back downloads and uploads through our own
/// client and proxy (separate processes on 127.0.0.1, no impairment)
/// while [`STALL_RUN_HOGS`] busy-loop threads run.
pub async fn stall_runs(binaries: &Binaries, options: &StallRunOptions) -> StallRunsReport {
    let started = Instant::now();
    let mut report = StallRunsReport::default();
    let stack = ProcessStack::start_with_args(
        binaries,
        &ProcessOptions {
            proxies: 1,
            proxy_capacity: 1,
            max_proxies: 1,
            striping: false,
        },
        &options.extra,
    )
    .await;
    let stack = match stack {
        Ok(stack) => stack,
        Err(error) => {
            report.failures.push(format!("starting the stack: {error}"));
            return report;
        }
    };
    let hogs = CpuHogs::start(STALL_RUN_HOGS);
    for run in 0..options.runs {
        let mut pair = Vec::new();
        for direction in [Direction::Download, Direction::Upload] {
            if !stack.wait_available_proxies(1, PROXY_WAIT).await {
                report.failures.push(format!(
                    "run {}: the proxy was not back at the broker after {} s",
                    run + 1,
                    PROXY_WAIT.as_secs()
                ));
            }
            let outcome = one_transfer(
                stack.socks_addr(),
                "",
                &stack.tor,
                direction,
                options.bytes,
                options.cap,
            )
            .await;
            progress_note(&format!(
                "stall runs: {} of {}, {}: {}",
                run + 1,
                options.runs,
                direction.name(),
                describe(&outcome)
            ));
            if outcome.error.is_some() {
                eprintln!("{}", stack.log_tails(2000));
            }
            pair.push(outcome);
        }
        let upload = pair.pop().unwrap_or_default();
        let download = pair.pop().unwrap_or_default();
        report.runs.push((download, upload));
    }
    drop(hogs);
    drop(stack);
    report.took = started.elapsed();
    report
}

/// Prints the stall runs' table.
pub fn print_stall_runs(report: &StallRunsReport, options: &StallRunOptions) {
    println!();
    println!(
        "### Back-to-back transfers with {STALL_RUN_HOGS} CPU hogs (our client and proxy, no \
         impairment)"
    );
    println!();
    if !report.runs.is_empty() {
        println!(
            "| direction | transfers | stalls over {} s | longest stall | median goodput | \
             slowest goodput | capped | SHA-256 |",
            STALL_THRESHOLD.as_secs()
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        for (name, pick) in [
            (
                "download",
                (|p: &(TransferOutcome, TransferOutcome)| p.0.clone())
                    as fn(&(TransferOutcome, TransferOutcome)) -> TransferOutcome,
            ),
            ("upload", |p| p.1.clone()),
        ] {
            let runs: Vec<TransferOutcome> = report.runs.iter().map(pick).collect();
            let stalls: usize = runs.iter().map(|r| r.stalls_over_threshold).sum();
            let longest = runs
                .iter()
                .map(|r| r.longest_stall)
                .max()
                .unwrap_or_default();
            let rates: Vec<f64> = runs.iter().filter_map(TransferOutcome::goodput).collect();
            let slowest = rates.iter().copied().min_by(f64::total_cmp);
            let capped = runs.iter().filter(|r| r.capped).count();
            let [_, _, _, sha] = cell_texts(&runs);
            println!(
                "| {name} | {} | {stalls} | {} | {} | {} | {capped} | {sha} |",
                runs.len(),
                format_ms(longest),
                median_f64(&rates).map_or("n/a".to_string(), format_rate),
                slowest.map_or("n/a".to_string(), format_rate),
            );
        }
        println!();
        let ratios: Vec<f64> = report
            .runs
            .iter()
            .filter_map(|(d, u)| Some(u.goodput()? / d.goodput()?))
            .collect();
        println!(
            "Median upload/download goodput ratio: {} (per run, over {} runs).",
            median_f64(&ratios).map_or("n/a".to_string(), |r| format!("{r:.2}")),
            ratios.len()
        );
        println!();
    }
    println!(
        "Each run is a download of {} and then an upload of {} through one SOCKS connection \
         each (a new session and proxy each time), capped at {} s, while {STALL_RUN_HOGS} \
         busy-loop threads run; everything on 127.0.0.1 with loopback-only ICE. A stall is a \
         time without progress at the receiving end after its first byte. Took {:.0} s.",
        format_bytes(options.bytes),
        format_bytes(options.bytes),
        options.cap.as_secs(),
        report.took.as_secs_f64()
    );
    for failure in &report.failures {
        println!();
        println!("FAILED (stall runs): {failure}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_selected_by_name_and_unknown_names_refused() {
        // The only test that touches this variable.
        let titles = |peers: Vec<PeerSpec>| peers.into_iter().map(|p| p.title).collect::<Vec<_>>();
        let all = default_peers(&ExtraArgs::default());
        std::env::remove_var(ENV_PEERS);
        assert_eq!(
            titles(selected_peers(default_peers(&ExtraArgs::default())).unwrap()).len(),
            all.len()
        );
        std::env::set_var(ENV_PEERS, "reliable, go");
        let picked = titles(selected_peers(default_peers(&ExtraArgs::default())).unwrap());
        assert_eq!(picked.len(), 2);
        assert!(picked[0].contains("reliable"), "{picked:?}");
        assert!(picked[1].starts_with("Go"), "{picked:?}");
        std::env::set_var(ENV_PEERS, "ours,chrome");
        let error = selected_peers(default_peers(&ExtraArgs::default())).err();
        std::env::remove_var(ENV_PEERS);
        assert!(error.is_some_and(|e| e.contains("chrome")));
    }

    #[test]
    fn conditions_parse_and_round_trip() {
        let conditions = parse_conditions(DEFAULT_CONDITIONS).expect("defaults");
        assert_eq!(conditions.len(), 4);
        assert_eq!(conditions[1].rtt, Duration::from_millis(100));
        assert!((conditions[1].loss - 0.01).abs() < 1e-12);
        assert_eq!(conditions[1].delay(), Duration::from_millis(50));
        assert_eq!(conditions[1].jitter, DEFAULT_JITTER);
        assert_eq!(conditions[3].hogs, 2);
        assert_eq!(conditions[3].title(), "RTT 100 ms, 1 % loss, 2 CPU hogs");
        let specs: Vec<String> = conditions.iter().map(Condition::spec).collect();
        assert_eq!(parse_conditions(&specs.join(",")), Ok(conditions));
        let custom = parse_conditions("80/0.5%/j5ms/3hogs").expect("custom");
        assert_eq!(
            custom,
            [Condition {
                rtt: Duration::from_millis(80),
                loss: 0.005,
                jitter: Duration::from_millis(5),
                hogs: 3
            }]
        );
        for bad in ["", "fast", "50ms/200%", "50ms/60ms", "50ms/xhogs"] {
            assert!(parse_conditions(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn options_survive_the_trip_to_the_copy() {
        let options = ImpairedOptions::from_flags(
            Some(200_000),
            Some(30),
            Some(3),
            Some("50ms/1%"),
            ExtraArgs {
                client: vec!["-some-mode".to_string()],
                proxy: vec!["-other".to_string(), "x".to_string()],
                ..ExtraArgs::default()
            },
        )
        .expect("options");
        let args = options.copy_args();
        assert_eq!(args[0], COPY_FLAG);
        assert!(
            args.contains(&"--client-arg=-some-mode".to_string()),
            "{args:?}"
        );
        assert!(args.contains(&"--proxy-arg=x".to_string()), "{args:?}");
        assert!(args.contains(&"--impaired-conditions=50ms/1%/j2ms/0hogs".to_string()));
        assert!(options.part_limit() > Duration::from_secs(4 * 3 * 30));
    }

    #[test]
    fn gaps_count_the_tail_and_the_stall_threshold() {
        let t = |ms: u64, bytes: u64| (Duration::from_millis(ms), bytes);
        let timeline = [t(100, 1), t(150, 2), t(2500, 3), t(2600, 4)];
        let all = gaps(
            &timeline,
            Duration::from_millis(100),
            Duration::from_millis(2600),
        );
        assert_eq!(all.iter().max(), Some(&Duration::from_millis(2350)));
        // Stuck at the end until a cap: the tail counts.
        let capped = gaps(
            &timeline,
            Duration::from_millis(100),
            Duration::from_millis(9000),
        );
        assert_eq!(capped.last(), Some(&Duration::from_millis(6400)));
        assert_eq!(capped.iter().filter(|g| **g > STALL_THRESHOLD).count(), 2);
    }

    #[test]
    fn cells_mark_capped_failed_and_mismatched_runs() {
        let run = |bytes: u64, capped: bool, intact: Option<bool>| TransferOutcome {
            bytes,
            first_byte: Some(Duration::from_millis(500)),
            end: Duration::from_millis(2500),
            capped,
            intact,
            ..TransferOutcome::default()
        };
        let [goodput, first, _, sha] = cell_texts(&[run(2_000_000, false, Some(true))]);
        assert_eq!(goodput, "1.00 MB/s");
        assert_eq!(first, "500 ms");
        assert_eq!(sha, "matched");
        let [goodput, _, _, sha] = cell_texts(&[run(400_000, true, None)]);
        assert_eq!(goodput, "200 kB/s (capped)");
        assert_eq!(sha, "capped");
        let [_, _, _, sha] = cell_texts(&[run(1, false, Some(true)), run(1, false, Some(false))]);
        assert_eq!(sha, "MISMATCH (1 of 2)");
        let mut failed = run(0, false, None);
        failed.error = Some("connection ended".to_string());
        let [_, _, _, sha] = cell_texts(&[failed]);
        assert_eq!(sha, "failed (1 of 1): connection ended");
    }
}
