//! The proxy in process with our broker, our server (or a fake relay) and a
//! loopback-only WebRTC test client: data integrity end to end, the relay
//! URL policy, capacity, closing in both directions, inactivity, shutdown.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use futures_util::SinkExt;
use snowflake_common::namematcher::NameMatcher;
use snowflake_common::turbotunnel::ClientId;
use snowflake_proxy::{Proxy, ProxyConfig};
use snowflake_testkit::tunnel_client::TunnelClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

const MB: usize = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_is_intact_both_ways_through_broker_proxy_and_server() {
    init_logs();
    let upload = pattern(3 * MB, 1);
    let download = Arc::new(pattern(3 * MB, 2));
    let mut orport = FakeOrPort::start(download.clone(), upload.len()).await;
    let (server, server_addr) = start_server(orport.addr).await;
    let broker = start_broker(&format!("ws://{server_addr}/")).await;
    let proxy = Proxy::start(proxy_config(broker.local_addr()))
        .await
        .expect("proxy starts");
    wait_for_proxy_poll(&broker).await;

    let backend = loopback_backend();
    let channel = connect_client(&*backend, broker.local_addr()).await;
    // A real client's layers over the data channel: Turbo Tunnel, KCP, smux.
    let client_id = ClientId::random();
    let tunnel = TunnelClient::new(client_id).expect("tunnel client");
    tunnel.paths().add_path(channel);
    let stream = guard("open stream", tunnel.open_stream())
        .await
        .expect("smux stream");
    let (mut rd, mut wr) = tokio::io::split(stream);
    let sent = upload.clone();
    let writer = tokio::spawn(async move {
        wr.write_all(&sent).await.expect("upload");
        wr
    });
    let mut received = vec![0u8; download.len()];
    guard("download", rd.read_exact(&mut received))
        .await
        .expect("download");
    let _wr = guard("upload", writer).await.expect("writer");
    let uploaded_hash = guard("ORPort hash", orport.hashes.recv())
        .await
        .expect("ORPort reports");

    assert_eq!(sha256(&received), sha256(&download), "download corrupted");
    assert_eq!(uploaded_hash, sha256(&upload), "upload corrupted");
    // The proxy passed the client's address from the selected candidate
    // pair as client_ip, which the server recorded for the ClientId.
    assert_eq!(
        server.client_addr(client_id),
        Some("127.0.0.1".parse().unwrap())
    );
    let stats = proxy.stats();
    assert_eq!(stats.connections.get(), 1);
    assert!(stats.bytes_from_clients.get() >= upload.len() as u64);
    assert!(stats.bytes_to_clients.get() >= download.len() as u64);
    assert_eq!(proxy.active_clients(), 1);

    drop(tunnel);
    proxy.shutdown().await;
    broker.shutdown().await;
    server.shutdown().await;
}

/// Starts a proxy whose broker hands out `relay_url` for clients, and checks
/// that a client is not served and the relay never contacted.
async fn assert_relay_refused(
    relay: &mut FakeRelay,
    relay_url: &str,
    broker_pattern: &str,
    tweak: impl FnOnce(&mut ProxyConfig),
) {
    let broker = start_broker_with(relay_url, broker_pattern, Duration::from_secs(3)).await;
    let mut config = proxy_config(broker.local_addr());
    config.allowed_relay_pattern = NameMatcher::new(broker_pattern).unwrap();
    tweak(&mut config);
    let proxy = Proxy::start(config).await.expect("proxy starts");
    wait_for_proxy_poll(&broker).await;
    let backend = loopback_backend();
    let (_peer, outcome) = guard("rendezvous", rendezvous(&*backend, broker.local_addr())).await;
    match outcome {
        Rendezvous::Error(error) => assert_eq!(error, "timed out waiting for answer!"),
        Rendezvous::Answer(_) => {
            panic!("the proxy answered a client for refused relay {relay_url}")
        }
    }
    assert_eq!(proxy.stats().relays_refused.get(), 1);
    assert_eq!(proxy.stats().connections.get(), 0);
    assert!(
        relay.connections.try_recv().is_err(),
        "the refused relay was contacted"
    );
    proxy.shutdown().await;
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_relay_is_refused_without_the_explicit_flags() {
    init_logs();
    let mut relay = FakeRelay::start().await;
    let url = relay.url();
    // Neither flag: a ws:// relay is refused for not being TLS.
    assert_relay_refused(&mut relay, &url, LOOPBACK_PATTERN, |c| {
        c.allow_non_tls_relay = false;
        c.allow_proxying_to_private_addresses = false;
    })
    .await;
    // Non-TLS allowed, but 127.0.0.1 is a private destination.
    assert_relay_refused(&mut relay, &url, LOOPBACK_PATTERN, |c| {
        c.allow_proxying_to_private_addresses = false;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostname_resolving_to_loopback_is_refused() {
    init_logs();
    let mut relay = FakeRelay::start().await;
    let url = format!("ws://localhost:{}/", relay.addr.port());
    assert_relay_refused(&mut relay, &url, "^localhost$", |c| {
        c.allow_proxying_to_private_addresses = false;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capacity_is_respected() {
    init_logs();
    let mut relay = FakeRelay::start().await;
    let broker = start_broker_with(&relay.url(), LOOPBACK_PATTERN, Duration::from_secs(10)).await;
    let mut config = proxy_config(broker.local_addr());
    config.capacity = 1;
    let proxy = Proxy::start(config).await.expect("proxy starts");
    wait_for_proxy_poll(&broker).await;
    let backend = loopback_backend();

    let first = connect_client(&*backend, broker.local_addr()).await;
    let _first_relay = relay.accept().await;
    assert_eq!(proxy.active_clients(), 1);
    // Full: the proxy does not poll, so the broker has no proxy for a
    // second client.
    assert_eq!(broker.stats().waiting_proxies, 0);
    let (_peer, outcome) = guard("rendezvous", rendezvous(&*backend, broker.local_addr())).await;
    match outcome {
        Rendezvous::Error(error) => assert_eq!(error, "no snowflake proxies currently available"),
        Rendezvous::Answer(_) => panic!("a proxy at capacity took a second client"),
    }

    // When the first client leaves, the slot is free again.
    drop(first);
    let _second = connect_client_retrying(&*backend, broker.local_addr()).await;
    let _second_relay = relay.accept().await;
    wait_until("second client relayed", || {
        proxy.stats().connections.get() == 2
    })
    .await;
    proxy.shutdown().await;
    broker.shutdown().await;
}

/// A proxy with a fake relay, a connected client, and the relay's side of
/// its WebSocket.
struct Connected {
    /// Taken by tests that shut the proxy down themselves.
    proxy: Option<snowflake_proxy::ProxyHandle>,
    broker: snowflake_broker::BrokerHandle,
    _relay: FakeRelay,
    channel: snowflake_rtc::RtcChannel,
    connection: RelayConnection,
}

impl Connected {
    async fn start(tweak: impl FnOnce(&mut ProxyConfig)) -> Self {
        init_logs();
        let mut relay = FakeRelay::start().await;
        let broker = start_broker(&relay.url()).await;
        let mut config = proxy_config(broker.local_addr());
        tweak(&mut config);
        let proxy = Proxy::start(config).await.expect("proxy starts");
        wait_for_proxy_poll(&broker).await;
        let backend = loopback_backend();
        let channel = connect_client(&*backend, broker.local_addr()).await;
        let connection = relay.accept().await;
        Self {
            proxy: Some(proxy),
            broker,
            _relay: relay,
            channel,
            connection,
        }
    }

    async fn relay_sends(&mut self, data: &[u8]) {
        self.connection
            .socket
            .send(Message::binary(data.to_vec()))
            .await
            .expect("relay sends");
    }

    async fn client_reads(&mut self, len: usize) -> Vec<u8> {
        let mut buf = vec![0u8; len];
        guard("client reads", self.channel.read_exact(&mut buf))
            .await
            .expect("client reads");
        buf
    }

    /// Everything the client gets until its data channel ends cleanly.
    async fn client_reads_to_end(&mut self) -> Vec<u8> {
        let mut got = Vec::new();
        guard("data channel ends", self.channel.read_to_end(&mut got))
            .await
            .expect("clean end of stream");
        got
    }

    /// Everything the relay gets until the WebSocket ends.
    async fn relay_reads_to_end(&mut self) -> Vec<u8> {
        guard(
            "WebSocket ends",
            drain_websocket(&mut self.connection.socket),
        )
        .await
    }

    /// Waits for the proxy to let go of the client, then stops everything.
    async fn released_and_stopped(self) {
        if let Some(proxy) = self.proxy {
            wait_until("client released", || proxy.active_clients() == 0).await;
            proxy.shutdown().await;
        }
        self.broker.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_data_channel_closes_the_websocket() {
    let mut c = Connected::start(|_| {}).await;
    assert_eq!(c.connection.uri, "/?client_ip=127.0.0.1");
    // Bytes flow both ways first.
    c.channel.write_all(b"hello relay").await.expect("write");
    c.relay_sends(b"hello client").await;
    assert_eq!(c.client_reads(12).await, b"hello client");
    // The client closes: the relay sees what was sent, then the end.
    c.channel.shutdown().await.expect("close");
    assert_eq!(c.relay_reads_to_end().await, b"hello relay");
    c.released_and_stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_websocket_closes_the_data_channel() {
    let mut c = Connected::start(|_| {}).await;
    c.relay_sends(b"last words").await;
    c.connection.socket.close(None).await.expect("close");
    assert_eq!(c.client_reads_to_end().await, b"last words");
    c.released_and_stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_relay_ends_the_client() {
    let mut c = Connected::start(|c| {
        c.relay_inactivity_timeout = Duration::from_secs(1);
    })
    .await;
    // Client traffic does not count as relay activity.
    c.channel.write_all(b"anyone there?").await.expect("write");
    assert!(c.client_reads_to_end().await.is_empty());
    assert_eq!(c.relay_reads_to_end().await, b"anyone there?");
    c.released_and_stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_polling_and_drains_active_clients() {
    let mut c = Connected::start(|c| {
        c.drain_timeout = Duration::from_secs(600);
    })
    .await;
    let shutdown = tokio::spawn(c.proxy.take().expect("proxy").shutdown());
    // During the drain the client keeps working.
    c.channel.write_all(b"still here").await.expect("write");
    c.relay_sends(b"still served").await;
    assert_eq!(c.client_reads(12).await, b"still served");
    assert!(
        !shutdown.is_finished(),
        "shutdown did not wait for the client"
    );
    // No new clients: nothing polls any more.
    wait_until("no proxy polling", || c.broker.stats().waiting_proxies == 0).await;
    drop(c.channel);
    guard("shutdown completes", shutdown)
        .await
        .expect("shutdown task");
    c.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_still_active_after_the_drain_time_are_closed() {
    let mut c = Connected::start(|c| {
        c.drain_timeout = Duration::from_millis(200);
    })
    .await;
    guard("shutdown", c.proxy.take().expect("proxy").shutdown()).await;
    c.client_reads_to_end().await;
    c.relay_reads_to_end().await;
    c.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_connects_is_given_up() {
    init_logs();
    let mut relay = FakeRelay::start().await;
    let broker = start_broker(&relay.url()).await;
    let mut config = proxy_config(broker.local_addr());
    config.data_channel_timeout = Duration::from_secs(1);
    let proxy = Proxy::start(config).await.expect("proxy starts");
    wait_for_proxy_poll(&broker).await;
    let backend = loopback_backend();
    let (peer, outcome) = guard("rendezvous", rendezvous(&*backend, broker.local_addr())).await;
    assert!(matches!(outcome, Rendezvous::Answer(_)), "{outcome:?}");
    // The client vanishes without ever connecting.
    drop(peer);
    wait_until("client given up", || {
        proxy.stats().connection_timeouts.get() == 1 && proxy.active_clients() == 0
    })
    .await;
    assert_eq!(proxy.stats().connections.get(), 0);
    assert!(relay.connections.try_recv().is_err());
    proxy.shutdown().await;
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ice_uses_the_ephemeral_port_range() {
    init_logs();
    let relay = FakeRelay::start().await;
    let broker = start_broker(&relay.url()).await;
    let mut config = proxy_config(broker.local_addr());
    let (min, max) = (47100, 47199);
    config.ephemeral_ports = Some((min, max));
    let proxy = Proxy::start(config).await.expect("proxy starts");
    wait_for_proxy_poll(&broker).await;
    let backend = loopback_backend();
    let (peer, outcome) = guard("rendezvous", rendezvous(&*backend, broker.local_addr())).await;
    let Rendezvous::Answer(answer) = outcome else {
        panic!("no answer: {outcome:?}");
    };
    let candidates = snowflake_testkit::webrtc::candidate_lines(&answer.sdp);
    assert!(!candidates.is_empty(), "{}", answer.sdp);
    for line in candidates {
        let parsed = snowflake_rtc::sdp::parse_candidate_line(line).expect("candidate line");
        assert_eq!(parsed.address, "127.0.0.1", "{line}");
        assert!((min..=max).contains(&parsed.port), "{line}");
    }
    drop(peer);
    drop(relay);
    proxy.shutdown().await;
    broker.shutdown().await;
}
