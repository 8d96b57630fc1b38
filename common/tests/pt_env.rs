//! `TOR_PT_*` environment parsing: every success form and every error, with
//! the stdout lines the caller must print.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use snowflake_common::pt::env::{
    is_client_mode, parse_client_env, parse_server_env, EnvError, OrTarget,
};
use snowflake_common::pt::stdout::PtLine;

fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn client_base() -> HashMap<String, String> {
    vars(&[
        ("TOR_PT_MANAGED_TRANSPORT_VER", "1"),
        ("TOR_PT_CLIENT_TRANSPORTS", "snowflake,obfs4"),
        ("TOR_PT_STATE_LOCATION", "/var/lib/tor/pt_state"),
    ])
}

fn server_base() -> HashMap<String, String> {
    vars(&[
        ("TOR_PT_MANAGED_TRANSPORT_VER", "1"),
        ("TOR_PT_SERVER_TRANSPORTS", "snowflake"),
        ("TOR_PT_SERVER_BINDADDR", "snowflake-0.0.0.0:443"),
        ("TOR_PT_ORPORT", "127.0.0.1:9001"),
        ("TOR_PT_STATE_LOCATION", "/var/lib/tor/pt_state"),
    ])
}

fn with(mut base: HashMap<String, String>, pairs: &[(&str, &str)]) -> HashMap<String, String> {
    for (k, v) in pairs {
        base.insert((*k).to_owned(), (*v).to_owned());
    }
    base
}

fn without(mut base: HashMap<String, String>, key: &str) -> HashMap<String, String> {
    base.remove(key);
    base
}

#[test]
fn client_minimal() {
    let env = parse_client_env(&client_base()).unwrap();
    assert_eq!(env.transports, ["snowflake", "obfs4"]);
    assert_eq!(env.proxy, None);
    assert_eq!(
        env.common.state_location,
        Some(PathBuf::from("/var/lib/tor/pt_state"))
    );
    assert!(!env.common.exit_on_stdin_close);
    assert!(is_client_mode(&client_base()));
    assert!(!is_client_mode(&server_base()));
}

#[test]
fn client_full() {
    let env = parse_client_env(&with(
        client_base(),
        &[
            ("TOR_PT_MANAGED_TRANSPORT_VER", "2,1,3"),
            ("TOR_PT_PROXY", "socks5://user:secret@198.51.100.7:1080"),
            ("TOR_PT_EXIT_ON_STDIN_CLOSE", "1"),
            ("TOR_PT_OUTBOUND_BIND_ADDRESS_V4", "203.0.113.5"),
            ("TOR_PT_OUTBOUND_BIND_ADDRESS_V6", "[2001:db8::5]"),
        ],
    ))
    .unwrap();
    let proxy = env.proxy.unwrap();
    assert_eq!(proxy.scheme, "socks5");
    assert_eq!(proxy.username.as_deref(), Some("user"));
    assert_eq!(proxy.password.as_deref(), Some("secret"));
    assert_eq!(proxy.host_port(), "198.51.100.7:1080");
    assert!(!format!("{proxy} {proxy:?}").contains("secret"));
    assert!(env.common.exit_on_stdin_close);
    assert_eq!(
        env.common.outbound_bind_v4,
        Some("203.0.113.5".parse().unwrap())
    );
    assert_eq!(
        env.common.outbound_bind_v6,
        Some("2001:db8::5".parse().unwrap())
    );
    // Only "1" means exit on stdin close.
    let env =
        parse_client_env(&with(client_base(), &[("TOR_PT_EXIT_ON_STDIN_CLOSE", "0")])).unwrap();
    assert!(!env.common.exit_on_stdin_close);
}

#[test]
fn version_errors() {
    let err =
        parse_client_env(&without(client_base(), "TOR_PT_MANAGED_TRANSPORT_VER")).unwrap_err();
    assert_eq!(err, EnvError::Missing("TOR_PT_MANAGED_TRANSPORT_VER"));
    assert_eq!(
        err.pt_lines(),
        [PtLine::EnvError(
            "no TOR_PT_MANAGED_TRANSPORT_VER environment variable".into()
        )]
    );

    let err = parse_server_env(&with(
        server_base(),
        &[("TOR_PT_MANAGED_TRANSPORT_VER", "2,11")],
    ))
    .unwrap_err();
    assert!(matches!(err, EnvError::NoSupportedVersion { .. }));
    assert_eq!(err.pt_lines(), [PtLine::VersionError]);
    assert_eq!(err.pt_lines()[0].to_line(), "VERSION-ERROR no-version\n");
}

#[test]
fn client_errors() {
    let err = parse_client_env(&without(client_base(), "TOR_PT_CLIENT_TRANSPORTS")).unwrap_err();
    assert_eq!(err, EnvError::Missing("TOR_PT_CLIENT_TRANSPORTS"));
    assert_eq!(
        err.pt_lines(),
        [
            PtLine::Version,
            PtLine::EnvError("no TOR_PT_CLIENT_TRANSPORTS environment variable".into())
        ]
    );

    let err = parse_client_env(&with(
        client_base(),
        &[("TOR_PT_PROXY", "socks5://user:secret@198.51.100.7")],
    ))
    .unwrap_err();
    assert!(matches!(err, EnvError::BadProxy(_)));
    let lines = err.pt_lines();
    assert_eq!(lines[0], PtLine::Version);
    let PtLine::ProxyError(msg) = &lines[1] else {
        panic!("{lines:?}")
    };
    assert!(msg.contains("port"), "{msg}");
    assert!(!msg.contains("secret"));

    for (var, value) in [
        ("TOR_PT_OUTBOUND_BIND_ADDRESS_V4", "2001:db8::1"),
        ("TOR_PT_OUTBOUND_BIND_ADDRESS_V6", "1.2.3.4"),
    ] {
        let err = parse_client_env(&with(client_base(), &[(var, value)])).unwrap_err();
        assert!(
            matches!(err, EnvError::BadAddr { var: v, .. } if v == var),
            "{err}"
        );
    }
}

#[test]
fn server_minimal() {
    let env = parse_server_env(&server_base()).unwrap();
    assert_eq!(env.transports, ["snowflake"]);
    assert_eq!(env.bindaddrs.len(), 1);
    assert_eq!(env.bindaddrs[0].method_name, "snowflake");
    assert_eq!(env.bindaddrs[0].addr, addr("0.0.0.0:443"));
    assert!(env.bindaddrs[0].options.is_empty());
    assert_eq!(env.or_port, Some(addr("127.0.0.1:9001")));
    assert_eq!(env.ext_or_port, None);
    assert_eq!(
        env.or_target(),
        Some(OrTarget::Plain(addr("127.0.0.1:9001")))
    );
}

#[test]
fn server_full() {
    let env = parse_server_env(&with(
        server_base(),
        &[
            (
                "TOR_PT_SERVER_BINDADDR",
                "snowflake-[::]:443,obfs4-2001:db8::1:9443,other-127.0.0.1:1",
            ),
            ("TOR_PT_SERVER_TRANSPORTS", "snowflake,obfs4"),
            (
                "TOR_PT_SERVER_TRANSPORT_OPTIONS",
                r"snowflake:orport-srcaddr=127.0.2.0/24;obfs4:x=a\;b;snowflake:k=1",
            ),
            ("TOR_PT_EXTENDED_SERVER_PORT", "[::1]:9002"),
            (
                "TOR_PT_AUTH_COOKIE_FILE",
                "/var/lib/tor/extended_orport_auth_cookie",
            ),
        ],
    ))
    .unwrap();
    // "other" is not in TOR_PT_SERVER_TRANSPORTS and is filtered out.
    let names: Vec<_> = env
        .bindaddrs
        .iter()
        .map(|b| b.method_name.as_str())
        .collect();
    assert_eq!(names, ["snowflake", "obfs4"]);
    assert_eq!(env.bindaddrs[0].addr, addr("[::]:443"));
    assert_eq!(env.bindaddrs[1].addr, addr("[2001:db8::1]:9443"));
    assert_eq!(
        env.bindaddrs[0].options.get("orport-srcaddr"),
        Some("127.0.2.0/24")
    );
    assert_eq!(env.bindaddrs[0].options.get("k"), Some("1"));
    assert_eq!(env.bindaddrs[1].options.get("x"), Some("a;b"));
    assert_eq!(env.ext_or_port, Some(addr("[::1]:9002")));
    assert_eq!(
        env.or_target(),
        Some(OrTarget::Extended {
            addr: addr("[::1]:9002"),
            cookie_file: PathBuf::from("/var/lib/tor/extended_orport_auth_cookie"),
        })
    );
}

#[test]
fn server_ext_or_port_only_and_empty_means_none() {
    let base = with(
        without(server_base(), "TOR_PT_ORPORT"),
        &[
            ("TOR_PT_EXTENDED_SERVER_PORT", "127.0.0.1:9002"),
            ("TOR_PT_AUTH_COOKIE_FILE", "/cookie"),
        ],
    );
    let env = parse_server_env(&base).unwrap();
    assert_eq!(env.or_port, None);
    assert_eq!(env.ext_or_port, Some(addr("127.0.0.1:9002")));

    // tor sets TOR_PT_EXTENDED_SERVER_PORT= (empty) when there is no ExtORPort.
    let env =
        parse_server_env(&with(server_base(), &[("TOR_PT_EXTENDED_SERVER_PORT", "")])).unwrap();
    assert_eq!(env.ext_or_port, None);
    // A cookie file without an ExtORPort is harmless.
    let env = parse_server_env(&with(server_base(), &[("TOR_PT_AUTH_COOKIE_FILE", "/c")])).unwrap();
    assert_eq!(
        env.or_target(),
        Some(OrTarget::Plain(addr("127.0.0.1:9001")))
    );
}

fn server_err(pairs: &[(&str, &str)], remove: &[&str]) -> EnvError {
    let mut v = with(server_base(), pairs);
    for k in remove {
        v.remove(*k);
    }
    let err = parse_server_env(&v).unwrap_err();
    // Every error after the version check is an ENV-ERROR after VERSION 1.
    let lines = err.pt_lines();
    assert_eq!(lines.len(), 2, "{err}");
    assert_eq!(lines[0], PtLine::Version);
    assert_eq!(lines[1], PtLine::EnvError(err.to_string()));
    err
}

#[test]
fn server_errors() {
    assert_eq!(
        server_err(&[], &["TOR_PT_SERVER_BINDADDR"]),
        EnvError::Missing("TOR_PT_SERVER_BINDADDR")
    );
    assert_eq!(
        server_err(&[], &["TOR_PT_SERVER_TRANSPORTS"]),
        EnvError::Missing("TOR_PT_SERVER_TRANSPORTS")
    );
    assert!(matches!(
        server_err(&[("TOR_PT_SERVER_BINDADDR", "snowflake:443")], &[]),
        EnvError::BadBindaddr { .. }
    ));
    assert!(matches!(
        server_err(
            &[("TOR_PT_SERVER_BINDADDR", "snowflake-example.com:443")],
            &[]
        ),
        EnvError::BadBindaddr { .. }
    ));
    assert!(matches!(
        server_err(&[("TOR_PT_SERVER_BINDADDR", "snowflake-1.2.3.4")], &[]),
        EnvError::BadBindaddr { .. }
    ));
    let err = server_err(
        &[(
            "TOR_PT_SERVER_BINDADDR",
            "snowflake-0.0.0.0:443,snowflake-[::]:443",
        )],
        &[],
    );
    assert_eq!(
        err,
        EnvError::DuplicateBindaddr {
            spec: "snowflake-[::]:443".into(),
            name: "snowflake".into()
        }
    );
    assert!(err.to_string().contains("duplicate method name"));
    assert!(matches!(
        server_err(&[("TOR_PT_ORPORT", "localhost:9001")], &[]),
        EnvError::BadAddr {
            var: "TOR_PT_ORPORT",
            ..
        }
    ));
    assert!(matches!(
        server_err(
            &[
                ("TOR_PT_EXTENDED_SERVER_PORT", "127.0.0.1:99999"),
                ("TOR_PT_AUTH_COOKIE_FILE", "/c")
            ],
            &[]
        ),
        EnvError::BadAddr {
            var: "TOR_PT_EXTENDED_SERVER_PORT",
            ..
        }
    ));
    assert_eq!(
        server_err(&[("TOR_PT_EXTENDED_SERVER_PORT", "127.0.0.1:9002")], &[]),
        EnvError::CookieFileRequired
    );
    assert_eq!(server_err(&[], &["TOR_PT_ORPORT"]), EnvError::NoOrPort);
    assert_eq!(
        server_err(&[("TOR_PT_ORPORT", "")], &[]),
        EnvError::NoOrPort
    );
    assert!(matches!(
        server_err(&[("TOR_PT_SERVER_TRANSPORT_OPTIONS", "snowflake=x")], &[]),
        EnvError::BadTransportOptions { .. }
    ));
}

#[test]
fn error_messages_name_the_variable() {
    let err = server_err(&[("TOR_PT_SERVER_BINDADDR", "snowflake-bad:1")], &[]);
    let msg = err.to_string();
    assert!(msg.contains("TOR_PT_SERVER_BINDADDR"), "{msg}");
    assert!(msg.contains("snowflake-bad:1"), "{msg}");
    assert!(EnvError::CookieFileRequired
        .to_string()
        .contains("TOR_PT_AUTH_COOKIE_FILE"));
}

#[test]
fn state_dir_is_created() {
    let dir = std::env::temp_dir().join(format!("pt-state-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let state = dir.join("a/b");
    let env = parse_client_env(&with(
        client_base(),
        &[("TOR_PT_STATE_LOCATION", state.to_str().unwrap())],
    ))
    .unwrap();
    assert_eq!(env.common.make_state_dir().unwrap(), state);
    assert!(state.is_dir());
    let _ = std::fs::remove_dir_all(&dir);

    let env = parse_client_env(&without(client_base(), "TOR_PT_STATE_LOCATION")).unwrap();
    assert!(env.common.make_state_dir().is_err());
}

/// The only test in this binary that touches the process environment.
#[cfg(unix)]
#[test]
fn process_env_reader_collects_tor_pt_vars_and_rejects_non_utf8() {
    use snowflake_common::pt::env::read_tor_pt_env;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    std::env::set_var("TOR_PT_ZZ_TEST_VALUE", "v");
    std::env::set_var("NOT_TOR_PT_ZZ", "x");
    let vars = read_tor_pt_env().unwrap();
    assert_eq!(
        vars.get("TOR_PT_ZZ_TEST_VALUE").map(String::as_str),
        Some("v")
    );
    assert!(!vars.contains_key("NOT_TOR_PT_ZZ"));

    std::env::set_var("TOR_PT_ZZ_TEST_BAD", OsStr::from_bytes(b"\xff"));
    let err = read_tor_pt_env().unwrap_err();
    assert_eq!(err, EnvError::NotUtf8("TOR_PT_ZZ_TEST_BAD".into()));
    assert_eq!(err.pt_lines().len(), 1);
    std::env::remove_var("TOR_PT_ZZ_TEST_BAD");
    std::env::remove_var("TOR_PT_ZZ_TEST_VALUE");
    std::env::remove_var("NOT_TOR_PT_ZZ");
}
