//! `TOR_PT_PROXY` as tor hands it to the `snowflake-client` binary
//! (pt-spec §3.2.2, §3.3.2; docs/upstream-proxy.md): `PROXY DONE` once a
//! SOCKS5 proxy has given a UDP association (as upstream checks before
//! accepting), then the broker rendezvous through it; `PROXY-ERROR` and
//! exit for a value we cannot use: malformed, unsupported, wrong
//! credentials, no UDP ASSOCIATE, or a TCP-only proxy (http, socks4a)
//! unless `-proxy-rendezvous-only` is given. The proxies are the test's
//! own ([`snowflake_testkit::socks_proxy`], [`snowflake_testkit::http_connect_proxy`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ChildStdout;
use std::sync::atomic::Ordering;
use std::time::Duration;

use snowflake_testkit::http_connect_proxy::HttpConnectProxy;
use snowflake_testkit::managed_pt::{
    self, cmethod_addr, read_line, until_cmethods_done, wait_exit, KillOnDrop,
};
use snowflake_testkit::socks_proxy::{SocksProxy, SocksProxyOptions};

const BIN: &str = env!("CARGO_BIN_EXE_snowflake-client");

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn managed(proxy: &str, args: &[&str]) -> (KillOnDrop, BufReader<ChildStdout>) {
    managed_pt::launch(
        BIN,
        &[
            ("TOR_PT_CLIENT_TRANSPORTS", "snowflake"),
            ("TOR_PT_EXIT_ON_STDIN_CLOSE", "1"),
            ("TOR_PT_PROXY", proxy),
        ],
        args,
    )
}

/// The PT lines up to `PROXY-ERROR`, then the exit status.
fn refused(proxy: &str, args: &[&str]) -> String {
    let (mut guard, mut out) = managed(proxy, args);
    assert_eq!(read_line(&mut out), "VERSION 1");
    let line = read_line(&mut out);
    assert!(line.starts_with("PROXY-ERROR "), "{proxy}: {line}");
    // pt-spec: the transport terminates after PROXY-ERROR, before any
    // transport is set up.
    assert_eq!(
        read_line(&mut out),
        "",
        "{proxy}: nothing after PROXY-ERROR"
    );
    assert!(!wait_exit(&mut guard.0).success(), "{proxy}");
    line
}

/// A SOCKS5 connection to the client carrying `args` (≤ 255 bytes).
fn socks_with_args(addr: SocketAddr, args: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(&[5, 1, 2]).unwrap();
    let mut reply = [0u8; 2];
    s.read_exact(&mut reply).unwrap();
    let mut auth = vec![1, args.len() as u8];
    auth.extend_from_slice(args.as_bytes());
    auth.extend_from_slice(&[1, 0]);
    s.write_all(&auth).unwrap();
    s.read_exact(&mut reply).unwrap();
    assert_eq!(reply, [1, 0]);
    s.write_all(&[5, 1, 0, 1, 192, 0, 2, 3, 0, 80]).unwrap();
    let mut reply = [0u8; 10];
    s.read_exact(&mut reply).unwrap();
    assert_eq!(reply[1], 0, "granted");
    s
}

/// Waits for the client's broker request on `broker`; its request line.
fn broker_request_line(broker: &TcpListener) -> String {
    let (stream, _) = broker.accept().expect("the client reaches the broker");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut line = String::new();
    BufReader::new(stream)
        .read_line(&mut line)
        .expect("request line");
    line.trim_end().to_string()
}

#[test]
fn socks5_is_accepted_after_a_udp_association_and_carries_the_rendezvous() {
    let rt = runtime();
    let socks = rt
        .block_on(SocksProxy::start(SocksProxyOptions {
            credentials: Some(("snow".into(), "fl@ke".into())),
            refuse_udp: false,
        }))
        .expect("SOCKS proxy");
    let url = socks.url("socks5", Some(("snow", "fl%40ke")));
    let (mut guard, mut out) = managed(&url, &["-loopback-only"]);
    let lines = until_cmethods_done(&mut out);
    assert_eq!(lines[..2], ["VERSION 1", "PROXY DONE"], "{lines:?}");
    assert!(lines[2].starts_with("STATUS TYPE=version"), "{lines:?}");
    let addr = cmethod_addr(&lines);
    // Upstream's check before PROXY DONE: one association, with our
    // credentials.
    assert_eq!(socks.stats().associations.load(Ordering::Relaxed), 1);
    assert_eq!(socks.stats().auth_failures.load(Ordering::Relaxed), 0);

    let broker = TcpListener::bind("127.0.0.1:0").unwrap();
    let broker_addr = broker.local_addr().unwrap();
    let _socks = socks_with_args(addr, &format!("url=http://{broker_addr}/"));
    assert_eq!(broker_request_line(&broker), "POST /client HTTP/1.1");
    assert!(socks
        .stats()
        .tunnel_targets()
        .contains(&broker_addr.to_string()));

    drop(guard.0.stdin.take());
    assert!(wait_exit(&mut guard.0).success());
}

#[test]
fn unusable_proxies_get_proxy_error() {
    let rt = runtime();
    let socks = rt
        .block_on(SocksProxy::start(SocksProxyOptions {
            credentials: Some(("snow".into(), "flake".into())),
            refuse_udp: false,
        }))
        .expect("SOCKS proxy");
    let no_udp = rt
        .block_on(SocksProxy::start(SocksProxyOptions {
            credentials: None,
            refuse_udp: true,
        }))
        .expect("SOCKS proxy");
    let cases = [
        // Malformed (found while reading tor's environment).
        ("socks5://127.0.0.1".to_string(), "PROXY-ERROR TOR_PT_PROXY is malformed"),
        // Not a kind tor writes.
        ("ftp://127.0.0.1:21".to_string(), "PROXY-ERROR proxy is not supported: unsupported proxy type"),
        (
            "socks5://snow@127.0.0.1:1080".to_string(),
            "PROXY-ERROR proxy is not supported: a SOCKS5 proxy needs both a user name and a password",
        ),
        (
            "socks4a://snow:flake@127.0.0.1:1080".to_string(),
            "PROXY-ERROR proxy is not supported: a SOCKS4a proxy takes a user id but no password",
        ),
        // Wrong or missing credentials, found by the association test.
        (
            socks.url("socks5", Some(("snow", "not-the-password"))),
            "PROXY-ERROR proxy test failure: upstream proxy socks5://snow:[hidden]@",
        ),
        (socks.url("socks5", None), "the SOCKS5 proxy requires authentication"),
        // A SOCKS5 proxy without UDP ASSOCIATE.
        (
            no_udp.url("socks5", None),
            "the SOCKS5 proxy refused the request: command not supported",
        ),
        // Nothing listening.
        ("socks5://127.0.0.1:9".to_string(), "PROXY-ERROR proxy test failure: upstream proxy socks5://127.0.0.1:9: cannot connect"),
        // TCP-only proxies carry no UDP: refused, as upstream does.
        (
            "http://127.0.0.1:3128".to_string(),
            "PROXY-ERROR proxy is not supported: a http proxy carries only TCP and WebRTC's UDP cannot go through it",
        ),
        (
            "socks4a://127.0.0.1:1080".to_string(),
            "PROXY-ERROR proxy is not supported: a socks4a proxy carries only TCP",
        ),
    ];
    for (url, expected) in cases {
        let line = refused(&url, &["-url", "http://127.0.0.1:9/", "-loopback-only"]);
        assert!(line.contains(expected), "{url}: {line}");
        assert!(!line.contains("not-the-password"), "{line}");
    }
    let wrong = socks.url("socks5", Some(("snow", "not-the-password")));
    let line = refused(&wrong, &[]);
    assert!(
        line.ends_with("the SOCKS5 proxy refused the user name and password (status 1)"),
        "{line}"
    );
    assert!(socks.stats().auth_failures.load(Ordering::Relaxed) >= 3);
    assert_eq!(socks.stats().associations.load(Ordering::Relaxed), 0);
    assert_eq!(no_udp.stats().udp_refused.load(Ordering::Relaxed), 1);
}

/// With `-proxy-rendezvous-only`, an HTTP proxy is accepted for the
/// rendezvous, and the client says plainly, to tor's log, that WebRTC's
/// UDP does not go through it.
#[test]
fn http_proxy_for_the_rendezvous_only() {
    let rt = runtime();
    let http = rt
        .block_on(HttpConnectProxy::start(Some((
            "snow".into(),
            "flake".into(),
        ))))
        .expect("HTTP proxy");
    let (mut guard, mut out) = managed(
        &http.url(Some(("snow", "flake"))),
        &["-loopback-only", "-proxy-rendezvous-only"],
    );
    let lines = until_cmethods_done(&mut out);
    assert_eq!(lines[..2], ["VERSION 1", "PROXY DONE"], "{lines:?}");
    let warning = &lines[2];
    assert!(
        warning.starts_with("LOG SEVERITY=warning MESSAGE=")
            && warning.contains("only the broker rendezvous goes through it")
            && warning.contains("WebRTC's UDP goes directly")
            && !warning.contains("flake\""),
        "{warning}"
    );
    let addr = cmethod_addr(&lines);
    let broker = TcpListener::bind("127.0.0.1:0").unwrap();
    let broker_addr = broker.local_addr().unwrap();
    let _socks = socks_with_args(addr, &format!("url=http://{broker_addr}/"));
    assert_eq!(broker_request_line(&broker), "POST /client HTTP/1.1");
    assert_eq!(
        http.stats().targets().into_iter().collect::<Vec<_>>(),
        [broker_addr.to_string()]
    );
    drop(guard.0.stdin.take());
    assert!(wait_exit(&mut guard.0).success());
}
