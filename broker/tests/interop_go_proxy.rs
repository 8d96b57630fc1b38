//! Interop with Debian's Go `snowflake-proxy` 2.5.1: it polls our broker,
//! receives an offer posted by a test client, and its SDP answer reaches
//! that client.
//!
//! Needs root (to create a network namespace) and the Debian package
//! `snowflake-proxy`. The test re-runs itself inside a fresh namespace that
//! has only `lo`, so the broker, the STUN responder, the Go proxy and the
//! test client all live there and nothing can leave the machine. The
//! proxy's defaults are all overridden with 127.0.0.1 addresses; the one
//! without a flag in 2.5.1 (the NAT-probe URL) points at a hostname the
//! namespace resolves to 127.0.0.1.

mod common;

use std::time::Duration;

use common::*;
use snowflake_broker::bridges::BridgeList;
use snowflake_common::messages::{
    BridgeFingerprint, ClientPollRequest, ClientPollResponse, NatType, SdpType, SessionDescription,
};
use snowflake_testkit::go_proxy::{self, GoProxyOptions};
use snowflake_testkit::netns;
use snowflake_testkit::process::ChildGuard;
use snowflake_testkit::runtime;
use snowflake_testkit::stun::StunServer;
use snowflake_testkit::webrtc::{candidate_lines, is_datachannel_answer, loopback_offer_sdp};

/// The relay given to the proxy: nothing listens there, and the test ends
/// before the proxy would need it.
const RELAY_URL: &str = "ws://127.0.0.1:9/";
const TEST_NAME: &str = "go_snowflake_proxy_answers_our_client";

#[test]
fn go_snowflake_proxy_answers_our_client() {
    // Fail early, with the fix, if the Go proxy is not installed.
    go_proxy::program().unwrap_or_else(|e| panic!("{e}"));
    netns::run_isolated(TEST_NAME, Duration::from_secs(240), inside_namespace);
}

fn inside_namespace() {
    runtime::block_on(exchange());
}

async fn exchange() {
    let stun = StunServer::start("127.0.0.1".parse().unwrap())
        .await
        .expect("STUN responder");
    let bridges = BridgeList::parse(&format!(
        r#"{{"displayName":"local", "webSocketAddress":"{RELAY_URL}", "fingerprint":"{}"}}"#,
        BridgeFingerprint::default()
    ))
    .unwrap();
    let broker = start(BrokerConfig {
        bridges,
        allowed_relay_pattern: "127.0.0.1$".to_string(),
        // Generous: the Go proxy gathers ICE candidates before answering.
        client_timeout: Duration::from_secs(60),
        unsafe_logging: true,
        ..config()
    })
    .await;
    let addr = broker.local_addr();

    let command = go_proxy::command(&GoProxyOptions {
        broker_url: format!("http://{addr}/"),
        stun_url: stun.url(),
        relay_url: RELAY_URL.to_string(),
        allowed_relay_hostname_pattern: "127.0.0.1$".to_string(),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let _proxy = ChildGuard::spawn(command, "snowflake-proxy").expect("start snowflake-proxy");

    // Wait for the Go proxy's poll to be held by the broker.
    guarded(async {
        while broker.stats().waiting_proxies == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let debug = get(addr, "/debug").await.text();
    eprintln!("broker /debug with the Go proxy waiting:\n{debug}");
    assert!(debug.contains("\tstandalone proxies: 1\n"), "{debug}");

    // Our client's offer: a host candidate on a socket we hold open.
    let client_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = client_socket.local_addr().unwrap().port();
    let offer = SessionDescription::new(SdpType::Offer, loopback_offer_sdp(port));
    let body = ClientPollRequest::new(&offer, NatType::Unrestricted, BridgeFingerprint::default())
        .encode();
    let response = guarded(post(addr, "/client", body)).await;
    assert_eq!(response.status, 200);
    let answer = match ClientPollResponse::decode(&response.body) {
        Ok(ClientPollResponse::Answer(answer)) => answer,
        other => panic!("no answer from the Go proxy: {other:?}"),
    };
    let answer = SessionDescription::from_json(&answer).expect("answer is SDP JSON");
    eprintln!("answer from the Go proxy:\n{}", answer.sdp);
    assert_eq!(answer.sdp_type, SdpType::Answer);
    assert!(is_datachannel_answer(&answer.sdp), "{}", answer.sdp);
    let candidates = candidate_lines(&answer.sdp);
    assert!(!candidates.is_empty(), "{}", answer.sdp);
    assert!(
        candidates.iter().all(|c| c.contains(" 127.0.0.1 ")),
        "candidates must be on loopback: {candidates:?}"
    );
    let prometheus = get(addr, "/prometheus").await.text();
    assert!(prometheus.contains(
        r#"snowflake_rounded_client_poll_total{cc="??",nat="unrestricted",rendezvous_method="http",status="matched"} 8"#
    ), "{prometheus}");
    broker.shutdown().await;
}
