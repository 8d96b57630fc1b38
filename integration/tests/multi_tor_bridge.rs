//! A bridge of three real tor instances behind one of our servers (issue
//! 18, docs/tor-instances.md), in testkit's private Tor network on
//! 127.0.0.1, inside a network namespace of its own.
//!
//! The three instances share one identity: the network's bridge
//! (`sfbridge`, whose own transport is left idle) and two more tor
//! processes started with a copy of its keys directory, each with its own
//! Extended ORPort and cookie. In front of them our `snowflake-server`
//! runs standalone (`-listen`, no `TOR_PT_*`), given the three as
//! `-extorport-instance` flags. Our broker knows the bridge's fingerprint
//! and the server's address; our proxies run in process; each client is a
//! tor with our `snowflake-client` as its ClientTransportPlugin.
//!
//! 1. Three clients bootstrap; their sessions are spread one per instance
//!    (the server's per-instance metrics), and each downloads a file
//!    intact.
//! 2. Each starts a longer download; with all three under way, one
//!    instance is killed. The two downloads on the surviving instances
//!    finish intact over their same connections; the one on the killed
//!    instance breaks.
//! 3. New sessions go to the survivors: the client that lost its instance
//!    reconnects and downloads intact, a fourth client bootstraps and
//!    downloads intact; the killed instance is down in the metrics, made
//!    no connection since the kill, and every open connection is on a
//!    survivor.
//!
//! Takes about half a minute (27 to 37 s measured), so `scripts/test` runs
//! it. Alone: `cargo build --release -p snowflake-server -p
//! snowflake-client`, then `cargo test --release -p snowflake-integration
//! --test multi_tor_bridge`.
//! Needs root (network namespace) and the Debian package `tor`.

use std::future::Future;
use std::net::{SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use snowflake_broker::BrokerHandle;
use snowflake_common::namematcher::NameMatcher;
use snowflake_proxy::{Proxy, ProxyConfig, ProxyHandle};
use snowflake_testkit::file_server::FileServer;
use snowflake_testkit::netns;
use snowflake_testkit::tor::{TempDir, TorConfig, TorProcess};
use snowflake_testkit::tor_network::{
    consensus_is_usable, scan_sockets, TorNetwork, TorNetworkConfig, BRIDGE_PLACEHOLDER_ADDR,
    TRANSPORT,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

mod common;
use common::*;
use tokio::task::JoinHandle;

const MB: usize = 1024 * 1024;
/// The first download of each client.
const SMALL_LEN: usize = MB;
/// The download under way when an instance is killed.
const LONG_LEN: usize = 6 * MB;
/// How far each long download gets before the kill.
const KILL_AFTER: usize = MB;
/// Hang guard for each step; no test asserts on how long anything takes.
const HANG_GUARD: Duration = Duration::from_secs(240);
/// Hang guard for the whole re-run inside the namespace.
const RERUN_GUARD: Duration = Duration::from_secs(900);
/// The relays of testkit's network, as its consensus names them.
const RELAYS: [&str; 3] = ["sfauth", "sfmiddle", "sfexit"];
const EXIT: &str = "sfexit";

#[test]
fn three_tor_instances_behind_one_server() {
    netns::run_isolated("three_tor_instances_behind_one_server", RERUN_GUARD, || {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime")
            .block_on(run())
    });
}

async fn run() {
    let started = Instant::now();
    let logs = TempDir::new("sf-multi-tor-logs").expect("log dir");

    // The network; its bridge's own transport is started but unused.
    let idle_log = logs.path().join("idle-transport.log");
    let network = TorNetwork::start(&TorNetworkConfig::new(
        format!(
            "{} -disable-tls -log {}",
            workspace_binary("snowflake-server").display(),
            idle_log.display()
        ),
        free_loopback_addr(),
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let fingerprint = network.bridge_fingerprint().to_owned();
    let bridge_torrc = std::fs::read_to_string(network.bridge_data_dir().join("torrc"))
        .expect("the bridge's torrc");
    let dir_authority = torrc_line(&bridge_torrc, "DirAuthority ");

    // Instance 1 is the network's bridge; 2 and 3 get a copy of its keys.
    let first = Instance {
        ext_orport: logged_listener(&network.bridge_data_dir().join("tor.log"), "Extended OR"),
        cookie: network
            .bridge_data_dir()
            .join("extended_orport_auth_cookie"),
    };
    let key_dir = PathBuf::from(torrc_line(&bridge_torrc, "KeyDirectory "));
    let mut extra = Vec::new();
    for n in 2..=3 {
        extra.push(ExtraInstance::start(&bridge_torrc, &key_dir, n).await);
    }
    for instance in &extra {
        instance.wait_for_consensus().await;
    }
    let instances: Vec<Instance> = std::iter::once(first)
        .chain(extra.iter().map(ExtraInstance::instance))
        .collect();
    let addresses: Vec<String> = instances.iter().map(|i| i.ext_orport.to_string()).collect();
    let network_ready = started.elapsed();

    // Our server, standalone, in front of the three.
    let server_log = logs.path().join("snowflake-server.log");
    let server = StandaloneServer::start(&instances, &server_log).await;
    guard("every instance up", async {
        loop {
            let metrics = server.metrics().await;
            if addresses
                .iter()
                .all(|a| metrics.get("tor_instance_up", a) == 1)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;

    let broker = start_broker(&server.relay_url(), &fingerprint).await;
    let _proxies: Vec<ProxyHandle> = {
        let mut proxies = Vec::new();
        for _ in 0..3 {
            proxies.push(start_proxy(&broker, &server.relay_url()).await);
        }
        proxies
    };
    guard("the proxies poll", async {
        while broker.stats().waiting_proxies < 3 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let web = FileServer::start(Arc::new(pattern(LONG_LEN, 18)), SMALL_LEN)
        .await
        .expect("file server");
    let client_env = ClientEnv {
        dir_authority,
        fingerprint,
        broker_url: format!("http://{}/", broker.local_addr()),
        logs: logs.path().to_path_buf(),
    };
    let context = |clients: &[Client]| {
        let mut out = format!("--- server log ---\n{}\n", file_tail(&server_log, 60));
        for client in clients {
            out.push_str(&client.log_tail());
        }
        out
    };

    // 1. Three clients bootstrap, one session on each instance, and each
    // fetches a file intact.
    let bootstrap_started = Instant::now();
    let mut clients: Vec<Client> = Vec::new();
    for n in 1..=3 {
        clients.push(Client::start(&client_env, n));
    }
    for client in &mut clients {
        client.wait_bootstrapped().await;
    }
    let bootstrapped = bootstrap_started.elapsed();
    let metrics = server.metrics().await;
    assert_eq!(
        addresses
            .iter()
            .map(|a| metrics.get("tor_instance_connections", a))
            .collect::<Vec<_>>(),
        [1, 1, 1],
        "one session per instance\n{}",
        context(&clients)
    );
    for client in &clients {
        let body = client
            .download_retrying(web.addr(), "/small")
            .await
            .unwrap_or_else(|e| panic!("first download: {e}\n{}", context(&clients)));
        assert_eq!(sha256(&body), sha256(&web.file()[..SMALL_LEN]));
    }

    // 2. A long download on each client; when all three are under way,
    // instance 3 dies.
    let mut paused = Vec::new();
    for client in &clients {
        paused.push(PausedDownload::start(client.socks, web.addr()));
    }
    for download in &mut paused {
        guard("downloads under way", &mut download.reached)
            .await
            .expect("download task");
    }
    let scan = scan_sockets().expect("scan sockets");
    assert!(scan.foreign.is_empty(), "sockets off loopback: {scan:?}");
    let before_kill = server.metrics().await;
    let killed = &addresses[2];
    let killed_total = before_kill.get("tor_instance_connections_total", killed);
    let on_killed = before_kill.get("tor_instance_connections", killed);
    drop(extra.pop());
    eprintln!("killed tor instance {killed} with {on_killed} connection(s)");
    let mut outcomes = Vec::new();
    for download in paused {
        outcomes.push(download.resume().await);
    }
    let intact: Vec<usize> = (0..outcomes.len())
        .filter(|&i| {
            outcomes[i]
                .as_ref()
                .is_ok_and(|body| sha256(body) == sha256(web.file()))
        })
        .collect();
    let broken: Vec<usize> = (0..outcomes.len())
        .filter(|&i| outcomes[i].is_err())
        .collect();
    assert_eq!(
        (intact.len(), broken.len()),
        (2, 1),
        "the downloads on the two surviving instances finish intact, the one on the \
         killed instance breaks: {:?}\n{}",
        outcomes
            .iter()
            .map(|o| o.as_ref().map(Vec::len))
            .collect::<Vec<_>>(),
        context(&clients)
    );

    // 3. New sessions go to the survivors: the client that lost its
    // instance comes back, and a fourth client starts.
    let recovery_started = Instant::now();
    let lost = &clients[broken[0]];
    let body = lost
        .download_retrying(web.addr(), "/small")
        .await
        .unwrap_or_else(|e| panic!("download after the kill: {e}\n{}", context(&clients)));
    assert_eq!(sha256(&body), sha256(&web.file()[..SMALL_LEN]));
    let recovered = recovery_started.elapsed();
    clients.push(Client::start(&client_env, 4));
    clients[3].wait_bootstrapped().await;
    let body = clients[3]
        .download_retrying(web.addr(), "/data")
        .await
        .unwrap_or_else(|e| panic!("fourth client: {e}\n{}", context(&clients)));
    assert_eq!(sha256(&body), sha256(web.file()));

    let after = server.metrics().await;
    assert_eq!(
        after.get("tor_instance_up", killed),
        0,
        "killed instance down"
    );
    assert_eq!(after.get("tor_instance_connections", killed), 0);
    assert_eq!(
        after.get("tor_instance_connections_total", killed),
        killed_total,
        "no connection to the killed instance since"
    );
    assert!(after.get("tor_instance_dial_failures_total", killed) >= 1);
    let on_survivors: i64 = addresses[..2]
        .iter()
        .map(|a| after.get("tor_instance_connections", a))
        .sum();
    assert_eq!(
        on_survivors,
        4,
        "each of the four clients has its one session on a survivor\n{}",
        context(&clients)
    );
    assert!(addresses[..2]
        .iter()
        .all(|a| after.get("tor_instance_up", a) == 1));

    eprintln!(
        "timings: network and three bridge instances ready after {network_ready:?}, three \
         clients bootstrapped in {bootstrapped:?}, the client on the killed instance \
         downloaded again {recovered:?} after its break, whole test {:?}; connections \
         made per instance: {:?}",
        started.elapsed(),
        addresses
            .iter()
            .map(|a| after.get("tor_instance_connections_total", a))
            .collect::<Vec<_>>()
    );
    drop(clients);
    broker.shutdown().await;
}

/// Awaits `fut` under the hang guard.
async fn guard<F: Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(HANG_GUARD, fut).await {
        Ok(v) => v,
        Err(_) => panic!("hang guard: {what} did not finish within {HANG_GUARD:?}"),
    }
}

/// The value of the first `key value` line of a torrc.
fn torrc_line(torrc: &str, key: &str) -> String {
    torrc
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .unwrap_or_else(|| panic!("no {key}line in:\n{torrc}"))
        .to_owned()
}

/// The address of the listener of `kind` that a tor logged in `log`.
fn logged_listener(log: &Path, kind: &str) -> SocketAddr {
    let text = std::fs::read_to_string(log).expect("tor log");
    let needle = format!("Opened {kind} listener connection (ready) on ");
    text.lines()
        .find_map(|line| line.split(&needle).nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("no {kind} listener in the log:\n{text}"))
}

/// Where a tor instance takes sessions.
#[derive(Debug, Clone)]
struct Instance {
    ext_orport: SocketAddr,
    cookie: PathBuf,
}

/// A bridge instance sharing the network bridge's identity.
struct ExtraInstance {
    tor: TorProcess,
    ext_orport: SocketAddr,
    nickname: String,
    _keys: TempDir,
}

impl ExtraInstance {
    /// Starts instance `n` with the bridge's torrc (minus its transport,
    /// nickname, keys and Extended ORPort) and a copy of its keys.
    async fn start(bridge_torrc: &str, key_dir: &Path, n: u32) -> Self {
        let keys = TempDir::new("sf-bridge-keys").expect("temp dir");
        let copy = keys.path().join("keys");
        std::fs::create_dir(&copy).expect("mkdir keys");
        set_mode(&copy, 0o700);
        for entry in std::fs::read_dir(key_dir).expect("bridge keys") {
            let path = entry.expect("key entry").path();
            if path.is_file() {
                let to = copy.join(path.file_name().expect("file name"));
                std::fs::copy(&path, &to).expect("copy key");
                set_mode(&to, 0o600);
            }
        }
        let nickname = format!("sfbridge{n}");
        let mut config = TorConfig::new();
        for line in bridge_torrc.lines() {
            let key = line.split_whitespace().next().unwrap_or_default();
            if ![
                "DataDirectory",
                "Log",
                "Nickname",
                "KeyDirectory",
                "ExtORPort",
                "ServerTransportPlugin",
                "ServerTransportListenAddr",
            ]
            .contains(&key)
                && !line.trim().is_empty()
            {
                config = config.line(line);
            }
        }
        let config = config
            .line(format!("Nickname {nickname}"))
            .line(format!("KeyDirectory {}", copy.display()))
            .line("ExtORPort auto");
        let mut tor = TorProcess::start(&config, false).unwrap_or_else(|e| panic!("{e}"));
        let ext_orport = tor
            .listener_addr("Extended OR", HANG_GUARD)
            .await
            .unwrap_or_else(|e| panic!("{nickname}: {e}"));
        Self {
            tor,
            ext_orport,
            nickname,
            _keys: keys,
        }
    }

    fn instance(&self) -> Instance {
        Instance {
            ext_orport: self.ext_orport,
            cookie: self.tor.data_dir().join("extended_orport_auth_cookie"),
        }
    }

    /// Waits until its cached consensus lists every relay with an exit
    /// (the clients whose sessions land here take it as their directory).
    async fn wait_for_consensus(&self) {
        let file = self.tor.data_dir().join("cached-microdesc-consensus");
        guard(&format!("{} consensus", self.nickname), async {
            loop {
                if std::fs::read_to_string(&file)
                    .is_ok_and(|text| consensus_is_usable(&text, &RELAYS, EXIT))
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
        .await;
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// `snowflake-server -listen …`, no `TOR_PT_*`, killed when dropped.
struct StandaloneServer {
    _child: tokio::process::Child,
    listen: SocketAddr,
    metrics: SocketAddr,
}

impl StandaloneServer {
    async fn start(instances: &[Instance], log: &Path) -> Self {
        let listen = free_loopback_addr();
        let metrics = free_loopback_addr();
        let mut args: Vec<String> = vec![
            "-disable-tls".into(),
            "-unsafe-logging".into(),
            "-log".into(),
            log.display().to_string(),
            "-listen".into(),
            listen.to_string(),
            "-metrics-address".into(),
            metrics.to_string(),
        ];
        for instance in instances {
            args.push("-extorport-instance".into());
            args.push(format!(
                "{},cookie={}",
                instance.ext_orport,
                instance.cookie.display()
            ));
        }
        let child = tokio::process::Command::new(workspace_binary("snowflake-server"))
            .args(&args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start snowflake-server");
        guard("the server's metrics endpoint", async {
            while TcpStream::connect(metrics).await.is_err() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
        Self {
            _child: child,
            listen,
            metrics,
        }
    }

    fn relay_url(&self) -> String {
        format!("ws://{}/", self.listen)
    }

    async fn metrics(&self) -> Metrics {
        let mut conn = TcpStream::connect(self.metrics).await.expect("metrics");
        conn.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("write");
        let mut text = String::new();
        conn.read_to_string(&mut text).await.expect("read");
        Metrics(text)
    }
}

/// The server's metrics text.
struct Metrics(String);

impl Metrics {
    /// `snowflake_server_<name>{instance="<address>"}`; panics if absent.
    fn get(&self, name: &str, address: &str) -> i64 {
        let prefix = format!("snowflake_server_{name}{{instance=\"{address}\"}} ");
        self.0
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} of {address} missing:\n{}", self.0))
    }
}

/// What a client tor needs.
struct ClientEnv {
    dir_authority: String,
    fingerprint: String,
    broker_url: String,
    logs: PathBuf,
}

/// A client tor with our `snowflake-client` as its transport.
struct Client {
    tor: TorProcess,
    transport_log: PathBuf,
    socks: SocketAddr,
    name: String,
}

impl Client {
    fn start(env: &ClientEnv, n: u32) -> Self {
        let name = format!("sfclient{n}");
        let transport_log = env.logs.join(format!("{name}-transport.log"));
        let config = TorConfig::new()
            .line("TestingTorNetwork 1")
            .line(format!("DirAuthority {}", env.dir_authority))
            .line("UseDefaultFallbackDirs 0")
            .line(format!("Nickname {name}"))
            .line("OutboundBindAddress 127.0.0.1")
            .line("SocksPort 127.0.0.1:auto")
            .line("UseBridges 1")
            .line(format!(
                "Bridge {TRANSPORT} {BRIDGE_PLACEHOLDER_ADDR} {fp} url={} max=1 fingerprint={fp}",
                env.broker_url,
                fp = env.fingerprint
            ))
            .line(format!(
                "ClientTransportPlugin {TRANSPORT} exec {} -loopback-only -unsafe-logging -log {}",
                workspace_binary("snowflake-client").display(),
                transport_log.display()
            ))
            .line("TestingBridgeDownloadInitialDelay 0")
            .line("TestingBridgeBootstrapDownloadInitialDelay 0")
            .line("ConfluxEnabled 0");
        let tor = TorProcess::start(&config, false).unwrap_or_else(|e| panic!("{name}: {e}"));
        Self {
            tor,
            transport_log,
            socks: SocketAddr::from(([127, 0, 0, 1], 0)),
            name,
        }
    }

    async fn wait_bootstrapped(&mut self) {
        let socks = self.tor.listener_addr("Socks", HANG_GUARD).await;
        let bootstrapped = self.tor.wait_for_log("Bootstrapped 100%", HANG_GUARD).await;
        match (socks, bootstrapped) {
            (Ok(socks), Ok(_)) => self.socks = socks,
            (Err(e), _) | (_, Err(e)) => panic!("{}: {e}\n{}", self.name, self.log_tail()),
        }
    }

    /// Downloads `path`, retrying while the client (re)connects.
    async fn download_retrying(&self, web: SocketAddrV4, path: &str) -> std::io::Result<Vec<u8>> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match guard("download", download(self.socks, web, path, |_| async {})).await {
                Ok(body) => return Ok(body),
                Err(e) if attempt < 20 => {
                    eprintln!("{}: download attempt {attempt} failed: {e}", self.name);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn log_tail(&self) -> String {
        format!(
            "--- {} tor ---\n{}\n--- {} transport ---\n{}\n",
            self.name,
            tail(&self.tor.log(), 30),
            self.name,
            file_tail(&self.transport_log, 30)
        )
    }
}

/// A download that stops after [`KILL_AFTER`] bytes until resumed.
struct PausedDownload {
    reached: oneshot::Receiver<()>,
    go: mpsc::Sender<()>,
    task: JoinHandle<std::io::Result<Vec<u8>>>,
}

impl PausedDownload {
    fn start(socks: SocketAddr, web: SocketAddrV4) -> Self {
        let (reached_tx, reached) = oneshot::channel();
        let (go, go_rx) = mpsc::channel(1);
        let task = tokio::spawn(async move {
            // Reports when KILL_AFTER body bytes arrived and waits
            // for the go before reading on.
            let mut pause = Some((reached_tx, go_rx));
            download(socks, web, "/data", |received| {
                let due = if received >= KILL_AFTER {
                    pause.take()
                } else {
                    None
                };
                async move {
                    if let Some((reached, mut go)) = due {
                        let _ = reached.send(());
                        let _ = go.recv().await;
                    }
                }
            })
            .await
        });
        Self { reached, go, task }
    }

    async fn resume(self) -> std::io::Result<Vec<u8>> {
        let _ = self.go.send(()).await;
        guard("download", self.task).await.expect("download task")
    }
}

/// One of our proxies: loopback-only ICE, relays only on 127.0.0.1, no NAT
/// probe (our clients report an unrestricted NAT, which any proxy serves).
async fn start_proxy(broker: &BrokerHandle, relay_url: &str) -> ProxyHandle {
    Proxy::start(ProxyConfig {
        broker_url: format!("http://{}/", broker.local_addr()),
        default_relay_url: relay_url.to_string(),
        stun_urls: Vec::new(),
        loopback_only: true,
        allowed_relay_pattern: NameMatcher::new(LOOPBACK_PATTERN).expect("pattern"),
        allow_non_tls_relay: true,
        allow_proxying_to_private_addresses: true,
        nat_probe_url: None,
        summary_interval: Duration::ZERO,
        unsafe_logging: true,
        poll_interval: Duration::from_secs(1),
        drain_timeout: Duration::from_secs(1),
        ..ProxyConfig::default()
    })
    .await
    .expect("proxy starts")
}
