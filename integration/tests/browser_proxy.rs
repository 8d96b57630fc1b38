//! Real browsers as Snowflake proxies: Debian's Chromium and Firefox ESR
//! open `proxy-web/` (our browser proxy page), poll our broker, answer our
//! client's offers with their own WebRTC, and relay to our server's
//! WebSocket; the stand-in tor checks every byte.
//!
//! Cases, each with a fresh stack: one browser proxy per browser (redial);
//! two browser proxies, one of each, in striping mode; and the page of the
//! proxy carrying a redial session closed mid-transfer, the session going
//! on through the other browser; and Debian's Go `snowflake-client` 2.5.1
//! through a browser proxy. Each reports the DTLS version it
//! negotiated with our client (the browsers offer DTLS 1.3; ours answers
//! 1.2).
//!
//! Runs in a network namespace with only `lo` (root needed), with a
//! default route through `lo` for Firefox's ICE.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::Value;
use snowflake_integration::stack::{Stack, StackOptions};
use snowflake_integration::standin::TransferHeader;
use snowflake_integration::transfer::{run_transfer, socks_connect, Progress, TransferReport};
use snowflake_testkit::browser::{
    add_loopback_default_routes, Browser, LaunchOptions, RunningBrowser, SignalServer,
};
use snowflake_testkit::devtools::{devtools_port, screenshot};
use snowflake_testkit::go_client::{self, socks5_connect, socks_args, GoClient};
use snowflake_testkit::netns;
use snowflake_testkit::stun::StunServer;
use snowflake_testkit::tor::TempDir;

const TEST_NAME: &str = "browsers_as_snowflake_proxies";
const MB: u64 = 1_000_000;
/// Hang guards only; nothing asserts on timing.
const PAGE_GUARD: Duration = Duration::from_secs(60);
const TRANSFER_GUARD: Duration = Duration::from_secs(180);

const PAGE: &str = include_str!("../../proxy-web/index.html");
const SCRIPT: &str = include_str!("../../proxy-web/snowflake-proxy.js");

/// The page with its script inlined, so that one URL serves it.
fn page() -> String {
    PAGE.replace(
        r#"<script src="snowflake-proxy.js"></script>"#,
        &format!("<script>\n{SCRIPT}\n</script>"),
    )
}

/// One browser running proxy-web against the stack.
struct BrowserProxy {
    browser: Browser,
    running: RunningBrowser,
    server: SignalServer,
}

impl BrowserProxy {
    async fn start(browser: Browser, stack: &Stack) -> BrowserProxy {
        Self::start_with(browser, stack, "allow_private=1").await
    }

    /// With `policy` as the relay-policy part of the query string.
    async fn start_with(browser: Browser, stack: &Stack, policy: &str) -> BrowserProxy {
        let server = SignalServer::start(page()).await.expect("page server");
        let url = format!(
            "{}?broker=http://{}/&relay=ws://{}/&pattern=%5E127.0.0.1%24&capacity=1&ice=\
             &poll=1000&{policy}&allow_non_tls_relay=1&keep_local=1&gum=1\
             &report={}box/status",
            server.url(),
            stack.broker_addr(),
            stack.server_addr(),
            server.url(),
        );
        // Chromium with a DevTools port, for the status screenshot.
        let options = LaunchOptions {
            chromium_flags: vec![
                "--remote-debugging-port=0".to_string(),
                "--window-size=720,560".to_string(),
            ],
            ..LaunchOptions::default()
        };
        let running = RunningBrowser::launch_with(browser, &url, &options)
            .unwrap_or_else(|e| panic!("launching {browser}: {e}"));
        let mut proxy = BrowserProxy {
            browser,
            running,
            server,
        };
        let started = Instant::now();
        loop {
            let status = proxy.status().await;
            if status["polls"].as_u64().unwrap_or(0) >= 1 {
                break;
            }
            assert!(
                started.elapsed() < PAGE_GUARD,
                "{browser}: the proxy page did not poll the broker: {status}\n{}",
                proxy.running.log_tail(3000)
            );
        }
        eprintln!("{browser} {}: proxy page polling", browser.version());
        proxy
    }

    /// The page's latest status report.
    async fn status(&mut self) -> Value {
        let text = self
            .running
            .take(&self.server, "status", PAGE_GUARD)
            .await
            .unwrap_or_else(|e| panic!("{}: no status from the page: {e}", self.browser));
        serde_json::from_str(&text).expect("status JSON")
    }

    /// Waits for a status in which `done` holds; returns it.
    async fn status_where(&mut self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let status = self.status().await;
            if done(&status) {
                return status;
            }
            assert!(
                started.elapsed() < PAGE_GUARD,
                "{}: {what}: {status}",
                self.browser
            );
        }
    }
}

/// A picture of the page's status after it served a client, for the
/// README: always written under the target directory, and copied to
/// `docs/proxy-web-status.png` when `SNOWFLAKE_UPDATE_DOCS=1`.
async fn save_screenshot(proxy: &BrowserProxy) {
    let port = devtools_port(&proxy.running.dir().join("profile"))
        .unwrap_or_else(|e| panic!("Chromium's DevTools port: {e}"));
    let png = screenshot(port, &proxy.server.url())
        .await
        .unwrap_or_else(|e| panic!("screenshot: {e}"));
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("proxy-web-status.png");
    std::fs::write(&out, &png).expect("write the screenshot");
    eprintln!(
        "proxy page screenshot: {} ({} bytes)",
        out.display(),
        png.len()
    );
    if std::env::var("SNOWFLAKE_UPDATE_DOCS").as_deref() == Ok("1") {
        let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/proxy-web-status.png");
        std::fs::write(docs, &png).expect("write docs/proxy-web-status.png");
    }
}

fn dtls_versions(status: &Value) -> Vec<String> {
    status["dtls"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|d| format!("{} {}", d["tlsVersion"], d["dtlsCipher"]))
                .collect()
        })
        .unwrap_or_default()
}

fn assert_intact(report: &TransferReport, stack: &Stack, what: &str) {
    assert!(report.download_intact, "{what}: download corrupted");
    assert!(report.upload_intact, "{what}: upload corrupted");
    assert_eq!(
        stack.tor.stats().uploads_corrupt.load(Ordering::Relaxed),
        0,
        "{what}: the stand-in saw a corrupt upload"
    );
}

async fn transfer(stack: &Stack, header: TransferHeader, what: &str) -> TransferReport {
    let run = async {
        let stream = socks_connect(stack.socks_addr(), "").await.expect("SOCKS");
        run_transfer(stream, header, Progress::new())
            .await
            .expect("transfer")
    };
    let report = tokio::time::timeout(TRANSFER_GUARD, run)
        .await
        .unwrap_or_else(|_| panic!("hang guard: {what}"));
    assert_intact(&report, stack, what);
    eprintln!(
        "{what}: {:.1} MB down + {:.1} MB up intact in {:.1?}",
        report.downloaded as f64 / 1e6,
        report.uploaded as f64 / 1e6,
        report.elapsed
    );
    report
}

/// Our broker, server and client, with no proxy of ours: the browsers are
/// the proxies. Striping uses two of them at once.
async fn stack_without_proxies(striping: bool) -> Stack {
    Stack::start(&StackOptions {
        proxies: 0,
        max_proxies: if striping { 2 } else { 1 },
        striping,
        ..StackOptions::default()
    })
    .await
    .expect("stack")
}

fn header(seed: u64) -> TransferHeader {
    TransferHeader {
        upload: 10 * MB,
        download: 50 * MB,
        seed,
    }
}

async fn one_browser_redial(browser: Browser) {
    let stack = stack_without_proxies(false).await;
    let mut proxy = BrowserProxy::start(browser, &stack).await;
    let what = format!("our client through {browser} (redial)");
    transfer(&stack, header(1), &what).await;
    // The page reports once a second: wait for the report that has all of
    // the transfer in its counters.
    let status = proxy
        .status_where(
            "relayed the whole transfer and read its DTLS version",
            |s| {
                s["bytesToClients"].as_u64().unwrap_or(0) >= 50 * MB
                    && s["bytesToRelay"].as_u64().unwrap_or(0) >= 10 * MB
                    && s["dtls"].as_array().is_some_and(|list| {
                        list.iter().any(|d| {
                            d["tlsVersion"].as_str().is_some_and(|v| !v.is_empty())
                                || d["transportStats"] == Value::Bool(false)
                        })
                    })
            },
        )
        .await;
    assert!(status["clientsServed"].as_u64().unwrap_or(0) >= 1);
    if browser == Browser::Chromium {
        save_screenshot(&proxy).await;
    }
    let versions = dtls_versions(&status);
    eprintln!("{what}: negotiated {versions:?}");
    let without_transport_stats = status["dtls"].as_array().is_some_and(|list| {
        list.iter()
            .all(|d| d["transportStats"] == Value::Bool(false))
    });
    if without_transport_stats {
        // Firefox has no RTCTransportStats: the version cannot be read from
        // the page. Only Chromium's report is checked; the transfer above
        // already proved the handshake.
        assert_eq!(browser, Browser::Firefox, "{what}: no transport stats");
        eprintln!("{what}: {browser} exposes no transport stats; DTLS version not checked");
        stack.shutdown().await;
        return;
    }
    assert!(
        !versions.is_empty() && versions.iter().all(|v| v.starts_with("\"FEFD\"")),
        "{what}: DTLS 1.2 expected (our stack has no 1.3): {versions:?}"
    );
    stack.shutdown().await;
}

async fn two_browsers_striping() {
    let stack = stack_without_proxies(true).await;
    let mut chromium = BrowserProxy::start(Browser::Chromium, &stack).await;
    let mut firefox = BrowserProxy::start(Browser::Firefox, &stack).await;
    transfer(&stack, header(2), "striping over Chromium and Firefox").await;
    for proxy in [&mut chromium, &mut firefox] {
        let status = proxy
            .status_where("carried part of the striped session", |s| {
                s["bytesToClients"].as_u64().unwrap_or(0) > 0
            })
            .await;
        eprintln!(
            "striping: {} carried {} bytes down, {} up",
            proxy.browser, status["bytesToClients"], status["bytesToRelay"]
        );
    }
    stack.shutdown().await;
}

async fn page_closed_mid_transfer() {
    let stack = stack_without_proxies(false).await;
    let mut proxies = vec![
        BrowserProxy::start(Browser::Chromium, &stack).await,
        BrowserProxy::start(Browser::Firefox, &stack).await,
    ];
    let stream = socks_connect(stack.socks_addr(), "").await.expect("SOCKS");
    let progress = Progress::new();
    let run = tokio::spawn(run_transfer(stream, header(3), progress.clone()));
    let started = Instant::now();
    while progress.received.load(Ordering::Relaxed) < 10 * MB {
        assert!(
            started.elapsed() < TRANSFER_GUARD,
            "no progress before the page closes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Close the page of the proxy that carries the session (the one with a
    // client now), as a volunteer closing the tab.
    let mut busy = None;
    for (i, proxy) in proxies.iter_mut().enumerate() {
        if proxy.status().await["clientsNow"].as_u64().unwrap_or(0) > 0 {
            busy = Some(i);
            break;
        }
    }
    let busy = busy.expect("a browser proxy carries the session");
    let closed = proxies.remove(busy);
    eprintln!("closing the {} proxy page mid-transfer", closed.browser);
    drop(closed);
    let report = tokio::time::timeout(TRANSFER_GUARD, run)
        .await
        .expect("hang guard: transfer after the page closed")
        .expect("join")
        .expect("transfer");
    assert_intact(&report, &stack, "after a proxy page closed");
    let survivor = &mut proxies[0];
    let status = survivor
        .status_where("took over the session", |s| {
            s["clientsServed"].as_u64().unwrap_or(0) >= 1
        })
        .await;
    eprintln!(
        "the session survived on {}: {} bytes down after the switch; intact in {:.1?}",
        survivor.browser, status["bytesToClients"], report.elapsed
    );
    stack.shutdown().await;
}

/// Debian's Go `snowflake-client` 2.5.1 through a browser proxy to our
/// server. Go's WebRTC offers no loopback host candidate, so it learns a
/// 127.0.0.1 server-reflexive one from a STUN responder here.
async fn go_client_through_browser(browser: Browser) {
    let stun = StunServer::start("127.0.0.1".parse().expect("ip"))
        .await
        .expect("STUN responder");
    let stack = stack_without_proxies(false).await;
    let mut proxy = BrowserProxy::start(browser, &stack).await;
    let state = TempDir::new("sf-go-client").expect("state dir");
    let client = GoClient::start(
        state.path(),
        &[
            "-keep-local-addresses".to_string(),
            "-unsafe-logging".to_string(),
        ],
        Duration::from_secs(30),
    )
    .expect("snowflake-client starts");
    let args = socks_args(&[
        ("url", &format!("http://{}/", stack.broker_addr())),
        ("ice", &stun.url()),
        ("max", "1"),
    ]);
    let what = format!("Go snowflake-client through {browser}");
    let run = async {
        let stream = socks5_connect(
            client.socks_addr(),
            &args,
            "192.0.2.3:80".parse().expect("addr"),
        )
        .await
        .expect("SOCKS connect to the Go client");
        let header = TransferHeader {
            upload: 4 * MB,
            download: 10 * MB,
            seed: 4,
        };
        run_transfer(stream, header, Progress::new())
            .await
            .expect("transfer")
    };
    let report = tokio::time::timeout(TRANSFER_GUARD, run)
        .await
        .unwrap_or_else(|_| panic!("hang guard: {what}"));
    assert_intact(&report, &stack, &what);
    let status = proxy
        .status_where("served the Go client", |s| {
            s["clientsServed"].as_u64().unwrap_or(0) >= 1
        })
        .await;
    eprintln!(
        "{what}: intact in {:.1?}; negotiated {:?}",
        report.elapsed,
        dtls_versions(&status)
    );
    drop(client);
    stack.shutdown().await;
}

/// Without `allow_private`, the page refuses the broker's relay on
/// 127.0.0.1 and sends no answer: it never becomes a way into the
/// volunteer's own network.
async fn private_relay_refused(browser: Browser) {
    let stack = stack_without_proxies(false).await;
    let mut proxy = BrowserProxy::start_with(browser, &stack, "allow_private=0").await;
    // Our client asks for a proxy; the page gets the match and refuses it.
    let client = tokio::spawn({
        let socks = stack.socks_addr();
        async move {
            if let Ok(stream) = socks_connect(socks, "").await {
                let _ = run_transfer(stream, header(5), Progress::new()).await;
            }
        }
    });
    let status = proxy
        .status_where("refused the private relay", |s| {
            s["lastError"]
                .as_str()
                .is_some_and(|e| e.contains("private address refused"))
        })
        .await;
    assert_eq!(status["clientsServed"].as_u64(), Some(0), "{status}");
    assert_eq!(status["bytesToRelay"].as_u64(), Some(0), "{status}");
    eprintln!(
        "{browser}: relay on a private address refused: {}",
        status["lastError"]
    );
    client.abort();
    stack.shutdown().await;
}

#[test]
fn browsers_as_snowflake_proxies() {
    for browser in Browser::ALL {
        browser.find().unwrap_or_else(|e| panic!("{e}"));
    }
    go_client::program().unwrap_or_else(|e| panic!("{e}"));
    netns::run_isolated(TEST_NAME, Duration::from_secs(600), || {
        add_loopback_default_routes().unwrap_or_else(|e| panic!("{e}"));
        snowflake_testkit::runtime::init_test_logs();
        snowflake_testkit::runtime::block_on(async {
            one_browser_redial(Browser::Chromium).await;
            one_browser_redial(Browser::Firefox).await;
            two_browsers_striping().await;
            page_closed_mid_transfer().await;
            go_client_through_browser(Browser::Chromium).await;
            private_relay_refused(Browser::Firefox).await;
        });
    });
}
