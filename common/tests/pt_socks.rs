//! SOCKS5 server handshake: byte-exact exchanges, every reply path, split
//! reads, and the async driver.

use std::net::SocketAddr;
use std::time::Duration;

use proptest::prelude::*;
use snowflake_common::pt::socks::{
    accept_socks5, reply_bytes, tor_style_auth_fields, SocksError, SocksFailure, SocksHandshake,
    SocksRequest, SocksTarget, MAX_EARLY_DATA,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const GRANT: [u8; 10] = [5, 0, 0, 1, 0, 0, 0, 0, 0, 0];
const CONNECT_V4: [u8; 10] = [5, 1, 0, 1, 192, 0, 2, 3, 0, 80];

fn auth(uname: &[u8], passwd: &[u8]) -> Vec<u8> {
    let mut v = vec![1, uname.len() as u8];
    v.extend_from_slice(uname);
    v.push(passwd.len() as u8);
    v.extend_from_slice(passwd);
    v
}

/// Greeting offering user/pass, auth with `args`, CONNECT 192.0.2.3:80.
fn full_exchange(args: &[u8]) -> Vec<u8> {
    let (u, p) = tor_style_auth_fields(args).unwrap();
    let mut v = vec![5, 1, 2];
    v.extend(auth(&u, &p));
    v.extend(CONNECT_V4);
    v
}

fn feed_all(bytes: &[u8]) -> (SocksHandshake, Result<Option<SocksRequest>, SocksError>) {
    let mut hs = SocksHandshake::new();
    let r = hs.receive(bytes);
    (hs, r)
}

#[test]
fn no_auth_connect_and_grant() {
    let mut hs = SocksHandshake::new();
    assert!(hs.receive(&[5, 1, 0]).unwrap().is_none());
    assert_eq!(hs.take_output(), [5, 0]);
    let req = hs.receive(&CONNECT_V4).unwrap().unwrap();
    assert_eq!(req.target, SocksTarget::Ip("192.0.2.3:80".parse().unwrap()));
    assert!(req.args.is_empty());
    assert!(req.username.is_empty());
    assert!(hs.take_output().is_empty());
    hs.grant().unwrap();
    assert_eq!(hs.take_output(), GRANT);
    // One reply only.
    assert!(matches!(hs.grant(), Err(SocksError::NoPendingRequest)));
}

#[test]
fn user_pass_preferred_and_nul_password_ignored() {
    let mut hs = SocksHandshake::new();
    assert!(hs.receive(&[5, 3, 0, 1, 2]).unwrap().is_none());
    assert_eq!(hs.take_output(), [5, 2]);
    assert!(hs
        .receive(&auth(b"url=https://b.example/", &[0]))
        .unwrap()
        .is_none());
    assert_eq!(hs.take_output(), [1, 0]);
    let req = hs.receive(&CONNECT_V4).unwrap().unwrap();
    assert_eq!(req.args.get("url"), Some("https://b.example/"));
    assert_eq!(req.username, b"url=https://b.example/");
    assert!(req.password.is_empty());
}

#[test]
fn password_is_appended_to_username() {
    let (mut hs, r) = feed_all(&{
        let mut v = vec![5, 1, 2];
        v.extend(auth(b"a=1;b=x", b"yz;c=3"));
        v.extend(CONNECT_V4);
        v
    });
    let req = r.unwrap().unwrap();
    assert_eq!(hs.take_output(), [5, 2, 1, 0]);
    assert_eq!(req.args.get("b"), Some("xyz"));
    assert_eq!(req.args.get("c"), Some("3"));
    assert_eq!(req.password, b"yz;c=3");
}

#[test]
fn greeting_failures() {
    // Wrong version: no reply at all.
    let (mut hs, r) = feed_all(&[4, 1, 0]);
    assert!(matches!(r, Err(SocksError::BadVersion(4))));
    assert!(hs.take_output().is_empty());
    // Only GSSAPI offered, or nothing offered: 05 ff.
    for greeting in [&[5u8, 1, 1][..], &[5, 0]] {
        let (mut hs, r) = feed_all(greeting);
        assert!(matches!(r, Err(SocksError::NoAcceptableMethod)));
        assert_eq!(hs.take_output(), [5, 0xff]);
        assert!(matches!(hs.receive(&[0]), Err(SocksError::AlreadyFailed)));
    }
}

fn after_greeting(rest: &[u8]) -> (Vec<u8>, Result<Option<SocksRequest>, SocksError>) {
    let mut bytes = vec![5, 1, 2];
    bytes.extend_from_slice(rest);
    let (mut hs, r) = feed_all(&bytes);
    (hs.take_output(), r)
}

#[test]
fn auth_failures_reply_01_01() {
    let (out, r) = after_greeting(&[2, 1, b'a', 1, 0]);
    assert_eq!(out, [5, 2, 1, 1]);
    assert!(matches!(r, Err(SocksError::BadAuthVersion(2))));

    let (out, r) = after_greeting(&[1, 0]);
    assert_eq!(out, [5, 2, 1, 1]);
    assert!(matches!(r, Err(SocksError::EmptyUsername)));

    let (out, r) = after_greeting(&[1, 3, b'a', b'=', b'b', 0]);
    assert_eq!(out, [5, 2, 1, 1]);
    assert!(matches!(r, Err(SocksError::EmptyPassword)));

    // Malformed argument strings are an authentication failure, as in
    // goptlib.
    for bad in [&b"abc"[..], b"=x", b"a=b\\"] {
        let (out, r) = after_greeting(&auth(bad, &[0]));
        assert_eq!(out, [5, 2, 1, 1], "{bad:?}");
        assert!(matches!(r, Err(SocksError::BadArgs(_))), "{bad:?}");
    }
}

fn request(req: &[u8]) -> (Vec<u8>, Result<Option<SocksRequest>, SocksError>) {
    let mut bytes = vec![5, 1, 0];
    bytes.extend_from_slice(req);
    let (mut hs, r) = feed_all(&bytes);
    let out = hs.take_output();
    assert_eq!(out.get(..2), Some(&[5u8, 0][..]));
    (out[2..].to_vec(), r)
}

#[test]
fn request_failures_and_codes() {
    let (out, r) = request(&[4, 1, 0, 1, 1, 2, 3, 4, 0, 80]);
    assert_eq!(out, reply_bytes(0x01));
    assert!(matches!(r, Err(SocksError::BadRequestVersion(4))));

    for cmd in [2u8, 3] {
        let (out, r) = request(&[5, cmd, 0, 1, 1, 2, 3, 4, 0, 80]);
        assert_eq!(out, [5, 7, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert!(matches!(r, Err(SocksError::UnsupportedCommand(c)) if c == cmd));
    }

    let (out, r) = request(&[5, 1, 9, 1, 1, 2, 3, 4, 0, 80]);
    assert_eq!(out, reply_bytes(0x01));
    assert!(matches!(r, Err(SocksError::NonZeroReserved(9))));

    let (out, r) = request(&[5, 1, 0, 2, 1, 2, 3, 4, 0, 80]);
    assert_eq!(out, [5, 8, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert!(matches!(r, Err(SocksError::UnsupportedAddressType(2))));

    let (out, r) = request(&[5, 1, 0, 3, 0, 0, 80]);
    assert_eq!(out, reply_bytes(0x01));
    assert!(matches!(r, Err(SocksError::EmptyDomain)));
}

#[test]
fn domain_and_ipv6_targets() {
    let (_, r) = request(&[
        5, 1, 0, 3, 11, b'e', b'x', b'a', b'm', b'p', b'l', b'e', b'.', b'o', b'r', b'g', 1, 187,
    ]);
    assert_eq!(
        r.unwrap().unwrap().target,
        SocksTarget::Domain {
            host: "example.org".into(),
            port: 443
        }
    );
    let mut v6 = vec![5, 1, 0, 4];
    v6.extend(
        "2001:db8::7"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    v6.extend([0x1f, 0x90]);
    let (_, r) = request(&v6);
    let target = r.unwrap().unwrap().target;
    assert_eq!(
        target,
        SocksTarget::Ip("[2001:db8::7]:8080".parse().unwrap())
    );
    assert_eq!(target.to_string(), "[2001:db8::7]:8080");
}

#[test]
fn every_reject_code() {
    let cases = [
        (SocksFailure::GeneralFailure, 1),
        (SocksFailure::ConnectionNotAllowed, 2),
        (SocksFailure::NetworkUnreachable, 3),
        (SocksFailure::HostUnreachable, 4),
        (SocksFailure::ConnectionRefused, 5),
        (SocksFailure::TtlExpired, 6),
        (SocksFailure::CommandNotSupported, 7),
        (SocksFailure::AddressTypeNotSupported, 8),
    ];
    for (failure, code) in cases {
        let (mut hs, r) = feed_all(&[5, 1, 0, 5, 1, 0, 1, 1, 2, 3, 4, 0, 80]);
        r.unwrap().unwrap();
        hs.take_output();
        hs.reject(failure).unwrap();
        assert_eq!(hs.take_output(), [5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert!(matches!(hs.grant(), Err(SocksError::NoPendingRequest)));
    }
}

#[test]
fn reply_before_request_is_refused() {
    let mut hs = SocksHandshake::new();
    assert!(matches!(hs.grant(), Err(SocksError::NoPendingRequest)));
    hs.receive(&[5, 1, 0]).unwrap();
    assert!(matches!(
        hs.reject(SocksFailure::GeneralFailure),
        Err(SocksError::NoPendingRequest)
    ));
}

#[test]
fn early_data_is_kept_and_bounded() {
    let mut bytes = vec![5, 1, 0];
    bytes.extend(CONNECT_V4);
    bytes.extend(b"hello");
    let (mut hs, r) = feed_all(&bytes);
    r.unwrap().unwrap();
    hs.receive(b" world").unwrap();
    assert_eq!(hs.take_early_data(), b"hello world");

    let mut hs = SocksHandshake::new();
    hs.receive(&[5, 1, 0]).unwrap();
    hs.receive(&CONNECT_V4).unwrap().unwrap();
    hs.receive(&vec![0; MAX_EARLY_DATA]).unwrap();
    assert!(matches!(
        hs.receive(&[0]),
        Err(SocksError::TooMuchEarlyData)
    ));
}

proptest! {
    /// However the client's bytes are split, the outcome and the replies
    /// are the same as when they arrive at once.
    #[test]
    fn split_reads(cuts in proptest::collection::vec(0usize..400, 0..12)) {
        let args = b"url=https://broker.example/;fronts=a.example,b.example;ice=stun:stun.example:3478;max=3;extra=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let bytes = full_exchange(args);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (bytes.len() + 1)).collect();
        cuts.push(0);
        cuts.push(bytes.len());
        cuts.sort_unstable();
        let mut hs = SocksHandshake::new();
        let mut request = None;
        let mut output = Vec::new();
        for w in cuts.windows(2) {
            let got = hs.receive(&bytes[w[0]..w[1]]).unwrap();
            output.extend(hs.take_output());
            if let Some(r) = got {
                prop_assert!(request.is_none());
                request = Some(r);
            }
        }
        let request = request.expect("request after all bytes");
        prop_assert_eq!(output, vec![5, 2, 1, 0]);
        prop_assert_eq!(request.args.get("max"), Some("3"));
        prop_assert_eq!(request.target, SocksTarget::Ip("192.0.2.3:80".parse::<SocksAddr>().unwrap()));
        prop_assert!(hs.take_early_data().is_empty());
    }

    /// A failure is detected the same way at any split.
    #[test]
    fn split_reads_failure(cut in 0usize..20) {
        let mut bytes = vec![5, 1, 2];
        bytes.extend(auth(b"abc", &[0]));
        // Both parts non-empty is not required; the second must hold the
        // end of the bad auth message.
        let cut = cut % bytes.len();
        let mut hs = SocksHandshake::new();
        let first = hs.receive(&bytes[..cut]);
        prop_assert!(first.is_ok());
        let second = hs.receive(&bytes[cut..]);
        prop_assert!(matches!(second, Err(SocksError::BadArgs(_))));
        prop_assert_eq!(hs.take_output(), vec![5, 2, 1, 1]);
    }
}

type SocksAddr = SocketAddr;

#[tokio::test]
async fn async_accept_grant_then_data() {
    let (mut client, mut server) = tokio::io::duplex(4096);
    let server_task = tokio::spawn(async move {
        let accepted = accept_socks5(&mut server, Duration::from_secs(30))
            .await
            .unwrap();
        accepted.grant(&mut server).await.unwrap();
        let mut buf = [0u8; 4];
        server.read_exact(&mut buf).await.unwrap();
        (accepted, buf)
    });
    // Send one byte at a time to exercise partial reads.
    for b in full_exchange(b"max=2") {
        client.write_all(&[b]).await.unwrap();
    }
    let mut reply = [0u8; 14];
    client.read_exact(&mut reply).await.unwrap();
    assert_eq!(&reply[..4], [5, 2, 1, 0]);
    assert_eq!(&reply[4..], GRANT);
    client.write_all(b"data").await.unwrap();
    let (accepted, data) = server_task.await.unwrap();
    assert_eq!(accepted.request.args.get("max"), Some("2"));
    assert!(accepted.early_data.is_empty());
    assert_eq!(&data, b"data");
}

#[tokio::test]
async fn async_reject_sends_code() {
    let (mut client, mut server) = tokio::io::duplex(4096);
    let server_task = tokio::spawn(async move {
        let accepted = accept_socks5(&mut server, Duration::from_secs(30))
            .await
            .unwrap();
        accepted
            .reject(&mut server, SocksFailure::ConnectionRefused)
            .await
            .unwrap();
    });
    client.write_all(&[5, 1, 0]).await.unwrap();
    client.write_all(&CONNECT_V4).await.unwrap();
    let mut reply = Vec::new();
    server_task.await.unwrap();
    client.read_to_end(&mut reply).await.unwrap();
    assert_eq!(reply, [5, 0, 5, 5, 0, 1, 0, 0, 0, 0, 0, 0]);
}

#[tokio::test]
async fn async_failure_reply_is_sent_before_error() {
    let (mut client, mut server) = tokio::io::duplex(4096);
    let server_task =
        tokio::spawn(async move { accept_socks5(&mut server, Duration::from_secs(30)).await });
    let mut bytes = vec![5, 1, 2];
    bytes.extend(auth(b"novalue", &[0]));
    client.write_all(&bytes).await.unwrap();
    let result = server_task.await.unwrap();
    assert!(matches!(result, Err(SocksError::BadArgs(_))));
    let mut reply = Vec::new();
    client.read_to_end(&mut reply).await.unwrap();
    assert_eq!(reply, [5, 2, 1, 1]);
}

#[tokio::test]
async fn async_truncated_input_is_an_error_not_a_hang() {
    let (mut client, mut server) = tokio::io::duplex(4096);
    client.write_all(&[5, 1, 0, 5, 1, 0, 1, 192]).await.unwrap();
    // Half-close: the server sees EOF but can still send its method reply.
    client.shutdown().await.unwrap();
    let result = accept_socks5(&mut server, Duration::from_secs(30)).await;
    assert!(matches!(result, Err(SocksError::ClosedEarly)), "{result:?}");
}

#[tokio::test(start_paused = true)]
async fn async_silent_client_times_out() {
    let (mut client, mut server) = tokio::io::duplex(4096);
    client.write_all(&[5, 1]).await.unwrap();
    let result = accept_socks5(&mut server, Duration::from_secs(5)).await;
    assert!(matches!(result, Err(SocksError::Timeout)));
    drop(client);
}

#[tokio::test]
async fn async_over_tcp() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server_task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let accepted = accept_socks5(&mut stream, Duration::from_secs(30))
            .await
            .unwrap();
        accepted.grant(&mut stream).await.unwrap();
        accepted.request
    });
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    client.write_all(&full_exchange(b"a=b")).await.unwrap();
    let mut reply = [0u8; 14];
    client.read_exact(&mut reply).await.unwrap();
    assert_eq!(&reply[10..], &GRANT[6..]);
    assert_eq!(server_task.await.unwrap().args.get("a"), Some("b"));
}
