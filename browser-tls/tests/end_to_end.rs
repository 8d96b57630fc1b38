//! Every profile against a local rustls server: handshake, chain and name
//! verification, ALPN, `utls-nosni`, IP-literal hosts, and clear errors for
//! a wrong name and an untrusted CA.

mod common;

use std::io::ErrorKind;

use common::{connect_and_echo, Server, TestCa, Versions, FIXTURE_HOST};
use snowflake_browser_tls::{HelloProfile, Roots, TlsConnector};

const PROFILES: [HelloProfile; 5] = [
    HelloProfile::Chrome,
    HelloProfile::Firefox,
    HelloProfile::RandomizedAlpn,
    HelloProfile::RandomizedNoAlpn,
    HelloProfile::Golang,
];

fn trusting(ca: &TestCa, profile: HelloProfile, sni: bool) -> TlsConnector {
    TlsConnector::new(profile, Roots::from_pem(ca.pem().as_bytes()).unwrap(), sni).unwrap()
}

#[tokio::test]
async fn every_profile_completes_and_verifies() {
    let ca = TestCa::new("e2e test CA");
    let mut server = Server::start(&ca.leaf(&[FIXTURE_HOST], false), Versions::Both).await;
    for profile in PROFILES {
        let alpn = connect_and_echo(&trusting(&ca, profile, true), FIXTURE_HOST, server.addr)
            .await
            .unwrap_or_else(|e| panic!("{profile}: {e}"));
        let seen = server.next_seen().await;
        assert!(seen.error.is_none(), "{profile}: {seen:?}");
        assert_eq!(seen.sni.as_deref(), Some(FIXTURE_HOST), "{profile}");
        assert_eq!(
            seen.version,
            Some(rustls::ProtocolVersion::TLSv1_3),
            "{profile}"
        );
        let want = profile.offers_h2().then(|| b"h2".to_vec());
        assert_eq!(alpn, want, "{profile}");
        assert_eq!(seen.alpn, want, "{profile}");
    }
}

#[tokio::test]
async fn chrome_profile_completes_with_a_tls12_only_server() {
    let ca = TestCa::new("e2e test CA");
    let mut server = Server::start(&ca.leaf(&[FIXTURE_HOST], false), Versions::Tls12Only).await;
    let alpn = connect_and_echo(
        &trusting(&ca, HelloProfile::Chrome, true),
        FIXTURE_HOST,
        server.addr,
    )
    .await
    .unwrap();
    let seen = server.next_seen().await;
    assert_eq!(seen.version, Some(rustls::ProtocolVersion::TLSv1_2));
    assert_eq!(alpn.as_deref(), Some(&b"h2"[..]));
}

#[tokio::test]
async fn wrong_name_is_rejected_with_a_clear_error() {
    let ca = TestCa::new("e2e test CA");
    let mut server = Server::start(&ca.leaf(&["other.example"], false), Versions::Both).await;
    for profile in PROFILES {
        for sni in [true, false] {
            let err = connect_and_echo(&trusting(&ca, profile, sni), FIXTURE_HOST, server.addr)
                .await
                .expect_err("certificate for another name must be rejected");
            assert_eq!(err.kind(), ErrorKind::InvalidData, "{profile}: {err}");
            let msg = err.to_string();
            assert!(
                msg.contains("fp.example") && msg.contains("Hostname mismatch"),
                "{profile}, sni {sni}: {msg}"
            );
            let _ = server.next_seen().await;
        }
    }
}

#[tokio::test]
async fn untrusted_ca_is_rejected_with_a_clear_error() {
    let ca = TestCa::new("e2e test CA");
    let rogue = TestCa::new("rogue CA");
    let mut server = Server::start(&rogue.leaf(&[FIXTURE_HOST], false), Versions::Both).await;
    for profile in PROFILES {
        let err = connect_and_echo(&trusting(&ca, profile, true), FIXTURE_HOST, server.addr)
            .await
            .expect_err("certificate from an untrusted CA must be rejected");
        assert_eq!(err.kind(), ErrorKind::InvalidData, "{profile}: {err}");
        assert!(
            err.to_string()
                .contains("unable to get local issuer certificate"),
            "{profile}: {err}"
        );
        let _ = server.next_seen().await;
    }
    // Mozilla's roots do not include a test CA either.
    let mozilla = TlsConnector::new(HelloProfile::Chrome, Roots::mozilla().unwrap(), true).unwrap();
    let good = Server::start(&ca.leaf(&[FIXTURE_HOST], false), Versions::Both).await;
    let err = connect_and_echo(&mozilla, FIXTURE_HOST, good.addr)
        .await
        .expect_err("a test CA is not a Mozilla root");
    assert_eq!(err.kind(), ErrorKind::InvalidData, "{err}");
}

#[tokio::test]
async fn nosni_sends_no_server_name_but_still_verifies_it() {
    let ca = TestCa::new("e2e test CA");
    let mut server = Server::start(&ca.leaf(&[FIXTURE_HOST], false), Versions::Both).await;
    for profile in PROFILES {
        connect_and_echo(&trusting(&ca, profile, false), FIXTURE_HOST, server.addr)
            .await
            .unwrap_or_else(|e| panic!("{profile}: {e}"));
        let seen = server.next_seen().await;
        assert!(seen.error.is_none(), "{profile}: {seen:?}");
        assert_eq!(seen.sni, None, "{profile}: no SNI with utls-nosni");
    }
    // The name check itself is covered with SNI off in
    // wrong_name_is_rejected_with_a_clear_error.
}

#[tokio::test]
async fn ip_literal_hosts_send_no_sni_and_verify_the_address() {
    let ca = TestCa::new("e2e test CA");
    let mut server = Server::start(&ca.leaf(&["127.0.0.1"], false), Versions::Both).await;
    let c = trusting(&ca, HelloProfile::Chrome, true);
    connect_and_echo(&c, "127.0.0.1", server.addr)
        .await
        .unwrap();
    let seen = server.next_seen().await;
    assert_eq!(seen.sni, None);
    assert!(seen.error.is_none(), "{seen:?}");

    let err = connect_and_echo(&c, "127.0.0.2", server.addr)
        .await
        .expect_err("another address must be rejected");
    assert!(err.to_string().contains("IP address mismatch"), "{err}");
    let _ = server.next_seen().await;

    let bad = connect_and_echo(&c, "not a host", server.addr)
        .await
        .expect_err("not a host name");
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);
}
