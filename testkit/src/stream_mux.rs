//! Many byte streams over one: a small multiplexer for benchmarks and
//! tests that need more connections between two processes than file
//! descriptors allow (`server-bench`'s memory transport carries 100,000
//! WebSocket connections over one Unix socket this way).
//!
//! Each virtual connection appears to the program as one end of a
//! [`tokio::io::duplex`] pair ([`DUPLEX_BUFFER`] bytes each way); a task
//! per connection moves bytes between the other end and the shared
//! socket.
//!
//! Wire format (integers big-endian): every frame is a type byte and a
//! `u32` connection id, then
//!
//! * `OPEN` (1): nothing; the sender opened connection `id`. The side that
//!   started the link ([`Side::First`]) uses odd ids, the other even ones,
//!   so that both can open connections.
//! * `DATA` (2): a `u32` length (1 to [`MAX_DATA`]) and that many bytes.
//! * `CREDIT` (3): a `u32` count: the receiver of `DATA` handed that many
//!   bytes to its program, so the sender may send that many more.
//! * `FIN` (4): nothing; the sender's program will write no more (its
//!   peer reads the end of the stream after the data).
//! * `CLOSE` (5): nothing; the sender's program is gone: send nothing
//!   more.
//!
//! Flow control keeps every queue bounded: each direction of each
//! connection may have at most [`WINDOW`] bytes sent and not yet credited,
//! so a receiver never holds more than that per connection; the frames
//! waiting for the socket are a bounded channel. A frame that breaks these
//! rules, or an unknown one, ends the link, as does the socket's end; the
//! link's end reads as the end of stream on every connection.
//!
//! The socket's reader never waits for a connection's program, only for
//! the socket and for the queue of accepted connections (like a
//! listener's backlog: the program must keep accepting), so one slow
//! connection does not hold up the others.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::FutureExt;
use tokio::io::{
    AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, BufWriter, DuplexStream,
    ReadHalf, WriteHalf,
};
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;

/// Bytes each direction of a connection's duplex pipe holds.
pub const DUPLEX_BUFFER: usize = 16 * 1024;
/// Bytes a direction may have in flight (sent, not yet credited).
pub const WINDOW: usize = 256 * 1024;
/// Largest `DATA` payload.
pub const MAX_DATA: usize = 32 * 1024;
/// Buffer an idle connection waits for its program's bytes with; a full
/// read is followed by reads into a frame-sized buffer.
const SMALL_READ: usize = 512;
/// Frames waiting for the socket.
const FRAME_QUEUE: usize = 1024;
/// Connections opened by the peer and not yet accepted.
const ACCEPT_QUEUE: usize = 1024;
/// Buffers of the socket's reader and writer.
const SOCKET_BUFFER: usize = 64 * 1024;

const OPEN: u8 = 1;
const DATA: u8 = 2;
const CREDIT: u8 = 3;
const FIN: u8 = 4;
const CLOSE: u8 = 5;

/// Which end of the link this is; decides the parity of the ids it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Opens odd ids.
    First,
    /// Opens even ids.
    Second,
}

impl Side {
    fn first_id(self) -> u64 {
        match self {
            Self::First => 1,
            Self::Second => 2,
        }
    }

    /// Whether `id` is one this side opens.
    fn owns(self, id: u32) -> bool {
        (id % 2 == 1) == (self == Self::First)
    }
}

enum Frame {
    Open(u32),
    Data(u32, Bytes),
    Credit(u32, u32),
    Fin(u32),
    Close(u32),
}

/// What the socket's reader and a connection's task share.
#[derive(Default)]
struct ConnState {
    /// Bytes received, not yet handed to the program.
    inbox: VecDeque<Bytes>,
    queued: usize,
    /// Bytes this side may still send.
    credit: usize,
    /// The peer will send no more.
    fin: bool,
    /// The peer is gone (or the link): send no more either.
    closed: bool,
}

struct Conn {
    state: Mutex<ConnState>,
    inbox_ready: Notify,
    credit_ready: Notify,
}

impl Conn {
    fn new() -> Self {
        Self {
            state: Mutex::new(ConnState {
                credit: WINDOW,
                ..ConnState::default()
            }),
            inbox_ready: Notify::new(),
            credit_ready: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, ConnState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues received bytes; `false` when the peer overran the window.
    fn push(&self, data: Bytes) -> bool {
        let mut state = self.lock();
        if state.queued.saturating_add(data.len()) > WINDOW {
            return false;
        }
        state.queued += data.len();
        state.inbox.push_back(data);
        drop(state);
        self.inbox_ready.notify_one();
        true
    }

    /// Adds credit; `false` when the peer granted more than was sent.
    fn grant(&self, n: u32) -> bool {
        let mut state = self.lock();
        let credit = usize::try_from(n)
            .ok()
            .and_then(|n| state.credit.checked_add(n));
        match credit {
            Some(credit) if credit <= WINDOW => state.credit = credit,
            _ => return false,
        }
        drop(state);
        self.credit_ready.notify_one();
        true
    }

    fn finish(&self) {
        self.lock().fin = true;
        self.inbox_ready.notify_one();
    }

    fn close(&self) {
        self.lock().closed = true;
        self.inbox_ready.notify_one();
        self.credit_ready.notify_one();
    }

    /// The next received bytes, or `None` at the end of the stream.
    async fn next_inbound(&self) -> Option<Bytes> {
        loop {
            {
                let mut state = self.lock();
                if let Some(data) = state.inbox.pop_front() {
                    state.queued -= data.len();
                    if state.inbox.is_empty() && state.inbox.capacity() > 8 {
                        state.inbox = VecDeque::new();
                    }
                    return Some(data);
                }
                if state.fin || state.closed {
                    return None;
                }
            }
            self.inbox_ready.notified().await;
        }
    }

    /// Waits for credit; `None` once the peer is gone.
    async fn wait_credit(&self) -> Option<usize> {
        loop {
            {
                let state = self.lock();
                if state.closed {
                    return None;
                }
                if state.credit > 0 {
                    return Some(state.credit);
                }
            }
            self.credit_ready.notified().await;
        }
    }

    fn inbox_empty(&self) -> bool {
        self.lock().inbox.is_empty()
    }

    fn spend(&self, n: usize) {
        let mut state = self.lock();
        state.credit = state.credit.saturating_sub(n);
    }
}

#[derive(Default)]
struct Table {
    conns: HashMap<u32, Arc<Conn>>,
    /// The link ended: no connection can be added.
    dead: bool,
}

struct Link {
    side: Side,
    table: Mutex<Table>,
    frames: mpsc::Sender<Frame>,
    next_id: AtomicU64,
}

impl Link {
    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, id: u32) -> Option<Arc<Conn>> {
        self.lock().conns.get(&id).cloned()
    }

    /// Ends every connection (the link is gone).
    fn shut(&self) {
        let conns: Vec<Arc<Conn>> = {
            let mut table = self.lock();
            table.dead = true;
            table.conns.values().cloned().collect()
        };
        for conn in conns {
            conn.close();
        }
    }
}

fn broken(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, format!("stream mux: {what}"))
}

fn protocol(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("stream mux: {what}"))
}

/// One end of a link carrying many byte streams over one socket.
/// Dropping it ends the link and every connection on it.
pub struct StreamMux {
    link: Arc<Link>,
    accepted: tokio::sync::Mutex<mpsc::Receiver<DuplexStream>>,
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

impl std::fmt::Debug for StreamMux {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamMux")
            .field("side", &self.link.side)
            .field("connections", &self.connections())
            .finish_non_exhaustive()
    }
}

impl StreamMux {
    /// Runs the link over `socket` (its two ends must be given different
    /// [`Side`]s). Must be called within a tokio runtime.
    pub fn new<S>(socket: S, side: Side) -> Self
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (read, write) = tokio::io::split(socket);
        let (frames_tx, frames_rx) = mpsc::channel(FRAME_QUEUE);
        let (accept_tx, accept_rx) = mpsc::channel(ACCEPT_QUEUE);
        let link = Arc::new(Link {
            side,
            table: Mutex::new(Table::default()),
            frames: frames_tx,
            next_id: AtomicU64::new(side.first_id()),
        });
        let reader = tokio::spawn({
            let link = Arc::clone(&link);
            async move {
                let reader = BufReader::with_capacity(SOCKET_BUFFER, read);
                if let Err(e) = read_link(&link, reader, &accept_tx).await {
                    tracing::warn!("{e}");
                }
                link.shut();
            }
        });
        let writer = tokio::spawn({
            let link = Arc::clone(&link);
            async move {
                let writer = BufWriter::with_capacity(SOCKET_BUFFER, write);
                if let Err(e) = write_link(frames_rx, writer).await {
                    tracing::debug!("stream mux: writing: {e}");
                }
                link.shut();
            }
        });
        Self {
            link,
            accepted: tokio::sync::Mutex::new(accept_rx),
            reader,
            writer,
        }
    }

    /// Opens a connection to the other end, which receives it from
    /// [`accept`](Self::accept).
    pub async fn open(&self) -> io::Result<DuplexStream> {
        let id = self.link.next_id.fetch_add(2, Ordering::Relaxed);
        let id = u32::try_from(id).map_err(|_| broken("connection ids used up"))?;
        let (program, inner) = tokio::io::duplex(DUPLEX_BUFFER);
        let conn = Arc::new(Conn::new());
        {
            let mut table = self.link.lock();
            if table.dead {
                return Err(broken("link closed"));
            }
            table.conns.insert(id, Arc::clone(&conn));
        }
        if self.link.frames.send(Frame::Open(id)).await.is_err() {
            self.link.lock().conns.remove(&id);
            return Err(broken("link closed"));
        }
        tokio::spawn(run_conn(Arc::clone(&self.link), id, conn, inner));
        Ok(program)
    }

    /// The next connection the other end opened; `None` once the link
    /// ended.
    pub async fn accept(&self) -> Option<DuplexStream> {
        self.accepted.lock().await.recv().await
    }

    /// Connections open now.
    pub fn connections(&self) -> usize {
        self.link.lock().conns.len()
    }
}

impl Drop for StreamMux {
    fn drop(&mut self) {
        self.reader.abort();
        self.writer.abort();
        self.link.shut();
    }
}

/// Moves one connection's bytes until both directions ended.
async fn run_conn(link: Arc<Link>, id: u32, conn: Arc<Conn>, inner: DuplexStream) {
    let (read, write) = tokio::io::split(inner);
    tokio::join!(
        outbound(&link, id, &conn, read),
        inbound(&link, id, &conn, write)
    );
    link.lock().conns.remove(&id);
}

/// The program's bytes to the socket, as credit allows.
async fn outbound(link: &Link, id: u32, conn: &Conn, mut read: ReadHalf<DuplexStream>) {
    let mut small = [0u8; SMALL_READ];
    loop {
        let Some(credit) = conn.wait_credit().await else {
            return;
        };
        let want = credit.min(SMALL_READ);
        let n = match read.read(&mut small[..want]).await {
            Ok(0) | Err(_) => {
                let _ = link.frames.send(Frame::Fin(id)).await;
                return;
            }
            Ok(n) => n,
        };
        let data = if n < want || credit <= n {
            Bytes::copy_from_slice(&small[..n])
        } else {
            // A full small read: more is probably waiting; take what is
            // ready, up to a frame.
            let limit = credit.min(MAX_DATA);
            let mut big = BytesMut::with_capacity(limit);
            big.extend_from_slice(&small[..n]);
            while big.len() < limit {
                let room = limit - big.len();
                let mut limited = (&mut big).limit(room);
                match read.read_buf(&mut limited).now_or_never() {
                    Some(Ok(got)) if got > 0 => {}
                    // Not ready, the end or an error: the next read sees it.
                    _ => break,
                }
            }
            big.freeze()
        };
        conn.spend(data.len());
        if link.frames.send(Frame::Data(id, data)).await.is_err() {
            return;
        }
    }
}

/// The peer's bytes to the program, crediting them once the program's
/// pipe took them: when nothing more is queued, or a quarter of the window
/// is owed.
async fn inbound(link: &Link, id: u32, conn: &Conn, mut write: WriteHalf<DuplexStream>) {
    let mut owed = 0usize;
    while let Some(data) = conn.next_inbound().await {
        if write.write_all(&data).await.is_err() {
            // The program is gone.
            conn.close();
            let _ = link.frames.send(Frame::Close(id)).await;
            return;
        }
        owed += data.len();
        if owed >= WINDOW / 4 || conn.inbox_empty() {
            let credit = u32::try_from(owed).unwrap_or(u32::MAX);
            if link.frames.send(Frame::Credit(id, credit)).await.is_err() {
                return;
            }
            owed = 0;
        }
    }
    let _ = write.shutdown().await;
}

async fn read_u32<R: AsyncRead + Unpin>(reader: &mut R) -> io::Result<u32> {
    let mut bytes = [0u8; 4];
    reader.read_exact(&mut bytes).await?;
    Ok(u32::from_be_bytes(bytes))
}

/// Reads frames until the socket's end (`Ok`) or a bad frame (`Err`).
async fn read_link<R: AsyncRead + Unpin>(
    link: &Arc<Link>,
    mut reader: BufReader<R>,
    accepted: &mpsc::Sender<DuplexStream>,
) -> io::Result<()> {
    loop {
        let mut kind = [0u8; 1];
        match reader.read_exact(&mut kind).await {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let id = read_u32(&mut reader).await?;
        match kind[0] {
            OPEN => {
                if id == 0 || link.side.owns(id) {
                    return Err(protocol(format!("peer opened id {id} of ours")));
                }
                let (program, inner) = tokio::io::duplex(DUPLEX_BUFFER);
                let conn = Arc::new(Conn::new());
                if link.lock().conns.insert(id, Arc::clone(&conn)).is_some() {
                    return Err(protocol(format!("id {id} opened twice")));
                }
                tokio::spawn(run_conn(Arc::clone(link), id, conn, inner));
                // Nobody accepting: the dropped end closes the connection.
                let _ = accepted.send(program).await;
            }
            DATA => {
                let len = usize::try_from(read_u32(&mut reader).await?).unwrap_or(usize::MAX);
                if len == 0 || len > MAX_DATA {
                    return Err(protocol(format!("DATA of {len} bytes")));
                }
                let mut data = vec![0u8; len];
                reader.read_exact(&mut data).await?;
                // Data for a connection that ended is dropped.
                if let Some(conn) = link.get(id) {
                    if !conn.push(Bytes::from(data)) {
                        return Err(protocol(format!("id {id} overran its window")));
                    }
                }
            }
            CREDIT => {
                let n = read_u32(&mut reader).await?;
                if let Some(conn) = link.get(id) {
                    if !conn.grant(n) {
                        return Err(protocol(format!("id {id} got credit beyond its window")));
                    }
                }
            }
            FIN => {
                if let Some(conn) = link.get(id) {
                    conn.finish();
                }
            }
            CLOSE => {
                if let Some(conn) = link.get(id) {
                    conn.close();
                }
            }
            other => return Err(protocol(format!("unknown frame type {other}"))),
        }
    }
}

/// Writes queued frames, flushing when the queue is empty.
async fn write_link<W: AsyncWrite + Unpin>(
    mut frames: mpsc::Receiver<Frame>,
    mut writer: BufWriter<W>,
) -> io::Result<()> {
    while let Some(frame) = frames.recv().await {
        encode(&mut writer, frame).await?;
        while let Ok(frame) = frames.try_recv() {
            encode(&mut writer, frame).await?;
        }
        writer.flush().await?;
    }
    Ok(())
}

async fn encode<W: AsyncWrite + Unpin>(writer: &mut BufWriter<W>, frame: Frame) -> io::Result<()> {
    let (kind, id) = match &frame {
        Frame::Open(id) => (OPEN, *id),
        Frame::Data(id, _) => (DATA, *id),
        Frame::Credit(id, _) => (CREDIT, *id),
        Frame::Fin(id) => (FIN, *id),
        Frame::Close(id) => (CLOSE, *id),
    };
    let mut header = [0u8; 9];
    header[0] = kind;
    header[1..5].copy_from_slice(&id.to_be_bytes());
    match frame {
        Frame::Data(_, data) => {
            let len = u32::try_from(data.len()).map_err(|_| broken("oversized frame"))?;
            header[5..].copy_from_slice(&len.to_be_bytes());
            writer.write_all(&header).await?;
            writer.write_all(&data).await
        }
        Frame::Credit(_, n) => {
            header[5..].copy_from_slice(&n.to_be_bytes());
            writer.write_all(&header).await
        }
        Frame::Open(_) | Frame::Fin(_) | Frame::Close(_) => writer.write_all(&header[..5]).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (StreamMux, StreamMux) {
        let (a, b) = tokio::io::duplex(8 * 1024);
        (
            StreamMux::new(a, Side::First),
            StreamMux::new(b, Side::Second),
        )
    }

    #[tokio::test]
    async fn many_connections_carry_their_own_bytes_both_ways() {
        let (a, b) = pair();
        let b = Arc::new(b);
        let server = tokio::spawn({
            let b = Arc::clone(&b);
            async move {
                // Echo every connection, each on a task.
                while let Some(conn) = b.accept().await {
                    tokio::spawn(async move {
                        let (mut reader, mut writer) = tokio::io::split(conn);
                        let _ = tokio::io::copy(&mut reader, &mut writer).await;
                        let _ = writer.shutdown().await;
                    });
                }
            }
        });
        let mut clients = Vec::new();
        for i in 0..50u32 {
            let conn = a.open().await.expect("open");
            clients.push(tokio::spawn(async move {
                // More than a window, so that credit must flow.
                let data: Vec<u8> = (0..600_000u32)
                    .map(|j| (j.wrapping_mul(31).wrapping_add(i)) as u8)
                    .collect();
                let (mut r, mut w) = tokio::io::split(conn);
                let sent = data.clone();
                let writer = tokio::spawn(async move {
                    w.write_all(&sent).await.expect("write");
                    w.shutdown().await.expect("shutdown");
                });
                let mut back = Vec::new();
                r.read_to_end(&mut back).await.expect("read");
                writer.await.expect("join");
                assert_eq!(back, data, "connection {i}");
            }));
        }
        for client in clients {
            client.await.expect("join");
        }
        // Every connection ended on both sides.
        for _ in 0..100 {
            if a.connections() == 0 && b.connections() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!((a.connections(), b.connections()), (0, 0));
        drop(a);
        // The link's end ends the accept loop.
        tokio::time::timeout(std::time::Duration::from_secs(10), server)
            .await
            .expect("accept ends")
            .expect("join");
    }

    #[tokio::test]
    async fn the_links_end_ends_every_connection() {
        let (a, b) = pair();
        let mut conn = a.open().await.expect("open");
        let mut peer = b.accept().await.expect("accept");
        conn.write_all(b"x").await.expect("write");
        let mut one = [0u8; 1];
        peer.read_exact(&mut one).await.expect("read");
        drop(b);
        let mut rest = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            conn.read_to_end(&mut rest),
        )
        .await
        .expect("end of stream")
        .expect("read");
        assert!(rest.is_empty());
        assert!(a.open().await.is_err(), "no connection on an ended link");
    }
}
