//! The client as deployed: no `-loopback-only`, a STUN server (`-ice`)
//! and `-keep-local-addresses`. Every other end-to-end test runs the
//! client in loopback-only mode, where it gathers 127.0.0.1 host
//! candidates and never asks STUN.
//!
//! The test re-runs itself inside a network namespace that has only `lo`,
//! so no candidate and no packet can leave the machine. There the client
//! has no host candidate at all (loopback is never gathered outside
//! loopback-only mode), and its one candidate is the server-reflexive
//! 127.0.0.1 address the STUN server on 127.0.0.1 reports; it is kept in
//! the offer because local addresses are kept. The transfer through our
//! proxy can only work over that candidate. Needs root.

use std::sync::atomic::Ordering;
use std::time::Duration;

use snowflake_client::{Client, ClientConfig};
use snowflake_integration::stack::{Stack, StackOptions};
use snowflake_integration::standin::TransferHeader;
use snowflake_integration::transfer::{run_transfer, socks_connect, Progress};
use snowflake_testkit::netns;
use snowflake_testkit::stun::StunServer;

const TEST_NAME: &str = "the_client_gathers_through_stun_as_deployed";
const MB: u64 = 1_000_000;

#[test]
fn the_client_gathers_through_stun_as_deployed() {
    netns::run_isolated(TEST_NAME, Duration::from_secs(240), inside_namespace);
}

fn inside_namespace() {
    snowflake_testkit::runtime::init_test_logs();
    snowflake_testkit::runtime::block_on(async {
        match tokio::time::timeout(Duration::from_secs(200), run()).await {
            Ok(()) => {}
            Err(_) => panic!("hang guard: the STUN-gathered transfer did not finish"),
        }
    });
}

async fn run() {
    let stun = StunServer::start("127.0.0.1".parse().unwrap())
        .await
        .expect("STUN server");
    let stack = Stack::start(&StackOptions {
        proxies: 1,
        ..StackOptions::default()
    })
    .await
    .expect("stack");
    let config = ClientConfig {
        broker_url: Some(format!("http://{}/", stack.broker_addr())),
        ice_servers: vec![stun.url()],
        keep_local_addresses: true,
        unsafe_logging: true,
        ..ClientConfig::default()
    };
    assert!(!config.loopback_only);

    // What the client offers here: the STUN-learned candidate only.
    let backend = snowflake_rtc::default_backend(config.rtc_config()).expect("backend");
    let peer = backend.create_offer().await.expect("offer");
    let candidates: Vec<&str> = peer
        .offer()
        .sdp
        .lines()
        .filter(|line| line.starts_with("a=candidate:"))
        .collect();
    assert!(
        !candidates.is_empty()
            && candidates
                .iter()
                .all(|c| c.contains(" 127.0.0.1 ") && c.contains(" typ srflx ")),
        "{candidates:?}"
    );
    eprintln!("the client offers {candidates:?}");
    drop(peer);

    let client = Client::start(config, "127.0.0.1:0".parse().unwrap(), None)
        .await
        .expect("client");
    let stream = socks_connect(client.socks_addr(), "")
        .await
        .expect("SOCKS connect");
    let header = TransferHeader {
        upload: MB,
        download: 4 * MB,
        seed: 41,
    };
    let report = run_transfer(stream, header, Progress::new())
        .await
        .expect("transfer");
    assert!(report.download_intact && report.upload_intact);
    assert_eq!(report.downloaded, 4 * MB);
    assert_eq!(stack.tor.stats().uploads_corrupt.load(Ordering::Relaxed), 0);
    client.shutdown().await;
    stack.shutdown().await;
}
