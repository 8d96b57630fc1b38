//! Hostile input through the validated KCP input path.
//!
//! The `kcp` crate (0.6.0) does `u32`/`i32` arithmetic on header fields
//! with plain `+`/`-`. Built with overflow checks (the default for debug
//! builds), it panics on these segments, each confirmed against the crate
//! compiled with overflow checks on:
//!
//! 1. PUSH with `sn = 0x8000_0000`: `Kcp::input` computes
//!    `timediff(sn, rcv_nxt + rcv_wnd)`, i.e. `i32::MIN - 65535` →
//!    "attempt to subtract with overflow" (kcp.rs:76, `timediff`).
//! 2. ACK with `ts = 0x8000_0000` while the clock is at 1000:
//!    `timediff(current, ts)` = `1000 - i32::MIN` → subtract overflow.
//! 3. ACK with `ts = current + 0x8000_0001` (RTT = `i32::MAX`):
//!    `update_ack` computes `rx_srtt + max(interval, 4 * rx_rttval)` →
//!    "attempt to add with overflow" (kcp.rs:560).
//! 4. Any segment with `una = 0x8000_0000` while a segment with sn ≥ 1 is
//!    unacknowledged: `parse_una` computes `timediff(una, seg.sn)` →
//!    subtract overflow.
//! 5. PUSH with `frg = 255`: accepted by `input`, then the next `recv`
//!    calls `peeksize`, which computes `segment.frg + 1` in `u8` → add
//!    overflow (kcp.rs:456). (Any `frg` ≠ 0 also stalls stream mode.)
//!
//! Two defences apply: [`KcpCore::input`] refuses all of these (structural
//! checks plus sequence/timestamp plausibility), and the workspace builds
//! the `kcp` package with `overflow-checks = false`, so the crate's
//! arithmetic wraps as in C ikcp and kcp-go (needed anyway once a session's
//! clock passes 2^31 ms; see `kcp_core.rs`, clock-wrap test).

use kcp::Kcp;
use proptest::prelude::*;
use snowflake_common::kcp::segment::{SegmentHeader, CMD_ACK, CMD_PUSH, CMD_WASK, CMD_WINS};
use snowflake_common::kcp::{InputError, KcpCore, SegmentError};

const CONV: u32 = 0x1122_3344;
const NOW: u32 = 1000;

#[allow(clippy::too_many_arguments)]
fn segment(cmd: u8, frg: u8, wnd: u16, ts: u32, sn: u32, una: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = SegmentHeader {
        conv: CONV,
        cmd,
        frg,
        wnd,
        ts,
        sn,
        una,
        len: payload.len() as u32,
    }
    .to_bytes()
    .to_vec();
    out.extend_from_slice(payload);
    out
}

/// A core that has sent three segments (sn 0, 1, 2), of which the peer
/// acknowledged sn 0, so sn 1 and 2 are in flight.
fn busy_core() -> KcpCore {
    let mut core = KcpCore::new(CONV, NOW);
    for data in [&b"hello"[..], b"a", b"b"] {
        assert_eq!(core.send(data), data.len());
        core.flush(NOW);
    }
    core.drain_output(|_| {});
    core.input(&segment(CMD_ACK, 0, 65535, NOW, 0, 1, b""), NOW)
        .expect("valid ACK");
    assert_eq!(core.wait_snd(), 2);
    core
}

/// The five panicking segments of the module comment.
fn crafted() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "PUSH sn 0x80000000",
            segment(CMD_PUSH, 0, 65535, 0, 0x8000_0000, 0, b"x"),
        ),
        (
            "ACK ts 0x80000000",
            segment(CMD_ACK, 0, 65535, 0x8000_0000, 1, 1, b""),
        ),
        (
            "ACK with RTT i32::MAX",
            segment(CMD_ACK, 0, 65535, NOW.wrapping_add(0x8000_0001), 1, 1, b""),
        ),
        (
            "una 0x80000000 with sn 1 in flight",
            segment(CMD_WINS, 0, 65535, 0, 0, 0x8000_0000, b""),
        ),
        ("PUSH frg 255", segment(CMD_PUSH, 255, 65535, 0, 0, 1, b"x")),
    ]
}

#[test]
fn validated_input_refuses_the_segments_that_panic_the_crate() {
    for (name, packet) in crafted() {
        let mut core = busy_core();
        let err = core
            .input(&packet, NOW)
            .expect_err(&format!("{name} must be refused"));
        assert!(
            matches!(
                err,
                InputError::Segment(
                    SegmentError::SequenceOutOfRange { .. }
                        | SegmentError::TimestampOutOfRange { .. }
                        | SegmentError::Fragmented(255)
                )
            ),
            "{name}: {err:?}"
        );
        assert_eq!(core.rejected_packets(), 1);
        // Nothing changed: still two segments in flight, nothing to read,
        // and the session keeps working.
        assert_eq!(core.wait_snd(), 2, "{name}");
        let mut buf = [0u8; 64];
        assert_eq!(core.recv(&mut buf), 0, "{name}");
        core.input(&segment(CMD_PUSH, 0, 65535, 7, 0, 3, b"ok"), NOW)
            .expect("valid PUSH after a refused packet");
        assert_eq!(core.wait_snd(), 0, "una 3 acknowledged the rest");
        assert_eq!(core.recv(&mut buf), 2);
        assert_eq!(&buf[..2], b"ok");
        core.flush(NOW + 10);
    }
}

/// Feeds the crafted segments straight to the crate (no validation). This
/// only passes because the workspace sets `overflow-checks = false` for
/// the `kcp` package; with the default debug profile it panics on all
/// five. It guards that profile setting.
#[test]
fn unvalidated_crate_survives_only_thanks_to_the_workspace_profile() {
    struct Discard;
    impl std::io::Write for Discard {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    for (_name, packet) in crafted() {
        let mut kcp = Kcp::new_stream(CONV, Discard);
        kcp.set_wndsize(65535, 65535);
        kcp.set_nodelay(false, 10, 0, true);
        kcp.update(NOW).expect("update");
        for data in [&b"hello"[..], b"a", b"b"] {
            kcp.send(data).expect("send");
            kcp.flush().expect("flush");
        }
        kcp.input(&segment(CMD_ACK, 0, 65535, NOW, 0, 1, b""))
            .expect("ACK");
        let _ = kcp.input(&packet);
        let mut buf = [0u8; 64];
        let _ = kcp.recv(&mut buf);
        kcp.update(NOW + 10).expect("update");
    }
}

fn near(center: u32) -> impl Strategy<Value = u32> {
    prop_oneof![
        any::<u32>(),
        (0u32..200).prop_map(move |d| center.wrapping_add(d).wrapping_sub(100)),
        Just(0x7fff_ffff),
        Just(0x8000_0000),
        Just(0x8000_0001),
        Just(u32::MAX),
    ]
}

prop_compose! {
    fn arb_segment()(
        conv in prop_oneof![9 => Just(CONV), 1 => any::<u32>()],
        cmd in prop_oneof![
            Just(CMD_PUSH), Just(CMD_ACK), Just(CMD_WASK), Just(CMD_WINS), any::<u8>()
        ],
        frg in prop_oneof![4 => Just(0u8), 1 => any::<u8>()],
        wnd in any::<u16>(),
        ts in near(NOW),
        sn in near(1),
        una in near(1),
        payload in proptest::collection::vec(any::<u8>(), 0..48),
        len in prop_oneof![4 => Just(None), 1 => any::<u32>().prop_map(Some)],
    ) -> Vec<u8> {
        let mut out = SegmentHeader {
            conv, cmd, frg, wnd, ts, sn, una,
            len: len.unwrap_or(payload.len() as u32),
        }
        .to_bytes()
        .to_vec();
        out.extend_from_slice(&payload);
        out
    }
}

fn arb_packet() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(arb_segment(), 1..4),
        prop_oneof![4 => Just(None), 1 => any::<usize>().prop_map(Some)],
    )
        .prop_map(|(segments, cut)| {
            let mut packet = segments.concat();
            if let Some(cut) = cut {
                packet.truncate(cut % (packet.len() + 1));
            }
            packet
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random headers (mostly plausible, with wild values mixed in) never
    /// panic the validated input path or anything run after it.
    #[test]
    fn random_segments_never_panic(packets in proptest::collection::vec(arb_packet(), 1..16)) {
        let mut core = busy_core();
        let mut now = NOW;
        let mut buf = [0u8; 100];
        for packet in &packets {
            let _ = core.input(packet, now);
            core.after_input(now);
            while core.recv(&mut buf) > 0 {}
            now = now.wrapping_add(7);
            if core.next_timeout(now) == Some(0) {
                core.flush(now);
            }
            core.drain_output(|p| assert!(p.len() <= snowflake_common::kcp::MTU));
        }
        core.flush(now.wrapping_add(100_000));
    }

    /// Arbitrary bytes as well.
    #[test]
    fn random_bytes_never_panic(packets in proptest::collection::vec(
        proptest::collection::vec(any::<u8>(), 0..200), 1..16)
    ) {
        let mut core = busy_core();
        let mut buf = [0u8; 100];
        for packet in &packets {
            let _ = core.input(packet, NOW);
            core.after_input(NOW);
            let _ = core.recv(&mut buf);
        }
        core.flush(NOW + 10);
    }
}
