//! A pluggable-transport binary launched as tor (or arti) launches it in
//! managed mode: a clean environment with `TOR_PT_MANAGED_TRANSPORT_VER=1`
//! and a fresh state directory, stdin and stdout piped (stdout carries the
//! PT protocol lines), stderr passed through to the test output.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The child process, killed and reaped when dropped. Tests reach the
/// child through `.0` (e.g. to close its stdin, as tor does to stop it).
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A new, empty state directory under the system's temporary directory.
pub fn state_dir(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{:x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    // A failure shows up as the transport's own error about its state
    // directory, which is what the test would be looking at anyway.
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Launches `binary` with `args` in managed mode; `env` is set after the
/// defaults, so it may replace `TOR_PT_STATE_LOCATION`.
pub fn launch(
    binary: &str,
    env: &[(&str, &str)],
    args: &[&str],
) -> (KillOnDrop, BufReader<ChildStdout>) {
    let mut command = Command::new(binary);
    command
        .args(args)
        .env_clear()
        .env("TOR_PT_MANAGED_TRANSPORT_VER", "1")
        .env("TOR_PT_STATE_LOCATION", state_dir("snowflake-pt-state"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
    let stdout = child.stdout.take().expect("piped stdout");
    (KillOnDrop(child), BufReader::new(stdout))
}

/// The next line of the transport's stdout without its line end; empty at
/// the end of the output.
pub fn read_line(out: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    out.read_line(&mut line).expect("read a line");
    line.trim_end().to_string()
}

/// The lines up to and including `CMETHODS DONE`.
pub fn until_cmethods_done(out: &mut BufReader<ChildStdout>) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let line = read_line(out);
        assert!(!line.is_empty(), "stdout ended early: {lines:?}");
        let done = line == "CMETHODS DONE";
        lines.push(line);
        if done {
            return lines;
        }
    }
}

/// The SOCKS listener of the `snowflake` method announced in `lines`.
pub fn cmethod_addr(lines: &[String]) -> SocketAddr {
    lines
        .iter()
        .find_map(|l| l.strip_prefix("CMETHOD snowflake socks5 "))
        .expect("CMETHOD line")
        .parse()
        .expect("CMETHOD address")
}

/// Waits up to 30 s for the child to exit; its status.
pub fn wait_exit(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the transport did not exit within 30 s");
}
