//! Telling a dead proxy from a slow one, end to end through the client's
//! [`RedialPacketConn`] and collector, with in-process fake proxies and
//! tokio's paused clock (so the seconds below are logical, and nothing is
//! asserted about how long anything took, only about what happened before
//! what).
//!
//! Each fake proxy is an in-memory byte stream whose far end reads the
//! Turbo Tunnel preamble and the encapsulated KCP packets, and answers
//! every data segment with a KCP ACK after its round-trip time, the way
//! the server's KCP would. It can be told to hold its acknowledgements for
//! a while (a slow link) or to swallow everything (a proxy that died
//! without closing). It also sends a packet of the server's own data every
//! 50 ms while it is not silent, as the server spreads its packets over
//! every connection of a session. The test plays KCP: one data segment
//! every 50 ms.

use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use snowflake_client::collector::keep_filled;
use snowflake_client::dialer::{DialError, DialedProxy, ProxyDialer};
use snowflake_client::paths::{PathTotals, ProxyPaths, RedialPacketConn};
use snowflake_common::kcp::segment::{self, SegmentHeader, CMD_ACK, CMD_PUSH};
use snowflake_common::turbotunnel::{
    encapsulated_packet_conn, read_preamble, ClientId, PacketConn,
};
use snowflake_rtc::channel::BoxFuture;
use tokio::io::DuplexStream;
use tokio::time::Instant;

/// Hang guard in logical time: a run that stops making progress ends here.
const HANG_GUARD: Duration = Duration::from_secs(600);
const CONV: u32 = 0x5eed_0001;
/// How often the stand-in for KCP sends a data segment.
const SEND_EVERY: Duration = Duration::from_millis(50);

fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One segment per packet, as a KCP client sends them.
fn packet(cmd: u8, sn: u32, payload: &[u8]) -> Bytes {
    let header = SegmentHeader {
        conv: CONV,
        cmd,
        sn,
        una: 0,
        len: payload.len() as u32,
        ..SegmentHeader::default()
    };
    let mut out = header.to_bytes().to_vec();
    out.extend_from_slice(payload);
    Bytes::from(out)
}

/// How a fake proxy behaves; shared with the test, which can change it.
#[derive(Clone)]
struct FakeProxy {
    name: &'static str,
    rtt: Duration,
    /// Swallow everything from now on (the proxy died silently).
    silent: Arc<AtomicBool>,
    /// Acknowledgements due in this window are held until its end.
    hold: Option<(Instant, Instant)>,
    /// Data segments that arrived (while not silent).
    received: Arc<Mutex<Vec<u32>>>,
    /// Data segments acknowledged.
    acked: Arc<Mutex<BTreeSet<u32>>>,
}

impl FakeProxy {
    fn new(name: &'static str, rtt: Duration) -> Self {
        Self {
            name,
            rtt,
            silent: Arc::new(AtomicBool::new(false)),
            hold: None,
            received: Arc::new(Mutex::new(Vec::new())),
            acked: Arc::new(Mutex::new(BTreeSet::new())),
        }
    }

    fn received(&self) -> usize {
        lock(&self.received).len()
    }
}

/// The far end of a fake proxy: preamble, then an ACK for every data
/// segment after the round trip.
async fn serve(stream: DuplexStream, proxy: FakeProxy) {
    let (mut reader, writer) = tokio::io::split(stream);
    if read_preamble(&mut reader).await.is_err() {
        return;
    }
    let conn = Arc::new(encapsulated_packet_conn(
        tokio::io::join(reader, writer),
        None,
    ));
    // The server's own data, its share of which comes over every
    // connection of the session.
    let downstream = {
        let conn = Arc::clone(&conn);
        let silent = Arc::clone(&proxy.silent);
        tokio::spawn(async move {
            let mut sn = 0u32;
            loop {
                tokio::time::sleep(SEND_EVERY).await;
                if silent.load(Ordering::SeqCst) {
                    continue;
                }
                if conn.send(packet(CMD_PUSH, sn, b"server")).await.is_err() {
                    return;
                }
                sn = sn.wrapping_add(1);
            }
        })
    };
    serve_acknowledgements(&conn, &proxy).await;
    downstream.abort();
}

/// Answers every data segment with an ACK after the round trip, until the
/// stream closes.
async fn serve_acknowledgements(
    conn: &Arc<snowflake_common::turbotunnel::ChannelPacketConn>,
    proxy: &FakeProxy,
) {
    while let Ok(incoming) = conn.recv().await {
        if proxy.silent.load(Ordering::SeqCst) {
            continue;
        }
        let mut sns = Vec::new();
        let conv = segment::packet_conv(&incoming).unwrap_or(CONV);
        let _ = segment::walk_packet(&incoming, conv, |header| {
            if header.cmd == CMD_PUSH {
                sns.push(header.sn);
            }
            Ok(())
        });
        if sns.is_empty() {
            continue;
        }
        lock(&proxy.received).extend(&sns);
        let now = Instant::now();
        let due = match proxy.hold {
            Some((from, until)) if now + proxy.rtt >= from && now + proxy.rtt < until => until,
            _ => now + proxy.rtt,
        };
        let conn = Arc::clone(conn);
        let proxy = proxy.clone();
        tokio::spawn(async move {
            tokio::time::sleep_until(due).await;
            if proxy.silent.load(Ordering::SeqCst) {
                return;
            }
            for sn in sns {
                lock(&proxy.acked).insert(sn);
                let _ = conn.send(packet(CMD_ACK, sn, b"")).await;
            }
        });
    }
}

/// What the fake dialer does for one dial.
enum Plan {
    /// Connects `proxy` after `after` (the broker and ICE).
    Connect { after: Duration, proxy: FakeProxy },
}

/// Hands out the planned proxies in order; once they run out, a dial
/// never completes (the broker has nobody).
struct FakeDialer {
    plans: Mutex<VecDeque<Plan>>,
    dials: Mutex<usize>,
}

impl FakeDialer {
    fn new(plans: Vec<Plan>) -> Arc<Self> {
        Arc::new(Self {
            plans: Mutex::new(plans.into()),
            dials: Mutex::new(0),
        })
    }

    fn dials(&self) -> usize {
        *lock(&self.dials)
    }
}

impl ProxyDialer for FakeDialer {
    fn dial(&self) -> BoxFuture<'_, Result<DialedProxy, DialError>> {
        Box::pin(async move {
            *lock(&self.dials) += 1;
            let plan = lock(&self.plans).pop_front();
            let Some(Plan::Connect { after, proxy }) = plan else {
                return std::future::pending().await;
            };
            tokio::time::sleep(after).await;
            let (near, far) = tokio::io::duplex(1 << 20);
            let description = proxy.name.to_string();
            tokio::spawn(serve(far, proxy));
            Ok(DialedProxy {
                stream: Box::pin(near),
                events: None,
                description,
                datagrams: None,
            })
        })
    }
}

/// A session over the fake proxies: the packet conn (with its incoming
/// side drained) and the collector keeping `max` proxies.
fn start_session(dialer: Arc<FakeDialer>, max: usize) -> RedialPacketConn {
    let conn = RedialPacketConn::new(ClientId::random());
    let paths = Arc::clone(conn.paths());
    tokio::spawn(keep_filled(Arc::clone(&paths), dialer, max, None));
    let reader = conn.clone();
    tokio::spawn(async move { while reader.recv().await.is_ok() {} });
    conn
}

/// What the test saw after sending one segment.
#[derive(Debug, Clone, Copy)]
struct Sample {
    totals: PathTotals,
    live: usize,
    dials: usize,
}

fn sample(paths: &ProxyPaths, dialer: &FakeDialer) -> Sample {
    Sample {
        totals: paths.totals(),
        live: paths.len(),
        dials: dialer.dials(),
    }
}

/// Plays KCP for `count` segments from `first`, calling `each` after every
/// one with the time since the start.
async fn send_segments(
    conn: &RedialPacketConn,
    first: u32,
    count: u32,
    mut each: impl FnMut(Duration),
) {
    let start = Instant::now();
    let sending = async {
        for sn in first..first + count {
            conn.send(packet(CMD_PUSH, sn, &[0xab; 100]))
                .await
                .expect("session open");
            tokio::time::sleep(SEND_EVERY).await;
            each(start.elapsed());
        }
    };
    tokio::time::timeout(HANG_GUARD, sending)
        .await
        .expect("the session kept a path to send over");
}

/// Waits (in logical time) until every segment below `count` was
/// acknowledged by one of `proxies`.
async fn all_acknowledged(proxies: &[&FakeProxy], count: u32) {
    let done = || {
        let mut acked = BTreeSet::new();
        for proxy in proxies {
            acked.extend(lock(&proxy.acked).iter().copied());
        }
        (0..count).all(|sn| acked.contains(&sn))
    };
    tokio::time::timeout(HANG_GUARD, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("every segment is acknowledged in the end");
}

#[tokio::test(start_paused = true)]
async fn a_slow_but_acknowledging_only_path_is_never_dropped() {
    init_logs();
    let t0 = Instant::now();
    // 150 ms round trips, and for 4.5 s (from 10 s on) nothing is
    // acknowledged until the hold lifts: longer than the old 3 s floor.
    let mut slow = FakeProxy::new("slow", Duration::from_millis(150));
    slow.hold = Some((
        t0 + Duration::from_secs(10),
        t0 + Duration::from_millis(14_500),
    ));
    // No second proxy is to be had.
    let dialer = FakeDialer::new(vec![Plan::Connect {
        after: Duration::ZERO,
        proxy: slow.clone(),
    }]);
    let conn = start_session(Arc::clone(&dialer), 1);
    let paths = Arc::clone(conn.paths());
    const COUNT: u32 = 1200; // 60 s
    let mut samples = Vec::new();
    send_segments(&conn, 0, COUNT, |_| samples.push(sample(&paths, &dialer))).await;
    all_acknowledged(&[&slow], COUNT).await;
    for s in &samples {
        assert_eq!(s.totals.stalled, 0, "the slow path was dropped: {s:?}");
        assert_eq!(s.live, 1, "{s:?}");
    }
    let last = sample(&paths, &dialer);
    assert_eq!(last.totals.added, 1);
    // The silence did ask for a spare (none came).
    assert!(last.totals.replacements_requested >= 1, "{last:?}");
    assert_eq!(last.dials, 2);
    assert_eq!(
        slow.received(),
        COUNT as usize,
        "every segment went over it once"
    );
    assert!(!paths.replacement_wanted(), "recovered");
    paths.close();
}

#[tokio::test(start_paused = true)]
async fn a_silent_only_path_is_replaced_before_it_is_dropped() {
    init_logs();
    let first = FakeProxy::new("first", Duration::from_millis(100));
    let second = FakeProxy::new("second", Duration::from_millis(100));
    // The replacement takes 3 s to connect: longer than the silent path's
    // own stall limit.
    let dialer = FakeDialer::new(vec![
        Plan::Connect {
            after: Duration::ZERO,
            proxy: first.clone(),
        },
        Plan::Connect {
            after: Duration::from_secs(3),
            proxy: second.clone(),
        },
    ]);
    let conn = start_session(Arc::clone(&dialer), 1);
    let paths = Arc::clone(conn.paths());
    const COUNT: u32 = 400; // 20 s
    let silence = first.silent.clone();
    let mut samples = Vec::new();
    send_segments(&conn, 0, COUNT, |elapsed| {
        if elapsed >= Duration::from_secs(5) {
            silence.store(true, Ordering::SeqCst);
        }
        samples.push(sample(&paths, &dialer));
    })
    .await;
    all_acknowledged(&[&first, &second], COUNT).await;

    let dialed = samples
        .iter()
        .find(|s| s.dials >= 2)
        .expect("a replacement was dialed");
    assert_eq!(
        dialed.totals.stalled, 0,
        "the replacement was dialed before the silent path was dropped: {dialed:?}"
    );
    assert!(dialed.totals.replacements_requested >= 1, "{dialed:?}");
    let dropped = samples
        .iter()
        .find(|s| s.totals.stalled >= 1)
        .expect("the silent path was dropped");
    assert_eq!(
        dropped.totals.added, 2,
        "dropped only once the replacement was up: {dropped:?}"
    );
    // Until then it stayed, alone, past its 3 s stall limit.
    let before: Vec<&Sample> = samples
        .iter()
        .take_while(|s| s.totals.stalled == 0)
        .collect();
    assert!(before.iter().all(|s| s.live >= 1));
    let last = sample(&paths, &dialer);
    assert_eq!(last.totals.stalled, 1);
    assert_eq!(last.live, 1);
    assert!(
        last.totals.resent > 0,
        "what the silent path owed was resent"
    );
    assert!(second.received() > 0);
    paths.close();
}

#[tokio::test(start_paused = true)]
async fn with_a_spare_traffic_moves_as_soon_as_the_carrier_is_suspect() {
    init_logs();
    let a = FakeProxy::new("a", Duration::from_millis(100));
    let b = FakeProxy::new("b", Duration::from_millis(100));
    let c = FakeProxy::new("c", Duration::from_millis(100));
    let dialer = FakeDialer::new(vec![
        Plan::Connect {
            after: Duration::ZERO,
            proxy: a.clone(),
        },
        Plan::Connect {
            after: Duration::ZERO,
            proxy: b.clone(),
        },
        Plan::Connect {
            after: Duration::from_secs(1),
            proxy: c.clone(),
        },
    ]);
    let conn = start_session(Arc::clone(&dialer), 2);
    let paths = Arc::clone(conn.paths());
    // 20 s of data. Once both are up and data flows, silence whichever
    // one carries.
    const COUNT: u32 = 400;
    let mut carrier: Option<(FakeProxy, FakeProxy)> = None;
    let mut samples = Vec::new();
    send_segments(&conn, 0, COUNT, |elapsed| {
        if carrier.is_none() && elapsed >= Duration::from_secs(5) {
            assert_eq!(paths.len(), 2, "both proxies up");
            let (busy, spare) = if a.received() > 0 {
                (a.clone(), b.clone())
            } else {
                (b.clone(), a.clone())
            };
            assert_eq!(spare.received(), 0, "one proxy at a time");
            busy.silent.store(true, Ordering::SeqCst);
            carrier = Some((busy, spare));
        }
        let spare_received = carrier.as_ref().map_or(0, |(_, spare)| spare.received());
        samples.push((sample(&paths, &dialer), spare_received));
    })
    .await;
    all_acknowledged(&[&a, &b, &c], COUNT).await;

    let (moved, _) = samples
        .iter()
        .find(|(_, spare_received)| *spare_received > 0)
        .expect("the spare carried traffic");
    assert_eq!(
        moved.totals.stalled, 0,
        "traffic moved while the silent carrier was still there: {moved:?}"
    );
    assert_eq!(moved.live, 2, "{moved:?}");
    assert_eq!(moved.totals.switched_early, 1, "{moved:?}");
    let last = sample(&paths, &dialer);
    // The extra proxy dialed while the carrier was suspect took its place:
    // the silent one was retired as soon as the set was above max with a
    // proxy proved working, without waiting for its stall limit.
    assert_eq!(last.totals.retired + last.totals.stalled, 1, "{last:?}");
    assert_eq!(last.totals.retired, 1, "{last:?}");
    assert!(last.totals.replacements_requested >= 1, "{last:?}");
    assert_eq!(last.dials, 3, "{last:?}");
    assert_eq!(last.live, 2, "{last:?}");
    paths.close();
}

/// The server forgot the session (evicted it, or restarted): from some
/// moment on, nothing sent over any proxy is acknowledged and nothing comes
/// back, over the proxy of the moment and over every replacement. The
/// session ends (so that tor starts again) once two proxies in a row were
/// dropped for silence and nothing was acknowledged for a minute; not
/// before, and not for one dead proxy.
#[tokio::test(start_paused = true)]
async fn a_session_the_server_forgot_is_closed_after_a_minute_and_two_proxies() {
    init_logs();
    let forgotten = Arc::new(AtomicBool::new(false));
    let mut plans = Vec::new();
    for name in ["p1", "p2", "p3", "p4", "p5"] {
        let mut proxy = FakeProxy::new(name, Duration::from_millis(100));
        proxy.silent = Arc::clone(&forgotten);
        plans.push(Plan::Connect {
            after: Duration::from_secs(1),
            proxy,
        });
    }
    let dialer = FakeDialer::new(plans);
    let conn = start_session(Arc::clone(&dialer), 1);
    let paths = Arc::clone(conn.paths());
    let start = Instant::now();
    let mut forgot_at = None;
    let mut closed_at = None;
    let mut samples = Vec::new();
    let run = async {
        for sn in 0u32.. {
            let elapsed = start.elapsed();
            if forgot_at.is_none() && elapsed >= Duration::from_secs(10) {
                forgotten.store(true, Ordering::SeqCst);
                forgot_at = Some(elapsed);
            }
            if conn.send(packet(CMD_PUSH, sn, &[0xab; 100])).await.is_err() {
                closed_at = Some(start.elapsed());
                return;
            }
            samples.push((start.elapsed(), sample(&paths, &dialer)));
            tokio::time::sleep(SEND_EVERY).await;
        }
    };
    tokio::time::timeout(HANG_GUARD, run)
        .await
        .expect("the forgotten session was never closed");
    let forgot_at = forgot_at.expect("the server forgot");
    let closed_at = closed_at.expect("closed");
    assert!(paths.is_closed());
    let silence = closed_at - forgot_at;
    // The last acknowledgement came up to a round trip before the proxies
    // fell silent.
    assert!(
        silence + Duration::from_millis(200) > snowflake_client::scheduler::SESSION_LOST_AFTER,
        "closed after {silence:?} of silence"
    );
    let (_, last) = samples.last().copied().expect("samples");
    assert!(last.totals.stalled >= 2, "{last:?}");
    // While only one proxy had been dropped, the session stayed.
    for (at, s) in &samples {
        if s.totals.stalled < 2 {
            assert!(*at < closed_at, "{s:?}");
        }
    }
}
