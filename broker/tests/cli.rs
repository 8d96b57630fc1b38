//! The broker's command line takes the spellings every program takes
//! alike: Go's boolean flags and durations, one or two dashes.

use std::time::Duration;

use snowflake_broker::cli::Args;
use snowflake_broker::BrokerConfig;
use snowflake_common::cli::GoFlags;

fn config(args: &[&str]) -> BrokerConfig {
    let all = ["snowflake-broker", "-disable-tls", "-disable-geoip"]
        .into_iter()
        .chain(args.iter().copied());
    Args::parse_go_style(all)
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
        .into_settings()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
        .config
}

/// Each boolean flag as `-flag`, `--flag`, `-flag=true`, `-flag=false`,
/// `-flag false` and Go's other spellings.
#[test]
fn every_boolean_flag_takes_go_s_spellings() {
    snowflake_testkit::cli::assert_go_boolean_flags::<Args>(
        "snowflake-broker",
        &["disable-tls", "disable-geoip", "unsafe-logging"],
    );
}

/// Refused by the broker before issue 16.
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
        assert_eq!(config(&[arg]).unsafe_logging, expected, "{arg}");
    }
}

/// `-client-timeout 1.5s` was refused by the broker before issue 16.
#[test]
fn every_duration_flag_takes_go_s_syntax() {
    let c = config(&[
        "-client-timeout",
        "1.5s",
        "-proxy-timeout=300ms",
        "--metrics-interval",
        "1h2m",
    ]);
    assert_eq!(c.client_timeout, Duration::from_millis(1500));
    assert_eq!(c.proxy_timeout, Duration::from_millis(300));
    assert_eq!(c.metrics_log_interval, Duration::from_secs(3720));
    for flag in ["-client-timeout", "-proxy-timeout", "-metrics-interval"] {
        for bad in ["-1s", "5", "soon"] {
            assert!(
                Args::parse_go_style(["snowflake-broker", flag, bad]).is_err(),
                "{flag} {bad}"
            );
        }
    }
}

#[test]
fn listen_addresses_as_go_takes_them() {
    assert_eq!(
        config(&["-addr", ":8080"]).listen_addr,
        "[::]:8080".parse().unwrap()
    );
    assert_eq!(
        config(&["-addr=127.0.0.1:8080"]).listen_addr,
        "127.0.0.1:8080".parse().unwrap()
    );
    assert_eq!(
        config(&["--addr", "[::1]:8080"]).listen_addr,
        "[::1]:8080".parse().unwrap()
    );
    assert!(config(&["-addr", "localhost:8080"])
        .listen_addr
        .ip()
        .is_loopback());
    assert!(Args::parse_go_style(["snowflake-broker", "-addr", "8080"]).is_err());
}

#[test]
fn version_and_help() {
    snowflake_testkit::cli::assert_version_and_help::<Args>("snowflake-broker");
}
