//! Talking to the broker (docs/protocol.md §4.3, §4.4): `/proxy` polls
//! and `/answer` posts. Over `https` they carry Chrome's ClientHello
//! ([`crate::tls`]) and speak HTTP/2 when the broker picks `h2`.
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
use snowflake_common::http_client::{self, HttpError, HttpRequest, TlsConnect};
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
    /// The TLS client of `https` requests; `None`: the process-wide
    /// Chrome hello of [`crate::tls::https`].
    tls: Option<Arc<dyn TlsConnect>>,
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
            tls: None,
            legacy_nat: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Runs `https` requests over `tls` instead of the default Chrome
    /// hello with Mozilla's roots (tests with their own certificate
    /// authority).
    pub fn with_tls(mut self, tls: Arc<dyn TlsConnect>) -> Self {
        self.tls = Some(tls);
        self
    }

    /// `POST`s `body` (JSON) to `url`; the body of a 200 response.
    async fn post(&self, url: &Url, body: Vec<u8>) -> Result<bytes::Bytes, HttpError> {
        let mut request = HttpRequest::post(url.clone(), body, READ_LIMIT, self.timeout);
        request.content_type = Some("application/json");
        request.tls = https_tls(url, self.tls.as_ref())?;
        http_client::send_ok(request).await
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
        self.post(&self.proxy_url, body).await
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
        let response = self.post(&self.answer_url, body).await?;
        Ok(ProxyAnswerResponse::decode(&response)?)
    }
}

/// The TLS client for a request to `url`: `configured`, else for `https`
/// the process-wide Chrome hello ([`crate::tls::https`]); `None` for
/// `http`.
pub(crate) fn https_tls(
    url: &Url,
    configured: Option<&Arc<dyn TlsConnect>>,
) -> Result<Option<Arc<dyn TlsConnect>>, HttpError> {
    if url.scheme() != "https" {
        return Ok(None);
    }
    if let Some(tls) = configured {
        return Ok(Some(Arc::clone(tls)));
    }
    crate::tls::https()
        .map(Some)
        .map_err(|source| HttpError::Connect {
            host: url.host_str().unwrap_or_default().to_string(),
            source,
        })
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
