//! A short soak (the CI variant of `snowflake-soak`): real clients through
//! the four release binaries while every attack of the abuse issue runs at
//! once and proxies are killed, with the server's memory budget lowered.
//! What must hold: no real transfer corrupted, at least 95% of them
//! finished (the goal is none failed; the ten-minute run beside a flake
//! hunt had 1 failed in 5,712, docs/server-budget.md), and the server's
//! session memory
//! within the budget; and, with a larger budget, the server's whole
//! resident memory within it. Figures are printed, not asserted. Needs the
//! release binaries (`cargo test --workspace --release` builds them
//! first).

use std::time::Duration;

use snowflake_integration::processes::Binaries;
use snowflake_integration::soak::{run_soak, SoakOptions};

/// Hang guard only.
const HANG_GUARD: Duration = Duration::from_secs(400);

/// One soak at a time: each runs the whole stack and its attackers, which
/// is all a 2-core machine can take.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The CI-sized attack mix, with `budget` as the server's memory budget.
fn ci_options(budget: usize) -> SoakOptions {
    SoakOptions {
        duration: Duration::from_secs(60),
        clients: 2,
        transfer_bytes: 300_000,
        proxies: 3,
        kill_every: Some(Duration::from_secs(15)),
        server_memory_budget: budget,
        // Below the rate that, on a loaded 2-core CI machine, can push a
        // real client's session out as the oldest unproven one before its
        // first data is read (a known limit: docs/server-budget.md).
        fresh_ids_per_second: 30,
        out_of_order_sessions: 5,
        unfinished_messages: 50,
        slowloris: 100,
        capture_polls: 50,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_clients_are_served_intact_while_every_attack_runs() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let binaries = Binaries::beside_current_exe().expect("release binaries");
    let budget = 16 << 20;
    let options = ci_options(budget);
    let report = tokio::time::timeout(HANG_GUARD, run_soak(&binaries, &options))
        .await
        .expect("the soak ended")
        .expect("the soak ran");
    eprintln!("{report}");
    let clients = &report.clients;
    assert!(clients.intact > 0, "no real transfer finished:\n{report}");
    assert_eq!(clients.corrupted, 0, "corrupted transfers:\n{report}");
    // The goal is no failure at all; on a loaded machine about one
    // transfer in several thousand still stalls (docs/server-budget.md),
    // so this asserts that nearly all are served and prints the rest.
    let finished = clients.intact + clients.corrupted + clients.failed;
    assert!(
        clients.failed * 20 <= finished,
        "more than 5% of real transfers failed:\n{report}"
    );
    // The budget may be passed by a bounded amount, by design
    // (docs/server-budget.md): a session with nothing in flight always
    // queues up to eight segments, and stream data moves from KCP's charge
    // to smux's without being refused. Seen: 16 bytes over. A charge that
    // scales with the sessions (4 KiB each once, 600 KiB over) must fail.
    let slack = 8 * snowflake_common::kcp::MSS;
    assert!(
        report.server_budget_used_peak <= (budget + slack) as u64,
        "the server went over its budget by more than the documented \
         send minimum:\n{report}"
    );
    let attacks = &report.attacks;
    use std::sync::atomic::Ordering::Relaxed;
    assert!(attacks.fresh_ids.load(Relaxed) > 0, "{report}");
    assert!(attacks.out_of_order_segments.load(Relaxed) > 0, "{report}");
    assert!(attacks.unfinished_messages.load(Relaxed) > 0, "{report}");
    assert!(attacks.capture_polls.load(Relaxed) > 0, "{report}");
    assert!(attacks.proxies_killed.load(Relaxed) > 0, "{report}");
}

/// The bench's default run, one minute long: every attack at its default
/// rate (200 fresh ClientIds a second, 20 out-of-order sessions, 100
/// unfinished messages, 200 slowloris connections on server and broker
/// each, 100 capturing polls), three real clients moving 1 MB each way, a
/// proxy killed every 30 s, a 64 MiB budget. The whole server process, not
/// only the memory its sessions are charged for, stays within the budget:
/// what outlives a session (its client's send queue, the packets in it) is
/// freed with it, and sessions that never carry bulk data hold small
/// buffers (docs/server-budget.md; 158 MB before, 54 MB after).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_process_stays_within_its_memory_budget_under_attack() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let binaries = Binaries::beside_current_exe().expect("release binaries");
    let options = SoakOptions {
        duration: Duration::from_secs(60),
        ..SoakOptions::default()
    };
    let budget = options.server_memory_budget;
    let report = tokio::time::timeout(HANG_GUARD, run_soak(&binaries, &options))
        .await
        .expect("the soak ended")
        .expect("the soak ran");
    eprintln!("{report}");
    assert_eq!(
        report.clients.corrupted, 0,
        "corrupted transfers:\n{report}"
    );
    assert!(
        report.clients.intact > 0,
        "no real transfer finished:\n{report}"
    );
    let server = report.usage.get("server").copied().unwrap_or_default();
    assert!(
        server.peak_rss > 0,
        "the server's memory was never read:\n{report}"
    );
    assert!(
        server.peak_rss <= budget as u64,
        "the server's resident memory went over its budget:\n{report}"
    );
}
