//! Client ⇄ broker messages (docs/protocol.md §4.2, vectors §11.7).

use proptest::prelude::*;
use snowflake_common::messages::client::{
    CLIENT_VERSION, DEFAULT_BRIDGE_FINGERPRINT, NAT_TYPE_HEADER, STR_CANNOT_DECODE_URL_PATH,
    STR_NO_PROXIES, STR_TIMED_OUT, STR_UNKNOWN_BRIDGE,
};
use snowflake_common::messages::{
    BridgeFingerprint, BridgeFingerprintError, ClientPollFormat, ClientPollRequest,
    ClientPollRequestError, ClientPollResponse, ClientPollResponseError, JsonError, NatType,
    SdpJsonError, SdpType, SessionDescription, READ_LIMIT,
};

/// The offer JSON `{"type":"offer","sdp":"v=0\r\n"}` as a JSON string value.
const OFFER_FIELD: &str = r#""{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}""#;

fn offer() -> SessionDescription {
    SessionDescription::new(SdpType::Offer, "v=0\r\n")
}

fn body(json: &str) -> Vec<u8> {
    format!("1.0\n{json}").into_bytes()
}

fn decode_err(json: &str) -> String {
    ClientPollRequest::decode(&body(json))
        .expect_err("decode should fail")
        .to_string()
}

#[test]
fn poll_request_vector_11_7() {
    let request = ClientPollRequest::new(&offer(), NatType::Unknown, BridgeFingerprint::default());
    let expected = format!(
        "1.0\n{{\"offer\":{OFFER_FIELD},\"nat\":\"unknown\",\"fingerprint\":\"2B280B23E1107BB62ABFC40DDCC8824814F80A72\"}}"
    );
    assert_eq!(String::from_utf8(request.encode()).unwrap(), expected);
    assert_eq!(ClientPollRequest::decode(expected.as_bytes()), Ok(request));
}

#[test]
fn constants() {
    assert_eq!(CLIENT_VERSION, "1.0");
    assert_eq!(READ_LIMIT, 100_000);
    assert_eq!(NAT_TYPE_HEADER, "Snowflake-NAT-Type");
    assert_eq!(STR_NO_PROXIES, "no snowflake proxies currently available");
    assert_eq!(STR_TIMED_OUT, "timed out waiting for answer!");
    assert_eq!(
        STR_UNKNOWN_BRIDGE,
        "bridge with requested fingerprint is unknown to the broker"
    );
    assert_eq!(STR_CANNOT_DECODE_URL_PATH, "cannot decode URL path");
    assert_eq!(
        BridgeFingerprint::default().to_hex(),
        DEFAULT_BRIDGE_FINGERPRINT
    );
}

#[test]
fn nat_type_strings() {
    for (nat, text) in [
        (NatType::Unknown, "unknown"),
        (NatType::Restricted, "restricted"),
        (NatType::Unrestricted, "unrestricted"),
    ] {
        assert_eq!(nat.as_str(), text);
        assert_eq!(nat.to_string(), text);
        assert_eq!(NatType::from_wire(text), Some(nat));
    }
    assert_eq!(NatType::from_wire(""), None);
    assert_eq!(NatType::from_wire("Unrestricted"), None);
    assert_eq!(NatType::default(), NatType::Unknown);
}

#[test]
fn version_line_errors() {
    for bad in [
        &b""[..],
        b"1.0",
        b"1.0{}",
        b"2.0\n{}",
        b"1.0\r\n{}",
        b" 1.0\n{}",
        b"1.00\n{}",
    ] {
        assert_eq!(
            ClientPollRequest::decode(bad),
            Err(ClientPollRequestError::UnsupportedVersion),
            "{bad:?}"
        );
    }
    assert_eq!(
        ClientPollRequestError::UnsupportedVersion.to_string(),
        "unsupported message version"
    );
}

#[test]
fn offer_errors() {
    assert_eq!(decode_err("{}"), "no supplied offer");
    assert_eq!(decode_err(r#"{"offer":""}"#), "no supplied offer");
    assert_eq!(decode_err(r#"{"offer":null}"#), "no supplied offer");
    assert_eq!(
        decode_err(r#"{"offer":"{\"sdp\":\"v=0\"}"}"#),
        "malformed session description: cannot deserialize SessionDescription without type field"
    );
    assert_eq!(
        decode_err(r#"{"offer":"{\"type\":\"offer\"}"}"#),
        "malformed session description: cannot deserialize SessionDescription without sdp field"
    );
    assert_eq!(
        decode_err(r#"{"offer":"{\"type\":\"bogus\",\"sdp\":\"\"}"}"#),
        "malformed session description: Unknown SDP type"
    );
    assert!(decode_err(r#"{"offer":"v=0"}"#).starts_with("malformed session description: "));
    assert!(matches!(
        ClientPollRequest::decode(&body(r#"{"offer":"v=0"}"#)),
        Err(ClientPollRequestError::MalformedOffer(SdpJsonError::Json(
            _
        )))
    ));
}

#[test]
fn fingerprint_rules() {
    let with = |fp: &str| {
        ClientPollRequest::decode(&body(&format!(
            r#"{{"offer":{OFFER_FIELD},"fingerprint":"{fp}"}}"#
        )))
    };
    for bad in [
        "zz",
        "2B280B23E1107BB62ABFC40DDCC8824814F80A7",
        "00",
        "2B28 0B23",
    ] {
        assert_eq!(
            with(bad),
            Err(ClientPollRequestError::BadFingerprint),
            "{bad}"
        );
    }
    assert_eq!(
        ClientPollRequestError::BadFingerprint.to_string(),
        "cannot decode fingerprint"
    );
    // 20 bytes in lower case, and 32 bytes, are fine.
    let lower = with("2b280b23e1107bb62abfc40ddcc8824814f80a72").unwrap();
    assert_eq!(lower.fingerprint, BridgeFingerprint::default());
    let long = with(&"ab".repeat(32)).unwrap();
    assert_eq!(long.fingerprint.as_bytes(), &[0xab; 32][..]);
    // Empty or missing means the default bridge.
    assert_eq!(with("").unwrap().fingerprint, BridgeFingerprint::default());
    let missing = ClientPollRequest::decode(&body(&format!(r#"{{"offer":{OFFER_FIELD}}}"#)));
    assert_eq!(missing.unwrap().fingerprint, BridgeFingerprint::default());

    assert_eq!(
        BridgeFingerprint::from_hex("abc"),
        Err(BridgeFingerprintError::NotHex)
    );
    assert_eq!(
        BridgeFingerprint::from_bytes(&[0; 21]),
        Err(BridgeFingerprintError::WrongLength)
    );
}

#[test]
fn nat_rules() {
    let with = |nat: &str| {
        ClientPollRequest::decode(&body(&format!(
            r#"{{"offer":{OFFER_FIELD},"nat":"{nat}"}}"#
        )))
    };
    assert_eq!(with("").unwrap().nat, NatType::Unknown);
    assert_eq!(with("unknown").unwrap().nat, NatType::Unknown);
    assert_eq!(with("restricted").unwrap().nat, NatType::Restricted);
    assert_eq!(with("unrestricted").unwrap().nat, NatType::Unrestricted);
    assert_eq!(with("open").unwrap().nat, NatType::Open);
    assert_eq!(with("moderate").unwrap().nat, NatType::Moderate);
    assert_eq!(with("strict").unwrap().nat, NatType::Strict);
    // Not recognised: read as unknown (pairs only with open proxies),
    // never refused.
    for other in ["Unrestricted", "OPEN", " unknown", "symmetric"] {
        assert_eq!(with(other).unwrap().nat, NatType::Unknown, "{other}");
    }
}

#[test]
fn keys_are_case_insensitive_unknown_ignored_last_wins() {
    let json = format!(
        r#"{{"OFFER":{OFFER_FIELD},"Nat":"restricted","extra":[1,{{"a":2}}],"nAt":"unrestricted","FingerPrint":"{}"}}"#,
        "cd".repeat(20)
    );
    let request = ClientPollRequest::decode(&body(&json)).unwrap();
    assert_eq!(request.offer_description(), Ok(offer()));
    assert_eq!(request.nat, NatType::Unrestricted);
    assert_eq!(request.fingerprint.as_bytes(), &[0xcd; 20][..]);
}

#[test]
fn json_errors_are_errors() {
    for bad in [
        "",
        "{",
        "[]",
        "\"x\"",
        "{} {}",
        r#"{"offer":5}"#,
        r#"{"nat":true}"#,
    ] {
        assert!(
            matches!(
                ClientPollRequest::decode(&body(bad)),
                Err(ClientPollRequestError::Json(_))
            ),
            "{bad}"
        );
    }
    // A top-level null decodes like an empty object, as in Go.
    assert_eq!(decode_err("null"), "no supplied offer");
    assert!(matches!(
        ClientPollRequest::decode(&body(r#"{"offer":5}"#)),
        Err(ClientPollRequestError::Json(JsonError::WrongType {
            field: "offer",
            ..
        }))
    ));
}

#[test]
fn oversize_body_is_refused() {
    let padding = " ".repeat(READ_LIMIT);
    let big = body(&format!("{{\"offer\":{OFFER_FIELD}}}{padding}"));
    assert_eq!(
        ClientPollRequest::decode(&big),
        Err(ClientPollRequestError::TooLarge)
    );
    let big_legacy = format!("{}{padding}", offer().to_json());
    assert_eq!(
        ClientPollRequest::decode_with_legacy(big_legacy.as_bytes(), None),
        Err(ClientPollRequestError::TooLarge)
    );
}

#[test]
fn legacy_format() {
    let raw = offer().to_json();
    let (format, request) =
        ClientPollRequest::decode_with_legacy(raw.as_bytes(), Some("restricted")).unwrap();
    assert_eq!(format, ClientPollFormat::Legacy);
    assert_eq!(request.offer, raw);
    assert_eq!(request.nat, NatType::Restricted);
    assert_eq!(request.fingerprint, BridgeFingerprint::default());

    for header in [None, Some(""), Some("bogus")] {
        let (_, request) = ClientPollRequest::decode_with_legacy(raw.as_bytes(), header).unwrap();
        assert_eq!(request.nat, NatType::Unknown);
    }
    assert!(matches!(
        ClientPollRequest::decode_with_legacy(b"{\"sdp\":\"v=0\"}", None),
        Err(ClientPollRequestError::MalformedOffer(
            SdpJsonError::MissingType
        ))
    ));

    // Anything not starting with '{' is the versioned format; the header is
    // then ignored.
    let versioned =
        ClientPollRequest::new(&offer(), NatType::Restricted, BridgeFingerprint::default());
    let (format, request) =
        ClientPollRequest::decode_with_legacy(&versioned.encode(), Some("unrestricted")).unwrap();
    assert_eq!(format, ClientPollFormat::V1);
    assert_eq!(request, versioned);
    assert_eq!(
        ClientPollRequest::decode_with_legacy(b" {}", None),
        Err(ClientPollRequestError::UnsupportedVersion)
    );
}

#[test]
fn poll_response_vectors_11_7() {
    let answer = SessionDescription::new(SdpType::Answer, "v=0\r\n");
    let response = ClientPollResponse::from_answer(&answer);
    let encoded = r#"{"answer":"{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}"}"#;
    assert_eq!(String::from_utf8(response.encode()).unwrap(), encoded);
    assert_eq!(ClientPollResponse::decode(encoded.as_bytes()), Ok(response));

    let error = ClientPollResponse::Error(STR_NO_PROXIES.to_string());
    let encoded = r#"{"error":"no snowflake proxies currently available"}"#;
    assert_eq!(String::from_utf8(error.encode()).unwrap(), encoded);
    assert_eq!(ClientPollResponse::decode(encoded.as_bytes()), Ok(error));

    let timed_out = ClientPollResponse::Error(STR_TIMED_OUT.to_string());
    assert_eq!(
        String::from_utf8(timed_out.encode()).unwrap(),
        r#"{"error":"timed out waiting for answer!"}"#
    );
}

#[test]
fn poll_response_decoding_rules() {
    // omitempty: nothing set encodes as {}.
    assert_eq!(ClientPollResponse::Error(String::new()).encode(), b"{}");
    assert_eq!(ClientPollResponse::Answer(String::new()).encode(), b"{}");
    for empty in [&b"{}"[..], b"null", br#"{"answer":"","error":""}"#] {
        assert_eq!(
            ClientPollResponse::decode(empty),
            Err(ClientPollResponseError::Empty)
        );
    }
    assert_eq!(
        ClientPollResponseError::Empty.to_string(),
        "received empty broker response"
    );
    // An error wins over an answer, as in the Go client.
    assert_eq!(
        ClientPollResponse::decode(br#"{"answer":"x","error":"e"}"#),
        Ok(ClientPollResponse::Error("e".into()))
    );
    assert_eq!(
        ClientPollResponse::decode(br#"{"ANSWER":"x","other":1}"#),
        Ok(ClientPollResponse::Answer("x".into()))
    );
    assert!(matches!(
        ClientPollResponse::decode(b"<html>"),
        Err(ClientPollResponseError::Json(_))
    ));
    assert_eq!(
        ClientPollResponse::decode(&vec![b' '; READ_LIMIT + 1]),
        Err(ClientPollResponseError::TooLarge)
    );
}

proptest! {
    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = ClientPollRequest::decode(&bytes);
        let _ = ClientPollRequest::decode_with_legacy(&bytes, Some("restricted"));
        let mut versioned = b"1.0\n".to_vec();
        versioned.extend_from_slice(&bytes);
        let _ = ClientPollRequest::decode(&versioned);
        let _ = ClientPollResponse::decode(&bytes);
    }

    #[test]
    fn request_round_trips(
        sdp in "\\PC*",
        nat in prop_oneof![Just(NatType::Unknown), Just(NatType::Restricted), Just(NatType::Unrestricted)],
        fingerprint in proptest::collection::vec(any::<u8>(), 20..=20),
    ) {
        let request = ClientPollRequest::new(
            &SessionDescription::new(SdpType::Offer, sdp),
            nat,
            BridgeFingerprint::from_bytes(&fingerprint).unwrap(),
        );
        prop_assert_eq!(ClientPollRequest::decode(&request.encode()), Ok(request));
    }

    #[test]
    fn response_round_trips(text in "\\PC+", is_error: bool) {
        let response = if is_error {
            ClientPollResponse::Error(text)
        } else {
            ClientPollResponse::Answer(text)
        };
        prop_assert_eq!(ClientPollResponse::decode(&response.encode()), Ok(response));
    }
}
