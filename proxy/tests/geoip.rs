//! `-geoipdb` and `-geoip6db` end to end: the `snowflake-proxy` binary,
//! run with `-metrics` and a small geoip file written here (tor's format,
//! mapping 127.0.0.0/8 to `AQ`; tor's own file has no loopback range),
//! relays a loopback client matched by our broker to a fake relay, and its
//! metrics endpoint counts the connection under
//! `tor_snowflake_proxy_connections_total{country="AQ"}`, upstream's name
//! and label. Without readable files (upstream: not fatal) the proxy runs
//! and counts the client under `country=""`. The client's address stays
//! scrubbed in the log. Everything is on 127.0.0.1.

mod common;

use std::path::Path;

use common::*;

/// 127.0.0.0 to 127.255.255.255 as tor writes IPv4 ranges.
const LOOPBACK_V4: &str = "# test file\n2130706432,2147483647,AQ\n";
/// A range that is not ::1, so ::1 is in no country.
const SOME_V6: &str = "2001:db8::,2001:db8::ffff,JP\n";

/// The series of `connections_total` on a metrics page.
fn connection_series(page: &str) -> Vec<&str> {
    page.lines()
        .filter(|line| line.starts_with("tor_snowflake_proxy_connections_total"))
        .collect()
}

/// Runs one proxy with `geoip` flags, relays one loopback client through
/// it and returns the metrics page once `wanted` is on it, and the log.
async fn relay_one_client(geoip: &[&str], unsafe_logging: bool, wanted: &str) -> (String, String) {
    let mut relay = FakeRelay::start().await;
    let broker = start_broker(&relay.url()).await;
    let mut flags = vec!["-loopback-only"];
    flags.extend_from_slice(geoip);
    if unsafe_logging {
        flags.push("-unsafe-logging");
    }
    let mut proxy = ProxyProcess::start_with_metrics(broker.local_addr(), &relay.url(), &flags);
    // Served before the first poll, with no connection counted yet.
    let page = proxy
        .metrics_with("tor_snowflake_proxy_connection_timeouts_total")
        .await;
    assert!(connection_series(&page).is_empty(), "{page}");
    let backend = loopback_backend();
    let _channel = connect_client_retrying(&*backend, broker.local_addr()).await;
    // The binary checks that its default relay answers before it polls
    // (relay_check.rs): that connection carries no client address.
    let connection = loop {
        let connection = relay.accept().await;
        if connection.uri.contains("client_ip=") {
            break connection;
        }
    };
    // The relay got the client's address, which is what was looked up.
    assert!(
        connection.uri.contains("client_ip=127.0.0.1"),
        "{}",
        connection.uri
    );
    let page = proxy.metrics_with(wanted).await;
    let log = proxy.log();
    drop(proxy);
    broker.shutdown().await;
    (page, log)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write geoip file");
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_counted_by_the_clients_country() {
    init_logs();
    let dir = std::env::temp_dir().join(format!("sf-proxy-geoip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let v4 = write(&dir, "geoip", LOOPBACK_V4);
    let v6 = write(&dir, "geoip6", SOME_V6);

    let wanted = "tor_snowflake_proxy_connections_total{country=\"AQ\"} 1";
    let (page, log) = relay_one_client(&["-geoipdb", &v4, "--geoip6db", &v6], false, wanted).await;
    assert_eq!(connection_series(&page), [wanted], "{page}");
    assert!(!log.contains("Error loading geoip db"), "{log}");
    // Scrubbed: the client line does not show the client's address.
    let client_lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("client connected"))
        .collect();
    assert_eq!(client_lines.len(), 1, "{log}");
    assert!(!client_lines[0].contains("127.0.0.1"), "{log}");

    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_geoip_files_are_not_fatal() {
    init_logs();
    let dir = std::env::temp_dir().join(format!("sf-proxy-nogeoip-{}", std::process::id()));
    let v4 = dir.join("no-geoip").display().to_string();
    let v6 = dir.join("no-geoip6").display().to_string();
    let wanted = "tor_snowflake_proxy_connections_total{country=\"\"} 1";
    let (page, log) = relay_one_client(&["-geoipdb", &v4, "-geoip6db", &v6], true, wanted).await;
    assert_eq!(connection_series(&page), [wanted], "{page}");
    // Reported, as upstream does when metrics are on, and the proxy ran.
    assert_eq!(
        log.matches("Error loading geoip db for country based metrics")
            .count(),
        2,
        "{log}"
    );
    // With -unsafe-logging the client's address is shown.
    assert!(
        log.lines()
            .any(|line| line.contains("client connected") && line.contains("127.0.0.1")),
        "{log}"
    );
}
