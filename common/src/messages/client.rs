//! Client ⇄ broker messages (docs/protocol.md §4.2).
//!
//! Request body: `1.0\n{"offer":"<SDP JSON>","nat":"…","fingerprint":"…"}`.
//! Response body: `{"answer":"<SDP JSON>"}` or `{"error":"…"}`, always with
//! HTTP 200 (except for the legacy format, see [`ClientPollFormat`]).

use std::fmt;

use super::gojson::{GoObject, JsonError, ObjectWriter};
use super::nat::NatType;
use super::read_limit::check_read_limit;
use super::sdp::{SdpJsonError, SessionDescription};

/// The version line that starts every client poll request.
pub const CLIENT_VERSION: &str = "1.0";

/// The bridge a client means when it names none (`defaultBridgeFingerprint`).
pub const DEFAULT_BRIDGE_FINGERPRINT: &str = "2B280B23E1107BB62ABFC40DDCC8824814F80A72";

/// HTTP header carrying the NAT type in the legacy request format.
pub const NAT_TYPE_HEADER: &str = "Snowflake-NAT-Type";

/// Error text: no compatible proxy is waiting (`StrNoProxies`).
pub const STR_NO_PROXIES: &str = "no snowflake proxies currently available";
/// Error text: a proxy was matched but its answer did not come in time
/// (`StrTimedOut`).
pub const STR_TIMED_OUT: &str = "timed out waiting for answer!";
/// Error text: the requested bridge fingerprint is not in the bridge list.
pub const STR_UNKNOWN_BRIDGE: &str = "bridge with requested fingerprint is unknown to the broker";
/// Error text: an AMP request path could not be decoded.
pub const STR_CANNOT_DECODE_URL_PATH: &str = "cannot decode URL path";

/// The fingerprint (SHA-1, or 32-byte ed25519 identity) naming the bridge a
/// client wants to reach; the broker maps it to a relay URL (§4.7).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BridgeFingerprint {
    bytes: Vec<u8>,
}

/// A bridge fingerprint that is not 20 or 32 bytes of hex.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BridgeFingerprintError {
    /// Not hex (odd length or a non-hex character).
    #[error("bridge fingerprint is not hex")]
    NotHex,
    /// Hex, but not 20 or 32 bytes long.
    #[error("bridge fingerprint invalid")]
    WrongLength,
}

impl BridgeFingerprint {
    /// Wraps raw fingerprint bytes (20 or 32 of them).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BridgeFingerprintError> {
        match bytes.len() {
            20 | 32 => Ok(BridgeFingerprint {
                bytes: bytes.to_vec(),
            }),
            _ => Err(BridgeFingerprintError::WrongLength),
        }
    }

    /// Parses hex in either case, like Go's `hex.DecodeString`.
    pub fn from_hex(hex_text: &str) -> Result<Self, BridgeFingerprintError> {
        let bytes = hex::decode(hex_text).map_err(|_| BridgeFingerprintError::NotHex)?;
        Self::from_bytes(&bytes)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Upper-case hex, the usual Tor spelling.
    pub fn to_hex(&self) -> String {
        hex::encode_upper(&self.bytes)
    }
}

impl Default for BridgeFingerprint {
    /// The default bridge, [`DEFAULT_BRIDGE_FINGERPRINT`].
    fn default() -> Self {
        // The bytes of DEFAULT_BRIDGE_FINGERPRINT (a test checks they agree).
        BridgeFingerprint {
            bytes: vec![
                0x2B, 0x28, 0x0B, 0x23, 0xE1, 0x10, 0x7B, 0xB6, 0x2A, 0xBF, 0xC4, 0x0D, 0xDC, 0xC8,
                0x82, 0x48, 0x14, 0xF8, 0x0A, 0x72,
            ],
        }
    }
}

impl fmt::Debug for BridgeFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BridgeFingerprint({})", self.to_hex())
    }
}

impl fmt::Display for BridgeFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Why a client poll request was refused. The `Display` texts are Go's:
/// the broker sends them back as `{"error":"<text>"}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientPollRequestError {
    /// Longer than [`READ_LIMIT`](crate::messages::READ_LIMIT).
    #[error("request body too large")]
    TooLarge,
    /// The first line is missing or is not exactly `1.0`.
    #[error("unsupported message version")]
    UnsupportedVersion,
    /// The JSON after the version line is malformed.
    #[error("{0}")]
    Json(#[from] JsonError),
    /// `offer` is missing or empty.
    #[error("no supplied offer")]
    NoOffer,
    /// `offer` is not a session description.
    #[error("malformed session description: {0}")]
    MalformedOffer(SdpJsonError),
    /// `fingerprint` is not 20 or 32 bytes of hex.
    #[error("cannot decode fingerprint")]
    BadFingerprint,
}

/// Which of the two request formats a client used; the broker answers each
/// in its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientPollFormat {
    /// Pre-1.0 clients: the body is the bare SDP JSON offer, the NAT type is
    /// in the [`NAT_TYPE_HEADER`] header. Answer with the bare SDP JSON
    /// answer (200), or status 503 (no proxies) / 504 (timeout).
    Legacy,
    /// `1.0\n{…}`; answer with a [`ClientPollResponse`], always 200.
    V1,
}

/// A client's request for a proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientPollRequest {
    /// The offer as SDP JSON text, forwarded verbatim to the proxy.
    pub offer: String,
    /// The client's NAT type.
    pub nat: NatType,
    /// The bridge the client wants.
    pub fingerprint: BridgeFingerprint,
}

impl ClientPollRequest {
    /// A request carrying `offer` (serialised as Go does).
    pub fn new(offer: &SessionDescription, nat: NatType, fingerprint: BridgeFingerprint) -> Self {
        ClientPollRequest {
            offer: offer.to_json(),
            nat,
            fingerprint,
        }
    }

    /// The request body: `1.0\n` and the JSON object, all keys present.
    pub fn encode(&self) -> Vec<u8> {
        let json = ObjectWriter::new()
            .string("offer", &self.offer)
            .string("nat", self.nat.as_str())
            .string("fingerprint", &self.fingerprint.to_hex())
            .finish();
        let mut body = Vec::with_capacity(CLIENT_VERSION.len() + 1 + json.len());
        body.extend_from_slice(CLIENT_VERSION.as_bytes());
        body.push(b'\n');
        body.extend_from_slice(json.as_bytes());
        body
    }

    /// Decodes a `1.0\n{…}` body (as sent over HTTP, AMP or SQS).
    ///
    /// Checks, in order: version line, JSON, non-empty offer that parses as
    /// a session description, fingerprint (default if empty). The NAT type
    /// is never a reason to refuse: empty or not recognised is `unknown`
    /// ([`NatType::from_request_field`]), where 2.14 brokers answered
    /// "invalid NAT type" to a value they did not know.
    pub fn decode(body: &[u8]) -> Result<Self, ClientPollRequestError> {
        check_read_limit(body, ClientPollRequestError::TooLarge)?;
        let newline = body
            .iter()
            .position(|&b| b == b'\n')
            .ok_or(ClientPollRequestError::UnsupportedVersion)?;
        let (version, rest) = body.split_at(newline);
        if version != CLIENT_VERSION.as_bytes() {
            return Err(ClientPollRequestError::UnsupportedVersion);
        }
        let json = rest.get(1..).unwrap_or_default();
        let object = GoObject::parse(json)?;
        let offer = object.string_or_empty("offer")?;
        let nat = object.string_or_empty("nat")?;
        let fingerprint = object.string_or_empty("fingerprint")?;

        if offer.is_empty() {
            return Err(ClientPollRequestError::NoOffer);
        }
        SessionDescription::from_json(&offer).map_err(ClientPollRequestError::MalformedOffer)?;
        let fingerprint = if fingerprint.is_empty() {
            BridgeFingerprint::default()
        } else {
            BridgeFingerprint::from_hex(&fingerprint)
                .map_err(|_| ClientPollRequestError::BadFingerprint)?
        };
        let nat = NatType::from_request_field(&nat);
        Ok(ClientPollRequest {
            offer,
            nat,
            fingerprint,
        })
    }

    /// Decodes a `/client` body in either format: a body starting with `{`
    /// is the legacy bare offer (NAT type from the `Snowflake-NAT-Type`
    /// header value `nat_header`, default bridge), anything else goes to
    /// [`ClientPollRequest::decode`].
    ///
    /// Unlike the Go broker, the legacy offer is checked to be a session
    /// description ([`ClientPollRequestError::MalformedOffer`]); a legacy
    /// header value that is not a NAT type counts as `unknown` (Go keeps
    /// the raw text, which pairs the same way).
    pub fn decode_with_legacy(
        body: &[u8],
        nat_header: Option<&str>,
    ) -> Result<(ClientPollFormat, Self), ClientPollRequestError> {
        if body.first() != Some(&b'{') {
            return Self::decode(body).map(|request| (ClientPollFormat::V1, request));
        }
        check_read_limit(body, ClientPollRequestError::TooLarge)?;
        let offer = String::from_utf8_lossy(body).into_owned();
        SessionDescription::from_json(&offer).map_err(ClientPollRequestError::MalformedOffer)?;
        let nat = NatType::from_request_field(nat_header.unwrap_or_default());
        Ok((
            ClientPollFormat::Legacy,
            ClientPollRequest {
                offer,
                nat,
                fingerprint: BridgeFingerprint::default(),
            },
        ))
    }

    /// The offer, parsed.
    pub fn offer_description(&self) -> Result<SessionDescription, SdpJsonError> {
        SessionDescription::from_json(&self.offer)
    }
}

/// Why a client poll response could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientPollResponseError {
    /// Longer than [`READ_LIMIT`](crate::messages::READ_LIMIT).
    #[error("response body too large")]
    TooLarge,
    /// Not JSON of the right shape.
    #[error("{0}")]
    Json(#[from] JsonError),
    /// Neither `answer` nor `error` is set.
    #[error("received empty broker response")]
    Empty,
}

/// The broker's reply to a client poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientPollResponse {
    /// A proxy answered: its SDP JSON answer, verbatim.
    Answer(String),
    /// No answer; the reason (see the `STR_*` constants).
    Error(String),
}

impl ClientPollResponse {
    /// A response carrying `answer` serialised as Go does.
    pub fn from_answer(answer: &SessionDescription) -> Self {
        ClientPollResponse::Answer(answer.to_json())
    }

    /// `{"answer":"…"}` or `{"error":"…"}`; an empty string is left out
    /// (Go's `omitempty`), so an empty one encodes as `{}`.
    pub fn encode(&self) -> Vec<u8> {
        let mut writer = ObjectWriter::new();
        match self {
            ClientPollResponse::Answer(answer) if !answer.is_empty() => {
                writer.string("answer", answer);
            }
            ClientPollResponse::Error(error) if !error.is_empty() => {
                writer.string("error", error);
            }
            _ => {}
        }
        writer.finish().into_bytes()
    }

    /// Decodes a response; a non-empty `error` takes precedence over an
    /// `answer`, as in the Go client.
    pub fn decode(body: &[u8]) -> Result<Self, ClientPollResponseError> {
        check_read_limit(body, ClientPollResponseError::TooLarge)?;
        let object = GoObject::parse(body)?;
        let answer = object.string_or_empty("answer")?;
        let error = object.string_or_empty("error")?;
        if !error.is_empty() {
            Ok(ClientPollResponse::Error(error))
        } else if !answer.is_empty() {
            Ok(ClientPollResponse::Answer(answer))
        } else {
            Err(ClientPollResponseError::Empty)
        }
    }
}
