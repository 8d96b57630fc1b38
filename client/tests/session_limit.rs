//! The client serves at most `max_sessions` SOCKS connections at once;
//! more are closed at once instead of piling up.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use snowflake_client::{Client, ClientConfig};
use snowflake_testkit::socks_client::connect_via_socks5;

fn placeholder() -> std::net::SocketAddrV4 {
    "192.0.2.3:80".parse().unwrap()
}

#[tokio::test]
async fn connections_over_the_limit_are_closed() {
    let config = ClientConfig {
        // Nothing listens there: SOCKS is granted before any proxy is
        // needed, and no proxy is ever found.
        broker_url: Some("http://127.0.0.1:9/".to_string()),
        loopback_only: true,
        max_sessions: 1,
        ..ClientConfig::default()
    };
    let client = Client::start(config, SocketAddr::from(([127, 0, 0, 1], 0)), None)
        .await
        .expect("client starts");
    let first = connect_via_socks5(client.socks_addr(), "", placeholder())
        .await
        .expect("first connection granted");
    let second = connect_via_socks5(client.socks_addr(), "", placeholder()).await;
    assert!(second.is_err(), "second connection must be refused");
    assert_eq!(client.stats().refused.load(Ordering::Relaxed), 1);
    // Once the first ends, a new one is served again.
    drop(first);
    let mut served = false;
    for _ in 0..100 {
        if connect_via_socks5(client.socks_addr(), "", placeholder())
            .await
            .is_ok()
        {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(served, "a connection is served after the first one closed");
    client.shutdown().await;
}
