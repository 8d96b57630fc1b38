//! The byte stream over an open data channel, shared by every backend.
//!
//! A backend hands over its open channel as a [`MessageChannel`] (send one
//! message, receive one message, buffered amount). [`RtcChannel::spawn`]
//! runs two pumps between it and one end of a bounded in-memory pipe and
//! gives the caller the other end, so callers see a plain tokio
//! `AsyncRead + AsyncWrite` whose memory is bounded in both directions:
//!
//! * toward the peer, the pump waits whenever the channel's buffered amount
//!   reaches [`BUFFERED_AMOUNT_HIGH`] until it drains to
//!   [`BUFFERED_AMOUNT_LOW`] (the Go proxy's flow control, §6.2), so a peer
//!   that stops reading makes our writer wait;
//! * from the peer, the pump stops receiving while the caller is not reading,
//!   so the SCTP receive window closes and the peer's writer waits.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream, ReadBuf};
use tokio::sync::watch;

use crate::error::RtcError;

/// A boxed, sendable future (the trait methods here must be object safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// When the channel's buffered amount reaches this, writing pauses (Go
/// proxy: `maxBufferedAmount`, 512 KiB).
pub const BUFFERED_AMOUNT_HIGH: usize = 512 * 1024;
/// Writing resumes once the buffered amount is at or below this (Go proxy:
/// `bufferedAmountLowThreshold`, 256 KiB).
pub const BUFFERED_AMOUNT_LOW: usize = 256 * 1024;
/// Largest message we send. Small enough for every WebRTC stack (browsers
/// included); the stream has no message boundaries anyway.
pub const MAX_SEND_MESSAGE: usize = 16 * 1024;
/// Largest message we accept. Go peers read messages into a 65535-byte
/// buffer, so nobody in the Snowflake network sends bigger ones; a bigger
/// one ends the connection with [`RtcError::MessageTooLarge`].
pub const MAX_RECV_MESSAGE: usize = 64 * 1024;
/// Bytes buffered in memory between the caller and each pump, per direction.
pub const PIPE_BUFFER: usize = 64 * 1024;

/// What the byte-stream adapter needs from an open data channel.
///
/// Implemented by each backend; object safe so the pumps are written once.
pub trait MessageChannel: Send + Sync + 'static {
    /// Waits for the next message and copies it into `buf` (whose length is
    /// [`MAX_RECV_MESSAGE`]). `Ok(None)` once the channel is closed.
    fn recv<'a>(&'a self, buf: &'a mut [u8]) -> BoxFuture<'a, Result<Option<usize>, RtcError>>;
    /// Queues one binary message.
    fn send(&self, message: Bytes) -> BoxFuture<'_, Result<(), RtcError>>;
    /// Bytes queued in the channel and not yet acknowledged by the peer.
    fn buffered_amount(&self) -> BoxFuture<'_, usize>;
    /// Resolves after the buffered amount has dropped to
    /// [`BUFFERED_AMOUNT_LOW`] or below. Must not lose a wake-up that happens
    /// between a [`MessageChannel::buffered_amount`] call and this one (a
    /// stored permit, as `Notify::notify_one` keeps, is enough); may resolve
    /// spuriously.
    fn buffered_amount_low(&self) -> BoxFuture<'_, ()>;
    /// Closes the data channel and its peer connection.
    fn close(&self) -> BoxFuture<'_, ()>;

    /// Called after each send: waits until more may be sent. The default is
    /// the Go proxy's hysteresis on [`MessageChannel::buffered_amount`]; a
    /// backend whose `send` already blocks at a bounded limit may skip it.
    fn wait_for_room(&self) -> BoxFuture<'_, ()> {
        Box::pin(wait_for_room(self))
    }
}

/// ICE connection state, as reported by the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IceState {
    /// Not started.
    New,
    /// Connectivity checks running.
    Checking,
    /// A working candidate pair was found.
    Connected,
    /// Checks finished with a working pair.
    Completed,
    /// Consent checks are failing; may recover.
    Disconnected,
    /// No working pair; will not recover.
    Failed,
    /// The peer connection was closed.
    Closed,
}

/// Everything the client needs to decide that a proxy is dead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkStatus {
    /// Latest ICE connection state.
    pub ice: IceState,
    /// The data channel has closed (either side, or the pumps ended).
    pub channel_closed: bool,
}

impl LinkStatus {
    /// Initial status of a new peer.
    pub const NEW: LinkStatus = LinkStatus {
        ice: IceState::New,
        channel_closed: false,
    };

    /// Whether the link is (at least for now) unusable: the channel closed,
    /// or ICE is disconnected, failed or closed.
    pub fn is_dead(&self) -> bool {
        self.channel_closed
            || matches!(
                self.ice,
                IceState::Disconnected | IceState::Failed | IceState::Closed
            )
    }

    /// Whether the link can never work again: channel closed, ICE failed or
    /// closed.
    pub fn is_final(&self) -> bool {
        self.channel_closed || matches!(self.ice, IceState::Failed | IceState::Closed)
    }
}

/// The sending side of a peer's status; backends update it from their
/// callbacks.
#[derive(Debug, Clone)]
pub struct StatusSender(Arc<watch::Sender<LinkStatus>>);

impl StatusSender {
    /// A new status, [`LinkStatus::NEW`].
    pub fn new() -> Self {
        StatusSender(Arc::new(watch::Sender::new(LinkStatus::NEW)))
    }

    /// Records a new ICE state.
    pub fn set_ice(&self, ice: IceState) {
        self.0.send_if_modified(|s| {
            let changed = s.ice != ice;
            s.ice = ice;
            changed
        });
    }

    /// Records that the data channel has closed.
    pub fn set_channel_closed(&self) {
        self.0
            .send_if_modified(|s| !std::mem::replace(&mut s.channel_closed, true));
    }

    /// A receiver for the status.
    pub fn subscribe(&self) -> LinkEvents {
        LinkEvents(self.0.subscribe())
    }
}

impl Default for StatusSender {
    fn default() -> Self {
        StatusSender::new()
    }
}

/// Watches a peer's [`LinkStatus`]. Cheap to clone; only the latest status
/// is kept, so memory is bounded however slowly it is read.
#[derive(Debug, Clone)]
pub struct LinkEvents(watch::Receiver<LinkStatus>);

impl LinkEvents {
    /// The current status.
    pub fn status(&self) -> LinkStatus {
        *self.0.borrow()
    }

    /// Waits for the next change and returns the new status. Once the peer
    /// is gone it returns a final status (channel closed) at once.
    pub async fn changed(&mut self) -> LinkStatus {
        match self.0.changed().await {
            Ok(()) => *self.0.borrow_and_update(),
            Err(_) => LinkStatus {
                channel_closed: true,
                ..*self.0.borrow()
            },
        }
    }

    /// Waits until [`LinkStatus::is_dead`] and returns that status.
    pub async fn dead(&mut self) -> LinkStatus {
        self.wait_for(LinkStatus::is_dead).await
    }

    /// Waits until [`LinkStatus::is_final`] and returns that status.
    pub async fn closed(&mut self) -> LinkStatus {
        self.wait_for(LinkStatus::is_final).await
    }

    async fn wait_for(&mut self, mut pred: impl FnMut(&LinkStatus) -> bool) -> LinkStatus {
        let now = *self.0.borrow_and_update();
        if pred(&now) {
            return now;
        }
        loop {
            let status = self.changed().await;
            if pred(&status) || status.channel_closed {
                return status;
            }
        }
    }
}

/// An open data channel as a byte stream (`AsyncRead + AsyncWrite`).
///
/// Writing queues bytes toward the peer (sent as binary messages of at most
/// [`MAX_SEND_MESSAGE`] bytes); reading returns the peer's messages' bytes in
/// order. A data channel has no half-close: shutting down the write side, or
/// dropping this value, closes the channel and its peer connection after
/// the bytes already written have been sent and acknowledged (waiting at
/// most 5 s). When the peer closes, reads return the remaining bytes and
/// then EOF, and writes fail.
#[derive(Debug)]
pub struct RtcChannel {
    stream: DuplexStream,
    label: String,
    remote_addr: Option<SocketAddr>,
    events: LinkEvents,
    datagrams: Option<crate::datagram::DatagramLink>,
}

impl RtcChannel {
    /// Wraps an open backend channel and starts its pumps on the current
    /// tokio runtime.
    pub fn spawn(
        channel: Arc<dyn MessageChannel>,
        label: String,
        remote_addr: Option<SocketAddr>,
        status: StatusSender,
    ) -> RtcChannel {
        let (ours, theirs) = tokio::io::duplex(PIPE_BUFFER);
        let events = status.subscribe();
        tokio::spawn(run_pumps(channel, theirs, status));
        RtcChannel {
            stream: ours,
            label,
            remote_addr,
            events,
            datagrams: None,
        }
    }

    /// Attaches the datagram channel that may open beside this one
    /// ([`crate::datagram`]).
    pub fn with_datagrams(mut self, link: crate::datagram::DatagramLink) -> RtcChannel {
        self.datagrams = Some(link);
        self
    }

    /// Takes the datagram channel's link, if the backend set one up (both
    /// peers configured for it; whether it opens depends on the peer).
    pub fn take_datagrams(&mut self) -> Option<crate::datagram::DatagramLink> {
        self.datagrams.take()
    }

    /// The data channel's label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The peer's address from the selected ICE candidate pair, when the
    /// backend knows it (the proxy reports the client's IP from it).
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.remote_addr
    }

    /// The link's status and changes to it.
    pub fn events(&self) -> LinkEvents {
        self.events.clone()
    }
}

impl AsyncRead for RtcChannel {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for RtcChannel {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Runs both pumps until one ends (caller closed, peer closed, error) or the
/// link is finally dead, then closes the channel. Dropping the pipe end makes
/// the caller's reads end (after the bytes already buffered) and its writes
/// fail.
async fn run_pumps(channel: Arc<dyn MessageChannel>, pipe: DuplexStream, status: StatusSender) {
    let (from_caller, to_caller) = tokio::io::split(pipe);
    let mut events = status.subscribe();
    let mut to_peer = std::pin::pin!(pump_to_peer(&*channel, from_caller));
    let result = tokio::select! {
        r = &mut to_peer => r.map(|()| End::LocalClose),
        r = pump_to_caller(&*channel, to_caller) => match r {
            Ok(Incoming::PeerClosed) => Ok(End::PeerClose),
            // The caller dropped its end: still send what it wrote before.
            Ok(Incoming::CallerGone) => tokio::select! {
                r = &mut to_peer => r.map(|()| End::LocalClose),
                _ = events.closed() => Ok(End::LinkClosed),
            },
            Err(error) => Err(error),
        },
        _ = events.closed() => Ok(End::LinkClosed),
    };
    match result {
        Ok(End::LocalClose) => {
            tracing::debug!("data channel closed by us");
            // Let what was written reach the peer before tearing down.
            tokio::select! {
                () = linger(&*channel) => {}
                _ = events.closed() => {}
            }
        }
        Ok(end) => tracing::debug!(?end, "data channel ended"),
        Err(error) => tracing::debug!(%error, "data channel ended with an error"),
    }
    status.set_channel_closed();
    channel.close().await;
}

/// Why the pumps stopped.
#[derive(Debug)]
enum End {
    /// The caller shut down or dropped its end.
    LocalClose,
    /// The peer closed the channel.
    PeerClose,
    /// ICE failed or the connection closed.
    LinkClosed,
}

/// How long a local close waits for sent bytes to be acknowledged.
const LINGER: Duration = Duration::from_secs(5);
/// How often the linger re-checks the buffered amount.
const LINGER_POLL: Duration = Duration::from_millis(10);

/// After everything is acknowledged, how long the close still waits so the
/// peer's reader can take the last bytes out of its SCTP queue: a webrtc-rs
/// receiver ends its reads at the stream reset and drops acknowledged bytes
/// it has not handed out yet (Pion hands them out first). Best effort only;
/// Snowflake does not depend on a channel's last bytes (KCP resends them).
const LINGER_DRAIN: Duration = Duration::from_millis(50);

/// Waits (at most [`LINGER`]) until the peer has acknowledged everything
/// sent, like `SO_LINGER` on a socket, then [`LINGER_DRAIN`].
async fn linger(channel: &dyn MessageChannel) {
    let deadline = tokio::time::Instant::now() + LINGER;
    while channel.buffered_amount().await > 0 {
        if tokio::time::Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep(LINGER_POLL).await;
    }
    tokio::time::sleep(LINGER_DRAIN).await;
}

/// Caller → peer: reads what the caller wrote and sends it as messages,
/// pausing while the channel's buffer is full. Ends at the caller's EOF.
async fn pump_to_peer(
    channel: &dyn MessageChannel,
    mut from_caller: tokio::io::ReadHalf<DuplexStream>,
) -> Result<(), RtcError> {
    let mut buf = vec![0u8; MAX_SEND_MESSAGE];
    loop {
        let n = match from_caller.read(&mut buf).await {
            Ok(0) | Err(_) => return Ok(()),
            Ok(n) => n,
        };
        let Some(bytes) = buf.get(..n) else {
            return Ok(());
        };
        channel.send(Bytes::copy_from_slice(bytes)).await?;
        channel.wait_for_room().await;
    }
}

/// The Go proxy's flow control: after a send that left the buffered amount
/// at [`BUFFERED_AMOUNT_HIGH`] or more, wait until it is back down to
/// [`BUFFERED_AMOUNT_LOW`].
pub async fn wait_for_room<C: MessageChannel + ?Sized>(channel: &C) {
    if channel.buffered_amount().await < BUFFERED_AMOUNT_HIGH {
        return;
    }
    tracing::trace!("data channel buffer full, waiting");
    while channel.buffered_amount().await > BUFFERED_AMOUNT_LOW {
        channel.buffered_amount_low().await;
    }
}

/// How the peer → caller direction ended.
enum Incoming {
    /// The peer closed the channel.
    PeerClosed,
    /// The caller dropped its end of the pipe.
    CallerGone,
}

/// Peer → caller: receives messages and writes their bytes into the pipe,
/// which blocks while the caller is not reading. Ends when the peer closes
/// or the caller has dropped its end.
async fn pump_to_caller(
    channel: &dyn MessageChannel,
    mut to_caller: tokio::io::WriteHalf<DuplexStream>,
) -> Result<Incoming, RtcError> {
    let mut buf = vec![0u8; MAX_RECV_MESSAGE];
    loop {
        let Some(n) = channel.recv(&mut buf).await? else {
            let _ = to_caller.shutdown().await;
            return Ok(Incoming::PeerClosed);
        };
        let Some(bytes) = buf.get(..n) else {
            return Err(RtcError::MessageTooLarge(n));
        };
        if to_caller.write_all(bytes).await.is_err() {
            return Ok(Incoming::CallerGone);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    use tokio::sync::{mpsc, Notify};

    /// An in-memory channel: messages from the "peer" come from `incoming`;
    /// sent messages go to `sent` and count toward `buffered` until the test
    /// drains them.
    struct FakeChannel {
        incoming: tokio::sync::Mutex<mpsc::Receiver<Vec<u8>>>,
        sent: Mutex<Vec<Bytes>>,
        buffered: AtomicUsize,
        low: Notify,
        closed: Notify,
        close_calls: AtomicUsize,
    }

    impl FakeChannel {
        fn new() -> (Arc<FakeChannel>, mpsc::Sender<Vec<u8>>) {
            let (tx, rx) = mpsc::channel(4);
            let fake = Arc::new(FakeChannel {
                incoming: tokio::sync::Mutex::new(rx),
                sent: Mutex::new(Vec::new()),
                buffered: AtomicUsize::new(0),
                low: Notify::new(),
                closed: Notify::new(),
                close_calls: AtomicUsize::new(0),
            });
            (fake, tx)
        }

        /// The peer acknowledges everything sent so far.
        fn drain(&self) {
            self.buffered.store(0, Ordering::SeqCst);
            self.low.notify_one();
        }

        fn sent_bytes(&self) -> Vec<u8> {
            self.sent
                .lock()
                .unwrap()
                .iter()
                .flatten()
                .copied()
                .collect()
        }
    }

    impl MessageChannel for FakeChannel {
        fn recv<'a>(&'a self, buf: &'a mut [u8]) -> BoxFuture<'a, Result<Option<usize>, RtcError>> {
            Box::pin(async move {
                let mut incoming = self.incoming.lock().await;
                tokio::select! {
                    m = incoming.recv() => match m {
                        None => Ok(None),
                        Some(m) => {
                            let dst = buf.get_mut(..m.len()).ok_or(RtcError::MessageTooLarge(m.len()))?;
                            dst.copy_from_slice(&m);
                            Ok(Some(m.len()))
                        }
                    },
                    () = self.closed.notified() => Ok(None),
                }
            })
        }

        fn send(&self, message: Bytes) -> BoxFuture<'_, Result<(), RtcError>> {
            Box::pin(async move {
                if self.close_calls.load(Ordering::SeqCst) > 0 {
                    return Err(RtcError::ChannelClosed);
                }
                self.buffered.fetch_add(message.len(), Ordering::SeqCst);
                self.sent.lock().unwrap().push(message);
                Ok(())
            })
        }

        fn buffered_amount(&self) -> BoxFuture<'_, usize> {
            Box::pin(async move { self.buffered.load(Ordering::SeqCst) })
        }

        fn buffered_amount_low(&self) -> BoxFuture<'_, ()> {
            Box::pin(self.low.notified())
        }

        fn close(&self) -> BoxFuture<'_, ()> {
            Box::pin(async move {
                self.close_calls.fetch_add(1, Ordering::SeqCst);
                self.closed.notify_one();
            })
        }
    }

    fn spawn_fake() -> (
        Arc<FakeChannel>,
        mpsc::Sender<Vec<u8>>,
        RtcChannel,
        StatusSender,
    ) {
        let (fake, tx) = FakeChannel::new();
        let status = StatusSender::new();
        let channel = RtcChannel::spawn(
            fake.clone(),
            "snowflake-0123456789abcdef".into(),
            None,
            status.clone(),
        );
        (fake, tx, channel, status)
    }

    /// Lets the spawned pumps run until they are idle (paused clock).
    async fn settle() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    #[tokio::test(start_paused = true)]
    async fn bytes_flow_both_ways_and_messages_are_bounded() {
        let (fake, tx, mut channel, _status) = spawn_fake();
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        channel.write_all(&data).await.unwrap();
        channel.flush().await.unwrap();
        // Keep acknowledging so the writer never stalls.
        for _ in 0..20 {
            settle().await;
            fake.drain();
        }
        assert_eq!(fake.sent_bytes(), data);
        assert!(fake
            .sent
            .lock()
            .unwrap()
            .iter()
            .all(|m| !m.is_empty() && m.len() <= MAX_SEND_MESSAGE));

        tx.send(b"hello ".to_vec()).await.unwrap();
        tx.send(b"world".to_vec()).await.unwrap();
        let mut got = [0u8; 11];
        channel.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"hello world");
    }

    #[tokio::test(start_paused = true)]
    async fn writer_waits_while_buffer_is_high_until_it_drains_to_low() {
        let (fake, _tx, mut channel, _status) = spawn_fake();
        // Write far more than the high mark plus the pipe: the pump sends up
        // to the high mark and then waits.
        let total = 4 * BUFFERED_AMOUNT_HIGH;
        let writer = tokio::spawn(async move {
            channel.write_all(&vec![7u8; total]).await.unwrap();
            channel
        });
        settle().await;
        let buffered = fake.buffered.load(Ordering::SeqCst);
        assert!(buffered >= BUFFERED_AMOUNT_HIGH, "{buffered}");
        assert!(
            buffered < BUFFERED_AMOUNT_HIGH + MAX_SEND_MESSAGE,
            "{buffered}"
        );
        assert!(!writer.is_finished());

        // Partly drained but still above the low mark: still waiting.
        fake.buffered
            .store(BUFFERED_AMOUNT_LOW + 1, Ordering::SeqCst);
        fake.low.notify_one();
        settle().await;
        assert_eq!(
            fake.buffered.load(Ordering::SeqCst),
            BUFFERED_AMOUNT_LOW + 1
        );

        // Drained: sending resumes; keep draining until all is through.
        for _ in 0..20 {
            fake.drain();
            settle().await;
        }
        let _channel = writer.await.unwrap();
        settle().await;
        for _ in 0..5 {
            fake.drain();
            settle().await;
        }
        assert_eq!(fake.sent_bytes().len(), total);
    }

    #[tokio::test(start_paused = true)]
    async fn reader_that_stops_reading_stops_the_receive_pump() {
        let (_fake, tx, channel, _status) = spawn_fake();
        // The pipe holds PIPE_BUFFER bytes, the pump one more message, the
        // fake's queue 4; after that the "peer" cannot hand over more.
        let message = vec![1u8; 16 * 1024];
        let mut accepted = 0usize;
        loop {
            match tokio::time::timeout(Duration::from_secs(1), tx.send(message.clone())).await {
                Ok(Ok(())) => accepted += message.len(),
                Ok(Err(_)) => panic!("pump gone"),
                Err(_) => break,
            }
            assert!(accepted <= 1024 * 1024, "receive side is not bounded");
        }
        assert!(accepted <= PIPE_BUFFER + MAX_RECV_MESSAGE + 6 * message.len());
        drop(channel);
    }

    #[tokio::test(start_paused = true)]
    async fn peer_close_gives_eof_and_event() {
        let (_fake, tx, mut channel, _status) = spawn_fake();
        let mut events = channel.events();
        tx.send(b"last".to_vec()).await.unwrap();
        drop(tx);
        let mut got = Vec::new();
        channel.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"last");
        let status = events.closed().await;
        assert!(status.channel_closed);
        // Writes fail once the pumps are gone.
        settle().await;
        assert!(channel.write_all(&[0u8; 200_000]).await.is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn local_shutdown_flushes_then_closes() {
        let (fake, _tx, mut channel, _status) = spawn_fake();
        channel.write_all(b"bye").await.unwrap();
        channel.shutdown().await.unwrap();
        settle().await;
        assert_eq!(fake.sent_bytes(), b"bye");
        // Lingers while the peer has not acknowledged the bytes…
        assert_eq!(fake.close_calls.load(Ordering::SeqCst), 0);
        fake.drain();
        settle().await;
        // …and, once it has, gives its reader a moment, then closes.
        assert_eq!(fake.close_calls.load(Ordering::SeqCst), 0);
        tokio::time::sleep(LINGER_DRAIN).await;
        settle().await;
        assert_eq!(fake.close_calls.load(Ordering::SeqCst), 1);
        assert!(channel.events().status().channel_closed);
    }

    #[tokio::test(start_paused = true)]
    async fn linger_is_capped() {
        let (fake, _tx, mut channel, _status) = spawn_fake();
        channel.write_all(b"never acknowledged").await.unwrap();
        channel.shutdown().await.unwrap();
        tokio::time::sleep(LINGER - Duration::from_millis(100)).await;
        assert_eq!(fake.close_calls.load(Ordering::SeqCst), 0);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(fake.close_calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn drop_still_sends_what_was_written() {
        let (fake, tx, mut channel, _status) = spawn_fake();
        channel.write_all(b"written before drop").await.unwrap();
        // A message from the peer arrives as the caller goes away.
        tx.send(b"unread".to_vec()).await.unwrap();
        drop(channel);
        settle().await;
        assert_eq!(fake.sent_bytes(), b"written before drop");
        fake.drain();
        tokio::time::sleep(LINGER_DRAIN).await;
        settle().await;
        assert_eq!(fake.close_calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn drop_closes_the_channel() {
        let (fake, _tx, channel, _status) = spawn_fake();
        drop(channel);
        tokio::time::sleep(LINGER_DRAIN).await;
        settle().await;
        assert_eq!(fake.close_calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn ice_failure_ends_the_stream() {
        let (fake, _tx, mut channel, status) = spawn_fake();
        status.set_ice(IceState::Connected);
        settle().await;
        assert_eq!(fake.close_calls.load(Ordering::SeqCst), 0);
        status.set_ice(IceState::Disconnected);
        settle().await;
        assert_eq!(fake.close_calls.load(Ordering::SeqCst), 0);
        assert!(channel.events().status().is_dead());
        status.set_ice(IceState::Failed);
        let mut buf = Vec::new();
        channel.read_to_end(&mut buf).await.unwrap();
        assert_eq!(fake.close_calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn oversized_message_ends_the_connection() {
        let (fake, tx, mut channel, _status) = spawn_fake();
        tx.send(vec![0u8; MAX_RECV_MESSAGE + 1]).await.unwrap();
        let mut buf = Vec::new();
        channel.read_to_end(&mut buf).await.unwrap();
        assert!(buf.is_empty());
        settle().await;
        assert_eq!(fake.close_calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn status_predicates() {
        let mut s = LinkStatus::NEW;
        assert!(!s.is_dead() && !s.is_final());
        for (ice, dead, fin) in [
            (IceState::Checking, false, false),
            (IceState::Connected, false, false),
            (IceState::Completed, false, false),
            (IceState::Disconnected, true, false),
            (IceState::Failed, true, true),
            (IceState::Closed, true, true),
        ] {
            s.ice = ice;
            assert_eq!((s.is_dead(), s.is_final()), (dead, fin), "{ice:?}");
        }
        s.ice = IceState::Connected;
        s.channel_closed = true;
        assert!(s.is_dead() && s.is_final());
    }
}
