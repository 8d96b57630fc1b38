//! An HTTP `CONNECT` proxy for tests, standing in for the `http://`
//! upstream proxy tor hands a client transport (`TOR_PT_PROXY`, from
//! tor's `HTTPSProxy`): optional Basic authentication (407 without the
//! right `Proxy-Authorization`), one tunnel per connection, and counters
//! a test can check (connections, tunnels and their targets, refusals).

use std::collections::BTreeSet;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The most bytes of request head read.
const MAX_HEAD: usize = 16 * 1024;

/// What the proxy has done.
#[derive(Debug, Default)]
pub struct HttpConnectStats {
    /// TCP connections accepted.
    pub connections: AtomicU64,
    /// Requests answered 407.
    pub auth_failures: AtomicU64,
    /// Tunnels opened.
    pub tunnels: AtomicU64,
    targets: Mutex<BTreeSet<String>>,
}

impl HttpConnectStats {
    /// The `host:port` of every tunnel opened, as asked.
    pub fn targets(&self) -> BTreeSet<String> {
        self.targets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A running proxy on 127.0.0.1. Stops when dropped.
#[derive(Debug)]
pub struct HttpConnectProxy {
    addr: SocketAddr,
    stats: Arc<HttpConnectStats>,
    task: JoinHandle<()>,
}

impl HttpConnectProxy {
    /// Listens on a free port of 127.0.0.1, requiring `credentials` (user
    /// name, password) if given.
    pub async fn start(credentials: Option<(String, String)>) -> io::Result<HttpConnectProxy> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(HttpConnectStats::default());
        let for_task = Arc::clone(&stats);
        let expected = Arc::new(credentials.map(|(user, pass)| {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            format!("Basic {token}")
        }));
        let task = tokio::spawn(async move {
            let mut sessions = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        for_task.connections.fetch_add(1, Ordering::Relaxed);
                        let stats = Arc::clone(&for_task);
                        let expected = Arc::clone(&expected);
                        sessions.spawn(async move {
                            if let Err(error) = serve(stream, expected.as_deref(), &stats).await {
                                tracing::debug!(%error, "test HTTP proxy session ended");
                            }
                        });
                    }
                    Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
                }
            }
        });
        Ok(HttpConnectProxy { addr, stats, task })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its counters.
    pub fn stats(&self) -> &HttpConnectStats {
        &self.stats
    }

    /// A `TOR_PT_PROXY` value for it: `http://[user:pass@]addr`.
    pub fn url(&self, credentials: Option<(&str, &str)>) -> String {
        match credentials {
            Some((user, pass)) => format!("http://{user}:{pass}@{}", self.addr),
            None => format!("http://{}", self.addr),
        }
    }
}

impl Drop for HttpConnectProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut stream: TcpStream,
    expected: Option<&str>,
    stats: &HttpConnectStats,
) -> io::Result<()> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    let end = loop {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buffer[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if head.len() > MAX_HEAD {
            stream
                .write_all(b"HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n")
                .await?;
            return Ok(());
        }
    };
    let text = String::from_utf8_lossy(&head[..end]).into_owned();
    let early = head[end + 4..].to_vec();
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (method, authority) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    if method != "CONNECT" {
        stream
            .write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
            .await?;
        return Ok(());
    }
    let authorization = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("proxy-authorization")
            .then(|| value.trim().to_string())
    });
    if let Some(expected) = expected {
        if authorization.as_deref() != Some(expected) {
            stats.auth_failures.fetch_add(1, Ordering::Relaxed);
            stream
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                      Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n",
                )
                .await?;
            return Ok(());
        }
    }
    let target = match tokio::net::lookup_host(authority).await {
        Ok(mut addresses) => addresses.next(),
        Err(_) => None,
    };
    let upstream = match target {
        Some(target) => TcpStream::connect(target).await.ok(),
        None => None,
    };
    let Some(mut upstream) = upstream else {
        stream
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
            .await?;
        return Ok(());
    };
    stream
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await?;
    stats.tunnels.fetch_add(1, Ordering::Relaxed);
    stats
        .targets
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(authority.to_string());
    upstream.write_all(&early).await?;
    let _ = tokio::io::copy_bidirectional(&mut stream, &mut upstream).await;
    Ok(())
}
