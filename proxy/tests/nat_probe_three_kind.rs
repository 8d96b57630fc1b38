//! The three-kind NAT measurement (`nat_probe::probe_three_kind`, upstream
//! `main`'s `InCoSim` probes) against probe servers on 127.0.0.1 that act
//! as a peer behind a given NAT: each connects back to the proxy only for
//! the simulated NATs the proxy is meant to be reachable from.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use snowflake_common::messages::proxy::PROBE_STUB_SID;
use snowflake_common::messages::{NatType, ProxyAnswerRequest, ProxyPollResponse};
use snowflake_proxy::nat_probe::{probe_three_kind, NAT_SIMULATION_PARAM};
use tokio::net::TcpListener;
use url::Url;

/// A probe server that connects back only when asked to simulate one of
/// `reaches` (e.g. `["moderate"]`: a proxy behind a moderate NAT is
/// reachable by a moderate peer, not by a strict one). Records the modes
/// asked for.
async fn simulating_probe(
    reaches: &'static [&'static str],
) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let backend = loopback_backend();
    let seen = asked.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let backend = backend.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<Incoming>| {
                    let backend = backend.clone();
                    let seen = seen.clone();
                    async move {
                        let mode = request
                            .uri()
                            .query()
                            .and_then(|q| {
                                url::form_urlencoded::parse(q.as_bytes())
                                    .find(|(name, _)| name == NAT_SIMULATION_PARAM)
                                    .map(|(_, value)| value.into_owned())
                            })
                            .unwrap_or_default();
                        seen.lock().unwrap().push(mode.clone());
                        let body = Limited::new(request.into_body(), 100_000)
                            .collect()
                            .await
                            .unwrap()
                            .to_bytes();
                        let offer = ProxyPollResponse::decode(&body)
                            .unwrap()
                            .offer_description()
                            .unwrap();
                        let peer = backend.answer_offer(&offer).await.unwrap();
                        let reply = ProxyAnswerRequest::new(PROBE_STUB_SID, peer.answer()).encode();
                        if reaches.contains(&mode.as_str()) {
                            tokio::spawn(async move {
                                if let Ok(Ok(channel)) =
                                    tokio::time::timeout(Duration::from_secs(30), peer.connect())
                                        .await
                                {
                                    tokio::time::sleep(Duration::from_secs(2)).await;
                                    drop(channel);
                                }
                            });
                        } else {
                            drop(peer);
                        }
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                            Bytes::from(reply),
                        )))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, asked)
}

async fn measure(reaches: &'static [&'static str]) -> (NatType, Vec<String>) {
    init_logs();
    let (addr, asked) = simulating_probe(reaches).await;
    let url = Url::parse(&format!("http://{addr}/probe")).unwrap();
    let backend = loopback_backend();
    // The channel timeout only bounds the probes that are meant to fail.
    let nat = guard(
        "three-kind probe",
        probe_three_kind(&*backend, &url, Duration::from_secs(5)),
    )
    .await
    .unwrap();
    let asked = asked.lock().unwrap().clone();
    (nat, asked)
}

#[tokio::test]
async fn reachable_by_a_strict_peer_is_open() {
    let (nat, asked) = measure(&["strict", "moderate"]).await;
    assert_eq!(nat, NatType::Open);
    assert_eq!(asked, ["strict"]);
}

#[tokio::test]
async fn reachable_only_by_a_moderate_peer_is_moderate() {
    let (nat, asked) = measure(&["moderate"]).await;
    assert_eq!(nat, NatType::Moderate);
    assert_eq!(asked, ["strict", "moderate"]);
}

#[tokio::test]
async fn reachable_by_neither_is_strict() {
    let (nat, asked) = measure(&[]).await;
    assert_eq!(nat, NatType::Strict);
    assert_eq!(asked, ["strict", "moderate"]);
}
