//! Our broker with its SQS listener on a local moto server, and the
//! client-side settings that reach it: what the SQS rendezvous and the
//! fallback tests both start from.

use std::sync::Arc;
use std::time::Duration;

use snowflake_broker::sqs::{ClientPolls, SqsHandle, SqsRendezvous, SqsSettings};
use snowflake_broker::{Broker, BrokerConfig, BrokerHandle};
use snowflake_client::rendezvous::sqs::SqsRendezvousConfig;
use snowflake_common::sqs::{Credentials, Url};
use snowflake_testkit::moto::Moto;

/// The relay pattern the broker accepts from proxies.
pub const PATTERN: &str = "snowflake.torproject.net$";

/// Hang guard only; no test asserts on how long anything takes.
pub const HANG_GUARD: Duration = Duration::from_secs(120);

/// The broker's queue name (upstream's default).
pub const QUEUE: &str = "snowflake-broker";

/// The credentials both sides use against moto (which accepts any).
pub fn credentials() -> Credentials {
    Credentials::new("AKIDTESTING", "testing-secret").expect("credentials")
}

/// `future`, or a panic after [`HANG_GUARD`].
pub async fn guarded<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(HANG_GUARD, future)
        .await
        .expect("hang guard expired")
}

/// Our broker on an ephemeral port of 127.0.0.1.
pub async fn start_broker() -> BrokerHandle {
    Broker::start(BrokerConfig {
        allowed_relay_pattern: PATTERN.to_string(),
        ..BrokerConfig::default()
    })
    .await
    .expect("broker starts")
}

/// The broker's SQS listener on `moto`, handing client polls to `broker`.
pub async fn start_sqs(moto: &Moto, broker: &BrokerHandle) -> SqsHandle {
    let polls: Arc<dyn ClientPolls> = broker.client_polls();
    let settings = SqsSettings::new(
        QUEUE.into(),
        "us-east-1".into(),
        Url::parse(&moto.endpoint()).expect("endpoint"),
        credentials(),
    );
    SqsRendezvous::start(settings, polls)
        .await
        .expect("SQS rendezvous starts")
}

/// What the bridge line would say: `sqsqueue=<url>;sqscreds=<base64>`.
pub fn queue_config(queue_url: &str) -> SqsRendezvousConfig {
    SqsRendezvousConfig::parse(queue_url, &credentials().to_sqscreds())
        .expect("sqsqueue and sqscreds")
}
