//! A minimal Turbo Tunnel client for tests and benchmarks, built from
//! `snowflake-common` and the server's WebSocket adapter: WebSocket
//! connections to the server play the part of proxies, each carrying the
//! token, the ClientId and encapsulated packets
//! ([`encapsulated_packet_conn`]); KCP runs over all of them at once
//! ([`MultiPathConn`]); smux runs over KCP. It stands in for the real
//! client (in `client/`) where a test or benchmark drives the server
//! directly, without a broker or WebRTC.
//!
//! Paths can be added and removed while the session runs, which is what a
//! real client does when a proxy goes away, and several paths can be used
//! at once (striping).

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use snowflake_common::kcp::{self, KcpStream};
use snowflake_common::smux;
use snowflake_common::turbotunnel::{
    encapsulated_packet_conn, ChannelPacketConn, ClientId, PacketConn,
};
use snowflake_server::websocket::WsByteStream;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Opens a WebSocket to `url` (e.g. `ws://127.0.0.1:1234/?client_ip=…`)
/// over an established transport `io` (TCP, or TLS over TCP).
pub async fn websocket_over<S>(io: S, url: &str) -> io::Result<WsByteStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    websocket_over_with(io, url, None).await
}

/// [`websocket_over`] with tungstenite settings of the caller's (`None`:
/// tungstenite's defaults).
pub async fn websocket_over_with<S>(
    io: S,
    url: &str,
    config: Option<tokio_tungstenite::tungstenite::protocol::WebSocketConfig>,
) -> io::Result<WsByteStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let request = url
        .into_client_request()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let (ws, _response) = tokio_tungstenite::client_async_with_config(request, io, config)
        .await
        .map_err(|e| io::Error::new(io::ErrorKind::ConnectionRefused, e))?;
    Ok(WsByteStream::new(ws))
}

/// Opens a plain WebSocket to the server at `addr`, passing `client_ip`
/// (any text, as a proxy would) in the query when given.
pub async fn websocket(
    addr: SocketAddr,
    client_ip: Option<&str>,
) -> io::Result<WsByteStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let url = match client_ip {
        Some(ip) => format!("ws://{addr}/?client_ip={ip}"),
        None => format!("ws://{addr}/"),
    };
    websocket_over(tcp, &url).await
}

/// Packet counts of one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathStats {
    /// The path's id (from [`MultiPathConn::add_path`]).
    pub id: usize,
    /// Packets sent over it.
    pub sent: u64,
    /// Packets received from it.
    pub received: u64,
}

struct Path {
    id: usize,
    conn: Arc<ChannelPacketConn>,
    sent: AtomicU64,
    received: AtomicU64,
    forwarder: JoinHandle<()>,
}

/// A [`PacketConn`] over any number of byte-stream paths to the server:
/// packets go out round-robin over the paths present, and come in from all
/// of them. With no path, outgoing packets are dropped (KCP retransmits).
pub struct MultiPathConn {
    client_id: ClientId,
    paths: Mutex<Vec<Arc<Path>>>,
    /// Counts of removed paths, so statistics survive removal.
    removed: Mutex<Vec<PathStats>>,
    next_id: AtomicUsize,
    turn: AtomicUsize,
    incoming_tx: mpsc::Sender<Bytes>,
    incoming_rx: tokio::sync::Mutex<mpsc::Receiver<Bytes>>,
}

impl std::fmt::Debug for MultiPathConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultiPathConn")
            .field("client_id", &self.client_id)
            .field("paths", &self.stats())
            .finish_non_exhaustive()
    }
}

impl MultiPathConn {
    /// No paths yet, for client `client_id`.
    pub fn new(client_id: ClientId) -> Self {
        let (incoming_tx, incoming_rx) = mpsc::channel(1024);
        Self {
            client_id,
            paths: Mutex::new(Vec::new()),
            removed: Mutex::new(Vec::new()),
            next_id: AtomicUsize::new(0),
            turn: AtomicUsize::new(0),
            incoming_tx,
            incoming_rx: tokio::sync::Mutex::new(incoming_rx),
        }
    }

    /// Adds a path over `stream` (writes the preamble first) and returns
    /// its id.
    pub fn add_path<S>(&self, stream: S) -> usize
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(encapsulated_packet_conn(stream, Some(self.client_id)));
        let path = Arc::new_cyclic(|weak: &std::sync::Weak<Path>| {
            let weak = weak.clone();
            let conn_for_task = Arc::clone(&conn);
            let tx = self.incoming_tx.clone();
            let forwarder = tokio::spawn(async move {
                while let Ok(packet) = conn_for_task.recv().await {
                    if let Some(path) = weak.upgrade() {
                        path.received.fetch_add(1, Ordering::Relaxed);
                    }
                    if tx.send(packet).await.is_err() {
                        return;
                    }
                }
            });
            Path {
                id,
                conn,
                sent: AtomicU64::new(0),
                received: AtomicU64::new(0),
                forwarder,
            }
        });
        self.paths
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(path);
        id
    }

    /// Removes path `id`; its connection closes.
    pub fn remove_path(&self, id: usize) {
        let removed = {
            let mut paths = self.paths.lock().unwrap_or_else(PoisonError::into_inner);
            let index = paths.iter().position(|p| p.id == id);
            index.map(|i| paths.remove(i))
        };
        if let Some(path) = removed {
            path.forwarder.abort();
            self.removed
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(stats_of(&path));
        }
    }

    /// Counts of every path, present and removed, by id.
    pub fn stats(&self) -> Vec<PathStats> {
        let mut all: Vec<PathStats> = self
            .removed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        all.extend(
            self.paths
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .map(|p| stats_of(p)),
        );
        all.sort_by_key(|s| s.id);
        all
    }

    fn pick(&self) -> Option<Arc<Path>> {
        let paths = self.paths.lock().unwrap_or_else(PoisonError::into_inner);
        if paths.is_empty() {
            return None;
        }
        let turn = self.turn.fetch_add(1, Ordering::Relaxed);
        paths.get(turn % paths.len()).cloned()
    }
}

fn stats_of(path: &Path) -> PathStats {
    PathStats {
        id: path.id,
        sent: path.sent.load(Ordering::Relaxed),
        received: path.received.load(Ordering::Relaxed),
    }
}

impl PacketConn for MultiPathConn {
    async fn recv(&self) -> io::Result<Bytes> {
        self.incoming_rx
            .lock()
            .await
            .recv()
            .await
            .ok_or_else(|| io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
    }

    async fn send(&self, packet: Bytes) -> io::Result<()> {
        // Try each path at most once; a failed path is removed.
        let attempts = self
            .paths
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        for _ in 0..attempts {
            let Some(path) = self.pick() else { break };
            match path.conn.send(packet.clone()).await {
                Ok(()) => {
                    path.sent.fetch_add(1, Ordering::Relaxed);
                    return Ok(());
                }
                Err(_) => self.remove_path(path.id),
            }
        }
        Ok(())
    }
}

/// A client session: KCP over a [`MultiPathConn`], smux over KCP.
pub struct TunnelClient {
    client_id: ClientId,
    paths: Arc<MultiPathConn>,
    session: smux::Session,
}

impl std::fmt::Debug for TunnelClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TunnelClient")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl TunnelClient {
    /// Starts a session for `client_id` with no paths yet. Must be called
    /// within a tokio runtime.
    pub fn new(client_id: ClientId) -> Result<Self, smux::ConfigError> {
        let paths = Arc::new(MultiPathConn::new(client_id));
        let kcp: KcpStream = kcp::connect(Arc::clone(&paths));
        let session = smux::Session::client(kcp, smux::Config::snowflake_client())?;
        Ok(Self {
            client_id,
            paths,
            session,
        })
    }

    /// The session's ClientId.
    pub fn client_id(&self) -> ClientId {
        self.client_id
    }

    /// The paths of the session.
    pub fn paths(&self) -> &MultiPathConn {
        &self.paths
    }

    /// The smux session.
    pub fn session(&self) -> &smux::Session {
        &self.session
    }

    /// Opens a stream (what tor's SOCKS connection becomes).
    pub async fn open_stream(&self) -> Result<smux::Stream, smux::SessionError> {
        self.session.open_stream().await
    }
}

/// Connects to the server at `addr` as a proxy would for a client with
/// ClientId `client_id`, sends the preamble and `packets` (each
/// encapsulated) and closes the connection: what a flood of fresh
/// ClientIds costs the attacker per ClientId.
pub async fn send_packets_once(
    addr: SocketAddr,
    client_id: ClientId,
    packets: &[&[u8]],
) -> io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut ws = websocket(addr, None).await?;
    let mut out = bytes::BytesMut::new();
    out.extend_from_slice(&snowflake_common::turbotunnel::preamble(client_id));
    for packet in packets {
        snowflake_common::encapsulation::encode_data(packet, &mut out)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{e:?}")))?;
    }
    ws.write_all(&out).await?;
    ws.flush().await?;
    ws.shutdown().await
}

/// A client's first KCP packet: a PUSH with `sn` 0 of conversation `conv`
/// carrying `payload` (e.g. an smux SYN frame).
pub fn first_kcp_packet(conv: u32, payload: &[u8]) -> Vec<u8> {
    kcp_push_packet(conv, 0, payload)
}

/// A KCP packet holding one PUSH segment `sn` of conversation `conv` with
/// `payload`, advertising Snowflake's window.
pub fn kcp_push_packet(conv: u32, sn: u32, payload: &[u8]) -> Vec<u8> {
    use snowflake_common::kcp::segment::{SegmentHeader, CMD_PUSH};
    let mut packet = SegmentHeader {
        conv,
        cmd: CMD_PUSH,
        wnd: kcp::WINDOW,
        sn,
        len: u32::try_from(payload.len()).unwrap_or(u32::MAX),
        ..Default::default()
    }
    .to_bytes()
    .to_vec();
    packet.extend_from_slice(payload);
    packet
}

/// An smux v2 SYN frame opening stream `sid`.
pub fn smux_syn(sid: u32) -> [u8; 8] {
    let id = sid.to_le_bytes();
    [2, 0, 0, 0, id[0], id[1], id[2], id[3]]
}
