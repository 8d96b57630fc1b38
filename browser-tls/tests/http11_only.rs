//! `TlsConnector::with_alpn_http11_only`: the hello of a browser's fresh
//! WebSocket connection (ALPN `http/1.1` alone, no ALPS), and connections
//! that negotiate HTTP/1.1 even with a server preferring h2.

mod common;

use common::tls_wire::{ext, is_grease, ClientHello};
use common::{capture_hello, connect_and_echo, Server, TestCa, Versions, FIXTURE_HOST};
use snowflake_browser_tls::{HelloProfile, Roots, TlsConnector};

/// ALPS, old and new code points.
const ALPS_OLD: u16 = 0x4469;
const ALPS_NEW: u16 = 0x44cd;

fn http11(profile: HelloProfile) -> TlsConnector {
    TlsConnector::new(profile, Roots::mozilla().unwrap(), true)
        .unwrap()
        .with_alpn_http11_only()
}

/// A list without its GREASE values (drawn anew per connection).
fn real(values: &Option<Vec<u16>>) -> Vec<u16> {
    values
        .iter()
        .flatten()
        .copied()
        .filter(|&v| !is_grease(v))
        .collect()
}

fn without(types: Vec<u16>, drop: &[u16]) -> Vec<u16> {
    types.into_iter().filter(|t| !drop.contains(t)).collect()
}

#[tokio::test]
async fn chrome_websocket_hello_is_the_chrome_hello_with_http11_alpn_and_no_alps() {
    let full = TlsConnector::new(HelloProfile::Chrome, Roots::mozilla().unwrap(), true).unwrap();
    let ws = full.with_alpn_http11_only();
    assert!(ws.http11_only() && !full.http11_only());
    let h2_hello = capture_hello(&full, FIXTURE_HOST).await;
    for _ in 0..4 {
        let hello = capture_hello(&ws, FIXTURE_HOST).await;
        assert_eq!(hello.alpn, Some(vec![b"http/1.1".to_vec()]));
        assert!(!hello.has_extension(ALPS_NEW) && !hello.has_extension(ALPS_OLD));
        assert_eq!(hello.sni().as_deref(), Some(FIXTURE_HOST));
        // Everything else is the Chrome hello's: suites, groups, sigalgs,
        // the other extensions (as a set: both permute).
        assert_eq!(hello.cipher_suites.len(), h2_hello.cipher_suites.len());
        assert_eq!(
            real(&hello.supported_groups),
            real(&h2_hello.supported_groups)
        );
        assert_eq!(
            real(&hello.signature_algorithms),
            real(&h2_hello.signature_algorithms)
        );
        let shares = |h: &ClientHello| -> Vec<(u16, usize)> {
            h.key_shares
                .iter()
                .flatten()
                .filter(|k| !is_grease(k.group))
                .map(|k| (k.group, k.key_length))
                .collect()
        };
        assert_eq!(shares(&hello), shares(&h2_hello));
        assert_eq!(hello.compress_certificate, h2_hello.compress_certificate);
        let mut ours = without(hello.extension_types(), &[ALPS_NEW, ext::ALPN]);
        let mut theirs = without(h2_hello.extension_types(), &[ALPS_NEW, ext::ALPN]);
        ours.retain(|t| !is_grease(*t));
        theirs.retain(|t| !is_grease(*t));
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs);
        // JA4: one extension fewer, "h1" for the ALPN; the suites' hash is
        // the same.
        let (ja4, chrome) = (hello.ja4(), h2_hello.ja4());
        assert!(ja4.starts_with("t13d1516h1_"), "{ja4}");
        assert!(chrome.starts_with("t13d1517h2_"), "{chrome}");
        assert_eq!(ja4.split('_').nth(1), chrome.split('_').nth(1));
        // The raw form: Chrome's extension list without ALPS (0x44cd).
        let expected_r = h2_hello
            .ja4_r()
            .replacen("t13d1517h2_", "t13d1516h1_", 1)
            .replacen(",44cd,", ",", 1);
        assert_eq!(hello.ja4_r(), expected_r);
    }
    // The original connector is unchanged.
    let again = capture_hello(&full, FIXTURE_HOST).await;
    assert_eq!(again.alpn, Some(vec![b"h2".to_vec(), b"http/1.1".to_vec()]));
    assert!(again.has_extension(ALPS_NEW));
}

#[tokio::test]
async fn every_profile_offers_http11_alone_or_nothing() {
    for profile in [
        HelloProfile::Chrome,
        HelloProfile::Firefox,
        HelloProfile::Golang,
        HelloProfile::RandomizedAlpn,
        HelloProfile::RandomizedNoAlpn,
    ] {
        let connector = http11(profile);
        for _ in 0..4 {
            let hello: ClientHello = capture_hello(&connector, FIXTURE_HOST).await;
            let expected = if profile.offers_h2() {
                Some(vec![b"http/1.1".to_vec()])
            } else {
                None
            };
            assert_eq!(hello.alpn, expected, "{profile}");
            assert!(
                !hello.has_extension(ALPS_NEW) && !hello.has_extension(ALPS_OLD),
                "{profile}"
            );
        }
    }
}

#[tokio::test]
async fn a_server_preferring_h2_gets_http11() {
    let ca = TestCa::new("http11 test CA");
    let leaf = ca.leaf(&["localhost"], false);
    let mut server = Server::start(&leaf, Versions::Both).await;
    for profile in [HelloProfile::Chrome, HelloProfile::RandomizedAlpn] {
        let connector =
            TlsConnector::new(profile, Roots::from_pem(ca.pem().as_bytes()).unwrap(), true)
                .unwrap()
                .with_alpn_http11_only();
        let alpn = connect_and_echo(&connector, "localhost", server.addr)
            .await
            .expect("handshake");
        assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]), "{profile}");
        let seen = server.next_seen().await;
        assert_eq!(seen.alpn.as_deref(), Some(&b"http/1.1"[..]));
        assert!(seen.error.is_none(), "{seen:?}");
    }
}
