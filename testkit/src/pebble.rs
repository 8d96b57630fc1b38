//! Debian's `pebble` ACME test server, started on 127.0.0.1 for the ACME
//! tests of the broker and the server, with `pebble-challtestsrv` as its
//! DNS server answering every name with 127.0.0.1 (so the hostnames the
//! tests order certificates for resolve to the programs under test, and no
//! query leaves the machine).
//!
//! Pebble validates HTTP-01 on `http_port` and TLS-ALPN-01 on `tls_port`
//! of 127.0.0.1 (instead of 80 and 443), runs without its random
//! validation sleeps and without rejecting good nonces. Its API speaks
//! HTTPS with a certificate from a throwaway CA made here
//! ([`Pebble::api_roots_file`] plays the part of `pebble.minica.pem`); the
//! CA that issues the certificates is pebble's own, fetched from its
//! management endpoint ([`Pebble::issuing_roots`]).

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::Method;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;

use crate::process::{find_program, ChildGuard};
use crate::tor::TempDir;

/// How pebble validates and issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PebbleOptions {
    /// Port of 127.0.0.1 pebble fetches HTTP-01 answers from.
    pub http_port: u16,
    /// Port of 127.0.0.1 pebble validates TLS-ALPN-01 on.
    pub tls_port: u16,
    /// Lifetime of issued certificates (pebble's default: 5 years).
    pub validity: Option<Duration>,
}

/// A running pebble and its DNS server, stopped when dropped.
#[derive(Debug)]
pub struct Pebble {
    // Children before the directory: they are killed before it is removed.
    _pebble: ChildGuard,
    _dns: ChildGuard,
    dir: TempDir,
    acme_addr: SocketAddr,
    management_addr: SocketAddr,
    api_tls: Arc<rustls::ClientConfig>,
}

/// A port free on 127.0.0.1 right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// Why the ACME tests cannot run here, if they cannot: `pebble` is not
/// installed.
pub fn unavailable() -> Option<String> {
    find_program("pebble", "pebble")
        .and(find_program("pebble-challtestsrv", "pebble"))
        .err()
}

fn tls_client(roots: rustls::RootCertStore) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default versions")
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// The roots in a PEM text.
pub fn root_store(pem: &[u8]) -> io::Result<rustls::RootCertStore> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(pem) {
        roots
            .add(certificate.map_err(io::Error::other)?)
            .map_err(io::Error::other)?;
    }
    if roots.is_empty() {
        return Err(io::Error::other("no root certificate"));
    }
    Ok(roots)
}

impl Pebble {
    /// Starts the DNS server and pebble on free ports of 127.0.0.1 and
    /// waits until the ACME directory answers.
    pub async fn start(options: PebbleOptions) -> io::Result<Pebble> {
        let pebble = find_program("pebble", "pebble").map_err(io::Error::other)?;
        let challtestsrv =
            find_program("pebble-challtestsrv", "pebble").map_err(io::Error::other)?;
        let dir = TempDir::new("snowflake-pebble")?;

        // pebble's own HTTPS certificate, from a CA of our own.
        let ca_key = rcgen::KeyPair::generate().map_err(io::Error::other)?;
        let mut ca_params =
            rcgen::CertificateParams::new(Vec::<String>::new()).map_err(io::Error::other)?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "snowflake test ACME API CA");
        let ca_cert = ca_params.self_signed(&ca_key).map_err(io::Error::other)?;
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let api_key = rcgen::KeyPair::generate().map_err(io::Error::other)?;
        let api_params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .map_err(io::Error::other)?;
        let api_cert = api_params
            .signed_by(&api_key, &issuer)
            .map_err(io::Error::other)?;
        std::fs::write(dir.path().join("api-ca.pem"), ca_cert.pem())?;
        std::fs::write(dir.path().join("api-cert.pem"), api_cert.pem())?;
        std::fs::write(dir.path().join("api-key.pem"), api_key.serialize_pem())?;

        let dns_port = free_port();
        let dns_management_port = free_port();
        let acme_addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let management_addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let mut config = serde_json::json!({
            "pebble": {
                "listenAddress": acme_addr.to_string(),
                "managementListenAddress": management_addr.to_string(),
                "certificate": dir.path().join("api-cert.pem"),
                "privateKey": dir.path().join("api-key.pem"),
                "httpPort": options.http_port,
                "tlsPort": options.tls_port,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": false,
            }
        });
        if let Some(validity) = options.validity {
            config["pebble"]["certificateValidityPeriod"] = validity.as_secs().max(1).into();
        }
        let config_path = dir.path().join("pebble-config.json");
        std::fs::write(&config_path, config.to_string())?;

        let log = |name: &str| -> io::Result<Stdio> {
            Ok(std::fs::File::create(dir.path().join(name))?.into())
        };
        let mut dns = Command::new(challtestsrv);
        dns.args([
            "-dns01",
            &format!("127.0.0.1:{dns_port}"),
            "-http01",
            "",
            "-https01",
            "",
            "-tlsalpn01",
            "",
            "-management",
            &format!("127.0.0.1:{dns_management_port}"),
            "-defaultIPv4",
            "127.0.0.1",
            "-defaultIPv6",
            "",
        ])
        .stdin(Stdio::null())
        .stdout(log("challtestsrv.log")?)
        .stderr(log("challtestsrv.err")?);
        let dns = ChildGuard::spawn(dns, "pebble-challtestsrv")?;
        let mut command = Command::new(pebble);
        command
            .arg("-config")
            .arg(&config_path)
            .arg("-dnsserver")
            .arg(format!("127.0.0.1:{dns_port}"))
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdin(Stdio::null())
            .stdout(log("pebble.log")?)
            .stderr(log("pebble.err")?);
        let mut pebble = ChildGuard::spawn(command, "pebble")?;

        let api_tls = tls_client(root_store(ca_cert.pem().as_bytes())?);
        let started = Instant::now();
        loop {
            if let Some(status) = pebble.try_wait()? {
                return Err(io::Error::other(format!(
                    "pebble exited ({status}): {}",
                    std::fs::read_to_string(dir.path().join("pebble.log")).unwrap_or_default()
                )));
            }
            if https_get(&api_tls, acme_addr, "/dir").await.is_ok() {
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err(io::Error::other("pebble did not answer within 30 s"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(Pebble {
            _pebble: pebble,
            _dns: dns,
            dir,
            acme_addr,
            management_addr,
            api_tls,
        })
    }

    /// The ACME directory URL.
    pub fn directory_url(&self) -> String {
        format!("https://{}/dir", self.acme_addr)
    }

    /// A PEM file with the root that pebble's HTTPS API certificate chains
    /// to (to pass as the CA roots of the ACME client).
    pub fn api_roots_file(&self) -> PathBuf {
        self.dir.path().join("api-ca.pem")
    }

    /// pebble's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pebble.log")).unwrap_or_default()
    }

    /// The root of the CA that issues pebble's certificates (it changes
    /// each time pebble starts).
    pub async fn issuing_roots_pem(&self) -> io::Result<Vec<u8>> {
        let response = https_get(&self.api_tls, self.management_addr, "/roots/0").await?;
        if !response.status.is_success() {
            return Err(io::Error::other(format!(
                "pebble management /roots/0: {}",
                response.status
            )));
        }
        Ok(response.body.to_vec())
    }

    /// [`Pebble::issuing_roots_pem`] as a root store.
    pub async fn issuing_roots(&self) -> io::Result<rustls::RootCertStore> {
        root_store(&self.issuing_roots_pem().await?)
    }

    /// The directory pebble's files are in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

async fn https_get(
    config: &Arc<rustls::ClientConfig>,
    addr: SocketAddr,
    path: &str,
) -> io::Result<crate::http::HttpResponse> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::from(addr.ip());
    let tls = tokio_rustls::TlsConnector::from(config.clone())
        .connect(name, tcp)
        .await?;
    tokio::time::timeout(
        Duration::from_secs(10),
        crate::http::request_over(tls, &addr.to_string(), Method::GET, path, &[], Vec::new()),
    )
    .await
    .map_err(|_| io::Error::other("no answer within 10 s"))?
}

/// Connects to `addr` with TLS for `server_name`, verifying the chain
/// against `roots` (and the name), with ALPN `alpn`; returns the leaf
/// certificate presented.
pub async fn verified_certificate(
    addr: SocketAddr,
    server_name: &str,
    roots: &rustls::RootCertStore,
    alpn: &[&[u8]],
) -> io::Result<CertificateDer<'static>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_root_certificates(roots.clone())
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let name = ServerName::try_from(server_name.to_owned()).map_err(io::Error::other)?;
    let tcp = TcpStream::connect(addr).await?;
    let tls = tokio::time::timeout(
        Duration::from_secs(10),
        tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp),
    )
    .await
    .map_err(|_| io::Error::other("TLS handshake timed out"))??;
    let (_, connection) = tls.get_ref();
    connection
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|leaf| leaf.clone().into_owned())
        .ok_or_else(|| io::Error::other("no certificate presented"))
}

/// Retries [`verified_certificate`] until it succeeds (the program under
/// test may still be obtaining its certificate) or `patience` has passed.
pub async fn wait_for_verified_certificate(
    addr: SocketAddr,
    server_name: &str,
    roots: &rustls::RootCertStore,
    alpn: &[&[u8]],
    patience: Duration,
) -> io::Result<CertificateDer<'static>> {
    let started = Instant::now();
    loop {
        match verified_certificate(addr, server_name, roots, alpn).await {
            Ok(certificate) => return Ok(certificate),
            Err(error) if started.elapsed() > patience => {
                return Err(io::Error::other(format!(
                    "no verifiable certificate from {addr} for {server_name} within {patience:?}: \
                     {error}"
                )))
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}
