//! With Debian's real `tor`: a bridge that launches our binary as its
//! ServerTransportPlugin registers the transport, and a client session
//! through our server reaches tor's OR protocol over the Extended ORPort
//! (cookie authentication with tor's own cookie file, USERADDR and
//! TRANSPORT as tor logs them): a TLS handshake with tor, then a VERSIONS
//! cell answered by tor.
//!
//! Needs the `tor` package (`apt-get install -y tor`). Everything listens
//! on 127.0.0.1 and tor knows no reachable directory authority.

mod common;

use std::time::Duration;

use common::*;
use rustls::pki_types::ServerName;
use snowflake_testkit::tor::{TempDir, TorConfig, TorProcess};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BINARY: &str = env!("CARGO_BIN_EXE_snowflake-server");
const STARTUP: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bridge_tor_runs_our_transport_and_speaks_or_protocol_through_it() {
    init_logs();
    let logs = TempDir::new("snowflake-real-tor").expect("temp dir");
    let server_log = logs.path().join("snowflake-server.log");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let listen: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let log_arg = server_log.display().to_string();
    let config = TorConfig::bridge(
        std::path::Path::new(BINARY),
        &["-disable-tls", "-log", &log_arg, "-unsafe-logging"],
        listen,
    )
    // Addresses in tor's debug log, to check what USERADDR told it.
    .line("SafeLogging 0");
    let mut tor = match TorProcess::start(&config, true) {
        Ok(tor) => tor,
        Err(e) => panic!("{e}"),
    };
    let registered = tor
        .wait_for_log("Registered server transport 'snowflake'", STARTUP)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        registered.contains(&format!("at '127.0.0.1:{port}'")),
        "{registered}"
    );

    // A client session through our server to tor's Extended ORPort.
    let client = client(listen, Some("192.0.2.33")).await;
    let stream = guard("stream", client.open_stream()).await.expect("stream");
    let (connector, _) = any_certificate_connector();
    let mut link = guard(
        "TLS handshake with tor",
        connector.connect(
            ServerName::try_from("www.example.com").expect("name"),
            stream,
        ),
    )
    .await
    .unwrap_or_else(|e| {
        panic!(
            "TLS handshake with tor failed: {e}\ntor log:\n{}\nserver log:\n{}",
            tor.log(),
            std::fs::read_to_string(&server_log).unwrap_or_default()
        )
    });

    // VERSIONS cell (tor-spec §4.1): circuit id 0 (2 bytes), command 7,
    // payload length, then the link protocol versions we speak.
    let versions_cell = [0u8, 0, 7, 0, 6, 0, 3, 0, 4, 0, 5];
    link.write_all(&versions_cell).await.expect("send VERSIONS");
    let mut header = [0u8; 5];
    guard("VERSIONS reply", link.read_exact(&mut header))
        .await
        .expect("read reply");
    assert_eq!(&header[..3], &[0, 0, 7], "tor answers with a VERSIONS cell");
    let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    let mut payload = vec![0u8; len];
    guard("VERSIONS payload", link.read_exact(&mut payload))
        .await
        .expect("read payload");
    let offered: Vec<u16> = payload
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    assert!(
        offered.contains(&4) || offered.contains(&5),
        "tor's link versions: {offered:?}"
    );

    let server_log_text = std::fs::read_to_string(&server_log).unwrap_or_default();
    assert!(
        server_log_text.contains("snowflake server started"),
        "{server_log_text}"
    );
    assert!(
        server_log_text.contains("tor=ExtORPort 127.0.0.1:"),
        "tor passed its Extended ORPort: {server_log_text}"
    );
    // tor's side of the Extended ORPort exchange.
    let tor_log = tor.log();
    for expected in [
        "Got client's hash and it was legit",
        "Received USERADDR.We rewrite our address from '127.0.0.1:",
        "to '192.0.2.33:1'",
        "Seen client from '192.0.2.33' with transport 'snowflake'",
    ] {
        assert!(tor_log.contains(expected), "tor log lacks {expected:?}");
    }
    drop(link);
    drop(tor);
}
