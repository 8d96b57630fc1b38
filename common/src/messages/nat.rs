//! The NAT type clients and proxies report to the broker (protocol
//! reference §4; `docs/broker-polling.md`).
//!
//! Two vocabularies are in use:
//!
//! * the three-kind one of current brokers, clients and proxies: `open`
//!   (endpoint-independent mapping and filtering: anyone can reach it),
//!   `moderate` (endpoint-independent mapping, filtering by address or
//!   port: reachable by peers whose mapping is predictable), `strict`
//!   (address-dependent mapping: only an `open` peer can reach it);
//! * the older two-kind one, still accepted everywhere and spoken by
//!   2.14-and-earlier peers: `unrestricted` (read as `open`) and
//!   `restricted` (which covered both `moderate` and `strict`, so it is
//!   read as the cautious `strict`).
//!
//! `unknown` means not determined; the broker pairs it like `strict`.
//!
//! A value a receiver does not know is read as `unknown` rather than
//! refused ([`NatType::from_request_field`]): for a proxy that puts it in
//! the pool only `open` clients use, for a client it means only `open`
//! proxies, so no pairing that cannot connect is made and a peer speaking
//! a newer vocabulary is still served.

use std::fmt;

/// A peer's NAT type as reported to the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NatType {
    /// Not yet determined; the broker pairs it like `strict`.
    #[default]
    Unknown,
    /// Two-kind vocabulary: behind a NAT that needs the other side to be
    /// unrestricted (deprecated spelling; read as [`NatType::Strict`]).
    Restricted,
    /// Two-kind vocabulary: reachable by peers behind any NAT (deprecated
    /// spelling; read as [`NatType::Open`]).
    Unrestricted,
    /// Reachable by peers behind any NAT.
    Open,
    /// Predictable mapping but filtered: reachable by `open` and
    /// `moderate` peers.
    Moderate,
    /// Unpredictable (address-dependent) mapping: reachable only by `open`
    /// peers.
    Strict,
}

/// How permissive a NAT is, once both vocabularies are reduced to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NatClass {
    /// `strict`, `restricted`, `unknown` and anything not recognised.
    Strict,
    /// `moderate`.
    Moderate,
    /// `open` and `unrestricted`.
    Open,
}

impl NatType {
    /// Every value, in the order metrics list them.
    pub const ALL: [NatType; 6] = [
        NatType::Unknown,
        NatType::Restricted,
        NatType::Unrestricted,
        NatType::Open,
        NatType::Moderate,
        NatType::Strict,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NatType::Unknown => "unknown",
            NatType::Restricted => "restricted",
            NatType::Unrestricted => "unrestricted",
            NatType::Open => "open",
            NatType::Moderate => "moderate",
            NatType::Strict => "strict",
        }
    }

    /// Parses the wire spelling exactly (case-sensitive, as Go compares).
    /// The empty string is not accepted here; see
    /// [`NatType::from_request_field`] for requests, where it means
    /// `unknown`.
    pub fn from_wire(s: &str) -> Option<Self> {
        NatType::ALL.into_iter().find(|nat| nat.as_str() == s)
    }

    /// Reads the `NAT`/`nat` field of a client or proxy poll request:
    /// empty (or absent) is [`NatType::Unknown`], a known spelling is that
    /// type, and anything else is also [`NatType::Unknown`], the most
    /// permissive reading that can never pair two peers that cannot reach
    /// each other (see the module docs). Never an error: a peer using a
    /// newer value is served, not turned away.
    pub fn from_request_field(s: &str) -> Self {
        NatType::from_wire(s).unwrap_or(NatType::Unknown)
    }

    /// The class the broker matches by.
    pub fn class(self) -> NatClass {
        match self {
            NatType::Open | NatType::Unrestricted => NatClass::Open,
            NatType::Moderate => NatClass::Moderate,
            NatType::Strict | NatType::Restricted | NatType::Unknown => NatClass::Strict,
        }
    }

    /// The two-kind spelling of this type, for a broker that only knows
    /// `unknown`/`restricted`/`unrestricted` (2.14 and earlier): `open`
    /// is `unrestricted`, `moderate` and `strict` are `restricted`.
    pub fn legacy(self) -> NatType {
        match self {
            NatType::Open => NatType::Unrestricted,
            NatType::Moderate | NatType::Strict => NatType::Restricted,
            other => other,
        }
    }

    /// Whether this is one of the three-kind spellings (`open`,
    /// `moderate`, `strict`), which 2.14-and-earlier brokers refuse.
    pub fn is_three_kind(self) -> bool {
        matches!(self, NatType::Open | NatType::Moderate | NatType::Strict)
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
        for nat in NatType::ALL {
            assert_eq!(NatType::from_wire(nat.as_str()), Some(nat));
            assert_eq!(nat.to_string(), nat.as_str());
        }
        assert_eq!(NatType::from_wire(""), None);
        assert_eq!(NatType::from_wire("Restricted"), None);
        assert_eq!(NatType::from_wire("OPEN"), None);
    }

    #[test]
    fn request_fields_never_fail() {
        assert_eq!(NatType::from_request_field(""), NatType::Unknown);
        assert_eq!(
            NatType::from_request_field("unrestricted"),
            NatType::Unrestricted
        );
        assert_eq!(NatType::from_request_field("open"), NatType::Open);
        assert_eq!(NatType::from_request_field("moderate"), NatType::Moderate);
        assert_eq!(NatType::from_request_field("strict"), NatType::Strict);
        for other in [
            "symmetric",
            "Open",
            "full-cone",
            "\u{0}",
            "x".repeat(100).as_str(),
        ] {
            assert_eq!(NatType::from_request_field(other), NatType::Unknown);
        }
    }

    #[test]
    fn classes_and_legacy_spellings() {
        use NatType::*;
        assert_eq!(Open.class(), NatClass::Open);
        assert_eq!(Unrestricted.class(), NatClass::Open);
        assert_eq!(Moderate.class(), NatClass::Moderate);
        for nat in [Strict, Restricted, Unknown] {
            assert_eq!(nat.class(), NatClass::Strict);
        }
        assert_eq!(Open.legacy(), Unrestricted);
        assert_eq!(Moderate.legacy(), Restricted);
        assert_eq!(Strict.legacy(), Restricted);
        for nat in [Unknown, Restricted, Unrestricted] {
            assert_eq!(nat.legacy(), nat);
            assert!(!nat.is_three_kind());
        }
        assert!(Open.is_three_kind() && Moderate.is_three_kind() && Strict.is_three_kind());
        // More permissive classes order higher.
        assert!(NatClass::Open > NatClass::Moderate && NatClass::Moderate > NatClass::Strict);
    }
}
