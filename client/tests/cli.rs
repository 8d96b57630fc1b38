//! The client's command line takes the spellings every program takes
//! alike: Go's boolean flags, one or two dashes, listen addresses.

use snowflake_client::cli::Args;
use snowflake_common::cli::GoFlags;
use snowflake_rtc::covert::config::parse_fingerprint;
use snowflake_rtc::{CovertDtlsConfig, CovertDtlsMode};

/// A DTLS ClientHello body in upstream's `covertdtls-fingerprint` form.
const HELLO: &str = "fefd46d25ef57649ecfd0fc17d5d933462d70770ea629a4d74a9b7567cc5714fd59500000016c02bc02fcca9cca8c009c013c00ac014009c002f00350100004400170000ff01000100000a00080006001d00170018000b0002010000230000000d00140012040308040401050308050501080606010201000e0009000600010008000700";

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
            "datagrams",
            "logToStateDir",
            "keepLocalAddresses",
        ],
    );
}

/// Upstream's deprecated camel-case spellings still work, each as its
/// new flag does.
#[test]
fn deprecated_camel_case_flags() {
    let keep = |args: &[&str]| {
        let mut all = vec!["-url", "https://broker.example/"];
        all.extend_from_slice(args);
        parse(&all).client_config().unwrap().keep_local_addresses
    };
    assert!(!keep(&[]));
    assert!(keep(&["-keepLocalAddresses"]));
    assert!(keep(&["--keepLocalAddresses=true"]));
    assert!(!keep(&["-keepLocalAddresses=false"]));
    assert!(keep(&[
        "-keepLocalAddresses=false",
        "-keep-local-addresses"
    ]));
    assert_eq!(
        parse(&["-keepLocalAddresses"])
            .client_config()
            .unwrap()
            .rtc_config(),
        parse(&["-keep-local-addresses"])
            .client_config()
            .unwrap()
            .rtc_config()
    );

    let state = Some(std::ffi::OsString::from("/var/lib/tor/pt_state"));
    let log_path = |args: &[&str], state: Option<std::ffi::OsString>| parse(args).log_path(state);
    let in_state = Some(std::path::PathBuf::from("/var/lib/tor/pt_state/client.log"));
    for flag in [
        "-logToStateDir",
        "-log-to-state-dir",
        "--logToStateDir=true",
    ] {
        assert_eq!(
            log_path(&["-log", "client.log", flag], state.clone()),
            Ok(in_state.clone()),
            "{flag}"
        );
        // Without -log there is no file, state directory or not.
        assert_eq!(log_path(&[flag], None), Ok(None), "{flag}");
        // Asked for, but tor gave no state directory.
        let error = log_path(&["-log", "client.log", flag], None).unwrap_err();
        assert!(error.contains("TOR_PT_STATE_LOCATION"), "{error}");
    }
    assert_eq!(
        log_path(&["-log", "client.log", "-logToStateDir=false"], state),
        Ok(Some(std::path::PathBuf::from("client.log")))
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
            f("covertdtls-config"),
            "RandomizeMimic".into(),
            format!("{}={HELLO}", f("covertdtls-fingerprint")),
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
        assert_eq!(c.covert_dtls.mode(), CovertDtlsMode::RandomizeMimic);
        assert_eq!(
            c.covert_dtls.fingerprint(),
            parse_fingerprint(HELLO).unwrap().as_deref()
        );
    }
}

#[test]
fn covert_dtls_flags() {
    let config = |args: &[&str]| {
        let mut all = vec!["-url", "https://broker.example/"];
        all.extend_from_slice(args);
        parse(&all).client_config()
    };
    // Default, and an empty value: the client's default.
    assert_eq!(
        config(&[]).unwrap().covert_dtls,
        CovertDtlsConfig::client_default()
    );
    assert_eq!(
        config(&["-covertdtls-config="]).unwrap().covert_dtls.mode(),
        CovertDtlsMode::Mimic
    );
    for (value, mode) in [
        ("disable", CovertDtlsMode::Disable),
        ("MIMIC", CovertDtlsMode::Mimic),
        ("randomize", CovertDtlsMode::Randomize),
        ("randomizemimic", CovertDtlsMode::RandomizeMimic),
    ] {
        let c = config(&["-covertdtls-config", value]).unwrap();
        assert_eq!(c.covert_dtls.mode(), mode, "{value}");
        assert_eq!(c.rtc_config().covert_dtls(), &c.covert_dtls);
    }
    let c = config(&["--covertdtls-fingerprint", HELLO]).unwrap();
    assert_eq!(c.covert_dtls.mode(), CovertDtlsMode::Mimic);
    assert!(c.covert_dtls.fingerprint().is_some());
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
    // -max as upstream reads it (less than 1 is 1), capped at 16.
    for (value, expected) in [("0", 1), ("-2", 1), ("3", 3), ("16", 16), ("100", 16)] {
        let config = parse(&["-max", value]).client_config().unwrap();
        assert_eq!(config.max_proxies, expected, "{value}");
    }
    assert!(parse(&["-fingerprint", "zz"]).client_config().is_err());
    let error = parse(&["-covertdtls-config", "sometimes"])
        .client_config()
        .unwrap_err();
    assert!(
        error.starts_with("-covertdtls-config: ") && error.contains("randomizemimic"),
        "{error}"
    );
    for bad in ["zz", "0303", "fefd"] {
        let error = parse(&["-covertdtls-fingerprint", bad])
            .client_config()
            .unwrap_err();
        assert!(error.starts_with("-covertdtls-fingerprint: "), "{error}");
    }
    assert!(Args::parse_go_style(["snowflake-client", "-max", "many"]).is_err());
    assert!(Args::parse_go_style(["snowflake-client", "-no-such-flag"]).is_err());
}
