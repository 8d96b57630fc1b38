//! The WebSocket side of the server (§7.1, §7.3): accepting proxy connections,
//! TLS and the WebSocket upgrade, then each connection's read and write
//! loops, which move encapsulated packets between the byte stream and the
//! client's queues.
//!
//! The loops are thin drivers of the sans-IO [`Deframer`] and [`Framer`];
//! which queues a connection feeds is decided in [`crate::client_demux`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::{FutureExt, SinkExt, StreamExt};
use snowflake_common::encapsulation::{Deframer, Framer};
use snowflake_common::fd_limit::AcceptBackoff;
use snowflake_common::turbotunnel::{ClientId, OutgoingQueue, QueuePacketConn};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;

use crate::client_demux::{read_client_id, Attached};
use crate::message_deadline::{MessageClock, Watched};
use crate::metrics::{Metrics, RejectReason};
use crate::shared::Shared;
use crate::websocket::{client_ip_from_query, server_config, WsReader};

/// Largest encapsulated packet read from a client. KCP packets are at most
/// 1400 bytes; up to this size a longer one is dropped (and counted) by the
/// queue, as upstream truncates it; a chunk longer than this ends the
/// connection, since no KCP peer sends one and buffering it would be
/// pointless.
pub const MAX_ENCAPSULATED_PACKET: usize = 2048;

/// Bytes of packets coalesced into one outgoing WebSocket message.
const MAX_WRITE_MESSAGE: usize = 16 * 1024;

/// Accepts TCP connections on `listener` until the server is gone, one task
/// each, within the connection limit.
pub(crate) async fn accept_connections(listener: TcpListener, shared: Weak<Shared>) {
    let mut backoff = AcceptBackoff::new();
    loop {
        let accepted = listener.accept().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        match accepted {
            Ok((tcp, _peer)) => {
                backoff.accepted();
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::debug!("TCP_NODELAY: {e}");
                }
                admit(&shared, tcp);
            }
            Err(e) => {
                // Usually EMFILE: wait instead of spinning, log once in a while.
                drop(shared);
                backoff.after_error("WebSocket", &e).await;
            }
        }
    }
}

/// Counts a new connection (a listener's, or one handed to
/// [`Server::serve_stream`](crate::Server::serve_stream)) and, within the
/// connection limit, serves it on a task of its own; returns `false` when
/// the limit refused it (`io` is then dropped).
pub(crate) fn admit<S>(shared: &Arc<Shared>, io: S) -> bool
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    shared.metrics.connections_total.inc();
    let Ok(permit) = Arc::clone(&shared.connection_slots).try_acquire_owned() else {
        shared.metrics.reject(RejectReason::ConnectionLimit);
        tracing::debug!("connection limit reached; closing a new connection");
        return false;
    };
    let weak = Arc::downgrade(shared);
    shared.spawn(serve_connection(io, weak, permit));
    true
}

/// One connection from start to end: TLS when configured, then
/// [`serve_websocket`].
async fn serve_connection<S>(io: S, shared: Weak<Shared>, _permit: OwnedSemaphorePermit)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let Some(shared) = shared.upgrade() else {
        return;
    };
    let handshake = shared.config.timeouts.handshake;
    let deadline = Instant::now() + handshake;
    // Each branch is boxed so that a connection's task holds only the
    // state of its own kind: TLS state is ~8 KiB, which plain connections
    // should not carry.
    match &shared.tls {
        Some((_, acceptor)) => {
            let acceptor = acceptor.clone();
            let handshake = Box::pin(tokio::time::timeout_at(deadline, acceptor.accept(io)));
            match handshake.await {
                Ok(Ok(stream)) => Box::pin(serve_websocket(stream, shared, deadline)).await,
                Ok(Err(e)) => {
                    shared.metrics.reject(RejectReason::Handshake);
                    tracing::debug!("TLS handshake failed: {e}");
                }
                Err(_) => {
                    shared.metrics.reject(RejectReason::Handshake);
                    tracing::debug!("TLS handshake timed out");
                }
            }
        }
        None => Box::pin(serve_websocket(io, shared, deadline)).await,
    }
}

/// Tracks the last time a connection carried a message, in milliseconds
/// since it started.
struct Activity {
    start: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.fetch_max(ms, Ordering::Relaxed);
    }

    /// Resolves once nothing happened for `idle`.
    async fn idle_for(&self, idle: Duration) {
        loop {
            let last = self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            let due = last + idle;
            if Instant::now() >= due {
                return;
            }
            tokio::time::sleep_until(due).await;
        }
    }
}

/// Why a WebSocket connection's data loops ended.
enum ConnectionEnd {
    ClientClosed,
    QueueExpired,
    Idle,
    MessageTimeout,
    Failed(String),
    Shutdown,
}

impl std::fmt::Display for ConnectionEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ClientClosed => f.write_str("closed by the proxy"),
            Self::QueueExpired => f.write_str("client queue expired"),
            Self::Idle => f.write_str("idle timeout"),
            Self::MessageTimeout => f.write_str("a message stayed incomplete too long"),
            Self::Failed(e) => write!(f, "failed: {e}"),
            Self::Shutdown => f.write_str("server shutting down"),
        }
    }
}

async fn serve_websocket<S>(io: S, shared: Arc<Shared>, deadline: Instant)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut query: Option<String> = None;
    let ws_config = server_config(shared.config.limits.max_message_size);
    // The error type is tungstenite's `Callback` signature, not ours.
    #[allow(clippy::result_large_err)]
    let callback = |request: &Request, response: Response| {
        query = request.uri().query().map(str::to_owned);
        Ok(response)
    };
    let clock = MessageClock::new();
    let io = Watched::new(io, Arc::clone(&clock));
    let upgrade = tokio_tungstenite::accept_hdr_async_with_config(io, callback, Some(ws_config));
    let ws = match tokio::time::timeout_at(deadline, upgrade).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => {
            shared.metrics.reject(RejectReason::Handshake);
            tracing::debug!("WebSocket handshake failed: {e}");
            return;
        }
        Err(_) => {
            shared.metrics.reject(RejectReason::Handshake);
            tracing::debug!("WebSocket handshake timed out");
            return;
        }
    };
    let client_ip = client_ip_from_query(query.as_deref());
    // The upgrade request is complete; from here on every message counts.
    clock.message_completed();
    let (mut sink, messages) = ws.split();
    let mut reader = WsReader::new(messages.inspect(|_| clock.message_completed()));
    let Some(client_id) = read_client_id(&mut reader, deadline, &shared.metrics).await else {
        return;
    };
    let Some(Attached { conn, outgoing }) =
        shared.demux.attach(client_id, client_ip, &shared.metrics)
    else {
        return;
    };
    tracing::debug!(%client_id, client_ip = ?client_ip, "WebSocket connection carries client");
    shared.metrics.connections_active.inc();
    let activity = Activity::new();
    let idle = shared.config.timeouts.idle;
    let end = tokio::select! {
        end = read_packets(&mut reader, client_id, &conn, &activity, &shared.metrics) => end,
        end = write_packets(&mut sink, &outgoing, &activity, idle, &shared.metrics) => end,
        () = activity.idle_for(idle) => ConnectionEnd::Idle,
        () = clock.overdue(shared.config.timeouts.message) => {
            shared.metrics.reject(RejectReason::MessageTimeout);
            ConnectionEnd::MessageTimeout
        }
        () = shared.cancel.cancelled() => ConnectionEnd::Shutdown,
    };
    shared.metrics.connections_active.dec();
    tracing::debug!(%client_id, "WebSocket connection ended: {end}");
    // Say goodbye if the peer is still there; never wait long for it.
    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
}

/// Decapsulates the client's byte stream into packets for its shard.
async fn read_packets<St>(
    reader: &mut WsReader<St>,
    client_id: ClientId,
    conn: &QueuePacketConn,
    activity: &Activity,
    metrics: &Metrics,
) -> ConnectionEnd
where
    St: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let mut deframer = Deframer::new(MAX_ENCAPSULATED_PACKET);
    loop {
        let chunk = match reader.next_chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => {
                return match deframer.finish() {
                    Ok(()) => ConnectionEnd::ClientClosed,
                    Err(e) => ConnectionEnd::Failed(e.to_string()),
                }
            }
            Err(e) => return ConnectionEnd::Failed(e.to_string()),
        };
        activity.touch();
        metrics.websocket_bytes_in.inc_by(chunk.len() as u64);
        deframer.push(&chunk);
        loop {
            match deframer.next_packet() {
                Ok(Some(packet)) => {
                    conn.queue_incoming(client_id, packet);
                }
                Ok(None) => break,
                Err(e) => return ConnectionEnd::Failed(e.to_string()),
            }
        }
    }
}

/// Sends the client's queued packets, several per message when more are
/// waiting.
async fn write_packets<Si>(
    sink: &mut Si,
    outgoing: &OutgoingQueue,
    activity: &Activity,
    idle: Duration,
    metrics: &Metrics,
) -> ConnectionEnd
where
    Si: futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    let mut framer = Framer::new(MAX_WRITE_MESSAGE);
    loop {
        let Some(first) = outgoing.recv().await else {
            return ConnectionEnd::QueueExpired;
        };
        // KCP never queues a packet too long to encapsulate; should one
        // come, it is left out and the packets framed before it still go.
        if let Err(e) = framer.push_batch(&first, || outgoing.recv().now_or_never().flatten()) {
            tracing::debug!(client_id = %outgoing.client_id(), "{e}");
        }
        let message = framer.take();
        let len = message.len() as u64;
        match tokio::time::timeout(idle, sink.send(Message::Binary(message))).await {
            Ok(Ok(())) => {
                activity.touch();
                metrics.websocket_bytes_out.inc_by(len);
            }
            Ok(Err(e)) => return ConnectionEnd::Failed(e.to_string()),
            Err(_) => return ConnectionEnd::Failed("write stalled".to_owned()),
        }
    }
}
