//! The sans-IO smux session (`SessionCore`, docs/protocol.md §3.3/§3.4)
//! driven by a fuzzer-chosen program: transport input (raw bytes or
//! generated frames), app reads/writes, stream open/accept/shutdown/close,
//! clock jumps, transport drains, EOF and errors.
//!
//! Input: byte 0 picks the config (bits 0-1: Snowflake client, Snowflake
//! server, small, tiny) and the role (bit 2: server); then a sequence of
//! operations, one byte each plus arguments (see [`Op`]).
//!
//! Alongside the core runs a model of what the peer and the app can observe,
//! built from the protocol rules rather than from the implementation:
//! which streams exist, each stream's unread bytes (from the PSH frames the
//! core actually consumed), FIN state, the peer's flow-control window, the
//! accept queue. Checks:
//! * no panic;
//! * reads return exactly the bytes the peer sent on that stream, in order,
//!   then EOF after the peer's FIN; `readable_len` agrees;
//! * accepted streams come out in SYN order; the accept queue never exceeds
//!   the backlog;
//! * writes never exceed the peer's window nor the output queue limit, take
//!   as much as both allow, and appear in the output as PSH frames of at
//!   most `max_frame_size` with the written bytes;
//! * the output is exactly the frames the operations called for (SYN, FIN,
//!   PSH, UPD after the first read and every window/2 bytes, NOP only into
//!   an empty queue), and `output_len` always equals their size;
//! * `handle_input` consumes everything unless `wants_input` turned false,
//!   and fails exactly when the frames are malformed or a UPD acknowledges
//!   more than was written;
//! * the receive token bucket never goes below minus one frame, and is full
//!   whenever no stream holds unread data (no leak);
//! * after `handle_timeout(now)`, the next timeout is in the future.
#![no_main]

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use snowflake_common::smux::frame::{HEADER_LEN, INITIAL_PEER_WINDOW};
use snowflake_common::smux::{
    Config, DecodeEvent, Frame, FrameDecoder, ReadOutcome, Role, SessionCore, SessionError,
    StreamError, WriteOutcome, OUTPUT_PAUSE_LIMIT, OUTPUT_QUEUE_LIMIT,
};
use snowflake_common_fuzz::ByteReader;

/// Largest amount the token bucket may dip below zero: one frame's worth.
const MAX_FRAME_PAYLOAD: i64 = 65_535;

/// Transport bytes the harness keeps unconsumed at most (a driver's read
/// buffer); more input is dropped by the harness.
const MAX_PENDING: usize = 1 << 20;

fn config(selector: u8) -> Config {
    match selector & 3 {
        0 => Config::snowflake_client(),
        1 => Config::snowflake_server(),
        2 => Config {
            version: 2,
            keep_alive_interval: Duration::from_secs(1),
            keep_alive_timeout: Duration::from_secs(3),
            max_frame_size: 100,
            max_receive_buffer: 8192,
            max_stream_buffer: 4096,
            accept_backlog: 3,
        },
        _ => Config {
            version: 2,
            keep_alive_interval: Duration::from_millis(1),
            keep_alive_timeout: Duration::from_millis(1),
            max_frame_size: 1,
            max_receive_buffer: 1,
            max_stream_buffer: 1,
            accept_backlog: 1,
        },
    }
}

/// What the model knows about one stream.
#[derive(Debug)]
struct ModelStream {
    /// Distinguishes re-use of a stream id, for the write pattern.
    incarnation: u32,
    unread: VecDeque<u8>,
    remote_fin: bool,
    local_fin: bool,
    /// Total bytes read by the app.
    num_read: u64,
    read_since_update: u64,
    /// Total bytes accepted by `write` (u32 on the wire, wrapping).
    num_written: u32,
    written_total: u64,
    peer_consumed: u32,
    peer_window: u32,
}

impl ModelStream {
    fn new(incarnation: u32) -> Self {
        Self {
            incarnation,
            unread: VecDeque::new(),
            remote_fin: false,
            local_fin: false,
            num_read: 0,
            read_since_update: 0,
            num_written: 0,
            written_total: 0,
            peer_consumed: 0,
            peer_window: INITIAL_PEER_WINDOW,
        }
    }

    /// How much more the peer's window admits (may be negative).
    fn window_left(&self) -> i64 {
        let inflight = self.num_written.wrapping_sub(self.peer_consumed) as i32;
        i64::from(self.peer_window) - i64::from(inflight.max(0))
    }
}

/// The byte written at `offset` of a stream incarnation.
fn pattern(incarnation: u32, offset: u64) -> u8 {
    (offset.wrapping_mul(31) ^ u64::from(incarnation).wrapping_mul(0x9e37)) as u8
}

fn frame_len(frame: &Frame) -> usize {
    match frame {
        Frame::Psh { data, .. } => HEADER_LEN + data.len(),
        Frame::Upd { .. } => HEADER_LEN + 8,
        _ => HEADER_LEN,
    }
}

struct Harness {
    core: SessionCore,
    config: Config,
    role: Role,
    now: Instant,
    /// Transport bytes read but not yet consumed by the core.
    pending: Vec<u8>,
    /// Decodes, in step with the core, the bytes the core consumed.
    shadow: FrameDecoder,
    streams: HashMap<u32, ModelStream>,
    /// Stream ids in creation order, for picking one.
    sids: Vec<u32>,
    accept_queue: VecDeque<u32>,
    closed: bool,
    incarnations: u32,
    last_opened: Option<u32>,
    total_unread: usize,
    /// Frames the core must have queued, in order, since the last drain.
    expected_out: VecDeque<Frame>,
    expected_out_len: usize,
    spare: BytesMut,
    /// Reused buffer for app reads.
    read_buf: Vec<u8>,
}

/// Operations of the fuzz program (op byte modulo 32, see `from_byte`).
#[derive(Debug, Clone, Copy)]
enum Op {
    FeedRaw,
    FeedRawLarge,
    FeedFrame,
    Pump,
    Read,
    Write,
    Open,
    Accept,
    Shutdown,
    CloseStream,
    Timeout,
    DrainOutput,
    TransportEof,
    TransportError,
    Close,
    TakeWakeups,
}

impl Op {
    /// Codes 0-15 name each operation once; codes 16-31 repeat the ones
    /// that keep a session alive and busy, so that random programs do not
    /// mostly end in EOF, error or close.
    fn from_byte(b: u8) -> Self {
        match b % 32 {
            0 => Op::FeedRaw,
            1 => Op::FeedRawLarge,
            2 | 16 | 17 | 18 | 31 => Op::FeedFrame,
            3 | 30 => Op::Pump,
            4 | 19 | 20 | 28 => Op::Read,
            5 | 21 | 22 | 29 => Op::Write,
            6 | 23 => Op::Open,
            7 | 24 => Op::Accept,
            8 => Op::Shutdown,
            9 => Op::CloseStream,
            10 | 25 => Op::Timeout,
            11 | 26 | 27 => Op::DrainOutput,
            12 => Op::TransportEof,
            13 => Op::TransportError,
            14 => Op::Close,
            15 => Op::TakeWakeups,
            _ => unreachable!("b % 32 < 32"),
        }
    }
}

impl Harness {
    fn new(selector: u8) -> Self {
        let config = config(selector);
        let role = if selector & 4 != 0 {
            Role::Server
        } else {
            Role::Client
        };
        let now = Instant::now();
        let core = SessionCore::new(role, config.clone(), now).expect("preset config is valid");
        Self {
            core,
            config,
            role,
            now,
            pending: Vec::new(),
            shadow: FrameDecoder::new(),
            streams: HashMap::new(),
            sids: Vec::new(),
            accept_queue: VecDeque::new(),
            closed: false,
            incarnations: 0,
            last_opened: None,
            total_unread: 0,
            expected_out: VecDeque::new(),
            expected_out_len: 0,
            spare: BytesMut::new(),
            read_buf: Vec::new(),
        }
    }

    fn pick_sid(&self, r: &mut ByteReader) -> u32 {
        let b = r.u8();
        if b & 0x80 != 0 || self.sids.is_empty() {
            u32::from(b & 0x7f)
        } else {
            self.sids[usize::from(b) % self.sids.len()]
        }
    }

    fn expect_frame(&mut self, frame: Frame) {
        self.expected_out_len += frame_len(&frame);
        self.expected_out.push_back(frame);
    }

    fn create_stream(&mut self, sid: u32) {
        self.incarnations = self.incarnations.wrapping_add(1);
        self.streams
            .insert(sid, ModelStream::new(self.incarnations));
        self.sids.push(sid);
    }

    fn remove_stream(&mut self, sid: u32) -> Option<ModelStream> {
        let stream = self.streams.remove(&sid)?;
        self.sids.retain(|&s| s != sid);
        self.accept_queue.retain(|&s| s != sid);
        self.total_unread -= stream.unread.len();
        Some(stream)
    }

    fn mark_closed(&mut self) {
        self.closed = true;
        self.accept_queue.clear();
    }

    /// Applies one decoded frame event to the model, as the protocol says
    /// the session must. Returns the error the session must end with, if
    /// any.
    fn model_event(&mut self, event: DecodeEvent<'_>) -> Option<SessionError> {
        match event {
            DecodeEvent::Nop => {}
            DecodeEvent::Syn { sid } => {
                if !self.streams.contains_key(&sid) {
                    self.create_stream(sid);
                    self.accept_queue.push_back(sid);
                }
            }
            DecodeEvent::Fin { sid } => {
                if let Some(stream) = self.streams.get_mut(&sid) {
                    stream.remote_fin = true;
                }
            }
            DecodeEvent::Upd {
                sid,
                consumed,
                window,
            } => {
                if let Some(stream) = self.streams.get_mut(&sid) {
                    let written = stream.num_written;
                    if (written.wrapping_sub(consumed) as i32) < 0 {
                        return Some(SessionError::PeerConsumedTooMuch {
                            sid,
                            consumed,
                            written,
                        });
                    }
                    stream.peer_consumed = consumed;
                    stream.peer_window = window;
                }
            }
            DecodeEvent::PshData { sid, data, .. } => {
                if let Some(stream) = self.streams.get_mut(&sid) {
                    if !stream.remote_fin {
                        stream.unread.extend(data.iter().copied());
                        self.total_unread += data.len();
                    }
                }
            }
        }
        None
    }

    /// Runs the shadow decoder and the model over `input`, stopping at the
    /// first error. Returns the bytes used and the error.
    fn model_input(&mut self, input: &[u8]) -> (usize, Option<SessionError>) {
        let mut pos = 0;
        while pos < input.len() {
            let (used, event) = match self.shadow.decode(&input[pos..]) {
                Ok(step) => step,
                Err(err) => return (pos, Some(SessionError::Protocol(err))),
            };
            pos += used;
            if let Some(event) = event {
                if let Some(err) = self.model_event(event) {
                    return (pos, Some(err));
                }
            }
        }
        (pos, None)
    }

    /// Offers the pending transport bytes to the core, as a driver does.
    fn pump(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let input = std::mem::take(&mut self.pending);
        let out_before = self.core.output_len();
        match self.core.handle_input(&input) {
            Ok(used) => {
                assert!(!self.closed, "handle_input succeeded on a closed session");
                assert!(used <= input.len());
                if used < input.len() {
                    assert!(
                        !self.core.wants_input(),
                        "handle_input stopped early while still wanting input"
                    );
                }
                let (modelled, err) = self.model_input(&input[..used]);
                assert_eq!(modelled, used);
                assert_eq!(err, None, "core accepted input the model rejects");
                self.pending = input[used..].to_vec();
            }
            Err(err) => {
                if self.closed {
                    assert_eq!(Some(&err), self.core.close_reason());
                } else {
                    let (_, want) = self.model_input(&input);
                    assert_eq!(Some(err.clone()), want, "core error differs from model");
                    assert_eq!(Some(&err), self.core.close_reason());
                    self.mark_closed();
                }
            }
        }
        // Input never makes output by itself.
        assert_eq!(self.core.output_len(), out_before);
    }

    fn feed(&mut self, bytes: &[u8]) {
        if self.pending.len() + bytes.len() <= MAX_PENDING {
            self.pending.extend_from_slice(bytes);
        }
        self.pump();
    }

    fn feed_frame(&mut self, r: &mut ByteReader) {
        let cmd = r.u8();
        let sid = self.pick_sid(r);
        let frame = match cmd % 5 {
            0 => Frame::Syn { sid },
            1 => Frame::Fin { sid },
            2 => {
                // Total length, then how many literal bytes lead the
                // payload; the rest is zeros (cheap large frames).
                let len = usize::from(r.u16());
                let literal = usize::from(r.u8()).min(len);
                let mut data = r.bytes(literal).to_vec();
                data.resize(len, 0);
                Frame::Psh {
                    sid,
                    data: Bytes::from(data),
                }
            }
            3 => Frame::Nop,
            _ => {
                let mode = r.u8();
                let written = self.streams.get(&sid).map_or(0, |s| s.num_written);
                let consumed = match mode % 3 {
                    0 => written,
                    1 => written.wrapping_sub(u32::from(r.u16())),
                    _ => r.u32(),
                };
                let window = match mode / 3 % 3 {
                    0 => INITIAL_PEER_WINDOW,
                    1 => u32::from(r.u16()),
                    _ => r.u32(),
                };
                Frame::Upd {
                    sid,
                    consumed,
                    window,
                }
            }
        };
        let mut bytes = BytesMut::new();
        frame.encode(&mut bytes).expect("generated frame encodes");
        self.feed(&bytes);
    }

    fn read(&mut self, r: &mut ByteReader) {
        let sid = self.pick_sid(r);
        let size = usize::from(r.u16());
        let mut buf = std::mem::take(&mut self.read_buf);
        buf.resize(size, 0);
        let out_before = self.core.output_len();
        let result = self.core.read(sid, &mut buf);
        self.check_read(sid, size, &buf, out_before, result);
        self.read_buf = buf;
    }

    fn check_read(
        &mut self,
        sid: u32,
        size: usize,
        buf: &[u8],
        out_before: usize,
        result: Result<ReadOutcome, StreamError>,
    ) {
        let closed = self.closed;
        let window = self.config.max_stream_buffer as u64;
        let Some(stream) = self.streams.get_mut(&sid) else {
            assert_eq!(result, Err(StreamError::UnknownStream(sid)));
            return;
        };
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(StreamError::Session(_)) => {
                assert!(closed && size > 0 && stream.unread.is_empty() && !stream.remote_fin);
                return;
            }
            Err(err) => panic!("read of a known stream failed: {err}"),
        };
        if size == 0 {
            assert_eq!(outcome, ReadOutcome::Data(0));
            assert_eq!(self.core.output_len(), out_before);
            return;
        }
        let mut upd = None;
        match outcome {
            ReadOutcome::Data(n) => {
                assert_eq!(n, size.min(stream.unread.len()), "short read");
                let want: Vec<u8> = stream.unread.drain(..n).collect();
                assert!(buf[..n] == want[..], "read returned wrong bytes");
                self.total_unread -= n;
                let first = stream.num_read == 0;
                stream.num_read += n as u64;
                stream.read_since_update += n as u64;
                if first || stream.read_since_update >= window / 2 {
                    stream.read_since_update = 0;
                    if !closed {
                        upd = Some(Frame::Upd {
                            sid,
                            consumed: stream.num_read as u32,
                            window: window as u32,
                        });
                    }
                }
            }
            ReadOutcome::Eof => {
                assert!(stream.unread.is_empty() && stream.remote_fin, "early EOF");
            }
            ReadOutcome::Blocked => {
                assert!(stream.unread.is_empty() && !stream.remote_fin && !closed);
            }
        }
        let stream_len = stream.unread.len();
        assert_eq!(self.core.readable_len(sid), stream_len);
        if let Some(frame) = upd {
            self.expect_frame(frame);
        }
    }

    fn write(&mut self, r: &mut ByteReader) {
        let sid = self.pick_sid(r);
        // Up to 128 KiB, but a write never takes more than the output queue
        // limit, so longer data would only cost time.
        let len =
            (usize::from(r.u16()) * (1 + usize::from(r.u8() & 1))).min(OUTPUT_QUEUE_LIMIT + 1);
        let out_before = self.core.output_len();
        let Some(stream) = self.streams.get_mut(&sid) else {
            let result = self.core.write(sid, &[1]);
            if self.closed {
                assert!(matches!(result, Err(StreamError::Session(_))));
            } else {
                assert_eq!(result, Err(StreamError::UnknownStream(sid)));
            }
            return;
        };
        let data: Vec<u8> = (0..len as u64)
            .map(|i| pattern(stream.incarnation, stream.written_total + i))
            .collect();
        let result = self.core.write(sid, &data);
        if self.closed {
            assert!(matches!(result, Err(StreamError::Session(_))));
            return;
        }
        if stream.local_fin {
            assert_eq!(result, Err(StreamError::WriteAfterShutdown(sid)));
            return;
        }
        let window_left = stream.window_left();
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(StreamError::PeerClosed(s)) => {
                assert_eq!(s, sid);
                assert!(
                    len > 0 && window_left <= 0 && stream.remote_fin,
                    "PeerClosed with window {window_left}"
                );
                return;
            }
            Err(err) => panic!("write on an open stream failed: {err}"),
        };
        if len == 0 {
            assert_eq!(outcome, WriteOutcome::Written(0));
            return;
        }
        match outcome {
            WriteOutcome::Written(n) => {
                assert!(window_left > 0 && out_before < OUTPUT_QUEUE_LIMIT);
                let allowed = (len as i64).min(window_left).min(OUTPUT_QUEUE_LIMIT as i64);
                assert_eq!(n as i64, allowed, "write took less than allowed");
                stream.num_written = stream.num_written.wrapping_add(n as u32);
                stream.written_total += n as u64;
                // One allocation per write; frames share it.
                let limit = self.config.max_frame_size;
                let written = Bytes::copy_from_slice(&data[..n]);
                let mut start = 0;
                while start < n {
                    let end = (start + limit).min(n);
                    self.expect_frame(Frame::Psh {
                        sid,
                        data: written.slice(start..end),
                    });
                    start = end;
                }
            }
            WriteOutcome::Blocked => {
                assert!(
                    (window_left <= 0 && !stream.remote_fin)
                        || (window_left > 0 && out_before >= OUTPUT_QUEUE_LIMIT),
                    "write blocked with window {window_left} and {out_before} bytes queued"
                );
            }
        }
    }

    fn open(&mut self) {
        let result = self.core.open_stream();
        if self.closed {
            assert!(result.is_err());
            return;
        }
        let sid = result.expect("stream ids are not exhausted in a fuzz run");
        let parity = match self.role {
            Role::Client => 1,
            Role::Server => 0,
        };
        assert_eq!(sid % 2, parity, "stream id of the wrong parity");
        assert!(sid >= 2, "stream id below 2");
        assert!(self.last_opened.is_none_or(|last| sid > last));
        assert!(!self.streams.contains_key(&sid), "opened a live stream id");
        self.last_opened = Some(sid);
        self.create_stream(sid);
        self.expect_frame(Frame::Syn { sid });
    }

    fn shutdown(&mut self, r: &mut ByteReader) {
        let sid = self.pick_sid(r);
        let result = self.core.shutdown_stream(sid);
        if self.closed {
            assert!(matches!(result, Err(StreamError::Session(_))));
            return;
        }
        let Some(stream) = self.streams.get_mut(&sid) else {
            assert_eq!(result, Err(StreamError::UnknownStream(sid)));
            return;
        };
        result.expect("shutdown of a known stream");
        if !stream.local_fin {
            stream.local_fin = true;
            self.expect_frame(Frame::Fin { sid });
        }
    }

    fn close_stream(&mut self, r: &mut ByteReader) {
        let sid = self.pick_sid(r);
        self.core.close_stream(sid);
        if let Some(stream) = self.remove_stream(sid) {
            if !stream.local_fin && !self.closed {
                self.expect_frame(Frame::Fin { sid });
            }
        }
    }

    fn timeout(&mut self, r: &mut ByteReader) {
        let mode = r.u8();
        let step = match mode % 4 {
            0 => self
                .core
                .poll_timeout()
                .map_or(Duration::ZERO, |at| at.saturating_duration_since(self.now)),
            1 => Duration::from_millis(u64::from(r.u16())),
            2 => Duration::from_secs(u64::from(r.u16())),
            _ => Duration::from_secs(u64::from(r.u32())),
        };
        if let Some(now) = self.now.checked_add(step) {
            self.now = now;
        }
        let out_before = self.core.output_len();
        self.core.handle_timeout(self.now);
        let grown = self.core.output_len() - out_before;
        match grown {
            0 => {}
            HEADER_LEN => {
                assert_eq!(out_before, 0, "NOP queued behind other output");
                self.expect_frame(Frame::Nop);
            }
            other => panic!("timeout queued {other} bytes"),
        }
        if let Some(at) = self.core.poll_timeout() {
            assert!(at > self.now, "next timeout is not in the future");
        }
        if self.core.is_closed() && !self.closed {
            assert!(matches!(
                self.core.close_reason(),
                Some(SessionError::KeepAliveTimeout(_))
            ));
            self.mark_closed();
        }
    }

    fn drain_output(&mut self) {
        self.core.swap_output(&mut self.spare);
        let mut decoder = FrameDecoder::new();
        let mut rest = &self.spare[..];
        while !rest.is_empty() {
            let (used, event) = decoder.decode(rest).expect("own output is valid smux");
            rest = &rest[used..];
            let Some(event) = event else { break };
            let want = self.expected_out.pop_front();
            // The buffer holds whole frames, so a PSH payload comes in one
            // piece; compare without building frames (tiny configs make
            // many thousands of them).
            let same = match (&event, &want) {
                (DecodeEvent::Syn { sid }, Some(Frame::Syn { sid: w })) => sid == w,
                (DecodeEvent::Fin { sid }, Some(Frame::Fin { sid: w })) => sid == w,
                (DecodeEvent::Nop, Some(Frame::Nop)) => true,
                (
                    DecodeEvent::Upd {
                        sid,
                        consumed,
                        window,
                    },
                    Some(Frame::Upd {
                        sid: w_sid,
                        consumed: w_consumed,
                        window: w_window,
                    }),
                ) => (sid, consumed, window) == (w_sid, w_consumed, w_window),
                (
                    DecodeEvent::PshData {
                        sid,
                        data,
                        remaining: 0,
                    },
                    Some(Frame::Psh {
                        sid: w_sid,
                        data: w_data,
                    }),
                ) => sid == w_sid && *data == &w_data[..],
                _ => false,
            };
            assert!(
                same,
                "output frame {event:?} differs from the model's {want:?}"
            );
        }
        assert!(decoder.at_frame_boundary(), "output ends inside a frame");
        assert!(
            self.expected_out.is_empty(),
            "frames missing from the output"
        );
        self.expected_out_len = 0;
    }

    fn run_op(&mut self, op: Op, r: &mut ByteReader) {
        if trace() {
            eprintln!(
                "op {op:?}: out {} pending {} tokens {} streams {:?} closed {}",
                self.core.output_len(),
                self.pending.len(),
                self.core.receive_tokens(),
                self.sids,
                self.closed
            );
        }
        match op {
            Op::FeedRaw => {
                let n = usize::from(r.u8());
                let bytes = r.bytes(n);
                self.feed(bytes);
            }
            Op::FeedRawLarge => {
                let n = usize::from(r.u16());
                let bytes = r.bytes(n);
                self.feed(bytes);
            }
            Op::FeedFrame => self.feed_frame(r),
            Op::Pump => self.pump(),
            Op::Read => self.read(r),
            Op::Write => self.write(r),
            Op::Open => self.open(),
            Op::Accept => {
                let got = self.core.accept();
                assert_eq!(got, self.accept_queue.pop_front(), "accept order");
            }
            Op::Shutdown => self.shutdown(r),
            Op::CloseStream => self.close_stream(r),
            Op::Timeout => self.timeout(r),
            Op::DrainOutput => self.drain_output(),
            Op::TransportEof => {
                self.core.handle_transport_eof();
                if !self.closed {
                    let want = if self.shadow.at_frame_boundary() {
                        SessionError::TransportClosed
                    } else {
                        SessionError::TruncatedFrame
                    };
                    assert_eq!(self.core.close_reason(), Some(&want));
                    self.mark_closed();
                }
            }
            Op::TransportError => {
                let err = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "fuzz");
                self.core.handle_transport_error(&err);
                self.mark_closed();
            }
            Op::Close => {
                self.core.close();
                self.mark_closed();
            }
            Op::TakeWakeups => {
                let _ = self.core.take_driver_wake();
            }
        }
        // A driver drains wakeups after every call.
        self.core.drain_wakeups().for_each(drop);
        self.check_invariants();
    }

    fn check_invariants(&self) {
        let core = &self.core;
        assert_eq!(core.is_closed(), self.closed, "closed state differs");
        assert_eq!(
            core.output_len(),
            self.expected_out_len,
            "unexpected output"
        );
        assert_eq!(
            core.num_streams(),
            self.streams.len(),
            "stream count differs"
        );
        assert_eq!(core.pending_accepts(), self.accept_queue.len());
        assert!(core.pending_accepts() <= self.config.accept_backlog);
        let max = self.config.max_receive_buffer as i64;
        let tokens = core.receive_tokens();
        assert!(tokens <= max, "token bucket over its size");
        assert!(
            tokens >= -MAX_FRAME_PAYLOAD,
            "token bucket at {tokens}, more than one frame below zero"
        );
        assert!(
            self.total_unread as i64 <= max - tokens,
            "buffered data not charged to the bucket"
        );
        if self.total_unread == 0 {
            assert_eq!(tokens, max, "tokens leaked with no data buffered");
        }
        let wants = !self.closed
            && tokens > 0
            && core.pending_accepts() < self.config.accept_backlog
            && core.output_len() < OUTPUT_PAUSE_LIMIT;
        assert_eq!(core.wants_input(), wants, "wants_input inconsistent");
    }
}

/// Set `SMUX_FUZZ_TRACE=1` to print each operation (for triaging a crash
/// by running the target binary on the crashing input).
fn trace() -> bool {
    static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("SMUX_FUZZ_TRACE").is_some())
}

fuzz_target!(|data: &[u8]| {
    let mut r = ByteReader::new(data);
    let mut harness = Harness::new(r.u8());
    let mut ops = 0;
    while !r.is_empty() && ops < 4096 {
        let op = Op::from_byte(r.u8());
        harness.run_op(op, &mut r);
        ops += 1;
    }
    // A final drain checks the last frames too.
    harness.drain_output();
});
