//! [`KcpCore`]: one KCP conversation as a sans-IO state machine, wrapping
//! the `kcp` crate with Snowflake's settings, input validation, bounded
//! queues and an output queue of whole packets.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;

use super::budget::{Charge, MemoryBudget};
use super::inflight::InflightBound;
use super::receive_limit::{PushVerdict, ReceiveLimiter};
use super::reordering::ReorderingWatch;
use super::segment::{
    validate_packet, walk_packet, SegmentError, SegmentHeader, CMD_ACK, CMD_PUSH, HEADER_LEN,
};

/// KCP MTU: every packet we send is at most this long. Go peers send up to
/// 1400 (`IKCP_MTU_DEF`, which Snowflake never changes) and accept up to
/// 1500; ours are smaller so that each fits one SCTP DATA chunk of a WebRTC
/// data channel (at most 1163 bytes of a message in webrtc-rs and Chromium;
/// less the two-byte prefix on the reliable channel). A 1400-byte packet
/// goes out as two chunks, two datagrams, either of which loses it
/// (docs/datagram-channel.md).
pub const MTU: usize = 1161;

/// Payload bytes per segment: [`MTU`] minus the header.
pub const MSS: usize = MTU - HEADER_LEN;

/// Send and receive windows in segments (`SetWindowSize(65535, 65535)`).
pub const WINDOW: u16 = 65535;

/// Update interval (`SetNoDelay(0, 0, 0, 1)`: kcp-go clamps interval 0 to
/// 10 ms). Pending ACKs go out on the next tick of this clock.
pub const INTERVAL_MS: u32 = 10;

/// Fast resend threshold of a client that uses one proxy at a time: a
/// segment is resent after two later ones are acknowledged. Over the
/// datagram channel a lost KCP packet is otherwise recovered only by its
/// retransmission timeout, which a full queue makes seconds long; over one
/// path packets keep their order, so duplicate acknowledgements mean loss.
/// Every other sender (the server, a striping client) adapts its threshold
/// to the reordering it measures ([`ReorderingWatch`]): striping spreads
/// packets over proxies with different delays, where a fixed threshold
/// resends in vain (measured: 15.6 MB/s fell to 4.4 MB/s in
/// `snowflake-bench`), and the server cannot tell the two kinds of client
/// apart.
pub const FAST_RESEND_ONE_PATH: u32 = 2;

/// Segments queued or in flight (KCP's `wait_snd`) above which writes wait.
///
/// 4096 segments are 5.6 MB: more than the 4 MiB smux session receive
/// buffer, the most a Snowflake smux peer lets one session have
/// outstanding, so KCP never throttles smux below what smux's own flow
/// control allows, and far above a Snowflake path's bandwidth-delay
/// product. kcp-go instead allows up to the 65535-segment window (90 MB)
/// per session; this bound keeps a stalled session's memory small.
pub const SEND_QUEUE_LIMIT: usize = 4096;

/// Incoming segments that may await their acknowledgement (the crate's
/// unbounded ACK list) before further input is refused until the next
/// flush. Far above one 10 ms tick of input at any realistic rate.
pub const MAX_UNFLUSHED_SEGMENTS: usize = 16_384;

/// Largest slice handed to the crate's `send` at once: it refuses more
/// than 127 segments per call.
const MAX_SEND_CHUNK: usize = 64 * 1024;

/// Bytes accepted by [`KcpCore::send`] between two flushes. kcp-go flushes
/// on every write, so a flush sends at most one write (an smux frame, at
/// most 32 KiB) of new data; without a bound, everything a fast writer
/// queued before the driver ran would leave in one burst and overflow the
/// 512-packet queues along the path (which drop).
const FLUSH_BURST: usize = 64 * 1024;

/// What a session with nothing queued or in flight may always queue, even
/// when the shared [`MemoryBudget`] is spent, so that no session waits
/// forever for room other sessions hold (a few segments).
const SEND_MINIMUM: usize = 8 * MSS;

/// How far (in sequence numbers) `sn`/`una` may lie from what this session
/// has sent or received before a segment is considered forged: 2^24
/// segments (23 GB), far beyond the 65535-segment window yet far from the
/// 2^31 distance at which the crate's `i32` sequence arithmetic overflows.
const SEQUENCE_SLACK: u32 = 1 << 24;

/// How far (in ms) an ACK's echoed timestamp may lie from our clock: about
/// 4.7 hours, far beyond any RTT or the 60 s maximum RTO, yet small enough
/// that the crate's RTT/RTO arithmetic cannot overflow.
const ACK_TS_SLACK: u32 = 1 << 24;

/// Why [`KcpCore::input`] refused a packet. The packet is dropped as a
/// whole; the session continues (KCP tolerates loss).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The packet is malformed or implausible.
    #[error(transparent)]
    Segment(#[from] SegmentError),
    /// Too many segments await acknowledgement because output has not been
    /// flushed for a while (the transport below is stuck).
    #[error("too many unacknowledged incoming KCP segments; dropping input until the next flush")]
    Backlogged,
    /// The `kcp` crate refused a packet that passed validation (should not
    /// happen).
    #[error("KCP input refused: {0}")]
    Refused(String),
}

/// Packets the crate wrote, plus what we learn from them about our own
/// sequence state (the crate does not expose it).
#[derive(Debug)]
struct OutputState {
    /// Packets waiting to be sent, each in an allocation of its own size:
    /// a packet split off a larger shared buffer would keep all of that
    /// buffer alive for as long as the packet waits in a client's queue
    /// (up to a minute for a client that never comes back: a 24-byte ACK
    /// pinned 5.6 KB per session of a ClientId flood, docs/server-budget.md).
    packets: VecDeque<Bytes>,
    /// One past the highest `sn` we have sent (the crate's `snd_nxt`).
    snd_nxt: u32,
    /// The last `una` we announced (the crate's `rcv_nxt` at that time).
    rcv_nxt: u32,
    /// The last receive window we announced.
    wnd: u16,
}

impl OutputState {
    fn note_segments(&mut self, packet: &[u8]) {
        let mut rest = packet;
        while let Some(header) = SegmentHeader::parse(rest) {
            self.rcv_nxt = header.una;
            self.wnd = header.wnd;
            if header.cmd == CMD_PUSH {
                let next = header.sn.wrapping_add(1);
                if wrapping_distance(next, self.snd_nxt) > 0 {
                    self.snd_nxt = next;
                }
            }
            let skip = usize::try_from(header.len)
                .ok()
                .and_then(|len| len.checked_add(HEADER_LEN));
            rest = match skip.and_then(|n| rest.get(n..)) {
                Some(r) => r,
                None => break,
            };
        }
    }
}

/// Signed distance `a - b` in wrapping sequence/time space, as KCP's
/// `_itimediff` computes it.
fn wrapping_distance(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

/// The `Write` the crate's output goes to: queues each written buffer (one
/// packet per write) as `Bytes`.
struct OutputSink(Arc<Mutex<OutputState>>);

fn lock_output(state: &Mutex<OutputState>) -> MutexGuard<'_, OutputState> {
    // Every update is a push or a field store; a panic cannot leave it
    // inconsistent.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl io::Write for OutputSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut out = lock_output(&self.0);
        out.note_segments(data);
        out.packets.push_back(Bytes::copy_from_slice(data));
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One KCP conversation with Snowflake's settings (stream mode, windows
/// 65535, nodelay 0, interval 10 ms, no congestion window, MTU 1400),
/// driven by explicit millisecond timestamps, with our fast resend (see
/// [`set_fast_resend`](Self::set_fast_resend)). In place of a congestion
/// window, [`send`](Self::send) takes data only while the segments queued
/// or unacknowledged stay under an [`InflightBound`], and the crate's
/// minimum RTO follows that bound's [`min_rto_ms`](InflightBound::min_rto_ms).
///
/// Feed packets with [`input`](Self::input) (then
/// [`after_input`](Self::after_input) once per batch), queue data with
/// [`send`](Self::send), read with [`recv`](Self::recv), call
/// [`flush`](Self::flush) after sends and whenever
/// [`next_timeout`](Self::next_timeout) expires, and send every packet
/// [`drain_output`](Self::drain_output) yields.
///
/// Time is a wrapping `u32` millisecond clock (the value KCP puts in `ts`).
/// Keep `overflow-checks = false` for the `kcp` package: the crate computes
/// wrapping differences with plain `i32` subtraction, which with overflow
/// checks would panic once the clock passes 2^31 ms (24.8 days).
pub struct KcpCore {
    kcp: ::kcp::Kcp<OutputSink>,
    output: Arc<Mutex<OutputState>>,
    /// Something (ACKs, a window answer, new data) awaits a flush.
    dirty: bool,
    /// An input in the current batch acknowledged data: kcp-go flushes at
    /// once when its send window slides.
    window_slid: bool,
    /// The application read after we had announced a zero window; the
    /// peer must learn that the window opened.
    window_reopened: bool,
    /// Incoming segments since the last flush (bounds the ACK list).
    unflushed_segments: usize,
    /// Bytes sent since the last flush (bounds the burst of a flush).
    unflushed_bytes: usize,
    /// Part of a segment that did not fit the caller's read buffer.
    staged: Vec<u8>,
    staged_pos: usize,
    /// Packets refused by [`input`](Self::input).
    rejected: u64,
    /// Mirror of the crate's receive buffers; drops PUSH segments that
    /// would exceed the per-session receive bounds.
    receive: ReceiveLimiter,
    /// Bytes queued or in flight on the send side, charged to a shared
    /// budget (an upper bound: at most [`MSS`] per waiting segment).
    send_charge: Option<Charge>,
    /// How many segments may be queued or unacknowledged (sender side).
    inflight: InflightBound,
    /// The reordering this sender's acknowledgements show.
    reordering: ReorderingWatch,
    /// `Some(n)`: a fast-resend threshold fixed by the caller; `None`: the
    /// one [`ReorderingWatch`] measures.
    fixed_fast_resend: Option<u32>,
    /// The threshold the crate has now.
    fast_resend: u32,
}

impl std::fmt::Debug for KcpCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KcpCore")
            .field("conv", &self.kcp.conv())
            .field("wait_snd", &self.kcp.wait_snd())
            .field("inflight_limit", &self.inflight.limit())
            .field("dirty", &self.dirty)
            .field("rejected", &self.rejected)
            .finish_non_exhaustive()
    }
}

impl KcpCore {
    /// A conversation `conv` whose clock reads `now_ms`.
    pub fn new(conv: u32, now_ms: u32) -> Self {
        Self::build(conv, now_ms, None)
    }

    /// A conversation whose receive buffers (see
    /// [`ReceiveLimiter::with_budget`]) and send queue are charged to
    /// `budget`: incoming data the budget has no room for is dropped (the
    /// peer retransmits), and [`send`](Self::send) takes no more than the
    /// budget allows, except for a few segments while nothing is in flight.
    pub fn with_budget(conv: u32, now_ms: u32, budget: &MemoryBudget) -> Self {
        Self::build(conv, now_ms, Some(budget))
    }

    /// Fixes the fast-resend threshold: a segment is resent once
    /// `duplicate_acks` later segments have been acknowledged, without
    /// waiting for its retransmission timeout (0 turns fast resend off, as
    /// in Snowflake's settings). Without this call the threshold follows
    /// the reordering the core measures ([`ReorderingWatch`]). A fixed one
    /// is worth it only where the packets of one direction keep their
    /// order: see [`FAST_RESEND_ONE_PATH`].
    pub fn set_fast_resend(&mut self, duplicate_acks: u32) {
        self.fixed_fast_resend = Some(duplicate_acks);
        self.apply_fast_resend(duplicate_acks);
    }

    /// The fast-resend threshold in use (0: off).
    pub fn fast_resend(&self) -> u32 {
        self.fast_resend
    }

    /// The largest reordering, in segments, this sender's acknowledgements
    /// have shown lately.
    pub fn reordering_depth(&self) -> u32 {
        self.reordering.depth()
    }

    fn apply_fast_resend(&mut self, threshold: u32) {
        if threshold != self.fast_resend {
            self.fast_resend = threshold;
            self.kcp.set_fast_resend(threshold);
        }
    }

    fn build(conv: u32, now_ms: u32, budget: Option<&MemoryBudget>) -> Self {
        let output = Arc::new(Mutex::new(OutputState {
            packets: VecDeque::new(),
            snd_nxt: 0,
            rcv_nxt: 0,
            wnd: WINDOW,
        }));
        let mut kcp = ::kcp::Kcp::new_stream(conv, OutputSink(Arc::clone(&output)));
        kcp.set_wndsize(WINDOW, WINDOW);
        kcp.set_nodelay(false, INTERVAL_MS as i32, 0, true);
        if let Err(e) = kcp.set_mtu(MTU) {
            // Unreachable: 1400 is a valid MTU.
            tracing::warn!("KCP refused MTU {MTU}: {e}");
        }
        let mut core = Self {
            kcp,
            output,
            dirty: false,
            window_slid: false,
            window_reopened: false,
            unflushed_segments: 0,
            unflushed_bytes: 0,
            staged: Vec::new(),
            staged_pos: 0,
            rejected: 0,
            receive: budget.map_or_else(ReceiveLimiter::new, ReceiveLimiter::with_budget),
            send_charge: budget.map(MemoryBudget::charge),
            inflight: InflightBound::new(),
            reordering: ReorderingWatch::new(),
            fixed_fast_resend: None,
            fast_resend: 0,
        };
        let threshold = core.reordering.threshold(now_ms);
        core.apply_fast_resend(threshold);
        // C-style KCP does nothing until its first update.
        core.advance(now_ms);
        core
    }

    /// The conversation id.
    pub fn conv(&self) -> u32 {
        self.kcp.conv()
    }

    /// Sets the crate's clock (it has no other way), which also flushes if
    /// the 10 ms schedule is due.
    fn advance(&mut self, now_ms: u32) {
        if let Err(e) = self.kcp.update(now_ms) {
            tracing::debug!("KCP update: {e}");
        }
    }

    /// Validates `packet` and feeds it to KCP. A refused packet changes
    /// nothing.
    ///
    /// Besides the structural checks of [`super::validate_packet`], this
    /// refuses segments whose `sn`/`una` lie more than 2^24 away from the
    /// sequence numbers this session has sent or announced, and ACKs whose
    /// echoed `ts` lies more than 2^24 ms from `now_ms`. Such values come
    /// only from forged packets; they are also exactly the ones on which
    /// the crate's arithmetic overflows (see the tests in
    /// `common/tests/kcp_input.rs`), so refusing them keeps the crate safe
    /// even if it were built with overflow checks.
    pub fn input(&mut self, packet: &[u8], now_ms: u32) -> Result<(), InputError> {
        let result = self.checked_input(packet, now_ms);
        if result.is_err() {
            self.rejected += 1;
        }
        result
    }

    fn checked_input(&mut self, packet: &[u8], now_ms: u32) -> Result<(), InputError> {
        let (snd_nxt, rcv_nxt) = {
            let out = lock_output(&self.output);
            (out.snd_nxt, out.rcv_nxt)
        };
        let within = |a: u32, b: u32| wrapping_distance(a, b).unsigned_abs() <= SEQUENCE_SLACK;
        // The newest transmission an ACK of this packet echoes: the
        // smallest round trip it measures.
        let mut newest_ack_ts: Option<u32> = None;
        let summary = walk_packet(packet, self.conv(), |h| {
            if !within(h.una, snd_nxt) {
                return Err(SegmentError::SequenceOutOfRange {
                    field: "una",
                    value: h.una,
                });
            }
            let sn_ok = match h.cmd {
                CMD_PUSH => within(h.sn, rcv_nxt),
                CMD_ACK => within(h.sn, snd_nxt),
                _ => true,
            };
            if !sn_ok {
                return Err(SegmentError::SequenceOutOfRange {
                    field: "sn",
                    value: h.sn,
                });
            }
            if h.cmd == CMD_ACK && wrapping_distance(now_ms, h.ts).unsigned_abs() > ACK_TS_SLACK {
                return Err(SegmentError::TimestampOutOfRange {
                    ts: h.ts,
                    now: now_ms,
                });
            }
            if h.cmd == CMD_ACK
                && newest_ack_ts.is_none_or(|newest| wrapping_distance(h.ts, newest) > 0)
            {
                newest_ack_ts = Some(h.ts);
            }
            Ok(())
        })?;
        if summary.needs_reply
            && self.unflushed_segments.saturating_add(summary.segments) > MAX_UNFLUSHED_SEGMENTS
        {
            return Err(InputError::Backlogged);
        }
        let filtered = if summary.pushes > 0 {
            self.limit_pushes(packet)
        } else {
            None
        };
        let (packet, summary) = match &filtered {
            None => (packet, summary),
            Some(kept) if kept.is_empty() => return Ok(()),
            // Removing whole segments keeps the packet well-formed.
            Some(kept) => (kept.as_slice(), validate_packet(kept, self.conv())?),
        };
        self.advance(now_ms);
        let waiting = self.kcp.wait_snd();
        self.kcp
            .input(packet)
            .map_err(|e| InputError::Refused(e.to_string()))?;
        if summary.needs_reply {
            self.dirty = true;
            self.unflushed_segments += summary.segments;
        }
        if let Some(ts) = newest_ack_ts {
            self.inflight.on_rtt_sample(now_ms, ts);
            self.kcp.set_rx_minrto(self.inflight.min_rto_ms());
            self.kcp.set_rx_maxrto(self.inflight.max_rto_ms());
            // A second walk, over the ACKs of a packet the crate accepted
            // (the first one ran before anything was known to be valid).
            // The packet was validated above; the walk cannot fail.
            let conv = self.conv();
            let reordering = &mut self.reordering;
            let _ = walk_packet(packet, conv, |h| {
                if h.cmd == CMD_ACK {
                    reordering.on_ack(now_ms, h.sn, h.ts);
                }
                Ok(())
            });
            if self.fixed_fast_resend.is_none() {
                let threshold = self.reordering.threshold(now_ms);
                self.apply_fast_resend(threshold);
            }
        }
        let acknowledged = waiting.saturating_sub(self.kcp.wait_snd());
        if acknowledged > 0 {
            self.inflight.on_acked(now_ms, acknowledged);
            self.window_slid = true;
            self.release_acknowledged();
        }
        Ok(())
    }

    /// Applies the receive bounds to the PUSH segments of a validated
    /// packet. Returns `None` when every segment may go to the crate, else
    /// the packet without the dropped segments (possibly empty).
    fn limit_pushes(&mut self, packet: &[u8]) -> Option<Vec<u8>> {
        let mut kept: Option<Vec<u8>> = None;
        let mut offset = 0;
        while let Some(header) = packet.get(offset..).and_then(SegmentHeader::parse) {
            let end = usize::try_from(header.len)
                .ok()
                .and_then(|len| len.checked_add(HEADER_LEN))
                .and_then(|len| len.checked_add(offset))
                .unwrap_or(packet.len())
                .min(packet.len());
            let verdict = if header.cmd == CMD_PUSH {
                self.receive.on_push(header.sn, header.len)
            } else {
                PushVerdict::Accept
            };
            match (verdict, kept.as_mut()) {
                (PushVerdict::Accept, Some(out)) => {
                    out.extend_from_slice(packet.get(offset..end).unwrap_or_default());
                }
                (PushVerdict::Accept, None) => {}
                (PushVerdict::Drop, Some(_)) => {}
                (PushVerdict::Drop, None) => {
                    kept = Some(packet.get(..offset).unwrap_or_default().to_vec());
                }
            }
            offset = end;
        }
        kept
    }

    /// Payload bytes this conversation holds on the receive side: segments
    /// waiting for an earlier one, segments not yet read, and the part of a
    /// segment staged for a short read. Bounded by
    /// [`RECV_AHEAD_BYTES`](super::RECV_AHEAD_BYTES) +
    /// [`RECV_UNREAD_BYTES`](super::RECV_UNREAD_BYTES) + 2 × [`MSS`]
    /// whatever the peer sends (one segment may cross the unread bound, and
    /// the staged one is no longer counted as unread).
    pub fn receive_buffered_bytes(&self) -> usize {
        self.receive
            .buffered_bytes()
            .saturating_add(self.staged.len().saturating_sub(self.staged_pos))
    }

    /// Segments this conversation holds on the receive side (out of order
    /// plus unread).
    pub fn receive_buffered_segments(&self) -> usize {
        self.receive.buffered_segments()
    }

    /// Incoming PUSH segments dropped by the receive bounds so far.
    pub fn receive_dropped_segments(&self) -> u64 {
        self.receive.dropped()
    }

    /// Puts the conversation on probation (`true`: out-of-order data is
    /// held only up to [`super::receive_limit::RECV_AHEAD_BYTES_UNPROVEN`])
    /// or takes it off (the normal bound).
    pub fn set_probation(&mut self, on: bool) {
        self.receive.set_probation(on);
    }

    /// Incoming PUSH segments dropped because the shared budget was spent.
    pub fn budget_dropped_segments(&self) -> u64 {
        self.receive.budget_dropped()
    }

    /// Bytes this conversation has charged to its budget (receive and send
    /// side; 0 without a budget).
    pub fn charged_bytes(&self) -> usize {
        self.receive
            .charged()
            .saturating_add(self.send_charge.as_ref().map_or(0, Charge::bytes))
    }

    /// Gives back the send-side charge of acknowledged data: at most
    /// [`MSS`] bytes stay charged per segment still waiting.
    fn release_acknowledged(&mut self) {
        let waiting = self.kcp.wait_snd().saturating_mul(MSS);
        if let Some(charge) = self.send_charge.as_mut() {
            charge.shrink_to(waiting);
        }
    }

    /// How many bytes the send-side budget lets [`send`](Self::send) take.
    fn send_room(&self) -> usize {
        match &self.send_charge {
            None => usize::MAX,
            Some(_) if self.kcp.wait_snd() == 0 => usize::MAX,
            Some(_) => self.budget_available(),
        }
    }

    fn budget_available(&self) -> usize {
        self.send_charge
            .as_ref()
            .map_or(usize::MAX, |c| c.available())
    }

    /// Call once after a batch of [`input`](Self::input)s: flushes at once
    /// if they acknowledged data, as kcp-go does when its window slides
    /// (pending ACKs ride along); otherwise ACKs wait for the next tick.
    pub fn after_input(&mut self, now_ms: u32) {
        if std::mem::take(&mut self.window_slid) {
            self.flush(now_ms);
        }
    }

    /// Whether [`send`](Self::send) would accept data now: fewer than
    /// [`SEND_QUEUE_LIMIT`] segments queued or unacknowledged and fewer than
    /// the [`InflightBound`] allows, less than
    /// one flush burst (64 KiB) sent since the last flush, and, with a
    /// budget ([`with_budget`](Self::with_budget)), room left in it or
    /// nothing in flight.
    pub fn writable(&self) -> bool {
        self.kcp.wait_snd() < SEND_QUEUE_LIMIT
            && self.kcp.wait_snd() < self.inflight.limit()
            && self.unflushed_bytes < FLUSH_BURST
            && self.send_room() > 0
    }

    /// Segments the in-flight bound lets this sender have queued or
    /// unacknowledged now (see [`InflightBound`]).
    pub fn inflight_limit(&self) -> usize {
        self.inflight.limit()
    }

    /// The smallest recent round trip the in-flight bound has measured.
    pub fn min_rtt_ms(&self) -> Option<u32> {
        self.inflight.min_rtt_ms()
    }

    /// Queues data for sending; returns how many bytes were taken (0 while
    /// [`writable`](Self::writable) is false). Call [`flush`](Self::flush)
    /// to send them.
    pub fn send(&mut self, data: &[u8]) -> usize {
        if data.is_empty() {
            return 0;
        }
        let inflight_room = self
            .inflight
            .limit()
            .saturating_sub(self.kcp.wait_snd())
            .saturating_mul(MSS);
        self.inflight.set_held(inflight_room == 0);
        if !self.writable() {
            return 0;
        }
        let idle = self.kcp.wait_snd() == 0;
        let room = FLUSH_BURST
            .saturating_sub(self.unflushed_bytes)
            .min(MAX_SEND_CHUNK)
            .min(inflight_room)
            .min(if idle {
                self.budget_available().max(SEND_MINIMUM)
            } else {
                self.budget_available()
            });
        let chunk = data.get(..room).unwrap_or(data);
        if chunk.is_empty() {
            return 0;
        }
        if let Some(charge) = self.send_charge.as_mut() {
            if !charge.try_grow(chunk.len()) {
                if !idle {
                    return 0;
                }
                // Nothing in flight: a few segments always go, so that
                // the session can make progress.
                charge.force_grow(chunk.len());
            }
        }
        match self.kcp.send(chunk) {
            Ok(n) => {
                self.dirty = true;
                self.unflushed_bytes += n;
                if let Some(charge) = self.send_charge.as_mut() {
                    charge.shrink(chunk.len().saturating_sub(n));
                }
                n
            }
            Err(e) => {
                tracing::debug!("KCP send: {e}");
                if let Some(charge) = self.send_charge.as_mut() {
                    charge.shrink(chunk.len());
                }
                0
            }
        }
    }

    /// Segments queued or in flight.
    pub fn wait_snd(&self) -> usize {
        self.kcp.wait_snd()
    }

    /// Whether [`recv`](Self::recv) would return data.
    pub fn readable(&self) -> bool {
        // An empty PUSH segment also counts: `recv` consumes it silently.
        self.staged_pos < self.staged.len() || self.kcp.peeksize().is_ok()
    }

    /// Copies received bytes, in order, into `buf`; returns how many (0 if
    /// none are available).
    pub fn recv(&mut self, buf: &mut [u8]) -> usize {
        let mut filled = 0;
        if let Some(staged) = self.staged.get(self.staged_pos..) {
            let n = staged.len().min(buf.len());
            if let (Some(dst), Some(src)) = (buf.get_mut(..n), staged.get(..n)) {
                dst.copy_from_slice(src);
                filled = n;
                self.staged_pos += n;
            }
        }
        if self.staged_pos >= self.staged.len() {
            self.staged.clear();
            self.staged_pos = 0;
        }
        while filled < buf.len() {
            // Stream mode with frg 0 (enforced on input): one segment each.
            let Ok(size) = self.kcp.peeksize() else { break };
            let Some(room) = buf.get_mut(filled..) else {
                break;
            };
            if size <= room.len() {
                match self.kcp.recv(room) {
                    Ok(n) => {
                        self.receive.on_read(n);
                        filled += n;
                    }
                    Err(e) => {
                        tracing::debug!("KCP recv: {e}");
                        break;
                    }
                }
            } else {
                // The segment is bigger than what is left of the caller's
                // buffer: take it whole and hand it out in parts.
                self.staged.resize(size, 0);
                match self.kcp.recv(&mut self.staged) {
                    Ok(n) => {
                        self.receive.on_read(n);
                        self.staged.truncate(n);
                        let part = room.len().min(n);
                        if let (Some(dst), Some(src)) =
                            (room.get_mut(..part), self.staged.get(..part))
                        {
                            dst.copy_from_slice(src);
                            filled += part;
                            self.staged_pos = part;
                        }
                    }
                    Err(e) => {
                        tracing::debug!("KCP recv: {e}");
                        self.staged.clear();
                    }
                }
                break;
            }
        }
        if filled > 0 && lock_output(&self.output).wnd == 0 {
            self.window_reopened = true;
            self.dirty = true;
        }
        filled
    }

    /// Whether a read reopened a receive window we had announced as zero;
    /// the caller should flush soon so the peer hears about it. Clears the
    /// flag.
    pub fn take_window_reopened(&mut self) -> bool {
        std::mem::take(&mut self.window_reopened)
    }

    /// Sends what is due now: pending ACKs, window probes/answers, queued
    /// data (within the peer's window), and retransmissions whose timer
    /// expired.
    pub fn flush(&mut self, now_ms: u32) {
        self.advance(now_ms);
        if let Err(e) = self.kcp.flush() {
            tracing::debug!("KCP flush: {e}");
        }
        self.dirty = false;
        self.unflushed_segments = 0;
        self.unflushed_bytes = 0;
        self.release_acknowledged();
    }

    /// Milliseconds from `now_ms` until [`flush`](Self::flush) should run
    /// again, or `None` while the session is idle (nothing unacknowledged,
    /// nothing to acknowledge, peer window open). Unlike kcp-go, which
    /// wakes every session every 10 ms, an idle session needs no timer.
    pub fn next_timeout(&self, now_ms: u32) -> Option<u32> {
        let busy = self.dirty || self.kcp.wait_snd() > 0 || self.kcp.rmt_wnd() == 0;
        busy.then(|| self.kcp.check(now_ms))
    }

    /// Hands every packet produced so far to `send`, in order.
    pub fn drain_output(&mut self, mut send: impl FnMut(Bytes)) {
        let packets = std::mem::take(&mut lock_output(&self.output).packets);
        packets.into_iter().for_each(&mut send);
    }

    /// Whether packets await [`drain_output`](Self::drain_output).
    pub fn has_output(&self) -> bool {
        !lock_output(&self.output).packets.is_empty()
    }

    /// Packets refused by [`input`](Self::input) so far.
    pub fn rejected_packets(&self) -> u64 {
        self.rejected
    }
}
