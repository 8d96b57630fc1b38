//! Receive-side memory bounds of one KCP conversation: a peer that floods
//! out-of-order segments, or in-order data nobody reads, makes the session
//! hold at most RECV_AHEAD_BYTES + RECV_UNREAD_BYTES + one segment, with the
//! advertised window unchanged; dropped segments are not acknowledged; and
//! the bookkeeping matches what the crate actually delivers.

use bytes::Bytes;
use proptest::prelude::*;
use snowflake_common::kcp::segment::{SegmentHeader, CMD_ACK, CMD_PUSH};
use snowflake_common::kcp::{
    KcpCore, MSS, RECV_AHEAD_BYTES, RECV_AHEAD_SEGMENTS, RECV_UNREAD_BYTES, WINDOW,
};

const CONV: u32 = 0x0bad_f00d;

fn push(sn: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = SegmentHeader {
        conv: CONV,
        cmd: CMD_PUSH,
        wnd: WINDOW,
        sn,
        len: payload.len() as u32,
        ..Default::default()
    }
    .to_bytes()
    .to_vec();
    p.extend_from_slice(payload);
    p
}

fn drain(core: &mut KcpCore) -> Vec<Bytes> {
    let mut out = Vec::new();
    core.drain_output(|p| out.push(p));
    out
}

fn read_all(core: &mut KcpCore) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = vec![0u8; 4096];
    loop {
        let n = core.recv(&mut buf);
        if n == 0 {
            return got;
        }
        got.extend_from_slice(&buf[..n]);
    }
}

/// The ACKed sequence numbers and the advertised windows in `packets`.
fn acks_and_windows(packets: &[Bytes]) -> (Vec<u32>, Vec<u16>) {
    let mut acks = Vec::new();
    let mut windows = Vec::new();
    for p in packets {
        let mut rest = &p[..];
        while let Some(h) = SegmentHeader::parse(rest) {
            windows.push(h.wnd);
            if h.cmd == CMD_ACK {
                acks.push(h.sn);
            }
            rest = &rest[24 + h.len as usize..];
        }
    }
    (acks, windows)
}

#[test]
fn out_of_order_flood_is_bounded_and_unacknowledged_beyond_the_bound() {
    let mut core = KcpCore::new(CONV, 0);
    let payload = vec![0x55u8; MSS];
    // sn 0 never arrives; everything else is ahead of it. Feed more than
    // the crate's whole window would hold.
    let mut now = 0;
    for sn in 1..20_000u32 {
        core.input(&push(sn, &payload), now).expect("well-formed");
        if sn % 1000 == 0 {
            now += 10;
            core.flush(now);
            drain(&mut core);
        }
        assert!(core.receive_buffered_bytes() <= RECV_AHEAD_BYTES);
    }
    let held = core.receive_buffered_bytes();
    assert!(
        held > RECV_AHEAD_BYTES - MSS,
        "the flood reached the bound: {held}"
    );
    assert!(core.receive_dropped_segments() > 15_000);

    // A fresh batch: the far segment is neither stored nor acknowledged,
    // a near duplicate is acknowledged again, and the window stays open.
    core.input(&push(RECV_AHEAD_SEGMENTS + 10, &payload), now)
        .expect("well-formed");
    core.input(&push(1, &payload), now).expect("well-formed");
    core.flush(now + 10);
    let (acks, windows) = acks_and_windows(&drain(&mut core));
    assert_eq!(acks, vec![1]);
    assert!(windows.iter().all(|&w| w == WINDOW), "{windows:?}");

    // Filling the gap delivers exactly what was kept, in order.
    core.input(&push(0, b"first"), now + 20)
        .expect("well-formed");
    let got = read_all(&mut core);
    let kept_segments = (held / MSS) as u32;
    assert_eq!(got.len(), 5 + held);
    assert_eq!(&got[..5], b"first");
    assert!(got[5..].iter().all(|&b| b == 0x55));
    assert_eq!(core.receive_buffered_bytes(), 0);

    // The peer retransmits what was dropped, and the session goes on.
    core.input(&push(kept_segments + 1, b"next"), now + 30)
        .expect("well-formed");
    assert_eq!(read_all(&mut core), b"next");
}

#[test]
fn unread_flood_is_bounded_and_resumes_after_reads() {
    let mut core = KcpCore::new(CONV, 0);
    let payload = vec![7u8; MSS];
    let mut accepted_through = 0u32;
    for sn in 0..10_000u32 {
        core.input(&push(sn, &payload), 0).expect("well-formed");
        if core.receive_buffered_bytes() > (sn as usize) * MSS {
            accepted_through = sn + 1;
        }
        assert!(core.receive_buffered_bytes() <= RECV_UNREAD_BYTES + MSS);
    }
    let held = core.receive_buffered_bytes();
    assert!(held >= RECV_UNREAD_BYTES, "{held}");
    core.flush(10);
    let (acks, windows) = acks_and_windows(&drain(&mut core));
    assert_eq!(
        acks.len(),
        accepted_through as usize,
        "dropped data is not acked"
    );
    assert!(
        windows.iter().all(|&w| w > WINDOW - 1000),
        "the advertised window is not closed: {windows:?}"
    );

    // Reading makes room; the retransmission of the first dropped segment
    // is then accepted.
    assert_eq!(read_all(&mut core).len(), held);
    core.input(&push(accepted_through, b"again"), 20)
        .expect("well-formed");
    assert_eq!(read_all(&mut core), b"again");
}

#[test]
fn several_segments_in_one_packet_are_filtered_individually() {
    let mut core = KcpCore::new(CONV, 0);
    let mut packet = push(0, b"a");
    packet.extend(push(RECV_AHEAD_SEGMENTS + 1, b"far"));
    packet.extend(push(1, b"b"));
    core.input(&packet, 0).expect("well-formed");
    assert_eq!(read_all(&mut core), b"ab");
    assert_eq!(core.receive_dropped_segments(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever arrives in whatever order, every read takes exactly the
    /// bytes the bookkeeping says were unread, so the bound measures what
    /// the crate really holds.
    #[test]
    fn bookkeeping_matches_what_the_crate_delivers(
        ops in proptest::collection::vec((0u32..6000, 0usize..1400, any::<bool>()), 1..400)
    ) {
        let mut core = KcpCore::new(CONV, 0);
        for (sn, len, read) in ops {
            core.input(&push(sn, &vec![1u8; len]), 0).expect("well-formed");
            if read {
                let before = core.receive_buffered_bytes();
                let mut buf = vec![0u8; 700];
                let n = core.recv(&mut buf);
                let after = core.receive_buffered_bytes();
                prop_assert_eq!(before - after, n);
            }
        }
        let before = core.receive_buffered_bytes();
        let got = read_all(&mut core).len();
        prop_assert!(got <= before);
        // Whatever is left is out of order; filling every gap delivers it.
        let left = before - got;
        prop_assert_eq!(core.receive_buffered_bytes(), left);
        let mut delivered = 0;
        for sn in 0..6000 {
            core.input(&push(sn, b""), 0).expect("well-formed");
            delivered += read_all(&mut core).len();
        }
        prop_assert_eq!(delivered, left);
        prop_assert_eq!(core.receive_buffered_bytes(), 0);
    }
}

#[test]
fn a_session_on_probation_holds_little_out_of_order_data_even_in_empty_segments() {
    use snowflake_common::kcp::{RECV_AHEAD_BYTES_UNPROVEN, SEGMENT_OVERHEAD};
    let mut core = KcpCore::new(CONV, 0);
    core.set_probation(true);
    // Full segments, all ahead of the missing sn 0.
    let payload = vec![0x55u8; MSS];
    for sn in 1..200u32 {
        core.input(&push(sn, &payload), 0).expect("well-formed");
    }
    let full = core.receive_buffered_bytes();
    assert!(full <= RECV_AHEAD_BYTES_UNPROVEN, "{full}");
    assert!(full > RECV_AHEAD_BYTES_UNPROVEN / 2, "{full}");

    // Empty segments cost their overhead, so they are bounded too.
    let mut empty = KcpCore::new(CONV, 0);
    empty.set_probation(true);
    for sn in 1..RECV_AHEAD_SEGMENTS {
        empty.input(&push(sn, b""), 0).expect("well-formed");
    }
    let held = empty.receive_buffered_segments();
    assert!(
        held <= RECV_AHEAD_BYTES_UNPROVEN / SEGMENT_OVERHEAD,
        "{held} empty segments held"
    );

    // Off probation, the normal bound applies again.
    core.set_probation(false);
    for sn in 200..1000u32 {
        core.input(&push(sn, &payload), 0).expect("well-formed");
    }
    assert!(core.receive_buffered_bytes() > RECV_AHEAD_BYTES_UNPROVEN * 4);
    assert!(core.receive_buffered_bytes() <= RECV_AHEAD_BYTES);
}
