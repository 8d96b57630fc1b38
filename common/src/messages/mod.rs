//! Broker protocol messages (docs/protocol.md §4 and §5, vectors §11.7).
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
//! * [`nat`]: the NAT type both report.

pub mod client;
mod gojson;
pub mod nat;
pub mod proxy;
mod read_limit;
pub mod sdp;

pub use client::{
    BridgeFingerprint, BridgeFingerprintError, ClientPollFormat, ClientPollRequest,
    ClientPollRequestError, ClientPollResponse, ClientPollResponseError,
};
pub use gojson::JsonError;
pub use nat::{NatClass, NatType};
pub use proxy::{
    ProxyAnswerRequest, ProxyAnswerRequestError, ProxyAnswerResponse, ProxyAnswerResponseError,
    ProxyPollRequest, ProxyPollRequestError, ProxyPollResponse, ProxyPollResponseError,
    ProxyPollStatus, ProxyType,
};
pub use read_limit::READ_LIMIT;
pub use sdp::{SdpJsonError, SdpType, SessionDescription};
