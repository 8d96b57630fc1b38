//! The certificate cache: a directory laid out as Go's autocert `DirCache`
//! lays it out, so a broker or bridge switching from the Go programs keeps
//! its certificates and account (and does not hit the CA's duplicate
//! certificate limits):
//!
//! * `acme_account+key`: the account key, PEM (we write PKCS#8; autocert's
//!   SEC1 `EC PRIVATE KEY`, and its older name `acme_account.key`, are read);
//! * one file per hostname, named for it: the certificate's private key
//!   (PEM), then the chain (PEM, leaf first).
//!
//! The directory is created with mode 0700 and files with 0600, written to
//! a temporary name and renamed, so a crash never leaves half a file.
//! Entries are checked on load (key matches, names, not expired); a bad
//! entry is ignored and replaced by a new certificate.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::{PemObject, SectionKind};
use rustls_pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
};

use super::error::AcmeError;
use super::x509::CertificateFacts;

/// The account key's entry.
pub const ACCOUNT_KEY: &str = "acme_account+key";
/// The name older autocert versions used.
const LEGACY_ACCOUNT_KEY: &str = "acme_account.key";
/// Largest entry read; real ones are a few kilobytes.
const MAX_ENTRY: u64 = 1 << 20;

/// The cache directory, or none (certificates then live in memory only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertCache {
    dir: Option<PathBuf>,
}

impl CertCache {
    /// A cache in `dir`, creating it (mode 0700) if needed.
    pub fn create(dir: PathBuf) -> Result<Self, AcmeError> {
        let error = |source| AcmeError::Cache {
            path: dir.display().to_string(),
            source,
        };
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(&dir).map_err(error)?;
        Ok(Self { dir: Some(dir) })
    }

    /// No cache: every start orders new certificates.
    pub fn none() -> Self {
        Self { dir: None }
    }

    /// The directory, if any.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn path(&self, name: &str) -> Option<PathBuf> {
        // Names are validated hostnames or our fixed names: no separators.
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return None;
        }
        self.dir.as_ref().map(|dir| dir.join(name))
    }

    /// Reads an entry; `None` if absent (or there is no cache).
    pub fn get(&self, name: &str) -> Result<Option<Vec<u8>>, AcmeError> {
        let Some(path) = self.path(name) else {
            return Ok(None);
        };
        let error = |source| AcmeError::Cache {
            path: path.display().to_string(),
            source,
        };
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(error(e)),
        };
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_ENTRY), &mut data)
            .map_err(error)?;
        Ok(Some(data))
    }

    /// Writes an entry (mode 0600) atomically. Without a cache, nothing.
    pub fn put(&self, name: &str, data: &[u8]) -> Result<(), AcmeError> {
        let Some(path) = self.path(name) else {
            return Ok(());
        };
        let temp = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
        let error = |source| AcmeError::Cache {
            path: path.display().to_string(),
            source,
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let written = options.open(&temp).and_then(|mut file| {
            file.write_all(data)?;
            file.sync_all()
        });
        if let Err(e) = written.and_then(|()| std::fs::rename(&temp, &path)) {
            let _ = std::fs::remove_file(&temp);
            return Err(error(e));
        }
        Ok(())
    }

    /// The account key's PEM, under its current or its legacy name.
    pub fn get_account_key(&self) -> Result<Option<Vec<u8>>, AcmeError> {
        match self.get(ACCOUNT_KEY)? {
            Some(data) => Ok(Some(data)),
            None => self.get(LEGACY_ACCOUNT_KEY),
        }
    }
}

/// A usable certificate: what TLS serves, and its validity.
#[derive(Debug, Clone)]
pub struct LoadedCertificate {
    /// The chain and signing key.
    pub certified: Arc<CertifiedKey>,
    /// The leaf's validity and names.
    pub facts: CertificateFacts,
}

/// A cache entry: the private key (PKCS#8 PEM), then the chain.
pub fn encode_entry(key_pkcs8: &[u8], chain_pem: &[u8]) -> Vec<u8> {
    let mut out = super::pem::encode("PRIVATE KEY", key_pkcs8).into_bytes();
    out.extend_from_slice(chain_pem);
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    out
}

/// Reads a cache entry (or a key and a freshly issued chain joined by
/// [`encode_entry`]) and checks that it can be served for `domain` at
/// `now`: a private key first, then certificates, the key matching the
/// leaf, the leaf naming `domain` and not expired.
pub fn decode_entry(
    domain: &str,
    data: &[u8],
    now: SystemTime,
) -> Result<LoadedCertificate, AcmeError> {
    let bad = |reason: String| AcmeError::Crypto(format!("certificate for {domain}: {reason}"));
    let mut sections = <(SectionKind, Vec<u8>)>::pem_slice_iter(data);
    let key = match sections.next() {
        Some(Ok((SectionKind::PrivateKey, der))) => {
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der))
        }
        Some(Ok((SectionKind::EcPrivateKey, der))) => {
            PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(der))
        }
        Some(Ok((SectionKind::RsaPrivateKey, der))) => {
            PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(der))
        }
        Some(Ok(_)) | None => return Err(bad("does not start with a private key".into())),
        Some(Err(e)) => return Err(bad(e.to_string())),
    };
    let mut chain = Vec::new();
    for section in sections {
        match section {
            Ok((SectionKind::Certificate, der)) => chain.push(CertificateDer::from(der)),
            Ok(_) => return Err(bad("unexpected PEM section after the key".into())),
            Err(e) => return Err(bad(e.to_string())),
        }
    }
    let leaf = chain.first().ok_or_else(|| bad("no certificate".into()))?;
    let facts = CertificateFacts::parse(leaf.as_ref()).map_err(|e| bad(e.to_string()))?;
    if !facts.covers(domain) {
        return Err(bad("does not name it".into()));
    }
    if facts.not_after <= now {
        return Err(bad("expired".into()));
    }
    let signing = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|e| bad(format!("key: {e}")))?;
    let certified = CertifiedKey::new(chain, signing);
    match certified.keys_match() {
        Ok(()) => {}
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {}
        Err(e) => return Err(bad(format!("key does not match: {e}"))),
    }
    Ok(LoadedCertificate {
        certified: Arc::new(certified),
        facts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn issue(names: &[&str], days: u64) -> (Vec<u8>, Vec<u8>, rcgen::KeyPair) {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        let now = SystemTime::now();
        params.not_before = (now - Duration::from_secs(3600)).into();
        params.not_after = (now + Duration::from_secs(days * 86_400)).into();
        let cert = params.self_signed(&key).unwrap();
        (key.serialize_der(), cert.pem().into_bytes(), key)
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "snowflake-acme-cache-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn entries_round_trip_and_are_checked() {
        let (key, chain, _) = issue(&["bridge.test"], 90);
        let entry = encode_entry(&key, &chain);
        let loaded = decode_entry("bridge.test", &entry, SystemTime::now()).unwrap();
        assert!(loaded.facts.covers("bridge.test"));
        assert_eq!(loaded.certified.cert.len(), 1);
        // Other name, expired, chain first, another key.
        assert!(decode_entry("other.test", &entry, SystemTime::now()).is_err());
        let later = SystemTime::now() + Duration::from_secs(91 * 86_400);
        assert!(decode_entry("bridge.test", &entry, later).is_err());
        assert!(decode_entry(
            "bridge.test",
            &[chain.clone(), entry.clone()].concat(),
            SystemTime::now()
        )
        .is_err());
        let (other_key, _, _) = issue(&["bridge.test"], 90);
        assert!(decode_entry(
            "bridge.test",
            &encode_entry(&other_key, &chain),
            SystemTime::now()
        )
        .is_err());
        for garbage in [&b""[..], b"junk", &entry[..entry.len() / 2]] {
            assert!(decode_entry("bridge.test", garbage, SystemTime::now()).is_err());
        }
    }

    #[test]
    fn autocert_sec1_entries_are_read() {
        let (key_pkcs8, chain, _) = issue(&["bridge.test"], 90);
        // PKCS#8 wraps the SEC1 ECPrivateKey in an OCTET STRING, the last
        // element of the outer SEQUENCE.
        use crate::acme::der::*;
        let outer = Reader::new(&key_pkcs8).expect(TAG_SEQUENCE).unwrap();
        let mut inner = Reader::new(outer);
        inner.expect(TAG_INTEGER).unwrap();
        inner.expect(TAG_SEQUENCE).unwrap();
        let sec1 = inner.expect(TAG_OCTET_STRING).unwrap();
        let mut entry = crate::acme::pem::encode("EC PRIVATE KEY", sec1).into_bytes();
        entry.extend_from_slice(&chain);
        assert!(decode_entry("bridge.test", &entry, SystemTime::now()).is_ok());
    }

    #[test]
    fn directory_cache_writes_private_files() {
        let dir = temp_dir("files");
        let cache = CertCache::create(dir.join("nested")).unwrap();
        assert_eq!(cache.get("bridge.test").unwrap(), None);
        cache.put("bridge.test", b"one").unwrap();
        cache.put("bridge.test", b"two").unwrap();
        assert_eq!(
            cache.get("bridge.test").unwrap().as_deref(),
            Some(&b"two"[..])
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir.join("nested")), 0o700);
            assert_eq!(mode(&dir.join("nested/bridge.test")), 0o600);
        }
        // The legacy account key name is read when the current one is absent.
        cache.put("acme_account.key", b"legacy").unwrap();
        assert_eq!(
            cache.get_account_key().unwrap().as_deref(),
            Some(&b"legacy"[..])
        );
        cache.put(ACCOUNT_KEY, b"current").unwrap();
        assert_eq!(
            cache.get_account_key().unwrap().as_deref(),
            Some(&b"current"[..])
        );
        // Names that would leave the directory are refused quietly.
        assert_eq!(cache.get("../x").unwrap(), None);
        assert!(CertCache::none().put("bridge.test", b"x").is_ok());
        assert_eq!(CertCache::none().get("bridge.test").unwrap(), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
