//! Amazon SQS rendezvous (docs/protocol.md §4.8, docs/sqs-rendezvous.md):
//! the few SQS actions the client and the broker use, over the AWS JSON 1.0
//! protocol, signed with AWS Signature Version 4.
//!
//! * [`sigv4`]: request signing (service `sqs`).
//! * [`credentials`]: the client's `sqscreds=` value, and the broker's
//!   credentials from the environment or the shared credentials file.
//! * [`queue_url`]: region and endpoint from a queue URL.
//! * [`api`]: `CreateQueue`, `GetQueueUrl`, `SendMessage`,
//!   `ReceiveMessage`, `DeleteMessage`, `DeleteQueue`, `ListQueues`.
//!
//! The wire conventions both sides share are here: the client names itself
//! with a fresh [`new_client_id`] in the message attribute
//! [`CLIENT_ID_ATTRIBUTE`], and the broker answers in the queue
//! [`client_queue_name`] of that id.
//!
//! Available with the `http` feature of `snowflake-common`.

pub mod api;
pub mod credentials;
pub mod queue_url;
pub mod sigv4;
mod transport;

pub use api::{Message, SqsClient, SqsError};
pub use credentials::{Credentials, CredentialsError};
pub use queue_url::{QueueUrl, QueueUrlError};
/// The URL type of endpoints and queues (re-exported for crates that do
/// not depend on `url` themselves).
pub use url::Url;

/// The message attribute (`DataType` `String`) that carries the client's id.
pub const CLIENT_ID_ATTRIBUTE: &str = "ClientID";

/// The name of the queue the broker answers a client in, before the id.
pub const CLIENT_QUEUE_PREFIX: &str = "snowflake-client-";

/// The length of a client id: hex of 8 bytes.
pub const CLIENT_ID_LEN: usize = 16;

/// A fresh client id: the lowercase hex of 8 random bytes (upstream's
/// spelling). Unrelated to the Turbo Tunnel ClientID.
pub fn new_client_id() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

/// Whether `id` is a client id as clients make them: exactly
/// [`CLIENT_ID_LEN`] ASCII hex digits (either case). Anything else is
/// refused before it becomes part of a queue name.
pub fn is_valid_client_id(id: &str) -> bool {
    id.len() == CLIENT_ID_LEN && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The name of the queue the broker answers client `id` in.
pub fn client_queue_name(id: &str) -> String {
    format!("{CLIENT_QUEUE_PREFIX}{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids() {
        let id = new_client_id();
        assert_eq!(id.len(), CLIENT_ID_LEN);
        assert!(is_valid_client_id(&id), "{id}");
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
        assert_ne!(new_client_id(), id);
        assert!(is_valid_client_id("0123456789ABCDef"));
        for bad in [
            "",
            "0123456789abcde",
            "0123456789abcdef0",
            "0123456789abcdeg",
            "../../queue/abcd",
            "0123456789abcde\u{e9}",
        ] {
            assert!(!is_valid_client_id(bad), "{bad:?}");
        }
        assert_eq!(
            client_queue_name("0123456789abcdef"),
            "snowflake-client-0123456789abcdef"
        );
    }
}
