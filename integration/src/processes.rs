//! The whole system as separate programs on 127.0.0.1: the release
//! binaries `snowflake-{broker,server,proxy,client}` started as child
//! processes with loopback-only flags, the server in tor's managed mode in
//! front of a [`StandInTor`] of this process. The benchmark uses it to
//! measure each program's CPU time and memory from `/proc`, which the
//! in-process [`crate::stack::Stack`] cannot separate.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use snowflake_common::messages::BridgeFingerprint;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, ChildStdin, Command};

use crate::standin::StandInTor;

/// The relay pattern the broker and proxies are given: exactly 127.0.0.1.
const LOOPBACK_PATTERN: &str = "^127.0.0.1$";
/// How long a program may take to start listening.
const STARTUP_LIMIT: Duration = Duration::from_secs(20);
/// Log level of the programs unless `RUST_LOG` says otherwise.
const DEFAULT_CHILD_LOG: &str = "warn";

/// Why the programs could not be run.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// A release binary is not built.
    #[error(
        "missing {missing} in {dir}: build them first with `cargo build --release --workspace`"
    )]
    Missing {
        /// The missing binaries.
        missing: String,
        /// Where they were looked for.
        dir: String,
    },
    /// Starting or talking to a program failed.
    #[error("{what}: {error}")]
    Io {
        /// Which step.
        what: String,
        /// The error.
        error: std::io::Error,
    },
    /// A program did not come up; `log` is the end of its stderr.
    #[error("{what} did not start: {detail}\n--- end of its log ---\n{log}")]
    Startup {
        /// Which program.
        what: String,
        /// What was seen.
        detail: String,
        /// The end of its log.
        log: String,
    },
}

fn io_error(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ProcessError {
    let what = what.into();
    move |error| ProcessError::Io { what, error }
}

/// Paths of the four release binaries.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// `snowflake-broker`.
    pub broker: PathBuf,
    /// `snowflake-server`.
    pub server: PathBuf,
    /// `snowflake-proxy`.
    pub proxy: PathBuf,
    /// `snowflake-client`.
    pub client: PathBuf,
}

impl Binaries {
    /// The binaries in `dir` (e.g. `target/release`).
    pub fn in_dir(dir: &Path) -> Result<Self, ProcessError> {
        let binaries = Self {
            broker: dir.join("snowflake-broker"),
            server: dir.join("snowflake-server"),
            proxy: dir.join("snowflake-proxy"),
            client: dir.join("snowflake-client"),
        };
        let missing: Vec<String> = [
            &binaries.broker,
            &binaries.server,
            &binaries.proxy,
            &binaries.client,
        ]
        .iter()
        .filter(|path| !path.is_file())
        .filter_map(|path| path.file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .collect();
        if missing.is_empty() {
            Ok(binaries)
        } else {
            Err(ProcessError::Missing {
                missing: missing.join(", "),
                dir: dir.display().to_string(),
            })
        }
    }

    /// The binaries beside the running executable (`target/release/`, or
    /// its parent when running from `target/release/deps/`).
    pub fn beside_current_exe() -> Result<Self, ProcessError> {
        let exe = std::env::current_exe().map_err(io_error("locating this executable"))?;
        let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
        if dir.file_name().is_some_and(|name| name == "deps") {
            if let Some(parent) = dir.parent() {
                dir = parent.to_path_buf();
            }
        }
        Self::in_dir(&dir)
    }
}

/// Set to keep every [`ScratchDir`] (with the peers' logs) after a run,
/// for investigation; its path is printed.
pub const KEEP_SCRATCH_ENV: &str = "SNOWFLAKE_KEEP_SCRATCH";

/// A private temporary directory, removed on drop (unless
/// [`KEEP_SCRATCH_ENV`] is set).
#[derive(Debug)]
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    /// Creates `$TMPDIR/snowflake-<label>-<pid>-<random>`.
    pub fn new(label: &str) -> std::io::Result<Self> {
        let path = std::env::temp_dir().join(format!(
            "snowflake-{label}-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if std::env::var_os(KEEP_SCRATCH_ENV).is_some() {
            eprintln!("kept {}", self.0.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The last `max` bytes of a log file (lossy UTF-8).
pub fn log_tail(path: &Path, max: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let start = bytes.len().saturating_sub(max);
            String::from_utf8_lossy(bytes.get(start..).unwrap_or_default()).into_owned()
        }
        Err(error) => format!("(no log: {error})"),
    }
}

/// Clock ticks per second of `/proc/<pid>/stat` times.
pub fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf only reads a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|t| *t > 0).unwrap_or(100)
}

/// CPU time (user + system, all threads) of process `pid` so far.
pub fn cpu_time(pid: u32) -> std::io::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "bad /proc/<pid>/stat");
    // The command name (field 2) is in parentheses and may hold spaces;
    // fields from 3 on follow the last ')'.
    let rest = stat.rsplit_once(')').ok_or_else(bad)?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15: indices 11 and 12 from field 3.
    let ticks = |i: usize| -> std::io::Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .ok_or_else(bad)
    };
    let total = ticks(11)?.saturating_add(ticks(12)?);
    Ok(Duration::from_secs_f64(
        total as f64 / clock_ticks_per_second() as f64,
    ))
}

/// Resident memory of process `pid` (`VmRSS`), in bytes.
pub fn rss_bytes(pid: u32) -> std::io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| kb.saturating_mul(1024))
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no VmRSS"))
}

/// Waits until something accepts TCP connections on `addr`, or `child`
/// exits, or [`STARTUP_LIMIT`] passes.
async fn wait_listening(
    what: &str,
    addr: SocketAddr,
    child: &mut Child,
    log: &Path,
) -> Result<(), ProcessError> {
    let deadline = tokio::time::Instant::now() + STARTUP_LIMIT;
    loop {
        if TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        let exited = child.try_wait().ok().flatten();
        if exited.is_some() || tokio::time::Instant::now() > deadline {
            return Err(ProcessError::Startup {
                what: what.to_string(),
                detail: match exited {
                    Some(status) => format!("exited with {status}"),
                    None => format!("nothing listening on {addr}"),
                },
                log: log_tail(log, 4000),
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn log_level() -> String {
    std::env::var("RUST_LOG").unwrap_or_else(|_| DEFAULT_CHILD_LOG.to_string())
}

/// Starts `program` with `args`, stderr to `log`, killed on drop.
fn spawn(
    what: &str,
    program: &Path,
    args: &[String],
    log: &Path,
    configure: impl FnOnce(&mut Command),
) -> Result<Child, ProcessError> {
    let log_file = std::fs::File::create(log).map_err(io_error(format!("{what} log file")))?;
    let mut command = Command::new(program);
    command
        .args(args)
        .env("RUST_LOG", log_level())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log_file))
        .kill_on_drop(true);
    configure(&mut command);
    command
        .spawn()
        .map_err(io_error(format!("starting {}", program.display())))
}

/// `snowflake-server` in tor's managed mode, plain WebSocket, forwarding to
/// a stand-in tor's Extended ORPort.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    addr: SocketAddr,
    /// Held open: the server exits when tor (we) closes its stdin.
    _stdin: Option<ChildStdin>,
}

impl ServerProcess {
    /// Starts the server on a free port of 127.0.0.1 and waits for its
    /// `SMETHOD` line.
    pub async fn start(
        binary: &Path,
        tor: &StandInTor,
        dir: &Path,
    ) -> Result<ServerProcess, ProcessError> {
        Self::start_with_args(binary, tor, dir, &[]).await
    }

    /// [`ServerProcess::start`] with `extra` flags after `-disable-tls`.
    pub async fn start_with_args(
        binary: &Path,
        tor: &StandInTor,
        dir: &Path,
        extra: &[String],
    ) -> Result<ServerProcess, ProcessError> {
        let mut args = vec!["-disable-tls".to_string()];
        args.extend(extra.iter().cloned());
        let port = free_port().map_err(io_error("free port for the server"))?;
        let state = dir.join("server-state");
        std::fs::create_dir_all(&state).map_err(io_error("server state directory"))?;
        let log = dir.join("server.log");
        let mut child = spawn("server", binary, &args, &log, |command| {
            command
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("RUST_LOG", log_level())
                .env("TOR_PT_MANAGED_TRANSPORT_VER", "1")
                .env("TOR_PT_SERVER_TRANSPORTS", "snowflake")
                .env(
                    "TOR_PT_SERVER_BINDADDR",
                    format!("snowflake-127.0.0.1:{port}"),
                )
                .env("TOR_PT_EXTENDED_SERVER_PORT", tor.addr().to_string())
                .env("TOR_PT_AUTH_COOKIE_FILE", tor.cookie_file())
                .env("TOR_PT_STATE_LOCATION", &state)
                .env("TOR_PT_EXIT_ON_STDIN_CLOSE", "1")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped());
        })?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or_else(|| ProcessError::Startup {
            what: "server".to_string(),
            detail: "no stdout".to_string(),
            log: String::new(),
        })?;
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = String::new();
        let mut method = None;
        let read = tokio::time::timeout(STARTUP_LIMIT, async {
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = writeln!(seen, "{line}");
                if let Some(rest) = line.strip_prefix("SMETHOD snowflake ") {
                    method = rest.split_whitespace().next().map(str::to_string);
                }
                if line == "SMETHODS DONE" {
                    return true;
                }
            }
            false
        })
        .await;
        let addr = method.and_then(|m| m.parse::<SocketAddr>().ok());
        let (Ok(true), Some(addr)) = (read, addr) else {
            return Err(ProcessError::Startup {
                what: "server".to_string(),
                detail: format!("its PT lines were:\n{seen}"),
                log: log_tail(&log, 4000),
            });
        };
        // Keep draining stdout so the server never blocks on it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        wait_listening("server", addr, &mut child, &log).await?;
        Ok(ServerProcess {
            child,
            addr,
            _stdin: stdin,
        })
    }

    /// Its WebSocket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct ProcessOptions {
    /// Proxy processes started at once.
    pub proxies: usize,
    /// Clients each proxy serves at once (`-capacity`; 0: unlimited).
    /// With 1, a busy proxy does not poll, so which proxies carry the
    /// session is known.
    pub proxy_capacity: usize,
    /// The client's `-max`.
    pub max_proxies: usize,
    /// The client's `-striping`.
    pub striping: bool,
}

/// Extra command-line flags for each program, after the ones
/// [`ProcessStack`] sets (e.g. a mode being measured, or lowered limits).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtraArgs {
    /// For `snowflake-client`.
    pub client: Vec<String>,
    /// For every `snowflake-proxy`.
    pub proxy: Vec<String>,
    /// For `snowflake-server`.
    pub server: Vec<String>,
    /// For `snowflake-broker`.
    pub broker: Vec<String>,
}

/// Broker, server, proxies and client as child processes.
#[derive(Debug)]
pub struct ProcessStack {
    /// The stand-in for tor behind the server (in this process).
    pub tor: StandInTor,
    binaries: Binaries,
    options: ProcessOptions,
    extra: ExtraArgs,
    server: ServerProcess,
    broker: Child,
    broker_addr: SocketAddr,
    proxies: Vec<Option<Child>>,
    client: Child,
    socks_addr: SocketAddr,
    // Last, so it is removed after the children are gone.
    dir: ScratchDir,
}

impl ProcessStack {
    /// Starts stand-in tor, server, broker, `options.proxies` proxies and
    /// the client (SOCKS5 mode), each once it listens.
    pub async fn start(
        binaries: &Binaries,
        options: &ProcessOptions,
    ) -> Result<ProcessStack, ProcessError> {
        Self::start_with_args(binaries, options, &ExtraArgs::default()).await
    }

    /// [`ProcessStack::start`] with `extra` flags for the client and the
    /// proxies.
    pub async fn start_with_args(
        binaries: &Binaries,
        options: &ProcessOptions,
        extra: &ExtraArgs,
    ) -> Result<ProcessStack, ProcessError> {
        let dir = ScratchDir::new("processes").map_err(io_error("scratch directory"))?;
        let tor = StandInTor::start()
            .await
            .map_err(io_error("stand-in tor"))?;
        let server =
            ServerProcess::start_with_args(&binaries.server, &tor, dir.path(), &extra.server)
                .await?;

        let bridge_list = dir.path().join("bridge-list.json");
        std::fs::write(
            &bridge_list,
            format!(
                "{{\"displayName\":\"local\", \"webSocketAddress\":\"ws://{}/\", \"fingerprint\":\"{}\"}}\n",
                server.addr(),
                BridgeFingerprint::default()
            ),
        )
        .map_err(io_error("bridge list file"))?;
        let poll_intervals = dir.path().join("poll-intervals.json");
        std::fs::write(
            &poll_intervals,
            r#"{"unrestricted_poll_interval":1000,"restricted_poll_interval":1000}"#,
        )
        .map_err(io_error("poll interval file"))?;
        let broker_port = free_port().map_err(io_error("free port for the broker"))?;
        let broker_addr = SocketAddr::from(([127, 0, 0, 1], broker_port));
        let broker_log = dir.path().join("broker.log");
        let broker_args: Vec<String> = [
            "-addr",
            &broker_addr.to_string(),
            "-disable-tls",
            "-disable-geoip",
            "-bridge-list-path",
            &bridge_list.display().to_string(),
            "-allowed-relay-pattern",
            LOOPBACK_PATTERN,
            "-poll-interval-filepath",
            &poll_intervals.display().to_string(),
            "-unsafe-logging",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(extra.broker.iter().cloned())
        .collect();
        let mut broker = spawn(
            "broker",
            &binaries.broker,
            &broker_args,
            &broker_log,
            |_| {},
        )?;
        wait_listening("broker", broker_addr, &mut broker, &broker_log).await?;

        let socks_port = free_port().map_err(io_error("free port for the client"))?;
        let socks_addr = SocketAddr::from(([127, 0, 0, 1], socks_port));
        let mut client_args: Vec<String> = vec![
            "-socks".into(),
            socks_addr.to_string(),
            "-url".into(),
            format!("http://{broker_addr}/"),
            "-loopback-only".into(),
            "-unsafe-logging".into(),
            "-max".into(),
            options.max_proxies.to_string(),
        ];
        if options.striping {
            client_args.push("-striping".into());
        }
        client_args.extend(extra.client.iter().cloned());
        let client_log = dir.path().join("client.log");
        let mut client = spawn(
            "client",
            &binaries.client,
            &client_args,
            &client_log,
            |_| {},
        )?;
        wait_listening("client", socks_addr, &mut client, &client_log).await?;

        let mut stack = ProcessStack {
            tor,
            binaries: binaries.clone(),
            options: options.clone(),
            extra: extra.clone(),
            server,
            broker,
            broker_addr,
            proxies: Vec::new(),
            client,
            socks_addr,
            dir,
        };
        for _ in 0..options.proxies {
            stack.add_proxy()?;
        }
        Ok(stack)
    }

    /// Starts one more proxy process; returns its index.
    pub fn add_proxy(&mut self) -> Result<usize, ProcessError> {
        let index = self.proxies.len();
        let mut args: Vec<String> = vec![
            "-broker".into(),
            format!("http://{}/", self.broker_addr),
            "-relay".into(),
            format!("ws://{}/", self.server.addr()),
            "-allowed-relay-hostname-pattern".into(),
            LOOPBACK_PATTERN.into(),
            "-allow-non-tls-relay".into(),
            "-allow-proxying-to-private-addresses".into(),
            "-loopback-only".into(),
            // Never used with -loopback-only; set so no outside name appears.
            "-stun".into(),
            "stun:127.0.0.1:3478".into(),
            "-nat-probe-server=".into(),
            "-summary-interval".into(),
            "0s".into(),
            "-poll-interval".into(),
            "2s".into(),
            "-drain-timeout".into(),
            "1s".into(),
            "-capacity".into(),
            self.options.proxy_capacity.to_string(),
            "-unsafe-logging".into(),
        ];
        args.extend(self.extra.proxy.iter().cloned());
        let log = self.dir.path().join(format!("proxy-{index}.log"));
        let child = spawn("proxy", &self.binaries.proxy, &args, &log, |_| {})?;
        self.proxies.push(Some(child));
        Ok(index)
    }

    /// Kills proxy `index` with SIGKILL (no goodbye to anyone, as when a
    /// volunteer's machine dies) and reaps it. Returns whether it ran.
    pub async fn kill_proxy(&mut self, index: usize) -> bool {
        let Some(mut child) = self.proxies.get_mut(index).and_then(Option::take) else {
            return false;
        };
        let _ = child.start_kill();
        let _ = child.wait().await;
        true
    }

    /// Indices of the proxy processes still running.
    pub fn live_proxies(&self) -> Vec<usize> {
        self.proxies
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().map(|_| i))
            .collect()
    }

    /// The client's SOCKS5 address.
    pub fn socks_addr(&self) -> SocketAddr {
        self.socks_addr
    }

    /// The broker's address.
    pub fn broker_addr(&self) -> SocketAddr {
        self.broker_addr
    }

    /// The server's WebSocket address.
    pub fn server_addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Process id of the client.
    pub fn client_pid(&self) -> Option<u32> {
        self.client.id()
    }

    /// Process id of the server.
    pub fn server_pid(&self) -> Option<u32> {
        self.server.pid()
    }

    /// Process id of the broker.
    pub fn broker_pid(&self) -> Option<u32> {
        self.broker.id()
    }

    /// Process ids of the running proxies.
    pub fn proxy_pids(&self) -> Vec<u32> {
        self.proxies
            .iter()
            .flatten()
            .filter_map(Child::id)
            .collect()
    }

    /// The end of every program's log, for a failure report.
    pub fn log_tails(&self, max_each: usize) -> String {
        let mut out = String::new();
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "log"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        for path in names {
            let tail = log_tail(&path, max_each);
            if !tail.trim().is_empty() {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                let _ = writeln!(out, "--- {name} ---\n{tail}");
            }
        }
        out
    }

    /// Proxies waiting at the broker for a client (its `/debug` page).
    pub async fn available_proxies(&self) -> std::io::Result<usize> {
        available_proxies(self.broker_addr).await
    }

    /// Waits until at least `n` proxies wait at the broker, for at most
    /// `limit`; returns whether they did.
    pub async fn wait_available_proxies(&self, n: usize, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if self.available_proxies().await.is_ok_and(|have| have >= n) {
                return true;
            }
            if tokio::time::Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Reads "current snowflakes available: N" from the broker's `/debug`.
pub async fn available_proxies(broker: SocketAddr) -> std::io::Result<usize> {
    let mut stream = TcpStream::connect(broker).await?;
    stream
        .write_all(
            format!("GET /debug HTTP/1.1\r\nHost: {broker}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut body = Vec::new();
    tokio::time::timeout(
        Duration::from_secs(5),
        (&mut stream).take(64 * 1024).read_to_end(&mut body),
    )
    .await
    .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    let text = String::from_utf8_lossy(&body);
    text.lines()
        .find_map(|line| line.trim().strip_prefix("current snowflakes available:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "no proxy count in the broker's /debug page",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_cpu_time_and_memory() {
        let pid = std::process::id();
        let start = cpu_time(pid).expect("cpu time");
        // Burn CPU until the counter moves (a clock tick is 10 ms); the
        // wall-clock bound is a hang guard only.
        let guard = std::time::Instant::now();
        let mut x = 0u64;
        while cpu_time(pid).expect("cpu time") <= start {
            for i in 0..1_000_000u64 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
            }
            assert!(guard.elapsed() < Duration::from_secs(60), "hang guard");
        }
        assert!(rss_bytes(pid).expect("rss") > 1024 * 1024);
    }

    #[test]
    fn missing_binaries_are_named_with_the_build_command() {
        let dir = ScratchDir::new("no-binaries").expect("dir");
        let error = Binaries::in_dir(dir.path()).expect_err("missing");
        let text = error.to_string();
        assert!(
            text.contains("snowflake-broker, snowflake-server"),
            "{text}"
        );
        assert!(text.contains("cargo build --release --workspace"), "{text}");
    }
}
