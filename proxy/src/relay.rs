//! The relay side of a client (docs/protocol.md §6.2, §6.3): resolve and
//! check the relay's addresses, open the WebSocket, then copy bytes between
//! the client's data channel and the WebSocket until either ends. A `wss`
//! relay gets Chrome's ClientHello with ALPN http/1.1 only, as a browser's
//! WebSocket connection ([`crate::tls::websocket`]).
//!
//! For a client without the datagram channel the proxy never looks inside
//! the byte stream. For one with it, the proxy follows the stream frame by
//! frame to merge the client's datagrams into it and to send the server's
//! packets back as datagrams ([`crate::datagram_relay`]). Memory per client is
//! bounded in both directions: toward the relay we read at most
//! [`COPY_BUFFER`] bytes from the data channel and wait for each WebSocket
//! send; toward the client each WebSocket message (at most
//! [`MAX_RELAY_MESSAGE`] bytes) is written into the data channel's bounded
//! byte stream before the next one is read, so a slow client makes the
//! relay's TCP window close.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use snowflake_rtc::{DatagramChannel, DatagramLink, RtcChannel};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::datagram_relay::{frame_for_stream, Downstream, DownstreamSplitter, UpstreamMerger};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use url::Url;

use crate::relay_policy::{RelayPolicy, RelayTarget, RelayUrlError};
use crate::stats::ProxyStats;
use crate::tls::TlsConnector;

/// Bytes read from the data channel per WebSocket message.
pub const COPY_BUFFER: usize = 16 * 1024;

/// Largest WebSocket message accepted from a relay. Servers send one
/// encapsulated packet (≈1.4 KB) or a few per message; a bigger message
/// ends the client rather than growing memory.
pub const MAX_RELAY_MESSAGE: usize = 256 * 1024;

/// Time allowed for DNS, TCP, TLS and the WebSocket handshake together.
pub const RELAY_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// How long the closing handshake toward the relay may take.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the relay could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The URL or an address is refused by the policy.
    #[error(transparent)]
    Refused(#[from] RelayUrlError),
    /// DNS failed.
    #[error("resolving the relay host: {0}")]
    Resolve(io::Error),
    /// TCP or TLS failed.
    #[error("connecting to the relay: {0}")]
    Connect(io::Error),
    /// The WebSocket handshake failed.
    #[error("WebSocket handshake with the relay: {0}")]
    Handshake(String),
    /// Everything together took too long.
    #[error("connecting to the relay timed out")]
    Timeout,
}

/// Anything the WebSocket can run over (TCP, or TLS over TCP).
pub trait RelayIo: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> RelayIo for T {}

/// An open WebSocket to a relay.
pub type RelaySocket = WebSocketStream<Box<dyn RelayIo>>;

/// The addresses to dial for `target`, every one of them allowed by
/// `policy`: the literal IP, or everything the hostname resolves to.
pub async fn resolve(
    policy: &RelayPolicy,
    target: &RelayTarget,
) -> Result<Vec<SocketAddr>, RelayError> {
    let addrs: Vec<SocketAddr> = match target.literal_ip {
        Some(ip) => vec![SocketAddr::new(ip, target.port)],
        None => {
            let lookup = tokio::net::lookup_host((target.host.as_str(), target.port));
            let mut addrs: Vec<SocketAddr> = tokio::time::timeout(RELAY_CONNECT_TIMEOUT, lookup)
                .await
                .map_err(|_| RelayError::Timeout)?
                .map_err(RelayError::Resolve)?
                .collect();
            addrs.sort();
            addrs.dedup();
            addrs
        }
    };
    policy.check_resolved(&addrs)?;
    Ok(addrs)
}

/// The WebSocket settings toward relays: bounded messages and frames, a
/// small read buffer, writes sent at once.
fn websocket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(4 * MAX_RELAY_MESSAGE)
        .max_message_size(Some(MAX_RELAY_MESSAGE))
        .max_frame_size(Some(MAX_RELAY_MESSAGE))
}

/// Opens the WebSocket for `url` (the relay URL with `client_ip`) to one of
/// `addrs` (already checked), trying them in order.
pub async fn connect(
    target: &RelayTarget,
    addrs: &[SocketAddr],
    url: &Url,
) -> Result<RelaySocket, RelayError> {
    connect_with_tls(target, addrs, url, None).await
}

/// [`connect`] with the TLS client of a `wss` relay given (tests with their
/// own certificate authority); `None` is the process-wide Chrome hello
/// with ALPN http/1.1 only. The connector should offer http/1.1 only: the
/// WebSocket handshake is HTTP/1.1.
pub async fn connect_with_tls(
    target: &RelayTarget,
    addrs: &[SocketAddr],
    url: &Url,
    tls: Option<&TlsConnector>,
) -> Result<RelaySocket, RelayError> {
    tokio::time::timeout(
        RELAY_CONNECT_TIMEOUT,
        connect_inner(target, addrs, url, tls),
    )
    .await
    .map_err(|_| RelayError::Timeout)?
}

async fn connect_inner(
    target: &RelayTarget,
    addrs: &[SocketAddr],
    url: &Url,
    tls: Option<&TlsConnector>,
) -> Result<RelaySocket, RelayError> {
    let mut last_error = io::Error::new(io::ErrorKind::NotFound, "no address to connect to");
    let mut tcp = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                tcp = Some(stream);
                break;
            }
            Err(e) => last_error = e,
        }
    }
    let tcp = tcp.ok_or(RelayError::Connect(last_error))?;
    let _ = tcp.set_nodelay(true);
    let io: Box<dyn RelayIo> = if target.tls {
        let connector = match tls {
            Some(connector) => connector.clone(),
            None => crate::tls::websocket().map_err(RelayError::Connect)?,
        };
        Box::new(
            connector
                .connect(&target.host, tcp)
                .await
                .map_err(RelayError::Connect)?,
        )
    } else {
        Box::new(tcp)
    };
    let request = url
        .as_str()
        .into_client_request()
        .map_err(|e| RelayError::Handshake(e.to_string()))?;
    let (socket, _response) =
        tokio_tungstenite::client_async_with_config(request, io, Some(websocket_config()))
            .await
            .map_err(|e| RelayError::Handshake(e.to_string()))?;
    Ok(socket)
}

/// How a relayed client ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayEnd {
    /// The client closed its data channel (or it died).
    ClientClosed,
    /// The relay closed the WebSocket (or it failed).
    RelayClosed,
    /// Nothing came from the relay for the inactivity timeout.
    RelayInactive,
    /// The proxy is shutting down.
    Stopped,
}

/// Copies bytes both ways between `channel` and `socket` until one side
/// ends, the relay is silent for `inactivity`, or `stop` resolves; then
/// closes both sides.
pub async fn run(
    mut channel: RtcChannel,
    socket: RelaySocket,
    stats: &ProxyStats,
    inactivity: Duration,
    stop: impl std::future::Future<Output = ()>,
) -> RelayEnd {
    if let Some(link) = channel.take_datagrams() {
        return run_with_datagrams(channel, link, socket, stats, inactivity, stop).await;
    }
    run_stream(channel, socket, stats, inactivity, stop).await
}

/// [`run`] for a client without the datagram channel: bytes both ways,
/// untouched.
async fn run_stream(
    channel: RtcChannel,
    mut socket: RelaySocket,
    stats: &ProxyStats,
    inactivity: Duration,
    stop: impl std::future::Future<Output = ()>,
) -> RelayEnd {
    let (mut from_client, mut to_client) = tokio::io::split(channel);
    let end = {
        let (mut ws_out, mut ws_in) = (&mut socket).split();
        let upstream = async {
            let mut buffer = vec![0u8; COPY_BUFFER];
            loop {
                let n = match from_client.read(&mut buffer).await {
                    Ok(0) | Err(_) => return RelayEnd::ClientClosed,
                    Ok(n) => n,
                };
                let chunk = Bytes::copy_from_slice(buffer.get(..n).unwrap_or_default());
                if ws_out.send(Message::Binary(chunk)).await.is_err() {
                    return RelayEnd::RelayClosed;
                }
                stats.bytes_from_clients.inc_by(n as u64);
            }
        };
        let downstream = async {
            loop {
                let data = match next_relay_bytes(&mut ws_in, inactivity).await {
                    Ok(data) => data,
                    Err(end) => return end,
                };
                if to_client.write_all(&data).await.is_err() {
                    return RelayEnd::ClientClosed;
                }
                stats.bytes_to_clients.inc_by(data.len() as u64);
            }
        };
        tokio::select! {
            end = upstream => end,
            end = downstream => end,
            () = stop => RelayEnd::Stopped,
        }
    };
    // Close both sides: the WebSocket with a close frame (bounded wait), the
    // data channel by shutting its write side (which closes the channel and
    // the peer connection once written bytes are delivered).
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, socket.close(None)).await;
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, to_client.shutdown()).await;
    end
}

/// Where the datagram channel stands, shared by the two directions.
#[derive(Default)]
struct DatagramState {
    /// The channel, once open.
    channel: std::sync::Mutex<Option<DatagramChannel>>,
    /// The client has sent a datagram: packets toward it go there too.
    client_switched: AtomicBool,
}

impl DatagramState {
    fn open_channel(&self) -> Option<DatagramChannel> {
        self.channel
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set_channel(&self, channel: Option<DatagramChannel>) {
        *self
            .channel
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = channel;
    }
}

/// [`run`] for a client offered the datagram channel: both of the
/// client's channels are merged into the relay's stream, and packets from
/// the relay go out as datagrams once the client uses them
/// ([`crate::datagram_relay`]).
async fn run_with_datagrams(
    channel: RtcChannel,
    link: DatagramLink,
    mut socket: RelaySocket,
    stats: &ProxyStats,
    inactivity: Duration,
    stop: impl std::future::Future<Output = ()>,
) -> RelayEnd {
    let (mut from_client, mut to_client) = tokio::io::split(channel);
    let state = DatagramState::default();
    let end = {
        let (mut ws_out, mut ws_in) = (&mut socket).split();
        let upstream = async {
            let mut merger = UpstreamMerger::new();
            let mut buffer = vec![0u8; COPY_BUFFER];
            let mut scratch = Vec::new();
            let mut link = std::pin::pin!(link.opened());
            let mut link_done = false;
            let mut datagrams: Option<DatagramChannel> = None;
            loop {
                let from_stream;
                tokio::select! {
                    read = from_client.read(&mut buffer) => {
                        let n = match read {
                            Ok(0) | Err(_) => return RelayEnd::ClientClosed,
                            Ok(n) => n,
                        };
                        if let Err(error) = merger.push_stream(buffer.get(..n).unwrap_or_default()) {
                            tracing::debug!(%error, "client stream");
                            return RelayEnd::ClientClosed;
                        }
                        from_stream = n;
                    }
                    opened = &mut link, if !link_done => {
                        link_done = true;
                        datagrams = opened;
                        state.set_channel(datagrams.clone());
                        continue;
                    }
                    received = receive(datagrams.as_ref(), &mut scratch) => {
                        match received {
                            Some(packet) => {
                                if merger.push_datagram(&packet)
                                    && !state.client_switched.swap(true, Ordering::Relaxed)
                                {
                                    stats.datagram_clients.inc();
                                }
                                stats.bytes_from_clients.inc_by(packet.len() as u64);
                            }
                            None => {
                                // The datagram channel closed: the stream
                                // carries on alone.
                                datagrams = None;
                                state.set_channel(None);
                                state.client_switched.store(false, Ordering::Relaxed);
                            }
                        }
                        from_stream = 0;
                    }
                }
                if let Some(out) = merger.take_output() {
                    if ws_out.send(Message::Binary(out)).await.is_err() {
                        return RelayEnd::RelayClosed;
                    }
                }
                stats.bytes_from_clients.inc_by(from_stream as u64);
            }
        };
        let downstream = async {
            let mut splitter = DownstreamSplitter::new();
            let mut framed = BytesMut::new();
            let mut outputs = Vec::new();
            loop {
                let data = match next_relay_bytes(&mut ws_in, inactivity).await {
                    Ok(data) => data,
                    Err(end) => return end,
                };
                let length = data.len() as u64;
                outputs.clear();
                let switched = state.client_switched.load(Ordering::Relaxed);
                splitter.push(data, switched, &mut outputs);
                if splitter.is_broken() {
                    tracing::debug!("relay stream is not encapsulated after the switch");
                    return RelayEnd::RelayClosed;
                }
                let datagrams = if splitter.is_switched() {
                    state.open_channel()
                } else {
                    None
                };
                for output in outputs.drain(..) {
                    match output {
                        Downstream::Raw(raw) => framed.extend_from_slice(&raw),
                        Downstream::Packet(packet) => match &datagrams {
                            // Waits while the client's channel is full, so
                            // the relay's TCP window closes as on the stream.
                            Some(channel) => {
                                if channel.send(packet.clone()).await.is_err() {
                                    frame_for_stream(&packet, &mut framed);
                                }
                            }
                            None => frame_for_stream(&packet, &mut framed),
                        },
                    }
                }
                if !framed.is_empty() {
                    if to_client.write_all(&framed).await.is_err() {
                        return RelayEnd::ClientClosed;
                    }
                    framed.clear();
                }
                stats.bytes_to_clients.inc_by(length);
            }
        };
        tokio::select! {
            end = upstream => end,
            end = downstream => end,
            () = stop => RelayEnd::Stopped,
        }
    };
    if let Some(datagrams) = state.open_channel() {
        datagrams.close().await;
    }
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, socket.close(None)).await;
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, to_client.shutdown()).await;
    end
}

/// The next datagram from `channel`, or never when there is none; `None`
/// when it closed.
async fn receive(channel: Option<&DatagramChannel>, scratch: &mut Vec<u8>) -> Option<Bytes> {
    match channel {
        Some(channel) => channel.recv(scratch).await.ok().flatten(),
        None => std::future::pending().await,
    }
}

/// The next message's bytes from the relay, skipping control frames; the
/// way the relay ended otherwise (silent for `inactivity`, closed, failed).
async fn next_relay_bytes<S>(ws_in: &mut S, inactivity: Duration) -> Result<Bytes, RelayEnd>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let message = match tokio::time::timeout(inactivity, ws_in.next()).await {
            Err(_) => return Err(RelayEnd::RelayInactive),
            Ok(None) | Ok(Some(Err(_))) => return Err(RelayEnd::RelayClosed),
            Ok(Some(Ok(message))) => message,
        };
        match message {
            Message::Binary(data) => return Ok(data),
            Message::Text(text) => return Ok(Bytes::from(text)),
            Message::Close(_) => return Err(RelayEnd::RelayClosed),
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
        }
    }
}
