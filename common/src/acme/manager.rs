//! The certificate manager the broker and the server start: it loads what
//! the cache holds (so a restart serves at once, without asking the CA),
//! opens the HTTP-01 listener, and keeps one task per hostname that orders
//! a certificate when there is none, renews it ahead of expiry
//! ([`renewal`](super::renewal)), stores it in the cache and swaps it into
//! the [`AcmeResolver`] the TLS listener uses.
//!
//! Challenges: TLS-ALPN-01 is answered on our own TLS listener (the CA
//! connects to port 443 of the hostname), HTTP-01 on the HTTP-01 listener
//! (the CA connects to port 80), the order autocert tries them in. When
//! the CA cannot validate one, the other is tried at once with a new order.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use tokio::task::JoinHandle;

use super::cache::{self, CertCache};
use super::challenge::{ChallengeStore, ChallengeType};
use super::client::AcmeClient;
use super::error::AcmeError;
use super::jws::AccountKey;
use super::renewal::{self, Backoff};
use super::resolver::AcmeResolver;
use super::x509::CertificateFacts;

/// Longest one issuance may take before it is abandoned and retried.
const ORDER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// What the manager needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcmeConfig {
    /// The hostnames to hold certificates for (one certificate each).
    pub hostnames: Vec<String>,
    /// Contact address for the CA's notices, if any.
    pub email: Option<String>,
    /// The cache directory; `None` keeps certificates in memory only.
    pub cache_dir: Option<PathBuf>,
    /// The CA's directory URL.
    pub directory_url: String,
    /// PEM file of the roots to trust for the CA's HTTPS; `None` trusts
    /// the usual web roots.
    pub ca_roots: Option<PathBuf>,
    /// Where the HTTP-01 listener listens; `None` answers TLS-ALPN-01 only.
    pub http01_addr: Option<SocketAddr>,
}

impl AcmeConfig {
    /// Settings for `hostnames` (comma-separated, as the flags take them)
    /// with Let's Encrypt, the HTTP-01 listener on port 80, no cache.
    pub fn new(hostnames: &str) -> Result<Self, AcmeError> {
        Ok(Self {
            hostnames: parse_hostnames(hostnames)?,
            email: None,
            cache_dir: None,
            directory_url: super::directory::LETS_ENCRYPT.to_owned(),
            ca_roots: None,
            http01_addr: Some(SocketAddr::from(([0u16; 8], 80))),
        })
    }
}

/// Splits and checks a comma-separated hostname list: DNS names (letters,
/// digits, hyphens, dots), lowercased, without duplicates; no addresses,
/// no wildcards.
pub fn parse_hostnames(list: &str) -> Result<Vec<String>, AcmeError> {
    let mut hostnames: Vec<String> = Vec::new();
    for raw in list.split(',') {
        let name = raw.trim().trim_end_matches('.').to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        let label_ok = |label: &str| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if name.len() > 253
            || !name.split('.').all(label_ok)
            || name.parse::<std::net::IpAddr>().is_ok()
        {
            return Err(AcmeError::Config(format!(
                "{:?} is not a hostname",
                raw.trim().chars().take(80).collect::<String>()
            )));
        }
        if !hostnames.contains(&name) {
            hostnames.push(name);
        }
    }
    if hostnames.is_empty() {
        return Err(AcmeError::Config("no hostname given".into()));
    }
    Ok(hostnames)
}

/// A running certificate manager. Dropping it stops its tasks (the
/// resolver keeps serving the certificates it has).
#[derive(Debug)]
pub struct AcmeManager {
    resolver: Arc<AcmeResolver>,
    http01_addr: Option<SocketAddr>,
    cache_dir: Option<PathBuf>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for AcmeManager {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl AcmeManager {
    /// Loads the cache, opens the HTTP-01 listener and starts the
    /// per-hostname tasks. Must be called within a tokio runtime. Only a
    /// configuration that cannot work is an error: an unusable cache
    /// directory or HTTP-01 port is logged and worked around.
    pub fn start(config: AcmeConfig) -> Result<Self, AcmeError> {
        if config.hostnames.is_empty() {
            return Err(AcmeError::Config("no hostname given".into()));
        }
        let directory_url = super::directory::resource_url("directory URL", &config.directory_url)
            .map_err(|e| AcmeError::Config(e.to_string()))?;
        let tls = match &config.ca_roots {
            Some(path) => Arc::new(crate::http_client::tls_config_with_roots(load_roots(path)?)),
            None => crate::http_client::tls_client_config(),
        };
        let cache = match config.cache_dir.clone() {
            Some(dir) => CertCache::create(dir).unwrap_or_else(|error| {
                tracing::warn!(%error, "not using the certificate cache");
                CertCache::none()
            }),
            None => CertCache::none(),
        };
        let challenges = Arc::new(ChallengeStore::new());
        let resolver = Arc::new(AcmeResolver::new(challenges.clone()));
        let mut loaded: Vec<Option<CertificateFacts>> = Vec::new();
        for hostname in &config.hostnames {
            loaded.push(load_cached(&cache, &resolver, hostname));
        }
        let key = account_key(&cache)?;
        let contact = config
            .email
            .iter()
            .map(|email| email.trim())
            .filter(|email| !email.is_empty())
            .map(|email| format!("mailto:{email}"))
            .collect();
        let client = Arc::new(AcmeClient::new(directory_url, tls, key, contact));

        let mut tasks = Vec::new();
        let mut challenge_types = vec![ChallengeType::TlsAlpn01];
        let mut http01_addr = None;
        if let Some(addr) = config.http01_addr {
            match bind(addr) {
                Ok(listener) => {
                    http01_addr = listener.local_addr().ok();
                    tracing::info!("ACME HTTP-01 listener on {}", http01_addr.unwrap_or(addr));
                    challenge_types.push(ChallengeType::Http01);
                    tasks.push(tokio::spawn(super::http01::serve(
                        listener,
                        challenges.clone(),
                        Arc::new(config.hostnames.clone()),
                    )));
                }
                Err(error) => tracing::warn!(
                    %error,
                    "cannot open the ACME HTTP-01 listener on {addr}; only TLS-ALPN-01 \
                     (port 443) can validate"
                ),
            }
        }
        for (hostname, facts) in config.hostnames.iter().zip(loaded) {
            tasks.push(tokio::spawn(maintain(Maintained {
                hostname: hostname.clone(),
                client: client.clone(),
                cache: cache.clone(),
                resolver: resolver.clone(),
                challenges: challenges.clone(),
                challenge_types: challenge_types.clone(),
                current: facts,
            })));
        }
        Ok(Self {
            resolver,
            http01_addr,
            cache_dir: cache.dir().map(Path::to_path_buf),
            tasks,
        })
    }

    /// The resolver to give rustls.
    pub fn resolver(&self) -> Arc<AcmeResolver> {
        self.resolver.clone()
    }

    /// Where the HTTP-01 listener listens, if it could be opened.
    pub fn http01_addr(&self) -> Option<SocketAddr> {
        self.http01_addr
    }

    /// The cache directory in use, if any.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.cache_dir.as_deref()
    }
}

/// A time for the log, in UTC.
fn utc(time: SystemTime) -> String {
    let t = crate::civil_time::CivilTime::from_system_time(time);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// Binds `addr`; `[::]` falls back to `0.0.0.0` where IPv6 is disabled.
fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let listener = match std::net::TcpListener::bind(addr) {
        Err(error) if addr.ip() == std::net::Ipv6Addr::UNSPECIFIED => {
            std::net::TcpListener::bind(SocketAddr::from(([0, 0, 0, 0], addr.port())))
                .map_err(|_| error)?
        }
        other => other?,
    };
    listener.set_nonblocking(true)?;
    tokio::net::TcpListener::from_std(listener)
}

fn load_roots(path: &Path) -> Result<rustls::RootCertStore, AcmeError> {
    use rustls_pki_types::pem::PemObject;
    let bad = |reason: String| AcmeError::Config(format!("CA roots {}: {reason}", path.display()));
    let mut roots = rustls::RootCertStore::empty();
    for certificate in
        rustls_pki_types::CertificateDer::pem_file_iter(path).map_err(|e| bad(e.to_string()))?
    {
        roots
            .add(certificate.map_err(|e| bad(e.to_string()))?)
            .map_err(|e| bad(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(bad("no certificate".into()));
    }
    Ok(roots)
}

/// The cached certificate for `hostname`, served at once if usable.
fn load_cached(
    cache: &CertCache,
    resolver: &AcmeResolver,
    hostname: &str,
) -> Option<CertificateFacts> {
    let data = match cache.get(hostname) {
        Ok(Some(data)) => data,
        Ok(None) => return None,
        Err(error) => {
            tracing::warn!(%error, "cannot read the cached certificate");
            return None;
        }
    };
    match cache::decode_entry(hostname, &data, SystemTime::now()) {
        Ok(loaded) => {
            tracing::info!(
                hostname,
                expires = %utc(loaded.facts.not_after),
                "using the cached certificate"
            );
            resolver.set(hostname, loaded.certified);
            Some(loaded.facts)
        }
        Err(error) => {
            tracing::warn!(%error, "ignoring the cached certificate");
            None
        }
    }
}

/// The account key from the cache, or a new one (stored).
fn account_key(cache: &CertCache) -> Result<AccountKey, AcmeError> {
    match cache.get_account_key() {
        Ok(Some(pem)) => match AccountKey::from_pem(&pem) {
            Ok(key) => return Ok(key),
            Err(error) => {
                tracing::warn!(%error, "cached ACME account key unusable; making a new one")
            }
        },
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "cannot read the cached ACME account key"),
    }
    let key = AccountKey::generate()?;
    if let Err(error) = cache.put(cache::ACCOUNT_KEY, key.to_pem().as_bytes()) {
        tracing::warn!(%error, "cannot cache the ACME account key");
    }
    Ok(key)
}

struct Maintained {
    hostname: String,
    client: Arc<AcmeClient>,
    cache: CertCache,
    resolver: Arc<AcmeResolver>,
    challenges: Arc<ChallengeStore>,
    challenge_types: Vec<ChallengeType>,
    current: Option<CertificateFacts>,
}

/// Keeps `hostname`'s certificate current, forever.
async fn maintain(mut m: Maintained) {
    let mut backoff = Backoff::new();
    loop {
        if let Some(facts) = &m.current {
            let due = renewal::renew_at(facts);
            loop {
                let wait = renewal::sleep_for(SystemTime::now(), due);
                if wait.is_zero() {
                    break;
                }
                tokio::time::sleep(wait).await;
            }
        }
        tracing::info!(
            hostname = %m.hostname,
            renewal = m.current.is_some(),
            "requesting a certificate"
        );
        match obtain(&m).await {
            Ok(new) => {
                let not_after = new.loaded.facts.not_after;
                let cache = m.cache.clone();
                let hostname = m.hostname.clone();
                let entry = new.entry;
                let stored =
                    tokio::task::spawn_blocking(move || cache.put(&hostname, &entry)).await;
                match stored {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => tracing::warn!(%error, "cannot cache the certificate"),
                    Err(error) => tracing::warn!(%error, "cannot cache the certificate"),
                }
                m.resolver.set(&m.hostname, new.loaded.certified);
                m.current = Some(new.loaded.facts);
                backoff.reset();
                tracing::info!(
                    hostname = %m.hostname,
                    expires = %utc(not_after),
                    "certificate obtained"
                );
            }
            Err(error) => {
                let delay = backoff.after_failure(error.retry_after());
                tracing::warn!(
                    hostname = %m.hostname,
                    %error,
                    "could not obtain a certificate; retrying in {}s",
                    delay.as_secs()
                );
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// One issuance: with each challenge type in turn while the CA reports
/// that it could not validate the previous one.
async fn obtain(m: &Maintained) -> Result<super::client::NewCertificate, AcmeError> {
    let mut last = None;
    for first in 0..m.challenge_types.len() {
        let types = &m.challenge_types[first..];
        let attempt = tokio::time::timeout(
            ORDER_TIMEOUT,
            m.client
                .order_certificate(&m.hostname, types, &m.challenges),
        )
        .await
        .unwrap_or(Err(AcmeError::Stalled("issuance", 0)));
        match attempt {
            Err(error @ AcmeError::ChallengeFailed { .. })
                if first + 1 < m.challenge_types.len() =>
            {
                tracing::info!(
                    hostname = %m.hostname,
                    %error,
                    "trying the next challenge type"
                );
                last = Some(error);
            }
            other => return other,
        }
    }
    Err(last.unwrap_or(AcmeError::Flow("no challenge type".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_are_checked_and_normalised() {
        assert_eq!(
            parse_hostnames("Snowflake.Example.,b.example, snowflake.example").unwrap(),
            vec!["snowflake.example", "b.example"]
        );
        for bad in [
            "",
            ",",
            "*.example",
            "a/b",
            "1.2.3.4",
            "-a.example",
            "a..b",
            "a b",
        ] {
            assert!(parse_hostnames(bad).is_err(), "{bad:?}");
        }
        assert!(parse_hostnames(&"a".repeat(64)).is_err());
    }

    #[tokio::test]
    async fn start_refuses_unusable_configuration_and_survives_a_bad_cache() {
        let mut config = AcmeConfig::new("b.test").unwrap();
        config.http01_addr = None;
        config.directory_url = "not a url".into();
        assert!(matches!(
            AcmeManager::start(config.clone()),
            Err(AcmeError::Config(_))
        ));
        config.directory_url = "https://127.0.0.1:9/dir".into();
        config.ca_roots = Some("/nonexistent/roots.pem".into());
        assert!(matches!(
            AcmeManager::start(config.clone()),
            Err(AcmeError::Config(_))
        ));
        config.ca_roots = None;
        // A cache path that cannot be a directory: run without a cache.
        config.cache_dir = Some("/dev/null/cache".into());
        let manager = AcmeManager::start(config).unwrap();
        assert_eq!(manager.cache_dir(), None);
        assert!(manager.resolver().get("b.test").is_none());
    }
}
