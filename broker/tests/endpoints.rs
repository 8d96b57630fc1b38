//! Every endpoint and outcome, in-process over real HTTP on 127.0.0.1.

mod common;

use std::time::Duration;

use common::*;
use http::Method;
use snowflake_broker::bridges::BridgeList;
use snowflake_common::amp;
use snowflake_common::messages::{
    BridgeFingerprint, ClientPollRequest, ClientPollResponse, NatType, ProxyPollResponse,
};
use snowflake_testkit::http::request;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const JSON_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

#[tokio::test]
async fn client_and_proxy_match_and_answer_flows_back() {
    let broker = start(config()).await;
    let addr = broker.local_addr();
    let sid = sid();
    let proxy = spawn_waiting_proxy(
        &broker,
        proxy_body(&sid, NatType::Unrestricted, 0, Some(PATTERN)),
    )
    .await;

    let client = tokio::spawn(async move { post_client(addr, "m1", NatType::Restricted).await });
    let polled = guarded(proxy).await.unwrap();
    assert_eq!(polled.status, 200);
    assert_eq!(polled.header("content-type"), Some(JSON_CONTENT_TYPE));
    let expected = ProxyPollResponse::client_match(
        offer_json("m1"),
        NatType::Restricted,
        DEFAULT_RELAY,
        // A matched proxy is told the demand rule's short interval.
        Some(Duration::from_secs(1)),
    );
    assert_eq!(polled.text(), String::from_utf8(expected.encode()).unwrap());
    assert!(polled
        .text()
        .starts_with(r#"{"Status":"client match","Offer":"{\"type\":\"offer\""#));
    assert!(polled.text().ends_with(
        r#""NAT":"restricted","NextPoll":1000,"RelayURL":"wss://snowflake.torproject.net/"}"#
    ));
    assert_eq!(broker.stats().waiting_clients, 1);

    let answered = post(addr, "/answer", answer_body(&sid, "a1")).await;
    assert_eq!(answered.status, 200);
    assert_eq!(answered.text(), r#"{"Status":"success"}"#);

    let response = guarded(client).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some(JSON_CONTENT_TYPE));
    assert_eq!(
        ClientPollResponse::decode(&response.body).unwrap(),
        ClientPollResponse::from_answer(&answer_description("a1"))
    );
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    let stats = broker.stats();
    assert_eq!((stats.waiting_proxies, stats.waiting_clients), (0, 0));

    // The session is used up: a second answer finds no client.
    let again = post(addr, "/answer", answer_body(&sid, "a1")).await;
    assert_eq!(again.text(), r#"{"Status":"client gone"}"#);
}

#[tokio::test]
async fn no_proxy_available() {
    let broker = start(config()).await;
    let response = post_client(broker.local_addr(), "m", NatType::Unknown).await;
    assert_eq!(response.status, 200);
    assert_no_proxies(&response);

    // A restricted proxy cannot serve a restricted client.
    let _proxy = spawn_waiting_proxy(
        &broker,
        proxy_body(&sid(), NatType::Restricted, 0, Some(PATTERN)),
    )
    .await;
    let response = post_client(broker.local_addr(), "m", NatType::Restricted).await;
    assert_no_proxies(&response);
    assert_eq!(broker.stats().waiting_proxies, 1);
}

#[tokio::test]
async fn least_loaded_proxy_is_matched_first() {
    let broker = start(config()).await;
    let addr = broker.local_addr();
    let busy = spawn_waiting_proxy(
        &broker,
        proxy_body("busy", NatType::Unrestricted, 16, Some(PATTERN)),
    )
    .await;
    let idle = spawn_waiting_proxy(
        &broker,
        proxy_body("idle", NatType::Unrestricted, 0, Some(PATTERN)),
    )
    .await;
    let client = tokio::spawn(async move { post_client(addr, "first", NatType::Restricted).await });
    let idle_poll = guarded(idle).await.unwrap();
    assert!(idle_poll.text().contains("first"));
    assert!(!busy.is_finished());
    assert_eq!(
        post(addr, "/answer", answer_body("idle", "x")).await.text(),
        r#"{"Status":"success"}"#
    );
    guarded(client).await.unwrap();
    busy.abort();
}

#[tokio::test]
async fn proxy_poll_times_out_with_no_match() {
    let broker = start(BrokerConfig {
        proxy_timeout: Duration::from_millis(300),
        ..config()
    })
    .await;
    let response = guarded(post(
        broker.local_addr(),
        "/proxy",
        proxy_body(&sid(), NatType::Unknown, 0, Some(PATTERN)),
    ))
    .await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.text(),
        r#"{"Status":"no match","Offer":"","NAT":"","NextPoll":20000,"RelayURL":""}"#
    );
    assert_eq!(broker.stats().waiting_proxies, 0);
}

#[tokio::test]
async fn poll_interval_is_announced_per_pool() {
    let broker = start(BrokerConfig {
        proxy_timeout: Duration::from_millis(100),
        poll_intervals: snowflake_broker::poll_interval::PollIntervals {
            unrestricted: Duration::from_millis(1500),
            restricted: Duration::from_secs(60),
        },
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    let unrestricted = post(
        addr,
        "/proxy",
        proxy_body(&sid(), NatType::Unrestricted, 0, Some(PATTERN)),
    )
    .await;
    assert!(
        unrestricted.text().contains(r#""NextPoll":1500,"#),
        "{}",
        unrestricted.text()
    );
    let unknown = post(
        addr,
        "/proxy",
        proxy_body(&sid(), NatType::Unknown, 0, Some(PATTERN)),
    )
    .await;
    assert!(
        unknown.text().contains(r#""NextPoll":60000,"#),
        "{}",
        unknown.text()
    );
    broker.set_poll_intervals(Default::default());
    let reloaded = post(
        addr,
        "/proxy",
        proxy_body(&sid(), NatType::Unknown, 0, Some(PATTERN)),
    )
    .await;
    assert!(
        reloaded.text().contains(r#""NextPoll":20000,"#),
        "{}",
        reloaded.text()
    );
}

#[tokio::test]
async fn client_times_out_and_late_answer_gets_client_gone() {
    let broker = start(BrokerConfig {
        client_timeout: Duration::from_millis(500),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    let sid = sid();
    let proxy = spawn_waiting_proxy(
        &broker,
        proxy_body(&sid, NatType::Restricted, 0, Some(PATTERN)),
    )
    .await;
    let response = guarded(post(
        addr,
        "/client",
        client_body("m", NatType::Unrestricted),
    ))
    .await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.text(),
        r#"{"error":"timed out waiting for answer!"}"#
    );
    let polled = guarded(proxy).await.unwrap();
    assert!(polled.text().contains(r#""Status":"client match""#));
    assert!(polled.text().contains(r#""NAT":"unrestricted""#));
    let late = post(addr, "/answer", answer_body(&sid, "late")).await;
    assert_eq!(late.status, 200);
    assert_eq!(late.text(), r#"{"Status":"client gone"}"#);
    let stats = broker.stats();
    assert_eq!((stats.waiting_proxies, stats.waiting_clients), (0, 0));
}

#[tokio::test]
async fn answer_for_unknown_or_unmatched_session_is_client_gone() {
    let broker = start(config()).await;
    let addr = broker.local_addr();
    assert_eq!(
        post(addr, "/answer", answer_body("nobody", "x"))
            .await
            .text(),
        r#"{"Status":"client gone"}"#
    );
    // A proxy that is waiting but was not matched has no client either.
    let waiting = spawn_waiting_proxy(
        &broker,
        proxy_body("waiting", NatType::Unrestricted, 0, Some(PATTERN)),
    )
    .await;
    assert_eq!(
        post(addr, "/answer", answer_body("waiting", "x"))
            .await
            .text(),
        r#"{"Status":"client gone"}"#
    );
    assert_eq!(broker.stats().waiting_proxies, 1);
    waiting.abort();
}

#[tokio::test]
async fn malformed_requests() {
    let broker = start(config()).await;
    let addr = broker.local_addr();
    // Client: protocol errors are 200 with a JSON error, in Go's words.
    for (body, error) in [
        (&b"1.0\n{"[..], None),
        (b"1.0\nnot json", None),
        (b"2.0\n{}", Some("unsupported message version")),
        (b"no newline", Some("unsupported message version")),
        (b"1.0\n{\"nat\":\"unknown\"}", Some("no supplied offer")),
        (
            // A NAT type this broker does not know is read as unknown:
            // the client is served (here: no proxy), not refused.
            b"1.0\n{\"offer\":\"{\\\"type\\\":\\\"offer\\\",\\\"sdp\\\":\\\"v=0\\\"}\",\"nat\":\"sideways\"}",
            Some("no snowflake proxies currently available"),
        ),
        (
            b"1.0\n{\"offer\":\"{\\\"type\\\":\\\"offer\\\",\\\"sdp\\\":\\\"v=0\\\"}\",\"fingerprint\":\"zz\"}",
            Some("cannot decode fingerprint"),
        ),
        (b"1.0\n{\"offer\":\"not sdp json\"}", None),
        (b"", Some("unsupported message version")),
    ] {
        let response = post(addr, "/client", body.to_vec()).await;
        assert_eq!(response.status, 200, "{body:?}");
        match ClientPollResponse::decode(&response.body) {
            Ok(ClientPollResponse::Error(text)) => {
                if let Some(error) = error {
                    assert_eq!(text, error, "{body:?}");
                }
            }
            other => panic!("{body:?}: {other:?}"),
        }
    }
    // Legacy body that is not a session description: 400.
    assert_eq!(post(addr, "/client", &b"{not json"[..]).await.status, 400);
    // Proxy and answer: 400 with an empty body.
    for body in [
        &b"{"[..],
        b"",
        br#"{"Sid":"","Version":"1.3"}"#,
        br#"{"Sid":"x","Version":"2.0"}"#,
    ] {
        let response = post(addr, "/proxy", body.to_vec()).await;
        assert_eq!(response.status, 400, "{body:?}");
        assert!(response.body.is_empty());
    }
    // A NAT type the broker does not know is no reason for a 400 (2.14
    // brokers refused it): this poll is judged on its (missing) relay
    // pattern like any other.
    let response = post(
        addr,
        "/proxy",
        br#"{"Sid":"x","Version":"1.3","NAT":"sideways"}"#.to_vec(),
    )
    .await;
    assert_eq!(response.status, 200);
    assert!(response.text().contains("incorrect relay pattern"));
    for body in [
        &b"{"[..],
        br#"{"Version":"1.3","Sid":"x","Answer":"no candidate here"}"#,
        br#"{"Version":"1.3","Sid":"","Answer":"a=candidate"}"#,
        br#"{"Version":"1.3","Sid":"x","Answer":"a=candidate but not sdp json"}"#,
        br#"{"Version":"3.0","Sid":"x","Answer":"{\"type\":\"answer\",\"sdp\":\"a=candidate\"}"}"#,
    ] {
        let response = post(addr, "/answer", body.to_vec()).await;
        assert_eq!(response.status, 400, "{body:?}");
        assert!(response.body.is_empty());
    }
    assert_eq!(broker.stats().waiting_proxies, 0);
}

#[tokio::test]
async fn proxy_keys_are_matched_case_insensitively() {
    let broker = start(BrokerConfig {
        proxy_timeout: Duration::from_millis(100),
        ..config()
    })
    .await;
    let body = format!(
        r#"{{"sid":"{}","version":"1.3","type":"webext","nat":"unrestricted","clients":0,"acceptedrelaypattern":"{PATTERN}"}}"#,
        sid()
    );
    let response = post(broker.local_addr(), "/proxy", body).await;
    assert_eq!(response.status, 200);
    assert!(response.text().starts_with(r#"{"Status":"no match""#));
}

#[tokio::test]
async fn oversize_bodies_are_refused() {
    let broker = start(BrokerConfig {
        proxy_timeout: Duration::from_millis(100),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    let too_big = vec![b'x'; 100_001];
    for path in ["/client", "/proxy", "/answer"] {
        let response = post(addr, path, too_big.clone()).await;
        assert_eq!(response.status, 400, "{path}");
    }
    // Exactly the limit is read (and then refused as malformed JSON).
    let limit = vec![b'x'; 100_000];
    assert_eq!(post(addr, "/client", limit.clone()).await.status, 200);
    assert_eq!(post(addr, "/proxy", limit).await.status, 400);
    // A valid proxy poll padded with whitespace to exactly the limit works.
    let mut padded = proxy_body(&sid(), NatType::Unknown, 0, Some(PATTERN));
    padded.resize(100_000, b' ');
    let response = post(addr, "/proxy", padded).await;
    assert!(response.text().contains("no match"));

    // Chunked, without Content-Length: cut off at the limit too.
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = "POST /client HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b'y'; 60_000];
    for _ in 0..2 {
        stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .unwrap();
        stream.write_all(&chunk).await.unwrap();
        stream.write_all(b"\r\n").await.unwrap();
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut reply = Vec::new();
    let _ = guarded(stream.read_to_end(&mut reply)).await;
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
}

#[tokio::test]
async fn unknown_bridge_fingerprint() {
    let broker = start(config()).await;
    let body = ClientPollRequest {
        offer: offer_json("m"),
        nat: NatType::Unrestricted,
        fingerprint: BridgeFingerprint::from_hex("8838024498816A039FCBBAB14E6F40A0843051FA")
            .unwrap(),
    }
    .encode();
    let response = post(broker.local_addr(), "/client", body).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.text(),
        r#"{"error":"bridge with requested fingerprint is unknown to the broker"}"#
    );
}

#[tokio::test]
async fn bridge_list_selects_the_relay_url() {
    let second = "8838024498816A039FCBBAB14E6F40A0843051FA";
    let list = BridgeList::parse(&format!(
        "{}\n{{\"displayName\":\"second\", \"webSocketAddress\":\"wss://02.snowflake.torproject.net\", \"fingerprint\":\"{second}\"}}\n",
        snowflake_broker::bridges::DEFAULT_BRIDGE_LINE
    ))
    .unwrap();
    let broker = start(BrokerConfig {
        bridges: list,
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    let proxy = spawn_waiting_proxy(
        &broker,
        proxy_body("p", NatType::Unrestricted, 0, Some(PATTERN)),
    )
    .await;
    let body = ClientPollRequest {
        offer: offer_json("m"),
        nat: NatType::Restricted,
        fingerprint: BridgeFingerprint::from_hex(second).unwrap(),
    }
    .encode();
    let client = tokio::spawn(async move { post(addr, "/client", body).await });
    let polled = guarded(proxy).await.unwrap();
    let decoded = ProxyPollResponse::decode(&polled.body).unwrap();
    assert_eq!(decoded.relay_url, "wss://02.snowflake.torproject.net");
    post(addr, "/answer", answer_body("p", "x")).await;
    assert!(guarded(client)
        .await
        .unwrap()
        .text()
        .starts_with(r#"{"answer":"#));
}

#[tokio::test]
async fn relay_pattern_is_enforced() {
    let broker = start(BrokerConfig {
        proxy_timeout: Duration::from_millis(200),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    let refused = r#"{"Status":"incorrect relay pattern","Offer":"","NAT":"","NextPoll":3600000,"RelayURL":""}"#;
    // Narrower than the broker's pattern, unrelated, or absent: refused.
    for pattern in [
        Some("example.com$"),
        Some("^snowflake.torproject.net$"),
        Some("01.snowflake.torproject.net$"),
        None,
    ] {
        let response = post(
            addr,
            "/proxy",
            proxy_body(&sid(), NatType::Unrestricted, 0, pattern),
        )
        .await;
        assert_eq!(response.status, 200);
        assert_eq!(response.text(), refused, "{pattern:?}");
    }
    // Equal or wider: accepted (held, then no match).
    for pattern in [
        "snowflake.torproject.net$",
        "torproject.net$",
        "net$",
        "snowflake.torproject.net",
    ] {
        let response = post(
            addr,
            "/proxy",
            proxy_body(&sid(), NatType::Unrestricted, 0, Some(pattern)),
        )
        .await;
        assert!(
            response.text().starts_with(r#"{"Status":"no match""#),
            "{pattern}"
        );
    }
    let text = broker_prometheus(addr).await;
    assert!(text.contains(
        r#"snowflake_rounded_proxy_poll_rejected_relay_url_extension_total{nat="unrestricted",type="standalone"} 8"#
    ), "{text}");
    assert!(text.contains(
        r#"snowflake_rounded_proxy_poll_without_relay_url_extension_total{nat="unrestricted",type="standalone"} 8"#
    ), "{text}");
}

#[tokio::test]
async fn default_relay_pattern_for_proxies_without_one() {
    let broker = start(BrokerConfig {
        proxy_timeout: Duration::from_millis(200),
        default_relay_pattern: Some("snowflake.torproject.net$".to_string()),
        ..config()
    })
    .await;
    let response = post(
        broker.local_addr(),
        "/proxy",
        proxy_body(&sid(), NatType::Unknown, 0, None),
    )
    .await;
    assert!(
        response.text().starts_with(r#"{"Status":"no match""#),
        "{}",
        response.text()
    );
}

#[tokio::test]
async fn proxies_only_get_clients_whose_relay_they_accept() {
    // The broker allows all of torproject.net; the bridge's relay is on
    // another domain, which no proxy accepts.
    let list = BridgeList::parse(
        r#"{"displayName":"x", "webSocketAddress":"wss://relay.example.org/", "fingerprint":"2B280B23E1107BB62ABFC40DDCC8824814F80A72"}"#,
    )
    .unwrap();
    let broker = start(BrokerConfig {
        bridges: list,
        allowed_relay_pattern: "torproject.net$".to_string(),
        ..config()
    })
    .await;
    let proxy = spawn_waiting_proxy(
        &broker,
        proxy_body("p", NatType::Unrestricted, 0, Some("torproject.net$")),
    )
    .await;
    let response = post_client(broker.local_addr(), "m", NatType::Restricted).await;
    assert_no_proxies(&response);
    assert_eq!(broker.stats().waiting_proxies, 1);
    proxy.abort();
}

#[tokio::test]
async fn legacy_client_format() {
    // A short client timeout for the 504 case; the answered case below uses
    // a broker with the default timeout, so it never races the deadline.
    let short = start(BrokerConfig {
        client_timeout: Duration::from_millis(300),
        ..config()
    })
    .await;
    let legacy_post = |addr: std::net::SocketAddr, nat: &'static str| async move {
        request(
            addr,
            Method::POST,
            "/client",
            &[("Snowflake-NAT-Type", nat)],
            offer_json("legacy"),
        )
        .await
        .unwrap()
    };
    // No proxy: 503, empty body.
    let response = legacy_post(short.local_addr(), "restricted").await;
    assert_eq!(response.status, 503);
    assert!(response.body.is_empty());
    // Matched but unanswered: 504.
    let proxy = spawn_waiting_proxy(
        &short,
        proxy_body("p1", NatType::Unrestricted, 0, Some(PATTERN)),
    )
    .await;
    let response = guarded(legacy_post(short.local_addr(), "restricted")).await;
    assert_eq!(response.status, 504);
    assert!(guarded(proxy)
        .await
        .unwrap()
        .text()
        .contains(r#""NAT":"restricted""#));
    let broker = start(config()).await;
    let addr = broker.local_addr();
    // Matched and answered: 200 with the bare answer.
    let proxy = spawn_waiting_proxy(
        &broker,
        proxy_body("p2", NatType::Restricted, 0, Some(PATTERN)),
    )
    .await;
    let client = tokio::spawn(legacy_post(addr, "unrestricted"));
    let polled = guarded(proxy).await.unwrap();
    let decoded = ProxyPollResponse::decode(&polled.body).unwrap();
    assert_eq!(decoded.offer, offer_json("legacy"));
    assert_eq!(decoded.nat, Some(NatType::Unrestricted));
    post(addr, "/answer", answer_body("p2", "legacy-answer")).await;
    let response = guarded(client).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.text(),
        answer_description("legacy-answer").to_json()
    );
}

fn amp_path(body: &[u8]) -> String {
    format!(
        "{}{}",
        amp::AMP_CLIENT_PATH_PREFIX,
        amp::encode_path_random(body)
    )
}

#[tokio::test]
async fn amp_cache_rendezvous() {
    let broker = start(config()).await;
    let addr = broker.local_addr();

    let response = get(addr, &amp_path(&client_body("amp", NatType::Unrestricted))).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("text/html"));
    assert_eq!(response.header("cache-control"), Some("max-age=15"));
    assert!(response.text().starts_with(amp::ARMOR_HTML_HEAD));
    assert!(response.text().contains("<pre>\n0eyJlcnJvciI6Im5vIHNub3dmbGFrZSB\nwcm94aWVzIGN1cnJlbnRseSBhdmFpbGF\nibGUifQ==\n</pre>\n"));
    assert_eq!(
        amp::decode_armor(&response.body).unwrap(),
        NO_PROXIES_BODY.as_bytes()
    );

    let bad = get(addr, "/amp/client/xyz").await;
    assert_eq!(bad.status, 200);
    assert_eq!(
        amp::decode_armor(&bad.body).unwrap(),
        br#"{"error":"cannot decode URL path"}"#
    );
    let bad_poll = get(addr, &amp_path(b"2.0\n{}")).await;
    assert_eq!(
        amp::decode_armor(&bad_poll.body).unwrap(),
        br#"{"error":"unsupported message version"}"#
    );

    // Matched through AMP: the armored answer.
    let proxy = spawn_waiting_proxy(
        &broker,
        proxy_body("amp", NatType::Restricted, 0, Some(PATTERN)),
    )
    .await;
    let path = amp_path(&client_body("amp", NatType::Unrestricted));
    let client = tokio::spawn(async move { get(addr, &path).await });
    assert!(guarded(proxy)
        .await
        .unwrap()
        .text()
        .contains("client match"));
    post(addr, "/answer", answer_body("amp", "amp-answer")).await;
    let response = guarded(client).await.unwrap();
    let decoded = amp::decode_armor(&response.body).unwrap();
    assert_eq!(
        ClientPollResponse::decode(&decoded).unwrap(),
        ClientPollResponse::from_answer(&answer_description("amp-answer"))
    );
    let text = broker_prometheus(addr).await;
    assert!(text.contains(
        r#"snowflake_rounded_client_poll_total{cc="??",nat="unrestricted",rendezvous_method="ampcache",status="matched"} 8"#
    ), "{text}");
}

#[tokio::test]
async fn options_and_cors_headers() {
    let broker = start(config()).await;
    let addr = broker.local_addr();
    for path in [
        "/client",
        "/proxy",
        "/answer",
        "/debug",
        "/metrics",
        "/amp/client/0abc/def",
    ] {
        let response = request(
            addr,
            Method::OPTIONS,
            path,
            &[("Origin", "https://example.com")],
            "",
        )
        .await
        .unwrap();
        assert_eq!(response.status, 200, "{path}");
        assert!(response.body.is_empty(), "{path}");
        assert_eq!(
            response.header("access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
        assert_eq!(
            response.header("access-control-allow-headers"),
            Some("Origin, X-Session-ID"),
            "{path}"
        );
    }
    // Snowflake handlers set CORS headers on ordinary responses too…
    let response = post(addr, "/proxy", &b"{"[..]).await;
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    let response = get(addr, "/debug").await;
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    // …robots.txt and /prometheus do not.
    assert_eq!(
        get(addr, "/robots.txt")
            .await
            .header("access-control-allow-origin"),
        None
    );
    assert_eq!(
        get(addr, "/prometheus")
            .await
            .header("access-control-allow-origin"),
        None
    );
}

#[tokio::test]
async fn robots_txt_and_not_found() {
    let broker = start(config()).await;
    let addr = broker.local_addr();
    let response = get(addr, "/robots.txt").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(response.text(), "User-agent: *\nDisallow: /\n");
    let missing = get(addr, "/nothing-here").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.text(), "404 page not found\n");
}

#[tokio::test]
async fn debug_page() {
    let broker = start(config()).await;
    let addr = broker.local_addr();
    assert_eq!(
        get(addr, "/debug").await.text(),
        "current snowflakes available: 0\n\tunknown proxies: 0\nNAT Types available:\n\trestricted: 0\n\tunrestricted: 0\n\tstrict: 0\n\tmoderate: 0\n\topen: 0\n\tunknown: 0"
    );
    let a = spawn_waiting_proxy(
        &broker,
        proxy_body("a", NatType::Unrestricted, 0, Some(PATTERN)),
    )
    .await;
    let b = spawn_waiting_proxy(&broker, proxy_body("b", NatType::Unknown, 0, Some(PATTERN))).await;
    let weird = format!(
        r#"{{"Sid":"c","Version":"1.3","Type":"spaceship","NAT":"restricted","Clients":0,"AcceptedRelayPattern":"{PATTERN}"}}"#
    );
    let c = spawn_waiting_proxy(&broker, weird.into_bytes()).await;
    let response = get(addr, "/debug").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.text(),
        "current snowflakes available: 3\n\tstandalone proxies: 2\n\tunknown proxies: 1\nNAT Types available:\n\trestricted: 1\n\tunrestricted: 1\n\tstrict: 0\n\tmoderate: 0\n\topen: 0\n\tunknown: 1"
    );
    for task in [a, b, c] {
        task.abort();
    }
}

async fn broker_prometheus(addr: std::net::SocketAddr) -> String {
    let response = get(addr, "/prometheus").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    response.text()
}

#[tokio::test]
async fn prometheus_counters_move() {
    let geoip = snowflake_broker::geoip::GeoIp::parse("3405803776,3405804031,JP\n", "").unwrap();
    let broker = start(BrokerConfig {
        geoip: Some(std::sync::Arc::new(geoip)),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    let before = broker_prometheus(addr).await;
    assert!(
        !before.contains("snowflake_rounded_client_poll_total{"),
        "{before}"
    );

    // A denied client, seen through a reverse proxy as 203.0.113.5 (JP).
    let response = request(
        addr,
        Method::POST,
        "/client",
        &[("X-Forwarded-For", "203.0.113.5, 10.0.0.1")],
        client_body("m", NatType::Restricted),
    )
    .await
    .unwrap();
    assert!(response.text().contains("no snowflake proxies"));
    // A waiting proxy shows in the gauge.
    let first = spawn_waiting_proxy(
        &broker,
        proxy_body("p", NatType::Unrestricted, 0, Some(PATTERN)),
    )
    .await;
    let during = broker_prometheus(addr).await;
    assert!(during.contains(
        r#"snowflake_rounded_client_poll_total{cc="JP",nat="restricted",rendezvous_method="http",status="denied"} 8"#
    ), "{during}");
    assert!(
        during.contains(r#"snowflake_available_proxies{nat="unrestricted",type="standalone"} 1"#),
        "{during}"
    );
    // A new poll with the same session id replaces it: the first poll ends
    // idle ("no match").
    let second = tokio::spawn(async move {
        post(
            addr,
            "/proxy",
            proxy_body("p", NatType::Unrestricted, 0, Some(PATTERN)),
        )
        .await
    });
    assert!(guarded(first).await.unwrap().text().contains("no match"));
    let after = broker_prometheus(addr).await;
    assert!(after.contains(
        r#"snowflake_rounded_proxy_poll_total{cc="??",nat="unrestricted",status="idle",type="standalone"} 8"#
    ), "{after}");
    assert!(after.contains(
        r#"snowflake_rounded_proxy_poll_with_relay_url_extension_total{nat="unrestricted",type="standalone"} 8"#
    ), "{after}");
    assert!(
        after.contains(r#"snowflake_available_proxies{nat="unrestricted",type="standalone"} 1"#),
        "{after}"
    );

    // The second poll is matched with a client.
    let client = tokio::spawn(async move { post_client(addr, "m", NatType::Unknown).await });
    guarded(second).await.unwrap();
    post(addr, "/answer", answer_body("p", "a")).await;
    guarded(client).await.unwrap();
    let matched = broker_prometheus(addr).await;
    assert!(matched.contains(
        r#"snowflake_rounded_client_poll_total{cc="??",nat="unknown",rendezvous_method="http",status="matched"} 8"#
    ), "{matched}");
    assert!(matched.contains(
        r#"snowflake_rounded_proxy_poll_total{cc="??",nat="unrestricted",status="matched",type="standalone"} 8"#
    ), "{matched}");
    assert!(
        !matched.contains(r#"snowflake_available_proxies{"#),
        "{matched}"
    );
}

#[tokio::test]
async fn timeout_counter_moves() {
    let broker = start(BrokerConfig {
        client_timeout: Duration::from_millis(200),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    let proxy = spawn_waiting_proxy(
        &broker,
        proxy_body("p", NatType::Unrestricted, 0, Some(PATTERN)),
    )
    .await;
    post_client(addr, "m", NatType::Unrestricted).await;
    guarded(proxy).await.unwrap();
    let text = broker_prometheus(addr).await;
    assert!(text.contains(
        r#"snowflake_rounded_client_poll_total{cc="??",nat="unrestricted",rendezvous_method="http",status="timeout"} 8"#
    ), "{text}");
}

#[tokio::test]
async fn metrics_log_file() {
    // Without -metrics-log: 404 (with CORS headers, as in Go).
    let broker = start(config()).await;
    let response = get(broker.local_addr(), "/metrics").await;
    assert_eq!(response.status, 404);
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    broker.shutdown().await;

    let dir = std::env::temp_dir().join(format!("sf-broker-metrics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("metrics.log");
    let _ = std::fs::remove_file(&path);
    let broker = start(BrokerConfig {
        metrics_log_path: Some(path.clone()),
        metrics_log_interval: Duration::from_millis(200),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    post_client(addr, "m", NatType::Unrestricted).await;
    let text = guarded(async {
        loop {
            let response = get(addr, "/metrics").await;
            if response.status == 200 && response.text().contains("client-denied-count 8\n") {
                break response;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert_eq!(
        text.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert!(
        text.text().starts_with("snowflake-stats-end "),
        "{}",
        text.text()
    );
    assert!(text.text().contains("client-unrestricted-denied-count 8\n"));
    assert!(text.text().contains("client-http-ips ??=8\n"));
    broker.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn waiting_requests_end_with_shutdown() {
    let broker = start(config()).await;
    let addr = broker.local_addr();
    let proxy = spawn_waiting_proxy(
        &broker,
        proxy_body("p", NatType::Unrestricted, 0, Some(PATTERN)),
    )
    .await;
    guarded(broker.shutdown()).await;
    // The held poll's connection was closed.
    assert!(guarded(proxy).await.is_err());
    assert!(snowflake_testkit::http::get(addr, "/debug").await.is_err());
}
