//! The proxy's TLS on the wire: its broker polls and answers send
//! Chromium 156's ClientHello (fixtures/fingerprints/tls-chromium.json),
//! its `wss://` relay connection the same hello with ALPN http/1.1 only
//! and no ALPS (Chromium's WebSocket hello); with a test CA, a poll and an
//! answer over HTTP/2 to our broker behind TLS, and a WebSocket over the
//! http/1.1-only hello. Everything on 127.0.0.1.

mod common;

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use common::{guard, init_logs, LOOPBACK_PATTERN};
use futures_util::{SinkExt, StreamExt};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};
use snowflake_broker::bridges::BridgeList;
use snowflake_broker::{Broker, BrokerConfig, TlsFiles};
use snowflake_common::http_client::{BoxFuture, BoxedIo, TlsConnect, TlsConnection};
use snowflake_common::messages::{
    BridgeFingerprint, NatType, ProxyAnswerResponse, ProxyPollStatus, ProxyType, SdpType,
    SessionDescription,
};
use snowflake_proxy::broker::{BrokerClient, PollParams};
use snowflake_proxy::relay;
use snowflake_proxy::relay_policy::RelayTarget;
use snowflake_proxy::tls::{HelloProfile, Roots, TlsConnector};
use snowflake_testkit::hello_recorder::HelloRecorder;
use snowflake_testkit::tls_wire::ClientHello;
use snowflake_testkit::tor::TempDir;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use url::Url;

/// ALPS (application_settings), the code point Chromium uses.
const ALPS: u16 = 0x44cd;

fn fixture() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/fingerprints/tls-chromium.json"
    );
    let text = std::fs::read_to_string(path).expect("Chromium fixture");
    serde_json::from_str(&text).expect("fixture JSON")
}

/// Chromium's JA4 and raw JA4 from the fixture.
fn chromium() -> (String, String) {
    let json = fixture();
    (
        json["ja4"].as_str().expect("ja4").to_string(),
        json["ja4_r"].as_str().expect("ja4_r").to_string(),
    )
}

/// The JA4 (and raw JA4) Chromium's hello has with ALPN http/1.1 alone and
/// without ALPS: part a says `h1` and one extension fewer, part b (the
/// suites) is unchanged, part c is hashed from the fixture's extension list
/// less 0x44cd.
fn chromium_websocket() -> (String, String) {
    let (ja4, ja4_r) = chromium();
    let parts: Vec<&str> = ja4_r.split('_').collect();
    assert_eq!(parts.len(), 4, "{ja4_r}");
    assert_eq!(parts[0], "t13d1517h2");
    let extensions: Vec<&str> = parts[2].split(',').filter(|e| *e != "44cd").collect();
    assert_eq!(extensions.len() + 1, parts[2].split(',').count());
    let c_input = format!("{}_{}", extensions.join(","), parts[3]);
    let c = hex::encode(&Sha256::digest(c_input.as_bytes())[..6]);
    let b = ja4.split('_').nth(1).expect("part b");
    (
        format!("t13d1516h1_{b}_{c}"),
        format!("t13d1516h1_{}_{c_input}", parts[1]),
    )
}

async fn next_hello(recorder: &mut HelloRecorder) -> ClientHello {
    guard("hello", recorder.next())
        .await
        .expect("a hello")
        .expect("a ClientHello")
}

fn poll_params() -> PollParams {
    PollParams {
        sid: "browser-tls-test".to_string(),
        proxy_type: ProxyType::Standalone,
        nat: NatType::Unrestricted,
        clients: 0,
        accepted_relay_pattern: LOOPBACK_PATTERN.to_string(),
    }
}

fn answer() -> SessionDescription {
    SessionDescription::new(
        SdpType::Answer,
        "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\na=candidate:2 1 udp 1 127.0.0.1 6000 typ host\r\n",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_poll_and_answer_send_chromiums_hello() {
    init_logs();
    let (ja4, ja4_r) = chromium();
    let mut recorder = HelloRecorder::start().await.expect("recorder");
    let url = Url::parse(&format!("https://localhost:{}/", recorder.addr.port())).unwrap();
    let broker = BrokerClient::new(&url).unwrap();

    assert!(guard("poll", broker.poll(&poll_params())).await.is_err());
    let hello = next_hello(&mut recorder).await;
    assert_eq!(hello.ja4(), ja4);
    assert_eq!(hello.ja4_r(), ja4_r);
    assert_eq!(hello.sni().as_deref(), Some("localhost"));
    assert_eq!(hello.alpn, Some(vec![b"h2".to_vec(), b"http/1.1".to_vec()]));

    assert!(guard("answer", broker.answer("sid", &answer()))
        .await
        .is_err());
    assert_eq!(next_hello(&mut recorder).await.ja4(), ja4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nat_probe_sends_chromiums_hello() {
    init_logs();
    let (ja4, _) = chromium();
    let mut recorder = HelloRecorder::start().await.expect("recorder");
    let url = Url::parse(&format!("https://localhost:{}/probe", recorder.addr.port())).unwrap();
    let backend = common::loopback_backend();
    let result = guard(
        "probe",
        snowflake_proxy::nat_probe::probe_once(&*backend, &url, Duration::from_secs(5)),
    )
    .await;
    assert!(result.is_err());
    let hello = next_hello(&mut recorder).await;
    assert_eq!(hello.ja4(), ja4);
    assert_eq!(hello.sni().as_deref(), Some("localhost"));
}

fn relay_target(url: &Url, port: u16) -> RelayTarget {
    RelayTarget {
        url: url.clone(),
        tls: true,
        host: "localhost".to_string(),
        literal_ip: None,
        port,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wss_relay_gets_chromiums_websocket_hello() {
    init_logs();
    let (ja4, ja4_r) = chromium_websocket();
    let (h2_ja4, _) = chromium();
    let mut recorder = HelloRecorder::start().await.expect("recorder");
    let port = recorder.addr.port();
    let url = Url::parse(&format!("wss://localhost:{port}/?client_ip=192.0.2.1")).unwrap();
    for _ in 0..3 {
        let result = guard(
            "relay connect",
            relay::connect(&relay_target(&url, port), &[recorder.addr], &url),
        )
        .await;
        assert!(result.is_err());
        let hello = next_hello(&mut recorder).await;
        assert_eq!(hello.alpn, Some(vec![b"http/1.1".to_vec()]));
        assert!(!hello.has_extension(ALPS) && !hello.has_extension(0x4469));
        assert_eq!(hello.sni().as_deref(), Some("localhost"));
        assert_eq!(hello.ja4(), ja4);
        assert_eq!(hello.ja4_r(), ja4_r);
        // Only the ALPN part and the extension count and hash differ from
        // the broker poll's hello.
        assert_eq!(hello.ja4().split('_').nth(1), h2_ja4.split('_').nth(1));
    }
}

/// A test CA and a `localhost` certificate (DER and PEM) with its key.
struct TestPki {
    ca_pem: String,
    cert: CertificateDer<'static>,
    cert_pem: String,
    key_der: Vec<u8>,
    key_pem: String,
}

fn test_pki() -> TestPki {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "proxy TLS test CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    TestPki {
        ca_pem: issuer.pem(),
        cert: leaf.der().clone(),
        cert_pem: leaf.pem(),
        key_der: key.serialize_der(),
        key_pem: key.serialize_pem(),
    }
}

fn trusting(pki: &TestPki) -> Roots {
    Roots::from_pem(pki.ca_pem.as_bytes()).expect("test CA")
}

/// A `wss` echo server with the test certificate, offering h2 and
/// http/1.1 by ALPN; reports the ALPN each connection negotiated.
async fn wss_echo_server(pki: &TestPki) -> (SocketAddr, mpsc::UnboundedReceiver<Option<Vec<u8>>>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.key_der.clone()));
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![pki.cert.clone()], key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let _ = tx.send(tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec));
                let Ok(mut socket) = tokio_tungstenite::accept_async(tls).await else {
                    return;
                };
                while let Some(Ok(message)) = socket.next().await {
                    if message.is_binary() && socket.send(message).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wss_relay_over_the_websocket_hello_with_a_test_ca() {
    init_logs();
    let pki = test_pki();
    let (addr, mut alpns) = wss_echo_server(&pki).await;
    let url = Url::parse(&format!("wss://localhost:{}/", addr.port())).unwrap();
    let target = relay_target(&url, addr.port());

    // The default roots (Mozilla's) refuse the test CA.
    match guard("relay connect", relay::connect(&target, &[addr], &url)).await {
        Err(relay::RelayError::Connect(e)) => {
            assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}")
        }
        other => panic!("{:?}", other.map(|_| "connected")),
    }

    let connector = TlsConnector::new(HelloProfile::Chrome, trusting(&pki), true)
        .unwrap()
        .with_alpn_http11_only();
    let mut socket = guard(
        "relay connect",
        relay::connect_with_tls(&target, &[addr], &url, Some(&connector)),
    )
    .await
    .expect("WebSocket over TLS");
    // The server offered h2 first and still got http/1.1: the only one
    // offered.
    let mut negotiated = None;
    while let Ok(alpn) = alpns.try_recv() {
        negotiated = alpn;
    }
    assert_eq!(negotiated.as_deref(), Some(&b"http/1.1"[..]));
    socket
        .send(Message::binary(b"through wss".to_vec()))
        .await
        .unwrap();
    let echoed = guard("echo", socket.next())
        .await
        .expect("a message")
        .unwrap();
    assert_eq!(echoed.into_data().as_ref(), b"through wss");
}

/// The HTTP/2 connection preface.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// One connection as [`RecordingTls`] saw it: the ALPN and the first bytes
/// the client wrote inside TLS.
type Recorded = Arc<Mutex<(Option<Vec<u8>>, Vec<u8>)>>;

/// The browser connector, recording each connection.
#[derive(Debug)]
struct RecordingTls {
    inner: TlsConnector,
    seen: Arc<Mutex<Vec<Recorded>>>,
}

impl TlsConnect for RecordingTls {
    fn connect<'a>(
        &'a self,
        host: &'a str,
        tcp: BoxedIo,
    ) -> BoxFuture<'a, io::Result<TlsConnection>> {
        Box::pin(async move {
            let (stream, alpn) = TlsConnect::connect(&self.inner, host, tcp).await?;
            let record: Recorded = Arc::new(Mutex::new((alpn.clone(), Vec::new())));
            self.seen.lock().unwrap().push(record.clone());
            let stream: BoxedIo = Box::new(Tap {
                inner: stream,
                record,
            });
            Ok((stream, alpn))
        })
    }
}

/// A stream that keeps a copy of the first bytes written to it.
struct Tap {
    inner: BoxedIo,
    record: Recorded,
}

impl AsyncRead for Tap {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Tap {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = result {
            let mut record = self.record.lock().unwrap();
            let room = H2_PREFACE.len().saturating_sub(record.1.len());
            record.1.extend_from_slice(&buf[..n.min(room)]);
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_our_broker_over_h2_with_a_test_ca() {
    init_logs();
    let pki = test_pki();
    let dir = TempDir::new("proxy-browser-tls").unwrap();
    let files = TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    std::fs::write(&files.cert, &pki.cert_pem).unwrap();
    std::fs::write(&files.key, &pki.key_pem).unwrap();
    let bridges = BridgeList::parse(&format!(
        r#"{{"displayName":"local", "webSocketAddress":"ws://127.0.0.1:9/", "fingerprint":"{}"}}"#,
        BridgeFingerprint::default()
    ))
    .unwrap();
    let broker = Broker::start(BrokerConfig {
        bridges,
        tls: Some(files),
        allowed_relay_pattern: LOOPBACK_PATTERN.to_string(),
        proxy_timeout: Duration::from_secs(1),
        unsafe_logging: true,
        ..BrokerConfig::default()
    })
    .await
    .expect("broker starts");
    let url = Url::parse(&format!(
        "https://localhost:{}/",
        broker.local_addr().port()
    ))
    .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = BrokerClient::new(&url)
        .unwrap()
        .with_tls(Arc::new(RecordingTls {
            inner: TlsConnector::new(HelloProfile::Chrome, trusting(&pki), true).unwrap(),
            seen: seen.clone(),
        }));

    // No client: the held poll ends without a match.
    let response = guard("poll", client.poll(&poll_params()))
        .await
        .expect("poll over HTTPS");
    assert_eq!(response.status, ProxyPollStatus::NoMatch);
    // An answer for a session the broker does not know.
    let response = guard("answer", client.answer("no-such-sid", &answer()))
        .await
        .expect("answer over HTTPS");
    assert_eq!(response, ProxyAnswerResponse::ClientGone);
    // Both went over HTTP/2: h2 by ALPN, and the HTTP/2 preface first.
    // (The broker would also take HTTP/1.1 on such a connection: it tells
    // the versions apart by the first bytes.)
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    for record in seen.iter() {
        let (alpn, written) = &*record.lock().unwrap();
        assert_eq!(alpn.as_deref(), Some(&b"h2"[..]));
        assert_eq!(written.as_slice(), H2_PREFACE);
    }
}
