//! Demand-aware `NextPoll` over HTTP: proxies are told the configured
//! interval while nobody waits, the short one after a client was turned
//! away for lack of a proxy of their pool, and after a match. The wire
//! format of the poll response does not change.

mod common;

use std::time::Duration;

use common::*;
use snowflake_broker::demand::DemandConfig;
use snowflake_common::messages::{NatType, ProxyPollResponse, ProxyPollStatus};

/// The `NextPoll` of a proxy poll response, in milliseconds.
fn next_poll_ms(response: &snowflake_testkit::http::HttpResponse) -> u128 {
    let decoded = ProxyPollResponse::decode(&response.body).expect("a poll response");
    decoded
        .next_poll
        .expect("NextPoll is always sent")
        .as_millis()
}

async fn idle_poll(broker: &BrokerHandle, nat: NatType) -> u128 {
    let response = guarded(post(
        broker.local_addr(),
        "/proxy",
        proxy_body(&sid(), nat, 0, Some(PATTERN)),
    ))
    .await;
    assert_eq!(response.status, 200);
    let decoded = ProxyPollResponse::decode(&response.body).unwrap();
    assert_eq!(decoded.status, ProxyPollStatus::NoMatch);
    next_poll_ms(&response)
}

#[tokio::test]
async fn unserved_clients_call_the_proxies_of_their_pool_back_sooner() {
    let broker = start(BrokerConfig {
        proxy_timeout: Duration::from_millis(100),
        ..config()
    })
    .await;
    // Nobody waiting: the configured 20 s.
    assert_eq!(idle_poll(&broker, NatType::Unrestricted).await, 20_000);
    assert_eq!(idle_poll(&broker, NatType::Unknown).await, 20_000);

    // A restricted client finds no proxy; only unrestricted proxies could
    // have served it.
    let refused = post_client(broker.local_addr(), "r", NatType::Restricted).await;
    assert_no_proxies(&refused);
    assert_eq!(idle_poll(&broker, NatType::Unrestricted).await, 1_000);
    assert_eq!(idle_poll(&broker, NatType::Restricted).await, 20_000);
    assert_eq!(idle_poll(&broker, NatType::Unknown).await, 20_000);

    // An unrestricted client could have used a restricted-pool proxy too.
    let refused = post_client(broker.local_addr(), "u", NatType::Unrestricted).await;
    assert_no_proxies(&refused);
    assert_eq!(idle_poll(&broker, NatType::Unknown).await, 1_000);
    assert_eq!(idle_poll(&broker, NatType::Restricted).await, 1_000);
    broker.shutdown().await;
}

#[tokio::test]
async fn a_matched_proxy_is_told_the_short_interval() {
    let broker = start(BrokerConfig {
        demand: DemandConfig {
            short_interval: Duration::from_millis(2_500),
            ..DemandConfig::default()
        },
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    let sid = sid();
    let proxy = spawn_waiting_proxy(
        &broker,
        proxy_body(&sid, NatType::Unrestricted, 0, Some(PATTERN)),
    )
    .await;
    let client = tokio::spawn(async move { post_client(addr, "m", NatType::Restricted).await });
    let polled = guarded(proxy).await.unwrap();
    let decoded = ProxyPollResponse::decode(&polled.body).unwrap();
    assert_eq!(decoded.status, ProxyPollStatus::ClientMatch);
    // The configured short interval, in the usual shape.
    assert_eq!(next_poll_ms(&polled), 2_500);
    assert!(
        polled.text().contains(r#""NextPoll":2500,"#),
        "{}",
        polled.text()
    );
    post(addr, "/answer", answer_body(&sid, "a")).await;
    guarded(client).await.unwrap();
    broker.shutdown().await;
}

#[tokio::test]
async fn the_short_interval_never_lengthens_a_shorter_configured_one() {
    let broker = start(BrokerConfig {
        proxy_timeout: Duration::from_millis(100),
        poll_intervals: snowflake_broker::poll_interval::PollIntervals {
            unrestricted: Duration::from_millis(500),
            restricted: Duration::from_secs(60),
        },
        ..config()
    })
    .await;
    let refused = post_client(broker.local_addr(), "u", NatType::Unrestricted).await;
    assert_no_proxies(&refused);
    assert_eq!(idle_poll(&broker, NatType::Unrestricted).await, 500);
    assert_eq!(idle_poll(&broker, NatType::Restricted).await, 1_000);
    broker.shutdown().await;
}
