//! Helpers shared by the broker's integration tests.
#![allow(dead_code)]

mod sqs_reply;
#[allow(unused_imports)]
pub use sqs_reply::sqs_reply;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use snowflake_broker::matcher::MatcherStats;
pub use snowflake_broker::{Broker, BrokerConfig, BrokerHandle};
use snowflake_common::messages::proxy::{new_session_id, ProxyAnswerRequest};
use snowflake_common::messages::{
    BridgeFingerprint, ClientPollRequest, NatType, ProxyPollRequest, ProxyType, SdpType,
    SessionDescription,
};
use snowflake_testkit::http::{self, HttpResponse};

/// The relay pattern the test brokers allow and test proxies accept.
pub const PATTERN: &str = "snowflake.torproject.net$";
/// The default bridge's relay.
pub const DEFAULT_RELAY: &str = "wss://snowflake.torproject.net/";
/// Hang guard for every wait in these tests (never a timing assertion).
pub const HANG_GUARD: Duration = Duration::from_secs(60);

/// A test broker config: allowed pattern set, short timeouts unless a test
/// changes them.
pub fn config() -> BrokerConfig {
    BrokerConfig {
        allowed_relay_pattern: PATTERN.to_string(),
        ..BrokerConfig::default()
    }
}

/// Starts a broker on 127.0.0.1 with a free port.
pub async fn start(config: BrokerConfig) -> BrokerHandle {
    Broker::start(config).await.expect("broker starts")
}

/// An offer SDP JSON carrying `marker` (so tests can tell offers apart).
pub fn offer_json(marker: &str) -> String {
    let sdp = format!(
        "v=0\r\no=- {marker} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n"
    );
    SessionDescription::new(SdpType::Offer, sdp).to_json()
}

/// An answer SDP (with a candidate) carrying `marker`.
pub fn answer_description(marker: &str) -> SessionDescription {
    let sdp = format!(
        "v=0\r\no=- {marker} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:1 1 udp 2130706431 127.0.0.1 10 typ host\r\n"
    );
    SessionDescription::new(SdpType::Answer, sdp)
}

/// A `1.0` client poll body.
pub fn client_body(marker: &str, nat: NatType) -> Vec<u8> {
    ClientPollRequest {
        offer: offer_json(marker),
        nat,
        fingerprint: BridgeFingerprint::default(),
    }
    .encode()
}

/// A proxy poll body.
pub fn proxy_body(sid: &str, nat: NatType, clients: u64, pattern: Option<&str>) -> Vec<u8> {
    ProxyPollRequest {
        sid: sid.to_string(),
        proxy_type: ProxyType::Standalone,
        nat,
        clients,
        accepted_relay_pattern: pattern.map(str::to_string),
    }
    .encode()
}

/// A proxy answer body.
pub fn answer_body(sid: &str, marker: &str) -> Vec<u8> {
    ProxyAnswerRequest::new(sid, &answer_description(marker)).encode()
}

/// A fresh Go-style session id.
pub fn sid() -> String {
    new_session_id()
}

/// POSTs and returns the response (panics on transport errors).
pub async fn post(addr: SocketAddr, path: &str, body: impl Into<bytes::Bytes>) -> HttpResponse {
    http::post(addr, path, body).await.expect("HTTP request")
}

/// A `1.0` client poll (see [`client_body`]).
pub async fn post_client(addr: SocketAddr, marker: &str, nat: NatType) -> HttpResponse {
    post(addr, "/client", client_body(marker, nat)).await
}

/// The broker's answer when no proxy can serve the client.
pub const NO_PROXIES_BODY: &str = r#"{"error":"no snowflake proxies currently available"}"#;

/// Asserts the client was told that no proxy is available.
pub fn assert_no_proxies(response: &HttpResponse) {
    assert_eq!(response.text(), NO_PROXIES_BODY);
}

/// GETs and returns the response.
pub async fn get(addr: SocketAddr, path: &str) -> HttpResponse {
    http::get(addr, path).await.expect("HTTP request")
}

/// Runs `future` under the hang guard.
pub async fn guarded<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG_GUARD, future)
        .await
        .expect("hang guard expired")
}

/// Waits until the broker's stats satisfy `condition`.
pub async fn wait_for_stats(broker: &BrokerHandle, condition: impl Fn(&MatcherStats) -> bool) {
    guarded(async {
        while !condition(&broker.stats()) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
}

/// Spawns a proxy poll and waits until the broker holds it.
pub async fn spawn_waiting_proxy(
    broker: &BrokerHandle,
    body: Vec<u8>,
) -> tokio::task::JoinHandle<HttpResponse> {
    let before = broker.stats().waiting_proxies;
    let addr = broker.local_addr();
    let task = tokio::spawn(async move { post(addr, "/proxy", body).await });
    wait_for_stats(broker, |s| s.waiting_proxies > before).await;
    task
}
