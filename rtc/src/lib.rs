//! WebRTC for Snowflake: the one data channel between a client (offerer)
//! and a proxy (answerer), docs/protocol.md §5.
//!
//! Callers see a small trait, [`RtcBackend`], and get an [`RtcChannel`], a
//! tokio `AsyncRead + AsyncWrite` byte stream with bounded buffering, plus
//! [`LinkEvents`] to notice a dead peer quickly. Which WebRTC library sits
//! underneath is a cargo feature:
//!
//! * `webrtc17` (default): webrtc-rs 0.17, the Pion port, with detached
//!   data channels;
//! * `webrtc21`: webrtc-rs 0.21, the async layer over the sans-IO `rtc`
//!   crate.
//!
//! [`default_backend`] picks the default one. The SDP helpers in [`sdp`]
//! (label, local-address stripping, the proxy's `client_ip`) need no
//! WebRTC stack.

pub mod backend;
#[cfg(feature = "webrtc17")]
pub mod backend_webrtc17;
#[cfg(feature = "webrtc21")]
pub mod backend_webrtc21;
pub mod channel;
#[cfg(any(feature = "webrtc17", feature = "webrtc21"))]
mod close_guard;
pub mod config;
pub mod covert;
pub mod datagram;
pub mod error;
#[cfg(any(feature = "webrtc17", feature = "webrtc21"))]
mod negotiation;
pub mod packet_socket;
#[cfg(feature = "webrtc17")]
mod packet_socket_webrtc17;
pub mod sdp;

use std::sync::Arc;

pub use backend::{AnswerPeer, OfferPeer, RtcBackend};
pub use channel::{IceState, LinkEvents, LinkStatus, RtcChannel};
pub use config::RtcConfig;
pub use covert::{BrowserFamily, CovertDtlsConfig, CovertDtlsMode};
pub use datagram::{DatagramChannel, DatagramLink, DatagramSent, DATAGRAM_LABEL};
pub use error::RtcError;
pub use packet_socket::{PacketSocket, PacketSocketFactory};
pub use sdp::{client_ip_from_sdp, new_channel_label, strip_local_addresses};

/// The backend the client and proxy use: webrtc-rs 0.17 when its feature is
/// on (the default), else 0.21.
#[cfg(any(feature = "webrtc17", feature = "webrtc21"))]
pub fn default_backend(config: RtcConfig) -> Result<Arc<dyn RtcBackend>, RtcError> {
    #[cfg(feature = "webrtc17")]
    {
        Ok(Arc::new(backend_webrtc17::Webrtc17Backend::new(config)?))
    }
    #[cfg(not(feature = "webrtc17"))]
    {
        Ok(Arc::new(backend_webrtc21::Webrtc21Backend::new(config)?))
    }
}

/// Every backend compiled in, for tests and the benchmark.
pub fn all_backends(config: &RtcConfig) -> Result<Vec<Arc<dyn RtcBackend>>, RtcError> {
    let backends: [Option<Arc<dyn RtcBackend>>; 2] = [
        #[cfg(feature = "webrtc17")]
        Some(Arc::new(backend_webrtc17::Webrtc17Backend::new(
            config.clone(),
        )?)),
        #[cfg(not(feature = "webrtc17"))]
        None,
        #[cfg(feature = "webrtc21")]
        Some(Arc::new(backend_webrtc21::Webrtc21Backend::new(
            config.clone(),
        )?)),
        #[cfg(not(feature = "webrtc21"))]
        None,
    ];
    let _ = config;
    Ok(backends.into_iter().flatten().collect())
}
