//! Real tor end to end (issue 7, point 2): a private Tor network on
//! 127.0.0.1 (testkit's [`TorNetwork`]: authority, middle, exit, and a
//! bridge running our `snowflake-server` as its ServerTransportPlugin over
//! the Extended ORPort), our broker and two of our proxies in process, and a
//! client tor running a Snowflake client as its ClientTransportPlugin.
//!
//! The client bootstraps to 100%; a 20 MB file from a local HTTP server
//! (127.0.0.1, reached through the exit) arrives intact through the client's
//! SocksPort; then a second download survives killing the proxy that
//! carries it (the other proxy is waiting, the client moves on to it and
//! the server resumes the Turbo Tunnel session).
//!
//! [`run_e2e`] is the whole test; each variant only says how to run its
//! client transport ([`ClientTransport`]). `tor_network_go_client` uses
//! Debian's Go `snowflake-client`, which must run in a network namespace
//! with only `lo` and a STUN responder on 127.0.0.1 (Go's WebRTC never
//! offers loopback candidates otherwise), so the whole test re-runs itself
//! inside such a namespace: all tors and our programs live there.
//!
//! The server binary: a test in this crate cannot use another package's
//! `CARGO_BIN_EXE_*`, so [`workspace_binary`] takes `snowflake-server` from
//! the target directory this test executable was built into
//! (`target/<profile>/`, the parent of `deps/`), or from
//! `$SNOWFLAKE_BIN_DIR`. `cargo test --workspace` builds it there; when
//! running only this crate, run `cargo build --release -p snowflake-server`
//! first.
//!
//! Needs root (network namespace), and the Debian packages `tor` and
//! `snowflake-client`.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use snowflake_broker::BrokerHandle;
use snowflake_common::messages::proxy::PROBE_STUB_SID;
use snowflake_common::messages::{NatType, ProxyAnswerRequest, ProxyPollResponse};
use snowflake_common::namematcher::NameMatcher;
use snowflake_proxy::{Proxy, ProxyConfig, ProxyHandle};
use snowflake_rtc::{RtcBackend, RtcConfig};
use snowflake_testkit::file_server::FileServer;
use snowflake_testkit::go_client;
use snowflake_testkit::netns;
use snowflake_testkit::stun::StunServer;
use snowflake_testkit::tor::TempDir;
use snowflake_testkit::tor_network::{scan_sockets, TorNetwork, TorNetworkConfig};

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

mod common;
use common::*;

const MB: usize = 1024 * 1024;
/// The file each download fetches.
const DOWNLOAD_LEN: usize = 20 * MB;
/// How far the second download gets before its proxy is killed.
const KILL_PROXY_AFTER: usize = 4 * MB;
/// Hang guard for each step; no test asserts on how long anything takes.
const HANG_GUARD: Duration = Duration::from_secs(240);
/// Hang guard for the whole re-run inside the namespace.
const RERUN_GUARD: Duration = Duration::from_secs(900);

/// Debian's Go `snowflake-client` as the client transport.
#[test]
fn tor_network_go_client() {
    go_client::program().unwrap_or_else(|e| panic!("{e}"));
    netns::run_isolated("tor_network_go_client", RERUN_GUARD, || {
        run_in_runtime(run_e2e(go_client_transport))
    });
}

/// Our own client as tor's ClientTransportPlugin, configured the way a
/// real torrc does it: broker and fingerprint on the Bridge line. ICE is
/// restricted to 127.0.0.1 (`-loopback-only`); it runs in the namespace
/// like the Go variant so both see the same network.
#[test]
fn tor_network_rust_client() {
    netns::run_isolated("tor_network_rust_client", RERUN_GUARD, || {
        run_in_runtime(run_e2e(|env| ClientTransport {
            plugin_cmd: format!(
                "{} -loopback-only -unsafe-logging -log {}",
                workspace_binary("snowflake-client").display(),
                env.client_log.display()
            ),
            bridge_args: format!(
                "url={} max=1 fingerprint={}",
                env.broker_url, env.bridge_fingerprint
            ),
        }))
    });
}

/// The Go client as tor runs it: broker, STUN server and bridge
/// fingerprint as Bridge line arguments (`-keep-local-addresses` as in the
/// proxy's interop test with this client).
fn go_client_transport(env: &E2eEnv) -> ClientTransport {
    let program = go_client::program().unwrap_or_else(|e| panic!("{e}"));
    ClientTransport {
        plugin_cmd: format!(
            "{} -log {} -unsafe-logging -keep-local-addresses",
            program.display(),
            env.client_log.display()
        ),
        bridge_args: format!(
            "url={} ice={} max=1 fingerprint={}",
            env.broker_url, env.stun_url, env.bridge_fingerprint
        ),
    }
}

/// What a variant's client transport can use.
#[derive(Debug)]
pub struct E2eEnv {
    /// `http://127.0.0.1:PORT/`: our broker.
    pub broker_url: String,
    /// `stun:127.0.0.1:PORT`: the STUN responder.
    pub stun_url: String,
    /// The bridge's fingerprint (the broker knows it).
    pub bridge_fingerprint: String,
    /// Where the client transport should log; shown when the test ends.
    pub client_log: PathBuf,
}

/// How tor runs the client transport.
#[derive(Debug)]
pub struct ClientTransport {
    /// `ClientTransportPlugin snowflake exec <plugin_cmd>`.
    pub plugin_cmd: String,
    /// Appended to `Bridge snowflake 192.0.2.3:80 <fingerprint>`.
    pub bridge_args: String,
}

fn run_in_runtime(test: impl Future<Output = ()>) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(test)
}

/// The whole end-to-end test with the client transport `client`.
async fn run_e2e(client: impl FnOnce(&E2eEnv) -> ClientTransport) {
    let test_started = Instant::now();
    let logs = TempDir::new("sf-e2e-logs").expect("log dir");
    let stun = StunServer::start("127.0.0.1".parse().unwrap())
        .await
        .expect("STUN responder");

    // The tor network, with our server on the bridge.
    let server = workspace_binary("snowflake-server");
    let server_log = logs.path().join("snowflake-server.log");
    let server_listen = free_loopback_addr();
    let network_config = TorNetworkConfig::new(
        format!(
            "{} -disable-tls -log {} -unsafe-logging",
            server.display(),
            server_log.display()
        ),
        server_listen,
    );
    let mut network = TorNetwork::start(&network_config)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", file_tail(&server_log, 60)));
    let relay_url = format!("ws://{server_listen}/");

    // Our broker, a NAT probe server, and two proxies.
    let broker = start_broker(&relay_url, network.bridge_fingerprint()).await;
    let probe = ProbeServer::start().await;
    let mut proxies = Vec::new();
    for _ in 0..2 {
        proxies.push(start_proxy(&broker, &relay_url, &probe.url()).await);
    }
    guard("both proxies poll", async {
        while broker.stats().waiting_proxies < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;

    let file = Arc::new(pattern(DOWNLOAD_LEN, 7));
    let web = FileServer::start(file.clone(), SMALL_LEN)
        .await
        .expect("file server");

    // The client tor with the variant's transport.
    let env = E2eEnv {
        broker_url: format!("http://{}/", broker.local_addr()),
        stun_url: stun.url(),
        bridge_fingerprint: network.bridge_fingerprint().to_string(),
        client_log: logs.path().join("snowflake-client.log"),
    };
    let transport = client(&env);
    let failure_context = |network: &TorNetwork| {
        format!(
            "{}\n--- client transport log ---\n{}\n--- server log ---\n{}",
            network.log_tails(),
            file_tail(&env.client_log, 60),
            file_tail(&server_log, 60)
        )
    };
    let socks = match network
        .start_client(&transport.plugin_cmd, &transport.bridge_args)
        .await
    {
        Ok(socks) => socks,
        Err(e) => panic!(
            "{e}\n--- client transport log ---\n{}\n--- server log ---\n{}",
            file_tail(&env.client_log, 60),
            file_tail(&server_log, 60)
        ),
    };
    let bootstrapped_after = test_started.elapsed();

    // A small file first: the first streams after bootstrap can still fail
    // while the exit learns about the middle relay; retry those.
    let mut attempts = 0;
    let small = loop {
        attempts += 1;
        match guard(
            "small download",
            download(socks, web.addr(), "/small", |_| async {}),
        )
        .await
        {
            Ok(body) => break body,
            Err(e) if attempts < 10 => {
                eprintln!("small download attempt {attempts} failed: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => panic!("small download failed: {e}\n{}", failure_context(&network)),
        }
    };
    assert_eq!(small, file[..SMALL_LEN], "small file corrupted");

    // First download: intact.
    let first_started = Instant::now();
    let body = guard(
        "first download",
        download(socks, web.addr(), "/data", |_| async {}),
    )
    .await
    .unwrap_or_else(|e| panic!("first download failed: {e}\n{}", failure_context(&network)));
    let first_took = first_started.elapsed();
    assert_eq!(body.len(), file.len(), "first download length");
    assert_eq!(sha256(&body), sha256(&file), "first download corrupted");
    let carrying: Vec<usize> = proxies
        .iter()
        .enumerate()
        .filter(|(_, p)| p.active_clients() > 0)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        carrying.len(),
        1,
        "one proxy carries the client: {proxies:?}"
    );
    let killed_index = carrying[0];

    // Second download: the carrying proxy is killed part way through.
    let mut victim = Some(proxies.remove(killed_index));
    let mut sockets_checked = false;
    let second_started = Instant::now();
    let body = guard(
        "second download",
        download(socks, web.addr(), "/data", |received| {
            if received >= KILL_PROXY_AFTER && victim.is_some() {
                // Everything is running now: every socket of this test and
                // its children (tors, transports) must be on loopback.
                let scan = scan_sockets().expect("scan sockets");
                eprintln!("{} sockets, all on loopback: {scan:?}", scan.checked);
                assert!(scan.foreign.is_empty(), "sockets off loopback: {scan:?}");
                // At least each tor's listeners and the circuit's links.
                assert!(scan.checked >= 10, "too few sockets found: {scan:?}");
                sockets_checked = true;
                // Dropping the handle stops the proxy at once, as if killed.
                drop(victim.take());
                eprintln!("killed the carrying proxy after {received} bytes");
            }
            std::future::ready(())
        }),
    )
    .await
    .unwrap_or_else(|e| panic!("second download failed: {e}\n{}", failure_context(&network)));
    let second_took = second_started.elapsed();
    assert!(victim.is_none(), "the proxy was killed mid-download");
    assert!(sockets_checked);
    assert_eq!(body.len(), file.len(), "second download length");
    assert_eq!(sha256(&body), sha256(&file), "second download corrupted");
    let survivor = &proxies[0];
    assert!(
        survivor.stats().bytes_to_clients.get()
            >= (DOWNLOAD_LEN - KILL_PROXY_AFTER - 2 * MB) as u64,
        "the remaining proxy carried the rest: {:?}",
        survivor.stats().bytes_to_clients.get()
    );

    let timings = network.timings();
    eprintln!(
        "timings: tor network ready after {:?}, client bootstrapped in {:?} \
         ({:?} into the test), {DOWNLOAD_LEN} bytes in {first_took:?}, again with \
         a proxy killed in {second_took:?}, whole test {:?}",
        timings.network_ready,
        timings.client_bootstrap.unwrap_or_default(),
        bootstrapped_after,
        test_started.elapsed()
    );

    drop(network);
    for proxy in proxies {
        proxy.shutdown().await;
    }
    broker.shutdown().await;
}

/// Length of the `/small` file (a prefix of the big one).
const SMALL_LEN: usize = 4096;

/// Awaits `fut` under the hang guard.
async fn guard<F: Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(HANG_GUARD, fut).await {
        Ok(v) => v,
        Err(_) => panic!("hang guard: {what} did not finish within {HANG_GUARD:?}"),
    }
}

/// One of our proxies: loopback-only ICE, relays only on 127.0.0.1, NAT
/// probed against `probe_url` (so it reports "open" and matches any client
/// NAT type). Returns once it reports "open".
async fn start_proxy(broker: &BrokerHandle, relay_url: &str, probe_url: &str) -> ProxyHandle {
    let config = ProxyConfig {
        broker_url: format!("http://{}/", broker.local_addr()),
        default_relay_url: relay_url.to_string(),
        stun_urls: Vec::new(),
        loopback_only: true,
        allowed_relay_pattern: NameMatcher::new(LOOPBACK_PATTERN).expect("pattern"),
        allow_non_tls_relay: true,
        allow_proxying_to_private_addresses: true,
        nat_probe_url: Some(probe_url.to_string()),
        nat_retest_interval: Duration::ZERO,
        summary_interval: Duration::ZERO,
        unsafe_logging: true,
        poll_interval: Duration::from_secs(1),
        drain_timeout: Duration::from_secs(5),
        ..ProxyConfig::default()
    };
    let proxy = Proxy::start(config).await.expect("proxy starts");
    let mut nat = proxy.nat_type_updates();
    guard("proxy NAT probe", nat.wait_for(|nat| *nat == NatType::Open))
        .await
        .expect("proxy running");
    proxy
}

/// A probetest-style NAT probe server on 127.0.0.1 (`POST /probe`) that
/// answers a proxy's probe offer and lets the data channel open, so the
/// proxy reports "unrestricted".
struct ProbeServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl ProbeServer {
    async fn start() -> ProbeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind probe");
        let addr = listener.local_addr().expect("addr");
        let backend: Arc<dyn RtcBackend> =
            snowflake_rtc::default_backend(RtcConfig::loopback()).expect("rtc backend");
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let backend = backend.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request: hyper::Request<Incoming>| {
                        let backend = backend.clone();
                        async move {
                            let (status, body) = answer_probe(&*backend, request).await;
                            let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
                            *response.status_mut() = status;
                            Ok::<_, std::convert::Infallible>(response)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        ProbeServer { addr, task }
    }

    fn url(&self) -> String {
        format!("http://{}/probe", self.addr)
    }
}

impl Drop for ProbeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer_probe(
    backend: &dyn RtcBackend,
    request: hyper::Request<Incoming>,
) -> (hyper::StatusCode, Vec<u8>) {
    let bad_request = (hyper::StatusCode::BAD_REQUEST, Vec::new());
    let Ok(body) = Limited::new(request.into_body(), 100_000).collect().await else {
        return bad_request;
    };
    let Ok(poll) = ProxyPollResponse::decode(&body.to_bytes()) else {
        return bad_request;
    };
    let Ok(offer) = poll.offer_description() else {
        return bad_request;
    };
    let Ok(peer) = backend.answer_offer(&offer).await else {
        return (hyper::StatusCode::INTERNAL_SERVER_ERROR, Vec::new());
    };
    let reply = ProxyAnswerRequest::new(PROBE_STUB_SID, peer.answer()).encode();
    tokio::spawn(async move {
        if let Ok(Ok(channel)) = tokio::time::timeout(Duration::from_secs(30), peer.connect()).await
        {
            // Keep the channel a moment so the proxy sees it open.
            tokio::time::sleep(Duration::from_secs(2)).await;
            drop(channel);
        }
    });
    (hyper::StatusCode::OK, reply)
}
