//! The NAT-type check against STUN responders on 127.0.0.1: testkit's
//! RFC 5780 responder (same mapping from both ports, and it answers a
//! CHANGE-REQUEST from its other port: open), and a fake that reports a
//! different mapping from its alternate port (what an address-dependent
//! NAT looks like: strict) or never answers a CHANGE-REQUEST (what a
//! filtering NAT looks like from inside: moderate).

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use snowflake_client::nat::detect_nat_type;
use snowflake_common::messages::NatType;
use snowflake_testkit::stun::{binding_response, parse_binding_request, StunServer};
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

/// Hang guard only; no test asserts on how long anything takes.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// Per-round-trip timeout for servers expected to answer (generous).
const PER_TRY: Duration = Duration::from_secs(10);

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

async fn guard<F: Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(HANG_GUARD, fut).await {
        Ok(v) => v,
        Err(_) => panic!("hang guard: {what} did not finish"),
    }
}

/// How the fake responder behaves.
#[derive(Clone, Copy)]
struct Behaviour {
    /// Advertise the alternate port as OTHER-ADDRESS.
    other_address: bool,
    /// From the alternate port, report the client's port plus one (a NAT
    /// that maps per destination).
    shift_alternate_mapping: bool,
    /// Drop this many requests before answering (each port separately).
    drop_first: usize,
    /// Never answer a request carrying CHANGE-REQUEST (the answer would
    /// come from an address a filtering NAT drops).
    filtered_changes: bool,
}

/// A STUN responder on two loopback ports built from testkit's message
/// functions, with the behaviours above. Stops when dropped.
struct FakeStun {
    primary: SocketAddr,
    alternate: SocketAddr,
    /// Requests received on the primary and the alternate port.
    received: [Arc<AtomicUsize>; 2],
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for FakeStun {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl FakeStun {
    async fn start(behaviour: Behaviour) -> FakeStun {
        let primary = UdpSocket::bind((LOOPBACK, 0)).await.unwrap();
        let alternate = UdpSocket::bind((LOOPBACK, 0)).await.unwrap();
        let primary_addr = primary.local_addr().unwrap();
        let alternate_addr = alternate.local_addr().unwrap();
        let received = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
        let mut tasks = Vec::new();
        for (socket, is_alternate) in [(primary, false), (alternate, true)] {
            let received = received[usize::from(is_alternate)].clone();
            tasks.push(tokio::spawn(async move {
                let mut buffer = [0u8; 1500];
                let mut dropped = 0;
                loop {
                    let Ok((len, peer)) = socket.recv_from(&mut buffer).await else {
                        continue;
                    };
                    received.fetch_add(1, Ordering::SeqCst);
                    let Some(request) = parse_binding_request(&buffer[..len]) else {
                        continue;
                    };
                    if behaviour.filtered_changes && request.change_port {
                        continue;
                    }
                    if dropped < behaviour.drop_first {
                        dropped += 1;
                        continue;
                    }
                    let mut mapped = peer;
                    if is_alternate && behaviour.shift_alternate_mapping {
                        mapped.set_port(peer.port().wrapping_add(1));
                    }
                    let (origin, other) = if is_alternate {
                        (alternate_addr, primary_addr)
                    } else {
                        (primary_addr, alternate_addr)
                    };
                    let other = behaviour.other_address.then_some(other);
                    let response = binding_response(&request, mapped, origin, other);
                    let _ = socket.send_to(&response, peer).await;
                }
            }));
        }
        FakeStun {
            primary: primary_addr,
            alternate: alternate_addr,
            received,
            tasks,
        }
    }

    fn received(&self) -> [usize; 2] {
        [
            self.received[0].load(Ordering::SeqCst),
            self.received[1].load(Ordering::SeqCst),
        ]
    }

    fn url(&self) -> String {
        format!("stun:{}", self.primary)
    }
}

const RFC5780: Behaviour = Behaviour {
    other_address: true,
    shift_alternate_mapping: false,
    drop_first: 0,
    filtered_changes: false,
};

#[tokio::test]
async fn testkit_responder_gives_open() {
    let server = StunServer::start(LOOPBACK).await.unwrap();
    let nat = guard("detect", detect_nat_type(&[server.url()], PER_TRY)).await;
    assert_eq!(nat, NatType::Open);
}

#[tokio::test]
async fn a_filtering_nat_gives_moderate() {
    let server = FakeStun::start(Behaviour {
        filtered_changes: true,
        ..RFC5780
    })
    .await;
    // The filtering request is expected to go unanswered: a short
    // per-request timeout keeps the test short (no time is asserted).
    let nat = guard(
        "detect",
        detect_nat_type(&[server.url()], Duration::from_secs(2)),
    )
    .await;
    assert_eq!(nat, NatType::Moderate);
    // Primary (mapping, then the filtering request and its
    // retransmissions) and alternate were both asked.
    let [primary, alternate] = server.received();
    assert!(primary >= 2 && alternate >= 1, "{primary} {alternate}");
}

#[tokio::test]
async fn different_mapping_gives_strict() {
    let server = FakeStun::start(Behaviour {
        shift_alternate_mapping: true,
        ..RFC5780
    })
    .await;
    let nat = guard("detect", detect_nat_type(&[server.url()], PER_TRY)).await;
    assert_eq!(nat, NatType::Strict);
    // Both ports were asked.
    let [primary, alternate] = server.received();
    assert!(primary >= 1 && alternate >= 1, "{primary} {alternate}");
    assert_ne!(server.primary, server.alternate);
}

#[tokio::test]
async fn same_mapping_and_no_filtering_gives_open() {
    let server = FakeStun::start(RFC5780).await;
    let nat = guard("detect", detect_nat_type(&[server.url()], PER_TRY)).await;
    assert_eq!(nat, NatType::Open);
}

#[tokio::test]
async fn lost_requests_are_retransmitted() {
    let server = FakeStun::start(Behaviour {
        shift_alternate_mapping: true,
        drop_first: 1,
        ..RFC5780
    })
    .await;
    let nat = guard("detect", detect_nat_type(&[server.url()], PER_TRY)).await;
    assert_eq!(nat, NatType::Strict);
    let [primary, alternate] = server.received();
    assert!(primary >= 2 && alternate >= 2, "{primary} {alternate}");
}

#[tokio::test]
async fn no_other_address_gives_unknown() {
    let server = FakeStun::start(Behaviour {
        other_address: false,
        ..RFC5780
    })
    .await;
    let nat = guard("detect", detect_nat_type(&[server.url()], PER_TRY)).await;
    assert_eq!(nat, NatType::Unknown);
}

#[tokio::test]
async fn falls_through_to_a_working_server() {
    let unsupported = FakeStun::start(Behaviour {
        other_address: false,
        ..RFC5780
    })
    .await;
    let restricted = FakeStun::start(Behaviour {
        shift_alternate_mapping: true,
        ..RFC5780
    })
    .await;
    let urls = vec![
        // Not stun: URLs: skipped without traffic.
        format!("turn:{}", restricted.primary),
        format!("stuns:{}", restricted.primary),
        "stun:".to_string(),
        unsupported.url(),
        restricted.url(),
    ];
    let nat = guard("detect", detect_nat_type(&urls, PER_TRY)).await;
    assert_eq!(nat, NatType::Strict);
    let [primary, alternate] = unsupported.received();
    assert!(primary >= 1 && alternate == 0, "{primary} {alternate}");
    let [primary, alternate] = restricted.received();
    assert!(primary >= 1 && alternate >= 1, "{primary} {alternate}");
}

#[tokio::test]
async fn no_servers_give_unknown() {
    assert_eq!(detect_nat_type(&[], PER_TRY).await, NatType::Unknown);
    let only_turn = vec!["turn:127.0.0.1:3478".to_string()];
    assert_eq!(detect_nat_type(&only_turn, PER_TRY).await, NatType::Unknown);
}

#[tokio::test(start_paused = true)]
async fn silent_server_gives_unknown() {
    // Receives but never answers; paused time lets the timeouts pass at
    // once.
    let silent = UdpSocket::bind((LOOPBACK, 0)).await.unwrap();
    let url = format!("stun:{}", silent.local_addr().unwrap());
    let nat = detect_nat_type(&[url], PER_TRY).await;
    assert_eq!(nat, NatType::Unknown);
    drop(silent);
}
