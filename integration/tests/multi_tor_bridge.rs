//! A bridge of three real tor instances behind one of our servers (issue
//! 18, docs/tor-instances.md), in testkit's private Tor network on
//! 127.0.0.1, inside a network namespace of its own.
//!
//! The three instances are started from the deployment kit as an operator
//! would get them: each with Debian's defaults for `tor@NAME`
//! (`/usr/share/tor/tor-service-defaults-torrc-instances`) and the torrc
//! that `deploy/setup-tor-instances render I` prints from
//! `deploy/tor/torrc-instance`, and a copy of one identity's keys (the
//! network bridge's, `sfbridge`, which keeps running with its own transport
//! idle). The test's own settings (the private network's directory
//! authority, `TestingTorNetwork`, the data and run directories in a temp
//! dir, the log file) go into the defaults file, so that the template wins
//! wherever they overlap: a broken template breaks this test. In front of
//! them our `snowflake-server` runs standalone (`-listen`, no `TOR_PT_*`),
//! given the instances by the `-extorport-instance` flags of the drop-in
//! that `setup-tor-instances render-dropin 3` prints. Our broker knows the
//! bridge's fingerprint and the server's address; our proxies run in
//! process; each client is a tor with `deploy/tor/torrc-client` (its
//! Bridge line pointed at this network and our broker) and our
//! `snowflake-client` as its ClientTransportPlugin.
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
//! Takes about half a minute (23 to 37 s measured), so `scripts/test` runs
//! it. Alone: `cargo build --release -p snowflake-server -p
//! snowflake-client`, then `cargo test --release -p snowflake-integration
//! --test multi_tor_bridge`.
//! Needs root (network namespace) and the Debian package `tor`.

use std::future::Future;
use std::net::{SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use snowflake_broker::BrokerHandle;
use snowflake_common::namematcher::NameMatcher;
use snowflake_proxy::{Proxy, ProxyConfig, ProxyHandle};
use snowflake_testkit::file_server::FileServer;
use snowflake_testkit::netns;
use snowflake_testkit::tor::{find_tor, TempDir, TorConfig, TorProcess};
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

    // The network. Its bridge lends the instances its keys and takes no
    // session: its own transport is started but unused.
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

    // Three instances from the kit's templates, with the bridge's keys.
    let key_dir = PathBuf::from(torrc_line(&bridge_torrc, "KeyDirectory "));
    let test_network = test_network_lines(&bridge_torrc);
    let root = TempDir::new("sf-tor-instances").expect("instances root");
    let mut bridges = Vec::new();
    for n in 1..=3 {
        bridges.push(BridgeInstance::start(root.path(), &test_network, &key_dir, n).await);
    }
    for bridge in &bridges {
        bridge.wait_for_consensus().await;
    }
    let addresses: Vec<String> = bridges.iter().map(|b| b.ext_orport.to_string()).collect();
    let network_ready = started.elapsed();

    // Our server, standalone, in front of the three.
    let server_log = logs.path().join("snowflake-server.log");
    let server = StandaloneServer::start(&dropin_instance_flags(root.path(), 3), &server_log).await;
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
    drop(bridges.pop());
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

/// The settings of this private network that a deployed instance does not
/// have, taken from the network bridge's torrc: its directory authority
/// and testing mode, its address and outbound address (127.0.0.1), its
/// resolver and no exit. Also `PublishServerDescriptor 0`: a deployed
/// bridge publishes to Tor's bridge authority (for Tor Metrics), and this
/// network has none.
fn test_network_lines(bridge_torrc: &str) -> String {
    const KEYS: [&str; 14] = [
        "TestingTorNetwork",
        "DirAuthority",
        "UseDefaultFallbackDirs",
        "ContactInfo",
        "Address",
        "OutboundBindAddress",
        "PublishServerDescriptor",
        "FetchDirInfoEarly",
        "FetchDirInfoExtraEarly",
        "ServerDNSResolvConfFile",
        "ServerDNSDetectHijacking",
        "ServerDNSAllowBrokenConfig",
        "ExitRelay",
        "ExitPolicy",
    ];
    let mut out = String::new();
    for key in KEYS {
        let value = torrc_line(bridge_torrc, &format!("{key} "));
        out.push_str(&format!("{key} {value}\n"));
    }
    out
}

/// `deploy/setup-tor-instances <args>`: what it prints.
fn setup_script(args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/setup-tor-instances");
    let output = Command::new("bash")
        .arg(&script)
        .args(args)
        .output()
        .expect("bash");
    assert!(
        output.status.success(),
        "setup-tor-instances {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// The `-extorport-instance` flags of the drop-in `setup-tor-instances
/// render-dropin <count>` writes for snowflake-server.service, with
/// `/run/tor-instances` under `root` (where the instances' cookies are).
fn dropin_instance_flags(root: &Path, count: u32) -> Vec<String> {
    let dropin = setup_script(&["render-dropin", &count.to_string()]);
    let value = dropin
        .lines()
        .find_map(|line| line.strip_prefix("Environment=\"SNOWFLAKE_TOR_INSTANCES="))
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or_else(|| panic!("no SNOWFLAKE_TOR_INSTANCES in the drop-in:\n{dropin}"));
    let run_dir = root.join("run/tor-instances").display().to_string();
    value
        .replace("/run/tor-instances", &run_dir)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// A bridge instance as the kit deploys it, sharing the network bridge's
/// identity; killed when dropped.
struct BridgeInstance {
    child: std::process::Child,
    nickname: String,
    data_dir: PathBuf,
    log: PathBuf,
    console: PathBuf,
    ext_orport: SocketAddr,
}

impl BridgeInstance {
    /// Starts instance `n` (`snowflake<n>`) with `tor --defaults-torrc
    /// <Debian's instance defaults, then the test's lines> -f <the rendered
    /// torrc-instance>`, its data directory under `root/var/lib`, its run
    /// directory (the cookie) under `root/run`, and a copy of the keys in
    /// `key_dir`. The template's torrc is used as rendered except for the
    /// path of its run directory. Debian's defaults lose their `User` line
    /// (the test makes no users) and log to a file instead of syslog.
    async fn start(root: &Path, test_network: &str, key_dir: &Path, n: u32) -> Self {
        let nickname = format!("snowflake{n}");
        let data_dir = root.join("var/lib/tor-instances").join(&nickname);
        let run_dir = root.join("run/tor-instances").join(&nickname);
        for dir in [&data_dir, &run_dir] {
            std::fs::create_dir_all(dir).expect("mkdir");
            set_mode(dir, 0o700);
        }
        // The keys, as setup-tor-instances copies them: 0600 in a 0700 dir.
        let keys = data_dir.join("keys");
        std::fs::create_dir(&keys).expect("mkdir keys");
        set_mode(&keys, 0o700);
        for entry in std::fs::read_dir(key_dir).expect("bridge keys") {
            let path = entry.expect("key entry").path();
            if path.is_file() {
                let to = keys.join(path.file_name().expect("file name"));
                std::fs::copy(&path, &to).expect("copy key");
                set_mode(&to, 0o600);
            }
        }
        let log = data_dir.join("tor.log");
        let debian = Path::new("/usr/share/tor/tor-service-defaults-torrc-instances");
        let defaults = std::fs::read_to_string(debian)
            .unwrap_or_else(|e| panic!("{} ({e}): install Debian's tor", debian.display()));
        let mut defaults: String = defaults
            .replace("@@NAME@@", &nickname)
            .replace(
                "/var/lib/tor-instances",
                &root.join("var/lib/tor-instances").display().to_string(),
            )
            .replace(
                "/run/tor-instances",
                &root.join("run/tor-instances").display().to_string(),
            )
            .lines()
            .filter(|line| !line.starts_with("User "))
            .map(|line| match line {
                "Log notice syslog" => format!("Log notice file {}\n", log.display()),
                _ => format!("{line}\n"),
            })
            .collect();
        assert!(defaults.contains("Log notice file"), "{defaults}");
        defaults.push_str("# The private test network.\n");
        defaults.push_str(test_network);
        let defaults_file = root.join(format!("{nickname}.defaults"));
        std::fs::write(&defaults_file, defaults).expect("write defaults");

        let rendered = setup_script(&["render", &n.to_string()]);
        let torrc_text = rendered.replace(
            "/run/tor-instances",
            &root.join("run/tor-instances").display().to_string(),
        );
        let torrc = root.join(format!("{nickname}.torrc"));
        std::fs::write(&torrc, &torrc_text).expect("write torrc");
        // What tor says before its log file is open (a torrc it refuses).
        let console = root.join(format!("{nickname}.console"));
        let console_file = std::fs::File::create(&console).expect("console file");
        let child = Command::new(find_tor().unwrap_or_else(|e| panic!("{e}")))
            .arg("--defaults-torrc")
            .arg(&defaults_file)
            .arg("-f")
            .arg(&torrc)
            .stdin(Stdio::null())
            .stdout(console_file.try_clone().expect("console file"))
            .stderr(console_file)
            .spawn()
            .expect("start tor");
        let mut instance = Self {
            child,
            nickname,
            data_dir,
            log,
            console,
            ext_orport: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        // Where the template puts it, and the cookie where it says.
        let needle = "Opened Extended OR listener connection (ready) on ";
        let line = instance.wait_for_log(needle).await;
        instance.ext_orport = line
            .split(needle)
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("{}: no address in {line:?}", instance.nickname));
        assert_eq!(
            instance.ext_orport.to_string(),
            torrc_line(&rendered, "ExtORPort "),
            "{}",
            instance.nickname
        );
        let cookie = PathBuf::from(torrc_line(&torrc_text, "ExtORPortCookieAuthFile "));
        assert!(cookie.starts_with(&run_dir), "{}", cookie.display());
        guard(&format!("{} cookie", instance.nickname), async {
            while !cookie.is_file() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
        instance
    }

    /// Waits until its log has a line containing `needle`; panics with the
    /// log if tor exits first or under the hang guard.
    async fn wait_for_log(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + HANG_GUARD;
        loop {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            if let Some(line) = log.lines().find(|l| l.contains(needle)) {
                return line.to_owned();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited ({status}):\n{}\n{log}",
                    self.nickname,
                    std::fs::read_to_string(&self.console).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{} did not log {needle:?}:\n{log}",
                self.nickname
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until its cached consensus lists every relay with an exit
    /// (the clients whose sessions land here take it as their directory).
    async fn wait_for_consensus(&self) {
        let file = self.data_dir.join("cached-microdesc-consensus");
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

impl Drop for BridgeInstance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
    /// `instance_flags`: the `-extorport-instance` flags.
    async fn start(instance_flags: &[String], log: &Path) -> Self {
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
        args.extend(instance_flags.iter().cloned());
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
}

/// torrc-client's Bridge line for this network: its transport and
/// placeholder address as they are; this bridge's fingerprint (in both
/// places) and our broker's URL; none of its `fronts=` (domain fronting
/// goes through a CDN on the Internet) nor `ice=` (public STUN servers);
/// `max=1` instead of 3 (the test's three proxies serve three clients at
/// once); its other arguments (`striping=true`) as they are.
fn client_bridge_line(line: &str, env: &ClientEnv) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert!(
        words.len() > 3 && words[1] == TRANSPORT && words[2] == BRIDGE_PLACEHOLDER_ADDR,
        "torrc-client's Bridge line: {line}"
    );
    let mut out = format!(
        "Bridge {TRANSPORT} {BRIDGE_PLACEHOLDER_ADDR} {}",
        env.fingerprint
    );
    for argument in &words[4..] {
        let key = argument.split('=').next().unwrap_or_default();
        let replaced = match key {
            "fingerprint" => Some(format!("fingerprint={}", env.fingerprint)),
            "url" => Some(format!("url={}", env.broker_url)),
            "max" => Some("max=1".to_owned()),
            "fronts" | "front" | "ice" => None,
            _ => Some((*argument).to_owned()),
        };
        if let Some(argument) = replaced {
            out.push(' ');
            out.push_str(&argument);
        }
    }
    for key in ["fingerprint=", "url=", "max="] {
        assert!(
            out.contains(key),
            "torrc-client's Bridge line has no {key}: {line}"
        );
    }
    out
}

/// A client tor with our `snowflake-client` as its transport.
struct Client {
    tor: TorProcess,
    transport_log: PathBuf,
    socks: SocketAddr,
    name: String,
}

impl Client {
    /// A tor with `deploy/tor/torrc-client`: its lines as they are, but
    /// for the ClientTransportPlugin line (our binary instead of
    /// /usr/local/bin/snowflake-client, and `-loopback-only`, since ICE
    /// here has only loopback addresses, and `-unsafe-logging`, for
    /// readable logs) and the Bridge line (see [`client_bridge_line`]),
    /// plus this network's settings.
    fn start(env: &ClientEnv, n: u32) -> Self {
        let name = format!("sfclient{n}");
        let template_path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/tor/torrc-client");
        let template = std::fs::read_to_string(&template_path).expect("deploy/tor/torrc-client");
        let binary = "/usr/local/bin/snowflake-client";
        let (mut plugin, mut bridge) = (false, false);
        let mut config = TorConfig::new();
        for line in template.lines() {
            if let Some(command) =
                line.strip_prefix(&format!("ClientTransportPlugin {TRANSPORT} exec "))
            {
                let flags = command
                    .strip_prefix(binary)
                    .unwrap_or_else(|| panic!("torrc-client runs {binary}: {line}"));
                config = config.line(format!(
                    "ClientTransportPlugin {TRANSPORT} exec {}{flags} -loopback-only -unsafe-logging",
                    workspace_binary("snowflake-client").display()
                ));
                plugin = true;
            } else if line.starts_with("Bridge ") {
                config = config.line(client_bridge_line(line, env));
                bridge = true;
            } else {
                config = config.line(line);
            }
        }
        assert!(plugin && bridge, "torrc-client lost a line:\n{template}");
        let config = config
            .line("# The private test network.")
            .line("TestingTorNetwork 1")
            .line(format!("DirAuthority {}", env.dir_authority))
            .line("UseDefaultFallbackDirs 0")
            .line(format!("Nickname {name}"))
            .line("OutboundBindAddress 127.0.0.1")
            .line("SocksPort 127.0.0.1:auto")
            .line("TestingBridgeDownloadInitialDelay 0")
            .line("TestingBridgeBootstrapDownloadInitialDelay 0")
            .line("ConfluxEnabled 0");
        let tor = TorProcess::start(&config, false).unwrap_or_else(|e| panic!("{name}: {e}"));
        // `-log snowflake-client.log -log-to-state-dir`: in tor's
        // pluggable-transport state directory.
        let transport_log = tor.data_dir().join("pt_state/snowflake-client.log");
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
