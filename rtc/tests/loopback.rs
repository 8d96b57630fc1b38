//! Offer/answer between two in-process peers over 127.0.0.1, for every
//! compiled backend and every offerer/answerer pairing of them.
//!
//! All traffic stays on loopback: the peers use `RtcConfig::loopback()`
//! (127.0.0.1 host candidates only, no ICE servers), and the tests check the
//! SDPs say so before connecting.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use snowflake_common::messages::{SdpType, SessionDescription};
use snowflake_rtc::sdp::{candidates, is_channel_label, only_loopback_candidates};
use snowflake_rtc::{
    all_backends, client_ip_from_sdp, RtcBackend, RtcChannel, RtcConfig, RtcError,
};
use snowflake_testkit::pattern::pattern;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Hang guard for one connection setup or transfer; never reached when the
/// code works.
const GUARD: Duration = Duration::from_secs(60);

fn backends() -> Vec<Arc<dyn RtcBackend>> {
    all_backends(&RtcConfig::loopback()).expect("backends")
}

/// Every (offerer, answerer) pairing of the compiled backends.
fn pairings() -> Vec<(Arc<dyn RtcBackend>, Arc<dyn RtcBackend>)> {
    let all = backends();
    assert!(!all.is_empty(), "no backend compiled in");
    let mut pairs = Vec::new();
    for a in &all {
        for b in &all {
            pairs.push((a.clone(), b.clone()));
        }
    }
    pairs
}

struct Connected {
    client: RtcChannel,
    proxy: RtcChannel,
    offer: SessionDescription,
    answer: SessionDescription,
    label: String,
}

/// Client offers, proxy answers, both channels open. The descriptions pass
/// through their JSON form as they would through the broker.
async fn connect(offerer: &dyn RtcBackend, answerer: &dyn RtcBackend) -> Connected {
    let setup = async {
        let offer_peer = offerer.create_offer().await.expect("create offer");
        let label = offer_peer.label().to_owned();
        let offer = SessionDescription::from_json(&offer_peer.offer().to_json()).unwrap();
        assert_eq!(offer.sdp_type, SdpType::Offer);
        assert!(
            only_loopback_candidates(&offer.sdp),
            "offer has non-loopback candidates:\n{}",
            offer.sdp
        );
        let answer_peer = answerer.answer_offer(&offer).await.expect("answer");
        let answer = SessionDescription::from_json(&answer_peer.answer().to_json()).unwrap();
        assert_eq!(answer.sdp_type, SdpType::Answer);
        assert!(
            only_loopback_candidates(&answer.sdp),
            "answer has non-loopback candidates:\n{}",
            answer.sdp
        );
        let proxy = tokio::spawn(answer_peer.connect());
        let client = offer_peer
            .connect(answer.clone())
            .await
            .expect("client open");
        let proxy = proxy.await.unwrap().expect("proxy open");
        Connected {
            client,
            proxy,
            offer,
            answer,
            label,
        }
    };
    tokio::time::timeout(GUARD, setup)
        .await
        .expect("connection setup hung")
}

/// Writes `data` in uneven pieces, then shuts down when `close` is set.
async fn send_all(channel: &mut (impl AsyncWriteExt + Unpin), data: &[u8]) {
    let mut rest = data;
    let mut step = 1usize;
    while !rest.is_empty() {
        let n = step.min(rest.len());
        channel.write_all(&rest[..n]).await.expect("write");
        rest = &rest[n..];
        step = (step * 7 + 1) % 70_001 + 1;
    }
    channel.flush().await.expect("flush");
}

async fn read_exactly(channel: &mut (impl AsyncReadExt + Unpin), len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    channel.read_exact(&mut buf).await.expect("read");
    buf
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offer_answer_over_loopback_with_label_and_addresses() {
    for (offerer, answerer) in pairings() {
        let c = connect(&*offerer, &*answerer).await;
        let names = format!("{} -> {}", offerer.name(), answerer.name());
        assert!(is_channel_label(&c.label), "{names}: {}", c.label);
        assert_eq!(c.client.label(), c.label, "{names}");
        assert_eq!(c.proxy.label(), c.label, "{names}");

        // §5: one application m-line for the data channel; the offerer is
        // DTLS actpass, the answerer active (so the proxy is the DTLS client).
        for sdp in [&c.offer.sdp, &c.answer.sdp] {
            assert!(
                sdp.contains("m=application ") && sdp.contains("webrtc-datachannel"),
                "{names}:\n{sdp}"
            );
            assert!(
                !sdp.contains("m=audio") && !sdp.contains("m=video"),
                "{names}"
            );
        }
        assert!(c.offer.sdp.contains("a=setup:actpass"), "{names}");
        assert!(c.answer.sdp.contains("a=setup:active"), "{names}");

        // §6.2: every candidate is loopback, so the SDP rule finds no client IP…
        assert_eq!(client_ip_from_sdp(&c.offer.sdp), None, "{names}");
        // …but the selected pair names the client's loopback address, one
        // of the offer's candidates.
        let remote = c
            .proxy
            .remote_addr()
            .expect("proxy knows the client address");
        assert!(remote.ip().is_loopback(), "{names}: {remote}");
        assert!(
            candidates(&c.offer.sdp).any(|cand| cand.port == remote.port()),
            "{names}: {remote} not among the offer's candidates"
        );
        let back = c
            .client
            .remote_addr()
            .expect("client knows the proxy address");
        assert!(
            candidates(&c.answer.sdp).any(|cand| cand.port == back.port()),
            "{names}: {back} not among the answer's candidates"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_intact_both_ways() {
    const LEN: usize = 4 * 1024 * 1024;
    for (offerer, answerer) in pairings() {
        let names = format!("{} -> {}", offerer.name(), answerer.name());
        let Connected { client, proxy, .. } = connect(&*offerer, &*answerer).await;
        let up = pattern(1, LEN);
        let down = pattern(2, LEN);
        let (up_hash, down_hash) = (Sha256::digest(&up), Sha256::digest(&down));

        let (mut client_rd, mut client_wr) = tokio::io::split(client);
        let (mut proxy_rd, mut proxy_wr) = tokio::io::split(proxy);
        let transfer = async {
            tokio::join!(
                send_all(&mut client_wr, &up),
                send_all(&mut proxy_wr, &down),
                async { Sha256::digest(read_exactly(&mut proxy_rd, LEN).await) },
                async { Sha256::digest(read_exactly(&mut client_rd, LEN).await) },
            )
        };
        let ((), (), got_up, got_down) = tokio::time::timeout(GUARD, transfer)
            .await
            .unwrap_or_else(|_| panic!("{names}: transfer hung"));
        assert_eq!(got_up, up_hash, "{names}: client → proxy corrupted");
        assert_eq!(got_down, down_hash, "{names}: proxy → client corrupted");
    }
}

/// The proxy reads what the client sent, then sees the client's close as
/// the end of the stream, and its writes start failing.
///
/// The proxy reads everything before the client closes: webrtc-rs 0.17's
/// SCTP stream ends a read as soon as the peer resets the stream, dropping
/// bytes it has acknowledged but the application has not read yet (Pion
/// hands them out first). Snowflake never relies on a channel's last bytes:
/// KCP resends whatever a closed channel swallowed on the next one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_close_is_seen_by_proxy_after_the_data() {
    const LEN: usize = 1024 * 1024;
    for (offerer, answerer) in pairings() {
        let names = format!("{} -> {}", offerer.name(), answerer.name());
        let Connected {
            mut client,
            mut proxy,
            ..
        } = connect(&*offerer, &*answerer).await;
        let mut proxy_events = proxy.events();
        let data = pattern(3, LEN);
        let check = async {
            let (_, got) =
                tokio::join!(send_all(&mut client, &data), read_exactly(&mut proxy, LEN));
            assert_eq!(Sha256::digest(&got), Sha256::digest(&data), "{names}");
            client.shutdown().await.expect("shutdown");
            // Then the end of the stream, with nothing after the data.
            let mut rest = Vec::new();
            proxy.read_to_end(&mut rest).await.expect("read");
            assert!(
                rest.is_empty(),
                "{names}: {} bytes after the data",
                rest.len()
            );
            let status = proxy_events.closed().await;
            assert!(status.channel_closed, "{names}: {status:?}");
            // Writing toward a closed channel fails (once the pipe is full
            // or the pumps are gone).
            let mut failed = false;
            for _ in 0..64 {
                if proxy.write_all(&[0u8; 64 * 1024]).await.is_err() {
                    failed = true;
                    break;
                }
            }
            assert!(
                failed,
                "{names}: writes to a closed channel kept succeeding"
            );
        };
        tokio::time::timeout(GUARD, check)
            .await
            .unwrap_or_else(|_| panic!("{names}: close not seen"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_drop_is_seen_by_client() {
    for (offerer, answerer) in pairings() {
        let names = format!("{} -> {}", offerer.name(), answerer.name());
        let Connected {
            mut client, proxy, ..
        } = connect(&*offerer, &*answerer).await;
        let mut client_events = client.events();
        assert!(!client_events.status().is_dead(), "{names}");
        drop(proxy);
        let check = async {
            let mut got = Vec::new();
            client.read_to_end(&mut got).await.expect("read");
            assert!(got.is_empty(), "{names}");
            let status = client_events.dead().await;
            assert!(status.is_dead(), "{names}: {status:?}");
        };
        tokio::time::timeout(GUARD, check)
            .await
            .unwrap_or_else(|_| panic!("{names}: close not seen"));
    }
}

/// A proxy that stops reading makes the client's writer wait, with a
/// bounded amount of data in flight; once it reads again, everything arrives
/// intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_reader_bounds_the_writer() {
    for (offerer, answerer) in pairings() {
        let names = format!("{} -> {}", offerer.name(), answerer.name());
        // A stalled webrtc 0.21 receiver holds ~10 MB (its event queue),
        // a 0.17 one ~1.3 MB (SCTP window and our pipes); the bound leaves
        // margin, and the total is well above it so the writer must wait.
        let bound: usize = if names.contains("0.21") {
            16 << 20
        } else {
            4 << 20
        };
        let total = bound + (8 << 20);
        let Connected {
            mut client,
            mut proxy,
            ..
        } = connect(&*offerer, &*answerer).await;
        let data = Arc::new(pattern(4, total));
        let accepted = Arc::new(AtomicUsize::new(0));
        let writer = {
            let data = data.clone();
            let accepted = accepted.clone();
            tokio::spawn(async move {
                for chunk in data.chunks(32 * 1024) {
                    client.write_all(chunk).await.expect("write");
                    accepted.fetch_add(chunk.len(), Ordering::SeqCst);
                }
                client.flush().await.expect("flush");
                client
            })
        };
        // Wait until the writer has stopped making progress (the proxy reads
        // nothing), bounded by the hang guard.
        let stalled = async {
            let mut last = usize::MAX;
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let now = accepted.load(Ordering::SeqCst);
                if now == last {
                    return now;
                }
                last = now;
            }
        };
        let in_flight = tokio::time::timeout(GUARD, stalled)
            .await
            .unwrap_or_else(|_| panic!("{names}: writer never stalled"));
        eprintln!("{names}: {in_flight} bytes accepted by the stalled writer");
        assert!(!writer.is_finished(), "{names}");
        assert!(
            in_flight < bound,
            "{names}: {in_flight} bytes accepted while the reader was stalled"
        );
        assert!(in_flight > 0, "{names}");

        // Resume reading: everything arrives, in order.
        let read = async {
            let got = read_exactly(&mut proxy, total).await;
            assert!(got == *data, "{names}: data corrupted after the stall");
        };
        tokio::time::timeout(GUARD, read)
            .await
            .unwrap_or_else(|_| panic!("{names}: transfer hung after the stall"));
        let _client = writer.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_description_types_are_rejected() {
    for backend in backends() {
        let offer_peer = backend.create_offer().await.expect("offer");
        let offer = offer_peer.offer().clone();
        let as_answer = SessionDescription::new(SdpType::Answer, offer.sdp.clone());
        match backend.answer_offer(&as_answer).await {
            Err(e) => assert_eq!(
                e,
                RtcError::WrongSdpType {
                    expected: SdpType::Offer,
                    got: SdpType::Answer
                }
            ),
            Ok(_) => panic!("{}: answered an answer", backend.name()),
        }
        match offer_peer.connect(offer).await {
            Err(e) => assert_eq!(
                e,
                RtcError::WrongSdpType {
                    expected: SdpType::Answer,
                    got: SdpType::Offer
                }
            ),
            Ok(_) => panic!("{}: accepted an offer as answer", backend.name()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_sdp_is_an_error_not_a_panic() {
    for backend in backends() {
        let garbage = SessionDescription::new(SdpType::Offer, "this is not SDP");
        assert!(
            backend.answer_offer(&garbage).await.is_err(),
            "{}",
            backend.name()
        );
        let offer_peer = backend.create_offer().await.expect("offer");
        let bad_answer = SessionDescription::new(SdpType::Answer, "v=0\r\nnonsense\r\n");
        assert!(
            offer_peer.connect(bad_answer).await.is_err(),
            "{}",
            backend.name()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candidates_use_the_configured_port_range() {
    let (min, max) = (47_100u16, 47_199u16);
    let config = RtcConfig::loopback().with_port_range(min, max);
    let all = all_backends(&config).expect("backends");
    for offerer in &all {
        for answerer in &all {
            let names = format!("{} -> {}", offerer.name(), answerer.name());
            let c = connect(&**offerer, &**answerer).await;
            for sdp in [&c.offer.sdp, &c.answer.sdp] {
                let ports: Vec<u16> = candidates(sdp).map(|cand| cand.port).collect();
                assert!(!ports.is_empty(), "{names}");
                assert!(
                    ports.iter().all(|p| (min..=max).contains(p)),
                    "{names}: {ports:?}"
                );
            }
        }
    }
}

#[test]
fn empty_port_range_is_rejected() {
    for range in [(5000, 4999), (0, 10)] {
        let config = RtcConfig::loopback().with_port_range(range.0, range.1);
        assert_eq!(
            all_backends(&config).err(),
            Some(RtcError::BadPortRange(range.0, range.1))
        );
    }
}
