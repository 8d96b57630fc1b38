//! Session descriptions as JSON (docs/protocol.md §5).
//!
//! Offers and answers travel as the JSON of pion's `SessionDescription`,
//! `{"type":"offer","sdp":"v=0\r\n…"}`, and that JSON is itself carried as a
//! string inside the broker messages.

use std::fmt;

use serde_json::Value;

use super::gojson::ObjectWriter;

/// The `type` of a session description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SdpType {
    /// `offer`
    Offer,
    /// `pranswer`
    Pranswer,
    /// `answer`
    Answer,
    /// `rollback`
    Rollback,
}

impl SdpType {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SdpType::Offer => "offer",
            SdpType::Pranswer => "pranswer",
            SdpType::Answer => "answer",
            SdpType::Rollback => "rollback",
        }
    }

    /// Parses the wire spelling (case-sensitive, as pion does).
    pub fn from_wire(s: &str) -> Option<Self> {
        match s {
            "offer" => Some(SdpType::Offer),
            "pranswer" => Some(SdpType::Pranswer),
            "answer" => Some(SdpType::Answer),
            "rollback" => Some(SdpType::Rollback),
            _ => None,
        }
    }
}

impl fmt::Display for SdpType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not a session description. The texts of the first three
/// are Go's (`util.DeserializeSessionDescription`); brokers show them to
/// clients after `malformed session description: `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpJsonError {
    /// Not JSON, or not a JSON object.
    #[error("invalid session description JSON: {0}")]
    Json(String),
    /// No `type` key.
    #[error("cannot deserialize SessionDescription without type field")]
    MissingType,
    /// No `sdp` key.
    #[error("cannot deserialize SessionDescription without sdp field")]
    MissingSdp,
    /// `type` is a string other than the four known ones.
    #[error("Unknown SDP type")]
    UnknownType,
    /// `type` is not a string.
    #[error("SessionDescription type field is not a string")]
    TypeNotString,
    /// `sdp` is not a string.
    #[error("SessionDescription sdp field is not a string")]
    SdpNotString,
}

/// A WebRTC session description, as exchanged through the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// Offer, answer, …
    pub sdp_type: SdpType,
    /// The SDP text itself (lines separated by `\r\n`).
    pub sdp: String,
}

impl SessionDescription {
    /// Bundles a type and SDP text.
    pub fn new(sdp_type: SdpType, sdp: impl Into<String>) -> Self {
        SessionDescription {
            sdp_type,
            sdp: sdp.into(),
        }
    }

    /// The JSON exactly as Go produces it: `{"type":"…","sdp":"…"}`.
    pub fn to_json(&self) -> String {
        ObjectWriter::new()
            .string("type", self.sdp_type.as_str())
            .string("sdp", &self.sdp)
            .finish()
    }

    /// Parses the JSON strictly: both keys required (matched exactly, last
    /// duplicate wins, as with a Go map), both values strings, known type.
    /// Extra keys are ignored. A top-level `null` counts as missing keys.
    pub fn from_json(json: &str) -> Result<Self, SdpJsonError> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| SdpJsonError::Json(e.to_string()))?;
        let object = match value {
            Value::Object(object) => object,
            Value::Null => return Err(SdpJsonError::MissingType),
            _ => {
                return Err(SdpJsonError::Json(
                    "session description is not a JSON object".into(),
                ))
            }
        };
        let sdp_type = object.get("type").ok_or(SdpJsonError::MissingType)?;
        let sdp = object.get("sdp").ok_or(SdpJsonError::MissingSdp)?;
        let sdp_type = match sdp_type {
            Value::String(s) => SdpType::from_wire(s).ok_or(SdpJsonError::UnknownType)?,
            _ => return Err(SdpJsonError::TypeNotString),
        };
        let sdp = match sdp {
            Value::String(s) => s.clone(),
            _ => return Err(SdpJsonError::SdpNotString),
        };
        Ok(SessionDescription { sdp_type, sdp })
    }

    /// Whether the SDP carries at least one inline ICE candidate line.
    /// Snowflake never trickles, so an answer without one cannot connect.
    pub fn has_candidate(&self) -> bool {
        self.sdp.contains("a=candidate")
    }
}
