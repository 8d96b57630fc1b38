//! The built `snowflake-client` binary keeps the user's own addresses
//! readable in its log (the broker, the STUN server, the `-socks` listen
//! address, tor's `TOR_PT_PROXY`), in its running lines and its
//! configuration errors, while an address a peer sent (here in the
//! broker's error text) is scrubbed; no `-unsafe-logging`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use snowflake_testkit::managed_pt::{self, read_line, wait_exit, KillOnDrop};

const BIN: &str = env!("CARGO_BIN_EXE_snowflake-client");

/// An address only the broker's answer carries.
const PEER_ADDR: &str = "198.51.100.23:4321";

/// Hang guard for waiting on log lines; no timing is asserted.
const HANG_GUARD: Duration = Duration::from_secs(60);

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
}

fn log_path(prefix: &str) -> PathBuf {
    managed_pt::state_dir(prefix).join("client.log")
}

/// A broker that answers every client poll with an error naming a peer's
/// address.
fn fake_broker() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            std::thread::spawn(move || answer_poll(stream));
        }
    });
    addr
}

fn answer_poll(stream: TcpStream) {
    let mut reader = BufReader::new(stream);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let answer = format!("{{\"error\":\"proxy {PEER_ADDR} went away\"}}");
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    );
    let _ = reader.get_mut().write_all(response.as_bytes());
}

/// Waits until the log at `path` has every one of `needles`, while
/// `child` runs; returns the log.
fn wait_for_log(path: &Path, child: &mut KillOnDrop, needles: &[&str]) -> String {
    let deadline = Instant::now() + HANG_GUARD;
    loop {
        let log = std::fs::read_to_string(path).unwrap_or_default();
        if needles.iter().all(|n| log.contains(n)) {
            return log;
        }
        if let Some(status) = child.0.try_wait().expect("try_wait") {
            panic!("the client exited ({status}) before logging {needles:?}:\n{log}");
        }
        assert!(
            Instant::now() < deadline,
            "no {needles:?} in the log:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A SOCKS5 CONNECT without authentication; the connection stays open
/// (the client starts its session and asks the broker for a proxy).
fn socks_connect(addr: SocketAddr) -> TcpStream {
    let deadline = Instant::now() + HANG_GUARD;
    let mut s = loop {
        match TcpStream::connect(addr) {
            Ok(s) => break s,
            Err(e) => {
                assert!(Instant::now() < deadline, "SOCKS listener {addr}: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    };
    s.set_read_timeout(Some(HANG_GUARD)).expect("timeout");
    s.write_all(&[5, 1, 0]).expect("write");
    let mut reply = [0u8; 2];
    s.read_exact(&mut reply).expect("method reply");
    assert_eq!(reply, [5, 0]);
    s.write_all(&[5, 1, 0, 1, 192, 0, 2, 3, 0, 80])
        .expect("write");
    let mut reply = [0u8; 10];
    s.read_exact(&mut reply).expect("CONNECT reply");
    assert_eq!(reply[1], 0, "CONNECT refused");
    s
}

#[test]
fn socks_mode_keeps_the_users_addresses_and_scrubs_a_peers() {
    let broker = fake_broker();
    // A STUN server that never answers: the NAT check fails, naming it.
    let stun = UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
    let stun_addr = stun.local_addr().expect("addr");
    let socks = free_addr();
    let log = log_path("snowflake-client-operator");
    let mut child = KillOnDrop(
        Command::new(BIN)
            .args(["-socks", &socks.to_string()])
            .args(["-url", &format!("http://{broker}/")])
            .args(["-ice", &format!("stun:{stun_addr}")])
            .args(["-log", log.to_str().expect("UTF-8 path")])
            .env_clear()
            // The line naming the broker's host is a debug line.
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start snowflake-client"),
    );
    let _socks = socks_connect(socks);
    let text = wait_for_log(
        &log,
        &mut child,
        &["no proxy this time", "NAT check failed"],
    );
    drop(child);
    assert!(text.contains(&format!("host={broker}")), "{text}");
    assert!(
        text.contains(&format!("NAT check failed server=stun:{stun_addr} ")),
        "{text}"
    );
    assert!(
        text.contains("broker error: proxy [scrubbed] went away"),
        "{text}"
    );
    assert!(!text.contains("198.51.100.23"), "{text}");

    // A -socks address that is taken: the error names it.
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken_addr = taken.local_addr().expect("addr");
    let log = log_path("snowflake-client-operator");
    let mut child = KillOnDrop(
        Command::new(BIN)
            .args(["-socks", &taken_addr.to_string()])
            .args(["-url", &format!("http://{broker}/")])
            .args(["-log", log.to_str().expect("UTF-8 path")])
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start snowflake-client"),
    );
    let status = wait_exit(&mut child.0);
    assert_eq!(status.code(), Some(1), "{status}");
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        text.contains(&format!("cannot listen on {taken_addr}: ")),
        "{text}"
    );
    assert!(!text.contains("[scrubbed]"), "{text}");
}

/// Starts the client as tor would, with `TOR_PT_PROXY` set to `proxy`,
/// a broker that is not there, `extra` flags and a log file of its own.
fn launch_behind(proxy: &str, extra: &[&str]) -> (KillOnDrop, BufReader<ChildStdout>, PathBuf) {
    let log = log_path("snowflake-client-operator");
    let mut args = vec!["-url", "http://127.0.0.1:9/"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-log", log.to_str().expect("UTF-8 path")]);
    let (child, out) = managed_pt::launch(
        BIN,
        &[
            ("TOR_PT_CLIENT_TRANSPORTS", "snowflake"),
            ("TOR_PT_PROXY", proxy),
        ],
        &args,
    );
    (child, out, log)
}

#[test]
fn managed_mode_keeps_tors_upstream_proxy_readable() {
    // A SOCKS5 proxy that is not there: refused, and the error names it.
    let closed = free_addr();
    let proxy = format!("socks5://{closed}");
    let (mut child, mut out, log) = launch_behind(&proxy, &[]);
    assert_eq!(read_line(&mut out), "VERSION 1");
    let error = read_line(&mut out);
    assert!(error.starts_with("PROXY-ERROR "), "{error}");
    let status = wait_exit(&mut child.0);
    assert!(!status.success(), "{status}");
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        text.contains(&format!(
            "TOR_PT_PROXY refused: proxy test failure: upstream proxy {proxy}: "
        )),
        "{text}"
    );
    assert!(!text.contains("[scrubbed]"), "{text}");

    // An HTTP proxy for the rendezvous only: the warning names it.
    let proxy = format!("http://{closed}");
    let (mut child, mut out, log) = launch_behind(&proxy, &["-proxy-rendezvous-only"]);
    assert_eq!(read_line(&mut out), "VERSION 1");
    assert_eq!(read_line(&mut out), "PROXY DONE");
    let text = wait_for_log(&log, &mut child, &["only the broker rendezvous"]);
    assert!(
        text.contains(&format!(
            "upstream proxy {proxy}: only the broker rendezvous goes through it"
        )),
        "{text}"
    );
    assert!(!text.contains("[scrubbed]"), "{text}");
}
