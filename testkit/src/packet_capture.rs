//! Capturing a test's own traffic with `tcpdump`, read back with
//! [`crate::pcap`].
//!
//! **Only capture inside a network namespace the test created.**
//! [`PacketCapture::start`] refuses to run unless the current process is a
//! test re-run inside a namespace by [`crate::netns::rerun_test_in_netns`] /
//! [`crate::netns::run_isolated`] (so the interface, normally `lo`, sees only
//! the test's traffic); [`PacketCapture::start_in`] captures inside a
//! [`crate::netns::Netns`] the test holds. Never point it at the host's
//! interfaces.
//!
//! tcpdump runs as
//! `tcpdump -i IF -U --immediate-mode -B 65536 -n -s 0 -w OUT [-Z root] FILTER`
//! (`-U` and `--immediate-mode` write every packet as it arrives, `-Z root`
//! keeps root when running as root so tcpdump can write `OUT` wherever the
//! test put it). In immediate mode libpcap's ring holds whole frames of
//! the interface's MTU, 64 KiB on `lo`, so its default 2 MiB ring holds
//! only about 30 packets: a burst while tcpdump waits for a busy CPU was
//! dropped (a capture test once saw one DTLS handshake of two). `-B`
//! makes it 64 MiB, about a thousand packets, and `stop` fails, saying
//! so, when the kernel still dropped any.
//! `start` returns once tcpdump reports "listening on"; `stop` waits until
//! the file has stopped growing (tcpdump drops packets still queued for it
//! when interrupted), sends it SIGINT, waits for it to exit and returns the
//! UDP datagrams of the file.

use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::pcap::{self, UdpDatagram};

/// How long to wait for tcpdump to start listening and to exit.
const TIMEOUT: Duration = Duration::from_secs(10);

/// How long the capture file must stay the same size before `stop`
/// interrupts tcpdump.
const SETTLE: Duration = Duration::from_millis(300);

/// A running tcpdump; killed if dropped without [`PacketCapture::stop`].
#[derive(Debug)]
pub struct PacketCapture {
    child: Option<Child>,
    out: PathBuf,
    stderr: Option<thread::JoinHandle<String>>,
}

fn tcpdump_path() -> io::Result<PathBuf> {
    crate::process::find_program("tcpdump", "tcpdump")
        .map_err(|e| io::Error::new(io::ErrorKind::NotFound, e))
}

impl PacketCapture {
    /// Starts capturing on `interface` of the current network namespace,
    /// which must be one a test created (see the module documentation;
    /// otherwise this fails with `PermissionDenied`). `bpf_filter` is a
    /// pcap filter expression (empty: everything); packets go to `out`.
    pub fn start(interface: &str, bpf_filter: &str, out: &Path) -> io::Result<PacketCapture> {
        if !crate::netns::inside() {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "refusing to capture on {interface}: packet captures are only allowed inside a \
                     network namespace the test created (netns::run_isolated / \
                     rerun_test_in_netns), or use PacketCapture::start_in"
                ),
            ));
        }
        Self::spawn(Command::new(tcpdump_path()?), interface, bpf_filter, out)
    }

    /// Starts capturing on `interface` inside the namespace `netns` (via
    /// `ip netns exec`).
    pub fn start_in(
        netns: &crate::netns::Netns,
        interface: &str,
        bpf_filter: &str,
        out: &Path,
    ) -> io::Result<PacketCapture> {
        Self::spawn(netns.command(tcpdump_path()?), interface, bpf_filter, out)
    }

    fn spawn(
        mut command: Command,
        interface: &str,
        bpf_filter: &str,
        out: &Path,
    ) -> io::Result<PacketCapture> {
        command
            .args([
                "-i",
                interface,
                "-U",
                "--immediate-mode",
                "-B",
                "65536",
                "-n",
                "-s",
                "0",
                "-w",
            ])
            .arg(out);
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } == 0 {
            command.args(["-Z", "root"]);
        }
        if !bpf_filter.trim().is_empty() {
            command.arg(bpf_filter);
        }
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot start tcpdump: {e}")))?;
        let Some(stderr) = child.stderr.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::other("tcpdump's stderr is not a pipe"));
        };
        let (lines_tx, lines_rx) = mpsc::channel::<String>();
        let reader = thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut all = String::new();
            let mut line = String::new();
            loop {
                line.clear();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        all.push_str(&line);
                        // The receiver is gone once tcpdump is listening.
                        let _ = lines_tx.send(line.clone());
                    }
                }
            }
            all
        });
        let mut capture = PacketCapture {
            child: Some(child),
            out: out.to_path_buf(),
            stderr: Some(reader),
        };
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines_rx.recv_timeout(left) {
                Ok(line) if line.contains("listening on") => return Ok(capture),
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let said = capture.end(false);
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("tcpdump did not start listening within {TIMEOUT:?}: {said}"),
                    ));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let said = capture.end(false);
                    return Err(io::Error::other(format!(
                        "tcpdump exited before listening: {said}"
                    )));
                }
            }
        }
    }

    /// The file tcpdump writes.
    pub fn path(&self) -> &Path {
        &self.out
    }

    /// Ends tcpdump (SIGINT when `gracefully`, then SIGKILL after the
    /// timeout) and returns its exit description and stderr.
    fn end(&mut self, gracefully: bool) -> String {
        let mut status_text = String::from("not running");
        if let Some(mut child) = self.child.take() {
            if gracefully {
                if let Ok(pid) = i32::try_from(child.id()) {
                    // SAFETY: kill has no memory-safety preconditions; the
                    // pid is our own child, not yet reaped.
                    unsafe {
                        libc::kill(pid, libc::SIGINT);
                    }
                }
                let deadline = Instant::now() + TIMEOUT;
                while Instant::now() < deadline {
                    match child.try_wait() {
                        Ok(Some(_)) | Err(_) => break,
                        Ok(None) => thread::sleep(Duration::from_millis(20)),
                    }
                }
            }
            let _ = child.kill();
            status_text = match child.wait() {
                Ok(status) => status.to_string(),
                Err(e) => format!("wait failed: {e}"),
            };
        }
        let said = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        format!("{status_text}; stderr: {}", said.trim())
    }

    /// Waits until the output file has not grown for [`SETTLE`] (at most
    /// [`TIMEOUT`]): on SIGINT tcpdump stops at once and drops packets the
    /// kernel has queued for it but it has not written yet.
    fn settle(&self) {
        let size = || std::fs::metadata(&self.out).map(|m| m.len()).ok();
        let deadline = Instant::now() + TIMEOUT;
        let mut last = size();
        let mut quiet_since = Instant::now();
        while Instant::now() < deadline {
            thread::sleep(Duration::from_millis(25));
            let now = size();
            if now != last {
                last = now;
                quiet_since = Instant::now();
            } else if quiet_since.elapsed() >= SETTLE {
                return;
            }
        }
    }

    /// Stops tcpdump (after the file stopped growing; then SIGINT, so it
    /// flushes and closes the file) and returns the UDP datagrams it
    /// captured.
    pub fn stop(mut self) -> io::Result<Vec<UdpDatagram>> {
        self.settle();
        let said = self.end(true);
        let dropped = kernel_drops(&said);
        if dropped > 0 {
            return Err(io::Error::other(format!(
                "the capture is incomplete: the kernel dropped {dropped} packets \
                 before tcpdump read them (tcpdump: {said})"
            )));
        }
        pcap::read_udp_datagrams(&self.out).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("reading {}: {e} (tcpdump: {said})", self.out.display()),
            )
        })
    }
}

/// The count in tcpdump's closing "N packets dropped by kernel" line
/// (0 when there is none).
fn kernel_drops(stderr: &str) -> u64 {
    stderr
        .lines()
        .filter_map(|line| line.trim().strip_suffix("packets dropped by kernel"))
        .filter_map(|count| count.trim().parse::<u64>().ok())
        .sum()
}

impl Drop for PacketCapture {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::kernel_drops;

    #[test]
    fn kernel_drops_reads_tcpdumps_closing_counts() {
        let said = "exit status: 0; stderr: tcpdump: listening on lo, link-type EN10MB\n\
                    812 packets captured\n812 packets received by filter\n\
                    7 packets dropped by kernel\n";
        assert_eq!(kernel_drops(said), 7);
        assert_eq!(
            kernel_drops("3 packets captured\n0 packets dropped by kernel\n"),
            0
        );
        assert_eq!(kernel_drops("tcpdump: listening on lo"), 0);
    }
}
