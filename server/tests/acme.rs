//! ACME, upstream's default TLS mode, against Debian's `pebble` on
//! 127.0.0.1 (testkit::pebble): the server binary, started by "tor" (the
//! `TOR_PT_*` environment) with `--acme-hostnames` and no `--cert`/`--key`,
//! announces a TLS transport, obtains a certificate by TLS-ALPN-01 on its
//! own WebSocket listener, serves it to a client that trusts only pebble's
//! issuing CA, caches it in `TOR_PT_STATE_LOCATION/snowflake-certificate-cache`,
//! and after a restart serves it from there while pebble is gone.
//!
//! The pebble tests are skipped, saying why, when pebble is not installed.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use snowflake_common::cli::GoFlags;
use snowflake_server::cli::Args;
use snowflake_testkit::pebble::{
    free_port, unavailable, wait_for_verified_certificate, Pebble, PebbleOptions,
};
use snowflake_testkit::tor::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BINARY: &str = env!("CARGO_BIN_EXE_snowflake-server");
const HOSTNAME: &str = "bridge.snowflake.test";
/// Hang guard for the certificate; no timing is asserted.
const PATIENCE: Duration = Duration::from_secs(90);

fn skip() -> bool {
    match unavailable() {
        Some(reason) => {
            eprintln!("skipping the ACME test: {reason}");
            true
        }
        None => false,
    }
}

/// Starts the server as tor would and returns it with the lines it printed
/// up to `SMETHODS DONE`.
async fn start_server(args: &[String], env: &[(&str, String)]) -> (Child, Vec<String>) {
    let mut command = Command::new(BINARY);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "info")
        .env("TOR_PT_MANAGED_TRANSPORT_VER", "1")
        .env("TOR_PT_SERVER_TRANSPORTS", "snowflake")
        .env("TOR_PT_ORPORT", "127.0.0.1:9")
        .env("TOR_PT_EXIT_ON_STDIN_CLOSE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("start snowflake-server");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let read = async {
        while let Some(line) = lines.next_line().await.expect("stdout") {
            let done = line == "SMETHODS DONE";
            seen.push(line);
            if done {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("SMETHODS DONE in time (hang guard)");
    (child, seen)
}

fn acme_args(pebble_directory: &str, api_roots: &Path, log: &Path) -> Vec<String> {
    [
        "-acme-hostnames",
        HOSTNAME,
        "-acme-email",
        "operator@snowflake.test",
        "-acme-directory",
        pebble_directory,
        "-acme-ca-roots",
        &api_roots.display().to_string(),
        // TLS-ALPN-01 on the WebSocket listener only.
        "-acme-http-addr=",
        "-log",
        &log.display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_server_obtains_a_certificate_by_tls_alpn_and_restarts_from_the_cache() {
    if skip() {
        return;
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let pebble = Pebble::start(PebbleOptions {
        // Nothing answers HTTP-01: the certificate can only come by
        // TLS-ALPN-01 on the server's own listener.
        http_port: free_port(),
        tls_port: addr.port(),
        validity: None,
    })
    .await
    .expect("pebble starts");
    let roots = pebble.issuing_roots().await.expect("pebble's issuing root");
    let work = TempDir::new("snowflake-server-acme").expect("temp dir");
    let api_roots = work.path().join("acme-api-roots.pem");
    std::fs::copy(pebble.api_roots_file(), &api_roots).expect("copy roots");
    let state = work.path().join("state");
    let env = [
        ("TOR_PT_SERVER_BINDADDR", format!("snowflake-{addr}")),
        ("TOR_PT_STATE_LOCATION", state.display().to_string()),
    ];

    let log = work.path().join("server-1.log");
    let args = acme_args(&pebble.directory_url(), &api_roots, &log);
    let (server, lines) = start_server(&args, &env).await;
    assert!(
        lines.contains(&format!("SMETHOD snowflake {addr} ARGS:tls=yes")),
        "{lines:?}"
    );
    let issued = wait_for_verified_certificate(addr, HOSTNAME, &roots, &[b"http/1.1"], PATIENCE)
        .await
        .unwrap_or_else(|error| {
            panic!(
                "{error}\nserver log:\n{}\npebble log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default(),
                pebble.log()
            )
        });
    let cache = state.join("snowflake-certificate-cache");
    assert!(cache.join("acme_account+key").is_file());
    assert!(cache.join(HOSTNAME).is_file());

    // Restart with pebble gone: the cached certificate is served.
    drop(server);
    drop(pebble);
    let log = work.path().join("server-2.log");
    let args = acme_args("https://127.0.0.1:1/dir", &api_roots, &log);
    let (_server, lines) = start_server(&args, &env).await;
    assert!(
        lines.contains(&format!("SMETHOD snowflake {addr} ARGS:tls=yes")),
        "{lines:?}"
    );
    let again = wait_for_verified_certificate(addr, HOSTNAME, &roots, &[b"http/1.1"], PATIENCE)
        .await
        .unwrap_or_else(|error| {
            panic!(
                "{error}\nserver log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
    assert_eq!(again, issued, "the same certificate, from the cache");
    let server_log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        server_log.contains("using the cached certificate"),
        "{server_log}"
    );
    assert!(
        !server_log.contains("requesting a certificate"),
        "no request to the CA: {server_log}"
    );
}

/// A torrc line with `--acme-hostnames` but without a state directory
/// cannot cache: the transport is refused with a reason tor logs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acme_without_a_state_directory_is_an_smethod_error() {
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let work = TempDir::new("snowflake-server-acme-nostate").expect("temp dir");
    let args: Vec<String> = [
        "--acme-hostnames",
        HOSTNAME,
        // Nothing is ever asked of this CA: the server stops before.
        "--acme-directory",
        "https://127.0.0.1:1/dir",
        "--acme-http-addr",
        "",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let env = [("TOR_PT_SERVER_BINDADDR", format!("snowflake-{addr}"))];
    let (mut server, lines) = start_server(&args, &env).await;
    assert!(
        lines.iter().any(
            |l| l.starts_with("SMETHOD-ERROR snowflake") && l.contains("TOR_PT_STATE_LOCATION")
        ),
        "{lines:?}"
    );
    let status = tokio::time::timeout(Duration::from_secs(30), server.wait())
        .await
        .expect("exits (hang guard)")
        .expect("wait");
    assert!(!status.success());
    drop(work);
}

#[test]
fn acme_flags_as_upstream() {
    let options = |args: &[&str]| {
        Args::parse_go_style(std::iter::once("snowflake-server").chain(args.iter().copied()))
            .expect("parses")
            .pt_options()
    };
    let acme = options(&[
        "--acme-hostnames",
        "Snowflake.Example.com,snowflake-01.example.com",
        "--acme-email",
        "op@example.com",
    ])
    .expect("valid")
    .acme
    .expect("ACME is the default TLS mode");
    assert_eq!(
        acme.hostnames,
        ["snowflake.example.com", "snowflake-01.example.com"]
    );
    assert_eq!(acme.email.as_deref(), Some("op@example.com"));
    assert_eq!(acme.directory_url, snowflake_common::acme::LETS_ENCRYPT);
    assert_eq!(acme.http01_addr, Some("[::]:80".parse().unwrap()));
    assert_eq!(acme.cache_dir, None, "filled from TOR_PT_STATE_LOCATION");
    // -disable-tls wins over the ACME flags, as upstream.
    let plain = options(&["-acme-hostnames", "a.example", "-disable-tls"]).expect("valid");
    assert!(plain.acme.is_none() && plain.tls.is_none());
    // -listen (no tor, no state directory) cannot cache.
    assert_eq!(
        options(&[
            "-acme-hostnames=a.example",
            "-listen=127.0.0.1:8443",
            "-extorport-instance=127.0.0.1:1,cookie=/c",
        ])
        .unwrap_err(),
        snowflake_server::cli::CliError::AcmeStandalone
    );
    // Bad hostnames and addresses are refused.
    assert!(options(&["-acme-hostnames", "*.example.com"]).is_err());
    assert!(options(&["-acme-hostnames=a.example", "-acme-http-addr=nope"]).is_err());
}
