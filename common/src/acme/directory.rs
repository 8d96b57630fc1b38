//! The directory (RFC 8555 §7.1.1): the one URL a client is configured
//! with, naming every other resource.

use serde::Deserialize;
use url::Url;

use super::error::AcmeError;

/// Let's Encrypt's production directory, the default.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

/// The resources this client uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directory {
    /// Where fresh nonces come from.
    pub new_nonce: Url,
    /// Where accounts are created (or found, for a known key).
    pub new_account: Url,
    /// Where orders are placed.
    pub new_order: Url,
    /// The terms of service the account agrees to, if the CA has any.
    pub terms_of_service: Option<String>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "newNonce")]
    new_nonce: String,
    #[serde(rename = "newAccount")]
    new_account: String,
    #[serde(rename = "newOrder")]
    new_order: String,
    #[serde(default)]
    meta: Option<RawMeta>,
}

#[derive(Deserialize)]
struct RawMeta {
    #[serde(rename = "termsOfService", default)]
    terms_of_service: Option<String>,
}

impl Directory {
    /// Parses the directory object.
    pub fn parse(body: &[u8]) -> Result<Self, AcmeError> {
        let raw: Raw =
            serde_json::from_slice(body).map_err(|e| AcmeError::malformed("directory", e))?;
        Ok(Directory {
            new_nonce: resource_url("directory", &raw.new_nonce)?,
            new_account: resource_url("directory", &raw.new_account)?,
            new_order: resource_url("directory", &raw.new_order)?,
            terms_of_service: raw.meta.and_then(|meta| meta.terms_of_service),
        })
    }
}

/// A URL the server handed out: absolute, `https` (or `http`, which some
/// test servers use).
pub fn resource_url(what: &'static str, text: &str) -> Result<Url, AcmeError> {
    let url = Url::parse(text).map_err(|e| AcmeError::malformed(what, format!("{text:?}: {e}")))?;
    match url.scheme() {
        "https" | "http" if url.host_str().is_some() => Ok(url),
        _ => Err(AcmeError::malformed(
            what,
            format!("{text:?} is not an HTTP(S) URL"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_pebble_like_directory() {
        let directory = Directory::parse(
            br#"{"keyChange":"https://127.0.0.1:14000/rollover-account-key",
                "meta":{"externalAccountRequired":false,"termsOfService":"data:text/plain,Do%20what%20thou%20wilt"},
                "newAccount":"https://127.0.0.1:14000/sign-me-up",
                "newNonce":"https://127.0.0.1:14000/nonce-plz",
                "newOrder":"https://127.0.0.1:14000/order-plz",
                "revokeCert":"https://127.0.0.1:14000/revoke-cert"}"#,
        )
        .unwrap();
        assert_eq!(
            directory.new_order.as_str(),
            "https://127.0.0.1:14000/order-plz"
        );
        assert!(directory.terms_of_service.is_some());
    }

    #[test]
    fn bad_directories_are_errors() {
        for body in [
            &br#"{}"#[..],
            br#"{"newNonce":"x","newAccount":"y","newOrder":"z"}"#,
            br#"{"newNonce":"ftp://a/b","newAccount":"https://a/","newOrder":"https://a/"}"#,
            br#"{"newNonce":1,"newAccount":"https://a/","newOrder":"https://a/"}"#,
            b"<html>",
            b"",
        ] {
            assert!(Directory::parse(body).is_err(), "{body:?}");
        }
    }
}
