//! The server's command line takes the spellings every program takes
//! alike: Go's boolean flags and durations, one or two dashes, listen
//! addresses.

use std::time::Duration;

use snowflake_common::cli::GoFlags;
use snowflake_server::cli::{Args, CliError};
use snowflake_server::pt::PtOptions;
use snowflake_server::{Limits, Timeouts};

fn parse(args: &[&str]) -> Args {
    Args::parse_go_style(std::iter::once("snowflake-server").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn options(args: &[&str]) -> Result<PtOptions, CliError> {
    parse(args).pt_options()
}

/// Each boolean flag as `-flag`, `--flag`, `-flag=true`, `-flag=false`,
/// `-flag false` and Go's other spellings.
#[test]
fn every_boolean_flag_takes_go_s_spellings() {
    snowflake_testkit::cli::assert_go_boolean_flags::<Args>(
        "snowflake-server",
        &["disable-tls", "unsafe-logging", "version"],
    );
}

/// Refused by the server before issue 16.
#[test]
fn unsafe_logging_and_disable_tls_in_every_spelling() {
    for (arg, expected) in [
        ("-unsafe-logging", true),
        ("--unsafe-logging", true),
        ("-unsafe-logging=true", true),
        ("--unsafe-logging=true", true),
        ("-unsafe-logging=false", false),
        ("--unsafe-logging=false", false),
    ] {
        assert_eq!(parse(&[arg]).unsafe_logging, expected, "{arg}");
    }
    for arg in [
        "-disable-tls",
        "--disable-tls",
        "-disable-tls=true",
        "--disable-tls=1",
    ] {
        assert_eq!(options(&[arg]).unwrap().tls, None, "{arg}");
    }
    assert_eq!(
        options(&["-disable-tls=false"]).unwrap_err(),
        CliError::NoTls
    );
}

#[test]
fn defaults() {
    let options = options(&["-disable-tls"]).unwrap();
    assert_eq!(options.limits, Limits::default());
    assert_eq!(options.timeouts, Timeouts::default());
    assert_eq!(options.metrics_address, None);
    assert_eq!(options.num_turbotunnel, None);
    assert_eq!(options.ext_orport, None);
}

#[test]
fn idle_timeout_in_seconds_or_go_s_syntax() {
    for (value, expected) in [
        ("120", Duration::from_secs(120)),
        ("30", Duration::from_secs(30)),
        ("1.5s", Duration::from_millis(1500)),
        ("2m", Duration::from_secs(120)),
        ("1h2m", Duration::from_secs(3720)),
    ] {
        let idle = options(&["-disable-tls", "-idle-timeout", value])
            .unwrap()
            .timeouts
            .idle;
        assert_eq!(idle, expected, "{value}");
    }
    for bad in ["-1s", "soon", "1.5"] {
        assert!(
            Args::parse_go_style(["snowflake-server", "-idle-timeout", bad]).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn every_flag_in_both_spellings() {
    for dash in ["-", "--"] {
        let f = |name: &str| format!("{dash}{name}");
        let owned = [
            f("cert"),
            "cert.pem".into(),
            f("key=key.pem"),
            f("log"),
            "server.log".into(),
            f("metrics-address"),
            "127.0.0.1:9110".into(),
            f("num-turbotunnel"),
            "4".into(),
            f("ext-orport"),
            "unix:/run/tor/extorport".into(),
            f("max-sessions"),
            "10".into(),
            f("max-streams-per-session=2"),
            f("max-connections"),
            "20".into(),
            f("queue-size"),
            "30".into(),
            f("max-message-size"),
            "4096".into(),
            f("idle-timeout=90s"),
        ];
        let args: Vec<&str> = owned.iter().map(String::as_str).collect();
        let args = parse(&args);
        assert_eq!(
            args.log.as_deref(),
            Some(std::path::Path::new("server.log"))
        );
        let o = args.pt_options().unwrap();
        let tls = o.tls.expect("TLS files");
        assert_eq!(tls.cert, std::path::Path::new("cert.pem"));
        assert_eq!(tls.key, std::path::Path::new("key.pem"));
        assert_eq!(o.metrics_address, Some("127.0.0.1:9110".parse().unwrap()));
        assert_eq!(o.num_turbotunnel, Some(4));
        assert_eq!(o.ext_orport.as_deref(), Some("unix:/run/tor/extorport"));
        assert_eq!(o.limits.max_sessions, 10);
        assert_eq!(o.limits.max_streams_per_session, 2);
        assert_eq!(o.limits.max_connections, 20);
        assert_eq!(o.limits.queue_packets, 30);
        assert_eq!(o.limits.max_message_size, 4096);
        assert_eq!(o.timeouts.idle, Duration::from_secs(90));
    }
}

#[test]
fn metrics_listen_addresses_as_go_takes_them() {
    let metrics = |value: &str| {
        options(&["-disable-tls", "-metrics-address", value])
            .unwrap()
            .metrics_address
    };
    assert_eq!(metrics(":9110"), Some("[::]:9110".parse().unwrap()));
    assert_eq!(metrics("[::1]:9110"), Some("[::1]:9110".parse().unwrap()));
    assert!(metrics("localhost:9110").unwrap().ip().is_loopback());
    assert!(Args::parse_go_style(["snowflake-server", "-metrics-address", "9110"]).is_err());
}

#[test]
fn conflicting_flags_are_refused() {
    assert_eq!(options(&[]).unwrap_err(), CliError::NoTls);
    assert_eq!(
        options(&["-disable-tls", "-cert", "c", "-key", "k"]).unwrap_err(),
        CliError::TlsAndNoTls
    );
    assert_eq!(
        options(&[
            "-acme-hostnames",
            "snowflake.example.com",
            "-cert",
            "c",
            "-key",
            "k"
        ])
        .unwrap_err(),
        CliError::AcmeWithCert
    );
    assert!(Args::parse_go_style(["snowflake-server", "-cert", "c"]).is_err());
    assert!(Args::parse_go_style(["snowflake-server", "-num-turbotunnel", "0"]).is_err());
}
