//! A SOCKS proxy for tests, standing in for the upstream proxy tor hands a
//! client transport (`TOR_PT_PROXY`): SOCKS5 (RFC 1928) with optional user
//! name/password authentication (RFC 1929), CONNECT and UDP ASSOCIATE, and
//! SOCKS4a CONNECT. It counts what it does, so a test can prove that
//! traffic went through it: connections, tunnels and their targets, UDP
//! associations and every datagram relayed each way.
//!
//! The UDP relay is one socket per association on the proxy's address:
//! the first datagram from the client's IP fixes the client's port; after
//! that, datagrams from that address are the client's (with the RFC 1928
//! header, forwarded to their destination) and all others are answers
//! (forwarded to the client with a header naming their source). The relay
//! ends when the control connection closes.

use std::collections::BTreeSet;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::JoinHandle;

/// What the proxy accepts.
#[derive(Debug, Clone, Default)]
pub struct SocksProxyOptions {
    /// Required SOCKS5 user name and password (and SOCKS4a USERID equal
    /// to the user name); `None` accepts anyone without authentication.
    pub credentials: Option<(String, String)>,
    /// Refuse UDP ASSOCIATE ("command not supported"), as many proxies do.
    pub refuse_udp: bool,
}

/// What the proxy has done.
#[derive(Debug, Default)]
pub struct SocksProxyStats {
    /// TCP connections accepted.
    pub connections: AtomicU64,
    /// Handshakes refused for bad or missing credentials.
    pub auth_failures: AtomicU64,
    /// CONNECT tunnels opened (SOCKS5 and SOCKS4a).
    pub tunnels: AtomicU64,
    /// UDP associations granted.
    pub associations: AtomicU64,
    /// UDP ASSOCIATE requests refused (with `refuse_udp`).
    pub udp_refused: AtomicU64,
    /// Datagrams relayed from the client to a destination.
    pub datagrams_out: AtomicU64,
    /// Datagrams relayed from a remote host to the client.
    pub datagrams_in: AtomicU64,
    tunnel_targets: Mutex<BTreeSet<String>>,
    datagram_targets: Mutex<BTreeSet<String>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SocksProxyStats {
    /// The `host:port` of every CONNECT tunnel, as asked.
    pub fn tunnel_targets(&self) -> BTreeSet<String> {
        lock(&self.tunnel_targets).clone()
    }

    /// The `host:port` every relayed datagram was sent to, as asked.
    pub fn datagram_targets(&self) -> BTreeSet<String> {
        lock(&self.datagram_targets).clone()
    }

    fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// A running proxy on 127.0.0.1. Stops when dropped.
#[derive(Debug)]
pub struct SocksProxy {
    addr: SocketAddr,
    stats: Arc<SocksProxyStats>,
    task: JoinHandle<()>,
}

impl SocksProxy {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start(options: SocksProxyOptions) -> io::Result<SocksProxy> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(SocksProxyStats::default());
        let for_task = Arc::clone(&stats);
        let options = Arc::new(options);
        let task = tokio::spawn(async move {
            let mut sessions = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        SocksProxyStats::count(&for_task.connections);
                        let stats = Arc::clone(&for_task);
                        let options = Arc::clone(&options);
                        sessions.spawn(async move {
                            if let Err(error) = serve(stream, &options, &stats).await {
                                tracing::debug!(%error, "test SOCKS proxy session ended");
                            }
                        });
                    }
                    Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
                }
            }
        });
        Ok(SocksProxy { addr, stats, task })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its counters.
    pub fn stats(&self) -> &SocksProxyStats {
        &self.stats
    }

    /// A `TOR_PT_PROXY` value for it: `scheme://[user:pass@]addr`.
    pub fn url(&self, scheme: &str, credentials: Option<(&str, &str)>) -> String {
        match credentials {
            Some((user, pass)) => format!("{scheme}://{user}:{pass}@{}", self.addr),
            None => format!("{scheme}://{}", self.addr),
        }
    }
}

impl Drop for SocksProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn protocol_error(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

async fn serve(
    mut stream: TcpStream,
    options: &SocksProxyOptions,
    stats: &SocksProxyStats,
) -> io::Result<()> {
    match stream.read_u8().await? {
        5 => serve_socks5(stream, options, stats).await,
        4 => serve_socks4a(stream, options, stats).await,
        other => Err(protocol_error(&format!("SOCKS version {other}"))),
    }
}

/// Reads a NUL-terminated field of at most 255 bytes.
async fn read_nul_terminated(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut field = Vec::new();
    loop {
        match stream.read_u8().await? {
            0 => return Ok(field),
            byte if field.len() < 255 => field.push(byte),
            _ => return Err(protocol_error("field too long")),
        }
    }
}

async fn resolve(host: &str, port: u16) -> io::Result<SocketAddr> {
    tokio::net::lookup_host((host, port))
        .await?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"))
}

async fn serve_socks4a(
    mut stream: TcpStream,
    options: &SocksProxyOptions,
    stats: &SocksProxyStats,
) -> io::Result<()> {
    let command = stream.read_u8().await?;
    let port = stream.read_u16().await?;
    let mut ip = [0u8; 4];
    stream.read_exact(&mut ip).await?;
    let user_id = read_nul_terminated(&mut stream).await?;
    let host = if ip[..3] == [0, 0, 0] && ip[3] != 0 {
        String::from_utf8_lossy(&read_nul_terminated(&mut stream).await?).into_owned()
    } else {
        Ipv4Addr::from(ip).to_string()
    };
    let allowed = match &options.credentials {
        Some((user, _)) => user_id == user.as_bytes(),
        None => true,
    };
    if !allowed {
        SocksProxyStats::count(&stats.auth_failures);
    }
    let target = match (command, allowed) {
        (1, true) => resolve(&host, port).await.ok(),
        _ => None,
    };
    let upstream = match target {
        Some(target) => TcpStream::connect(target).await.ok(),
        None => None,
    };
    let Some(mut upstream) = upstream else {
        stream.write_all(&[0, 0x5B, 0, 0, 0, 0, 0, 0]).await?;
        return Ok(());
    };
    // Counted before the reply, as below.
    SocksProxyStats::count(&stats.tunnels);
    lock(&stats.tunnel_targets).insert(format!("{host}:{port}"));
    stream.write_all(&[0, 0x5A, 0, 0, 0, 0, 0, 0]).await?;
    let _ = tokio::io::copy_bidirectional(&mut stream, &mut upstream).await;
    Ok(())
}

/// A SOCKS5 address: `ATYP ADDR PORT` read from `stream`.
async fn read_address(stream: &mut TcpStream) -> io::Result<(String, u16)> {
    let host = match stream.read_u8().await? {
        1 => {
            let mut ip = [0u8; 4];
            stream.read_exact(&mut ip).await?;
            Ipv4Addr::from(ip).to_string()
        }
        4 => {
            let mut ip = [0u8; 16];
            stream.read_exact(&mut ip).await?;
            Ipv6Addr::from(ip).to_string()
        }
        3 => {
            let len = stream.read_u8().await?;
            let mut name = vec![0u8; usize::from(len)];
            stream.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        other => return Err(protocol_error(&format!("address type {other}"))),
    };
    Ok((host, stream.read_u16().await?))
}

fn reply(code: u8, bound: SocketAddr) -> Vec<u8> {
    let mut out = vec![5, code, 0];
    match bound.ip() {
        IpAddr::V4(ip) => {
            out.push(1);
            out.extend_from_slice(&ip.octets());
        }
        IpAddr::V6(ip) => {
            out.push(4);
            out.extend_from_slice(&ip.octets());
        }
    }
    out.extend_from_slice(&bound.port().to_be_bytes());
    out
}

async fn serve_socks5(
    mut stream: TcpStream,
    options: &SocksProxyOptions,
    stats: &SocksProxyStats,
) -> io::Result<()> {
    let count = stream.read_u8().await?;
    let mut methods = vec![0u8; usize::from(count)];
    stream.read_exact(&mut methods).await?;
    let wanted = if options.credentials.is_some() { 2 } else { 0 };
    if !methods.contains(&wanted) {
        SocksProxyStats::count(&stats.auth_failures);
        stream.write_all(&[5, 0xFF]).await?;
        return Ok(());
    }
    stream.write_all(&[5, wanted]).await?;
    if let Some((user, pass)) = &options.credentials {
        if stream.read_u8().await? != 1 {
            return Err(protocol_error("authentication version"));
        }
        let len = stream.read_u8().await?;
        let mut got_user = vec![0u8; usize::from(len)];
        stream.read_exact(&mut got_user).await?;
        let len = stream.read_u8().await?;
        let mut got_pass = vec![0u8; usize::from(len)];
        stream.read_exact(&mut got_pass).await?;
        if got_user != user.as_bytes() || got_pass != pass.as_bytes() {
            SocksProxyStats::count(&stats.auth_failures);
            stream.write_all(&[1, 1]).await?;
            return Ok(());
        }
        stream.write_all(&[1, 0]).await?;
    }
    let mut head = [0u8; 3];
    stream.read_exact(&mut head).await?;
    if head[0] != 5 {
        return Err(protocol_error("request version"));
    }
    let (host, port) = read_address(&mut stream).await?;
    let unspecified = SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0));
    match head[1] {
        1 => {
            let upstream = match resolve(&host, port).await {
                Ok(target) => TcpStream::connect(target).await.ok(),
                Err(_) => None,
            };
            let Some(mut upstream) = upstream else {
                stream.write_all(&reply(5, unspecified)).await?;
                return Ok(());
            };
            // Counted before the reply, so that whoever has seen the reply
            // (the client, and through it the test) also sees the count.
            SocksProxyStats::count(&stats.tunnels);
            lock(&stats.tunnel_targets).insert(format!("{host}:{port}"));
            stream.write_all(&reply(0, upstream.local_addr()?)).await?;
            let _ = tokio::io::copy_bidirectional(&mut stream, &mut upstream).await;
            Ok(())
        }
        3 if options.refuse_udp => {
            SocksProxyStats::count(&stats.udp_refused);
            stream.write_all(&reply(7, unspecified)).await?;
            Ok(())
        }
        3 => {
            let client_ip = stream.peer_addr()?.ip();
            let relay = UdpSocket::bind((stream.local_addr()?.ip(), 0)).await?;
            // Likewise.
            SocksProxyStats::count(&stats.associations);
            stream.write_all(&reply(0, relay.local_addr()?)).await?;
            relay_datagrams(stream, relay, client_ip, stats).await
        }
        _ => {
            stream.write_all(&reply(7, unspecified)).await?;
            Ok(())
        }
    }
}

/// The destination and payload of a client datagram (RFC 1928 §7).
fn parse_client_datagram(datagram: &[u8]) -> Option<((String, u16), &[u8])> {
    let (header, rest) = datagram.split_at_checked(4)?;
    if header[2] != 0 {
        return None; // fragments are not supported
    }
    let (host, rest) = match header[3] {
        1 => {
            let (ip, rest) = rest.split_at_checked(4)?;
            (
                Ipv4Addr::from(<[u8; 4]>::try_from(ip).ok()?).to_string(),
                rest,
            )
        }
        4 => {
            let (ip, rest) = rest.split_at_checked(16)?;
            (
                Ipv6Addr::from(<[u8; 16]>::try_from(ip).ok()?).to_string(),
                rest,
            )
        }
        3 => {
            let (len, rest) = rest.split_first()?;
            let (name, rest) = rest.split_at_checked(usize::from(*len))?;
            (String::from_utf8_lossy(name).into_owned(), rest)
        }
        _ => return None,
    };
    let (port, payload) = rest.split_at_checked(2)?;
    Some(((host, u16::from_be_bytes([port[0], port[1]])), payload))
}

async fn relay_datagrams(
    mut control: TcpStream,
    relay: UdpSocket,
    client_ip: IpAddr,
    stats: &SocksProxyStats,
) -> io::Result<()> {
    let mut client: Option<SocketAddr> = None;
    let mut buffer = vec![0u8; 65536];
    let mut scratch = [0u8; 64];
    loop {
        tokio::select! {
            read = control.read(&mut scratch) => {
                if matches!(read, Ok(0) | Err(_)) {
                    return Ok(());
                }
            }
            received = relay.recv_from(&mut buffer) => {
                let (len, from) = received?;
                let datagram = &buffer[..len];
                let from_client = match client {
                    Some(client) => from == client,
                    None => from.ip() == client_ip,
                };
                if from_client {
                    client = Some(from);
                    let Some(((host, port), payload)) = parse_client_datagram(datagram) else {
                        continue;
                    };
                    let Ok(target) = resolve(&host, port).await else { continue };
                    if relay.send_to(payload, target).await.is_ok() {
                        SocksProxyStats::count(&stats.datagrams_out);
                        lock(&stats.datagram_targets).insert(format!("{host}:{port}"));
                    }
                } else if let Some(client) = client {
                    let mut wrapped = reply(0, from);
                    wrapped[..3].copy_from_slice(&[0, 0, 0]);
                    wrapped.extend_from_slice(datagram);
                    if relay.send_to(&wrapped, client).await.is_ok() {
                        SocksProxyStats::count(&stats.datagrams_in);
                    }
                }
            }
        }
    }
}
