//! The `snowflake-client` binary as tor runs it (managed mode, §8.1) and
//! as a plain SOCKS proxy (`-socks`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{ChildStdout, Command, Stdio};
use std::time::Duration;

use snowflake_testkit::managed_pt::{
    self, cmethod_addr, read_line, until_cmethods_done, wait_exit, KillOnDrop,
};

const BIN: &str = env!("CARGO_BIN_EXE_snowflake-client");

fn managed(env: &[(&str, &str)], args: &[&str]) -> (KillOnDrop, BufReader<ChildStdout>) {
    managed_pt::launch(BIN, env, args)
}

fn state_dir() -> std::path::PathBuf {
    managed_pt::state_dir("snowflake-client-pt")
}

/// A SOCKS5 handshake with username/password carrying `args`; returns the
/// reply code of the CONNECT.
fn socks_with_args(addr: SocketAddr, args: &str) -> u8 {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(&[5, 1, 2]).unwrap();
    let mut reply = [0u8; 2];
    s.read_exact(&mut reply).unwrap();
    assert_eq!(reply, [5, 2]);
    let mut auth = vec![1, args.len() as u8];
    auth.extend_from_slice(args.as_bytes());
    auth.extend_from_slice(&[1, 0]);
    s.write_all(&auth).unwrap();
    s.read_exact(&mut reply).unwrap();
    assert_eq!(reply, [1, 0]);
    s.write_all(&[5, 1, 0, 1, 192, 0, 2, 3, 0, 80]).unwrap();
    let mut reply = [0u8; 10];
    s.read_exact(&mut reply).unwrap();
    reply[1]
}

#[test]
fn managed_mode_announces_the_socks_listener_and_exits_when_stdin_closes() {
    let (mut guard, mut out) = managed(
        &[
            ("TOR_PT_CLIENT_TRANSPORTS", "obfs4,snowflake"),
            ("TOR_PT_EXIT_ON_STDIN_CLOSE", "1"),
        ],
        &["-url", "http://127.0.0.1:9/", "-loopback-only"],
    );
    let lines = until_cmethods_done(&mut out);
    assert_eq!(lines[0], "VERSION 1");
    // Upstream 2.10+ reports its version to tor before the methods.
    assert_eq!(
        lines[1],
        format!(
            "STATUS TYPE=version IMPLEMENTATION=\"snowflake-client\" VERSION=\"{}\"",
            env!("CARGO_PKG_VERSION")
        )
    );
    assert!(
        lines.contains(&"CMETHOD-ERROR obfs4 no such method".to_string()),
        "{lines:?}"
    );
    let addr = cmethod_addr(&lines);
    assert!(addr.ip().is_loopback());

    // Arguments upstream knows but we do not are reported to tor; a bad
    // one gets the connection refused.
    // A hello this client cannot send is replaced, and tor is told.
    assert_eq!(socks_with_args(addr, "utls-imitate=helloios_auto"), 0);
    let log = read_line(&mut out);
    assert!(
        log.starts_with("LOG SEVERITY=notice MESSAGE=") && log.contains("helloios_auto"),
        "{log}"
    );
    assert_eq!(socks_with_args(addr, "utls-imitate=hellonetscape"), 1);
    let log = read_line(&mut out);
    assert!(
        log.contains("refusing connection") && log.contains("hellonetscape"),
        "{log}"
    );
    assert_eq!(socks_with_args(addr, "max=many"), 1);
    let log = read_line(&mut out);
    assert!(
        log.contains("refusing connection") && log.contains("max"),
        "{log}"
    );
    assert_eq!(socks_with_args(addr, "covertdtls-config=sometimes"), 1);
    let log = read_line(&mut out);
    assert!(
        log.contains("refusing connection") && log.contains("covertdtls-config"),
        "{log}"
    );

    // tor closes our stdin: we exit.
    drop(guard.0.stdin.take());
    let status = wait_exit(&mut guard.0);
    assert!(status.success(), "{status}");
}

#[test]
fn an_upstream_proxy_is_refused() {
    let (mut guard, mut out) = managed(
        &[
            ("TOR_PT_CLIENT_TRANSPORTS", "snowflake"),
            ("TOR_PT_PROXY", "socks5://127.0.0.1:9050"),
        ],
        &["-url", "http://127.0.0.1:9/"],
    );
    assert_eq!(read_line(&mut out), "VERSION 1");
    // Nothing listens there: the UDP association test fails.
    let line = read_line(&mut out);
    assert!(
        line.starts_with("PROXY-ERROR proxy test failure: "),
        "{line}"
    );
    let status = wait_exit(&mut guard.0);
    assert!(!status.success());
}

#[test]
fn a_bad_rendezvous_configuration_is_a_cmethod_error_at_start() {
    // Each of these the flags alone make unusable; tor must hear why in
    // the handshake, not find the transport missing.
    for (args, why) in [
        (vec!["-url", "ftp://broker.example/"], "broker URL"),
        (
            vec![
                "-url",
                "https://broker.example/",
                "-front",
                "front.example/path",
            ],
            "front",
        ),
        (vec!["-ampcache", "https://cdn.ampproject.org/"], "-url"),
        (vec!["-fingerprint", "zz"], "-fingerprint"),
    ] {
        let (mut guard, mut out) = managed(&[("TOR_PT_CLIENT_TRANSPORTS", "snowflake")], &args);
        let lines = until_cmethods_done(&mut out);
        assert_eq!(lines[0], "VERSION 1", "{args:?}");
        let error = lines
            .iter()
            .find(|l| l.starts_with("CMETHOD-ERROR snowflake "))
            .unwrap_or_else(|| panic!("{args:?}: no CMETHOD-ERROR in {lines:?}"));
        assert!(
            error.contains("bad configuration") && error.contains(why),
            "{args:?}: {error}"
        );
        assert!(
            !lines.iter().any(|l| l.starts_with("CMETHOD snowflake")),
            "{lines:?}"
        );
        // Nothing to serve: the client exits by itself.
        wait_exit(&mut guard.0);
    }
}

#[test]
fn a_bad_environment_is_reported() {
    let (mut guard, mut out) = managed(&[], &[]);
    assert_eq!(read_line(&mut out), "VERSION 1");
    let line = read_line(&mut out);
    assert!(line.starts_with("ENV-ERROR"), "{line}");
    assert!(!wait_exit(&mut guard.0).success());
}

#[test]
fn standalone_socks_mode_listens_where_told() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(BIN)
        .args([
            "-socks",
            &listen,
            "-url",
            "http://127.0.0.1:9/",
            "-loopback-only",
        ])
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let mut guard = KillOnDrop(child);
    let mut stderr = BufReader::new(guard.0.stderr.take().unwrap());
    // The log (stderr in this mode) starts with the version line, as
    // upstream's does; then the listener is announced.
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(
        first.contains(&format!("snowflake-client {}", env!("CARGO_PKG_VERSION"))),
        "{first}"
    );
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains(&listen), "{line}");
    // Granted at once (no proxy is needed for the SOCKS reply).
    assert_eq!(socks_with_args(listen.parse().unwrap(), "max=2"), 0);
}

#[test]
fn bad_flags_are_refused_with_a_message() {
    let output = Command::new(BIN)
        .args(["-max", "many"])
        .env_clear()
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("max"));
    for (flag, value) in [
        ("-covertdtls-config", "sometimes"),
        ("-covertdtls-fingerprint", "0303"),
    ] {
        let output = Command::new(BIN)
            .args([flag, value])
            .env_clear()
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(2), "{flag}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(flag),
            "{flag}"
        );
    }
}

/// `-version` (in any boolean spelling) prints `snowflake-client <version>`
/// and a newline to stderr, nothing to stdout (tor's channel), and exits
/// with 0, as upstream does; `-version=false` runs normally.
#[test]
fn version_flag_prints_to_stderr_like_upstream() {
    for flag in ["-version", "--version", "-version=true"] {
        let output = Command::new(BIN)
            .arg(flag)
            .env_clear()
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(0), "{flag}");
        assert!(output.stdout.is_empty(), "{flag}");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            format!("snowflake-client {}\n", env!("CARGO_PKG_VERSION")),
            "{flag}"
        );
    }
    // -version=false: a normal run, which here fails for its bad
    // -fingerprint.
    let output = Command::new(BIN)
        .args(["-version=false", "-fingerprint", "zz"])
        .env_clear()
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("-fingerprint"));
}

/// The deprecated `-logToStateDir` puts the `-log` file in tor's state
/// directory, creating it, as `-log-to-state-dir` does.
#[test]
fn deprecated_log_to_state_dir_logs_into_the_state_directory() {
    for flag in ["-logToStateDir", "-log-to-state-dir"] {
        let state = state_dir().join("not-yet-there");
        let state_text = state.to_str().expect("utf-8 temp dir").to_owned();
        let (mut guard, mut out) = managed(
            &[
                ("TOR_PT_CLIENT_TRANSPORTS", "snowflake"),
                ("TOR_PT_EXIT_ON_STDIN_CLOSE", "1"),
                ("TOR_PT_STATE_LOCATION", &state_text),
            ],
            &[
                "-url",
                "http://127.0.0.1:9/",
                "-loopback-only",
                "-log",
                "client.log",
                flag,
            ],
        );
        let lines = until_cmethods_done(&mut out);
        cmethod_addr(&lines);
        drop(guard.0.stdin.take());
        assert!(wait_exit(&mut guard.0).success(), "{flag}");
        let log = std::fs::read_to_string(state.join("client.log"))
            .unwrap_or_else(|e| panic!("{flag}: no log in the state directory: {e}"));
        assert!(
            log.contains(&format!("snowflake-client {}", env!("CARGO_PKG_VERSION"))),
            "{flag}: {log}"
        );
        let _ = std::fs::remove_dir_all(state.parent().expect("parent"));
    }
}
