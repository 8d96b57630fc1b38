//! A local SQS-compatible server for the SQS rendezvous tests: `moto` (from
//! PyPI, `pip install 'moto[server]'`) in server mode on a free port of
//! 127.0.0.1, one per test, stopped when dropped. Nothing it serves leaves
//! the machine: queue URLs it hands out name its own address.
//!
//! Tests call [`start_or_skip`]: without moto they are skipped with a
//! message, unless `SNOWFLAKE_REQUIRE_SQS` is set (CI sets it after
//! installing moto), in which case they fail.

use std::io;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::pebble::free_port;
use crate::process::ChildGuard;
use crate::tor::TempDir;

/// The environment variable that turns a missing moto into a failure.
pub const REQUIRE_ENV: &str = "SNOWFLAKE_REQUIRE_SQS";

/// The account id moto uses in queue URLs.
pub const ACCOUNT_ID: &str = "123456789012";

/// How long moto may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running moto server, killed when dropped.
#[derive(Debug)]
pub struct Moto {
    // The child before the directory: it is killed before its log goes.
    child: ChildGuard,
    dir: TempDir,
    addr: SocketAddr,
}

/// The Python interpreter to run moto with (`PYTHON`, else `python3`).
fn python() -> String {
    std::env::var("PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".to_string())
}

/// Why moto cannot run here, if it cannot: Python or the `moto.server`
/// module (with its Flask dependencies) is missing.
pub fn unavailable() -> Option<String> {
    let output = Command::new(python())
        .args(["-c", "import moto.server, flask, flask_cors"])
        .stdin(Stdio::null())
        .output();
    match output {
        Ok(output) if output.status.success() => None,
        Ok(output) => Some(format!(
            "moto is not installed (pip install 'moto[server]'): {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("")
        )),
        Err(error) => Some(format!("cannot run {}: {error}", python())),
    }
}

/// Whether the SQS tests must run (`SNOWFLAKE_REQUIRE_SQS` is set).
pub fn required() -> bool {
    std::env::var_os(REQUIRE_ENV).is_some_and(|v| !v.is_empty())
}

/// Starts moto, or returns `None` after printing why the test `name` is
/// skipped. Panics when moto is missing and [`required`], or when it is
/// installed but does not start.
pub async fn start_or_skip(name: &str) -> Option<Moto> {
    if let Some(reason) = unavailable() {
        if required() {
            panic!("{name}: {REQUIRE_ENV} is set but {reason}");
        }
        eprintln!("SKIPPED {name}: {reason} (set {REQUIRE_ENV} to make this a failure)");
        return None;
    }
    match Moto::start().await {
        Ok(moto) => Some(moto),
        Err(error) => panic!("{name}: moto is installed but did not start: {error}"),
    }
}

impl Moto {
    /// Starts `python3 -m moto.server` on a free port of 127.0.0.1 and
    /// waits until it accepts connections.
    pub async fn start() -> io::Result<Moto> {
        let dir = TempDir::new("snowflake-moto")?;
        let port = free_port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let log = std::fs::File::create(dir.path().join("moto.log"))?;
        let mut command = Command::new(python());
        command
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            // Dummy credentials and region: moto does not check them, and
            // nothing may look for real ones.
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log));
        let mut child = ChildGuard::spawn(command, "moto_server")?;
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait()? {
                return Err(io::Error::other(format!(
                    "moto exited ({status}): {}",
                    std::fs::read_to_string(dir.path().join("moto.log")).unwrap_or_default()
                )));
            }
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                break;
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(io::Error::other(format!(
                    "moto did not listen within {START_TIMEOUT:?}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(Moto { child, dir, addr })
    }

    /// Where moto listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint URL, `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The URL moto gives the queue `name`.
    pub fn queue_url(&self, name: &str) -> String {
        format!("{}/{ACCOUNT_ID}/{name}", self.endpoint())
    }

    /// moto's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("moto.log")).unwrap_or_default()
    }

    /// moto's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}
