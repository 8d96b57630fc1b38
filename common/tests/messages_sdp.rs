//! Session description JSON (docs/protocol.md §5).

use snowflake_common::messages::{SdpJsonError, SdpType, SessionDescription};

#[test]
fn serialises_like_go() {
    let offer = SessionDescription::new(SdpType::Offer, "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n");
    assert_eq!(
        offer.to_json(),
        r#"{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n"}"#
    );
    // Go's encoder escapes HTML-sensitive characters.
    let odd = SessionDescription::new(SdpType::Answer, "<&>");
    assert_eq!(
        odd.to_json(),
        r#"{"type":"answer","sdp":"\u003c\u0026\u003e"}"#
    );
}

#[test]
fn all_types_round_trip() {
    for (sdp_type, text) in [
        (SdpType::Offer, "offer"),
        (SdpType::Pranswer, "pranswer"),
        (SdpType::Answer, "answer"),
        (SdpType::Rollback, "rollback"),
    ] {
        assert_eq!(sdp_type.as_str(), text);
        assert_eq!(SdpType::from_wire(text), Some(sdp_type));
        let description = SessionDescription::new(sdp_type, "v=0\r\n");
        assert_eq!(
            SessionDescription::from_json(&description.to_json()),
            Ok(description)
        );
    }
}

#[test]
fn parsing_is_strict_about_keys_and_types() {
    let cases: [(&str, SdpJsonError); 8] = [
        (r#"{"sdp":"v=0"}"#, SdpJsonError::MissingType),
        (r#"{"type":"offer"}"#, SdpJsonError::MissingSdp),
        (r#"{"type":"Offer","sdp":"v=0"}"#, SdpJsonError::UnknownType),
        (r#"{"type":"","sdp":"v=0"}"#, SdpJsonError::UnknownType),
        (r#"{"type":1,"sdp":"v=0"}"#, SdpJsonError::TypeNotString),
        (r#"{"type":null,"sdp":"v=0"}"#, SdpJsonError::TypeNotString),
        (
            r#"{"type":"offer","sdp":["v=0"]}"#,
            SdpJsonError::SdpNotString,
        ),
        ("null", SdpJsonError::MissingType),
    ];
    for (json, expected) in cases {
        assert_eq!(SessionDescription::from_json(json), Err(expected), "{json}");
    }
    // Keys are exact here (Go decodes into a map, not a struct).
    assert_eq!(
        SessionDescription::from_json(r#"{"Type":"offer","sdp":"v=0"}"#),
        Err(SdpJsonError::MissingType)
    );
    for garbage in [
        "",
        "{",
        "[]",
        "\"offer\"",
        "{\"type\":\"offer\",\"sdp\":\"x\"} x",
    ] {
        assert!(matches!(
            SessionDescription::from_json(garbage),
            Err(SdpJsonError::Json(_))
        ));
    }
}

#[test]
fn error_texts_are_gos() {
    assert_eq!(
        SdpJsonError::MissingType.to_string(),
        "cannot deserialize SessionDescription without type field"
    );
    assert_eq!(
        SdpJsonError::MissingSdp.to_string(),
        "cannot deserialize SessionDescription without sdp field"
    );
    assert_eq!(SdpJsonError::UnknownType.to_string(), "Unknown SDP type");
}

#[test]
fn extra_keys_ignored_and_last_duplicate_wins() {
    let parsed =
        SessionDescription::from_json(r#"{"type":"offer","sdp":"a","x":{"y":[1]},"sdp":"b"}"#)
            .unwrap();
    assert_eq!(parsed, SessionDescription::new(SdpType::Offer, "b"));
}

#[test]
fn candidate_detection() {
    assert!(SessionDescription::new(
        SdpType::Answer,
        "v=0\r\na=candidate:1 1 udp 1 1.2.3.4 5 typ host\r\n"
    )
    .has_candidate());
    assert!(!SessionDescription::new(SdpType::Answer, "v=0\r\n").has_candidate());
}
