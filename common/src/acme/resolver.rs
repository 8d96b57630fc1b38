//! Serving the certificates through rustls: a certificate resolver whose
//! certificates are swapped live as they are issued and renewed, and which
//! answers TLS-ALPN-01 validation (RFC 8737 §3) on the same listener.
//!
//! As Go's autocert does, a handshake is only completed for a configured
//! hostname given by SNI: a scanner connecting by address learns nothing.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::challenge::{ChallengeStore, ACME_TLS_ALPN};

/// The certificates to serve, by hostname.
pub struct AcmeResolver {
    certificates: RwLock<HashMap<String, Arc<CertifiedKey>>>,
    challenges: Arc<ChallengeStore>,
}

impl std::fmt::Debug for AcmeResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hosts: Vec<String> = self
            .certificates
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .cloned()
            .collect();
        f.debug_struct("AcmeResolver")
            .field("certificates", &hosts)
            .finish_non_exhaustive()
    }
}

/// A server name as sent, lowercased and without a trailing dot.
pub fn normalize_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl AcmeResolver {
    /// No certificate yet; TLS-ALPN-01 answers come from `challenges`.
    pub fn new(challenges: Arc<ChallengeStore>) -> Self {
        Self {
            certificates: RwLock::new(HashMap::new()),
            challenges,
        }
    }

    /// Serves `certificate` for `hostname` from the next handshake on.
    pub fn set(&self, hostname: &str, certificate: Arc<CertifiedKey>) {
        self.certificates
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(normalize_name(hostname), certificate);
    }

    /// The certificate served for `hostname`, if any.
    pub fn get(&self, hostname: &str) -> Option<Arc<CertifiedKey>> {
        self.certificates
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&normalize_name(hostname))
            .cloned()
    }

    /// What to present to a client naming `server_name` and offering
    /// `alpn`: the challenge certificate to a validation client (which
    /// offers `acme-tls/1` alone), else the hostname's certificate.
    pub fn choose(&self, server_name: Option<&str>, alpn: &[&[u8]]) -> Option<Arc<CertifiedKey>> {
        let name = normalize_name(server_name?);
        if alpn == [ACME_TLS_ALPN] {
            self.challenges.tls_alpn01_certificate(&name)
        } else {
            self.get(&name)
        }
    }
}

impl ResolvesServerCert for AcmeResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let alpn: Vec<&[u8]> = hello.alpn().map(|p| p.collect()).unwrap_or_default();
        let chosen = self.choose(hello.server_name(), &alpn);
        if chosen.is_none() {
            tracing::debug!("TLS: no certificate for the requested name (or none yet)");
        }
        chosen
    }
}

/// A rustls server configuration serving `resolver`'s certificates, with
/// the application protocols `alpn` plus `acme-tls/1` (the last, so a
/// normal client never negotiates it).
pub fn server_config(
    resolver: Arc<AcmeResolver>,
    alpn: &[&[u8]],
) -> Result<rustls::ServerConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    config.alpn_protocols.push(ACME_TLS_ALPN.to_vec());
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acme::challenge::{tls_alpn01_certificate, ChallengeType, Provision};

    #[test]
    fn chooses_by_name_and_protocol() {
        let store = Arc::new(ChallengeStore::new());
        let resolver = AcmeResolver::new(store.clone());
        assert!(resolver
            .choose(Some("bridge.test"), &[b"http/1.1"])
            .is_none());
        let served = Arc::new(tls_alpn01_certificate("bridge.test", "x").unwrap());
        resolver.set("Bridge.Test.", served.clone());
        let got = resolver
            .choose(Some("BRIDGE.test"), &[b"h2", b"http/1.1"])
            .unwrap();
        assert!(Arc::ptr_eq(&got, &served));
        assert!(
            resolver.choose(None, &[]).is_none(),
            "no SNI, no certificate"
        );
        assert!(resolver.choose(Some("other.test"), &[]).is_none());
        // A validation client gets the challenge certificate only while one
        // is published.
        assert!(resolver
            .choose(Some("bridge.test"), &[ACME_TLS_ALPN])
            .is_none());
        let provision = Provision {
            kind: ChallengeType::TlsAlpn01,
            domain: "bridge.test".into(),
            token: "t".into(),
            key_authorization: "t.k".into(),
        };
        store.publish(&provision).unwrap();
        let challenge = resolver
            .choose(Some("bridge.test"), &[ACME_TLS_ALPN])
            .unwrap();
        assert!(!Arc::ptr_eq(&challenge, &served));
        // Offering other protocols too is not a validation client.
        let normal = resolver
            .choose(Some("bridge.test"), &[b"http/1.1", ACME_TLS_ALPN])
            .unwrap();
        assert!(Arc::ptr_eq(&normal, &served));
    }

    #[test]
    fn configuration_offers_acme_tls_last() {
        let resolver = Arc::new(AcmeResolver::new(Arc::new(ChallengeStore::new())));
        let config = server_config(resolver, &[b"h2", b"http/1.1"]).unwrap();
        assert_eq!(
            config.alpn_protocols,
            vec![b"h2".to_vec(), b"http/1.1".to_vec(), ACME_TLS_ALPN.to_vec()]
        );
    }
}
