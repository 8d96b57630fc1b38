//! A Snowflake proxy without WebRTC, for rendezvous tests: it polls a
//! broker's `/proxy` over HTTP until a client's offer comes, answers it
//! with a given session description on `/answer`, and returns the offer.
//! What the broker sees is a standalone proxy with an unrestricted NAT that
//! accepts relays matching the given pattern.

use std::net::SocketAddr;
use std::time::Duration;

use snowflake_common::messages::proxy::{new_session_id, ProxyAnswerRequest};
use snowflake_common::messages::{
    NatType, ProxyPollRequest, ProxyPollResponse, ProxyType, SessionDescription,
};

/// Why the signaling proxy stopped.
#[derive(Debug, thiserror::Error)]
pub enum SignalingProxyError {
    /// The broker could not be reached.
    #[error("broker request: {0}")]
    Http(#[from] std::io::Error),
    /// The broker's reply to a poll was not a poll response.
    #[error("broker poll response: {0}")]
    Poll(String),
    /// The broker refused the answer.
    #[error("broker refused the answer: {0}")]
    Answer(String),
}

/// Polls `broker` until a client is matched, answers with `answer`, and
/// returns the client's offer. Polls again 200 ms after a poll without a
/// client.
pub async fn answer_one_client(
    broker: SocketAddr,
    relay_pattern: &str,
    answer: &SessionDescription,
) -> Result<SessionDescription, SignalingProxyError> {
    let sid = new_session_id();
    loop {
        let poll = ProxyPollRequest {
            sid: sid.clone(),
            proxy_type: ProxyType::Standalone,
            nat: NatType::Unrestricted,
            clients: 0,
            accepted_relay_pattern: Some(relay_pattern.to_string()),
        }
        .encode();
        let response = crate::http::post(broker, "/proxy", poll).await?;
        let response = ProxyPollResponse::decode(&response.body)
            .map_err(|e| SignalingProxyError::Poll(e.to_string()))?;
        if let Ok(offer) = response.offer_description() {
            let body = ProxyAnswerRequest::new(&sid, answer).encode();
            let answered = crate::http::post(broker, "/answer", body).await?;
            if answered.text() != r#"{"Status":"success"}"# {
                return Err(SignalingProxyError::Answer(answered.text()));
            }
            return Ok(offer);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
