//! The `snowflake-bench` binary runs the release programs as separate
//! processes, so it needs them built: `cargo test --workspace --release`
//! (what `scripts/test` runs) builds every binary before any test runs; on
//! its own, run `cargo build --release --workspace` first.
//!
//! It checks that a tiny run completes, checks its data and prints every
//! row of the table; never any timing.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

const BENCH: &str = env!("CARGO_BIN_EXE_snowflake-bench");
/// Hang guard only.
const HANG_GUARD: Duration = Duration::from_secs(600);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_bench_run_prints_every_figure() {
    let child = Command::new(BENCH)
        .args([
            "--bytes",
            "5M",
            "--samples",
            "2",
            "--kills",
            "1",
            "--sessions",
            "20",
        ])
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start snowflake-bench");
    let output = tokio::time::timeout(HANG_GUARD, child.wait_with_output())
        .await
        .expect("hang guard: snowflake-bench did not finish")
        .expect("snowflake-bench output");
    let table = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{table}\n{stderr}");
    assert!(table.contains("## snowflake-rs benchmark, "), "{table}");
    assert!(
        table.contains("| data checked by SHA-256 | matched | matched |"),
        "{table}"
    );
    for row in [
        "| throughput, MB/s down",
        "| time to first byte, ms",
        "| stall after a proxy process is SIGKILLed",
        "| stall after an in-process proxy is stopped",
        "| client CPU-seconds per GB moved |",
        "| proxy (all proxies) CPU-seconds per GB moved |",
        "| server CPU-seconds per GB moved |",
        "| broker CPU-seconds per GB moved |",
    ] {
        let line = table
            .lines()
            .find(|l| l.starts_with(row))
            .unwrap_or_else(|| panic!("no row {row:?}:\n{table}"));
        assert!(!line.contains("n/a"), "{line}");
    }
    assert!(
        table.contains("Server memory per idle session: ") && !table.contains("not measured"),
        "{table}"
    );
    // The browser-proxy table (root with Debian's browsers, as on CI), or
    // the reason it was skipped.
    match table.split_once("### Browser proxy") {
        Some((_, browsers)) => {
            assert!(
                browsers.contains("| data checked by SHA-256 | matched | matched |"),
                "{browsers}"
            );
            for row in ["| throughput, MB/s down", "| time to first byte, ms"] {
                let line = browsers
                    .lines()
                    .find(|l| l.starts_with(row))
                    .unwrap_or_else(|| panic!("no browser row {row:?}:\n{browsers}"));
                assert!(!line.contains("n/a"), "{line}");
            }
        }
        None => assert!(table.contains("browser proxy: skipped ("), "{table}"),
    }
}
