//! The backend trait the client and proxy use.

use snowflake_common::messages::SessionDescription;

use crate::channel::{BoxFuture, LinkEvents, RtcChannel};
use crate::config::RtcConfig;
use crate::error::RtcError;

/// Makes WebRTC peers. The client calls [`RtcBackend::create_offer`], the
/// proxy [`RtcBackend::answer_offer`]; both end with an [`RtcChannel`].
///
/// Implementations hide one WebRTC library version each; pick one with
/// [`crate::default_backend`] or a constructor of a `backend_*` module.
pub trait RtcBackend: Send + Sync + 'static {
    /// Short name for logs and the benchmark, e.g. `webrtc-0.17`.
    fn name(&self) -> &'static str;

    /// The configuration peers are made with.
    fn config(&self) -> &RtcConfig;

    /// Client side: a new peer with one data channel (label from
    /// [`crate::sdp::new_channel_label`], ordered, reliable) created before
    /// the offer; waits for ICE gathering to finish (no trickle) and returns
    /// the peer with its offer (local candidates stripped unless configured
    /// otherwise).
    fn create_offer(&self) -> BoxFuture<'_, Result<Box<dyn OfferPeer>, RtcError>>;

    /// Proxy side: a new peer answering `offer`, accepting whatever channel
    /// the client opens; waits for ICE gathering to finish and returns the
    /// peer with its answer.
    fn answer_offer<'a>(
        &'a self,
        offer: &'a SessionDescription,
    ) -> BoxFuture<'a, Result<Box<dyn AnswerPeer>, RtcError>>;
}

/// A client peer whose offer is ready to send to the broker. Dropping it
/// closes the peer connection.
pub trait OfferPeer: Send {
    /// The offer, with all candidates inline.
    fn offer(&self) -> &SessionDescription;
    /// The data channel's label.
    fn label(&self) -> &str;
    /// The link status (ICE state, channel closed) from now on.
    fn events(&self) -> LinkEvents;
    /// Applies the proxy's answer and waits for the data channel to open.
    /// Fails early if ICE fails or the connection closes; the caller adds
    /// its own timeout (the Go client's is 10 s).
    fn connect(
        self: Box<Self>,
        answer: SessionDescription,
    ) -> BoxFuture<'static, Result<RtcChannel, RtcError>>;
}

/// A proxy peer whose answer is ready to send to the broker. Dropping it
/// closes the peer connection.
pub trait AnswerPeer: Send {
    /// The answer, with all candidates inline.
    fn answer(&self) -> &SessionDescription;
    /// The link status (ICE state, channel closed) from now on.
    fn events(&self) -> LinkEvents;
    /// Waits for the client's data channel to open. Fails early if ICE fails
    /// or the connection closes; the caller adds its own timeout (the Go
    /// proxy's is 20 s).
    fn connect(self: Box<Self>) -> BoxFuture<'static, Result<RtcChannel, RtcError>>;
}
