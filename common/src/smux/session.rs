//! Tokio driver around [`SessionCore`]: one task per session does all
//! transport reads and writes and runs the keepalive timers; [`Stream`]
//! handles operate on the shared core under a mutex and park on wakers.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant as TokioInstant;

use super::config::{Config, ConfigError};
use super::core::{ReadOutcome, Role, SessionCore, Wakeup, WriteOutcome};
use super::error::SessionError;
use crate::driver::{lock_unpoisoned, poll_steps, store_waker, DeadlineTimer, Step};
use crate::kcp::{Charge, MemoryBudget};

/// Bytes read from the transport per read call, at most.
const READ_CHUNK: usize = 64 * 1024;
/// The read buffer a session starts with. It grows to [`READ_CHUNK`] the
/// first time a read fills it (the session carries bulk data), so that the
/// many sessions that never do (idle clients; a server flooded with
/// one-packet clients) do not each hold 64 KiB.
const READ_CHUNK_INITIAL: usize = 4 * 1024;
/// Capacity an emptied write buffer may keep; a larger one is freed.
const WRITE_BUF_RETAINED: usize = 8 * 1024;
/// Driver steps per poll before yielding to other tasks.
const DRIVER_BUDGET: usize = 32;

struct Inner {
    core: SessionCore,
    read_wakers: HashMap<u32, Waker>,
    write_wakers: HashMap<u32, Waker>,
    driver_waker: Option<Waker>,
    /// Every `Session` handle has been dropped.
    handles_dropped: bool,
    /// `Stream` handles alive.
    live_streams: usize,
    /// The driver task has finished and released the transport.
    driver_done: bool,
}

struct Shared {
    inner: Mutex<Inner>,
    accept_ready: Notify,
    output_room: Notify,
    driver_finished: Notify,
}

fn store_stream_waker(slot: &mut HashMap<u32, Waker>, sid: u32, waker: &Waker) {
    match slot.get_mut(&sid) {
        Some(existing) if existing.will_wake(waker) => {}
        Some(existing) => existing.clone_from(waker),
        None => {
            slot.insert(sid, waker.clone());
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        lock_unpoisoned(&self.inner)
    }

    /// Runs `f` under the lock, then delivers the wakeups the core produced.
    fn with_inner<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut inner = self.lock();
        let result = f(&mut inner);
        self.dispatch(&mut inner);
        result
    }

    /// Wakes whoever waits for what the core reported.
    fn dispatch(&self, inner: &mut Inner) {
        let Inner {
            core,
            read_wakers,
            write_wakers,
            driver_waker,
            ..
        } = inner;
        let mut closed = false;
        for wakeup in core.drain_wakeups() {
            match wakeup {
                Wakeup::Readable(sid) => {
                    if let Some(waker) = read_wakers.remove(&sid) {
                        waker.wake();
                    }
                }
                Wakeup::Writable(sid) => {
                    if let Some(waker) = write_wakers.remove(&sid) {
                        waker.wake();
                    }
                }
                Wakeup::Accept => self.accept_ready.notify_waiters(),
                Wakeup::OutputRoom => self.output_room.notify_waiters(),
                Wakeup::Closed => closed = true,
            }
        }
        if closed {
            read_wakers.drain().for_each(|(_, waker)| waker.wake());
            write_wakers.drain().for_each(|(_, waker)| waker.wake());
            self.accept_ready.notify_waiters();
            self.output_room.notify_waiters();
        }
        if core.take_driver_wake() || closed {
            if let Some(waker) = driver_waker {
                waker.wake_by_ref();
            }
        }
    }

    /// Closes the session once nobody can use it any more.
    fn close_if_unused(inner: &mut Inner) {
        if inner.handles_dropped && inner.live_streams == 0 {
            inner.core.close();
        }
    }

    async fn wait_driver_finished(&self) {
        loop {
            let mut finished = pin!(self.driver_finished.notified());
            finished.as_mut().enable();
            if self.lock().driver_done {
                return;
            }
            finished.await;
        }
    }
}

/// Marks the session unused when the last `Session` clone is dropped.
struct HandleGuard {
    shared: Arc<Shared>,
}

impl Drop for HandleGuard {
    fn drop(&mut self) {
        self.shared.with_inner(|inner| {
            inner.handles_dropped = true;
            Shared::close_if_unused(inner);
        });
    }
}

/// A running smux v2 session over a byte-stream transport.
///
/// Cloning gives another handle to the same session. The session runs until
/// [`Session::close`], a transport or protocol error, a keepalive timeout, or
/// until every `Session` clone and every [`Stream`] has been dropped.
#[derive(Clone)]
pub struct Session {
    shared: Arc<Shared>,
    _guard: Arc<HandleGuard>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.shared.lock();
        f.debug_struct("Session")
            .field("role", &inner.core.role())
            .field("streams", &inner.core.num_streams())
            .field("close_reason", &inner.core.close_reason())
            .finish()
    }
}

impl Session {
    /// Starts a client session (opens odd stream ids 3, 5, …) over `io` and
    /// spawns its driver task. Must be called within a tokio runtime.
    pub fn client<T>(io: T, config: Config) -> Result<Self, ConfigError>
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        Self::start(io, config, Role::Client, None)
    }

    /// Starts a server session (accepts streams; would open even ids) over
    /// `io` and spawns its driver task. Must be called within a tokio runtime.
    pub fn server<T>(io: T, config: Config) -> Result<Self, ConfigError>
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        Self::start(io, config, Role::Server, None)
    }

    /// [`Session::server`] whose receive side is charged to `budget`: the
    /// stream data received and not yet read by the application (at most
    /// `max_receive_buffer`, plus about a frame) and the growth of the
    /// driver's read buffer beyond its small starting size (which the
    /// session's fixed cost already covers). The charge follows what is
    /// held each time the driver runs, and goes back when the session ends.
    /// Reading is never refused for lack of budget: the data comes out of
    /// the transport underneath (KCP), whose own charge shrinks by as much,
    /// and it is the transport's admission of new data that keeps the total
    /// within the budget. The read buffer grows only if the budget has room
    /// for it; otherwise the session keeps reading in small bites.
    pub fn server_charged<T>(
        io: T,
        config: Config,
        budget: &MemoryBudget,
    ) -> Result<Self, ConfigError>
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        Self::start(io, config, Role::Server, Some(budget.charge()))
    }

    fn start<T>(
        io: T,
        config: Config,
        role: Role,
        charge: Option<Charge>,
    ) -> Result<Self, ConfigError>
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let max_receive = i64::try_from(config.max_receive_buffer).unwrap_or(i64::MAX);
        let now = TokioInstant::now();
        let core = SessionCore::new(role, config, now.into_std())?;
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                core,
                read_wakers: HashMap::new(),
                write_wakers: HashMap::new(),
                driver_waker: None,
                handles_dropped: false,
                live_streams: 0,
                driver_done: false,
            }),
            accept_ready: Notify::new(),
            output_room: Notify::new(),
            driver_finished: Notify::new(),
        });
        let driver = Driver {
            shared: shared.clone(),
            io: Some(io),
            read_buf: vec![0; READ_CHUNK_INITIAL],
            read_start: 0,
            read_end: 0,
            write_buf: BytesMut::new(),
            flush_pending: false,
            timer: DeadlineTimer::new(),
            charge,
            max_receive,
        };
        tracing::debug!(?role, "smux session started");
        tokio::spawn(driver);
        Ok(Self {
            _guard: Arc::new(HandleGuard {
                shared: shared.clone(),
            }),
            shared,
        })
    }

    fn new_stream(&self, inner: &mut Inner, sid: u32) -> Stream {
        inner.live_streams += 1;
        Stream {
            shared: self.shared.clone(),
            sid,
        }
    }

    /// Opens a new stream (sends SYN). Waits while the output queue is full.
    pub async fn open_stream(&self) -> Result<Stream, SessionError> {
        loop {
            let mut room = pin!(self.shared.output_room.notified());
            room.as_mut().enable();
            let opened = self.shared.with_inner(|inner| {
                if let Some(reason) = inner.core.close_reason() {
                    return Some(Err(reason.clone()));
                }
                if !inner.core.has_output_room() {
                    return None;
                }
                Some(
                    inner
                        .core
                        .open_stream()
                        .map(|sid| self.new_stream(inner, sid)),
                )
            });
            match opened {
                Some(result) => return result,
                None => room.await,
            }
        }
    }

    /// Waits for the next stream opened by the peer. Fails once the session
    /// has ended.
    pub async fn accept_stream(&self) -> Result<Stream, SessionError> {
        loop {
            let mut ready = pin!(self.shared.accept_ready.notified());
            ready.as_mut().enable();
            let accepted = self.shared.with_inner(|inner| {
                if let Some(sid) = inner.core.accept() {
                    return Some(Ok(self.new_stream(inner, sid)));
                }
                inner.core.close_reason().cloned().map(Err)
            });
            match accepted {
                Some(result) => return result,
                None => ready.await,
            }
        }
    }

    /// Closes the session (no smux-level goodbye, as in Go: queued frames
    /// are written if the transport takes them at once, then the transport
    /// is shut down and dropped). Returns when the transport is released.
    pub async fn close(&self) {
        self.shared.with_inner(|inner| inner.core.close());
        self.shared.wait_driver_finished().await;
    }

    /// Waits until the session has ended and its transport was released;
    /// returns why it ended ([`SessionError::Closed`] after a local close).
    pub async fn closed(&self) -> SessionError {
        self.shared.wait_driver_finished().await;
        self.close_reason().unwrap_or(SessionError::Closed)
    }

    /// Why the session ended, or `None` while it runs.
    pub fn close_reason(&self) -> Option<SessionError> {
        self.shared.lock().core.close_reason().cloned()
    }

    /// Whether the session has ended.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().core.is_closed()
    }

    /// Streams currently known to the session (including half-closed ones
    /// and ones waiting to be accepted).
    pub fn num_streams(&self) -> usize {
        self.shared.lock().core.num_streams()
    }

    /// Bytes of frames (data, FIN, window updates) queued but not yet
    /// handed to the transport.
    pub fn queued_output_bytes(&self) -> usize {
        self.shared.lock().core.output_len()
    }
}

/// One smux stream. Reading gives the peer's data then EOF after its FIN;
/// `poll_shutdown` sends our FIN (half close); dropping the stream sends FIN
/// if not yet sent and discards unread data.
///
/// After the peer's FIN, writes keep working while the peer's window has
/// room; a write that would have to wait for a window update fails with
/// `BrokenPipe`, as in Go smux.
pub struct Stream {
    shared: Arc<Shared>,
    sid: u32,
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stream").field("sid", &self.sid).finish()
    }
}

impl Stream {
    /// The stream id.
    pub fn id(&self) -> u32 {
        self.sid
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let sid = self.sid;
        self.shared.with_inner(
            |inner| match inner.core.read(sid, buf.initialize_unfilled()) {
                Ok(ReadOutcome::Data(n)) => {
                    buf.advance(n);
                    Poll::Ready(Ok(()))
                }
                Ok(ReadOutcome::Eof) => Poll::Ready(Ok(())),
                Ok(ReadOutcome::Blocked) => {
                    store_stream_waker(&mut inner.read_wakers, sid, cx.waker());
                    Poll::Pending
                }
                Err(err) => Poll::Ready(Err(err.into())),
            },
        )
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let sid = self.sid;
        self.shared
            .with_inner(|inner| match inner.core.write(sid, buf) {
                Ok(WriteOutcome::Written(n)) => Poll::Ready(Ok(n)),
                Ok(WriteOutcome::Blocked) => {
                    store_stream_waker(&mut inner.write_wakers, sid, cx.waker());
                    Poll::Pending
                }
                Err(err) => Poll::Ready(Err(err.into())),
            })
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let sid = self.sid;
        let result = self
            .shared
            .with_inner(|inner| inner.core.shutdown_stream(sid));
        Poll::Ready(result.map_err(io::Error::from))
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        let sid = self.sid;
        self.shared.with_inner(|inner| {
            inner.core.close_stream(sid);
            inner.read_wakers.remove(&sid);
            inner.write_wakers.remove(&sid);
            inner.live_streams = inner.live_streams.saturating_sub(1);
            Shared::close_if_unused(inner);
        });
    }
}

/// The per-session task: moves bytes between the transport and the core and
/// runs the core's timers.
struct Driver<T> {
    shared: Arc<Shared>,
    /// `None` once released at the end of the session.
    io: Option<T>,
    /// Grows once, from [`READ_CHUNK_INITIAL`] to [`READ_CHUNK`].
    read_buf: Vec<u8>,
    /// Unprocessed input is `read_buf[read_start..read_end]`.
    read_start: usize,
    read_end: usize,
    /// Frames taken from the core, being written.
    write_buf: BytesMut,
    flush_pending: bool,
    /// Runs the core's keepalive timers.
    timer: DeadlineTimer,
    /// What the receive side holds, charged to the server's budget
    /// ([`Session::server_charged`]).
    charge: Option<Charge>,
    /// `max_receive_buffer`: the token bucket's full value.
    max_receive: i64,
}

impl<T> Future for Driver<T>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        poll_steps(cx, DRIVER_BUDGET, |cx| this.step(cx))
    }
}

impl<T> Driver<T>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    fn fail(&self, err: &io::Error) {
        self.shared
            .with_inner(|inner| inner.core.handle_transport_error(err));
    }

    /// Brings the charge (if any) to what the receive side holds now:
    /// stream data not yet read (the token bucket's deficit) and the read
    /// buffer.
    fn sync_charge(&mut self, inner: &Inner) {
        let Some(charge) = self.charge.as_mut() else {
            return;
        };
        let buffered = self.max_receive.saturating_sub(inner.core.receive_tokens());
        // The starting read buffer is part of the session's fixed cost
        // (`SESSION_COST`); only its growth is charged here.
        let held = usize::try_from(buffered)
            .unwrap_or(0)
            .saturating_add(self.read_buf.len().saturating_sub(READ_CHUNK_INITIAL));
        if held > charge.bytes() {
            charge.force_grow(held - charge.bytes());
        } else {
            charge.shrink_to(held);
        }
    }

    /// Whether the read buffer may grow to [`READ_CHUNK`]: always without a
    /// budget; with one, only if the budget has room for the growth (the
    /// decoder takes frames in pieces, so a session whose buffer stays
    /// small only reads in smaller bites). The room taken here is kept:
    /// [`Self::sync_charge`] counts the grown buffer from then on.
    fn may_grow_read_buf(&mut self) -> bool {
        let Some(charge) = self.charge.as_mut() else {
            return true;
        };
        charge.try_grow(READ_CHUNK - self.read_buf.len())
    }

    /// Feeds buffered input to the core; returns whether any was consumed.
    fn process_input(&mut self, inner: &mut Inner) -> bool {
        let pending = self
            .read_buf
            .get(self.read_start..self.read_end)
            .unwrap_or_default();
        if pending.is_empty() {
            return false;
        }
        // On error the core has ended the session; the next step sees it.
        let used = inner.core.handle_input(pending).unwrap_or(0);
        self.read_start += used;
        if self.read_start >= self.read_end {
            self.read_start = 0;
            self.read_end = 0;
        }
        used > 0
    }

    fn step(&mut self, cx: &mut Context<'_>) -> Step {
        let Some(mut io) = self.io.take() else {
            return Step::Exit;
        };
        let step = self.step_with(cx, &mut io);
        if !matches!(step, Step::Exit) {
            self.io = Some(io);
        }
        step
    }

    fn step_with(&mut self, cx: &mut Context<'_>, io: &mut T) -> Step {
        let mut progress = false;
        let shared = self.shared.clone();
        let (want_read, deadline, closed) = {
            let mut inner = shared.lock();
            store_waker(&mut inner.driver_waker, cx.waker());
            inner.core.handle_timeout(TokioInstant::now().into_std());
            progress |= self.process_input(&mut inner);
            if self.write_buf.is_empty() {
                inner.core.swap_output(&mut self.write_buf);
            }
            // This task is running now; no need to wake it again.
            inner.core.take_driver_wake();
            shared.dispatch(&mut inner);
            self.sync_charge(&inner);
            (
                inner.core.wants_input() && self.read_start == self.read_end,
                inner.core.poll_timeout(),
                inner.core.close_reason().cloned(),
            )
        };
        if let Some(reason) = closed {
            self.finish(cx, io, &reason);
            return Step::Exit;
        }

        while !self.write_buf.is_empty() {
            match Pin::new(&mut *io).poll_write(cx, &self.write_buf) {
                Poll::Ready(Ok(0)) => {
                    self.fail(&io::Error::from(io::ErrorKind::WriteZero));
                    return Step::Again;
                }
                Poll::Ready(Ok(n)) => {
                    self.write_buf.advance(n.min(self.write_buf.len()));
                    self.flush_pending = true;
                    progress = true;
                }
                Poll::Ready(Err(err)) => {
                    self.fail(&err);
                    return Step::Again;
                }
                Poll::Pending => break,
            }
        }
        if self.write_buf.is_empty() && self.write_buf.capacity() > WRITE_BUF_RETAINED {
            // Written out: give the memory back rather than keep up to
            // two 64 KiB buffers (this one and the core's output queue,
            // which trade places) in every session that once sent in
            // bulk and is now idle (docs/server-budget.md).
            self.write_buf = BytesMut::new();
        }
        if self.write_buf.is_empty() && self.flush_pending {
            match Pin::new(&mut *io).poll_flush(cx) {
                Poll::Ready(Ok(())) => self.flush_pending = false,
                Poll::Ready(Err(err)) => {
                    self.fail(&err);
                    return Step::Again;
                }
                Poll::Pending => {}
            }
        }

        if want_read {
            let mut read_buf = ReadBuf::new(&mut self.read_buf);
            match Pin::new(&mut *io).poll_read(cx, &mut read_buf) {
                Poll::Ready(Ok(())) => {
                    let n = read_buf.filled().len();
                    progress = true;
                    let mut inner = shared.lock();
                    if n == 0 {
                        inner.core.handle_transport_eof();
                    } else {
                        self.read_start = 0;
                        self.read_end = n;
                        self.process_input(&mut inner);
                        if n == self.read_buf.len() && n < READ_CHUNK && self.may_grow_read_buf() {
                            // Unprocessed input keeps its place.
                            self.read_buf.resize(READ_CHUNK, 0);
                        }
                    }
                    shared.dispatch(&mut inner);
                    self.sync_charge(&inner);
                }
                Poll::Ready(Err(err)) => {
                    self.fail(&err);
                    return Step::Again;
                }
                Poll::Pending => {}
            }
        }

        if self
            .timer
            .poll_expired(cx, deadline.map(TokioInstant::from_std))
        {
            progress = true;
        }

        if progress {
            Step::Again
        } else {
            Step::Idle
        }
    }

    /// Last actions before releasing the transport: after a local close,
    /// write whatever queued frames the transport takes without waiting;
    /// then start a shutdown (without waiting for it either).
    fn finish(&mut self, cx: &mut Context<'_>, io: &mut T, reason: &SessionError) {
        if *reason == SessionError::Closed {
            loop {
                if self.write_buf.is_empty() {
                    self.shared
                        .with_inner(|inner| inner.core.swap_output(&mut self.write_buf));
                    if self.write_buf.is_empty() {
                        break;
                    }
                }
                match Pin::new(&mut *io).poll_write(cx, &self.write_buf) {
                    Poll::Ready(Ok(n)) if n > 0 => {
                        self.write_buf.advance(n.min(self.write_buf.len()));
                    }
                    _ => break,
                }
            }
            let _ = Pin::new(&mut *io).poll_flush(cx);
        }
        let _ = Pin::new(&mut *io).poll_shutdown(cx);
    }
}

impl<T> Drop for Driver<T> {
    fn drop(&mut self) {
        // Release the transport before telling anyone we are done.
        drop(self.io.take());
        self.shared.with_inner(|inner| {
            // Also reached if the runtime drops the task early.
            inner.core.close();
            inner.driver_done = true;
            inner.driver_waker = None;
        });
        self.shared.driver_finished.notify_waiters();
    }
}
