//! Closing what a backend opened: the guard that closes an abandoned peer
//! connection in the background, and the logged close of an open channel.
//! Both WebRTC backends use these with their own connection and channel
//! types, which implement [`Closable`].

use std::sync::Arc;
use std::time::Duration;

use crate::channel::BoxFuture;
use crate::error::RtcError;

/// A WebRTC object (peer connection or data channel) that can be closed.
pub(crate) trait Closable: Send + Sync + 'static {
    /// What it is, for the log line when closing fails.
    const KIND: &'static str;

    /// Closes it.
    fn close_now(&self) -> BoxFuture<'_, Result<(), RtcError>>;
}

/// Closes `object`; a failure is only logged (there is nothing left to do).
pub(crate) async fn close_logged<C: Closable + ?Sized>(object: &C) {
    if let Err(error) = object.close_now().await {
        tracing::debug!(%error, "closing {}", C::KIND);
    }
}

/// Longest wait for a data channel's close (its stream reset) before the
/// peer connection is closed anyway.
pub(crate) const CHANNEL_CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Longest wait for a peer connection's close.
pub(crate) const PEER_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Closes an open data channel, then its peer connection. Each step is
/// bounded: on a lossy link the channel's stream reset can wait on SCTP
/// retransmissions for a long time, and until the peer connection is closed
/// its ICE agent keeps answering the remote side's checks, so a proxy would
/// keep a slot for a client that has gone (seen at 200 ms / 3 % loss: the
/// client's close never finished and the proxy stayed busy for minutes).
pub(crate) async fn close_channel_and_peer<D, P>(channel: &D, peer: &P)
where
    D: Closable + ?Sized,
    P: Closable + ?Sized,
{
    close_bounded(channel, CHANNEL_CLOSE_TIMEOUT).await;
    close_bounded(peer, PEER_CLOSE_TIMEOUT).await;
}

/// [`close_logged`], given up after `limit`.
async fn close_bounded<C: Closable + ?Sized>(object: &C, limit: Duration) {
    if tokio::time::timeout(limit, close_logged(object))
        .await
        .is_err()
    {
        tracing::debug!(?limit, "closing {} timed out", C::KIND);
    }
}

/// Closes `object` without blocking the caller (used from `Drop`); does
/// nothing outside a tokio runtime.
pub(crate) fn close_in_background<C: Closable + ?Sized>(object: Arc<C>) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move { close_logged(&*object).await });
    }
}

/// Owns a peer connection until it is handed to an open channel; closes it
/// when dropped before that (failed or abandoned negotiation).
pub(crate) struct PeerGuard<P: Closable + ?Sized> {
    pc: Arc<P>,
    armed: bool,
}

impl<P: Closable + ?Sized> PeerGuard<P> {
    /// Guards `pc`.
    pub(crate) fn new(pc: Arc<P>) -> Self {
        PeerGuard { pc, armed: true }
    }

    /// The guarded connection.
    pub(crate) fn get(&self) -> &P {
        &self.pc
    }

    /// Hands the connection over; the guard no longer closes it.
    pub(crate) fn disarm(mut self) -> Arc<P> {
        self.armed = false;
        self.pc.clone()
    }
}

impl<P: Closable + ?Sized> Drop for PeerGuard<P> {
    fn drop(&mut self) {
        if self.armed {
            close_in_background(self.pc.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[derive(Default)]
    struct Counted(AtomicUsize);

    impl Closable for Counted {
        const KIND: &'static str = "test object";

        fn close_now(&self) -> BoxFuture<'_, Result<(), RtcError>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { Err(RtcError::ChannelClosed) })
        }
    }

    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn dropping_an_armed_guard_closes_in_background() {
        let pc = Arc::new(Counted::default());
        drop(PeerGuard::new(pc.clone()));
        settle().await;
        assert_eq!(pc.0.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_disarmed_guard_leaves_the_connection_open() {
        let pc = Arc::new(Counted::default());
        let handed_over = PeerGuard::new(pc.clone()).disarm();
        settle().await;
        assert_eq!(handed_over.0.load(Ordering::SeqCst), 0);
    }

    /// A close that never finishes (a stream reset that is never
    /// acknowledged, a peer connection stuck in its teardown).
    #[derive(Default)]
    struct Hangs(AtomicUsize);

    impl Closable for Hangs {
        const KIND: &'static str = "hanging object";

        fn close_now(&self) -> BoxFuture<'_, Result<(), RtcError>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Box::pin(std::future::pending())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_channel_close_that_hangs_still_lets_the_peer_close() {
        let channel = Hangs::default();
        let peer = Counted::default();
        close_channel_and_peer(&channel, &peer).await;
        assert_eq!(channel.0.load(Ordering::SeqCst), 1);
        assert_eq!(peer.0.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_peer_close_that_hangs_does_not_hold_the_caller() {
        let channel = Counted::default();
        let peer = Hangs::default();
        let start = tokio::time::Instant::now();
        close_channel_and_peer(&channel, &peer).await;
        assert_eq!(peer.0.load(Ordering::SeqCst), 1);
        // Paused clock: the only time that passes is the two bounds.
        assert!(start.elapsed() <= CHANNEL_CLOSE_TIMEOUT + PEER_CLOSE_TIMEOUT);
    }

    #[test]
    fn outside_a_runtime_the_guard_does_nothing() {
        let pc = Arc::new(Counted::default());
        drop(PeerGuard::new(pc.clone()));
        assert_eq!(pc.0.load(Ordering::SeqCst), 0);
    }
}
