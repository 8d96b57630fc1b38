//! The sans-IO KCP core: §11.5 / §1.4 vectors, two cores over a simulated
//! lossy, reordering, duplicating network (including across the clock's
//! wrap points), read buffering, the send-queue bound, and the in-flight
//! bound in front of a simulated bottleneck.

use bytes::{Bytes, BytesMut};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use snowflake_common::encapsulation::encode_data;
use snowflake_common::kcp::inflight::INITIAL_SEGMENTS;
use snowflake_common::kcp::segment::{SegmentHeader, CMD_ACK, CMD_PUSH};
use snowflake_common::kcp::{KcpCore, MemoryBudget, MSS, MTU, SEND_QUEUE_LIMIT};

const SMUX_SYN_SID3: [u8; 8] = [0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00];

fn drain(core: &mut KcpCore) -> Vec<Bytes> {
    let mut out = Vec::new();
    core.drain_output(|p| out.push(p));
    out
}

fn encapsulated(packet: &[u8]) -> String {
    let mut buf = BytesMut::new();
    encode_data(packet, &mut buf).expect("fits");
    hex::encode(buf)
}

#[test]
fn first_datagram_matches_kcp_go_capture() {
    // §11.5: kcp-go 5.6.1 NewConn3(0x11223344, …) with Snowflake's
    // settings, one write of the smux SYN, clock at 0.
    let mut core = KcpCore::new(0x1122_3344, 0);
    assert_eq!(core.send(&SMUX_SYN_SID3), 8);
    core.flush(0);
    let packets = drain(&mut core);
    assert_eq!(packets.len(), 1);
    assert_eq!(
        hex::encode(&packets[0]),
        "443322115100ffff000000000000000000000000080000000200000003000000"
    );
}

#[test]
fn worked_example_push_and_ack() {
    // §1.4 / §11.5: the client's PUSH at ts 1000 …
    let mut client = KcpCore::new(0x1122_3344, 1000);
    client.send(&SMUX_SYN_SID3);
    client.flush(1000);
    let push = drain(&mut client);
    assert_eq!(push.len(), 1);
    assert_eq!(
        encapsulated(&push[0]),
        "a0443322115100ffffe8030000000000000000000008000000\
         0200000003000000"
    );

    // … and the server's ACK: ts echoed, wnd 65534 because the segment is
    // still queued for the application, sn 0, una 1. It waits for the
    // next flush (the 10 ms tick), as in kcp-go.
    let mut server = KcpCore::new(0x1122_3344, 55);
    server.input(&push[0], 57).expect("valid PUSH");
    server.after_input(57);
    assert!(!server.has_output(), "ACK waits for the tick");
    assert!(server.next_timeout(57).is_some_and(|ms| ms <= 10));
    server.flush(65);
    let ack = drain(&mut server);
    assert_eq!(ack.len(), 1);
    assert_eq!(
        encapsulated(&ack[0]),
        "98443322115200feffe8030000000000000100000000000000"
    );
    let mut buf = [0u8; 16];
    assert_eq!(server.recv(&mut buf), 8);
    assert_eq!(buf[..8], SMUX_SYN_SID3);

    // The ACK frees the client's send queue; both are then idle.
    client.input(&ack[0], 1010).expect("valid ACK");
    client.after_input(1010);
    drain(&mut client);
    assert_eq!(client.wait_snd(), 0);
    assert_eq!(client.next_timeout(1010), None, "idle: no timer needed");
    assert_eq!(server.next_timeout(65), None);
}

#[test]
fn reads_in_order_through_small_buffers_and_skip_empty_segments() {
    let conv = 9;
    let mut core = KcpCore::new(conv, 0);
    let push = |sn: u32, payload: &[u8]| {
        let mut p = SegmentHeader {
            conv,
            cmd: CMD_PUSH,
            wnd: 65535,
            sn,
            len: payload.len() as u32,
            ..Default::default()
        }
        .to_bytes()
        .to_vec();
        p.extend_from_slice(payload);
        p
    };
    // Out of order, with an empty segment in the middle.
    core.input(&push(2, b"!"), 1).expect("valid");
    core.input(&push(1, b""), 1).expect("valid");
    assert!(!core.readable(), "sn 0 missing");
    core.input(&push(0, b"hello, world"), 1).expect("valid");
    assert!(core.readable());
    let mut got = Vec::new();
    let mut buf = [0u8; 5];
    loop {
        let n = core.recv(&mut buf);
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"hello, world!");
    assert!(!core.readable());
}

#[test]
fn send_queue_is_bounded_and_reopens_when_acknowledged() {
    let conv = 5;
    let mut core = KcpCore::new(conv, 0);
    let chunk = vec![7u8; 48 * 1024];
    let mut accepted = 0usize;
    let mut snd_nxt = 0u32;
    loop {
        let n = core.send(&chunk);
        accepted += n;
        if n == 0 {
            core.flush(0);
            for p in drain(&mut core) {
                let h = SegmentHeader::parse(&p).expect("header");
                if h.cmd == CMD_PUSH {
                    snd_nxt = snd_nxt.max(h.sn + 1);
                }
            }
            if !core.writable() {
                break;
            }
        }
    }
    // Nothing acknowledged yet: the in-flight bound is at its start,
    // below the queue's own bound.
    let limit = core.inflight_limit();
    assert_eq!(limit, INITIAL_SEGMENTS);
    assert!(limit <= SEND_QUEUE_LIMIT);
    assert!(core.wait_snd() >= limit);
    assert!(accepted >= (limit - 1) * MSS, "{accepted}");
    assert!(accepted <= limit * MSS, "{accepted}");
    assert_eq!(core.send(b"more"), 0);

    // The peer acknowledges everything sent so far (packets carry several
    // segments, but una covers them all).
    let ack = SegmentHeader {
        conv,
        cmd: CMD_ACK,
        wnd: 65535,
        sn: snd_nxt - 1,
        una: snd_nxt,
        ..Default::default()
    }
    .to_bytes();
    core.input(&ack, 5).expect("valid ACK");
    assert!(core.writable());
    assert_eq!(core.send(b"more"), 4);
}

/// Sends until the core refuses; flushes along the way. Returns the bytes
/// taken and one past the highest `sn` sent.
fn fill(core: &mut KcpCore) -> (usize, u32) {
    let chunk = vec![7u8; 48 * 1024];
    let (mut accepted, mut snd_nxt) = (0usize, 0u32);
    loop {
        let n = core.send(&chunk);
        accepted += n;
        if n == 0 {
            core.flush(0);
            for p in drain(core) {
                let h = SegmentHeader::parse(&p).expect("header");
                if h.cmd == CMD_PUSH {
                    snd_nxt = snd_nxt.max(h.sn + 1);
                }
            }
            if !core.writable() {
                return (accepted, snd_nxt);
            }
        }
    }
}

fn ack_all(conv: u32, snd_nxt: u32) -> Vec<u8> {
    SegmentHeader {
        conv,
        cmd: CMD_ACK,
        wnd: 65535,
        sn: snd_nxt - 1,
        una: snd_nxt,
        ..Default::default()
    }
    .to_bytes()
    .to_vec()
}

#[test]
fn the_send_queue_is_charged_to_the_shared_budget() {
    let conv = 6;
    // Less than the in-flight bound lets a fresh session send.
    let budget = MemoryBudget::new(40 * MSS);
    let mut core = KcpCore::with_budget(conv, 0, &budget);
    assert!(core.inflight_limit() > 40);
    let (accepted, snd_nxt) = fill(&mut core);
    assert!(accepted <= 40 * MSS, "{accepted}");
    assert!(accepted > 30 * MSS, "{accepted}");
    assert_eq!(core.charged_bytes(), budget.used());
    assert!(budget.used() <= budget.limit());
    // Acknowledged data gives its charge back.
    core.input(&ack_all(conv, snd_nxt), 5).expect("valid ACK");
    core.flush(5);
    assert_eq!(budget.used(), 0);
    assert!(core.writable());

    // Another holder has spent the budget: a session with nothing in
    // flight still sends a few segments, then waits.
    let hog = budget.try_charge(budget.available()).expect("room");
    let (accepted, snd_nxt2) = fill(&mut core);
    assert_eq!(accepted, 8 * MSS);
    assert!(!core.writable());
    core.input(&ack_all(conv, snd_nxt2.max(snd_nxt)), 10)
        .expect("valid ACK");
    core.flush(10);
    assert_eq!(core.charged_bytes(), 0);
    drop(hog);
    assert_eq!(budget.used(), 0);
}

/// Two cores over a simulated network that loses, duplicates, delays and
/// reorders packets, each sending `len` bytes to the other while a driver
/// loop flushes on sends and on timeouts. Starts the clock at `start`.
fn simulate(start: u32, len: usize, loss: f64, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut cores = [KcpCore::new(0xabcd, start), KcpCore::new(0xabcd, start)];
    let data: [Vec<u8>; 2] = [0, 1].map(|i| {
        let mut d = vec![0u8; len];
        StdRng::seed_from_u64(seed + i).fill(&mut d[..]);
        d
    });
    let mut sent = [0usize; 2];
    let mut received: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    // (delivery time offset, destination, packet)
    let mut network: Vec<(u64, usize, Bytes)> = Vec::new();
    let mut buf = vec![0u8; 4096];
    for tick in 0u64..600_000 {
        let now = start.wrapping_add(tick as u32);
        for side in 0..2 {
            let core = &mut cores[side];
            let mut i = 0;
            let mut got_input = false;
            while i < network.len() {
                if network[i].0 <= tick && network[i].1 == side {
                    let (_, _, packet) = network.swap_remove(i);
                    core.input(&packet, now)
                        .expect("no valid packet is refused");
                    got_input = true;
                } else {
                    i += 1;
                }
            }
            if got_input {
                core.after_input(now);
            }
            let mut wrote = false;
            while sent[side] < len {
                let n = core.send(&data[side][sent[side]..]);
                if n == 0 {
                    break;
                }
                sent[side] += n;
                wrote = true;
            }
            if wrote || core.next_timeout(now) == Some(0) {
                core.flush(now);
            }
            core.drain_output(|packet| {
                assert!(packet.len() <= MTU);
                if rng.random_bool(loss) {
                    return;
                }
                let copies = if rng.random_bool(0.01) { 2 } else { 1 };
                for _ in 0..copies {
                    let delay = rng.random_range(1..30);
                    network.push((tick + delay, 1 - side, packet.clone()));
                }
            });
            loop {
                let n = core.recv(&mut buf);
                if n == 0 {
                    break;
                }
                received[side].extend_from_slice(&buf[..n]);
            }
        }
        if received[0].len() == len && received[1].len() == len {
            assert!(received[0] == data[1] && received[1] == data[0]);
            assert_eq!(cores[0].rejected_packets(), 0);
            assert_eq!(cores[1].rejected_packets(), 0);
            return;
        }
    }
    panic!(
        "transfer incomplete after 600 s of simulated time: {} and {} of {len} bytes",
        received[0].len(),
        received[1].len()
    );
}

#[test]
fn lossy_reordering_network() {
    simulate(0, 1 << 20, 0.05, 1);
}

#[test]
fn clock_wraps_through_i32_and_u32_boundaries() {
    // KCP's clock is a wrapping u32 of milliseconds; these starts make a
    // transfer cross 2^31 (where the crate's `as i32` subtraction would
    // overflow if it had overflow checks) and 2^32.
    simulate((1 << 31) - 2000, 1 << 19, 0.02, 2);
    simulate(u32::MAX - 2000, 1 << 19, 0.02, 3);
}

/// Sends four full segments at time 0 and returns the sequence numbers of
/// the PUSH segments a flush at `now` emits after `packets` came in.
fn pushes_after(core: &mut KcpCore, packets: &[Vec<u8>], now: u32) -> Vec<u32> {
    for p in packets {
        core.input(p, now).expect("valid ACK");
        core.after_input(now);
    }
    core.flush(now);
    drain(core)
        .iter()
        .filter_map(|p| SegmentHeader::parse(p))
        .filter(|h| h.cmd == CMD_PUSH)
        .map(|h| h.sn)
        .collect()
}

fn four_segments_sent(conv: u32) -> KcpCore {
    let mut core = KcpCore::new(conv, 0);
    assert_eq!(core.send(&vec![1u8; 4 * MSS]), 4 * MSS);
    core.flush(0);
    let sent: Vec<u32> = drain(&mut core)
        .iter()
        .filter_map(|p| SegmentHeader::parse(p))
        .map(|h| h.sn)
        .collect();
    assert_eq!(sent, vec![0, 1, 2, 3]);
    core
}

fn ack(conv: u32, sn: u32) -> Vec<u8> {
    ack_segment(conv, sn, 0, 0)
}

/// An ACK of `sn` with the given `una` and echoed send time `ts`.
fn ack_segment(conv: u32, sn: u32, una: u32, ts: u32) -> Vec<u8> {
    SegmentHeader {
        conv,
        cmd: CMD_ACK,
        wnd: 65535,
        sn,
        una,
        ts,
        ..Default::default()
    }
    .to_bytes()
    .to_vec()
}

#[test]
fn fast_resend_resends_a_lost_segment_after_two_later_acks() {
    // Segment 0 is lost; 1 and 2 arrive and are acknowledged in two
    // packets, 30 ms later, far below the 200 ms initial RTO.
    let conv = 0x0f0f_0f0f;
    let acks = [ack(conv, 1), ack(conv, 2)];

    let mut one_path = four_segments_sent(conv);
    one_path.set_fast_resend(snowflake_common::kcp::FAST_RESEND_ONE_PATH);
    assert_eq!(pushes_after(&mut one_path, &acks, 30), vec![0]);

    // Adaptive (every other sender): no reordering seen, the same.
    let mut adaptive = four_segments_sent(conv);
    assert_eq!(adaptive.fast_resend(), 2);
    assert_eq!(pushes_after(&mut adaptive, &acks, 30), vec![0]);

    // Snowflake's setting (off): nothing until the timeout.
    let mut plain = four_segments_sent(conv);
    plain.set_fast_resend(0);
    assert_eq!(pushes_after(&mut plain, &acks, 30), Vec::<u32>::new());
}

#[test]
fn fast_resend_waits_longer_on_a_path_that_reorders() {
    // Eight segments, all sent at 0. The ACK of 2 arrives after the ACK of
    // 5 and echoes the same send time: 2 was overtaken by three segments,
    // not lost. One ACK per packet, as a receiver sends them 10 ms apart.
    let conv = 0x0d0d_0d0d;
    let eight_sent = || {
        let mut core = KcpCore::new(conv, 0);
        assert_eq!(core.send(&vec![1u8; 8 * MSS]), 8 * MSS);
        core.flush(0);
        assert_eq!(drain(&mut core).len(), 8);
        core
    };
    let packets = |sns: &[u32]| {
        sns.iter()
            .map(|&sn| vec![ack(conv, sn)])
            .collect::<Vec<_>>()
    };

    // A fixed threshold of 2 resends 0 and 1 at once, in vain if they are
    // only late.
    let mut fixed = eight_sent();
    fixed.set_fast_resend(snowflake_common::kcp::FAST_RESEND_ONE_PATH);
    let mut resent = Vec::new();
    for (i, p) in packets(&[5, 2]).iter().enumerate() {
        resent.extend(pushes_after(&mut fixed, p, 30 + i as u32));
    }
    assert_eq!(resent, vec![0, 1]);

    // The adaptive core raises its threshold past the depth (3 -> 4) and
    // waits for two more later ACKs before resending 0 and 1.
    let mut adaptive = eight_sent();
    let mut resent = Vec::new();
    for (i, p) in packets(&[5, 2, 6]).iter().enumerate() {
        resent.extend(pushes_after(&mut adaptive, p, 30 + i as u32));
    }
    assert_eq!(adaptive.reordering_depth(), 3);
    assert_eq!(adaptive.fast_resend(), 4);
    assert_eq!(resent, Vec::<u32>::new());
    assert_eq!(
        pushes_after(&mut adaptive, &packets(&[7])[0], 40),
        vec![0, 1]
    );
}

#[test]
fn retransmission_timeouts_back_off_linearly() {
    // Nothing is ever acknowledged: record when segment 0 goes out again.
    let conv = 0x0e0e_0e0e;
    let mut core = four_segments_sent(conv);
    let mut resent_at = Vec::new();
    for now in 1..=4000u32 {
        if pushes_after(&mut core, &[], now).contains(&0) {
            resent_at.push(now);
        }
    }
    assert!(resent_at.len() >= 4, "resends: {resent_at:?}");
    let gaps: Vec<i64> = resent_at
        .windows(2)
        .map(|w| i64::from(w[1]) - i64::from(w[0]))
        .collect();
    // Linear (as kcp-go): each wait is one RTO (200 ms without samples)
    // longer than the one before: ~400, ~600, ~800 ms. Doubling would give
    // ~400, ~800, ~1600.
    for pair in gaps.windows(2).take(2) {
        let step = pair[1] - pair[0];
        assert!((180..=220).contains(&step), "gaps {gaps:?}");
    }
}

/// What [`bottleneck`] saw.
struct BottleneckRun {
    /// Most packets ever waiting in front of the bottleneck.
    peak_queue: usize,
    /// Most segments the sender ever had queued or unacknowledged.
    peak_wait_snd: usize,
    /// Data segments the bottleneck dropped.
    lost: u64,
    /// Data segments sent again.
    resent: u64,
    /// Simulated milliseconds from the first send to the last byte.
    took_ms: u64,
}

/// Data segments in `packet`, with their sequence numbers.
fn push_sns(packet: &[u8]) -> Vec<u32> {
    let mut sns = Vec::new();
    let mut rest = packet;
    while let Some(h) = SegmentHeader::parse(rest) {
        if h.cmd == CMD_PUSH {
            sns.push(h.sn);
        }
        rest = rest.get(24 + h.len as usize..).unwrap_or_default();
    }
    sns
}

/// One core sends `len` bytes to another through a path like a proxy's
/// WebRTC hop: a bottleneck that forwards one packet per millisecond
/// (about 1.4 MB/s) from an unbounded queue, 50 ms each way, and `loss`
/// of the forward packets dropped (seeded). ACKs come back without a
/// bottleneck.
fn bottleneck(len: usize, loss: f64, seed: u64) -> BottleneckRun {
    bottleneck_over(len, loss, seed, &[50], None)
}

/// [`bottleneck`] with the bottleneck's packets spread in turn over paths
/// of the given one-way delays (a client striping over proxies), and the
/// sender's fast resend fixed to `fast_resend` (`None`: adaptive).
fn bottleneck_over(
    len: usize,
    loss: f64,
    seed: u64,
    delays: &[u64],
    fast_resend: Option<u32>,
) -> BottleneckRun {
    let conv = 0x5eed;
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut sender, mut receiver) = (KcpCore::new(conv, 0), KcpCore::new(conv, 0));
    if let Some(threshold) = fast_resend {
        sender.set_fast_resend(threshold);
    }
    let mut turn = 0usize;
    let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    let mut queue: std::collections::VecDeque<Bytes> = Default::default();
    let mut forward: Vec<(u64, Bytes)> = Vec::new();
    let mut backward: Vec<(u64, Bytes)> = Vec::new();
    let (mut sent, mut received) = (0usize, Vec::with_capacity(len));
    let (mut peak_queue, mut peak_wait_snd) = (0usize, 0usize);
    let (mut next_sn, mut lost, mut resent) = (0u32, 0u64, 0u64);
    let mut buf = vec![0u8; 64 * 1024];
    for now in 0u64..600_000 {
        let t = now as u32;
        // The bottleneck forwards one packet per tick.
        if let Some(p) = queue.pop_front() {
            let delay = delays[turn % delays.len()];
            turn += 1;
            if rng.random_bool(loss) {
                lost += push_sns(&p).len() as u64;
            } else {
                forward.push((now + delay, p));
            }
        }
        for (inbox, core) in [(&mut forward, &mut receiver), (&mut backward, &mut sender)] {
            let mut due = Vec::new();
            inbox.retain(|(at, p)| {
                if *at > now {
                    return true;
                }
                due.push(p.clone());
                false
            });
            for p in &due {
                core.input(p, t).expect("no valid packet is refused");
            }
            if !due.is_empty() {
                core.after_input(t);
            }
        }
        let mut wrote = false;
        while sent < len {
            let n = sender.send(&data[sent..]);
            if n == 0 {
                break;
            }
            sent += n;
            wrote = true;
        }
        peak_wait_snd = peak_wait_snd.max(sender.wait_snd());
        for (core, wrote) in [(&mut sender, wrote), (&mut receiver, false)] {
            if wrote || core.next_timeout(t) == Some(0) {
                core.flush(t);
            }
        }
        sender.drain_output(|p| {
            for sn in push_sns(&p) {
                if sn < next_sn {
                    resent += 1;
                } else {
                    next_sn = sn + 1;
                }
            }
            queue.push_back(p);
        });
        receiver.drain_output(|p| backward.push((now + 50, p)));
        peak_queue = peak_queue.max(queue.len());
        loop {
            let n = receiver.recv(&mut buf);
            if n == 0 {
                break;
            }
            received.extend_from_slice(&buf[..n]);
        }
        if received.len() == len {
            assert!(received == data, "data corrupted");
            return BottleneckRun {
                peak_queue,
                peak_wait_snd,
                lost,
                resent,
                took_ms: now,
            };
        }
    }
    panic!(
        "{} of {len} bytes after 600 s of simulated time",
        received.len()
    );
}

#[test]
fn the_inflight_bound_keeps_the_queue_before_a_bottleneck_short() {
    // The path's bandwidth-delay product is 100 packets (about 110 with
    // the 10 ms ACK tick). Without a bound on data in flight (Snowflake's
    // settings) the sender pours its whole send queue (4096 segments) into
    // the bottleneck's queue; KCP's round trip grows to seconds while its
    // timeout, tuned to the round trip a moment earlier, expires again and
    // again: measured before the bound, a queue of 8,600 packets, and
    // 454 kB/s at 1 % loss where this path carries 1.4 MB/s.
    for (loss, seed) in [(0.0, 1), (0.01, 2), (0.03, 3)] {
        let run = bottleneck(4 << 20, loss, seed);
        let goodput = (4 << 20) as f64 / run.took_ms as f64;
        println!(
            "loss {loss}: peak queue {} packets, peak in flight {} segments, \
             {} lost, {} resent, {} ms, {goodput:.0} kB/s",
            run.peak_queue, run.peak_wait_snd, run.lost, run.resent, run.took_ms
        );
        // About one round trip of queue: twice the bandwidth-delay
        // product in flight, half of it waiting.
        assert!(run.peak_queue <= 250, "peak queue {}", run.peak_queue);
        assert!(run.peak_wait_snd <= 350, "in flight {}", run.peak_wait_snd);
        // A segment is sent again because it was lost, not because the
        // queue outgrew KCP's timeout (a loss may take two resends when
        // the resend is lost too).
        assert!(
            run.resent <= run.lost + run.lost / 2 + 5,
            "{} resent for {} lost",
            run.resent,
            run.lost
        );
    }
}

#[test]
fn adaptive_fast_resend_does_not_resend_what_striping_reorders() {
    // Packets alternate between two paths, 50 and 90 ms one way: every
    // other packet is overtaken by about forty, acknowledged in four ACK
    // packets (one per 10 ms tick) before it arrives. A fixed threshold of
    // two later ACKs resends much of what is only late; the adaptive core
    // measures the reordering and resends about what was lost.
    let delays = [50, 90];
    for (loss, seed) in [(0.0, 11), (0.01, 12)] {
        let fixed = bottleneck_over(2 << 20, loss, seed, &delays, Some(2));
        let adaptive = bottleneck_over(2 << 20, loss, seed, &delays, None);
        println!(
            "loss {loss}: fixed 2: {} resent for {} lost, {} ms; adaptive: {} resent for {} lost, {} ms",
            fixed.resent, fixed.lost, fixed.took_ms, adaptive.resent, adaptive.lost, adaptive.took_ms
        );
        // The first overtaken segments come before the first depth is
        // known: a few resends in vain are expected.
        assert!(
            adaptive.resent <= adaptive.lost + adaptive.lost / 2 + 20,
            "adaptive: {} resent for {} lost",
            adaptive.resent,
            adaptive.lost
        );
        assert!(
            fixed.resent > 3 * (adaptive.resent + 20),
            "the paths do not reorder enough to tell: fixed {} vs adaptive {}",
            fixed.resent,
            adaptive.resent
        );
    }
}

/// An ACK of `sn` (and of everything before it) echoing send time `ts`.
fn ack_echoing(conv: u32, sn: u32, ts: u32) -> Vec<u8> {
    ack_segment(conv, sn, sn + 1, ts)
}

#[test]
fn one_slow_round_trip_does_not_stretch_the_retransmission_timeout() {
    // Thirty segments each acknowledged 100 ms after they went out, then
    // one acknowledged after 3 s (a packet held in a reliable channel's
    // retransmission). KCP's estimate alone (smoothed RTT + 4 x variation)
    // would then time out after more than 3 s. The ceiling from the
    // in-flight bound is 4 x its minimum RTO, here still in start-up:
    // 4 x (23/8 x 100 + 20) = 1,230 ms, plus the eighth KCP adds and one
    // 10 ms tick.
    let conv = 0x0c0c_0c0c;
    let mut core = KcpCore::new(conv, 0);
    core.set_fast_resend(0);
    let mut now = 0u32;
    let mut sn = 0u32;
    let mut exchange = |core: &mut KcpCore, now: &mut u32, rtt: u32| {
        assert!(core.send(&[7u8; 100]) > 0);
        let sent_at = *now;
        for _ in 0..rtt / 10 {
            core.flush(*now);
            drain(core);
            *now += 10;
        }
        core.input(&ack_echoing(conv, sn, sent_at), *now)
            .expect("valid ACK");
        core.after_input(*now);
        sn += 1;
    };
    for _ in 0..30 {
        exchange(&mut core, &mut now, 100);
    }
    exchange(&mut core, &mut now, 3_000);

    assert!(core.send(&[9u8; 100]) > 0);
    let sent_at = now;
    let mut resent_at = None;
    let mut first = true;
    while now < sent_at + 10_000 && resent_at.is_none() {
        core.flush(now);
        let pushes: Vec<u32> = drain(&mut core)
            .iter()
            .filter_map(|p| SegmentHeader::parse(p))
            .filter(|h| h.cmd == CMD_PUSH)
            .map(|h| h.sn)
            .collect();
        if !pushes.is_empty() && !first {
            resent_at = Some(now);
        }
        if !pushes.is_empty() {
            first = false;
        }
        now += 10;
    }
    let waited = resent_at.expect("resent within 10 s") - sent_at;
    assert!(waited <= 1_400, "resent after {waited} ms");
}
