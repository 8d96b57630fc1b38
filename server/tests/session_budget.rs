//! Server sessions cost the attacker (docs/server-budget.md): a flood of
//! fresh ClientIds stays within the memory budget and is gone within the
//! new-session timeout; a real client is served while an attacker trickles
//! new ClientIds at the session cap, and while one keeps the Turbo Tunnel
//! client table full; out-of-order data over many sessions
//! stays within the one budget they share; tor is dialled only for a stream
//! that carries data; a WebSocket that never finishes a message is closed.
//!
//! The limits are lowered (as the flags would) so that the effects show in
//! seconds; nothing here asserts how long anything takes.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use snowflake_common::kcp::{MSS, SESSION_COST};
use snowflake_common::turbotunnel::{encapsulated_packet_conn, preamble, ClientId, PacketConn};
use snowflake_server::metrics::RejectReason;
use snowflake_testkit::tunnel_client::{first_kcp_packet, send_packets_once, smux_syn, websocket};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Resident memory of this process in KB (Linux), for the report; never
/// asserted on (the allocator keeps freed memory).
fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Polls `done` every 20 ms (under the hang guard).
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    guard(what, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

/// `count` fresh ClientIds, one first packet each (an smux SYN, the
/// cheapest packet that also opens a stream), `parallel` at a time.
async fn flood_fresh_client_ids(addr: std::net::SocketAddr, count: usize, parallel: usize) {
    let per_task = count.div_ceil(parallel);
    let tasks: Vec<_> = (0..parallel)
        .map(|_| {
            tokio::spawn(async move {
                for _ in 0..per_task {
                    let packet = first_kcp_packet(rand::random(), &smux_syn(3));
                    // The server may close a connection early; the next
                    // ClientId goes on regardless.
                    let _ = send_packets_once(addr, ClientId::random(), &[&packet]).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("flood task");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_client_ids_stay_within_the_budget_and_expire() {
    const BUDGET_SESSIONS: usize = 300;
    let tor = FakeTor::ext_tcp(Behavior::Hold).await;
    let budget = BUDGET_SESSIONS * SESSION_COST;
    let (server, addr) = start_server(&tor.target, |c| {
        c.limits.memory_budget = budget;
        c.timeouts.new_session = Duration::from_secs(1);
    })
    .await;
    let before = rss_kb();
    let flooding = AtomicBool::new(true);
    let flood = async {
        flood_fresh_client_ids(addr, 2_000, 8).await;
        flooding.store(false, Ordering::Relaxed);
    };
    let sample = async {
        let mut highest = 0;
        while flooding.load(Ordering::Relaxed) {
            highest = highest.max(server.session_count());
            assert!(server.memory_used() <= budget, "budget exceeded");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        highest
    };
    let ((), highest) = tokio::join!(flood, sample);
    let peak = rss_kb();
    assert!(
        highest <= BUDGET_SESSIONS,
        "{highest} sessions alive at once, above the {BUDGET_SESSIONS} the budget holds"
    );
    assert!(server.memory_used() <= budget);
    // Sessions that never carried a stream go within the timeout.
    until("flood sessions expire", || server.sessions().is_empty()).await;
    until("budget given back", || server.memory_used() == 0).await;
    let metrics = server.metrics().render();
    eprintln!(
        "2,000 fresh ClientIds: at most {highest} sessions at once; RSS {before:?} KB before, \
         {peak:?} KB after the flood"
    );
    assert!(
        metrics.contains("snowflake_server_sessions_expired_total"),
        "{metrics}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_client_is_served_while_an_attacker_trickles_new_client_ids_at_the_cap() {
    // The client table holds 2 × max-sessions ClientIds (a separate bound,
    // tested below), so the attacker stays below it here.
    const MAX_SESSIONS: usize = 30;
    let mut tor = FakeTor::ext_tcp(Behavior::Exchange {
        reply: Arc::new(b"served".to_vec()),
        expect: 5,
    })
    .await;
    let (server, addr) = start_server(&tor.target, |c| c.limits.max_sessions = MAX_SESSIONS).await;
    // The attacker fills the table...
    flood_fresh_client_ids(addr, MAX_SESSIONS, 2).await;
    until("attacker sessions", || {
        server.sessions().len() == MAX_SESSIONS
    })
    .await;
    // ...and keeps trickling new ClientIds while a real client connects.
    let trickle = tokio::spawn(async move {
        for _ in 0..20 {
            flood_fresh_client_ids(addr, 1, 1).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let honest = client(addr, None).await;
    let stream = guard("stream", honest.open_stream()).await.expect("stream");
    assert_eq!(
        guard("exchange", exchange(stream, b"hello".to_vec())).await,
        b"served"
    );
    let _ = tor.next_connection().await;
    trickle.await.expect("trickle");
    let metrics = server.metrics().render();
    assert!(
        metrics.contains("snowflake_server_sessions_evicted_total{reason=\"unestablished\"}"),
        "{metrics}"
    );
    server.shutdown().await;
}

/// The value of the counter whose rendered line starts with `series`.
fn counter_value(metrics: &str, series: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_client_gets_in_while_an_attacker_trickles_fresh_client_ids() {
    // One shard: a client table of 2 × 10 ClientIds. An entry used to stay
    // 60 s after its last packet unless evicted, so that a trickle of
    // one-packet clients kept the table full; now an entry goes with its
    // session when no connection carries the client.
    const MAX_SESSIONS: usize = 10;
    const TABLE: usize = 2 * MAX_SESSIONS;
    let mut tor = FakeTor::ext_tcp(Behavior::Exchange {
        reply: Arc::new(b"served".to_vec()),
        expect: 5,
    })
    .await;
    let (server, addr) = start_server(&tor.target, |c| {
        c.limits.max_sessions = MAX_SESSIONS;
        c.timeouts.new_session = Duration::from_secs(1);
    })
    .await;
    // The attacker fills the table with fresh ClientIds...
    flood_fresh_client_ids(addr, TABLE, 2).await;
    // ...and keeps sending new ones, each a WebSocket that says one packet
    // and leaves.
    let stop = Arc::new(AtomicBool::new(false));
    let trickle = tokio::spawn({
        let stop = Arc::clone(&stop);
        async move {
            while !stop.load(Ordering::Relaxed) {
                flood_fresh_client_ids(addr, 1, 1).await;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    });
    let queues = |server: &snowflake_server::Server| {
        counter_value(&server.metrics().render(), "snowflake_server_client_queues")
    };
    // The flood's sessions end (no stream within the new-session timeout)
    // and take their client queues with them, long before the 60 s expiry.
    until(
        "the flood's client queues are freed with their sessions",
        || queues(&server) <= 2,
    )
    .await;
    let honest = client(addr, None).await;
    let stream = guard("stream", honest.open_stream()).await.expect("stream");
    assert_eq!(
        guard("exchange", exchange(stream, b"hello".to_vec())).await,
        b"served"
    );
    let _ = tor.next_connection().await;
    stop.store(true, Ordering::Relaxed);
    trickle.await.expect("trickle");
    let metrics = server.metrics().render();
    let clients = counter_value(&metrics, "snowflake_server_client_queues");
    assert!(clients <= TABLE as u64, "{metrics}");
    server.shutdown().await;
}

fn push(conv: u32, sn: u32, payload: &[u8]) -> Bytes {
    Bytes::from(snowflake_testkit::tunnel_client::kcp_push_packet(
        conv, sn, payload,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_order_data_over_many_sessions_stays_within_the_budget() {
    // Each established session may hold 2 MiB out of order; 16 of them
    // would hold 32 MiB. They share 8 MiB. (Sessions not yet established
    // may hold only 64 KiB each: common/tests/kcp_session.rs.)
    const SESSIONS: usize = 16;
    let budget = 8 * 1024 * 1024;
    let tor = FakeTor::ext_tcp(Behavior::Hold).await;
    let (server, addr) = start_server(&tor.target, |c| c.limits.memory_budget = budget).await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut flooders = Vec::new();
    for _ in 0..SESSIONS {
        let ws = websocket(addr, None).await.expect("WebSocket");
        let path = Arc::new(encapsulated_packet_conn(ws, Some(ClientId::random())));
        let stop = Arc::clone(&stop);
        flooders.push(tokio::spawn(async move {
            let conv = rand::random();
            let payload = vec![0xa5u8; MSS];
            // A stream that carries data establishes the session...
            let mut data = vec![2u8, 2, 5, 0, 3, 0, 0, 0];
            data.extend_from_slice(b"hello");
            for (sn, segment) in [smux_syn(3).to_vec(), data].iter().enumerate() {
                if path.send(push(conv, sn as u32, segment)).await.is_err() {
                    return;
                }
            }
            // ...then never sn 2: everything after waits for the gap.
            while !stop.load(Ordering::Relaxed) {
                for sn in 3..1600u32 {
                    if path.send(push(conv, sn, &payload)).await.is_err() {
                        return;
                    }
                }
            }
        }));
    }
    let mut highest = 0usize;
    // Until the budget is nearly spent, then a while longer.
    let mut after = None;
    guard("flood fills the budget", async {
        loop {
            let held: usize = server
                .sessions()
                .iter()
                .map(|s| s.receive_buffered_bytes)
                .sum();
            assert!(
                held <= budget,
                "sessions hold {held} bytes, above the {budget}-byte budget"
            );
            highest = highest.max(held);
            match after {
                None if held > budget / 2 => after = Some(50),
                Some(0) => break,
                Some(n) => after = Some(n - 1),
                None => {}
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    for f in flooders {
        let _ = f.await;
    }
    assert!(server.memory_used() <= budget);
    eprintln!("{SESSIONS} out-of-order flooders: at most {highest} bytes buffered");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_syn_does_not_dial_tor_until_data_flows() {
    let mut tor = FakeTor::ext_tcp(Behavior::Exchange {
        reply: Arc::new(b"reply".to_vec()),
        expect: 4,
    })
    .await;
    let (server, addr) = start_server(&tor.target, |c| {
        c.timeouts.new_session = Duration::from_secs(1);
    })
    .await;
    // A session whose stream never carries data.
    let silent = client(addr, None).await;
    let _stream = guard("stream", silent.open_stream()).await.expect("stream");
    until("stream accepted", || {
        server.metrics().streams_total.get() == 1
    })
    .await;
    until("silent session expires", || server.sessions().is_empty()).await;
    assert_eq!(tor.try_next_event(), None, "tor was dialled for a bare SYN");
    assert_eq!(server.metrics().streams_without_data.get(), 1);
    // A stream with data reaches tor, data first.
    let talker = client(addr, None).await;
    let stream = guard("stream", talker.open_stream()).await.expect("stream");
    assert_eq!(
        guard("exchange", exchange(stream, b"data".to_vec())).await,
        b"reply"
    );
    let _ = tor.next_connection().await;
    match tor.next_event().await {
        TorEvent::Finished { received, .. } => assert_eq!(received, 4),
        other => panic!("unexpected {other:?}"),
    }
    server.shutdown().await;
}

/// A client WebSocket frame header (FIN, binary, masked with a zero key,
/// so the payload goes as is).
fn frame_header(len: usize) -> Vec<u8> {
    let mut h = vec![0x82u8];
    if len < 126 {
        h.push(0x80 | len as u8);
    } else if len <= 0xffff {
        h.push(0x80 | 126);
        h.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        h.push(0x80 | 127);
        h.extend_from_slice(&(len as u64).to_be_bytes());
    }
    h.extend_from_slice(&[0, 0, 0, 0]);
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_that_never_finishes_a_message_is_closed() {
    let tor = FakeTor::ext_tcp(Behavior::Hold).await;
    let (server, addr) = start_server(&tor.target, |c| {
        c.timeouts.idle = Duration::from_secs(3600);
        c.timeouts.message = Duration::from_secs(1);
    })
    .await;
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), tcp)
        .await
        .expect("WebSocket handshake");
    let mut tcp = ws.into_inner();
    // A complete message with the preamble, then most of a large one,
    // a byte now and then, never the end.
    let pre = preamble(ClientId::random());
    let mut out = frame_header(pre.len());
    out.extend_from_slice(&pre);
    out.extend_from_slice(&frame_header(60_000));
    out.extend_from_slice(&[0u8; 50_000]);
    tcp.write_all(&out).await.expect("write");
    let closed = guard("connection closed", async {
        let mut buf = [0u8; 1024];
        loop {
            tokio::select! {
                read = tcp.read(&mut buf) => match read {
                    Ok(0) | Err(_) => return,
                    // The server's close frame; then it closes.
                    Ok(_) => {}
                },
                () = tokio::time::sleep(Duration::from_millis(200)) => {
                    if tcp.write_all(&[0]).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    closed.await;
    assert_eq!(server.metrics().rejected(RejectReason::MessageTimeout), 1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_whose_streams_ended_are_closed_so_a_small_budget_serves_client_after_client() {
    // Room for three sessions' fixed cost: without closing finished
    // sessions, the fourth client in a row would wait for an idle eviction.
    const ROOM: usize = 3;
    const CLIENTS: usize = 5;
    let tor = FakeTor::ext_tcp(Behavior::Exchange {
        reply: Arc::new(b"served".to_vec()),
        expect: 5,
    })
    .await;
    let (server, addr) = start_server(&tor.target, |c| {
        c.limits.memory_budget = ROOM * SESSION_COST + 64 * 1024;
    })
    .await;
    for i in 0..CLIENTS {
        let honest = client(addr, None).await;
        let stream = guard("stream", honest.open_stream()).await.expect("stream");
        assert_eq!(
            guard("exchange", exchange(stream, b"hello".to_vec())).await,
            b"served",
            "client {i}"
        );
        // The client goes away, as a Snowflake client does when its one
        // stream is done; its session on the server follows.
        drop(honest);
        until("the finished session is closed", || {
            server.sessions().is_empty()
        })
        .await;
    }
    let metrics = server.metrics().render();
    assert_eq!(
        counter_value(&metrics, "snowflake_server_sessions_finished_total"),
        CLIENTS as u64,
        "{metrics}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_session_is_closed_once_its_client_has_acknowledged_everything() {
    // The upper bound on the wait is an hour here, so the session can only
    // go by the rule under test: its stream is done and the client, still
    // connected and acknowledging, has everything the server sent.
    let tor = FakeTor::ext_tcp(Behavior::Exchange {
        reply: Arc::new(vec![7u8; 200_000]),
        expect: 5,
    })
    .await;
    let (server, addr) = start_server(&tor.target, |c| {
        c.timeouts.finished_linger = Duration::from_secs(3600);
    })
    .await;
    let honest = client(addr, None).await;
    let stream = guard("stream", honest.open_stream()).await.expect("stream");
    let reply = guard("exchange", exchange(stream, b"hello".to_vec())).await;
    assert_eq!(reply.len(), 200_000);
    assert!(reply.iter().all(|&b| b == 7));
    // The client's session and its WebSocket stay up.
    until("the finished session is closed", || {
        server.sessions().is_empty()
    })
    .await;
    let metrics = server.metrics().render();
    assert_eq!(
        counter_value(&metrics, "snowflake_server_sessions_finished_total"),
        1,
        "{metrics}"
    );
    drop(honest);
    server.shutdown().await;
}
