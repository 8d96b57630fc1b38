//! Every covert-DTLS setting of the client (offerer, DTLS server) against
//! every setting of the proxy (answerer, DTLS client), on the default
//! backend over 127.0.0.1: the channel opens and carries data both ways,
//! and the SDP fingerprint is that of a fresh certificate per connection.

use std::time::Duration;

use snowflake_rtc::covert::{BrowserFamily, CovertDtlsConfig, CovertDtlsMode};
use snowflake_rtc::{default_backend, RtcConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const GUARD: Duration = Duration::from_secs(60);

/// A DTLS 1.2 ClientHello body in upstream's `covertdtls-fingerprint` form
/// (Chromium-like: suites, groups x25519/P-256/P-384, SRTP, session ticket).
const FINGERPRINT: &str = "fefd46d25ef57649ecfd0fc17d5d933462d70770ea629a4d74a9b7567cc5714fd59500000016c02bc02fcca9cca8c009c013c00ac014009c002f00350100004400170000ff01000100000a00080006001d00170018000b0002010000230000000d00140012040308040401050308050501080606010201000e0009000600010008000700";

fn settings() -> Vec<(&'static str, CovertDtlsConfig)> {
    let base = CovertDtlsConfig::client_default();
    vec![
        ("disable", base.clone().with_mode(CovertDtlsMode::Disable)),
        (
            "mimic-chromium",
            base.clone().with_mode(CovertDtlsMode::Mimic),
        ),
        (
            "mimic-firefox",
            base.clone()
                .with_mode(CovertDtlsMode::Mimic)
                .with_mimic_browser(BrowserFamily::Firefox),
        ),
        (
            "randomize",
            base.clone().with_mode(CovertDtlsMode::Randomize),
        ),
        (
            "randomizemimic",
            base.clone().with_mode(CovertDtlsMode::RandomizeMimic),
        ),
        (
            "fingerprint",
            base.with_mode(CovertDtlsMode::Mimic)
                .with_fingerprint_hex(FINGERPRINT)
                .expect("fingerprint"),
        ),
    ]
}

fn fingerprint_line(sdp: &str) -> String {
    sdp.lines()
        .find(|l| l.starts_with("a=fingerprint:"))
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_setting_opens_a_channel_with_every_proxy_setting() {
    let mut fingerprints = std::collections::HashSet::new();
    for (client_name, client_setting) in settings() {
        let client = default_backend(RtcConfig::loopback().with_covert_dtls(client_setting))
            .expect("client backend");
        for (proxy_name, proxy_setting) in settings() {
            let names = format!("client {client_name} / proxy {proxy_name}");
            let proxy = default_backend(RtcConfig::loopback().with_covert_dtls(proxy_setting))
                .expect("proxy backend");
            let run = async {
                let offer_peer = client.create_offer().await.expect("offer");
                let offer = offer_peer.offer().clone();
                let answer_peer = proxy.answer_offer(&offer).await.expect("answer");
                let answer = answer_peer.answer().clone();
                let proxy_side = tokio::spawn(answer_peer.connect());
                let mut c = offer_peer
                    .connect(answer.clone())
                    .await
                    .expect("client open");
                let mut p = proxy_side.await.unwrap().expect("proxy open");
                c.write_all(b"from the client").await.unwrap();
                c.flush().await.unwrap();
                let mut buf = [0u8; 15];
                p.read_exact(&mut buf).await.unwrap();
                assert_eq!(&buf, b"from the client", "{names}");
                p.write_all(b"from the proxy!").await.unwrap();
                p.flush().await.unwrap();
                c.read_exact(&mut buf).await.unwrap();
                assert_eq!(&buf, b"from the proxy!", "{names}");
                (fingerprint_line(&offer.sdp), fingerprint_line(&answer.sdp))
            };
            let (offer_fp, answer_fp) = tokio::time::timeout(GUARD, run)
                .await
                .unwrap_or_else(|_| panic!("{names}: hung"));
            assert!(fingerprints.insert(offer_fp), "{names}: certificate reused");
            assert!(
                fingerprints.insert(answer_fp),
                "{names}: certificate reused"
            );
        }
    }
}

/// A handshake that fails (here the answer's certificate fingerprint does
/// not match the certificate the proxy shows) ends the client's wait for
/// the channel with an error, rather than leaving it to the caller's
/// timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_dtls_handshake_ends_the_wait_for_the_channel() {
    let client = default_backend(RtcConfig::loopback()).expect("client backend");
    let proxy = default_backend(RtcConfig::loopback()).expect("proxy backend");
    let run = async {
        let offer_peer = client.create_offer().await.expect("offer");
        let offer = offer_peer.offer().clone();
        let answer_peer = proxy.answer_offer(&offer).await.expect("answer");
        let mut answer = answer_peer.answer().clone();
        // Change the first hex digit of the proxy's certificate fingerprint.
        let line = fingerprint_line(&answer.sdp);
        let (head, hex) = line.split_once(' ').expect("fingerprint line");
        let flipped = if hex.starts_with('0') { "1" } else { "0" };
        let wrong = format!("{head} {flipped}{}", &hex[1..]);
        answer.sdp = answer.sdp.replace(&line, &wrong);
        let _proxy_side = tokio::spawn(answer_peer.connect());
        offer_peer.connect(answer).await
    };
    let result = tokio::time::timeout(GUARD, run)
        .await
        .expect("hang guard: the client kept waiting after the handshake failed");
    assert!(
        result.is_err(),
        "the channel opened despite a wrong fingerprint"
    );
}
