//! Our client reaches our server through Debian's Go `snowflake-proxy`
//! 2.5.1, brokered by our broker: the Go proxy answers our client's offer,
//! opens the data channel and relays it to our server's WebSocket, and a
//! transfer checked by the stand-in tor goes through intact both ways.
//!
//! Go's WebRTC never offers loopback candidates, so the test re-runs
//! itself inside a network namespace that has only `lo`, with a STUN
//! responder on 127.0.0.1 (the Go proxy learns a 127.0.0.1 server-reflexive
//! candidate from it). Needs root and the Debian package `snowflake-proxy`.

use std::sync::atomic::Ordering;
use std::time::Duration;

use snowflake_integration::stack::{Stack, StackOptions};
use snowflake_integration::standin::TransferHeader;
use snowflake_integration::transfer::{run_transfer, socks_connect, Progress};
use snowflake_rtc::covert::{BrowserFamily, CovertDtlsConfig, CovertDtlsMode};
use snowflake_testkit::go_proxy::{self, GoProxyOptions};
use snowflake_testkit::netns;
use snowflake_testkit::process::ChildGuard;
use snowflake_testkit::stun::StunServer;

const TEST_NAME: &str = "our_client_through_go_snowflake_proxy";
const MB: u64 = 1_000_000;

#[test]
fn our_client_through_go_snowflake_proxy() {
    go_proxy::program().unwrap_or_else(|e| panic!("{e}"));
    netns::run_isolated(TEST_NAME, Duration::from_secs(240), inside_namespace);
}

fn inside_namespace() {
    snowflake_testkit::runtime::init_test_logs();
    snowflake_testkit::runtime::block_on(async {
        // Our client is the DTLS server: its shaped server flight and
        // certificate in each covert-DTLS setting, against pion's client.
        let base = CovertDtlsConfig::client_default();
        let settings = [
            ("default (mimic chromium)", base.clone()),
            (
                "mimic firefox",
                base.clone().with_mimic_browser(BrowserFamily::Firefox),
            ),
            (
                "randomize",
                base.clone().with_mode(CovertDtlsMode::Randomize),
            ),
            ("disable", base.with_mode(CovertDtlsMode::Disable)),
        ];
        for (name, covert) in settings {
            match tokio::time::timeout(Duration::from_secs(200), transfer(covert)).await {
                Ok(()) => {
                    eprintln!("our client with covert DTLS {name} through the Go proxy: intact")
                }
                Err(_) => {
                    panic!("hang guard: the transfer through the Go proxy did not finish ({name})")
                }
            }
        }
    });
}

async fn transfer(covert: CovertDtlsConfig) {
    let stun = StunServer::start("127.0.0.1".parse().unwrap())
        .await
        .expect("STUN responder");
    // No proxies of ours: the Go proxy is the only one.
    let stack = Stack::start(&StackOptions {
        proxies: 0,
        client_covert_dtls: Some(covert),
        ..StackOptions::default()
    })
    .await
    .expect("stack");
    let command = go_proxy::command(&GoProxyOptions {
        broker_url: format!("http://{}/", stack.broker_addr()),
        stun_url: stun.url(),
        relay_url: format!("ws://{}/", stack.server_addr()),
        allowed_relay_hostname_pattern: "^127.0.0.1$".to_string(),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let _go_proxy = ChildGuard::spawn(command, "snowflake-proxy").expect("start snowflake-proxy");

    let stream = socks_connect(stack.socks_addr(), "")
        .await
        .expect("SOCKS connect");
    let header = TransferHeader {
        upload: 4 * MB,
        download: 4 * MB,
        seed: 40,
    };
    let report = run_transfer(stream, header, Progress::new())
        .await
        .expect("transfer through the Go proxy");
    eprintln!("through the Go proxy: {report:?}");
    assert!(report.download_intact && report.upload_intact, "{report:?}");
    assert_eq!(
        stack.tor.stats().uploads_intact.load(Ordering::Relaxed),
        1,
        "the stand-in tor checked the upload"
    );
    stack.shutdown().await;
}
