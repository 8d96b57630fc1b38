//! The client's SQS rendezvous against our broker's SQS listener, through
//! a local SQS server (moto, see `snowflake_testkit::moto`): a full offer /
//! answer round trip with a proxy polling the broker over HTTP, the
//! broker's "no proxies" reply, and the errors when nobody answers.
//! Skipped (with a message) when moto is not installed, unless
//! `SNOWFLAKE_REQUIRE_SQS` is set.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use snowflake_client::rendezvous::sqs::{
    SqsChannel, SqsRendezvousConfig, SqsRendezvousError, SqsTimings,
};
use snowflake_client::rendezvous::{BrokerChannel, RendezvousError};
use snowflake_client::rendezvous_tls::RendezvousTls;
use snowflake_common::messages::{BridgeFingerprint, NatType, SdpType, SessionDescription};
use snowflake_common::sqs::{QueueUrl, SqsClient, Url};
use snowflake_testkit::moto;

use common::sqs_broker::{credentials, guarded, queue_config, start_broker, start_sqs, PATTERN};

/// What the bridge line would say: `sqsqueue=<url>;sqscreds=<base64>`.
fn channel(queue_url: &str) -> SqsChannel {
    SqsChannel::new(queue_config(queue_url), BridgeFingerprint::default())
}

fn offer(marker: &str) -> SessionDescription {
    SessionDescription::new(
        SdpType::Offer,
        format!(
            "v=0\r\no=- {marker} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n"
        ),
    )
}

fn answer(marker: &str) -> SessionDescription {
    SessionDescription::new(
        SdpType::Answer,
        format!(
            "v=0\r\no=- {marker} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:1 1 udp 2130706431 127.0.0.1 10 typ host\r\n"
        ),
    )
}

/// A proxy that polls the broker over HTTP until it gets a client's offer
/// and answers it with `answer(marker)`; returns the offer it got.
async fn proxy(addr: SocketAddr, marker: &'static str) -> SessionDescription {
    snowflake_testkit::signaling_proxy::answer_one_client(addr, PATTERN, &answer(marker))
        .await
        .expect("the proxy answered a client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offer_and_answer_through_sqs() {
    let Some(moto) = moto::start_or_skip("offer_and_answer_through_sqs").await else {
        return;
    };
    let broker = start_broker().await;
    let sqs = start_sqs(&moto, &broker).await;
    let proxy_task = tokio::spawn(proxy(broker.local_addr(), "proxy-answer"));
    // Through the broker channel the dialer holds.
    let channel =
        BrokerChannel::sqs(channel(sqs.queue_url()), RendezvousTls::default()).expect("channel");
    assert!(channel.uses_sqs() && !channel.uses_amp_cache());
    let got = guarded(async {
        loop {
            match channel
                .exchange(&offer("client-offer"), NatType::Restricted)
                .await
            {
                Ok(answer) => break answer,
                // Until the proxy's poll is held by the broker.
                Err(RendezvousError::NoProxies) => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                Err(error) => panic!("SQS exchange: {error}"),
            }
        }
    })
    .await;
    assert_eq!(got, answer("proxy-answer"));
    let seen = guarded(proxy_task).await.expect("proxy task");
    assert_eq!(seen, offer("client-offer"));
    // The client deleted the reply it read.
    let client = SqsClient::for_queue(
        &QueueUrl::parse(sqs.queue_url()).expect("queue URL"),
        credentials(),
    );
    let (queues, _) = client
        .list_queues("snowflake-client-", 1000, None)
        .await
        .expect("ListQueues");
    assert!(!queues.is_empty());
    for queue in queues {
        let left = client
            .receive_messages(&queue, 10, Duration::ZERO, 1 << 20)
            .await
            .expect("ReceiveMessage");
        assert!(left.is_empty(), "{queue}: {left:?}");
    }
    sqs.shutdown().await;
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_errors_arrive_through_sqs() {
    let Some(moto) = moto::start_or_skip("broker_errors_arrive_through_sqs").await else {
        return;
    };
    let broker = start_broker().await;
    let sqs = start_sqs(&moto, &broker).await;
    let channel = channel(sqs.queue_url());
    let error = guarded(channel.exchange(&offer("lonely"), NatType::Unrestricted))
        .await
        .expect_err("no proxy");
    assert!(matches!(error, RendezvousError::NoProxies), "{error}");
    assert!(error.is_retryable());
    // An unknown bridge, too.
    let unknown = BridgeFingerprint::from_hex("8838024498816A039FCBBAB14E6F40A0843051FA")
        .expect("fingerprint");
    let config =
        SqsRendezvousConfig::parse(sqs.queue_url(), &credentials().to_sqscreds()).expect("config");
    let error = guarded(SqsChannel::new(config, unknown).exchange(&offer("x"), NatType::Unknown))
        .await
        .expect_err("unknown bridge");
    assert!(matches!(error, RendezvousError::UnknownBridge), "{error}");
    sqs.shutdown().await;
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_answering_is_a_clear_error() {
    let Some(moto) = moto::start_or_skip("nobody_answering_is_a_clear_error").await else {
        return;
    };
    let short = SqsTimings {
        queue_url_delay: Duration::from_millis(50),
        queue_url_attempts: 3,
        receive_wait: Duration::from_secs(1),
        receive_attempts: 1,
        exchange_timeout: Duration::from_secs(60),
    };
    // A queue nobody serves: the response queue never appears.
    let client = SqsClient::new(
        Url::parse(&moto.endpoint()).expect("endpoint"),
        "us-east-1",
        credentials(),
    );
    let unserved = client
        .create_queue("unserved", &[])
        .await
        .expect("CreateQueue");
    let error = guarded(
        channel(&unserved)
            .with_timings(short)
            .exchange(&offer("o"), NatType::Unknown),
    )
    .await
    .expect_err("nobody answers");
    assert!(
        matches!(
            error,
            RendezvousError::Sqs(SqsRendezvousError::NoResponseQueue(_, 3))
        ),
        "{error}"
    );
    assert!(error.is_retryable());
    // A queue that does not exist.
    let error = guarded(
        channel(&moto.queue_url("missing"))
            .with_timings(short)
            .exchange(&offer("o"), NatType::Unknown),
    )
    .await
    .expect_err("no queue");
    match &error {
        RendezvousError::Sqs(SqsRendezvousError::Api(api)) => {
            assert!(api.is_queue_missing(), "{api}")
        }
        other => panic!("{other}"),
    }
}
