//! Broker protocol messages (protocol reference §4 and §5, vectors §11.7).
//!
//! Pure codecs: every message has an `encode` producing the exact bytes a Go
//! peer produces (Go's field names, field order and string escaping) and a
//! `decode` that accepts what Go's `encoding/json` accepts (keys matched
//! case-insensitively, unknown keys ignored, last duplicate wins) and then
//! applies the checks of the Go reference, with its error texts where a peer
//! can see them.
//!
//! * [`client`]: client ⇄ broker (`/client`, AMP, SQS bodies).
//! * [`proxy`]: proxy ⇄ broker (`/proxy`, `/answer`) and the NAT probe.
//! * [`sdp`]: the session-description JSON nested inside both.

pub mod client;
mod gojson;
pub mod proxy;
pub mod sdp;

use std::fmt;

pub use client::{
    BridgeFingerprint, BridgeFingerprintError, ClientPollFormat, ClientPollRequest,
    ClientPollRequestError, ClientPollResponse, ClientPollResponseError,
};
pub use gojson::JsonError;
pub use proxy::{
    ProxyAnswerRequest, ProxyAnswerRequestError, ProxyAnswerResponse, ProxyAnswerResponseError,
    ProxyPollRequest, ProxyPollRequestError, ProxyPollResponse, ProxyPollResponseError,
    ProxyPollStatus, ProxyType,
};
pub use sdp::{SdpJsonError, SdpType, SessionDescription};

/// Largest request body the broker reads (`readLimit` in Go); the client
/// reads at most this much of a broker response too. Decoders reject longer
/// input.
pub const READ_LIMIT: usize = 100_000;

/// A peer's NAT type as reported to the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NatType {
    /// Not yet determined; the broker pairs it like `restricted`.
    #[default]
    Unknown,
    /// Behind a NAT that needs the other side to be unrestricted.
    Restricted,
    /// Reachable by peers behind any NAT.
    Unrestricted,
}

impl NatType {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NatType::Unknown => "unknown",
            NatType::Restricted => "restricted",
            NatType::Unrestricted => "unrestricted",
        }
    }

    /// Parses the wire spelling exactly (case-sensitive, as Go compares).
    /// The empty string is not accepted here; decoders map it to
    /// [`NatType::Unknown`] themselves where the protocol says so.
    pub fn from_wire(s: &str) -> Option<Self> {
        match s {
            "unknown" => Some(NatType::Unknown),
            "restricted" => Some(NatType::Restricted),
            "unrestricted" => Some(NatType::Unrestricted),
            _ => None,
        }
    }
}

impl fmt::Display for NatType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
