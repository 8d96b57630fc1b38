//! The rendezvous' TLS on the wire (issue 14, point 1): the ClientHello our
//! client's real broker request sends, as a local listener records it,
//! against Chromium 156's capture (fixtures/fingerprints/tls-chromium.json);
//! and full rendezvous through our broker behind TLS (a test CA), over
//! HTTP/2 (Chrome's hello offers h2) and over HTTP/1.1
//! (`hellorandomizednoalpn`). Everything on 127.0.0.1.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use snowflake_broker::bridges::BridgeList;
use snowflake_broker::{Broker, BrokerConfig, BrokerHandle, TlsFiles};
use snowflake_client::config::ClientConfig;
use snowflake_client::rendezvous::sqs::{SqsChannel, SqsRendezvousConfig};
use snowflake_client::rendezvous::{BrokerChannel, RendezvousConfig, RendezvousError};
use snowflake_client::rendezvous_tls::{HelloProfile, Roots, TlsConnector};
use snowflake_common::http_client::{
    self, BoxFuture, BoxedIo, HttpError, HttpRequest, TlsConnect, TlsConnection,
};
use snowflake_common::messages::proxy::new_session_id;
use snowflake_common::messages::{
    BridgeFingerprint, NatType, ProxyAnswerRequest, ProxyAnswerResponse, ProxyPollRequest,
    ProxyPollResponse, ProxyPollStatus, ProxyType, SdpType, SessionDescription,
};
use snowflake_common::pt::args::parse_client_args;
use snowflake_testkit::hello_recorder::HelloRecorder;
use snowflake_testkit::tls_wire::ClientHello;
use snowflake_testkit::tor::TempDir;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::task::JoinHandle;
use url::Url;

/// Hang guard only; no test asserts on how long anything takes.
const HANG_GUARD: Duration = Duration::from_secs(60);

const LOOPBACK_PATTERN: &str = "^127.0.0.1$";

fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

async fn guard<F: std::future::Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(HANG_GUARD, fut).await {
        Ok(v) => v,
        Err(_) => panic!("hang guard: {what} did not finish"),
    }
}

/// Chromium 156's JA4, from the fixture.
fn fixture_ja4(browser: &str) -> String {
    let path = format!(
        "{}/../fixtures/fingerprints/tls-{browser}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("browser fixture");
    let json: serde_json::Value = serde_json::from_str(&text).expect("fixture JSON");
    json["ja4"].as_str().expect("ja4").to_string()
}

fn chromium_ja4() -> String {
    fixture_ja4("chromium")
}

fn offer() -> SessionDescription {
    SessionDescription::new(
        SdpType::Offer,
        "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\na=candidate:1 1 udp 1 127.0.0.1 5000 typ host\r\n",
    )
}

fn answer() -> SessionDescription {
    SessionDescription::new(
        SdpType::Answer,
        "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\na=candidate:2 1 udp 1 127.0.0.1 6000 typ host\r\n",
    )
}

/// The client's settings from a bridge line, as a SOCKS connection gives
/// them, and the broker channel the dialer builds from them.
fn channel_for(args: &str) -> BrokerChannel {
    let args = parse_client_args(args.as_bytes()).expect("bridge-line arguments");
    let (config, warnings) = ClientConfig::default()
        .with_args(&args)
        .expect("usable arguments");
    assert!(warnings.is_empty(), "{warnings:?}");
    BrokerChannel::new(RendezvousConfig {
        broker_url: config.broker_url.clone().expect("url"),
        fronts: config.fronts.clone(),
        amp_cache: config.amp_cache.clone(),
        fingerprint: config.fingerprint.clone(),
        tls: config.rendezvous_tls,
    })
    .expect("channel")
}

/// Runs one rendezvous through `channel` (it fails: the recorder never
/// answers) and returns the hello it sent.
async fn hello_of(recorder: &mut HelloRecorder, channel: &BrokerChannel) -> ClientHello {
    let result = guard("exchange", channel.exchange(&offer(), NatType::Unknown)).await;
    match result {
        Err(RendezvousError::Http(HttpError::Connect { .. })) => {}
        other => panic!("expected a failed TLS handshake, got {other:?}"),
    }
    guard("hello", recorder.next())
        .await
        .expect("a hello")
        .expect("a ClientHello")
}

/// What identifies a randomized hello's draw (not its random bytes):
/// suites, extension types, groups and signature algorithms, in order.
fn shape(hello: &ClientHello) -> [Vec<u16>; 4] {
    [
        hello.cipher_suites.clone(),
        hello.extension_types(),
        hello.supported_groups.clone().unwrap_or_default(),
        hello.signature_algorithms.clone().unwrap_or_default(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rendezvous_hello_is_the_browsers() {
    init_logs();
    let ja4 = chromium_ja4();
    let mut recorder = HelloRecorder::start().await.expect("recorder");
    let port = recorder.addr.port();
    let url = format!("url=https://localhost:{port}/");

    // No utls-imitate: Chrome's hello; hellochrome_auto: the same.
    for args in [url.clone(), format!("{url};utls-imitate=hellochrome_auto")] {
        for _ in 0..2 {
            let hello = hello_of(&mut recorder, &channel_for(&args)).await;
            assert_eq!(hello.ja4(), ja4, "{args}");
            assert_eq!(hello.sni().as_deref(), Some("localhost"), "{args}");
            assert_eq!(hello.alpn, Some(vec![b"h2".to_vec(), b"http/1.1".to_vec()]));
        }
    }

    // hellofirefox_auto: Firefox ESR's hello; a versioned Firefox name
    // gets the same, with a warning that it was substituted.
    let firefox_ja4 = fixture_ja4("firefox");
    let args = format!("{url};utls-imitate=hellofirefox_auto");
    let hello = hello_of(&mut recorder, &channel_for(&args)).await;
    assert_eq!(hello.ja4(), firefox_ja4, "{args}");
    assert_eq!(hello.sni().as_deref(), Some("localhost"));
    assert_eq!(hello.alpn, Some(vec![b"h2".to_vec(), b"http/1.1".to_vec()]));
    let args = format!("{url};utls-imitate=hellofirefox_65");
    let parsed = parse_client_args(args.as_bytes()).unwrap();
    let (config, warnings) = ClientConfig::default().with_args(&parsed).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(config.rendezvous_tls.profile, HelloProfile::Firefox);

    // utls-nosni: no server_name, the rest as Chromium's (JA4: "i" and
    // one extension fewer, the hashes unchanged: SNI is not in them).
    let hello = hello_of(
        &mut recorder,
        &channel_for(&format!("{url};utls-nosni=true")),
    )
    .await;
    assert_eq!(hello.sni(), None);
    assert!(!hello.has_extension(0x0000));
    assert_eq!(hello.ja4(), ja4.replacen("t13d1517", "t13i1516", 1));

    // hellorandomizedalpn: a different hello every request.
    let channel = channel_for(&format!("{url};utls-imitate=hellorandomizedalpn"));
    let first = hello_of(&mut recorder, &channel).await;
    let second = hello_of(&mut recorder, &channel).await;
    assert_ne!(shape(&first), shape(&second));
    for hello in [&first, &second] {
        assert_ne!(hello.ja4(), ja4);
        let alpn = hello.alpn.clone().expect("ALPN");
        assert!(alpn.contains(&b"h2".to_vec()) && alpn.contains(&b"http/1.1".to_vec()));
    }
    // hellorandomizednoalpn: no ALPN.
    let hello = hello_of(
        &mut recorder,
        &channel_for(&format!("{url};utls-imitate=hellorandomizednoalpn")),
    )
    .await;
    assert_eq!(hello.alpn, None);
}

/// An `https` SQS queue (every real one) gets the same browser hello as
/// the broker: `sqsqueue=` pointed at the recorder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqs_rendezvous_hello_is_chromiums() {
    init_logs();
    let ja4 = chromium_ja4();
    let mut recorder = HelloRecorder::start().await.expect("recorder");
    let port = recorder.addr.port();
    let creds = "eyJhd3MtYWNjZXNzLWtleS1pZCI6IkFLSUFURVNUIiwiYXdzLXNlY3JldC1rZXkiOiJzZWNyZXQifQ==";
    for extra in ["", ";utls-nosni=true"] {
        let args = format!(
            "sqsqueue=https://localhost:{port}/123456789012/snowflake-broker;sqscreds={creds}{extra}"
        );
        let parsed = parse_client_args(args.as_bytes()).expect("bridge-line arguments");
        let (config, warnings) = ClientConfig::default()
            .with_args(&parsed)
            .expect("usable arguments");
        assert!(warnings.is_empty(), "{warnings:?}");
        let queue = SqsRendezvousConfig {
            queue: config.sqs_queue.clone().expect("sqsqueue"),
            credentials: config.sqs_creds.clone().expect("sqscreds"),
        };
        let channel = BrokerChannel::sqs(
            SqsChannel::new(queue, config.fingerprint.clone()),
            config.rendezvous_tls,
        )
        .expect("SQS channel");
        let result = guard("SQS exchange", channel.exchange(&offer(), NatType::Unknown)).await;
        assert!(result.is_err(), "the recorder answers nothing: {result:?}");
        let hello = guard("hello", recorder.next())
            .await
            .expect("a hello")
            .expect("a ClientHello");
        if extra.is_empty() {
            assert_eq!(hello.ja4(), ja4, "{args}");
            assert_eq!(hello.sni().as_deref(), Some("localhost"));
        } else {
            assert_eq!(hello.sni(), None, "{args}");
            assert_eq!(hello.ja4(), ja4.replacen("t13d1517", "t13i1516", 1));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fronted_and_amp_rendezvous_send_chromiums_hello_to_the_front() {
    init_logs();
    let ja4 = chromium_ja4();
    let mut recorder = HelloRecorder::start().await.expect("recorder");
    let front = format!("localhost:{}", recorder.addr.port());

    // Domain fronting: TCP and SNI go to the front.
    let channel = channel_for(&format!("url=https://broker.invalid/;front={front}"));
    let hello = hello_of(&mut recorder, &channel).await;
    assert_eq!(hello.sni().as_deref(), Some("localhost"));
    assert_eq!(hello.ja4(), ja4);

    // Without SNI, fronted.
    let channel = channel_for(&format!(
        "url=https://broker.invalid/;fronts={front};utls-nosni=yes;utls-imitate=hellochrome_auto"
    ));
    let hello = hello_of(&mut recorder, &channel).await;
    assert_eq!(hello.sni(), None);
    assert_eq!(hello.ja4(), ja4.replacen("t13d1517", "t13i1516", 1));

    // AMP cache rendezvous through the front.
    let channel = channel_for(&format!(
        "url=https://broker.invalid/;ampcache=https://cdn.invalid/;front={front}"
    ));
    assert!(channel.uses_amp_cache());
    let hello = hello_of(&mut recorder, &channel).await;
    assert_eq!(hello.sni().as_deref(), Some("localhost"));
    assert_eq!(hello.ja4(), ja4);
}

/// A test CA and a `localhost` certificate for the broker, in files.
struct TestPki {
    ca_pem: String,
    files: TlsFiles,
    _dir: TempDir,
}

fn test_pki() -> TestPki {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "rendezvous TLS test CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let dir = TempDir::new("rendezvous-tls").expect("temp dir");
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, leaf.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    TestPki {
        ca_pem: issuer.pem(),
        files: TlsFiles { cert, key },
        _dir: dir,
    }
}

async fn start_tls_broker(pki: &TestPki) -> BrokerHandle {
    let bridges = BridgeList::parse(&format!(
        r#"{{"displayName":"local", "webSocketAddress":"ws://127.0.0.1:9/", "fingerprint":"{}"}}"#,
        BridgeFingerprint::default()
    ))
    .expect("bridge list");
    Broker::start(BrokerConfig {
        bridges,
        tls: Some(pki.files.clone()),
        allowed_relay_pattern: LOOPBACK_PATTERN.to_string(),
        client_timeout: Duration::from_secs(30),
        unsafe_logging: true,
        ..BrokerConfig::default()
    })
    .await
    .expect("broker starts")
}

/// A proxy without WebRTC, over HTTPS with Chrome's hello: polls `/proxy`
/// until a client matches, then posts `answer`.
fn fake_proxy(broker: Url, tls: Arc<dyn TlsConnect>) -> JoinHandle<SessionDescription> {
    tokio::spawn(async move {
        let post = |path: &str, body: Vec<u8>| {
            let mut request = HttpRequest::post(
                broker.join(path).expect("URL"),
                body,
                100_000,
                Duration::from_secs(30),
            );
            request.content_type = Some("application/json");
            request.tls = Some(tls.clone());
            http_client::send_ok(request)
        };
        loop {
            let sid = new_session_id();
            let poll = ProxyPollRequest {
                sid: sid.clone(),
                proxy_type: ProxyType::Standalone,
                nat: NatType::Unrestricted,
                clients: 0,
                accepted_relay_pattern: Some(LOOPBACK_PATTERN.to_string()),
            };
            let body = post("proxy", poll.encode()).await.expect("proxy poll");
            let response = ProxyPollResponse::decode(&body).expect("poll response");
            if response.status != ProxyPollStatus::ClientMatch {
                continue;
            }
            let offer = response.offer_description().expect("offer SDP");
            let body = ProxyAnswerRequest::new(sid, &answer()).encode();
            let body = post("answer", body).await.expect("answer");
            assert_eq!(
                ProxyAnswerResponse::decode(&body).expect("answer response"),
                ProxyAnswerResponse::Success
            );
            return offer;
        }
    })
}

/// What the client's connection carried: the ALPN the broker chose and the
/// first bytes the client wrote inside TLS.
#[derive(Debug, Clone, Default)]
struct Tapped {
    alpn: Option<Vec<u8>>,
    written: Vec<u8>,
}

/// The browser connector, recording each connection ([`Tapped`]).
#[derive(Debug)]
struct TappingTls {
    inner: TlsConnector,
    taps: Arc<Mutex<Vec<Arc<Mutex<Tapped>>>>>,
}

impl TlsConnect for TappingTls {
    fn connect<'a>(
        &'a self,
        host: &'a str,
        tcp: BoxedIo,
    ) -> BoxFuture<'a, io::Result<TlsConnection>> {
        Box::pin(async move {
            let (stream, alpn) = TlsConnect::connect(&self.inner, host, tcp).await?;
            let tap = Arc::new(Mutex::new(Tapped {
                alpn: alpn.clone(),
                written: Vec::new(),
            }));
            self.taps.lock().unwrap().push(tap.clone());
            let stream: BoxedIo = Box::new(Tap { inner: stream, tap });
            Ok((stream, alpn))
        })
    }
}

/// The first bytes written to a stream.
const TAP_BYTES: usize = 512;

struct Tap {
    inner: BoxedIo,
    tap: Arc<Mutex<Tapped>>,
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
            let mut tap = self.tap.lock().unwrap();
            let room = TAP_BYTES.saturating_sub(tap.written.len());
            tap.written.extend_from_slice(&buf[..n.min(room)]);
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

/// The HTTP/2 connection preface.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The frames right after the preface, as (type, stream, payload).
fn h2_frames(mut bytes: &[u8]) -> Vec<(u8, u32, Vec<u8>)> {
    let mut frames = Vec::new();
    while bytes.len() >= 9 {
        let len = usize::from(bytes[0]) << 16 | usize::from(bytes[1]) << 8 | usize::from(bytes[2]);
        if bytes.len() < 9 + len {
            break;
        }
        let stream = u32::from_be_bytes([bytes[5], bytes[6], bytes[7], bytes[8]]) & 0x7fff_ffff;
        frames.push((bytes[3], stream, bytes[9..9 + len].to_vec()));
        bytes = &bytes[9 + len..];
    }
    frames
}

/// One rendezvous with `args` (and the test CA) through `broker`, with a
/// fake proxy answering; returns what the client's connection carried.
async fn rendezvous_through(broker: &BrokerHandle, pki: &TestPki, args: &str) -> Tapped {
    let port = broker.local_addr().port();
    let base = Url::parse(&format!("https://localhost:{port}/")).unwrap();
    let roots = || Roots::from_pem(pki.ca_pem.as_bytes()).expect("CA");
    let proxy_tls: Arc<dyn TlsConnect> =
        Arc::new(TlsConnector::new(HelloProfile::Chrome, roots(), true).unwrap());
    let proxy = fake_proxy(base.clone(), proxy_tls);

    let channel = channel_for(&format!("url={base};{args}"));
    let settings = channel.tls_settings();
    let taps = Arc::new(Mutex::new(Vec::new()));
    let channel = channel.with_tls_connector(Arc::new(TappingTls {
        inner: TlsConnector::new(settings.profile, roots(), settings.send_sni).unwrap(),
        taps: taps.clone(),
    }));
    // The broker answers "no proxies" until the proxy's poll is held.
    let got = guard("rendezvous", async {
        loop {
            match channel.exchange(&offer(), NatType::Unrestricted).await {
                Ok(answer) => return answer,
                Err(RendezvousError::NoProxies) => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                Err(other) => panic!("{args}: {other}"),
            }
        }
    })
    .await;
    assert_eq!(got, answer());
    let offer_seen = guard("proxy", proxy).await.expect("proxy task");
    assert_eq!(offer_seen, offer());
    let taps = taps.lock().unwrap();
    let last = taps.last().expect("a TLS connection").lock().unwrap();
    last.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rendezvous_through_our_broker_over_h2_and_http11() {
    init_logs();
    let pki = test_pki();
    let broker = start_tls_broker(&pki).await;

    // Chrome's hello offers h2; the broker picks it; the request is HTTP/2
    // with Chromium's SETTINGS.
    // ("max=1": no utls-imitate at all, the default.)
    for args in ["utls-imitate=hellochrome_auto", "max=1"] {
        let tapped = rendezvous_through(&broker, &pki, args).await;
        assert_eq!(tapped.alpn.as_deref(), Some(&b"h2"[..]), "{args}");
        assert!(tapped.written.starts_with(H2_PREFACE), "{args}: {tapped:?}");
        let frames = h2_frames(&tapped.written[H2_PREFACE.len()..]);
        let (kind, stream, settings) = frames.first().expect("a SETTINGS frame").clone();
        assert_eq!((kind, stream), (0x4, 0), "SETTINGS on stream 0");
        // HEADER_TABLE_SIZE 65536, ENABLE_PUSH 0, INITIAL_WINDOW_SIZE
        // 6291456, MAX_HEADER_LIST_SIZE 262144: Chromium's, in its order.
        assert_eq!(
            settings,
            [
                0x00, 0x01, 0x00, 0x01, 0x00, 0x00, //
                0x00, 0x02, 0x00, 0x00, 0x00, 0x00, //
                0x00, 0x04, 0x00, 0x60, 0x00, 0x00, //
                0x00, 0x06, 0x00, 0x04, 0x00, 0x00, //
            ]
        );
        // The connection window raised to 15728640, as Chromium does.
        let update = frames
            .iter()
            .find(|(kind, stream, _)| *kind == 0x8 && *stream == 0)
            .expect("a connection WINDOW_UPDATE");
        assert_eq!(
            u32::from_be_bytes([update.2[0], update.2[1], update.2[2], update.2[3]]),
            15_728_640 - 65_535
        );
    }

    // hellorandomizednoalpn offers no ALPN: HTTP/1.1.
    let tapped = rendezvous_through(&broker, &pki, "utls-imitate=hellorandomizednoalpn").await;
    assert_eq!(tapped.alpn, None);
    assert!(
        tapped.written.starts_with(b"POST /client HTTP/1.1\r\n"),
        "{:?}",
        String::from_utf8_lossy(&tapped.written)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_ca_is_needed_and_roots_can_be_given() {
    init_logs();
    let pki = test_pki();
    let broker = start_tls_broker(&pki).await;
    let port = broker.local_addr().port();
    // With Mozilla's roots (the default) the test CA's certificate is
    // refused before any request.
    let channel = channel_for(&format!("url=https://localhost:{port}/"));
    match guard("exchange", channel.exchange(&offer(), NatType::Unknown)).await {
        Err(RendezvousError::Http(HttpError::Connect { source, .. })) => {
            assert_eq!(source.kind(), io::ErrorKind::InvalidData, "{source}");
            assert!(source.to_string().contains("certificate"), "{source}");
        }
        other => panic!("{other:?}"),
    }
    // with_tls_roots: trusted; the broker has no proxy yet.
    let channel = channel
        .with_tls_roots(Roots::from_pem(pki.ca_pem.as_bytes()).unwrap())
        .unwrap();
    match guard("exchange", channel.exchange(&offer(), NatType::Unknown)).await {
        Err(RendezvousError::NoProxies) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(channel.tls_settings().profile, HelloProfile::Chrome);
}

#[test]
fn an_unknown_hello_refuses_the_connection() {
    let args =
        parse_client_args(b"url=https://broker.example/;utls-imitate=hellonetscape").unwrap();
    let error = ClientConfig::default().with_args(&args).unwrap_err();
    assert!(error.to_string().contains("hellonetscape"), "{error}");
}
