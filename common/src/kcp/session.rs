//! Tokio driver around [`KcpCore`]: one task per conversation moves packets
//! between the core and a packet transport and runs the core's timer;
//! [`KcpStream`] exposes the reliable byte stream as `AsyncRead +
//! AsyncWrite`.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

use super::budget::MemoryBudget;
use super::core::KcpCore;
use crate::driver::{lock_unpoisoned, poll_steps, store_waker, wake, DeadlineTimer, Step};
use crate::turbotunnel::PacketConn;

/// Incoming packets taken per driver step before they are processed
/// together (one flush decision, one wakeup of the reader).
const INPUT_BATCH: usize = 128;
/// Driver steps per poll before yielding to other tasks.
const DRIVER_BUDGET: usize = 16;
/// Outgoing packets waiting for a slow transport above which the driver
/// stops flushing (no new data, no retransmissions) until it drains.
const OUTPUT_HIGH_WATER: usize = 1024;
/// Hard bound on outgoing packets waiting for the transport; beyond it
/// packets are dropped (KCP retransmits). One flush produces at most about
/// `SEND_QUEUE_LIMIT` + ACK packets, so this is not reached in practice.
const OUTPUT_QUEUE_LIMIT: usize = 8192;

/// Why a KCP stream stopped working.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KcpError {
    /// The packet connection under the session failed or closed.
    #[error("KCP packet connection failed: {message}")]
    PacketConn {
        /// The transport error's kind.
        kind: io::ErrorKind,
        /// Its text.
        message: String,
    },
    /// The client started a new conversation under the same ClientId
    /// (server side, §2.4).
    #[error("KCP session replaced by a new conversation from the same client")]
    Replaced,
    /// The listener that owned the session was dropped (server side).
    #[error("KCP listener closed")]
    ListenerClosed,
    /// The stream was closed locally.
    #[error("KCP session closed")]
    Closed,
    /// The listener ended the session to make room for a new client: it
    /// had not been marked established, or had received nothing for a long
    /// time (server side).
    #[error("KCP session evicted to make room for another client")]
    Evicted,
}

impl KcpError {
    fn from_io(err: &io::Error) -> Self {
        Self::PacketConn {
            kind: err.kind(),
            message: err.to_string(),
        }
    }
}

impl From<KcpError> for io::Error {
    fn from(err: KcpError) -> Self {
        let kind = match &err {
            KcpError::PacketConn { kind, .. } => *kind,
            KcpError::Replaced => io::ErrorKind::ConnectionReset,
            KcpError::ListenerClosed => io::ErrorKind::ConnectionAborted,
            KcpError::Closed => io::ErrorKind::NotConnected,
            KcpError::Evicted => io::ErrorKind::ConnectionAborted,
        };
        io::Error::new(kind, err)
    }
}

/// The packet transport of one conversation, as the driver sees it.
pub(crate) trait SessionIo: Send + Unpin + 'static {
    /// The next incoming packet; an error ends the session.
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Bytes>>;
    /// Takes an outgoing packet without waiting (queues or drops it).
    fn queue(&mut self, packet: Bytes);
    /// Sends queued packets: `Ready(Ok)` once all are handed over.
    fn poll_send(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    /// Packets queued and not yet handed over.
    fn backlog(&self) -> usize;
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// [`SessionIo`] over any [`PacketConn`] (the client side).
pub(crate) struct PacketConnIo<P> {
    conn: Arc<P>,
    recv: Option<BoxFuture<io::Result<Bytes>>>,
    send: Option<BoxFuture<io::Result<()>>>,
    queue: VecDeque<Bytes>,
    dropped: u64,
}

impl<P: PacketConn> PacketConnIo<P> {
    pub(crate) fn new(conn: P) -> Self {
        Self {
            conn: Arc::new(conn),
            recv: None,
            send: None,
            queue: VecDeque::new(),
            dropped: 0,
        }
    }
}

impl<P: PacketConn> SessionIo for PacketConnIo<P> {
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Bytes>> {
        let conn = &self.conn;
        let fut = self.recv.get_or_insert_with(|| {
            let conn = Arc::clone(conn);
            Box::pin(async move { conn.recv().await })
        });
        let result = std::task::ready!(fut.as_mut().poll(cx));
        self.recv = None;
        Poll::Ready(result)
    }

    fn queue(&mut self, packet: Bytes) {
        if self.queue.len() >= OUTPUT_QUEUE_LIMIT {
            self.dropped += 1;
            tracing::trace!(
                dropped = self.dropped,
                "KCP output queue full; packet dropped"
            );
            return;
        }
        self.queue.push_back(packet);
    }

    fn poll_send(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            if let Some(fut) = self.send.as_mut() {
                let result = std::task::ready!(fut.as_mut().poll(cx));
                self.send = None;
                result?;
            }
            let Some(packet) = self.queue.pop_front() else {
                return Poll::Ready(Ok(()));
            };
            let conn = Arc::clone(&self.conn);
            self.send = Some(Box::pin(async move { conn.send(packet).await }));
        }
    }

    fn backlog(&self) -> usize {
        self.queue.len() + usize::from(self.send.is_some())
    }
}

/// What a listener knows about how one of its sessions is used, shared with
/// the session's [`KcpStream`] and [`KcpMonitor`].
#[derive(Debug)]
pub(crate) struct SessionTag {
    /// Marked by the application once the session has proven useful; only
    /// unestablished sessions are evicted first.
    established: AtomicBool,
    /// When the session last received a packet, in ms of the listener's
    /// clock.
    last_input_ms: AtomicU64,
    /// Creation order, oldest first.
    pub(crate) serial: u64,
    /// The listener's count of sessions not yet established: this one is
    /// in it until it is established or retired.
    unproven: Arc<AtomicUsize>,
    /// Whether this session is still counted in `unproven`.
    counted: AtomicBool,
}

impl SessionTag {
    /// A new, unestablished session, counted in `unproven`.
    pub(crate) fn new(serial: u64, now_ms: u64, unproven: Arc<AtomicUsize>) -> Self {
        unproven.fetch_add(1, Ordering::AcqRel);
        Self {
            established: AtomicBool::new(false),
            last_input_ms: AtomicU64::new(now_ms),
            serial,
            unproven,
            counted: AtomicBool::new(true),
        }
    }

    pub(crate) fn is_established(&self) -> bool {
        self.established.load(Ordering::Relaxed)
    }

    /// Leaves the unproven count, once (whichever of establishing and
    /// retiring comes first).
    fn leave_unproven(&self) {
        if self.counted.swap(false, Ordering::AcqRel) {
            self.unproven.fetch_sub(1, Ordering::AcqRel);
        }
    }

    fn establish(&self) {
        self.established.store(true, Ordering::Relaxed);
        self.leave_unproven();
    }

    /// The session is ending (evicted, replaced or finished): it no longer
    /// counts as unproven.
    pub(crate) fn retire(&self) {
        self.leave_unproven();
    }

    pub(crate) fn touch(&self, now_ms: u64) {
        self.last_input_ms.fetch_max(now_ms, Ordering::Relaxed);
    }

    pub(crate) fn last_input_ms(&self) -> u64 {
        self.last_input_ms.load(Ordering::Relaxed)
    }
}

/// State shared by a [`KcpStream`] and its driver task.
struct Inner {
    core: KcpCore,
    /// Set once the session has ended, with the reason.
    ended: Option<KcpError>,
    /// The stream handle was dropped: flush once more and stop.
    handle_dropped: bool,
    /// `poll_shutdown` was called: no more writes.
    write_shutdown: bool,
    /// New data was queued (or a window reopened): flush soon.
    flush_requested: bool,
    read_waker: Option<Waker>,
    write_waker: Option<Waker>,
    driver_waker: Option<Waker>,
}

pub(crate) struct Shared {
    inner: Mutex<Inner>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        lock_unpoisoned(&self.inner)
    }

    /// Ends the session from outside the driver (server: replaced or
    /// listener gone). The driver stops at its next step.
    pub(crate) fn terminate(&self, reason: KcpError) {
        let mut inner = self.lock();
        Self::end(&mut inner, reason);
        wake(&mut inner.driver_waker);
    }

    fn end(inner: &mut Inner, reason: KcpError) {
        if inner.ended.is_none() {
            inner.ended = Some(reason);
        }
        wake(&mut inner.read_waker);
        wake(&mut inner.write_waker);
    }
}

/// The reliable, ordered byte stream of one KCP conversation, for smux to
/// run over.
///
/// Writes are taken while fewer than [`super::SEND_QUEUE_LIMIT`] segments
/// are queued or unacknowledged, and wait otherwise. Reads deliver bytes in
/// order; they never return end-of-file while the session runs (KCP has no
/// FIN), and fail once the packet connection failed or the session was
/// ended. `poll_shutdown` stops further writes (reads continue); dropping
/// the stream closes the session: queued data is flushed once (as kcp-go's
/// `Close` does, without waiting for acknowledgements) and the driver ends.
pub struct KcpStream {
    shared: Arc<Shared>,
    conv: u32,
    tag: Option<Arc<SessionTag>>,
}

impl fmt::Debug for KcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KcpStream")
            .field("conv", &format_args!("{:#010x}", self.conv))
            .finish_non_exhaustive()
    }
}

impl KcpStream {
    /// The conversation id.
    pub fn conv(&self) -> u32 {
        self.conv
    }

    /// Why the session ended, or `None` while it runs.
    pub fn error(&self) -> Option<KcpError> {
        self.shared.lock().ended.clone()
    }

    /// Packets refused by input validation so far (diagnostics).
    pub fn rejected_packets(&self) -> u64 {
        self.shared.lock().core.rejected_packets()
    }

    /// Payload bytes the session holds on its receive side (see
    /// [`KcpCore::receive_buffered_bytes`]).
    pub fn receive_buffered_bytes(&self) -> usize {
        self.shared.lock().core.receive_buffered_bytes()
    }

    /// A handle that observes this session's buffers from elsewhere (for
    /// metrics and tests, once the stream itself belongs to smux) without
    /// keeping the session alive.
    pub fn monitor(&self) -> KcpMonitor {
        KcpMonitor {
            shared: Arc::downgrade(&self.shared),
            tag: self.tag.clone(),
        }
    }
}

/// Observes one session's receive buffers; see [`KcpStream::monitor`].
#[derive(Clone)]
pub struct KcpMonitor {
    shared: Weak<Shared>,
    tag: Option<Arc<SessionTag>>,
}

impl fmt::Debug for KcpMonitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KcpMonitor")
            .field("receive_buffered_bytes", &self.receive_buffered_bytes())
            .finish()
    }
}

impl KcpMonitor {
    /// Payload bytes held on the receive side, or `None` once the session
    /// is gone.
    pub fn receive_buffered_bytes(&self) -> Option<usize> {
        let shared = self.shared.upgrade()?;
        let bytes = shared.lock().core.receive_buffered_bytes();
        Some(bytes)
    }

    /// Bytes the session has charged to its listener's memory budget on
    /// top of its fixed cost (receive buffers and send queue), or `None`
    /// once the session is gone.
    pub fn charged_bytes(&self) -> Option<usize> {
        let shared = self.shared.upgrade()?;
        let bytes = shared.lock().core.charged_bytes();
        Some(bytes)
    }

    /// Incoming PUSH segments dropped because the memory budget was spent,
    /// or `None` once the session is gone.
    pub fn budget_dropped_segments(&self) -> Option<u64> {
        let shared = self.shared.upgrade()?;
        let dropped = shared.lock().core.budget_dropped_segments();
        Some(dropped)
    }

    /// Marks a listener's session as established: it carries a stream the
    /// application is using, so the listener no longer evicts it to make
    /// room for a new client unless it goes idle. Does nothing for client
    /// sessions.
    pub fn mark_established(&self) {
        if let Some(tag) = &self.tag {
            tag.establish();
        }
    }

    /// Whether [`mark_established`](Self::mark_established) was called.
    pub fn is_established(&self) -> bool {
        self.tag.as_ref().is_some_and(|tag| tag.is_established())
    }

    /// Segments queued or sent but not yet acknowledged by the peer (KCP's
    /// `wait_snd`), or `None` once the session is gone.
    pub fn unacknowledged_segments(&self) -> Option<usize> {
        let shared = self.shared.upgrade()?;
        let waiting = shared.lock().core.wait_snd();
        Some(waiting)
    }

    /// Incoming PUSH segments dropped by the receive bounds, or `None` once
    /// the session is gone.
    pub fn receive_dropped_segments(&self) -> Option<u64> {
        let shared = self.shared.upgrade()?;
        let dropped = shared.lock().core.receive_dropped_segments();
        Some(dropped)
    }
}

impl AsyncRead for KcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let mut inner = self.shared.lock();
        let n = inner.core.recv(buf.initialize_unfilled());
        if n > 0 {
            buf.advance(n);
            if inner.core.take_window_reopened() {
                inner.flush_requested = true;
                wake(&mut inner.driver_waker);
            }
            return Poll::Ready(Ok(()));
        }
        if let Some(reason) = &inner.ended {
            return Poll::Ready(Err(reason.clone().into()));
        }
        store_waker(&mut inner.read_waker, cx.waker());
        Poll::Pending
    }
}

impl AsyncWrite for KcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut inner = self.shared.lock();
        if let Some(reason) = &inner.ended {
            return Poll::Ready(Err(reason.clone().into()));
        }
        if inner.write_shutdown {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "KCP stream shut down for writing",
            )));
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = inner.core.send(buf);
        if n == 0 {
            store_waker(&mut inner.write_waker, cx.waker());
            return Poll::Pending;
        }
        inner.flush_requested = true;
        wake(&mut inner.driver_waker);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Written data belongs to KCP, which sends it as soon as the driver
        // runs; there is nothing to wait for.
        match &self.shared.lock().ended {
            Some(reason) => Poll::Ready(Err(reason.clone().into())),
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut inner = self.shared.lock();
        inner.write_shutdown = true;
        Poll::Ready(Ok(()))
    }
}

impl Drop for KcpStream {
    fn drop(&mut self) {
        let mut inner = self.shared.lock();
        inner.handle_dropped = true;
        wake(&mut inner.driver_waker);
    }
}

/// Runs when a session's driver ends (the server removes the session).
pub(crate) type ExitHook = Box<dyn FnOnce() + Send>;

/// Starts the driver task of conversation `conv` over `io` and returns the
/// stream and the shared state (for [`Shared::terminate`]). Must be called
/// within a tokio runtime.
pub(crate) fn spawn_session<Io: SessionIo>(
    conv: u32,
    io: Io,
    on_exit: Option<ExitHook>,
    listener_side: Option<(&MemoryBudget, Arc<SessionTag>)>,
) -> (KcpStream, Arc<Shared>) {
    let start = Instant::now();
    let (core, tag) = match listener_side {
        Some((budget, tag)) => {
            let mut core = KcpCore::with_budget(conv, 0, budget);
            // Until the application marks it established.
            core.set_probation(true);
            (core, Some(tag))
        }
        None => (KcpCore::new(conv, 0), None),
    };
    let shared = Arc::new(Shared {
        inner: Mutex::new(Inner {
            core,
            ended: None,
            handle_dropped: false,
            write_shutdown: false,
            flush_requested: false,
            read_waker: None,
            write_waker: None,
            driver_waker: None,
        }),
    });
    let driver = Driver {
        shared: Arc::clone(&shared),
        io,
        start,
        timer: DeadlineTimer::new(),
        deadline: None,
        batch: Vec::new(),
        on_exit,
        on_probation: tag.clone(),
    };
    tokio::spawn(driver);
    (
        KcpStream {
            shared: Arc::clone(&shared),
            conv,
            tag,
        },
        shared,
    )
}

/// Starts a client KCP conversation with a random conversation id (as
/// kcp-go's `NewConn2`) over `conn` and returns its byte stream. The
/// session lives until the stream is dropped or `conn` fails. Must be
/// called within a tokio runtime.
pub fn connect<P: PacketConn>(conn: P) -> KcpStream {
    connect_with_conv(conn, rand::random())
}

/// [`connect`] with a given conversation id (kcp-go's `NewConn3`); for tests
/// and reproducible captures.
pub fn connect_with_conv<P: PacketConn>(conn: P, conv: u32) -> KcpStream {
    tracing::debug!(
        conv = format_args!("{conv:#010x}"),
        "KCP client session started"
    );
    spawn_session(conv, PacketConnIo::new(conn), None, None).0
}

/// [`connect`] for a client whose packets travel over one proxy at a time
/// (redial): fast resend on ([`super::core::FAST_RESEND_ONE_PATH`]).
pub fn connect_one_path<P: PacketConn>(conn: P) -> KcpStream {
    let conv = rand::random();
    tracing::debug!(
        conv = format_args!("{conv:#010x}"),
        "KCP client session started (one path)"
    );
    let (stream, shared) = spawn_session(conv, PacketConnIo::new(conn), None, None);
    shared
        .lock()
        .core
        .set_fast_resend(super::core::FAST_RESEND_ONE_PATH);
    stream
}

/// The per-conversation task.
struct Driver<Io> {
    shared: Arc<Shared>,
    io: Io,
    /// Time zero of the session's KCP clock.
    start: Instant,
    timer: DeadlineTimer,
    /// When the core next needs its timer run.
    deadline: Option<Instant>,
    /// Reused buffer for a batch of incoming packets.
    batch: Vec<Bytes>,
    on_exit: Option<ExitHook>,
    /// A listener session still on probation: its tag, to see when it is
    /// established (then `None`).
    on_probation: Option<Arc<SessionTag>>,
}

impl<Io: SessionIo> Driver<Io> {
    /// Milliseconds since the session started: the full count and the
    /// wrapping `u32` KCP clock.
    fn clock(&self) -> (u64, u32) {
        let ms = Instant::now()
            .saturating_duration_since(self.start)
            .as_millis();
        let ms = u64::try_from(ms).unwrap_or(u64::MAX);
        (ms, ms as u32)
    }

    fn step(&mut self, cx: &mut Context<'_>) -> Step {
        let mut failure = None;
        while self.batch.len() < INPUT_BATCH {
            match self.io.poll_recv(cx) {
                Poll::Ready(Ok(packet)) => self.batch.push(packet),
                Poll::Ready(Err(e)) => {
                    failure = Some(KcpError::from_io(&e));
                    break;
                }
                Poll::Pending => break,
            }
        }
        let got_input = !self.batch.is_empty();
        let timer_fired = self.deadline.is_some_and(|d| Instant::now() >= d);
        let (now_full, now) = self.clock();

        let mut inner = self.shared.lock();
        store_waker(&mut inner.driver_waker, cx.waker());
        if inner.ended.is_some() {
            return Step::Exit;
        }
        if self
            .on_probation
            .as_ref()
            .is_some_and(|tag| tag.is_established())
        {
            inner.core.set_probation(false);
            self.on_probation = None;
        }
        for packet in self.batch.drain(..) {
            if let Err(e) = inner.core.input(&packet, now) {
                tracing::debug!(conv = inner.core.conv(), "KCP packet dropped: {e}");
            }
        }
        if got_input {
            inner.core.after_input(now);
        }
        if let Some(reason) = failure {
            tracing::debug!(conv = inner.core.conv(), "KCP session ended: {reason}");
            Shared::end(&mut inner, reason);
            return Step::Exit;
        }
        let closing = inner.handle_dropped;
        let gated = !closing && self.io.backlog() >= OUTPUT_HIGH_WATER;
        if !gated && (inner.flush_requested || timer_fired || closing) {
            inner.flush_requested = false;
            inner.core.flush(now);
        }
        let io = &mut self.io;
        inner.core.drain_output(|packet| io.queue(packet));
        if inner.core.readable() {
            wake(&mut inner.read_waker);
        }
        if inner.core.writable() {
            wake(&mut inner.write_waker);
        }
        if closing {
            Shared::end(&mut inner, KcpError::Closed);
            drop(inner);
            // Best effort, like kcp-go's Close: whatever the transport
            // takes without waiting.
            let _ = self.io.poll_send(cx);
            return Step::Exit;
        }
        let next = if gated {
            None
        } else {
            inner.core.next_timeout(now)
        };
        drop(inner);

        if let Poll::Ready(Err(e)) = self.io.poll_send(cx) {
            let reason = KcpError::from_io(&e);
            tracing::debug!("KCP session ended: {reason}");
            Shared::end(&mut self.shared.lock(), reason);
            return Step::Exit;
        }
        // Output drained below the mark: the skipped flush can run now.
        let unblocked = gated && self.io.backlog() < OUTPUT_HIGH_WATER;

        self.deadline = next.map(|ms| {
            // At least 1 ms ahead so a due-but-unflushed state cannot spin.
            let at = now_full.saturating_add(u64::from(ms.max(1)));
            self.start + Duration::from_millis(at)
        });
        if self.timer.poll_expired(cx, self.deadline) {
            return Step::Again;
        }
        if got_input || unblocked {
            Step::Again
        } else {
            Step::Idle
        }
    }
}

impl<Io: SessionIo> Future for Driver<Io> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        poll_steps(cx, DRIVER_BUDGET, |cx| this.step(cx))
    }
}

impl<Io> Drop for Driver<Io> {
    fn drop(&mut self) {
        {
            let mut inner = self.shared.lock();
            Shared::end(&mut inner, KcpError::Closed);
            inner.driver_waker = None;
        }
        if let Some(hook) = self.on_exit.take() {
            hook();
        }
    }
}
