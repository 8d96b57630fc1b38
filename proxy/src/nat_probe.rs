//! Measuring the proxy's NAT type against a probetest-style server
//! (docs/protocol.md §6.5).
//!
//! The proxy makes its own WebRTC offer and POSTs it to the probe server in
//! the shape of a broker's poll response; the server (which sits behind a
//! restrictive NAT) answers in the shape of a proxy's answer and tries to
//! connect. If the data channel opens, clients behind restrictive NATs can
//! reach us: `unrestricted`. If it does not open in time (or ICE gives up),
//! `restricted`. If the exchange itself fails, we cannot tell: `unknown`.
//!
//! The three-kind measurement of upstream `main` ([`probe_three_kind`])
//! asks the probe server to act as a peer behind a given NAT, with the
//! query parameter [`NAT_SIMULATION_PARAM`]: first as a `strict` peer (if
//! it reaches us, we are `open`), then as a `moderate` one (`moderate`),
//! else `strict`. A probe server that ignores the parameter acts the same
//! both times, which gives `open` or `strict`, the old two answers.
//! (The poll loop still runs [`probe_once`]; see `docs/broker-polling.md`.)

use std::time::Duration;

use snowflake_common::http_client::{self, HttpError, HttpRequest};
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
        polled_too_soon: false,
        offer: offer_json,
        nat: None,
        next_poll: Some(Duration::ZERO),
        relay_url: String::new(),
    }
    .encode()
}

/// The query parameter telling a probe server which NAT to act as.
pub const NAT_SIMULATION_PARAM: &str = "InCoSim";

/// `url` with [`NAT_SIMULATION_PARAM`] set to `mode` (replacing any
/// earlier value, keeping other parameters).
pub fn probe_url_for(url: &Url, mode: &str) -> Url {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| name != NAT_SIMULATION_PARAM)
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let mut out = url.clone();
    out.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(NAT_SIMULATION_PARAM, mode);
    out
}

/// Measures the NAT type in three kinds against a probe server at `url`
/// (see the module docs): `open`, `moderate` or `strict`; `Err` means
/// unknown.
pub async fn probe_three_kind(
    backend: &dyn RtcBackend,
    url: &Url,
    channel_timeout: Duration,
) -> Result<NatType, NatProbeError> {
    let as_strict = probe_once(backend, &probe_url_for(url, "strict"), channel_timeout).await?;
    if as_strict == NatType::Unrestricted {
        return Ok(NatType::Open);
    }
    let as_moderate = probe_once(backend, &probe_url_for(url, "moderate"), channel_timeout).await?;
    if as_moderate == NatType::Unrestricted {
        Ok(NatType::Moderate)
    } else {
        Ok(NatType::Strict)
    }
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
    let mut request = HttpRequest::post(url.clone(), body, READ_LIMIT, PROBE_HTTP_TIMEOUT);
    request.content_type = Some("application/json");
    // Chrome's hello over https, as the broker polls.
    request.tls = crate::broker::https_tls(url, None)?;
    let reply = http_client::send_ok(request).await?;
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
    fn simulation_parameter() {
        let base = Url::parse("https://probe.example:8443/probe").unwrap();
        assert_eq!(
            probe_url_for(&base, "strict").as_str(),
            "https://probe.example:8443/probe?InCoSim=strict"
        );
        let with_query = Url::parse("https://probe.example/probe?a=1&InCoSim=open").unwrap();
        assert_eq!(
            probe_url_for(&with_query, "moderate").as_str(),
            "https://probe.example/probe?a=1&InCoSim=moderate"
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
