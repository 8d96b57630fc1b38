//! Talking to the broker (docs/protocol.md §4.3, §4.4): `/proxy` polls
//! and `/answer` posts.
//!
//! Two things a poll may meet besides a match or `no match`
//! (`docs/broker-polling.md`):
//!
//! * `polled too soon`: a broker with the per-address poll limit refused
//!   to hold the poll because this address polled again before its
//!   `NextPoll` was up. It comes back as a no-match response with
//!   [`ProxyPollResponse::polled_too_soon`] set and the time left as
//!   `next_poll`, which the poll loop then waits
//!   ([`crate::schedule::PollSchedule`]): not a failure, no backoff.
//! * HTTP 400 to a three-kind NAT value (`open`, `moderate`, `strict`):
//!   what a 2.14-or-earlier broker answers to them. The poll is sent again
//!   at once with the two-kind spelling ([`NatType::legacy`]), and so are
//!   all later polls to this broker.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use snowflake_common::http_client::{self, HttpError};
use snowflake_common::messages::{
    NatType, ProxyAnswerRequest, ProxyAnswerResponse, ProxyAnswerResponseError, ProxyPollRequest,
    ProxyPollResponse, ProxyPollResponseError, ProxyType, SessionDescription, READ_LIMIT,
};
use url::Url;

/// How long a broker request may take in all. The broker holds a poll for
/// up to 10 s; Go's proxy allows 30 s for the response headers.
pub const BROKER_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a broker exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The HTTP exchange failed.
    #[error("broker request: {0}")]
    Http(#[from] HttpError),
    /// The poll response is unusable.
    #[error("broker poll response: {0}")]
    Poll(#[from] ProxyPollResponseError),
    /// The answer response is unusable.
    #[error("broker answer response: {0}")]
    Answer(#[from] ProxyAnswerResponseError),
    /// The configured broker URL cannot be extended with a path.
    #[error("bad broker URL: {0}")]
    Url(#[from] url::ParseError),
}

/// What a proxy says about itself in each poll.
#[derive(Debug, Clone)]
pub struct PollParams {
    /// Its session id for this poll.
    pub sid: String,
    /// Its kind.
    pub proxy_type: ProxyType,
    /// Its NAT type.
    pub nat: NatType,
    /// Its client count, already rounded.
    pub clients: u64,
    /// Its relay hostname pattern.
    pub accepted_relay_pattern: String,
}

/// A broker at one base URL.
#[derive(Debug, Clone)]
pub struct BrokerClient {
    proxy_url: Url,
    answer_url: Url,
    timeout: Duration,
    /// The broker refused a three-kind NAT value: send two-kind ones.
    legacy_nat: Arc<AtomicBool>,
}

impl BrokerClient {
    /// A client for the broker at `base` (e.g.
    /// `https://snowflake-broker.torproject.net/`).
    pub fn new(base: &Url) -> Result<Self, BrokerError> {
        // `join` replaces the last path segment unless the base ends in '/'.
        let mut base = base.clone();
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        Ok(BrokerClient {
            proxy_url: base.join("proxy")?,
            answer_url: base.join("answer")?,
            timeout: BROKER_REQUEST_TIMEOUT,
            legacy_nat: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Whether polls now carry the two-kind NAT spelling (after the broker
    /// refused a three-kind one).
    pub fn uses_legacy_nat(&self) -> bool {
        self.legacy_nat.load(Ordering::Relaxed)
    }

    /// The NAT value a poll carries for `nat`.
    fn nat_to_send(&self, nat: NatType) -> NatType {
        if self.uses_legacy_nat() {
            nat.legacy()
        } else {
            nat
        }
    }

    async fn post_poll(
        &self,
        params: &PollParams,
        nat: NatType,
    ) -> Result<bytes::Bytes, HttpError> {
        let body = ProxyPollRequest {
            sid: params.sid.clone(),
            proxy_type: params.proxy_type,
            nat,
            clients: params.clients,
            accepted_relay_pattern: Some(params.accepted_relay_pattern.clone()),
        }
        .encode();
        http_client::post(&self.proxy_url, body, READ_LIMIT, self.timeout).await
    }

    /// One `/proxy` poll (two requests if the broker refuses a three-kind
    /// NAT value; see the module docs).
    pub async fn poll(&self, params: &PollParams) -> Result<ProxyPollResponse, BrokerError> {
        let nat = self.nat_to_send(params.nat);
        let response = match self.post_poll(params, nat).await {
            Err(HttpError::Status(StatusCode::BAD_REQUEST)) if nat.is_three_kind() => {
                tracing::info!(
                    %nat,
                    legacy = %nat.legacy(),
                    "the broker refuses three-kind NAT types; polling with the older spelling"
                );
                self.legacy_nat.store(true, Ordering::Relaxed);
                self.post_poll(params, nat.legacy()).await?
            }
            other => other?,
        };
        let response = ProxyPollResponse::decode(&response)?;
        if response.polled_too_soon {
            tracing::debug!(
                next_poll = ?response.next_poll,
                "the broker says we polled too soon; waiting as told"
            );
        }
        Ok(response)
    }

    /// Posts the answer for session `sid`; `Ok(ClientGone)` when the client
    /// has already left.
    pub async fn answer(
        &self,
        sid: &str,
        answer: &SessionDescription,
    ) -> Result<ProxyAnswerResponse, BrokerError> {
        let body = ProxyAnswerRequest::new(sid, answer).encode();
        let response = http_client::post(&self.answer_url, body, READ_LIMIT, self.timeout).await?;
        Ok(ProxyAnswerResponse::decode(&response)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls() {
        let b = BrokerClient::new(&Url::parse("https://broker.example/").unwrap()).unwrap();
        assert_eq!(b.proxy_url.as_str(), "https://broker.example/proxy");
        assert_eq!(b.answer_url.as_str(), "https://broker.example/answer");
        let b = BrokerClient::new(&Url::parse("http://127.0.0.1:8080/sub").unwrap()).unwrap();
        assert_eq!(b.proxy_url.as_str(), "http://127.0.0.1:8080/sub/proxy");
        assert_eq!(b.answer_url.as_str(), "http://127.0.0.1:8080/sub/answer");
    }
}
