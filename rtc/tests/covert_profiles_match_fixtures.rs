//! The browser profiles in `rtc/src/covert/profile.rs` say what the captured
//! browsers said (`fixtures/fingerprints/dtls-*.json`): the Firefox hello
//! is its DTLS-1.2-capped capture, the Chromium hello is its capture
//! without the DTLS 1.3 parts, and both server flights are the browsers'
//! answers to a DTLS 1.2 client.

use serde_json::Value;
use snowflake_rtc::covert::profile::{ext, BrowserProfile, CHROMIUM, FIREFOX};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../fixtures/fingerprints/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn hex_list(v: &Value) -> Vec<u16> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| u16::from_str_radix(s.as_str().unwrap(), 16).unwrap())
        .collect()
}

fn num_list(v: &Value) -> Vec<u8> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap() as u8)
        .collect()
}

const DTLS13_ONLY_EXTENSIONS: [u16; 3] = [
    ext::SUPPORTED_VERSIONS,
    ext::KEY_SHARE,
    ext::PSK_KEY_EXCHANGE_MODES,
];

fn check_server_flight(profile: &BrowserProfile, flight: &Value) {
    assert_eq!(flight["hello_verify_request"], false);
    assert_eq!(flight["downgrade_sentinel"], "DOWNGRD\\x01");
    assert!(profile.downgrade_sentinel);
    assert_eq!(
        flight["session_id_length"].as_u64().unwrap() as usize,
        profile.server_session_id_len
    );
    assert_eq!(hex_list(&flight["extensions"]), profile.server_hello_order);
    let cr = &flight["certificate_request"];
    assert_eq!(
        num_list(&cr["certificate_types"]),
        profile.certificate_types
    );
    assert_eq!(
        hex_list(&cr["signature_algorithms"]),
        profile.certificate_request_signature_algorithms
    );
    assert_eq!(
        flight["server_key_exchange"]["named_group"]
            .as_u64()
            .unwrap() as u16,
        profile.server_group_preference[0]
    );
}

#[test]
fn firefox_profile_is_the_capped_capture() {
    let f = fixture("dtls-firefox.json");
    let hello = &f["client_hello_dtls12_capped"];
    let p = &FIREFOX;
    assert_eq!(hello["record_version"], "feff");
    assert_eq!(hex_list(&hello["cipher_suites"]), p.cipher_suites);
    assert_eq!(hex_list(&hello["extensions"]), p.extension_order);
    assert!(!p.shuffles_extensions);
    assert_eq!(hex_list(&hello["supported_groups"]), p.supported_groups);
    assert_eq!(
        hex_list(&hello["signature_algorithms"]),
        p.signature_algorithms
    );
    assert_eq!(hex_list(&hello["use_srtp_profiles"]), p.srtp_profiles);
    let alpn: Vec<&str> = hello["alpn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(alpn, p.alpn);
    assert_eq!(
        hello["record_size_limit"].as_u64().map(|v| v as u16),
        p.record_size_limit
    );
    check_server_flight(p, &f["server_flight_vs_dtls12_client"]);
    assert_eq!(
        f["server_flight_vs_dtls12_client"]["alpn"].as_str(),
        p.server_alpn
    );
}

#[test]
fn chromium_profile_is_the_capture_without_its_dtls13_parts() {
    let f = fixture("dtls-chromium.json");
    let hello = &f["client_hello"];
    let p = &CHROMIUM;
    assert_eq!(hello["record_version"], "feff");
    let suites: Vec<u16> = hex_list(&hello["cipher_suites"])
        .into_iter()
        .filter(|s| s >> 8 != 0x13)
        .collect();
    assert_eq!(suites, p.cipher_suites);
    let mut exts: Vec<u16> = hex_list(&hello["extensions_sorted"])
        .into_iter()
        .filter(|e| !DTLS13_ONLY_EXTENSIONS.contains(e))
        .collect();
    let mut ours = p.extension_order.to_vec();
    exts.sort_unstable();
    ours.sort_unstable();
    assert_eq!(exts, ours);
    assert_eq!(hello["varies"]["extensions"], true);
    assert!(p.shuffles_extensions);
    let groups: Vec<u16> = hex_list(&hello["supported_groups"])
        .into_iter()
        .filter(|g| *g != 0x11ec)
        .collect();
    assert_eq!(groups, p.supported_groups);
    assert_eq!(
        hex_list(&hello["signature_algorithms"]),
        p.signature_algorithms
    );
    assert_eq!(hex_list(&hello["use_srtp_profiles"]), p.srtp_profiles);
    assert_eq!(hello["alpn_present"], false);
    check_server_flight(p, &f["server_flight_vs_dtls12_client"]);
}
