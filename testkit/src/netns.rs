//! Network namespaces for tests that run third-party peers (e.g. Debian's
//! Go Snowflake programs): inside a namespace that has only `lo`, nothing
//! can reach beyond the machine, whatever the peer's defaults say.
//!
//! The usual pattern re-runs the current test binary inside a fresh
//! namespace, so the in-process server, the peers it spawns and the test's
//! own client all share it:
//!
//! ```no_run
//! # fn inner() {}
//! #[test]
//! fn interop() {
//!     if snowflake_testkit::netns::inside() {
//!         return inner(); // the real test, now inside the namespace
//!     }
//!     let output = snowflake_testkit::netns::rerun_test_in_netns(
//!         "interop",
//!         &snowflake_testkit::netns::RerunOptions::default(),
//!     )
//!     .unwrap_or_else(|e| panic!("{e}"));
//!     eprintln!("{output}");
//! }
//! ```
//!
//! Creating namespaces needs root (CAP_SYS_ADMIN); without it the helpers
//! fail with [`NetnsError::NotRoot`], they never skip.

use std::ffi::OsStr;
use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Set (to the namespace's name) in the environment of a test re-run by
/// [`rerun_test_in_netns`].
pub const NETNS_ENV: &str = "SNOWFLAKE_TESTKIT_NETNS";

/// Hostnames that Go Snowflake programs contact by default; tests map them
/// to 127.0.0.1 inside their namespace so even name lookups stay local.
pub const DEFAULT_LOCAL_HOSTS: &[&str] = &[
    "snowflake-broker.torproject.net",
    "snowflake-broker.freehaven.net",
    "snowflake.torproject.net",
    "snowflake.bamsoftware.com",
    "stun.l.google.com",
    "stun.voip.blackberry.com",
];

/// Why a namespace could not be made or a re-run failed.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// Not running as root.
    #[error(
        "creating a network namespace needs root (CAP_SYS_ADMIN), but this test runs as uid {uid}; \
         run the tests as root (e.g. `sudo -E cargo test`) or in a container with CAP_SYS_ADMIN"
    )]
    NotRoot {
        /// The effective uid.
        uid: u32,
    },
    /// `ip` is missing.
    #[error("the `ip` program (iproute2) is not installed: apt-get install -y iproute2 ({0})")]
    NoIpTool(io::Error),
    /// A command failed.
    #[error("`{command}` failed ({status}): {stderr}")]
    Command {
        /// What ran.
        command: String,
        /// Its exit status.
        status: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// The re-run test did not pass.
    #[error(
        "test {test} failed inside network namespace {netns} ({status}); its output:\n{output}"
    )]
    InnerTestFailed {
        /// The test.
        test: String,
        /// The namespace.
        netns: String,
        /// How it ended.
        status: String,
        /// Its stdout and stderr.
        output: String,
    },
    /// Another I/O error.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Whether this process is a test re-run inside a namespace.
pub fn inside() -> bool {
    current().is_some()
}

/// The namespace this process was re-run in, if any.
pub fn current() -> Option<String> {
    std::env::var(NETNS_ENV)
        .ok()
        .filter(|name| !name.is_empty())
}

fn run_ip(args: &[&str]) -> Result<(), NetnsError> {
    let output = Command::new("ip")
        .args(args)
        .output()
        .map_err(NetnsError::NoIpTool)?;
    if output.status.success() {
        Ok(())
    } else {
        Err(NetnsError::Command {
            command: format!("ip {}", args.join(" ")),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}

/// A network namespace with only `lo` (up), deleted on drop.
#[derive(Debug)]
pub struct Netns {
    name: String,
    etc_dir: PathBuf,
}

impl Netns {
    /// Creates `PREFIX-PID-RANDOM`, brings `lo` up, and points its
    /// `/etc/hosts` and `/etc/resolv.conf` (as seen through
    /// `ip netns exec`) at loopback: the names in `local_hosts` resolve to
    /// 127.0.0.1 and DNS queries go to 127.0.0.1.
    pub fn create(prefix: &str, local_hosts: &[&str]) -> Result<Netns, NetnsError> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let uid = unsafe { libc::geteuid() };
        if uid != 0 {
            return Err(NetnsError::NotRoot { uid });
        }
        let name = format!(
            "{prefix}-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        );
        let etc_dir = PathBuf::from("/etc/netns").join(&name);
        std::fs::create_dir_all(&etc_dir)?;
        let mut hosts = String::from("127.0.0.1\tlocalhost\n::1\tlocalhost\n");
        for host in local_hosts {
            hosts.push_str(&format!("127.0.0.1\t{host}\n"));
        }
        let netns = Netns { name, etc_dir };
        std::fs::write(netns.etc_dir.join("hosts"), hosts)?;
        std::fs::write(netns.etc_dir.join("resolv.conf"), "nameserver 127.0.0.1\n")?;
        run_ip(&["netns", "add", &netns.name])?;
        run_ip(&[
            "netns",
            "exec",
            &netns.name,
            "ip",
            "link",
            "set",
            "lo",
            "up",
        ])?;
        Ok(netns)
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A command that runs `program` inside the namespace.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", &self.name])
            .arg(program.as_ref());
        command
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = run_ip(&["netns", "del", &self.name]);
        let _ = std::fs::remove_dir_all(&self.etc_dir);
    }
}

/// Names of the network interfaces this process sees (from
/// `/sys/class/net`).
pub fn interfaces() -> io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir("/sys/class/net")?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// Options for [`rerun_test_in_netns`].
#[derive(Debug, Clone)]
pub struct RerunOptions {
    /// Kill the re-run (and everything it started) after this long.
    pub timeout: Duration,
    /// Hostnames to resolve to 127.0.0.1 inside.
    pub local_hosts: Vec<String>,
    /// Prefix of the namespace's name.
    pub prefix: String,
}

impl Default for RerunOptions {
    fn default() -> Self {
        RerunOptions {
            timeout: Duration::from_secs(300),
            local_hosts: DEFAULT_LOCAL_HOSTS.iter().map(|s| s.to_string()).collect(),
            prefix: "sftest".to_string(),
        }
    }
}

fn drain(mut source: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buffer = Vec::new();
        let _ = source.read_to_end(&mut buffer);
        buffer
    })
}

/// Runs the test named `test` (its full path as `cargo test` lists it) of
/// the current test binary again, alone, inside a new namespace, with
/// [`NETNS_ENV`] set. Returns the re-run's output if it passed. The
/// namespace is deleted afterwards, also on failure or timeout; on timeout
/// the whole process group of the re-run is killed.
pub fn rerun_test_in_netns(test: &str, options: &RerunOptions) -> Result<String, NetnsError> {
    let hosts: Vec<&str> = options.local_hosts.iter().map(String::as_str).collect();
    let netns = Netns::create(&options.prefix, &hosts)?;
    let exe = std::env::current_exe()?;
    let mut child = netns
        .command(&exe)
        .args([test, "--exact", "--nocapture", "--test-threads", "1"])
        .env(NETNS_ENV, netns.name())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()?;
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let started = Instant::now();
    let status: Option<ExitStatus> = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if started.elapsed() > options.timeout {
            // The re-run leads its own process group; end all of it.
            let group = i32::try_from(child.id()).unwrap_or(0);
            if group > 0 {
                // SAFETY: kill has no memory-safety preconditions; the
                // group is the one this function created.
                unsafe {
                    libc::kill(-group, libc::SIGKILL);
                }
            }
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(50));
    };
    let mut output = String::new();
    for (label, handle) in [("stdout", stdout), ("stderr", stderr)] {
        if let Some(bytes) = handle.and_then(|h| h.join().ok()) {
            output.push_str(&format!(
                "--- {label} ---\n{}\n",
                String::from_utf8_lossy(&bytes)
            ));
        }
    }
    // With `--exact`, "1 passed" can only be this test (the "test … ok"
    // line itself may be split by the test's own output).
    match status {
        Some(status) if status.success() && output.contains("test result: ok. 1 passed;") => {
            Ok(output)
        }
        Some(status) => Err(NetnsError::InnerTestFailed {
            test: test.to_string(),
            netns: netns.name().to_string(),
            status: if status.success() {
                "exited 0 but the test did not run".to_string()
            } else {
                status.to_string()
            },
            output,
        }),
        None => Err(NetnsError::InnerTestFailed {
            test: test.to_string(),
            netns: netns.name().to_string(),
            status: format!("killed after {:?}", options.timeout),
            output,
        }),
    }
}

/// The usual shape of a test that must run isolated: inside the namespace
/// (the re-run), check that only `lo` exists and run `inside`; outside,
/// re-run the test named `test` in a new namespace (killed after
/// `timeout`) and panic with its output if it failed.
pub fn run_isolated(test: &str, timeout: Duration, inside_test: impl FnOnce()) {
    if inside() {
        let names = interfaces().unwrap_or_else(|e| panic!("listing interfaces: {e}"));
        assert_eq!(names, ["lo"], "the namespace must have only lo");
        return inside_test();
    }
    let options = RerunOptions {
        timeout,
        ..RerunOptions::default()
    };
    match rerun_test_in_netns(test, &options) {
        Ok(output) => eprintln!("{output}"),
        Err(error) => panic!("{error}"),
    }
}
