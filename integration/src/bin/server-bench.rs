//! `server-bench`: what the server costs.
//!
//! * CPU-seconds per GB relayed: a client sends (then receives) data
//!   through the server to (from) a sink ORPort over loopback; the server's
//!   CPU time comes from `getrusage(RUSAGE_SELF)` of this process, which
//!   runs only the server: the client and the sink are child processes
//!   (re-executions of this binary), so their work is not counted.
//! * Resident memory per idle session: the client opens N sessions, each
//!   with one WebSocket connection and one smux stream relayed to the sink;
//!   once they are idle, the growth of this process's `VmRSS`
//!   (`/proc/self/status`) divided by N.
//! * At each step also: the server process's open descriptors
//!   (`/proc/self/fd`), its tor connections and relayed streams, its CPU
//!   use over 10 idle seconds with the WebSocket bytes it moved meanwhile
//!   (smux keepalives every 10 s each way: idle sessions are not free, and
//!   a cost per session that grows with their number shows here), and the
//!   children's resident memory and CPU use.
//!
//! The client's WebSockets use the server's small buffers
//! (`snowflake_testkit::lean_websocket`), not tungstenite's 128 KiB read
//! buffer each, so that 100,000 sessions fit in its memory. It opens at
//! most `BENCH_OPEN_RATE` sessions per second (default 500), 64 at a time,
//! and tries a session again when it misses the server's handshake timeout
//! (each retry is reported). `BENCH_CHILD_NICE=N` runs the children under
//! `nice -n N`, so that the server gets the CPU first, as on a machine of
//! its own. The benchmark stops, children included, when less than 3 GiB
//! of memory is left.
//!
//! On a 2-core machine, 100,000 idle sessions are at the edge: their
//! keepalives alone take about 60 % of a core in the server and 50 % in
//! the client. Of six runs that opened 2,000 sessions per second or more,
//! four fell into a spiral (handshake timeouts, dropped packets, KCP
//! retransmissions, buffers filling in both processes) between 74,000 and
//! 97,000 sessions; opened at 500 per second with `BENCH_CHILD_NICE=10`,
//! the run completed.
//!
//! Run with `cargo run --release -p snowflake-integration --bin server-bench`.
//! `BENCH_BYTES` sets the bytes per direction (default 10^9);
//! `BENCH_SESSIONS` the session counts (default `1000,10000`; capped by the
//! open-file limit, since every session holds two descriptors here: run as
//! root, the benchmark raises its hard limit to `fs.nr_open`, so that 100,000
//! sessions fit). Beyond about 28,000 connections between two addresses
//! the ephemeral ports run out, so the client spreads its WebSockets over
//! source addresses 127.0.2.x (20,000 each) and the server its ORPort
//! connections over 127.0.1.0/24 (`orport-srcaddr`), as a large bridge
//! does.
//!
//! `BENCH_TRANSPORT` chooses how the children reach the server:
//!
//! * `tcp` (the default): real sockets, a WebSocket and an ORPort
//!   connection per session, two descriptors each in the server process;
//!   where the hard open-file limit cannot be raised, that caps the
//!   sessions (about 10,000 under a limit of 20,000).
//! * `memory`: one Unix socket to the client child and one to the sink
//!   child, each carrying every connection as a virtual one
//!   (`snowflake_testkit::stream_mux`: open, data, credit, FIN, close;
//!   at most 256 KiB in flight per direction). In this process each
//!   virtual connection is one end of a `tokio::io::duplex` pair (16 KiB
//!   each way), handed to `Server::serve_stream` (WebSockets) or returned
//!   by the server's `TorDialer` (`TorTarget::Custom`, the ORPort
//!   connections), so the server runs its usual code without a
//!   descriptor per session. The pipes and the multiplexer's bookkeeping
//!   stand in for the kernel's socket buffers and socket state: they are
//!   counted in this process's RSS and heap, kernel memory is not. The
//!   benchmark estimates their share (the same pipes and bookkeeping,
//!   alone, for 10,000 connection pairs that carried messages of the
//!   sizes a session's connections carry, measured before the sessions
//!   and printed at the end); comparing heap per session with `tcp` at the
//!   same count gives it too (measured: 46.0 against 42.2 KiB at
//!   10,000). The multiplexer's CPU time is this process's as well, in
//!   place of the kernel's TCP work on its sockets, which `tcp` counts.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use snowflake_common::turbotunnel::ClientId;
use snowflake_server::{DialFuture, Server, ServerConfig, TorDialer, TorStream, TorTarget};
use snowflake_testkit::lean_websocket::lean_websocket_over;
use snowflake_testkit::stream_mux::{Side, StreamMux};
use snowflake_testkit::tunnel_client::TunnelClient;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio::process::{Child, ChildStdin, Command};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const CHUNK: usize = 64 * 1024;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match (
        args.get(1).map(String::as_str),
        args.get(2).map(String::as_str),
    ) {
        (Some("sink"), Some("memory")) => {
            let path = args.get(3).ok_or("sink memory needs a socket path")?;
            runtime.block_on(sink_memory(Path::new(path)))
        }
        (Some("sink"), _) => runtime.block_on(sink()),
        (Some("client"), Some("memory")) => {
            let path = args.get(3).ok_or("client memory needs a socket path")?;
            runtime.block_on(async {
                let socket = UnixStream::connect(path).await?;
                client(Transport::Memory(StreamMux::new(socket, Side::First))).await
            })
        }
        (Some("client"), addr) => {
            let addr = addr.ok_or("client needs the server address")?.parse()?;
            runtime.block_on(client(Transport::Tcp(addr)))
        }
        _ => runtime.block_on(coordinator()),
    }
}

// ---- child: the ORPort sink ---------------------------------------------

/// Each connection starts with a command byte and a u64 length: `U`
/// (receive that many bytes, answer one byte), `D` (send that many bytes)
/// or `I` (idle: read until the end).
async fn sink() -> Result<(), BoxError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    println!("listening {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            if let Err(e) = sink_connection(stream).await {
                eprintln!("sink: {e}");
            }
        });
    }
}

/// The sink of `BENCH_TRANSPORT=memory`: the same connections, virtual
/// ones over the Unix socket at `path` (the server process opens them).
async fn sink_memory(path: &Path) -> Result<(), BoxError> {
    let socket = UnixStream::connect(path).await?;
    let mux = StreamMux::new(socket, Side::Second);
    while let Some(stream) = mux.accept().await {
        tokio::spawn(async move {
            if let Err(e) = sink_connection(stream).await {
                eprintln!("sink: {e}");
            }
        });
    }
    Ok(())
}

async fn sink_connection<S>(mut stream: S) -> Result<(), BoxError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut header = [0u8; 9];
    stream.read_exact(&mut header).await?;
    let mut len_bytes = [0u8; 8];
    len_bytes.copy_from_slice(&header[1..]);
    let len = u64::from_be_bytes(len_bytes);
    match header[0] {
        b'U' => {
            let mut buf = vec![0u8; CHUNK];
            let mut left = len;
            while left > 0 {
                let want = usize::try_from(left.min(CHUNK as u64))?;
                let n = stream.read(&mut buf[..want]).await?;
                if n == 0 {
                    return Err("upload ended early".into());
                }
                left -= n as u64;
            }
            stream.write_all(b"k").await?;
        }
        b'D' => {
            let buf = vec![0x5au8; CHUNK];
            let mut left = len;
            while left > 0 {
                let n = usize::try_from(left.min(CHUNK as u64))?;
                stream.write_all(&buf[..n]).await?;
                left -= n as u64;
            }
        }
        _ => {}
    }
    // Hold the connection until the server closes it, with a small buffer.
    let mut buf = [0u8; 256];
    while stream.read(&mut buf).await? > 0 {}
    Ok(())
}

// ---- child: the client ----------------------------------------------------

/// How the client reaches the server.
enum Transport {
    /// A TCP connection per WebSocket, to this address.
    Tcp(SocketAddr),
    /// A virtual connection per WebSocket over one socket.
    Memory(StreamMux),
}

/// The URL of the memory transport's WebSockets (the host is not used).
const MEMORY_URL: &str = "ws://server-bench.invalid/?client_ip=192.0.2.1";

/// WebSockets per client source address (below the ~28,000 ephemeral
/// ports one address has towards the server).
const PER_SOURCE_ADDRESS: u64 = 20_000;

/// The `index`th session's WebSocket, from 127.0.2.(1 + index / 20,000).
async fn websocket_from(
    addr: SocketAddr,
    index: u64,
) -> Result<snowflake_server::websocket::WsByteStream<TcpStream>, BoxError> {
    let host = u8::try_from(1 + index / PER_SOURCE_ADDRESS).map_err(|_| "too many sessions")?;
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from(([127, 0, 2, host], 0)))?;
    let tcp = socket.connect(addr).await?;
    tcp.set_nodelay(true)?;
    Ok(lean_websocket_over(tcp, &format!("ws://{addr}/?client_ip=192.0.2.1")).await?)
}

async fn session(
    transport: &Transport,
    index: u64,
) -> Result<(TunnelClient, snowflake_common::smux::Stream), BoxError> {
    let client = TunnelClient::new(ClientId::random())?;
    match transport {
        Transport::Tcp(addr) => client.paths().add_path(websocket_from(*addr, index).await?),
        Transport::Memory(mux) => client
            .paths()
            .add_path(lean_websocket_over(mux.open().await?, MEMORY_URL).await?),
    };
    let stream = client.open_stream().await?;
    Ok((client, stream))
}

fn header(command: u8, len: u64) -> [u8; 9] {
    let mut h = [0u8; 9];
    h[0] = command;
    h[1..].copy_from_slice(&len.to_be_bytes());
    h
}

/// Sessions being opened at once.
const OPENING_AT_ONCE: usize = 64;

/// `BENCH_OPEN_RATE`: new sessions per second at most (default 500; 0:
/// as fast as [`OPENING_AT_ONCE`] allows). On a small machine that runs
/// the client too, a burst of new sessions on top of many idle ones can
/// starve both processes into missed handshake deadlines and
/// retransmissions.
fn open_rate() -> f64 {
    std::env::var("BENCH_OPEN_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500.0)
}

/// Attempts at opening one idle session.
const SESSION_ATTEMPTS: u32 = 3;

/// A session whose stream told the sink to hold it idle.
async fn idle_session(
    transport: &Transport,
    index: u64,
) -> Result<(TunnelClient, snowflake_common::smux::Stream), BoxError> {
    let (client, mut stream) = session(transport, index).await?;
    stream.write_all(&header(b'I', 0)).await?;
    Ok((client, stream))
}

/// Reads commands on stdin (`upload N`, `download N`, `sessions N`) and
/// answers `done` on stdout after each.
async fn client(transport: Transport) -> Result<(), BoxError> {
    let transport = Arc::new(transport);
    let mut idle = Vec::new();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        let mut words = line.split_whitespace();
        let command = words.next().unwrap_or_default();
        let n: u64 = words.next().unwrap_or("0").parse()?;
        match command {
            "upload" => {
                let (_client, mut stream) = session(&transport, 0).await?;
                stream.write_all(&header(b'U', n)).await?;
                let buf = vec![0xa5u8; CHUNK];
                let mut left = n;
                while left > 0 {
                    let len = usize::try_from(left.min(CHUNK as u64))?;
                    stream.write_all(&buf[..len]).await?;
                    left -= len as u64;
                }
                let mut ack = [0u8; 1];
                stream.read_exact(&mut ack).await?;
            }
            "download" => {
                let (_client, mut stream) = session(&transport, 0).await?;
                stream.write_all(&header(b'D', n)).await?;
                let mut buf = vec![0u8; CHUNK];
                let mut left = n;
                while left > 0 {
                    let got = stream.read(&mut buf).await?;
                    if got == 0 {
                        return Err("download ended early".into());
                    }
                    left = left.saturating_sub(got as u64);
                }
            }
            "sessions" => {
                let mut set = tokio::task::JoinSet::new();
                let mut opened = 0u64;
                let rate = open_rate();
                let t0 = tokio::time::Instant::now();
                while opened < n || !set.is_empty() {
                    let due =
                        (rate > 0.0).then(|| t0 + Duration::from_secs_f64(opened as f64 / rate));
                    let room = opened < n && set.len() < OPENING_AT_ONCE;
                    if room && due.is_none_or(|due| tokio::time::Instant::now() >= due) {
                        let index = idle.len() as u64 + set.len() as u64;
                        let transport = Arc::clone(&transport);
                        set.spawn(async move {
                            // A loaded machine can miss the server's
                            // handshake timeout: try again, as a client would.
                            let mut attempt = 1;
                            loop {
                                match idle_session(&transport, index).await {
                                    Ok(session) => return Ok::<_, BoxError>(session),
                                    Err(e) if attempt < SESSION_ATTEMPTS => {
                                        eprintln!(
                                            "client: session {index}, attempt {attempt}: {e}; \
                                             trying again"
                                        );
                                        attempt += 1;
                                        tokio::time::sleep(Duration::from_secs(1)).await;
                                    }
                                    Err(e) => return Err(e),
                                }
                            }
                        });
                        opened += 1;
                        continue;
                    }
                    let pace = async {
                        match due {
                            Some(due) if room => tokio::time::sleep_until(due).await,
                            _ => std::future::pending().await,
                        }
                    };
                    tokio::select! {
                        Some(joined) = set.join_next() => idle.push(joined??),
                        () = pace => {}
                    }
                }
            }
            other => return Err(format!("unknown command {other:?}").into()),
        }
        println!("done");
        std::io::stdout().flush()?;
    }
    Ok(())
}

// ---- this process: the server ---------------------------------------------

struct Helper {
    child: Child,
    stdin: ChildStdin,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Helper {
    /// Starts this binary with `args`, under `nice -n BENCH_CHILD_NICE`
    /// when that is set (the server then gets the CPU first, as on a
    /// machine of its own).
    fn spawn(args: &[&str]) -> Result<Self, BoxError> {
        let exe = std::env::current_exe()?;
        let mut command = match std::env::var("BENCH_CHILD_NICE") {
            Ok(nice) if !nice.is_empty() => {
                let mut command = Command::new("nice");
                command.arg("-n").arg(nice).arg(exe);
                command
            }
            _ => Command::new(exe),
        };
        let mut child = command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        Ok(Self {
            child,
            stdin,
            lines: BufReader::new(stdout).lines(),
        })
    }

    async fn line(&mut self) -> Result<String, BoxError> {
        match self.lines.next_line().await? {
            Some(line) => Ok(line),
            None => Err(format!("helper exited: {:?}", self.child.try_wait()).into()),
        }
    }

    async fn command(&mut self, command: &str) -> Result<(), BoxError> {
        self.stdin
            .write_all(format!("{command}\n").as_bytes())
            .await?;
        self.stdin.flush().await?;
        let answer = self.line().await?;
        if answer == "done" {
            Ok(())
        } else {
            Err(format!("helper answered {answer:?}").into())
        }
    }

    /// The child's CPU time so far, in seconds.
    fn cpu_seconds(&self) -> f64 {
        let Some(stat) = self
            .child
            .id()
            .and_then(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
        else {
            return 0.0;
        };
        // Fields after the command name (which ends with the last ')'):
        // utime and stime are the 12th and 13th.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let ticks: u64 = after
            .split_whitespace()
            .skip(11)
            .take(2)
            .filter_map(|t| t.parse::<u64>().ok())
            .sum();
        // SAFETY: sysconf only reads system configuration.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        ticks as f64 / per_second.max(1) as f64
    }

    /// The child's resident memory.
    fn rss(&self) -> u64 {
        self.child
            .id()
            .and_then(|pid| rss_of(&format!("/proc/{pid}/status")).ok())
            .unwrap_or(0)
    }
}

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the zeroed struct we pass; RUSAGE_SELF is
    // always valid.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Heap bytes in use according to glibc.
fn heap_in_use() -> u64 {
    // SAFETY: mallinfo2 only reads the allocator's counters.
    let info = unsafe { libc::mallinfo2() };
    (info.uordblks + info.hblkhd) as u64
}

/// `VmRSS` of a `/proc/…/status` file.
fn rss_of(status_file: &str) -> Result<u64, BoxError> {
    let status = std::fs::read_to_string(status_file)?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or("no VmRSS")?;
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .ok_or("bad VmRSS line")?
        .parse()?;
    Ok(kb * 1024)
}

fn rss_bytes() -> Result<u64, BoxError> {
    rss_of("/proc/self/status")
}

/// The machine's `MemAvailable`.
fn mem_available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Descriptors this process has open.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

/// Raises the open-file limit: the hard one to `fs.nr_open` where allowed
/// (root), then the soft one to the hard one; returns the soft limit.
/// Children started afterwards inherit it.
fn raise_fd_limit() -> u64 {
    let nr_open: Option<u64> = std::fs::read_to_string("/proc/sys/fs/nr_open")
        .ok()
        .and_then(|s| s.trim().parse().ok());
    // SAFETY: getrlimit/setrlimit with a valid resource and a zeroed
    // struct they fill or read.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if let Some(most) = nr_open.filter(|&n| n > limit.rlim_max) {
            let raised = libc::rlimit {
                rlim_cur: most,
                rlim_max: most,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return most;
            }
        }
        limit.rlim_cur = limit.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        limit.rlim_cur
    }
}

async fn wait_for_streams(server: &Server, n: i64) -> Result<(), BoxError> {
    let deadline = Instant::now()
        + Duration::from_secs(
            std::env::var("BENCH_WAIT")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(300),
        );
    while server.metrics().streams_active.get() < n {
        if Instant::now() > deadline {
            let m = server.metrics();
            for line in m.render().lines().filter(|l| {
                l.contains("dropped_total{")
                    || l.contains("rejected_total{")
                    || l.contains("client_queues ")
                    || l.contains("connections_")
            }) {
                eprintln!("{line}");
            }
            return Err(format!(
                "only {} of {n} streams became active (sessions {}/{}, streams total {}, dial failures {})",
                m.streams_active.get(),
                m.sessions_active.get(),
                m.sessions_total.get(),
                m.streams_total.get(),
                m.tor_dial_failures.get(),
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// The server's way to the sink in `memory` mode: a virtual connection
/// over the sink child's socket.
struct MuxDialer(Arc<StreamMux>);

impl TorDialer for MuxDialer {
    fn name(&self) -> String {
        "server-bench-sink".to_owned()
    }

    fn dial(&self) -> DialFuture<'_> {
        Box::pin(async move {
            let stream: TorStream = Box::new(self.0.open().await?);
            Ok(stream)
        })
    }
}

/// A Unix socket path for the `memory` link to one child.
fn link_path(child: &str) -> PathBuf {
    std::env::temp_dir().join(format!("server-bench-{}-{child}.sock", std::process::id()))
}

/// Starts a child (`args`, then the socket path) and returns it with the
/// link to it, `side` being this process's end.
async fn spawn_linked(args: &[&str], side: Side) -> Result<(Helper, Arc<StreamMux>), BoxError> {
    let name = args.first().copied().unwrap_or("child");
    let path = link_path(name);
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    let path_text = path.to_str().ok_or("socket path is not UTF-8")?;
    let mut all: Vec<&str> = args.to_vec();
    all.push(path_text);
    let helper = Helper::spawn(&all)?;
    let accepted = tokio::time::timeout(Duration::from_secs(60), listener.accept()).await;
    let _ = std::fs::remove_file(&path);
    let (socket, _) = accepted.map_err(|_| format!("{name} did not connect"))??;
    Ok((helper, Arc::new(StreamMux::new(socket, side))))
}

/// The server's settings for up to `most` sessions: room for them.
fn bench_config(tor: TorTarget, most: u64) -> ServerConfig {
    let mut config = ServerConfig::new(tor);
    let room = usize::try_from(most.saturating_mul(2)).unwrap_or(usize::MAX);
    config.limits.max_sessions = config.limits.max_sessions.max(room);
    config.limits.max_connections = config.limits.max_connections.max(room);
    config
}

/// The running server and its two children, over either transport.
struct Bench {
    server: Arc<Server>,
    client: Helper,
    sink: Helper,
    /// `memory` mode's links (kept open), `None` in `tcp` mode.
    links: Option<(Arc<StreamMux>, Arc<StreamMux>)>,
    /// Sessions measurable here (the open-file limit, in `tcp` mode).
    max_sessions: u64,
}

async fn start_tcp(most: u64, fd_limit: u64) -> Result<Bench, BoxError> {
    let mut sink = Helper::spawn(&["sink"])?;
    let first = sink.line().await?;
    let sink_addr: SocketAddr = first
        .strip_prefix("listening ")
        .ok_or("sink did not start")?
        .parse()?;
    // A large bridge's settings: room for the sessions asked for, and the
    // ORPort connections spread over 256 source addresses.
    let mut config = bench_config(TorTarget::OrPort(sink_addr), most);
    config.orport_srcaddr = Some("127.0.1.0/24".parse()?);
    let server = Arc::new(Server::new(config)?);
    let addr = server.listen("127.0.0.1:0".parse()?).await?;
    let client = Helper::spawn(&["client", &addr.to_string()])?;
    println!("server-bench (tcp): server {addr}, sink {sink_addr}, open-file limit {fd_limit}");
    Ok(Bench {
        server,
        client,
        sink,
        links: None,
        // Each session holds a WebSocket and an ORPort connection here.
        max_sessions: fd_limit.saturating_sub(64) / 2,
    })
}

async fn start_memory(most: u64, fd_limit: u64) -> Result<Bench, BoxError> {
    let (sink, to_sink) = spawn_linked(&["sink", "memory"], Side::First).await?;
    let dialer = Arc::new(MuxDialer(Arc::clone(&to_sink)));
    let config = bench_config(
        TorTarget::Custom {
            dialer,
            cookie_file: None,
        },
        most,
    );
    let server = Arc::new(Server::new(config)?);
    let (client, from_client) = spawn_linked(&["client", "memory"], Side::Second).await?;
    tokio::spawn({
        let server = Arc::downgrade(&server);
        let from_client = Arc::clone(&from_client);
        async move {
            while let Some(stream) = from_client.accept().await {
                let Some(server) = server.upgrade() else {
                    return;
                };
                if !server.serve_stream(stream) {
                    eprintln!("server-bench: the server refused a connection");
                }
            }
        }
    });
    println!(
        "server-bench (memory): one Unix socket to the client, one to the sink; open-file \
         limit {fd_limit}, not a bound here"
    );
    println!(
        "note: memory transport: each session's WebSocket and ORPort connection are duplex \
         pipes in this process (16 KiB each way at most) plus multiplexer state, standing in \
         for kernel socket buffers and state, which tcp mode does not count in RSS; their \
         share is estimated at the end"
    );
    Ok(Bench {
        server,
        client,
        sink,
        links: Some((from_client, to_sink)),
        max_sessions: u64::MAX,
    })
}

/// Messages a session's WebSocket carries while it is set up: the
/// upgrade request and response, then KCP packets (sizes there and back).
const WEBSOCKET_EXCHANGES: &[(usize, usize)] = &[(300, 200), (1400, 1400), (200, 1400)];
/// What a session's ORPort connection carries: the sink's command.
const ORPORT_EXCHANGES: &[(usize, usize)] = &[(9, 0)];

/// Heap per connection end of the memory transport's stand-in alone
/// (duplex pipe, multiplexer entry and task): `pairs` virtual connections
/// over an in-process link, both ends here, each having carried
/// `exchanges`.
async fn stand_in_heap_per_end(
    pairs: usize,
    exchanges: &[(usize, usize)],
) -> Result<f64, BoxError> {
    let (a, b) = UnixStream::pair()?;
    let (a, b) = (
        StreamMux::new(a, Side::First),
        StreamMux::new(b, Side::Second),
    );
    let heap0 = heap_in_use();
    let mut held = Vec::with_capacity(pairs);
    let mut buf = vec![0u8; 2048];
    for _ in 0..pairs {
        let mut x = a.open().await?;
        let mut y = b.accept().await.ok_or("link ended")?;
        for &(there, back) in exchanges {
            x.write_all(&buf[..there]).await?;
            y.read_exact(&mut buf[..there]).await?;
            y.write_all(&buf[..back]).await?;
            x.read_exact(&mut buf[..back]).await?;
        }
        held.push((x, y));
    }
    // Let the credit frames arrive.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let grown = heap_in_use().saturating_sub(heap0);
    drop(held);
    drop((a, b));
    // Let the connections' tasks end.
    tokio::time::sleep(Duration::from_secs(1)).await;
    Ok(grown as f64 / pairs as f64 / 2.0)
}

/// Ends the benchmark (children included) if the machine runs short of
/// memory, rather than let the OOM killer choose: below 3 GiB available.
fn spawn_memory_watchdog(children: &[Option<u32>]) {
    let children: Vec<libc::pid_t> = children
        .iter()
        .flatten()
        .filter_map(|&pid| libc::pid_t::try_from(pid).ok())
        .collect();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if mem_available().is_some_and(|free| free < 3 << 30) {
                eprintln!("server-bench: less than 3 GiB of memory left; stopping");
                for &pid in &children {
                    // SAFETY: kill only sends a signal to our own child.
                    unsafe {
                        libc::kill(pid, libc::SIGKILL);
                    }
                }
                std::process::exit(3);
            }
        }
    });
}

async fn coordinator() -> Result<(), BoxError> {
    let fd_limit = raise_fd_limit();
    let bytes: u64 = std::env::var("BENCH_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000_000);
    let requested: Vec<u64> = std::env::var("BENCH_SESSIONS")
        .unwrap_or_else(|_| "1000,10000".to_owned())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let most = requested.iter().copied().max().unwrap_or(0);
    let transport = std::env::var("BENCH_TRANSPORT").unwrap_or_else(|_| "tcp".to_owned());
    let mut bench = match transport.as_str() {
        "tcp" => start_tcp(most, fd_limit).await?,
        "memory" => start_memory(most, fd_limit).await?,
        other => return Err(format!("BENCH_TRANSPORT={other:?}: tcp or memory").into()),
    };
    let server = Arc::clone(&bench.server);
    spawn_memory_watchdog(&[bench.client.child.id(), bench.sink.child.id()]);
    // For watching a run from outside.
    let metrics = server.serve_metrics("127.0.0.1:0".parse()?).await?;
    println!("metrics: http://{metrics}/metrics");
    let client = &mut bench.client;

    // Throughput first, with no other session running.
    for direction in ["upload", "download"] {
        let cpu0 = cpu_seconds();
        let t0 = Instant::now();
        client.command(&format!("{direction} {bytes}")).await?;
        let wall = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        let gb = bytes as f64 / 1e9;
        println!(
            "{direction:>8} {:.2} GB in {wall:.1} s ({:.0} MB/s): server CPU {cpu:.2} s = {:.2} CPU-s/GB",
            gb,
            bytes as f64 / 1e6 / wall,
            cpu / gb
        );
    }
    // The memory transport's stand-in alone, measured now, while nothing
    // else runs (its memory is freed before the baseline).
    let stand_in = if bench.links.is_some() {
        let pairs = 10_000;
        let websocket = stand_in_heap_per_end(pairs, WEBSOCKET_EXCHANGES).await?;
        let orport = stand_in_heap_per_end(pairs, ORPORT_EXCHANGES).await?;
        Some((pairs, websocket, orport))
    } else {
        None
    };
    let client = &mut bench.client;
    // Memory: give freed heap back to the system first, so that sessions
    // cannot hide in memory the transfers left resident. One session
    // warms up whatever is allocated once.
    client.command("sessions 1").await?;
    wait_for_streams(&server, 1).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // SAFETY: malloc_trim only returns free heap memory to the system.
    unsafe {
        libc::malloc_trim(0);
    }
    let baseline = rss_bytes()?;
    let heap_baseline = heap_in_use();
    let children_baseline = bench.client.rss() + bench.sink.rss();
    // Left free for everything else on the machine.
    let reserve: u64 = 2 << 30;
    // Sessions opened after the baseline (the warm-up one is not counted).
    let mut open = 0u64;
    for &target in &requested {
        let mut n = target.min(bench.max_sessions.saturating_sub(1));
        if n < target {
            println!(
                "note: {target} sessions need {} open files here (2 per session); the limit is \
                 {fd_limit}, so measuring {n}",
                2 * target + 64
            );
        }
        // Stop short of exhausting the machine's memory: the three
        // processes' growth per session so far, with a margin.
        if open > 0 {
            let total = rss_bytes()?.saturating_sub(baseline)
                + (bench.client.rss() + bench.sink.rss()).saturating_sub(children_baseline);
            let per_session = total as f64 / open as f64 * 1.2;
            let available = mem_available().unwrap_or(0).saturating_sub(reserve) as f64;
            let fits = open + (available / per_session.max(1.0)) as u64 / 1000 * 1000;
            if fits < n {
                println!(
                    "note: {n} sessions need about {:.1} GiB more ({:.0} KiB per session for the \
                     server and its children, with a 20 % margin); {:.1} GiB are available beyond \
                     a 2 GiB reserve, so measuring {fits}",
                    (n - open) as f64 * per_session / f64::from(1u32 << 30),
                    per_session / 1024.0,
                    available / f64::from(1u32 << 30),
                );
                n = fits;
            }
        }
        if n <= open {
            continue;
        }
        let t0 = Instant::now();
        bench
            .client
            .command(&format!("sessions {}", n - open))
            .await?;
        open = n;
        wait_for_streams(&server, i64::try_from(open + 1)?).await?;
        let setup = t0.elapsed().as_secs_f64();
        // Let KCP acknowledgements and smux window updates finish.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let rss = rss_bytes()?;
        let grown = rss.saturating_sub(baseline);
        let heap = heap_in_use().saturating_sub(heap_baseline);
        println!(
            "idle sessions: {open:>6}  server RSS {:>7.1} MiB (+{:.1} MiB): {:.1} KiB per session \
             (heap allocated {:.1} KiB per session)",
            rss as f64 / 1048576.0,
            grown as f64 / 1048576.0,
            grown as f64 / open as f64 / 1024.0,
            heap as f64 / open as f64 / 1024.0
        );
        let cpu0 = cpu_seconds();
        let ws_bytes = |m: &snowflake_server::metrics::Metrics| {
            m.websocket_bytes_in.get() + m.websocket_bytes_out.get()
        };
        let bytes0 = ws_bytes(server.metrics());
        let children0 = (bench.client.cpu_seconds(), bench.sink.cpu_seconds());
        tokio::time::sleep(Duration::from_secs(10)).await;
        let idle_cpu = (cpu_seconds() - cpu0) / 10.0 * 100.0;
        let client_cpu = (bench.client.cpu_seconds() - children0.0) / 10.0 * 100.0;
        let sink_cpu = (bench.sink.cpu_seconds() - children0.1) / 10.0 * 100.0;
        let idle_bytes = ws_bytes(server.metrics()).saturating_sub(bytes0);
        let tor_connections: u64 = server.tor_instances().iter().map(|i| i.connections).sum();
        println!(
            "               server: {} open fds, {tor_connections} tor connections, {} streams \
             relayed, {} WebSocket connections; idle CPU {idle_cpu:.1} % over 10 s ({:.1} \
             WebSocket bytes/s per session: keepalives; RSS then {:.1} MiB); opened in \
             {setup:.0} s; children: client {:.0} MiB, {client_cpu:.0} % CPU, sink {:.0} MiB, \
             {sink_cpu:.0} % CPU",
            open_fds(),
            server.metrics().streams_active.get(),
            server.metrics().connections_active.get(),
            idle_bytes as f64 / 10.0 / open as f64,
            rss_bytes()? as f64 / 1048576.0,
            bench.client.rss() as f64 / 1048576.0,
            bench.sink.rss() as f64 / 1048576.0,
        );
    }
    if let Some((pairs, websocket, orport)) = stand_in.filter(|_| open > 0) {
        let heap = heap_in_use().saturating_sub(heap_baseline) as f64 / open as f64;
        let share = |bytes: f64| bytes / heap.max(1.0) * 100.0;
        // The ORPort connection carries a few bytes: its cost is the fixed
        // part of any connection (entry, task, empty pipes).
        let fixed = 2.0 * orport;
        let full = websocket + orport;
        println!(
            "stand-in estimate: the duplex pipes and multiplexer state of a session's two \
             connections take between {:.1} KiB of heap (the fixed part: entries, tasks, nearly \
             empty pipes; {:.0} % of the {:.1} KiB heap per session above) and {:.1} KiB (its \
             WebSocket pipes having held 1.4 KB packets: {:.1} KiB, ORPort {:.1} KiB; {:.0} %), \
             measured alone on {pairs} in-process connections each; tcp mode has kernel buffers \
             and socket state in their place",
            fixed / 1024.0,
            share(fixed),
            heap / 1024.0,
            full / 1024.0,
            websocket / 1024.0,
            orport / 1024.0,
            share(full),
        );
    }
    drop(bench);
    Ok(())
}
