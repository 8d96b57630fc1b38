//! Interop: Debian's Go `snowflake-client` 2.5.1 with
//! `utls-imitate=hellochrome_auto` rendezvouses through our broker behind
//! TLS (a test CA, which Go trusts through `SSL_CERT_FILE`), and our side
//! (the proxy's broker client with Chrome's hello, and our WebRTC stack)
//! answers: the Go client's data channel opens to us.
//!
//! Between the Go client and the broker a TCP relay records the Go
//! client's ClientHello: it must be uTLS's Chrome hello (GREASE, ALPN h2),
//! not Go's own crypto/tls hello, so the bridge-line argument took effect.
//!
//! Needs root (to create a network namespace) and the Debian package
//! `snowflake-client`; everything runs in a fresh namespace with only `lo`.
//! Go's WebRTC never offers loopback host candidates, so the client gets a
//! STUN responder on 127.0.0.1 and offers a server-reflexive 127.0.0.1
//! candidate, which our loopback-only WebRTC stack accepts.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::{guard, init_logs, loopback_backend, LOOPBACK_PATTERN};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use snowflake_broker::bridges::BridgeList;
use snowflake_broker::{Broker, BrokerConfig, TlsFiles};
use snowflake_common::messages::proxy::new_session_id;
use snowflake_common::messages::{
    BridgeFingerprint, NatType, ProxyAnswerResponse, ProxyPollStatus, ProxyType,
};
use snowflake_proxy::broker::{BrokerClient, PollParams};
use snowflake_proxy::tls::{HelloProfile, Roots, TlsConnector};
use snowflake_testkit::go_client::{self, socks5_connect, socks_args, GoClient};
use snowflake_testkit::netns;
use snowflake_testkit::runtime;
use snowflake_testkit::stun::StunServer;
use snowflake_testkit::tls_wire::{is_grease, ClientHello, TlsWireError};
use snowflake_testkit::tor::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use url::Url;

const TEST_NAME: &str = "go_client_with_utls_rendezvouses_through_our_tls_broker";

#[test]
fn go_client_with_utls_rendezvouses_through_our_tls_broker() {
    go_client::program().unwrap_or_else(|e| panic!("{e}"));
    netns::run_isolated(TEST_NAME, Duration::from_secs(240), inside_namespace);
}

fn inside_namespace() {
    init_logs();
    let dir = TempDir::new("sf-go-utls").expect("temp dir");
    let pki = test_pki(&dir);
    // Go reads its trust roots from SSL_CERT_FILE; the client process
    // inherits it. Set before any other thread exists (this process is the
    // namespace's re-run of this one test).
    std::env::set_var("SSL_CERT_FILE", &pki.ca_file);
    runtime::block_on(rendezvous(&dir, &pki));
}

/// A test CA and a certificate for `localhost` and 127.0.0.1, in files.
struct TestPki {
    ca_file: std::path::PathBuf,
    ca_pem: String,
    files: TlsFiles,
}

fn test_pki(dir: &TempDir) -> TestPki {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "Go interop test CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let ca_file = dir.path().join("ca.pem");
    let files = TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    std::fs::write(&ca_file, issuer.pem()).unwrap();
    std::fs::write(&files.cert, leaf.pem()).unwrap();
    std::fs::write(&files.key, key.serialize_pem()).unwrap();
    TestPki {
        ca_file,
        ca_pem: issuer.pem(),
        files,
    }
}

/// A TCP relay on 127.0.0.1 to `upstream` that reports the ClientHello of
/// each connection and otherwise passes the bytes through.
async fn hello_tap(upstream: SocketAddr) -> (SocketAddr, mpsc::UnboundedReceiver<ClientHello>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let mut seen = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = match client.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    if server.write_all(&chunk[..n]).await.is_err() {
                        return;
                    }
                    seen.extend_from_slice(&chunk[..n]);
                    match ClientHello::from_stream(&seen) {
                        Ok(hello) => {
                            let _ = tx.send(hello);
                            break;
                        }
                        Err(TlsWireError::Incomplete { .. }) => continue,
                        Err(_) => break,
                    }
                }
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    (addr, rx)
}

async fn rendezvous(dir: &TempDir, pki: &TestPki) {
    let stun = StunServer::start("127.0.0.1".parse().unwrap())
        .await
        .expect("STUN responder");
    let bridges = BridgeList::parse(&format!(
        r#"{{"displayName":"local", "webSocketAddress":"ws://127.0.0.1:9/", "fingerprint":"{}"}}"#,
        BridgeFingerprint::default()
    ))
    .unwrap();
    let broker = Broker::start(BrokerConfig {
        bridges,
        tls: Some(pki.files.clone()),
        allowed_relay_pattern: LOOPBACK_PATTERN.to_string(),
        proxy_timeout: Duration::from_secs(2),
        client_timeout: Duration::from_secs(30),
        unsafe_logging: true,
        ..BrokerConfig::default()
    })
    .await
    .expect("broker starts");
    let (tap, mut hellos) = hello_tap(broker.local_addr()).await;

    let log = dir.path().join("client.log");
    let client = GoClient::start(
        dir.path(),
        &[
            "-log".to_string(),
            log.display().to_string(),
            "-unsafe-logging".to_string(),
            "-keep-local-addresses".to_string(),
        ],
        Duration::from_secs(30),
    )
    .expect("snowflake-client starts");
    let args = socks_args(&[
        ("url", &format!("https://localhost:{}/", tap.port())),
        ("ice", &stun.url()),
        ("max", "1"),
        ("utls-imitate", "hellochrome_auto"),
    ]);
    // The SOCKS connection (tor's) starts the Go client's rendezvous.
    let socks_addr = client.socks_addr();
    let socks = tokio::spawn(async move {
        socks5_connect(socks_addr, &args, "192.0.2.3:80".parse().unwrap()).await
    });

    // Our side: the proxy's broker client (Chrome's hello, trusting the
    // test CA) and our WebRTC stack.
    let url = Url::parse(&format!(
        "https://localhost:{}/",
        broker.local_addr().port()
    ))
    .unwrap();
    let roots = Roots::from_pem(pki.ca_pem.as_bytes()).unwrap();
    let broker_client = BrokerClient::new(&url).unwrap().with_tls(Arc::new(
        TlsConnector::new(HelloProfile::Chrome, roots, true).unwrap(),
    ));
    let backend = loopback_backend();
    let opened = guard("the Go client's rendezvous", async {
        loop {
            let sid = new_session_id();
            let response = broker_client
                .poll(&PollParams {
                    sid: sid.clone(),
                    proxy_type: ProxyType::Standalone,
                    nat: NatType::Unrestricted,
                    clients: 0,
                    accepted_relay_pattern: LOOPBACK_PATTERN.to_string(),
                })
                .await
                .expect("poll over HTTPS");
            if response.status != ProxyPollStatus::ClientMatch {
                continue;
            }
            let offer = response.offer_description().expect("the Go client's offer");
            let peer = backend.answer_offer(&offer).await.expect("our answer");
            let delivered = broker_client
                .answer(&sid, peer.answer())
                .await
                .expect("answer over HTTPS");
            assert_eq!(delivered, ProxyAnswerResponse::Success);
            return tokio::time::timeout(Duration::from_secs(30), peer.connect()).await;
        }
    })
    .await;
    if !matches!(opened, Ok(Ok(_))) {
        if let Ok(text) = std::fs::read_to_string(&log) {
            eprintln!("--- snowflake-client log ---\n{text}");
        }
    }
    let _channel = opened
        .expect("the Go client's data channel within 30 s")
        .expect("the Go client's data channel opens");

    // The Go client's hello to our broker: uTLS's Chrome hello.
    let hello = guard("the Go client's hello", hellos.recv())
        .await
        .expect("a hello");
    eprintln!(
        "Go snowflake-client utls-imitate=hellochrome_auto: JA4 {} ({} suites, {} extensions)",
        hello.ja4(),
        hello.cipher_suites.len(),
        hello.extension_types().len()
    );
    assert!(
        hello.cipher_suites.first().is_some_and(|&s| is_grease(s)),
        "uTLS's Chrome hello starts its suites with GREASE (Go's own never does): {:04x?}",
        hello.cipher_suites
    );
    assert!(hello
        .alpn
        .as_ref()
        .is_some_and(|alpn| alpn.first().map(Vec::as_slice) == Some(&b"h2"[..])));
    assert_eq!(hello.sni().as_deref(), Some("localhost"));

    socks.abort();
    drop(client);
    broker.shutdown().await;
}
