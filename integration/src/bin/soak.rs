//! `snowflake-soak`: real clients through the release binaries while
//! attackers run every abuse of the server, the broker and the proxies,
//! with proxies killed at random; prints what the real clients saw and
//! each program's peak and final memory and file descriptors (see
//! `snowflake_integration::soak`).
//!
//! Build first (`cargo build --release --workspace`), then
//! `target/release/snowflake-soak` (10 minutes by default; `--seconds`).
//! Figures only: the pass/fail checks are in `tests/soak.rs`.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use snowflake_integration::processes::Binaries;
use snowflake_integration::soak::{run_soak, SoakOptions};
use snowflake_integration::units::parse_size;

#[derive(Debug, Parser)]
#[command(
    name = "snowflake-soak",
    about = "Real clients through the stack under attack"
)]
struct Args {
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 600)]
    seconds: u64,
    /// Real clients transferring at once.
    #[arg(long, default_value_t = SoakOptions::default().clients)]
    clients: usize,
    /// Bytes each real transfer moves each way (e.g. 1M).
    #[arg(long, default_value = "1M", value_parser = parse_size)]
    bytes: u64,
    /// Proxy processes.
    #[arg(long, default_value_t = SoakOptions::default().proxies)]
    proxies: usize,
    /// Kill a random proxy every this many seconds (0: never).
    #[arg(long, default_value_t = 30)]
    kill_every: u64,
    /// The server's memory budget (e.g. 64M).
    #[arg(long, default_value = "64MiB", value_parser = parse_size)]
    memory_budget: u64,
    /// Fresh ClientIds per second.
    #[arg(long, default_value_t = SoakOptions::default().fresh_ids_per_second)]
    fresh_ids: u32,
    /// Sessions sending out-of-order data at once.
    #[arg(long, default_value_t = SoakOptions::default().out_of_order_sessions)]
    out_of_order: usize,
    /// Unfinished WebSocket messages at once.
    #[arg(long, default_value_t = SoakOptions::default().unfinished_messages)]
    unfinished: usize,
    /// Slowloris connections at once, to the server and to the broker each.
    #[arg(long, default_value_t = SoakOptions::default().slowloris)]
    slowloris: usize,
    /// Capturing proxy polls from one address at once.
    #[arg(long, default_value_t = SoakOptions::default().capture_polls)]
    capture: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let options = SoakOptions {
        duration: Duration::from_secs(args.seconds),
        clients: args.clients,
        transfer_bytes: args.bytes,
        proxies: args.proxies,
        kill_every: (args.kill_every > 0).then(|| Duration::from_secs(args.kill_every)),
        server_memory_budget: usize::try_from(args.memory_budget).unwrap_or(usize::MAX),
        fresh_ids_per_second: args.fresh_ids,
        out_of_order_sessions: args.out_of_order,
        unfinished_messages: args.unfinished,
        slowloris: args.slowloris,
        capture_polls: args.capture,
    };
    let binaries = match Binaries::beside_current_exe() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("snowflake-soak: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("snowflake-soak: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run_soak(&binaries, &options)) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("snowflake-soak: {e}");
            ExitCode::FAILURE
        }
    }
}
