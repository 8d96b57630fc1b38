//! Real browsers (Debian's `chromium` and `firefox-esr`) as WebRTC peers in
//! tests, and the small HTTP server their test page talks to.
//!
//! * [`Browser`]: which browser, where its program is, which Debian package
//!   has it.
//! * [`RunningBrowser`]: a headless browser started on a URL with a fresh
//!   profile and `HOME` in a temporary directory, its stdout and stderr in
//!   a log file there. It leads its own session; dropping it kills every
//!   process of that session (the browser's helpers too, and Chromium's
//!   crash handler, which starts a session of its own) and removes the
//!   directory.
//! * [`SignalServer`]: an HTTP/1.1 server on 127.0.0.1 that serves one page
//!   at `/`, keeps a mailbox of named text slots the page and the test fill
//!   and empty (`POST /box/KEY` stores, `GET /box/KEY` waits for a value and
//!   takes it), and records the lines the page posts to `/log`.
//! * [`ECHO_PEER_PAGE`]: a page (`testkit/assets/browser_peer.html`) that
//!   makes the browser a WebRTC peer driven through the mailbox, offering
//!   or answering on request and echoing on every data channel.
//! * [`add_loopback_default_routes`]: the default route through `lo` that
//!   Firefox needs to gather ICE candidates in a namespace with only `lo`.
//!
//! Browsers must only ever run inside a test network namespace (see
//! [`crate::netns`]): their background services would otherwise try to
//! reach the Internet. [`RunningBrowser::launch`] refuses to start outside
//! one.
//!
//! The page decides the protocol on top of the mailbox; a typical one posts
//! `ready` once loaded, then repeatedly takes a `job` and answers under
//! keys derived from the job's id. All waits take a timeout; they are hang
//! guards, and their errors say what was being waited for.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::{self, Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::netns;
use crate::process::find_program;

/// How long a `GET /box/KEY` waits for a value before answering
/// `204 No Content` (the page then asks again).
pub const LONG_POLL: Duration = Duration::from_secs(10);
/// Largest request body the server takes (an SDP is a few KiB).
pub const MAX_BODY: usize = 1024 * 1024;
/// Page log lines kept (the oldest are dropped beyond this).
const MAX_LOG_LINES: usize = 4000;
/// Longest page log line kept, in bytes.
const MAX_LOG_LINE: usize = 8 * 1024;
/// Longest mailbox key.
const MAX_KEY_LEN: usize = 128;
/// How often [`RunningBrowser::take`] checks that the browser still runs.
const EXIT_CHECK: Duration = Duration::from_millis(250);

/// A page (`testkit/assets/browser_peer.html`) that makes the browser a
/// WebRTC peer driven through a [`SignalServer`]:
///
/// 1. once loaded, it starts a fake `getUserMedia` capture (so the browser
///    gathers its real host addresses, 127.0.0.1 included) and posts
///    `ready` (JSON: `userAgent`, `getUserMedia`);
/// 2. then, again and again, it takes `job`, JSON `{"id": ID, "role": R}`,
///    closes the previous job's connection and
///    * R = `"answer"`: takes `ID-offer` (a session description as JSON,
///      `{"type":"offer","sdp":…}`), answers it and posts `ID-answer`;
///    * R = `"offer"`: creates a data channel (label `label` from the job,
///      else `browser`), posts its offer as `ID-offer` and takes
///      `ID-answer`;
///    * R = `"quit"`: stops taking jobs.
///
///    Descriptions are sent once ICE gathering has completed.
/// 3. Every data channel echoes each message back. When one opens, the page
///    posts `ID-report`: `{"event":"open","label":…,"stats":{"transports":
///    [RTCTransportStats…],"pair":…,"local":…,"remote":…}}` (the transport
///    entries carry `tlsVersion`, `dtlsCipher`, `dtlsRole` where the
///    browser has them); if a step fails, `{"event":"error","error":…}`.
///
/// Progress lines (ICE and connection states, channel close with the
/// echoed byte count) go to the page log.
pub const ECHO_PEER_PAGE: &str = include_str!("../assets/browser_peer.html");

/// What went wrong with a browser or the signalling server.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// The browser's program is not on `PATH`.
    #[error("{browser} is not installed (`{program}` not on PATH); install it with `apt-get install -y {package}`")]
    NotInstalled {
        /// The browser.
        browser: Browser,
        /// The program looked for.
        program: &'static str,
        /// The Debian package that has it.
        package: &'static str,
    },
    /// Browsers and route changes are only for test network namespaces.
    #[error("refusing to {0} outside a test network namespace (see snowflake_testkit::netns)")]
    NotInNamespace(&'static str),
    /// A helper command failed.
    #[error("`{command}` failed ({status}): {stderr}")]
    Command {
        /// What ran.
        command: String,
        /// How it ended.
        status: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// A wait ran out.
    #[error("timed out after {waited:?} waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        waited: Duration,
    },
    /// The browser ended while the test waited for it.
    #[error("{browser} exited ({status}) while the test waited for {what}; the end of its output:\n{log_tail}")]
    Exited {
        /// The browser.
        browser: Browser,
        /// How it ended.
        status: String,
        /// What was awaited.
        what: String,
        /// The end of its stdout/stderr.
        log_tail: String,
    },
    /// Another I/O error.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// A browser we can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Browser {
    /// Debian's `chromium`.
    Chromium,
    /// Debian's `firefox-esr`.
    Firefox,
}

impl Browser {
    /// Both browsers, Chromium first.
    pub const ALL: [Browser; 2] = [Browser::Chromium, Browser::Firefox];

    /// A short lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Firefox => "firefox",
        }
    }

    /// The program started.
    pub fn program(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Firefox => "firefox-esr",
        }
    }

    /// The Debian package that installs [`Browser::program`].
    pub fn debian_package(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Firefox => "firefox-esr",
        }
    }

    /// Where the program is, or an error naming the package to install.
    pub fn find(self) -> Result<PathBuf, BrowserError> {
        find_program(self.program(), self.debian_package()).map_err(|_| {
            BrowserError::NotInstalled {
                browser: self,
                program: self.program(),
                package: self.debian_package(),
            }
        })
    }

    /// The program's `--version` line (e.g. `Chromium 156.0…`), or the
    /// error text.
    pub fn version(self) -> String {
        let output = Command::new(self.program())
            .arg("--version")
            .env("HOME", std::env::temp_dir())
            .stdin(Stdio::null())
            .output();
        match output {
            Ok(output) => String::from_utf8_lossy(&output.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_string(),
            Err(error) => format!("{} --version: {error}", self.program()),
        }
    }
}

impl std::fmt::Display for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Chromium flags: headless, no sandbox (tests run as root), none of the
/// background services, WebRTC allowed on loopback with real (not mDNS)
/// host candidates, and fake capture devices that a page's
/// `getUserMedia` gets without a prompt (a page that captures is allowed
/// to gather every host candidate).
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-breakpad",
    "--allow-loopback-in-peer-connection",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
];

/// Firefox preferences (`user.js`): loopback ICE candidates with their
/// real addresses, fake capture devices without a prompt, and the update,
/// telemetry, captive-portal, safe-browsing and similar background requests
/// off.
pub const FIREFOX_PREFS: &[(&str, &str)] = &[
    ("media.peerconnection.ice.loopback", "true"),
    ("media.peerconnection.ice.obfuscate_host_addresses", "false"),
    ("media.navigator.permission.disabled", "true"),
    ("media.navigator.streams.fake", "true"),
    ("browser.shell.checkDefaultBrowser", "false"),
    ("browser.aboutwelcome.enabled", "false"),
    ("browser.startup.homepage_override.mstone", "\"ignore\""),
    ("browser.sessionstore.resume_from_crash", "false"),
    ("datareporting.policy.dataSubmissionEnabled", "false"),
    ("datareporting.healthreport.uploadEnabled", "false"),
    ("toolkit.telemetry.reportingpolicy.firstRun", "false"),
    ("app.update.disabledForTesting", "true"),
    ("app.normandy.enabled", "false"),
    ("network.manage-offline-status", "false"),
    ("network.connectivity-service.enabled", "false"),
    ("network.captive-portal-service.enabled", "false"),
    ("network.dns.disablePrefetch", "true"),
    ("network.prefetch-next", "false"),
    ("browser.safebrowsing.update.enabled", "false"),
    ("browser.safebrowsing.malware.enabled", "false"),
    ("browser.safebrowsing.phishing.enabled", "false"),
    ("extensions.update.enabled", "false"),
    ("services.settings.server", "\"http://127.0.0.1:1/\""),
];

/// Extra settings for [`RunningBrowser::launch_with`].
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    /// More Chromium flags (after [`CHROMIUM_FLAGS`]).
    pub chromium_flags: Vec<String>,
    /// More Firefox preferences (name, value as JavaScript literal), after
    /// [`FIREFOX_PREFS`].
    pub firefox_prefs: Vec<(String, String)>,
    /// More environment variables for the browser.
    pub env: Vec<(String, String)>,
}

/// A temporary directory removed on drop.
#[derive(Debug)]
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> io::Result<TempDir> {
        let path = std::env::temp_dir().join(format!(
            "snowflake-{label}-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A headless browser showing one URL. Dropping it kills it and everything
/// it started, and removes its profile.
///
/// The browser also gets SIGKILL when the thread that launched it ends
/// (Linux's parent-death signal, so that a test process killed from
/// outside leaves no browser behind): launch it from a thread that lives
/// as long as it should, e.g. a tokio worker or the test's own thread, not
/// from `spawn_blocking`.
#[derive(Debug)]
pub struct RunningBrowser {
    browser: Browser,
    child: Child,
    /// The session (and process group) the browser leads: its pid.
    session: i32,
    log_path: PathBuf,
    // Declared last: removed after the processes are gone (see Drop).
    dir: TempDir,
}

impl RunningBrowser {
    /// Starts `browser` on `url` with the default settings.
    pub fn launch(browser: Browser, url: &str) -> Result<RunningBrowser, BrowserError> {
        Self::launch_with(browser, url, &LaunchOptions::default())
    }

    /// Starts `browser` on `url`, headless, with a fresh profile and `HOME`
    /// in a new temporary directory and its output in a log file there.
    /// Only inside a test network namespace.
    pub fn launch_with(
        browser: Browser,
        url: &str,
        options: &LaunchOptions,
    ) -> Result<RunningBrowser, BrowserError> {
        if !netns::inside() {
            return Err(BrowserError::NotInNamespace("start a browser"));
        }
        let program = browser.find()?;
        let dir = TempDir::new(&format!("{}-profile", browser.name()))?;
        let home = dir.0.join("home");
        let profile = dir.0.join("profile");
        std::fs::create_dir_all(&home)?;
        std::fs::create_dir_all(&profile)?;
        let log_path = dir.0.join("browser.log");
        let log = std::fs::File::create(&log_path)?;

        let mut command = Command::new(&program);
        match browser {
            Browser::Chromium => {
                command
                    .args(CHROMIUM_FLAGS)
                    .args(&options.chromium_flags)
                    .arg(format!("--user-data-dir={}", profile.display()))
                    .arg(url);
            }
            Browser::Firefox => {
                let mut prefs = String::new();
                let extra = options
                    .firefox_prefs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()));
                for (name, value) in FIREFOX_PREFS.iter().copied().chain(extra) {
                    prefs.push_str(&format!("user_pref(\"{name}\", {value});\n"));
                }
                std::fs::write(profile.join("user.js"), prefs)?;
                command
                    .args(["--headless", "--no-remote", "--profile"])
                    .arg(&profile)
                    .arg(url);
            }
        }
        command
            .env("HOME", &home)
            .env("TMPDIR", &dir.0)
            .envs(options.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        // SAFETY: setsid and prctl are async-signal-safe and touch no
        // memory of ours. setsid makes the browser lead a new session and
        // process group, so that Drop can find and end every process it
        // starts. Being outside the test's process group, it would survive
        // a test killed from outside (e.g. by the namespace re-run's
        // timeout); the parent-death signal ends it then (its helper
        // processes follow their parent).
        unsafe {
            command.pre_exec(|| {
                if libc::setsid() == -1 {
                    return Err(io::Error::last_os_error());
                }
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) == -1 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().map_err(|e| {
            io::Error::new(e.kind(), format!("cannot start {}: {e}", program.display()))
        })?;
        let session = i32::try_from(child.id())
            .map_err(|_| io::Error::other(format!("{} got an out-of-range pid", browser.name())))?;
        Ok(RunningBrowser {
            browser,
            child,
            session,
            log_path,
            dir,
        })
    }

    /// Which browser this is.
    pub fn browser(&self) -> Browser {
        self.browser
    }

    /// The pid of the program started (the session leader).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The temporary directory (profile, `HOME`, log).
    pub fn dir(&self) -> &Path {
        &self.dir.0
    }

    /// The file with the browser's stdout and stderr.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The last `max_bytes` (about) of the browser's output, from a line
    /// start, without the lines that only say Chromium found no D-Bus
    /// (there is none in a test namespace, and it complains all the time).
    pub fn log_tail(&self, max_bytes: usize) -> String {
        let text = match file_tail(&self.log_path, max_bytes.saturating_mul(8)) {
            Ok(text) => text,
            Err(e) => return format!("(cannot read {}: {e})", self.log_path.display()),
        };
        let kept: Vec<&str> = text.lines().filter(|line| !is_dbus_noise(line)).collect();
        let mut tail = Vec::new();
        let mut size = 0;
        for line in kept.iter().rev() {
            size += line.len() + 1;
            if size > max_bytes && !tail.is_empty() {
                break;
            }
            tail.push(*line);
        }
        tail.reverse();
        tail.join("\n")
    }

    /// `Some(status)` once the started program has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// [`SignalServer::take`], failing early (with the browser's output)
    /// if the browser exits while waiting.
    pub async fn take(
        &mut self,
        server: &SignalServer,
        key: &str,
        timeout: Duration,
    ) -> Result<String, BrowserError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                // It may have posted just before exiting.
                if let Some(value) = server.try_take(key) {
                    return Ok(value);
                }
                return Err(BrowserError::Exited {
                    browser: self.browser,
                    status: status.to_string(),
                    what: format!("the page to post {key:?}"),
                    log_tail: self.log_tail(4000),
                });
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(BrowserError::Timeout {
                    what: format!("the {} page to post {key:?}", self.browser),
                    waited: timeout,
                });
            }
            let slice = EXIT_CHECK.min(deadline - now);
            if let Ok(value) = server.take(key, slice).await {
                return Ok(value);
            }
        }
    }

    /// Kills every process of the browser's session and reaps the
    /// program. Also done on drop.
    pub fn kill(&mut self) {
        // A few rounds: a process may fork while the first signals land.
        for _ in 0..5 {
            // SAFETY: kill has no memory-safety preconditions; the group
            // is the one the browser was started in (its own pid).
            unsafe {
                libc::kill(-self.session, libc::SIGKILL);
            }
            let stragglers = browser_processes(self.session, &self.dir.0);
            for pid in &stragglers {
                // SAFETY: as above; these pids are the browser's processes
                // (its session or group, or running on its profile).
                unsafe {
                    libc::kill(*pid, libc::SIGKILL);
                }
            }
            let _ = self.child.try_wait();
            if stragglers.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.wait();
    }
}

impl Drop for RunningBrowser {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Pids (other than zombies) in the session or process group `session`,
/// or whose command line names `dir` (Chromium's crash handler starts its
/// own session, with the profile's path in its arguments).
fn browser_processes(session: i32, dir: &Path) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let dir = dir.as_os_str().as_encoded_bytes();
    entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            // After "pid (comm) ": state ppid pgrp session …; comm may hold
            // spaces and parentheses, so split after the last ')'.
            let Some((_, rest)) = stat.rsplit_once(')') else {
                return false;
            };
            let fields: Vec<&str> = rest.split_whitespace().collect();
            if fields.first().copied().unwrap_or("Z") == "Z" {
                return false;
            }
            let group = fields.get(2).and_then(|v| v.parse::<i32>().ok());
            let sid = fields.get(3).and_then(|v| v.parse::<i32>().ok());
            if group == Some(session) || sid == Some(session) {
                return true;
            }
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| cmdline.windows(dir.len()).any(|w| w == dir))
        })
        .collect()
}

/// Chromium's complaints about a missing D-Bus.
fn is_dbus_noise(line: &str) -> bool {
    line.contains(":ERROR:dbus/") || line.contains(":ERROR:bus.cc")
}

/// The last `max_bytes` (about) of a file, starting at a line start.
fn file_tail(path: &Path, max_bytes: usize) -> io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let want = u64::try_from(max_bytes).unwrap_or(u64::MAX);
    let start = len.saturating_sub(want);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if start > 0 {
        if let Some((_, rest)) = text.split_once('\n') {
            return Ok(format!("[…]\n{rest}"));
        }
    }
    Ok(text)
}

/// Adds default routes through `lo` (source 127.0.0.1, and ::1 where IPv6
/// is up) in the current network namespace. Firefox's ICE agent finds its
/// "default address" by routing towards a public address and, without any
/// route, gathers no UDP candidate at all; with these routes, packets to
/// other destinations loop back into the namespace and die there. Refuses
/// outside a test namespace (it would change the machine's routing). An
/// existing default route is left alone.
pub fn add_loopback_default_routes() -> Result<(), BrowserError> {
    if !netns::inside() {
        return Err(BrowserError::NotInNamespace("change routes"));
    }
    let v4 = ["route", "add", "default", "dev", "lo", "src", "127.0.0.1"];
    let output = Command::new("ip").args(v4).output()?;
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    if !output.status.success() && !stderr.contains("File exists") {
        return Err(BrowserError::Command {
            command: format!("ip {}", v4.join(" ")),
            status: output.status.to_string(),
            stderr,
        });
    }
    // IPv6 may be off; the browsers only need the IPv4 route here.
    let _ = Command::new("ip")
        .args(["-6", "route", "add", "default", "dev", "lo", "src", "::1"])
        .output();
    Ok(())
}

/// The state the server's connections share.
#[derive(Debug)]
struct Shared {
    page: Bytes,
    slots: Mutex<HashMap<String, String>>,
    /// Woken whenever a slot is filled.
    filled: Notify,
    log: Mutex<Vec<String>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves plain data behind;
    // keep using it.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn put(&self, key: &str, value: String) {
        lock(&self.slots).insert(key.to_string(), value);
        self.filled.notify_waiters();
    }

    fn try_take(&self, key: &str) -> Option<String> {
        lock(&self.slots).remove(key)
    }

    /// Waits up to `timeout` for `key` to be filled and takes its value.
    async fn take(&self, key: &str, timeout: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Register for the wake-up before looking, so a put between
            // the look and the wait is not missed.
            let filled = self.filled.notified();
            tokio::pin!(filled);
            filled.as_mut().enable();
            if let Some(value) = self.try_take(key) {
                return Some(value);
            }
            if tokio::time::timeout_at(deadline, filled).await.is_err() {
                return self.try_take(key);
            }
        }
    }

    fn log_line(&self, line: &str) {
        let mut line = line.trim_end().to_string();
        if line.len() > MAX_LOG_LINE {
            let mut cut = MAX_LOG_LINE;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            line.truncate(cut);
            line.push_str(" […]");
        }
        let mut log = lock(&self.log);
        if log.len() >= MAX_LOG_LINES {
            log.remove(0);
        }
        log.push(line);
    }
}

/// The HTTP server a test page signals through, on 127.0.0.1. Stops (and
/// drops every connection) on drop.
///
/// Routes: `GET /` the page; `POST /box/KEY` stores the body under KEY
/// (replacing any value); `GET /box/KEY` answers the value and removes it,
/// waiting up to [`LONG_POLL`] for one, else `204`; `POST /log` appends the
/// body to the page log. Keys are 1 to 128 characters of `A-Za-z0-9._-`.
#[derive(Debug)]
pub struct SignalServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl SignalServer {
    /// Binds 127.0.0.1 on a free port and serves `page` at `/`.
    pub async fn start(page: impl Into<Bytes>) -> io::Result<SignalServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            page: page.into(),
            slots: Mutex::new(HashMap::new()),
            filled: Notify::new(),
            log: Mutex::new(Vec::new()),
        });
        let task = tokio::spawn(serve(listener, shared.clone()));
        Ok(SignalServer { addr, shared, task })
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The page's URL, `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Stores `value` under `key` for the page to take.
    pub fn put(&self, key: &str, value: impl Into<String>) {
        self.shared.put(key, value.into());
    }

    /// Takes the value under `key` if there is one.
    pub fn try_take(&self, key: &str) -> Option<String> {
        self.shared.try_take(key)
    }

    /// Waits up to `timeout` for the page to post `key` and takes the
    /// value.
    pub async fn take(&self, key: &str, timeout: Duration) -> Result<String, BrowserError> {
        self.shared
            .take(key, timeout)
            .await
            .ok_or_else(|| BrowserError::Timeout {
                what: format!("the page to post {key:?}"),
                waited: timeout,
            })
    }

    /// Every line the page logged so far (the newest few thousand).
    pub fn page_log(&self) -> Vec<String> {
        lock(&self.shared.log).clone()
    }

    /// The last `lines` lines of the page log, joined.
    pub fn page_log_tail(&self, lines: usize) -> String {
        let log = lock(&self.shared.log);
        let skip = log.len().saturating_sub(lines);
        log.iter()
            .skip(skip)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for SignalServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Accepts connections until aborted; the connections live in a set that
/// is dropped (and so aborted) with the task.
async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let shared = shared.clone();
                    connections.spawn(async move {
                        let service = hyper::service::service_fn(move |request| {
                            handle(shared.clone(), request)
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
                Err(error) => {
                    // E.g. out of file descriptors: wait, then go on.
                    tracing::debug!(%error, "signal server accept");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

fn response(status: StatusCode, content_type: &str, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Ok(value) = http::HeaderValue::from_str(content_type) {
        headers.insert(http::header::CONTENT_TYPE, value);
    }
    headers.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    response
}

fn text(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    response(status, "text/plain", Bytes::from_static(body.as_bytes()))
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

async fn read_body(request: Request<Incoming>) -> Option<String> {
    let body = Limited::new(request.into_body(), MAX_BODY)
        .collect()
        .await
        .ok()?
        .to_bytes();
    Some(String::from_utf8_lossy(&body).into_owned())
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let reply = match (&method, path.as_str()) {
        (&Method::GET, "/") => response(
            StatusCode::OK,
            "text/html; charset=utf-8",
            shared.page.clone(),
        ),
        (&Method::POST, "/log") => match read_body(request).await {
            Some(line) => {
                shared.log_line(&line);
                text(StatusCode::OK, "ok")
            }
            None => text(StatusCode::PAYLOAD_TOO_LARGE, "body too large"),
        },
        (_, p) => match p.strip_prefix("/box/") {
            Some(key) if !valid_key(key) => text(StatusCode::BAD_REQUEST, "bad key"),
            Some(key) if method == Method::GET => match shared.take(key, LONG_POLL).await {
                Some(value) => response(StatusCode::OK, "text/plain; charset=utf-8", value.into()),
                None => text(StatusCode::NO_CONTENT, ""),
            },
            Some(key) if method == Method::POST => {
                let key = key.to_string();
                match read_body(request).await {
                    Some(value) => {
                        shared.put(&key, value);
                        text(StatusCode::OK, "ok")
                    }
                    None => text(StatusCode::PAYLOAD_TOO_LARGE, "body too large"),
                }
            }
            Some(_) => text(StatusCode::METHOD_NOT_ALLOWED, "GET or POST"),
            None => text(StatusCode::NOT_FOUND, "not found"),
        },
    };
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dbus_complaints_are_noise() {
        assert!(is_dbus_noise(
            "[28290:28319:1202/215719.856601:ERROR:dbus/bus.cc:405] Failed to connect to the bus"
        ));
        assert!(!is_dbus_noise(
            "[1:2:3:ERROR:webrtc/dtls.cc:1] handshake failed"
        ));
    }

    #[test]
    fn keys_are_checked() {
        assert!(valid_key("c1-offer"));
        assert!(valid_key("job"));
        assert!(!valid_key(""));
        assert!(!valid_key("../x"));
        assert!(!valid_key(&"a".repeat(MAX_KEY_LEN + 1)));
    }

    #[test]
    fn browsers_name_their_packages() {
        assert_eq!(Browser::Chromium.debian_package(), "chromium");
        assert_eq!(Browser::Firefox.program(), "firefox-esr");
    }

    #[tokio::test]
    async fn mailbox_round_trip_over_http() {
        let server = SignalServer::start("<p>hi</p>").await.unwrap();
        let page = crate::http::request(server.addr(), Method::GET, "/", &[], "")
            .await
            .unwrap();
        assert_eq!(page.text(), "<p>hi</p>");
        let posted = crate::http::request(server.addr(), Method::POST, "/box/a1", &[], "v")
            .await
            .unwrap();
        assert_eq!(posted.status, StatusCode::OK);
        assert_eq!(
            server.take("a1", Duration::from_secs(5)).await.unwrap(),
            "v"
        );
        server.put("b2", "w");
        let got = crate::http::request(server.addr(), Method::GET, "/box/b2", &[], "")
            .await
            .unwrap();
        assert_eq!(got.text(), "w");
        assert!(server.try_take("b2").is_none());
        crate::http::request(server.addr(), Method::POST, "/log", &[], "line one\n")
            .await
            .unwrap();
        assert_eq!(server.page_log(), ["line one"]);
        assert!(matches!(
            server.take("none", Duration::from_millis(20)).await,
            Err(BrowserError::Timeout { .. })
        ));
    }

    #[test]
    fn browsers_and_routes_only_in_a_namespace() {
        if netns::inside() {
            return;
        }
        assert!(matches!(
            RunningBrowser::launch(Browser::Chromium, "about:blank"),
            Err(BrowserError::NotInNamespace(_))
        ));
        assert!(matches!(
            add_loopback_default_routes(),
            Err(BrowserError::NotInNamespace(_))
        ));
    }
}
