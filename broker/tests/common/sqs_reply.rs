//! The client's side of an SQS rendezvous: wait for the response queue the
//! broker creates for a client and read the broker's reply from it.

use std::time::Duration;

use snowflake_common::messages::ClientPollResponse;
use snowflake_common::sqs::{self, SqsClient};

use super::guarded;

/// Waits (under the hang guard) for the response queue of client `id` and
/// reads one reply from it.
pub async fn sqs_reply(client: &SqsClient, id: &str) -> ClientPollResponse {
    let name = sqs::client_queue_name(id);
    guarded(async {
        let url = loop {
            match client.get_queue_url(&name).await {
                Ok(url) => break url,
                Err(error) if error.is_queue_missing() => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(error) => panic!("GetQueueUrl: {error}"),
            }
        };
        loop {
            let messages = client
                .receive_messages(&url, 1, Duration::from_secs(2), 1 << 20)
                .await
                .expect("ReceiveMessage");
            if let Some(message) = messages.into_iter().next() {
                return ClientPollResponse::decode(message.body.as_bytes()).expect("reply");
            }
        }
    })
    .await
}
