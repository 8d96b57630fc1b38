//! End to end in process: a Turbo Tunnel client (token + ClientId + KCP +
//! smux over WebSocket) through the server to a fake tor.

mod common;

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use snowflake_common::turbotunnel::{ClientId, TOKEN};
use snowflake_server::metrics::RejectReason;
use snowflake_server::TorTarget;
use snowflake_testkit::fake_tor_extorport::ExtOrClientInfo;
use snowflake_testkit::tunnel_client::{websocket, TunnelClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MB: usize = 1024 * 1024;

fn exchange_behavior(reply: &[u8], expect: usize) -> Behavior {
    Behavior::Exchange {
        reply: Arc::new(reply.to_vec()),
        expect,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_intact_both_ways_through_the_extended_orport() {
    let up = pattern(6 * MB, 1);
    let down = pattern(5 * MB, 2);
    let mut tor = FakeTor::ext_tcp(exchange_behavior(&down, up.len())).await;
    let (server, addr) = start_server(&tor.target, |_| {}).await;
    let client = client(addr, Some("192.0.2.55")).await;
    let stream = guard("open stream", client.open_stream())
        .await
        .expect("stream");
    let got = guard("exchange", exchange(stream, up.clone())).await;
    assert_eq!(sha256(&got), sha256(&down), "tor → client intact");

    let (ext, _) = tor.next_connection().await;
    let ext = ext.expect("ExtORPort report");
    assert_eq!(ext.user_addr.as_deref(), Some("192.0.2.55:1"));
    assert_eq!(ext.transport.as_deref(), Some("snowflake"));
    assert_eq!(
        tor.next_event().await,
        TorEvent::Finished {
            received: up.len(),
            sha: sha256(&up)
        },
        "client → tor intact"
    );

    let metrics = server.metrics();
    assert_eq!(metrics.sessions_total.get(), 1);
    assert_eq!(metrics.streams_total.get(), 1);
    assert_eq!(metrics.connections_with_client_ip.get(), 1);
    assert_eq!(metrics.bytes_to_tor.get(), up.len() as u64);
    assert_eq!(metrics.bytes_to_client.get(), down.len() as u64);
    let text = metrics.render();
    for name in [
        "snowflake_server_sessions_active 1",
        "snowflake_server_packets_dropped_total",
        "snowflake_server_kcp_receive_buffered_bytes",
        "snowflake_server_stream_bytes_total{direction=\"to_tor\"}",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_survives_moving_to_a_second_websocket_mid_transfer() {
    let up = pattern(8 * MB, 3);
    let down = pattern(8 * MB, 4);
    let mut tor = FakeTor::ext_tcp(exchange_behavior(&down, up.len())).await;
    let (server, addr) = start_server(&tor.target, |_| {}).await;
    let client = client(addr, Some("192.0.2.1")).await;
    let stream = guard("open stream", client.open_stream())
        .await
        .expect("stream");
    let (mut r, mut w) = tokio::io::split(stream);
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        r.read_to_end(&mut got).await.expect("read");
        got
    });
    // A third of the way in (the 1 MiB smux window guarantees the server
    // has consumed most of it), the proxy goes away and another one
    // carries the session on.
    let third = up.len() / 3;
    guard("first third", w.write_all(&up[..third]))
        .await
        .expect("write");
    let second = websocket(addr, Some("192.0.2.2"))
        .await
        .expect("second WebSocket");
    client.paths().add_path(second);
    client.paths().remove_path(0);
    guard("rest", w.write_all(&up[third..]))
        .await
        .expect("write");
    let got = guard("download", reader).await.expect("reader");
    assert_eq!(got.len(), down.len());
    let first_diff = got.iter().zip(down.iter()).position(|(a, b)| a != b);
    assert_eq!(first_diff, None, "downloaded data differs");
    assert_eq!(sha256(&got), sha256(&down));

    let _ = tor.next_connection().await;
    assert_eq!(
        tor.next_event().await,
        TorEvent::Finished {
            received: up.len(),
            sha: sha256(&up)
        }
    );
    let stats = client.paths().stats();
    assert_eq!(stats.len(), 2);
    assert!(
        stats.iter().all(|s| s.sent > 0 && s.received > 0),
        "{stats:?}"
    );
    assert_eq!(
        server.metrics().sessions_total.get(),
        1,
        "one session throughout"
    );
    assert_eq!(server.metrics().streams_total.get(), 1);
    assert_eq!(
        server.client_addr(client.client_id()),
        Some("192.0.2.2".parse().unwrap())
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_websockets_of_one_client_at_once_both_carry_data() {
    let up = pattern(3 * MB, 5);
    let down = pattern(3 * MB, 6);
    let mut tor = FakeTor::ext_tcp(exchange_behavior(&down, up.len())).await;
    let (server, addr) = start_server(&tor.target, |_| {}).await;
    let client = client(addr, None).await;
    client
        .paths()
        .add_path(websocket(addr, None).await.expect("second WebSocket"));
    let stream = guard("open stream", client.open_stream())
        .await
        .expect("stream");
    let got = guard("exchange", exchange(stream, up.clone())).await;
    assert_eq!(sha256(&got), sha256(&down));
    let _ = tor.next_connection().await;
    assert!(matches!(tor.next_event().await, TorEvent::Finished { sha, .. } if sha == sha256(&up)));
    let stats = client.paths().stats();
    assert_eq!(stats.len(), 2);
    for path in &stats {
        assert!(path.sent > 100, "client striped over both: {stats:?}");
        assert!(
            path.received > 100,
            "server sent on both connections: {stats:?}"
        );
    }
    assert_eq!(server.metrics().connections_active.get(), 2);
    server.shutdown().await;
}

#[tokio::test]
async fn connection_without_the_token_is_closed() {
    let tor = FakeTor::ext_tcp(Behavior::Hold).await;
    let (server, addr) = start_server(&tor.target, |_| {}).await;
    let mut ws = websocket(addr, None).await.expect("WebSocket");
    ws.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut buf = [0u8; 64];
    let n = guard("close", ws.read(&mut buf)).await.unwrap_or(0);
    assert_eq!(n, 0, "the server closed the connection");
    assert_eq!(server.metrics().rejected(RejectReason::BadToken), 1);
    assert_eq!(server.metrics().sessions_total.get(), 0);

    // Half a token, then silence: closed at the preamble deadline.
    let (server, addr) = start_server(&tor.target, |c| {
        c.timeouts.handshake = Duration::from_millis(500);
    })
    .await;
    let mut ws = websocket(addr, None).await.expect("WebSocket");
    ws.write_all(&TOKEN[..4]).await.expect("write");
    let n = guard("close", ws.read(&mut buf)).await.unwrap_or(0);
    assert_eq!(n, 0);
    assert_eq!(server.metrics().rejected(RejectReason::NoPreamble), 1);
}

/// Opens a stream on `client`, checks one exchange through it, and returns
/// the ExtORPort report tor got for it.
async fn next_stream_report(
    client: &TunnelClient,
    tor: &mut FakeTor,
    payload: &[u8],
) -> Option<ExtOrClientInfo> {
    let stream = guard("stream", client.open_stream()).await.expect("stream");
    assert_eq!(
        guard("exchange", exchange(stream, payload.to_vec())).await,
        b"ok"
    );
    let (ext, _) = tor.next_connection().await;
    let _ = tor.next_event().await;
    ext
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn useraddr_follows_the_newest_client_ip() {
    let mut tor = FakeTor::ext_tcp(exchange_behavior(b"ok", 1)).await;
    let (server, addr) = start_server(&tor.target, |_| {}).await;
    let user_addr = |ext: Option<ExtOrClientInfo>| ext.and_then(|e| e.user_addr);
    let client = client(addr, Some("192.0.2.10")).await;
    let ext = next_stream_report(&client, &mut tor, b"1").await;
    assert_eq!(user_addr(ext).as_deref(), Some("192.0.2.10:1"));

    // The client moves to a proxy that reports an IPv6 address.
    let ws = websocket(addr, Some("2001:db8::7")).await;
    client.paths().add_path(ws.expect("WebSocket"));
    client.paths().remove_path(0);
    let ext = next_stream_report(&client, &mut tor, b"2").await;
    assert_eq!(user_addr(ext).as_deref(), Some("[2001:db8::7]:1"));

    // A proxy that reports nothing usable keeps the last known address.
    let ws = websocket(addr, Some("0.0.0.0")).await;
    client.paths().add_path(ws.expect("WebSocket"));
    client.paths().remove_path(1);
    let ext = next_stream_report(&client, &mut tor, b"3").await;
    assert_eq!(user_addr(ext).as_deref(), Some("[2001:db8::7]:1"));

    // A client never seen with an address sends no USERADDR.
    let anonymous = common::client(addr, Some("not-an-ip")).await;
    let ext = next_stream_report(&anonymous, &mut tor, b"4").await;
    let ext = ext.expect("ExtORPort report");
    assert_eq!(ext.user_addr, None);
    assert_eq!(ext.transport.as_deref(), Some("snowflake"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_orport_mode() {
    let up = pattern(MB, 7);
    let down = pattern(MB, 8);
    let mut tor = FakeTor::plain(exchange_behavior(&down, up.len())).await;
    assert!(matches!(tor.target, TorTarget::OrPort(_)));
    let (server, addr) = start_server(&tor.target, |_| {}).await;
    let client = client(addr, Some("192.0.2.1")).await;
    let stream = guard("stream", client.open_stream()).await.expect("stream");
    assert_eq!(
        sha256(&guard("exchange", exchange(stream, up.clone())).await),
        sha256(&down)
    );
    let (ext, _) = tor.next_connection().await;
    assert!(ext.is_none(), "no ExtORPort handshake on the plain ORPort");
    assert!(matches!(tor.next_event().await, TorEvent::Finished { sha, .. } if sha == sha256(&up)));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extended_orport_over_a_unix_socket() {
    let up = pattern(MB, 9);
    let down = pattern(MB, 10);
    let mut tor = FakeTor::ext_unix(exchange_behavior(&down, up.len())).await;
    assert!(matches!(tor.target, TorTarget::ExtOrUnix { .. }));
    let (server, addr) = start_server(&tor.target, |_| {}).await;
    let client = client(addr, Some("198.51.100.4")).await;
    let stream = guard("stream", client.open_stream()).await.expect("stream");
    assert_eq!(
        sha256(&guard("exchange", exchange(stream, up.clone())).await),
        sha256(&down)
    );
    let (ext, peer) = tor.next_connection().await;
    assert!(peer.is_none());
    let ext = ext.expect("ExtORPort report");
    assert_eq!(ext.user_addr.as_deref(), Some("198.51.100.4:1"));
    assert_eq!(ext.transport.as_deref(), Some("snowflake"));
    assert!(matches!(tor.next_event().await, TorEvent::Finished { sha, .. } if sha == sha256(&up)));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orport_srcaddr_spreads_source_addresses() {
    let mut tor = FakeTor::ext_tcp(exchange_behavior(b"ok", 1)).await;
    let (server, addr) = start_server(&tor.target, |c| {
        c.orport_srcaddr = Some("127.0.0.0/24".parse().expect("range"));
    })
    .await;
    let client = client(addr, None).await;
    let mut sources = HashSet::new();
    for i in 0..8u8 {
        let stream = guard("stream", client.open_stream()).await.expect("stream");
        assert_eq!(guard("exchange", exchange(stream, vec![i])).await, b"ok");
        let (_, peer) = tor.next_connection().await;
        let ip = peer.expect("TCP peer").ip();
        let IpAddr::V4(v4) = ip else { panic!("{ip}") };
        let last = v4.octets()[3];
        assert_eq!(v4.octets()[..3], [127, 0, 0], "{ip} in 127.0.0.0/24");
        assert!(
            (1..=254).contains(&last),
            "{ip}: neither network nor broadcast"
        );
        sources.insert(ip);
        let _ = tor.next_event().await;
    }
    assert!(sources.len() >= 2, "source addresses vary: {sources:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orport_connection_closes_promptly_when_the_client_stream_ends() {
    let mut tor = FakeTor::ext_tcp(Behavior::Hold).await;
    let (server, addr) = start_server(&tor.target, |c| {
        c.timeouts.half_close_linger = Duration::from_millis(500);
    })
    .await;
    let client = client(addr, None).await;
    let mut stream = guard("stream", client.open_stream()).await.expect("stream");
    stream.write_all(b"hello").await.expect("write");
    let _ = tor.next_connection().await;
    stream.shutdown().await.expect("FIN");
    drop(stream);
    assert_eq!(tor.next_event().await, TorEvent::Eof, "FIN passed on");
    // tor never closes its side; the server closes the connection anyway.
    assert_eq!(tor.next_event().await, TorEvent::Closed);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orport_connection_closes_promptly_when_the_session_ends() {
    let mut tor = FakeTor::ext_tcp(Behavior::Hold).await;
    // A linger time longer than the hang guard: only the session's end can
    // close the connection in time.
    let (server, addr) = start_server(&tor.target, |c| {
        c.timeouts.half_close_linger = Duration::from_secs(3600);
    })
    .await;
    let id = ClientId::random();
    let old = client_with_id(addr, None, id).await;
    let mut stream = guard("stream", old.open_stream()).await.expect("stream");
    stream.write_all(b"hello").await.expect("write");
    let _ = tor.next_connection().await;
    // The client restarts its KCP session under the same ClientId (a new
    // conversation starting at sn 0), which replaces the old session.
    let new = client_with_id(addr, None, id).await;
    let mut second = guard("stream", new.open_stream()).await.expect("stream");
    second.write_all(b"again").await.expect("write");
    // The new stream's connection and the old one's closing race.
    let mut events = Vec::new();
    while !events.contains(&TorEvent::Closed) {
        events.push(tor.next_event().await);
    }
    assert!(
        events
            .iter()
            .any(|e| matches!(e, TorEvent::Connected { .. })),
        "{events:?}"
    );
    let eof = events.iter().position(|e| *e == TorEvent::Eof);
    let closed = events.iter().position(|e| *e == TorEvent::Closed);
    assert!(eof < closed, "{events:?}");
    drop(stream);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_turbotunnel_instances() {
    let mut tor = FakeTor::ext_tcp(exchange_behavior(b"pong", 4)).await;
    let (server, addr) = start_server(&tor.target, |c| c.num_turbotunnel = 4).await;
    let mut shards = HashSet::new();
    for _ in 0..12 {
        let client = client(addr, None).await;
        shards.insert(client.client_id().shard(4));
        let stream = guard("stream", client.open_stream()).await.expect("stream");
        assert_eq!(
            guard("exchange", exchange(stream, b"ping".to_vec())).await,
            b"pong"
        );
        let _ = tor.next_connection().await;
        let _ = tor.next_event().await;
    }
    assert!(shards.len() > 1, "clients landed on several instances");
    assert_eq!(server.metrics().sessions_total.get(), 12);
    server.shutdown().await;
}

#[tokio::test]
async fn connection_cap_refuses_extra_connections() {
    let tor = FakeTor::ext_tcp(Behavior::Hold).await;
    let (server, addr) = start_server(&tor.target, |c| c.limits.max_connections = 1).await;
    let _first = websocket(addr, None).await.expect("first connection");
    assert!(websocket(addr, None).await.is_err(), "second refused");
    assert_eq!(server.metrics().rejected(RejectReason::ConnectionLimit), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_upgrade_at_any_path_and_metrics_endpoint() {
    let mut tor = FakeTor::ext_tcp(exchange_behavior(b"ok", 1)).await;
    let (server, addr) = start_server(&tor.target, |_| {}).await;
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let ws = snowflake_testkit::tunnel_client::websocket_over(
        tcp,
        &format!("ws://{addr}/some/relay/path?foo=bar&client_ip=192.0.2.200"),
    )
    .await
    .expect("upgrade at a non-root path");
    let client =
        snowflake_testkit::tunnel_client::TunnelClient::new(ClientId::random()).expect("client");
    client.paths().add_path(ws);
    let stream = guard("stream", client.open_stream()).await.expect("stream");
    assert_eq!(
        guard("exchange", exchange(stream, b"x".to_vec())).await,
        b"ok"
    );
    let (ext, _) = tor.next_connection().await;
    assert_eq!(
        ext.and_then(|e| e.user_addr).as_deref(),
        Some("192.0.2.200:1")
    );

    let metrics_addr = server
        .serve_metrics("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("metrics endpoint");
    let mut http = tokio::net::TcpStream::connect(metrics_addr)
        .await
        .expect("connect");
    http.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("request");
    let mut response = String::new();
    guard("metrics", http.read_to_string(&mut response))
        .await
        .expect("response");
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(
        response.contains("snowflake_server_streams_total 1"),
        "{response}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn idle_connection_is_closed() {
    let tor = FakeTor::ext_tcp(Behavior::Hold).await;
    let (server, addr) = start_server(&tor.target, |c| {
        c.timeouts.idle = Duration::from_millis(300);
    })
    .await;
    let mut ws = websocket(addr, None).await.expect("WebSocket");
    ws.write_all(&snowflake_common::turbotunnel::preamble(ClientId::random()))
        .await
        .expect("preamble");
    // Nothing more in either direction: the server closes the connection.
    let mut buf = [0u8; 16];
    let n = guard("idle close", ws.read(&mut buf)).await.unwrap_or(0);
    assert_eq!(n, 0);
    assert_eq!(server.metrics().connections_active.get(), 0);
}

#[tokio::test]
async fn oversized_websocket_message_ends_the_connection() {
    let tor = FakeTor::ext_tcp(Behavior::Hold).await;
    let (server, addr) = start_server(&tor.target, |c| c.limits.max_message_size = 4096).await;
    let mut ws = websocket(addr, None).await.expect("WebSocket");
    ws.write_all(&snowflake_common::turbotunnel::preamble(ClientId::random()))
        .await
        .expect("preamble");
    // One 8 KiB message (padding chunks: harmless content, too big a message).
    let mut big = bytes::BytesMut::new();
    snowflake_common::encapsulation::encode_padding(8192, &mut big);
    let _ = ws.write_all(&big).await;
    let mut buf = [0u8; 16];
    let n = guard("close", ws.read(&mut buf)).await.unwrap_or(0);
    assert_eq!(n, 0, "the server closed the connection");
    assert_eq!(server.metrics().connections_active.get(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_cap_refuses_new_clients() {
    let mut tor = FakeTor::ext_tcp(exchange_behavior(b"ok", 1)).await;
    let (server, addr) = start_server(&tor.target, |c| c.limits.max_sessions = 1).await;
    let first = client(addr, None).await;
    let stream = guard("stream", first.open_stream()).await.expect("stream");
    assert_eq!(
        guard("exchange", exchange(stream, b"1".to_vec())).await,
        b"ok"
    );
    let _ = tor.next_connection().await;
    // A second client's packets are dropped while the first session lives.
    let second = client(addr, None).await;
    let mut stream = guard("stream", second.open_stream()).await.expect("stream");
    stream.write_all(b"2").await.expect("write");
    guard("drops counted", async {
        while !server.metrics().render().lines().any(|l| {
            l.starts_with("snowflake_server_packets_dropped_total{reason=\"session_cap\"}")
                && !l.ends_with(" 0")
        }) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert_eq!(server.metrics().sessions_total.get(), 1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_beyond_the_per_session_cap_are_refused() {
    let mut tor = FakeTor::ext_tcp(Behavior::Hold).await;
    let (server, addr) = start_server(&tor.target, |c| c.limits.max_streams_per_session = 2).await;
    let client = client(addr, None).await;
    let mut kept = Vec::new();
    for _ in 0..2 {
        let mut stream = guard("stream", client.open_stream()).await.expect("stream");
        // tor is dialled once a stream carries data.
        guard("write", stream.write_all(b"hello"))
            .await
            .expect("write");
        tor.next_connection().await;
        kept.push(stream);
    }
    // A third stream in the same session is closed at once, without a
    // connection to tor.
    let mut extra = guard("stream", client.open_stream()).await.expect("stream");
    let mut buf = [0u8; 16];
    let n = guard("refused stream ends", extra.read(&mut buf))
        .await
        .expect("clean end");
    assert_eq!(n, 0, "the refused stream reads EOF");
    assert_eq!(server.metrics().rejected(RejectReason::StreamLimit), 1);
    // The streams within the cap still reach tor.
    guard("write", kept[0].write_all(b"still carried"))
        .await
        .expect("write");
    guard("shutdown", kept[0].shutdown())
        .await
        .expect("shutdown");
    assert_eq!(tor.next_event().await, TorEvent::Eof);
    server.shutdown().await;
}
