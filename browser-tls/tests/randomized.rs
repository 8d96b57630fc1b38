//! hellorandomizedalpn / hellorandomizednoalpn: a different hello per
//! connection, ALPN as the variant says, and a completed handshake every
//! time, with TLS 1.3 and TLS 1.2-only servers and P-256 and P-384 keys.

mod common;

use std::collections::HashSet;

use common::tls_wire::ClientHello;
use common::{capture_hello, connect_and_echo, Server, TestCa, Versions, FIXTURE_HOST};
use snowflake_browser_tls::{HelloProfile, Roots, TlsConnector};

/// Handshakes per (variant, server) pair.
const HANDSHAKES: usize = 8;

fn connector(profile: HelloProfile, ca: &TestCa) -> TlsConnector {
    TlsConnector::new(profile, Roots::from_pem(ca.pem().as_bytes()).unwrap(), true).unwrap()
}

/// What should differ between two random hellos (the random bytes and
/// key shares always do, so they are left out).
fn shape(h: &ClientHello) -> (Vec<u16>, Vec<u16>, Vec<u16>, Vec<u16>) {
    (
        h.cipher_suites.clone(),
        h.extension_types(),
        h.supported_groups.clone().unwrap_or_default(),
        h.signature_algorithms.clone().unwrap_or_default(),
    )
}

#[tokio::test]
async fn each_connection_gets_a_different_hello_with_the_right_alpn() {
    let ca = TestCa::new("randomized test CA");
    for (profile, alpn) in [
        (HelloProfile::RandomizedAlpn, true),
        (HelloProfile::RandomizedNoAlpn, false),
    ] {
        let c = connector(profile, &ca);
        let mut shapes = HashSet::new();
        let mut ja4s = HashSet::new();
        for _ in 0..4 {
            let hello = capture_hello(&c, FIXTURE_HOST).await;
            match (&hello.alpn, alpn) {
                (Some(list), true) => {
                    let mut protos = list.clone();
                    protos.sort();
                    assert_eq!(protos, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
                }
                (None, false) => {}
                (other, _) => panic!("{profile}: ALPN {other:?}"),
            }
            assert!(
                hello.application_settings.is_none() || alpn,
                "ALPS only with ALPN"
            );
            assert_eq!(hello.sni().as_deref(), Some(FIXTURE_HOST));
            assert!(hello.undecodable_extensions.is_empty());
            // TLS 1.3 suites come first; AES-128-GCM is always among them.
            let tls13: Vec<u16> = hello
                .cipher_suites
                .iter()
                .copied()
                .filter(|s| (0x1301..=0x1303).contains(s))
                .collect();
            assert!(tls13.contains(&0x1301), "{tls13:04x?}");
            println!("{profile}: {}", hello.ja4());
            ja4s.insert(hello.ja4());
            shapes.insert(shape(&hello));
        }
        assert_eq!(shapes.len(), 4, "{profile}: every hello differs");
        assert!(ja4s.len() > 1, "{profile}: JA4 changes between connections");
    }
}

#[tokio::test]
async fn randomized_hellos_complete_handshakes() {
    let ca = TestCa::new("randomized test CA");
    let p256 = ca.leaf(&[FIXTURE_HOST], false);
    let p384 = ca.leaf(&[FIXTURE_HOST], true);
    for (profile, want_alpn) in [
        (HelloProfile::RandomizedAlpn, Some(b"h2".to_vec())),
        (HelloProfile::RandomizedNoAlpn, None),
    ] {
        let c = connector(profile, &ca);
        for (leaf, versions, label) in [
            (&p256, Versions::Both, "TLS 1.3, P-256"),
            (&p384, Versions::Both, "TLS 1.3, P-384"),
            (&p256, Versions::Tls12Only, "TLS 1.2 only, P-256"),
            (&p384, Versions::Tls12Only, "TLS 1.2 only, P-384"),
        ] {
            let mut server = Server::start(leaf, versions).await;
            for i in 0..HANDSHAKES {
                let alpn = connect_and_echo(&c, FIXTURE_HOST, server.addr)
                    .await
                    .unwrap_or_else(|e| panic!("{profile}, {label}, #{i}: {e}"));
                let seen = server.next_seen().await;
                assert!(seen.error.is_none(), "{profile}, {label}: {seen:?}");
                // rustls prefers h2; the order in which we list them must
                // not matter.
                assert_eq!(alpn, want_alpn, "{profile}, {label}");
                assert_eq!(seen.sni.as_deref(), Some(FIXTURE_HOST));
            }
        }
    }
}
