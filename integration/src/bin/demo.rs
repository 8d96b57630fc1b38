//! `snowflake-demo`: the whole system on this machine, moving data while
//! proxies die.
//!
//! It starts our broker, server (in front of a stand-in for tor that checks
//! every byte), `--proxies` proxies and our client, all on 127.0.0.1 with
//! loopback-only ICE; downloads `--size` bytes (and uploads `--upload`)
//! through the client's SOCKS port with a progress bar on stderr; every
//! `--kill-every` seconds kills the proxy carrying the data and starts a
//! fresh one; and ends with a summary on stdout: bytes, throughput, time to
//! first byte, the stall after each kill, and whether the SHA-256 of the
//! data matched both ways. The exit status is non-zero when it did not, or
//! when the transfer failed.
//!
//! `cargo run --release -p snowflake-integration --bin snowflake-demo`
//! (`-- --help` for the options). Quiet unless `RUST_LOG` is set.

use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use snowflake_client::config::MAX_PROXIES_LIMIT;
use snowflake_integration::stack::{Stack, StackOptions};
use snowflake_integration::standin::{pattern_sha256, TransferHeader};
use snowflake_integration::transfer::{run_transfer, socks_connect, Progress, TransferReport};
use snowflake_integration::units::{format_bytes, format_duration, mb_per_s, parse_size};

/// No received byte for this long ends the demo as failed.
const STALL_LIMIT: Duration = Duration::from_secs(60);
/// The progress bar's refresh period (and the kill scheduler's tick).
const TICK: Duration = Duration::from_millis(100);
/// The rate on the bar is measured over this window.
const RATE_WINDOW: Duration = Duration::from_secs(1);
/// Width of the bar itself, in characters.
const BAR_WIDTH: usize = 28;

/// How the client uses its proxies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// One proxy at a time; a new one is dialled when it dies.
    Redial,
    /// Packets spread over all connected proxies.
    Striping,
}

/// Runs broker, server, proxies and client on 127.0.0.1 and moves data
/// through them while killing proxies.
#[derive(Debug, Parser)]
#[command(name = "snowflake-demo")]
struct Args {
    /// Bytes to download through the client (100M, 1G, 512MiB, ...).
    #[arg(long, default_value = "200M", value_parser = parse_size)]
    size: u64,
    /// Bytes to upload at the same time [default: a tenth of --size].
    #[arg(long, value_parser = parse_size)]
    upload: Option<u64>,
    /// Proxies running (each killed one is replaced).
    #[arg(long, default_value_t = 3)]
    proxies: usize,
    /// How the client uses its proxies.
    #[arg(long, value_enum, default_value_t = Mode::Redial)]
    mode: Mode,
    /// Proxies the client keeps connected [default: 1 for redial, 3 for
    /// striping].
    #[arg(long)]
    max: Option<usize>,
    /// Kill the busy proxy every this many seconds (0: never).
    #[arg(long, default_value_t = 5.0)]
    kill_every: f64,
    /// Stop killing after this many kills [default: no limit].
    #[arg(long)]
    kills: Option<usize>,
    /// Seed of the data pattern [default: random].
    #[arg(long)]
    seed: Option<u64>,
}

/// One proxy kill during the transfer.
#[derive(Debug, Clone, Copy)]
struct Kill {
    /// Offset from the start of the transfer.
    at: Duration,
    /// Index of the killed proxy.
    killed: usize,
    /// Index of its replacement, if it started.
    replacement: Option<usize>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let max = args.max.unwrap_or(match args.mode {
        Mode::Redial => 1,
        Mode::Striping => 3,
    });
    if !(1..=MAX_PROXIES_LIMIT).contains(&max) {
        eprintln!("snowflake-demo: --max must be from 1 to {MAX_PROXIES_LIMIT}");
        return ExitCode::from(2);
    }
    if !args.kill_every.is_finite() || args.kill_every < 0.0 {
        eprintln!("snowflake-demo: --kill-every must be a number of seconds, 0 or more");
        return ExitCode::from(2);
    }
    if args.proxies == 0 {
        eprintln!("snowflake-demo: --proxies must be at least 1");
        return ExitCode::from(2);
    }
    let tty = std::io::stderr().is_terminal();
    init_logs(tty);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("snowflake-demo: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&args, max, tty)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("snowflake-demo: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Logs only when `RUST_LOG` asks, to stderr; each line first clears the
/// progress bar, which is redrawn below it on the next tick.
fn init_logs(tty: bool) {
    if std::env::var_os("RUST_LOG").is_none() {
        return;
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_ansi(tty)
        .with_writer(move || {
            let mut stderr = std::io::stderr();
            if tty {
                let _ = stderr.write_all(b"\r\x1b[2K");
            }
            stderr
        })
        .try_init();
}

/// Runs the demo; `Ok(false)` when the transfer failed or the data did
/// not match.
async fn run(args: &Args, max: usize, tty: bool) -> Result<bool, String> {
    let striping = args.mode == Mode::Striping;
    let upload = args.upload.unwrap_or(args.size / 10);
    let seed = args.seed.unwrap_or_else(rand::random);
    let mut stack = Stack::start(&StackOptions {
        proxies: args.proxies,
        max_proxies: max,
        striping,
        unsafe_logging: true,
        ..StackOptions::default()
    })
    .await
    .map_err(|e| format!("cannot start the stack: {e}"))?;
    eprintln!(
        "snowflake-demo: broker http://{}/, server ws://{}/, {} proxies, client SOCKS5 {} \
         ({}, max {max}); downloading {} and uploading {}{}",
        stack.broker_addr(),
        stack.server_addr(),
        args.proxies,
        stack.socks_addr(),
        if striping { "striping" } else { "redial" },
        format_bytes(args.size),
        format_bytes(upload),
        if args.kill_every > 0.0 {
            format!(", killing the busy proxy every {} s", args.kill_every)
        } else {
            String::new()
        },
    );
    let header = TransferHeader {
        upload,
        download: args.size,
        seed,
    };
    // Created before the SOCKS connect: time to first byte counts from it.
    let progress = Progress::new();
    let stream = tokio::time::timeout(
        Duration::from_secs(30),
        socks_connect(stack.socks_addr(), ""),
    )
    .await
    .map_err(|_| "SOCKS connect to the client timed out".to_string())?
    .map_err(|e| format!("SOCKS connect to the client: {e}"))?;
    let mut transfer = tokio::spawn(run_transfer(stream, header, Arc::clone(&progress)));
    let kill_every = (args.kill_every > 0.0).then(|| Duration::from_secs_f64(args.kill_every));
    let mut next_kill = kill_every;
    let mut kills: Vec<Kill> = Vec::new();
    let mut bar = Bar::new(tty, args.size, upload);
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_received = (0u64, Instant::now());
    let outcome: Result<TransferReport, String> = loop {
        tokio::select! {
            joined = &mut transfer => {
                break match joined {
                    Ok(Ok(report)) => Ok(report),
                    Ok(Err(error)) => Err(error.to_string()),
                    Err(error) => Err(format!("transfer task: {error}")),
                };
            }
            _ = ticker.tick() => {
                let now = progress.start().elapsed();
                let received = progress.received.load(Ordering::Relaxed);
                let kills_left = args.kills.is_none_or(|limit| kills.len() < limit);
                if let Some(at) = next_kill.filter(|at| now >= *at && received < args.size && kills_left) {
                    // Nobody busy (between proxies): try again next tick.
                    if let Some(killed) = stack.kill_busy_proxy() {
                        let replacement = stack.add_proxy().await.ok();
                        let kill = Kill { at: now, killed, replacement };
                        bar.message(&format!(
                            "{:>7.2} s  killed proxy #{killed} (it carried the data); {}",
                            now.as_secs_f64(),
                            match replacement {
                                Some(new) => format!("started proxy #{new}"),
                                None => "could not start a replacement".to_string(),
                            }
                        ));
                        kills.push(kill);
                        next_kill = kill_every.map(|every| at.max(now) + every);
                    }
                }
                if received != last_received.0 {
                    last_received = (received, Instant::now());
                } else if last_received.1.elapsed() > STALL_LIMIT {
                    transfer.abort();
                    break Err(format!(
                        "no data for {} s after {}",
                        STALL_LIMIT.as_secs(),
                        format_bytes(received)
                    ));
                }
                bar.draw(
                    &progress,
                    stack.live_proxies().len(),
                    stack.busy_proxies().len(),
                    kills.len(),
                );
            }
        }
    };
    bar.finish(&progress);
    let corrupt_at_standin = stack.tor.stats().uploads_corrupt.load(Ordering::Relaxed);
    // Before the summary, so that logs of the shutdown come above it.
    stack.shutdown().await;
    let ok = print_summary(
        args,
        max,
        seed,
        &progress,
        &kills,
        &outcome,
        corrupt_at_standin,
    );
    Ok(ok)
}

/// Prints the summary on stdout; returns whether everything matched.
fn print_summary(
    args: &Args,
    max: usize,
    seed: u64,
    progress: &Progress,
    kills: &[Kill],
    outcome: &Result<TransferReport, String>,
    corrupt_at_standin: u64,
) -> bool {
    let received = progress.received.load(Ordering::Relaxed);
    let sent = progress.sent.load(Ordering::Relaxed);
    let end = match outcome {
        Ok(report) => report.elapsed,
        Err(_) => progress.start().elapsed(),
    };
    let mode = match args.mode {
        Mode::Redial => "redial",
        Mode::Striping => "striping",
    };
    println!();
    println!("snowflake-demo summary");
    println!(
        "  setup              {mode}, client keeps {max} {}, {} proxies running, seed {seed:#x}",
        if max == 1 { "proxy" } else { "proxies" },
        args.proxies
    );
    println!(
        "  downloaded         {} of {} in {} ({:.1} MB/s)",
        format_bytes(received),
        format_bytes(args.size),
        format_duration(end),
        mb_per_s(received, end)
    );
    println!(
        "  uploaded           {} of {} (at the same time)",
        format_bytes(sent),
        format_bytes(args.upload.unwrap_or(args.size / 10)),
    );
    match progress.first_byte() {
        Some(first) => {
            println!(
                "  time to first byte {} (SOCKS connect to the first downloaded byte)",
                format_duration(first)
            );
            println!(
                "  after first byte   {:.1} MB/s down",
                mb_per_s(received, end.saturating_sub(first))
            );
        }
        None => println!("  time to first byte none: nothing arrived"),
    }
    if kills.is_empty() {
        println!("  proxy kills        none");
    } else {
        println!(
            "  proxy kills        {} (stall: longest time without data from the kill to the next kill or the end)",
            kills.len()
        );
        for (i, kill) in kills.iter().enumerate() {
            let until = kills.get(i + 1).map_or(end, |next| next.at);
            let stall = progress.longest_gap(kill.at, until);
            let replaced = kill.replacement.map_or("not replaced".to_string(), |new| {
                format!("replaced by #{new}")
            });
            println!(
                "    kill {:<2} at {:>7.2} s  proxy #{} ({replaced})  stall {}",
                i + 1,
                kill.at.as_secs_f64(),
                kill.killed,
                format_duration(stall)
            );
        }
    }
    let report = match outcome {
        Ok(report) => report,
        Err(error) => {
            println!("  result             FAILED: the transfer did not complete: {error}");
            return false;
        }
    };
    let expected_download = hex::encode(pattern_sha256(!seed, args.size));
    let upload_len = args.upload.unwrap_or(args.size / 10);
    let expected_upload = hex::encode(pattern_sha256(seed, upload_len));
    let verdict = |intact: bool| if intact { "matched" } else { "MISMATCH" };
    println!(
        "  download SHA-256   {} {}",
        report.download_sha256,
        verdict(report.download_intact)
    );
    if !report.download_intact {
        println!("    expected         {expected_download}");
    }
    println!(
        "  upload SHA-256     {} {} (the stand-in tor's digest of what it received)",
        report.upload_sha256,
        verdict(report.upload_intact)
    );
    if !report.upload_intact {
        println!("    expected         {expected_upload}");
    }
    let ok = report.download_intact && report.upload_intact && corrupt_at_standin == 0;
    if ok {
        println!("  result             OK: SHA-256 matched both ways");
    } else {
        println!("  result             FAILED: the data did not match");
    }
    ok
}

/// The progress bar on stderr: redrawn in place on a terminal, one line a
/// second otherwise.
struct Bar {
    tty: bool,
    download: u64,
    upload: u64,
    samples: VecDeque<(Instant, u64)>,
    ticks: u64,
}

impl Bar {
    fn new(tty: bool, download: u64, upload: u64) -> Self {
        Self {
            tty,
            download,
            upload,
            samples: VecDeque::new(),
            ticks: 0,
        }
    }

    /// Download rate over the last [`RATE_WINDOW`].
    fn rate(&mut self, received: u64) -> f64 {
        let now = Instant::now();
        self.samples.push_back((now, received));
        while self
            .samples
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > RATE_WINDOW)
        {
            self.samples.pop_front();
        }
        match self.samples.front() {
            Some(&(at, bytes)) => mb_per_s(received.saturating_sub(bytes), now.duration_since(at)),
            None => 0.0,
        }
    }

    fn line(&mut self, progress: &Progress, live: usize, busy: usize, kills: usize) -> String {
        let received = progress.received.load(Ordering::Relaxed);
        let sent = progress.sent.load(Ordering::Relaxed);
        let fraction = if self.download == 0 {
            1.0
        } else {
            (received as f64 / self.download as f64).min(1.0)
        };
        // Whole cells, rounded down; fraction is within 0..=1.
        let filled = ((fraction * BAR_WIDTH as f64) as usize).min(BAR_WIDTH);
        let rate = self.rate(received);
        format!(
            "[{}{}] {:5.1}%  {} / {}  {:6.1} MB/s  up {} / {}  proxies: {live} live, {busy} busy  kills: {kills}  {:.1} s",
            "#".repeat(filled),
            "-".repeat(BAR_WIDTH - filled),
            fraction * 100.0,
            format_bytes(received),
            format_bytes(self.download),
            rate,
            format_bytes(sent),
            format_bytes(self.upload),
            progress.start().elapsed().as_secs_f64(),
        )
    }

    fn draw(&mut self, progress: &Progress, live: usize, busy: usize, kills: usize) {
        let line = self.line(progress, live, busy, kills);
        self.ticks += 1;
        let mut stderr = std::io::stderr().lock();
        if self.tty {
            let _ = write!(stderr, "\r\x1b[2K{line}");
        } else if self.ticks.is_multiple_of(10) {
            let _ = writeln!(stderr, "{line}");
        }
        let _ = stderr.flush();
    }

    /// A line above the bar.
    fn message(&mut self, text: &str) {
        let mut stderr = std::io::stderr().lock();
        if self.tty {
            let _ = write!(stderr, "\r\x1b[2K");
        }
        let _ = writeln!(stderr, "{text}");
    }

    /// Draws the final state and leaves the bar's line.
    fn finish(&mut self, progress: &Progress) {
        let line = self.line(progress, 0, 0, 0);
        let line = line
            .split("  proxies:")
            .next()
            .unwrap_or_default()
            .to_string();
        let mut stderr = std::io::stderr().lock();
        if self.tty {
            let _ = writeln!(stderr, "\r\x1b[2K{line}");
        } else {
            let _ = writeln!(stderr, "{line}");
        }
    }
}
