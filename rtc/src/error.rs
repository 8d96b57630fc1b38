//! Why a WebRTC operation failed: the one error type of this crate, shared
//! by the backend trait, the backends and the byte-stream adapter.

use snowflake_common::messages::SdpType;

/// Why a WebRTC operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RtcError {
    /// The WebRTC stack reported an error (its text; the type differs per
    /// backend version).
    #[error("webrtc: {0}")]
    Backend(String),
    /// A session description of the wrong kind (an answer where an offer
    /// was expected, …).
    #[error("expected an {expected} session description, got {got}")]
    WrongSdpType {
        /// What was needed.
        expected: SdpType,
        /// What came.
        got: SdpType,
    },
    /// ICE failed, or the peer connection closed, before the data channel
    /// opened.
    #[error("connection failed before the data channel opened")]
    FailedBeforeOpen,
    /// The data channel is closed.
    #[error("data channel closed")]
    ChannelClosed,
    /// The peer sent a message bigger than we accept.
    #[error("received a data channel message larger than the {0}-byte limit")]
    MessageTooLarge(usize),
    /// The configured port range is empty or unusable.
    #[error("bad UDP port range {0}-{1}")]
    BadPortRange(u16, u16),
}

impl RtcError {
    /// Wraps a backend error by its text.
    pub fn backend(error: impl std::fmt::Display) -> Self {
        RtcError::Backend(error.to_string())
    }
}
