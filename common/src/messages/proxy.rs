//! Proxy ⇄ broker messages (docs/protocol.md §4.3, §4.4, §6.5).
//!
//! These use Go's struct field names as keys (`Sid`, `NAT`, `RelayURL`, …),
//! in Go's field order. Message version `1.3`; only the major number is
//! checked.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;

use super::gojson::{GoObject, JsonError, ObjectWriter};
use super::nat::NatType;
use super::read_limit::check_read_limit;
use super::sdp::{SdpJsonError, SessionDescription};

/// The proxy message version we send.
pub const PROXY_VERSION: &str = "1.3";

/// The poll interval a broker announces by default (`NextPoll`, per pool).
pub const DEFAULT_NEXT_POLL: Duration = Duration::from_secs(20);

/// The poll interval a broker announces with `incorrect relay pattern`.
pub const REJECTED_NEXT_POLL: Duration = Duration::from_secs(3600);

/// The `Sid` the NAT probe server uses in its answer (§6.5).
pub const PROBE_STUB_SID: &str = "stub-sid";

/// The raw body substring the broker requires in `/answer` requests.
pub const CANDIDATE_MARKER: &str = "a=candidate";

/// A fresh session id as the Go proxy makes them: 16 random bytes in
/// standard base64 with the `=` padding removed (22 characters).
pub fn new_session_id() -> String {
    let bytes: [u8; 16] = rand::random();
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
}

/// What kind of proxy is polling. Unknown kinds are accepted by the broker
/// and recorded as [`ProxyType::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ProxyType {
    /// `standalone`: the command-line proxy.
    #[default]
    Standalone,
    /// `webext`: the browser extension.
    Webext,
    /// `badge`: the web badge.
    Badge,
    /// `iptproxy`: embedded in the IPtProxy library.
    IptProxy,
    /// `bloco` (known to brokers from 2.14.0).
    Bloco,
    /// `unknown`: anything else.
    Unknown,
}

impl ProxyType {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyType::Standalone => "standalone",
            ProxyType::Webext => "webext",
            ProxyType::Badge => "badge",
            ProxyType::IptProxy => "iptproxy",
            ProxyType::Bloco => "bloco",
            ProxyType::Unknown => "unknown",
        }
    }

    /// Maps a wire value to a type; unrecognised values (including
    /// `unknown` and the empty string) give [`ProxyType::Unknown`].
    pub fn from_wire(s: &str) -> Self {
        match s {
            "standalone" => ProxyType::Standalone,
            "webext" => ProxyType::Webext,
            "badge" => ProxyType::Badge,
            "iptproxy" => ProxyType::IptProxy,
            "bloco" => ProxyType::Bloco,
            _ => ProxyType::Unknown,
        }
    }
}

impl fmt::Display for ProxyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `version` has major number 1 (all the Go broker checks).
fn is_major_version_1(version: &str) -> bool {
    version.split('.').next() == Some("1")
}

/// Why a proxy poll request is refused (the broker answers 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyPollRequestError {
    /// Longer than [`READ_LIMIT`](crate::messages::READ_LIMIT).
    #[error("request body too large")]
    TooLarge,
    /// Not JSON of the right shape.
    #[error("{0}")]
    Json(#[from] JsonError),
    /// Major version is not 1.
    #[error("using unknown version")]
    UnknownVersion,
    /// `Sid` missing or empty.
    #[error("no supplied session id")]
    NoSid,
}

/// A proxy asking the broker for a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyPollRequest {
    /// Session id; the following `/answer` must repeat it.
    pub sid: String,
    /// The proxy's kind.
    pub proxy_type: ProxyType,
    /// The proxy's NAT type.
    pub nat: NatType,
    /// Current client count, rounded down to a multiple of 8 by the proxy.
    pub clients: u64,
    /// The relay hostname pattern the proxy accepts (§6.4). `None` means the
    /// key was absent or `null`, which brokers since 2.12.0 reject.
    pub accepted_relay_pattern: Option<String>,
}

impl ProxyPollRequest {
    /// `{"Sid","Version":"1.3","Type","NAT","Clients","AcceptedRelayPattern"}`
    /// in that order; a missing pattern is written as `null`, as Go does.
    pub fn encode(&self) -> Vec<u8> {
        ObjectWriter::new()
            .string("Sid", &self.sid)
            .string("Version", PROXY_VERSION)
            .string("Type", self.proxy_type.as_str())
            .string("NAT", self.nat.as_str())
            .integer("Clients", self.clients)
            .nullable_string(
                "AcceptedRelayPattern",
                self.accepted_relay_pattern.as_deref(),
            )
            .finish()
            .into_bytes()
    }

    /// Decodes as the broker does: JSON (`Clients` must be an integer;
    /// negative counts become 0), major version 1, non-empty `Sid`, proxy
    /// type (unrecognised → `unknown`). The NAT type is never a reason to
    /// refuse: empty or not recognised is `unknown`
    /// ([`NatType::from_request_field`]; 2.14 brokers answered 400 to a
    /// value they did not know, which shut out newer proxies).
    pub fn decode(body: &[u8]) -> Result<Self, ProxyPollRequestError> {
        check_read_limit(body, ProxyPollRequestError::TooLarge)?;
        let object = GoObject::parse(body)?;
        let sid = object.string_or_empty("Sid")?;
        let version = object.string_or_empty("Version")?;
        let proxy_type = object.string_or_empty("Type")?;
        let nat = object.string_or_empty("NAT")?;
        let clients = object.int64("Clients")?.unwrap_or(0);
        let accepted_relay_pattern = object.nullable_string("AcceptedRelayPattern")?;

        if !is_major_version_1(&version) {
            return Err(ProxyPollRequestError::UnknownVersion);
        }
        if sid.is_empty() {
            return Err(ProxyPollRequestError::NoSid);
        }
        let nat = NatType::from_request_field(&nat);
        Ok(ProxyPollRequest {
            sid,
            proxy_type: ProxyType::from_wire(&proxy_type),
            nat,
            clients: u64::try_from(clients).unwrap_or(0),
            accepted_relay_pattern,
        })
    }
}

/// The wire `Status` of a refused, too-early poll (see
/// [`ProxyPollResponse::polled_too_soon`]).
pub const POLLED_TOO_SOON: &str = "polled too soon";

/// The outcome a broker reports to a polling proxy. A fourth status,
/// `polled too soon`, is a kind of [`ProxyPollStatus::NoMatch`] here,
/// flagged by [`ProxyPollResponse::polled_too_soon`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProxyPollStatus {
    /// `client match`: a client's offer is attached.
    ClientMatch,
    /// `no match`: no client arrived while the poll was held.
    NoMatch,
    /// `incorrect relay pattern`: the proxy's `AcceptedRelayPattern` does
    /// not cover the broker's relays (Go proxies treat this as an error).
    IncorrectRelayPattern,
}

impl ProxyPollStatus {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyPollStatus::ClientMatch => "client match",
            ProxyPollStatus::NoMatch => "no match",
            ProxyPollStatus::IncorrectRelayPattern => "incorrect relay pattern",
        }
    }

    fn from_wire(s: &str) -> Option<Self> {
        match s {
            "client match" => Some(ProxyPollStatus::ClientMatch),
            "no match" => Some(ProxyPollStatus::NoMatch),
            "incorrect relay pattern" => Some(ProxyPollStatus::IncorrectRelayPattern),
            _ => None,
        }
    }
}

impl fmt::Display for ProxyPollStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a proxy cannot use a poll response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyPollResponseError {
    /// Longer than [`READ_LIMIT`](crate::messages::READ_LIMIT).
    #[error("response body too large")]
    TooLarge,
    /// Not JSON of the right shape.
    #[error("{0}")]
    Json(#[from] JsonError),
    /// `Status` missing or empty.
    #[error("received invalid data")]
    NoStatus,
    /// `client match` without an `Offer`.
    #[error("no supplied offer")]
    NoOffer,
    /// A status this proxy does not know; the text is the status itself.
    #[error("{0}")]
    UnknownStatus(String),
}

/// The broker's reply to a proxy poll; also the body a proxy sends to the
/// NAT probe server (§6.5).
///
/// `NextPoll` is optional on purpose: brokers from 2.13.0 always send it and
/// should set `next_poll`; `None` leaves the key out, which gives the 2.5.1
/// shape (and its test vector). Both shapes are safe to send to any proxy
/// because Go ignores unknown keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyPollResponse {
    /// The outcome.
    pub status: ProxyPollStatus,
    /// The broker refused to hold this poll because the proxy's address
    /// polled again before its `NextPoll` was up (wire status
    /// [`POLLED_TOO_SOON`], brokers with the per-address poll limit).
    /// `status` is then [`ProxyPollStatus::NoMatch`] (no client, come
    /// back later) and `next_poll` says when the broker takes the next
    /// poll. When set, [`ProxyPollResponse::encode`] writes the
    /// `polled too soon` status with no offer, NAT or relay.
    pub polled_too_soon: bool,
    /// The client's SDP JSON offer, verbatim; empty unless matched.
    pub offer: String,
    /// The client's NAT type; `None` is written as `""` (what Go sends when
    /// there is no match) and is what decoding gives for `""` or a value it
    /// does not know. Use [`ProxyPollResponse::client_nat`] to read it.
    pub nat: Option<NatType>,
    /// When the proxy should poll again (`NextPoll`, milliseconds on the
    /// wire); `None` omits the key. Decoding clamps negative values to 0.
    pub next_poll: Option<Duration>,
    /// The WebSocket URL of the relay to use; empty unless matched.
    pub relay_url: String,
}

impl ProxyPollResponse {
    /// A match carrying the client's offer.
    pub fn client_match(
        offer: impl Into<String>,
        nat: NatType,
        relay_url: impl Into<String>,
        next_poll: Option<Duration>,
    ) -> Self {
        ProxyPollResponse {
            status: ProxyPollStatus::ClientMatch,
            polled_too_soon: false,
            offer: offer.into(),
            nat: Some(nat),
            next_poll,
            relay_url: relay_url.into(),
        }
    }

    /// No client for this poll.
    pub fn no_match(next_poll: Option<Duration>) -> Self {
        ProxyPollResponse {
            status: ProxyPollStatus::NoMatch,
            polled_too_soon: false,
            offer: String::new(),
            nat: None,
            next_poll,
            relay_url: String::new(),
        }
    }

    /// The proxy's relay pattern is not acceptable; brokers announce
    /// [`REJECTED_NEXT_POLL`] with it.
    pub fn incorrect_relay_pattern(next_poll: Option<Duration>) -> Self {
        ProxyPollResponse {
            status: ProxyPollStatus::IncorrectRelayPattern,
            ..Self::no_match(next_poll)
        }
    }

    /// The proxy polled before the broker's limit for its address allows;
    /// it should come back after `next_poll`.
    pub fn polled_too_soon(next_poll: Duration) -> Self {
        ProxyPollResponse {
            polled_too_soon: true,
            ..Self::no_match(Some(next_poll))
        }
    }

    /// The client's NAT type, `unknown` when not stated.
    pub fn client_nat(&self) -> NatType {
        self.nat.unwrap_or(NatType::Unknown)
    }

    /// The offer, parsed.
    pub fn offer_description(&self) -> Result<SessionDescription, SdpJsonError> {
        SessionDescription::from_json(&self.offer)
    }

    /// `{"Status","Offer","NAT"[,"NextPoll"],"RelayURL"}`, Go's order.
    pub fn encode(&self) -> Vec<u8> {
        let mut writer = ObjectWriter::new();
        if self.polled_too_soon {
            writer
                .string("Status", POLLED_TOO_SOON)
                .string("Offer", "")
                .string("NAT", "");
        } else {
            writer
                .string("Status", self.status.as_str())
                .string("Offer", &self.offer)
                .string("NAT", self.nat.map(NatType::as_str).unwrap_or(""));
        }
        if let Some(next_poll) = self.next_poll {
            let millis = i64::try_from(next_poll.as_millis()).unwrap_or(i64::MAX);
            writer.integer("NextPoll", millis);
        }
        let relay_url = if self.polled_too_soon {
            ""
        } else {
            &self.relay_url
        };
        writer.string("RelayURL", relay_url);
        writer.finish().into_bytes()
    }

    /// Decodes as a proxy: `Status` required; `client match` needs an
    /// `Offer`; the offer is dropped for other statuses; `polled too soon`
    /// is a no-match with [`ProxyPollResponse::polled_too_soon`] set;
    /// statuses other than these four are an error carrying their text.
    pub fn decode(body: &[u8]) -> Result<Self, ProxyPollResponseError> {
        check_read_limit(body, ProxyPollResponseError::TooLarge)?;
        let object = GoObject::parse(body)?;
        let status = object.string_or_empty("Status")?;
        let offer = object.string_or_empty("Offer")?;
        let nat = object.string_or_empty("NAT")?;
        let next_poll = object.int64("NextPoll")?;
        let relay_url = object.string_or_empty("RelayURL")?;

        if status.is_empty() {
            return Err(ProxyPollResponseError::NoStatus);
        }
        let polled_too_soon = status == POLLED_TOO_SOON;
        let status = if polled_too_soon {
            ProxyPollStatus::NoMatch
        } else {
            ProxyPollStatus::from_wire(&status)
                .ok_or(ProxyPollResponseError::UnknownStatus(status))?
        };
        let offer = match status {
            ProxyPollStatus::ClientMatch if offer.is_empty() => {
                return Err(ProxyPollResponseError::NoOffer)
            }
            ProxyPollStatus::ClientMatch => offer,
            _ => String::new(),
        };
        Ok(ProxyPollResponse {
            status,
            polled_too_soon,
            offer,
            nat: NatType::from_wire(&nat),
            next_poll: next_poll.map(|ms| Duration::from_millis(u64::try_from(ms).unwrap_or(0))),
            relay_url,
        })
    }
}

/// Why the broker refuses an answer (it replies 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyAnswerRequestError {
    /// Longer than [`READ_LIMIT`](crate::messages::READ_LIMIT).
    #[error("request body too large")]
    TooLarge,
    /// The raw body does not contain `a=candidate`.
    #[error("answer carries no ICE candidate")]
    NoCandidate,
    /// Not JSON of the right shape.
    #[error("{0}")]
    Json(#[from] JsonError),
    /// Major version is not 1.
    #[error("using unknown version")]
    UnknownVersion,
    /// `Sid` or `Answer` missing or empty.
    #[error("no supplied sid or answer")]
    NoSidOrAnswer,
    /// `Answer` is not a session description.
    #[error("malformed session description: {0}")]
    MalformedAnswer(SdpJsonError),
}

/// A proxy delivering its SDP answer (also what the NAT probe server sends
/// back to a proxy, with `Sid` [`PROBE_STUB_SID`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyAnswerRequest {
    /// The `Sid` of the poll that brought the offer.
    pub sid: String,
    /// The SDP JSON answer, forwarded verbatim to the client.
    pub answer: String,
}

impl ProxyAnswerRequest {
    /// A request carrying `answer` serialised as Go does.
    pub fn new(sid: impl Into<String>, answer: &SessionDescription) -> Self {
        ProxyAnswerRequest {
            sid: sid.into(),
            answer: answer.to_json(),
        }
    }

    /// `{"Version":"1.3","Sid":"…","Answer":"…"}`.
    pub fn encode(&self) -> Vec<u8> {
        ObjectWriter::new()
            .string("Version", PROXY_VERSION)
            .string("Sid", &self.sid)
            .string("Answer", &self.answer)
            .finish()
            .into_bytes()
    }

    /// Decodes as the broker does: the raw body must contain `a=candidate`
    /// (checked before parsing, as Go's handler does), then JSON, major
    /// version 1, non-empty `Sid` and `Answer`, and an `Answer` that parses
    /// as a session description.
    pub fn decode(body: &[u8]) -> Result<Self, ProxyAnswerRequestError> {
        check_read_limit(body, ProxyAnswerRequestError::TooLarge)?;
        let marker = CANDIDATE_MARKER.as_bytes();
        if !body.windows(marker.len()).any(|window| window == marker) {
            return Err(ProxyAnswerRequestError::NoCandidate);
        }
        let object = GoObject::parse(body)?;
        let version = object.string_or_empty("Version")?;
        let sid = object.string_or_empty("Sid")?;
        let answer = object.string_or_empty("Answer")?;
        if !is_major_version_1(&version) {
            return Err(ProxyAnswerRequestError::UnknownVersion);
        }
        if sid.is_empty() || answer.is_empty() {
            return Err(ProxyAnswerRequestError::NoSidOrAnswer);
        }
        SessionDescription::from_json(&answer).map_err(ProxyAnswerRequestError::MalformedAnswer)?;
        Ok(ProxyAnswerRequest { sid, answer })
    }

    /// The answer, parsed.
    pub fn answer_description(&self) -> Result<SessionDescription, SdpJsonError> {
        SessionDescription::from_json(&self.answer)
    }
}

/// Why a proxy cannot read the broker's reply to its answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyAnswerResponseError {
    /// Longer than [`READ_LIMIT`](crate::messages::READ_LIMIT).
    #[error("response body too large")]
    TooLarge,
    /// Not JSON of the right shape.
    #[error("{0}")]
    Json(#[from] JsonError),
    /// `Status` missing or empty.
    #[error("received invalid data")]
    NoStatus,
}

/// The broker's reply to an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyAnswerResponse {
    /// `success`: the answer went to the waiting client.
    Success,
    /// `client gone`: the client already gave up (a failure for the proxy).
    ClientGone,
}

impl ProxyAnswerResponse {
    /// `{"Status":"success"}` or `{"Status":"client gone"}`.
    pub fn encode(&self) -> Vec<u8> {
        let status = match self {
            ProxyAnswerResponse::Success => "success",
            ProxyAnswerResponse::ClientGone => "client gone",
        };
        ObjectWriter::new()
            .string("Status", status)
            .finish()
            .into_bytes()
    }

    /// Decodes as the Go proxy does: `success` is success, any other
    /// non-empty status means the client is gone.
    pub fn decode(body: &[u8]) -> Result<Self, ProxyAnswerResponseError> {
        check_read_limit(body, ProxyAnswerResponseError::TooLarge)?;
        let object = GoObject::parse(body)?;
        let status = object.string_or_empty("Status")?;
        match status.as_str() {
            "" => Err(ProxyAnswerResponseError::NoStatus),
            "success" => Ok(ProxyAnswerResponse::Success),
            _ => Ok(ProxyAnswerResponse::ClientGone),
        }
    }
}
