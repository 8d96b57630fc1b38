//! The proxy poll protocol of the Go broker's `main`, end to end over
//! HTTP on 127.0.0.1 (`docs/broker-polling.md`): three-kind NAT types,
//! values the broker does not know, the per-address poll limit with its
//! `polled too soon` status, `-trusted-hops`, and clients spread over
//! proxy addresses. Nothing here asserts on how long anything takes.

mod common;

use std::time::Duration;

use common::*;
use http::Method;
use snowflake_broker::poll_interval::PoolIntervals;
use snowflake_common::messages::{NatType, ProxyPollResponse, ProxyPollStatus};
use snowflake_testkit::http::{request, HttpResponse};

/// A proxy poll body as a Go proxy of upstream `main` sends it, with a
/// raw NAT value.
fn go_proxy_body(sid: &str, nat: &str) -> Vec<u8> {
    format!(
        r#"{{"Sid":"{sid}","Version":"1.3","Type":"standalone","NAT":"{nat}","Clients":0,"AcceptedRelayPattern":"{PATTERN}"}}"#
    )
    .into_bytes()
}

/// A client poll body with a raw NAT value.
fn raw_client_body(marker: &str, nat: &str) -> Vec<u8> {
    let offer = serde_json_string(&offer_json(marker));
    format!("1.0\n{{\"offer\":{offer},\"nat\":\"{nat}\"}}").into_bytes()
}

/// `text` as a JSON string literal.
fn serde_json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn decode(response: &HttpResponse) -> ProxyPollResponse {
    assert_eq!(response.status, 200, "{}", response.text());
    ProxyPollResponse::decode(&response.body).unwrap_or_else(|e| panic!("{e}: {}", response.text()))
}

/// A proxy poll seen through reverse proxies as `forwarded_for`.
async fn poll_via(addr: std::net::SocketAddr, forwarded_for: &str, body: Vec<u8>) -> HttpResponse {
    request(
        addr,
        Method::POST,
        "/proxy",
        &[("X-Forwarded-For", forwarded_for)],
        body,
    )
    .await
    .expect("HTTP request")
}

/// Spawns a proxy poll seen as `forwarded_for` and waits until it is held.
async fn spawn_poll_via(
    broker: &BrokerHandle,
    forwarded_for: impl Into<String>,
    body: Vec<u8>,
) -> tokio::task::JoinHandle<HttpResponse> {
    let before = broker.stats().waiting_proxies;
    let addr = broker.local_addr();
    let forwarded_for = forwarded_for.into();
    let task = tokio::spawn(async move { poll_via(addr, &forwarded_for, body).await });
    wait_for_stats(broker, |s| s.waiting_proxies > before).await;
    task
}

#[tokio::test]
async fn a_go_proxy_polling_with_nat_open_is_matched() {
    let broker = start(BrokerConfig {
        client_timeout: Duration::from_millis(300),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    // What a 2.14 broker answered 400 ("invalid NAT type").
    let proxy = spawn_waiting_proxy(&broker, go_proxy_body("open1", "open")).await;
    // A strict client can only use an open proxy: it gets this one.
    let client =
        tokio::spawn(async move { post(addr, "/client", raw_client_body("s", "strict")).await });
    let offer = decode(&guarded(proxy).await.unwrap());
    assert_eq!(offer.status, ProxyPollStatus::ClientMatch);
    assert_eq!(offer.client_nat(), NatType::Strict);
    assert!(offer.offer.contains("o=- s 2"), "{}", offer.offer);
    let answered = post(addr, "/answer", answer_body("open1", "a")).await;
    assert_eq!(answered.text(), r#"{"Status":"success"}"#);
    assert!(guarded(client).await.unwrap().text().contains("answer"));
    broker.shutdown().await;
}

#[tokio::test]
async fn three_kind_pairing_over_http() {
    let broker = start(BrokerConfig {
        client_timeout: Duration::from_millis(200),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    // A moderate proxy is no use to a strict client...
    let moderate = spawn_waiting_proxy(&broker, go_proxy_body("mod1", "moderate")).await;
    assert_no_proxies(&post(addr, "/client", raw_client_body("s", "strict")).await);
    assert_no_proxies(&post(addr, "/client", raw_client_body("u", "unknown")).await);
    // ...but serves a moderate one.
    let response = post(addr, "/client", raw_client_body("m", "moderate")).await;
    // (No answer comes: the client times out, the proxy got the offer.)
    assert!(response.text().contains("timed out"), "{}", response.text());
    let offer = decode(&guarded(moderate).await.unwrap());
    assert_eq!(offer.client_nat(), NatType::Moderate);

    // An open client prefers a strict proxy over a moderate one.
    let moderate = spawn_waiting_proxy(&broker, go_proxy_body("mod2", "moderate")).await;
    let strict = spawn_waiting_proxy(&broker, go_proxy_body("str1", "strict")).await;
    post(addr, "/client", raw_client_body("o", "open")).await;
    assert_eq!(
        decode(&guarded(strict).await.unwrap()).client_nat(),
        NatType::Open
    );
    assert_eq!(broker.stats().waiting_proxies, 1);
    moderate.abort();
    broker.shutdown().await;
}

#[tokio::test]
async fn unknown_nat_values_get_the_safe_reading_not_400() {
    let broker = start(BrokerConfig {
        client_timeout: Duration::from_millis(200),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    // A proxy with a value from some future vocabulary is held, as
    // "unknown": only clients that can reach anyone get it.
    let future = spawn_waiting_proxy(&broker, go_proxy_body("fut1", "cone-ish")).await;
    assert_no_proxies(&post(addr, "/client", raw_client_body("s", "strict")).await);
    assert_no_proxies(&post(addr, "/client", raw_client_body("m", "moderate")).await);
    // A client with an unknown value is served like "unknown".
    let weird = post(addr, "/client", raw_client_body("w", "cone-ish")).await;
    assert_no_proxies(&weird);
    post(addr, "/client", raw_client_body("o", "unrestricted")).await;
    let offer = decode(&guarded(future).await.unwrap());
    assert_eq!(offer.client_nat(), NatType::Unrestricted);
    // The debug page counts it as unknown.
    let held = spawn_waiting_proxy(&broker, go_proxy_body("fut2", "cone-ish")).await;
    assert!(get(addr, "/debug").await.text().ends_with("\n\tunknown: 1"));
    held.abort();
    broker.shutdown().await;
}

#[tokio::test]
async fn an_address_that_polls_too_soon_is_told_to_wait() {
    let broker = start(BrokerConfig {
        proxy_timeout: Duration::from_secs(2),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    // Behind one trusted reverse proxy (the default -trusted-hops 1): the
    // rightmost X-Forwarded-For entry is the proxy's address.
    let first = spawn_poll_via(
        &broker,
        "198.51.100.20, 203.0.113.5",
        go_proxy_body("a1", "open"),
    )
    .await;
    // While it is held, another poll from 203.0.113.5 is refused at once,
    // whatever the requester put to the left.
    let second = decode(&poll_via(addr, "203.0.113.5", go_proxy_body("a2", "open")).await);
    assert!(second.polled_too_soon);
    let wait = second.next_poll.unwrap();
    // (At most the hold time left; the 20 s of an ended poll if this
    // machine is slow enough for the first poll to have ended already.)
    assert!(
        wait > Duration::ZERO && wait <= Duration::from_secs(20),
        "{wait:?}"
    );
    // Forging a different address on the left changes nothing...
    let forged =
        decode(&poll_via(addr, "192.0.2.77, 203.0.113.5", go_proxy_body("a3", "open")).await);
    assert!(forged.polled_too_soon);
    // ...and naming the limited address on the left does not limit
    // someone else.
    let other = spawn_poll_via(
        &broker,
        "203.0.113.5, 203.0.113.6",
        go_proxy_body("b1", "open"),
    )
    .await;
    // The first poll ends idle, told to come back after 20 s; coming back
    // now is too soon, with (almost all of) those 20 s left.
    let idle = decode(&guarded(first).await.unwrap());
    assert_eq!(idle.status, ProxyPollStatus::NoMatch);
    assert!(!idle.polled_too_soon);
    assert_eq!(idle.next_poll, Some(Duration::from_secs(20)));
    let again = decode(&poll_via(addr, "203.0.113.5", go_proxy_body("a4", "open")).await);
    assert!(again.polled_too_soon);
    let left = again.next_poll.unwrap();
    assert!(
        left > Duration::from_secs(10) && left <= Duration::from_secs(20),
        "{left:?}"
    );
    // The wire form, as the Go broker writes it.
    let raw = poll_via(addr, "203.0.113.5", go_proxy_body("a5", "open")).await;
    assert!(
        raw.text()
            .starts_with(r#"{"Status":"polled too soon","Offer":"","NAT":"","NextPoll":"#),
        "{}",
        raw.text()
    );
    assert!(guarded(other).await.unwrap().text().contains("no match"));
    // Refusals are counted (rounded up to 8).
    let prometheus = get(addr, "/prometheus").await.text();
    assert!(
        prometheus.contains(
            r#"snowflake_rounded_proxy_poll_refused_total{nat="open",reason="too_soon",type="standalone"} 8"#
        ),
        "{prometheus}"
    );
    broker.shutdown().await;
}

#[tokio::test]
async fn a_proxy_that_waits_what_it_was_told_is_admitted() {
    let broker = start(BrokerConfig {
        proxy_timeout: Duration::from_millis(100),
        pool_intervals: Some(PoolIntervals {
            open: Duration::from_millis(300),
            ..PoolIntervals::default()
        }),
        client_timeout: Duration::from_millis(200),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    let idle = decode(&poll_via(addr, "203.0.113.8", go_proxy_body("p1", "open")).await);
    let told = idle.next_poll.unwrap();
    assert_eq!(told, Duration::from_millis(300));
    tokio::time::sleep(told).await;
    // Waited as told: held (and matched by a client).
    let held = spawn_poll_via(&broker, "203.0.113.8", go_proxy_body("p2", "open")).await;
    post(addr, "/client", raw_client_body("c", "strict")).await;
    let matched = decode(&guarded(held).await.unwrap());
    assert_eq!(matched.status, ProxyPollStatus::ClientMatch);
    // After a match the proxy may come back at once, whatever NextPoll
    // it was told (ours do; Go proxies wait it out).
    assert_eq!(matched.next_poll, Some(Duration::from_millis(300)));
    let next = decode(&poll_via(addr, "203.0.113.8", go_proxy_body("p3", "open")).await);
    assert!(!next.polled_too_soon);
    assert_eq!(next.status, ProxyPollStatus::NoMatch);
    broker.shutdown().await;
}

#[tokio::test]
async fn trusted_hops_choose_which_address_is_limited() {
    // Two reverse proxies: the second entry from the right is the proxy.
    let broker = start(BrokerConfig {
        proxy_timeout: Duration::from_secs(30),
        trusted_hops: 2,
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    let held = spawn_poll_via(
        &broker,
        "203.0.113.30, 10.0.0.1",
        go_proxy_body("h1", "open"),
    )
    .await;
    let refused =
        decode(&poll_via(addr, "203.0.113.30, 10.0.0.2", go_proxy_body("h2", "open")).await);
    assert!(refused.polled_too_soon);
    let other = spawn_poll_via(
        &broker,
        "203.0.113.30, 203.0.113.31, 10.0.0.1",
        go_proxy_body("h3", "open"),
    )
    .await;
    held.abort();
    other.abort();
    broker.shutdown().await;

    // -trusted-hops 0: headers are ignored, the TCP peer (127.0.0.1, a
    // local address, not limited) is the address.
    let broker = start(BrokerConfig {
        proxy_timeout: Duration::from_secs(30),
        trusted_hops: 0,
        ..config()
    })
    .await;
    let one = spawn_poll_via(&broker, "203.0.113.40", go_proxy_body("z1", "open")).await;
    let two = spawn_poll_via(&broker, "203.0.113.40", go_proxy_body("z2", "open")).await;
    assert_eq!(broker.stats().waiting_proxies, 2);
    one.abort();
    two.abort();
    broker.shutdown().await;
}

#[tokio::test]
async fn one_host_holding_many_polls_does_not_get_every_client() {
    // Every poll ends within the hold time (matched, or idle at the end),
    // so each can be awaited; the time only has to cover setting up.
    let broker = start(BrokerConfig {
        proxy_timeout: Duration::from_secs(10),
        client_timeout: Duration::from_millis(100),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    // 40 polls from one IPv6 /64 (every address distinct, so the
    // per-address limit does not stop them), all claiming no load...
    let mut attacker = Vec::new();
    for i in 0..40 {
        let address = format!("2001:db8:bad::{i:x}");
        attacker.push(
            spawn_poll_via(&broker, address, go_proxy_body(&format!("bad{i}"), "open")).await,
        );
    }
    // ...and three honest proxies at their own addresses, with some load.
    let mut honest = Vec::new();
    for (i, address) in ["198.51.100.1", "198.51.100.2", "2001:db8:1::1"]
        .into_iter()
        .enumerate()
    {
        let body = format!(
            r#"{{"Sid":"good{i}","Version":"1.3","Type":"standalone","NAT":"open","Clients":16,"AcceptedRelayPattern":"{PATTERN}"}}"#
        );
        honest.push(spawn_poll_via(&broker, address, body.into_bytes()).await);
    }
    // Four clients: the attacker's group is served once, then every other
    // address before it again.
    for i in 0..4 {
        post(addr, "/client", raw_client_body(&format!("c{i}"), "strict")).await;
    }
    for task in honest {
        let offer = decode(&guarded(task).await.unwrap());
        assert_eq!(offer.status, ProxyPollStatus::ClientMatch);
    }
    let mut matched = 0;
    for task in attacker {
        let response = guarded(task).await.unwrap();
        if decode(&response).status == ProxyPollStatus::ClientMatch {
            matched += 1;
        }
    }
    assert_eq!(matched, 1);
    broker.shutdown().await;
}

#[tokio::test]
async fn distinct_proxy_addresses_are_counted_per_class_and_kind() {
    let dir = std::env::temp_dir().join(format!("broker-ipcount-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let prefix = dir.join("ips").to_string_lossy().into_owned();
    let broker = start(BrokerConfig {
        proxy_timeout: Duration::from_millis(50),
        // Every poll at a later instant closes the chunk before it.
        ip_count: Some(snowflake_broker::IpCountSettings {
            prefix: prefix.clone(),
            interval: Duration::ZERO,
        }),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    decode(&poll_via(addr, "203.0.113.50", go_proxy_body("i1", "open")).await);
    decode(&poll_via(addr, "203.0.113.50", go_proxy_body("i2", "open")).await);
    decode(&poll_via(addr, "203.0.113.51", go_proxy_body("i3", "moderate")).await);
    broker.shutdown().await;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 7, "{names:?}");
    let read = |category: &str| {
        let path = files
            .iter()
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(&format!("ips-{category}-"))
            })
            .unwrap_or_else(|| panic!("{category}: {names:?}"));
        std::fs::read_to_string(path).unwrap()
    };
    // The open proxy's address was counted once, in the chunk the
    // moderate poll closed (the one it opened is still being recorded).
    let open = read("open");
    assert!(open.lines().any(|l| l.ends_with(r#""count":1}"#)), "{open}");
    assert!(
        open.lines()
            .all(|l| l.starts_with(r#"{"recordingStart":""#)),
        "{open}"
    );
    let strict = read("strict");
    assert!(
        strict.lines().all(|l| l.ends_with(r#""count":0}"#)),
        "{strict}"
    );
    let standalone = read("standalone");
    assert!(
        standalone.lines().any(|l| l.ends_with(r#""count":1}"#)),
        "{standalone}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
