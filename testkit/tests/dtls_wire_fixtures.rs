//! The DTLS dissector (`dtls_wire`, `pcap`) against the browser captures
//! in `fixtures/fingerprints/`: parsing each fixture pcap must give the
//! values `scripts/browser-fingerprints/analyze_dtls.py` wrote into
//! `dtls-chromium.json` / `dtls-firefox.json` for that run.
//!
//! Run with `cargo test -p snowflake-testkit --release --test dtls_wire_fixtures`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use snowflake_testkit::dtls_wire::{
    self, content_type, extension_type, handshake_type_name, is_grease, Asn1StringType,
    CertificateInfo, ClientHelloInfo, DowngradeSentinel, Handshake, TimeEncoding,
};
use snowflake_testkit::pcap::{self, UdpDatagram};

const BROWSERS: [&str; 2] = ["chromium", "firefox"];
const LOOP_RUNS: usize = 3;
const SRV12_RUNS: usize = 2;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/fingerprints")
}

fn fixture(browser: &str) -> Value {
    let path = fixtures_dir().join(format!("dtls-{browser}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

fn datagrams(name: &str) -> Vec<UdpDatagram> {
    let path = fixtures_dir().join("pcap").join(name);
    pcap::read_udp_datagrams(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn handshake(name: &str) -> Handshake {
    Handshake::first(&datagrams(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The value of `field` in run `run` of a merged fixture object: from
/// `values_per_run` when the field varied, else the common value.
fn run_value<'a>(obj: &'a Value, field: &str, run: usize) -> &'a Value {
    if let Some(v) = obj
        .get("values_per_run")
        .and_then(|p| p.get(field))
        .and_then(|list| list.get(run))
    {
        return v;
    }
    obj.get(field)
        .unwrap_or_else(|| panic!("fixture object has no field {field}"))
}

fn hex4(v: u16) -> String {
    format!("{v:04x}")
}

/// A code point list as the fixtures write it ("GREASE" for GREASE).
fn hexlist(values: &[u16]) -> Value {
    Value::from(
        values
            .iter()
            .map(|&v| {
                if is_grease(v) {
                    "GREASE".to_string()
                } else {
                    hex4(v)
                }
            })
            .collect::<Vec<_>>(),
    )
}

fn bytes_list(values: &[u8]) -> Value {
    Value::from(values.to_vec())
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn unix_f64(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds (proleptic Gregorian).
fn iso8601(unix: i64) -> String {
    let t = snowflake_common::civil_time::CivilTime::from_unix(unix);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// Compares `ours` with the fixture's value of `field` for `run`.
fn check(label: &str, obj: &Value, field: &str, run: usize, ours: Value) {
    let want = run_value(obj, field, run);
    assert_eq!(&ours, want, "{label}: {field}");
}

/// Every ClientHello field of the fixture's `client_hello`-shaped object.
fn check_client_hello(label: &str, hs: &Handshake, obj: &Value, run: usize) {
    let ch: &ClientHelloInfo = &hs.client_hello;
    let c = |field: &str, ours: Value| check(label, obj, field, run, ours);
    c("record_version", hex4(ch.record_version).into());
    c("handshake_version", hex4(ch.legacy_version).into());
    c(
        "random_starts_with_gmt_unix_time",
        ch.random_looks_like_gmt_unix_time(hs.start).into(),
    );
    c("session_id_length", ch.session_id_length.into());
    c("cookie_length", ch.cookie_length.into());
    c("cipher_suites", hexlist(&ch.cipher_suites));
    c("compression_methods", bytes_list(&ch.compression_methods));
    let types = ch.extension_types();
    c("extensions", hexlist(&types));
    let mut sorted: Vec<String> = hexlist(&types)
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    sorted.sort();
    c("extensions_sorted", sorted.into());
    c(
        "extension_lengths",
        ch.extensions
            .iter()
            .map(|e| e.data.len())
            .collect::<Vec<_>>()
            .into(),
    );
    c(
        "supported_groups",
        hexlist(ch.supported_groups.as_deref().unwrap_or_default()),
    );
    c(
        "signature_algorithms",
        hexlist(ch.signature_algorithms.as_deref().unwrap_or_default()),
    );
    c(
        "supported_versions",
        hexlist(ch.supported_versions.as_deref().unwrap_or_default()),
    );
    let shares = ch.key_shares.clone().unwrap_or_default();
    c(
        "key_share_groups",
        hexlist(&shares.iter().map(|k| k.group).collect::<Vec<_>>()),
    );
    c(
        "key_share_lengths",
        shares
            .iter()
            .map(|k| k.key_length)
            .collect::<Vec<_>>()
            .into(),
    );
    let srtp = ch.use_srtp.clone().unwrap_or(dtls_wire::UseSrtp {
        profiles: vec![],
        mki_length: 0,
    });
    c("use_srtp_profiles", hexlist(&srtp.profiles));
    c("use_srtp_mki_length", srtp.mki_length.into());
    c(
        "ec_point_formats",
        bytes_list(ch.ec_point_formats.as_deref().unwrap_or_default()),
    );
    c("alpn_present", ch.alpn.is_some().into());
    c(
        "alpn",
        ch.alpn
            .iter()
            .flatten()
            .map(|p| latin1(p))
            .collect::<Vec<_>>()
            .into(),
    );
    c("sni_present", ch.sni_present().into());
    c(
        "sni",
        ch.server_names
            .iter()
            .flatten()
            .map(|p| latin1(p))
            .collect::<Vec<_>>()
            .into(),
    );
    c(
        "psk_key_exchange_modes",
        bytes_list(ch.psk_key_exchange_modes.as_deref().unwrap_or_default()),
    );
    c(
        "compress_certificate",
        hexlist(ch.compress_certificate.as_deref().unwrap_or_default()),
    );
    c(
        "record_size_limit",
        ch.record_size_limit.unwrap_or(0).into(),
    );
    c(
        "renegotiation_info_present",
        ch.has_extension(extension_type::RENEGOTIATION_INFO).into(),
    );
    c(
        "extended_master_secret_present",
        ch.has_extension(23).into(),
    );
    c("ech_present", ch.has_extension(0xfe0d).into());
    c(
        "padding_length",
        ch.extensions
            .iter()
            .find(|e| e.ext_type == extension_type::PADDING)
            .map_or(0, |e| e.data.len())
            .into(),
    );
    c("grease_present", ch.grease_present().into());
    c("hello_length", ch.hello_length.into());
    c("datagram_count", ch.datagram_count().into());
    c("spans_several_datagrams", (ch.datagram_count() > 1).into());
    c("datagram_sizes", ch.datagram_sizes.clone().into());
    c(
        "records_per_datagram",
        ch.records_per_datagram.clone().into(),
    );
    c("ja4", ch.ja4().into());
    c("ja4_r", ch.ja4_r().into());
    assert!(
        ch.undecodable_extensions.is_empty(),
        "{label}: undecodable extensions {:?}",
        ch.undecodable_extensions
    );
}

/// Every field of a `server_flight_*` fixture object except the
/// certificate, ServerKeyExchange and CertificateRequest.
fn check_server_flight(label: &str, hs: &Handshake, obj: &Value, run: usize) {
    let flight = &hs.server_flight;
    let c = |field: &str, ours: Value| check(label, obj, field, run, ours);
    let Some(sh) = flight.server_hello.as_ref() else {
        panic!("{label}: no ServerHello");
    };
    c("hello_verify_request", flight.hello_verify_request.into());
    c("hello_retry_request", sh.is_hello_retry_request().into());
    c(
        "server_hello_record_version",
        hex4(sh.record_version).into(),
    );
    c(
        "server_hello_handshake_version",
        hex4(sh.legacy_version).into(),
    );
    c(
        "random_last8_hex",
        sh.random_last8()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .into(),
    );
    let sentinel = match sh.downgrade_sentinel() {
        Some(DowngradeSentinel::Tls12) => "DOWNGRD\\x01",
        Some(DowngradeSentinel::Tls11OrBelow) => "DOWNGRD\\x00",
        None => "none",
    };
    c("downgrade_sentinel", sentinel.into());
    c("session_id_length", sh.session_id_length.into());
    c("cipher_suite", hex4(sh.cipher_suite).into());
    c("compression_method", sh.compression_method.into());
    c("extensions", hexlist(&sh.extension_types()));
    c("negotiated_version", hex4(sh.negotiated_version()).into());
    c(
        "key_share_group",
        sh.key_share
            .map_or("none".to_string(), |k| hex4(k.group))
            .into(),
    );
    c(
        "key_share_length",
        sh.key_share.map_or(0, |k| k.key_length).into(),
    );
    c(
        "use_srtp_profile",
        hexlist(sh.use_srtp.as_ref().map_or(&[][..], |s| &s.profiles)),
    );
    c(
        "ec_point_formats",
        bytes_list(sh.ec_point_formats.as_deref().unwrap_or_default()),
    );
    c(
        "supported_groups_in_server_hello",
        sh.supported_groups_present.into(),
    );
    c(
        "alpn",
        sh.alpn.as_deref().map(latin1).unwrap_or_default().into(),
    );
    c(
        "plaintext_handshake_messages",
        flight
            .plaintext_handshake_messages
            .iter()
            .map(|&t| handshake_type_name(t))
            .collect::<Vec<_>>()
            .into(),
    );
    c("encrypted_records", flight.encrypted_records.into());
    c(
        "flight_datagram_sizes",
        flight.datagram_sizes.clone().into(),
    );
    c(
        "flight_records_per_datagram",
        flight.records_per_datagram.clone().into(),
    );
    assert!(
        sh.undecodable_extensions.is_empty(),
        "{label}: undecodable ServerHello extensions {:?}",
        sh.undecodable_extensions
    );
}

fn check_certificate(label: &str, hs: &Handshake, cert: &CertificateInfo, obj: &Value, run: usize) {
    let c = |field: &str, ours: Value| check(label, obj, field, run, ours);
    c("x509_version", cert.x509_version.into());
    c("subject", cert.subject.clone().into());
    c("issuer", cert.issuer.clone().into());
    c("self_issued", cert.self_issued().into());
    c("not_before", iso8601(cert.not_before).into());
    c("not_after", iso8601(cert.not_after).into());
    c("validity_seconds", cert.validity_seconds().into());
    c("serial_der_length", cert.serial_der_length().into());
    c("serial_length", cert.serial_length().into());
    c(
        "serial_hex",
        cert.serial
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .into(),
    );
    c(
        "signature_algorithm",
        cert.signature_algorithm.clone().into(),
    );
    c("key_type", cert.key_type.clone().into());
    c("key_curve", cert.key_curve.clone().into());
    c("extensions", cert.extensions.clone().into());
    c("der_length", cert.der_length.into());
    let encoding = match cert.time_encoding {
        TimeEncoding::UtcTime => "UTCTime",
        TimeEncoding::GeneralizedTime => "GeneralizedTime",
    };
    c("time_encoding", encoding.into());
    // Python: int(not_before - first packet time), truncated toward zero.
    let relative = (cert.not_before as f64 - unix_f64(hs.start)) as i64;
    c("not_before_minus_capture_seconds", relative.into());
}

#[test]
fn loop_captures_match_the_fixtures() {
    for browser in BROWSERS {
        let fx = fixture(browser);
        for run in 0..LOOP_RUNS {
            let name = format!("dtls-{browser}-loop-{}.pcap", run + 1);
            let hs = handshake(&name);
            check_client_hello(&name, &hs, &fx["client_hello"], run);
            assert_eq!(hs.client_hello.ja4(), fx["ja4"], "{name}: top-level ja4");
            assert_eq!(
                hs.client_hello.ja4_r(),
                fx["ja4_r"],
                "{name}: top-level ja4_r"
            );
            check_server_flight(&name, &hs, &fx["server_flight_same_browser"], run);
            // DTLS 1.3 in both directions: the server certificate is
            // encrypted.
            assert_eq!(
                hs.server_flight
                    .server_hello
                    .as_ref()
                    .map(|s| s.negotiated_version()),
                Some(dtls_wire::version::DTLS13),
                "{name}"
            );
            assert!(hs.server_flight.certificate_chain.is_none(), "{name}");
            eprintln!("{name}: ja4 {} ok", hs.client_hello.ja4());
        }
    }
}

#[test]
fn srv12_captures_match_the_fixtures() {
    let firefox = fixture("firefox");
    let capped_hello = &firefox["client_hello_dtls12_capped"];
    for browser in BROWSERS {
        let fx = fixture(browser);
        let flight_fx = &fx["server_flight_vs_dtls12_client"];
        for run in 0..SRV12_RUNS {
            let name = format!("dtls-{browser}-srv12-{}.pcap", run + 1);
            let hs = handshake(&name);
            // The client is always the Firefox capped at DTLS 1.2; the
            // fixture keeps its per-run values for the Firefox runs only.
            let hello_run = if browser == "firefox" { run } else { 0 };
            check_client_hello(&name, &hs, capped_hello, hello_run);
            check_server_flight(&name, &hs, flight_fx, run);

            let flight = &hs.server_flight;
            let Some(sh) = flight.server_hello.as_ref() else {
                panic!("{name}: no ServerHello");
            };
            // The points the covert-DTLS work must reproduce, spelled out.
            assert!(
                !flight.hello_verify_request,
                "{name}: no HelloVerifyRequest"
            );
            assert_eq!(
                sh.downgrade_sentinel(),
                Some(DowngradeSentinel::Tls12),
                "{name}"
            );
            assert_eq!(sh.session_id_length, 32, "{name}: ServerHello session id");
            assert_eq!(
                sh.negotiated_version(),
                dtls_wire::version::DTLS12,
                "{name}"
            );
            assert!(flight.server_hello_done, "{name}");

            let Some(ske) = flight.server_key_exchange.as_ref() else {
                panic!("{name}: no ServerKeyExchange");
            };
            let ske_fx = &flight_fx["server_key_exchange"];
            let c = |field: &str, ours: Value| check(&name, ske_fx, field, run, ours);
            c("curve_type", ske.curve_type.into());
            c("named_group", ske.named_group.into());
            c("public_key_length", ske.public_key_length.into());
            c("signature_algorithm", ske.signature_algorithm.into());
            c("signature_length", ske.signature_length.into());

            let Some(cr) = flight.certificate_request.as_ref() else {
                panic!("{name}: no CertificateRequest");
            };
            let cr_fx = &flight_fx["certificate_request"];
            let c = |field: &str, ours: Value| check(&name, cr_fx, field, run, ours);
            c("certificate_types", bytes_list(&cr.certificate_types));
            c(
                "signature_algorithms",
                hexlist(cr.signature_algorithms.as_deref().unwrap_or_default()),
            );
            c(
                "certificate_authorities_length",
                cr.certificate_authorities_length.into(),
            );

            let chain_len = flight.certificate_chain.as_ref().map_or(0, Vec::len);
            check(
                &name,
                flight_fx,
                "certificate_chain_length",
                run,
                chain_len.into(),
            );
            let cert = match hs.server_certificate() {
                Some(Ok(cert)) => cert,
                Some(Err(e)) => panic!("{name}: certificate: {e}"),
                None => panic!("{name}: no certificate"),
            };
            check_certificate(&name, &hs, &cert, &flight_fx["certificate"], run);
            assert_eq!(cert.validity_seconds(), 31 * 86400, "{name}: 31 days");
            assert_eq!(cert.extension_count(), 0, "{name}: no X.509 extensions");
            assert_eq!(cert.signature_algorithm, "ecdsa-with-SHA256", "{name}");
            assert_eq!(cert.key_type, "ecPublicKey", "{name}");
            assert_eq!(cert.key_curve.as_deref(), Some("prime256v1"), "{name}");
            let cn = cert.common_name.clone().unwrap_or_default();
            eprintln!(
                "{name}: certificate CN={cn} ({:?}), serial {} bytes ({} in DER), DER {} bytes",
                cert.common_name_type,
                cert.serial_length(),
                cert.serial_der_length(),
                cert.der_length
            );
            if browser == "chromium" {
                assert_eq!(cn, "WebRTC", "{name}");
                assert_eq!(cert.serial_length(), 8, "{name}");
            } else {
                // NSS: 32 lowercase hex digits and a 4-byte serial.
                assert_eq!(cn.len(), 32, "{name}");
                assert!(cn.bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
                assert_eq!(cert.serial_length(), 4, "{name}");
            }
            // Chromium (BoringSSL) writes the CN as a UTF8String, Firefox
            // (NSS) as a PrintableString.
            let cn_type = if browser == "chromium" {
                Asn1StringType::Utf8String
            } else {
                Asn1StringType::PrintableString
            };
            assert_eq!(cert.common_name_type, Some(cn_type), "{name}");
        }
    }
}

/// Whether the browsers' AES-GCM explicit nonces are epoch ‖ sequence.
/// In the srv12 captures the server is the browser under test and the
/// client is always Firefox (NSS) capped at DTLS 1.2.
#[test]
fn gcm_explicit_nonces_are_epoch_and_sequence() {
    for browser in BROWSERS {
        for run in 0..SRV12_RUNS {
            let name = format!("dtls-{browser}-srv12-{}.pcap", run + 1);
            let hs = handshake(&name);
            let suite = hs.cipher_suite().unwrap_or(0);
            assert!(
                dtls_wire::is_tls12_aes_gcm_suite(suite),
                "{name}: suite {suite:04x} is not AES-GCM"
            );
            let nonces = hs.explicit_nonces();
            for (side, from_client, implementation) in [
                ("server", false, browser),
                ("client", true, "firefox (capped at DTLS 1.2)"),
            ] {
                let mine: Vec<_> = nonces
                    .iter()
                    .filter(|n| n.from_client == from_client)
                    .collect();
                let app: Vec<_> = mine
                    .iter()
                    .filter(|n| n.content_type == content_type::APPLICATION_DATA)
                    .collect();
                let matching = mine.iter().filter(|n| n.is_epoch_and_sequence()).count();
                eprintln!(
                    "{name}: {side} ({implementation}): {matching} of {} encrypted records \
                     ({} application data) have explicit nonce == epoch||sequence",
                    mine.len(),
                    app.len()
                );
                assert!(app.len() >= 3, "{name}: {side}: too few records to judge");
                if let Some(n) = mine.iter().find(|n| !n.is_epoch_and_sequence()) {
                    panic!(
                        "{name}: {side}: record epoch {} seq {} has explicit nonce {:02x?}, \
                         not {:02x?}",
                        n.epoch,
                        n.sequence,
                        n.explicit_nonce,
                        n.epoch_and_sequence()
                    );
                }
            }
        }
    }
}

/// Truncating every DTLS datagram of every fixture at every length gives
/// records or an error, never a panic; so does building handshakes from
/// truncated captures.
#[test]
fn truncated_fixture_datagrams_never_panic() {
    for browser in BROWSERS {
        let names = (1..=LOOP_RUNS)
            .map(|i| format!("dtls-{browser}-loop-{i}.pcap"))
            .chain((1..=SRV12_RUNS).map(|i| format!("dtls-{browser}-srv12-{i}.pcap")));
        for name in names {
            let all = datagrams(&name);
            let hs = handshake(&name);
            // The handshake datagrams, truncated one at a time.
            for wire in hs.datagrams.iter().take(12) {
                let Some(original) = all.get(wire.capture_index) else {
                    panic!("{name}: bad capture index");
                };
                for cut in 0..original.payload.len() {
                    let _ = dtls_wire::parse_records(&original.payload[..cut]);
                    let mut copy = all.clone();
                    if let Some(d) = copy.get_mut(wire.capture_index) {
                        d.payload.truncate(cut);
                    }
                    if cut % 97 == 0 {
                        let _ = dtls_wire::handshakes(&copy);
                    }
                }
            }
        }
    }
}

#[test]
fn pcap_file_level_errors() {
    let path = fixtures_dir().join("pcap/dtls-chromium-srv12-1.pcap");
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
    let full = pcap::udp_datagrams(&data).unwrap_or_else(|e| panic!("{e}"));
    assert!(!full.is_empty());
    assert!(pcap::udp_datagrams(&data[..data.len() - 1]).is_err());
    assert!(pcap::udp_datagrams(&data[..10]).is_err());
    assert!(pcap::read_udp_datagrams(&fixtures_dir().join("no-such.pcap")).is_err());
    // Same datagrams from tshark's point of view: 20 bytes of IPv4 and 8
    // of UDP after 14 of Ethernet.
    let file = pcap::parse_pcap(&data).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.link_type, pcap::link_type::ETHERNET);
    assert_eq!(file.packets.len(), full.len());
    for (packet, datagram) in file.packets.iter().zip(&full) {
        assert_eq!(packet.data.len(), datagram.payload.len() + 42);
    }
    let start = full.first().map(|d| d.timestamp).unwrap_or(UNIX_EPOCH);
    // Captured on 2026-12-02 per the fixture.
    assert!(start > UNIX_EPOCH + Duration::from_secs(1_790_000_000));
}

/// `PacketCapture` refuses to run outside a test namespace.
#[test]
fn packet_capture_refuses_outside_a_test_namespace() {
    if snowflake_testkit::netns::inside() {
        return;
    }
    let out = std::env::temp_dir().join(format!("sf-refused-{}.pcap", std::process::id()));
    match snowflake_testkit::packet_capture::PacketCapture::start("lo", "udp", &out) {
        Ok(_) => panic!("capture started outside a test namespace"),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied, "{e}"),
    }
    assert!(!out.exists());
}

/// tcpdump on `lo` inside a fresh namespace sees UDP datagrams sent over
/// IPv4 and IPv6 loopback, and `stop` returns them. Needs root.
#[test]
fn packet_capture_sees_loopback_udp_in_a_namespace() {
    snowflake_testkit::netns::run_isolated(
        "packet_capture_sees_loopback_udp_in_a_namespace",
        Duration::from_secs(60),
        || {
            let dir = std::env::temp_dir();
            let out = dir.join(format!("sf-capture-{}.pcap", std::process::id()));
            let capture = snowflake_testkit::packet_capture::PacketCapture::start(
                "lo",
                "udp and not port 53",
                &out,
            )
            .unwrap_or_else(|e| panic!("starting tcpdump: {e}"));
            let mut sent = Vec::new();
            for (a, b) in [("127.0.0.1:0", "127.0.0.1:0"), ("[::1]:0", "[::1]:0")] {
                let sa = std::net::UdpSocket::bind(a).unwrap_or_else(|e| panic!("{e}"));
                let sb = std::net::UdpSocket::bind(b).unwrap_or_else(|e| panic!("{e}"));
                let to = sb.local_addr().unwrap_or_else(|e| panic!("{e}"));
                let from = sa.local_addr().unwrap_or_else(|e| panic!("{e}"));
                let payload = format!("hello {to}").into_bytes();
                sa.send_to(&payload, to).unwrap_or_else(|e| panic!("{e}"));
                let mut buf = [0u8; 100];
                sb.recv_from(&mut buf).unwrap_or_else(|e| panic!("{e}"));
                sent.push((from, to, payload));
            }
            let got = capture.stop().unwrap_or_else(|e| panic!("stopping: {e}"));
            let _ = std::fs::remove_file(&out);
            for (from, to, payload) in sent {
                assert!(
                    got.iter()
                        .any(|d| d.src == from && d.dst == to && d.payload == payload),
                    "{from} -> {to} not captured; got {got:?}"
                );
            }
        },
    );
}
