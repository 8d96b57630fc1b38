//! The built `snowflake-server` binary in managed-transport mode: the lines
//! it prints for tor, errors a person can act on, exiting when stdin closes,
//! flags in Go's single-dash spelling, and TLS reload on SIGHUP.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;

use common::*;
use rustls::pki_types::{CertificateDer, ServerName};
use snowflake_testkit::tor::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

const BINARY: &str = env!("CARGO_BIN_EXE_snowflake-server");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: tokio::io::Lines<BufReader<ChildStdout>>,
}

impl Running {
    fn start(args: &[&str], env: &HashMap<&str, String>) -> Self {
        let mut command = Command::new(BINARY);
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start snowflake-server");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        Self {
            child,
            stdin,
            lines: BufReader::new(stdout).lines(),
        }
    }

    /// Lines up to and including one that starts with `last` (or EOF).
    async fn lines_until(&mut self, last: &str) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(line) = guard("stdout line", self.lines.next_line())
            .await
            .expect("read stdout")
        {
            let done = line.starts_with(last);
            out.push(line);
            if done {
                break;
            }
        }
        out
    }

    async fn exit_code(&mut self) -> Option<i32> {
        guard("exit", self.child.wait()).await.expect("wait").code()
    }
}

fn base_env(bind: &str) -> HashMap<&'static str, String> {
    HashMap::from([
        ("TOR_PT_MANAGED_TRANSPORT_VER", "1".to_owned()),
        ("TOR_PT_SERVER_TRANSPORTS", "snowflake".to_owned()),
        ("TOR_PT_SERVER_BINDADDR", bind.to_owned()),
        ("TOR_PT_EXIT_ON_STDIN_CLOSE", "1".to_owned()),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_mode_registers_serves_and_exits_when_stdin_closes() {
    let mut tor = FakeTor::ext_tcp(Behavior::Exchange {
        reply: Arc::new(b"from tor".to_vec()),
        expect: 4,
    })
    .await;
    let snowflake_server::TorTarget::ExtOrTcp { addr, cookie_file } = tor.target.clone() else {
        unreachable!()
    };
    let port = free_port();
    let mut env = base_env(&format!("snowflake-127.0.0.1:{port}"));
    env.insert("TOR_PT_EXTENDED_SERVER_PORT", addr.to_string());
    env.insert("TOR_PT_AUTH_COOKIE_FILE", cookie_file.display().to_string());
    env.insert("TOR_PT_ORPORT", "127.0.0.1:9".to_owned());
    env.insert("RUST_LOG", "debug".to_owned());
    let logs = TempDir::new("snowflake-pt-log").expect("temp dir");
    let log_file = logs.path().join("server.log");
    let log_arg = log_file.display().to_string();
    // Single-dash flags, as in existing torrc lines.
    let mut server = Running::start(
        &["-disable-tls", "-num-turbotunnel", "2", "-log", &log_arg],
        &env,
    );
    let lines = server.lines_until("SMETHODS DONE").await;
    assert_eq!(
        lines,
        vec![
            "VERSION 1".to_owned(),
            format!(
                "STATUS TYPE=version IMPLEMENTATION=\"snowflake-server\" VERSION=\"{}\"",
                env!("CARGO_PKG_VERSION")
            ),
            format!("SMETHOD snowflake 127.0.0.1:{port} ARGS:tls=no"),
            "SMETHODS DONE".to_owned(),
        ]
    );

    // It serves.
    let listen: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let client = client(listen, Some("203.0.113.9")).await;
    let stream = guard("stream", client.open_stream()).await.expect("stream");
    assert_eq!(
        guard("exchange", exchange(stream, b"ping".to_vec())).await,
        b"from tor"
    );
    let (ext, _) = tor.next_connection().await;
    assert_eq!(
        ext.and_then(|e| e.user_addr).as_deref(),
        Some("203.0.113.9:1")
    );

    // tor goes away: stdin closes, the transport exits.
    drop(server.stdin.take());
    assert_eq!(server.exit_code().await, Some(0));

    // The client's address never reached the log (no --unsafe-logging).
    let log = std::fs::read_to_string(&log_file).expect("log file");
    assert!(log.contains("client_ip=Some([scrubbed])"), "{log}");
    assert!(!log.contains("203.0.113.9"), "{log}");
    assert!(log.contains("stdin closed, shutting down"), "{log}");
}

#[tokio::test]
async fn smethod_errors_name_the_problem() {
    /// Bind address, extra environment, expected line.
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "snowflake-127.0.0.1:0",
            vec![("TOR_PT_ORPORT", "127.0.0.1:9001")],
            "SMETHOD-ERROR snowflake cannot listen on port 0 (127.0.0.1:0); configure a port with ServerTransportListenAddr",
        ),
        (
            "BINDPLACEHOLDER",
            vec![
                ("TOR_PT_ORPORT", "127.0.0.1:9001"),
                ("TOR_PT_SERVER_TRANSPORT_OPTIONS", "snowflake:orport-srcaddr=localhost"),
            ],
            "SMETHOD-ERROR snowflake bad ServerTransportOptions: orport-srcaddr \"localhost\" is not an IP address or CIDR range (like 127.0.0.0/8)",
        ),
        (
            "BINDPLACEHOLDER",
            vec![
                ("TOR_PT_ORPORT", "127.0.0.1:9001"),
                ("TOR_PT_SERVER_TRANSPORT_OPTIONS", "snowflake:num-turbotunnel=0"),
            ],
            "SMETHOD-ERROR snowflake bad ServerTransportOptions: num-turbotunnel=\"0\": must be an integer between 1 and 256",
        ),
    ];
    for (bind, extra, expected) in cases {
        let bind = bind.replace(
            "BINDPLACEHOLDER",
            &format!("snowflake-127.0.0.1:{}", free_port()),
        );
        let mut env = base_env(&bind);
        for (k, v) in extra {
            env.insert(k, v.to_owned());
        }
        let mut server = Running::start(&["--disable-tls"], &env);
        let lines = server.lines_until("SMETHODS DONE").await;
        assert!(lines.contains(&expected.to_owned()), "{lines:?}");
        assert_eq!(lines.last().map(String::as_str), Some("SMETHODS DONE"));
        assert_eq!(server.exit_code().await, Some(1), "nothing to serve");
    }

    // A port that is already taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let mut env = base_env(&format!("snowflake-127.0.0.1:{port}"));
    env.insert("TOR_PT_ORPORT", "127.0.0.1:9001".to_owned());
    let mut server = Running::start(&["--disable-tls"], &env);
    let lines = server.lines_until("SMETHODS DONE").await;
    assert!(
        lines.iter().any(|l| l.starts_with(&format!(
            "SMETHOD-ERROR snowflake cannot listen on 127.0.0.1:{port}: "
        ))),
        "{lines:?}"
    );
}

#[tokio::test]
async fn environment_errors_become_env_error() {
    let port = free_port();
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![], "ENV-ERROR need TOR_PT_ORPORT or TOR_PT_EXTENDED_SERVER_PORT environment variable"),
        (
            vec![("TOR_PT_EXTENDED_SERVER_PORT", "127.0.0.1:5555")],
            "ENV-ERROR need TOR_PT_AUTH_COOKIE_FILE environment variable with TOR_PT_EXTENDED_SERVER_PORT",
        ),
        (
            vec![
                ("TOR_PT_EXTENDED_SERVER_PORT", "unix:relative/path"),
                ("TOR_PT_AUTH_COOKIE_FILE", "/tmp/cookie"),
            ],
            "ENV-ERROR TOR_PT_EXTENDED_SERVER_PORT: unix: needs an absolute socket path, like unix:/run/tor/extorport",
        ),
        (
            vec![("TOR_PT_ORPORT", "localhost:9001")],
            "ENV-ERROR cannot parse TOR_PT_ORPORT \"localhost:9001\"",
        ),
    ];
    for (extra, expected) in cases {
        let mut env = base_env(&format!("snowflake-127.0.0.1:{port}"));
        for (k, v) in extra {
            env.insert(k, v.to_owned());
        }
        let mut server = Running::start(&["--disable-tls"], &env);
        let lines = server.lines_until("ENV-ERROR").await;
        assert_eq!(
            lines.first().map(String::as_str),
            Some("VERSION 1"),
            "{lines:?}"
        );
        assert!(
            lines.last().is_some_and(|l| l.starts_with(expected)),
            "{lines:?} vs {expected}"
        );
        assert_eq!(server.exit_code().await, Some(1));
    }
    // Not started by tor at all.
    let mut server = Running::start(&["--disable-tls"], &HashMap::new());
    let lines = server.lines_until("ENV-ERROR").await;
    assert_eq!(
        lines,
        vec!["ENV-ERROR no TOR_PT_MANAGED_TRANSPORT_VER environment variable".to_owned()]
    );
    assert_eq!(server.exit_code().await, Some(1));
}

#[tokio::test]
async fn flags() {
    let run = |args: &[&str]| {
        std::process::Command::new(BINARY)
            .args(args)
            .env_clear()
            .output()
            .expect("run")
    };
    let out = run(&["-version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("snowflake-server {}\n", env!("CARGO_PKG_VERSION"))
    );
    assert!(
        out.stdout.is_empty(),
        "the version goes to stderr, as upstream"
    );
    let out = run(&[
        "-acme-hostnames",
        "snowflake.example.com",
        "-cert",
        "c",
        "-key",
        "k",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--acme-hostnames") && err.contains("--cert"),
        "{err}"
    );
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--disable-tls") && err.contains("--cert"),
        "{err}"
    );
    let out = run(&["--disable-tls", "--num-turbotunnel", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

async fn presented_certificate(addr: SocketAddr) -> CertificateDer<'static> {
    let (connector, verifier) = any_certificate_connector();
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let mut tls = connector
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("TLS handshake");
    let _ = tls.shutdown().await;
    let seen = verifier.seen.lock().expect("lock");
    seen.last().cloned().expect("a certificate")
}

fn write_cert(
    dir: &TempDir,
    name: &str,
) -> (
    std::path::PathBuf,
    std::path::PathBuf,
    CertificateDer<'static>,
) {
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let cert = dir.path().join(format!("{name}.crt"));
    let key = dir.path().join(format!("{name}.key"));
    std::fs::write(&cert, generated.cert.pem()).expect("write");
    std::fs::write(&key, generated.signing_key.serialize_pem()).expect("write");
    (cert, key, generated.cert.der().clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_certificate() {
    let dir = TempDir::new("snowflake-pt-tls").expect("temp dir");
    let (cert, key, first) = write_cert(&dir, "live");
    let port = free_port();
    let mut env = base_env(&format!("snowflake-127.0.0.1:{port}"));
    env.insert("TOR_PT_ORPORT", "127.0.0.1:9001".to_owned());
    let cert_arg = cert.display().to_string();
    let key_arg = key.display().to_string();
    let mut server = Running::start(&["-cert", &cert_arg, "-key", &key_arg], &env);
    let lines = server.lines_until("SMETHODS DONE").await;
    assert!(
        lines.contains(&format!("SMETHOD snowflake 127.0.0.1:{port} ARGS:tls=yes")),
        "{lines:?}"
    );
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    assert_eq!(presented_certificate(addr).await, first);

    let (new_cert, new_key, second) = write_cert(&dir, "next");
    std::fs::rename(new_cert, &cert).expect("replace");
    std::fs::rename(new_key, &key).expect("replace");
    let pid = i32::try_from(server.child.id().expect("running")).expect("pid");
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGHUP) }, 0);
    // The reload happens asynchronously: poll until the new certificate is
    // served (hang guard only).
    guard("certificate reloaded", async {
        while presented_certificate(addr).await != second {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await;
    drop(server.stdin.take());
    assert_eq!(server.exit_code().await, Some(0));
}
