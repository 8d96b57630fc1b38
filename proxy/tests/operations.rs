//! Operator-facing behaviour: what the proxy tells the broker, backing off
//! from a failing broker, NAT probing, the metrics endpoint, the summary
//! line and address scrubbing in logs.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use snowflake_common::messages::{NatType, ProxyPollRequest, ProxyPollResponse, ProxyType};
use snowflake_proxy::{nat_probe, Proxy};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use url::Url;

/// A broker stand-in that records `/proxy` bodies and answers every poll
/// with `status` and `body`.
async fn fake_broker(
    status: hyper::StatusCode,
    body: Vec<u8>,
) -> (SocketAddr, mpsc::UnboundedReceiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            let body = body.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<Incoming>| {
                    let tx = tx.clone();
                    let body = body.clone();
                    async move {
                        let path = request.uri().path().to_string();
                        let received = Limited::new(request.into_body(), 100_000)
                            .collect()
                            .await
                            .map(|b| b.to_bytes().to_vec())
                            .unwrap_or_default();
                        if path == "/proxy" {
                            let _ = tx.send(received);
                        }
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
    (addr, rx)
}

#[tokio::test]
async fn polls_carry_what_the_broker_needs() {
    init_logs();
    let no_match = ProxyPollResponse::no_match(Some(Duration::from_secs(1))).encode();
    let (addr, mut polls) = fake_broker(hyper::StatusCode::OK, no_match).await;
    let proxy = Proxy::start(proxy_config(addr)).await.unwrap();
    let mut sids = Vec::new();
    for _ in 0..2 {
        let body = guard("poll", polls.recv()).await.unwrap();
        let text = String::from_utf8(body.clone()).unwrap();
        assert!(text.contains(r#""Version":"1.3""#), "{text}");
        let poll = ProxyPollRequest::decode(&body).expect("a valid poll");
        assert_eq!(poll.proxy_type, ProxyType::Standalone);
        assert_eq!(poll.nat, NatType::Unknown);
        assert_eq!(poll.clients, 0);
        assert_eq!(
            poll.accepted_relay_pattern.as_deref(),
            Some(LOOPBACK_PATTERN)
        );
        assert_eq!(poll.sid.len(), 22);
        sids.push(poll.sid);
    }
    // A fresh session id per poll, as upstream does since 2.10.
    assert_ne!(sids[0], sids[1]);
    proxy.shutdown().await;
}

#[tokio::test]
async fn a_failing_broker_is_retried_and_counted() {
    init_logs();
    let (addr, mut polls) = fake_broker(hyper::StatusCode::INTERNAL_SERVER_ERROR, Vec::new()).await;
    let proxy = Proxy::start(proxy_config(addr)).await.unwrap();
    for _ in 0..2 {
        guard("poll", polls.recv()).await.unwrap();
    }
    wait_until("failures counted", || {
        proxy.stats().poll_failures.get() >= 1
    })
    .await;
    proxy.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nat_probe_reachable_means_open_and_reaches_the_broker() {
    init_logs();
    let probe = ProbeServer::start(ProbeBehavior::Connect).await;
    let broker = start_broker("ws://127.0.0.1:9/").await;
    let mut config = proxy_config(broker.local_addr());
    config.nat_probe_url = Some(probe.url());
    config.nat_retest_interval = Duration::ZERO;
    let proxy = Proxy::start(config).await.unwrap();
    let mut nat = proxy.nat_type_updates();
    // Reachable when the probe server acts as a peer behind a strict NAT
    // (our test server reaches us whatever it is asked to act as): open.
    guard("probe", nat.wait_for(|n| *n == NatType::Open))
        .await
        .unwrap();
    assert_eq!(probe.probes.load(Ordering::SeqCst), 1);
    // The next polls report it: the broker files the proxy as open.
    guard("an open poll", async {
        loop {
            let debug = snowflake_testkit::http::get(broker.local_addr(), "/debug")
                .await
                .unwrap()
                .text();
            if debug.contains("\topen: 1") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(proxy
        .stats()
        .prometheus_text()
        .contains("tor_snowflake_proxy_nat_type{type=\"open\"} 1"));
    proxy.shutdown().await;
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nat_probe_outcomes() {
    init_logs();
    let backend = loopback_backend();
    let timeout = Duration::from_secs(3);

    let reachable = ProbeServer::start(ProbeBehavior::Connect).await;
    let url = Url::parse(&reachable.url()).unwrap();
    let outcome = guard("probe", nat_probe::probe_once(&*backend, &url, timeout)).await;
    assert_eq!(outcome.unwrap(), NatType::Unrestricted);

    // The server answers but never connects: restricted.
    let unreachable = ProbeServer::start(ProbeBehavior::AnswerThenVanish).await;
    let url = Url::parse(&unreachable.url()).unwrap();
    let outcome = guard("probe", nat_probe::probe_once(&*backend, &url, timeout)).await;
    assert_eq!(outcome.unwrap(), NatType::Restricted);

    // The exchange fails: unknown.
    let broken = ProbeServer::start(ProbeBehavior::Fail).await;
    let url = Url::parse(&broken.url()).unwrap();
    let outcome = guard("probe", nat_probe::probe_once(&*backend, &url, timeout)).await;
    assert!(outcome.is_err());
    assert_eq!(nat_probe::outcome_nat_type(&outcome), NatType::Unknown);
    // Nothing listening: unknown too.
    let closed = Url::parse("http://127.0.0.1:9/probe").unwrap();
    let outcome = guard("probe", nat_probe::probe_once(&*backend, &closed, timeout)).await;
    assert_eq!(nat_probe::outcome_nat_type(&outcome), NatType::Unknown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nat_type_is_probed_again_periodically() {
    init_logs();
    let probe = ProbeServer::start(ProbeBehavior::AnswerThenVanish).await;
    let (addr, _polls) = fake_broker(
        hyper::StatusCode::OK,
        ProxyPollResponse::no_match(Some(Duration::from_secs(1))).encode(),
    )
    .await;
    let mut config = proxy_config(addr);
    config.nat_probe_url = Some(probe.url());
    config.nat_probe_timeout = Duration::from_secs(1);
    config.nat_retest_interval = Duration::from_millis(200);
    let proxy = Proxy::start(config).await.unwrap();
    let mut nat = proxy.nat_type_updates();
    // Unreachable as a strict and as a moderate peer: strict (two probes).
    guard("strict", nat.wait_for(|n| *n == NatType::Strict))
        .await
        .unwrap();
    wait_until("a second measurement", || {
        probe.probes.load(Ordering::SeqCst) >= 4
    })
    .await;
    proxy.shutdown().await;
}

/// A probe that cannot decide is tried again soon (`nat_probe_retry`), not
/// after the 24 h retest interval, and the type it then measures is used.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_nat_probe_is_retried_soon() {
    init_logs();
    let probe = ProbeServer::start(ProbeBehavior::FailThenConnect(2)).await;
    let (addr, _polls) = fake_broker(
        hyper::StatusCode::OK,
        ProxyPollResponse::no_match(Some(Duration::from_secs(1))).encode(),
    )
    .await;
    let mut config = proxy_config(addr);
    config.nat_probe_url = Some(probe.url());
    config.nat_retest_interval = Duration::from_secs(24 * 60 * 60);
    config.nat_probe_retry = Duration::from_millis(300);
    let proxy = Proxy::start(config).await.unwrap();
    let mut nat = proxy.nat_type_updates();
    // Two failures (kept unknown), then the third try measures open.
    guard(
        "open after two failed probes",
        nat.wait_for(|n| *n == NatType::Open),
    )
    .await
    .unwrap();
    assert_eq!(probe.probes.load(Ordering::SeqCst), 3);
    proxy.shutdown().await;
}

/// A failed probe keeps the type measured before (upstream's rule); at
/// start that is `unknown`.
#[tokio::test]
async fn failed_probe_reports_unknown() {
    init_logs();
    let probe = ProbeServer::start(ProbeBehavior::Fail).await;
    let (addr, _polls) = fake_broker(
        hyper::StatusCode::OK,
        ProxyPollResponse::no_match(Some(Duration::from_secs(1))).encode(),
    )
    .await;
    let mut config = proxy_config(addr);
    config.nat_probe_url = Some(probe.url());
    config.nat_retest_interval = Duration::ZERO;
    let proxy = Proxy::start(config).await.unwrap();
    let mut nat = proxy.nat_type_updates();
    // The prober publishes its result even when it equals the initial value.
    guard("probe result", nat.changed()).await.unwrap();
    assert_eq!(*nat.borrow(), NatType::Unknown);
    assert_eq!(probe.probes.load(Ordering::SeqCst), 1);
    proxy.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served() {
    init_logs();
    let mut relay = FakeRelay::start().await;
    let broker = start_broker(&relay.url()).await;
    let mut config = proxy_config(broker.local_addr());
    config.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
    let proxy = Proxy::start(config).await.unwrap();
    let metrics = proxy.metrics_addr().expect("metrics enabled");
    wait_for_proxy_poll(&broker).await;
    let backend = loopback_backend();
    let _channel = connect_client(&*backend, broker.local_addr()).await;
    let _connection = relay.accept().await;
    wait_until("connection counted", || {
        proxy.stats().connections.get() == 1
    })
    .await;
    let page = snowflake_testkit::http::get(metrics, "/internal/metrics")
        .await
        .unwrap();
    assert_eq!(page.status, 200);
    let text = page.text();
    for line in [
        "tor_snowflake_proxy_connections_total{country=\"\"} 1",
        "tor_snowflake_proxy_connected_clients 1",
        "tor_snowflake_proxy_traffic_inbound_bytes_total",
        "tor_snowflake_proxy_traffic_outbound_bytes_total",
        "tor_snowflake_proxy_connection_timeouts_total 0",
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    let missing = snowflake_testkit::http::get(metrics, "/").await.unwrap();
    assert_eq!(missing.status, 404);
    proxy.shutdown().await;
    broker.shutdown().await;
}

/// Collects formatted log lines.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs a proxy serving one client on a single-threaded runtime with a
/// thread-local subscriber capturing the proxy's own log lines.
fn proxy_log(unsafe_logging: bool) -> String {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("snowflake_proxy=debug")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut relay = FakeRelay::start().await;
        let broker = start_broker(&relay.url()).await;
        let mut config = proxy_config(broker.local_addr());
        config.unsafe_logging = unsafe_logging;
        config.summary_interval = Duration::from_millis(300);
        let proxy = Proxy::start(config).await.unwrap();
        wait_for_proxy_poll(&broker).await;
        let backend = loopback_backend();
        let _channel = connect_client(&*backend, broker.local_addr()).await;
        let _connection = relay.accept().await;
        wait_until("summary line", || captured.text().contains("In the last")).await;
        proxy.shutdown().await;
        broker.shutdown().await;
    });
    captured.text()
}

#[test]
fn client_addresses_are_scrubbed_unless_unsafe_logging() {
    let scrubbed = proxy_log(false);
    assert!(scrubbed.contains("client connected"), "{scrubbed}");
    assert!(scrubbed.contains("client=[scrubbed]"), "{scrubbed}");
    // (The broker URL is the operator's own setting and may show; client
    // and relay addresses may not.)
    for line in scrubbed.lines().filter(|l| !l.contains("Proxy starting")) {
        assert!(!line.contains("127.0.0.1"), "{line}");
    }
    // The periodic summary line.
    assert!(
        scrubbed.contains("completed successful connections. Traffic Relayed ↓"),
        "{scrubbed}"
    );

    let unsafe_log = proxy_log(true);
    assert!(unsafe_log.contains("client=127.0.0.1"), "{unsafe_log}");
}

/// Upstream's rule: no polls while the default relay does not answer a
/// WebSocket; polling starts once it does (checked again on a backoff
/// that starts here at 200 ms).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_wait_until_the_default_relay_answers() {
    init_logs();
    let (broker, mut polls) = fake_broker(
        hyper::StatusCode::OK,
        ProxyPollResponse::no_match(Some(Duration::from_secs(1))).encode(),
    )
    .await;
    // A port with nothing listening on it yet.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let mut config = proxy_config(broker);
    config.default_relay_url = format!("ws://127.0.0.1:{port}/");
    config.relay_check = Some(Duration::from_millis(200));
    let proxy = Proxy::start(config).await.unwrap();
    // Checks at about 0, 0.2, 0.6 and 1.4 s fail: no poll meanwhile.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        polls.try_recv().is_err(),
        "the proxy polled while its default relay was unreachable"
    );

    // The relay comes up: the next check passes and polling starts.
    let relay = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let handshakes = Arc::new(AtomicUsize::new(0));
    let counter = handshakes.clone();
    let relay_task = tokio::spawn(async move {
        while let Ok((stream, _)) = relay.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                if let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await {
                    counter.fetch_add(1, Ordering::SeqCst);
                    while let Some(Ok(_)) = futures_util::StreamExt::next(&mut ws).await {}
                }
            });
        }
    });
    guard("a poll once the relay answers", polls.recv())
        .await
        .expect("a poll");
    assert!(handshakes.load(Ordering::SeqCst) >= 1);
    proxy.shutdown().await;
    relay_task.abort();
}
