//! Interop: Debian's Go `snowflake-client` 2.5.1 reaches our server through
//! our broker and our proxy, and a few MB move both ways intact, with our
//! proxy in each covert-DTLS setting (its shaped ClientHello against pion's
//! DTLS server).
//!
//! Needs root (to create a network namespace) and the Debian package
//! `snowflake-client`. The test re-runs itself inside a fresh namespace with
//! only `lo`: broker, server, fake ORPort, STUN responder, NAT probe server,
//! proxy and the Go client all live there, so nothing can leave the
//! machine. Go's WebRTC never offers loopback host candidates, so the client
//! gets a STUN responder on 127.0.0.1 (`ice=stun:127.0.0.1:PORT`) and offers
//! a server-reflexive 127.0.0.1 candidate, which our loopback-only proxy
//! accepts.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use snowflake_common::messages::NatType;
use snowflake_proxy::Proxy;
use snowflake_rtc::covert::{BrowserFamily, CovertDtlsConfig, CovertDtlsMode};
use snowflake_testkit::go_client::{self, socks5_connect, socks_args, GoClient};
use snowflake_testkit::netns;
use snowflake_testkit::runtime;
use snowflake_testkit::stun::StunServer;
use snowflake_testkit::tor::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TEST_NAME: &str = "go_snowflake_client_reaches_our_server_through_our_proxy";
const MB: usize = 1024 * 1024;

#[test]
fn go_snowflake_client_reaches_our_server_through_our_proxy() {
    go_client::program().unwrap_or_else(|e| panic!("{e}"));
    netns::run_isolated(TEST_NAME, Duration::from_secs(300), inside_namespace);
}

fn inside_namespace() {
    init_logs();
    runtime::block_on(exchange());
}

async fn exchange() {
    let stun = StunServer::start("127.0.0.1".parse().unwrap())
        .await
        .expect("STUN responder");
    let upload = pattern(4 * MB, 11);
    let download = Arc::new(pattern(4 * MB, 12));
    let upload_len = upload.len();
    let mut orport = FakeOrPort::start(download.clone(), upload_len).await;
    let (server, server_addr) = start_server(orport.addr).await;
    let broker = start_broker(&format!("ws://{server_addr}/")).await;
    // A probe server that lets the proxy connect, so the proxy reports
    // "unrestricted" and any client NAT type matches it.
    let probe = ProbeServer::start(ProbeBehavior::Connect).await;

    let state = TempDir::new("sf-go-client").expect("state dir");
    let log = state.path().join("client.log");
    let client = GoClient::start(
        state.path(),
        &[
            "-log".to_string(),
            log.display().to_string(),
            "-unsafe-logging".to_string(),
            "-keep-local-addresses".to_string(),
        ],
        Duration::from_secs(30),
    )
    .expect("snowflake-client starts");
    let args = socks_args(&[
        ("url", &format!("http://{}/", broker.local_addr())),
        ("ice", &stun.url()),
        ("max", "1"),
    ]);

    // One round per covert-DTLS setting of our proxy (the DTLS client,
    // whose ClientHello pion's DTLS server must accept); the first is the
    // default, randomizemimic.
    let base = CovertDtlsConfig::proxy_default();
    let rounds = [
        ("default (randomizemimic)", base.clone()),
        (
            "mimic chromium",
            base.clone().with_mode(CovertDtlsMode::Mimic),
        ),
        (
            "mimic firefox",
            base.clone()
                .with_mode(CovertDtlsMode::Mimic)
                .with_mimic_browser(BrowserFamily::Firefox),
        ),
        ("randomize", base.with_mode(CovertDtlsMode::Randomize)),
    ];
    for (round, (name, covert)) in rounds.into_iter().enumerate() {
        let mut config = proxy_config(broker.local_addr());
        config.nat_probe_url = Some(probe.url());
        config.nat_retest_interval = Duration::ZERO;
        config.covert_dtls = covert;
        let proxy = Proxy::start(config).await.expect("proxy starts");
        let mut nat = proxy.nat_type_updates();
        guard("NAT probe", nat.wait_for(|nat| *nat == NatType::Open))
            .await
            .expect("proxy running");
        wait_until("an open proxy poll", || broker.stats().waiting_proxies > 0).await;

        // The first round moves 4 MB each way, the others 1 MB.
        let size = if round == 0 { upload.len() } else { MB };
        let sent = upload[..size].to_vec();
        let result = guard("Go client exchange", async {
            let stream =
                socks5_connect(client.socks_addr(), &args, "192.0.2.3:80".parse().unwrap())
                    .await
                    .expect("SOCKS connect");
            let (mut rd, mut wr) = stream.into_split();
            let to_send = sent.clone();
            let writer = tokio::spawn(async move {
                wr.write_all(&to_send)
                    .await
                    .expect("upload through the Go client");
                // Pad to what the ORPort waits for.
                let pad = vec![0u8; upload_len - to_send.len()];
                wr.write_all(&pad).await.expect("upload padding");
                wr
            });
            let mut received = vec![0u8; download.len()];
            rd.read_exact(&mut received)
                .await
                .expect("download through the Go client");
            let _wr = writer.await.expect("writer");
            let uploaded = orport.hashes.recv().await.expect("ORPort reports");
            (received, uploaded)
        })
        .await;
        let (received, uploaded) = result;
        let mut expected_upload = sent.clone();
        expected_upload.resize(upload_len, 0);
        if round == 0 {
            if let Ok(text) = std::fs::read_to_string(&log) {
                eprintln!("--- snowflake-client log ---\n{text}");
            }
        }
        assert_eq!(
            sha256(&received),
            sha256(&download),
            "{name}: download corrupted"
        );
        assert_eq!(
            uploaded,
            sha256(&expected_upload),
            "{name}: upload corrupted"
        );
        assert_eq!(proxy.stats().connections.get(), 1, "{name}");
        assert!(
            proxy.stats().bytes_from_clients.get() >= upload_len as u64,
            "{name}"
        );
        assert!(
            proxy.stats().bytes_to_clients.get() >= download.len() as u64,
            "{name}"
        );
        eprintln!("Go client through our proxy with covert DTLS {name}: intact");
        proxy.shutdown().await;
    }
    assert!(probe.probes.load(std::sync::atomic::Ordering::SeqCst) >= 1);

    drop(client);
    broker.shutdown().await;
    server.shutdown().await;
}
