//! Measuring the proxy's NAT type against a probetest-style server
//! (docs/protocol.md §6.5).
//!
//! The proxy makes its own WebRTC offer and POSTs it to the probe server in
//! the shape of a broker's poll response; the server (which sits behind a
//! restrictive NAT) answers in the shape of a proxy's answer and tries to
//! connect. If the data channel opens, clients behind restrictive NATs can
//! reach us: `unrestricted`. If it does not open in time (or ICE gives up),
//! `restricted`. If the exchange itself fails, we cannot tell: `unknown`.

use std::time::Duration;

use snowflake_common::http_client::{self, HttpError};
use snowflake_common::messages::{
    NatType, ProxyAnswerRequest, ProxyAnswerRequestError, ProxyPollResponse, ProxyPollStatus,
    SdpJsonError, READ_LIMIT,
};
use snowflake_rtc::{RtcBackend, RtcError};
use url::Url;

/// How long the HTTP exchange with the probe server may take.
pub const PROBE_HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a probe could not decide.
#[derive(Debug, thiserror::Error)]
pub enum NatProbeError {
    /// Making the offer failed.
    #[error("creating the probe offer: {0}")]
    Offer(RtcError),
    /// The HTTP exchange failed.
    #[error("probe server: {0}")]
    Http(#[from] HttpError),
    /// The probe server's reply is not an answer message.
    #[error("probe server reply: {0}")]
    Reply(#[from] ProxyAnswerRequestError),
    /// The answer is not a session description.
    #[error("probe server answer: {0}")]
    Answer(#[from] SdpJsonError),
    /// The answer could not be applied.
    #[error("applying the probe answer: {0}")]
    Apply(RtcError),
}

/// What one probe concluded.
pub fn outcome_nat_type(outcome: &Result<NatType, NatProbeError>) -> NatType {
    match outcome {
        Ok(nat) => *nat,
        Err(_) => NatType::Unknown,
    }
}

/// The body sent to the probe server: our offer as a poll response
/// (`{"Status":"client match","Offer":…,"NAT":"","NextPoll":0,"RelayURL":""}`).
pub fn probe_request_body(offer_json: String) -> Vec<u8> {
    ProxyPollResponse {
        status: ProxyPollStatus::ClientMatch,
        offer: offer_json,
        nat: None,
        next_poll: Some(Duration::ZERO),
        relay_url: String::new(),
    }
    .encode()
}

/// Runs one probe against `url`, waiting at most `channel_timeout` for the
/// data channel. `Ok` carries `unrestricted` or `restricted`; `Err` means
/// the type is unknown.
pub async fn probe_once(
    backend: &dyn RtcBackend,
    url: &Url,
    channel_timeout: Duration,
) -> Result<NatType, NatProbeError> {
    let peer = backend.create_offer().await.map_err(NatProbeError::Offer)?;
    let body = probe_request_body(peer.offer().to_json());
    let reply = http_client::post(url, body, READ_LIMIT, PROBE_HTTP_TIMEOUT).await?;
    let answer = ProxyAnswerRequest::decode(&reply)?.answer_description()?;
    match tokio::time::timeout(channel_timeout, peer.connect(answer)).await {
        Ok(Ok(_channel)) => Ok(NatType::Unrestricted),
        // ICE failed or the peer closed before the channel opened: the
        // probe server could not reach us.
        Ok(Err(RtcError::FailedBeforeOpen)) | Err(_) => Ok(NatType::Restricted),
        Ok(Err(e)) => Err(NatProbeError::Apply(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_body_has_the_poll_response_shape() {
        let body = probe_request_body(r#"{"type":"offer","sdp":"v=0"}"#.to_string());
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"Status":"client match","Offer":"{\"type\":\"offer\",\"sdp\":\"v=0\"}","NAT":"","NextPoll":0,"RelayURL":""}"#
        );
    }

    #[test]
    fn failures_mean_unknown() {
        assert_eq!(
            outcome_nat_type(&Err(NatProbeError::Http(HttpError::NoHost))),
            NatType::Unknown
        );
        assert_eq!(
            outcome_nat_type(&Ok(NatType::Restricted)),
            NatType::Restricted
        );
    }
}
