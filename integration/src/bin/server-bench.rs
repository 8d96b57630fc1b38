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

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use snowflake_common::turbotunnel::ClientId;
use snowflake_server::{Server, ServerConfig, TorTarget};
use snowflake_testkit::tunnel_client::{websocket_over, TunnelClient};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, ChildStdin, Command};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const CHUNK: usize = 64 * 1024;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match args.get(1).map(String::as_str) {
        Some("sink") => runtime.block_on(sink()),
        Some("client") => {
            let addr = args
                .get(2)
                .ok_or("client needs the server address")?
                .parse()?;
            runtime.block_on(client(addr))
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

async fn sink_connection(mut stream: TcpStream) -> Result<(), BoxError> {
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
    Ok(websocket_over(tcp, &format!("ws://{addr}/?client_ip=192.0.2.1")).await?)
}

async fn session(
    addr: SocketAddr,
    index: u64,
) -> Result<(TunnelClient, snowflake_common::smux::Stream), BoxError> {
    let client = TunnelClient::new(ClientId::random())?;
    client.paths().add_path(websocket_from(addr, index).await?);
    let stream = client.open_stream().await?;
    Ok((client, stream))
}

fn header(command: u8, len: u64) -> [u8; 9] {
    let mut h = [0u8; 9];
    h[0] = command;
    h[1..].copy_from_slice(&len.to_be_bytes());
    h
}

/// Reads commands on stdin (`upload N`, `download N`, `sessions N`) and
/// answers `done` on stdout after each.
async fn client(addr: SocketAddr) -> Result<(), BoxError> {
    let mut idle = Vec::new();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        let mut words = line.split_whitespace();
        let command = words.next().unwrap_or_default();
        let n: u64 = words.next().unwrap_or("0").parse()?;
        match command {
            "upload" => {
                let (_client, mut stream) = session(addr, 0).await?;
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
                let (_client, mut stream) = session(addr, 0).await?;
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
                let mut opened = 0;
                while opened < n || !set.is_empty() {
                    while opened < n && set.len() < 64 {
                        let index = idle.len() as u64 + set.len() as u64;
                        set.spawn(async move {
                            let (client, mut stream) = session(addr, index).await?;
                            stream.write_all(&header(b'I', 0)).await?;
                            Ok::<_, BoxError>((client, stream))
                        });
                        opened += 1;
                    }
                    if let Some(joined) = set.join_next().await {
                        idle.push(joined??);
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
    fn spawn(args: &[&str]) -> Result<Self, BoxError> {
        let mut child = Command::new(std::env::current_exe()?)
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

fn rss_bytes() -> Result<u64, BoxError> {
    let status = std::fs::read_to_string("/proc/self/status")?;
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
    // Each session holds a WebSocket and an ORPort connection here.
    let max_sessions = fd_limit.saturating_sub(64) / 2;

    let mut sink = Helper::spawn(&["sink"])?;
    let first = sink.line().await?;
    let sink_addr: SocketAddr = first
        .strip_prefix("listening ")
        .ok_or("sink did not start")?
        .parse()?;
    let mut config = ServerConfig::new(TorTarget::OrPort(sink_addr));
    // A large bridge's settings: room for the sessions asked for, and the
    // ORPort connections spread over 256 source addresses.
    let most = requested.iter().copied().max().unwrap_or(0);
    let room = usize::try_from(most.saturating_mul(2)).unwrap_or(usize::MAX);
    config.limits.max_sessions = config.limits.max_sessions.max(room);
    config.limits.max_connections = config.limits.max_connections.max(room);
    config.orport_srcaddr = Some("127.0.1.0/24".parse()?);
    let server = Arc::new(Server::new(config)?);
    let addr = server.listen("127.0.0.1:0".parse()?).await?;
    let mut client = Helper::spawn(&["client", &addr.to_string()])?;
    println!("server-bench: server {addr}, sink {sink_addr}, open-file limit {fd_limit}");

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
    // Sessions opened after the baseline (the warm-up one is not counted).
    let mut open = 0u64;
    for &target in &requested {
        let n = target.min(max_sessions.saturating_sub(1));
        if n < target {
            println!(
                "note: {target} sessions need {} open files here (2 per session); the limit is \
                 {fd_limit}, so measuring {n}",
                2 * target + 64
            );
        }
        if n <= open {
            continue;
        }
        client.command(&format!("sessions {}", n - open)).await?;
        open = n;
        wait_for_streams(&server, i64::try_from(open + 1)?).await?;
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
    }
    drop(client);
    drop(sink);
    Ok(())
}
