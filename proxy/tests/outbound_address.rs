//! `-outbound-address` end to end: the `snowflake-proxy` binary advertises
//! the given address in its host ICE candidates instead of its local
//! addresses (upstream: a 1:1 NAT host candidate, Pion's
//! `SetNAT1To1IPs(…, host)`; here webrtc-rs 0.17's `set_nat_1to1_ips`),
//! and a client session through it still carries data.
//!
//! The test re-runs itself inside a network namespace of its own (needs
//! root) and gives its `lo` two more addresses, the documentation
//! addresses 198.51.100.1 and .2 (public as far as the proxy's
//! local-address filter is concerned, and reachable only inside the
//! namespace). The proxy
//! gathers one host candidate per local address. Without the flag they
//! carry .1 and .2; with `-outbound-address 198.51.100.2` both carry .2
//! (each with its own socket's port) and none carries .1. Server-reflexive
//! candidates (from a STUN responder on .1) are left alone, as upstream
//! leaves them. Broker, relay and metrics stay on 127.0.0.1 inside the
//! namespace.

mod common;

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::process::Command;
use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use snowflake_rtc::sdp::parse_candidate_line;
use snowflake_rtc::RtcConfig;
use snowflake_testkit::netns;
use snowflake_testkit::runtime;
use snowflake_testkit::stun::StunServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

const TEST_NAME: &str = "host_candidates_carry_the_outbound_address";
/// The namespace's only interface, which gets the two addresses.
const INTERFACE: &str = "lo";
const FIRST: &str = "198.51.100.1";
const SECOND: &str = "198.51.100.2";

#[test]
fn host_candidates_carry_the_outbound_address() {
    netns::run_isolated(TEST_NAME, Duration::from_secs(240), inside_namespace);
}

fn ip(args: &[&str]) {
    let output = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        output.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn inside_namespace() {
    init_logs();
    // Only in this namespace, which the outer test created and deletes.
    for address in [FIRST, SECOND] {
        ip(&["addr", "add", &format!("{address}/32"), "dev", INTERFACE]);
    }
    runtime::block_on(async {
        match tokio::time::timeout(Duration::from_secs(200), run()).await {
            Ok(()) => {}
            Err(_) => panic!("hang guard: the outbound-address sessions did not finish"),
        }
    });
}

/// The candidates of an SDP as (type, address, port).
fn candidates(sdp: &str) -> Vec<(String, IpAddr, u16)> {
    sdp.lines()
        .filter_map(parse_candidate_line)
        .filter_map(|c| Some((c.kind.to_string(), c.ip()?, c.port)))
        .collect()
}

/// Runs a proxy with `extra` flags, connects one client through it and
/// moves a few bytes each way; returns the proxy's answer SDP.
async fn session(stun: &StunServer, extra: &[&str]) -> String {
    let mut relay = FakeRelay::start().await;
    let broker = start_broker(&relay.url()).await;
    let stun_url = stun.url();
    let mut flags = vec!["-stun", stun_url.as_str(), "-unsafe-logging"];
    flags.extend_from_slice(extra);
    let proxy = ProxyProcess::start(broker.local_addr(), &relay.url(), &flags);
    // The client as deployed, minus STUN: host candidates on the
    // namespace's addresses.
    let backend =
        snowflake_rtc::default_backend(RtcConfig::default().with_keep_local_addresses(true))
            .expect("client backend");
    let (peer, answer) = guard("a proxy answers", async {
        loop {
            let (peer, outcome) = rendezvous(&*backend, broker.local_addr()).await;
            match outcome {
                Rendezvous::Answer(answer) => break (peer, answer),
                Rendezvous::Error(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    })
    .await;
    let mut channel = guard("data channel open", peer.connect(answer.clone()))
        .await
        .unwrap_or_else(|e| panic!("data channel: {e}\n{}", proxy.log()));
    eprintln!(
        "flags {extra:?}: the client reached the proxy at {:?}",
        channel.remote_addr()
    );
    // The binary's check that its default relay answers (relay_check.rs)
    // comes first and carries no client address: skip it.
    let mut connection = loop {
        let connection = relay.accept().await;
        if connection.uri.contains("client_ip=") {
            break connection;
        }
    };
    channel
        .write_all(b"up through the proxy")
        .await
        .expect("client writes");
    let mut up = Vec::new();
    while up.len() < 20 {
        match guard("relay reads", connection.socket.next()).await {
            Some(Ok(Message::Binary(data))) => up.extend_from_slice(&data),
            Some(Ok(_)) => {}
            other => panic!("relay: {other:?}"),
        }
    }
    assert_eq!(up, b"up through the proxy");
    connection
        .socket
        .send(Message::binary(b"down to the client".to_vec()))
        .await
        .expect("relay sends");
    let mut down = vec![0u8; 18];
    guard("client reads", channel.read_exact(&mut down))
        .await
        .expect("client reads");
    assert_eq!(down, b"down to the client");
    drop(channel);
    drop(proxy);
    broker.shutdown().await;
    answer.sdp
}

async fn run() {
    let first: IpAddr = FIRST.parse().unwrap();
    let second: IpAddr = SECOND.parse().unwrap();
    let stun = StunServer::start(first).await.expect("STUN responder");

    // Without the flag: one host candidate per local address.
    let plain = session(&stun, &[]).await;
    let plain_candidates = candidates(&plain);
    eprintln!("without -outbound-address: {plain_candidates:?}");
    let hosts: BTreeSet<IpAddr> = plain_candidates
        .iter()
        .filter(|(kind, _, _)| kind == "host")
        .map(|(_, address, _)| *address)
        .collect();
    assert_eq!(hosts, BTreeSet::from([first, second]), "{plain}");

    // With it: the same host candidates, all carrying the outbound
    // address (each still with its own socket's port).
    let mapped = session(&stun, &["-outbound-address", SECOND]).await;
    let mapped_candidates = candidates(&mapped);
    eprintln!("with -outbound-address {SECOND}: {mapped_candidates:?}");
    // (Each candidate line may appear more than once in the SDP.)
    let host_candidates: BTreeSet<(IpAddr, u16)> = mapped_candidates
        .iter()
        .filter(|(kind, _, _)| kind == "host")
        .map(|(_, address, port)| (*address, *port))
        .collect();
    assert!(
        host_candidates
            .iter()
            .all(|(address, _)| *address == second),
        "{mapped}"
    );
    let ports: BTreeSet<u16> = host_candidates.iter().map(|(_, port)| *port).collect();
    assert_eq!(ports.len(), 2, "one socket per local address: {mapped}");
}
