//! A private Tor network on 127.0.0.1 from Debian's `tor`, for end-to-end
//! tests of a pluggable transport with real tor on both ends.
//!
//! [`TorNetwork::start`] generates keys (`tor --list-fingerprint`,
//! `tor-gencert`), writes torrcs and starts one directory authority, a
//! middle relay, an exit relay and a bridge whose `snowflake`
//! ServerTransportPlugin command line the caller gives (with the Extended
//! ORPort). It returns once the bridge's cached consensus lists every relay
//! and gives the exit the Exit flag: the bridge is the client's only
//! directory source, and a client that got a consensus without an exit
//! waits a long time before asking again. [`TorNetwork::start_client`] then
//! starts a client tor with the caller's `snowflake` ClientTransportPlugin
//! command line and Bridge line arguments and waits for `Bootstrapped
//! 100%`; its SocksPort is [`TorNetwork::socks_addr`]. Everything is killed
//! when the [`TorNetwork`] is dropped.
//!
//! Nothing leaves 127.0.0.1: every listener is bound there, every node has
//! `OutboundBindAddress 127.0.0.1` (the exit also
//! `OutboundBindAddressExit`), the relays' resolver is a private
//! resolv.conf naming 127.0.0.1, and no node knows a directory outside this
//! network. [`scan_sockets`] checks that at run time. The settings and
//! the dead ends behind them are in `tor-private-network.md`.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use crate::tor::{find_tor, TempDir, TorConfig, TorError, TorProcess};

/// The transport name in the ServerTransportPlugin, ClientTransportPlugin
/// and Bridge lines.
pub const TRANSPORT: &str = "snowflake";

/// The address in the client's Bridge line. For Snowflake it is a
/// placeholder (the client transport decides where traffic goes);
/// 192.0.2.0/24 is reserved for documentation, so nothing answers there.
pub const BRIDGE_PLACEHOLDER_ADDR: &str = "192.0.2.3:80";

/// How many log lines an error carries per node.
const LOG_TAIL_LINES: usize = 40;

const AUTHORITY: &str = "sfauth";
const MIDDLE: &str = "sfmiddle";
const EXIT: &str = "sfexit";
const BRIDGE: &str = "sfbridge";
const CLIENT: &str = "sfclient";

/// Why the network could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TorNetworkError {
    /// `tor` or `tor-gencert` is missing.
    #[error("{0}")]
    NotInstalled(String),
    /// Creating directories or files, or starting a program, failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: io::Error,
    },
    /// Generating a node's keys failed.
    #[error("generating keys for {node} failed: {output}")]
    Keygen {
        /// The node.
        node: String,
        /// What the key generator printed.
        output: String,
    },
    /// A tor node exited, or did not log what was awaited in time.
    #[error("tor node {node}: {source}")]
    Node {
        /// The node.
        node: String,
        /// What went wrong (with that node's full log).
        source: TorError,
    },
    /// The network did not reach the awaited state in time.
    #[error("{what} did not happen within {waited:?}; log tails:\n{logs}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        waited: Duration,
        /// The tails of the relevant nodes' logs.
        logs: String,
    },
    /// [`TorNetwork::start_client`] was called twice.
    #[error("the client tor is already running")]
    ClientRunning,
}

fn io_error(what: impl Into<String>) -> impl FnOnce(io::Error) -> TorNetworkError {
    let what = what.into();
    move |source| TorNetworkError::Io { what, source }
}

/// What [`TorNetwork::start`] needs.
#[derive(Debug, Clone)]
pub struct TorNetworkConfig {
    /// The bridge's `ServerTransportPlugin snowflake exec …` command line:
    /// the server program and its flags, separated by spaces (tor splits
    /// on whitespace; no quoting).
    pub server_transport_cmd: String,
    /// The bridge's `ServerTransportListenAddr` (on 127.0.0.1): where the
    /// server transport listens, i.e. where proxies connect.
    pub server_transport_listen: SocketAddr,
    /// Hang guard for each phase (network ready, client bootstrapped).
    pub timeout: Duration,
}

impl TorNetworkConfig {
    /// A configuration with a 180 s hang guard per phase.
    pub fn new(
        server_transport_cmd: impl Into<String>,
        server_transport_listen: SocketAddr,
    ) -> Self {
        Self {
            server_transport_cmd: server_transport_cmd.into(),
            server_transport_listen,
            timeout: Duration::from_secs(180),
        }
    }
}

/// How long the phases took (for reports; no test asserts on them).
#[derive(Debug, Clone, Copy, Default)]
pub struct TorNetworkTimings {
    /// From [`TorNetwork::start`] until the bridge had a usable consensus.
    pub network_ready: Duration,
    /// From [`TorNetwork::start_client`] until `Bootstrapped 100%`.
    pub client_bootstrap: Option<Duration>,
}

/// A node's identity: its relay fingerprint, and the directory holding
/// its keys (the torrc's `KeyDirectory` is `<dir>/keys`).
#[derive(Debug)]
struct NodeKeys {
    fingerprint: String,
    dir: TempDir,
}

impl NodeKeys {
    fn key_dir(&self) -> PathBuf {
        self.dir.path().join("keys")
    }
}

/// A running private Tor network; every tor is killed when dropped.
#[derive(Debug)]
pub struct TorNetwork {
    // Declared first: dropped (killed) first, before the relays it uses.
    client: Option<TorProcess>,
    bridge: TorProcess,
    exit: TorProcess,
    middle: TorProcess,
    authority: TorProcess,
    authority_v3ident: String,
    authority_orport: u16,
    authority_dirport: u16,
    authority_fingerprint: String,
    bridge_fingerprint: String,
    exit_fingerprint: String,
    socks_addr: Option<SocketAddr>,
    timeout: Duration,
    timings: TorNetworkTimings,
    // Removed after the processes are gone.
    _keys: Vec<NodeKeys>,
    _shared: TempDir,
}

impl TorNetwork {
    /// Generates keys, starts the authority, middle, exit and bridge, and
    /// waits until the bridge's cached consensus lists every relay with
    /// the Exit flag on the exit.
    pub async fn start(config: &TorNetworkConfig) -> Result<TorNetwork, TorNetworkError> {
        let started = Instant::now();
        let tor = find_tor().map_err(|e| TorNetworkError::NotInstalled(e.to_string()))?;
        let gencert = find_gencert(&tor)?;
        let shared = TempDir::new("sf-tornet").map_err(io_error("creating a temp dir"))?;
        // The relays' private resolver: only 127.0.0.1.
        let resolv_conf = shared.path().join("resolv.conf");
        std::fs::write(&resolv_conf, "nameserver 127.0.0.1\n")
            .map_err(io_error("writing resolv.conf"))?;
        let empty_torrc = shared.path().join("empty-torrc");
        std::fs::write(&empty_torrc, "").map_err(io_error("writing an empty torrc"))?;

        let (authority_orport, authority_dirport) = free_port_pair()?;

        // Four key generations in parallel (RSA keys take about a second).
        let mut jobs = Vec::new();
        for node in [AUTHORITY, MIDDLE, EXIT, BRIDGE] {
            let tor = tor.clone();
            let empty_torrc = empty_torrc.clone();
            jobs.push(tokio::task::spawn_blocking(move || {
                generate_relay_keys(&tor, &empty_torrc, node)
            }));
        }
        let mut keys = Vec::new();
        for job in jobs {
            let node_keys = job.await.map_err(|e| TorNetworkError::Io {
                what: "key generation task".into(),
                source: io::Error::other(e.to_string()),
            })??;
            keys.push(node_keys);
        }
        let authority_v3ident = {
            let key_dir = keys[0].key_dir();
            let gencert = gencert.clone();
            tokio::task::spawn_blocking(move || {
                generate_authority_keys(&gencert, &key_dir, authority_dirport)
            })
            .await
            .map_err(|e| TorNetworkError::Io {
                what: "authority key generation task".into(),
                source: io::Error::other(e.to_string()),
            })??
        };
        let fingerprints: Vec<String> = keys.iter().map(|k| k.fingerprint.clone()).collect();
        let [authority_fingerprint, _middle_fp, exit_fingerprint, bridge_fingerprint] =
            <[String; 4]>::try_from(fingerprints).map_err(|_| TorNetworkError::Io {
                what: "key generation".into(),
                source: io::Error::other("expected four fingerprints"),
            })?;

        let dir_authority = format!(
            "DirAuthority {AUTHORITY} orport={authority_orport} no-v2 v3ident={authority_v3ident} \
             127.0.0.1:{authority_dirport} {authority_fingerprint}"
        );
        let relay = |nickname: &str, keys: &NodeKeys| {
            base_config(nickname, &dir_authority, keys)
                .line("Address 127.0.0.1")
                .line("AssumeReachable 1")
                .line("FetchDirInfoEarly 1")
                .line("FetchDirInfoExtraEarly 1")
                .line(format!("ServerDNSResolvConfFile {}", resolv_conf.display()))
                .line("ServerDNSDetectHijacking 0")
                .line("ServerDNSAllowBrokenConfig 1")
        };

        let authority_config = relay(AUTHORITY, &keys[0])
            .line(format!("ORPort 127.0.0.1:{authority_orport}"))
            .line(format!("DirPort 127.0.0.1:{authority_dirport}"))
            .line("AuthoritativeDirectory 1")
            .line("V3AuthoritativeDirectory 1")
            .line("TestingV3AuthInitialVotingInterval 10")
            .line("TestingV3AuthInitialVoteDelay 2")
            .line("TestingV3AuthInitialDistDelay 2")
            .line("V3AuthVotingInterval 10")
            .line("V3AuthVoteDelay 2")
            .line("V3AuthDistDelay 2")
            .line("AuthDirTestReachability 0")
            .line("TestingAuthDirTimeToLearnReachability 0")
            .line(format!("TestingDirAuthVoteExit {exit_fingerprint}"))
            .line("TestingDirAuthVoteGuard *")
            .line("TestingMinFastFlagThreshold 0")
            .line("AuthDirMaxServersPerAddr 0")
            .line("ExitRelay 0")
            .line("ExitPolicy reject *:*");
        let middle_config = relay(MIDDLE, &keys[1])
            .line("ORPort 127.0.0.1:auto")
            .line("ExitRelay 0")
            .line("ExitPolicy reject *:*");
        // `accept 127.0.0.0/8:*` followed by the default policy, not by
        // `reject *:*`: the policy summary in the consensus ignores accepts
        // narrower than /0, so with `reject *:*` clients would see an exit
        // that rejects everything.
        let exit_config = relay(EXIT, &keys[2])
            .line("ORPort 127.0.0.1:auto")
            .line("ExitRelay 1")
            .line("ExitPolicyRejectPrivate 0")
            .line("ExitPolicyRejectLocalInterfaces 0")
            .line("ExitPolicy accept 127.0.0.0/8:*")
            .line("OutboundBindAddressExit 127.0.0.1")
            // Otherwise the first streams after bootstrap may fail: the
            // exit does not know the middle yet and refuses the stream.
            .line("RefuseUnknownExits 0");
        let bridge_config = relay(BRIDGE, &keys[3])
            .line("ORPort 127.0.0.1:auto")
            .line("BridgeRelay 1")
            .line("PublishServerDescriptor 0")
            .line("ExtORPort auto")
            .line("ExitRelay 0")
            .line("ExitPolicy reject *:*")
            .line(format!(
                "ServerTransportPlugin {TRANSPORT} exec {}",
                config.server_transport_cmd
            ))
            .line(format!(
                "ServerTransportListenAddr {TRANSPORT} {}",
                config.server_transport_listen
            ));

        let start = |node: &str, config: &TorConfig| {
            TorProcess::start(config, false).map_err(|source| TorNetworkError::Node {
                node: node.to_string(),
                source,
            })
        };
        let authority = start(AUTHORITY, &authority_config)?;
        let middle = start(MIDDLE, &middle_config)?;
        let exit = start(EXIT, &exit_config)?;
        let bridge = start(BRIDGE, &bridge_config)?;
        let mut network = TorNetwork {
            client: None,
            bridge,
            exit,
            middle,
            authority,
            authority_v3ident,
            authority_orport,
            authority_dirport,
            authority_fingerprint,
            bridge_fingerprint,
            exit_fingerprint,
            socks_addr: None,
            timeout: config.timeout,
            timings: TorNetworkTimings::default(),
            _keys: keys,
            _shared: shared,
        };
        // The server transport must come up before anything else matters.
        network
            .bridge
            .wait_for_log(
                &format!("Registered server transport '{TRANSPORT}'"),
                config.timeout,
            )
            .await
            .map_err(|source| TorNetworkError::Node {
                node: BRIDGE.into(),
                source,
            })?;
        network.wait_for_bridge_consensus(started).await?;
        network.timings.network_ready = started.elapsed();
        tracing::info!(after = ?network.timings.network_ready, "private tor network ready");
        Ok(network)
    }

    /// Waits until the bridge's cached microdescriptor consensus (what it
    /// serves to its clients) lists the authority, middle and exit, and the
    /// exit has the Exit flag. Fails if a node exits.
    async fn wait_for_bridge_consensus(&mut self, started: Instant) -> Result<(), TorNetworkError> {
        let consensus_file = self.bridge.data_dir().join("cached-microdesc-consensus");
        loop {
            if let Ok(text) = std::fs::read_to_string(&consensus_file) {
                if consensus_is_usable(&text, &[AUTHORITY, MIDDLE, EXIT], EXIT) {
                    return Ok(());
                }
            }
            self.check_nodes_running().await?;
            if started.elapsed() > self.timeout {
                return Err(TorNetworkError::Timeout {
                    what: "a bridge consensus listing every relay with an exit".into(),
                    waited: self.timeout,
                    logs: self.log_tails(),
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Fails if a relay or the bridge has exited.
    async fn check_nodes_running(&mut self) -> Result<(), TorNetworkError> {
        for (node, process) in [
            (AUTHORITY, &mut self.authority),
            (MIDDLE, &mut self.middle),
            (EXIT, &mut self.exit),
            (BRIDGE, &mut self.bridge),
        ] {
            // A line tor never logs, with no wait: this only checks that
            // the process still runs (`Exited`) or not (`Timeout`).
            if let Err(TorError::Exited { status, log }) =
                process.wait_for_log("\0never logged", Duration::ZERO).await
            {
                return Err(TorNetworkError::Node {
                    node: node.to_string(),
                    source: TorError::Exited { status, log },
                });
            }
        }
        Ok(())
    }

    /// Starts the client tor: `UseBridges 1` with one Bridge line
    /// `snowflake 192.0.2.3:80 <bridge fingerprint> <bridge_args>`,
    /// `ClientTransportPlugin snowflake exec <client_transport_cmd>`, a
    /// SocksPort on 127.0.0.1, and `ConfluxEnabled 0`. Waits for
    /// `Bootstrapped 100%` and returns the SocksPort address.
    pub async fn start_client(
        &mut self,
        client_transport_cmd: &str,
        bridge_args: &str,
    ) -> Result<SocketAddr, TorNetworkError> {
        if self.client.is_some() {
            return Err(TorNetworkError::ClientRunning);
        }
        let started = Instant::now();
        let config = TorConfig::new()
            .line("TestingTorNetwork 1")
            .line(self.dir_authority_line())
            .line("UseDefaultFallbackDirs 0")
            .line(format!("Nickname {CLIENT}"))
            .line("OutboundBindAddress 127.0.0.1")
            .line("SocksPort 127.0.0.1:auto")
            .line("UseBridges 1")
            .line(
                format!(
                    "Bridge {TRANSPORT} {BRIDGE_PLACEHOLDER_ADDR} {} {bridge_args}",
                    self.bridge_fingerprint
                )
                .trim_end()
                .to_string(),
            )
            .line(format!(
                "ClientTransportPlugin {TRANSPORT} exec {client_transport_cmd}"
            ))
            .line("TestingBridgeDownloadInitialDelay 0")
            .line("TestingBridgeBootstrapDownloadInitialDelay 0")
            // Tor 0.4.9 builds two circuits per stream (conflux) by
            // default, even with one bridge, which roughly triples
            // throughput here. Fixed off so that figures measured with
            // different transports (and runs) are comparable.
            .line("ConfluxEnabled 0");
        let client = TorProcess::start(&config, false).map_err(|source| TorNetworkError::Node {
            node: CLIENT.into(),
            source,
        })?;
        let client = self.client.insert(client);
        let timeout = self.timeout;
        let waited = async {
            let socks = client.listener_addr("Socks", timeout).await?;
            client.wait_for_log("Bootstrapped 100%", timeout).await?;
            Ok::<_, TorError>(socks)
        }
        .await;
        let socks = match waited {
            Ok(socks) => socks,
            Err(error) => {
                return Err(TorNetworkError::Timeout {
                    what: format!("client bootstrap ({})", first_line(&error.to_string())),
                    waited: timeout,
                    logs: self.log_tails(),
                })
            }
        };
        self.socks_addr = Some(socks);
        self.timings.client_bootstrap = Some(started.elapsed());
        tracing::info!(after = ?started.elapsed(), %socks, "client tor bootstrapped");
        Ok(socks)
    }

    fn dir_authority_line(&self) -> String {
        format!(
            "DirAuthority {AUTHORITY} orport={} no-v2 v3ident={} 127.0.0.1:{} {}",
            self.authority_orport,
            self.authority_v3ident,
            self.authority_dirport,
            self.authority_fingerprint
        )
    }

    /// The client's SocksPort, once [`TorNetwork::start_client`] succeeded.
    pub fn socks_addr(&self) -> Option<SocketAddr> {
        self.socks_addr
    }

    /// The bridge's relay fingerprint (40 hex digits), as in its Bridge
    /// line; e.g. for a broker's bridge list and `fingerprint=` arguments.
    pub fn bridge_fingerprint(&self) -> &str {
        &self.bridge_fingerprint
    }

    /// The exit's relay fingerprint.
    pub fn exit_fingerprint(&self) -> &str {
        &self.exit_fingerprint
    }

    /// The bridge's data directory (its `extended_orport_auth_cookie`,
    /// cached consensus, …).
    pub fn bridge_data_dir(&self) -> &Path {
        self.bridge.data_dir()
    }

    /// How long the phases took.
    pub fn timings(&self) -> TorNetworkTimings {
        self.timings
    }

    /// The last lines of every node's log, labelled; for failure messages.
    pub fn log_tails(&self) -> String {
        let mut out = String::new();
        let mut nodes = vec![
            (AUTHORITY, &self.authority),
            (MIDDLE, &self.middle),
            (EXIT, &self.exit),
            (BRIDGE, &self.bridge),
        ];
        if let Some(client) = &self.client {
            nodes.push((CLIENT, client));
        }
        for (node, process) in nodes {
            let _ = writeln!(out, "--- tor {node} (last {LOG_TAIL_LINES} lines) ---");
            out.push_str(&tail(&process.log(), LOG_TAIL_LINES));
        }
        out
    }

    /// The client tor's whole log, if it was started.
    pub fn client_log(&self) -> Option<String> {
        self.client.as_ref().map(TorProcess::log)
    }
}

/// Lines every node's torrc has.
fn base_config(nickname: &str, dir_authority: &str, keys: &NodeKeys) -> TorConfig {
    TorConfig::new()
        .line("TestingTorNetwork 1")
        .line(dir_authority)
        .line("UseDefaultFallbackDirs 0")
        .line(format!("Nickname {nickname}"))
        .line("ContactInfo test@example.invalid")
        .line(format!("KeyDirectory {}", keys.key_dir().display()))
        .line("OutboundBindAddress 127.0.0.1")
        .line("SocksPort 0")
}

/// Whether a consensus document lists every one of `nicknames` and gives
/// `exit` the Exit flag (an `r` line followed by its `s` line).
pub fn consensus_is_usable(consensus: &str, nicknames: &[&str], exit: &str) -> bool {
    let mut flags: HashMap<&str, &str> = HashMap::new();
    let mut current: Option<&str> = None;
    for line in consensus.lines() {
        if let Some(rest) = line.strip_prefix("r ") {
            current = rest.split_whitespace().next();
        } else if let Some(rest) = line.strip_prefix("s ") {
            if let Some(nickname) = current.take() {
                flags.insert(nickname, rest);
            }
        }
    }
    nicknames.iter().all(|n| flags.contains_key(n))
        && flags
            .get(exit)
            .is_some_and(|f| f.split_whitespace().any(|flag| flag == "Exit"))
}

fn find_gencert(tor: &Path) -> Result<PathBuf, TorNetworkError> {
    let beside_tor = tor.parent().map(|dir| dir.join("tor-gencert"));
    beside_tor
        .into_iter()
        .chain([PathBuf::from("/usr/bin/tor-gencert")])
        .find(|p| p.is_file())
        .or_else(|| crate::process::find_program("tor-gencert", "tor").ok())
        .ok_or_else(|| {
            TorNetworkError::NotInstalled(
                "`tor-gencert` is not installed; install it with `apt-get install -y tor`".into(),
            )
        })
}

/// Picks two free ports on 127.0.0.1 (both held open until both are
/// picked, so they differ). Another process could take one before tor
/// binds it; on a test machine that is unlikely.
fn free_port_pair() -> Result<(u16, u16), TorNetworkError> {
    let bind = || {
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr().map(|a| (l, a.port())))
            .map_err(io_error("picking a free port"))
    };
    let (_first, first_port) = bind()?;
    let (_second, second_port) = bind()?;
    Ok((first_port, second_port))
}

/// Creates a relay identity with `tor --list-fingerprint` in a fresh
/// directory (keys in its `keys/`) and reads the fingerprint tor wrote.
fn generate_relay_keys(
    tor: &Path,
    empty_torrc: &Path,
    node: &str,
) -> Result<NodeKeys, TorNetworkError> {
    let dir = TempDir::new(&format!("sf-tornet-keys-{node}")).map_err(io_error("key directory"))?;
    let output = Command::new(tor)
        .arg("--defaults-torrc")
        .arg("/dev/null")
        .arg("-f")
        .arg(empty_torrc)
        .arg("--DataDirectory")
        .arg(dir.path())
        .args(["--ORPort", "127.0.0.1:auto", "--Address", "127.0.0.1"])
        .args(["--Nickname", node, "--ContactInfo", "test@example.invalid"])
        .arg("--list-fingerprint")
        .stdin(Stdio::null())
        .output()
        .map_err(io_error("running tor --list-fingerprint"))?;
    let keygen_failed = |output: &std::process::Output| TorNetworkError::Keygen {
        node: node.to_string(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    };
    if !output.status.success() {
        return Err(keygen_failed(&output));
    }
    // `<nickname> <40 hex digits>`
    let text = std::fs::read_to_string(dir.path().join("fingerprint")).unwrap_or_default();
    let fingerprint = text
        .split_whitespace()
        .nth(1)
        .filter(|fp| fp.len() == 40 && fp.chars().all(|c| c.is_ascii_hexdigit()))
        .ok_or_else(|| keygen_failed(&output))?
        .to_string();
    Ok(NodeKeys { fingerprint, dir })
}

/// Creates the authority's v3 identity, signing key and certificate with
/// `tor-gencert` in `key_dir` and returns the v3 identity fingerprint.
fn generate_authority_keys(
    gencert: &Path,
    key_dir: &Path,
    dirport: u16,
) -> Result<String, TorNetworkError> {
    let certificate = key_dir.join("authority_certificate");
    let mut child = Command::new(gencert)
        .arg("--create-identity-key")
        .arg("-i")
        .arg(key_dir.join("authority_identity_key"))
        .arg("-s")
        .arg(key_dir.join("authority_signing_key"))
        .arg("-c")
        .arg(&certificate)
        .args(["-m", "12", "-a", &format!("127.0.0.1:{dirport}")])
        .args(["--passphrase-fd", "0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(io_error("running tor-gencert"))?;
    // An empty passphrase: the identity key is stored unencrypted.
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(b"\n")
            .map_err(io_error("writing tor-gencert's passphrase"))?;
    }
    let output = child
        .wait_with_output()
        .map_err(io_error("running tor-gencert"))?;
    let failed = || TorNetworkError::Keygen {
        node: format!("{AUTHORITY} (v3 authority keys)"),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    };
    if !output.status.success() {
        return Err(failed());
    }
    let text = std::fs::read_to_string(&certificate).unwrap_or_default();
    text.lines()
        .find_map(|line| line.strip_prefix("fingerprint "))
        .map(|fp| fp.trim().to_string())
        .filter(|fp| fp.len() == 40)
        .ok_or_else(failed)
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    let mut out = all[all.len().saturating_sub(lines)..].join("\n");
    out.push('\n');
    out
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Opens a SOCKS5 connection (no authentication) through tor's SocksPort
/// `socks` to `target` and returns the stream; an error names tor's reply
/// code (tor-spec: e.g. 4 host unreachable, 5 refused, 6 TTL expired).
pub async fn socks5_connect_noauth(
    socks: SocketAddr,
    target: SocketAddrV4,
) -> io::Result<TcpStream> {
    crate::socks_client::connect_via_socks5(socks, "", target).await
}

/// What [`scan_sockets`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SocketScan {
    /// TCP and UDP sockets of this process tree that were examined.
    pub checked: usize,
    /// Those not on loopback, as lines like `tcp 10.0.0.2:5000 ->
    /// 1.2.3.4:443`.
    pub foreign: Vec<String>,
}

/// Examines the TCP and UDP sockets of this process and all its
/// descendants (tor nodes and their transport plugins included): a socket
/// is foreign if its local or remote address is neither loopback nor unset
/// (a UDP socket may be bound to the wildcard address; where it sends only
/// shows if it is connected). No foreign socket means that, at this moment,
/// nothing talks beyond 127.0.0.1.
pub fn scan_sockets() -> io::Result<SocketScan> {
    let inodes = descendant_socket_inodes()?;
    let mut scan = SocketScan::default();
    for (table, is_tcp) in [
        ("tcp", true),
        ("tcp6", true),
        ("udp", false),
        ("udp6", false),
    ] {
        let Ok(text) = std::fs::read_to_string(format!("/proc/net/{table}")) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(remote), Some(inode)) =
                (fields.get(1), fields.get(2), fields.get(9))
            else {
                continue;
            };
            if !inode.parse::<u64>().is_ok_and(|i| inodes.contains(&i)) {
                continue;
            }
            scan.checked += 1;
            let (Some(local_addr), Some(remote_addr)) =
                (parse_proc_addr(local), parse_proc_addr(remote))
            else {
                scan.foreign
                    .push(format!("{table} {local} -> {remote} (unparsed)"));
                continue;
            };
            let local_ok =
                local_addr.ip().is_loopback() || (!is_tcp && local_addr.ip().is_unspecified());
            let remote_ok = remote_addr.ip().is_loopback() || remote_addr.ip().is_unspecified();
            if !(local_ok && remote_ok) {
                scan.foreign
                    .push(format!("{table} {local_addr} -> {remote_addr}"));
            }
        }
    }
    Ok(scan)
}

/// Socket inodes held by this process and its descendants.
fn descendant_socket_inodes() -> io::Result<HashSet<u64>> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for entry in std::fs::read_dir("/proc")?.filter_map(Result::ok) {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`; comm may contain spaces and ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut pids = vec![std::process::id()];
    let mut index = 0;
    while let Some(&pid) = pids.get(index) {
        pids.extend(children.get(&pid).into_iter().flatten().copied());
        index += 1;
    }
    let mut inodes = HashSet::new();
    for pid in pids {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.filter_map(Result::ok) {
            let Ok(target) = std::fs::read_link(fd.path()) else {
                continue;
            };
            let target = target.to_string_lossy();
            if let Some(inode) = target
                .strip_prefix("socket:[")
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|n| n.parse::<u64>().ok())
            {
                inodes.insert(inode);
            }
        }
    }
    Ok(inodes)
}

/// Parses a `/proc/net/{tcp,udp}[6]` address (`0100007F:1F90`: the address
/// as host-order 32-bit words in hex, then the port in hex).
fn parse_proc_addr(text: &str) -> Option<SocketAddr> {
    let (ip_hex, port_hex) = text.split_once(':')?;
    let port = u16::from_str_radix(port_hex, 16).ok()?;
    let mut words = Vec::new();
    for chunk in ip_hex.as_bytes().chunks(8) {
        let word = u32::from_str_radix(std::str::from_utf8(chunk).ok()?, 16).ok()?;
        words.push(word.to_ne_bytes());
    }
    let bytes: Vec<u8> = words.concat();
    let ip: std::net::IpAddr = match bytes.len() {
        4 => Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?).into(),
        16 => {
            let v6 = Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?);
            match v6.to_ipv4_mapped() {
                Some(v4) => v4.into(),
                None => v6.into(),
            }
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consensus_needs_every_relay_and_an_exit_flag() {
        let consensus = "network-status-version 3 microdesc\n\
            r sfauth AAAA 2038-01-01 00:00:00 127.0.0.1 5000 0\n\
            s Authority Fast Guard Running Stable V2Dir Valid\n\
            r sfexit BBBB 2038-01-01 00:00:00 127.0.0.1 5001 0\n\
            s Exit Fast Guard Running Stable V2Dir Valid\n\
            r sfmiddle CCCC 2038-01-01 00:00:00 127.0.0.1 5002 0\n\
            s Fast Guard Running Stable V2Dir Valid\n";
        assert!(consensus_is_usable(
            consensus,
            &["sfauth", "sfmiddle", "sfexit"],
            "sfexit"
        ));
        assert!(!consensus_is_usable(
            consensus,
            &["sfauth", "sfmiddle", "sfexit", "sfother"],
            "sfexit"
        ));
        let no_exit_flag = consensus.replace("s Exit Fast", "s Fast");
        assert!(!consensus_is_usable(
            &no_exit_flag,
            &["sfauth", "sfmiddle", "sfexit"],
            "sfexit"
        ));
        assert!(!consensus_is_usable("", &["sfauth"], "sfexit"));
    }

    // /proc prints each 32-bit word of the address in host byte order.
    #[cfg(target_endian = "little")]
    #[test]
    fn proc_net_addresses() {
        assert_eq!(
            parse_proc_addr("0100007F:1F90"),
            Some("127.0.0.1:8080".parse().unwrap())
        );
        assert_eq!(
            parse_proc_addr("00000000:0000"),
            Some("0.0.0.0:0".parse().unwrap())
        );
        assert_eq!(
            parse_proc_addr("00000000000000000000000001000000:0050"),
            Some("[::1]:80".parse().unwrap())
        );
        assert_eq!(
            parse_proc_addr("0000000000000000FFFF00000100007F:0050"),
            Some("127.0.0.1:80".parse().unwrap())
        );
        assert_eq!(parse_proc_addr("zz:1"), None);
    }

    #[test]
    fn own_sockets_are_found_and_loopback_passes() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        let _client =
            std::net::TcpStream::connect(listener.local_addr().unwrap()).expect("connect");
        let scan = scan_sockets().expect("scan");
        assert!(scan.checked >= 2, "{scan:?}");
        assert_eq!(scan.foreign, Vec::<String>::new());
    }
}
