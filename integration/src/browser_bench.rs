//! Real browsers as the proxies of a benchmark: Debian's Chromium and
//! Firefox ESR open our proxy page (`proxy-web/`) and serve an in-process
//! [`Stack`] that has no proxy of its own. `snowflake-bench` uses this for
//! its browser rows.
//!
//! Browsers may only run inside a network namespace that has nothing but
//! `lo` (see `snowflake_testkit::netns`), so the measuring happens in a
//! second copy of the benchmark started in a fresh namespace
//! ([`run_in_netns`]); that copy prints its figures as tagged lines on
//! stdout ([`BrowserFigures::to_lines`]) and the first copy reads them back
//! ([`BrowserFigures::from_lines`]).
//!
//! * [`skip_reason`]: why the browser figures cannot be measured here
//!   (not root, a browser missing), if they cannot.
//! * [`BrowserProxy`]: one browser on the proxy page, with the status the
//!   page reports every second.
//! * [`BrowserFigures`]: what was measured, per browser.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use snowflake_testkit::browser::{Browser, RunningBrowser, SignalServer};
use snowflake_testkit::netns::{self, Netns, DEFAULT_LOCAL_HOSTS, NETNS_ENV};

use crate::stack::Stack;

const PAGE: &str = include_str!("../../proxy-web/index.html");
const SCRIPT: &str = include_str!("../../proxy-web/snowflake-proxy.js");

/// Tag that starts every result line the namespaced copy prints.
const LINE_TAG: &str = "snowflake-bench-browser";

/// The proxy page with its script inlined, so that a single URL serves it.
pub fn page() -> String {
    PAGE.replace(
        r#"<script src="snowflake-proxy.js"></script>"#,
        &format!("<script>\n{SCRIPT}\n</script>"),
    )
}

/// Why browser proxies cannot be measured on this machine, or `None` when
/// they can: a network namespace needs root, and both browsers must be
/// installed.
pub fn skip_reason() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    if uid != 0 {
        return Some(format!(
            "running as uid {uid}; the browsers must run in a network namespace, which needs root"
        ));
    }
    let missing: Vec<String> = Browser::ALL
        .iter()
        .filter_map(|browser| browser.find().err().map(|e| e.to_string()))
        .collect();
    if missing.is_empty() {
        None
    } else {
        Some(missing.join("; "))
    }
}

/// A browser's `--version` line cut to name and version:
/// `Chromium 156.0.8078.114`, `Firefox ESR 153.8.0esr`.
pub fn short_version(browser: Browser, line: &str) -> String {
    let number = line
        .split_whitespace()
        .find(|word| word.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or("(version unknown)");
    match browser {
        Browser::Chromium => format!("Chromium {number}"),
        Browser::Firefox if number.ends_with("esr") => format!("Firefox ESR {number}"),
        Browser::Firefox => format!("Firefox {number}"),
    }
}

/// `Chromium 156` from `Chromium 156.0.8078.114` (the major version only).
pub fn major_version(short: &str) -> String {
    match short.rsplit_once(' ') {
        Some((name, number)) => {
            let major = number.split('.').next().unwrap_or(number);
            format!("{name} {major}")
        }
        None => short.to_string(),
    }
}

// ---- the page and its status ------------------------------------------------

/// The counters of one status report of the page (it posts its whole state
/// as JSON every second).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageStatus {
    /// Broker polls started.
    pub polls: u64,
    /// Clients whose data channel opened.
    pub clients_served: u64,
    /// Clients being served now.
    pub clients_now: u64,
    /// Bytes relayed to clients (the download).
    pub bytes_to_clients: u64,
    /// The report as the page sent it.
    pub raw: String,
}

impl PageStatus {
    /// Reads the counters out of the page's JSON report (missing or
    /// malformed counters read as 0).
    pub fn parse(raw: &str) -> PageStatus {
        let json: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
        let count = |key: &str| json[key].as_u64().unwrap_or(0);
        PageStatus {
            polls: count("polls"),
            clients_served: count("clientsServed"),
            clients_now: count("clientsNow"),
            bytes_to_clients: count("bytesToClients"),
            raw: raw.to_string(),
        }
    }
}

/// One browser showing the proxy page, set up for `stack`. Dropping it
/// kills the browser (all of its processes) and stops the page's server.
#[derive(Debug)]
pub struct BrowserProxy {
    browser: Browser,
    running: RunningBrowser,
    server: SignalServer,
}

impl BrowserProxy {
    /// Serves the page, starts `browser` on it (only possible inside a
    /// test namespace) and waits up to `limit` until the page has started
    /// polling the broker.
    pub async fn start(
        browser: Browser,
        stack: &Stack,
        limit: Duration,
    ) -> Result<BrowserProxy, String> {
        let server = SignalServer::start(page())
            .await
            .map_err(|e| format!("serving the proxy page: {e}"))?;
        // Loopback everywhere: the relay pattern admits only 127.0.0.1, no
        // STUN servers, local candidates kept, and a fake capture first so
        // that Chromium offers its loopback address.
        let url = format!(
            "{page}?broker=http://{broker}/&relay=ws://{relay}/&pattern=%5E127.0.0.1%24\
             &capacity=1&ice=&poll=1000&allow_private=1&allow_non_tls_relay=1&keep_local=1\
             &gum=1&report={page}box/status",
            page = server.url(),
            broker = stack.broker_addr(),
            relay = stack.server_addr(),
        );
        let running = RunningBrowser::launch(browser, &url)
            .map_err(|e| format!("starting {browser}: {e}"))?;
        let mut proxy = BrowserProxy {
            browser,
            running,
            server,
        };
        proxy
            .wait_status("the proxy page to poll the broker", limit, |s| s.polls >= 1)
            .await?;
        Ok(proxy)
    }

    /// Which browser this is.
    pub fn browser(&self) -> Browser {
        self.browser
    }

    /// The page's next status report (they come every second).
    pub async fn status(&mut self, limit: Duration) -> Result<PageStatus, String> {
        let raw = self
            .running
            .take(&self.server, "status", limit)
            .await
            .map_err(|e| format!("{}: no status from the proxy page: {e}", self.browser))?;
        Ok(PageStatus::parse(&raw))
    }

    /// Waits up to `limit` for a status report in which `done` holds.
    pub async fn wait_status(
        &mut self,
        what: &str,
        limit: Duration,
        done: impl Fn(&PageStatus) -> bool,
    ) -> Result<PageStatus, String> {
        let started = Instant::now();
        loop {
            let left = limit.saturating_sub(started.elapsed());
            let status = self.status(left.max(Duration::from_secs(2))).await?;
            if done(&status) {
                return Ok(status);
            }
            if started.elapsed() >= limit {
                return Err(format!(
                    "{}: timed out after {:.0} s waiting for {what}; last status: {}\n\
                     browser output:\n{}",
                    self.browser,
                    limit.as_secs_f64(),
                    status.raw,
                    self.running.log_tail(2000)
                ));
            }
        }
    }

    /// The end of the browser's own output, for error messages.
    pub fn log_tail(&self, max_bytes: usize) -> String {
        self.running.log_tail(max_bytes)
    }

    /// SIGKILLs every process of the browser (the page goes away without
    /// closing anything) and returns the moment the first signal was sent.
    pub fn kill(mut self) -> Instant {
        let at = Instant::now();
        self.running.kill();
        at
    }
}

// ---- the figures and how they travel ----------------------------------------

/// A stall after a browser proxy was killed mid-transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrowserStall {
    /// The browser killed (the session went on through the other one).
    pub killed: Browser,
    /// The longest time without downloaded data after the kill.
    pub gap: Duration,
    /// Whether the transfer recovered before measuring stopped.
    pub recovered: bool,
}

/// What was measured through one browser alone.
#[derive(Debug, Clone, PartialEq)]
pub struct BrowserColumn {
    /// The browser.
    pub browser: Browser,
    /// Its name and version (see [`short_version`]).
    pub version: String,
    /// MB/s down from the first byte to the last.
    pub throughput: Option<f64>,
    /// Time to first byte of each sample.
    pub first_bytes: Vec<Duration>,
    /// Whether every transfer's data matched; `None` if none finished.
    pub intact: Option<bool>,
}

impl BrowserColumn {
    /// An empty column for `browser`, with its version looked up.
    pub fn new(browser: Browser) -> BrowserColumn {
        BrowserColumn {
            browser,
            version: short_version(browser, &browser.version()),
            throughput: None,
            first_bytes: Vec::new(),
            intact: None,
        }
    }
}

/// Everything the browser part of the benchmark measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BrowserFigures {
    /// Bytes downloaded in the throughput run of each browser.
    pub bytes: u64,
    /// One entry per browser, Chromium first.
    pub columns: Vec<BrowserColumn>,
    /// Stalls after killing the browser that carried the session.
    pub stalls: Vec<BrowserStall>,
    /// Things worth knowing about the figures.
    pub notes: Vec<String>,
    /// Runs that failed.
    pub failures: Vec<String>,
}

fn browser_named(name: &str) -> Option<Browser> {
    Browser::ALL.into_iter().find(|b| b.name() == name)
}

/// Keeps a text on one line and free of tabs (undone by [`unescape`]).
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

impl BrowserFigures {
    /// The figures as tab-separated lines, each starting with a tag, for
    /// the namespaced copy's stdout. Durations are in microseconds.
    pub fn to_lines(&self) -> String {
        let mut lines = vec![format!("{LINE_TAG}\tbytes\t{}", self.bytes)];
        for column in &self.columns {
            let name = column.browser.name();
            lines.push(format!(
                "{LINE_TAG}\tcolumn\t{name}\t{}",
                escape(&column.version)
            ));
            if let Some(t) = column.throughput {
                lines.push(format!("{LINE_TAG}\tthroughput\t{name}\t{t}"));
            }
            for first in &column.first_bytes {
                lines.push(format!(
                    "{LINE_TAG}\tfirst_byte\t{name}\t{}",
                    first.as_micros()
                ));
            }
            if let Some(intact) = column.intact {
                lines.push(format!("{LINE_TAG}\tintact\t{name}\t{intact}"));
            }
        }
        for stall in &self.stalls {
            lines.push(format!(
                "{LINE_TAG}\tstall\t{}\t{}\t{}",
                stall.killed.name(),
                stall.gap.as_micros(),
                stall.recovered
            ));
        }
        for note in &self.notes {
            lines.push(format!("{LINE_TAG}\tnote\t{}", escape(note)));
        }
        for failure in &self.failures {
            lines.push(format!("{LINE_TAG}\tfailure\t{}", escape(failure)));
        }
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }

    /// Reads back [`BrowserFigures::to_lines`], skipping lines without
    /// the tag. Errors name the first line that does not parse.
    pub fn from_lines(text: &str) -> Result<BrowserFigures, String> {
        let mut figures = BrowserFigures::default();
        for line in text.lines() {
            let Some(rest) = line
                .strip_prefix(LINE_TAG)
                .and_then(|r| r.strip_prefix('\t'))
            else {
                continue;
            };
            let fields: Vec<&str> = rest.split('\t').collect();
            let bad = || format!("unreadable result line {line:?}");
            let column = |figures: &mut BrowserFigures, name: &str| -> Option<usize> {
                let browser = browser_named(name)?;
                figures.columns.iter().position(|c| c.browser == browser)
            };
            let micros = |text: &str| text.parse::<u64>().ok().map(Duration::from_micros);
            match fields.as_slice() {
                ["bytes", n] => figures.bytes = n.parse().map_err(|_| bad())?,
                ["column", name, version] => {
                    let browser = browser_named(name).ok_or_else(bad)?;
                    figures.columns.push(BrowserColumn {
                        browser,
                        version: unescape(version),
                        throughput: None,
                        first_bytes: Vec::new(),
                        intact: None,
                    });
                }
                ["throughput", name, t] => {
                    let i = column(&mut figures, name).ok_or_else(bad)?;
                    figures.columns[i].throughput = Some(t.parse().map_err(|_| bad())?);
                }
                ["first_byte", name, us] => {
                    let i = column(&mut figures, name).ok_or_else(bad)?;
                    figures.columns[i]
                        .first_bytes
                        .push(micros(us).ok_or_else(bad)?);
                }
                ["intact", name, intact] => {
                    let i = column(&mut figures, name).ok_or_else(bad)?;
                    figures.columns[i].intact = Some(intact.parse().map_err(|_| bad())?);
                }
                ["stall", name, us, recovered] => figures.stalls.push(BrowserStall {
                    killed: browser_named(name).ok_or_else(bad)?,
                    gap: micros(us).ok_or_else(bad)?,
                    recovered: recovered.parse().map_err(|_| bad())?,
                }),
                ["note", text] => figures.notes.push(unescape(text)),
                ["failure", text] => figures.failures.push(unescape(text)),
                _ => return Err(bad()),
            }
        }
        Ok(figures)
    }
}

// ---- running a copy of this program in a namespace --------------------------

/// How a copy run by [`run_in_netns`] ended.
#[derive(Debug)]
pub struct NetnsRun {
    /// Its exit status; `None` when it was killed for taking too long.
    pub status: Option<ExitStatus>,
    /// Everything it printed on stdout.
    pub stdout: String,
}

/// Runs this program again with `args`, inside a new network namespace
/// that has only `lo`, with the environment that marks it as inside a
/// test namespace (so that it may start browsers). Its stderr goes to
/// ours; its stdout is returned. After `limit` the copy and everything it
/// started are killed. The namespace is removed afterwards.
///
/// Blocks the calling thread, which must live until this returns: the copy
/// is told to die with it.
pub fn run_in_netns(args: &[String], limit: Duration) -> Result<NetnsRun, String> {
    if netns::inside() {
        return Err("already inside a test network namespace".to_string());
    }
    let netns = Netns::create("sfbench", DEFAULT_LOCAL_HOSTS)
        .map_err(|e| format!("creating a network namespace: {e}"))?;
    let exe = std::env::current_exe().map_err(|e| format!("finding this program: {e}"))?;
    let mut command = netns.command(&exe);
    command
        .args(args)
        .env(NETNS_ENV, netns.name())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .process_group(0);
    // SAFETY: prctl is async-signal-safe and touches no memory of ours.
    // The copy gets SIGKILL if this thread ends first (`ip netns exec`
    // execs the program, which keeps the setting), so an interrupted
    // benchmark leaves no copy, and so no browser, behind.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("starting `ip netns exec {} …`: {e}", netns.name()))?;
    let reader = child.stdout.take().map(|mut stdout| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stdout.read_to_end(&mut bytes);
            bytes
        })
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(e) => return Err(format!("waiting for the namespaced copy: {e}")),
        }
        if started.elapsed() > limit {
            // The copy leads its own process group; end all of it.
            if let Ok(group) = i32::try_from(child.id()) {
                // SAFETY: kill has no memory-safety preconditions; the
                // group is the one created for the copy above.
                unsafe {
                    libc::kill(-group, libc::SIGKILL);
                }
            }
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = reader
        .and_then(|r| r.join().ok())
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    Ok(NetnsRun { status, stdout })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_counters_are_read() {
        let raw = r#"{"state":"polling","polls":12,"clientsServed":3,"clientsNow":1,"bytesToRelay":5,"bytesToClients":123456,"log":["x \"clientsNow\":9"]}"#;
        let status = PageStatus::parse(raw);
        assert_eq!(status.polls, 12);
        assert_eq!(status.clients_served, 3);
        assert_eq!(status.clients_now, 1);
        assert_eq!(status.bytes_to_clients, 123_456);
        assert_eq!(PageStatus::parse("{}").polls, 0);
    }

    #[test]
    fn versions_are_shortened() {
        let chromium = short_version(
            Browser::Chromium,
            "Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)",
        );
        assert_eq!(chromium, "Chromium 156.0.8078.114");
        assert_eq!(major_version(&chromium), "Chromium 156");
        let firefox = short_version(Browser::Firefox, "Mozilla Firefox 153.8.0esr");
        assert_eq!(firefox, "Firefox ESR 153.8.0esr");
        assert_eq!(major_version(&firefox), "Firefox ESR 153");
    }

    #[test]
    fn figures_survive_the_trip_through_lines() {
        let figures = BrowserFigures {
            bytes: 100_000_000,
            columns: vec![
                BrowserColumn {
                    browser: Browser::Chromium,
                    version: "Chromium 156.0".to_string(),
                    throughput: Some(12.5),
                    first_bytes: vec![Duration::from_micros(812_345), Duration::from_millis(900)],
                    intact: Some(true),
                },
                BrowserColumn {
                    browser: Browser::Firefox,
                    version: "Firefox ESR 153.8.0esr".to_string(),
                    throughput: None,
                    first_bytes: Vec::new(),
                    intact: None,
                },
            ],
            stalls: vec![BrowserStall {
                killed: Browser::Firefox,
                gap: Duration::from_micros(2_345_678),
                recovered: true,
            }],
            notes: vec!["a note\twith a tab".to_string()],
            failures: vec!["line one\nline two \\ back".to_string()],
        };
        let text = format!("noise\n{}more noise\n", figures.to_lines());
        assert_eq!(BrowserFigures::from_lines(&text), Ok(figures));
        assert!(BrowserFigures::from_lines(&format!("{LINE_TAG}\tbogus")).is_err());
    }
}
