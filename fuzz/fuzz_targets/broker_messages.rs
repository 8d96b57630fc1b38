//! Every broker-message decoder (docs/protocol.md §4, §5) and the AMP
//! decoders (§4.6) on the same arbitrary bytes.
//!
//! Input: the raw bytes (no split header).
//!
//! Checks: no panic; every message that decodes re-encodes to bytes that
//! decode to the same message (for `ProxyAnswerRequest`: exactly when the
//! re-encoded body still carries an `a=candidate`, which the decoder
//! requires of the whole body); the legacy-aware client decoder agrees with
//! the plain one on version-1 bodies, and a legacy offer survives re-encoding
//! as a version-1 request; AMP paths and armor round-trip through their
//! encoders (armor only while the document fits the read limit), and what
//! they carry is fed to the client request/response decoders as the broker
//! and client do.
#![no_main]

use libfuzzer_sys::fuzz_target;
use snowflake_common::amp::{
    decode_armor, decode_path, encode_armor, encode_path, ArmorDecodeError, ARMOR_INPUT_LIMIT,
    CACHE_BREAKER_LEN,
};
use snowflake_common::messages::proxy::CANDIDATE_MARKER;
use snowflake_common::messages::{
    ClientPollFormat, ClientPollRequest, ClientPollResponse, ProxyAnswerRequest,
    ProxyAnswerRequestError, ProxyAnswerResponse, ProxyPollRequest, ProxyPollResponse,
    SessionDescription, READ_LIMIT,
};

/// Re-encoding may escape more than the input did (`<` becomes `\u003c`),
/// so a body near the limit can re-encode over it; round trips are only
/// checked for bodies the decoders accept by size.
fn fits(body: &[u8]) -> bool {
    body.len() <= READ_LIMIT
}

fn check_client_poll_request(body: &[u8]) {
    if let Ok(request) = ClientPollRequest::decode(body) {
        let encoded = request.encode();
        if fits(&encoded) {
            assert_eq!(
                ClientPollRequest::decode(&encoded).as_ref(),
                Ok(&request),
                "client poll request round trip"
            );
        }
        // The offer was checked to be a session description.
        request
            .offer_description()
            .expect("decoded offer is a session description");
    }
    for header in [None, Some("restricted"), Some("bogus")] {
        match ClientPollRequest::decode_with_legacy(body, header) {
            Ok((ClientPollFormat::V1, request)) => {
                assert_eq!(ClientPollRequest::decode(body).as_ref(), Ok(&request));
            }
            Ok((ClientPollFormat::Legacy, request)) => {
                assert_eq!(body.first(), Some(&b'{'));
                let encoded = request.encode();
                if fits(&encoded) {
                    let again = ClientPollRequest::decode(&encoded);
                    assert_eq!(again.as_ref(), Ok(&request), "legacy offer as version 1");
                }
            }
            Err(err) => {
                if body.first() != Some(&b'{') {
                    assert_eq!(ClientPollRequest::decode(body), Err(err));
                }
            }
        }
    }
}

fn check_messages(body: &[u8]) {
    check_client_poll_request(body);

    if let Some(response) = ClientPollResponse::decode(body)
        .ok()
        .filter(|m| fits(&m.encode()))
    {
        assert_eq!(
            ClientPollResponse::decode(&response.encode()).as_ref(),
            Ok(&response),
            "client poll response round trip"
        );
    }
    if let Some(request) = ProxyPollRequest::decode(body)
        .ok()
        .filter(|m| fits(&m.encode()))
    {
        assert_eq!(
            ProxyPollRequest::decode(&request.encode()).as_ref(),
            Ok(&request),
            "proxy poll request round trip"
        );
    }
    if let Some(response) = ProxyPollResponse::decode(body)
        .ok()
        .filter(|m| fits(&m.encode()))
    {
        assert_eq!(
            ProxyPollResponse::decode(&response.encode()).as_ref(),
            Ok(&response),
            "proxy poll response round trip"
        );
    }
    if let Ok(request) = ProxyAnswerRequest::decode(body) {
        let encoded = request.encode();
        let again = ProxyAnswerRequest::decode(&encoded);
        let marker = CANDIDATE_MARKER.as_bytes();
        if !fits(&encoded) {
            // Checked by size only.
        } else if encoded.windows(marker.len()).any(|w| w == marker) {
            assert_eq!(again.as_ref(), Ok(&request), "proxy answer round trip");
        } else {
            assert_eq!(again, Err(ProxyAnswerRequestError::NoCandidate));
        }
        request
            .answer_description()
            .expect("decoded answer is a session description");
    }
    if let Ok(response) = ProxyAnswerResponse::decode(body) {
        assert_eq!(
            ProxyAnswerResponse::decode(&response.encode()),
            Ok(response),
            "proxy answer response round trip"
        );
    }
    if let Ok(text) = std::str::from_utf8(body) {
        if let Ok(description) = SessionDescription::from_json(text) {
            // from_json has no size limit, so no `fits` guard.
            assert_eq!(
                SessionDescription::from_json(&description.to_json()).as_ref(),
                Ok(&description),
                "session description round trip"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check_messages(data);

    // AMP request path: what the broker gets after /amp/client/.
    let path = String::from_utf8_lossy(data);
    if let Ok(poll) = decode_path(&path) {
        let again = decode_path(&encode_path(&poll, &[0x5a; CACHE_BREAKER_LEN]));
        assert_eq!(again.as_ref(), Ok(&poll), "AMP path round trip");
        check_client_poll_request(&poll);
    }

    // AMP armored response: what the client gets back.
    if let Ok(response) = decode_armor(data) {
        let armored = encode_armor(&response);
        if armored.len() <= ARMOR_INPUT_LIMIT {
            assert_eq!(
                decode_armor(armored.as_bytes()).as_ref(),
                Ok(&response),
                "AMP armor round trip"
            );
        } else {
            assert_eq!(
                decode_armor(armored.as_bytes()),
                Err(ArmorDecodeError::TooLarge)
            );
        }
        if let Some(answer) = ClientPollResponse::decode(&response)
            .ok()
            .filter(|m| fits(&m.encode()))
        {
            assert_eq!(
                ClientPollResponse::decode(&answer.encode()).as_ref(),
                Ok(&answer)
            );
        }
    }
});
