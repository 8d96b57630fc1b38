//! The SOCKS5 client (`connect_via_socks5`): against our SOCKS5 server,
//! and against fake servers for the reply paths.

use std::net::SocketAddr;
use std::time::Duration;

use snowflake_common::pt::socks::{accept_socks5, SocksTarget};
use snowflake_testkit::socks_client::connect_via_socks5;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The client side against our server: the PT arguments arrive, and the
/// stream carries data once granted.
#[tokio::test]
async fn client_connects_through_our_server_with_args() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server_task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let accepted = accept_socks5(&mut stream, Duration::from_secs(30))
            .await
            .unwrap();
        accepted.grant(&mut stream).await.unwrap();
        stream.write_all(b"data").await.unwrap();
        accepted.request
    });
    let target = "192.0.2.3:80".parse().unwrap();
    let mut stream = connect_via_socks5(addr, "a=b;c=d", target).await.unwrap();
    let mut got = [0u8; 4];
    stream.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"data");
    let request = server_task.await.unwrap();
    assert_eq!(request.args.get("c"), Some("d"));
    assert_eq!(
        request.target,
        SocksTarget::Ip("192.0.2.3:80".parse().unwrap())
    );
}

/// A fake server that answers the greeting and CONNECT with `reply`, then
/// sends "data".
async fn fake_server(reply: Vec<u8>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut greeting = [0u8; 3];
        stream.read_exact(&mut greeting).await.unwrap();
        stream.write_all(&[5, 0]).await.unwrap();
        let mut request = [0u8; 10];
        stream.read_exact(&mut request).await.unwrap();
        stream.write_all(&reply).await.unwrap();
        let _ = stream.write_all(b"data").await;
    });
    addr
}

#[tokio::test]
async fn client_skips_a_domain_bound_address() {
    let mut reply = vec![5, 0, 0, 3, 9];
    reply.extend_from_slice(b"localhost");
    reply.extend_from_slice(&[0, 80]);
    let addr = fake_server(reply).await;
    let target = "192.0.2.3:80".parse().unwrap();
    let mut stream = connect_via_socks5(addr, "", target).await.unwrap();
    let mut got = [0u8; 4];
    stream.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"data");
}

#[tokio::test]
async fn client_reports_refusals_and_bad_replies() {
    let target = "192.0.2.3:80".parse().unwrap();
    let addr = fake_server(vec![5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await;
    let error = connect_via_socks5(addr, "", target).await.unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(error.to_string().contains("reply code 5"), "{error}");
    let addr = fake_server(vec![5, 0, 0, 9]).await;
    let error = connect_via_socks5(addr, "", target).await.unwrap_err();
    assert!(error.to_string().contains("address type 9"), "{error}");
}
