//! The `snowflake-broker` binary: it starts, stops cleanly on a SIGTERM
//! sent as soon as it is listening, and its log scrubs addresses unless
//! `-unsafe-logging`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_snowflake-broker");

/// Runs the broker on a free loopback port, sends SIGTERM once it logs
/// that it listens, and returns its exit status and log.
fn run_and_terminate(extra: &[&str]) -> (std::process::ExitStatus, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(BINARY)
        .args(["-addr", &addr, "-disable-tls", "-disable-geoip"])
        .args(extra)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("broker starts");
    let stderr = child.stderr.take().expect("stderr");
    let (listening_tx, listening_rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.contains("broker listening") {
                let _ = listening_tx.send(());
            }
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    // Hang guard only; no timing is asserted.
    if listening_rx.recv_timeout(Duration::from_secs(60)).is_err() {
        let _ = child.kill();
        panic!(
            "the broker did not start: {}",
            reader.join().unwrap_or_default()
        );
    }
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = child.wait().expect("wait");
    (status, reader.join().expect("log reader"))
}

/// The operator's own listen address is configuration, not a client's
/// address: it stays readable with or without unsafe logging (clients'
/// addresses stay scrubbed: `tests/operations.rs`). The default empty
/// `-allowed-relay-pattern`, which refuses every proxy, is warned about.
#[test]
fn sigterm_stops_the_broker_and_its_own_address_stays_readable() {
    for extra in [&[][..], &["-unsafe-logging"][..]] {
        let (status, log) = run_and_terminate(extra);
        assert!(status.success(), "{status}\n{log}");
        assert!(log.contains("broker stopped"), "{log}");
        assert!(log.contains("local_addr=127.0.0.1:"), "{log}");
        assert!(log.contains("-allowed-relay-pattern is empty"), "{log}");
    }
}

/// Without `-metrics-log` the periodic metrics blocks go to stdout, as
/// upstream writes them; with it, to the file and not to stdout.
#[test]
fn metrics_go_to_stdout_unless_a_metrics_log_is_given() {
    let port = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port()
    };
    let run = |extra: &[&str]| -> String {
        let addr = format!("127.0.0.1:{}", port());
        let mut child = Command::new(BINARY)
            .args(["-addr", &addr, "-disable-tls", "-disable-geoip"])
            .args(["-metrics-interval", "300ms"])
            .args(extra)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("broker starts");
        let stdout = child.stdout.take().expect("stdout");
        let (line_tx, line_rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Several intervals; a block would be there by then. Hang guard
        // for the stdout case only: no timing is asserted.
        let mut seen = String::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match line_rx.recv_timeout(left) {
                Ok(line) => {
                    seen.push_str(&line);
                    seen.push('\n');
                    if line.starts_with("snowflake-stats-end") {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        let _ = reader.join();
        seen
    };
    let stdout = run(&[]);
    assert!(stdout.contains("snowflake-stats-end"), "{stdout:?}");
    let file = std::env::temp_dir().join(format!(
        "snowflake-broker-metrics-{}.log",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&file);
    let stdout = run(&["-metrics-log", file.to_str().expect("utf-8 path")]);
    let written = std::fs::read_to_string(&file).unwrap_or_default();
    let _ = std::fs::remove_file(&file);
    assert!(!stdout.contains("snowflake-stats-end"), "{stdout:?}");
    assert!(written.contains("snowflake-stats-end"), "{written:?}");
}
