//! Interop with the reference implementation: Debian's Go smux 1.5.16
//! (`golang-github-xtaci-smux-dev`) driven by interop/go-peer (mode smux),
//! over TCP on 127.0.0.1. Transfers are far larger than the 256 KiB initial
//! window, so they only complete if UPD frames work in both directions.
//!
//! Needs `go` (Debian golang-go) and the Debian smux and kcp-go packages
//! (the Go peer links both); the test fails (it does not skip) when they are
//! missing.

use std::io::ErrorKind;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use sha2::{Digest, Sha256};
use snowflake_common::smux::{Config, Session, SessionError, Stream};
use snowflake_testkit::go_build;
use snowflake_testkit::pattern::go_smux_pattern as pattern;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::time::timeout;

/// Hang guard only; debug builds on a shared machine can be slow.
const HANG_GUARD: Duration = Duration::from_secs(600);

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// The Go peer, built once per test run.
fn go_program() -> &'static Path {
    go_build::go_peer(Path::new(env!("CARGO_TARGET_TMPDIR")))
}

/// The Go echo server, killed when dropped.
struct GoServer {
    _child: Child,
    port: u16,
}

impl GoServer {
    async fn start() -> Self {
        let mut child = Command::new(go_program())
            .args(["smux", "server"])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start go-peer smux server");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        timeout(HANG_GUARD, BufReader::new(stdout).read_line(&mut line))
            .await
            .expect("Go server did not print its port")
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected Go server output {line:?}"));
        Self {
            _child: child,
            port,
        }
    }

    async fn session(&self) -> Session {
        let tcp = TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        Session::client(tcp, Config::snowflake_client()).unwrap()
    }
}

/// Sends `data` on the stream while reading the echo, then half-closes and
/// expects the Go side to close as well (EOF after the echo).
async fn echo_through(stream: Stream, data: Vec<u8>) {
    let expected = sha256(&data);
    let len = data.len();
    let (mut reader, mut writer) = tokio::io::split(stream);
    let write = async move {
        writer.write_all(&data).await.unwrap();
        writer
    };
    let read = async move {
        let mut echo = vec![0u8; len];
        reader.read_exact(&mut echo).await.unwrap();
        (reader, echo)
    };
    let (mut writer, (mut reader, echo)) = tokio::join!(write, read);
    assert_eq!(sha256(&echo), expected, "echo differs");
    // Our FIN ends Go's io.Copy; it then closes the stream: EOF for us.
    writer.shutdown().await.unwrap();
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_go_server_20mb_each_way_on_one_stream() {
    let server = GoServer::start().await;
    let session = server.session().await;
    let stream = session.open_stream().await.unwrap();
    assert_eq!(stream.id(), 3);
    timeout(HANG_GUARD, echo_through(stream, pattern(20_000_000, 11)))
        .await
        .expect("transfer hung");
    assert!(!session.is_closed(), "{:?}", session.close_reason());
    session.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_go_server_several_streams() {
    let server = GoServer::start().await;
    let session = server.session().await;
    let mut tasks = Vec::new();
    for i in 0..6u64 {
        let stream = session.open_stream().await.unwrap();
        tasks.push(tokio::spawn(echo_through(
            stream,
            pattern(2_000_000 + 1000 * i as usize, 20 + i),
        )));
    }
    for task in tasks {
        timeout(HANG_GUARD, task)
            .await
            .expect("transfer hung")
            .unwrap();
    }
    assert!(!session.is_closed(), "{:?}", session.close_reason());
}

/// Our server session echoing every stream of one TCP connection.
async fn rust_echo_server() -> (u16, tokio::task::JoinHandle<Session>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let session = Session::server(tcp, Config::snowflake_server()).unwrap();
        while let Ok(stream) = session.accept_stream().await {
            tokio::spawn(async move {
                let (mut reader, mut writer) = tokio::io::split(stream);
                // Ends when the Go client closes the stream (FIN).
                let _ = tokio::io::copy(&mut reader, &mut writer).await;
                let _ = writer.shutdown().await;
            });
        }
        session
    });
    (port, task)
}

async fn run_go_client(port: u16, bytes: usize, streams: u32) -> Vec<String> {
    let child = Command::new(go_program())
        .args(["smux", "client"])
        .arg(format!("127.0.0.1:{port}"))
        .arg(bytes.to_string())
        .arg(streams.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start go-peer smux client");
    let output = timeout(HANG_GUARD, child.wait_with_output())
        .await
        .expect("Go client hung")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "Go client failed: {}\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lines: Vec<String> = stdout.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_client_rust_server_20mb() {
    let (port, server) = rust_echo_server().await;
    let lines = run_go_client(port, 20_000_000, 1).await;
    let digest = hex::encode(sha256(&pattern(20_000_000, 1)));
    assert_eq!(lines, [format!("OK 3 {digest}")]);
    // The Go client closed the session: ours ends with the transport. The
    // Go process exits right after its close, so the kernel may turn the
    // close into a reset when our side still had bytes in flight (an
    // acknowledgement, a window update): either way the session must end
    // with the transport, not with a protocol error or a timeout.
    let session = timeout(HANG_GUARD, server).await.unwrap().unwrap();
    let reason = timeout(HANG_GUARD, session.closed()).await.unwrap();
    assert!(
        matches!(
            reason,
            SessionError::TransportClosed
                | SessionError::Transport {
                    kind: ErrorKind::ConnectionReset | ErrorKind::BrokenPipe,
                    ..
                }
        ),
        "the session ended with {reason:?}, not with its transport"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_client_rust_server_several_streams() {
    let (port, _server) = rust_echo_server().await;
    let lines = run_go_client(port, 3_000_000, 5).await;
    let mut expected: Vec<String> = (1..=5u64)
        .map(|seed| hex::encode(sha256(&pattern(3_000_000, seed))))
        .collect();
    expected.sort();
    let mut digests: Vec<String> = lines
        .iter()
        .map(|line| {
            let parts: Vec<&str> = line.split(' ').collect();
            assert_eq!(parts.len(), 3, "{line}");
            assert_eq!(parts[0], "OK", "{line}");
            let sid: u32 = parts[1].parse().unwrap();
            assert!(sid % 2 == 1 && (3..=11).contains(&sid), "{line}");
            parts[2].to_owned()
        })
        .collect();
    digests.sort();
    assert_eq!(digests, expected);
}
