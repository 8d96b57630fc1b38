//! Our proxy against our broker's per-address poll limit, end to end
//! (`docs/broker-polling.md`): two proxies reach the broker through
//! reverse proxies that both report the same public address
//! (`X-Forwarded-For: 203.0.113.5`, the broker trusting one hop, its
//! default), so one of them is answered `polled too soon`. That proxy
//! must wait the `NextPoll` it was told before it polls again, and must
//! not count the answer as a failed poll (no backoff).
//!
//! The only time comparison is a lower bound (the next poll came no
//! earlier than the broker allowed), which a slow machine cannot break.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use http::Method;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use snowflake_broker::bridges::BridgeList;
use snowflake_broker::{Broker, BrokerConfig};
use snowflake_common::messages::{BridgeFingerprint, ProxyPollResponse, READ_LIMIT};
use snowflake_proxy::Proxy;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// The public address both reverse proxies report.
const PROXY_ADDRESS: &str = "203.0.113.5";

/// What a reverse proxy saw.
#[derive(Debug)]
enum Event {
    /// A poll from proxy `id` arrived.
    Arrived { id: usize, at: Instant },
    /// The broker answered proxy `id`'s poll; `too_soon` is its NextPoll
    /// if the answer was `polled too soon`.
    Answered {
        id: usize,
        at: Instant,
        too_soon: Option<Duration>,
    },
}

/// A reverse proxy in front of `broker` that adds
/// `X-Forwarded-For: 203.0.113.5` and reports every `/proxy` exchange.
async fn reverse_proxy(
    id: usize,
    broker: SocketAddr,
    events: mpsc::UnboundedSender<Event>,
) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let events = events.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<Incoming>| {
                    let events = events.clone();
                    async move {
                        let path = request.uri().path().to_string();
                        let is_poll = path == "/proxy";
                        if is_poll {
                            let _ = events.send(Event::Arrived {
                                id,
                                at: Instant::now(),
                            });
                        }
                        let body = Limited::new(request.into_body(), READ_LIMIT)
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let forwarded = snowflake_testkit::http::request(
                            broker,
                            Method::POST,
                            &path,
                            &[("X-Forwarded-For", PROXY_ADDRESS)],
                            body,
                        )
                        .await;
                        let mut response = hyper::Response::new(Full::new(Bytes::new()));
                        match forwarded {
                            Ok(reply) => {
                                if is_poll {
                                    let too_soon = ProxyPollResponse::decode(&reply.body)
                                        .ok()
                                        .filter(|r| r.polled_too_soon)
                                        .and_then(|r| r.next_poll);
                                    let _ = events.send(Event::Answered {
                                        id,
                                        at: Instant::now(),
                                        too_soon,
                                    });
                                }
                                *response.status_mut() = reply.status;
                                *response.body_mut() = Full::new(Bytes::from(reply.body.to_vec()));
                            }
                            Err(_) => {
                                *response.status_mut() = http::StatusCode::BAD_GATEWAY;
                            }
                        }
                        Ok::<_, std::convert::Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_proxy_told_polled_too_soon_waits_next_poll_without_backing_off() {
    init_logs();
    let bridges = BridgeList::parse(&format!(
        r#"{{"displayName":"local", "webSocketAddress":"ws://127.0.0.1:9/", "fingerprint":"{}"}}"#,
        BridgeFingerprint::default()
    ))
    .unwrap();
    let broker = Broker::start(BrokerConfig {
        bridges,
        allowed_relay_pattern: LOOPBACK_PATTERN.to_string(),
        // Polls are held 2 s; idle proxies are told to come back after
        // 1 s (the default interval: 20 s).
        proxy_timeout: Duration::from_secs(2),
        poll_intervals: snowflake_broker::poll_interval::PollIntervals {
            unrestricted: Duration::from_secs(1),
            restricted: Duration::from_secs(1),
        },
        ..BrokerConfig::default()
    })
    .await
    .unwrap();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let mut proxies = Vec::new();
    for id in 0..2 {
        let front = reverse_proxy(id, broker.local_addr(), events_tx.clone()).await;
        proxies.push(Proxy::start(proxy_config(front)).await.unwrap());
    }
    // Both poll at once from the same address: one is held, the other is
    // told it polled too soon. Watch that proxy's next poll.
    let (id, told_at, next_poll) = guard("a polled-too-soon answer", async {
        loop {
            if let Some(Event::Answered {
                id,
                at,
                too_soon: Some(next_poll),
            }) = events.recv().await
            {
                break (id, at, next_poll);
            }
        }
    })
    .await;
    assert!(next_poll > Duration::ZERO, "{next_poll:?}");
    let next_arrival = guard("that proxy's next poll", async {
        loop {
            match events.recv().await {
                Some(Event::Arrived { id: other, at }) if other == id => break at,
                Some(_) => {}
                None => panic!("events ended"),
            }
        }
    })
    .await;
    assert!(
        next_arrival.duration_since(told_at) >= next_poll,
        "polled again after {:?}, told to wait {next_poll:?}",
        next_arrival.duration_since(told_at)
    );
    // Not a failure: no backoff, nothing counted as a failed poll.
    for proxy in &proxies {
        assert_eq!(proxy.stats().poll_failures.get(), 0);
    }
    for proxy in proxies {
        proxy.shutdown().await;
    }
    broker.shutdown().await;
}

/// A 2.14-style broker: `400` for a three-kind NAT value, `no match`
/// otherwise. Reports each poll's NAT value.
async fn two_kind_broker(nats: mpsc::UnboundedSender<String>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let nats = nats.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<Incoming>| {
                    let nats = nats.clone();
                    async move {
                        let body = Limited::new(request.into_body(), READ_LIMIT)
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let poll = snowflake_common::messages::ProxyPollRequest::decode(&body)
                            .expect("a poll");
                        let raw = String::from_utf8_lossy(&body).into_owned();
                        let nat = poll.nat.as_str().to_string();
                        let _ = nats.send(nat.clone());
                        let mut response = hyper::Response::new(Full::new(Bytes::new()));
                        if ["open", "moderate", "strict"].contains(&nat.as_str()) {
                            assert!(raw.contains(&format!(r#""NAT":"{nat}""#)));
                            *response.status_mut() = http::StatusCode::BAD_REQUEST;
                        } else {
                            *response.body_mut() = Full::new(Bytes::from(
                                ProxyPollResponse::no_match(Some(Duration::from_secs(20))).encode(),
                            ));
                        }
                        Ok::<_, std::convert::Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_broker_refusing_three_kind_nat_types_gets_the_older_spelling() {
    use snowflake_common::messages::{NatType, ProxyType};
    use snowflake_proxy::broker::{BrokerClient, PollParams};
    let (nats_tx, mut nats) = mpsc::unbounded_channel();
    let addr = two_kind_broker(nats_tx).await;
    let client = BrokerClient::new(&url::Url::parse(&format!("http://{addr}/")).unwrap()).unwrap();
    let params = |nat| PollParams {
        sid: "s".to_string(),
        proxy_type: ProxyType::Standalone,
        nat,
        clients: 0,
        accepted_relay_pattern: LOOPBACK_PATTERN.to_string(),
    };
    assert!(!client.uses_legacy_nat());
    let response = guard("poll", client.poll(&params(NatType::Open)))
        .await
        .unwrap();
    assert!(!response.polled_too_soon);
    assert_eq!(nats.recv().await.unwrap(), "open");
    assert_eq!(nats.recv().await.unwrap(), "unrestricted");
    assert!(client.uses_legacy_nat());
    // From now on, only the older spelling (one request per poll).
    guard("poll", client.poll(&params(NatType::Moderate)))
        .await
        .unwrap();
    assert_eq!(nats.recv().await.unwrap(), "restricted");
    guard("poll", client.poll(&params(NatType::Strict)))
        .await
        .unwrap();
    assert_eq!(nats.recv().await.unwrap(), "restricted");
    assert!(nats.try_recv().is_err());
}
