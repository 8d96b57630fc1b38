//! Proxy ⇄ broker messages (docs/protocol.md §4.3, §4.4, §6.5, vectors
//! §11.7).

use std::time::Duration;

use proptest::prelude::*;
use snowflake_common::messages::proxy::{
    new_session_id, DEFAULT_NEXT_POLL, POLLED_TOO_SOON, PROBE_STUB_SID, PROXY_VERSION,
    REJECTED_NEXT_POLL,
};
use snowflake_common::messages::{
    JsonError, NatType, ProxyAnswerRequest, ProxyAnswerRequestError, ProxyAnswerResponse,
    ProxyAnswerResponseError, ProxyPollRequest, ProxyPollRequestError, ProxyPollResponse,
    ProxyPollResponseError, ProxyPollStatus, ProxyType, SdpJsonError, SdpType, SessionDescription,
    READ_LIMIT,
};

const SID: &str = "AAAAAAAAAAAAAAAAAAAAAA";

/// The 11.7 vector's offer/answer JSON, nested as a JSON string.
const OFFER_FIELD: &str = r#""{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}""#;
const ANSWER_SDP: &str = "v=0\r\na=candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host\r\n";

fn answer() -> SessionDescription {
    SessionDescription::new(SdpType::Answer, ANSWER_SDP)
}

fn poll_request() -> ProxyPollRequest {
    ProxyPollRequest {
        sid: SID.into(),
        proxy_type: ProxyType::Standalone,
        nat: NatType::Unrestricted,
        clients: 8,
        accepted_relay_pattern: Some("snowflake.torproject.net$".into()),
    }
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

#[test]
fn poll_request_vector_11_7() {
    let vector = r#"{"Sid":"AAAAAAAAAAAAAAAAAAAAAA","Version":"1.3","Type":"standalone","NAT":"unrestricted","Clients":8,"AcceptedRelayPattern":"snowflake.torproject.net$"}"#;
    assert_eq!(text(poll_request().encode()), vector);
    assert_eq!(
        ProxyPollRequest::decode(vector.as_bytes()),
        Ok(poll_request())
    );
    assert_eq!(PROXY_VERSION, "1.3");
}

#[test]
fn poll_request_without_pattern_encodes_null() {
    let request = ProxyPollRequest {
        accepted_relay_pattern: None,
        ..poll_request()
    };
    let encoded = text(request.encode());
    assert!(encoded.ends_with(r#""Clients":8,"AcceptedRelayPattern":null}"#));
    assert_eq!(ProxyPollRequest::decode(encoded.as_bytes()), Ok(request));
}

fn decode_poll(json: &str) -> Result<ProxyPollRequest, ProxyPollRequestError> {
    ProxyPollRequest::decode(json.as_bytes())
}

#[test]
fn poll_request_version_and_sid() {
    for ok in ["1.3", "1.0", "1", "1.x.y"] {
        assert!(decode_poll(&format!(r#"{{"Sid":"s","Version":"{ok}"}}"#)).is_ok());
    }
    for bad in [r#""2.0""#, r#""""#, r#""11.0""#, r#"" 1.3""#, "null"] {
        assert_eq!(
            decode_poll(&format!(r#"{{"Sid":"s","Version":{bad}}}"#)),
            Err(ProxyPollRequestError::UnknownVersion),
            "{bad}"
        );
    }
    assert_eq!(
        ProxyPollRequestError::UnknownVersion.to_string(),
        "using unknown version"
    );
    assert_eq!(
        decode_poll(r#"{"Version":"1.3"}"#),
        Err(ProxyPollRequestError::NoSid)
    );
    assert_eq!(
        decode_poll(r#"{"Version":"1.3","Sid":""}"#),
        Err(ProxyPollRequestError::NoSid)
    );
    assert_eq!(
        ProxyPollRequestError::NoSid.to_string(),
        "no supplied session id"
    );
}

#[test]
fn poll_request_defaults() {
    let request = decode_poll(r#"{"Sid":"s","Version":"1.3"}"#).unwrap();
    assert_eq!(
        request,
        ProxyPollRequest {
            sid: "s".into(),
            proxy_type: ProxyType::Unknown,
            nat: NatType::Unknown,
            clients: 0,
            accepted_relay_pattern: None,
        }
    );
    let request =
        decode_poll(r#"{"Sid":"s","Version":"1.3","NAT":"","AcceptedRelayPattern":null}"#).unwrap();
    assert_eq!(request.nat, NatType::Unknown);
    assert_eq!(request.accepted_relay_pattern, None);
    // Present but empty is distinguishable from absent.
    let request = decode_poll(r#"{"Sid":"s","Version":"1.3","AcceptedRelayPattern":""}"#).unwrap();
    assert_eq!(request.accepted_relay_pattern, Some(String::new()));
    // A later null resets the pattern (Go's *string semantics).
    let request = decode_poll(
        r#"{"Sid":"s","Version":"1.3","AcceptedRelayPattern":"x$","AcceptedRelayPattern":null}"#,
    )
    .unwrap();
    assert_eq!(request.accepted_relay_pattern, None);
}

#[test]
fn poll_request_nat_and_type_rules() {
    // Both vocabularies are accepted (three-kind since upstream e152e8ad).
    for (wire, nat) in [
        ("unknown", NatType::Unknown),
        ("restricted", NatType::Restricted),
        ("unrestricted", NatType::Unrestricted),
        ("open", NatType::Open),
        ("moderate", NatType::Moderate),
        ("strict", NatType::Strict),
    ] {
        let request =
            decode_poll(&format!(r#"{{"Sid":"s","Version":"1.3","NAT":"{wire}"}}"#)).unwrap();
        assert_eq!(request.nat, nat, "{wire}");
        // And encoded back as sent.
        assert!(text(request.encode()).contains(&format!(r#""NAT":"{wire}""#)));
    }
    // A value this broker does not know is read as unknown, never refused.
    for other in ["Open", "symmetric", " open", "full cone"] {
        let request =
            decode_poll(&format!(r#"{{"Sid":"s","Version":"1.3","NAT":"{other}"}}"#)).unwrap();
        assert_eq!(request.nat, NatType::Unknown, "{other}");
    }
    for (wire, proxy_type) in [
        ("standalone", ProxyType::Standalone),
        ("webext", ProxyType::Webext),
        ("badge", ProxyType::Badge),
        ("iptproxy", ProxyType::IptProxy),
        ("bloco", ProxyType::Bloco),
        ("unknown", ProxyType::Unknown),
        ("my-own-proxy", ProxyType::Unknown),
        ("Standalone", ProxyType::Unknown),
        ("", ProxyType::Unknown),
    ] {
        let request = decode_poll(&format!(r#"{{"Sid":"s","Version":"1.3","Type":"{wire}"}}"#));
        assert_eq!(request.unwrap().proxy_type, proxy_type, "{wire}");
        if proxy_type != ProxyType::Unknown {
            assert_eq!(proxy_type.as_str(), wire);
        }
    }
    assert_eq!(ProxyType::Unknown.to_string(), "unknown");
}

#[test]
fn poll_request_clients() {
    let clients = |value: &str| {
        decode_poll(&format!(
            r#"{{"Sid":"s","Version":"1.3","Clients":{value}}}"#
        ))
    };
    assert_eq!(clients("16").unwrap().clients, 16);
    assert_eq!(clients("-8").unwrap().clients, 0);
    assert_eq!(clients("null").unwrap().clients, 0);
    assert_eq!(
        clients("9223372036854775807").unwrap().clients,
        i64::MAX as u64
    );
    for bad in ["8.0", "1e3", "\"8\"", "true", "9223372036854775808", "[]"] {
        assert!(
            matches!(
                clients(bad),
                Err(ProxyPollRequestError::Json(JsonError::WrongType {
                    field: "Clients",
                    ..
                }))
            ),
            "{bad}"
        );
    }
}

#[test]
fn poll_request_keys_are_case_insensitive() {
    let json = r#"{"sid":"AAAAAAAAAAAAAAAAAAAAAA","VERSION":"1.3","type":"standalone","nat":"unrestricted","clients":8,"acceptedrelaypattern":"snowflake.torproject.net$","Unknown":{"deep":[1,2,3]}}"#;
    assert_eq!(decode_poll(json), Ok(poll_request()));
    // Go folds U+017F (long s) to 's' and U+212A (Kelvin) to 'k'.
    let json = "{\"\u{17f}id\":\"x\",\"Version\":\"1.3\"}";
    assert_eq!(decode_poll(json).unwrap().sid, "x");
    // Last duplicate wins; a null does not reset a string field.
    let json = r#"{"Sid":"a","sid":"b","SID":null,"Version":"1.3"}"#;
    assert_eq!(decode_poll(json).unwrap().sid, "b");
    // A wrong type anywhere fails, as in Go.
    assert!(decode_poll(r#"{"Sid":1,"sid":"b","Version":"1.3"}"#).is_err());
}

#[test]
fn poll_request_garbage() {
    for bad in ["", "{", "[]", "1", "{\"Sid\":\"s\"", "{\"Sid\":\"s\",}"] {
        assert!(
            matches!(decode_poll(bad), Err(ProxyPollRequestError::Json(_))),
            "{bad}"
        );
    }
    assert_eq!(
        ProxyPollRequest::decode(&vec![b' '; READ_LIMIT + 1]),
        Err(ProxyPollRequestError::TooLarge)
    );
    // Deep nesting is refused by the parser's depth limit, not a stack
    // overflow.
    let deep = format!("{{\"x\":{}", "[".repeat(50_000));
    assert!(matches!(
        decode_poll(&deep),
        Err(ProxyPollRequestError::Json(_))
    ));
    let deep_top = "[".repeat(50_000);
    assert!(matches!(
        decode_poll(&deep_top),
        Err(ProxyPollRequestError::Json(_))
    ));
}

#[test]
fn poll_response_vectors() {
    // 2.5.1 shape (no NextPoll), the §11.7 vector.
    assert_eq!(
        text(ProxyPollResponse::no_match(None).encode()),
        r#"{"Status":"no match","Offer":"","NAT":"","RelayURL":""}"#
    );
    // 2.13+ shapes.
    assert_eq!(
        text(ProxyPollResponse::no_match(Some(DEFAULT_NEXT_POLL)).encode()),
        r#"{"Status":"no match","Offer":"","NAT":"","NextPoll":20000,"RelayURL":""}"#
    );
    assert_eq!(
        text(ProxyPollResponse::incorrect_relay_pattern(Some(REJECTED_NEXT_POLL)).encode()),
        r#"{"Status":"incorrect relay pattern","Offer":"","NAT":"","NextPoll":3600000,"RelayURL":""}"#
    );
    let offer = SessionDescription::new(SdpType::Offer, "v=0\r\n").to_json();
    let matched = ProxyPollResponse::client_match(
        offer.clone(),
        NatType::Restricted,
        "wss://snowflake.torproject.net/",
        Some(DEFAULT_NEXT_POLL),
    );
    let encoded = format!(
        r#"{{"Status":"client match","Offer":{OFFER_FIELD},"NAT":"restricted","NextPoll":20000,"RelayURL":"wss://snowflake.torproject.net/"}}"#
    );
    assert_eq!(text(matched.encode()), encoded);
    assert_eq!(
        ProxyPollResponse::decode(encoded.as_bytes()),
        Ok(matched.clone())
    );
    assert_eq!(
        matched.offer_description(),
        Ok(SessionDescription::new(SdpType::Offer, "v=0\r\n"))
    );

    let old = ProxyPollResponse {
        next_poll: None,
        ..matched
    };
    assert_eq!(
        text(old.encode()),
        format!(
            r#"{{"Status":"client match","Offer":{OFFER_FIELD},"NAT":"restricted","RelayURL":"wss://snowflake.torproject.net/"}}"#
        )
    );
}

#[test]
fn nat_probe_bodies_6_5() {
    let offer = SessionDescription::new(SdpType::Offer, "v=0\r\n").to_json();
    let probe = ProxyPollResponse {
        nat: None,
        ..ProxyPollResponse::client_match(offer.clone(), NatType::Unknown, "", None)
    };
    assert_eq!(
        text(probe.encode()),
        format!(r#"{{"Status":"client match","Offer":{OFFER_FIELD},"NAT":"","RelayURL":""}}"#)
    );
    let probe_new = ProxyPollResponse {
        next_poll: Some(Duration::ZERO),
        ..probe
    };
    assert_eq!(
        text(probe_new.encode()),
        format!(
            r#"{{"Status":"client match","Offer":{OFFER_FIELD},"NAT":"","NextPoll":0,"RelayURL":""}}"#
        )
    );
    let reply = ProxyAnswerRequest::new(PROBE_STUB_SID, &answer());
    assert!(text(reply.encode()).starts_with(r#"{"Version":"1.3","Sid":"stub-sid","Answer":"#));
}

#[test]
fn poll_response_decoding_rules() {
    let decode = |json: &str| ProxyPollResponse::decode(json.as_bytes());
    assert_eq!(decode("{}"), Err(ProxyPollResponseError::NoStatus));
    assert_eq!(
        decode(r#"{"Status":""}"#),
        Err(ProxyPollResponseError::NoStatus)
    );
    assert_eq!(
        ProxyPollResponseError::NoStatus.to_string(),
        "received invalid data"
    );
    assert_eq!(
        decode(r#"{"Status":"client match","Offer":""}"#),
        Err(ProxyPollResponseError::NoOffer)
    );
    assert_eq!(
        ProxyPollResponseError::NoOffer.to_string(),
        "no supplied offer"
    );
    let unknown = decode(r#"{"Status":"come back never","NextPoll":5}"#).unwrap_err();
    assert_eq!(
        unknown,
        ProxyPollResponseError::UnknownStatus("come back never".into())
    );
    assert_eq!(unknown.to_string(), "come back never");

    // The rate-limit refusal of brokers with a per-address poll limit: no
    // client, come back after NextPoll.
    let too_soon =
        decode(r#"{"Status":"polled too soon","Offer":"","NAT":"","NextPoll":5000,"RelayURL":""}"#)
            .unwrap();
    assert!(too_soon.polled_too_soon);
    assert_eq!(too_soon.status, ProxyPollStatus::NoMatch);
    assert_eq!(too_soon.next_poll, Some(Duration::from_secs(5)));
    assert_eq!(
        too_soon,
        ProxyPollResponse::polled_too_soon(Duration::from_secs(5))
    );
    assert_eq!(
        text(too_soon.encode()),
        r#"{"Status":"polled too soon","Offer":"","NAT":"","NextPoll":5000,"RelayURL":""}"#
    );
    // Go's minimal form (only Status and NextPoll), and an offer that must
    // be dropped.
    let minimal = decode(r#"{"Status":"polled too soon","NextPoll":1,"Offer":"x"}"#).unwrap();
    assert!(minimal.polled_too_soon);
    assert_eq!(minimal.offer, "");
    assert_eq!(minimal.next_poll, Some(Duration::from_millis(1)));
    // Other statuses are not flagged.
    assert!(!decode(r#"{"Status":"no match"}"#).unwrap().polled_too_soon);

    // Offer dropped unless matched; empty NAT means unknown.
    let no_match = decode(r#"{"Status":"no match","Offer":"junk","NAT":""}"#).unwrap();
    assert_eq!(no_match.status, ProxyPollStatus::NoMatch);
    assert_eq!(no_match.offer, "");
    assert_eq!(no_match.nat, None);
    assert_eq!(no_match.client_nat(), NatType::Unknown);
    assert_eq!(no_match.next_poll, None);

    let rejected = decode(r#"{"status":"incorrect relay pattern","nextpoll":3600000}"#).unwrap();
    assert_eq!(rejected.status, ProxyPollStatus::IncorrectRelayPattern);
    assert_eq!(rejected.next_poll, Some(REJECTED_NEXT_POLL));

    let negative = decode(r#"{"Status":"no match","NextPoll":-5}"#).unwrap();
    assert_eq!(negative.next_poll, Some(Duration::ZERO));

    let matched = decode(
        r#"{"STATUS":"client match","offer":"o","nat":"unrestricted","relayurl":"wss://r/","x":1}"#,
    )
    .unwrap();
    assert_eq!(matched.offer, "o");
    assert_eq!(matched.client_nat(), NatType::Unrestricted);
    assert_eq!(matched.relay_url, "wss://r/");

    for bad in [
        "",
        "[",
        "\"client match\"",
        r#"{"Status":1}"#,
        r#"{"Status":"no match","NextPoll":1.5}"#,
    ] {
        assert!(
            matches!(decode(bad), Err(ProxyPollResponseError::Json(_))),
            "{bad}"
        );
    }
    assert_eq!(
        ProxyPollResponse::decode(&vec![b' '; READ_LIMIT + 1]),
        Err(ProxyPollResponseError::TooLarge)
    );
}

#[test]
fn status_strings() {
    assert_eq!(ProxyPollStatus::ClientMatch.as_str(), "client match");
    assert_eq!(ProxyPollStatus::NoMatch.as_str(), "no match");
    assert_eq!(POLLED_TOO_SOON, "polled too soon");
    assert_eq!(
        ProxyPollStatus::IncorrectRelayPattern.to_string(),
        "incorrect relay pattern"
    );
}

#[test]
fn answer_vectors_11_7() {
    let request = ProxyAnswerRequest::new(SID, &answer());
    let encoded = r#"{"Version":"1.3","Sid":"AAAAAAAAAAAAAAAAAAAAAA","Answer":"{\"type\":\"answer\",\"sdp\":\"v=0\\r\\na=candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host\\r\\n\"}"}"#;
    assert_eq!(text(request.encode()), encoded);
    assert_eq!(
        ProxyAnswerRequest::decode(encoded.as_bytes()),
        Ok(request.clone())
    );
    assert_eq!(request.answer_description(), Ok(answer()));

    assert_eq!(
        text(ProxyAnswerResponse::Success.encode()),
        r#"{"Status":"success"}"#
    );
    assert_eq!(
        text(ProxyAnswerResponse::ClientGone.encode()),
        r#"{"Status":"client gone"}"#
    );
}

#[test]
fn answer_request_checks() {
    let decode = |json: &str| ProxyAnswerRequest::decode(json.as_bytes());
    let answer_field = serde_json::to_string(&answer().to_json()).unwrap();
    let no_candidate =
        serde_json::to_string(&SessionDescription::new(SdpType::Answer, "v=0\r\n").to_json())
            .unwrap();

    assert_eq!(
        decode(&format!(
            r#"{{"Version":"1.3","Sid":"s","Answer":{no_candidate}}}"#
        )),
        Err(ProxyAnswerRequestError::NoCandidate)
    );
    // The broker checks the raw body, so a candidate anywhere satisfies it.
    assert!(decode(&format!(
        r#"{{"Version":"1.3","Sid":"s","Answer":{no_candidate},"x":"a=candidate"}}"#
    ))
    .is_ok());
    assert_eq!(
        decode(&format!(
            r#"{{"Version":"2.0","Sid":"s","Answer":{answer_field}}}"#
        )),
        Err(ProxyAnswerRequestError::UnknownVersion)
    );
    assert_eq!(
        ProxyAnswerRequestError::UnknownVersion.to_string(),
        "using unknown version"
    );
    for bad in [
        format!(r#"{{"Version":"1.3","Answer":{answer_field}}}"#),
        format!(r#"{{"Version":"1.3","Sid":"","Answer":{answer_field}}}"#),
        r#"{"Version":"1.3","Sid":"s","Answer":"","x":"a=candidate"}"#.to_string(),
    ] {
        assert_eq!(
            decode(&bad),
            Err(ProxyAnswerRequestError::NoSidOrAnswer),
            "{bad}"
        );
    }
    assert_eq!(
        ProxyAnswerRequestError::NoSidOrAnswer.to_string(),
        "no supplied sid or answer"
    );
    let malformed = decode(r#"{"Version":"1.3","Sid":"s","Answer":"a=candidate"}"#).unwrap_err();
    assert!(matches!(
        malformed,
        ProxyAnswerRequestError::MalformedAnswer(SdpJsonError::Json(_))
    ));
    assert!(malformed
        .to_string()
        .starts_with("malformed session description: "));
    assert_eq!(
        decode(r#"{"Version":"1.3","Sid":"s","Answer":"{\"sdp\":\"a=candidate\"}"}"#)
            .unwrap_err()
            .to_string(),
        "malformed session description: cannot deserialize SessionDescription without type field"
    );
    // Case-insensitive keys.
    let request = decode(&format!(
        r#"{{"version":"1.3","SID":"s","answer":{answer_field}}}"#
    ))
    .unwrap();
    assert_eq!(request.sid, "s");
    assert!(matches!(
        decode("a=candidate"),
        Err(ProxyAnswerRequestError::Json(_))
    ));
    assert_eq!(
        ProxyAnswerRequest::decode(&vec![b' '; READ_LIMIT + 1]),
        Err(ProxyAnswerRequestError::TooLarge)
    );
}

#[test]
fn answer_response_decoding() {
    let decode = |json: &str| ProxyAnswerResponse::decode(json.as_bytes());
    assert_eq!(
        decode(r#"{"Status":"success"}"#),
        Ok(ProxyAnswerResponse::Success)
    );
    assert_eq!(
        decode(r#"{"status":"success"}"#),
        Ok(ProxyAnswerResponse::Success)
    );
    assert_eq!(
        decode(r#"{"Status":"client gone"}"#),
        Ok(ProxyAnswerResponse::ClientGone)
    );
    assert_eq!(
        decode(r#"{"Status":"anything"}"#),
        Ok(ProxyAnswerResponse::ClientGone)
    );
    assert_eq!(decode("{}"), Err(ProxyAnswerResponseError::NoStatus));
    assert_eq!(
        ProxyAnswerResponseError::NoStatus.to_string(),
        "received invalid data"
    );
    assert!(matches!(
        decode("{"),
        Err(ProxyAnswerResponseError::Json(_))
    ));
}

#[test]
fn session_ids_look_like_gos() {
    let sid = new_session_id();
    assert_eq!(sid.len(), 22);
    assert!(sid
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/'));
    assert_ne!(new_session_id(), sid);
}

proptest! {
    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = ProxyPollRequest::decode(&bytes);
        let _ = ProxyPollResponse::decode(&bytes);
        let _ = ProxyAnswerRequest::decode(&bytes);
        let _ = ProxyAnswerResponse::decode(&bytes);
    }

    #[test]
    fn poll_request_round_trips(
        sid in "[A-Za-z0-9+/]{1,30}",
        clients in 0u64..=i64::MAX as u64,
        pattern in proptest::option::of(any::<String>()),
        nat in prop_oneof![Just(NatType::Unknown), Just(NatType::Restricted), Just(NatType::Unrestricted)],
    ) {
        let request = ProxyPollRequest {
            sid,
            proxy_type: ProxyType::Webext,
            nat,
            clients,
            accepted_relay_pattern: pattern,
        };
        prop_assert_eq!(ProxyPollRequest::decode(&request.encode()), Ok(request));
    }

    #[test]
    fn poll_response_round_trips(
        offer in "\\PC+",
        relay_url in any::<String>(),
        next_poll_ms in proptest::option::of(0u64..=i64::MAX as u64),
    ) {
        let response = ProxyPollResponse::client_match(
            offer,
            NatType::Restricted,
            relay_url,
            next_poll_ms.map(Duration::from_millis),
        );
        prop_assert_eq!(ProxyPollResponse::decode(&response.encode()), Ok(response));
    }
}
