//! SQS rendezvous (`sqsqueue=`, `sqscreds=`; docs/protocol.md §4.8,
//! docs/sqs-rendezvous.md): the client poll travels as a message on the
//! broker's Amazon SQS queue instead of an HTTP request, and the broker's
//! reply comes back through a queue of the client's own.
//!
//! One exchange, as upstream's client makes it:
//!
//! 1. a fresh client id (hex of 8 random bytes, new for every exchange;
//!    not the Turbo Tunnel ClientID);
//! 2. `SendMessage` to the broker's queue: the body is the encoded client
//!    poll (`1.0\n{…}`, the bytes an HTTP rendezvous would POST), the
//!    `String` attribute `ClientID` is the id;
//! 3. after [`SqsTimings::queue_url_delay`], `GetQueueUrl` of
//!    `snowflake-client-<id>`, which the broker creates, tried
//!    [`SqsTimings::queue_url_attempts`] times with growing delays;
//! 4. `ReceiveMessage` long polls of that queue
//!    ([`SqsTimings::receive_wait`] each, [`SqsTimings::receive_attempts`]
//!    of them) for the broker's reply, the same JSON `/client` returns;
//!    what was read is deleted. The broker deletes the queue later.
//!
//! The whole exchange is bounded by [`SqsTimings::exchange_timeout`], each
//! request by its own deadline and response limit. Requests go to the
//! scheme and host of the queue URL, signed for the region in its host
//! name ([`snowflake_common::sqs::queue_url`]), through the upstream proxy
//! when there is one.

use std::sync::Arc;
use std::time::Duration;

use snowflake_common::http_client::{TcpConnector, TlsConnect};
use snowflake_common::messages::{
    BridgeFingerprint, ClientPollRequest, ClientPollResponse, NatType, SessionDescription,
    READ_LIMIT,
};
use snowflake_common::sqs::{
    self, Credentials, CredentialsError, QueueUrl, QueueUrlError, SqsClient, SqsError,
};

use super::{broker_error, RendezvousError};

/// The most bytes of a `ReceiveMessage` response read: one reply of up to
/// [`READ_LIMIT`] bytes, which JSON escaping may make several times longer.
pub const RECEIVE_RESPONSE_LIMIT: usize = 8 * READ_LIMIT + 16 * 1024;

/// How long each step of an exchange may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqsTimings {
    /// Wait after sending before the first `GetQueueUrl` (upstream: 1 s),
    /// and the step by which the delay between attempts grows.
    pub queue_url_delay: Duration,
    /// `GetQueueUrl` attempts before giving up (upstream: 5).
    pub queue_url_attempts: u32,
    /// The wait of each `ReceiveMessage` long poll (upstream: 20 s).
    pub receive_wait: Duration,
    /// Long polls of the response queue before giving up (upstream: 5).
    pub receive_attempts: u32,
    /// Deadline for the whole exchange.
    pub exchange_timeout: Duration,
}

impl Default for SqsTimings {
    fn default() -> Self {
        SqsTimings {
            queue_url_delay: Duration::from_secs(1),
            queue_url_attempts: 5,
            receive_wait: Duration::from_secs(20),
            receive_attempts: 5,
            exchange_timeout: Duration::from_secs(120),
        }
    }
}

/// Why an SQS exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum SqsRendezvousError {
    /// `sqsqueue` cannot be used.
    #[error("sqsqueue: {0}")]
    QueueUrl(#[from] QueueUrlError),
    /// `sqscreds` cannot be used.
    #[error("sqscreds: {0}")]
    Credentials(#[from] CredentialsError),
    /// An SQS call failed.
    #[error("{0}")]
    Api(#[from] SqsError),
    /// The broker did not create the response queue in time.
    #[error("no response queue {0} after {1} attempts")]
    NoResponseQueue(String, u32),
    /// The response queue stayed empty.
    #[error("no reply in the response queue after {0} long polls")]
    NoReply(u32),
    /// The exchange took longer than its deadline.
    #[error("SQS rendezvous took longer than {0:?}")]
    Timeout(Duration),
    /// The poll request is not UTF-8 (SQS bodies are text).
    #[error("client poll request is not UTF-8")]
    NotText,
}

impl SqsRendezvousError {
    /// Whether trying again later may succeed: not for bad settings or
    /// requests SQS refuses as such (bad credentials, access denied).
    pub fn is_retryable(&self) -> bool {
        match self {
            SqsRendezvousError::QueueUrl(_)
            | SqsRendezvousError::Credentials(_)
            | SqsRendezvousError::NotText => false,
            SqsRendezvousError::Api(error) => error.is_retryable() || error.is_queue_missing(),
            SqsRendezvousError::NoResponseQueue(..)
            | SqsRendezvousError::NoReply(_)
            | SqsRendezvousError::Timeout(_) => true,
        }
    }
}

/// The broker's queue and the credentials to use it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsRendezvousConfig {
    /// The broker's queue (`sqsqueue=`).
    pub queue: QueueUrl,
    /// The credentials (`sqscreds=`).
    pub credentials: Credentials,
}

impl SqsRendezvousConfig {
    /// Parses the `sqsqueue` and `sqscreds` values.
    pub fn parse(queue: &str, creds: &str) -> Result<Self, SqsRendezvousError> {
        Ok(SqsRendezvousConfig {
            queue: QueueUrl::parse(queue)?,
            credentials: Credentials::from_sqscreds(creds)?,
        })
    }
}

/// A way to the broker through its SQS queue; [`SqsChannel::exchange`]
/// makes one rendezvous.
#[derive(Debug, Clone)]
pub struct SqsChannel {
    config: SqsRendezvousConfig,
    fingerprint: BridgeFingerprint,
    timings: SqsTimings,
    tls_config: Option<Arc<rustls::ClientConfig>>,
    /// The TLS client of `https` queue URLs: the rendezvous' browser hello
    /// when set (it takes precedence over `tls_config`).
    tls: Option<Arc<dyn TlsConnect>>,
    connector: Option<Arc<dyn TcpConnector>>,
}

impl SqsChannel {
    /// A channel to the broker queue of `config`, asking for the bridge
    /// `fingerprint`.
    pub fn new(config: SqsRendezvousConfig, fingerprint: BridgeFingerprint) -> Self {
        SqsChannel {
            config,
            fingerprint,
            timings: SqsTimings::default(),
            tls_config: None,
            tls: None,
            connector: None,
        }
    }

    /// Other step timings (tests).
    pub fn with_timings(mut self, timings: SqsTimings) -> Self {
        self.timings = timings;
        self
    }

    /// Uses `config` for `https` instead of the web PKI roots.
    pub fn with_tls_config(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls_config = Some(config);
        self
    }

    /// Speaks TLS to an `https` queue with `tls` (the rendezvous' browser
    /// hello) instead of rustls.
    pub fn with_tls(mut self, tls: Arc<dyn TlsConnect>) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Opens every connection with `connector` (the upstream proxy).
    pub fn with_connector(mut self, connector: Arc<dyn TcpConnector>) -> Self {
        self.connector = Some(connector);
        self
    }

    /// Whether the queue is reached over `https` (and so needs a TLS
    /// client).
    pub fn uses_https(&self) -> bool {
        self.config.queue.endpoint().scheme() == "https"
    }

    /// The broker's queue.
    pub fn queue(&self) -> &QueueUrl {
        &self.config.queue
    }

    /// The bridge asked for.
    pub fn fingerprint(&self) -> &BridgeFingerprint {
        &self.fingerprint
    }

    /// Sends `offer` (with our NAT type and bridge fingerprint) to the
    /// broker's queue and returns the proxy's answer.
    pub async fn exchange(
        &self,
        offer: &SessionDescription,
        nat: NatType,
    ) -> Result<SessionDescription, RendezvousError> {
        let poll = ClientPollRequest::new(offer, nat, self.fingerprint.clone()).encode();
        self.exchange_encoded(poll, None, None, None).await
    }

    /// One exchange of an encoded poll, with the TLS client and connector
    /// given (those of the [`super::BrokerChannel`] that holds this
    /// channel) in place of this channel's own; the answer in the broker's
    /// reply. A browser TLS client (`tls`) goes before rustls
    /// (`tls_config`), the holder's before this channel's.
    pub(crate) async fn exchange_encoded(
        &self,
        poll: Vec<u8>,
        tls: Option<Arc<dyn TlsConnect>>,
        tls_config: Option<Arc<rustls::ClientConfig>>,
        connector: Option<Arc<dyn TcpConnector>>,
    ) -> Result<SessionDescription, RendezvousError> {
        let (tls, tls_config) = match (tls, tls_config) {
            (None, None) => (self.tls.clone(), self.tls_config.clone()),
            given => given,
        };
        let client = SqsClient::for_queue(&self.config.queue, self.config.credentials.clone())
            .with_tls_config(tls_config)
            .with_tls(tls)
            .with_connector(connector.or_else(|| self.connector.clone()));
        let deadline = self.timings.exchange_timeout;
        let reply = tokio::time::timeout(deadline, self.round_trip(&client, poll))
            .await
            .map_err(|_| SqsRendezvousError::Timeout(deadline))??;
        match ClientPollResponse::decode(&reply)? {
            ClientPollResponse::Answer(answer) => Ok(SessionDescription::from_json(&answer)?),
            ClientPollResponse::Error(text) => Err(broker_error(text)),
        }
    }

    /// Sends the poll and waits for the reply's bytes.
    async fn round_trip(
        &self,
        client: &SqsClient,
        poll: Vec<u8>,
    ) -> Result<Vec<u8>, SqsRendezvousError> {
        let body = String::from_utf8(poll).map_err(|_| SqsRendezvousError::NotText)?;
        let id = sqs::new_client_id();
        let queue = self.config.queue.as_str();
        tracing::debug!(queue, "SQS rendezvous: sending the client poll");
        client
            .send_message(queue, &body, &[(sqs::CLIENT_ID_ATTRIBUTE, &id)])
            .await?;
        // The broker creates the response queue when it reads our message.
        tokio::time::sleep(self.timings.queue_url_delay).await;
        let name = sqs::client_queue_name(&id);
        let attempts = self.timings.queue_url_attempts.max(1);
        let mut attempt = 1;
        let response_queue = loop {
            match client.get_queue_url(&name).await {
                Ok(url) => break url,
                Err(error) if error.is_queue_missing() || error.is_retryable() => {
                    tracing::debug!(attempt, attempts, %error, "SQS rendezvous: no response queue yet");
                    if attempt >= attempts {
                        return Err(SqsRendezvousError::NoResponseQueue(name, attempts));
                    }
                    tokio::time::sleep(self.timings.queue_url_delay.saturating_mul(attempt)).await;
                    attempt += 1;
                }
                Err(error) => return Err(error.into()),
            }
        };
        let polls = self.timings.receive_attempts.max(1);
        for attempt in 1..=polls {
            let messages = client
                .receive_messages(
                    &response_queue,
                    1,
                    self.timings.receive_wait,
                    RECEIVE_RESPONSE_LIMIT,
                )
                .await?;
            let Some(message) = messages.into_iter().next() else {
                tracing::debug!(attempt, polls, "SQS rendezvous: no reply yet");
                continue;
            };
            if let Err(error) = client
                .delete_message(&response_queue, &message.receipt_handle)
                .await
            {
                // The broker deletes the whole queue soon anyway.
                tracing::debug!(%error, "SQS rendezvous: cannot delete the reply");
            }
            return Ok(message.body.into_bytes());
        }
        Err(SqsRendezvousError::NoReply(polls))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREDS: &str = "eyJhd3MtYWNjZXNzLWtleS1pZCI6ImEiLCJhd3Mtc2VjcmV0LWtleSI6ImIifQ==";

    #[test]
    fn configuration() {
        let config = SqsRendezvousConfig::parse(
            "https://sqs.us-east-1.amazonaws.com/123456789012/snowflake-broker",
            CREDS,
        )
        .unwrap();
        assert_eq!(config.queue.region(), "us-east-1");
        assert_eq!(config.credentials.access_key_id(), "a");
        assert!(matches!(
            SqsRendezvousConfig::parse("nonsense", CREDS),
            Err(SqsRendezvousError::QueueUrl(_))
        ));
        assert!(matches!(
            SqsRendezvousConfig::parse("https://sqs.us-east-1.amazonaws.com/1/q", "%%%"),
            Err(SqsRendezvousError::Credentials(_))
        ));
    }

    #[test]
    fn retryable_errors() {
        assert!(SqsRendezvousError::NoReply(5).is_retryable());
        assert!(SqsRendezvousError::Timeout(Duration::from_secs(1)).is_retryable());
        assert!(!SqsRendezvousError::NotText.is_retryable());
        let denied = SqsError::Service {
            status: 403,
            code: "AccessDenied".into(),
            message: String::new(),
        };
        assert!(!SqsRendezvousError::Api(denied).is_retryable());
        assert!(!RendezvousError::Sqs(SqsRendezvousError::NotText).is_retryable());
        assert!(RendezvousError::Sqs(SqsRendezvousError::NoReply(1)).is_retryable());
    }
}
