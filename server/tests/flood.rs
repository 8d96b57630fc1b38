//! A client that floods cannot grow the server's memory without bound: its
//! KCP session holds at most RECV_AHEAD_BYTES + RECV_UNREAD_BYTES + two
//! segments on the receive side, measured through the server's accessor,
//! and the server keeps serving other clients.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use snowflake_common::kcp::{self, MSS, RECV_AHEAD_BYTES, RECV_UNREAD_BYTES};
use snowflake_common::turbotunnel::{encapsulated_packet_conn, ClientId, PacketConn};
use snowflake_server::Server;
use snowflake_testkit::tunnel_client::{websocket, MultiPathConn};
use tokio::io::AsyncWriteExt;

/// The most one session may hold on its receive side: the out-of-order
/// bound, the unread bound plus the one segment that may cross it, and
/// one segment taken out of KCP for a short read and not yet handed out
/// (the core's staged segment: no longer counted by the receive limiter,
/// still in memory). A run once saw more than the first three alone.
const CAP: usize = RECV_AHEAD_BYTES + RECV_UNREAD_BYTES + 2 * MSS;

fn push(conv: u32, sn: u32, payload: &[u8]) -> Bytes {
    Bytes::from(snowflake_testkit::tunnel_client::kcp_push_packet(
        conv, sn, payload,
    ))
}

/// Samples the session's receive buffer until `reached` says the flood hit
/// the bound, checking every sample against the cap; then a few more.
async fn watch(server: &Server, id: ClientId, reached: impl Fn(usize) -> bool) -> usize {
    let mut highest = 0;
    let mut samples_after = None;
    loop {
        let held = server.session_receive_buffered(id).unwrap_or(0);
        assert!(
            held <= CAP,
            "session holds {held} bytes, above the cap {CAP}"
        );
        highest = highest.max(held);
        match samples_after {
            None if reached(held) => samples_after = Some(20),
            Some(0) => return highest,
            Some(n) => samples_after = Some(n - 1),
            None => {}
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_order_flood_stays_within_the_cap() {
    let mut tor = FakeTor::ext_tcp(Behavior::Exchange {
        reply: Arc::new(b"still serving".to_vec()),
        expect: 4,
    })
    .await;
    let (server, addr) = start_server(&tor.target, |_| {}).await;
    // A hand-made client: a stream that carries data (so the session is
    // established and may hold the full out-of-order bound; an unproven
    // one holds 64 KiB: common/tests/kcp_session.rs), then crafted KCP
    // segments that never fill the gap at sn 2, sent again and again (like
    // retransmissions) so that queue drops along the way do not matter.
    let id = ClientId::random();
    let conv = 0x5eed_f00d;
    let ws = websocket(addr, None).await.expect("WebSocket");
    let path = Arc::new(encapsulated_packet_conn(ws, Some(id)));
    let stop = Arc::new(AtomicBool::new(false));
    let flooder = tokio::spawn({
        let path = Arc::clone(&path);
        let stop = Arc::clone(&stop);
        async move {
            let payload = vec![0xa5u8; MSS];
            let syn = [2u8, 0, 0, 0, 3, 0, 0, 0];
            let data = [2u8, 2, 4, 0, 3, 0, 0, 0, b'p', b'i', b'n', b'g'];
            for (sn, segment) in [&syn[..], &data[..]].into_iter().enumerate() {
                if path.send(push(conv, sn as u32, segment)).await.is_err() {
                    return;
                }
            }
            while !stop.load(Ordering::Relaxed) {
                for sn in 3..6000u32 {
                    if path.send(push(conv, sn, &payload)).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    let highest = guard(
        "flood reaches the out-of-order bound",
        watch(&server, id, |held| held > RECV_AHEAD_BYTES - MSS),
    )
    .await;
    assert!(highest <= RECV_AHEAD_BYTES, "{highest}");
    stop.store(true, Ordering::Relaxed);
    let _ = flooder.await;

    // Another client is served meanwhile.
    let honest = client(addr, None).await;
    let stream = guard("stream", honest.open_stream()).await.expect("stream");
    assert_eq!(
        guard("exchange", exchange(stream, b"ping".to_vec())).await,
        b"still serving"
    );
    let _ = tor.next_connection().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_ignoring_flow_control_with_a_stalled_tor_stays_within_the_cap() {
    // tor never reads: the relay stops, the smux stream's buffer fills
    // (the client ignores the smux window), smux's session buffer runs out
    // and it stops reading KCP, and KCP's unread data grows to its bound.
    let mut tor = FakeTor::ext_tcp_small_buffers(Behavior::Stall).await;
    let (server, addr) = start_server(&tor.target, |_| {}).await;
    let id = ClientId::random();
    let paths = Arc::new(MultiPathConn::new(id));
    paths.add_path(websocket(addr, None).await.expect("WebSocket"));
    let mut kcp_stream = kcp::connect(Arc::clone(&paths));
    let written = Arc::new(AtomicU64::new(0));
    let flooder = tokio::spawn({
        let written = Arc::clone(&written);
        async move {
            // Raw smux v2 frames: SYN for stream 3, then 32 KiB PSH frames
            // with no regard for the peer's window.
            let mut frame = vec![2u8, 0, 0, 0, 3, 0, 0, 0];
            kcp_stream.write_all(&frame).await.expect("SYN");
            frame = vec![2u8, 2, 0x00, 0x80, 3, 0, 0, 0];
            frame.extend(std::iter::repeat_n(0x5au8, 32 * 1024));
            for _ in 0..1024 {
                if kcp_stream.write_all(&frame).await.is_err() {
                    return;
                }
                written.fetch_add(frame.len() as u64, Ordering::Relaxed);
            }
        }
    });
    let (ext, _) = tor.next_connection().await;
    assert!(ext.is_some());
    let highest = guard(
        "flood reaches the unread bound",
        watch(&server, id, |held| held >= RECV_UNREAD_BYTES),
    )
    .await;
    assert!(highest >= RECV_UNREAD_BYTES);
    assert!(
        written.load(Ordering::Relaxed) > (RECV_UNREAD_BYTES + 4 * 1024 * 1024) as u64,
        "the client pushed more than the server holds"
    );
    flooder.abort();
    server.shutdown().await;
}
