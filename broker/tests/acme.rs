//! ACME against Debian's `pebble` on 127.0.0.1 (testkit::pebble): the
//! broker binary started with upstream's flags obtains a certificate
//! (through HTTP-01 on its HTTP-01 listener, after pebble fails to
//! validate TLS-ALPN-01 on a closed port), serves it to a client that
//! trusts only pebble's issuing CA, and after a restart serves it from
//! the cache while pebble is gone; a short-lived certificate is renewed
//! and swapped into the running listener.
//!
//! Skipped, saying why, when pebble is not installed.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use http::Method;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::ServerName;
use snowflake_broker::{Broker, BrokerConfig};
use snowflake_common::acme::AcmeConfig;
use snowflake_testkit::pebble::{
    free_port, unavailable, verified_certificate, wait_for_verified_certificate, Pebble,
    PebbleOptions,
};
use snowflake_testkit::process::ChildGuard;
use snowflake_testkit::tor::TempDir;
use tokio::net::TcpStream;

const BINARY: &str = env!("CARGO_BIN_EXE_snowflake-broker");
const HOSTNAME: &str = "broker.snowflake.test";
/// How long the broker may take to get its certificate (a hang guard; no
/// timing is asserted).
const PATIENCE: Duration = Duration::from_secs(90);

fn skip() -> bool {
    match unavailable() {
        Some(reason) => {
            eprintln!("skipping the ACME test: {reason}");
            true
        }
        None => false,
    }
}

fn start_broker(args: &[String], log: &Path) -> ChildGuard {
    let mut command = Command::new(BINARY);
    command
        .args(args)
        .env("RUST_LOG", "info,snowflake_common::acme=debug")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log file"));
    ChildGuard::spawn(command, "snowflake-broker").expect("broker starts")
}

/// `GET /debug` over TLS verified against `roots`.
async fn get_debug(addr: SocketAddr, roots: &rustls::RootCertStore) -> http::StatusCode {
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots.clone())
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from(HOSTNAME).unwrap(), tcp)
        .await
        .expect("verified TLS");
    snowflake_testkit::http::request_over(tls, HOSTNAME, Method::GET, "/debug", &[], Vec::new())
        .await
        .expect("GET /debug")
        .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_obtains_a_certificate_serves_it_and_restarts_from_the_cache() {
    if skip() {
        return;
    }
    let broker_addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let http01_addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    // Nothing listens here: TLS-ALPN-01 validation fails, and the broker
    // must go on to HTTP-01.
    let closed_port = free_port();
    let pebble = Pebble::start(PebbleOptions {
        http_port: http01_addr.port(),
        tls_port: closed_port,
        validity: None,
    })
    .await
    .expect("pebble starts");
    let roots = pebble.issuing_roots().await.expect("pebble's issuing root");
    let work = TempDir::new("snowflake-broker-acme").expect("temp dir");
    let cache = work.path().join("acme-cert-cache");
    // Outlives pebble's directory, for the restart.
    let api_roots = work.path().join("acme-api-roots.pem");
    std::fs::copy(pebble.api_roots_file(), &api_roots).expect("copy roots");
    let args: Vec<String> = [
        "-addr",
        &broker_addr.to_string(),
        "-acme-hostnames",
        HOSTNAME,
        "-acme-email",
        "operator@snowflake.test",
        "-acme-cert-cache",
        &cache.display().to_string(),
        "-acme-directory",
        &pebble.directory_url(),
        "-acme-ca-roots",
        &api_roots.display().to_string(),
        "-acme-http-addr",
        &http01_addr.to_string(),
        "-disable-geoip",
        "-allowed-relay-pattern",
        "snowflake.test$",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();

    let log = work.path().join("broker-1.log");
    let broker = start_broker(&args, &log);
    let issued = match wait_for_verified_certificate(
        broker_addr,
        HOSTNAME,
        &roots,
        &[b"h2", b"http/1.1"],
        PATIENCE,
    )
    .await
    {
        Ok(certificate) => certificate,
        Err(error) => panic!(
            "{error}\nbroker log:\n{}\npebble log:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default(),
            pebble.log()
        ),
    };
    assert_eq!(get_debug(broker_addr, &roots).await, http::StatusCode::OK);
    let broker_log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        broker_log.contains("trying the next challenge type"),
        "TLS-ALPN-01 was tried first and failed: {broker_log}"
    );
    // Without SNI, or for another name, nothing is served.
    assert!(
        verified_certificate(broker_addr, "other.snowflake.test", &roots, &[])
            .await
            .is_err()
    );
    // The HTTP-01 listener sends other requests for our name to HTTPS.
    let tcp = TcpStream::connect(http01_addr)
        .await
        .expect("HTTP-01 listener");
    let redirect = snowflake_testkit::http::request_over(
        tcp,
        HOSTNAME,
        Method::GET,
        "/debug",
        &[],
        Vec::new(),
    )
    .await
    .expect("GET over HTTP");
    assert_eq!(redirect.status, http::StatusCode::FOUND);
    assert_eq!(
        redirect.header("location"),
        Some("https://broker.snowflake.test/debug")
    );
    // The cache holds the account key and the certificate, as autocert
    // names them.
    assert!(cache.join("acme_account+key").is_file());
    let entry = std::fs::read_to_string(cache.join(HOSTNAME)).expect("cached certificate");
    assert!(entry.starts_with("-----BEGIN PRIVATE KEY-----"), "{entry}");
    assert!(entry.contains("-----BEGIN CERTIFICATE-----"));

    // Restart with pebble gone: the cached certificate is served.
    drop(broker);
    drop(pebble);
    let log = work.path().join("broker-2.log");
    let _broker = start_broker(&args, &log);
    let again =
        wait_for_verified_certificate(broker_addr, HOSTNAME, &roots, &[b"http/1.1"], PATIENCE)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "{error}\nbroker log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            });
    assert_eq!(again, issued, "the same certificate, from the cache");
    let broker_log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        broker_log.contains("using the cached certificate"),
        "{broker_log}"
    );
    assert!(
        !broker_log.contains("requesting a certificate"),
        "no request to the CA: {broker_log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_lived_certificate_is_renewed_and_swapped_live() {
    if skip() {
        return;
    }
    // Bind first, so pebble can be told where TLS-ALPN-01 is answered.
    let broker_port = free_port();
    let pebble = Pebble::start(PebbleOptions {
        http_port: free_port(),
        tls_port: broker_port,
        // Renewed when a third is left: some 14 s after issuance.
        validity: Some(Duration::from_secs(21)),
    })
    .await
    .expect("pebble starts");
    let roots = pebble.issuing_roots().await.expect("pebble's issuing root");
    let work = TempDir::new("snowflake-broker-acme-renew").expect("temp dir");
    let broker = Broker::start(BrokerConfig {
        listen_addr: SocketAddr::from(([127, 0, 0, 1], broker_port)),
        acme: Some(AcmeConfig {
            cache_dir: Some(work.path().join("cache")),
            directory_url: pebble.directory_url(),
            ca_roots: Some(pebble.api_roots_file()),
            // TLS-ALPN-01 only.
            http01_addr: None,
            ..AcmeConfig::new(HOSTNAME).expect("hostname")
        }),
        ..BrokerConfig::default()
    })
    .await
    .expect("broker starts");
    assert_eq!(broker.acme_http01_addr(), None);
    let first =
        wait_for_verified_certificate(broker.local_addr(), HOSTNAME, &roots, &[b"h2"], PATIENCE)
            .await
            .unwrap_or_else(|error| panic!("{error}\npebble log:\n{}", pebble.log()));
    // Wait for the renewed certificate on the same listener.
    let started = std::time::Instant::now();
    let renewed = loop {
        let current = verified_certificate(broker.local_addr(), HOSTNAME, &roots, &[b"h2"]).await;
        match current {
            Ok(certificate) if certificate != first => break certificate,
            _ if started.elapsed() > PATIENCE => {
                panic!("no renewed certificate\npebble log:\n{}", pebble.log())
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    };
    let cached = std::fs::read(work.path().join("cache").join(HOSTNAME)).expect("cache entry");
    let cached_leaf = rustls::pki_types::CertificateDer::pem_slice_iter(&cached)
        .next()
        .expect("a certificate")
        .expect("PEM");
    assert_eq!(
        cached_leaf, renewed,
        "the cache holds the renewed certificate"
    );
    broker.shutdown().await;
}
