//! Pieces shared by the private-network tests (`tor_network.rs`,
//! `multi_tor_bridge.rs`): the workspace's programs, our broker set up for
//! one bridge on 127.0.0.1, an HTTP download through tor's SocksPort, and
//! small helpers for test data and logs.

#![allow(dead_code)]

use std::future::Future;
use std::net::{SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use snowflake_broker::bridges::BridgeList;
use snowflake_broker::poll_interval::PollIntervals;
use snowflake_broker::{Broker, BrokerConfig, BrokerHandle};
use snowflake_testkit::tor_network::socks5_connect_noauth;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The relay pattern of these tests: exactly 127.0.0.1.
pub const LOOPBACK_PATTERN: &str = "^127.0.0.1$";

/// A program of this workspace, from the target directory this test was
/// built into (or `$SNOWFLAKE_BIN_DIR`).
pub fn workspace_binary(name: &str) -> PathBuf {
    let dir = match std::env::var_os("SNOWFLAKE_BIN_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let exe = std::env::current_exe().expect("test executable path");
            // target/<profile>/deps/<test> -> target/<profile>
            exe.parent()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
                .expect("target directory")
        }
    };
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} not found; build it first: cargo build --release -p {name} \
         (or set SNOWFLAKE_BIN_DIR)",
        path.display()
    );
    path
}

/// A free TCP port on 127.0.0.1 (released again for the program that will
/// listen there).
pub fn free_loopback_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
}

/// The last `lines` lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The last `lines` lines of a log file (empty if it cannot be read).
pub fn file_tail(path: &Path, lines: usize) -> String {
    tail(&std::fs::read_to_string(path).unwrap_or_default(), lines)
}

/// Deterministic pseudo-random bytes.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut data = vec![0u8; len];
    StdRng::seed_from_u64(seed).fill(&mut data[..]);
    data
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Our broker on 127.0.0.1 knowing one bridge, `fingerprint` at
/// `relay_url`, with 1 s poll intervals.
pub async fn start_broker(relay_url: &str, fingerprint: &str) -> BrokerHandle {
    let bridges = BridgeList::parse(&format!(
        r#"{{"displayName":"private tor network", "webSocketAddress":"{relay_url}", "fingerprint":"{fingerprint}"}}"#
    ))
    .expect("bridge list");
    Broker::start(BrokerConfig {
        bridges,
        allowed_relay_pattern: LOOPBACK_PATTERN.to_string(),
        poll_intervals: PollIntervals {
            unrestricted: Duration::from_secs(1),
            restricted: Duration::from_secs(1),
        },
        client_timeout: Duration::from_secs(30),
        unsafe_logging: true,
        ..BrokerConfig::default()
    })
    .await
    .expect("broker starts")
}

/// Fetches `path` from the HTTP server `web` through tor's SocksPort with
/// HTTP/1.0 (the server closes after the body). After every read, calls
/// `progress` with the body bytes received so far and awaits the future it
/// returns (a test may pause the download there).
pub async fn download<F, P>(
    socks: SocketAddr,
    web: SocketAddrV4,
    path: &str,
    mut progress: P,
) -> std::io::Result<Vec<u8>>
where
    P: FnMut(usize) -> F,
    F: Future<Output = ()>,
{
    let mut stream = socks5_connect_noauth(socks, web).await?;
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {web}\r\n\r\n").as_bytes())
        .await?;
    let mut received = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let header_end = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::Error::other("connection closed in the headers"));
        }
        received.extend_from_slice(&buf[..n]);
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        if received.len() > 16 * 1024 {
            return Err(std::io::Error::other("headers too long"));
        }
    };
    let head = String::from_utf8_lossy(&received[..header_end]).to_string();
    if !head.starts_with("HTTP/1.0 200") {
        return Err(std::io::Error::other(format!("bad response: {head:?}")));
    }
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no Content-Length: {head:?}")))?;
    let mut body = received.split_off(header_end);
    progress(body.len()).await;
    while body.len() < length {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::Error::other(format!(
                "connection closed after {} of {length} bytes",
                body.len()
            )));
        }
        body.extend_from_slice(&buf[..n]);
        progress(body.len()).await;
    }
    Ok(body)
}
