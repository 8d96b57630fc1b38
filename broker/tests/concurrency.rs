//! 1,000 clients and 1,000 proxies at once over real HTTP: every offer is
//! delivered at most once, answers reach the right client, the NAT rules
//! hold, and nothing is left waiting after the timeouts.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use snowflake_common::messages::{
    ClientPollResponse, NatType, ProxyPollResponse, ProxyPollStatus, SessionDescription,
};
use tokio::sync::Barrier;

const PROXIES: usize = 1000;
const CLIENTS: usize = 1000;

/// The marker a test offer carries in its `o=` line.
fn marker_of(offer_json: &str) -> String {
    let sdp = SessionDescription::from_json(offer_json).unwrap().sdp;
    let origin = sdp.lines().find(|l| l.starts_with("o=- ")).unwrap();
    origin.split(' ').nth(1).unwrap().to_string()
}

#[derive(Debug)]
struct ProxyRecord {
    proxy_nat: NatType,
    answered_late: bool,
    client_marker: String,
    client_nat: NatType,
    answer_status: String,
}

#[derive(Debug, PartialEq, Eq)]
enum ClientResult {
    Answer(String),
    TimedOut,
    NoProxy,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_clients_thousand_proxies() {
    let broker = start(BrokerConfig {
        // Long enough that no proxy expires before the clients arrive.
        proxy_timeout: Duration::from_secs(120),
        // Proxies that answer at once normally beat this easily; the test
        // does not depend on it (see the checks below).
        client_timeout: Duration::from_secs(5),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    let clients_done = Arc::new(Barrier::new(PROXIES / 2 + 1));

    // Half the proxies unrestricted, half restricted; loads vary.
    let mut proxies = Vec::new();
    for i in 0..PROXIES {
        let nat = if i % 2 == 0 {
            NatType::Unrestricted
        } else {
            NatType::Restricted
        };
        let sid = format!("proxy{i}");
        let body = proxy_body(&sid, nat, (i % 5) as u64 * 8, Some(PATTERN));
        // Even-numbered proxies (of each kind) answer at once; the others
        // answer only after every client has finished.
        let answers_now = (i / 2) % 2 == 0;
        let clients_done = clients_done.clone();
        proxies.push(tokio::spawn(async move {
            let response = post(addr, "/proxy", body).await;
            assert_eq!(response.status, 200);
            let poll = ProxyPollResponse::decode(&response.body).unwrap();
            if poll.status != ProxyPollStatus::ClientMatch {
                if !answers_now {
                    clients_done.wait().await;
                }
                return None;
            }
            let client_marker = marker_of(&poll.offer);
            if !answers_now {
                clients_done.wait().await;
            }
            let answered = post(addr, "/answer", answer_body(&sid, &client_marker)).await;
            Some(ProxyRecord {
                proxy_nat: nat,
                answered_late: !answers_now,
                client_marker,
                client_nat: poll.client_nat(),
                answer_status: answered.text(),
            })
        }));
    }
    wait_for_stats(&broker, |s| s.waiting_proxies == PROXIES).await;

    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let nat = if i % 2 == 0 {
            NatType::Unrestricted
        } else {
            NatType::Restricted
        };
        let marker = format!("client{i}");
        clients.push(tokio::spawn(async move {
            let response = post(addr, "/client", client_body(&marker, nat)).await;
            assert_eq!(response.status, 200);
            let result = match ClientPollResponse::decode(&response.body).unwrap() {
                ClientPollResponse::Answer(answer) => ClientResult::Answer(marker_of(&answer)),
                ClientPollResponse::Error(e) if e == "timed out waiting for answer!" => {
                    ClientResult::TimedOut
                }
                ClientPollResponse::Error(e) if e == "no snowflake proxies currently available" => {
                    ClientResult::NoProxy
                }
                ClientPollResponse::Error(e) => panic!("unexpected error {e}"),
            };
            (marker, nat, result)
        }));
    }
    let mut client_results = HashMap::new();
    for client in clients {
        let (marker, nat, result) = guarded(client).await.unwrap();
        client_results.insert(marker, (nat, result));
    }
    // Every client has its outcome: let the slow proxies answer (late).
    guarded(clients_done.wait()).await;
    let mut records = Vec::new();
    for proxy in proxies {
        if let Some(record) = guarded(proxy).await.unwrap() {
            records.push(record);
        }
    }

    // Each offer reached at most one proxy (here: exactly one).
    let mut deliveries: HashMap<&str, usize> = HashMap::new();
    for record in &records {
        *deliveries.entry(record.client_marker.as_str()).or_default() += 1;
    }
    assert!(
        deliveries.values().all(|&n| n == 1),
        "an offer was delivered twice"
    );
    assert_eq!(records.len(), CLIENTS, "every client was matched");
    assert_eq!(deliveries.len(), CLIENTS);

    for record in &records {
        let (nat, result) = &client_results[&record.client_marker];
        // The proxy saw the client's real NAT type.
        assert_eq!(record.client_nat, *nat);
        // Restricted clients never get restricted proxies.
        if record.client_nat != NatType::Unrestricted {
            assert_eq!(record.proxy_nat, NatType::Unrestricted, "{record:?}");
        }
        // Answers reach exactly the client whose offer was answered;
        // answers after the client's timeout are refused.
        match result {
            ClientResult::Answer(marker) => {
                assert_eq!(marker, &record.client_marker);
                assert_eq!(record.answer_status, r#"{"Status":"success"}"#);
            }
            ClientResult::TimedOut => {
                assert_eq!(record.answer_status, r#"{"Status":"client gone"}"#);
            }
            ClientResult::NoProxy => panic!("matched client reported no proxy"),
        }
    }
    // Unrestricted clients preferred the restricted proxies.
    let unrestricted_on_restricted = records
        .iter()
        .filter(|r| r.client_nat == NatType::Unrestricted && r.proxy_nat == NatType::Restricted)
        .count();
    assert_eq!(unrestricted_on_restricted, CLIENTS / 2);
    // Proxies that answer only after every client has finished always
    // find their client gone. The others normally deliver their answer;
    // on an overloaded machine one may miss its client's deadline, which
    // the per-record checks above already hold to "client gone".
    let late: Vec<_> = records.iter().filter(|r| r.answered_late).collect();
    assert_eq!(late.len(), PROXIES / 2);
    assert!(late
        .iter()
        .all(|r| r.answer_status == r#"{"Status":"client gone"}"#));
    let answered = client_results
        .values()
        .filter(|(_, r)| matches!(r, ClientResult::Answer(_)))
        .count();
    let successes = records
        .iter()
        .filter(|r| r.answer_status == r#"{"Status":"success"}"#)
        .count();
    assert_eq!(answered, successes);
    assert!(answered > 0, "no answer reached any client");

    // Nothing is left waiting.
    let stats = broker.stats();
    assert_eq!((stats.waiting_proxies, stats.waiting_clients), (0, 0));
    assert!(stats.known_proxies.is_empty());
    assert!(get(addr, "/debug")
        .await
        .text()
        .starts_with("current snowflakes available: 0\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_unmatched_polls_all_expire() {
    let broker = start(BrokerConfig {
        proxy_timeout: Duration::from_secs(1),
        ..config()
    })
    .await;
    let addr = broker.local_addr();
    // Restricted proxies and restricted clients can never be matched.
    let proxies: Vec<_> = (0..PROXIES)
        .map(|i| {
            let body = proxy_body(&format!("p{i}"), NatType::Restricted, 0, Some(PATTERN));
            tokio::spawn(async move { post(addr, "/proxy", body).await })
        })
        .collect();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let body = client_body(&format!("c{i}"), NatType::Restricted);
            tokio::spawn(async move { post(addr, "/client", body).await })
        })
        .collect();
    for client in clients {
        let response = guarded(client).await.unwrap();
        assert_no_proxies(&response);
    }
    for proxy in proxies {
        let response = guarded(proxy).await.unwrap();
        assert!(response.text().starts_with(r#"{"Status":"no match""#));
    }
    let stats = broker.stats();
    assert_eq!((stats.waiting_proxies, stats.waiting_clients), (0, 0));
    let prometheus = get(addr, "/prometheus").await.text();
    assert!(
        !prometheus.contains("snowflake_available_proxies{"),
        "{prometheus}"
    );
    assert!(prometheus.contains(
        r#"snowflake_rounded_proxy_poll_total{cc="??",nat="restricted",status="idle",type="standalone"} 1000"#
    ), "{prometheus}");
    assert!(prometheus.contains(
        r#"snowflake_rounded_client_poll_total{cc="??",nat="restricted",rendezvous_method="http",status="denied"} 1000"#
    ), "{prometheus}");
}
