//! The `snowflake-demo` binary, as a user runs it: a small transfer with
//! one proxy killed mid-way ends with exit status 0 and a summary saying
//! the data's SHA-256 matched both ways.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

const DEMO: &str = env!("CARGO_BIN_EXE_snowflake-demo");
/// Hang guard only; nothing asserts on timing.
const HANG_GUARD: Duration = Duration::from_secs(300);

async fn run_demo(args: &[&str]) -> (std::process::ExitStatus, String, String) {
    let child = Command::new(DEMO)
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start snowflake-demo");
    let output = tokio::time::timeout(HANG_GUARD, child.wait_with_output())
        .await
        .expect("hang guard: snowflake-demo did not finish")
        .expect("snowflake-demo output");
    (
        output.status,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_survives_a_kill_and_reports_matching_digests() {
    let (status, summary, progress) = run_demo(&[
        "--size",
        "40M",
        "--proxies",
        "2",
        "--kill-every",
        "0.3",
        "--kills",
        "1",
        "--seed",
        "7",
    ])
    .await;
    assert!(
        status.success(),
        "{status}\nstdout:\n{summary}\nstderr:\n{progress}"
    );
    assert!(
        summary.contains("result             OK: SHA-256 matched both ways"),
        "{summary}"
    );
    assert!(summary.contains("download SHA-256"), "{summary}");
    assert!(
        summary.contains("matched (the stand-in tor's digest"),
        "{summary}"
    );
    // 40 MB takes longer than 0.3 s, so exactly one kill happened.
    assert!(summary.contains("proxy kills        1 "), "{summary}");
    assert!(summary.contains("kill 1 "), "{summary}");
    assert!(progress.contains("killed proxy #"), "{progress}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_options_are_refused_with_status_2() {
    let (status, _, stderr) = run_demo(&["--mode", "striping", "--max", "0"]).await;
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--max"), "{stderr}");
}
