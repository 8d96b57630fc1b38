//! Every program raises its soft open-file limit to the hard limit when it
//! starts (as Go programs do), so that the common default of 1,024 does not
//! cap a bridge, a broker or a busy proxy at a few hundred connections.
//!
//! The test lowers its own soft limit (children inherit it), starts the
//! four release binaries as separate processes, and reads each one's limit
//! from `/proc/PID/limits`. Needs the release binaries: `cargo test
//! --workspace --release` builds them first.

use std::time::Duration;

use snowflake_integration::processes::{Binaries, ProcessOptions, ProcessStack};

/// The soft limit the children start with.
const LOWERED: u64 = 256;
/// Hang guard only.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// `(soft, hard)` "Max open files" of `pid`; `None` for unlimited.
fn open_file_limits(pid: u32) -> (Option<u64>, Option<u64>) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).expect("read limits");
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .expect("a Max open files line");
    let fields: Vec<&str> = line["Max open files".len()..].split_whitespace().collect();
    let value = |s: &str| s.parse::<u64>().ok();
    (value(fields[0]), value(fields[1]))
}

fn lower_own_soft_limit(soft: u64) {
    // SAFETY: getrlimit/setrlimit with a valid resource and a struct they
    // fill or read.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        assert!(
            limit.rlim_max > soft,
            "the hard limit ({}) must be above {soft} for this test",
            limit.rlim_max
        );
        limit.rlim_cur = soft;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_program_raises_its_soft_limit_to_the_hard_limit() {
    lower_own_soft_limit(LOWERED);
    let binaries = Binaries::beside_current_exe().expect("release binaries");
    let stack = tokio::time::timeout(
        HANG_GUARD,
        ProcessStack::start(
            &binaries,
            &ProcessOptions {
                proxies: 1,
                proxy_capacity: 0,
                max_proxies: 1,
                striping: false,
            },
        ),
    )
    .await
    .expect("hang guard: the stack did not start")
    .expect("start the stack");
    let programs = [
        ("broker", stack.broker_pid()),
        ("server", stack.server_pid()),
        ("client", stack.client_pid()),
        ("proxy", stack.proxy_pids().first().copied()),
    ];
    for (name, pid) in programs {
        let pid = pid.unwrap_or_else(|| panic!("{name} is running"));
        // A proxy is counted as started once spawned (it listens on
        // nothing): give it the moment it takes to reach its `main`.
        let deadline = std::time::Instant::now() + HANG_GUARD;
        let (soft, hard) = loop {
            let (soft, hard) = open_file_limits(pid);
            if soft != Some(LOWERED) || std::time::Instant::now() > deadline {
                break (soft, hard);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        println!("{name}: soft {soft:?}, hard {hard:?} (started with soft {LOWERED})");
        match hard {
            Some(hard) => assert_eq!(soft, Some(hard), "{name}"),
            // An unlimited hard limit: raised to the kernel's default cap.
            None => assert_eq!(soft, Some(1 << 20), "{name}"),
        }
    }
}
