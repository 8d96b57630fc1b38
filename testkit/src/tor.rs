//! Running Debian's `tor` in tests, on 127.0.0.1 only.
//!
//! [`TorProcess`] starts tor with a torrc written into a fresh temporary
//! `DataDirectory`, logs to a file there, lets tests wait for log lines
//! (e.g. the port tor picked for an `auto` listener), and kills tor when
//! dropped. [`TorConfig`] builds torrc contents; [`TorConfig::bridge`] is a
//! single bridge relay that never touches the network: it knows only a
//! placeholder directory authority on 127.0.0.1 (nothing listens there), does
//! not publish its descriptor and assumes it is reachable. A full private
//! network (authority, relays, client) is not needed to exercise a server
//! transport; see `tor-private-network.md` for that.

use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The Debian package that provides `tor`.
pub const DEBIAN_PACKAGE: &str = "tor";

/// Why tor could not be run or did not do what a test waited for.
#[derive(Debug, thiserror::Error)]
pub enum TorError {
    /// The `tor` binary is not installed.
    #[error("`tor` is not installed; install it with `apt-get install -y {DEBIAN_PACKAGE}`")]
    NotInstalled,
    /// Creating the data directory, writing the torrc or starting tor
    /// failed.
    #[error("starting tor: {0}")]
    Io(#[from] io::Error),
    /// tor exited.
    #[error("tor exited ({status}); log:\n{log}")]
    Exited {
        /// Its exit status.
        status: std::process::ExitStatus,
        /// Its log so far.
        log: String,
    },
    /// The awaited log line did not appear in time.
    #[error("tor did not log {wanted:?} within {waited:?}; log:\n{log}")]
    Timeout {
        /// What was awaited.
        wanted: String,
        /// How long.
        waited: Duration,
        /// Its log so far.
        log: String,
    },
}

/// Finds the `tor` binary on `PATH` (or `/usr/sbin/tor`, where Debian puts
/// it).
pub fn find_tor() -> Result<PathBuf, TorError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
        .map(|dir| dir.join("tor"))
        .find(|candidate| candidate.is_file())
        .ok_or(TorError::NotInstalled)
}

/// A temporary directory, removed when dropped.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a fresh directory under the system temporary directory,
    /// readable only by us (tor insists on that for its DataDirectory).
    pub fn new(prefix: &str) -> io::Result<Self> {
        let name = format!("{prefix}-{}-{:016x}", std::process::id(), rand::random::<u64>());
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir(&path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(Self { path })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// torrc contents, one option per line.
#[derive(Debug, Clone, Default)]
pub struct TorConfig {
    lines: Vec<String>,
}

/// A syntactically valid identity for a directory authority nobody runs,
/// so that tor's bootstrap attempts go to 127.0.0.1:1 and fail locally.
const PLACEHOLDER_AUTHORITY: &str = "DirAuthority placeholder orport=1 no-v2 \
     v3ident=0000000000000000000000000000000000000001 127.0.0.1:1 \
     0000 0000 0000 0000 0000 0000 0000 0000 0000 0001";

impl TorConfig {
    /// An empty torrc.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one line (`Option value`).
    pub fn line(mut self, line: impl Into<String>) -> Self {
        self.lines.push(line.into());
        self
    }

    /// A bridge relay on 127.0.0.1 that runs `transport` (with `args`) as
    /// its `snowflake` ServerTransportPlugin listening on `listen`, with
    /// `ORPort 127.0.0.1:auto` and `ExtORPort auto`, and nothing that
    /// reaches beyond the machine.
    pub fn bridge(transport: &Path, args: &[&str], listen: SocketAddr) -> Self {
        let mut exec = format!("ServerTransportPlugin snowflake exec {}", transport.display());
        for arg in args {
            let _ = write!(exec, " {arg}");
        }
        Self::new()
            .line("TestingTorNetwork 1")
            .line(PLACEHOLDER_AUTHORITY)
            .line("UseDefaultFallbackDirs 0")
            .line("SocksPort 0")
            .line("BridgeRelay 1")
            .line("PublishServerDescriptor 0")
            .line("AssumeReachable 1")
            .line("Address 127.0.0.1")
            .line("OutboundBindAddress 127.0.0.1")
            .line("ORPort 127.0.0.1:auto")
            .line("ExtORPort auto")
            .line("ExitRelay 0")
            .line("ExitPolicy reject *:*")
            .line("Nickname snowflaketest")
            .line("ContactInfo test@example.invalid")
            .line(exec)
            .line(format!("ServerTransportListenAddr snowflake {listen}"))
    }

    /// The torrc text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

/// A running tor, killed when dropped.
#[derive(Debug)]
pub struct TorProcess {
    child: Child,
    log_file: PathBuf,
    // Declared last: removed after the process is gone.
    data_dir: TempDir,
}

impl TorProcess {
    /// Starts tor with `config` plus `DataDirectory` and a notice-level
    /// `Log` file in a fresh temporary directory (debug level with
    /// `debug_log`, which shows e.g. the Extended ORPort commands tor
    /// received).
    pub fn start(config: &TorConfig, debug_log: bool) -> Result<Self, TorError> {
        let tor = find_tor()?;
        let data_dir = TempDir::new("snowflake-tor")?;
        let log_file = data_dir.path().join("tor.log");
        let torrc = data_dir.path().join("torrc");
        let level = if debug_log { "debug" } else { "notice" };
        let text = format!(
            "DataDirectory {}\nLog {level} file {}\n{}",
            data_dir.path().display(),
            log_file.display(),
            config.render()
        );
        std::fs::write(&torrc, text)?;
        let child = Command::new(tor)
            .arg("-f")
            .arg(&torrc)
            .arg("--defaults-torrc")
            .arg("/dev/null")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(Self {
            child,
            log_file,
            data_dir,
        })
    }

    /// The data directory (tor writes `extended_orport_auth_cookie` here).
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// The log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_file).unwrap_or_default()
    }

    /// Waits until a log line contains `needle` and returns that line;
    /// fails if tor exits first or `timeout` passes (a hang guard).
    pub async fn wait_for_log(&mut self, needle: &str, timeout: Duration) -> Result<String, TorError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let log = self.log();
            if let Some(line) = log.lines().find(|l| l.contains(needle)) {
                return Ok(line.to_owned());
            }
            if let Some(status) = self.child.try_wait()? {
                return Err(TorError::Exited {
                    status,
                    log: self.log(),
                });
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(TorError::Timeout {
                    wanted: needle.to_owned(),
                    waited: timeout,
                    log,
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for tor to log that a listener of `kind` is open (e.g. `"OR"`,
    /// `"Extended OR"`) and returns its address; for `auto` ports.
    pub async fn listener_addr(&mut self, kind: &str, timeout: Duration) -> Result<SocketAddr, TorError> {
        let needle = format!("Opened {kind} listener connection (ready) on ");
        let line = self.wait_for_log(&needle, timeout).await?;
        line.split(&needle)
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|addr| addr.parse().ok())
            .ok_or_else(|| TorError::Timeout {
                wanted: format!("{needle}<address>"),
                waited: timeout,
                log: line,
            })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for TorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bridge_torrc_stays_on_loopback() {
        let torrc = TorConfig::bridge(
            Path::new("/usr/bin/snowflake-server"),
            &["--disable-tls"],
            "127.0.0.1:8080".parse().expect("addr"),
        )
        .render();
        assert!(torrc.contains("ServerTransportPlugin snowflake exec /usr/bin/snowflake-server --disable-tls\n"));
        assert!(torrc.contains("ServerTransportListenAddr snowflake 127.0.0.1:8080\n"));
        assert!(torrc.contains("ORPort 127.0.0.1:auto\n"));
        assert!(torrc.contains("PublishServerDescriptor 0\n"));
        assert!(torrc.contains("UseDefaultFallbackDirs 0\n"));
    }
}
