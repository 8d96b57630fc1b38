//! Problem documents (RFC 7807, RFC 8555 §6.7): the JSON body of an ACME
//! error response, and the one error type a client must retry on,
//! `badNonce`.

use serde::Deserialize;

/// The ACME error namespace.
const ACME_ERROR_PREFIX: &str = "urn:ietf:params:acme:error:";

/// A problem document, as far as we read it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Problem {
    /// The problem type URI, e.g. `urn:ietf:params:acme:error:badNonce`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// A human-readable explanation.
    #[serde(default)]
    pub detail: String,
}

impl Problem {
    /// Parses a problem document; `None` when `body` is not one (a server
    /// may answer an error with any body).
    pub fn parse(body: &[u8]) -> Option<Problem> {
        serde_json::from_slice::<Problem>(body)
            .ok()
            .filter(|problem| !problem.kind.is_empty() || !problem.detail.is_empty())
    }

    /// The ACME error name (`badNonce`, `rateLimited`, ...) when the type
    /// is in the ACME namespace.
    pub fn acme_error(&self) -> Option<&str> {
        self.kind.strip_prefix(ACME_ERROR_PREFIX)
    }

    /// Whether the request should be sent again with a fresh nonce
    /// (RFC 8555 §6.5).
    pub fn is_bad_nonce(&self) -> bool {
        self.acme_error() == Some("badNonce")
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Server text goes into our logs: keep it printable and short.
        let clean =
            |text: &str| -> String { text.chars().filter(|c| !c.is_control()).take(300).collect() };
        let kind = self.acme_error().unwrap_or(&self.kind);
        match (kind.is_empty(), self.detail.is_empty()) {
            (false, false) => write!(f, "{}: {}", clean(kind), clean(&self.detail)),
            (false, true) => write!(f, "{}", clean(kind)),
            _ => write!(f, "{}", clean(&self.detail)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_nonce_is_recognised() {
        let problem = Problem::parse(
            br#"{"type":"urn:ietf:params:acme:error:badNonce","detail":"JWS has an invalid anti-replay nonce","status":400}"#,
        )
        .expect("problem");
        assert!(problem.is_bad_nonce());
        assert_eq!(
            problem.to_string(),
            "badNonce: JWS has an invalid anti-replay nonce"
        );
        let other = Problem::parse(br#"{"type":"urn:ietf:params:acme:error:rateLimited"}"#)
            .expect("problem");
        assert!(!other.is_bad_nonce());
    }

    #[test]
    fn anything_else_is_not_a_problem() {
        for body in [
            &b""[..],
            b"<html>",
            b"{}",
            b"[1,2]",
            b"{\"type\":5}",
            b"\xff\xfe",
        ] {
            assert_eq!(Problem::parse(body), None, "{body:?}");
        }
    }

    #[test]
    fn display_strips_control_characters() {
        let problem = Problem {
            kind: "urn:ietf:params:acme:error:malformed".into(),
            detail: "line\nbreak\u{1b}[31m".into(),
        };
        assert_eq!(problem.to_string(), "malformed: linebreak[31m");
    }
}
