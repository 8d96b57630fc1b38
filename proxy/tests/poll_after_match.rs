//! A proxy that was just matched with a client is not held back by the
//! broker's `NextPoll`: it polls again at once while it has a free client
//! slot, and as soon as a slot frees when it was full. Checked against a
//! fake broker that matches the first poll and announces a one-hour
//! `NextPoll` every time, so a proxy that waited for it would only poll
//! again after the hang guard. Nothing here measures time.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use snowflake_common::messages::{NatType, ProxyPollResponse};
use snowflake_proxy::Proxy;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// What the fake broker announces as `NextPoll`, always.
const NEXT_POLL: Duration = Duration::from_secs(3600);

/// A broker stand-in: the first `matches` polls get a client (with an
/// offer the proxy cannot use, so the client slot frees again at once),
/// later ones `no match`; every answer says `NextPoll` one hour. Each poll
/// is reported on the channel with its number (from 1).
async fn matching_broker(matches: usize) -> (SocketAddr, mpsc::UnboundedReceiver<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let polls = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            let polls = Arc::clone(&polls);
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<Incoming>| {
                    let tx = tx.clone();
                    let polls = Arc::clone(&polls);
                    async move {
                        let path = request.uri().path().to_string();
                        let _ = Limited::new(request.into_body(), 100_000).collect().await;
                        let body = if path == "/proxy" {
                            let n = polls.fetch_add(1, Ordering::SeqCst) + 1;
                            let _ = tx.send(n);
                            if n <= matches {
                                ProxyPollResponse::client_match(
                                    "not an offer",
                                    NatType::Unrestricted,
                                    "ws://127.0.0.1:9/",
                                    Some(NEXT_POLL),
                                )
                            } else {
                                ProxyPollResponse::no_match(Some(NEXT_POLL))
                            }
                            .encode()
                        } else {
                            Vec::new()
                        };
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                            Bytes::from(body),
                        )))
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

async fn next_poll_after_a_match(capacity: usize) {
    init_logs();
    let (addr, mut polls) = matching_broker(2).await;
    let mut config = proxy_config(addr);
    config.capacity = capacity;
    let proxy = Proxy::start(config).await.unwrap();
    // Two matches in a row, then a poll without one: each came right after
    // the match before it, not an hour later.
    for expected in 1..=3 {
        let n = guard("the next poll", polls.recv()).await.unwrap();
        assert_eq!(n, expected);
    }
    // (The matched "clients" sent nothing usable and were let go.)
    wait_until("client slots free", || proxy.active_clients() == 0).await;
    proxy.shutdown().await;
}

#[tokio::test]
async fn with_room_left_a_matched_proxy_polls_again_at_once() {
    next_poll_after_a_match(0).await;
}

#[tokio::test]
async fn a_full_proxy_polls_as_soon_as_its_slot_frees() {
    next_poll_after_a_match(1).await;
}
