//! SQS rendezvous of the broker against a local SQS server (moto, see
//! `snowflake_testkit::moto`): a client poll sent as an SQS message is
//! matched with a proxy polling over HTTP and answered in the client's
//! response queue; bad messages are dropped without a reply; response
//! queues are deleted after their time. Skipped (with a message) when moto
//! is not installed, unless `SNOWFLAKE_REQUIRE_SQS` is set.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use snowflake_broker::sqs::{ClientPolls, SqsHandle, SqsRendezvous, SqsSettings, CLIENT_QUEUE_TTL};
use snowflake_common::messages::{ClientPollResponse, NatType, READ_LIMIT};
use snowflake_common::sqs::{self, Credentials, SqsClient, Url};
use snowflake_testkit::moto::{self, Moto};

const REGION: &str = "us-east-1";

fn credentials() -> Credentials {
    Credentials::new("AKIDTESTING", "testing-secret").expect("credentials")
}

fn settings(moto: &Moto, queue: &str) -> SqsSettings {
    SqsSettings::new(
        queue.to_string(),
        REGION.to_string(),
        Url::parse(&moto.endpoint()).expect("endpoint"),
        credentials(),
    )
}

/// The broker's client polls, for the SQS listener.
fn client_polls(broker: &BrokerHandle) -> Arc<dyn ClientPolls> {
    broker.client_polls()
}

/// An SQS client as a snowflake client uses it.
fn sqs_client(moto: &Moto) -> SqsClient {
    SqsClient::new(
        Url::parse(&moto.endpoint()).expect("endpoint"),
        REGION,
        credentials(),
    )
}

/// Sends a client poll message with the attribute `ClientID` = `id` (none
/// when `None`).
async fn send(client: &SqsClient, sqs: &SqsHandle, body: &str, id: Option<&str>) {
    let attributes: Vec<(&str, &str)> = id
        .map(|id| vec![(sqs::CLIENT_ID_ATTRIBUTE, id)])
        .unwrap_or_default();
    client
        .send_message(sqs.queue_url(), body, &attributes)
        .await
        .expect("SendMessage");
}

async fn wait_for_sqs(
    sqs: &SqsHandle,
    condition: impl Fn(&snowflake_broker::sqs::SqsStatsSnapshot) -> bool,
) {
    guarded(async {
        while !condition(&sqs.stats()) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}

fn body(marker: &str) -> String {
    String::from_utf8(client_body(marker, NatType::Restricted)).expect("UTF-8 poll")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_poll_through_sqs_is_matched_and_answered() {
    let Some(moto) = moto::start_or_skip("client_poll_through_sqs_is_matched_and_answered").await
    else {
        return;
    };
    let broker = start(config()).await;
    let sqs = SqsRendezvous::start(settings(&moto, "snowflake-broker"), client_polls(&broker))
        .await
        .expect("SQS rendezvous starts");
    assert_eq!(sqs.queue_url(), moto.queue_url("snowflake-broker"));
    let client = sqs_client(&moto);

    let proxy_sid = sid();
    let proxy = spawn_waiting_proxy(
        &broker,
        proxy_body(&proxy_sid, NatType::Unrestricted, 0, Some(PATTERN)),
    )
    .await;
    let id = sqs::new_client_id();
    send(&client, &sqs, &body("sqs-offer-1"), Some(&id)).await;
    // The proxy gets the offer sent through SQS, and answers over HTTP.
    let offer = guarded(proxy).await.expect("proxy poll");
    assert!(offer.text().contains("sqs-offer-1"), "{}", offer.text());
    let answered = post(
        broker.local_addr(),
        "/answer",
        answer_body(&proxy_sid, "sqs-answer-1"),
    )
    .await;
    assert_eq!(answered.text(), r#"{"Status":"success"}"#);
    match sqs_reply(&client, &id).await {
        ClientPollResponse::Answer(answer) => {
            assert!(answer.contains("sqs-answer-1"), "{answer}")
        }
        other => panic!("expected an answer, got {other:?}"),
    }
    // The reply may be read before the broker counts it.
    wait_for_sqs(&sqs, |s| s.answered == 1).await;
    let stats = sqs.stats();
    assert_eq!((stats.received, stats.queues_created), (1, 1));
    assert_eq!(stats.dropped(), 0);
    guarded(async {
        while sqs.tracked_queues() != 1 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;

    // With no proxy left, the client is told so in its queue.
    let id = sqs::new_client_id();
    send(&client, &sqs, &body("sqs-offer-2"), Some(&id)).await;
    assert_eq!(
        sqs_reply(&client, &id).await.encode(),
        NO_PROXIES_BODY.as_bytes()
    );
    // Counted under the rendezvous method "sqs", not "http".
    let metrics = get(broker.local_addr(), "/prometheus").await.text();
    assert!(
        metrics.contains(r#"rendezvous_method="sqs",status="matched""#),
        "{metrics}"
    );
    assert!(
        !metrics.contains(r#"rendezvous_method="http""#),
        "{metrics}"
    );
    sqs.shutdown().await;
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_messages_are_dropped_without_a_reply() {
    let Some(moto) = moto::start_or_skip("bad_messages_are_dropped_without_a_reply").await else {
        return;
    };
    let broker = start(config()).await;
    let sqs = SqsRendezvous::start(settings(&moto, "broker-queue"), client_polls(&broker))
        .await
        .expect("SQS rendezvous starts");
    let client = sqs_client(&moto);
    let good = body("good");
    let bad_ids = ["0123456789abcdeg", "../../other-queue", "0123456789abcdef0"];
    send(&client, &sqs, &good, None).await;
    for id in bad_ids {
        send(&client, &sqs, &good, Some(id)).await;
    }
    let large_id = sqs::new_client_id();
    let large = format!("1.0\n{}", " ".repeat(READ_LIMIT));
    send(&client, &sqs, &large, Some(&large_id)).await;
    let garbage_id = sqs::new_client_id();
    send(&client, &sqs, "garbage{\"offer\"", Some(&garbage_id)).await;
    let legacy_id = sqs::new_client_id();
    send(&client, &sqs, "{\"offer\":\"x\"}", Some(&legacy_id)).await;
    wait_for_sqs(&sqs, |s| s.dropped() == 7).await;
    let stats = sqs.stats();
    assert_eq!(stats.no_client_id, 1);
    assert_eq!(stats.bad_client_id, 3);
    assert_eq!(stats.too_large, 1);
    assert_eq!(stats.undecodable, 2);
    assert_eq!((stats.answered, stats.queues_created), (0, 0));
    for id in [&large_id, &garbage_id, &legacy_id] {
        let error = client
            .get_queue_url(&sqs::client_queue_name(id))
            .await
            .expect_err("no response queue");
        assert!(error.is_queue_missing(), "{error}");
    }
    let (queues, _) = client
        .list_queues(sqs::CLIENT_QUEUE_PREFIX, 1000, None)
        .await
        .expect("ListQueues");
    assert!(queues.is_empty(), "{queues:?}");
    // The listener is still serving.
    let id = sqs::new_client_id();
    send(&client, &sqs, &good, Some(&id)).await;
    assert_eq!(
        sqs_reply(&client, &id).await.encode(),
        NO_PROXIES_BODY.as_bytes()
    );
    sqs.shutdown().await;
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_queues_are_deleted_and_leftovers_adopted() {
    let Some(moto) = moto::start_or_skip("response_queues_are_deleted_and_leftovers_adopted").await
    else {
        return;
    };
    let client = sqs_client(&moto);
    // A leftover response queue of an earlier run, an unrelated queue, and
    // the broker's queue made earlier with other attributes.
    let leftover = client
        .create_queue(&sqs::client_queue_name("00112233aabbccdd"), &[])
        .await
        .expect("CreateQueue");
    let unrelated = client
        .create_queue("someone-else", &[])
        .await
        .expect("CreateQueue");
    let existing = client
        .create_queue("broker-queue", &[("MessageRetentionPeriod", "60")])
        .await
        .expect("CreateQueue");
    let broker = start(config()).await;
    let mut settings = settings(&moto, "broker-queue");
    settings.client_queue_ttl = Duration::ZERO;
    settings.cleanup_interval = Duration::from_millis(100);
    assert!(settings.client_queue_ttl < CLIENT_QUEUE_TTL);
    let sqs = SqsRendezvous::start(settings, client_polls(&broker))
        .await
        .expect("SQS rendezvous starts");
    assert_eq!(sqs.queue_url(), existing);
    let id = sqs::new_client_id();
    send(&client, &sqs, &body("short-lived"), Some(&id)).await;
    // The leftover and the new response queue both go.
    wait_for_sqs(&sqs, |s| s.answered == 1 && s.queues_deleted == 2).await;
    guarded(async {
        while sqs.tracked_queues() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let (mut remaining, _) = client
        .list_queues("", 1000, None)
        .await
        .expect("ListQueues");
    remaining.sort();
    let mut expected = vec![existing.clone(), unrelated];
    expected.sort();
    assert_eq!(remaining, expected, "leftover was {leftover}");
    sqs.shutdown().await;
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_fails_clearly_without_sqs() {
    // Nothing listens on this port: starting fails with the queue named,
    // no panic, no hang.
    let port = snowflake_testkit::pebble::free_port();
    let settings = SqsSettings::new(
        "q".into(),
        REGION.into(),
        Url::parse(&format!("http://127.0.0.1:{port}/")).expect("endpoint"),
        credentials(),
    );
    let broker = start(config()).await;
    let error = guarded(SqsRendezvous::start(settings, client_polls(&broker)))
        .await
        .expect_err("no SQS server");
    assert!(error.to_string().contains("SQS queue q"), "{error}");
    broker.shutdown().await;
}
