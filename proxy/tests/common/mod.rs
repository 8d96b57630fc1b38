//! Shared pieces of the proxy tests: our broker and server in process, a
//! fake ORPort, a fake relay, a test WebRTC client (loopback only) and a
//! small NAT probe server built from `snowflake-rtc`.

#![allow(dead_code)]

mod proxy_process;
#[allow(unused_imports)]
pub use proxy_process::ProxyProcess;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use snowflake_broker::bridges::BridgeList;
use snowflake_broker::poll_interval::PollIntervals;
use snowflake_broker::{Broker, BrokerConfig, BrokerHandle};
use snowflake_common::messages::proxy::PROBE_STUB_SID;
use snowflake_common::messages::{
    BridgeFingerprint, ClientPollRequest, ClientPollResponse, NatType, ProxyAnswerRequest,
    ProxyPollResponse, SessionDescription,
};
use snowflake_common::namematcher::NameMatcher;
use snowflake_proxy::ProxyConfig;
use snowflake_rtc::{RtcBackend, RtcChannel, RtcConfig};
use snowflake_server::{Server, ServerConfig, TorTarget};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::WebSocketStream;

/// Hang guard only; no test asserts on how long anything takes.
pub const HANG_GUARD: Duration = Duration::from_secs(120);

/// The relay pattern tests use: exactly 127.0.0.1.
pub const LOOPBACK_PATTERN: &str = "^127.0.0.1$";

/// Sends logs to the test output when `RUST_LOG` is set.
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// Awaits `fut` under the hang guard.
pub async fn guard<F: Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(HANG_GUARD, fut).await {
        Ok(v) => v,
        Err(_) => panic!("hang guard: {what} did not finish"),
    }
}

/// Polls `condition` every 20 ms until it holds (under the hang guard).
pub async fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    guard(what, async {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}

/// Deterministic pseudo-random bytes.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut data = vec![0u8; len];
    rng.fill(&mut data[..]);
    data
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// A fake ORPort: for each connection, reads `expect` bytes (hashing them)
/// while sending `reply`, then reports the hash and closes.
pub struct FakeOrPort {
    pub addr: SocketAddr,
    pub hashes: mpsc::Receiver<[u8; 32]>,
    task: JoinHandle<()>,
}

impl FakeOrPort {
    pub async fn start(reply: Arc<Vec<u8>>, expect: usize) -> FakeOrPort {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind ORPort");
        let addr = listener.local_addr().expect("addr");
        let (tx, hashes) = mpsc::channel(16);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let reply = reply.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let (mut rd, mut wr) = stream.into_split();
                    let writer = tokio::spawn(async move {
                        let _ = wr.write_all(&reply).await;
                        wr
                    });
                    let mut hasher = Sha256::new();
                    let mut left = expect;
                    let mut buf = vec![0u8; 64 * 1024];
                    while left > 0 {
                        let want = left.min(buf.len());
                        match rd.read(&mut buf[..want]).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                hasher.update(&buf[..n]);
                                left -= n;
                            }
                        }
                    }
                    let _wr = writer.await;
                    let _ = tx.send(hasher.finalize().into()).await;
                    // Give the reply time to drain before closing.
                    let mut sink = [0u8; 1024];
                    let _ = tokio::time::timeout(Duration::from_secs(5), rd.read(&mut sink)).await;
                });
            }
        });
        FakeOrPort { addr, hashes, task }
    }
}

impl Drop for FakeOrPort {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Our server in plain-ORPort mode toward `orport`, on 127.0.0.1.
pub async fn start_server(orport: SocketAddr) -> (Server, SocketAddr) {
    let server = Server::new(ServerConfig::new(TorTarget::OrPort(orport))).expect("server");
    let addr = server
        .listen("127.0.0.1:0".parse().unwrap())
        .await
        .expect("server listens");
    (server, addr)
}

/// Our broker on 127.0.0.1, handing out `relay_url` for the default bridge,
/// with the exact 127.0.0.1 relay pattern and 1 s poll intervals.
pub async fn start_broker(relay_url: &str) -> BrokerHandle {
    start_broker_with(relay_url, LOOPBACK_PATTERN, Duration::from_secs(30)).await
}

/// [`start_broker`] with a relay pattern and client timeout of choice.
pub async fn start_broker_with(
    relay_url: &str,
    pattern: &str,
    client_timeout: Duration,
) -> BrokerHandle {
    let bridges = BridgeList::parse(&format!(
        r#"{{"displayName":"local", "webSocketAddress":"{relay_url}", "fingerprint":"{}"}}"#,
        BridgeFingerprint::default()
    ))
    .expect("bridge list");
    Broker::start(BrokerConfig {
        bridges,
        allowed_relay_pattern: pattern.to_string(),
        poll_intervals: PollIntervals {
            unrestricted: Duration::from_secs(1),
            restricted: Duration::from_secs(1),
        },
        client_timeout,
        unsafe_logging: true,
        ..BrokerConfig::default()
    })
    .await
    .expect("broker starts")
}

/// A proxy configuration for tests: loopback-only ICE, the exact
/// 127.0.0.1 relay pattern with both explicit loopback flags, no NAT probe,
/// no summary line.
pub fn proxy_config(broker: SocketAddr) -> ProxyConfig {
    ProxyConfig {
        broker_url: format!("http://{broker}/"),
        default_relay_url: "ws://127.0.0.1:9/".to_string(),
        stun_urls: Vec::new(),
        loopback_only: true,
        allowed_relay_pattern: NameMatcher::new(LOOPBACK_PATTERN).unwrap(),
        allow_non_tls_relay: true,
        allow_proxying_to_private_addresses: true,
        nat_probe_url: None,
        summary_interval: Duration::ZERO,
        unsafe_logging: true,
        poll_interval: Duration::from_secs(1),
        drain_timeout: Duration::from_secs(5),
        // The default relay above is a placeholder: no reachability check.
        relay_check: None,
        ..ProxyConfig::default()
    }
}

/// A loopback-only WebRTC backend for test clients and probe servers.
pub fn loopback_backend() -> Arc<dyn RtcBackend> {
    snowflake_rtc::default_backend(RtcConfig::loopback()).expect("rtc backend")
}

/// What a client's rendezvous through the broker gave.
#[derive(Debug)]
pub enum Rendezvous {
    /// The proxy's answer.
    Answer(SessionDescription),
    /// The broker's error text.
    Error(String),
}

/// A test client: makes an offer, posts it to the broker as an
/// `unrestricted` client and returns the offer peer and the outcome.
pub async fn rendezvous(
    backend: &dyn RtcBackend,
    broker: SocketAddr,
) -> (Box<dyn snowflake_rtc::OfferPeer>, Rendezvous) {
    let peer = backend.create_offer().await.expect("offer");
    let body = ClientPollRequest::new(
        peer.offer(),
        NatType::Unrestricted,
        BridgeFingerprint::default(),
    )
    .encode();
    let response = snowflake_testkit::http::post(broker, "/client", body)
        .await
        .expect("client poll");
    assert_eq!(response.status, 200, "{}", response.text());
    let outcome = match ClientPollResponse::decode(&response.body).expect("client poll response") {
        ClientPollResponse::Answer(answer) => {
            Rendezvous::Answer(SessionDescription::from_json(&answer).expect("answer SDP JSON"))
        }
        ClientPollResponse::Error(error) => Rendezvous::Error(error),
    };
    (peer, outcome)
}

/// Rendezvous and open the data channel; panics on failure.
pub async fn connect_client(backend: &dyn RtcBackend, broker: SocketAddr) -> RtcChannel {
    let (peer, outcome) = guard("rendezvous", rendezvous(backend, broker)).await;
    let answer = match outcome {
        Rendezvous::Answer(answer) => answer,
        Rendezvous::Error(error) => panic!("no proxy answered: {error}"),
    };
    guard("data channel open", peer.connect(answer))
        .await
        .expect("data channel opens")
}

/// Rendezvous retried until a proxy answers (the proxy may be between
/// polls); returns the open channel.
pub async fn connect_client_retrying(backend: &dyn RtcBackend, broker: SocketAddr) -> RtcChannel {
    guard("a proxy answers", async {
        loop {
            let (peer, outcome) = rendezvous(backend, broker).await;
            match outcome {
                Rendezvous::Answer(answer) => {
                    return peer.connect(answer).await.expect("data channel opens")
                }
                Rendezvous::Error(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    })
    .await
}

/// Waits until the broker holds a poll from a proxy.
pub async fn wait_for_proxy_poll(broker: &BrokerHandle) {
    wait_until("a proxy poll", || broker.stats().waiting_proxies > 0).await;
}

/// One WebSocket connection accepted by a [`FakeRelay`].
pub struct RelayConnection {
    /// The request's path and query.
    pub uri: String,
    /// The connection.
    pub socket: WebSocketStream<TcpStream>,
}

/// A WebSocket server standing in for the Snowflake server, handing each
/// accepted connection to the test.
pub struct FakeRelay {
    pub addr: SocketAddr,
    pub connections: mpsc::Receiver<RelayConnection>,
    task: JoinHandle<()>,
}

impl FakeRelay {
    pub async fn start() -> FakeRelay {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind relay");
        let addr = listener.local_addr().expect("addr");
        let (tx, connections) = mpsc::channel(16);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut uri = String::new();
                    // The error type is fixed by tungstenite's callback
                    // signature.
                    #[allow(clippy::result_large_err)]
                    let callback = |request: &Request, response: Response| {
                        uri = request.uri().to_string();
                        Ok(response)
                    };
                    if let Ok(socket) = tokio_tungstenite::accept_hdr_async(stream, callback).await
                    {
                        let _ = tx.send(RelayConnection { uri, socket }).await;
                    }
                });
            }
        });
        FakeRelay {
            addr,
            connections,
            task,
        }
    }

    /// `ws://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("ws://{}/", self.addr)
    }

    /// The next accepted connection (under the hang guard).
    pub async fn accept(&mut self) -> RelayConnection {
        guard("relay connection", self.connections.recv())
            .await
            .expect("relay task running")
    }
}

impl Drop for FakeRelay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads WebSocket messages until the connection ends; returns the bytes
/// received and whether it ended by a close frame or EOF (not an error).
pub async fn drain_websocket(socket: &mut WebSocketStream<TcpStream>) -> Vec<u8> {
    let mut data = Vec::new();
    while let Some(message) = socket.next().await {
        match message {
            Ok(m) if m.is_binary() || m.is_text() => data.extend_from_slice(&m.into_data()),
            Ok(m) if m.is_close() => break,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    data
}

/// How a [`ProbeServer`] treats a proxy's probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeBehavior {
    /// Answer and let the data channel open (the proxy is reachable).
    Connect,
    /// Answer, then drop the peer so the channel never opens (as behind a
    /// restrictive NAT).
    AnswerThenVanish,
    /// Reply with HTTP 500.
    Fail,
    /// Reply with HTTP 500 to the first `n` probes, then as `Connect`.
    FailThenConnect(usize),
}

/// A probetest-style NAT probe server on 127.0.0.1 (`POST /probe`), built
/// from `snowflake-rtc` in loopback mode.
pub struct ProbeServer {
    pub addr: SocketAddr,
    pub probes: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl ProbeServer {
    pub async fn start(behavior: ProbeBehavior) -> ProbeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind probe");
        let addr = listener.local_addr().expect("addr");
        let probes = Arc::new(AtomicUsize::new(0));
        let backend = loopback_backend();
        let counter = probes.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let backend = backend.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request: hyper::Request<Incoming>| {
                        let backend = backend.clone();
                        let counter = counter.clone();
                        async move {
                            let seen = counter.fetch_add(1, Ordering::SeqCst);
                            let behavior = match behavior {
                                ProbeBehavior::FailThenConnect(n) if seen < n => {
                                    ProbeBehavior::Fail
                                }
                                ProbeBehavior::FailThenConnect(_) => ProbeBehavior::Connect,
                                other => other,
                            };
                            let (status, body) = probe(&*backend, request, behavior).await;
                            let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
                            *response.status_mut() = status;
                            Ok::<_, std::convert::Infallible>(response)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        ProbeServer { addr, probes, task }
    }

    /// `http://127.0.0.1:PORT/probe`.
    pub fn url(&self) -> String {
        format!("http://{}/probe", self.addr)
    }
}

impl Drop for ProbeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn probe(
    backend: &dyn RtcBackend,
    request: hyper::Request<Incoming>,
    behavior: ProbeBehavior,
) -> (hyper::StatusCode, Vec<u8>) {
    let internal = (hyper::StatusCode::INTERNAL_SERVER_ERROR, Vec::new());
    if behavior == ProbeBehavior::Fail {
        return internal;
    }
    let Ok(body) = Limited::new(request.into_body(), 100_000).collect().await else {
        return (hyper::StatusCode::BAD_REQUEST, Vec::new());
    };
    let Ok(poll) = ProxyPollResponse::decode(&body.to_bytes()) else {
        return (hyper::StatusCode::BAD_REQUEST, Vec::new());
    };
    let Ok(offer) = poll.offer_description() else {
        return (hyper::StatusCode::BAD_REQUEST, Vec::new());
    };
    let Ok(peer) = backend.answer_offer(&offer).await else {
        return internal;
    };
    let reply = ProxyAnswerRequest::new(PROBE_STUB_SID, peer.answer()).encode();
    match behavior {
        ProbeBehavior::Connect => {
            tokio::spawn(async move {
                if let Ok(Ok(channel)) =
                    tokio::time::timeout(Duration::from_secs(30), peer.connect()).await
                {
                    // Keep the channel a moment so the proxy sees it open.
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    drop(channel);
                }
            });
        }
        ProbeBehavior::AnswerThenVanish
        | ProbeBehavior::Fail
        | ProbeBehavior::FailThenConnect(_) => drop(peer),
    }
    (hyper::StatusCode::OK, reply)
}
