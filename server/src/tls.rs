//! TLS for the WebSocket listener (rustls, ring), with the certificate
//! from one of two places:
//!
//! * ACME, upstream's default (`--acme-hostnames`, `--acme-email`): the
//!   certificate is obtained from Let's Encrypt, cached in the state
//!   directory (`TOR_PT_STATE_LOCATION/snowflake-certificate-cache`, as
//!   upstream), renewed ahead of expiry and swapped in live; TLS-ALPN-01
//!   is answered on this listener, HTTP-01 on port 80
//!   ([`snowflake_common::acme`], docs/acme.md);
//! * a certificate chain and a private key in PEM files (`--cert`,
//!   `--key`), reloadable while the server runs (the binary reloads on
//!   SIGHUP), so an operator can renew the certificate with any ACME
//!   client without restarting the bridge.

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use snowflake_common::acme::{AcmeConfig, AcmeManager, AcmeResolver, ACME_TLS_ALPN};
use tokio_rustls::TlsAcceptor;

use crate::config::ServerConfig;

/// The certificate cache's directory under the state directory (the name
/// upstream uses, so a bridge switching from it keeps its certificate).
pub const ACME_CACHE_DIR: &str = "snowflake-certificate-cache";

/// Certificate and key file paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Why the certificate or key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file is unreadable or holds no certificate.
    #[error("reading certificate {path}: {reason}")]
    Certificate {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The key file is unreadable or holds no usable key.
    #[error("reading private key {path}: {reason}")]
    Key {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    /// ACME cannot be set up.
    #[error("ACME: {0}")]
    Acme(String),
}

fn load_certified_key(files: &TlsFiles) -> Result<CertifiedKey, TlsError> {
    let cert_error = |reason: String| TlsError::Certificate {
        path: files.cert.clone(),
        reason,
    };
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| cert_error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_error(e.to_string()))?;
    if chain.is_empty() {
        return Err(cert_error("no PEM certificate found".to_owned()));
    }
    let key_error = |reason: String| TlsError::Key {
        path: files.key.clone(),
        reason,
    };
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| key_error(e.to_string()))?;
    let signing_key = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|e| key_error(e.to_string()))?;
    let certified = CertifiedKey::new(chain, signing_key);
    if let Err(e) = certified.keys_match() {
        // Not all key types can be checked; only a definite mismatch is
        // an error.
        if !matches!(
            e,
            rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)
        ) {
            return Err(key_error(format!("does not match the certificate: {e}")));
        }
    }
    Ok(certified)
}

/// The current certificate: from files, swapped atomically by
/// [`ReloadableCert::reload`], or from ACME, swapped as it is renewed.
#[derive(Debug)]
pub struct ReloadableCert {
    source: Source,
}

#[derive(Debug)]
enum Source {
    Files {
        files: TlsFiles,
        current: RwLock<Arc<CertifiedKey>>,
    },
    Acme {
        resolver: Arc<AcmeResolver>,
        cache_dir: PathBuf,
        /// Stops renewing when the server (holding this) goes.
        _manager: AcmeManager,
    },
}

impl ReloadableCert {
    /// Loads the files now.
    pub fn load(files: TlsFiles) -> Result<Self, TlsError> {
        let key = load_certified_key(&files)?;
        Ok(Self {
            source: Source::Files {
                files,
                current: RwLock::new(Arc::new(key)),
            },
        })
    }

    /// Starts obtaining and renewing certificates by ACME, serving the
    /// cached ones at once. `config.cache_dir` must be set (the server
    /// always caches, in the state directory). Must be called within a
    /// tokio runtime.
    pub fn acme(config: AcmeConfig) -> Result<Self, TlsError> {
        let cache_dir = config.cache_dir.clone().ok_or_else(|| {
            TlsError::Acme(
                "the certificate cache needs a state directory (TOR_PT_STATE_LOCATION)".into(),
            )
        })?;
        tracing::info!("ACME hostnames: {:?}", config.hostnames);
        let manager = AcmeManager::start(config).map_err(|e| TlsError::Acme(e.to_string()))?;
        if manager.cache_dir().is_none() {
            // As upstream: no state directory, no start.
            return Err(TlsError::Acme(format!(
                "cannot create the certificate cache {}",
                cache_dir.display()
            )));
        }
        Ok(Self {
            source: Source::Acme {
                resolver: manager.resolver(),
                cache_dir,
                _manager: manager,
            },
        })
    }

    /// Re-reads the files; on error the previous certificate stays in use.
    /// With ACME there is nothing to do: certificates are renewed as they
    /// near expiry.
    pub fn reload(&self) -> Result<(), TlsError> {
        if let Source::Files { files, current } = &self.source {
            let key = load_certified_key(files)?;
            *current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(key);
        }
        Ok(())
    }

    /// The certificate file path (with ACME, the cache directory).
    pub fn cert_path(&self) -> &Path {
        match &self.source {
            Source::Files { files, .. } => &files.cert,
            Source::Acme { cache_dir, .. } => cache_dir,
        }
    }

    /// Whether the certificate comes from ACME.
    pub fn is_acme(&self) -> bool {
        matches!(self.source, Source::Acme { .. })
    }
}

impl ResolvesServerCert for ReloadableCert {
    fn resolve(&self, client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        match &self.source {
            Source::Files { current, .. } => Some(Arc::clone(
                &current.read().unwrap_or_else(PoisonError::into_inner),
            )),
            Source::Acme { resolver, .. } => resolver.resolve(client_hello),
        }
    }
}

/// A TLS acceptor (HTTP/1.1 only: WebSocket needs the HTTP/1.1 upgrade;
/// plus `acme-tls/1` for TLS-ALPN-01 validation with ACME) serving
/// whatever `cert` currently holds.
pub fn acceptor(cert: Arc<ReloadableCert>) -> Result<TlsAcceptor, TlsError> {
    let acme = cert.is_acme();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(cert);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    if acme {
        // Last: a WebSocket client never negotiates it.
        config.alpn_protocols.push(ACME_TLS_ALPN.to_vec());
    }
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The certificate source and acceptor `config` asks for: files
/// (`tls`), else ACME (`acme`), else none (plain WebSocket).
pub fn setup(
    config: &ServerConfig,
) -> Result<Option<(Arc<ReloadableCert>, TlsAcceptor)>, TlsError> {
    let cert = match (&config.tls, &config.acme) {
        (Some(files), _) => ReloadableCert::load(files.clone())?,
        (None, Some(acme)) => ReloadableCert::acme(acme.clone())?,
        (None, None) => return Ok(None),
    };
    let cert = Arc::new(cert);
    let acceptor = acceptor(Arc::clone(&cert))?;
    Ok(Some((cert, acceptor)))
}
