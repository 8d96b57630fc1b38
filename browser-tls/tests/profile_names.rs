//! `utls-imitate` and `utls-nosni` values, as upstream Snowflake spells
//! them.

use snowflake_browser_tls::{utls_nosni, HelloProfile};

/// Every value upstream accepts, with the hello we send and whether that
/// is a substitution.
const UPSTREAM: &[(&str, HelloProfile, bool)] = &[
    ("hellorandomizedalpn", HelloProfile::RandomizedAlpn, false),
    (
        "hellorandomizednoalpn",
        HelloProfile::RandomizedNoAlpn,
        false,
    ),
    ("hellofirefox_auto", HelloProfile::Firefox, false),
    ("hellofirefox_55", HelloProfile::Firefox, true),
    ("hellofirefox_56", HelloProfile::Firefox, true),
    ("hellofirefox_63", HelloProfile::Firefox, true),
    ("hellofirefox_65", HelloProfile::Firefox, true),
    ("hellochrome_auto", HelloProfile::Chrome, false),
    ("hellochrome_58", HelloProfile::Chrome, true),
    ("hellochrome_62", HelloProfile::Chrome, true),
    ("hellochrome_70", HelloProfile::Chrome, true),
    ("hellochrome_72", HelloProfile::Chrome, true),
    ("helloios_auto", HelloProfile::Chrome, true),
    ("helloios_11_1", HelloProfile::Chrome, true),
    ("helloios_12_1", HelloProfile::Chrome, true),
    ("hellogolang", HelloProfile::Golang, false),
];

/// uTLS's own spelling of the IDs (what people copy into bridge lines).
fn camel(name: &str) -> String {
    name.replacen("hello", "Hello", 1)
        .replace("randomizedalpn", "RandomizedALPN")
        .replace("randomizednoalpn", "RandomizedNoALPN")
        .replace("firefox", "Firefox")
        .replace("chrome", "Chrome")
        .replace("ios", "IOS")
        .replace("golang", "Golang")
        .replace("auto", "Auto")
}

#[test]
fn every_upstream_value_is_accepted_in_any_case() {
    for &(name, profile, substituted) in UPSTREAM {
        for spelling in [name.to_string(), name.to_ascii_uppercase(), camel(name)] {
            let choice = HelloProfile::from_utls_name(&spelling)
                .unwrap_or_else(|e| panic!("{spelling}: {e}"));
            assert_eq!(choice.profile, profile, "{spelling}");
            assert_eq!(choice.requested, name, "{spelling}");
            assert_eq!(
                choice.substituted_from,
                substituted.then_some(name),
                "{spelling}"
            );
            let note = choice.note();
            assert_eq!(note.is_some(), substituted, "{spelling}");
            if let Some(note) = note {
                let browser = match profile {
                    HelloProfile::Firefox => "Firefox 153 ESR",
                    _ => "Chrome 156",
                };
                assert!(note.contains(name) && note.contains(browser), "{note}");
            }
        }
    }
    assert_eq!(snowflake_browser_tls::KNOWN_NAMES.len(), UPSTREAM.len());
}

#[test]
fn unknown_values_are_rejected_naming_the_value() {
    for bad in [
        "",
        "chrome",
        "hellochrome",
        "hellochrome_120",
        "hellofirefox_99",
        "hello golang",
        "HelloEdge_Auto",
    ] {
        let err = HelloProfile::from_utls_name(bad).expect_err(bad);
        assert_eq!(err.name, bad);
        let msg = err.to_string();
        assert!(msg.contains(&format!("{bad:?}")), "{msg}");
        assert!(
            msg.contains("hellochrome_auto"),
            "lists the known values: {msg}"
        );
    }
}

#[test]
fn h2_is_offered_by_the_alpn_profiles_only() {
    assert!(HelloProfile::Chrome.offers_h2());
    assert!(HelloProfile::Firefox.offers_h2());
    assert!(HelloProfile::RandomizedAlpn.offers_h2());
    assert!(HelloProfile::Golang.offers_h2());
    assert!(!HelloProfile::RandomizedNoAlpn.offers_h2());
}

#[test]
fn nosni_values() {
    for on in ["true", "TRUE", "yes", "Yes"] {
        assert!(utls_nosni(Some(on)), "{on}");
    }
    for off in ["false", "no", "1", "", "truee"] {
        assert!(!utls_nosni(Some(off)), "{off}");
    }
    assert!(!utls_nosni(None));
}
