//! Automatic fallback between rendezvous methods: the first method (HTTP
//! to the broker) is blocked in three ways a censor would block it
//! (connection refused, a connection that never answers, garbage in
//! place of HTTP), and the second (SQS, through a local moto server and
//! our broker's SQS listener) carries the rendezvous. Also: the method
//! that worked is remembered in the state directory and tried first by
//! the next run, each failure is reported (tor's `LOG`), and a broker
//! answer ("no proxies") does not move on to the next method.
//!
//! Skipped (with a message) when moto is not installed, unless
//! `SNOWFLAKE_REQUIRE_SQS` is set.

mod common;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use snowflake_client::collector::Reporter;
use snowflake_client::rendezvous::sqs::SqsChannel;
use snowflake_client::rendezvous::{BrokerChannel, RendezvousConfig, RendezvousError};
use snowflake_client::rendezvous_fallback::{
    read_memory, MethodKind, RendezvousMethods, MEMORY_FILE,
};
use snowflake_client::rendezvous_tls::RendezvousTls;
use snowflake_common::messages::{BridgeFingerprint, NatType, SdpType, SessionDescription};
use snowflake_testkit::moto;

use common::sqs_broker::{guarded, queue_config, start_broker, start_sqs, PATTERN};
use snowflake_testkit::signaling_proxy::answer_one_client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn sqs_channel(queue_url: &str) -> BrokerChannel {
    BrokerChannel::sqs(
        SqsChannel::new(queue_config(queue_url), BridgeFingerprint::default()),
        RendezvousTls::default(),
    )
    .expect("SQS channel")
}

fn http_channel(broker_url: String) -> BrokerChannel {
    BrokerChannel::new(RendezvousConfig {
        broker_url,
        fronts: Vec::new(),
        amp_cache: None,
        fingerprint: BridgeFingerprint::default(),
        ..RendezvousConfig::default()
    })
    .expect("HTTP channel")
}

fn sdp(kind: SdpType, marker: &str) -> SessionDescription {
    SessionDescription::new(
        kind,
        format!(
            "v=0\r\no=- {marker} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n"
        ),
    )
}

/// A censor's ways of blocking the broker's address.
#[derive(Debug, Clone, Copy)]
enum Block {
    /// Nothing listens: connections are refused.
    Refused,
    /// Connections are accepted and then nothing ever comes back.
    Hangs,
    /// Something answers, but not HTTP.
    Garbage,
    /// An `https` broker whose connections are accepted and then never
    /// answer the TLS ClientHello (a censor stalling the handshake): the
    /// connection deadline ends the attempt, not the attempt's.
    StallsTls,
}

/// A URL for the broker that is blocked as `block` says; the listener (if
/// any) lives as long as the returned task.
async fn blocked_broker(block: Block) -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = match block {
        Block::Refused => {
            drop(listener);
            tokio::spawn(async {})
        }
        Block::Hangs | Block::StallsTls => tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        }),
        Block::Garbage => tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let _ = socket
                    .write_all(b"\x16\x03\x01 not HTTP at all\r\n\r\n")
                    .await;
            }
        }),
    };
    let scheme = match block {
        Block::StallsTls => "https",
        _ => "http",
    };
    (format!("{scheme}://{addr}/"), task)
}

fn state_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "snowflake-fallback-{name}-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&dir).expect("state directory");
    dir
}

/// A reporter that keeps what it hears.
fn recording_reporter() -> (Reporter, Arc<Mutex<Vec<String>>>) {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&heard);
    let reporter: Reporter = Arc::new(move |line: String| {
        sink.lock().unwrap_or_else(|e| e.into_inner()).push(line);
    });
    (reporter, heard)
}

async fn second_method_carries_the_rendezvous_when_the_first_is(block: Block) {
    let Some(moto) = moto::start_or_skip("rendezvous fallback").await else {
        return;
    };
    let broker = start_broker().await;
    let sqs = start_sqs(&moto, &broker).await;
    let (blocked_url, _blocked) = blocked_broker(block).await;
    let dir = state_dir(&format!("{block:?}"));
    let memory = dir.join(MEMORY_FILE);
    let (reporter, heard) = recording_reporter();
    let methods = RendezvousMethods::new(
        vec![
            (MethodKind::Http, http_channel(blocked_url.clone())),
            (MethodKind::Sqs, sqs_channel(sqs.queue_url())),
        ],
        Some(memory.clone()),
        Some(reporter),
    )
    .with_attempt_timeout(match block {
        // Longer than the connection deadline, which must end it first.
        Block::StallsTls => Duration::from_secs(40),
        _ => Duration::from_secs(3),
    });
    assert_eq!(methods.sequence(), vec![MethodKind::Http, MethodKind::Sqs]);
    let proxy = tokio::spawn({
        let addr = broker.local_addr();
        async move { answer_one_client(addr, PATTERN, &sdp(SdpType::Answer, "proxy")).await }
    });
    let answer = guarded(async {
        loop {
            match methods
                .exchange(&sdp(SdpType::Offer, "client"), NatType::Restricted)
                .await
            {
                Ok(answer) => break answer,
                // The broker was reached (through SQS) before the proxy's
                // poll arrived: the exchange ends there and is retried.
                Err(RendezvousError::NoProxies) => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(error) => panic!("{block:?}: rendezvous failed: {error}"),
            }
        }
    })
    .await;
    assert_eq!(answer, sdp(SdpType::Answer, "proxy"));
    let offer = guarded(proxy)
        .await
        .expect("proxy task")
        .expect("the proxy answered");
    assert_eq!(offer, sdp(SdpType::Offer, "client"));
    // The failure of the blocked method was reported, naming both methods.
    let lines = heard.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("rendezvous through http failed") && l.contains("trying sqs")),
        "{block:?}: {lines:?}"
    );
    if let Block::StallsTls = block {
        assert!(
            lines
                .iter()
                .any(|l| l.contains("connection not established within")),
            "the connection deadline ended the attempt: {lines:?}"
        );
    }
    // SQS worked: it goes first now, and in the next run.
    assert_eq!(methods.sequence(), vec![MethodKind::Sqs, MethodKind::Http]);
    assert_eq!(read_memory(&memory), Some(MethodKind::Sqs));
    let next_run = RendezvousMethods::new(
        vec![
            (MethodKind::Http, http_channel(blocked_url)),
            (MethodKind::Sqs, sqs_channel(sqs.queue_url())),
        ],
        Some(memory),
        None,
    );
    assert_eq!(next_run.sequence(), vec![MethodKind::Sqs, MethodKind::Http]);
    // A broker answer through the first method ends the exchange: no
    // proxy is polling now, and the blocked HTTP method is not tried.
    let (reporter, heard) = recording_reporter();
    let after = RendezvousMethods::new(
        vec![
            (MethodKind::Sqs, sqs_channel(sqs.queue_url())),
            (MethodKind::Http, http_channel("http://127.0.0.1:9/".into())),
        ],
        None,
        Some(reporter),
    );
    let error = guarded(after.exchange(&sdp(SdpType::Offer, "lonely"), NatType::Restricted))
        .await
        .expect_err("no proxy is polling");
    assert!(matches!(error, RendezvousError::NoProxies), "{error}");
    assert!(heard.lock().unwrap_or_else(|e| e.into_inner()).is_empty());
    sqs.shutdown().await;
    broker.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_carries_the_rendezvous_when_the_broker_refuses_connections() {
    second_method_carries_the_rendezvous_when_the_first_is(Block::Refused).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_carries_the_rendezvous_when_the_broker_never_answers() {
    second_method_carries_the_rendezvous_when_the_first_is(Block::Hangs).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_carries_the_rendezvous_when_the_broker_answers_garbage() {
    second_method_carries_the_rendezvous_when_the_first_is(Block::Garbage).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_carries_the_rendezvous_when_the_tls_handshake_stalls() {
    second_method_carries_the_rendezvous_when_the_first_is(Block::StallsTls).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_every_method_fails_the_last_failure_is_returned_and_reported() {
    let (refused, _r) = blocked_broker(Block::Refused).await;
    let (garbage, _g) = blocked_broker(Block::Garbage).await;
    let (reporter, heard) = recording_reporter();
    // SQS "queue" on the garbage server: SendMessage gets no SQS reply.
    let garbage_queue = format!("{garbage}123456789012/snowflake-broker");
    let methods = RendezvousMethods::new(
        vec![
            (MethodKind::Http, http_channel(refused)),
            (MethodKind::Sqs, sqs_channel(&garbage_queue)),
        ],
        None,
        Some(reporter),
    );
    let error = guarded(methods.exchange(&sdp(SdpType::Offer, "x"), NatType::Unknown))
        .await
        .expect_err("every method is blocked");
    assert!(
        snowflake_client::rendezvous_fallback::is_method_failure(&error),
        "{error}"
    );
    let lines = heard.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("http failed") && lines[0].contains("trying sqs"));
    assert!(lines[1].contains("sqs failed") && lines[1].contains("no method left"));
    // Nothing worked, nothing is remembered.
    assert_eq!(methods.sequence(), vec![MethodKind::Http, MethodKind::Sqs]);
}
