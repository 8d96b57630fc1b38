//! The ACME objects a client reads (RFC 8555 §7.1.3 to §7.1.5): orders,
//! authorizations and challenges, with their status values (§7.1.6).
//! Unknown statuses and members are tolerated; missing required ones are
//! errors.

use serde::Deserialize;

use super::error::AcmeError;
use super::problem::Problem;

/// An object's status. Values this client does not know read as
/// [`Status::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Waiting for the client (orders, authorizations, challenges).
    Pending,
    /// All authorizations done; the order can be finalized.
    Ready,
    /// The server is working (challenge validation, issuance).
    Processing,
    /// Done: validated or issued.
    Valid,
    /// Failed for good.
    Invalid,
    /// Expired.
    Expired,
    /// Deactivated by the client.
    Deactivated,
    /// Revoked.
    Revoked,
    /// A status RFC 8555 does not define.
    #[serde(other)]
    Unknown,
}

/// An identifier (§7.1.3): we only order `dns` ones.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Identifier {
    /// `dns`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The domain name.
    pub value: String,
}

/// An order (§7.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Order {
    /// Its status.
    pub status: Status,
    /// Authorization URLs, one per identifier.
    #[serde(default)]
    pub authorizations: Vec<String>,
    /// Where to send the CSR.
    pub finalize: String,
    /// Where the certificate is, once the order is valid.
    #[serde(default)]
    pub certificate: Option<String>,
    /// Why the order is invalid, if it is.
    #[serde(default)]
    pub error: Option<Problem>,
}

/// An authorization (§7.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Authorization {
    /// Its status.
    pub status: Status,
    /// The identifier it proves control of.
    pub identifier: Identifier,
    /// The ways to prove it.
    #[serde(default)]
    pub challenges: Vec<Challenge>,
}

/// A challenge (§7.1.5, §8).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Challenge {
    /// `http-01`, `tls-alpn-01`, `dns-01`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// Where to tell the server we are ready.
    pub url: String,
    /// Its status.
    pub status: Status,
    /// The token (for the types we answer).
    #[serde(default)]
    pub token: Option<String>,
    /// Why validation failed, if it did.
    #[serde(default)]
    pub error: Option<Problem>,
}

/// Parses one of the objects above from a response body.
pub fn parse<T: serde::de::DeserializeOwned>(
    what: &'static str,
    body: &[u8],
) -> Result<T, AcmeError> {
    serde_json::from_slice(body).map_err(|e| AcmeError::malformed(what, e))
}

/// Whether a challenge token is safe to use: base64url (§8.3, §8.4), so it
/// can go into a URL path and a file name as is.
pub fn token_is_valid(token: &str) -> bool {
    (16..=256).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_status_and_members_are_tolerated() {
        let order: Order = parse(
            "order",
            br#"{"status":"somethingnew","finalize":"https://a/f","authorizations":["https://a/z"],"extra":1}"#,
        )
        .unwrap();
        assert_eq!(order.status, Status::Unknown);
        assert_eq!(order.certificate, None);
    }

    #[test]
    fn missing_required_members_are_errors() {
        assert!(parse::<Order>("order", br#"{"status":"pending"}"#).is_err());
        assert!(parse::<Authorization>("authorization", br#"{"status":"pending"}"#).is_err());
        assert!(parse::<Challenge>("challenge", br#"{"type":"http-01"}"#).is_err());
        assert!(parse::<Order>("order", b"null").is_err());
    }

    #[test]
    fn tokens_must_be_base64url() {
        assert!(token_is_valid(
            "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
        ));
        assert!(!token_is_valid("../../etc/passwd-aaaaaaaaaaaaaaa"));
        assert!(!token_is_valid("short"));
        assert!(!token_is_valid("has space in the middle of it"));
    }
}
