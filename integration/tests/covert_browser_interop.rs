//! Our WebRTC stack (the default backend, webrtc-rs 0.17 with the patched
//! DTLS under `vendor/dtls`) against the real Debian `chromium` and
//! `firefox-esr`, with covert DTLS on, in both DTLS roles:
//!
//! * the browser answers our offer, as a browser Snowflake proxy answers a
//!   client: the browser is the DTLS client and we are the DTLS server,
//!   with the client's covert settings (default = mimic Chromium, mimic
//!   Firefox, randomize, disable);
//! * the browser offers and we answer, as our proxy answers a client: the
//!   browser is the DTLS server and we are the DTLS client, with the
//!   proxy's covert settings (default = randomizemimic, mimic Chromium,
//!   mimic Firefox, randomize).
//!
//! Settings that choose a shape at random per connection (randomize, and
//! the proxy default randomizemimic) get several connections each.
//!
//! In every case the data channel opens and 1 MB goes to the browser and
//! comes back (the page echoes every message), checked byte for byte. The
//! page reads `getStats()` once the channel is open; the test prints the
//! DTLS version and cipher the browser negotiated and checks the version is
//! DTLS 1.2 (`FEFD`): the browsers offer 1.3, our stack speaks 1.2. It also
//! checks the browser's `dtlsRole` is the one expected.
//!
//! All cases run, then the test prints a table and fails if any failed. A
//! failed case's message has the page's error and transport stats, the
//! SDP candidates, the page log, the end of the browser's output and, when
//! tcpdump is installed, the DTLS hellos and alerts as captured on `lo`
//! (which side refused what).
//!
//! Everything runs in a network namespace with only `lo` (the test re-runs
//! itself there), with a default route through `lo` so that Firefox gathers
//! candidates. The browser loads `testkit/assets/browser_peer.html` from an
//! in-process HTTP server on 127.0.0.1 and signals through it. Needs root
//! and the Debian packages `chromium` and `firefox-esr`.

use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use snowflake_common::messages::{SdpType, SessionDescription};
use snowflake_rtc::covert::{BrowserFamily, CovertDtlsConfig, CovertDtlsMode};
use snowflake_rtc::{default_backend, new_channel_label, RtcChannel, RtcConfig};
use snowflake_testkit::browser::{
    add_loopback_default_routes, Browser, RunningBrowser, SignalServer, ECHO_PEER_PAGE,
};
use snowflake_testkit::dtls_wire::{
    handshake_type_name, parse_handshake_fragments, parse_records, ClientHelloInfo, Record,
    ServerHelloInfo,
};
use snowflake_testkit::packet_capture::PacketCapture;
use snowflake_testkit::pattern::pattern;
use snowflake_testkit::{netns, pcap, runtime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TEST_NAME: &str = "browsers_interoperate_with_our_covert_dtls_in_both_roles";
/// Bytes sent to the browser, and echoed back, per case.
const TRANSFER: usize = 1_000_000;
/// Hang guards (never reached when things work).
const READY_GUARD: Duration = Duration::from_secs(60);
const CASE_GUARD: Duration = Duration::from_secs(30);
const REPORT_GUARD: Duration = Duration::from_secs(10);
/// Cases not started by then are reported as not run.
const CASES_BUDGET: Duration = Duration::from_secs(190);
const INNER_GUARD: Duration = Duration::from_secs(230);
const OUTER_GUARD: Duration = Duration::from_secs(270);
/// The DTLS 1.2 version as browsers' getStats() spell it.
const DTLS12: &str = "FEFD";

#[test]
fn browsers_interoperate_with_our_covert_dtls_in_both_roles() {
    for browser in Browser::ALL {
        browser.find().unwrap_or_else(|e| panic!("{e}"));
    }
    netns::run_isolated(TEST_NAME, OUTER_GUARD, inside_namespace);
}

/// Which side offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// We offer (DTLS server), the browser answers (DTLS client).
    BrowserAnswers,
    /// The browser offers (DTLS server), we answer (DTLS client).
    BrowserOffers,
}

impl Role {
    fn describe(self) -> &'static str {
        match self {
            Role::BrowserAnswers => "browser answers (DTLS client)",
            Role::BrowserOffers => "browser offers (DTLS server)",
        }
    }

    /// The browser's `dtlsRole` in getStats().
    fn browser_dtls_role(self) -> &'static str {
        match self {
            Role::BrowserAnswers => "client",
            Role::BrowserOffers => "server",
        }
    }
}

/// Connections made with each setting that picks its shape at random per
/// connection (`randomize`, and the proxy default `randomizemimic`), so
/// that a shape a browser refuses shows up in most runs.
const RANDOM_RUNS: usize = 5;

struct Case {
    role: Role,
    setting: &'static str,
    covert: CovertDtlsConfig,
    /// Which run of a random setting (1-based), and how many there are.
    run: (usize, usize),
}

impl Case {
    fn name(&self) -> String {
        match self.run {
            (_, 1) => self.setting.to_string(),
            (run, runs) => format!("{} ({run}/{runs})", self.setting),
        }
    }
}

/// The settings tried in each role, each once, or [`RANDOM_RUNS`] times
/// when random.
fn cases() -> Vec<Case> {
    let client = CovertDtlsConfig::client_default;
    let proxy = CovertDtlsConfig::proxy_default;
    let settings = [
        (Role::BrowserAnswers, "client default", client()),
        (
            Role::BrowserAnswers,
            "mimic firefox",
            client()
                .with_mode(CovertDtlsMode::Mimic)
                .with_mimic_browser(BrowserFamily::Firefox),
        ),
        (
            Role::BrowserAnswers,
            "randomize",
            client().with_mode(CovertDtlsMode::Randomize),
        ),
        (
            Role::BrowserAnswers,
            "disable",
            client().with_mode(CovertDtlsMode::Disable),
        ),
        (Role::BrowserOffers, "proxy default", proxy()),
        (
            Role::BrowserOffers,
            "mimic chromium",
            proxy()
                .with_mode(CovertDtlsMode::Mimic)
                .with_mimic_browser(BrowserFamily::Chromium),
        ),
        (
            Role::BrowserOffers,
            "mimic firefox",
            proxy()
                .with_mode(CovertDtlsMode::Mimic)
                .with_mimic_browser(BrowserFamily::Firefox),
        ),
        (
            Role::BrowserOffers,
            "randomize",
            proxy().with_mode(CovertDtlsMode::Randomize),
        ),
    ];
    let mut cases = Vec::new();
    for (role, setting, covert) in settings {
        let random = matches!(
            covert.mode(),
            CovertDtlsMode::Randomize | CovertDtlsMode::RandomizeMimic
        );
        let runs = if random { RANDOM_RUNS } else { 1 };
        for run in 1..=runs {
            cases.push(Case {
                role,
                setting,
                covert: covert.clone(),
                run: (run, runs),
            });
        }
    }
    cases
}

/// `Negotiated::tls_version` when the browser exposes no transport stats.
const NOT_REPORTED: &str = "(not reported)";

/// What the browser's getStats() said about the connection.
#[derive(Debug, Default)]
struct Negotiated {
    tls_version: String,
    dtls_cipher: String,
    dtls_role: Option<String>,
    pair: String,
    /// How long the 1 MB echo took.
    transfer: Duration,
}

struct Outcome {
    browser: Browser,
    role: Role,
    setting: String,
    result: Result<Negotiated, String>,
    elapsed: Duration,
}

fn inside_namespace() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    add_loopback_default_routes().unwrap_or_else(|e| panic!("{e}"));
    let capture = WireCapture::start();
    let started = Instant::now();
    let outcomes = runtime::block_on(async {
        tokio::time::timeout(INNER_GUARD, run_all(started + CASES_BUDGET, &capture))
            .await
            .unwrap_or_else(|_| panic!("hang guard: the browser cases did not finish"))
    });
    eprintln!(
        "\n=== our WebRTC stack against browsers, covert DTLS, {:.1?} ===",
        started.elapsed()
    );
    let mut failures = Vec::new();
    for o in &outcomes {
        let what = format!(
            "{:<8} {:<29} {:<22}",
            o.browser.name(),
            o.role.describe(),
            o.setting
        );
        match &o.result {
            Ok(n) => eprintln!(
                "ok    {what} {} {} dtlsRole={} {} (case {:.1?}, 1 MB echo {:.1?})",
                n.tls_version,
                n.dtls_cipher,
                n.dtls_role.as_deref().unwrap_or("-"),
                n.pair,
                o.elapsed,
                n.transfer
            ),
            Err(e) => {
                eprintln!(
                    "FAIL  {what} {} ({:.1?})",
                    e.lines().next().unwrap_or_default(),
                    o.elapsed
                );
                failures.push(format!(
                    "--- {} / {} / covert {}:\n{e}",
                    o.browser.name(),
                    o.role.describe(),
                    o.setting
                ));
            }
        }
    }
    assert_eq!(outcomes.len(), Browser::ALL.len() * cases().len());
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n\n")
    );
}

async fn run_all(deadline: Instant, capture: &WireCapture) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for browser in Browser::ALL {
        outcomes.extend(run_browser(browser, deadline, capture).await);
    }
    outcomes
}

/// Every case against one browser instance (one page takes the jobs in
/// turn). Cases that could not finish before `deadline` are not started.
async fn run_browser(browser: Browser, deadline: Instant, capture: &WireCapture) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    let all_failed = |why: String| -> Vec<Outcome> {
        cases()
            .into_iter()
            .map(|case| Outcome {
                browser,
                role: case.role,
                setting: case.name(),
                result: Err(why.clone()),
                elapsed: Duration::ZERO,
            })
            .collect()
    };
    let server = match SignalServer::start(ECHO_PEER_PAGE).await {
        Ok(server) => server,
        Err(e) => return all_failed(format!("signal server: {e}")),
    };
    let launched = Instant::now();
    let mut running = match RunningBrowser::launch(browser, &server.url()) {
        Ok(running) => running,
        Err(e) => return all_failed(format!("launching {browser}: {e}")),
    };
    match running.take(&server, "ready", READY_GUARD).await {
        Ok(ready) => eprintln!(
            "{browser}: {} ready after {:.1?}: {ready}",
            browser.version(),
            launched.elapsed()
        ),
        Err(e) => {
            return all_failed(format!(
                "the page did not load: {e}\n{}",
                diagnostics(&running, &server)
            ))
        }
    }
    let mut not_run: Option<String> = None;
    for (index, case) in cases().into_iter().enumerate() {
        if not_run.is_none() && Instant::now() + CASE_GUARD > deadline {
            not_run = Some("not run: out of time".to_string());
        }
        if let Some(why) = &not_run {
            outcomes.push(Outcome {
                browser,
                role: case.role,
                setting: case.name(),
                result: Err(why.clone()),
                elapsed: Duration::ZERO,
            });
            continue;
        }
        let started = Instant::now();
        let mut session = Session {
            server: &server,
            browser: &mut running,
            id: format!("case{index}"),
            role: case.role,
            report: None,
            offer_sdp: None,
            answer_sdp: None,
        };
        let result = match tokio::time::timeout(CASE_GUARD, run_case(&mut session, &case)).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "hang guard: the case did not finish within {CASE_GUARD:?}"
            )),
        };
        let result = match result {
            Ok(negotiated) => Ok(negotiated),
            Err(e) => Err(format!(
                "{e}\n{}{}",
                session.wire_summary(capture).await,
                session.diagnostics()
            )),
        };
        let elapsed = started.elapsed();
        eprintln!(
            "{browser} / {} / {}: {} ({elapsed:.1?})",
            case.role.describe(),
            case.name(),
            match &result {
                Ok(n) => format!("ok, {} {}", n.tls_version, n.dtls_cipher),
                Err(e) => format!("FAILED: {}", e.lines().next().unwrap_or_default()),
            }
        );
        outcomes.push(Outcome {
            browser,
            role: case.role,
            setting: case.name(),
            result,
            elapsed,
        });
        if let Some(status) = running.exited() {
            not_run = Some(format!("not run: {browser} exited ({status})"));
        }
    }
    server.put("job", json!({"role": "quit"}).to_string());
    outcomes
}

/// One case's view of the page.
struct Session<'a> {
    server: &'a SignalServer,
    browser: &'a mut RunningBrowser,
    id: String,
    role: Role,
    /// The page's `open` report, once taken.
    report: Option<Value>,
    offer_sdp: Option<String>,
    answer_sdp: Option<String>,
}

impl Session<'_> {
    fn key(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.id)
    }

    /// Takes the page's report if it has posted one: an error report
    /// fails the case, an `open` report is kept.
    fn check_report(&mut self) -> Result<(), String> {
        if self.report.is_some() {
            return Ok(());
        }
        let Some(text) = self.server.try_take(&self.key("report")) else {
            if let Some(status) = self.browser.exited() {
                return Err(format!("the browser exited ({status})"));
            }
            return Ok(());
        };
        let report: Value =
            serde_json::from_str(&text).map_err(|e| format!("page report {text:?}: {e}"))?;
        match report["event"].as_str() {
            Some("open") => {
                self.report = Some(report);
                Ok(())
            }
            Some("error") => Err(format!(
                "the browser page failed: {}\nits transport stats: {}",
                report["error"].as_str().unwrap_or("(no message)"),
                report["stats"]["transports"]
            )),
            _ => Err(format!("unexpected page report: {text}")),
        }
    }

    /// Waits for the page to post `suffix` (under this case's id), failing
    /// early if it reports an error.
    async fn wait_for(&mut self, suffix: &str) -> Result<String, String> {
        let key = self.key(suffix);
        loop {
            self.check_report()?;
            if let Ok(value) = self
                .browser
                .take(self.server, &key, Duration::from_millis(200))
                .await
            {
                return Ok(value);
            }
        }
    }

    /// Runs `connect` (our side opening the channel), failing early if the
    /// page reports an error.
    async fn connect<F, E>(&mut self, connect: F) -> Result<RtcChannel, String>
    where
        F: Future<Output = Result<RtcChannel, E>>,
        E: std::fmt::Display,
    {
        tokio::pin!(connect);
        loop {
            tokio::select! {
                result = &mut connect => {
                    return result.map_err(|e| format!("our side did not open the channel: {e}"));
                }
                _ = tokio::time::sleep(Duration::from_millis(200)) => self.check_report()?,
            }
        }
    }

    /// The page's `open` report (waiting for it if needed).
    async fn open_report(&mut self) -> Result<Value, String> {
        let deadline = Instant::now() + REPORT_GUARD;
        while self.report.is_none() {
            self.check_report()?;
            if Instant::now() > deadline {
                return Err(format!("no report from the page within {REPORT_GUARD:?}"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.report.clone().ok_or_else(|| "no report".to_string())
    }

    /// Our side's UDP port: that of our SDP's first candidate.
    fn our_port(&self) -> Option<u16> {
        let ours = match self.role {
            Role::BrowserAnswers => self.offer_sdp.as_ref(),
            Role::BrowserOffers => self.answer_sdp.as_ref(),
        }?;
        ours.lines()
            .find(|l| l.starts_with("a=candidate:"))
            .and_then(|l| l.split_whitespace().nth(5))
            .and_then(|port| port.parse().ok())
    }

    /// The DTLS handshake as captured (hellos and alerts), for a failed
    /// case.
    async fn wire_summary(&self, capture: &WireCapture) -> String {
        let Some(port) = self.our_port() else {
            return String::new();
        };
        // tcpdump writes each packet as it comes (-U); give it a moment.
        tokio::time::sleep(Duration::from_millis(300)).await;
        capture.summary(port)
    }

    fn diagnostics(&self) -> String {
        let mut out = String::new();
        for (name, sdp) in [("offer", &self.offer_sdp), ("answer", &self.answer_sdp)] {
            if let Some(sdp) = sdp {
                out.push_str(&format!("{name} (candidates, setup, fingerprint):\n"));
                for line in sdp.lines().filter(|l| {
                    l.starts_with("a=candidate")
                        || l.starts_with("a=setup")
                        || l.starts_with("a=fingerprint")
                }) {
                    out.push_str(&format!("  {line}\n"));
                }
            }
        }
        let prefix = format!("{} ", self.id);
        out.push_str("page log of this case:\n");
        for line in self.server.page_log() {
            if let Some(rest) = line.strip_prefix(&prefix) {
                out.push_str(&format!("  {rest}\n"));
            }
        }
        out.push_str(&format!(
            "{} output (end):\n{}",
            self.browser.browser(),
            self.browser.log_tail(2000)
        ));
        out
    }
}

fn diagnostics(browser: &RunningBrowser, server: &SignalServer) -> String {
    format!(
        "page log (last lines):\n{}\n{} output (end):\n{}",
        server.page_log_tail(25),
        browser.browser(),
        browser.log_tail(3000)
    )
}

/// Whether `sdp` has a UDP candidate on 127.0.0.1 (the only address our
/// loopback-mode peer can pair with).
fn has_loopback_candidate(sdp: &str) -> bool {
    sdp.lines().any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        line.starts_with("a=candidate:")
            && fields.get(2).is_some_and(|t| t.eq_ignore_ascii_case("udp"))
            && fields.get(4) == Some(&"127.0.0.1")
    })
}

async fn run_case(session: &mut Session<'_>, case: &Case) -> Result<Negotiated, String> {
    let backend = default_backend(RtcConfig::loopback().with_covert_dtls(case.covert.clone()))
        .map_err(|e| format!("backend: {e}"))?;
    let channel = match case.role {
        Role::BrowserAnswers => {
            let offer_peer = backend
                .create_offer()
                .await
                .map_err(|e| format!("our offer: {e}"))?;
            let offer = offer_peer.offer().clone();
            session.offer_sdp = Some(offer.sdp.clone());
            session.server.put(
                "job",
                json!({"id": session.id, "role": "answer"}).to_string(),
            );
            session.server.put(&session.key("offer"), offer.to_json());
            let answer = session.wait_for("answer").await?;
            let answer = SessionDescription::from_json(&answer)
                .map_err(|e| format!("the browser's answer {answer:?}: {e}"))?;
            session.answer_sdp = Some(answer.sdp.clone());
            if answer.sdp_type != SdpType::Answer || !has_loopback_candidate(&answer.sdp) {
                return Err(
                    "the browser's answer is not an answer with a 127.0.0.1 UDP candidate"
                        .to_string(),
                );
            }
            session.connect(offer_peer.connect(answer)).await?
        }
        Role::BrowserOffers => {
            session.server.put(
                "job",
                json!({"id": session.id, "role": "offer", "label": new_channel_label()})
                    .to_string(),
            );
            let offer = session.wait_for("offer").await?;
            let offer = SessionDescription::from_json(&offer)
                .map_err(|e| format!("the browser's offer {offer:?}: {e}"))?;
            session.offer_sdp = Some(offer.sdp.clone());
            if offer.sdp_type != SdpType::Offer || !has_loopback_candidate(&offer.sdp) {
                return Err(
                    "the browser's offer is not an offer with a 127.0.0.1 UDP candidate"
                        .to_string(),
                );
            }
            let answer_peer = backend
                .answer_offer(&offer)
                .await
                .map_err(|e| format!("our answer: {e}"))?;
            let answer = answer_peer.answer().clone();
            session.answer_sdp = Some(answer.sdp.clone());
            session.server.put(&session.key("answer"), answer.to_json());
            session.connect(answer_peer.connect()).await?
        }
    };
    let seed = session.id.bytes().fold(7u8, |a, b| a.wrapping_mul(31) ^ b);
    let transfer_started = Instant::now();
    echo_transfer(channel, seed).await?;
    let transfer = transfer_started.elapsed();
    let report = session.open_report().await?;
    let negotiated = negotiated(&report, transfer)?;
    if negotiated.tls_version == NOT_REPORTED {
        // Firefox 140 ESR has no RTCTransportStats: the version cannot
        // be read from the page, and the 1 MB echo above proved the
        // handshake (our stack speaks DTLS 1.2 only). Chromium must report.
        if session.browser.browser() != Browser::Firefox {
            return Err(format!("no transport stats from the browser: {report}"));
        }
        return Ok(negotiated);
    }
    if negotiated.tls_version != DTLS12 {
        return Err(format!(
            "negotiated tlsVersion {:?}, expected {DTLS12} (DTLS 1.2); stats: {report}",
            negotiated.tls_version
        ));
    }
    if let Some(role) = &negotiated.dtls_role {
        if role != case.role.browser_dtls_role() {
            return Err(format!(
                "the browser's dtlsRole is {role:?}, expected {:?}",
                case.role.browser_dtls_role()
            ));
        }
    }
    Ok(negotiated)
}

/// Reads the negotiated DTLS parameters out of the page's `open` report.
fn negotiated(report: &Value, transfer: Duration) -> Result<Negotiated, String> {
    let stats = &report["stats"];
    let transports = stats["transports"].as_array();
    let no_transport_stats = json!({});
    let transport =
        match transports.and_then(|all| all.iter().find(|t| t["tlsVersion"].is_string())) {
            Some(transport) => transport,
            // The browser has no transport stats at all (Firefox 140): nothing
            // to read; the caller decides whether that is allowed.
            None if transports.is_some_and(|all| all.is_empty()) => &no_transport_stats,
            None => return Err(format!("no transport stats with a tlsVersion: {stats}")),
        };
    let text = |v: &Value| v.as_str().map(str::to_string);
    let candidate = |c: &Value| {
        format!(
            "{}:{}",
            c["address"]
                .as_str()
                .or_else(|| c["ip"].as_str())
                .unwrap_or("?"),
            c["port"]
        )
    };
    Ok(Negotiated {
        tls_version: text(&transport["tlsVersion"]).unwrap_or_else(|| NOT_REPORTED.to_string()),
        dtls_cipher: text(&transport["dtlsCipher"]).unwrap_or_else(|| "(none)".to_string()),
        dtls_role: text(&transport["dtlsRole"]),
        pair: format!(
            "{}->{}",
            candidate(&stats["local"]),
            candidate(&stats["remote"])
        ),
        transfer,
    })
}

/// Sends [`TRANSFER`] bytes in uneven pieces while reading the browser's
/// echo, and checks the echo is the same bytes in the same order.
async fn echo_transfer(channel: RtcChannel, seed: u8) -> Result<(), String> {
    let data = pattern(seed, TRANSFER);
    let (mut reader, mut writer) = tokio::io::split(channel);
    let send = async {
        let mut rest = &data[..];
        let mut step = 1usize;
        while !rest.is_empty() {
            let n = step.min(rest.len());
            writer
                .write_all(&rest[..n])
                .await
                .map_err(|e| format!("writing to the browser: {e}"))?;
            rest = &rest[n..];
            step = (step * 7 + 3) % 40_000 + 1;
        }
        writer
            .flush()
            .await
            .map_err(|e| format!("flushing to the browser: {e}"))?;
        Ok::<_, String>(())
    };
    let receive = async {
        let mut echoed = vec![0u8; TRANSFER];
        let mut got = 0;
        while got < TRANSFER {
            match reader.read(&mut echoed[got..]).await {
                Ok(0) => {
                    return Err(format!(
                        "the channel closed after {got} of {TRANSFER} echoed bytes"
                    ))
                }
                Ok(n) => got += n,
                Err(e) => return Err(format!("reading the echo after {got} bytes: {e}")),
            }
        }
        Ok(echoed)
    };
    let ((), echoed) = tokio::try_join!(send, receive)?;
    if echoed != data {
        let first = echoed
            .iter()
            .zip(&data)
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        return Err(format!(
            "the echo differs from what we sent, first at byte {first} (sha256 sent {}, echoed {})",
            hex::encode(Sha256::digest(&data)),
            hex::encode(Sha256::digest(&echoed))
        ));
    }
    // Both halves drop here, which closes our side of the channel.
    Ok(())
}

/// tcpdump on `lo`, keeping only datagrams that start with a DTLS
/// handshake, alert or change-cipher-spec record (no STUN, no application
/// data), so that a failed case can show what the handshake said.
/// Optional: without tcpdump the failure messages just lack this part.
struct WireCapture {
    capture: Result<PacketCapture, String>,
    _dir: TempPath,
}

/// A file path removed on drop.
struct TempPath(std::path::PathBuf);

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The name of a TLS alert description.
fn alert_name(code: u8) -> &'static str {
    match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        109 => "missing_extension",
        110 => "unsupported_extension",
        _ => "other",
    }
}

fn hex_list(values: &[u16]) -> String {
    values
        .iter()
        .map(|v| format!("{v:04x}"))
        .collect::<Vec<_>>()
        .join(",")
}

impl WireCapture {
    fn start() -> WireCapture {
        let path = std::env::temp_dir().join(format!(
            "covert-browser-interop-{}.pcap",
            std::process::id()
        ));
        let capture = PacketCapture::start("lo", "udp and udp[8] >= 20 and udp[8] <= 22", &path)
            .map_err(|e| e.to_string());
        WireCapture {
            capture,
            _dir: TempPath(path),
        }
    }

    /// The handshake datagrams to and from `our_port`, one line each.
    fn summary(&self, our_port: u16) -> String {
        let capture = match &self.capture {
            Ok(capture) => capture,
            Err(e) => return format!("(no packet capture: {e})\n"),
        };
        let datagrams = match pcap::read_udp_datagrams(capture.path()) {
            Ok(datagrams) => datagrams,
            Err(e) => return format!("(cannot read the packet capture: {e})\n"),
        };
        let mut out = format!("DTLS handshake on the wire (our port {our_port}):\n");
        for datagram in datagrams
            .iter()
            .filter(|d| d.src.port() == our_port || d.dst.port() == our_port)
            .take(20)
        {
            let from = if datagram.src.port() == our_port {
                "us -> browser"
            } else {
                "browser -> us"
            };
            let Ok(records) = parse_records(&datagram.payload) else {
                continue;
            };
            let mut said = Vec::new();
            for record in records {
                let Record::Plaintext(record) = record else {
                    said.push("DTLS 1.3 record".to_string());
                    continue;
                };
                match (record.content_type, record.epoch) {
                    (21, 0) => said.push(match record.fragment.as_slice() {
                        [level, code] => format!(
                            "alert {}({code}){}",
                            alert_name(*code),
                            if *level == 2 { " fatal" } else { "" }
                        ),
                        _ => "alert (malformed)".to_string(),
                    }),
                    (22, 0) => {
                        let fragments = parse_handshake_fragments(&record.fragment, record.version)
                            .unwrap_or_default();
                        for f in fragments {
                            let whole = f.offset == 0 && f.data.len() == f.length;
                            said.push(match f.msg_type {
                                1 if whole => match ClientHelloInfo::parse(&f.data, f.record_version) {
                                    Ok(hello) => format!(
                                        "ClientHello suites [{}] groups [{}] signature_algorithms [{}] extensions [{}]",
                                        hex_list(&hello.cipher_suites),
                                        hex_list(hello.supported_groups.as_deref().unwrap_or_default()),
                                        hex_list(hello.signature_algorithms.as_deref().unwrap_or_default()),
                                        hex_list(&hello.extension_types())
                                    ),
                                    Err(e) => format!("ClientHello ({e})"),
                                },
                                2 if whole => match ServerHelloInfo::parse(&f.data, f.record_version) {
                                    Ok(hello) => format!(
                                        "ServerHello suite {:04x} extensions [{}]",
                                        hello.cipher_suite,
                                        hex_list(&hello.extension_types())
                                    ),
                                    Err(e) => format!("ServerHello ({e})"),
                                },
                                t => handshake_type_name(t).to_string(),
                            });
                        }
                    }
                    (20, _) => said.push("ChangeCipherSpec".to_string()),
                    (21, _) => said.push("encrypted alert".to_string()),
                    (22, _) => said.push("encrypted handshake".to_string()),
                    _ => {}
                }
            }
            if !said.is_empty() {
                out.push_str(&format!("  {from}: {}\n", said.join("; ")));
            }
        }
        out
    }
}
