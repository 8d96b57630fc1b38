//! The client behind an upstream proxy (`TOR_PT_PROXY`,
//! docs/upstream-proxy.md), in process on 127.0.0.1 with our broker,
//! proxy and server: through a SOCKS5 proxy the test runs, the broker
//! rendezvous goes by CONNECT and WebRTC's datagrams (and the NAT check's
//! STUN) by UDP ASSOCIATE, and a transfer arrives intact; through HTTP
//! CONNECT and SOCKS4a proxies (TCP only) the rendezvous goes through the
//! proxy with `-proxy-rendezvous-only`; wrong credentials give a clear
//! error. The proxies count what they carried.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use snowflake_client::upstream_proxy::UpstreamProxy;
use snowflake_client::{Client, ClientConfig, ClientHandle, Reporter};
use snowflake_integration::stack::{Stack, StackOptions};
use snowflake_integration::standin::TransferHeader;
use snowflake_integration::transfer::{run_transfer, socks_connect, Progress, TransferReport};
use snowflake_testkit::http_connect_proxy::HttpConnectProxy;
use snowflake_testkit::socks_proxy::{SocksProxy, SocksProxyOptions};
use snowflake_testkit::stun::StunServer;

/// Hang guard only; nothing asserts on timing.
const HANG_GUARD: Duration = Duration::from_secs(240);
const MB: u64 = 1_000_000;

fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

async fn guard<F: std::future::Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(HANG_GUARD, fut).await {
        Ok(v) => v,
        Err(_) => panic!("hang guard: {what} did not finish"),
    }
}

fn credentials() -> Option<(String, String)> {
    Some(("snow".to_string(), "fl@ke:pw".to_string()))
}

/// The percent-encoded form tor would be given for [`credentials`].
const URL_CREDENTIALS: (&str, &str) = ("snow", "fl%40ke%3Apw");

async fn stack() -> Stack {
    Stack::start(&StackOptions {
        proxies: 1,
        ..StackOptions::default()
    })
    .await
    .expect("stack")
}

/// Our own client (the stack's is not behind a proxy), with the base
/// configuration `config`; its reports for tor's log are collected.
async fn client(stack: &Stack, config: ClientConfig) -> (ClientHandle, Arc<Mutex<Vec<String>>>) {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&reports);
    let reporter: Reporter = Arc::new(move |message: String| {
        sink.lock().unwrap_or_else(|e| e.into_inner()).push(message);
    });
    let config = ClientConfig {
        broker_url: Some(format!("http://{}/", stack.broker_addr())),
        unsafe_logging: true,
        ..config
    };
    let client = Client::start(config, "127.0.0.1:0".parse().unwrap(), Some(reporter))
        .await
        .expect("client");
    (client, reports)
}

async fn transfer(client: &ClientHandle, seed: u64) -> TransferReport {
    let stream = guard("SOCKS connect", socks_connect(client.socks_addr(), ""))
        .await
        .expect("SOCKS connect");
    let header = TransferHeader {
        upload: MB,
        download: 4 * MB,
        seed,
    };
    guard("transfer", run_transfer(stream, header, Progress::new()))
        .await
        .expect("transfer completes")
}

fn assert_intact(report: &TransferReport, stack: &Stack) {
    assert!(report.download_intact, "download corrupted");
    assert!(report.upload_intact, "upload corrupted");
    assert_eq!(report.downloaded, 4 * MB);
    assert_eq!(stack.tor.stats().uploads_corrupt.load(Ordering::Relaxed), 0);
}

/// Everything the client sends goes through the SOCKS5 proxy: the broker
/// rendezvous by CONNECT, the WebRTC datagrams to our proxy and the NAT
/// check's STUN by UDP ASSOCIATE; the data arrives intact. The client runs
/// as deployed (no loopback-only mode, local addresses stripped from the
/// offer, a STUN server configured).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socks5_carries_the_rendezvous_and_webrtc_udp() {
    init_logs();
    let stack = stack().await;
    let socks = SocksProxy::start(SocksProxyOptions {
        credentials: credentials(),
        refuse_udp: false,
    })
    .await
    .expect("SOCKS proxy");
    let stun = StunServer::start("127.0.0.1".parse().unwrap())
        .await
        .expect("STUN server");
    let proxy = UpstreamProxy::parse(&socks.url("socks5", Some(URL_CREDENTIALS))).expect("URL");
    let (client, _) = client(
        &stack,
        ClientConfig {
            ice_servers: vec![stun.url()],
            upstream_proxy: Some(proxy),
            ..ClientConfig::default()
        },
    )
    .await;
    let report = transfer(&client, 31).await;
    assert_intact(&report, &stack);

    let stats = socks.stats();
    assert_eq!(stats.auth_failures.load(Ordering::Relaxed), 0);
    assert!(
        stats
            .tunnel_targets()
            .contains(&stack.broker_addr().to_string()),
        "the rendezvous went through the proxy: {:?}",
        stats.tunnel_targets()
    );
    assert!(stats.associations.load(Ordering::Relaxed) >= 1);
    let out = stats.datagrams_out.load(Ordering::Relaxed);
    let back = stats.datagrams_in.load(Ordering::Relaxed);
    eprintln!(
        "through the SOCKS5 proxy: {} tunnels {:?}, {} UDP associations, {out} datagrams out, \
         {back} in, to {:?}",
        stats.tunnels.load(Ordering::Relaxed),
        stats.tunnel_targets(),
        stats.associations.load(Ordering::Relaxed),
        stats.datagram_targets()
    );
    // 5 MB of data cannot fit in fewer datagrams than this each way
    // (acknowledgements flow back for the 4 MB down and 1 MB up).
    assert!(
        out > 500 && back > 3_000,
        "datagrams relayed: {out} out, {back} in"
    );
    let stun_addr = stun.addr().to_string();
    let webrtc_targets: Vec<String> = stats
        .datagram_targets()
        .into_iter()
        .filter(|target| *target != stun_addr)
        .collect();
    assert!(!webrtc_targets.is_empty(), "WebRTC went through the relay");
    // The NAT check runs beside the first dial; wait for its datagrams.
    guard("NAT check through the relay", async {
        while !socks.stats().datagram_targets().contains(&stun_addr) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    client.shutdown().await;
    stack.shutdown().await;
}

/// An HTTP CONNECT proxy carries TCP only: with `-proxy-rendezvous-only`
/// the rendezvous goes through it (with Basic authentication) and WebRTC
/// goes directly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_connect_carries_the_rendezvous() {
    init_logs();
    let stack = stack().await;
    let http = HttpConnectProxy::start(credentials())
        .await
        .expect("HTTP proxy");
    let proxy = UpstreamProxy::parse(&http.url(Some(URL_CREDENTIALS))).expect("URL");
    let (client, _) = client(
        &stack,
        ClientConfig {
            loopback_only: true,
            upstream_proxy: Some(proxy),
            proxy_rendezvous_only: true,
            ..ClientConfig::default()
        },
    )
    .await;
    let report = transfer(&client, 32).await;
    assert_intact(&report, &stack);
    let stats = http.stats();
    assert_eq!(stats.auth_failures.load(Ordering::Relaxed), 0);
    assert!(stats.tunnels.load(Ordering::Relaxed) >= 1);
    assert_eq!(
        stats.targets().into_iter().collect::<Vec<_>>(),
        [stack.broker_addr().to_string()]
    );
    client.shutdown().await;
    stack.shutdown().await;
}

/// SOCKS4a (TCP only), with its user id, likewise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socks4a_carries_the_rendezvous() {
    init_logs();
    let stack = stack().await;
    let socks = SocksProxy::start(SocksProxyOptions {
        credentials: credentials(),
        refuse_udp: false,
    })
    .await
    .expect("SOCKS proxy");
    let proxy = UpstreamProxy::parse(&format!("socks4a://snow@{}", socks.addr())).expect("URL");
    let (client, _) = client(
        &stack,
        ClientConfig {
            loopback_only: true,
            upstream_proxy: Some(proxy),
            proxy_rendezvous_only: true,
            ..ClientConfig::default()
        },
    )
    .await;
    let report = transfer(&client, 33).await;
    assert_intact(&report, &stack);
    let stats = socks.stats();
    assert!(stats
        .tunnel_targets()
        .contains(&stack.broker_addr().to_string()));
    assert_eq!(stats.associations.load(Ordering::Relaxed), 0);
    client.shutdown().await;
    stack.shutdown().await;
}

/// Wrong credentials: no proxy is reached, and what the client tells tor
/// names the refusal (and never the password).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_give_a_clear_error() {
    init_logs();
    let stack = stack().await;
    let socks = SocksProxy::start(SocksProxyOptions {
        credentials: credentials(),
        refuse_udp: false,
    })
    .await
    .expect("SOCKS proxy");
    let http = HttpConnectProxy::start(credentials())
        .await
        .expect("HTTP proxy");
    for (url, expected) in [
        (
            socks.url("socks5", Some(("snow", "wrong-secret"))),
            "the SOCKS5 proxy refused the user name and password",
        ),
        (
            socks.url("socks5", None),
            "the SOCKS5 proxy requires authentication",
        ),
        (
            http.url(Some(("snow", "wrong-secret"))),
            "the HTTP proxy refused the user name and password (407)",
        ),
    ] {
        let (client, reports) = client(
            &stack,
            ClientConfig {
                loopback_only: true,
                upstream_proxy: Some(UpstreamProxy::parse(&url).expect("URL")),
                proxy_rendezvous_only: true,
                ..ClientConfig::default()
            },
        )
        .await;
        let _stream = socks_connect(client.socks_addr(), "")
            .await
            .expect("granted before any proxy is dialled");
        let report = guard("a dial error is reported", async {
            loop {
                let found = reports
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .iter()
                    .find(|line| line.contains("trying a new proxy"))
                    .cloned();
                if let Some(line) = found {
                    return line;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        assert!(report.contains(expected), "{url}: {report}");
        assert!(!report.contains("wrong-secret"), "{report}");
        client.shutdown().await;
    }
    assert!(socks.stats().auth_failures.load(Ordering::Relaxed) >= 2);
    assert!(http.stats().auth_failures.load(Ordering::Relaxed) >= 1);
    assert_eq!(socks.stats().tunnels.load(Ordering::Relaxed), 0);
    assert_eq!(http.stats().tunnels.load(Ordering::Relaxed), 0);
    stack.shutdown().await;
}
