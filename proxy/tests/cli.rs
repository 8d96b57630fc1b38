//! The command line: upstream's flag names in single- and double-dash
//! spelling, validation, `-version`, and the binary stopping on SIGTERM.

use std::io::BufRead;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use snowflake_common::cli::GoFlags;
use snowflake_common::messages::ProxyType;
use snowflake_proxy::cli::{Args, CliError};
use snowflake_proxy::config::{DEFAULT_BROKER_URL, DEFAULT_NAT_PROBE_URL, DEFAULT_RELAY_URL};
use snowflake_rtc::covert::config::parse_fingerprint;
use snowflake_rtc::{CovertDtlsConfig, CovertDtlsMode};

/// A DTLS ClientHello body in upstream's `covertdtls-fingerprint` form.
const HELLO: &str = "fefd46d25ef57649ecfd0fc17d5d933462d70770ea629a4d74a9b7567cc5714fd59500000016c02bc02fcca9cca8c009c013c00ac014009c002f00350100004400170000ff01000100000a00080006001d00170018000b0002010000230000000d00140012040308040401050308050501080606010201000e0009000600010008000700";

fn settings(args: &[&str]) -> Result<snowflake_proxy::cli::Settings, CliError> {
    let mut all = vec!["snowflake-proxy"];
    all.extend_from_slice(args);
    Args::parse_go_style(all)
        .expect("flags parse")
        .into_settings()
}

#[test]
fn defaults_are_upstreams() {
    let s = settings(&[]).unwrap();
    let c = &s.config;
    assert_eq!(c.broker_url, DEFAULT_BROKER_URL);
    assert_eq!(c.default_relay_url, DEFAULT_RELAY_URL);
    assert_eq!(
        c.stun_urls,
        [
            "stun:stun.l.google.com:19302",
            "stun:stun.voip.blackberry.com:3478"
        ]
    );
    assert_eq!(c.capacity, 0);
    assert_eq!(
        c.allowed_relay_pattern.to_string(),
        "snowflake.torproject.net$"
    );
    assert!(!c.allow_non_tls_relay && !c.allow_proxying_to_private_addresses);
    assert!(!c.keep_local_addresses && !c.loopback_only && !c.unsafe_logging);
    assert_eq!(c.nat_probe_url.as_deref(), Some(DEFAULT_NAT_PROBE_URL));
    assert_eq!(c.nat_retest_interval, Duration::from_secs(86400));
    assert_eq!(c.summary_interval, Duration::from_secs(3600));
    assert_eq!(c.poll_interval, Duration::from_secs(5));
    assert_eq!(c.metrics_addr, None);
    assert_eq!(c.proxy_type, ProxyType::Standalone);
    assert_eq!(c.covert_dtls, CovertDtlsConfig::proxy_default());
    assert_eq!(c.covert_dtls.mode(), CovertDtlsMode::RandomizeMimic);
    assert!(!s.verbose && !s.version && s.log_file.is_none());
}

#[test]
fn every_flag_in_both_spellings() {
    for dash in ["-", "--"] {
        let f = |name: &str| format!("{dash}{name}");
        let owned = [
            f("broker"),
            "http://127.0.0.1:8080/".into(),
            f("relay"),
            "ws://127.0.0.1:9000/".into(),
            f("stun"),
            "stun:127.0.0.1:3478, stun:127.0.0.1:3479".into(),
            f("capacity"),
            "7".into(),
            f("keep-local-addresses"),
            f("ephemeral-ports-range"),
            "10000:10100".into(),
            f("allowed-relay-hostname-pattern"),
            "^127.0.0.1$".into(),
            f("allow-non-tls-relay"),
            f("allow-proxying-to-private-addresses"),
            f("nat-probe-server"),
            "http://127.0.0.1:8443/probe".into(),
            format!("{}=0s", f("nat-retest-interval")),
            f("summary-interval"),
            "90s".into(),
            f("unsafe-logging=true"),
            f("log"),
            "/tmp/proxy.log".into(),
            f("verbose"),
            f("metrics"),
            f("metrics-address"),
            "127.0.0.1".into(),
            f("metrics-port"),
            "9123".into(),
            f("poll-interval"),
            "3s".into(),
            f("loopback-only"),
            f("drain-timeout"),
            "1m".into(),
            format!("{}=Mimic", f("covertdtls-config")),
            f("covertdtls-fingerprint"),
            HELLO.into(),
        ];
        let args: Vec<&str> = owned.iter().map(String::as_str).collect();
        let s = settings(&args).unwrap_or_else(|e| panic!("{dash}: {e}"));
        let c = &s.config;
        assert_eq!(c.broker_url, "http://127.0.0.1:8080/");
        assert_eq!(c.default_relay_url, "ws://127.0.0.1:9000/");
        assert_eq!(c.stun_urls, ["stun:127.0.0.1:3478", "stun:127.0.0.1:3479"]);
        assert_eq!(c.capacity, 7);
        assert!(c.keep_local_addresses);
        assert_eq!(c.ephemeral_ports, Some((10000, 10100)));
        assert_eq!(c.allowed_relay_pattern.to_string(), "^127.0.0.1$");
        assert!(c.allow_non_tls_relay && c.allow_proxying_to_private_addresses);
        assert_eq!(
            c.nat_probe_url.as_deref(),
            Some("http://127.0.0.1:8443/probe")
        );
        assert_eq!(c.nat_retest_interval, Duration::ZERO);
        assert_eq!(c.summary_interval, Duration::from_secs(90));
        assert!(c.unsafe_logging && c.loopback_only);
        assert_eq!(
            s.log_file.as_deref(),
            Some(std::path::Path::new("/tmp/proxy.log"))
        );
        assert!(s.verbose);
        assert_eq!(c.metrics_addr, Some("127.0.0.1:9123".parse().unwrap()));
        assert_eq!(c.poll_interval, Duration::from_secs(3));
        assert_eq!(c.drain_timeout, Duration::from_secs(60));
        assert_eq!(c.covert_dtls.mode(), CovertDtlsMode::Mimic);
        assert_eq!(
            c.covert_dtls.fingerprint(),
            parse_fingerprint(HELLO).unwrap().as_deref()
        );
        assert_eq!(c.rtc_config().covert_dtls(), &c.covert_dtls);
    }
}

#[test]
fn covert_dtls_flags() {
    for (value, mode) in [
        ("disable", CovertDtlsMode::Disable),
        ("mimic", CovertDtlsMode::Mimic),
        ("RANDOMIZE", CovertDtlsMode::Randomize),
        ("randomizemimic", CovertDtlsMode::RandomizeMimic),
        // Empty: the proxy's default.
        ("", CovertDtlsMode::RandomizeMimic),
    ] {
        let s = settings(&["-covertdtls-config", value]).unwrap();
        assert_eq!(s.config.covert_dtls.mode(), mode, "{value:?}");
        assert_eq!(s.config.covert_dtls.fingerprint(), None);
    }
}

#[test]
fn go_style_boolean_values() {
    let s = settings(&["-unsafe-logging=false", "-allow-non-tls-relay=true"]).unwrap();
    assert!(!s.config.unsafe_logging);
    assert!(s.config.allow_non_tls_relay);
    // An empty probe URL disables probing.
    let s = settings(&["-nat-probe-server", ""]).unwrap();
    assert_eq!(s.config.nat_probe_url, None);
}

/// Each boolean flag as `-flag`, `--flag`, `-flag=true`, `-flag=false`,
/// `-flag false` and Go's other spellings.
#[test]
fn every_boolean_flag_takes_go_s_spellings() {
    snowflake_testkit::cli::assert_go_boolean_flags::<Args>(
        "snowflake-proxy",
        &[
            "unsafe-logging",
            "version",
            "log-local-time",
            "disable-stats-logger",
            "keep-local-addresses",
            "verbose",
            "metrics",
            "datagrams",
        ],
    );
}

#[test]
fn log_local_time_and_disable_stats_logger() {
    let s = settings(&[]).unwrap();
    assert!(!s.log_local_time);
    assert_eq!(s.config.summary_interval, Duration::from_secs(3600));
    for (args, local) in [
        (&["-log-local-time"][..], true),
        (&["--log-local-time=true"][..], true),
        (&["-log-local-time=false"][..], false),
    ] {
        assert_eq!(settings(args).unwrap().log_local_time, local, "{args:?}");
    }
    // Upstream's -disable-stats-logger drops the periodic summary lines,
    // whatever -summary-interval says.
    for args in [
        &["-disable-stats-logger"][..],
        &["-summary-interval", "1m", "--disable-stats-logger=true"][..],
    ] {
        assert_eq!(
            settings(args).unwrap().config.summary_interval,
            Duration::ZERO,
            "{args:?}"
        );
    }
    assert_eq!(
        settings(&["-summary-interval", "1m", "-disable-stats-logger=false"])
            .unwrap()
            .config
            .summary_interval,
        Duration::from_secs(60)
    );
}

/// `-outbound-address` is read and checked as upstream does (an address;
/// not with `-keep-local-addresses`) and reaches the WebRTC configuration
/// as the address of the host candidates (proxy/tests/outbound_address.rs
/// shows it in a real answer).
#[test]
fn outbound_address() {
    assert!(settings(&["-outbound-address", ""]).is_ok());
    assert!(settings(&["-outbound-address="]).is_ok());
    assert_eq!(
        settings(&["-outbound-address", "bridge.example"]).unwrap_err(),
        CliError::OutboundAddress("bridge.example".into())
    );
    assert_eq!(
        settings(&["-outbound-address", "192.0.2.7", "-keep-local-addresses"]).unwrap_err(),
        CliError::OutboundWithLocalAddresses
    );
    for address in ["192.0.2.7", "2001:db8::7"] {
        let config = settings(&["--outbound-address", address]).unwrap().config;
        let expected: std::net::IpAddr = address.parse().unwrap();
        assert_eq!(config.outbound_address, Some(expected));
        assert_eq!(config.rtc_config().host_address(), Some(expected));
    }
}

/// `-geoipdb` and `-geoip6db` default to tor's files, as upstream's.
#[test]
fn geoip_files() {
    let config = settings(&[]).unwrap().config;
    assert_eq!(
        config.geoipdb,
        std::path::PathBuf::from("/usr/share/tor/geoip")
    );
    assert_eq!(
        config.geoip6db,
        std::path::PathBuf::from("/usr/share/tor/geoip6")
    );
    let config = settings(&["-geoipdb", "/g4", "--geoip6db=/g6"])
        .unwrap()
        .config;
    assert_eq!(config.geoipdb, std::path::PathBuf::from("/g4"));
    assert_eq!(config.geoip6db, std::path::PathBuf::from("/g6"));
}

#[test]
fn unsafe_logging_in_every_spelling() {
    for (arg, expected) in [
        ("-unsafe-logging", true),
        ("--unsafe-logging", true),
        ("-unsafe-logging=true", true),
        ("--unsafe-logging=true", true),
        ("-unsafe-logging=false", false),
        ("--unsafe-logging=false", false),
    ] {
        assert_eq!(
            settings(&[arg]).unwrap().config.unsafe_logging,
            expected,
            "{arg}"
        );
    }
}

#[test]
fn every_duration_flag_takes_go_s_syntax() {
    let s = settings(&[
        "-nat-retest-interval",
        "1.5s",
        "-summary-interval=1h2m",
        "--poll-interval",
        "2.5s",
        "--drain-timeout=300ms",
    ])
    .unwrap();
    assert_eq!(s.config.nat_retest_interval, Duration::from_millis(1500));
    assert_eq!(s.config.summary_interval, Duration::from_secs(3720));
    assert_eq!(s.config.poll_interval, Duration::from_millis(2500));
    assert_eq!(s.config.drain_timeout, Duration::from_millis(300));
    for flag in [
        "-nat-retest-interval",
        "-summary-interval",
        "-poll-interval",
        "-drain-timeout",
    ] {
        assert!(
            Args::parse_go_style(["snowflake-proxy", flag, "-1s"]).is_err(),
            "{flag}"
        );
        assert!(
            Args::parse_go_style(["snowflake-proxy", flag, "5"]).is_err(),
            "{flag}"
        );
    }
}

#[test]
fn bad_values_are_refused() {
    assert_eq!(
        settings(&["-poll-interval", "1s"]).unwrap_err(),
        CliError::PollInterval
    );
    assert!(matches!(
        settings(&["-ephemeral-ports-range", "200:100"]),
        Err(CliError::PortRange(_))
    ));
    assert!(matches!(
        settings(&[
            "-allowed-relay-hostname-pattern",
            "snowflake.torproject.net"
        ]),
        Err(CliError::Pattern(_))
    ));
    assert_eq!(settings(&["-stun", ""]).unwrap_err(), CliError::NoStun);
    let error = settings(&["-covertdtls-config", "sometimes"]).unwrap_err();
    assert!(
        matches!(
            error,
            CliError::CovertDtls {
                flag: "covertdtls-config",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("randomizemimic"), "{error}");
    for bad in ["zz", "0303", "fefd"] {
        assert!(
            matches!(
                settings(&["-covertdtls-fingerprint", bad]),
                Err(CliError::CovertDtls {
                    flag: "covertdtls-fingerprint",
                    ..
                })
            ),
            "{bad}"
        );
    }
    assert!(Args::parse_go_style(["snowflake-proxy", "-capacity", "many"]).is_err());
    assert!(Args::parse_go_style(["snowflake-proxy", "-no-such-flag"]).is_err());
}

const BINARY: &str = env!("CARGO_BIN_EXE_snowflake-proxy");

/// `-version` prints `snowflake-proxy <version>` and a newline to stderr
/// and exits with 0, whatever else is on the line, as upstream does.
#[test]
fn version_flag() {
    for args in [
        &["-version"][..],
        &["--version=true"][..],
        &["-version", "-poll-interval", "1ms"][..],
    ] {
        let output = Command::new(BINARY).args(args).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            format!("snowflake-proxy {}\n", env!("CARGO_PKG_VERSION")),
            "{args:?}"
        );
    }
}

#[test]
fn bad_flag_value_exits_with_an_error() {
    let output = Command::new(BINARY)
        .args(["-poll-interval", "100ms"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("poll-interval"));
    let output = Command::new(BINARY)
        .args(["-covertdtls-config", "sometimes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("covertdtls-config"));
}

/// Runs the binary against a broker address where nothing listens, waits
/// for it to start, sends SIGTERM, and returns its exit status and stderr.
fn run_and_terminate(extra: &[&str]) -> (std::process::ExitStatus, String) {
    run_until(extra, &[], "Proxy starting")
}

/// As [`run_and_terminate`], with `env` added to the environment and
/// SIGTERM sent once a stderr line contains `ready`.
fn run_until(
    extra: &[&str],
    env: &[(&str, &str)],
    ready: &str,
) -> (std::process::ExitStatus, String) {
    // A port that was free a moment ago: polls fail, which is fine here.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let broker = format!("http://127.0.0.1:{port}/");
    let mut child = Command::new(BINARY)
        .args([
            "-broker",
            &broker,
            "-loopback-only",
            "-nat-probe-server",
            "",
            "-summary-interval",
            "0s",
        ])
        .args(extra)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let ready = ready.to_owned();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            // "Proxy starting" is logged after the signal handlers are
            // installed.
            if line.contains(&ready) {
                let _ = started_tx.send(());
            }
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    // Hang guard only; no timing is asserted.
    if started_rx.recv_timeout(Duration::from_secs(60)).is_err() {
        let _ = child.kill();
        panic!("the proxy did not start: {}", reader.join().unwrap());
    }
    // SAFETY: kill has no memory-safety preconditions; the pid is our child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the proxy did not exit after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status, reader.join().unwrap())
}

#[test]
fn sigterm_stops_the_binary_and_prints_totals() {
    let (status, stderr) = run_and_terminate(&[]);
    assert!(status.success(), "{status}\n{stderr}");
    assert!(stderr.contains("Proxy starting"), "{stderr}");
    assert!(stderr.contains("shutting down"), "{stderr}");
    assert!(stderr.contains("proxy stopped"), "{stderr}");
    // The totals since the start, after everything else.
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.contains(
            ": 0 completed successful connections in total. Traffic Relayed ↓ 0 KB, ↑ 0 KB."
        ),
        "{stderr}"
    );
    assert!(last.contains("Stopped after "), "{stderr}");
    // The broker is the operator's own setting: its address is not
    // scrubbed (client addresses are: tests/operations.rs, and the
    // writer's own tests in common::safelog).
    assert!(stderr.contains("broker=http://127.0.0.1:"), "{stderr}");
    assert!(!stderr.contains("[scrubbed]"), "{stderr}");

    let (status, stderr) = run_and_terminate(&["-unsafe-logging"]);
    assert!(status.success(), "{status}\n{stderr}");
    assert!(stderr.contains("127.0.0.1"), "{stderr}");
}

/// The timestamp that starts a log line.
fn timestamp(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or_default()
}

/// With `-log`, everything goes to the file and the operator's lines
/// (start, summaries, totals) to stderr as well, as upstream writes them.
#[test]
fn log_file_gets_everything_and_stderr_the_operator_lines() {
    let dir = std::env::temp_dir().join(format!(
        "snowflake-proxy-log-{}-{:x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("proxy.log");
    let log_text = log.to_str().unwrap().to_owned();
    // A summary every second; SIGTERM once one has reached stderr.
    let (status, stderr) = run_until(
        &["-log", &log_text, "-summary-interval", "1s"],
        &[],
        "In the last ",
    );
    assert!(status.success(), "{status}\n{stderr}");
    let file = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    for line in ["Proxy starting", "In the last ", "Stopped after "] {
        assert!(stderr.contains(line), "{line:?} not on stderr:\n{stderr}");
        assert!(file.contains(line), "{line:?} not in the file:\n{file}");
    }
    // The rest only in the file.
    for line in ["shutting down", "proxy stopped"] {
        assert!(file.contains(line), "{line:?} not in the file:\n{file}");
        assert!(!stderr.contains(line), "{line:?} on stderr:\n{stderr}");
    }
}

/// Timestamps are UTC (`…Z`) unless `-log-local-time`, which writes
/// local time with its offset and says so at start.
#[test]
fn log_local_time_writes_local_timestamps() {
    // POSIX TZ: five hours east of UTC, no daylight saving.
    let tz = [("TZ", "XYZ-5")];
    let (status, stderr) = run_until(&[], &tz, "Proxy starting");
    assert!(status.success(), "{status}\n{stderr}");
    for line in stderr.lines() {
        let stamp = timestamp(line);
        assert!(stamp.ends_with('Z') && stamp.len() == 27, "{line}");
    }
    assert!(!stderr.contains("local time"), "{stderr}");

    let (status, stderr) = run_until(&["-log-local-time"], &tz, "Proxy starting");
    assert!(status.success(), "{status}\n{stderr}");
    assert!(stderr.contains("logging in local time"), "{stderr}");
    for line in stderr.lines() {
        let stamp = timestamp(line);
        assert!(stamp.ends_with("+05:00") && stamp.len() == 32, "{line}");
        assert_eq!(&stamp[10..11], "T", "{line}");
    }
}
