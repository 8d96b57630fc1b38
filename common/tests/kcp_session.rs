//! KCP client driver ↔ server listener, in process: data integrity with and
//! without loss, the server's demultiplexing rules (§2.4), its limits, the
//! §11.5 capture through the driver, ACK timing and backpressure.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use snowflake_common::kcp::inflight::INITIAL_SEGMENTS;
use snowflake_common::kcp::segment::{SegmentHeader, CMD_ACK, CMD_PUSH};
use snowflake_common::kcp::{
    connect, connect_with_conv, Accepted, KcpError, KcpListener, KcpStream, ListenerConfig,
    MemoryBudget, MSS, SEGMENT_OVERHEAD, SEND_QUEUE_LIMIT, SESSION_COST,
};
use snowflake_common::smux::{Config, Session};
use snowflake_common::turbotunnel::{ChannelPacketConn, ClientId, PacketConn, QueuePacketConn};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;

/// Hang guard only.
const HANG_GUARD: Duration = Duration::from_secs(300);

fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut data = vec![0u8; len];
    rng.fill(&mut data[..]);
    data
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// A client packet connection wired to `queue` as client `id`, dropping
/// each packet with probability `loss` in each direction.
fn lossy_link(
    queue: &Arc<QueuePacketConn>,
    id: ClientId,
    loss: f64,
    seed: u64,
) -> ChannelPacketConn {
    let (client_end, relay_end) = ChannelPacketConn::pair(512);
    let relay_end = Arc::new(relay_end);
    let up_queue = Arc::clone(queue);
    let up = Arc::clone(&relay_end);
    tokio::spawn(async move {
        let mut rng = StdRng::seed_from_u64(seed);
        while let Ok(packet) = up.recv().await {
            if !rng.random_bool(loss) {
                up_queue.queue_incoming(id, packet);
            }
        }
    });
    let out = queue.outgoing(id).expect("client table has room");
    tokio::spawn(async move {
        let mut rng = StdRng::seed_from_u64(seed ^ 0xdead_beef);
        while let Some(packet) = out.recv().await {
            if !rng.random_bool(loss) && relay_end.send(packet).await.is_err() {
                break;
            }
        }
    });
    client_end
}

/// Accepts sessions forever, running an smux server that echoes every
/// stream.
fn spawn_echo_server(listener: Arc<KcpListener>) {
    tokio::spawn(async move {
        while let Ok(accepted) = listener.accept().await {
            tokio::spawn(async move {
                let session = Session::server(accepted.stream, Config::snowflake_server())
                    .expect("valid config");
                while let Ok(stream) = session.accept_stream().await {
                    tokio::spawn(async move {
                        let (mut r, mut w) = tokio::io::split(stream);
                        let _ = tokio::io::copy(&mut r, &mut w).await;
                        let _ = w.shutdown().await;
                    });
                }
            });
        }
    });
}

/// Sends `data` over one smux stream on `kcp` while reading the echo.
async fn echo_through(kcp: KcpStream, data: Vec<u8>) -> Vec<u8> {
    let session = Session::client(kcp, Config::snowflake_client()).expect("valid config");
    let stream = session.open_stream().await.expect("open stream");
    let (mut r, mut w) = tokio::io::split(stream);
    let len = data.len();
    let writer = tokio::spawn(async move {
        w.write_all(&data).await.expect("write");
        w
    });
    let mut echo = vec![0u8; len];
    r.read_exact(&mut echo).await.expect("read echo");
    let _w = writer.await.expect("writer");
    echo
}

async fn transfer(loss: f64, len: usize, seed: u64) {
    let queue = Arc::new(QueuePacketConn::new(512, 64));
    let listener = Arc::new(KcpListener::new(
        Arc::clone(&queue),
        ListenerConfig::default(),
    ));
    spawn_echo_server(Arc::clone(&listener));
    let id = ClientId::random();
    let kcp = connect(lossy_link(&queue, id, loss, seed));
    let data = pattern(len, seed);
    let expected = sha256(&data);
    let echo = timeout(HANG_GUARD, echo_through(kcp, data))
        .await
        .expect("transfer finished");
    assert_eq!(sha256(&echo), expected);
    assert_eq!(listener.session_count(), 1);
    assert_eq!(listener.stats().sessions_created, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_without_loss() {
    transfer(0.0, 4 << 20, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_with_five_percent_loss() {
    transfer(0.05, 1 << 20, 2).await;
}

const CONV: u32 = 0x1122_3344;
const SMUX_SYN_SID3: [u8; 8] = [0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00];

fn segment(conv: u32, cmd: u8, ts: u32, sn: u32, una: u32, payload: &[u8]) -> Bytes {
    let mut out = SegmentHeader {
        conv,
        cmd,
        frg: 0,
        wnd: 65535,
        ts,
        sn,
        una,
        len: payload.len() as u32,
    }
    .to_bytes()
    .to_vec();
    out.extend_from_slice(payload);
    Bytes::from(out)
}

/// Lets spawned tasks run until `done` holds (paused time advances 1 ms
/// per round; a hang guard, not a timing assertion).
async fn until(mut done: impl FnMut() -> bool) {
    for _ in 0..10_000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("condition not reached");
}

#[tokio::test(start_paused = true)]
async fn first_datagram_through_the_driver_matches_kcp_go_capture() {
    // §11.5, with the conversation id forced and the clock starting at 0.
    let (ours, peer) = ChannelPacketConn::pair(64);
    let mut kcp = connect_with_conv(ours, CONV);
    assert_eq!(kcp.conv(), CONV);
    kcp.write_all(&SMUX_SYN_SID3).await.expect("write");
    let packet = peer.recv().await.expect("first datagram");
    assert_eq!(
        hex::encode(packet),
        "443322115100ffff000000000000000000000000080000000200000003000000"
    );
}

#[tokio::test(start_paused = true)]
async fn acks_go_out_on_the_next_10ms_tick() {
    let (ours, peer) = ChannelPacketConn::pair(64);
    let start = tokio::time::Instant::now();
    let mut kcp = connect_with_conv(ours, CONV);
    peer.send(segment(CONV, CMD_PUSH, 4321, 0, 0, b"x"))
        .await
        .expect("send");
    let mut byte = [0u8; 1];
    kcp.read_exact(&mut byte).await.expect("read");
    assert_eq!(&byte, b"x");
    // Nothing before the tick …
    assert!(timeout(Duration::from_millis(9), peer.recv())
        .await
        .is_err());
    // … then the ACK, at the tick 10 ms after the session started.
    let ack = peer.recv().await.expect("ACK");
    assert_eq!(start.elapsed(), Duration::from_millis(10));
    let header = SegmentHeader::parse(&ack).expect("header");
    assert_eq!(
        (header.cmd, header.ts, header.sn, header.una, header.wnd),
        (CMD_ACK, 4321, 0, 1, 65535)
    );
    assert_eq!(ack.len(), 24);
}

#[tokio::test(start_paused = true)]
async fn writes_wait_while_the_send_queue_is_full() {
    let (ours, peer) = ChannelPacketConn::pair(512);
    let peer = Arc::new(peer);
    let mut kcp = connect_with_conv(ours, CONV);
    // The peer swallows everything and never acknowledges; it records the
    // highest sequence number seen.
    let highest = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let sink = Arc::clone(&peer);
    let seen = Arc::clone(&highest);
    tokio::spawn(async move {
        while let Ok(packet) = sink.recv().await {
            let mut rest = &packet[..];
            while let Some(h) = SegmentHeader::parse(rest) {
                if h.cmd == CMD_PUSH {
                    seen.fetch_max(h.sn, std::sync::atomic::Ordering::Relaxed);
                }
                rest = &rest[24 + h.len as usize..];
            }
        }
    });
    let chunk = vec![1u8; 32 * 1024];
    let mut accepted = 0usize;
    // Until a write stays blocked for 5 s of (paused) time.
    while let Ok(n) = timeout(Duration::from_secs(5), kcp.write(&chunk)).await {
        accepted += n.expect("write");
    }
    // Nothing was ever acknowledged, so the in-flight bound is still at
    // its start, below the send queue's own bound.
    const { assert!(INITIAL_SEGMENTS < SEND_QUEUE_LIMIT) };
    assert!(accepted >= (INITIAL_SEGMENTS - 1) * MSS, "{accepted}");
    assert!(accepted <= INITIAL_SEGMENTS * MSS, "{accepted}");
    // An acknowledgement of everything sent reopens the queue.
    let snd_nxt = highest.load(std::sync::atomic::Ordering::Relaxed) + 1;
    let now_ms = 5000;
    peer.send(segment(CONV, CMD_ACK, now_ms, snd_nxt - 1, snd_nxt, b""))
        .await
        .expect("send ACK");
    let n = timeout(Duration::from_secs(60), kcp.write(&chunk))
        .await
        .expect("write resumes")
        .expect("write");
    assert!(n > 0);
}

#[tokio::test(start_paused = true)]
async fn packet_conn_failure_ends_the_stream_with_an_error() {
    let (ours, peer) = ChannelPacketConn::pair(64);
    let mut kcp = connect(ours);
    drop(peer);
    let mut buf = [0u8; 8];
    let err = kcp.read(&mut buf).await.expect_err("read fails");
    assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    assert!(matches!(kcp.error(), Some(KcpError::PacketConn { .. })));
    assert!(kcp.write(b"x").await.is_err());
}

#[tokio::test(start_paused = true)]
async fn dropping_the_stream_flushes_once_and_ends_the_driver() {
    let (ours, peer) = ChannelPacketConn::pair(64);
    let mut kcp = connect_with_conv(ours, CONV);
    kcp.write_all(b"last words").await.expect("write");
    drop(kcp);
    let packet = peer.recv().await.expect("final flush");
    assert_eq!(&packet[24..], b"last words");
    // The driver released the packet connection.
    assert!(peer.recv().await.is_err());
}

#[tokio::test(start_paused = true)]
async fn shutdown_stops_writes_but_not_reads() {
    let (ours, peer) = ChannelPacketConn::pair(64);
    let mut kcp = connect_with_conv(ours, CONV);
    kcp.shutdown().await.expect("shutdown");
    assert_eq!(
        kcp.write(b"x")
            .await
            .expect_err("write after shutdown")
            .kind(),
        std::io::ErrorKind::BrokenPipe
    );
    peer.send(segment(CONV, CMD_PUSH, 0, 0, 0, b"still here"))
        .await
        .expect("send");
    let mut buf = [0u8; 10];
    kcp.read_exact(&mut buf).await.expect("read");
    assert_eq!(&buf, b"still here");
}

fn listener(config: ListenerConfig) -> (Arc<QueuePacketConn>, KcpListener) {
    let queue = Arc::new(QueuePacketConn::new(512, 1024));
    let listener = KcpListener::new(Arc::clone(&queue), config);
    (queue, listener)
}

async fn accept(listener: &KcpListener) -> Accepted {
    timeout(Duration::from_secs(5), listener.accept())
        .await
        .expect("a session is waiting")
        .expect("listener open")
}

#[tokio::test(start_paused = true)]
async fn listener_answers_the_first_push_like_kcp_go() {
    let (queue, listener) = listener(ListenerConfig::default());
    let id = ClientId([1, 2, 3, 4, 5, 6, 7, 8]);
    // §1.4 / §11.5: the client's first PUSH (conv 0x11223344, ts 1000).
    queue.queue_incoming(id, segment(CONV, CMD_PUSH, 1000, 0, 0, &SMUX_SYN_SID3));
    let accepted = accept(&listener).await;
    assert_eq!((accepted.client_id, accepted.conv), (id, CONV));
    // The ACK goes to that client's queue, byte for byte as kcp-go's.
    let out = queue.outgoing(id).expect("queue");
    let ack = out.recv().await.expect("ACK");
    assert_eq!(
        hex::encode(ack),
        "443322115200feffe8030000000000000100000000000000"
    );
    let mut stream = accepted.stream;
    let mut buf = [0u8; 8];
    stream.read_exact(&mut buf).await.expect("read");
    assert_eq!(buf, SMUX_SYN_SID3);
}

#[tokio::test(start_paused = true)]
async fn conv_change_with_sn_zero_replaces_the_session_other_mismatches_are_dropped() {
    let (queue, listener) = listener(ListenerConfig::default());
    let id = ClientId([9; 8]);
    queue.queue_incoming(id, segment(0xaaaa, CMD_PUSH, 0, 0, 0, b"old"));
    let mut old = accept(&listener).await;
    assert_eq!(old.conv, 0xaaaa);

    // Another conv with sn ≠ 0: dropped, the old session is untouched.
    queue.queue_incoming(id, segment(0xbbbb, CMD_PUSH, 0, 5, 0, b"stray"));
    until(|| listener.stats().conv_mismatch_dropped == 1).await;
    assert_eq!(listener.session_count(), 1);
    let mut buf = [0u8; 3];
    old.stream
        .read_exact(&mut buf)
        .await
        .expect("old still works");
    assert_eq!(&buf, b"old");

    // A malformed packet with sn 0 does not replace it either.
    let mut bad = segment(0xbbbb, CMD_PUSH, 0, 0, 0, b"x").to_vec();
    bad[5] = 1; // frg
    queue.queue_incoming(id, Bytes::from(bad));
    until(|| listener.stats().invalid_dropped == 1).await;
    assert!(old.stream.error().is_none());

    // Another conv with sn 0: a new session replaces the old one.
    queue.queue_incoming(id, segment(0xbbbb, CMD_PUSH, 0, 0, 0, b"new"));
    let mut new = accept(&listener).await;
    assert_eq!((new.client_id, new.conv), (id, 0xbbbb));
    let err = old
        .stream
        .read(&mut buf)
        .await
        .expect_err("old session ended");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    assert_eq!(old.stream.error(), Some(KcpError::Replaced));
    new.stream.read_exact(&mut buf).await.expect("read");
    assert_eq!(&buf, b"new");
    let stats = listener.stats();
    assert_eq!((stats.sessions_created, stats.sessions_replaced), (2, 1));
    // The replaced session's exit does not remove its successor.
    drop(old);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(listener.session_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn session_cap_drops_new_clients() {
    let (queue, listener) = listener(ListenerConfig {
        max_sessions: 2,
        ..ListenerConfig::default()
    });
    let mut sessions = Vec::new();
    for i in 0..2u8 {
        queue.queue_incoming(ClientId([i; 8]), segment(7, CMD_PUSH, 0, 0, 0, b"x"));
        let accepted = accept(&listener).await;
        // Established sessions are not evicted for newcomers.
        accepted.stream.monitor().mark_established();
        sessions.push(accepted);
    }
    queue.queue_incoming(ClientId([2; 8]), segment(7, CMD_PUSH, 0, 0, 0, b"x"));
    until(|| listener.stats().session_cap_dropped == 1).await;
    assert_eq!(listener.session_count(), 2);
    assert_eq!(listener.stats().evicted_unestablished, 0);
    // Known clients still get through.
    queue.queue_incoming(ClientId([0; 8]), segment(7, CMD_PUSH, 0, 1, 0, b"y"));
    let mut buf = [0u8; 2];
    sessions[0].stream.read_exact(&mut buf).await.expect("read");
    assert_eq!(&buf, b"xy");
    // Closing a session (dropping its stream) removes it and makes room.
    drop(sessions.remove(1));
    until(|| listener.session_count() == 1).await;
    queue.queue_incoming(ClientId([2; 8]), segment(7, CMD_PUSH, 0, 0, 0, b"x"));
    assert_eq!(accept(&listener).await.client_id, ClientId([2; 8]));
}

#[tokio::test(start_paused = true)]
async fn at_the_cap_the_oldest_unestablished_session_makes_room() {
    let (queue, listener) = listener(ListenerConfig {
        max_sessions: 3,
        ..ListenerConfig::default()
    });
    let mut sessions = Vec::new();
    for i in 0..3u8 {
        queue.queue_incoming(ClientId([i; 8]), segment(7, CMD_PUSH, 0, 0, 0, b"x"));
        sessions.push(accept(&listener).await);
    }
    // Session 0 proves itself; 1 and 2 never do.
    sessions[0].stream.monitor().mark_established();
    let mut newcomers = Vec::new();
    for i in 3..5u8 {
        queue.queue_incoming(ClientId([i; 8]), segment(7, CMD_PUSH, 0, 0, 0, b"x"));
        let accepted = accept(&listener).await;
        assert_eq!(accepted.client_id, ClientId([i; 8]));
        newcomers.push(accepted);
    }
    let stats = listener.stats();
    assert_eq!(
        (stats.evicted_unestablished, stats.session_cap_dropped),
        (2, 0)
    );
    assert_eq!(listener.session_count(), 3);
    for evicted in &sessions[1..] {
        until(|| evicted.stream.error() == Some(KcpError::Evicted)).await;
    }
    assert_eq!(
        sessions[0].stream.error(),
        None,
        "the established one stays"
    );
}

#[tokio::test(start_paused = true)]
async fn a_session_that_sent_segments_0_and_1_outlives_a_flood_of_one_packet_sessions() {
    let (queue, listener) = listener(ListenerConfig {
        max_sessions: 3,
        ..ListenerConfig::default()
    });
    // The real client: its SYN and its first data, in two packets; its
    // stream has not been read yet (a loaded server), so it is unproven.
    let real = ClientId([0xaa; 8]);
    queue.queue_incoming(real, segment(7, CMD_PUSH, 0, 0, 0, b"x"));
    let session = accept(&listener).await;
    queue.queue_incoming(real, segment(7, CMD_PUSH, 0, 1, 0, b"y"));
    // Then a flood of one-packet sessions, far more than the cap.
    let mut flood = Vec::new();
    for i in 0..20u8 {
        queue.queue_incoming(ClientId([i; 8]), segment(7, CMD_PUSH, 0, 0, 0, b"x"));
        flood.push(accept(&listener).await);
    }
    let stats = listener.stats();
    assert_eq!(stats.evicted_unestablished, 18, "{stats:?}");
    assert_eq!(listener.session_count(), 3);
    assert_eq!(session.stream.error(), None, "the real client was evicted");
    let mut stream = session.stream;
    let mut buf = [0u8; 2];
    stream.read_exact(&mut buf).await.expect("read");
    assert_eq!(&buf, b"xy");
    // With only sessions like it left, the oldest of them goes first.
    for i in 20..22u8 {
        let mut two = segment(7, CMD_PUSH, 0, 0, 0, b"x").to_vec();
        two.extend_from_slice(&segment(7, CMD_PUSH, 0, 1, 0, b"y"));
        queue.queue_incoming(ClientId([i; 8]), Bytes::from(two));
        flood.push(accept(&listener).await);
    }
    for i in 22..25u8 {
        queue.queue_incoming(ClientId([i; 8]), segment(7, CMD_PUSH, 0, 0, 0, b"x"));
        flood.push(accept(&listener).await);
    }
    until(|| stream.error() == Some(KcpError::Evicted)).await;
}

#[tokio::test(start_paused = true)]
async fn packets_without_segment_0_make_no_session() {
    let (queue, listener) = listener(ListenerConfig {
        max_sessions: 1,
        ..ListenerConfig::default()
    });
    // A later segment, and an acknowledgement, from clients without a
    // session.
    queue.queue_incoming(ClientId([1; 8]), segment(7, CMD_PUSH, 0, 5, 0, b"x"));
    queue.queue_incoming(ClientId([2; 8]), segment(7, CMD_ACK, 0, 0, 1, b""));
    until(|| listener.stats().not_opening_dropped == 2).await;
    assert_eq!(listener.stats().sessions_created, 0);
    // A session evicted for a newcomer: its client's next segments are
    // dropped, not made into a session that waits for segment 0, and they
    // do not push the newcomer out in turn.
    let first = ClientId([3; 8]);
    queue.queue_incoming(first, segment(7, CMD_PUSH, 0, 0, 0, b"x"));
    let evicted = accept(&listener).await;
    let newcomer = ClientId([4; 8]);
    queue.queue_incoming(newcomer, segment(7, CMD_PUSH, 0, 0, 0, b"x"));
    let kept = accept(&listener).await;
    until(|| evicted.stream.error() == Some(KcpError::Evicted)).await;
    queue.queue_incoming(first, segment(7, CMD_PUSH, 0, 1, 0, b"y"));
    until(|| listener.stats().not_opening_dropped == 3).await;
    let stats = listener.stats();
    assert_eq!(
        (stats.sessions_created, stats.evicted_unestablished),
        (2, 1)
    );
    assert_eq!(kept.stream.error(), None);
    assert_eq!(listener.session_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn at_the_cap_an_idle_established_session_makes_room() {
    let (queue, listener) = listener(ListenerConfig {
        max_sessions: 2,
        idle_eviction: Duration::from_secs(30),
        ..ListenerConfig::default()
    });
    let mut sessions = Vec::new();
    for i in 0..2u8 {
        queue.queue_incoming(ClientId([i; 8]), segment(7, CMD_PUSH, 0, 0, 0, b"x"));
        let accepted = accept(&listener).await;
        accepted.stream.monitor().mark_established();
        sessions.push(accepted);
    }
    // Client 1 keeps talking, client 0 falls silent.
    for sn in 1..=40u32 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        queue.queue_incoming(ClientId([1; 8]), segment(7, CMD_PUSH, 0, sn, 0, b"."));
    }
    queue.queue_incoming(ClientId([2; 8]), segment(7, CMD_PUSH, 0, 0, 0, b"x"));
    assert_eq!(accept(&listener).await.client_id, ClientId([2; 8]));
    assert_eq!(listener.stats().evicted_idle, 1);
    until(|| sessions[0].stream.error() == Some(KcpError::Evicted)).await;
    assert_eq!(sessions[1].stream.error(), None);
}

#[tokio::test(start_paused = true)]
async fn the_memory_budget_bounds_sessions_and_their_buffers() {
    // Room for three sessions' fixed cost and a little data.
    let budget = MemoryBudget::new(3 * SESSION_COST + 4 * (MSS + SEGMENT_OVERHEAD));
    let (queue, listener) = listener(ListenerConfig {
        budget: budget.clone(),
        ..ListenerConfig::default()
    });
    let mut sessions = Vec::new();
    for i in 0..3u8 {
        queue.queue_incoming(ClientId([i; 8]), segment(7, CMD_PUSH, 0, 0, 0, b""));
        let accepted = accept(&listener).await;
        accepted.stream.monitor().mark_established();
        sessions.push(accepted);
    }
    queue.queue_incoming(ClientId([3; 8]), segment(7, CMD_PUSH, 0, 0, 0, b""));
    until(|| listener.stats().budget_refused == 1).await;
    assert_eq!(listener.session_count(), 3);
    // Out-of-order data beyond the budget is dropped, not stored.
    let payload = vec![0x5a; MSS];
    for sn in 2..40u32 {
        queue.queue_incoming(ClientId([0; 8]), segment(7, CMD_PUSH, 0, sn, 0, &payload));
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    until(|| sessions[0].stream.monitor().budget_dropped_segments() > Some(0)).await;
    assert!(budget.used() <= budget.limit(), "{budget:?}");
    // Everything comes back when the sessions end.
    drop(sessions);
    until(|| listener.session_count() == 0).await;
    until(|| budget.used() == 0).await;
}

#[tokio::test(start_paused = true)]
async fn accept_backlog_drops_new_clients_until_accepted() {
    let (queue, listener) = listener(ListenerConfig {
        accept_backlog: 2,
        ..ListenerConfig::default()
    });
    for i in 0..4u8 {
        queue.queue_incoming(ClientId([i; 8]), segment(7, CMD_PUSH, 0, 0, 0, b"x"));
    }
    until(|| listener.stats().backlog_dropped == 2).await;
    assert_eq!(listener.session_count(), 2);
    let first = accept(&listener).await;
    assert_eq!(first.client_id, ClientId([0; 8]));
    queue.queue_incoming(ClientId([3; 8]), segment(7, CMD_PUSH, 0, 0, 0, b"x"));
    until(|| listener.session_count() == 3).await;
    assert_eq!(accept(&listener).await.client_id, ClientId([1; 8]));
    assert_eq!(accept(&listener).await.client_id, ClientId([3; 8]));
}

#[tokio::test(start_paused = true)]
async fn malformed_packets_from_new_clients_create_no_session() {
    let (queue, listener) = listener(ListenerConfig::default());
    queue.queue_incoming(ClientId([1; 8]), Bytes::from_static(&[0x51; 23]));
    let mut unknown_cmd = segment(7, CMD_PUSH, 0, 0, 0, b"x").to_vec();
    unknown_cmd[4] = 99;
    queue.queue_incoming(ClientId([2; 8]), Bytes::from(unknown_cmd));
    until(|| listener.stats().invalid_dropped == 2).await;
    assert_eq!(listener.session_count(), 0);
    assert_eq!(listener.stats().sessions_created, 0);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_listener_ends_its_sessions() {
    let (queue, listener) = listener(ListenerConfig::default());
    queue.queue_incoming(ClientId([1; 8]), segment(7, CMD_PUSH, 0, 0, 0, b"x"));
    let mut accepted = accept(&listener).await;
    drop(listener);
    let mut buf = [0u8; 1];
    accepted
        .stream
        .read_exact(&mut buf)
        .await
        .expect("data read before");
    let err = accepted.stream.read(&mut buf).await.expect_err("ended");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionAborted);
    assert_eq!(accepted.stream.error(), Some(KcpError::ListenerClosed));
}

#[tokio::test(start_paused = true)]
async fn unproven_sessions_take_at_most_half_the_budget_so_established_ones_keep_receiving() {
    use snowflake_common::kcp::{unproven_cap, UNPROVEN_SESSION_COST};
    let budget = MemoryBudget::new(40 * UNPROVEN_SESSION_COST);
    let config = ListenerConfig {
        budget: budget.clone(),
        ..ListenerConfig::default()
    };
    let cap = unproven_cap(&config);
    assert_eq!(cap, 20);
    let (queue, listener) = listener(config);
    // A real client, established.
    let real = ClientId([0xee; 8]);
    queue.queue_incoming(real, segment(7, CMD_PUSH, 0, 0, 0, b"syn"));
    let mut accepted = accept(&listener).await;
    accepted.stream.monitor().mark_established();
    let mut buf = [0u8; 3];
    accepted.stream.read_exact(&mut buf).await.expect("first");
    // 200 attackers, each a session that sends segment 0 and then as much
    // out-of-order data as it may (never segment 1).
    let payload = vec![0x5a; MSS];
    for i in 0..200u16 {
        let mut id = [0u8; 8];
        id[..2].copy_from_slice(&i.to_be_bytes());
        let id = ClientId(id);
        queue.queue_incoming(id, segment(9, CMD_PUSH, 0, 0, 0, b""));
        // As the server's smux session would: read until the session
        // ends (here: evicted), then let go of it.
        let mut attacker = accept(&listener).await.stream;
        tokio::spawn(async move {
            let mut sink = [0u8; 1024];
            while matches!(attacker.read(&mut sink).await, Ok(n) if n > 0) {}
        });
        for sn in 2..80u32 {
            queue.queue_incoming(id, segment(9, CMD_PUSH, 0, sn, 0, &payload));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert!(listener.unproven_sessions() <= cap);
    }
    assert!(listener.stats().evicted_unestablished >= 180);
    assert!(budget.used() <= budget.limit(), "{budget:?}");
    // The established session still has room: 400 kB more, in order.
    let mut sent = Vec::new();
    for sn in 1..=300u32 {
        let chunk = pattern(MSS, u64::from(sn));
        queue.queue_incoming(real, segment(7, CMD_PUSH, 0, sn, 0, &chunk));
        sent.extend_from_slice(&chunk);
        if sn % 50 == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let mut got = vec![0u8; sent.len()];
    timeout(
        Duration::from_secs(30),
        accepted.stream.read_exact(&mut got),
    )
    .await
    .expect("the established session is not starved")
    .expect("read");
    assert!(got == sent, "data intact");
    assert_eq!(
        accepted.stream.monitor().budget_dropped_segments(),
        Some(0),
        "none of the real client's segments was refused for lack of budget"
    );
}
