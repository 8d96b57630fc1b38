//! Broker rendezvous against our broker in process (with a fake proxy that
//! speaks `/proxy` and `/answer`), and against fake HTTP(S) servers that
//! record what arrives: domain fronting, the AMP cache URL form, and bad
//! responses. Everything on 127.0.0.1.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use snowflake_broker::bridges::BridgeList;
use snowflake_broker::{Broker, BrokerConfig, BrokerHandle};
use snowflake_client::rendezvous::{BrokerChannel, RendezvousConfig, RendezvousError};
use snowflake_common::amp;
use snowflake_common::http_client::{tls_config_with_roots, HttpError};
use snowflake_common::messages::proxy::new_session_id;
use snowflake_common::messages::{
    BridgeFingerprint, ClientPollRequest, ClientPollResponse, ClientPollResponseError, NatType,
    ProxyAnswerRequest, ProxyAnswerResponse, ProxyPollRequest, ProxyPollResponse, ProxyPollStatus,
    ProxyType, SdpType, SessionDescription, READ_LIMIT,
};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Hang guard only; no test asserts on how long anything takes.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// The relay pattern of the test broker and fake proxy.
const LOOPBACK_PATTERN: &str = "^127.0.0.1$";

fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

async fn guard<F: Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(HANG_GUARD, fut).await {
        Ok(v) => v,
        Err(_) => panic!("hang guard: {what} did not finish"),
    }
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

/// Our broker on 127.0.0.1 with the default bridge.
async fn start_broker() -> BrokerHandle {
    let bridges = BridgeList::parse(&format!(
        r#"{{"displayName":"local", "webSocketAddress":"ws://127.0.0.1:9/", "fingerprint":"{}"}}"#,
        BridgeFingerprint::default()
    ))
    .expect("bridge list");
    Broker::start(BrokerConfig {
        bridges,
        allowed_relay_pattern: LOOPBACK_PATTERN.to_string(),
        client_timeout: Duration::from_secs(30),
        unsafe_logging: true,
        ..BrokerConfig::default()
    })
    .await
    .expect("broker starts")
}

/// What the fake proxy got from the broker.
#[derive(Debug)]
struct ProxyMatch {
    offer: SessionDescription,
    client_nat: NatType,
}

/// A proxy without WebRTC: polls `/proxy` until a client matches, then
/// posts `answer` to `/answer`.
fn fake_proxy(broker: SocketAddr, answer: SessionDescription) -> JoinHandle<ProxyMatch> {
    tokio::spawn(async move {
        loop {
            let sid = new_session_id();
            let poll = ProxyPollRequest {
                sid: sid.clone(),
                proxy_type: ProxyType::Standalone,
                nat: NatType::Unrestricted,
                clients: 0,
                accepted_relay_pattern: Some(LOOPBACK_PATTERN.to_string()),
            };
            let response = snowflake_testkit::http::post(broker, "/proxy", poll.encode())
                .await
                .expect("proxy poll");
            assert_eq!(response.status, 200, "{}", response.text());
            let response = ProxyPollResponse::decode(&response.body).expect("poll response");
            if response.status != ProxyPollStatus::ClientMatch {
                continue;
            }
            let matched = ProxyMatch {
                offer: response.offer_description().expect("offer SDP"),
                client_nat: response.client_nat(),
            };
            let body = ProxyAnswerRequest::new(sid, &answer).encode();
            let response = snowflake_testkit::http::post(broker, "/answer", body)
                .await
                .expect("answer");
            assert_eq!(response.status, 200, "{}", response.text());
            assert_eq!(
                ProxyAnswerResponse::decode(&response.body).expect("answer response"),
                ProxyAnswerResponse::Success
            );
            return matched;
        }
    })
}

/// Waits until the broker holds a poll from a proxy.
async fn wait_for_proxy_poll(broker: &BrokerHandle) {
    guard("a proxy poll", async {
        while broker.stats().waiting_proxies == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}

fn config(broker_url: String) -> RendezvousConfig {
    RendezvousConfig {
        broker_url,
        fronts: Vec::new(),
        amp_cache: None,
        fingerprint: BridgeFingerprint::default(),
        tls: Default::default(),
    }
}

/// One request as a fake server saw it.
#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    host: String,
    path: String,
    body: Bytes,
    /// The TLS SNI, for the HTTPS fake.
    sni: Option<String>,
}

/// What a fake server sends back.
#[derive(Debug, Clone)]
struct Canned {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Bytes,
}

impl Canned {
    fn ok(body: impl Into<Bytes>) -> Self {
        Canned {
            status: 200,
            headers: Vec::new(),
            body: body.into(),
        }
    }
}

type Handler = Arc<dyn Fn(Recorded) -> Pin<Box<dyn Future<Output = Canned> + Send>> + Send + Sync>;

/// An HTTP/1.1 (optionally TLS) server on 127.0.0.1 that records every
/// request and answers through `handler`.
struct FakeServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeServer {
    async fn start(tls: Option<Arc<rustls::ServerConfig>>, handler: Handler) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let handler = handler.clone();
                let recorded = recorded.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    match tls {
                        Some(config) => {
                            let Ok(stream) =
                                tokio_rustls::TlsAcceptor::from(config).accept(tcp).await
                            else {
                                return;
                            };
                            let sni = stream.get_ref().1.server_name().map(str::to_string);
                            serve(stream, sni, handler, recorded).await;
                        }
                        None => serve(tcp, None, handler, recorded).await,
                    }
                });
            }
        });
        FakeServer {
            addr,
            requests,
            task,
        }
    }

    /// A plain HTTP server that always answers `canned`.
    async fn fixed(canned: Canned) -> FakeServer {
        FakeServer::start(
            None,
            Arc::new(move |_| {
                let canned = canned.clone();
                Box::pin(async move { canned })
            }),
        )
        .await
    }

    fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    fn front(&self) -> String {
        self.addr.to_string()
    }
}

async fn serve<S>(
    stream: S,
    sni: Option<String>,
    handler: Handler,
    recorded: Arc<Mutex<Vec<Recorded>>>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request: hyper::Request<Incoming>| {
        let handler = handler.clone();
        let recorded = recorded.clone();
        let sni = sni.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = Limited::new(body, 1 << 20)
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let header = |name: http::header::HeaderName| {
                parts
                    .headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string()
            };
            let request = Recorded {
                method: parts.method.to_string(),
                host: header(http::header::HOST),
                path: parts.uri.to_string(),
                body,
                sni,
            };
            recorded.lock().unwrap().push(request.clone());
            let canned = handler(request).await;
            let mut response = hyper::Response::builder().status(canned.status);
            for (name, value) in &canned.headers {
                response = response.header(*name, value.as_str());
            }
            Ok::<_, Infallible>(response.body(Full::new(canned.body)).unwrap())
        }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// An AMP cache stand-in: takes `/c/s/<publisher host>/<path>` and fetches
/// `/<path>` from our broker, passing status, content type and body back.
async fn fake_amp_cache(publisher_host: &'static str, broker: SocketAddr) -> FakeServer {
    FakeServer::start(
        None,
        Arc::new(move |request: Recorded| {
            Box::pin(async move {
                let prefix = format!("/c/s/{publisher_host}/");
                let Some(rest) = request.path.strip_prefix(&prefix) else {
                    return Canned {
                        status: 404,
                        headers: Vec::new(),
                        body: Bytes::new(),
                    };
                };
                let response = snowflake_testkit::http::get(broker, &format!("/{rest}"))
                    .await
                    .expect("broker reachable");
                let content_type = response.header("content-type").unwrap_or("").to_string();
                Canned {
                    status: response.status.as_u16(),
                    headers: vec![("content-type", content_type)],
                    body: response.body,
                }
            })
        }),
    )
    .await
}

/// The client poll inside a recorded AMP request path
/// (`…/amp/client/0<cache breaker>/<poll>`).
fn amp_poll(path: &str) -> ClientPollRequest {
    let encoded = path
        .split_once(amp::AMP_CLIENT_PATH_PREFIX)
        .expect("AMP client path")
        .1;
    ClientPollRequest::decode(&amp::decode_path(encoded).expect("AMP path")).expect("client poll")
}

/// One exchange through `channel` that gets the answer; returns the one
/// request `server` saw.
async fn answered_once(channel: &BrokerChannel, server: &FakeServer, nat: NatType) -> Recorded {
    let got = guard("exchange", channel.exchange(&offer(), nat))
        .await
        .expect("answer");
    assert_eq!(got, answer());
    let mut requests = server.requests();
    assert_eq!(requests.len(), 1);
    requests.remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_no_proxy() {
    init_logs();
    let broker = start_broker().await;
    let channel = BrokerChannel::new(config(format!("http://{}/", broker.local_addr()))).unwrap();
    let result = guard("exchange", channel.exchange(&offer(), NatType::Unknown)).await;
    match result {
        Err(error @ RendezvousError::NoProxies) => assert!(error.is_retryable()),
        other => panic!("{other:?}"),
    }
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_answer_from_proxy() {
    init_logs();
    let broker = start_broker().await;
    let proxy = fake_proxy(broker.local_addr(), answer());
    wait_for_proxy_poll(&broker).await;
    let channel = BrokerChannel::new(config(format!("http://{}/", broker.local_addr()))).unwrap();
    let got = guard("exchange", channel.exchange(&offer(), NatType::Restricted))
        .await
        .expect("answer");
    assert_eq!(got, answer());
    let matched = guard("proxy", proxy).await.unwrap();
    assert_eq!(matched.offer, offer());
    assert_eq!(matched.client_nat, NatType::Restricted);
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amp_cache_answer_from_proxy_and_no_proxy() {
    init_logs();
    let broker = start_broker().await;
    let cache = fake_amp_cache("broker.invalid", broker.local_addr()).await;
    let channel = BrokerChannel::new(RendezvousConfig {
        // The cache's host name for the broker does not resolve: reach the
        // cache through a front. (An IP-address cache URL cannot be used:
        // `<prefix>.127.0.0.1` is not a valid URL host.)
        amp_cache: Some("http://amp.invalid/".into()),
        fronts: vec![cache.front()],
        ..config("https://broker.invalid/".into())
    })
    .unwrap();
    assert!(channel.uses_amp_cache());

    match guard("exchange", channel.exchange(&offer(), NatType::Unknown)).await {
        Err(RendezvousError::NoProxies) => {}
        other => panic!("{other:?}"),
    }

    let proxy = fake_proxy(broker.local_addr(), answer());
    wait_for_proxy_poll(&broker).await;
    let got = guard(
        "exchange",
        channel.exchange(&offer(), NatType::Unrestricted),
    )
    .await
    .expect("answer");
    assert_eq!(got, answer());
    let matched = guard("proxy", proxy).await.unwrap();
    assert_eq!(matched.offer, offer());
    assert_eq!(matched.client_nat, NatType::Unrestricted);

    let requests = cache.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.method, "GET");
        assert_eq!(request.host, "broker-invalid.amp.invalid");
        assert!(
            request.path.starts_with("/c/s/broker.invalid/amp/client/0"),
            "{}",
            request.path
        );
        assert!(request.body.is_empty());
    }
    let poll = amp_poll(&requests[1].path);
    assert_eq!(poll.offer_description().unwrap(), offer());
    assert_eq!(poll.nat, NatType::Unrestricted);
    assert_eq!(poll.fingerprint, BridgeFingerprint::default());
    // A fresh cache breaker per request.
    assert_ne!(requests[0].path, requests[1].path);
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_fronting_sends_the_broker_host() {
    init_logs();
    let server = FakeServer::fixed(Canned::ok(
        ClientPollResponse::from_answer(&answer()).encode(),
    ))
    .await;
    let fingerprint =
        BridgeFingerprint::from_hex("8838024498816A039FCBBAB14E6F40A0843051FA").unwrap();
    let channel = BrokerChannel::new(RendezvousConfig {
        fronts: vec![server.front()],
        fingerprint: fingerprint.clone(),
        ..config("http://broker.invalid/sub/".into())
    })
    .unwrap();
    let request = &answered_once(&channel, &server, NatType::Restricted).await;
    assert_eq!(request.method, "POST");
    assert_eq!(request.host, "broker.invalid");
    assert_eq!(request.path, "/sub/client");
    assert_eq!(request.sni, None);
    let poll = ClientPollRequest::decode(&request.body).expect("client poll body");
    assert_eq!(poll.offer_description().unwrap(), offer());
    assert_eq!(poll.nat, NatType::Restricted);
    assert_eq!(poll.fingerprint, fingerprint);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fronts_are_picked_at_random() {
    init_logs();
    let response = ClientPollResponse::from_answer(&answer()).encode();
    let first = FakeServer::fixed(Canned::ok(response.clone())).await;
    let second = FakeServer::fixed(Canned::ok(response)).await;
    let channel = BrokerChannel::new(RendezvousConfig {
        fronts: vec![first.front(), second.front()],
        ..config("http://broker.invalid/".into())
    })
    .unwrap();
    // Until both have been used (the chance of 200 identical picks is nil).
    for _ in 0..200 {
        guard("exchange", channel.exchange(&offer(), NatType::Unknown))
            .await
            .expect("answer");
        if !first.requests().is_empty() && !second.requests().is_empty() {
            return;
        }
    }
    panic!("one front was never used");
}

/// A self-signed certificate for `localhost`, as a server config and the
/// certificate to trust.
fn localhost_tls() -> (Arc<rustls::ServerConfig>, CertificateDer<'static>) {
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let cert = generated.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        generated.signing_key.serialize_der(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.clone()], key)
    .expect("server config");
    (Arc::new(config), cert)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_fronting_uses_the_front_for_sni_and_certificate() {
    init_logs();
    let (server_config, cert) = localhost_tls();
    let canned = Canned::ok(ClientPollResponse::from_answer(&answer()).encode());
    let server = FakeServer::start(
        Some(server_config),
        Arc::new(move |_| {
            let canned = canned.clone();
            Box::pin(async move { canned })
        }),
    )
    .await;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    let trusting = Arc::new(tls_config_with_roots(roots));
    let rendezvous = RendezvousConfig {
        fronts: vec![format!("localhost:{}", server.addr.port())],
        ..config("https://broker.invalid/".into())
    };

    // The certificate is for the front, not for broker.invalid: the check
    // passes only because it is made against the front's name.
    let channel = BrokerChannel::new(rendezvous.clone())
        .unwrap()
        .with_tls_config(trusting);
    let request = answered_once(&channel, &server, NatType::Unknown).await;
    assert_eq!(request.sni.as_deref(), Some("localhost"));
    assert_eq!(request.host, "broker.invalid");
    assert_eq!(request.path, "/client");

    // With the web PKI roots the self-signed certificate is refused.
    let channel = BrokerChannel::new(rendezvous).unwrap();
    match guard("exchange", channel.exchange(&offer(), NatType::Unknown)).await {
        Err(error @ RendezvousError::Http(HttpError::Connect { .. })) => {
            assert!(error.is_retryable())
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server.requests().len(),
        1,
        "no request without a trusted TLS"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amp_cache_url_form_and_armored_answer() {
    init_logs();
    let armored = amp::encode_armor(&ClientPollResponse::from_answer(&answer()).encode());
    let server = FakeServer::fixed(Canned {
        status: 200,
        headers: vec![("content-type", "text/html".into())],
        body: armored.into(),
    })
    .await;
    let channel = BrokerChannel::new(RendezvousConfig {
        amp_cache: Some(format!("http://amp.invalid:{}/", server.addr.port())),
        fronts: vec![server.front()],
        ..config("https://snowflake-broker.torproject.net/".into())
    })
    .unwrap();
    let request = &answered_once(&channel, &server, NatType::Restricted).await;
    assert_eq!(request.method, "GET");
    // The cache URL's port stays in the Host header.
    assert_eq!(
        request.host,
        format!(
            "snowflake--broker-torproject-net.amp.invalid:{}",
            server.addr.port()
        )
    );
    let prefix = "/c/s/snowflake-broker.torproject.net/amp/client/0";
    assert!(request.path.starts_with(prefix), "{}", request.path);
    // `0`, 12 characters of cache breaker, `/`, the poll.
    let after = &request.path[prefix.len()..];
    assert_eq!(after.find('/'), Some(12), "{}", request.path);
    let poll = amp_poll(&request.path);
    assert_eq!(poll.offer_description().unwrap(), offer());
    assert_eq!(poll.nat, NatType::Restricted);
}

/// Runs one exchange against a server answering `canned`, in HTTP mode or
/// AMP mode (fronted to the server in both cases).
async fn exchange_against(
    canned: Canned,
    amp: bool,
) -> Result<SessionDescription, RendezvousError> {
    let server = FakeServer::fixed(canned).await;
    // AMP: the cache URL is plain HTTP, the broker's may be HTTPS (the
    // cache form then has `/c/s/`). HTTP: the broker URL must be plain.
    let (amp_cache, broker_url) = if amp {
        (
            Some("http://amp.invalid/".into()),
            "https://broker.invalid/",
        )
    } else {
        (None, "http://broker.invalid/")
    };
    let channel = BrokerChannel::new(RendezvousConfig {
        amp_cache,
        fronts: vec![server.front()],
        ..config(broker_url.into())
    })
    .unwrap();
    guard("exchange", channel.exchange(&offer(), NatType::Unknown)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_responses_are_errors() {
    init_logs();
    let answer_json = ClientPollResponse::from_answer(&answer()).encode();
    for amp_mode in [false, true] {
        let wrap = |body: &[u8]| -> Bytes {
            if amp_mode {
                amp::encode_armor(body).into()
            } else {
                Bytes::copy_from_slice(body)
            }
        };
        let status = |code: u16| Canned {
            status: code,
            headers: Vec::new(),
            body: wrap(&answer_json),
        };
        for code in [404, 500, 503, 302] {
            match exchange_against(status(code), amp_mode).await {
                Err(RendezvousError::Status(got)) => assert_eq!(got, code),
                other => panic!("{code}: {other:?}"),
            }
        }

        // One byte over the limit.
        let oversize = Canned::ok(vec![b' '; READ_LIMIT + 1]);
        match exchange_against(oversize, amp_mode).await {
            Err(RendezvousError::Http(HttpError::TooLarge(limit))) => {
                assert_eq!(limit, READ_LIMIT)
            }
            other => panic!("{other:?}"),
        }

        let garbage = Canned::ok(&b"\x00\xffnot json at all<pre>"[..]);
        match exchange_against(garbage, amp_mode).await {
            Err(RendezvousError::Response(_)) if !amp_mode => {}
            Err(RendezvousError::Armor(_)) if amp_mode => {}
            other => panic!("{other:?}"),
        }

        match exchange_against(Canned::ok(wrap(b"{}")), amp_mode).await {
            Err(RendezvousError::Response(ClientPollResponseError::Empty)) => {}
            other => panic!("{other:?}"),
        }

        let not_sdp = Canned::ok(wrap(br#"{"answer":"not a session description"}"#));
        match exchange_against(not_sdp, amp_mode).await {
            Err(RendezvousError::Answer(_)) => {}
            other => panic!("{other:?}"),
        }

        let unknown_bridge = Canned::ok(wrap(
            br#"{"error":"bridge with requested fingerprint is unknown to the broker"}"#,
        ));
        match exchange_against(unknown_bridge, amp_mode).await {
            Err(error @ RendezvousError::UnknownBridge) => assert!(!error.is_retryable()),
            other => panic!("{other:?}"),
        }
        let timed_out = Canned::ok(wrap(br#"{"error":"timed out waiting for answer!"}"#));
        match exchange_against(timed_out, amp_mode).await {
            Err(error @ RendezvousError::BrokerTimedOut) => assert!(error.is_retryable()),
            other => panic!("{other:?}"),
        }
        let other_error = Canned::ok(wrap(br#"{"error":"cannot decode fingerprint"}"#));
        match exchange_against(other_error, amp_mode).await {
            Err(RendezvousError::Broker(text)) => assert_eq!(text, "cannot decode fingerprint"),
            other => panic!("{other:?}"),
        }
    }

    // AMP: a 200 with Location is a redirect we cannot use, even with a
    // decodable body; over plain HTTP the header means nothing.
    let redirect = |body: Bytes| Canned {
        status: 200,
        headers: vec![("location", "https://broker.invalid/elsewhere".into())],
        body,
    };
    match exchange_against(redirect(amp::encode_armor(&answer_json).into()), true).await {
        Err(RendezvousError::AmpRedirect) => {}
        other => panic!("{other:?}"),
    }
    let got = exchange_against(redirect(answer_json.clone().into()), false)
        .await
        .expect("plain HTTP ignores Location");
    assert_eq!(got, answer());
}

#[tokio::test(start_paused = true)]
async fn silent_broker_times_out() {
    init_logs();
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let _server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let channel = BrokerChannel::new(config(format!("http://{addr}/"))).unwrap();
    match channel.exchange(&offer(), NatType::Unknown).await {
        Err(error @ RendezvousError::Http(HttpError::Timeout(_))) => assert!(error.is_retryable()),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn connection_refused_is_an_error() {
    // A port nothing listens on (bound, then closed).
    let addr = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let channel = BrokerChannel::new(config(format!("http://{addr}/"))).unwrap();
    match guard("exchange", channel.exchange(&offer(), NatType::Unknown)).await {
        Err(RendezvousError::Http(HttpError::Connect { .. })) => {}
        other => panic!("{other:?}"),
    }
}

/// A broker of 2.14 or earlier answers HTTP 400 to `open`, `moderate` or
/// `strict`: the client asks again at once with the two-kind spelling and
/// keeps that spelling for later exchanges; a broker that takes the new
/// spelling is asked only once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_that_refuses_three_kind_nat_values_gets_the_older_spelling() {
    init_logs();
    let answer_json = Bytes::from(ClientPollResponse::from_answer(&answer()).encode());
    let old_broker = FakeServer::start(
        None,
        Arc::new(move |request: Recorded| {
            let answer_json = answer_json.clone();
            Box::pin(async move {
                let poll = ClientPollRequest::decode(&request.body).expect("client poll");
                if poll.nat.is_three_kind() {
                    Canned {
                        status: 400,
                        headers: Vec::new(),
                        body: Bytes::new(),
                    }
                } else {
                    Canned::ok(answer_json)
                }
            })
        }),
    )
    .await;
    let channel = BrokerChannel::new(config(format!("http://{}/", old_broker.front()))).unwrap();
    let got = guard("exchange", channel.exchange(&offer(), NatType::Open))
        .await
        .expect("answer after the fallback");
    assert_eq!(got, answer());
    assert!(channel.uses_legacy_nat());
    let sent: Vec<NatType> = old_broker
        .requests()
        .iter()
        .map(|r| ClientPollRequest::decode(&r.body).expect("poll").nat)
        .collect();
    assert_eq!(sent, vec![NatType::Open, NatType::Unrestricted]);

    // Later exchanges (through a clone too) go straight to the old spelling.
    let clone = channel.clone();
    guard("exchange", clone.exchange(&offer(), NatType::Strict))
        .await
        .expect("answer");
    let last = old_broker.requests().last().cloned().expect("request");
    assert_eq!(
        ClientPollRequest::decode(&last.body).expect("poll").nat,
        NatType::Restricted
    );
    assert_eq!(old_broker.requests().len(), 3);

    // Our broker takes the new spelling: no fallback.
    let broker = start_broker().await;
    let proxy = fake_proxy(broker.local_addr(), answer());
    wait_for_proxy_poll(&broker).await;
    let channel = BrokerChannel::new(config(format!("http://{}/", broker.local_addr()))).unwrap();
    guard("exchange", channel.exchange(&offer(), NatType::Moderate))
        .await
        .expect("answer");
    assert!(!channel.uses_legacy_nat());
    let matched = guard("proxy", proxy).await.unwrap();
    assert_eq!(matched.client_nat, NatType::Moderate);
    broker.shutdown().await;
}
