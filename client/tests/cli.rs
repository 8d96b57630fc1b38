//! The client's command line takes the spellings every program takes
//! alike: Go's boolean flags, one or two dashes, listen addresses.

use snowflake_client::cli::Args;
use snowflake_common::cli::GoFlags;

fn parse(args: &[&str]) -> Args {
    Args::parse_go_style(std::iter::once("snowflake-client").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// Each boolean flag as `-flag`, `--flag`, `-flag=true`, `-flag=false`,
/// `-flag false` and Go's other spellings.
#[test]
fn every_boolean_flag_takes_go_s_spellings() {
    snowflake_testkit::cli::assert_go_boolean_flags::<Args>(
        "snowflake-client",
        &[
            "striping",
            "keep-local-addresses",
            "loopback-only",
            "log-to-state-dir",
            "unsafe-logging",
            "version",
        ],
    );
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
        let config = parse(&["-url", "https://broker.example/", arg])
            .client_config()
            .unwrap();
        assert_eq!(config.unsafe_logging, expected, "{arg}");
    }
}

#[test]
fn every_flag_in_both_spellings() {
    for dash in ["-", "--"] {
        let f = |name: &str| format!("{dash}{name}");
        let owned = [
            f("url"),
            "https://broker.example/".into(),
            f("front=a.example,b.example"),
            f("ampcache"),
            "https://cdn.ampproject.org/".into(),
            f("ice"),
            "stun:s.example:3478,turn:t.example".into(),
            f("max"),
            "3".into(),
            f("striping"),
            f("fingerprint"),
            "8838024498816A039FCBBAB14E6F40A0843051FA".into(),
            f("keep-local-addresses=true"),
            f("loopback-only"),
            f("log"),
            "client.log".into(),
            f("log-to-state-dir=false"),
            f("socks"),
            "127.0.0.1:1080".into(),
        ];
        let args: Vec<&str> = owned.iter().map(String::as_str).collect();
        let args = parse(&args);
        assert_eq!(args.socks, Some("127.0.0.1:1080".parse().unwrap()));
        assert_eq!(
            args.log.as_deref(),
            Some(std::path::Path::new("client.log"))
        );
        assert!(!args.log_to_state_dir && !args.version);
        let c = args.client_config().unwrap();
        assert_eq!(c.broker_url.as_deref(), Some("https://broker.example/"));
        assert_eq!(c.fronts, ["a.example", "b.example"]);
        assert_eq!(c.amp_cache.as_deref(), Some("https://cdn.ampproject.org/"));
        assert_eq!(c.ice_servers, ["stun:s.example:3478"]);
        assert_eq!(c.max_proxies, 3);
        assert!(c.striping && c.keep_local_addresses && c.loopback_only);
        assert!(!c.unsafe_logging);
    }
}

#[test]
fn socks_listen_addresses_as_go_takes_them() {
    assert_eq!(
        parse(&["-socks", ":1080"]).socks,
        Some("[::]:1080".parse().unwrap())
    );
    assert_eq!(
        parse(&["-socks=[::1]:1080"]).socks,
        Some("[::1]:1080".parse().unwrap())
    );
    let local = parse(&["-socks", "localhost:1080"]).socks.unwrap();
    assert!(local.ip().is_loopback() && local.port() == 1080, "{local}");
    assert!(Args::parse_go_style(["snowflake-client", "-socks", "1080"]).is_err());
}

#[test]
fn bad_values_are_refused() {
    assert!(parse(&["-max", "0"]).client_config().is_err());
    assert!(parse(&["-fingerprint", "zz"]).client_config().is_err());
    assert!(Args::parse_go_style(["snowflake-client", "-max", "many"]).is_err());
    assert!(Args::parse_go_style(["snowflake-client", "-no-such-flag"]).is_err());
}
