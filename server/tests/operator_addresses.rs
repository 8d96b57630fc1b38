//! The built `snowflake-server` binary keeps the operator's own addresses
//! readable in its log (the listen address, the metrics address, tor's
//! Extended ORPorts and ORPort, in start-up lines and in configuration
//! errors) while it scrubs clients' addresses, standalone and as tor's
//! managed transport, without `-unsafe-logging`.

mod common;

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;

use common::*;
use snowflake_server::TorTarget;
use snowflake_testkit::tor::TempDir;
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

const BINARY: &str = env!("CARGO_BIN_EXE_snowflake-server");

/// What the test client says it carries for: the address a proxy reports.
const CLIENT_IP: &str = "203.0.113.9";

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
}

/// Starts the binary with `args` and only PATH, `RUST_LOG=debug` (the
/// line naming a connection's client address is a debug line) and `env`.
fn spawn(args: &[String], env: &HashMap<&str, String>) -> Child {
    let mut command = Command::new(BINARY);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    command.spawn().expect("start snowflake-server")
}

async fn wait_for_listener(addr: SocketAddr) {
    guard("listener", async {
        while TcpStream::connect(addr).await.is_err() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
}

/// SIGTERM, then the exit status.
async fn terminate(child: &mut Child) -> ExitStatus {
    let pid = child.id().expect("pid");
    // SAFETY: signalling our own child process by its id.
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) }, 0);
    guard("exit", child.wait()).await.expect("wait")
}

/// One client session with `client_ip` through the server at `listen`,
/// answered by a fake tor.
async fn one_session(listen: SocketAddr) {
    let client = client(listen, Some(CLIENT_IP)).await;
    let stream = guard("stream", client.open_stream()).await.expect("stream");
    assert_eq!(
        guard("exchange", exchange(stream, b"ping".to_vec())).await,
        b"from tor"
    );
}

fn fake_tor_behavior() -> Behavior {
    Behavior::Exchange {
        reply: Arc::new(b"from tor".to_vec()),
        expect: 4,
    }
}

/// The log, which the next run writes afresh.
fn take_log(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("log file");
    std::fs::remove_file(path).expect("remove log file");
    text
}

/// Every client address is scrubbed, and the scrubbing is at work.
fn assert_client_scrubbed(log: &str) {
    assert!(log.contains("client_ip=Some([scrubbed])"), "{log}");
    assert!(!log.contains(CLIENT_IP), "{log}");
}

fn ext_orport(tor: &FakeTor) -> (SocketAddr, String) {
    match &tor.target {
        TorTarget::ExtOrTcp { addr, cookie_file } => (*addr, cookie_file.display().to_string()),
        other => panic!("not a TCP Extended ORPort: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_log_keeps_the_operators_addresses_and_scrubs_clients() {
    let dir = TempDir::new("snowflake-operator-log").expect("temp dir");
    let instances = [
        FakeTor::ext_tcp(fake_tor_behavior()).await,
        FakeTor::ext_tcp(fake_tor_behavior()).await,
    ];
    let listen = free_addr();
    let metrics = free_addr();
    let log_file = dir.path().join("server.log");
    let mut args: Vec<String> = vec![
        "-disable-tls".into(),
        "-log".into(),
        log_file.display().to_string(),
        "-listen".into(),
        listen.to_string(),
        "-metrics-address".into(),
        metrics.to_string(),
    ];
    for instance in &instances {
        let (addr, cookie) = ext_orport(instance);
        args.push("-extorport-instance".into());
        args.push(format!("{addr},cookie={cookie}"));
    }
    let mut server = spawn(&args, &HashMap::new());
    wait_for_listener(metrics).await;
    one_session(listen).await;
    let status = terminate(&mut server).await;
    assert!(status.success(), "{status:?}");

    let log = take_log(&log_file);
    assert!(
        log.contains(&format!("standalone: proxies connect to {listen}")),
        "{log}"
    );
    assert!(
        log.contains(&format!("metrics on http://{metrics}/metrics")),
        "{log}"
    );
    let (first, _) = ext_orport(&instances[0]);
    let (second, _) = ext_orport(&instances[1]);
    assert!(
        log.contains(&format!("tor=ExtORPort {first}, ExtORPort {second}")),
        "{log}"
    );
    assert_client_scrubbed(&log);

    // Configuration errors name the operator's addresses too: a metrics
    // address that is taken (the server runs on without metrics) ...
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken_addr = taken.local_addr().expect("addr");
    let listen = free_addr();
    args[4] = listen.to_string();
    args[6] = taken_addr.to_string();
    let mut server = spawn(&args, &HashMap::new());
    wait_for_listener(listen).await;
    let status = terminate(&mut server).await;
    assert!(status.success(), "{status:?}");
    let log = take_log(&log_file);
    assert!(
        log.contains(&format!("cannot serve metrics on {taken_addr}: ")),
        "{log}"
    );

    // ... and a listen address that is taken (the server gives up).
    args[4] = taken_addr.to_string();
    args[6] = free_addr().to_string();
    let mut server = spawn(&args, &HashMap::new());
    let status = guard("exit", server.wait()).await.expect("wait");
    assert_eq!(status.code(), Some(1));
    let log = take_log(&log_file);
    assert!(
        log.contains(&format!("cannot listen on {taken_addr}: ")),
        "{log}"
    );
    assert!(!log.contains("[scrubbed]:"), "{log}");
    assert!(!log.contains("http://[scrubbed]"), "{log}");
    drop(taken);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_log_keeps_tors_ports_and_scrubs_clients() {
    let dir = TempDir::new("snowflake-operator-log").expect("temp dir");
    let log_file = dir.path().join("server.log");
    let base = |bind: SocketAddr| {
        HashMap::from([
            ("TOR_PT_MANAGED_TRANSPORT_VER", "1".to_owned()),
            ("TOR_PT_SERVER_TRANSPORTS", "snowflake".to_owned()),
            ("TOR_PT_SERVER_BINDADDR", format!("snowflake-{bind}")),
        ])
    };
    let args = |metrics: SocketAddr| -> Vec<String> {
        vec![
            "-disable-tls".into(),
            "-log".into(),
            log_file.display().to_string(),
            "-metrics-address".into(),
            metrics.to_string(),
        ]
    };

    // tor's Extended ORPort (and its cookie), as tor gives them.
    let tor = FakeTor::ext_tcp(fake_tor_behavior()).await;
    let (ext, cookie) = ext_orport(&tor);
    let listen = free_addr();
    let metrics = free_addr();
    let mut env = base(listen);
    env.insert("TOR_PT_EXTENDED_SERVER_PORT", ext.to_string());
    env.insert("TOR_PT_AUTH_COOKIE_FILE", cookie);
    env.insert("TOR_PT_ORPORT", "127.0.0.1:9".to_owned());
    let mut server = spawn(&args(metrics), &env);
    wait_for_listener(metrics).await;
    one_session(listen).await;
    let status = terminate(&mut server).await;
    assert!(status.success(), "{status:?}");
    let log = take_log(&log_file);
    assert!(log.contains(&format!("tor=ExtORPort {ext} ")), "{log}");
    assert!(log.contains(&format!("listening on {listen} ")), "{log}");
    assert!(
        log.contains(&format!("metrics on http://{metrics}/metrics")),
        "{log}"
    );
    assert_client_scrubbed(&log);

    // tor's plain ORPort, with no Extended ORPort.
    let tor = FakeTor::plain(fake_tor_behavior()).await;
    let TorTarget::OrPort(orport) = tor.target.clone() else {
        panic!("not a plain ORPort: {}", tor.target);
    };
    let listen = free_addr();
    let metrics = free_addr();
    let mut env = base(listen);
    env.insert("TOR_PT_ORPORT", orport.to_string());
    let mut server = spawn(&args(metrics), &env);
    wait_for_listener(metrics).await;
    one_session(listen).await;
    let status = terminate(&mut server).await;
    assert!(status.success(), "{status:?}");
    let log = take_log(&log_file);
    assert!(log.contains(&format!("tor=ORPort {orport} ")), "{log}");
    assert_client_scrubbed(&log);

    // A ServerTransportListenAddr that is taken: the error names it.
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken_addr = taken.local_addr().expect("addr");
    let mut env = base(taken_addr);
    env.insert("TOR_PT_ORPORT", orport.to_string());
    let mut server = spawn(&args(free_addr()), &env);
    let status = guard("exit", server.wait()).await.expect("wait");
    assert_eq!(status.code(), Some(1), "nothing to serve");
    let log = take_log(&log_file);
    assert!(
        log.contains(&format!("snowflake: cannot listen on {taken_addr}: ")),
        "{log}"
    );
    assert!(!log.contains("[scrubbed]:"), "{log}");
    drop(taken);
}
