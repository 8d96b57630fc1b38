//! A short soak (the CI variant of `snowflake-soak`): real clients through
//! the four release binaries while every attack of the abuse issue runs at
//! once and proxies are killed, with the server's memory budget lowered.
//! What must hold: no real transfer corrupted, at least 95% of them
//! finished (the goal, none failed, is not met yet: about one in 300
//! stalls when the machine is loaded), and the server's session memory
//! within the budget. Figures are printed, not asserted. Needs the
//! release binaries (`cargo test --workspace --release` builds them
//! first).

use std::time::Duration;

use snowflake_integration::processes::Binaries;
use snowflake_integration::soak::{run_soak, SoakOptions};

/// Hang guard only.
const HANG_GUARD: Duration = Duration::from_secs(400);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_clients_are_served_intact_while_every_attack_runs() {
    let binaries = Binaries::beside_current_exe().expect("release binaries");
    let budget = 16 << 20;
    let options = SoakOptions {
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
    };
    let report = tokio::time::timeout(HANG_GUARD, run_soak(&binaries, &options))
        .await
        .expect("the soak ended")
        .expect("the soak ran");
    eprintln!("{report}");
    let clients = &report.clients;
    assert!(clients.intact > 0, "no real transfer finished:\n{report}");
    assert_eq!(clients.corrupted, 0, "corrupted transfers:\n{report}");
    // The goal is no failure at all; on a loaded machine about one
    // transfer in 300 still stalls (docs/server-budget.md, "not yet
    // met"), so this asserts that nearly all are served and prints the
    // rest.
    let finished = clients.intact + clients.corrupted + clients.failed;
    assert!(
        clients.failed * 20 <= finished,
        "more than 5% of real transfers failed:\n{report}"
    );
    assert!(
        report.server_budget_used_peak <= budget as u64,
        "the server went over its budget:\n{report}"
    );
    let attacks = &report.attacks;
    use std::sync::atomic::Ordering::Relaxed;
    assert!(attacks.fresh_ids.load(Relaxed) > 0, "{report}");
    assert!(attacks.out_of_order_segments.load(Relaxed) > 0, "{report}");
    assert!(attacks.unfinished_messages.load(Relaxed) > 0, "{report}");
    assert!(attacks.capture_polls.load(Relaxed) > 0, "{report}");
    assert!(attacks.proxies_killed.load(Relaxed) > 0, "{report}");
}
