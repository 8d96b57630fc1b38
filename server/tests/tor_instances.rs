//! Balancing over several tor instances (docs/tor-instances.md), in
//! process: three fake tor instances, each an Extended ORPort with its own
//! cookie (testkit's SAFE_COOKIE check) that echoes what it receives, in
//! front of one server.
//!
//! * sessions spread over the three, each instance's connections from its
//!   own `srcaddr` range;
//! * one instance killed (listener and connections gone): its sessions end,
//!   the sessions on the other two go on exchanging intact data over their
//!   same connections, and new sessions go to the other two (the first one
//!   that tries the dead instance marks it down and is served by another);
//! * the instance restarted on the same address: the health probe finds
//!   it and new sessions go to it again;
//! * the per-instance metrics say so at every step;
//! * the binary runs standalone (`-listen`, no `TOR_PT_*` at all) over
//!   the instances given as flags, and the flags are checked.

mod common;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{client, guard, init_logs, pattern};
use snowflake_common::cli::GoFlags;
use snowflake_common::pt::extorport::AuthCookie;
use snowflake_common::smux;
use snowflake_server::cli::{Args, CliError};
use snowflake_server::srcaddr::SourceRange;
use snowflake_server::{Server, ServerConfig, TorInstance, TorTarget};
use snowflake_testkit::fake_tor_extorport::serve_ext_or_handshake;
use snowflake_testkit::tor::TempDir;
use snowflake_testkit::tunnel_client::TunnelClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// What a fake instance saw.
#[derive(Debug, Default)]
struct Seen {
    /// Client streams (the server reported a USERADDR).
    streams: AtomicUsize,
    /// Health probes (authenticated, no USERADDR).
    probes: AtomicUsize,
    /// Source addresses of every connection.
    peers: Mutex<Vec<IpAddr>>,
}

/// A fake tor instance: an Extended ORPort on a fixed address with its
/// own cookie, echoing every OR connection. [`FakeInstance::kill`] drops
/// its listener and every connection, as a dead tor would;
/// [`FakeInstance::restart`] listens again on the same address.
struct FakeInstance {
    addr: SocketAddr,
    cookie: AuthCookie,
    cookie_file: PathBuf,
    seen: Arc<Seen>,
    tasks: Option<JoinSet<()>>,
    _dir: TempDir,
}

impl FakeInstance {
    async fn start() -> Self {
        let dir = TempDir::new("snowflake-fake-instance").expect("temp dir");
        let cookie = AuthCookie::random();
        let cookie_file = dir.path().join("extended_orport_auth_cookie");
        cookie.write_file(&cookie_file).expect("cookie file");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let mut instance = Self {
            addr: listener.local_addr().expect("addr"),
            cookie,
            cookie_file,
            seen: Arc::default(),
            tasks: None,
            _dir: dir,
        };
        instance.serve(listener);
        instance
    }

    fn serve(&mut self, listener: TcpListener) {
        let mut tasks = JoinSet::new();
        let (cookie, seen) = (self.cookie.clone(), Arc::clone(&self.seen));
        // Connection tasks live in a set the accept loop owns, so that
        // aborting it ends them all.
        tasks.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((stream, peer)) = listener.accept().await {
                let (cookie, seen) = (cookie.clone(), Arc::clone(&seen));
                connections.spawn(echo(stream, peer, cookie, seen));
            }
        });
        self.tasks = Some(tasks);
    }

    /// The instance as the server is told about it, connecting from
    /// `srcaddr`.
    fn instance(&self, srcaddr: &str) -> TorInstance {
        TorInstance {
            target: TorTarget::ExtOrTcp {
                addr: self.addr,
                cookie_file: self.cookie_file.clone(),
            },
            srcaddr: Some(srcaddr.parse().expect("range")),
        }
    }

    fn streams(&self) -> usize {
        self.seen.streams.load(Ordering::SeqCst)
    }

    fn probes(&self) -> usize {
        self.seen.probes.load(Ordering::SeqCst)
    }

    fn peers(&self) -> Vec<IpAddr> {
        self.seen.peers.lock().expect("lock").clone()
    }

    async fn kill(&mut self) {
        if let Some(mut tasks) = self.tasks.take() {
            tasks.shutdown().await;
        }
    }

    async fn restart(&mut self) {
        let listener = TcpListener::bind(self.addr).await.expect("bind again");
        self.serve(listener);
    }
}

/// One OR connection: the Extended ORPort handshake, then echo.
async fn echo(mut stream: TcpStream, peer: SocketAddr, cookie: AuthCookie, seen: Arc<Seen>) {
    seen.peers.lock().expect("lock").push(peer.ip());
    let Ok(served) =
        serve_ext_or_handshake(&mut stream, &cookie, |_| true, Duration::from_secs(10)).await
    else {
        return;
    };
    if served.info.user_addr.is_some() {
        seen.streams.fetch_add(1, Ordering::SeqCst);
    } else {
        seen.probes.fetch_add(1, Ordering::SeqCst);
    }
    if !served.early_data.is_empty() && stream.write_all(&served.early_data).await.is_err() {
        return;
    }
    let (mut r, mut w) = stream.split();
    let _ = tokio::io::copy(&mut r, &mut w).await;
}

/// A client session with one stream, after its first echo.
struct Session {
    _client: TunnelClient,
    stream: smux::Stream,
    sent: usize,
}

impl Session {
    async fn open(server: SocketAddr, seed: u64) -> Self {
        let client = client(server, Some("192.0.2.7")).await;
        let stream = guard("open stream", client.open_stream())
            .await
            .expect("stream");
        let mut session = Self {
            _client: client,
            stream,
            sent: 0,
        };
        session.echo(seed).await;
        session
    }

    /// Sends 64 KiB and checks that they come back intact.
    async fn echo(&mut self, seed: u64) {
        let data = pattern(64 * 1024, seed);
        guard("write", self.stream.write_all(&data))
            .await
            .expect("write");
        let mut back = vec![0u8; data.len()];
        guard("echo", self.stream.read_exact(&mut back))
            .await
            .expect("echo back");
        assert!(back == data, "echoed data differs");
        self.sent += data.len();
    }

    /// Waits for the end of the stream (its tor connection is gone).
    async fn ended(mut self) {
        let mut buf = [0u8; 1024];
        loop {
            match guard("stream end", self.stream.read(&mut buf)).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    }
}

/// `name{instance="address"}` in the metrics text.
fn metric(text: &str, name: &str, address: &str) -> Option<i64> {
    let prefix = format!("snowflake_server_{name}{{instance=\"{address}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|value| value.trim().parse().ok())
}

/// (up, connections, connections_total, dial_failures_total) of each
/// instance, from the metrics text.
fn instance_metrics(server: &Server, instances: &[FakeInstance]) -> Vec<(i64, i64, i64, i64)> {
    let text = server.metrics().render();
    instances
        .iter()
        .map(|instance| {
            let address = instance.addr.to_string();
            let get = |name: &str| {
                metric(&text, name, &address).unwrap_or_else(|| panic!("{name} missing:\n{text}"))
            };
            (
                get("tor_instance_up"),
                get("tor_instance_connections"),
                get("tor_instance_connections_total"),
                get("tor_instance_dial_failures_total"),
            )
        })
        .collect()
}

/// Polls `condition` every 20 ms until it holds (under the hang guard).
async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    guard(what, async {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

const RANGES: [&str; 3] = ["127.0.1.0/24", "127.0.2.0/24", "127.0.3.0/24"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_spread_avoid_a_dead_instance_and_return_to_it() {
    init_logs();
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(FakeInstance::start().await);
    }
    let mut config = ServerConfig::new(TorTarget::OrPort("127.0.0.1:9".parse().expect("addr")));
    config.tor_instances = instances
        .iter()
        .zip(RANGES)
        .map(|(instance, range)| instance.instance(range))
        .collect();
    let server = Server::new(config).expect("server");
    let addr = server
        .listen("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("listen");
    assert!(server.tor_instances().iter().all(|i| i.up));

    // Six sessions, one after the other: two on each instance, each
    // instance's from its own range.
    let mut sessions = Vec::new();
    for seed in 0..6 {
        sessions.push(Session::open(addr, seed).await);
    }
    assert_eq!(
        instances
            .iter()
            .map(FakeInstance::streams)
            .collect::<Vec<_>>(),
        [2, 2, 2]
    );
    for (instance, range) in instances.iter().zip(RANGES) {
        let range: SourceRange = range.parse().expect("range");
        let peers = instance.peers();
        assert!(
            peers.iter().all(|&ip| range.contains(ip)),
            "{range}: {peers:?}"
        );
    }
    assert_eq!(
        instance_metrics(&server, &instances),
        [(1, 2, 2, 0), (1, 2, 2, 0), (1, 2, 2, 0)]
    );
    let status = server.tor_instances();
    assert_eq!(
        status.iter().map(|s| s.connections).collect::<Vec<_>>(),
        [2, 2, 2]
    );
    assert_eq!(status[2].address, instances[2].addr.to_string());

    // Instance 3 dies. Round-robin put sessions 2 and 5 on it.
    instances[2].kill().await;
    let on_dead: Vec<Session> = vec![sessions.remove(5), sessions.remove(2)];
    for session in on_dead {
        session.ended().await;
    }
    until("the server sees instance 3's connections closed", || {
        server.tor_instances()[2].connections == 0
    })
    .await;
    // Instance 3 has the fewest connections: the next session tries it
    // first, marks it down, and is served by another.
    let mut new_sessions = vec![Session::open(addr, 10).await];
    let status = server.tor_instances();
    assert!(!status[2].up, "{status:?}");
    assert!(status[0].up && status[1].up, "{status:?}");
    // The sessions on the live instances go on, on their same
    // connections, with every byte intact.
    for (n, session) in sessions.iter_mut().enumerate() {
        session.echo(20 + n as u64).await;
        assert_eq!(session.sent, 2 * 64 * 1024);
    }
    // New sessions avoid the dead instance (at most its probes try it).
    for seed in 11..14 {
        new_sessions.push(Session::open(addr, seed).await);
    }
    assert_eq!(
        instances
            .iter()
            .map(FakeInstance::streams)
            .collect::<Vec<_>>(),
        [4, 4, 2],
        "the four new sessions went to the live instances"
    );
    let metrics = instance_metrics(&server, &instances);
    assert_eq!(metrics[0], (1, 4, 4, 0));
    assert_eq!(metrics[1], (1, 4, 4, 0));
    assert_eq!(metrics[2], (0, 0, 2, 1), "down after one failed dial");
    assert_eq!(server.metrics().tor_dial_failures.get(), 1);

    // Back on the same address: a probe finds it and it is used again.
    instances[2].restart().await;
    until("a probe finds instance 3 back", || {
        server.tor_instances()[2].up
    })
    .await;
    assert!(instances[2].probes() >= 1);
    for seed in 30..32 {
        new_sessions.push(Session::open(addr, seed).await);
    }
    assert_eq!(
        instances
            .iter()
            .map(FakeInstance::streams)
            .collect::<Vec<_>>(),
        [4, 4, 4],
        "the least loaded instance takes the new sessions"
    );
    assert_eq!(
        instance_metrics(&server, &instances),
        [(1, 4, 4, 0), (1, 4, 4, 0), (1, 2, 4, 1)]
    );
    for (n, session) in new_sessions.iter_mut().enumerate() {
        session.echo(40 + n as u64).await;
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_every_instance_is_down_sessions_still_try_them() {
    init_logs();
    let mut instance = FakeInstance::start().await;
    let mut config = ServerConfig::new(TorTarget::OrPort("127.0.0.1:9".parse().expect("addr")));
    config.tor_instances = vec![instance.instance("127.0.0.1")];
    let server = Server::new(config).expect("server");
    let addr = server
        .listen("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("listen");
    instance.kill().await;
    // A session's stream fails: the only instance is down.
    let client = client(addr, Some("192.0.2.8")).await;
    let mut stream = guard("open stream", client.open_stream())
        .await
        .expect("stream");
    stream.write_all(b"hello").await.expect("write");
    let mut buf = [0u8; 16];
    let read = guard("closed", stream.read(&mut buf)).await;
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    assert!(!server.tor_instances()[0].up);
    // Back before any probe: the next session's dial (the only choice)
    // finds it, whatever the backoff says.
    instance.restart().await;
    let _session = Session::open(addr, 1).await;
    assert!(server.tor_instances()[0].up);
    server.shutdown().await;
}

const BINARY: &str = env!("CARGO_BIN_EXE_snowflake-server");

/// Fetches the metrics text from the server's endpoint.
async fn scrape(addr: SocketAddr) -> String {
    let mut conn = TcpStream::connect(addr).await.expect("metrics endpoint");
    conn.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut response = String::new();
    conn.read_to_string(&mut response).await.expect("read");
    response
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
}

/// The binary with `-listen` and no environment but PATH: standalone,
/// spreading sessions over the instances given as flags.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_runs_standalone_without_tor_pt_variables() {
    let mut instances = Vec::new();
    for _ in 0..2 {
        instances.push(FakeInstance::start().await);
    }
    let listen = free_addr();
    let metrics = free_addr();
    let mut args: Vec<String> = [
        "-disable-tls",
        "-listen",
        &listen.to_string(),
        "-metrics-address",
        &metrics.to_string(),
        "-orport-srcaddr",
        "127.0.4.0/24",
    ]
    .map(str::to_owned)
    .to_vec();
    for instance in &instances {
        args.push("-extorport-instance".to_owned());
        args.push(format!(
            "{},cookie={}",
            instance.addr,
            instance.cookie_file.display()
        ));
    }
    let mut child = tokio::process::Command::new(BINARY)
        .args(&args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start snowflake-server");
    // Up once the metrics endpoint answers.
    guard("standalone server starts", async {
        while TcpStream::connect(metrics).await.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let mut sessions = Vec::new();
    for seed in 0..4 {
        sessions.push(Session::open(listen, seed).await);
    }
    assert_eq!(
        instances
            .iter()
            .map(FakeInstance::streams)
            .collect::<Vec<_>>(),
        [2, 2]
    );
    let range: SourceRange = "127.0.4.0/24".parse().expect("range");
    for instance in &instances {
        assert!(instance.peers().iter().all(|&ip| range.contains(ip)));
    }
    let text = scrape(metrics).await;
    for instance in &instances {
        let address = instance.addr.to_string();
        assert_eq!(
            metric(&text, "tor_instance_connections", &address),
            Some(2),
            "{text}"
        );
        assert_eq!(metric(&text, "tor_instance_up", &address), Some(1));
    }
    // Nothing for tor on stdout; SIGTERM stops it cleanly.
    let pid = child.id().expect("pid");
    // SAFETY: signalling our own child process by its id.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
    let status = guard("exit", child.wait()).await.expect("wait");
    assert!(status.success(), "{status:?}");
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .await
        .expect("stdout");
    assert_eq!(stdout, "", "no managed-transport lines");
}

fn parse(args: &[&str]) -> Result<Args, clap::Error> {
    Args::parse_go_style(std::iter::once("snowflake-server").chain(args.iter().copied()))
}

#[test]
fn flags_for_tor_instances() {
    let args = parse(&[
        "-disable-tls",
        "-listen",
        ":443",
        "-extorport-instance",
        "127.0.0.1:10001,cookie=/run/a",
        "--extorport-instance=unix:/run/b/ext,cookie=/run/b/cookie",
        "-extorport-instance",
        "127.0.0.1:10003,cookie=/run/c,srcaddr=127.0.3.0/24",
        "-orport-srcaddr=127.0.1.0/24",
    ])
    .expect("flags");
    let options = args.pt_options().expect("options");
    assert_eq!(options.listen, Some("[::]:443".parse().unwrap()));
    let described: Vec<String> = options
        .tor_instances
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        described,
        [
            "127.0.0.1:10001,cookie=/run/a",
            "unix:/run/b/ext,cookie=/run/b/cookie",
            "127.0.0.1:10003,cookie=/run/c,srcaddr=127.0.3.0/24",
        ],
        "repeated, in order"
    );
    let config = snowflake_server::standalone::config(&options).expect("config");
    assert_eq!(config.instances().len(), 3);
    assert_eq!(
        config.instances()[0].srcaddr.map(|r| r.to_string()),
        Some("127.0.1.0/24".to_owned())
    );

    for bad in [
        &["-extorport-instance", "127.0.0.1:10001"][..],
        &["-extorport-instance", "127.0.0.1:10001,cookie=/a,x=y"],
        &["-orport-srcaddr", "localhost"],
        &["-listen", "443"],
    ] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
    let refused = |args: &[&str]| parse(args).expect("flags").pt_options().unwrap_err();
    assert_eq!(
        refused(&["-disable-tls", "-listen", ":443"]),
        CliError::ListenWithoutInstances
    );
    assert_eq!(
        refused(&[
            "-disable-tls",
            "-listen",
            ":443",
            "-ext-orport",
            "127.0.0.1:5",
            "-extorport-instance",
            "127.0.0.1:6,cookie=/c",
        ]),
        CliError::ListenWithExtOrPort
    );
    assert_eq!(
        refused(&[
            "-disable-tls",
            "-extorport-instance",
            "127.0.0.1:6,cookie=/c",
            "-extorport-instance",
            "127.0.0.1:6,cookie=/d",
        ]),
        CliError::DuplicateInstance("127.0.0.1:6".to_owned())
    );
    // Under tor (no -listen), the flags' instances join tor's own.
    let options = parse(&[
        "-disable-tls",
        "-extorport-instance",
        "127.0.0.1:10002,cookie=/b",
    ])
    .expect("flags")
    .pt_options()
    .expect("options");
    let env: HashMap<String, String> = [
        ("TOR_PT_MANAGED_TRANSPORT_VER", "1"),
        ("TOR_PT_SERVER_TRANSPORTS", "snowflake"),
        ("TOR_PT_SERVER_BINDADDR", "snowflake-127.0.0.1:8080"),
        ("TOR_PT_EXTENDED_SERVER_PORT", "127.0.0.1:10001"),
        ("TOR_PT_AUTH_COOKIE_FILE", "/a"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let plan = snowflake_server::pt::plan(env, &options).expect("plan");
    let described: Vec<String> = plan
        .config
        .instances()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        described,
        ["127.0.0.1:10001,cookie=/a", "127.0.0.1:10002,cookie=/b"]
    );
}
