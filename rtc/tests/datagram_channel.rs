//! The datagram channel between two of our peers (docs/datagram-channel.md):
//! opened by the answerer (proxy) when both sides have it on, unordered and
//! unreliable, carrying one message per datagram both ways beside the
//! reliable channel; absent when either side has it off, the reliable
//! channel working as before.

use std::time::Duration;

use bytes::Bytes;
use snowflake_rtc::{default_backend, DatagramSent, RtcChannel, RtcConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const GUARD: Duration = Duration::from_secs(30);

async fn connect(client_datagrams: bool, proxy_datagrams: bool) -> (RtcChannel, RtcChannel) {
    let client = default_backend(RtcConfig::loopback().with_datagrams(client_datagrams))
        .expect("client backend");
    let proxy = default_backend(RtcConfig::loopback().with_datagrams(proxy_datagrams))
        .expect("proxy backend");
    let offer_peer = client.create_offer().await.expect("offer");
    let answer_peer = proxy
        .answer_offer(offer_peer.offer())
        .await
        .expect("answer");
    let answer = answer_peer.answer().clone();
    let proxy_side = tokio::spawn(answer_peer.connect());
    let c = offer_peer.connect(answer).await.expect("client open");
    let p = proxy_side.await.expect("join").expect("proxy open");
    (c, p)
}

async fn reliable_round_trip(c: &mut RtcChannel, p: &mut RtcChannel) {
    c.write_all(b"ping").await.expect("write");
    c.flush().await.expect("flush");
    let mut buf = [0u8; 4];
    p.read_exact(&mut buf).await.expect("read");
    assert_eq!(&buf, b"ping");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_on_opens_the_datagram_channel_beside_the_stream() {
    tokio::time::timeout(GUARD, async {
        let (mut c, mut p) = connect(true, true).await;
        reliable_round_trip(&mut c, &mut p).await;
        let client_link = c.take_datagrams().expect("client link");
        let proxy_link = p.take_datagrams().expect("proxy link");
        let (cd, pd) = tokio::join!(client_link.opened(), proxy_link.opened());
        let (cd, pd) = (cd.expect("client datagrams"), pd.expect("proxy datagrams"));
        let mut scratch = Vec::new();
        // Loopback loses nothing, so every datagram arrives (in any order).
        let mut sent = Vec::new();
        for i in 0..200u32 {
            let datagram = Bytes::from(vec![(i % 251) as u8; 1000 + i as usize]);
            assert_eq!(
                cd.send(datagram.clone()).await.expect("send"),
                DatagramSent::Sent
            );
            sent.push(datagram);
        }
        let mut received = Vec::new();
        for _ in 0..200 {
            received.push(pd.recv(&mut scratch).await.expect("recv").expect("open"));
        }
        sent.sort();
        received.sort();
        assert_eq!(received, sent);
        pd.send(Bytes::from_static(b"back")).await.expect("send");
        let back = cd.recv(&mut scratch).await.expect("recv").expect("open");
        assert_eq!(back, Bytes::from_static(b"back"));
        // The reliable channel still works beside it.
        reliable_round_trip(&mut c, &mut p).await;
    })
    .await
    .expect("within the guard");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn either_side_off_means_no_datagram_channel() {
    tokio::time::timeout(GUARD, async {
        // The proxy does not offer it (a Go or browser proxy): the client's
        // link never opens.
        let (mut c, mut p) = connect(true, false).await;
        assert!(p.take_datagrams().is_none());
        let link = c.take_datagrams().expect("client waits for one");
        reliable_round_trip(&mut c, &mut p).await;
        assert!(
            tokio::time::timeout(Duration::from_secs(2), link.opened())
                .await
                .is_err(),
            "no datagram channel from a proxy that does not offer it"
        );
        // The client does not take it (a Go client): the proxy opens it,
        // the client ignores it, and the stream carries on.
        let (mut c, mut p) = connect(false, true).await;
        assert!(c.take_datagrams().is_none());
        let proxy_link = p.take_datagrams().expect("proxy offers");
        let pd = proxy_link
            .opened()
            .await
            .expect("opened on the proxy's side");
        pd.send(Bytes::from_static(b"nobody reads this"))
            .await
            .expect("send");
        reliable_round_trip(&mut c, &mut p).await;
    })
    .await
    .expect("within the guard");
}
