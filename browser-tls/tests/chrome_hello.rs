//! Our Chrome hello against the captured Chromium 156 hello
//! (`fixtures/fingerprints/tls-chromium.json`), field by field.

mod common;

use std::collections::HashSet;

use common::hello::{self, fixture_lengths, form, hexes, numbers, our_lengths, strings, text_list};
use common::tls_wire::{ext, is_grease, ClientHello};
use common::{capture_hello, FIXTURE_HOST};
use serde_json::Value;
use snowflake_browser_tls::{HelloProfile, Roots, TlsConnector};

/// Hellos captured per run: enough to see the extension order change.
const RUNS: usize = 6;

fn fixture() -> Value {
    hello::fixture("tls-chromium.json")
}

#[tokio::test]
async fn chrome_hello_matches_the_chromium_156_capture() {
    let fx = fixture();
    let ch = &fx["client_hello"];
    let connector =
        TlsConnector::new(HelloProfile::Chrome, Roots::mozilla().unwrap(), true).unwrap();

    let fixture_ech = ch["ech_length"].as_u64().unwrap();
    let fixture_rest = ch["hello_length"].as_u64().unwrap() - fixture_ech;
    let mut orders = HashSet::new();
    let mut ja4s = HashSet::new();
    for run in 0..RUNS {
        let hello = capture_hello(&connector, FIXTURE_HOST).await;
        let what = |field: &str| format!("run {run}: {field}");

        assert_eq!(hello.record_version, 0x0301, "{}", what("record version"));
        assert_eq!(hello.legacy_version, 0x0303, "{}", what("legacy version"));
        assert_eq!(hello.session_id_length, 32, "{}", what("session id"));
        assert_eq!(
            hello.compression_methods,
            vec![0],
            "{}",
            what("compression")
        );
        assert_eq!(hello.record_lengths.len(), 1, "{}", what("one record"));
        assert!(
            hello.undecodable_extensions.is_empty(),
            "{}",
            what("decodable")
        );

        // Cipher suites: same list, same order, GREASE in the same place.
        assert_eq!(
            form(&hello.cipher_suites),
            strings(&ch["cipher_suites"]),
            "{}",
            what("cipher suites")
        );

        // Extensions: same set; GREASE first and last as in every capture.
        let mut sorted = form(&hello.extension_types());
        sorted.sort();
        assert_eq!(
            sorted,
            strings(&ch["extensions_sorted"]),
            "{}",
            what("extension set")
        );
        let types = hello.extension_types();
        assert!(
            is_grease(types[0]) && is_grease(types[types.len() - 1]),
            "{}",
            what("GREASE ends")
        );

        // Every extension's body length, except ECH's (its GREASE payload
        // length is random in Chromium too: 250 and 282 in the captures).
        let mut ours = our_lengths(&hello);
        let mut theirs = fixture_lengths(ch);
        let our_ech = ours.remove("fe0d").expect("ECH GREASE present");
        theirs.remove("fe0d");
        assert_eq!(ours, theirs, "{}", what("extension lengths"));
        assert!(
            [144u64, 176, 208, 240].contains(&(our_ech - 42)),
            "{}: ECH GREASE payload {our_ech}",
            run
        );

        assert_eq!(
            form(hello.supported_groups.as_ref().unwrap()),
            strings(&ch["supported_groups"]),
            "{}",
            what("groups")
        );
        assert_eq!(
            form(hello.signature_algorithms.as_ref().unwrap()),
            strings(&ch["signature_algorithms"]),
            "{}",
            what("signature algorithms")
        );
        assert_eq!(
            form(hello.supported_versions.as_ref().unwrap()),
            strings(&ch["supported_versions"]),
            "{}",
            what("versions")
        );
        let shares = hello.key_shares.as_ref().unwrap();
        let groups: Vec<u16> = shares.iter().map(|s| s.group).collect();
        let lengths: Vec<u64> = shares.iter().map(|s| s.key_length as u64).collect();
        assert_eq!(
            form(&groups),
            strings(&ch["key_share_groups"]),
            "{}",
            what("key share groups")
        );
        assert_eq!(
            lengths,
            numbers(&ch["key_share_lengths"]),
            "{}",
            what("key share lengths")
        );

        assert_eq!(
            text_list(hello.alpn.as_ref().unwrap()),
            strings(&ch["alpn"]),
            "{}",
            what("ALPN")
        );
        assert_eq!(
            text_list(hello.application_settings.as_ref().unwrap()),
            strings(&ch["application_settings"]),
            "{}",
            what("ALPS")
        );
        assert!(
            hello.has_extension(ext::APPLICATION_SETTINGS),
            "{}",
            what("new ALPS code point")
        );
        assert_eq!(
            hexes(hello.compress_certificate.as_ref().unwrap()),
            strings(&ch["compress_certificate"]),
            "{}",
            what("compress_certificate")
        );
        assert_eq!(
            hello
                .psk_key_exchange_modes
                .as_ref()
                .unwrap()
                .iter()
                .map(|&m| u64::from(m))
                .collect::<Vec<_>>(),
            numbers(&ch["psk_key_exchange_modes"]),
            "{}",
            what("psk modes")
        );
        assert_eq!(
            hello
                .ec_point_formats
                .as_ref()
                .unwrap()
                .iter()
                .map(|&m| u64::from(m))
                .collect::<Vec<_>>(),
            numbers(&ch["ec_point_formats"]),
            "{}",
            what("point formats")
        );
        assert!(
            hello.has_extension(ext::ENCRYPTED_CLIENT_HELLO),
            "{}",
            what("ECH")
        );
        assert_eq!(
            hello.extension(ext::TRUST_ANCHORS).map(<[u8]>::len),
            Some(186),
            "{}",
            what("trust anchors")
        );
        assert_eq!(
            hello.extension(ext::STATUS_REQUEST),
            Some(&[1u8, 0, 0, 0, 0][..]),
            "{}",
            what("OCSP")
        );
        assert_eq!(
            hello.sni().as_deref(),
            Some(FIXTURE_HOST),
            "{}",
            what("SNI")
        );
        assert!(!hello.has_extension(ext::PADDING), "{}", what("no padding"));

        // JA4, hashed and raw, exactly.
        assert_eq!(hello.ja4(), fx["ja4"].as_str().unwrap(), "{}", what("JA4"));
        assert_eq!(
            hello.ja4_r(),
            fx["ja4_r"].as_str().unwrap(),
            "{}",
            what("JA4_r")
        );

        // Total length, less the random-length ECH payload: exactly
        // Chromium's.
        let rest = hello.hello_length as u64 - our_ech;
        assert_eq!(rest, fixture_rest, "{}", what("hello length without ECH"));
        println!(
            "run {run}: hello {} bytes (ECH {our_ech}), Chromium {} (ECH {fixture_ech}); {}",
            hello.hello_length,
            ch["hello_length"],
            hello.ja4()
        );

        orders.insert(
            hello
                .extension_types()
                .into_iter()
                .filter(|&t| !is_grease(t))
                .collect::<Vec<_>>(),
        );
        ja4s.insert(hello.ja4());
    }
    // BoringSSL permutes the order per connection, as Chromium does; the
    // chance of two equal orders of 17 extensions is negligible.
    assert_eq!(
        orders.len(),
        RUNS,
        "extension order must change per connection"
    );
    assert_eq!(ja4s.len(), 1);
}

/// Why this crate exists: the rustls hello the rendezvous sends today is
/// neither browser's. Also prints the JA4 of the plain (`hellogolang`)
/// profile for the doc.
#[tokio::test]
async fn rustls_and_plain_hellos_match_no_browser() {
    let chromium = fixture()["ja4"].as_str().unwrap().to_string();
    let firefox_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/fingerprints/tls-firefox.json"
    );
    let firefox: Value =
        serde_json::from_str(&std::fs::read_to_string(firefox_path).unwrap()).unwrap();
    let firefox = firefox["ja4"].as_str().unwrap().to_string();

    // rustls 0.23 with ring, ALPN h2 + http/1.1.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // The roots do not show in the hello; an empty store will do.
    let roots = rustls::RootCertStore::empty();
    let mut config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let client = tokio::spawn(async move {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = rustls_pki_types::ServerName::try_from(FIXTURE_HOST).unwrap();
        connector.connect(name, tcp).await.is_err()
    });
    let (mut tcp, _) = listener.accept().await.unwrap();
    let mut bytes = Vec::new();
    let hello = loop {
        let mut chunk = [0u8; 4096];
        let n = tokio::io::AsyncReadExt::read(&mut tcp, &mut chunk)
            .await
            .unwrap();
        assert!(n > 0);
        bytes.extend_from_slice(&chunk[..n]);
        if let Ok(h) = ClientHello::from_stream(&bytes) {
            break h;
        }
    };
    drop(tcp);
    assert!(client.await.unwrap());
    println!(
        "rustls 0.23 (ring): {} ({} bytes)",
        hello.ja4(),
        hello.hello_length
    );
    assert_ne!(hello.ja4(), chromium);
    assert_ne!(hello.ja4(), firefox);
    assert!(
        !hello.cipher_suites.iter().any(|&c| is_grease(c)),
        "rustls sends no GREASE"
    );

    let plain = TlsConnector::new(HelloProfile::Golang, Roots::mozilla().unwrap(), true).unwrap();
    let hello = capture_hello(&plain, FIXTURE_HOST).await;
    println!(
        "hellogolang (BoringSSL defaults): {} ({} bytes)",
        hello.ja4(),
        hello.hello_length
    );
    assert_ne!(hello.ja4(), chromium);
    assert!(
        !hello.cipher_suites.iter().any(|&c| is_grease(c)),
        "no GREASE without imitation"
    );
}
