//! Challenge responders (RFC 8555 §8.3 HTTP-01, RFC 8737 TLS-ALPN-01): the
//! answers published while the CA validates, looked up by the HTTP-01
//! listener (by token) and by the TLS certificate resolver (by server
//! name, when the client offers the `acme-tls/1` protocol).
//!
//! The store is bounded: a certificate is ordered for one name at a time
//! per hostname, so only a few answers are ever live.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use rustls::sign::CertifiedKey;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::error::AcmeError;

/// The ALPN protocol of TLS-ALPN-01 validation (RFC 8737 §6.2).
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// Where the CA fetches an HTTP-01 answer (RFC 8555 §8.3).
pub const HTTP01_PREFIX: &str = "/.well-known/acme-challenge/";

/// Most answers of each kind published at once.
const CAPACITY: usize = 64;

/// The challenge types we can answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChallengeType {
    /// TLS-ALPN-01 on our own TLS listener (the CA connects to port 443).
    TlsAlpn01,
    /// HTTP-01 on a plain HTTP listener (the CA connects to port 80).
    Http01,
}

impl ChallengeType {
    /// The name in ACME objects.
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeType::TlsAlpn01 => "tls-alpn-01",
            ChallengeType::Http01 => "http-01",
        }
    }
}

/// What to publish for one challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provision {
    /// The challenge type.
    pub kind: ChallengeType,
    /// The domain being validated.
    pub domain: String,
    /// The challenge token.
    pub token: String,
    /// The key authorization (token and account key thumbprint).
    pub key_authorization: String,
}

/// The answers currently published.
#[derive(Default)]
pub struct ChallengeStore {
    http01: RwLock<HashMap<String, String>>,
    tls_alpn01: RwLock<HashMap<String, Arc<CertifiedKey>>>,
}

impl std::fmt::Debug for ChallengeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChallengeStore").finish_non_exhaustive()
    }
}

impl ChallengeStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Publishes the answer for `provision`.
    pub fn publish(&self, provision: &Provision) -> Result<(), AcmeError> {
        match provision.kind {
            ChallengeType::Http01 => {
                let mut map = self.http01.write().unwrap_or_else(PoisonError::into_inner);
                if map.len() >= CAPACITY && !map.contains_key(&provision.token) {
                    return Err(AcmeError::ChallengeStoreFull);
                }
                map.insert(provision.token.clone(), provision.key_authorization.clone());
            }
            ChallengeType::TlsAlpn01 => {
                let certificate =
                    tls_alpn01_certificate(&provision.domain, &provision.key_authorization)?;
                let mut map = self
                    .tls_alpn01
                    .write()
                    .unwrap_or_else(PoisonError::into_inner);
                if map.len() >= CAPACITY && !map.contains_key(&provision.domain) {
                    return Err(AcmeError::ChallengeStoreFull);
                }
                map.insert(provision.domain.clone(), Arc::new(certificate));
            }
        }
        Ok(())
    }

    /// Withdraws the answer for `provision`.
    pub fn withdraw(&self, provision: &Provision) {
        match provision.kind {
            ChallengeType::Http01 => {
                self.http01
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&provision.token);
            }
            ChallengeType::TlsAlpn01 => {
                self.tls_alpn01
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&provision.domain);
            }
        }
    }

    /// The HTTP-01 answer for a request path, if one is published.
    pub fn http01_answer(&self, path: &str) -> Option<String> {
        let token = path.strip_prefix(HTTP01_PREFIX)?;
        self.http01
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
            .cloned()
    }

    /// The TLS-ALPN-01 certificate for a server name, if one is published.
    pub fn tls_alpn01_certificate(&self, domain: &str) -> Option<Arc<CertifiedKey>> {
        self.tls_alpn01
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(domain)
            .cloned()
    }
}

/// The self-signed certificate of RFC 8737 §3: the domain as its only
/// subjectAltName, and a critical acmeIdentifier extension holding the
/// SHA-256 of the key authorization.
pub fn tls_alpn01_certificate(
    domain: &str,
    key_authorization: &str,
) -> Result<CertifiedKey, AcmeError> {
    let crypto = |e: rcgen::Error| AcmeError::Crypto(format!("TLS-ALPN-01 certificate: {e}"));
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(crypto)?;
    let mut params = rcgen::CertificateParams::new(vec![domain.to_owned()]).map_err(crypto)?;
    let digest = ring::digest::digest(&ring::digest::SHA256, key_authorization.as_bytes());
    params
        .custom_extensions
        .push(rcgen::CustomExtension::new_acme_identifier(digest.as_ref()));
    let certificate = params.self_signed(&key).map_err(crypto)?;
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let signing = rustls::crypto::ring::sign::any_supported_type(&private)
        .map_err(|e| AcmeError::Crypto(format!("TLS-ALPN-01 key: {e}")))?;
    Ok(CertifiedKey::new(
        vec![CertificateDer::from(certificate.der().to_vec())],
        signing,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acme::der::{Reader, TAG_BOOLEAN, TAG_OCTET_STRING, TAG_OID, TAG_SEQUENCE};

    fn provision(kind: ChallengeType, domain: &str, token: &str) -> Provision {
        Provision {
            kind,
            domain: domain.into(),
            token: token.into(),
            key_authorization: format!("{token}.thumb"),
        }
    }

    #[test]
    fn http01_answers_by_token_until_withdrawn() {
        let store = ChallengeStore::new();
        let p = provision(ChallengeType::Http01, "a.example", "tok-1234567890abcdef");
        store.publish(&p).unwrap();
        assert_eq!(
            store
                .http01_answer("/.well-known/acme-challenge/tok-1234567890abcdef")
                .as_deref(),
            Some("tok-1234567890abcdef.thumb")
        );
        assert_eq!(
            store.http01_answer("/.well-known/acme-challenge/other"),
            None
        );
        assert_eq!(store.http01_answer("/tok-1234567890abcdef"), None);
        store.withdraw(&p);
        assert_eq!(
            store.http01_answer("/.well-known/acme-challenge/tok-1234567890abcdef"),
            None
        );
    }

    #[test]
    fn the_store_is_bounded() {
        let store = ChallengeStore::new();
        for i in 0..CAPACITY {
            store
                .publish(&provision(ChallengeType::Http01, "a", &format!("t{i}")))
                .unwrap();
        }
        assert!(matches!(
            store.publish(&provision(ChallengeType::Http01, "a", "one-more")),
            Err(AcmeError::ChallengeStoreFull)
        ));
    }

    #[test]
    fn tls_alpn01_certificate_has_the_critical_acme_identifier() {
        let store = ChallengeStore::new();
        let p = provision(ChallengeType::TlsAlpn01, "bridge.example", "token");
        store.publish(&p).unwrap();
        let certified = store.tls_alpn01_certificate("bridge.example").unwrap();
        assert!(store.tls_alpn01_certificate("other.example").is_none());
        let der = certified.cert[0].as_ref();
        let facts = crate::acme::x509::CertificateFacts::parse(der).unwrap();
        assert_eq!(facts.dns_names, vec!["bridge.example"]);
        // Find id-pe-acmeIdentifier (1.3.6.1.5.5.7.1.31) among the
        // extensions: critical, OCTET STRING of the key authorization's
        // SHA-256.
        let oid = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x1f];
        let mut tbs = Reader::new(
            Reader::new(Reader::new(der).expect(TAG_SEQUENCE).unwrap())
                .expect(TAG_SEQUENCE)
                .unwrap(),
        );
        let mut extensions = None;
        while !tbs.is_empty() {
            let (tag, value) = tbs.read().unwrap();
            if tag == 0xa3 {
                extensions = Some(value);
            }
        }
        let mut list = Reader::new(
            Reader::new(extensions.expect("extensions"))
                .expect(TAG_SEQUENCE)
                .unwrap(),
        );
        let mut found = false;
        while !list.is_empty() {
            let mut extension = Reader::new(list.expect(TAG_SEQUENCE).unwrap());
            if extension.expect(TAG_OID).unwrap() == oid {
                assert_eq!(extension.expect(TAG_BOOLEAN).unwrap(), &[0xff]);
                let value = extension.expect(TAG_OCTET_STRING).unwrap();
                let digest = Reader::new(value).expect(TAG_OCTET_STRING).unwrap();
                let expected = ring::digest::digest(&ring::digest::SHA256, b"token.thumb");
                assert_eq!(digest, expected.as_ref());
                found = true;
            }
        }
        assert!(found, "acmeIdentifier extension present");
        store.withdraw(&p);
        assert!(store.tls_alpn01_certificate("bridge.example").is_none());
    }
}
