//! The NAT type clients and proxies report to the broker (protocol
//! reference §4), which pairs a restricted client only with an
//! unrestricted proxy.

use std::fmt;

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
    /// The empty string is not accepted here; see
    /// [`NatType::from_request_field`] for requests, where it means
    /// `unknown`.
    pub fn from_wire(s: &str) -> Option<Self> {
        match s {
            "unknown" => Some(NatType::Unknown),
            "restricted" => Some(NatType::Restricted),
            "unrestricted" => Some(NatType::Unrestricted),
            _ => None,
        }
    }

    /// Parses the `NAT`/`nat` field of a client or proxy poll request as
    /// the Go broker does: empty (or absent) is [`NatType::Unknown`], any
    /// other text must be an exact wire spelling (`None` otherwise).
    pub fn from_request_field(s: &str) -> Option<Self> {
        if s.is_empty() {
            Some(NatType::Unknown)
        } else {
            NatType::from_wire(s)
        }
    }
}

impl fmt::Display for NatType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_spellings_round_trip() {
        for nat in [NatType::Unknown, NatType::Restricted, NatType::Unrestricted] {
            assert_eq!(NatType::from_wire(nat.as_str()), Some(nat));
            assert_eq!(nat.to_string(), nat.as_str());
        }
        assert_eq!(NatType::from_wire(""), None);
        assert_eq!(NatType::from_wire("Restricted"), None);
    }

    #[test]
    fn an_empty_request_field_means_unknown() {
        assert_eq!(NatType::from_request_field(""), Some(NatType::Unknown));
        assert_eq!(
            NatType::from_request_field("unrestricted"),
            Some(NatType::Unrestricted)
        );
        assert_eq!(NatType::from_request_field("symmetric"), None);
    }
}
