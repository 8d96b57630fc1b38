//! The `snowflake-proxy` binary as a child process, for the tests that need
//! the real program (its flags, its metrics endpoint, its log) rather than
//! the library in process.

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{guard, LOOPBACK_PATTERN};

const BINARY: &str = env!("CARGO_BIN_EXE_snowflake-proxy");

/// The proxy binary, killed when dropped, with its stderr collected (and
/// echoed to the test output).
pub struct ProxyProcess {
    child: Child,
    log: Arc<Mutex<String>>,
    metrics: Option<SocketAddr>,
}

impl ProxyProcess {
    /// Starts the proxy against `broker`, relaying to `relay_url` (allowed
    /// although it is plain `ws://` on 127.0.0.1), with no NAT probe and no
    /// periodic summary, plus `extra` flags.
    pub fn start(broker: SocketAddr, relay_url: &str, extra: &[&str]) -> Self {
        Self::spawn(broker, relay_url, extra, None)
    }

    /// [`Self::start`] with `-metrics` on a free port of 127.0.0.1.
    pub fn start_with_metrics(broker: SocketAddr, relay_url: &str, extra: &[&str]) -> Self {
        let port = snowflake_testkit::pebble::free_port();
        Self::spawn(
            broker,
            relay_url,
            extra,
            Some(SocketAddr::from(([127, 0, 0, 1], port))),
        )
    }

    fn spawn(
        broker: SocketAddr,
        relay_url: &str,
        extra: &[&str],
        metrics: Option<SocketAddr>,
    ) -> Self {
        let mut command = Command::new(BINARY);
        command
            .args(["-broker", &format!("http://{broker}/")])
            .args(["-relay", relay_url])
            .args(["-allowed-relay-hostname-pattern", LOOPBACK_PATTERN])
            .args([
                "-allow-non-tls-relay",
                "-allow-proxying-to-private-addresses",
            ])
            .args(["-nat-probe-server", "", "-summary-interval", "0s"]);
        if let Some(metrics) = metrics {
            command
                .args(["-metrics", "-metrics-address", &metrics.ip().to_string()])
                .args(["-metrics-port", &metrics.port().to_string()]);
        }
        let mut child = command
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start snowflake-proxy");
        let log = Arc::new(Mutex::new(String::new()));
        if let Some(pipe) = child.stderr.take() {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(pipe).lines() {
                    let Ok(line) = line else { break };
                    eprintln!("proxy: {line}");
                    let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        ProxyProcess {
            child,
            log,
            metrics,
        }
    }

    /// What the proxy has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The metrics page, once it has a line containing `wanted` (the proxy
    /// must have been started with [`Self::start_with_metrics`]).
    pub async fn metrics_with(&mut self, wanted: &str) -> String {
        let Some(metrics) = self.metrics else {
            panic!("the proxy was started without -metrics");
        };
        guard("metrics line", async {
            loop {
                if let Ok(Some(status)) = self.child.try_wait() {
                    panic!("the proxy exited ({status}):\n{}", self.log());
                }
                if let Ok(page) = snowflake_testkit::http::get(metrics, "/internal/metrics").await {
                    let text = page.text();
                    if page.status == 200 && text.lines().any(|line| line.contains(wanted)) {
                        return text;
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
